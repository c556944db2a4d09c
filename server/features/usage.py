"""Feature usage, computed from stored events at query time (docs/features.md).

A use of feature F is (METRICS.md "Feature adoption": a click on a CSS selector, a page
view matching a URL rule, or a custom `track` event name):
- a `feature_used` event whose `name` is F's key (sent by the SDK for click rules — so
  click tagging counts from the rule's creation on), or
- a `track` event whose name is one of F's event rules, or
- a `page_view` whose `properties.url` matches one of F's URL rules.
The last two are evaluated on the stored events on every query, so they are retroactive:
a rule added today counts last month's page views too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from ..metrics.cache import cached
from ..models import Event, Feature
from .urlmatch import match_url


@dataclass(slots=True)
class DayUsage:
    day: date
    events: int = 0
    users: set[str] = field(default_factory=set)


@dataclass(slots=True)
class FeatureUsage:
    """Uses in [start, end): totals, per UTC day, and each user's first use ever."""

    events: int = 0
    users: set[str] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)
    days: dict[date, DayUsage] = field(default_factory=dict)
    #: For every user who used the feature in the period: their first use ever (< end).
    first_use: dict[str, datetime] = field(default_factory=dict)


def rule_parts(rules: Iterable[Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """A feature's rules as (sorted event-rule names, URL rules): what besides
    `feature_used` named by its key makes an event a use of it."""
    names: set[str] = set()
    urls: list[dict[str, Any]] = []
    for rule in rules:
        if not isinstance(rule, dict):
            continue
        if rule.get("kind") == "event" and isinstance(rule.get("name"), str):
            names.add(rule["name"])
        elif rule.get("kind") == "url":
            urls.append(rule.get("url"))  # type: ignore[arg-type]
    return sorted(names), urls


def uses_per_user(
    *, session: Session, environment_id: int, key: str, rules: list[dict[str, Any]],
    since: datetime | None,
) -> dict[str, int]:
    """user -> number of uses of feature `key` (with `rules`) at or after `since` (ever
    when None): the segment leaf `{feature: KEY, op: used}` in batch. Two grouped queries:
    `feature_used`/`track` counted in SQL, page views grouped by (user, URL) and matched
    once per distinct URL."""
    names, urls = rule_parts(rules)
    base = col(Event.environment_id) == environment_id
    base = base & col(Event.user_id).is_not(None)
    if since is not None:
        base = base & (col(Event.timestamp) >= since)
    named = (col(Event.type) == "feature_used") & (col(Event.name) == key)
    if names:
        named = named | ((col(Event.type) == "track") & col(Event.name).in_(names))
    out = {u: int(n) for u, n in session.execute(
        sa.select(col(Event.user_id), sa.func.count()).where(base & named)
        .group_by(col(Event.user_id)))}
    if urls:
        url = col(Event.properties)["url"].as_string()
        views = (sa.select(col(Event.user_id), url, sa.func.count())
                 .where(base & (col(Event.type) == "page_view"))
                 .group_by(col(Event.user_id), url))
        memo: dict[Any, bool] = {}
        for user, address, n in session.execute(views.execution_options(yield_per=2000)):
            hit = memo.get(address)
            if hit is None:
                hit = memo[address] = any(match_url(rule, address) for rule in urls)
            if hit:
                out[user] = out.get(user, 0) + int(n)
    return out


def _uses(
    session: Session, environment_id: int, key: str, rules: list[dict[str, Any]], end: datetime
) -> Iterator[tuple[str | None, str | None, datetime]]:
    """(user, account, time) of every use before `end` of the feature `key` with `rules`."""
    names, urls = rule_parts(rules)
    base = (col(Event.environment_id) == environment_id) & (col(Event.timestamp) < end)
    named = (col(Event.type) == "feature_used") & (col(Event.name) == key)
    if names:
        named = named | ((col(Event.type) == "track") & col(Event.name).in_(names))
    query = sa.select(col(Event.user_id), col(Event.account_id), col(Event.timestamp)).where(
        base & named
    )
    yield from session.execute(query)
    if urls:
        views = sa.select(
            col(Event.user_id), col(Event.account_id), col(Event.timestamp),
            col(Event.properties)["url"].as_string(),
        ).where(base & (col(Event.type) == "page_view"))
        for user, account, ts, url in session.execute(views.execution_options(yield_per=2000)):
            if any(match_url(rule, url) for rule in urls):
                yield user, account, ts


def feature_usage(
    *, session: Session, environment_id: int, feature: Feature, start: datetime, end: datetime,
    account_id: str | None = None,
) -> FeatureUsage:
    """How feature `feature` was used in [start, end) (optionally by one account's users).

    Remembered by the metrics result cache (server/metrics/cache.py) under the feature's
    key and rules and the environment's data version: the admin's feature page asks for
    whole days, so a repeated read of unchanged data is not a scan of every page view.
    The result is shared: callers read it and never change it."""
    return _feature_usage(session=session, environment_id=environment_id, key=feature.key,
                          rules=list(feature.rules), start=start, end=end,
                          account_id=account_id)


@cached
def _feature_usage(
    *, session: Session, environment_id: int, key: str, rules: list[dict[str, Any]],
    start: datetime, end: datetime, account_id: str | None,
) -> FeatureUsage:
    out = FeatureUsage()
    first: dict[str, datetime] = {}
    for user, account, ts in _uses(session, environment_id, key, rules, end):
        if user is None:
            continue
        if user not in first or ts < first[user]:
            first[user] = ts
        if ts < start or (account_id is not None and account != account_id):
            continue
        out.events += 1
        out.users.add(user)
        if account:
            out.accounts.add(account)
        day = out.days.setdefault(ts.date(), DayUsage(ts.date()))
        day.events += 1
        day.users.add(user)
    out.first_use = {u: first[u] for u in sorted(out.users)}
    return out


def usage_summary(usage: FeatureUsage) -> dict[str, Any]:
    """JSON-ready totals and the per-day series (days without use are left out)."""
    return {
        "events": usage.events,
        "users": len(usage.users),
        "accounts": len(usage.accounts),
        "per_day": [
            {"date": d.day, "events": d.events, "users": len(d.users)}
            for d in sorted(usage.days.values(), key=lambda d: d.day)
        ],
    }

""""Why didn't it show?" for one end user and one guide (admin page and REST).

The server-side checks come from `targeting.eligibility.explain_guide` (schedule,
frequency, audience tree, holdout), run on the same compiled guide and the same data the
bootstrap reads. Two checks are added around them: whether the guide is published at
all, and its client-side trigger's URL rule against the user's last `page_view` URL (the
SDK decides the trigger in the browser; this is the closest server-side evidence).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..features.urlmatch import match_url
from ..guides.compile import compile_guide_payload
from ..guides.service import get_version
from ..models import Account, AccountMembership, EndUser, Environment, Event, Guide, GuideState
from ..targeting.context import EvalContext
from ..targeting.eligibility import CompiledGuide, explain_guide
from ..targeting.frequency import GuideStateView


@dataclass(frozen=True, slots=True)
class Explanation:
    """Every check for (guide, user), in decision order; `shown` iff all passed."""

    guide: str
    user_id: str
    user_found: bool
    version: int | None
    checks: list[dict[str, Any]]

    @property
    def shown(self) -> bool:
        return all(c["passed"] for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {"guide": self.guide, "user_id": self.user_id, "user_found": self.user_found,
                "version": self.version, "shown": self.shown, "checks": self.checks}


def definition_of(*, session: Session, guide: Guide, draft: bool = False
                  ) -> tuple[dict[str, Any] | None, int | None]:
    """(definition, version number) of what is published — or the draft when asked (or
    when nothing is published yet; number None)."""
    if not draft and guide.published_version is not None:
        version = get_version(session=session, guide=guide, number=guide.published_version)
        if version is not None:
            return version.definition, version.number
    return guide.draft, None


def compiled_guide(defn: dict[str, Any], key: str) -> CompiledGuide:
    """The CompiledGuide the bootstrap cache would build for this definition."""
    payload = compile_guide_payload(defn, 0)
    return CompiledGuide.build(
        key=key, priority=int(defn.get("priority", 0)), audience=defn.get("audience"),
        frequency=(payload["frequency"] if "pacing" in payload
                   else defn.get("frequency") or {"mode": "once"}),
        schedule=defn.get("schedule"), holdout_percent=int(defn.get("holdout_percent") or 0),
    )


def _event_counter(session: Session, env_id: int, user_id: str, now: datetime) -> Any:
    def count(name: str, days: int | None) -> int | None:
        stmt = select(sa.func.count()).select_from(Event).where(
            Event.environment_id == env_id, Event.user_id == user_id,
            sa.or_(col(Event.name) == name,
                   sa.and_(col(Event.name).is_(None), col(Event.type) == name)))
        if days is not None:
            stmt = stmt.where(Event.timestamp >= now - timedelta(days=days))
        return int(session.exec(stmt).one())

    return count


def eval_context(*, session: Session, environment_id: int, user_id: str,
                 traits: dict[str, Any] | None, now: datetime) -> tuple[EvalContext, bool]:
    """The evaluation context of a stored end user (their latest account too); `traits`
    given are merged over the stored ones like identify() does. Also: was the user found?"""
    person = session.exec(select(EndUser).where(
        EndUser.environment_id == environment_id, EndUser.external_id == user_id)).first()
    membership = session.exec(
        select(AccountMembership).where(AccountMembership.environment_id == environment_id,
                                        AccountMembership.user_id == user_id)
        .order_by(sa.desc(col(AccountMembership.created_at))).limit(1)).first()
    account = None if membership is None else session.exec(select(Account).where(
        Account.environment_id == environment_id,
        Account.external_id == membership.account_id)).first()
    ctx = EvalContext(
        user_id=user_id, user_traits={**(person.traits if person else {}), **(traits or {})},
        account_id=membership.account_id if membership else None,
        account_traits=account.traits if account else {}, now=now,
        event_count=_event_counter(session, environment_id, user_id, now),
    )
    return ctx, person is not None


def _state(session: Session, env_id: int, user_id: str, key: str) -> GuideStateView | None:
    row = session.get(GuideState, (env_id, user_id, key))
    if row is None:
        return None
    return GuideStateView(times_seen=row.times_seen, last_seen_at=row.last_seen_at,
                          completed_at=row.completed_at, dismissed_at=row.dismissed_at,
                          snoozed_until=row.snoozed_until, current_step=row.current_step)


def last_page_url(*, session: Session, environment_id: int, user_id: str) -> str | None:
    """The URL of the user's most recent page_view event, if any."""
    row = session.exec(
        select(Event.properties).where(Event.environment_id == environment_id,
                                       Event.user_id == user_id, Event.type == "page_view")
        .order_by(sa.desc(col(Event.timestamp)), sa.desc(col(Event.id))).limit(1)).first()
    url = row.get("url") if isinstance(row, dict) else None
    return url if isinstance(url, str) else None


def _trigger_check(trigger: dict[str, Any], url: str | None) -> dict[str, Any]:
    rule = trigger.get("url")
    on = trigger.get("on") or "page_load"
    how = {"page_load": "on page load", "manual": "only by shirube.show()",
           "element_visible": f"when {trigger.get('selector')!r} is visible",
           "element_click": f"when {trigger.get('selector')!r} is clicked",
           "event": f"on track({trigger.get('event')!r})"}.get(on, on)
    item: dict[str, Any] = {"check": "trigger", "seen": url, "rule": rule, "on": on}
    if on == "manual":
        return {**item, "passed": True, "reason": f"shown {how}; no URL rule applies"}
    if not rule:
        return {**item, "passed": True, "reason": f"any page; then {how} (decided in the browser)"}
    wanted = f"{rule.get('match')} {rule.get('value')!r}"
    if url is None:
        return {**item, "passed": False, "unknown": True,
                "reason": f"URL rule {wanted}: no page_view recorded for this user"}
    if match_url(rule, url):
        return {**item, "passed": True,
                "reason": f"last page {url} matches {wanted}; then {how} (decided in the browser)"}
    return {**item, "passed": False, "reason": f"last page {url} does not match {wanted}"}


def explain_for_user(*, session: Session, environment: Environment, guide: Guide,
                     user_id: str, now: datetime, draft: bool = False) -> Explanation:
    """Each check that decides whether `guide` is offered to `user_id` now, with the value seen."""
    env_id = environment.id
    assert env_id is not None
    defn, number = definition_of(session=session, guide=guide, draft=draft)
    ctx, found = eval_context(session=session, environment_id=env_id, user_id=user_id,
                              traits=None, now=now)
    published = guide.status == "published" and guide.published_version is not None
    checks: list[dict[str, Any]] = [{
        "check": "published", "passed": published or draft, "seen": guide.status,
        "reason": ("previewing the draft" if draft else f"version {number} is live") if (
            published or draft) else f"the guide is {guide.status}, not published",
    }]
    if defn is None:
        checks.append({"check": "definition", "passed": False, "seen": None,
                       "reason": "the guide has no definition to evaluate"})
        return Explanation(guide.key, user_id, found, number, checks)
    compiled = compiled_guide(defn, guide.key)
    checks += explain_guide(compiled, ctx, _state(session, env_id, user_id, guide.key), now)
    url = last_page_url(session=session, environment_id=env_id, user_id=user_id)
    checks.append(_trigger_check(defn.get("trigger") or {}, url))
    return Explanation(guide.key, user_id, found, number, checks)


def search_users(*, session: Session, environment_id: int, q: str, limit: int = 20
                 ) -> list[EndUser]:
    """End users whose id starts with `q` (most recently seen first)."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return list(session.exec(
        select(EndUser).where(EndUser.environment_id == environment_id,
                              col(EndUser.external_id).like(f"{escaped}%", escape="\\"))
        .order_by(sa.desc(col(EndUser.last_seen_at))).limit(limit)).all())

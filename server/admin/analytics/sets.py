"""The people behind every count of the dashboards ("every number opens its list").

A *set* is named by the query string of the people page (`set=tier&tier=daily`, with the
page's filters); `resolve_set` recomputes it with the same server/metrics function the
page and the REST route use (`calc.py`), restricted to the segment filter, and says how it
can become a segment: a **computed** definition when the set is exactly a computed
segment as of today (usage tier, RFM segment, loyalty cell, lifecycle stage, health
below), otherwise a **snapshot**: a rule segment listing the ids (`user.id` / `account.id`
`in` …, at most `SNAPSHOT_MAX`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from starlette.datastructures import QueryParams

from ...metrics.adoption import TIERS
from ...metrics.lifecycle import STAGES
from ...metrics.rfm import SEGMENT_NAMES
from ..context import AdminContext, Denied
from ..i18n import N_
from . import calc
from .filters import Filters

SNAPSHOT_MAX = 100_000  # 100 `in` lists of 1,000 ids (the rule language's limits)
_IN_LIST = 1000


@dataclass(frozen=True, slots=True)
class PeopleSet:
    level: str                      # "user" | "account"
    ids: list[str]
    title: str                      # English msgid, `%(x)s` filled from `values`
    values: dict[str, str]
    computed: dict[str, Any] | None  # a live computed definition equal to the set today


def _choice(params: QueryParams, name: str, allowed: tuple[str, ...]) -> str:
    value = params.get(name, "")
    if value not in allowed:
        raise Denied(404, f"{name} {value!r} is not one of {', '.join(allowed)}")
    return value


def _level(params: QueryParams) -> str:
    return "account" if params.get("level") == "account" else "user"


def _today(ctx: AdminContext, f: Filters) -> bool:
    return f.as_of == ctx.now.astimezone(UTC).date()


def _active(ctx: AdminContext, f: Filters, p: QueryParams) -> PeopleSet:
    level = _level(p)
    ids = calc.active_ids(ctx, f, level)
    return PeopleSet(level, ids, N_("Active in the period"), {}, None)


def _tier(ctx: AdminContext, f: Filters, p: QueryParams) -> PeopleSet:
    tier = _choice(p, "tier", TIERS)
    ids = f.users(calc.tiers(ctx, f).tiers[tier])  # type: ignore[index]
    live = {"metric": "usage_tier", "tier": tier} if _today(ctx, f) else None
    return PeopleSet("user", ids, N_("Usage tier: %(tier)s"), {"tier": tier}, live)


def _feature(ctx: AdminContext, f: Filters, p: QueryParams) -> PeopleSet:
    key = p.get("feature", "")[:100]
    group = _choice(p, "group", ("users", "active_users", "accounts", "active_accounts"))
    got = calc.adoption(ctx, f, key)
    level = "account" if "accounts" in group else "user"
    ids = f.restrict(getattr(got, group), level)
    return PeopleSet(level, ids, N_("Feature %(feature)s: %(group)s"),
                     {"feature": key, "group": group}, None)


def _funnel(ctx: AdminContext, f: Filters, p: QueryParams) -> PeopleSet:
    key = p.get("guide", "")[:100]
    group = _choice(p, "group", ("seen", "completed", "dismissed", "step"))
    funnel = calc.funnel(ctx, f, key)
    if group == "step":
        try:
            step = int(p.get("step", ""))
            ids = funnel.steps[step].users
        except (ValueError, IndexError):
            raise Denied(404, "no such step") from None
        return PeopleSet("user", f.users(ids), N_("Guide %(guide)s: saw step %(step)s"),
                         {"guide": key, "step": str(step + 1)}, None)
    return PeopleSet("user", f.users(getattr(funnel, group)), N_("Guide %(guide)s: %(group)s"),
                     {"guide": key, "group": group}, None)


def _lift(ctx: AdminContext, f: Filters, p: QueryParams) -> PeopleSet:
    key = p.get("guide", "")[:100]
    group = _choice(p, "group", ("shown", "holdout"))
    lift = calc.lift(ctx, f, key)
    if lift is None:
        raise Denied(404, "this guide has no goal")
    g = getattr(lift, group)
    ids = g.users
    if p.get("converted") in ("true", "false"):
        done = set(g.converted)
        ids = [u for u in ids if (u in done) == (p.get("converted") == "true")]
    return PeopleSet("user", f.users(ids), N_("Guide %(guide)s: %(group)s group"),
                     {"guide": key, "group": group}, None)


def _nps(ctx: AdminContext, f: Filters, p: QueryParams) -> PeopleSet:
    category = _choice(p, "category", ("promoter", "passive", "detractor", "all"))
    latest = calc.nps_latest(ctx, f)
    ids = [u for u, score in latest.items()
           if category == "all" or calc.nps_category(score) == category]
    return PeopleSet("user", sorted(ids), N_("NPS answers: %(category)s"),
                     {"category": category}, None)


def _rfm(ctx: AdminContext, f: Filters, p: QueryParams) -> PeopleSet:
    name = _choice(p, "segment_name", SEGMENT_NAMES)
    ids = f.users(r.id for r in calc.rfm_table(ctx, f).rows if r.segment == name)
    live = {"metric": "rfm", "segment": name, "window_days": calc.RFM_WINDOW} \
        if _today(ctx, f) else None
    return PeopleSet("user", ids, N_("RFM segment: %(name)s"), {"name": name}, live)


def _matrix(ctx: AdminContext, f: Filters, p: QueryParams) -> PeopleSet:
    cell = _choice(p, "cell", tuple("ABCDEF"))
    ids = f.users(calc.matrix(ctx, f).cells[cell])
    live = {"metric": "loyalty", "cell": cell} if _today(ctx, f) else None
    return PeopleSet("user", ids, N_("Loyalty matrix cell %(cell)s"), {"cell": cell}, live)


def _stage(ctx: AdminContext, f: Filters, p: QueryParams) -> PeopleSet:
    stage = _choice(p, "stage", STAGES)
    ids = f.users(calc.stages(ctx, f).stages[stage])  # type: ignore[index]
    live = {"metric": "lifecycle", "stage": stage} if _today(ctx, f) else None
    return PeopleSet("user", ids, N_("Lifecycle stage: %(stage)s"), {"stage": stage}, live)


def _flow(ctx: AdminContext, f: Filters, p: QueryParams) -> PeopleSet:
    keys = (*STAGES, "none")
    before, after = _choice(p, "before", keys), _choice(p, "after", keys)
    ids = calc.flow_ids(ctx, f)[before][after]
    return PeopleSet("user", ids, N_("Lifecycle: %(before)s a month ago, %(after)s now"),
                     {"before": before, "after": after}, None)


def _churn(ctx: AdminContext, f: Filters, p: QueryParams) -> PeopleSet:
    level = _level(p)
    group = _choice(p, "group", ("churned", "previous_active"))
    ids = f.restrict(getattr(calc.churn(ctx, f, level), group), level)
    return PeopleSet(level, ids, N_("Churn: %(group)s"), {"group": group}, None)


def _health(ctx: AdminContext, f: Filters, p: QueryParams) -> PeopleSet:
    try:
        below = max(0.0, min(100.0, float(p.get("below", calc.AT_RISK_BELOW))))
    except ValueError:
        raise Denied(404, "below must be a number") from None
    rows = calc.health(ctx, f).rows
    ids = f.accounts_of(r.account_id for r in rows if r.score < below)
    live = {"metric": "health", "below": below} if _today(ctx, f) else None
    return PeopleSet("account", ids, N_("Accounts with health below %(below)s"),
                     {"below": f"{below:g}"}, live)


SETS: dict[str, Callable[[AdminContext, Filters, QueryParams], PeopleSet]] = {
    "active": _active, "tier": _tier, "feature": _feature, "funnel": _funnel, "lift": _lift,
    "nps": _nps, "rfm": _rfm, "matrix": _matrix, "stage": _stage, "flow": _flow,
    "churn": _churn, "health": _health,
}


def resolve_set(ctx: AdminContext, f: Filters) -> PeopleSet:
    """The set named by the query string (404 when it names none)."""
    params = ctx.request.query_params
    build = SETS.get(params.get("set", ""))
    if build is None:
        raise Denied(404, ctx._("Not found."))
    return build(ctx, f, params)


def snapshot_rule(people: PeopleSet) -> dict[str, Any]:
    """A rule segment that lists the set's ids (≤ SNAPSHOT_MAX; callers check)."""
    attr = "account.id" if people.level == "account" else "user.id"
    chunks = [people.ids[i:i + _IN_LIST] for i in range(0, len(people.ids), _IN_LIST)]
    if not chunks:
        return {"attr": attr, "op": "in", "value": []}
    if len(chunks) == 1:
        return {"attr": attr, "op": "in", "value": chunks[0]}
    return {"any": [{"attr": attr, "op": "in", "value": c} for c in chunks]}

"""User and account profiles: traits, timeline of events, guides seen, survey answers,
and the scores of the metrics layer (RFM, lifecycle stage, usage tier, health)."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from starlette.responses import Response

from ...metrics import rfm
from ...metrics.people import account_members, user_accounts
from ...models import Account, EndUser, Event, GuideState
from ...models import SurveyResponse as R
from ..context import AdminContext, Denied
from . import calc
from .common import account_url, user_url
from .definitions import DEFS
from .filters import fresh_rollups, freshness, parse_filters
from .loyalty import STAGE_LABELS
from .usage import TIER_LABELS

TIMELINE = 100


def _env(ctx: AdminContext) -> int:
    assert ctx.environment is not None and ctx.environment.id is not None
    return ctx.environment.id


def _id(ctx: AdminContext) -> str | None:
    value = ctx.request.query_params.get("id", "").strip()[:255]
    return value or None


def _where(groups: dict[str, list[str]], who: str) -> str | None:
    return next((k for k, ids in groups.items() if who in ids), None)


def _events(ctx: AdminContext, users: list[str]) -> list[Event]:
    if not users:
        return []
    return list(ctx.db.exec(select(Event).where(
        Event.environment_id == _env(ctx), col(Event.user_id).in_(users[:500]))
        .order_by(col(Event.timestamp).desc(), col(Event.id).desc()).limit(TIMELINE)))


def user_profile(ctx: AdminContext) -> Response:
    ext = _id(ctx)
    fresh_rollups(ctx)
    f = parse_filters(ctx)
    if ext is None:
        return ctx.redirect("analytics-overview")
    env = _env(ctx)
    user = ctx.db.exec(select(EndUser).where(EndUser.environment_id == env,
                                             EndUser.external_id == ext)).first()
    events = _events(ctx, [ext])
    if user is None and not events:
        raise Denied(404, ctx._("Not found."))
    account = user_accounts(session=ctx.db, environment_id=env).get(ext)
    states = list(ctx.db.exec(select(GuideState).where(
        GuideState.environment_id == env, GuideState.user_id == ext)
        .order_by(col(GuideState.guide_key))))
    answers = list(ctx.db.exec(select(R).where(R.environment_id == env, R.user_id == ext)
                               .order_by(col(R.answered_at).desc()).limit(50)))
    row = next((r for r in calc.rfm_table(ctx, f).rows if r.id == ext), None)
    health = next((r for r in calc.health(ctx, f).rows if r.account_id == account), None)
    nps_answer = next((a for a in answers if a.kind == "nps" and a.score is not None), None)
    scores = {
        "rfm": row,
        "stage": _where(calc.stages(ctx, f).stages, ext),   # type: ignore[arg-type]
        "tier": _where(calc.tiers(ctx, f).tiers, ext),      # type: ignore[arg-type]
        "cell": _where(calc.matrix(ctx, f).cells, ext),
        "nps": nps_answer, "health": health,
    }
    return ctx.render("admin/analytics/user.html", f=f, ext=ext, person=user, account=account,
                      account_href=account_url(ctx, f, account) if account else None,
                      events=events, states=states, answers=answers, scores=scores,
                      stage_labels=STAGE_LABELS, tier_labels=TIER_LABELS, tab="people", defs=DEFS,
                      route="analytics-user", limit=TIMELINE, fresh=freshness(ctx))


def account_profile(ctx: AdminContext) -> Response:
    ext = _id(ctx)
    fresh_rollups(ctx)
    f = parse_filters(ctx)
    if ext is None:
        return ctx.redirect("analytics-accounts")
    env = _env(ctx)
    account = ctx.db.exec(select(Account).where(Account.environment_id == env,
                                                Account.external_id == ext)).first()
    members = account_members(session=ctx.db, environment_id=env).get(ext, [])
    if account is None and not members:
        raise Denied(404, ctx._("Not found."))
    people = {u.external_id: u for u in ctx.db.exec(select(EndUser).where(
        EndUser.environment_id == env, col(EndUser.external_id).in_(members[:500])))}
    member_rows: list[dict[str, Any]] = [
        {"id": m, "href": user_url(ctx, f, m),
         "name": (people[m].traits or {}).get("name") if m in people else None,
         "last_seen": people[m].last_seen_at if m in people else None} for m in members]
    answers = list(ctx.db.exec(select(R).where(R.environment_id == env,
                                               col(R.user_id).in_(members[:500]))
                               .order_by(col(R.answered_at).desc()).limit(50))) if members else []
    health = next((r for r in calc.health(ctx, f).rows if r.account_id == ext), None)
    table = rfm.rfm(session=ctx.db, environment_id=env, as_of=f.as_of,
                    window_days=calc.RFM_WINDOW, level="account")
    row = next((r for r in table.rows if r.id == ext), None)
    return ctx.render("admin/analytics/account.html", f=f, ext=ext, account=account,
                      members=member_rows, events=_events(ctx, members), answers=answers,
                      health=health, rfm=row, tab="people", defs=DEFS, route="analytics-account",
                      limit=TIMELINE, fresh=freshness(ctx))

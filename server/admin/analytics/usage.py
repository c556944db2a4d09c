"""Builders of the usage dashboards: overview, guides, features, NPS (docs/dashboards.md).

Each builder calls the metrics layer through calc.py (the REST routes' functions) and
shapes figures, charts and tables; segment filtering intersects the returned id lists.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlmodel import col, select

from ...metrics.adoption import TIERS
from ...metrics.days import Period, day_date
from ...metrics.people import user_accounts
from ...metrics.surveys import STABLE_N
from ...metrics.surveys import nps as nps_score
from ...models import Feature, Guide
from ...models import SurveyResponse as R
from ..context import AdminContext
from ..i18n import N_
from . import calc, charts
from .common import Page, account_url, has_route, people_url, ratio, user_url
from .filters import Filters
from .tables import Table, link

TIER_LABELS = {"daily": N_("Daily"), "weekly": N_("Weekly"), "monthly": N_("Monthly"),
               "dormant": N_("Dormant")}
TOP_FEATURES = 5
AT_RISK_ROWS = 10
VERBATIMS = 20


def _env(ctx: AdminContext) -> int:
    assert ctx.environment is not None and ctx.environment.id is not None
    return ctx.environment.id


def guides_of(ctx: AdminContext) -> list[Guide]:
    return list(ctx.db.exec(select(Guide).where(Guide.environment_id == _env(ctx),
                                                Guide.status != "archived")
                            .order_by(col(Guide.key))))


def features_of(ctx: AdminContext) -> list[Feature]:
    return list(ctx.db.exec(select(Feature).where(Feature.environment_id == _env(ctx),
                                                  col(Feature.archived).is_(False))
                            .order_by(col(Feature.key))))


def stickiness_value(ctx: AdminContext, f: Filters, feature: str | None = None) -> float | None:
    return calc.stickiness(ctx, f, feature).value


def _tiers(ctx: AdminContext, f: Filters, page: Page) -> dict[str, int]:
    t = page.table(Table("tiers", N_("Users per usage tier"),
                         [(N_("Tier"), "text"), (N_("Users"), "number")]))
    counts: dict[str, int] = {k: len(f.users(calc.tiers(ctx, f).tiers[k])) for k in TIERS}
    for k in TIERS:
        t.add(ctx._(TIER_LABELS[k]), link(counts[k], people_url(ctx, f, set="tier", tier=k)))
    return counts


def _feature_rows(ctx: AdminContext, f: Filters, page: Page, limit: int | None) -> list[Any]:
    rows = []
    for feat in features_of(ctx):
        got = calc.adoption(ctx, f, feat.key)
        users, active = f.users(got.users), f.users(got.active_users)
        accounts, active_acc = f.accounts_of(got.accounts), f.accounts_of(got.active_accounts)
        rows.append((feat, users, active, accounts, active_acc))  # sorted id lists
    rows.sort(key=lambda r: (-(ratio(len(r[1]), len(r[2])) or 0), r[0].key))
    t = page.table(Table("features", N_("Feature adoption"), [
        (N_("Feature"), "text"), (N_("Key"), "code"), (N_("Users"), "number"),
        (N_("Adoption rate"), "share"), (N_("Accounts"), "number"),
        (N_("Account adoption"), "share")]))
    for feat, users, active, accounts, active_acc in rows[:limit]:
        q = {"set": "feature", "feature": feat.key}
        t.add(feat.name, feat.key, link(len(users), people_url(ctx, f, **q, group="users")),
              ratio(len(users), len(active)),
              link(len(accounts), people_url(ctx, f, **q, group="accounts")),
              ratio(len(accounts), len(active_acc)))
    return rows


def _guide_rows(ctx: AdminContext, f: Filters, page: Page) -> None:
    t = page.table(Table("guides", N_("Guide performance"), [
        (N_("Guide"), "text"), (N_("Key"), "code"), (N_("Views"), "number"),
        (N_("Completion rate"), "share"), (N_("Dismiss rate"), "share"),
        (N_("Goal lift"), "signed")]))
    for g in guides_of(ctx):
        fun = calc.funnel(ctx, f, g.key)
        seen = f.users(fun.seen)
        lift = calc.lift(ctx, f, g.key)
        t.add(link(g.name, ctx.url("analytics-guides") + "?" + f.qs(guide=g.key), "text"),
              g.key, link(len(seen), people_url(ctx, f, set="funnel", guide=g.key, group="seen")),
              ratio(len(f.users(fun.completed)), len(seen)),
              ratio(len(f.users(fun.dismissed)), len(seen)),
              _lift_view(lift, f)["lift"] if lift is not None else None)


def _nps_view(data: dict[str, Any]) -> dict[str, Any]:
    trend = data["trend"]
    labels = [w["week"].isoformat() for w in trend]
    band = [None if w["moe95"] is None else (w["nps"] - w["moe95"], w["nps"] + w["moe95"])
            for w in trend]
    return {**data, "stable_n": STABLE_N,
            "bars": charts.bars(data["distribution"], [str(i) for i in range(11)]),
            "line": charts.line([w["nps"] for w in trend], labels, low=-100, high=100,
                                band=band)}


def _churn(ctx: AdminContext, f: Filters, page: Page) -> dict[str, Any]:
    out = {}
    t = page.table(Table("churn", N_("Churn"), [
        (N_("Level"), "text"), (N_("Active in the previous period"), "number"),
        (N_("Churned"), "number"), (N_("Churn rate"), "share")]))
    for level, label in (("user", N_("Users")), ("account", N_("Accounts"))):
        got = calc.churn(ctx, f, level)
        prev, gone = f.restrict(got.previous_active, level), f.restrict(got.churned, level)
        out[level] = ratio(len(gone), len(prev))
        t.add(ctx._(label),
              link(len(prev), people_url(ctx, f, set="churn", level=level,
                                         group="previous_active")),
              link(len(gone), people_url(ctx, f, set="churn", level=level, group="churned")),
              out[level])
    return out


def _at_risk(ctx: AdminContext, f: Filters, page: Page, limit: int | None) -> list[Any]:
    rows = [r for r in calc.health(ctx, f).rows if r.score < calc.AT_RISK_BELOW
            and (f.accounts is None or r.account_id in f.accounts)]
    t = page.table(Table("at_risk", N_("Accounts most at risk"), [
        (N_("Account"), "code"), (N_("Health"), "score"), (N_("Detractors"), "number")]))
    for r in rows[:limit]:
        t.add(link(r.account_id, account_url(ctx, f, r.account_id), "code"), r.score,
              r.detractors)
    return rows


def overview(ctx: AdminContext, f: Filters) -> Page:
    page = Page()
    users, accounts = calc.active_ids(ctx, f, "user"), calc.active_ids(ctx, f, "account")
    tiers = _tiers(ctx, f, page)
    _feature_rows(ctx, f, page, TOP_FEATURES)
    _guide_rows(ctx, f, page)
    nps = _nps_view(calc.nps(ctx, f))
    churn = _churn(ctx, f, page)
    at_risk = _at_risk(ctx, f, page, AT_RISK_ROWS)
    page.values = {
        "active_users": len(users), "active_accounts": len(accounts),
        "stickiness": stickiness_value(ctx, f), "tiers": tiers,
        "tier_bars": charts.bars([tiers[k] for k in TIERS], list(TIERS)),
        "tier_labels": TIER_LABELS, "nps": nps, "churn": churn, "at_risk_count": len(at_risk),
        "at_risk_below": calc.AT_RISK_BELOW,
    }
    return page


# -- guides -------------------------------------------------------------------------------


def _lift_view(lift: Any, f: Filters) -> dict[str, Any]:
    """Lift over the segment-restricted groups (the unrestricted figure when no segment:
    identical to the REST route's)."""
    if f.members is None:
        return {"shown_n": len(lift.shown.users), "shown_conv": len(lift.shown.converted),
                "shown_rate": lift.shown.rate, "held_n": len(lift.holdout.users),
                "held_conv": len(lift.holdout.converted), "held_rate": lift.holdout.rate,
                "lift": lift.lift, "ci95": lift.ci95, "source": lift.holdout_source,
                "goal": lift.goal_event, "within_days": lift.within_days}
    from ...metrics.guides import lift_interval

    shown, held = f.users(lift.shown.users), f.users(lift.holdout.users)
    sc, hc = f.users(lift.shown.converted), f.users(lift.holdout.converted)
    sr, hr = ratio(len(sc), len(shown)), ratio(len(hc), len(held))
    value = ci = None
    if sr is not None and hr is not None:
        value = sr - hr
        ci = lift_interval(p1=sr, n1=len(shown), p2=hr, n2=len(held))
    return {"shown_n": len(shown), "shown_conv": len(sc), "shown_rate": sr,
            "held_n": len(held), "held_conv": len(hc), "held_rate": hr, "lift": value,
            "ci95": ci, "source": lift.holdout_source, "goal": lift.goal_event,
            "within_days": lift.within_days}


def guides_page(ctx: AdminContext, f: Filters) -> Page:
    page = Page()
    _guide_rows(ctx, f, page)
    all_guides = guides_of(ctx)
    key = ctx.request.query_params.get("guide", "")
    chosen = next((g for g in all_guides if g.key == key), all_guides[0] if all_guides else None)
    page.values = {"guides": all_guides, "chosen": chosen}
    if chosen is None:
        return page
    fun = calc.funnel(ctx, f, chosen.key)
    seen = f.users(fun.seen)
    counts = [len(f.users(st.users)) for st in fun.steps]
    t = page.table(Table("funnel", N_("Step funnel"), [
        (N_("Step"), "number"), (N_("Users who saw it"), "number"), (N_("Drop-off"), "share")]))
    for i, n in enumerate(counts):
        drop = None if i + 1 >= len(counts) or n == 0 else 1 - counts[i + 1] / n
        t.add(i + 1, link(n, people_url(ctx, f, set="funnel", guide=chosen.key, group="step",
                                        step=i)), drop)
    lift = calc.lift(ctx, f, chosen.key)
    page.values.update({
        "seen": len(seen), "completed": len(f.users(fun.completed)),
        "dismissed": len(f.users(fun.dismissed)),
        "completion": ratio(len(f.users(fun.completed)), len(seen)),
        "dismiss": ratio(len(f.users(fun.dismissed)), len(seen)),
        "funnel_bars": charts.hbars(counts, [str(i + 1) for i in range(len(counts))]),
        "lift": _lift_view(lift, f) if lift is not None else None,
        "holdout_percent": calc.guide(ctx, chosen.key).holdout_percent,
    })
    return page


# -- features -----------------------------------------------------------------------------


def _weeks(f: Filters) -> list[Period]:
    """The period cut into 7-day buckets ending on its last day (at most 26)."""
    out: list[Period] = []
    last = f.period.last
    while last >= f.period.first and len(out) < 26:
        out.append(Period(max(f.period.first, last - 6), last))
        last -= 7
    return out[::-1]


def features_page(ctx: AdminContext, f: Filters) -> Page:
    page = Page()
    rows = _feature_rows(ctx, f, page, None)
    feats = [r[0] for r in rows]
    key = ctx.request.query_params.get("feature", "")
    chosen = next((x for x in feats if x.key == key), feats[0] if feats else None)
    page.values = {"features": sorted(feats, key=lambda x: x.key), "chosen": chosen}
    if chosen is None:
        return page
    over = page.table(Table("over_time", N_("Adoption over time"), [
        (N_("Week ending"), "text"), (N_("Users"), "number"), (N_("Active users"), "number"),
        (N_("Adoption rate"), "share")]))
    rates: list[float | None] = []
    labels = []
    for p in _weeks(f):
        got = calc.adoption_of(ctx, p, chosen.key)
        used, active = f.users(got.users), f.users(got.active_users)
        rates.append(ratio(len(used), len(active)))
        labels.append(day_date(p.last).isoformat())
        over.add(labels[-1], len(used), len(active), rates[-1])
    got = calc.adoption(ctx, f, chosen.key)
    links = user_accounts(session=ctx.db, environment_id=_env(ctx))
    by_acc: dict[str, list[set[str]]] = defaultdict(lambda: [set(), set()])
    for u in f.users(got.active_users):
        if u in links:
            by_acc[links[u]][1].add(u)
    for u in f.users(got.users):
        if u in links:
            by_acc[links[u]][0].add(u)
    acc = page.table(Table("by_account", N_("Adoption by account"), [
        (N_("Account"), "code"), (N_("Users of the feature"), "number"),
        (N_("Active users"), "number"), (N_("Adoption rate"), "share")]))
    ordered = sorted(by_acc.items(), key=lambda kv: (-len(kv[1][0]), kv[0]))
    for account, (using, actives) in ordered:
        acc.add(link(account, account_url(ctx, f, account), "code"), len(using), len(actives),
                ratio(len(using), len(actives)))
    first = calc.first_use(ctx, f, chosen.key)
    page.values.update({
        "line": charts.line([None if r is None else r * 100 for r in rates], labels,
                            low=0, high=100),
        "median_days": first.median_days,
        "stickiness": stickiness_value(ctx, f, chosen.key),
    })
    return page


# -- NPS ----------------------------------------------------------------------------------


def nps_page(ctx: AdminContext, f: Filters) -> Page:
    page = Page()
    data = _nps_view(calc.nps(ctx, f))
    dist = page.table(Table("distribution", N_("Distribution of scores"), [
        (N_("Score"), "number"), (N_("People"), "number"), (N_("Share"), "share")]))
    total = sum(data["distribution"])
    for score, n in enumerate(data["distribution"]):
        dist.add(score, n, ratio(n, total))
    trend = page.table(Table("trend", N_("NPS by week"), [
        (N_("Week of"), "text"), (N_("NPS"), "signed"), (N_("± MOE95"), "number"),
        (N_("Answers"), "number")]))
    for w in data["trend"]:
        trend.add(w["week"].isoformat(), w["nps"], w["moe95"], w["n"])
    query = (select(R).where(R.environment_id == _env(ctx), R.kind == "nps",
                             col(R.comment).is_not(None), R.answered_at >= f.period.start_at,
                             R.answered_at < f.period.end_at)
             .order_by(col(R.answered_at).desc(), col(R.id).desc()))
    if f.members is not None:
        query = query.where(col(R.user_id).in_(sorted(f.members)[:50_000]))
    verb = page.table(Table("verbatims", N_("Latest comments"), [
        (N_("Answered"), "text"), (N_("User"), "code"), (N_("Score"), "number"),
        (N_("Comment"), "text")]))
    rows = list(ctx.db.exec(query.limit(VERBATIMS)))
    for r in rows:
        verb.add(r.answered_at.strftime("%Y-%m-%d %H:%M"),
                 link(r.user_id, user_url(ctx, f, r.user_id), "code"), r.score, r.comment)
    surveys = sorted({r.survey_key for r in rows})
    page.values = {"nps": data, "verbatims": rows,
                   "survey_links": surveys if has_route(ctx, "survey-results") else [],
                   "check": nps_score}
    return page

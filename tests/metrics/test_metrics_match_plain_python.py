"""Every metric on the fixture history equals the figure computed from the raw rows."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, date, datetime, timedelta

import pytest

from server.metrics import activity, adoption, churn, guides, lifecycle, loyalty, rfm
from server.metrics.days import Period

from . import expected as x
from .conftest import Loaded
from .fixture import AS_OF, FEATURES, GOAL, GUIDE

P30 = Period.ending(as_of=AS_OF, days=30)
FIRST, LAST = P30.first, P30.last


def test_active_users_and_accounts_in_a_period(loaded: Loaded) -> None:
    got = activity.active(session=loaded.session, environment_id=loaded.env_id, period=P30)
    assert got.users == sorted(x.active(loaded.data, FIRST, LAST))
    assert got.accounts == sorted(x.active(loaded.data, FIRST, LAST, "account_id"))
    assert 10 < len(got.users) < 40


@pytest.mark.parametrize("days", [30, 100])
def test_guide_funnel_views_steps_completion_dismiss(loaded: Loaded, days: int) -> None:
    period = Period.ending(as_of=AS_OF, days=days)
    got = guides.guide_funnel(session=loaded.session, environment_id=loaded.env_id,
                              guide_key=GUIDE, period=period, step_count=3)
    want = x.funnel(loaded.data, GUIDE, period.first, period.last)
    assert (got.seen, got.completed, got.dismissed) == (want["seen"], want["completed"],
                                                        want["dismissed"])
    assert [s.users for s in got.steps] == want["steps"]
    for i, row in enumerate(got.steps):
        here = len(want["steps"][i])
        nxt = len(want["steps"][i + 1]) if i < 2 else None
        assert row.drop_off == (None if nxt is None or here == 0 else 1 - nxt / here)
    assert got.completion_rate == (len(want["completed"]) / len(want["seen"])
                                   if want["seen"] else None)
    assert got.dismiss_rate == (len(want["dismissed"]) / len(want["seen"])
                                if want["seen"] else None)


def test_goal_conversion_and_lift_with_both_groups_and_interval(loaded: Loaded) -> None:
    period = Period.ending(as_of=AS_OF, days=100)
    got = guides.goal_lift(session=loaded.session, environment_id=loaded.env_id,
                           guide_key=GUIDE, period=period, goal_event=GOAL, within_days=7,
                           holdout_percent=30)
    want = x.lift(loaded.data, GUIDE, period.first, period.last, GOAL, 7, 30)
    assert got.shown.users == want["shown"] and got.shown.converted == want["shown_converted"]
    assert got.holdout.users == want["holdout"]
    assert got.holdout.converted == want["holdout_converted"]
    assert want["shown"] and want["holdout"] and want["shown_converted"]
    p1 = len(want["shown_converted"]) / len(want["shown"])
    p2 = len(want["holdout_converted"]) / len(want["holdout"])
    se = math.sqrt(p1 * (1 - p1) / len(want["shown"]) + p2 * (1 - p2) / len(want["holdout"]))
    assert got.lift == pytest.approx(p1 - p2)
    assert got.ci95 == pytest.approx((p1 - p2 - 1.959964 * se, p1 - p2 + 1.959964 * se))


def test_goal_lift_uses_the_recorded_holdout_when_targeting_records_one(loaded: Loaded) -> None:
    period = Period.ending(as_of=AS_OF, days=100)
    got = guides.goal_lift(session=loaded.session, environment_id=loaded.env_id,
                           guide_key=GUIDE, period=period, goal_event=GOAL,
                           recorded_holdout={"u03", "u07", "nobody"})
    seen = set(x.lift(loaded.data, GUIDE, period.first, period.last, GOAL, 7, 0)["shown"])
    assert got.holdout_source == "recorded"
    assert got.holdout.users == sorted({"u03", "u07"} - seen)


@pytest.mark.parametrize("feature", FEATURES)
def test_feature_adoption_rate_users_and_accounts(loaded: Loaded, feature: str) -> None:
    got = adoption.feature_adoption(session=loaded.session, environment_id=loaded.env_id,
                                    feature=feature, period=P30)
    users = {e["user_id"] for e in loaded.data.events if e["type"] == "feature_used"
             and e["name"] == feature and FIRST <= x.dnum(e["timestamp"]) <= LAST}
    accounts = {e["account_id"] for e in loaded.data.events if e["type"] == "feature_used"
                and e["name"] == feature and e["account_id"]
                and FIRST <= x.dnum(e["timestamp"]) <= LAST}
    act = x.active(loaded.data, FIRST, LAST)
    act_acc = x.active(loaded.data, FIRST, LAST, "account_id")
    assert got.users == sorted(users) and got.active_users == sorted(act)
    assert got.accounts == sorted(accounts) and got.active_accounts == sorted(act_acc)
    assert got.rate == len(users) / len(act)


@pytest.mark.parametrize("feature", FEATURES)
def test_time_to_first_use_median_days(loaded: Loaded, feature: str) -> None:
    period = Period.ending(as_of=AS_OF, days=100)
    got = adoption.time_to_first_use(session=loaded.session, environment_id=loaded.env_id,
                                     feature=feature, period=period)
    first_any = {u: min(d) for u, d in x.days_of(loaded.data).items()}
    want = {}
    for u in {e["user_id"] for e in loaded.data.events if e["name"] == feature
              and e["type"] == "feature_used"}:
        used = min(x.dnum(e["timestamp"]) for e in loaded.data.events
                   if e["user_id"] == u and e["type"] == "feature_used" and e["name"] == feature)
        created = loaded.data.users[u].get("created_at")
        start = x.dnum(date.fromisoformat(created)) if created else first_any[u]
        want[u] = max(0, used - start)
    assert got.days == want
    assert got.median_days == (statistics.median(want.values()) if want else None)


def test_breadth_per_user_and_account(loaded: Loaded) -> None:
    for level, key in (("user", "user_id"), ("account", "account_id")):
        got = adoption.breadth(session=loaded.session, environment_id=loaded.env_id,
                               period=P30, level=level)  # type: ignore[arg-type]
        assert got == x.breadth(loaded.data, FIRST, LAST, key)


@pytest.mark.parametrize("feature", [None, "reports"])
def test_stickiness_is_the_mean_of_daily_dau_over_mau(loaded: Loaded, feature: str | None) -> None:
    got = adoption.stickiness(session=loaded.session, environment_id=loaded.env_id,
                              period=P30, feature=feature)
    days: dict[str, set[int]] = {}
    for e in loaded.data.events:
        if e["user_id"] and (feature is None or (e["type"] == "feature_used"
                                                 and e["name"] == feature)):
            days.setdefault(e["user_id"], set()).add(x.dnum(e["timestamp"]))
    ratios = []
    for d in range(FIRST, LAST + 1):
        dau = sum(1 for ds in days.values() if d in ds)
        mau = sum(1 for ds in days.values() if any(d - 29 <= a <= d for a in ds))
        assert (got.dau.get(d, 0), got.mau[d]) == (dau, mau)
        if mau:
            ratios.append(dau / mau)
    assert got.value == pytest.approx(sum(ratios) / len(ratios))


def test_usage_tiers_over_the_last_30_days(loaded: Loaded) -> None:
    got = adoption.usage_tiers(session=loaded.session, environment_id=loaded.env_id,
                               as_of=AS_OF)
    want: dict[str, list[str]] = {"daily": [], "weekly": [], "monthly": [], "dormant": []}
    for u, ds in sorted(x.days_of(loaded.data).items()):
        if min(ds) > LAST:
            continue
        n = sum(1 for d in ds if FIRST <= d <= LAST)
        tier = "daily" if n >= 13 else "weekly" if n >= 5 else "monthly" if n else "dormant"
        want[tier].append(u)
    assert got.tiers == want
    assert want["dormant"] and want["daily"]


def test_weekly_retention_cohorts(loaded: Loaded) -> None:
    period = Period.ending(as_of=AS_OF, days=100)
    got = adoption.retention(session=loaded.session, environment_id=loaded.env_id,
                             period=period, weeks=8)
    monday = lambda d: (d + 3) // 7  # noqa: E731
    days = x.days_of(loaded.data)
    cohorts: dict[int, list[str]] = {}
    for u, ds in sorted(days.items()):
        if monday(period.first) <= monday(min(ds)) <= monday(period.last):
            cohorts.setdefault(monday(min(ds)), []).append(u)
    assert [c.week_start for c in got] == [x.EPOCH + timedelta(days=w * 7 - 3)
                                           for w in sorted(cohorts)]
    for c, w in zip(got, sorted(cohorts), strict=True):
        assert c.week_start.weekday() == 0 and c.users == cohorts[w]
        horizon = min(8, monday(period.last) - w)
        assert c.active == [sum(1 for u in cohorts[w] if any(monday(d) == w + k for d in days[u]))
                            for k in range(horizon + 1)]
        assert c.active[0] == len(c.users)


def test_rfm_scores_and_segments_per_user(loaded: Loaded) -> None:
    got = rfm.rfm(session=loaded.session, environment_id=loaded.env_id, as_of=AS_OF)
    want = x.rfm_rows(loaded.data, AS_OF)
    assert {r.id: (r.r, r.f, r.m) for r in got.rows} == want
    for row in got.rows:
        assert row.segment == rfm.segment_of(row.r, (row.f + row.m + 1) // 2)
        assert row.monetary == x.user_money(loaded.data, row.id)
    assert len({r.segment for r in got.rows}) >= 4


def test_rfm_per_account(loaded: Loaded) -> None:
    got = rfm.rfm(session=loaded.session, environment_id=loaded.env_id, as_of=AS_OF,
                  level="account")
    last = x.dnum(AS_OF)
    days = {a: {d for d in ds if d <= last}
            for a, ds in x.days_of(loaded.data, "account_id").items()}
    rec = x.quintiles({a: float(last - max(d)) for a, d in days.items()}, higher=False)
    freq = x.quintiles({a: float(sum(1 for v in d if v > last - 90)) for a, d in days.items()})
    money = x.quintiles({a: x.number(loaded.data.accounts[a].get("mrr")) or 0.0 for a in days})
    assert {r.id: (r.r, r.f, r.m) for r in got.rows} == {
        a: (rec[a], freq[a], money[a]) for a in days}


def test_loyalty_matrix_cells_and_median_threshold(loaded: Loaded) -> None:
    got = loyalty.loyalty_matrix(session=loaded.session, environment_id=loaded.env_id,
                                 as_of=AS_OF)
    threshold = x.median_money(loaded.data, AS_OF)
    assert got.threshold == threshold
    nps = x.latest_nps(loaded.data, x.midnight_after(AS_OF))
    cells: dict[str, list[str]] = {c: [] for c in "ABCDEF"}
    for u in sorted(nps):
        high = x.user_money(loaded.data, u) >= threshold
        cat = x.category(nps[u])
        cell = {"promoter": "AD", "passive": "BE", "detractor": "CF"}[cat][0 if high else 1]
        cells[cell].append(u)
    assert got.cells == cells
    assert "u02" not in sum(cells.values(), []) or nps.get("u02") is not None
    assert sum(1 for v in cells.values() if v) >= 3


def _want_stages(data: x.Data, as_of: date) -> dict[str, list[str]]:
    last = x.dnum(as_of)
    days = {u: {d for d in ds if d <= last} for u, ds in x.days_of(data).items()}
    recent = {u: ds for u, ds in days.items() if any(d > last - 56 for d in ds)}
    nps = x.latest_nps(data, x.midnight_after(as_of))
    width = x.breadth(data, last - 29, last)
    top = x.quintiles({u: float(width.get(u, 0)) for u in recent})
    threshold = x.median_money(data, as_of)
    stages: dict[str, list[str]] = {"get": [], "build": [], "grow": [], "keep": []}
    for u in sorted(recent):
        weeks = {(last - d) // 7 for d in recent[u] if d > last - 56}
        if min(days[u]) > last - 14:
            stage = "get"
        elif len(weeks) < 4:
            stage = "build"
        else:
            cat = x.category(nps[u]) if u in nps else None
            loyal = cat == "promoter" or (cat is None and top[u] == 5)
            stage = "keep" if loyal and x.user_money(data, u) >= threshold else "grow"
        stages[stage].append(u)
    return stages


def test_lifecycle_stages_and_month_to_month_flow(loaded: Loaded) -> None:
    got = lifecycle.lifecycle_flow(session=loaded.session, environment_id=loaded.env_id,
                                   as_of=AS_OF)
    now = _want_stages(loaded.data, AS_OF)
    then = _want_stages(loaded.data, AS_OF - timedelta(days=30))
    assert got.stages == now
    where_now = {u: s for s, us in now.items() for u in us}
    where_then = {u: s for s, us in then.items() for u in us}
    for a in (*now, "none"):
        for b in (*now, "none"):
            n = sum(1 for u in set(where_now) | set(where_then)
                    if where_then.get(u, "none") == a and where_now.get(u, "none") == b)
            assert got.flow[a][b] == n, (a, b)
    assert sum(1 for v in now.values() if v) >= 3


@pytest.mark.parametrize("level,key", [("user", "user_id"), ("account", "account_id")])
def test_churn_rate_with_explicit_overrides(loaded: Loaded, level: str, key: str) -> None:
    got = churn.churn(session=loaded.session, environment_id=loaded.env_id, period=P30,
                      level=level)  # type: ignore[arg-type]
    before = x.active(loaded.data, FIRST - 30, FIRST - 1, key)
    now = x.active(loaded.data, FIRST, LAST, key)
    traits = loaded.data.users if level == "user" else loaded.data.accounts
    marked = {k for k, t in traits.items() if t.get("churned") in (True, "yes")}
    end = x.midnight_after(AS_OF)
    marked |= {e[key] for e in loaded.data.events if e["name"] == "churned" and e[key]
               and e["timestamp"] < end}
    churned = sorted(u for u in before if u not in now or u in marked)
    assert got.previous_active == sorted(before) and got.churned == churned
    assert got.rate == (len(churned) / len(before) if before else None)


def test_account_health_score_default_weights(loaded: Loaded) -> None:
    got = churn.account_health(session=loaded.session, environment_id=loaded.env_id,
                               as_of=AS_OF)
    last = x.dnum(AS_OF)
    days = {a: {d for d in ds if d <= last}
            for a, ds in x.days_of(loaded.data, "account_id").items()}
    width = x.breadth(loaded.data, last - 29, last, "account_id")
    total = len({e["name"] for e in loaded.data.events if e["type"] == "feature_used"
                 and last - 29 <= x.dnum(e["timestamp"]) <= last})
    nps = x.latest_nps(loaded.data, x.midnight_after(AS_OF))
    members: dict[str, list[str]] = {}
    for u, a, _ in loaded.data.memberships:
        members.setdefault(a, []).append(u)
    want = {}
    for a, ds in days.items():
        cats = [x.category(nps[u]) for u in members.get(a, []) if u in nps]
        det = cats.count("detractor")
        score = (0.25 * max(0, 1 - (last - max(ds)) / 30)
                 + 0.25 * sum(1 for d in ds if d > last - 30) / 30
                 + 0.20 * (width.get(a, 0) / total if total else 0)
                 + 0.20 * (((cats.count("promoter") - det) * 100 / len(cats) + 100) / 200
                           if cats else 0.5)
                 + 0.10 * max(0, 1 - det / 3))
        want[a] = round(100 * score, 1)
    assert {r.account_id: r.score for r in got.rows} == pytest.approx(want, abs=0.051)
    scores = [r.score for r in got.rows]
    assert scores == sorted(scores)


def test_ltv_is_monetary_per_period_over_churn(loaded: Loaded) -> None:
    got = churn.ltv(session=loaded.session, environment_id=loaded.env_id, period=P30)
    act = x.active(loaded.data, FIRST, LAST, "account_id")
    paying = sorted(a for a in act if x.number(loaded.data.accounts[a].get("mrr")) is not None)
    arpa = sum(x.number(loaded.data.accounts[a]["mrr"]) for a in paying) / len(paying)  # type: ignore[misc]
    rate = churn.churn(session=loaded.session, environment_id=loaded.env_id, period=P30,
                       level="account").rate
    assert got.accounts == paying and got.arpa == pytest.approx(arpa)
    assert got.ltv == (pytest.approx(arpa / rate) if rate else None)


def test_rollup_refresh_is_idempotent_and_incremental(loaded: Loaded) -> None:
    from server.metrics.rollup import refresh_rollups, rollups_pending
    from server.models import Event

    s = loaded.session
    assert refresh_rollups(session=s, environment_id=loaded.env_id,
                           now=datetime.now(UTC)) == 0
    assert not rollups_pending(session=s, environment_id=loaded.env_id)
    s.add(Event(environment_id=loaded.env_id, uuid="late-1", type="track", name="x",
                user_id="newcomer", timestamp=datetime(2026, 10, 30, 9, tzinfo=UTC)))
    s.commit()
    assert rollups_pending(session=s, environment_id=loaded.env_id)
    assert refresh_rollups(session=s, environment_id=loaded.env_id,
                           now=datetime.now(UTC) + timedelta(hours=1)) == 1
    s.commit()
    got = activity.active(session=s, environment_id=loaded.env_id, period=P30)
    assert "newcomer" in got.users

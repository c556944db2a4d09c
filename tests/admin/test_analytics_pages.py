"""Analytics dashboards: every figure on a page equals the metrics function's output
(the functions /api/v1/metrics calls), every page explains its figures, and the tables
export as CSV with the same rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from server.metrics import activity, adoption, churn, guides, lifecycle, loyalty, rfm
from server.metrics.days import Period
from server.surveys.results import nps_for_period

from .analytics_support import BASE, by_testid, links, number, seed, session, table_rows

PAGES = ("", "/guides", "/features", "/nps", "/loyalty", "/accounts")


@pytest.fixture
def seeded(world):
    world.env_id = seed(world)
    return world


def _today():
    return datetime.now(UTC).date()


def test_overview_figures_equal_the_metrics_functions(seeded):
    b = seeded.browser("viewer")
    r = b.get(BASE)
    assert r.status_code == 200
    period = Period.ending(as_of=_today(), days=30)
    with session(seeded) as s:
        got = activity.active(session=s, environment_id=seeded.env_id, period=period)
        tiers = adoption.usage_tiers(session=s, environment_id=seeded.env_id, as_of=_today())
        nps = nps_for_period(session=s, environment_id=seeded.env_id, start=period.start_at,
                             end=period.end_at)
        user_churn = churn.churn(session=s, environment_id=seeded.env_id, period=period)
    assert number(by_testid(r.text, "active-users")) == len(got.users) > 0
    assert number(by_testid(r.text, "active-accounts")) == len(got.accounts) > 0
    assert [number(row[1]) for row in table_rows(r.text, "tiers")] == \
        [len(tiers.tiers[t]) for t in adoption.TIERS]
    if nps["nps"] is not None:
        assert number(by_testid(r.text, "nps-value")) == nps["nps"]
        assert ("nps-unstable" in r.text) == (not nps["stable"])
    rate = len(user_churn.churned) / len(user_churn.previous_active)
    assert by_testid(r.text, "churn-users") == f"{rate:.1%}"


def test_every_page_renders_with_a_definition_next_to_its_figures(seeded):
    b = seeded.browser("viewer")
    for page in PAGES:
        r = b.get(BASE + page)
        assert r.status_code == 200, page
        assert r.text.count("How is this computed?") >= 1, page
        # …and how fresh they are (computed for this request: the tests allow no staleness).
        assert "data as of" in by_testid(r.text, "freshness"), page
        assert "refreshing" not in by_testid(r.text, "freshness"), page
        assert "<script>" not in r.text and "style=" not in r.text, page
        assert 'name="from"' in r.text and 'name="segment"' in r.text, page
        assert 'name="environment"' in r.text, page


def test_loyalty_page_counts_equal_matrix_rfm_and_lifecycle_flow(seeded):
    r = seeded.browser("viewer").get(BASE + "/loyalty")
    with session(seeded) as s:
        matrix = loyalty.loyalty_matrix(session=s, environment_id=seeded.env_id, as_of=_today())
        table = rfm.rfm(session=s, environment_id=seeded.env_id, as_of=_today())
        flow = lifecycle.lifecycle_flow(session=s, environment_id=seeded.env_id, as_of=_today())
    for cell in "ABCDEF":
        assert number(by_testid(r.text, f"cell-{cell}").split()[-1]) == len(matrix.cells[cell])
    counts = {name: len(ids) for name, ids in table.segments().items()}
    assert {row[0]: number(row[1]) for row in table_rows(r.text, "rfm")} == \
        {name: counts.get(name, 0) for name in rfm.SEGMENT_NAMES}
    assert [number(row[1]) for row in table_rows(r.text, "stages")] == \
        [len(flow.stages[st]) for st in lifecycle.STAGES]
    keys = (*lifecycle.STAGES, "none")
    shown = [[number(c) for c in row[1:]] for row in table_rows(r.text, "flow")]
    assert shown == [[flow.flow[a][b] for b in keys] for a in keys]
    assert "protect, ask for referrals/case studies" in r.text


def test_guides_page_funnel_and_lift_equal_the_metrics_functions(seeded):
    r = seeded.browser("viewer").get(BASE + "/guides?guide=welcome-tour")
    period = Period.ending(as_of=_today(), days=30)
    with session(seeded) as s:
        info = guides.guide_info(session=s, environment_id=seeded.env_id, guide_key="welcome-tour")
        funnel = guides.guide_funnel(session=s, environment_id=seeded.env_id,
                                     guide_key="welcome-tour", period=period,
                                     step_count=info.step_count)
        lift = guides.goal_lift(session=s, environment_id=seeded.env_id, guide_key="welcome-tour",
                                period=period, goal_event="report_created", within_days=7,
                                holdout_percent=10)
    assert number(by_testid(r.text, "views")) == len(funnel.seen)
    assert [number(row[1]) for row in table_rows(r.text, "funnel")] == \
        [len(st.users) for st in funnel.steps]
    assert number(by_testid(r.text, "shown-n")) == len(lift.shown.users)
    assert number(by_testid(r.text, "holdout-n")) == len(lift.holdout.users)
    if lift.lift is not None:
        assert by_testid(r.text, "lift").startswith(f"{lift.lift * 100:+.1f}")


def test_features_and_accounts_pages_equal_the_metrics_functions(seeded):
    b = seeded.browser("viewer")
    period = Period.ending(as_of=_today(), days=30)
    r = b.get(BASE + "/features?feature=new-report")
    with session(seeded) as s:
        got = adoption.feature_adoption(session=s, environment_id=seeded.env_id,
                                        feature="new-report", period=period)
        health = churn.account_health(session=s, environment_id=seeded.env_id, as_of=_today())
    row = next(x for x in table_rows(r.text, "features") if x[1] == "new-report")
    assert number(row[2]) == len(got.users) and number(row[4]) == len(got.accounts)
    r = b.get(BASE + "/accounts")
    assert number(by_testid(r.text, "accounts")) == len(health.rows)
    assert number(by_testid(r.text, "at-risk")) == sum(1 for x in health.rows if x.score < 40)
    first = table_rows(r.text, "health")[0]
    assert first[0] == health.rows[0].account_id and float(first[1]) == health.rows[0].score


def test_every_table_exports_as_csv_with_the_rows_on_the_page(seeded):
    b = seeded.browser("viewer")
    checked = 0
    for page in PAGES:
        r = b.get(BASE + page)
        for href in links(r.text, ".csv?"):
            if "people.csv" in href:
                continue
            got = b.get(href)
            assert got.status_code == 200, href
            assert got.headers["content-type"].startswith("text/csv")
            assert "attachment" in got.headers["content-disposition"]
            rows = list(csv.reader(io.StringIO(got.text)))
            table = href.split("table=")[1].split("&")[0]
            if table not in ("health", "by_account", "at_risk"):  # the page shows a first page
                assert len(rows) - 1 == max(len(table_rows(r.text, table)), 1) or \
                    len(rows) == 1, href
            checked += 1
    assert checked >= 15


def test_every_number_opens_its_people_list_with_the_same_count(seeded):
    b = seeded.browser("viewer")
    r = b.get(BASE)
    href = links(r.text, "/analytics/people?")[0]
    assert "set=" in href
    r = b.get(BASE + "/loyalty")
    for cell in "ABCDEF":
        count = number(by_testid(r.text, f"cell-{cell}").split()[-1])
        href = next(h for h in links(r.text, "set=matrix") if f"cell={cell}" in h)
        page = b.get(href)
        assert page.status_code == 200
        assert number(by_testid(page.text, "people-total")) == count
        exported = b.get(href.replace("/people?", "/people.csv?"))
        assert len(list(csv.reader(io.StringIO(exported.text)))) == count + 1


def test_bad_filters_are_reported_and_defaults_used(seeded):
    b = seeded.browser("viewer")
    r = b.get(BASE + "?from=yesterday&segment=nope")
    assert r.status_code == 400
    assert "filter-errors" in r.text and "YYYY-MM-DD" in r.text and "nope" in r.text
    r = b.get(BASE + "/nps?from=2026-02-01&to=2026-01-01")
    assert r.status_code == 400
    assert b.get(BASE + "/overview.csv?table=tiers&from=x").status_code == 400
    assert b.get(BASE + "/overview.csv?table=nope").status_code == 404


def test_a_period_in_the_past_changes_the_figures(seeded):
    b = seeded.browser("viewer")
    last = _today() - timedelta(days=45)
    first = last - timedelta(days=6)
    r = b.get(BASE + f"?from={first}&to={last}")
    with session(seeded) as s:
        got = activity.active(session=s, environment_id=seeded.env_id,
                              period=Period.of(start=first, end=last))
    assert number(by_testid(r.text, "active-users")) == len(got.users)
    assert f"{first.isoformat()} to {last.isoformat()}" in r.text

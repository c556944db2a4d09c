"""The metrics (metric_feature_day rollup) and the feature page (usage.py) follow the one
definition of a use (METRICS.md "Feature adoption"): click rules via `feature_used`, event
rules via `track`, URL rules via `page_view` — retroactively for URL and event rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from server.features.service import get_feature
from server.features.usage import feature_usage
from server.metrics import adoption
from server.metrics.days import Period, day_number
from server.metrics.rollup import refresh_rollups
from server.models.rollup import MetricFeatureDay
from tests.api.sdkclient import SdkClient, event
from tests.api.v1_support import Api

PERIOD = {"from": "2026-10-01", "to": "2026-10-31"}
P = Period(day_number(date(2026, 10, 1)), day_number(date(2026, 10, 31)))
REPORTS = {"key": "reports", "name": "Reports",
           "rules": [{"kind": "url", "url": {"match": "prefix", "value": "/app/reports"}}]}
EXPORT = {"key": "export-csv", "name": "Export",
          "rules": [{"kind": "event", "name": "report_exported"},
                    {"kind": "click", "target": {"selectors": ["#export"], "text": "Export",
                                                 "strictness": "normal"}}]}
CLICKY = {"key": "clicky", "name": "Click only",
          "rules": [{"kind": "click", "target": {"selectors": ["#go"], "text": "Go",
                                                 "strictness": "normal"}}]}


def page_view(user: str, path: str, ts: str, account: str | None = None) -> dict[str, Any]:
    return event("page_view", user_id=user, account_id=account, timestamp=ts,
                 properties={"url": f"https://app.acme.test{path}", "title": "x"})


def track(name: str, user: str, ts: str, account: str | None = None) -> dict[str, Any]:
    return event("track", name=name, user_id=user, account_id=account, timestamp=ts)


HISTORY = [
    page_view("u1", "/app/reports/1", "2026-10-02T09:00:00Z", "acme"),
    page_view("u1", "/app/reports/2", "2026-10-03T09:00:00Z", "acme"),
    page_view("u2", "/app/settings", "2026-10-03T09:00:00Z", "globex"),
    page_view("u3", "/app/reports?tab=2", "2026-10-04T09:00:00Z", "globex"),
    page_view("u5", "/elsewhere", "2026-10-04T09:00:00Z", "initech"),
    # u2 both clicked (feature_used) and tracked the event rule on one day: one use-day.
    track("report_exported", "u2", "2026-10-05T10:00:00Z", "globex"),
    event("feature_used", name="export-csv", user_id="u2", account_id="globex",
          timestamp="2026-10-05T11:00:00Z"),
    track("report_exported", "u4", "2026-10-07T10:00:00Z"),
    # Not uses of the click-only feature: only feature_used named "clicky" is.
    track("clicky", "u5", "2026-10-06T10:00:00Z", "initech"),
    page_view("u5", "/clicky", "2026-10-06T10:00:00Z", "initech"),
    event("feature_used", name="clicky", user_id="u1", account_id="acme",
          timestamp="2026-10-08T10:00:00Z"),
]


@pytest.fixture
def reports(api: Api, sdk: SdkClient, env: Any) -> int:
    """HISTORY stored, then the URL-rule feature `reports` created; the environment id."""
    sdk.send(HISTORY)
    assert api.post("/features", json=REPORTS).status_code == 201
    return int(env.environment.id)


def _adoption(api: Api, key: str) -> tuple[dict[str, Any], list[str], list[str]]:
    r = api.get(f"/metrics/features/{key}/adoption", params=PERIOD)
    assert r.status_code == 200, r.text
    users = api.walk(f"/metrics/features/{key}/adoption/users", group="users", **PERIOD)[0]
    accounts = api.walk(f"/metrics/features/{key}/adoption/users", group="accounts",
                        **PERIOD)[0]
    return r.json(), sorted(u["id"] for u in users), sorted(a["id"] for a in accounts)


def _usage(api: Api, db: Any, env_id: int, key: str) -> tuple[dict[str, Any], list[str],
                                                               list[str]]:
    body = api.get(f"/features/{key}/usage", params=PERIOD).json()
    with db.session() as s:
        feature = get_feature(session=s, environment_id=env_id, key=key)
        assert feature is not None
        got = feature_usage(session=s, environment_id=env_id, feature=feature,
                            start=datetime(2026, 10, 1, tzinfo=UTC),
                            end=datetime(2026, 11, 1, tzinfo=UTC))
    assert (body["users"], body["accounts"]) == (len(got.users), len(got.accounts))
    return body, sorted(got.users), sorted(got.accounts)


def _settle(db: Any, env_id: int) -> None:
    """Fold every stored event and move the watermark past them (no PostgreSQL lag), so a
    feature created or edited next must rebuild its rows from the folded history."""
    with db.session() as s:
        refresh_rollups(session=s, environment_id=env_id, now=datetime.now(UTC),
                        lag_seconds=0)
        s.commit()


def _rows(db: Any, env_id: int, key: str) -> list[tuple[Any, ...]]:
    fd = MetricFeatureDay.__table__  # type: ignore[attr-defined]
    with db.session() as s:
        return [tuple(r) for r in s.execute(
            sa.select(fd.c.day, fd.c.user_id, fd.c.account_id)
            .where(fd.c.environment_id == env_id, fd.c.feature == key)
            .order_by(fd.c.day, fd.c.user_id))]


def test_features_created_after_the_events_count_the_same_in_metrics_and_usage(
    api: Api, sdk: SdkClient, db: Any, env: Any,
) -> None:
    env_id = env.environment.id
    sdk.send(HISTORY)
    _settle(db, env_id)  # the history is folded before any feature exists
    assert _adoption(api, "reports")[0]["users"] == 0
    for feature in (REPORTS, EXPORT, CLICKY):
        assert api.post("/features", json=feature).status_code == 201

    metrics, users, accounts = _adoption(api, "reports")
    usage, usage_users, usage_accounts = _usage(api, db, env_id, "reports")
    assert users == usage_users == ["u1", "u3"]
    assert accounts == usage_accounts == ["acme", "globex"]
    assert metrics["users"] == usage["users"] == 2 and metrics["accounts"] == 2
    assert metrics["active_users"] == 5 and metrics["rate"] == 2 / 5

    metrics, users, accounts = _adoption(api, "export-csv")
    _, usage_users, usage_accounts = _usage(api, db, env_id, "export-csv")
    assert users == usage_users == ["u2", "u4"]
    assert accounts == usage_accounts == ["globex"]
    # One row per (feature, day, user): the click and the tracked event of u2 on Oct 5
    # are one use-day, so DAU that day is 1.
    assert _rows(db, env_id, "export-csv") == [
        (day_number(date(2026, 10, 5)), "u2", "globex"),
        (day_number(date(2026, 10, 7)), "u4", "")]
    with db.session() as s:
        sticky = adoption.stickiness(session=s, environment_id=env_id, period=P,
                                     feature="export-csv")
        assert sticky.dau[day_number(date(2026, 10, 5))] == 1
        first = adoption.time_to_first_use(session=s, environment_id=env_id,
                                           feature="reports", period=P)
        assert set(first.days) == {"u1", "u3"}
        direct = adoption.feature_adoption(session=s, environment_id=env_id,
                                           feature="reports", period=P)
        assert direct.users == ["u1", "u3"] and direct.accounts == ["acme", "globex"]
        # Breadth counts URL- and event-rule features alongside click ones.
        assert adoption.breadth(session=s, environment_id=env_id, period=P) == {
            "u1": 2, "u2": 1, "u3": 1, "u4": 1}
        assert adoption.breadth(session=s, environment_id=env_id, period=P,
                                level="account") == {"acme": 2, "globex": 2}

    # A click rule counts only feature_used events named by the key.
    _, users, accounts = _adoption(api, "clicky")
    assert users == _usage(api, db, env_id, "clicky")[1] == ["u1"] and accounts == ["acme"]


def test_new_events_and_rule_edits_change_the_next_metrics_read(
    api: Api, sdk: SdkClient, db: Any, reports: int,
) -> None:
    env_id = reports
    assert _adoption(api, "reports")[1] == ["u1", "u3"]
    # Events after the feature exists are folded by the refresh, under the same rules.
    sdk.send([page_view("u6", "/app/reports/9", "2026-10-09T09:00:00Z", "umbrella"),
              page_view("u7", "/app/home", "2026-10-09T09:00:00Z", "umbrella")])
    assert _adoption(api, "reports")[1] == ["u1", "u3", "u6"]
    _settle(db, env_id)

    # New rules: the rows are rebuilt from all stored history (retroactive), the old
    # rule's uses are gone, and the cached result is not served.
    r = api.request("PATCH", "/features/reports", json={"rules": [
        {"kind": "url", "url": {"match": "exact", "value": "/app/settings"}},
        {"kind": "event", "name": "report_exported"}]})
    assert r.status_code == 200, r.text
    metrics, users, accounts = _adoption(api, "reports")
    _, usage_users, usage_accounts = _usage(api, db, env_id, "reports")
    assert users == usage_users == ["u2", "u4"]
    assert accounts == usage_accounts == ["globex"]
    assert metrics["users"] == 2

    # A rename does not touch the rows; archiving keeps counting the stored-event rules,
    # as the feature page does.
    before = _rows(db, env_id, "reports")
    api.request("PATCH", "/features/reports", json={"name": "Settings"})
    assert api.post("/features/reports/archive").status_code == 200
    assert _rows(db, env_id, "reports") == before
    sdk.send([page_view("u8", "/app/settings/", "2026-10-10T09:00:00Z")])
    assert _adoption(api, "reports")[1] == _usage(api, db, env_id, "reports")[1] == [
        "u2", "u4", "u8"]


def test_refresh_folds_rule_uses_once_per_user_and_day(
    api: Api, sdk: SdkClient, db: Any, env: Any,
) -> None:
    env_id = env.environment.id
    assert api.post("/features", json=EXPORT).status_code == 201
    assert api.post("/features", json=REPORTS).status_code == 201
    sdk.send(HISTORY)
    for _ in range(2):  # re-reading the same events adds nothing
        _settle(db, env_id)
    assert _rows(db, env_id, "export-csv") == [
        (day_number(date(2026, 10, 5)), "u2", "globex"),
        (day_number(date(2026, 10, 7)), "u4", "")]
    assert [u for _, u, _ in _rows(db, env_id, "reports")] == ["u1", "u1", "u3"]


def test_feature_usage_is_served_from_the_cache_until_the_data_changes(
    api: Api, sdk: SdkClient, db: Any, reports: int,
) -> None:
    env_id = reports
    start, end = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)

    def read() -> Any:
        with db.session() as s:
            feature = get_feature(session=s, environment_id=env_id, key="reports")
            assert feature is not None
            return feature_usage(session=s, environment_id=env_id, feature=feature,
                                 start=start, end=end)

    first = read()
    assert first is read()  # unchanged data: the remembered result, not a new scan
    assert sorted(first.users) == ["u1", "u3"]
    sdk.send([page_view("u6", "/app/reports/9", "2026-10-09T09:00:00Z", "umbrella")])
    after = read()
    assert after is not first and sorted(after.users) == ["u1", "u3", "u6"]
    # Other rules under the same key are another entry (the rules are part of the key).
    r = api.request("PATCH", "/features/reports", json={"rules": [
        {"kind": "url", "url": {"match": "exact", "value": "/app/settings"}}]})
    assert r.status_code == 200, r.text
    assert sorted(read().users) == ["u2"]

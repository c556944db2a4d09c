"""Admin REST /features: CRUD, delivery in bootstrap, and usage (retroactive for url/event)."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from server.models import Environment
from tests.api.sdkclient import SdkClient, event
from tests.api.v1_support import Api, assert_error

EXPORT = {
    "key": "export-csv", "name": "Export to CSV",
    "rules": [{"kind": "click", "target": {"selectors": ["[data-action=export]"],
                                           "text": "Export", "strictness": "normal"}},
              {"kind": "event", "name": "report_exported"}],
}
REPORTS = {"key": "reports", "name": "Reports",
           "rules": [{"kind": "url", "url": {"match": "prefix", "value": "/app/reports"}}]}


def version(db: Any, env: Any) -> int:
    with db.session() as s:
        row = s.exec(select(Environment).where(Environment.id == env.environment.id)).one()
        return row.guides_version


def test_create_read_list_rename_and_archive(api: Api, db: Any, env: Any) -> None:
    r = api.post("/features", json=EXPORT)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["key"] == "export-csv" and body["archived"] is False
    assert body["rules"][0]["target"]["selectors"] == ["[data-action=export]"]
    assert api.post("/features", json=REPORTS).status_code == 201
    assert_error(api.post("/features", json=EXPORT), 409, "feature_exists")
    assert api.get("/features/export-csv").json()["name"] == "Export to CSV"
    items, pages = api.walk("/features", limit=1)
    assert [i["key"] for i in items] == ["export-csv", "reports"] and pages == 2
    r = api.request("PATCH", "/features/export-csv", json={"name": "CSV export"})
    assert r.status_code == 200 and r.json()["name"] == "CSV export"
    assert r.json()["rules"] == body["rules"]
    r = api.post("/features/reports/archive")
    assert r.status_code == 200 and r.json()["archived"] is True
    assert [i["key"] for i in api.walk("/features")[0]] == ["export-csv"]
    assert [i["key"] for i in api.walk("/features", archived="true")[0]] == ["reports"]
    assert api.post("/features/reports/unarchive").json()["archived"] is False


def test_bad_input_is_a_4xx_that_names_the_problem(api: Api) -> None:
    details = assert_error(api.post("/features", json={**EXPORT, "key": "Bad Key"}), 422)
    assert details["details"][0]["loc"] == "key"
    bad_rule = {**EXPORT, "rules": [{"kind": "url", "url": {"match": "regex", "value": "("}}]}
    assert_error(api.post("/features", json=bad_rule), 422, "validation_error")
    assert_error(api.post("/features", json={**EXPORT, "rules": []}), 422)
    assert_error(api.post("/features", content=b"{", headers={"content-type": "application/json"}),
                 400)
    assert_error(api.get("/features/nope"), 404, "not_found")
    assert_error(api.request("PATCH", "/features/nope", json={"name": "x"}), 404)
    assert_error(api.request("PATCH", "/features/x", json={"colour": "red"}), 422)
    assert_error(api.client.get("/api/v1/features"), 401)


def test_features_are_delivered_in_bootstrap_and_changes_bump_the_version(
    api: Api, sdk: SdkClient, db: Any, env: Any
) -> None:
    assert sdk.bootstrap().json()["features"] == []
    before = version(db, env)
    api.post("/features", json=EXPORT)
    api.post("/features", json=REPORTS)
    api.post("/features", json={"key": "api-only", "name": "API",
                                "rules": [{"kind": "event", "name": "api_called"}]})
    assert version(db, env) > before
    features = sdk.bootstrap().json()["features"]
    # Event rules are applied on the server: they are not sent, and a feature with
    # only event rules is not sent at all.
    assert features == [
        {"key": "export-csv", "rules": [{"kind": "click", "target": {
            "selectors": ["[data-action=export]"], "text": "Export", "strictness": "normal"}}]},
        {"key": "reports", "rules": [{"kind": "url", "url": {"match": "prefix",
                                                               "value": "/app/reports"}}]},
    ]
    renamed = version(db, env)
    api.request("PATCH", "/features/reports", json={"name": "All reports"})
    assert version(db, env) == renamed  # a rename changes nothing the SDK sees
    api.post("/features/reports/archive")
    assert [f["key"] for f in sdk.bootstrap().json()["features"]] == ["export-csv"]


def page_view(user: str, path: str, ts: str, account: str | None = None) -> dict[str, Any]:
    return event("page_view", user_id=user, account_id=account, timestamp=ts,
                 properties={"url": f"https://app.acme.test{path}", "title": "x"})


def test_usage_counts_clicks_events_and_page_views_retroactively(
    api: Api, sdk: SdkClient
) -> None:
    # History from before the features existed.
    sdk.send([
        page_view("u1", "/app/reports/1", "2026-10-02T09:00:00Z", "acme"),
        page_view("u1", "/app/reports/2", "2026-10-03T09:00:00Z", "acme"),
        page_view("u2", "/app/settings", "2026-10-03T09:00:00Z", "globex"),
        page_view("u3", "/app/reports", "2026-09-15T09:00:00Z", "globex"),  # before the period
        page_view("u3", "/app/reports?tab=2", "2026-10-04T09:00:00Z", "globex"),
        event("track", name="report_exported", user_id="u2", account_id="globex",
              timestamp="2026-10-05T10:00:00Z"),
        event("track", name="report_created", user_id="u4", timestamp="2026-10-05T10:00:00Z"),
    ])
    api.post("/features", json=EXPORT)
    api.post("/features", json=REPORTS)
    # From now on the SDK reports clicks on the tagged element.
    sdk.send([event("feature_used", name="export-csv", user_id="u1", account_id="acme",
                    timestamp="2026-10-06T11:00:00Z", properties={"rule": 0})])
    period = {"from": "2026-10-01", "to": "2026-10-31"}
    reports = api.get("/features/reports/usage", params=period).json()
    assert (reports["events"], reports["users"], reports["accounts"]) == (3, 2, 2)
    assert reports["per_day"] == [
        {"date": "2026-10-02", "events": 1, "users": 1},
        {"date": "2026-10-03", "events": 1, "users": 1},
        {"date": "2026-10-04", "events": 1, "users": 1}]
    # u3's first use ever was in September, before the period.
    assert reports["first_use"] == [
        {"user_id": "u1", "first_used_at": "2026-10-02T09:00:00Z"},
        {"user_id": "u3", "first_used_at": "2026-09-15T09:00:00Z"}]
    export = api.get("/features/export-csv/usage", params=period).json()
    assert (export["events"], export["users"], export["accounts"]) == (2, 2, 2)
    acme = api.get("/features/export-csv/usage", params={**period, "account": "acme"}).json()
    assert acme["users"] == 1 and acme["first_use"][0]["user_id"] == "u1"
    assert_error(api.get("/features/nope/usage"), 404)
    assert_error(api.get("/features/reports/usage", params={"from": "2026-13-01"}), 422)


def test_another_environment_sees_none_of_the_features(
    api: Api, factory: Any
) -> None:
    api.post("/features", json=EXPORT)
    other = factory.environment(workspace="Globex")
    other_api = Api(api.client, other.secret_key, other)
    assert other_api.walk("/features")[0] == []
    assert_error(other_api.get("/features/export-csv"), 404)
    assert other_api.post("/features", json=EXPORT).status_code == 201  # keys are per env

"""Admin feature pages: list with 30-day users, create / edit rules / rename / archive /
restore (editor+), field errors, usage (people with first use, accounts, per day, CSV),
the in-app check script — and the viewer's read-only view, another workspace's 404."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.testclient import TestClient

from server.models import Feature
from tests.api.sdkclient import SdkClient, event

BASE = "/admin/w/acme/e/production/features"


def create(b: Any, key: str = "export-csv", name: str = "Export to CSV",
           rows: list[dict[str, str]] | None = None) -> Any:
    rows = rows if rows is not None else [
        {"kind": "click", "selectors": "[data-action=export]\n#export", "text": "Export",
         "strictness": "normal"},
        {"kind": "url", "match": "prefix", "value": "/app/reports/export"},
        {"kind": "event", "name": "report_exported"},
    ]
    data: dict[str, Any] = {"key": key, "name": name, "rule_count": str(len(rows))}
    for i, row in enumerate(rows):
        data.update({f"rules-{i}-{k}": v for k, v in row.items()})
    return b.post(f"{BASE}/new", data)


def stored(world: Any, key: str, env: str = "acme") -> Feature | None:
    from server.features.service import get_feature

    with world.app.state.db.session() as s:
        return get_feature(session=s, environment_id=world.envs[env].environment.id, key=key)


def send(world: Any, events: list[dict[str, Any]]) -> None:
    env = world.envs["acme"].environment
    r = SdkClient(TestClient(world.app), env.publishable_key, env.allowed_origins[0]).send(events)
    assert r.json()["accepted"] == len(events), r.text


def _ts(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_an_editor_creates_a_feature_with_three_kinds_of_rules(world):
    b = world.browser("editor")
    assert b.get(f"{BASE}/new").status_code == 200
    r = create(b)
    assert r.status_code == 303
    assert r.headers["location"].endswith("/features/export-csv?msg=created")
    f = stored(world, "export-csv")
    assert f is not None and f.name == "Export to CSV"
    assert f.rules == [
        {"kind": "click", "target": {"selectors": ["[data-action=export]", "#export"],
                                     "text": "Export", "strictness": "normal"}},
        {"kind": "url", "url": {"match": "prefix", "value": "/app/reports/export"}},
        {"kind": "event", "name": "report_exported"}]
    page = b.get(r.headers["location"]).text
    assert "Feature created" in page and "[data-action=export]" in page


def test_field_errors_are_shown_and_nothing_is_written(world):
    b = world.browser("editor")
    r = create(b, key="Bad Key", name="", rows=[
        {"kind": "click", "selectors": "", "strictness": "normal"}])
    assert r.status_code == 422
    assert "lowercase letters" in r.text and "Enter a name" in r.text
    r = create(b, rows=[{"kind": "click", "selectors": "", "strictness": "normal"},
                        {"kind": "url", "match": "regex", "value": "("}])
    assert r.status_code == 422 and 'data-testid="rule-1"' in r.text
    assert "selectors" in r.text and "regular expression" in r.text
    assert create(b, rows=[]).status_code == 422
    assert stored(world, "export-csv") is None
    assert create(b).status_code == 303
    again = create(b)
    assert again.status_code == 422 and "already exists" in again.text


def test_add_rule_button_adds_a_row_without_saving(world):
    b = world.browser("editor")
    r = b.post(f"{BASE}/new", {"key": "k", "name": "K", "rule_count": "1",
                               "rules-0-kind": "event", "rules-0-name": "x",
                               "add_rule": "url"})
    assert r.status_code == 200 and 'data-testid="rule-1"' in r.text
    assert stored(world, "k") is None


def test_rename_change_rules_archive_and_restore(world):
    b = world.browser("editor")
    create(b)
    r = b.post(f"{BASE}/export-csv/edit", {"name": "CSV export", "rule_count": "2",
                                           "rules-0-kind": "event",
                                           "rules-0-name": "csv_exported",
                                           "rules-1-kind": "", "rules-1-name": "dropped"})
    assert r.status_code == 303
    f = stored(world, "export-csv")
    assert f.name == "CSV export" and f.rules == [{"kind": "event", "name": "csv_exported"}]
    assert b.post(f"{BASE}/export-csv/archive").status_code == 303
    assert stored(world, "export-csv").archived
    assert 'data-testid="feature-row-export-csv"' not in b.get(BASE).text
    assert 'data-testid="feature-row-export-csv"' in b.get(BASE, params={"archived": "1"}).text
    assert b.post(f"{BASE}/export-csv/unarchive").status_code == 303
    assert not stored(world, "export-csv").archived
    edit = b.get(f"{BASE}/export-csv/edit")
    assert edit.status_code == 200 and "csv_exported" in edit.text


def test_usage_lists_people_accounts_days_and_the_list_counts_30_days(world):
    b = world.browser("editor")
    create(b)
    send(world, [
        event("feature_used", name="export-csv", user_id="ann", account_id="acme-co",
              timestamp=_ts(2)),
        event("feature_used", name="export-csv", user_id="ann", account_id="acme-co",
              timestamp=_ts(40)),
        event("track", name="report_exported", user_id="bob", account_id="globex-co",
              timestamp=_ts(1)),
        event("page_view", user_id="cy", properties={"url": "/app/reports/export?x=1"},
              timestamp=_ts(3)),
        event("page_view", user_id="dee", properties={"url": "/app/home"}, timestamp=_ts(3)),
        event("track", name="other", user_id="eve", timestamp=_ts(3)),
    ])
    viewer = world.browser("viewer")
    listing = viewer.get(BASE).text
    assert 'data-testid="users-export-csv">3<' in listing
    page = viewer.get(f"{BASE}/export-csv")
    assert page.status_code == 200
    assert 'data-testid="stat-users">3<' in page.text
    assert 'data-testid="stat-accounts">2<' in page.text
    assert "<rect" in page.text
    users = page.text.split('data-testid="users-table"')[1].split("</table>")[0]
    assert "ann" in users and "bob" in users and "cy" in users and "dee" not in users
    only = viewer.get(f"{BASE}/export-csv", params={"account": "globex-co"}).text
    assert 'data-testid="stat-users">1<' in only
    r = viewer.get(f"{BASE}/export-csv/usage.csv", params={"list": "users"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["user_id"] for row in rows] == ["ann", "bob", "cy"]
    # ann's first use ever is 40 days ago, before the 30-day period.
    ann = datetime.fromisoformat(rows[0]["first_used_at"])
    assert datetime.now(UTC) - ann > timedelta(days=39)
    acc = viewer.get(f"{BASE}/export-csv/usage.csv", params={"list": "accounts"}).text
    assert acc.split() == ["account_id", "acme-co", "globex-co"]
    assert viewer.get(f"{BASE}/export-csv/usage.csv", params={"list": "x"}).status_code == 400
    assert viewer.get(f"{BASE}/export-csv", params={"from": "nope"}).status_code == 400


def test_usage_csv_is_formula_safe(world):
    b = world.browser("editor")
    create(b, rows=[{"kind": "event", "name": "x"}])
    send(world, [event("track", name="x", user_id="=cmd()", timestamp=_ts(1))])
    r = b.get(f"{BASE}/export-csv/usage.csv")
    assert "'=cmd()" in r.text


def test_check_page_gives_a_console_script_with_the_rule_as_json(world):
    b = world.browser("viewer")
    create(world.browser("editor"), rows=[
        {"kind": "click", "selectors": 'button[title="a</textarea>"]', "strictness": "strict"}])
    r = b.get(f"{BASE}/export-csv/check")
    assert r.status_code == 200
    script = r.text.split('data-testid="check-script">')[1].split("</textarea>")[0]
    assert "querySelectorAll" in script and "&#34;strict&#34;" in script
    assert "</textarea>\"" not in r.text.replace("&lt;/textarea&gt;", "")


def test_a_viewer_reads_but_sees_no_change_buttons(world):
    create(world.browser("editor"))
    v = world.browser("viewer")
    assert "New feature" not in v.get(BASE).text
    detail = v.get(f"{BASE}/export-csv").text
    assert "/archive" not in detail and "/edit" not in detail
    assert v.get(f"{BASE}/new").status_code == 403
    assert v.get(f"{BASE}/export-csv/edit").status_code == 403
    assert v.post(f"{BASE}/export-csv/archive").status_code == 403
    assert not stored(world, "export-csv").archived


def test_another_workspaces_feature_is_not_found(world):
    from server.features.service import create_feature

    with world.app.state.db.session() as s:
        create_feature(session=s, environment_id=world.envs["globex"].environment.id,
                       key="theirs", name="Theirs", rules=[{"kind": "event", "name": "x"}])
        s.commit()
    b = world.browser("owner")
    for path in ("", "/edit", "/check", "/usage.csv"):
        assert b.get(f"{BASE}/theirs{path}").status_code == 404
        assert b.get(f"/admin/w/globex/e/production/features/theirs{path}").status_code == 404
    assert b.post(f"{BASE}/theirs/archive").status_code == 404
    assert b.get(f"{BASE}/missing").status_code == 404

"""Survey results and feature tags in real Chromium, axe-core on every page.

Answers are seeded through the SDK events endpoint (the path the widget uses); the admin
signs in, reads the NPS with its margin and the n < 400 warning, narrows the comments by
category and text, then creates a feature in the rule editor and opens its check page.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.test_admin_journey import AXE, check_a11y

pytestmark = pytest.mark.skipif(not AXE.is_file(),
                                reason="axe-core missing: cd tests/e2e && npm ci")
PASSWORD = "surveys passphrase 42"
SURVEY = {
    "key": "nps-q4", "name": "NPS Q4", "type": "survey",
    "pacing": {"sample_percent": 100, "min_page_views": 0, "reask_days": 90, "snooze_days": 7},
    "steps": [{"kind": "nps", "title": "How likely are you to recommend us?"},
              {"kind": "thank_you", "title": "Thanks!"}],
}
# 5 promoters, 2 passives, 3 detractors of 10 → NPS +20, ±54.0 (tests/surveys).
SCORES = [10, 9, 9, 8, 7, 6, 3, 0, 10, 10]
COMMENTS = {6: "Exports are slow", 3: "Search never finds anything",
            0: "Exports broke twice", 10: "Love it"}


def _answers() -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    out = []
    for i, score in enumerate(SCORES):
        ts = (now - timedelta(days=i + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        props: dict[str, Any] = {"kind": "nps", "asked_at": ts, "score": score}
        if score in COMMENTS:
            props["comment"] = COMMENTS[score]
        out.append({"id": str(uuid.uuid4()), "type": "survey_answered", "user_id": f"u{i}",
                    "guide": "nps-q4", "step": 0, "properties": props, "timestamp": ts,
                    "account_id": "acme-co" if i % 2 else "globex-co"})
    return out


def _owner(live: Any, env: Any) -> str:
    """A new owner of the environment's workspace; returns the email."""
    from server.models import Environment
    from server.models.admin import AdminUser, WorkspaceMember
    from server.security.passwords import hash_password

    email = f"{uuid.uuid4().hex[:10]}@example.com"
    with live.db.session() as s:
        environment = s.get(Environment, env.id)
        user = AdminUser(email=email, name="Sam Survey", password_hash=hash_password(PASSWORD))
        s.add(user)
        s.flush()
        s.add(WorkspaceMember(workspace_id=environment.workspace_id, user_id=user.id,
                              role="owner"))
        s.commit()
    return email


def test_survey_results_and_a_new_feature(live: Any, page: Any,
                                          console_errors: list[str]) -> None:
    env = live.environment(origins=["https://app.test"])
    live.publish(env, SURVEY)
    r = httpx.post(f"{live.base_url}/api/sdk/v1/events",
                   json={"key": env.publishable_key, "events": _answers()},
                   headers={"origin": "https://app.test"})
    assert r.status_code in (200, 202) and r.json()["accepted"] == len(SCORES), r.text
    slug = live.query("SELECT w.slug FROM workspace w JOIN environment e ON e.workspace_id = w.id"
                      " WHERE e.id = :e", e=env.id)[0][0]
    base = f"{live.base_url}/admin/w/{slug}/e/{env.name}"
    page.route(f"{live.base_url}/admin/static/__axe.js",
               lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    page.on("dialog", lambda dialog: dialog.accept())

    page.goto(f"{base}/surveys")
    page.get_by_label("Email").fill(_owner(live, env))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Surveys", exact=True)).to_be_visible()
    expect(page.get_by_test_id("survey-row-nps-q4")).to_contain_text("+20")
    check_a11y(page, live)

    page.get_by_role("link", name="NPS Q4").click()
    expect(page.get_by_test_id("nps-value")).to_have_text("+20")
    expect(page.get_by_test_id("nps-moe")).to_contain_text("54")
    expect(page.get_by_test_id("nps-unstable")).to_contain_text("400")
    page.get_by_text("How is this computed?").first.click()
    expect(page.get_by_text("MOE95 = 1.96").first).to_be_visible()
    expect(page.get_by_test_id("verbatim")).to_have_count(6)  # three "Love it"
    check_a11y(page, live)

    page.get_by_label("Category").select_option("detractor")
    page.get_by_label("Text").fill("exports")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("verbatim")).to_have_count(2)
    expect(page.get_by_test_id("verbatims")).not_to_contain_text("Search never")
    with page.expect_download() as download:
        page.get_by_test_id("csv-link").click()
    assert "Exports broke twice" in download.value.path().read_text(encoding="utf-8")

    # A feature, typed in the rule editor (the key follows the name).
    page.get_by_role("link", name="Features", exact=True).click()
    expect(page.get_by_role("link", name="New feature")).to_be_visible()
    check_a11y(page, live)
    page.get_by_role("link", name="New feature").click()
    page.wait_for_load_state("load")  # the key-from-name script must be attached first
    page.get_by_label("Name", exact=True).fill("Export to CSV")
    expect(page.get_by_label("Key", exact=True)).to_have_value("export-to-csv")
    expect(page.get_by_label("Page URL")).to_be_hidden()  # only the click rule's fields
    page.get_by_label("Selectors, one per line, tried in order").fill(
        "[data-action=export]\n#export")
    page.get_by_label("Text the element contains (optional)").fill("Export")
    check_a11y(page, live)
    page.get_by_role("button", name="+ Page view").click()
    page.get_by_label("Counts").nth(1).select_option("url")
    page.get_by_label("Path (with query and hash if needed)").nth(1).fill("/app/reports/export")
    page.get_by_role("button", name="Create feature").click()
    expect(page.get_by_text("Feature created")).to_be_visible()
    expect(page.get_by_test_id("rules")).to_contain_text("[data-action=export] (+1)")
    expect(page.get_by_test_id("rules")).to_contain_text("/app/reports/export")
    check_a11y(page, live)
    page.get_by_role("link", name="Check in your app").click()
    script = page.get_by_test_id("check-script").input_value()
    check_a11y(page, live)
    assert console_errors == []
    # The script, run on a page of "the app": of the two [data-action=export] buttons only
    # the one containing "Export" counts (normal strictness), and #export is not there.
    page.set_content('<main><button data-action="export">Export <b>CSV</b></button>'
                     '<button data-action="export">Delete</button></main>')
    assert page.evaluate(script) == 1

"""The whole no-code journey of issue 4 in real Chromium, as a new product manager walks it.

Sign up → create a `development` environment → author a 3-step tour in the editor → point
steps 2 and 3 at elements of the demo app with the visual picker ("Pick in app") → set an
audience rule → preview the draft in the app as a chosen user → publish → see it as an end
user (a fresh browser context) → publish a v2 → roll back to v1 and see v1 served again.

The app is a copy of the demo host app (examples/acme) at https://app.test/demo/, embedding
the SDK with the key of the environment created here: the live server's own /demo/ is
wired to the "Acme Demo" environment's key (server/demo.py), so it cannot show guides of
an environment made through the admin. See ``admin_helpers.serve_demo_app``.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from .admin_helpers import (
    AXE,
    DEMO_APP_URL,
    admin,  # noqa: F401 - fixture
    create_environment,
    sdk_ready,
    serve_demo_app,
    sign_up,
)
from .conftest import HOST_ORIGIN

pytestmark = pytest.mark.skipif(not AXE.is_file(),
                                reason="axe-core missing: cd tests/e2e && npm ci")

GUIDE = "acme-reports-tour"
TITLES = ["Welcome to Acme", "Create a report", "Your settings"]
ANCHORS = ["[data-tour=new-report]", "[data-tour=settings-link]"]


def _draft(live: Any) -> dict[str, Any]:
    value = live.query("SELECT draft FROM guide WHERE key = :k ORDER BY id DESC", k=GUIDE)[0][0]
    return json.loads(value) if isinstance(value, str) else value


def _pick(page: Any, step_index: int, element: str) -> list[str]:
    """Pick in app for step `step_index`: builder page → app in builder mode → click → save.

    Returns the saved selectors once the editor tab shows them in the step."""
    context = page.context
    steps = page.get_by_test_id("step")
    with context.expect_page() as opened:
        steps.nth(step_index).get_by_test_id("pick-in-app").click()
    pick = opened.value
    expect(pick.get_by_role("heading", name="Pick in app")).to_be_visible()
    expect(pick.get_by_label("Step", exact=True)).to_have_value(str(step_index))
    pick.get_by_label("Page of your app to open").fill(DEMO_APP_URL + "#/dashboard")
    pick.get_by_test_id("builder-open").click()
    with context.expect_page() as opened:
        pick.get_by_test_id("builder-link").click()
    app = opened.value
    expect(app.get_by_test_id("shirube-builder-panel")).to_be_visible()
    assert "shirube-builder" not in app.url  # the token left the address bar
    target = app.locator(element)
    target.hover()
    expect(app.get_by_test_id("shirube-builder-highlight")).to_be_visible()
    target.click()
    candidates = app.get_by_test_id("shirube-builder-candidate")
    expect(candidates.first).to_be_visible()
    selectors = [candidates.nth(i).get_attribute("data-selector")
                 for i in range(candidates.count())]
    assert selectors[0].startswith("[data-tour="), selectors  # data-* first
    app.get_by_test_id("shirube-builder-strictness-strict").check()
    app.get_by_test_id("shirube-builder-save").click()
    expect(app.get_by_test_id("shirube-builder-status")).to_contain_text(
        f"Saved to step {step_index + 1}")
    app.close()
    pick.close()
    # Back in the editor: the saved target is put into the step when the tab is shown again.
    page.bring_to_front()
    page.evaluate("() => window.dispatchEvent(new Event('focus'))")
    expect(steps.nth(step_index).get_by_test_id("step-selectors")).to_have_value("\n".join(selectors))
    expect(steps.nth(step_index).get_by_label("Strictness")).to_have_value("strict")
    return selectors


def _save(page: Any) -> None:
    """Save the draft and wait until the editor has nothing unsaved."""
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_function("() => !window.shirubeGuideEditor.isDirty()")
    expect(page.locator("#save-status")).to_contain_text("saved")


def _end_user(browser: Any, live: Any, pk: str, user: str) -> tuple[Any, Any]:
    """A fresh browser (no storage) opening the app as `user`."""
    context = browser.new_context()
    serve_demo_app(context, live, pk)
    app = context.new_page()
    app.goto(f"{DEMO_APP_URL}?user={user}")
    sdk_ready(app)
    return context, app


def _walk_tour(app: Any, titles: list[str], anchors: list[str]) -> None:
    """Step through the tour: modal, then two tooltips anchored at the picked elements."""
    guide = app.get_by_test_id("shirube-guide")
    expect(guide).to_contain_text(titles[0])
    app.get_by_test_id("shirube-next").click()
    for title, anchor in zip(titles[1:], anchors, strict=True):
        expect(guide).to_contain_text(title)
        card = guide.first
        expect(card).to_have_attribute("data-kind", "tooltip")
        expect(card).to_have_attribute("data-placement", re.compile(r"^(top|bottom|left|right)"))
        box, tgt = card.bounding_box(), app.locator(anchor).bounding_box()
        gap_x = max(tgt["x"] - box["x"] - box["width"], box["x"] - tgt["x"] - tgt["width"], 0)
        gap_y = max(tgt["y"] - box["y"] - box["height"], box["y"] - tgt["y"] - tgt["height"], 0)
        assert gap_x < 40 and gap_y < 40, (title, box, tgt)  # next to its element
        app.get_by_test_id("shirube-next").or_(app.get_by_test_id("shirube-done")).first.click()
    expect(guide).to_have_count(0)


def live_env(live: Any, pk: str) -> Any:
    """The environment with publishable key `pk`, as the harness's LiveEnvironment."""
    from .conftest import LiveEnvironment

    row = live.query("SELECT id, name, allowed_origins FROM environment WHERE publishable_key = :k",
                     k=pk)[0]
    return LiveEnvironment(row[0], row[1], pk, "", "", [])


def test_new_user_authors_picks_previews_publishes_and_rolls_back(
        admin: Any, page: Any, browser: Any, console_errors: list[str]) -> None:  # noqa: F811
    live = admin
    sign_up(page, live, name="Mia Manager", email="mia@example.com", workspace="Acme Reports")
    pk = create_environment(page, "development", [HOST_ORIGIN])
    serve_demo_app(page.context, live, pk)

    # A tour from the type picker.
    page.get_by_role("link", name="Guides", exact=True).click()
    page.get_by_role("link", name="New guide").click()
    page.get_by_label("Tour").check()
    page.get_by_label("Name", exact=True).fill("Acme reports tour")
    page.get_by_role("button", name="Create and edit").click()
    expect(page.get_by_text("Guide created.")).to_be_visible()
    steps = page.get_by_test_id("step")
    steps.nth(0).get_by_label("Title", exact=True).fill("Welcome to Acme")
    body = steps.nth(0).get_by_role("textbox", name="Body", exact=True)
    body.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("A quick tour of your reports.")
    # Steps 2 and 3 are tooltips. A tooltip cannot be saved without a target and the
    # picker works on the saved draft, so the author types a provisional one ("main"),
    # then picks the real element in the app ("Pick in app" saves the unsaved steps first).
    for title in ("Create a report", "Your settings"):
        page.get_by_test_id("add-step").click()
        step = steps.last
        expect(step.get_by_label("Kind")).to_have_value("tooltip")
        step.get_by_label("Title", exact=True).fill(title)
        step.get_by_test_id("step-selectors").fill("main")
    expect(steps).to_have_count(3)
    # Audience: admins of the customer's app (the demo's guest user is not one).
    page.get_by_role("button", name="+ Add a rule").click()
    page.get_by_label("Trait", exact=True).fill("user.role")
    page.get_by_label("Value", exact=True).fill("admin")

    # The visual picker on the demo app, for steps 2 and 3 — with nothing saved yet.
    assert page.evaluate("() => window.shirubeGuideEditor.isDirty()")
    new_report = _pick(page, 1, "[data-tour=new-report]")
    _save(page)
    settings_link = _pick(page, 2, "[data-tour=settings-link]")
    _save(page)
    draft = _draft(live)
    assert [s["title"] for s in draft["steps"]] == TITLES
    assert draft["steps"][1]["target"] == {"selectors": new_report, "text": "New report",
                                           "strictness": "strict"}
    assert draft["steps"][2]["target"]["selectors"] == settings_link
    assert draft["audience"] == {"all": [{"attr": "user.role", "op": "eq", "value": "admin"}]}

    # Preview the draft in the app as a chosen user (typed traits), before publishing.
    page.get_by_test_id("preview-in-app").click()
    expect(page.get_by_label("Guide", exact=True)).to_have_value(GUIDE)
    page.get_by_label("End user id").fill("pm-preview")
    page.get_by_label("Traits").fill("role: admin\nplan: team")
    page.get_by_label("Page of your app to open").fill(DEMO_APP_URL + "#/dashboard")
    page.get_by_test_id("preview-open").click()
    with page.context.expect_page() as opened:
        page.get_by_test_id("preview-link").click()
    preview = opened.value
    expect(preview.get_by_test_id("shirube-preview-bar")).to_contain_text("pm-preview")
    _walk_tour(preview, TITLES, ANCHORS)
    preview.get_by_test_id("shirube-preview-exit").click()
    preview.close()
    assert live.query("SELECT published_version FROM guide WHERE key = :k ORDER BY id DESC",
                      k=GUIDE)[0][0] is None

    # Publish v1.
    page.get_by_role("link", name="Guides", exact=True).first.click()
    page.get_by_role("link", name="Acme reports tour").click()
    page.get_by_role("link", name="Publish…").click()
    page.get_by_label("What changed? (version message)").fill("first tour")
    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_text("Published.", exact=True)).to_be_visible()

    # An end user in the audience sees it; one outside it does not.
    v1_user = f"mia-user-{uuid.uuid4().hex[:8]}"
    context, app = _end_user(browser, live, pk, v1_user)
    _walk_tour(app, TITLES, ANCHORS)
    live.wait_for_events(live_env(live, pk), 1, type="guide_completed", user_id=v1_user)
    context.close()
    context, app = _end_user(browser, live, pk, "demo-guest")
    expect(app.get_by_test_id("shirube-guide")).to_have_count(0)
    context.close()

    # v2: a new welcome title.
    page.get_by_role("link", name="Editor").click()
    steps.nth(0).get_by_label("Title", exact=True).fill("Welcome to Acme Reports 2.0")
    _save(page)
    page.get_by_role("link", name="Publish…").click()
    page.get_by_label("What changed? (version message)").fill("new welcome")
    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_test_id("version-2")).to_contain_text("new welcome")
    context, app = _end_user(browser, live, pk, f"mia-user-{uuid.uuid4().hex[:8]}")
    expect(app.get_by_test_id("shirube-guide")).to_contain_text("Welcome to Acme Reports 2.0")
    context.close()

    # Roll back to v1: its content is served again (as v3).
    page.get_by_role("button", name="Roll back to version 1").click()
    expect(page.get_by_test_id("version-3")).to_contain_text("rollback to version 1")
    context, app = _end_user(browser, live, pk, f"mia-user-{uuid.uuid4().hex[:8]}")
    guide = app.get_by_test_id("shirube-guide")
    expect(guide).to_contain_text("Welcome to Acme")
    expect(guide).not_to_contain_text("2.0")
    context.close()
    assert console_errors == []


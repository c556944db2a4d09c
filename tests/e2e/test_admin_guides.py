"""Guide authoring in real Chromium: sign up, create a 3-step tour in the editor (a modal and
two tooltips with typed selectors), set an audience rule, save, publish, see it published in
the list, edit and publish v2, read the diff, roll back to v1 — axe-core on every page.
Also: the rich-text box's HTML → Markdown serialiser round-trips the supported Markdown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from server.guides.markdown import render_markdown
from tests.e2e.test_admin_journey import AXE, PASSWORD, admin, check_a11y  # noqa: F401

MARKDOWN_JS = (Path(__file__).resolve().parents[2] / "server" / "admin" / "static" / "guides"
               / "guides-markdown.js")
pytestmark = pytest.mark.skipif(not AXE.is_file(),
                                reason="axe-core missing: cd tests/e2e && npm ci")

STABLE = [
    "Hello **bold** and *italic* text.",
    "A [link](https://example.com/a?b=1) here.",
    "- one\n- two\n- three",
    "1. first\n2. second",
    "![A cat](https://example.com/cat.png)",
    "Emoji 🎉 and 日本語のテキスト",
    "Paragraph one\n\nParagraph two",
    "Line\\\nbreak",
    "Escaped \\*stars\\* and \\_under\\_ and \\[brackets\\]",
    "- item with **bold**\n- [link](https://x.test/)",
    "## Heading",
    "> quoted",
    "`code`",
    "***both***",
    "Text\n\n- a\n- b\n\nMore text",
    "1\\. not a list",
    "\\- not a list either",
    "Mail [us](mailto:help@example.com)",
]
MESSY = ["* star list", "+ plus", "__strong__ _em_", "1) paren", "Setext\n===",
         "<b>raw html</b>", "[x](javascript:alert(1))", "a  \nb", "  indented", "&amp; &copy;",
         "![x](http://insecure.test/i.png)", "**unclosed", "- a\n\n  b\n- c"]


def _to_markdown(page: Any, html: list[str]) -> list[str]:
    return page.evaluate("""(items) => items.map((html) => {
        const div = document.createElement('div');
        div.innerHTML = html;
        return window.shirubeMarkdown.toMarkdown(div);
    })""", html)


def test_markdown_round_trips_through_the_rich_text_html(page: Any) -> None:
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(content=MARKDOWN_JS.read_text(encoding="utf-8"))
    back = _to_markdown(page, [render_markdown(md) for md in STABLE])
    assert back == STABLE
    # Anything else settles after one pass: Markdown → HTML → Markdown is then stable.
    once = _to_markdown(page, [render_markdown(md) for md in MESSY])
    twice = _to_markdown(page, [render_markdown(md) for md in once])
    assert twice == once
    assert all("href=\"javascript" not in render_markdown(md).lower() for md in once)


def test_author_a_tour_publish_edit_diff_and_roll_back(admin: Any, page: Any,  # noqa: F811
                                                       console_errors: list[str]) -> None:
    live = admin
    page.goto(f"{live.base_url}/admin/")
    page.get_by_role("link", name="Create the first account").click()
    page.get_by_label("Your name").fill("Gina Guide")
    page.get_by_label("Email").fill("gina@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Workspace name").fill("Guide Journey")
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("Name", exact=True).fill("production")
    page.get_by_label("Allowed origins").fill("https://app.test")
    page.get_by_role("button", name="Create environment").click()
    page.get_by_role("link", name="I have copied them").click()

    # The guide list, then a new tour from the type picker.
    page.get_by_role("link", name="Guides", exact=True).click()
    expect(page.get_by_role("heading", name="Guides", exact=True)).to_be_visible()
    check_a11y(page, live)
    page.get_by_role("link", name="New guide").click()
    check_a11y(page, live)
    page.get_by_label("Tour").check()
    page.get_by_label("Name", exact=True).fill("Onboarding tour")
    page.get_by_role("button", name="Create and edit").click()
    expect(page.get_by_text("Guide created.")).to_be_visible()
    steps = page.get_by_test_id("step")
    expect(steps).to_have_count(1)
    check_a11y(page, live)

    # Step 1: the starter modal, retitled; its body written with the toolbar's shortcuts.
    steps.nth(0).get_by_label("Title", exact=True).fill("Welcome aboard")
    body = steps.nth(0).get_by_role("textbox", name="Body", exact=True)
    body.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("Take a ")
    page.keyboard.press("Control+b")
    page.keyboard.type("quick")
    page.keyboard.press("Control+b")
    page.keyboard.type(" look.")
    # Steps 2 and 3: tooltips with typed selectors.
    for title, selector in (("Reports", "[data-tour=reports]"), ("Export", "#export")):
        page.get_by_test_id("add-step").click()
        step = steps.last
        expect(step.get_by_label("Kind")).to_have_value("tooltip")
        step.get_by_label("Title", exact=True).fill(title)
        step.get_by_test_id("step-selectors").fill(selector)
    expect(steps).to_have_count(3)
    # Reorder from the keyboard: step 3 up, then back down.
    page.get_by_role("button", name="Move step 3 up").focus()
    page.keyboard.press("Enter")
    expect(steps.nth(1).get_by_label("Title", exact=True)).to_have_value("Export")
    page.get_by_role("button", name="Move step 2 down").press("Enter")
    expect(steps.nth(1).get_by_label("Title", exact=True)).to_have_value("Reports")

    # Audience: plan is pro.
    page.get_by_role("button", name="+ Add a rule").click()
    page.get_by_label("Trait", exact=True).fill("user.plan")
    page.get_by_label("Value", exact=True).fill("pro")

    # A validation error is shown next to its field, then fixed.
    steps.nth(2).get_by_test_id("step-selectors").fill("")
    page.get_by_role("button", name="Save draft").click()
    error = steps.nth(2).get_by_test_id("field-error")
    expect(error).to_have_text("required for a tooltip step")
    expect(page.locator("#problem-summary")).to_be_visible()
    check_a11y(page, live)
    steps.nth(2).get_by_test_id("step-selectors").fill("#export")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#save-status")).to_contain_text("Draft saved at")
    expect(error).to_have_count(0)
    draft = live.query("SELECT draft FROM guide WHERE key = 'onboarding-tour' ORDER BY id DESC")[0][0]
    draft = draft if isinstance(draft, dict) else __import__("json").loads(draft)
    assert [s["title"] for s in draft["steps"]] == ["Welcome aboard", "Reports", "Export"]
    assert draft["steps"][0]["body"] == "Take a **quick** look."
    assert draft["steps"][2]["target"]["selectors"] == ["#export"]
    assert draft["audience"] == {"all": [{"attr": "user.plan", "op": "eq", "value": "pro"}]}

    # Publish v1 with a message.
    page.get_by_role("link", name="Publish…").click()
    check_a11y(page, live)
    page.get_by_label("What changed? (version message)").fill("first version")
    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_text("Published.", exact=True)).to_be_visible()
    page.get_by_role("link", name="Guides", exact=True).first.click()
    expect(page.get_by_test_id("status-onboarding-tour")).to_have_text("Published")

    # Edit and publish v2.
    page.get_by_role("link", name="Onboarding tour").click()
    steps.nth(1).get_by_label("Title", exact=True).fill("All your reports")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#save-status")).to_contain_text("Draft saved at")
    page.get_by_role("link", name="Publish…").click()
    page.get_by_label("What changed? (version message)").fill("clearer title")
    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_test_id("version-2")).to_contain_text("clearer title")

    # The diff of v1 → v2 names the field and shows before → after.
    page.get_by_label("From", exact=True).select_option("1")
    page.get_by_label("To", exact=True).select_option("2")
    page.get_by_role("button", name="Compare").click()
    diff = page.get_by_test_id("diff")
    expect(diff).to_contain_text("Step 2")
    expect(diff.locator(".diff-before pre")).to_have_text(["Reports"])
    expect(diff.locator(".diff-after pre")).to_have_text(["All your reports"])
    check_a11y(page, live)

    # Roll back to v1: a copy of it is live as v3.
    page.get_by_role("button", name="Roll back to version 1").click()
    expect(page.get_by_test_id("version-3")).to_contain_text("rollback to version 1")
    rows = live.query("SELECT g.published_version, v.definition FROM guide g JOIN guide_version v "
                      "ON v.guide_id = g.id AND v.number = g.published_version "
                      "WHERE g.key = 'onboarding-tour' ORDER BY g.id DESC")
    number, definition = rows[0]
    definition = definition if isinstance(definition, dict) else __import__("json").loads(definition)
    assert number == 3 and definition["steps"][1]["title"] == "Reports"
    # The one refused save (the validation error above) is the only error: no CSP violation.
    assert [e for e in console_errors if "status of 422" not in e] == []

"""Builder and preview mode in real Chromium, on a customer's page.

- builder: the page opens with `#shirube-builder=<token>`; hovering highlights, clicking
  chooses (the page's own click handler does not run), the candidates avoid hashed class
  names, the author picks "strict" and saves: the draft step's target is stored.
- preview: `#shirube-preview=<token>` shows the draft for the chosen user although its
  frequency would hide it, sends no guide events, and survives a reload of the tab.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

from playwright.sync_api import expect

from server.security.builder_tokens import sign_token
from server.settings import Settings

HOSTILE_MARKUP = """
<main>
  <h1>Reports</h1>
  <div class="Toolbar_bar__a9Xc1">
    <button class="Button_root__x7Ab2 css-1a2b3c btn-new" data-testid="new-report" id="new-report">New report</button>
    <button class="Button_root__x7Ab2 css-1a2b3c">Export</button>
  </div>
  <p id="clicked">not clicked</p>
  <script>
    document.getElementById('new-report').addEventListener('click', function () {
      document.getElementById('clicked').textContent = 'clicked';
    });
  </script>
</main>
"""

TOUR = {
    "key": "reports-tour", "name": "Reports tour", "type": "tour",
    "trigger": {"on": "page_load"},
    "frequency": {"mode": "once"},
    "steps": [
        {"kind": "modal", "title": "Live title", "body": "Live body"},
        {"kind": "tooltip", "title": "New report", "body": "Click here", "target": "#old-button"},
    ],
}


def _secret() -> str:
    return os.environ.get("SHIRUBE_SECRET_KEY") or Settings(environment="test").secret_key


def _author(live: Any, role: str = "editor") -> int:
    """An admin of the live environment's workspace (tokens name their author)."""
    from server.models import Environment
    from server.models.admin import AdminUser, WorkspaceMember

    with live.db.session() as s:
        env = s.get(Environment, live.env.id)
        user = AdminUser(email=f"{uuid.uuid4().hex[:10]}@example.com", name="Author")
        s.add(user)
        s.flush()
        s.add(WorkspaceMember(workspace_id=env.workspace_id, user_id=user.id, role=role))
        s.commit()
        return int(user.id)  # type: ignore[arg-type]


def _token(live: Any, purpose: str, **claims: Any) -> str:
    base = {"env": live.env.id, "guide": "reports-tour", "author": _author(live)}
    return sign_token(secret=_secret(), purpose=purpose, claims={**base, **claims},  # type: ignore[arg-type]
                      now=datetime.now(UTC))


def _draft(live: Any, key: str) -> dict[str, Any] | None:
    rows = live.query("SELECT draft FROM guide WHERE environment_id = :e AND key = :k",
                      e=live.env.id, k=key)
    value = rows[0][0]
    return json.loads(value) if isinstance(value, str) else value


def test_builder_picks_an_element_avoiding_hashed_classes_and_saves_the_target(
        live, host_page, page, console_errors):
    live.publish(live.env, TOUR)
    token = _token(live, "builder", step=1)
    url = host_page(HOSTILE_MARKUP, goto=False)
    page.goto(f"{url}#shirube-builder={token}")

    panel = page.get_by_test_id("shirube-builder-panel")
    expect(panel).to_be_visible()
    # The token left the address bar, and no live guide bootstrapped over the picker.
    assert "shirube-builder" not in page.url
    expect(page.get_by_test_id("shirube-guide")).to_have_count(0)

    button = page.get_by_test_id("new-report")
    button.hover()
    highlight = page.get_by_test_id("shirube-builder-highlight")
    expect(highlight).to_be_visible()
    hb, bb = highlight.bounding_box(), button.bounding_box()
    assert abs(hb["x"] - bb["x"]) < 2 and abs(hb["width"] - bb["width"]) < 2

    button.click()
    expect(page.locator("#clicked")).to_have_text("not clicked")  # the app did not react
    candidates = page.get_by_test_id("shirube-builder-candidate")
    expect(candidates.first).to_have_attribute("data-selector", '[data-testid="new-report"]')
    selectors = [candidates.nth(i).get_attribute("data-selector") for i in range(candidates.count())]
    counts = [candidates.nth(i).get_attribute("data-count") for i in range(candidates.count())]
    assert selectors[:2] == ['[data-testid="new-report"]', "#new-report"], selectors
    assert all("x7Ab2" not in s and "css-1a2b3c" not in s and "a9Xc1" not in s for s in selectors)
    assert counts[0] == "1"
    for selector in selectors:  # every candidate matches the element in the real page
        assert page.evaluate("(s) => document.querySelector(s).id", selector) == "new-report"

    page.get_by_test_id("shirube-builder-strictness-strict").check()
    page.get_by_test_id("shirube-builder-save").click()
    expect(page.get_by_test_id("shirube-builder-status")).to_contain_text("Saved to step 2")

    target = _draft(live, "reports-tour")["steps"][1]["target"]
    assert target == {"selectors": selectors, "text": "New report", "strictness": "strict"}
    # The first step and what is live are untouched.
    assert "target" not in _draft(live, "reports-tour")["steps"][0] or \
        _draft(live, "reports-tour")["steps"][0]["target"] is None
    assert console_errors == []


def test_builder_mode_survives_a_reload_and_an_expired_token_says_so(live, host_page, page):
    live.publish(live.env, TOUR)
    expired = sign_token(secret=_secret(), purpose="builder", claims={
        "env": live.env.id, "guide": "reports-tour", "step": 1, "author": _author(live)},
        now=datetime(2020, 1, 1, tzinfo=UTC))
    url = host_page(HOSTILE_MARKUP, goto=False)
    page.goto(f"{url}#shirube-builder={expired}")
    expect(page.get_by_test_id("shirube-builder-panel")).to_be_visible()
    page.reload()  # the tab remembers builder mode without the fragment
    expect(page.get_by_test_id("shirube-builder-panel")).to_be_visible()
    page.get_by_test_id("new-report").click()
    page.get_by_test_id("shirube-builder-save").click()
    expect(page.get_by_test_id("shirube-builder-status")).to_contain_text("expired")
    page.get_by_test_id("shirube-builder-exit").click()
    expect(page.get_by_test_id("shirube-builder-panel")).to_have_count(0)


def test_preview_shows_the_draft_for_the_chosen_user_although_frequency_hides_it(
        live, host_page, page, console_errors):
    live.publish(live.env, {**TOUR, "steps": TOUR["steps"][:1]})
    live.publish(live.env, {**TOUR, "steps": [
        {"kind": "modal", "title": "Draft title", "body": "Only in the draft"}]}, draft=True)
    # user-1 has seen the live guide: frequency "once" keeps it away from them.
    with live.db.session() as s:
        from server.models import GuideState

        s.add(GuideState(environment_id=live.env.id, user_id="user-1", guide_key="reports-tour",
                         times_seen=1, last_seen_at=datetime.now(UTC)))
        s.commit()
    host_page("<main><h1>Plain</h1></main>", user="user-1")
    page.wait_for_function("() => window.shirube && window.shirube._debug && window.shirube._debug.state().ready")
    expect(page.get_by_test_id("shirube-guide")).to_have_count(0)

    token = _token(live, "preview", version="draft",
                   user={"id": "user-1", "traits": {"plan": "free"}})
    url = host_page("<main><h1>Plain</h1></main>", path="/app/preview", goto=False,
                    user="user-1")
    page.goto(f"{url}#shirube-preview={token}")
    guide = page.get_by_test_id("shirube-guide")
    expect(guide).to_be_visible()
    expect(guide).to_contain_text("Draft title")
    expect(page.get_by_test_id("shirube-preview-bar")).to_contain_text("user-1")
    page.get_by_test_id("shirube-next").or_(page.get_by_test_id("shirube-done")).first.click()
    expect(guide).to_have_count(0)
    page.evaluate("() => window.shirube._debug.flush()")
    assert [e for e in live.events(live.env) if e["type"].startswith(("guide_", "step_"))] == []

    page.get_by_test_id("shirube-preview-restart").click()
    expect(page.get_by_test_id("shirube-guide")).to_contain_text("Draft title")
    page.get_by_test_id("shirube-preview-exit").click()
    expect(page.get_by_test_id("shirube-preview-bar")).to_have_count(0)
    expect(page.get_by_test_id("shirube-guide")).to_have_count(0)
    assert console_errors == []

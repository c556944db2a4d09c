"""Feature tagging in Chromium (docs/features.md): one delegated capture-phase click
listener turns clicks on tagged elements — also in a list the app re-renders — into
exactly one `feature_used` per feature; other clicks send nothing, URL rules send nothing
(the server counts page views itself)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from .conftest import HOST_ORIGIN, Live

# The app renders its list with innerHTML, as many SPAs do (new elements on every render).
APP = """
<main>
  <h1>Reports</h1>
  <ul id=list></ul>
  <button id=rerender>Re-render</button>
  <div id=export-all>Export all <span id=all-icon>⇩</span></div>
</main>
<script>
  let n = 0;
  function render() {
    n++;
    document.getElementById('list').innerHTML = [1, 2, 3].map((i) =>
      `<li class=row data-render="${n}"><span>Report ${i}</span>
         <button data-action=export data-row="${i}">Export <b>CSV</b></button>
         <button class=delete data-row="${i}">Delete</button></li>`).join('');
  }
  render();
  document.getElementById('rerender').addEventListener('click', render);
</script>
"""


def features(live: Live, *items: tuple[str, list[dict[str, Any]]]) -> None:
    from server.features.service import create_feature

    with live.db.session() as s:
        for key, rules in items:
            create_feature(session=s, environment_id=live.env.id, key=key, name=key, rules=rules)
        s.commit()


def click_rule(
    *selectors: str, text: str | None = None, strictness: str = "normal"
) -> dict[str, Any]:
    return {
        "kind": "click",
        "target": {"selectors": list(selectors), "text": text, "strictness": strictness},
    }


def ready(page: Page) -> None:
    page.wait_for_function("() => window.shirube && shirube._debug && shirube._debug.state().ready")


def sent_so_far(live: Live, page: Page, mark: str) -> list[dict[str, Any]]:
    """Every feature_used stored once a later marker event has arrived (batches keep order)."""
    page.evaluate("(m) => { shirube('track', m); return shirube._debug.flush(); }", mark)
    live.wait_for_events(live.env, 1, type="track", name=mark)
    return live.events(live.env, type="feature_used")


def test_clicks_on_tagged_elements_send_one_feature_used_each_also_after_a_rerender(
    live: Live,
    host_page,
    page: Page,
    console_errors: list[str],  # type: ignore[no-untyped-def]
) -> None:
    features(
        live,
        # Two click rules that both match the same button: still one event per click.
        (
            "export-csv",
            [
                click_rule("[data-action=export]", text="Export"),
                click_rule("li.row [data-action]", strictness="loose"),
                {"kind": "url", "url": {"match": "prefix", "value": "/app"}},
            ],
        ),
        ("export-all", [click_rule("#export-all", text="export all", strictness="strict")]),
        ("reports-page", [{"kind": "url", "url": {"match": "prefix", "value": "/app"}}]),
        ("needs-other-text", [click_rule("[data-action=export]", text="Download")]),
    )
    host_page(APP)
    ready(page)
    page.locator("[data-action=export][data-row='2'] b").click()  # on a child of the target
    page.locator("#rerender").click()  # the list is rebuilt: all-new elements
    expect(page.locator("li[data-render='2']")).to_have_count(3)
    page.locator("[data-action=export][data-row='3']").click()
    page.locator("#all-icon").click()
    got = sent_so_far(live, page, "mark-1")
    assert [(e["name"], e["properties"]["rule"]) for e in got] == [
        ("export-csv", 0),
        ("export-csv", 0),
        ("export-all", 0),
    ]
    assert all(
        e["properties"]["url"] == f"{HOST_ORIGIN}/app/" and e["user_id"] == "user-1" for e in got
    )
    # Untagged clicks (a sibling button, the heading, the page, the re-render button): none.
    page.locator(".delete[data-row='1']").click()
    page.locator("h1").click()
    page.mouse.click(5, 400)
    page.locator("#rerender").click()
    assert len(sent_so_far(live, page, "mark-2")) == 3
    assert console_errors == []


def test_a_strict_rule_stops_matching_when_its_selector_is_no_longer_unique(
    live: Live,
    host_page,
    page: Page,  # type: ignore[no-untyped-def]
) -> None:
    features(live, ("first-report", [click_rule("li.row", strictness="strict")]))
    host_page(APP)
    ready(page)
    page.locator("li.row span").first.click()  # three rows match li.row: not unique
    page.evaluate(
        "() => { const l = document.getElementById('list'); while (l.children.length > 1) l.lastChild.remove(); }"
    )
    page.locator("li.row span").first.click()  # now exactly one
    got = sent_so_far(live, page, "mark")
    assert [e["name"] for e in got] == ["first-report"]


def test_without_features_or_after_reset_clicks_send_nothing(
    live: Live,
    host_page,
    page: Page,  # type: ignore[no-untyped-def]
) -> None:
    features(live, ("export-csv", [click_rule("[data-action=export]")]))
    host_page(APP)
    ready(page)
    page.evaluate("() => shirube('reset')")
    page.locator("[data-action=export]").first.click()
    page.evaluate("() => shirube('identify', 'user-1')")
    ready(page)
    assert sent_so_far(live, page, "mark") == []
    page.locator("[data-action=export]").first.click()
    assert len(sent_so_far(live, page, "mark-2")) == 1

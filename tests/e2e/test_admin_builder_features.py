"""Tagging a feature with the visual picker in real Chromium: a builder token of scope
`feature` opens the picker, which shows each candidate's match count ("the in-app test")
and saves the click rule through POST /api/sdk/v1/builder/feature-target."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from playwright.sync_api import expect

from server.security.builder_tokens import sign_token

from .test_admin_builder import HOSTILE_MARKUP, _author, _secret


def _feature_rules(live: Any, key: str) -> list[dict[str, Any]]:
    from server.features.service import get_feature

    with live.db.session() as s:
        return list(get_feature(session=s, environment_id=live.env.id, key=key).rules)


def test_a_product_manager_tags_export_by_clicking_it_in_the_picker(
        live, host_page, page, console_errors):
    from server.features.service import create_feature

    with live.db.session() as s:
        create_feature(session=s, environment_id=live.env.id, key="export-csv",
                       name="Export to CSV", rules=[
                           {"kind": "click", "target": {"selectors": ["#old-export"]}},
                           {"kind": "event", "name": "report_exported"}])
        s.commit()
    token = sign_token(secret=_secret(), purpose="builder", now=datetime.now(UTC), claims={
        "scope": "feature", "env": live.env.id, "feature": "export-csv", "rule": 0,
        "author": _author(live)})
    url = host_page(HOSTILE_MARKUP, goto=False)
    page.goto(f"{url}#shirube-builder={token}")
    panel = page.get_by_test_id("shirube-builder-panel")
    expect(panel).to_contain_text("Feature export-csv, click rule 1")

    page.get_by_role("button", name="Export").click()
    candidates = page.get_by_test_id("shirube-builder-candidate")
    expect(candidates.first).to_be_visible()
    n = candidates.count()
    selectors = [candidates.nth(i).get_attribute("data-selector") for i in range(n)]
    counts = [int(candidates.nth(i).get_attribute("data-count") or 0) for i in range(n)]
    for selector, count in zip(selectors, counts, strict=True):  # the shown count is the page's
        assert page.evaluate("(s) => document.querySelectorAll(s).length", selector) == count
    page.get_by_test_id("shirube-builder-save").click()
    expect(page.get_by_test_id("shirube-builder-status")).to_contain_text(
        'Saved to feature "export-csv"')

    rules = _feature_rules(live, "export-csv")
    assert rules[0]["kind"] == "click" and rules[0]["target"]["selectors"] == selectors
    assert rules[0]["target"]["text"] == "Export"
    assert rules[1] == {"kind": "event", "name": "report_exported"}
    assert console_errors == []

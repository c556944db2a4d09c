"""Feature rules: validation, what bootstrap delivers, and URL matching as the SDK does it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from server.features.rules import delivered, normalise_rules
from server.features.urlmatch import match_url

CLICK = {"kind": "click", "target": {"selectors": ["[data-action=export]", "#export"],
                                     "text": "Export to CSV", "strictness": "normal"}}
URL = {"kind": "url", "url": {"match": "prefix", "value": "/app/reports"}}
EVENT = {"kind": "event", "name": "report_exported"}


def test_rules_are_normalised_and_a_selector_string_is_shorthand() -> None:
    rules = normalise_rules([{"kind": "click", "target": "#export"}, URL, EVENT])
    assert rules[0] == {"kind": "click", "target": {"selectors": ["#export"], "text": None,
                                                    "strictness": "normal"}}
    assert rules[1] == URL and rules[2] == EVENT


@pytest.mark.parametrize("bad", [
    [], [{"kind": "hover", "target": "#x"}], [{"kind": "click"}],
    [{"kind": "url", "url": {"match": "regex", "value": "("}}],
    [{"kind": "event", "name": ""}], [{"kind": "event", "name": "x", "extra": 1}],
    [EVENT] * 21,
])
def test_invalid_rules_are_rejected(bad: list) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError):
        normalise_rules(bad)


def test_bootstrap_gets_click_and_url_rules_only_and_skips_event_only_features() -> None:
    out = delivered([("export-csv", [CLICK, EVENT]), ("reports", [URL]), ("api", [EVENT])])
    assert out == [{"key": "export-csv", "rules": [CLICK]}, {"key": "reports", "rules": [URL]}]


@pytest.mark.parametrize(("rule", "url", "expected"), [
    ({"match": "prefix", "value": "/app/reports"}, "https://a.test/app/reports/7?x=1", True),
    ({"match": "prefix", "value": "/app/reports"}, "https://a.test/app/report", False),
    ({"match": "exact", "value": "/app"}, "https://a.test/app/", True),
    ({"match": "exact", "value": "/app"}, "https://a.test/app?tab=2", True),
    ({"match": "exact", "value": "/app?tab=2"}, "https://a.test/app?tab=3", False),
    ({"match": "glob", "value": "/app/*/export"}, "https://a.test/app/7/export#top", True),
    ({"match": "glob", "value": "/app/#/done*"}, "https://a.test/app/#/done/1", True),
    ({"match": "regex", "value": r"^/app/\d+$"}, "https://a.test/app/42", True),
    ({"match": "regex", "value": "("}, "https://a.test/app/42", False),
    ({"match": "prefix", "value": "/x", "query": {"tab": "a"}}, "/x?tab=a&b=1", True),
    ({"match": "prefix", "value": "/x", "query": {"tab": "a"}}, "/x?tab=b", False),
    ({"match": "prefix", "value": "/x", "query": {"tab": ""}}, "/x", False),
    ({"match": "prefix", "value": "/x"}, None, False),
])
def test_url_rules_match_like_the_sdk(rule: dict, url: str | None, expected: bool) -> None:  # type: ignore[type-arg]
    assert match_url(rule, url) is expected


def test_features_used_by_classifies_one_event_like_the_usage_query() -> None:
    from server.features.matching import features_used_by

    features = [("export-csv", [CLICK, EVENT]), ("reports", [URL])]
    assert features_used_by(features, event_type="feature_used", name="export-csv") == {
        "export-csv"}
    assert features_used_by(features, event_type="track", name="report_exported") == {
        "export-csv"}
    assert features_used_by(features, event_type="page_view", name=None,
                            url="https://a.test/app/reports/9") == {"reports"}
    assert features_used_by(features, event_type="track", name="other") == set()

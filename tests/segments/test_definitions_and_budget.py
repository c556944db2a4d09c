"""Segment definitions (validation, translation) and the fatigue budget (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.segments.budget import budget_plan, budget_state, explain_budget
from server.segments.definition import (
    SegmentError,
    check_computed,
    check_rule,
    feature_of,
    referenced_segments,
    translate,
)
from server.targeting.frequency import GuideStateView
from tests.api.v1_support import Api, assert_error

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_feature_and_guide_leaves_translate_to_evaluator_leaves() -> None:
    rule = {"any": [{"feature": "export", "op": "used", "within_days": 7},
                    {"not": {"guide": "tour", "op": "not_completed"}},
                    {"feature": "export", "op": "not_used"}]}
    assert translate(rule) == {"any": [
        {"event": "\0feature:export", "op": "count_gte", "value": 1, "within_days": 7},
        {"not": {"segment": "guide:tour:completed", "op": "not_member"}},
        {"event": "\0feature:export", "op": "count_lt", "value": 1}]}
    assert referenced_segments(translate(rule)) == set()
    # The reserved name cannot be an event's (names refuse NUL) and maps back to the key.
    assert [feature_of(n) for n in ("\0feature:export", "export")] == ["export", None]


def test_a_bad_feature_leaf_is_refused_naming_the_feature() -> None:
    with pytest.raises(SegmentError, match="feature 'export': value must be a count"):
        check_rule({"feature": "export", "op": "used", "value": -1})


@pytest.mark.parametrize(("rule", "message"), [
    ({"guide": "tour", "op": "finished"}, "segment must be a non-empty string"),
    ({"feature": "export", "op": "sometimes"}, "unknown op 'sometimes'"),
    ({"attr": "plan", "op": "eq", "value": 1}, "must be 'user.<path>'"),
    ([], "must be a rule object"),
])
def test_malformed_rules_are_refused_with_the_reason(rule: Any, message: str) -> None:
    with pytest.raises(SegmentError, match=message):
        check_rule(rule)


@pytest.mark.parametrize(("definition", "loc"), [
    ({"metric": "mood"}, "definition.metric"),
    ({"metric": "nps", "category": "fan"}, "definition.category"),
    ({"metric": "loyalty", "cell": "G"}, "definition.cell"),
    ({"metric": "health", "below": 120}, "definition.below"),
    ({"metric": "rfm", "segment": "Champions", "window_days": 0}, "definition.window_days"),
    ({"metric": "lifecycle", "stage": "keep", "extra": 1}, "definition.extra"),
])
def test_computed_definitions_name_the_bad_field(definition: dict[str, Any], loc: str) -> None:
    with pytest.raises(SegmentError) as info:
        check_computed(definition)
    assert info.value.loc == loc


def test_rfm_window_defaults_to_90_days() -> None:
    assert check_computed({"metric": "rfm", "segment": "At risk"}) == {
        "metric": "rfm", "segment": "At risk", "window_days": 90}


def _states(**minutes_ago: float) -> dict[str, GuideStateView]:
    return {k: GuideStateView(times_seen=1, last_seen_at=NOW - timedelta(minutes=m))
            for k, m in minutes_ago.items()}


def test_budget_cooldown_then_daily_maximum() -> None:
    interruptive = {"a", "b", "c", "d"}
    cool = budget_state(states=_states(a=3), interruptive=interruptive, throttle=None, now=NOW)
    assert cool.exhausted == "cooldown" and cool.last_guide == "a"
    assert "7.0 min left" in cool.reason
    ok = budget_state(states=_states(a=30, b=300), interruptive=interruptive,
                      throttle={"cooldown_minutes": 10, "max_per_day": 3}, now=NOW)
    assert ok.exhausted is None and ok.shown_last_24h == 2
    full = budget_state(states=_states(a=30, b=300, c=600, d=60 * 25),
                        interruptive=interruptive, throttle={"max_per_day": 3}, now=NOW)
    assert full.exhausted == "max_per_day" and full.shown_last_24h == 3
    # Non-interruptive guides (banners …) do not count.
    assert budget_state(states=_states(banner=1), interruptive=interruptive, throttle=None,
                        now=NOW).exhausted is None


def test_explain_budget_names_the_budget_and_exempts_manual_and_quiet_guides() -> None:
    budget = budget_state(states=_states(a=3), interruptive={"a"}, throttle=None, now=NOW)
    item = explain_budget(budget=budget, interrupt=True, trigger_on="page_load")
    assert item["check"] == "budget" and item["passed"] is False
    assert item["reason"].startswith("cooldown: interruptive guide 'a'")
    assert item["seen"]["last_guide"] == "a"
    assert explain_budget(budget=budget, interrupt=True, trigger_on="manual")["passed"]
    assert explain_budget(budget=budget, interrupt=False, trigger_on="page_load")["passed"]


def test_budget_plan_only_holds_back_automatic_interruptive_guides() -> None:
    plan = budget_plan(throttle=None, payloads=[
        ("tour", {"key": "tour", "interrupt": True, "trigger": {"on": "page_load"}}),
        ("manual", {"key": "manual", "interrupt": True, "trigger": {"on": "manual"}}),
        ("banner", {"key": "banner", "interrupt": False, "trigger": {"on": "page_load"}}),
    ])
    assert plan is not None
    assert plan.interruptive == {"tour", "manual"} and plan.automatic == {"tour"}
    assert plan.manual_prefix["tour"].endswith(b'"throttled":true')
    assert budget_plan(throttle=None, payloads=[]) is None


def test_rest_refuses_bad_segments_with_the_location(api: Api) -> None:
    err = assert_error(api.post("/segments", json={
        "key": "x", "name": "X", "kind": "computed",
        "definition": {"metric": "nps", "category": "fan"}}), 422)
    assert err["details"][0]["loc"] == "definition.category"
    assert api.post("/segments", json={"key": "r", "name": "R", "kind": "rule", "definition": {
        "attr": "user.plan", "op": "eq", "value": "pro"}}).status_code == 201
    err = assert_error(api.post("/segments", json={
        "key": "r2", "name": "R2", "kind": "rule",
        "definition": {"segment": "r", "op": "member"}}), 422)
    assert "cannot be used inside another rule segment" in err["message"]
    assert_error(api.post("/segments", json={"key": "r", "name": "R", "kind": "rule",
                                             "definition": {"attr": "user.x", "op": "exists"}}),
                 409, "segment_exists")
    assert_error(api.post("/segments", json={"key": "Bad Key", "name": "B", "kind": "rule",
                                             "definition": {}}), 422)
    renamed = api.request("PATCH", "/segments/r", json={"name": "Pro users"}).json()
    assert renamed["name"] == "Pro users"
    assert api.request("DELETE", "/segments/r").json() == {"deleted": "r"}
    assert_error(api.get("/segments/r"), 404)
    assert_error(api.get("/segments/r/members"), 404)

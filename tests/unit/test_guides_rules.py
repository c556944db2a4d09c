"""Audience rule, trigger, frequency, schedule and goal models: accept, reject, normalise."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from server.guides.errors import problems_from_validation_error
from server.targeting.rules import (
    MAX_DEPTH,
    Frequency,
    FrequencyField,
    Goal,
    Rule,
    Schedule,
    Trigger,
    parse_rule,
)


def _problems(obj: Any) -> list[str]:
    with pytest.raises(ValidationError) as info:
        parse_rule(obj)
    return [str(p) for p in problems_from_validation_error(info.value)]


@pytest.mark.parametrize(
    "rule",
    [
        {"attr": "user.plan", "op": "in", "value": ["pro", "team"]},
        {"attr": "user.created_at", "op": "within_days", "value": 14},
        {"attr": "account.mrr", "op": "gte", "value": 1200.5},
        {"attr": "user.id", "op": "eq", "value": "user-42"},
        {"attr": "account.billing.address.country", "op": "eq", "value": "JP"},
        {"attr": "user.email", "op": "exists"},
        {"attr": "user.beta", "op": "eq", "value": True},
        {"attr": "user.tags", "op": "contains", "value": "vip"},
        {"attr": "user.signed_up", "op": "before", "value": "2026-12-01"},
        {"attr": "user.signed_up", "op": "after", "value": "2026-12-01T09:00:00+09:00"},
        {"segment": "nps-detractors", "op": "not_member"},
        {"event": "report_created", "op": "count_lt", "value": 1},
        {"event": "report_created", "op": "count_gte", "value": 3, "within_days": 30},
        {"not": {"attr": "user.role", "op": "eq", "value": "guest"}},
        {"all": []},
        {"any": [{"all": [{"segment": "a", "op": "member"}]}, {"attr": "user.x", "op": "exists"}]},
    ],
)
def test_valid_rules_dump_to_their_normalised_form_unchanged(rule: dict[str, Any]) -> None:
    assert parse_rule(rule) == rule


def test_segment_rule_op_defaults_to_member() -> None:
    assert parse_rule({"segment": "vip"}) == {"segment": "vip", "op": "member"}


def test_date_objects_from_yaml_become_iso_strings() -> None:
    rule = {"attr": "user.signed_up", "op": "before", "value": dt.date(2026, 12, 1)}
    assert parse_rule(rule)["value"] == "2026-12-01"
    naive = {"attr": "user.t", "op": "after", "value": "2026-12-01T09:00:00"}
    assert parse_rule(naive)["value"] == "2026-12-01T09:00:00+00:00"
    listed = {"attr": "user.day", "op": "in", "value": [dt.date(2026, 1, 2), "x"]}
    assert parse_rule(listed)["value"] == ["2026-01-02", "x"]


def test_rule_is_usable_as_a_field_and_round_trips_through_models() -> None:
    adapter = TypeAdapter(Rule)
    model = adapter.validate_python({"not": {"segment": "a", "op": "member"}})
    assert adapter.validate_python(model) == model
    assert model.model_dump(mode="json", exclude_none=True) == {
        "not": {"segment": "a", "op": "member"}
    }


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"attr": "user.plan", "op": "eq"}, "value: required for op eq"),
        ({"attr": "user.plan", "op": "exists", "value": 1}, "value: not used with op exists"),
        ({"attr": "user.plan", "op": "in", "value": "pro"}, "value: op in needs a non-empty list"),
        ({"attr": "user.plan", "op": "in", "value": []}, "value: op in needs a non-empty list"),
        ({"attr": "user.a", "op": "within_days", "value": -1}, "non-negative number"),
        ({"attr": "user.a", "op": "within_days", "value": "3"}, "non-negative number"),
        ({"attr": "user.a", "op": "within_days", "value": True}, "non-negative number"),
        ({"attr": "user.a", "op": "before", "value": "next week"}, "ISO date"),
        ({"attr": "user.a", "op": "eq", "value": {"x": 1}}, "string, number or boolean"),
        ({"attr": "user.a", "op": "gt", "value": float("nan")}, "value: numbers must be finite"),
        ({"attr": "user.a", "op": "in", "value": [float("inf")]}, "numbers must be finite"),
        ({"attr": "plan", "op": "eq", "value": 1}, "attr: String should match pattern"),
        ({"attr": "org.plan", "op": "eq", "value": 1}, "attr: String should match pattern"),
        ({"attr": "user.plan", "op": "between", "value": 1}, "op: 'between' is not one of"),
        ({"attr": "user.plan", "op": "eq", "value": 1, "extra": 2}, "extra: unknown key"),
        ({"segment": "x", "op": "in"}, "op: 'in' is not one of"),
        ({"event": "e", "op": "count_lt", "value": "1"}, "value: Input should be a valid integer"),
        ({"event": "e", "op": "count_lt", "value": -1}, "value: Input should be greater than"),
        ({"event": "e", "op": "count_lt", "value": 1, "within_days": -2}, "within_days"),
        ({"event": "e", "op": "count_lt"}, "value: required"),
        ({"attr": "user.a", "segment": "b"}, "a rule has exactly one shape, got attr, segment"),
        ({"all": [], "any": []}, "exactly one shape"),
        ({"foo": 1}, "a rule needs one of the keys"),
        ("user.plan == pro", "a rule must be a mapping"),
        ({"all": {"attr": "user.a", "op": "exists"}}, "all: Input should be a valid list"),
    ],
)
def test_invalid_rules_are_rejected_with_a_reason(rule: Any, expected: str) -> None:
    problems = _problems(rule)
    assert any(expected in p for p in problems), problems


def test_error_paths_name_nested_positions_without_union_tags() -> None:
    problems = _problems({"all": [{"segment": "a"}, {"any": [{"attr": "user.x", "op": "in"}]}]})
    assert problems == ["all[1].any[0].value: required for op in"]


def test_depth_is_capped() -> None:
    rule: dict[str, Any] = {"segment": "a"}
    for _ in range(MAX_DEPTH - 1):
        rule = {"not": rule}
    parse_rule(rule)  # exactly MAX_DEPTH levels including the leaf
    assert any("nest at most" in p for p in _problems({"all": [rule]}))


def test_lists_are_capped_at_100_rules() -> None:
    leaf = {"segment": "a", "op": "member"}
    parse_rule({"any": [leaf] * 100})
    assert any("at most 100" in p for p in _problems({"any": [leaf] * 101}))


def test_trigger_defaults_and_requirements() -> None:
    default = Trigger().model_dump(mode="json", exclude_none=True)
    assert default == {"on": "page_load", "delay_ms": 0}
    Trigger.model_validate({"on": "element_click", "selector": "#x"})
    Trigger.model_validate({"on": "event", "event": "report_created"})
    with pytest.raises(ValidationError, match="selector: required for on: element_visible"):
        Trigger.model_validate({"on": "element_visible"})
    with pytest.raises(ValidationError, match="event: required for on: event"):
        Trigger.model_validate({"on": "event"})
    with pytest.raises(ValidationError, match="selector: only used with"):
        Trigger.model_validate({"on": "page_load", "selector": "#x"})
    with pytest.raises(ValidationError):
        Trigger.model_validate({"delay_ms": 600_001})
    with pytest.raises(ValidationError, match="not a valid regular expression"):
        Trigger.model_validate({"url": {"match": "regex", "value": "(unclosed"}})


def test_url_rule_keeps_query_and_omits_it_when_absent() -> None:
    trigger = Trigger.model_validate(
        {"url": {"match": "glob", "value": "/app/*", "query": {"tab": "x"}}}
    )
    assert trigger.model_dump(mode="json", exclude_none=True)["url"] == {
        "match": "glob", "value": "/app/*", "query": {"tab": "x"},
    }  # fmt: skip
    plain = Trigger.model_validate({"url": {"match": "exact", "value": "/"}})
    assert plain.model_dump(mode="json", exclude_none=True)["url"] == {
        "match": "exact", "value": "/",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("once", {"mode": "once"}),
        ("until_completed", {"mode": "until_completed"}),
        ({"mode": "once"}, {"mode": "once"}),
        ({"mode": "every_days", "days": 7}, {"mode": "every_days", "days": 7}),
        ({"mode": "max_times", "times": 3}, {"mode": "max_times", "times": 3}),
    ],
)
def test_frequency_shorthand_normalises_to_object_form(
    given: Any, expected: dict[str, Any]
) -> None:
    freq = TypeAdapter(FrequencyField).validate_python(given)
    assert freq.model_dump(mode="json", exclude_none=True) == expected


@pytest.mark.parametrize(
    "given",
    [
        "twice",
        {"mode": "every_days"},
        {"mode": "max_times", "times": 0},
        {"mode": "once", "days": 3},
    ],
)
def test_invalid_frequencies_are_rejected(given: Any) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(FrequencyField).validate_python(given)


def test_frequency_default_is_once() -> None:
    assert Frequency().mode == "once"


def test_schedule_accepts_dates_and_datetimes_and_orders_them() -> None:
    sched = Schedule.model_validate({"start": dt.date(2026, 12, 1), "end": "2027-01-31"})
    assert sched.model_dump(mode="json") == {"start": "2026-12-01", "end": "2027-01-31"}
    same_day = Schedule.model_validate({"start": "2026-12-01T10:00:00Z", "end": "2026-12-01"})
    assert same_day.start == "2026-12-01T10:00:00+00:00"
    with pytest.raises(ValidationError, match="end: must not be before start"):
        Schedule.model_validate({"start": "2026-12-02", "end": "2026-12-01"})
    with pytest.raises(ValidationError, match="ISO date"):
        Schedule.model_validate({"start": "tomorrow"})
    with pytest.raises(ValidationError):
        Schedule.model_validate({})


def test_goal_defaults_to_seven_days() -> None:
    assert Goal.model_validate({"event": "report_created"}).within_days == 7
    with pytest.raises(ValidationError):
        Goal.model_validate({"event": "x", "within_days": 0})

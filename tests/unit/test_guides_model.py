"""The guide-file model and file loading: what is accepted, and how problems read."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from server.guides.errors import GuideFileError
from server.guides.files import (
    MAX_FILE_BYTES,
    load_guide_file,
    normalise_definition,
    parse_guide_text,
    validate_definition,
)

#: The example from ARCHITECTURE.md "Guide file (guides as code)", verbatim in substance.
ARCHITECTURE_EXAMPLE = """\
key: welcome-tour            # stable, unique per environment
name: Welcome tour
type: tour                   # tour | tooltip | modal | hotspot | banner | checklist | survey
priority: 10
audience:                    # server-side rules; all/any/not nest
  all:
    - {attr: user.plan, op: in, value: [pro, team]}
    - {attr: user.created_at, op: within_days, value: 14}
    - {segment: nps-detractors, op: not_member}
    - {event: report_created, op: count_lt, value: 1}
    - not: {attr: user.role, op: eq, value: guest}
trigger:                     # client-side
  url: {match: glob, value: "/app/reports*"}
  on: page_load
  delay_ms: 300
frequency: {mode: once}
schedule: {start: 2026-12-01, end: 2027-01-31}
holdout_percent: 10
goal: {event: report_created, within_days: 7}
steps:
  - kind: modal
    title: Welcome
    body: "Markdown, sanitised on the server"
  - kind: tooltip
    target: "[data-tour=new-report]"
    placement: bottom
    advance: target_click
translations:
  ja: {steps: [{title: ようこそ, body: "…"}]}
"""


def minimal(**overrides: Any) -> dict[str, Any]:
    """A valid one-step modal guide, with top-level overrides."""
    data: dict[str, Any] = {
        "key": "hello",
        "name": "Hello",
        "type": "modal",
        "steps": [{"kind": "modal", "title": "Hi", "body": "There"}],
    }
    data.update(overrides)
    return data


def problems_of(data: Any, source: str = "g.yaml") -> list[str]:
    with pytest.raises(GuideFileError) as info:
        validate_definition(data, source=source)
    return info.value.problems


def test_architecture_example_is_a_valid_guide_file() -> None:
    guide = parse_guide_text(ARCHITECTURE_EXAMPLE, source="welcome.yaml")
    assert guide.trigger.on == "page_load"  # YAML 1.1 would have read the key `on` as True
    assert guide.schedule is not None and guide.schedule.start == "2026-12-01"
    assert guide.steps[1].target is not None
    assert guide.steps[1].target.model_dump() == {
        "selectors": ["[data-tour=new-report]"], "text": None, "strictness": "normal",
    }  # fmt: skip
    assert guide.translations["ja"].steps[0].title == "ようこそ"


def test_defaults_fill_the_normalised_definition() -> None:
    normalised = normalise_definition(validate_definition(minimal()))
    assert normalised == {
        "key": "hello", "name": "Hello", "type": "modal", "priority": 0, "locale": "en",
        "tags": [], "trigger": {"on": "page_load", "delay_ms": 0}, "frequency": {"mode": "once"},
        "holdout_percent": 0, "backdrop": False,
        "steps": [{"kind": "modal", "title": "Hi", "body": "There", "placement": "bottom",
                   "advance": "next_button"}],
        "translations": {},
    }  # fmt: skip
    # The normalised form validates back to the same thing.
    assert normalise_definition(validate_definition(normalised)) == normalised


def step(**fields: Any) -> dict[str, Any]:
    return {"kind": "tooltip", "title": "T", "target": "#x", **fields}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (minimal(type="tour", steps=[{"kind": "modal", "title": "a"}, {"kind": "tooltip"}]),
         "g.yaml: steps[1].target: required for a tooltip step"),
        (minimal(type="hotspot", steps=[{"kind": "hotspot", "title": "a"}]),
         "g.yaml: steps[0].target: required for a hotspot step"),
        (minimal(type="tour", steps=[{"kind": "modal", "title": "a", "advance": "target_click"}]),
         "g.yaml: steps[0].target: required when advance is target_click"),
        (minimal(type="tooltip", steps=[step(advance="event")]),
         "g.yaml: steps[0].advance_event: required when advance is event"),
        (minimal(type="tooltip", steps=[step(advance_event="x")]),
         "g.yaml: steps[0].advance_event: only used when advance is event"),
        (minimal(type="checklist", steps=[{"kind": "checklist_item", "title": "Do"}]),
         "g.yaml: steps[0].complete_event: required for a checklist_item step"),
        (minimal(type="checklist", steps=[{"kind": "checklist_item", "complete_event": "e"}]),
         "g.yaml: steps[0].title: required for a checklist_item step (it is the label)"),
        (minimal(steps=[{"kind": "modal", "title": "a", "complete_event": "e"}]),
         "g.yaml: steps[0].complete_event: only used by checklist_item steps"),
        (minimal(steps=[{"kind": "modal", "title": "a", "position": "top"}]),
         "g.yaml: steps[0].position: only used by banner steps"),
        (minimal(type="checklist", steps=[{"kind": "modal", "title": "a"}]),
         "g.yaml: steps[0].kind: a checklist guide's steps are checklist_item, not modal"),
        (minimal(type="banner", steps=[{"kind": "banner", "body": "a"}] * 2),
         "g.yaml: steps: a banner guide has exactly one step"),
        (minimal(type="tooltip", steps=[step(), step()]),
         "g.yaml: steps: a tooltip guide has exactly one step"),
        (minimal(type="survey", steps=[{"kind": "modal", "title": "a"}]),
         "g.yaml: steps: a survey needs at least one nps, ces or csat step"),
        (minimal(steps=[{"kind": "nps", "title": "How likely?"}]),
         "g.yaml: steps[0].kind: a modal guide's steps are modal, not nps"),
        (minimal(holdout_percent=10), "g.yaml: holdout_percent: needs a goal"),
        (minimal(holdout_percent=51, goal={"event": "e"}),
         "g.yaml: holdout_percent: Input should be"),
        (minimal(translations={"ja": {"steps": [{"title": "a"}, {"title": "b"}]}}),
         "g.yaml: translations.ja.steps: has 2 entries but the guide has 1 steps"),
        (minimal(translations={"Japanese": {"steps": []}}), "g.yaml: translations.Japanese"),
        (minimal(key="Hello World"), "g.yaml: key: String should match pattern"),
        (minimal(key="a" * 101), "g.yaml: key: String should match pattern"),
        (minimal(type="wizard"), "g.yaml: type: 'wizard' is not one of"),
        (minimal(steps=[]), "g.yaml: steps: List should have at least 1 item"),
        (minimal(steps=[{"kind": "modal", "title": "a"}] * 51),
         "g.yaml: steps: List should have at most 50"),
        (minimal(steps=[{"kind": "modal", "title": "x" * 201}]),
         "g.yaml: steps[0].title: String should have at most 200"),
        (minimal(steps=[{"kind": "modal", "body": "x" * 20_001}]),
         "g.yaml: steps[0].body: String should have at most 20000"),
        (minimal(steps=[{"kind": "modal", "title": "a", "placement": "middle"}]),
         "g.yaml: steps[0].placement"),
        (minimal(steps=[{"kind": "modal", "title": "a", "colour": "red"}]),
         "g.yaml: steps[0].colour: unknown key"),
        (minimal(audience={"all": [{"attr": "user.plan", "op": "in", "value": "pro"}]}),
         "g.yaml: audience.all[0].value: op in needs a non-empty list"),
        (minimal(trigger={"on": "element_click"}),
         "g.yaml: trigger.selector: required for on: element_click"),
        (minimal(priority="high"), "g.yaml: priority: Input should be a valid integer"),
        (minimal(backdrop="yes"), "g.yaml: backdrop: Input should be a valid boolean"),
        (minimal(extra=1), "g.yaml: extra: unknown key"),
        (minimal(steps=[{"kind": "tooltip", "title": "a", "target": {"selectors": []}}]),
         "g.yaml: steps[0].target.selectors: List should have at least 1 item"),
    ],
)  # fmt: skip
def test_invalid_guides_report_the_file_path_and_reason(data: Any, expected: str) -> None:
    problems = problems_of(data)
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_is_reported_not_just_the_first() -> None:
    steps = [{"kind": "tooltip"}, {"kind": "hotspot", "advance": "event"}]
    data = minimal(type="tour", steps=steps)
    assert problems_of(data) == [
        "g.yaml: steps[0].target: required for a tooltip step",
        "g.yaml: steps[1].target: required for a hotspot step",
        "g.yaml: steps[1].advance_event: required when advance is event",
    ]


def test_target_string_is_normalised_to_the_object_form() -> None:
    guide = validate_definition(minimal(type="tooltip", steps=[step(target="#a")]))
    assert normalise_definition(guide)["steps"][0]["target"] == {
        "selectors": ["#a"], "strictness": "normal",
    }  # fmt: skip


def test_original_input_is_not_mutated() -> None:
    data = minimal(type="tooltip", steps=[step()])
    before = copy.deepcopy(data)
    validate_definition(data)
    assert data == before


def test_yaml_syntax_errors_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("key: a\nname: b\nsteps:\n  - kind: modal\n   title: x\n", "utf-8")
    with pytest.raises(GuideFileError, match=r"^broken\.yaml: line 5, column \d+: "):
        load_guide_file(path)


def test_duplicate_keys_in_a_file_are_an_error(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("key: a\nkey: b\n", "utf-8")
    with pytest.raises(GuideFileError, match=r"dup\.yaml: line 2, column 1: duplicate key 'key'"):
        load_guide_file(path)


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just text\n", "42\n"])
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(GuideFileError, match=r"^x\.yaml: the top level must be a mapping"):
        load_guide_file(path)


def test_files_over_one_megabyte_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("key: a\n# " + "x" * MAX_FILE_BYTES + "\n", "utf-8")
    with pytest.raises(GuideFileError, match=r"^big\.yaml: larger than"):
        load_guide_file(path)


def test_non_utf8_files_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(GuideFileError, match=r"^latin\.yaml: not UTF-8"):
        load_guide_file(path)


def test_python_specific_yaml_tags_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("key: !!python/object/apply:os.system ['true']\n", "utf-8")
    with pytest.raises(GuideFileError, match=r"^evil\.yaml: line 1"):
        load_guide_file(path)


def test_yaml_11_booleans_are_plain_strings_but_true_false_are_booleans() -> None:
    guide = parse_guide_text(
        "key: no\nname: on\ntype: modal\nbackdrop: true\nlocale: no\n"
        "steps:\n  - {kind: modal, title: yes}\n"
    )
    assert (guide.key, guide.name, guide.locale, guide.steps[0].title) == ("no", "on", "no", "yes")
    assert guide.backdrop is True


def test_json_text_is_accepted_too() -> None:
    text = '{"key": "j", "name": "J", "type": "modal", "steps": [{"kind": "modal", "title": "x"}]}'
    assert parse_guide_text(text).key == "j"

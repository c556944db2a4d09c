"""Compiling a stored definition into the bootstrap guide of docs/sdk-contract.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from server.guides.compile import DEFAULT_STATE, compile_guide, compile_guide_payload, with_state
from server.guides.files import (
    load_guide_file,
    normalise_definition,
    parse_guide_text,
    validate_definition,
)
from server.guides.schema import SCHEMA_PATH, render_schema

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "guides" / "demo"

GUIDE_KEYS = {
    "key", "name", "type", "version", "priority", "interrupt", "locale", "trigger",
    "frequency", "backdrop", "steps", "translations", "state",
}  # fmt: skip
STEP_KEYS = {
    "kind", "title_html", "body_html", "target", "placement", "advance", "advance_event",
    "url", "position", "complete_event",
}  # fmt: skip


def tour() -> dict[str, Any]:
    return normalise_definition(
        validate_definition(
            {
                "key": "welcome-tour", "name": "Welcome tour", "type": "tour", "priority": 10,
                "audience": {"segment": "vip"}, "holdout_percent": 10,
                "goal": {"event": "report_created"}, "tags": ["x"],
                "schedule": {"start": "2026-12-01"},
                "trigger": {"url": {"match": "glob", "value": "/app/*", "query": {"tab": "x"}}},
                "steps": [
                    {"kind": "modal", "title": "Welcome", "body": "Hi **there**"},
                    {"kind": "tooltip", "title": "New *report*", "body": "Click here",
                     "target": {"selectors": ["[data-tour=new-report]", "#new-report"],
                                "text": "New report"},
                     "advance": "target_click",
                     "url": {"match": "prefix", "value": "/app/reports"}},
                ],
                "translations": {"ja": {"name": "ようこそ",
                                        "steps": [{"title": "ようこそ", "body": "**やあ**"},
                                                  {"body": "ここをクリック"}]}},
            }
        )
    )  # fmt: skip


def test_compiled_guide_matches_the_contract_example() -> None:
    guide = compile_guide(tour(), version=3)
    assert set(guide) == GUIDE_KEYS
    assert guide["key"] == "welcome-tour" and guide["version"] == 3 and guide["priority"] == 10
    assert guide["interrupt"] is True and guide["locale"] == "en" and guide["backdrop"] is False
    assert guide["trigger"] == {
        "url": {"match": "glob", "value": "/app/*", "query": {"tab": "x"}},
        "on": "page_load", "selector": None, "event": None, "delay_ms": 0,
    }  # fmt: skip
    assert guide["frequency"] == {"mode": "once"}
    first, second = guide["steps"]
    assert set(first) == STEP_KEYS == set(second)
    assert first == {
        "kind": "modal", "title_html": "Welcome", "body_html": "<p>Hi <strong>there</strong></p>",
        "target": None, "placement": "bottom", "advance": "next_button", "advance_event": None,
        "url": None, "position": "top", "complete_event": None,
    }  # fmt: skip
    assert second["title_html"] == "New <em>report</em>"
    assert second["target"] == {
        "selectors": ["[data-tour=new-report]", "#new-report"], "text": "New report",
        "strictness": "normal",
    }  # fmt: skip
    assert second["url"] == {"match": "prefix", "value": "/app/reports"}
    assert guide["translations"] == {
        "ja": {"name": "ようこそ", "steps": [
            {"title_html": "ようこそ", "body_html": "<p><strong>やあ</strong></p>"},
            {"body_html": "<p>ここをクリック</p>"},
        ]}
    }  # fmt: skip
    assert guide["state"] == DEFAULT_STATE


def test_server_only_fields_never_reach_the_browser() -> None:
    payload = compile_guide_payload(tour(), 1)
    for key in ("audience", "holdout_percent", "goal", "tags", "schedule"):
        assert key not in payload


@pytest.mark.parametrize(
    ("type_", "interrupt"),
    [("tour", True), ("tooltip", True), ("modal", True), ("survey", True),
     ("hotspot", False), ("banner", False), ("checklist", False)],
)  # fmt: skip
def test_interrupt_flag_by_type(type_: str, interrupt: bool) -> None:
    step: dict[str, Any] = {
        "tour": {"kind": "modal", "title": "a"}, "modal": {"kind": "modal", "title": "a"},
        "tooltip": {"kind": "tooltip", "title": "a", "target": "#a"},
        "hotspot": {"kind": "hotspot", "title": "a", "target": "#a"},
        "banner": {"kind": "banner", "body": "a", "position": "bottom"},
        "checklist": {"kind": "checklist_item", "title": "a", "complete_event": "e"},
        "survey": {"kind": "nps", "title": "How likely?"},
    }[type_]  # fmt: skip
    defn = {"key": "k", "name": "n", "type": type_, "steps": [step]}
    assert compile_guide_payload(defn, 1)["interrupt"] is interrupt


def test_banner_position_and_checklist_event_are_passed_through() -> None:
    banner = compile_guide_payload(
        {"key": "b", "name": "b", "type": "banner",
         "steps": [{"kind": "banner", "body": "x", "position": "bottom"}]}, 1,
    )  # fmt: skip
    assert banner["steps"][0]["position"] == "bottom"
    checklist = compile_guide_payload(
        {"key": "c", "name": "c", "type": "checklist", "frequency": "until_completed",
         "steps": [{"kind": "checklist_item", "title": "x", "complete_event": "invite_sent"}]}, 1,
    )  # fmt: skip
    assert checklist["steps"][0]["complete_event"] == "invite_sent"
    assert checklist["frequency"] == {"mode": "until_completed"}


def test_state_is_merged_per_request_without_touching_the_cached_payload() -> None:
    payload = compile_guide_payload(tour(), 2)
    user = with_state(payload, {"seen": 2, "step": 1, "unknown": "dropped"})
    assert user["state"] == {**DEFAULT_STATE, "seen": 2, "step": 1}
    assert "state" not in payload
    assert compile_guide(tour(), version=2, state={"completed": True})["state"]["completed"] is True


def test_author_html_in_titles_and_bodies_is_neutralised() -> None:
    defn = {
        "key": "x",
        "name": "x",
        "type": "modal",
        "steps": [
            {"kind": "modal", "title": "<img src=x onerror=alert(1)>", "body": "[a](javascript:x)"}
        ],
    }
    step = compile_guide_payload(defn, 1)["steps"][0]
    assert step["title_html"] == "&lt;img src=x onerror=alert(1)&gt;"
    assert "javascript" not in step["body_html"].split(">", 1)[0]


def test_every_demo_guide_is_valid_and_compiles() -> None:
    paths = sorted(DEMO.glob("*.yaml"))
    assert {p.stem for p in paths} >= {
        "welcome-tour", "reports-sort-tip", "settings-hotspot", "maintenance-banner",
        "getting-started", "csv-export-ja",
    }  # fmt: skip
    for path in paths:
        guide = load_guide_file(path)
        assert guide.key == path.stem, "demo files are named after their key"
        assert compile_guide(normalise_definition(guide), version=1)["key"] == guide.key


def test_welcome_tour_demo_covers_the_demo_app() -> None:
    guide = load_guide_file(DEMO / "welcome-tour.yaml")
    selectors = {s.target.selectors[0] for s in guide.steps if s.target}
    assert selectors == {
        "[data-tour=new-report]",
        "[data-tour=reports-table]",
        "[data-tour=settings-link]",
    }
    assert [s.kind for s in guide.steps] == ["modal", "tooltip", "tooltip", "tooltip"]
    assert any(s.url and s.url.value == "/demo/#/reports" for s in guide.steps)
    assert len(guide.translations["ja"].steps) == len(guide.steps)
    checklist = load_guide_file(DEMO / "getting-started.yaml")
    assert [s.complete_event for s in checklist.steps] == [
        "report_created", "settings_saved", "invite_sent",
    ]  # fmt: skip
    assert load_guide_file(DEMO / "csv-export-ja.yaml").locale == "ja"


def test_committed_schema_is_up_to_date() -> None:
    assert SCHEMA_PATH.read_text("utf-8") == render_schema(), (
        "guides/schema.json is stale: run `python -m server.guides.schema`"
    )


def test_schema_check_command_exit_codes(tmp_path: Path) -> None:
    stale = tmp_path / "schema.json"
    stale.write_text("{}\n", "utf-8")
    cmd = [sys.executable, "-m", "server.guides.schema", "--check", "--path"]
    assert subprocess.run([*cmd, str(stale)], cwd=ROOT, capture_output=True).returncode == 1
    assert subprocess.run([*cmd, str(SCHEMA_PATH)], cwd=ROOT, capture_output=True).returncode == 0


def test_the_complete_example_in_the_format_reference_is_valid() -> None:
    text = (ROOT / "docs" / "guide-file.md").read_text("utf-8")
    example = text.split("## A complete example", 1)[1].split("```yaml\n", 1)[1].split("```")[0]
    guide = parse_guide_text(example, source="docs/guide-file.md")
    assert guide.key == "welcome-tour" and len(guide.translations["ja"].steps) == 2


def test_every_field_of_the_model_is_documented() -> None:
    from server.guides import model
    from server.targeting import rules

    text = (ROOT / "docs" / "guide-file.md").read_text("utf-8")
    models = [
        model.GuideFile, model.Step, model.Target, model.Translation, model.TranslationStep,
        rules.Trigger, rules.UrlRule, rules.Frequency, rules.Schedule, rules.Goal,
        rules.AttrRule, rules.SegmentRule, rules.EventRule,
    ]  # fmt: skip
    missing = [
        f"{m.__name__}.{f.alias or name}"
        for m in models
        for name, f in m.model_fields.items()
        if f"`{f.alias or name}`" not in text
    ]
    assert not missing, f"undocumented in docs/guide-file.md: {missing}"
    for op in (*rules.ATTR_OPS, *rules.EVENT_OPS, *model.STEP_KINDS, *model.GUIDE_TYPES):
        assert f"`{op}`" in text, op

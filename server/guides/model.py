"""The guide file: the public, versioned format of a guide (YAML in git, JSON over the API).

``GuideFile`` is the single source of truth; ``guides/schema.json`` is generated from it
and ``docs/guide-file.md`` describes it. Key names are a public contract: add, never rename.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from server.targeting.rules import (
    EventName,
    Frequency,
    FrequencyField,
    Goal,
    Rule,
    Schedule,
    Trigger,
    UrlRule,
)

GUIDE_TYPES = ("tour", "tooltip", "modal", "hotspot", "banner", "checklist", "survey")
STEP_KINDS = (
    "modal", "tooltip", "hotspot", "banner", "checklist_item", "nps", "ces", "csat",
    "text", "single_choice", "thank_you",
)
PLACEMENTS = tuple(
    f"{side}{suffix}"
    for side in ("top", "bottom", "left", "right")
    for suffix in ("", "-start", "-end")
)
#: Guide types that take part in the per-user fatigue budget.
INTERRUPTIVE_TYPES = frozenset({"tour", "tooltip", "modal", "survey"})
SURVEY_KINDS = frozenset({"nps", "ces", "csat"})
#: Survey-only steps: follow-up questions and the closing screen (docs/surveys.md).
SURVEY_EXTRA_KINDS = frozenset({"text", "single_choice", "thank_you"})
#: Which step kinds each guide type may contain.
ALLOWED_KINDS: dict[str, frozenset[str]] = {
    "tour": frozenset({"modal", "tooltip", "hotspot"}),
    "tooltip": frozenset({"tooltip"}),
    "modal": frozenset({"modal"}),
    "hotspot": frozenset({"hotspot"}),
    "banner": frozenset({"banner"}),
    "checklist": frozenset({"checklist_item"}),
    "survey": SURVEY_KINDS | SURVEY_EXTRA_KINDS | {"modal"},
}
#: Guide types limited to a single step.
SINGLE_STEP_TYPES = frozenset({"tooltip", "banner"})
#: Step kinds whose title is the item label or the survey question.
_TITLED_KINDS = frozenset({"checklist_item", "text", "single_choice"}) | SURVEY_KINDS

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_STEPS = 50

Lang = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=35)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def _target_shorthand(value: Any) -> Any:
    if isinstance(value, str):
        return {"selectors": [value]}
    return value


class Target(_Model):
    """The element a step points at: ordered candidate selectors, tried first to last."""

    selectors: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(
        min_length=1, max_length=10
    )
    text: str | None = Field(default=None, max_length=MAX_TITLE)
    strictness: Literal["strict", "normal", "loose"] = "normal"


TargetField = Annotated[
    Target, BeforeValidator(_target_shorthand, json_schema_input_type=str | Target)
]

MAX_LABEL = 100
Label = Annotated[str, Field(min_length=1, max_length=MAX_LABEL)]


class Followup(_Model):
    """The question asked after an NPS score, per category (plain text; absent = none)."""

    promoter: str | None = Field(default=None, max_length=MAX_TITLE)
    passive: str | None = Field(default=None, max_length=MAX_TITLE)
    detractor: str | None = Field(default=None, max_length=MAX_TITLE)


class Pacing(_Model):
    """How often a survey may ask (METRICS.md "Surveys": survey pacing)."""

    sample_percent: float = Field(
        default=100, gt=0, le=100, description="Share of eligible users asked per day"
    )
    min_page_views: int = Field(default=5, ge=0, le=10_000,
                                description="Page views before a user is first asked")
    reask_days: int = Field(default=90, ge=1, le=3650,
                            description="Never ask the same user twice inside this interval")
    snooze_days: int = Field(default=7, ge=1, le=365, description="\"Ask me later\" interval")


class Step(_Model):
    """One step of a guide (a tour stop, the tooltip itself, a checklist item, a question)."""

    kind: Literal[STEP_KINDS]  # type: ignore[valid-type]
    title: str = Field(default="", max_length=MAX_TITLE)
    body: str = Field(default="", max_length=MAX_BODY, description="Markdown")
    target: TargetField | None = None
    placement: Literal[PLACEMENTS] = "bottom"  # type: ignore[valid-type]
    advance: Literal["next_button", "target_click", "event"] = "next_button"
    advance_event: EventName | None = None
    url: UrlRule | None = Field(default=None, description="The page this step lives on")
    position: Literal["top", "bottom"] | None = Field(default=None, description="Banner edge")
    complete_event: EventName | None = Field(
        default=None, description="Checklist item: the tracked event that ticks it"
    )
    scale: Literal[5, 7] | None = Field(default=None, description="CES: 1–5 or 1–7 (default 7)")
    low_label: Label | None = Field(default=None, description="Survey scale: low-end label")
    high_label: Label | None = Field(default=None, description="Survey scale: high-end label")
    followup: Followup | None = Field(default=None, description="NPS: question per category")
    choices: list[Label] | None = Field(
        default=None, min_length=2, max_length=10, description="single_choice: the options"
    )

    @model_validator(mode="after")
    def _check_step(self) -> Step:
        problems: list[str] = _survey_step_problems(self)
        if self.kind in _TITLED_KINDS and not self.title.strip():
            problems.append(f"title: required for a {self.kind} step (it is the label)")
        if self.kind in ("tooltip", "hotspot") and self.target is None:
            problems.append(f"target: required for a {self.kind} step")
        if self.advance == "target_click" and self.target is None:
            problems.append("target: required when advance is target_click")
        if self.advance == "event" and not self.advance_event:
            problems.append("advance_event: required when advance is event")
        if self.advance != "event" and self.advance_event is not None:
            problems.append("advance_event: only used when advance is event")
        if self.kind == "checklist_item" and not self.complete_event:
            problems.append("complete_event: required for a checklist_item step")
        if self.kind != "checklist_item" and self.complete_event is not None:
            problems.append("complete_event: only used by checklist_item steps")
        if self.kind != "banner" and self.position is not None:
            problems.append("position: only used by banner steps")
        if problems:
            raise ValueError("\n".join(problems))
        return self


def _survey_step_problems(step: Step) -> list[str]:
    problems: list[str] = []
    if step.scale is not None and step.kind != "ces":
        problems.append("scale: only used by ces steps (nps is 0–10, csat 1–5)")
    for name in ("low_label", "high_label"):
        if getattr(step, name) is not None and step.kind not in SURVEY_KINDS:
            problems.append(f"{name}: only used by nps, ces and csat steps")
    if step.followup is not None and step.kind != "nps":
        problems.append("followup: only used by nps steps (add a text step after others)")
    if step.kind == "single_choice" and not step.choices:
        problems.append("choices: required for a single_choice step")
    if step.kind != "single_choice" and step.choices is not None:
        problems.append("choices: only used by single_choice steps")
    return problems


class TranslationStep(_Model):
    """A translated step; a missing field falls back to the default language."""

    title: str | None = Field(default=None, max_length=MAX_TITLE)
    body: str | None = Field(default=None, max_length=MAX_BODY)
    low_label: Label | None = None
    high_label: Label | None = None
    followup: Followup | None = None
    choices: list[Label] | None = Field(default=None, max_length=10)


class Translation(_Model):
    """One language: the guide name and its steps, in the same order as ``steps``."""

    name: str | None = Field(default=None, max_length=MAX_TITLE)
    steps: list[TranslationStep] = Field(default_factory=list, max_length=MAX_STEPS)


class GuideFile(_Model):
    """A guide definition, as kept in git (``<key>.yaml``) and stored in each version."""

    key: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-_]{0,99}$", description="Stable, unique per environment"
    )
    name: str = Field(min_length=1, max_length=MAX_TITLE)
    type: Literal[GUIDE_TYPES]  # type: ignore[valid-type]
    priority: int = Field(default=0, ge=-1000, le=1000, description="Higher shows first")
    locale: Lang = Field(default="en", description="Language of name/title/body")
    tags: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(
        default_factory=list, max_length=50
    )
    audience: Rule | None = Field(default=None, description="Server-side rules; null = everyone")
    trigger: Trigger = Field(default_factory=Trigger)
    frequency: FrequencyField = Field(default_factory=Frequency)
    schedule: Schedule | None = None
    holdout_percent: int = Field(default=0, ge=0, le=50)
    goal: Goal | None = None
    backdrop: bool = Field(default=False, description="Dim the page behind the guide")
    pacing: Pacing | None = Field(default=None, description="Survey pacing (surveys only)")
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)
    translations: dict[Lang, Translation] = Field(default_factory=dict, max_length=50)

    @model_validator(mode="after")
    def _check_guide(self) -> GuideFile:
        problems = _guide_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self


def _guide_problems(guide: GuideFile) -> list[str]:
    problems: list[str] = []
    allowed = ALLOWED_KINDS[guide.type]
    for index, step in enumerate(guide.steps):
        if step.kind not in allowed:
            kinds = ", ".join(sorted(allowed))
            problems.append(
                f"steps[{index}].kind: a {guide.type} guide's steps are {kinds}, not {step.kind}"
            )
    if guide.type in SINGLE_STEP_TYPES and len(guide.steps) != 1:
        problems.append(f"steps: a {guide.type} guide has exactly one step")
    if guide.type == "survey" and not any(s.kind in SURVEY_KINDS for s in guide.steps):
        problems.append("steps: a survey needs at least one nps, ces or csat step")
    problems += _survey_problems(guide)
    if guide.holdout_percent and guide.goal is None:
        problems.append("holdout_percent: needs a goal to measure lift against")
    for lang, translation in guide.translations.items():
        if len(translation.steps) > len(guide.steps):
            problems.append(
                f"translations.{lang}.steps: has {len(translation.steps)} entries"
                f" but the guide has {len(guide.steps)} steps"
            )
    return problems


def survey_pacing(guide: GuideFile) -> Pacing:
    """The pacing a survey guide runs with (its own, or the METRICS.md defaults)."""
    return guide.pacing if guide.pacing is not None else Pacing()


def _survey_problems(guide: GuideFile) -> list[str]:
    if guide.type != "survey":
        return ["pacing: only used by survey guides"] if guide.pacing is not None else []
    problems: list[str] = []
    scored = [i for i, s in enumerate(guide.steps) if s.kind in SURVEY_KINDS]
    if len(scored) > 1:
        # One response row per showing (server/models/survey.py): one score per survey.
        problems.append(f"steps: a survey has one nps, ces or csat step, found {len(scored)}")
    freq = guide.frequency
    reask = survey_pacing(guide).reask_days
    if freq.mode != "once" and not (freq.mode == "every_days" and freq.days == reask):
        problems.append(
            f"frequency: a survey re-asks every pacing.reask_days ({reask}); leave frequency out"
            " or make it every_days with the same days"
        )
    for index, step in enumerate(guide.steps):
        if step.kind == "thank_you" and index != len(guide.steps) - 1:
            problems.append(f"steps[{index}].kind: thank_you is the last step")
    return problems

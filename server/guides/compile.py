"""Compile a stored guide definition into one bootstrap guide (docs/sdk-contract.md).

The payload does not depend on the user: ``compile_guide_payload`` is what the server
caches per (environment, ``guides_version``); ``compile_guide`` adds the user's state.
Server-only fields (audience, schedule, holdout, goal, tags) never leave the server.
"""

from __future__ import annotations

from typing import Any

from .markdown import render_inline, render_markdown
from .model import (
    INTERRUPTIVE_TYPES,
    SURVEY_EXTRA_KINDS,
    SURVEY_KINDS,
    GuideFile,
    Step,
    Translation,
    survey_pacing,
)

DEFAULT_STATE: dict[str, Any] = {
    "seen": 0,
    "step": 0,
    "completed": False,
    "dismissed": False,
    "snoozed_until": None,
}


def _url(rule: Any) -> dict[str, Any] | None:
    return None if rule is None else rule.model_dump(mode="json", exclude_none=True)


#: The top of each survey scale (a CES step says 5 or 7; docs/sdk-contract.md).
_SCALES = {"nps": 10, "csat": 5}
_SURVEY_STEP_KINDS = SURVEY_KINDS | SURVEY_EXTRA_KINDS


def _survey_fields(step: Step) -> dict[str, Any]:
    """Survey step fields (plain text, inserted by the SDK as text): only on survey steps."""
    scale = (step.scale or 7) if step.kind == "ces" else _SCALES.get(step.kind)
    return {
        "scale": scale,
        "low_label": step.low_label,
        "high_label": step.high_label,
        "followup": None if step.followup is None else step.followup.model_dump(mode="json"),
        "choices": step.choices,
    }


def _step(step: Step) -> dict[str, Any]:
    out = {
        "kind": step.kind,
        "title_html": render_inline(step.title),
        "body_html": render_markdown(step.body),
        "target": None if step.target is None else step.target.model_dump(mode="json"),
        "placement": step.placement,
        "advance": step.advance,
        "advance_event": step.advance_event,
        "url": _url(step.url),
        "position": step.position or "top",
        "complete_event": step.complete_event,
    }
    if step.kind in _SURVEY_STEP_KINDS:
        out.update(_survey_fields(step))
    return out


def _translation(translation: Translation) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if translation.name is not None:
        out["name"] = translation.name
    steps: list[dict[str, Any]] = []
    for item in translation.steps:
        rendered: dict[str, str] = {}
        if item.title is not None:
            rendered["title_html"] = render_inline(item.title)
        if item.body is not None:
            rendered["body_html"] = render_markdown(item.body)
        for name in ("low_label", "high_label", "choices"):
            if getattr(item, name) is not None:
                rendered[name] = getattr(item, name)
        if item.followup is not None:
            rendered["followup"] = item.followup.model_dump(mode="json")
        steps.append(rendered)
    out["steps"] = steps
    return out


def compile_guide_payload(defn: dict[str, Any] | GuideFile, version: int) -> dict[str, Any]:
    """The user-independent part of a bootstrap guide (cacheable); no ``state`` key.

    ``defn`` is a normalised definition (as stored in a guide version) or a ``GuideFile``.
    """
    guide = defn if isinstance(defn, GuideFile) else GuideFile.model_validate(defn)
    trigger = guide.trigger
    payload = {
        "key": guide.key,
        "name": guide.name,
        "type": guide.type,
        "version": version,
        "priority": guide.priority,
        "interrupt": guide.type in INTERRUPTIVE_TYPES,
        "locale": guide.locale,
        "trigger": {
            "url": _url(trigger.url),
            "on": trigger.on,
            "selector": trigger.selector,
            "event": trigger.event,
            "delay_ms": trigger.delay_ms,
        },
        "frequency": guide.frequency.model_dump(mode="json", exclude_none=True),
        "backdrop": guide.backdrop,
        "steps": [_step(step) for step in guide.steps],
        "translations": {
            lang: _translation(item) for lang, item in sorted(guide.translations.items())
        },
    }
    if guide.type == "survey":
        # A survey re-asks per its pacing (docs/surveys.md): the SDK's local frequency
        # check and the server's agree on that interval; `snooze_days` goes back in
        # guide_snoozed.properties.days.
        pacing = survey_pacing(guide)
        payload["frequency"] = {"mode": "every_days", "days": pacing.reask_days}
        payload["pacing"] = pacing.model_dump(mode="json")
    return payload


def with_state(payload: dict[str, Any], state: dict[str, Any] | None) -> dict[str, Any]:
    """A shallow copy of a cached payload with the user's ``state`` (defaults filled in)."""
    merged = dict(DEFAULT_STATE)
    if state:
        merged.update({key: state[key] for key in DEFAULT_STATE if key in state})
    return {**payload, "state": merged}


def compile_guide(
    defn: dict[str, Any] | GuideFile, *, version: int, state: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One bootstrap guide exactly as in docs/sdk-contract.md, with the user's state."""
    return with_state(compile_guide_payload(defn, version), state)

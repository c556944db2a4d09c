"""The guide editor: the type picker of a new guide, the editor page, save and autosave.

The editor posts the WHOLE definition as JSON (field ``definition``), validated by the
same ``GuideFile`` model as the REST API; problems come back with their guide-file path
(``steps[2].target``) so the page shows each next to its field. Saving only ever
changes the draft: publishing is a separate, explicit action (versions.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError
from starlette.responses import JSONResponse, Response

from ...guides import catalog
from ...guides.errors import GuideFileError, problems_from_validation_error
from ...guides.markdown import render_markdown
from ...guides.model import (
    ALLOWED_KINDS,
    GUIDE_TYPES,
    PLACEMENTS,
    STEP_KINDS,
    GuideFile,
)
from ...targeting.rules import ATTR_OPS, EVENT_OPS, TRIGGER_EVENTS
from ..context import AdminContext
from ..i18n import N_
from . import queries
from .common import author, find_guide, record, render, wants_json
from .operations import free_key, starter_definition, suggest_key, working_definition

_KEY = re.compile(r"^[a-z0-9][a-z0-9-_]{0,99}$")
TYPE_HELP = {
    "tour": N_("Several steps across the page: modals, tooltips and hotspots."),
    "tooltip": N_("One bubble pointing at an element."),
    "modal": N_("A dialog in the middle of the screen."),
    "hotspot": N_("A pulsing dot that opens a hint."),
    "banner": N_("A strip at the top or bottom of the page."),
    "checklist": N_("A list of tasks that tick themselves off."),
    "survey": N_("NPS, CES or CSAT with follow-up questions."),
}
MESSAGES = {"saved": N_("Draft saved."), "created": N_("Guide created."),
            "duplicated": N_("Guide duplicated: this is the copy.")}


# -- new guide --------------------------------------------------------------------------


def guide_new(ctx: AdminContext, status: int = 200, errors: dict[str, str] | None = None,
              values: dict[str, str] | None = None) -> Response:
    return render(ctx, "admin/guides/new.html", status=status, types=GUIDE_TYPES,
                      type_help=TYPE_HELP, errors=errors or {},
                      values=values or {"name": "", "key": "", "type": "tour"})


def guide_create(ctx: AdminContext) -> Response:
    assert ctx.environment is not None
    values = {"name": ctx.field("name"), "key": ctx.field("key").lower(),
              "type": ctx.field("type")}
    errors: dict[str, str] = {}
    if not 1 <= len(values["name"]) <= 200:
        errors["name"] = ctx._("Give the guide a name (up to 200 characters).")
    if values["type"] not in GUIDE_TYPES:
        errors["type"] = ctx._("Choose a type.")
    key = values["key"] or free_key(session=ctx.db, environment=ctx.environment,
                                    base=suggest_key(values["name"]))
    if not _KEY.match(key):
        errors["key"] = ctx._("Use lower-case letters, digits, - and _ (starting with a "
                              "letter or digit).")
    elif catalog.get_guide(session=ctx.db, environment=ctx.environment, key=key) is not None:
        errors["key"] = ctx._("A guide with this key already exists here.")
    if errors:
        return guide_new(ctx, 422, errors, values)
    definition = starter_definition(key=key, name=values["name"], guide_type=values["type"])
    catalog.add_guide(session=ctx.db, environment=ctx.environment, definition=definition,
                      publish=False, author=author(ctx))
    record(ctx, "guide.create", key, type=values["type"])
    return ctx.redirect("guide-edit", key=key, q_msg="created")


# -- the editor -------------------------------------------------------------------------


def _bodies(definition: dict[str, Any]) -> dict[str, str]:
    """Sanitised HTML of every Markdown body, by path: what the rich-text boxes start with."""
    out: dict[str, str] = {}
    for i, step in enumerate(definition.get("steps") or []):
        if isinstance(step, dict) and isinstance(step.get("body"), str):
            out[f"steps[{i}].body"] = render_markdown(step["body"])
    for lang, tr in (definition.get("translations") or {}).items():
        for i, step in enumerate((tr or {}).get("steps") or []):
            if isinstance(step, dict) and isinstance(step.get("body"), str):
                out[f"translations.{lang}.steps[{i}].body"] = render_markdown(step["body"])
    return out


def editor_options() -> dict[str, Any]:
    return {
        "types": list(GUIDE_TYPES), "kinds": list(STEP_KINDS),
        "allowed_kinds": {t: sorted(k) for t, k in ALLOWED_KINDS.items()},
        "placements": list(PLACEMENTS), "attr_ops": list(ATTR_OPS),
        "event_ops": list(EVENT_OPS), "trigger_events": list(TRIGGER_EVENTS),
    }


def _editor(ctx: AdminContext, definition: dict[str, Any], status: int = 200,
            problems: list[dict[str, str]] | None = None, raw: str | None = None) -> Response:
    guide = find_guide(ctx)
    assert ctx.environment is not None
    editable = ctx.allows("editor")
    data = {
        "definition": definition, "bodies": _bodies(definition), "problems": problems or [],
        "traits": queries.trait_keys(session=ctx.db, environment=ctx.environment),
        "options": editor_options(), "readonly": not editable,
        "save_url": ctx.url("guide-edit", key=guide.key),
    }
    message = MESSAGES.get(ctx.request.query_params.get("msg", ""), "")
    return render(
        ctx, "admin/guides/edit.html", status=status, guide=guide, data=data, editable=editable,
        raw=raw if raw is not None else json.dumps(definition, ensure_ascii=False, indent=2),
        problems=problems or [], message=ctx._(message) if message else "",
    )


def guide_edit(ctx: AdminContext) -> Response:
    guide = find_guide(ctx)
    definition = working_definition(session=ctx.db, guide=guide) or {
        "key": guide.key, "name": guide.name, "type": guide.type, "steps": []}
    return _editor(ctx, definition)


def parse_definition(raw: str) -> tuple[GuideFile | None, list[dict[str, str]], Any]:
    """The posted JSON as a validated guide, or the problems ``[{path, message}]``."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        return None, [{"path": "", "message": f"not valid JSON ({exc})"}], None
    if not isinstance(data, dict):
        return None, [{"path": "", "message": "the definition must be an object"}], data
    try:
        return GuideFile.model_validate(data), [], data
    except ValidationError as exc:
        problems = problems_from_validation_error(exc)
        return None, [{"path": p.path, "message": p.message} for p in problems], data


def guide_save(ctx: AdminContext) -> Response:
    """Store the posted definition as the draft (``mode=autosave`` from the editor's timer)."""
    guide = find_guide(ctx)
    raw = ctx.field("definition")
    autosave = ctx.field("mode") == "autosave"
    definition, problems, data = parse_definition(raw)
    if definition is not None:
        try:
            catalog.replace_draft(session=ctx.db, guide=guide, definition=definition)
        except GuideFileError as exc:
            problems = [{"path": "key", "message": str(p).removeprefix("key: ")}
                        for p in exc.problems]
    if problems:
        if wants_json(ctx):
            return JSONResponse({"ok": False, "problems": problems}, status_code=422)
        shown = data if isinstance(data, dict) else working_definition(
            session=ctx.db, guide=guide) or {}
        return _editor(ctx, shown, 422, problems, raw=raw)
    if not autosave:
        record(ctx, "guide.draft.save", guide.key)
    if wants_json(ctx):
        return JSONResponse({"ok": True, "problems": [], "saved_at": ctx.now.isoformat(),
                             "autosave": autosave})
    return ctx.redirect("guide-edit", key=guide.key, q_msg="saved")

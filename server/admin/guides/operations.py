"""Guide operations of the admin that the REST API has no endpoint for: duplicate,
promote to another environment, the starter definition of a new guide.

They compose the guide services (server/guides/service.py, catalog.py): validation,
versions and cache invalidation stay there. Nothing here commits.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session

from ...guides import catalog
from ...guides.files import validate_definition
from ...guides.model import GuideFile
from ...guides.service import (
    exported_definition,
    get_guide,
    get_version,
    publish_guide,
    save_draft,
)
from ...models import Environment, Guide

_STEP: dict[str, dict[str, Any]] = {
    "modal": {"kind": "modal", "title": "Welcome", "body": "Say what this is **for**."},
    "tooltip": {"kind": "tooltip", "title": "New here", "body": "Point at something useful.",
                "target": "[data-tour=example]"},
    "hotspot": {"kind": "hotspot", "title": "New", "body": "A quiet hint.",
                "target": "[data-tour=example]"},
    "banner": {"kind": "banner", "title": "News", "body": "Something changed.",
               "position": "top"},
    "checklist_item": {"kind": "checklist_item", "title": "Create your first report",
                       "complete_event": "report_created"},
    "nps": {"kind": "nps", "title": "How likely are you to recommend us to a friend?"},
}
_STARTER_STEPS = {
    "tour": ["modal"], "modal": ["modal"], "tooltip": ["tooltip"], "hotspot": ["hotspot"],
    "banner": ["banner"], "checklist": ["checklist_item"], "survey": ["nps"],
}


def starter_definition(*, key: str, name: str, guide_type: str) -> GuideFile:
    """A small valid guide of ``guide_type`` to start editing from."""
    data: dict[str, Any] = {
        "key": key, "name": name, "type": guide_type,
        "steps": [dict(_STEP[kind]) for kind in _STARTER_STEPS[guide_type]],
    }
    return validate_definition(data)


def suggest_key(name: str) -> str:
    """A key from a name: lower-case ASCII letters, digits and dashes."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]
    return slug or "guide"


def free_key(*, session: Session, environment: Environment, base: str) -> str:
    """``base``, else ``base-2``, ``base-3`` … whichever no guide of the environment uses."""
    base = base[:90]
    candidate, n = base, 1
    while get_guide(session=session, environment=environment, key=candidate) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def working_definition(*, session: Session, guide: Guide) -> dict[str, Any] | None:
    """What the editor edits: the draft, else the published version, else the latest."""
    if guide.draft is not None:
        return guide.draft
    return exported_definition(session=session, guide=guide)


def duplicate_guide(*, session: Session, environment: Environment, guide: Guide,
                    name_suffix: str = " (copy)") -> Guide:
    """A new draft guide with the same definition under a free key."""
    definition = working_definition(session=session, guide=guide)
    if definition is None:
        raise LookupError(f"guide {guide.key!r} has no definition")
    key = free_key(session=session, environment=environment, base=f"{guide.key}-copy")
    name = (definition["name"] + name_suffix)[:200]
    copy = validate_definition({**definition, "key": key, "name": name})
    return catalog.add_guide(session=session, environment=environment, definition=copy,
                             publish=False, author="")


def promote_guide(*, session: Session, guide: Guide, target: Environment, publish: bool,
                  author: str, message: str = "") -> Guide:
    """Copy the guide's published definition into the same-key guide of ``target``
    (created when missing): as its draft, or published as a new version there."""
    if guide.published_version is None:
        raise LookupError(f"guide {guide.key!r} is not published")
    version = get_version(session=session, guide=guide, number=guide.published_version)
    assert version is not None
    definition = validate_definition(version.definition)
    there = get_guide(session=session, environment=target, key=guide.key)
    if there is None:
        return catalog.add_guide(session=session, environment=target, definition=definition,
                                 publish=publish, author=author, message=message)
    if publish:
        publish_guide(session=session, guide=there, author=author, message=message,
                      definition=definition)
    else:
        save_draft(session=session, guide=there, definition=definition)
    return there

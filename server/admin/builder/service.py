"""What the builder and preview endpoints do, apart from HTTP: tokens' scope checks,
storing a picked target in a guide's draft, and the payload of a preview.

Nothing here commits; the caller does.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, select

from ...delivery.explain import compiled_guide, definition_of, eval_context
from ...guides.compile import compile_guide_payload, with_state
from ...guides.model import MAX_TITLE
from ...guides.service import get_guide, get_version, save_draft
from ...models import Environment, Guide
from ...models.admin import AdminUser, WorkspaceMember
from ...security.roles import allows


class TargetIn(BaseModel):
    """A picked target as the builder sends it (the guide file's `target` object)."""

    model_config = ConfigDict(extra="forbid")
    selectors: list[str] = Field(min_length=1, max_length=10)
    text: str | None = Field(default=None, max_length=MAX_TITLE)
    strictness: Literal["strict", "normal", "loose"] = "normal"


class ScopeError(Exception):
    """The token is valid but does not allow this (status 403 or 404)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def token_author(*, session: Session, environment: Environment, claims: dict[str, Any],
                 role: str) -> AdminUser:
    """The admin who got the token, if they still hold at least `role` in the workspace
    (a token outlives nothing: a removed member's token stops working at once)."""
    author = claims.get("author")
    member = session.exec(select(WorkspaceMember).where(
        WorkspaceMember.workspace_id == environment.workspace_id,
        WorkspaceMember.user_id == author)).first() if isinstance(author, int) else None
    user = session.get(AdminUser, author) if member is not None else None
    if user is None or member is None or not allows(member.role, role):
        raise ScopeError(403, "forbidden", "the author of this token may no longer do this")
    return user


def _guide(session: Session, environment: Environment, key: Any) -> Guide:
    guide = get_guide(session=session, environment=environment, key=key) if isinstance(
        key, str) else None
    if guide is None:
        raise ScopeError(404, "not_found", f"guide {key!r} not found")
    return guide


def working_definition(*, session: Session, guide: Guide) -> dict[str, Any] | None:
    """The draft, or (no draft yet) a copy of the published definition to start one from."""
    if guide.draft is not None:
        return copy.deepcopy(guide.draft)
    defn, _number = definition_of(session=session, guide=guide)
    return copy.deepcopy(defn) if defn is not None else None


def set_step_target(*, session: Session, environment: Environment, guide_key: Any,
                    step: Any, target: TargetIn) -> Guide:
    """Store `target` on step `step` of the guide's draft (created from the published
    version when there is none). Raises ScopeError (404/422) or GuideFileError."""
    guide = _guide(session, environment, guide_key)
    defn = working_definition(session=session, guide=guide)
    steps = (defn or {}).get("steps") or []
    if not isinstance(step, int) or not 0 <= step < len(steps):
        raise ScopeError(422, "validation_error",
                         f"guide {guide.key!r} has no step {step!r} (it has {len(steps)})")
    assert defn is not None
    steps[step]["target"] = target.model_dump(exclude_none=True)
    save_draft(session=session, guide=guide, definition=defn)
    return guide


def preview_payload(*, session: Session, environment: Environment, claims: dict[str, Any],
                    now: datetime) -> dict[str, Any]:
    """What the SDK shows in preview mode: the guide compiled exactly as for bootstrap
    (from the draft or a version), with a fresh state, the preview user and whether that
    user would pass the audience (shown anyway: preview ignores targeting)."""
    guide = _guide(session, environment, claims.get("guide"))
    version = claims.get("version", "draft")
    if version == "draft":
        defn, number = working_definition(session=session, guide=guide), 0
    else:
        row = get_version(session=session, guide=guide, number=version) if isinstance(
            version, int) else None
        defn, number = (row.definition, row.number) if row else (None, 0)
    if defn is None:
        raise ScopeError(404, "not_found", f"guide {guide.key!r} has no {version} to preview")
    raw = claims.get("user")
    user: dict[str, Any] = raw if isinstance(raw, dict) else {}
    user_id = str(user.get("id") or "preview")
    traits = user.get("traits") if isinstance(user.get("traits"), dict) else {}
    ctx, found = eval_context(session=session, environment_id=environment.id,  # type: ignore[arg-type]
                              user_id=user_id, traits=traits, now=now)
    audience = compiled_guide(defn, guide.key).audience(ctx)
    keys = ("theme", "locale", "target_wait_ms")
    return {
        "guide": {**with_state(compile_guide_payload(defn, number), None), "preview": True},
        "user": {"id": user_id, "traits": ctx.user_traits, "found": found},
        "audience": {"passed": audience},
        "settings": {k: environment.settings[k] for k in keys if k in environment.settings},
    }

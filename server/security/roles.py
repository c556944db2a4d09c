"""Workspace roles and the per-route minimum role.

viewer (read only) < editor (guides, features, segments, theme) < owner (members, keys,
settings). A route declares its minimum with `requires(...)`; the admin's router wrapper
(server/admin/site.py) enforces it, and tests/admin/test_route_matrix.py walks the router
to check every route.
"""

from __future__ import annotations

from typing import Literal

from ..models.admin import ROLES

Role = Literal["viewer", "editor", "owner"]
#: Access levels below the workspace roles: no session needed / signed in, no workspace.
PUBLIC = "public"
USER = "user"
Access = Literal["public", "user", "viewer", "editor", "owner"]

_RANK = {name: i for i, name in enumerate(ROLES, start=1)}


def rank(role: str | None) -> int:
    """0 for no role, then 1 viewer, 2 editor, 3 owner."""
    return _RANK.get(role or "", 0)


def allows(role: str | None, minimum: str) -> bool:
    """True when `role` is at least `minimum`."""
    return rank(role) >= rank(minimum) > 0


def is_role(value: str) -> bool:
    return value in _RANK

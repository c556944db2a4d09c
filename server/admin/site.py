"""The admin framework: routes that declare their access level, and the sidebar registry.

A view is a plain function `view(ctx: AdminContext) -> Response`, run in a worker thread
with an open database session (committed when the view returns, rolled back if it
raises). It is registered with `site.route(path, view, name=..., access=...)`, where
`access` is the minimum: "public", "user" (signed in), or a workspace role "viewer",
"editor", "owner". Before the view runs, the wrapper (context.py) has:

- loaded the session cookie (idle/absolute expiry, revocation),
- checked the CSRF token on every POST/PUT/PATCH/DELETE (403 without it),
- redirected anonymous GETs to the sign-in page and refused anonymous writes (403),
- resolved `{ws}` (workspace slug) and `{env}` (environment name) path parameters to
  objects the user may see (404 otherwise: another workspace's objects leak nothing)
  and checked the role (403 when too weak).

Sidebar items come from `site.nav(...)`: a module that is not installed adds no item, so
the sidebar never shows dead links.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..security.roles import Access, allows, rank
from .i18n import N_

if TYPE_CHECKING:
    from .context import AdminContext

HERE = Path(__file__).resolve().parent
View = Callable[["AdminContext"], Response]
WORKSPACE_ROLES = ("viewer", "editor", "owner")


ROLE_LABELS = {"viewer": N_("Viewer"), "editor": N_("Editor"), "owner": N_("Owner")}
ROLE_HELP = {
    "viewer": N_("Reads everything, changes nothing."),
    "editor": N_("Edits guides, features, segments and themes."),
    "owner": N_("Also manages members, keys and settings."),
}
# Sidebar labels other modules may use (extracted here so the catalogs have them).
NAV_LABELS = (N_("Guides"), N_("Features"), N_("Segments"), N_("Analytics"),
              N_("Environments"), N_("Members"), N_("Audit log"), N_("Workspace"))


@dataclass(frozen=True, slots=True)
class NavItem:
    """One sidebar entry. `route` is a route name inside the admin mount ("guide-list")."""

    key: str
    label: str  # an English msgid, translated when rendered
    route: str
    access: Access = "viewer"
    section: str = "main"  # "main" (Guides, Features…) or "settings"
    order: int = 100
    icon: str = ""


@dataclass
class AdminSite:
    """What the admin mount is built from: routes plus the sidebar registry."""

    routes: list[BaseRoute] = field(default_factory=list)
    nav_items: list[NavItem] = field(default_factory=list)

    def route(self, path: str, view: View, *, name: str, access: Access,
              methods: Iterable[str] = ("GET",)) -> None:
        """Register `view` at `path` (inside /admin) under `admin:<name>`."""
        from .context import admin_endpoint

        endpoint = admin_endpoint(view, access=access)
        self.routes.append(Route(path, endpoint, methods=list(methods), name=name))

    def nav(self, item: NavItem) -> None:
        """Add a sidebar entry (shown to users whose role reaches `item.access`)."""
        self.nav_items.append(item)

    def visible_nav(self, role: str | None, section: str) -> list[NavItem]:
        names = {getattr(r, "name", None) for r in self.routes}
        items = [
            i for i in self.nav_items
            if i.section == section and i.route in names
            and (i.access in ("public", "user") or allows(role, i.access))
        ]
        return sorted(items, key=lambda i: (i.order, i.key))

    def extend(self, module_names: Iterable[str]) -> None:
        """Import each module and call its `register(site)` (how other admin modules plug in)."""
        for name in module_names:
            importlib.import_module(name).register(self)


def route_access(route: BaseRoute) -> str | None:
    """The declared access level of an admin route (None for static files)."""
    endpoint = getattr(route, "endpoint", None)
    return getattr(endpoint, "admin_access", None)


def needs_workspace(access: str) -> bool:
    return rank(access) > 0

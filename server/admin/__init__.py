"""The admin UI at /admin: server-rendered Jinja2 pages, progressively enhanced.

`admin_mount(settings)` builds the Mount that create_app adds; `admin_runtime()` what it
keeps on app.state.admin. Modules of other features plug in by being listed in
EXTENSIONS: each has `register(site)` that adds routes and sidebar items (see
docs/admin.md).
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Router
from starlette.staticfiles import StaticFiles

from ..security.headers import SecurityHeadersMiddleware
from ..settings import Settings
from .context import AdminRuntime
from .i18n import load_catalogs
from .site import HERE, AdminSite
from .templating import make_environment

#: Core admin modules (this package) and feature modules that add pages to the admin.
CORE = (
    "server.admin.views.auth",
    "server.admin.views.account",
    "server.admin.views.workspaces",
    "server.admin.views.environments",
    "server.admin.views.env_settings",
    "server.admin.views.members",
    "server.admin.views.audit_log",
)
EXTENSIONS: tuple[str, ...] = (
    "server.admin.guides",
    "server.admin.builder",
    "server.admin.surveys",
    "server.admin.features",
    "server.admin.analytics",
)


def build_site(extensions: tuple[str, ...] = EXTENSIONS) -> AdminSite:
    site = AdminSite()
    site.extend(CORE + extensions)
    return site


def admin_runtime(site: AdminSite) -> AdminRuntime:
    return AdminRuntime(site=site, jinja=make_environment(), catalogs=load_catalogs())


async def _not_found(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    response: Response = HTMLResponse(
        "<!doctype html><html lang=\"en\"><title>Not found</title><p>Not found.</p></html>",
        status_code=404,
    )
    if scope["type"] == "http":
        request = Request(scope)
        if request.url.path.rstrip("/") == "/admin":
            from starlette.responses import RedirectResponse

            response = RedirectResponse("/admin/", status_code=307)
    await response(scope, receive, send)


def admin_mount(settings: Settings, site: AdminSite) -> Mount:
    """/admin with its security headers; the router's 404 stays inside the mount."""
    routes = [*site.routes, Mount("/static", app=StaticFiles(directory=HERE / "static"),
                                  name="static")]
    router = Router(routes=routes, default=_not_found)
    hsts = settings.secure_cookies and settings.environment == "production"
    return Mount("/admin", app=router, name="admin",
                 middleware=[Middleware(SecurityHeadersMiddleware, hsts=hsts)])

"""The per-request wrapper of every admin view, and the `AdminContext` views receive.

See site.py for the order of checks. Views never see a request that failed one.
"""

from __future__ import annotations

import gettext
import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment as Jinja
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..models import Environment, Workspace
from ..models.admin import AdminSession, AdminUser, WorkspaceMember
from ..models.types import utcnow
from ..security import csrf
from ..security.roles import PUBLIC, USER, allows
from ..security.sessions import SessionPolicy, cookie_name, load_session
from ..settings import Settings
from .i18n import LANGUAGES, negotiate
from .site import ROLE_HELP, ROLE_LABELS, AdminSite, View

MAX_FORM_BYTES = 256 * 1024


@dataclass
class AdminRuntime:
    """What the admin keeps on `app.state.admin`: its site, templates and catalogs."""

    site: AdminSite
    jinja: Jinja
    catalogs: dict[str, gettext.NullTranslations]


class Denied(Exception):
    """Stops a request with an error page (403/404/429…)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class AdminContext:
    """Everything a view needs; `db` is committed after the view returns."""

    request: Request
    db: Session
    settings: Settings
    runtime: AdminRuntime
    now: datetime
    form: FormData
    lang: str
    user: AdminUser | None = None
    auth: AdminSession | None = None
    workspace: Workspace | None = None
    role: str | None = None
    environment: Environment | None = None
    csrf_token: str = ""
    cookies: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)

    # -- helpers for views --------------------------------------------------------------
    @property
    def ip(self) -> str:
        return self.request.client.host if self.request.client else ""

    def _(self, message: str, **values: Any) -> str:
        text = str(self.runtime.catalogs[self.lang].gettext(message))
        return text % values if values else text

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name, default)
        return value.strip() if isinstance(value, str) else default

    def url(self, name: str, **params: Any) -> str:
        """Path of the admin route `name` ("environment-detail"), `ws`/`env` filled in."""
        if self.workspace is not None:
            params.setdefault("ws", self.workspace.slug)
        if self.environment is not None:
            params.setdefault("env", self.environment.name)
        route = _find(self.runtime.site, name)
        wanted = set(route.param_convertors) if route is not None else set()
        query = {k: v for k, v in params.items() if k.startswith("q_")}
        path_params = {k: v for k, v in params.items() if k in wanted}
        path = str(self.request.url_for(f"admin:{name}", **path_params).path)
        if query:
            path += "?" + urlencode({k[2:]: v for k, v in query.items()})
        return path

    def redirect(self, name: str, **params: Any) -> Response:
        return RedirectResponse(self.url(name, **params), status_code=303)

    def set_cookie(self, name: str, value: str | None, **options: Any) -> None:
        self.cookies.append((name, value, options))

    def allows(self, role: str) -> bool:
        return allows(self.role, role)

    def render(self, template: str, status: int = 200, **values: Any) -> Response:
        site = self.runtime.site
        page = self.runtime.jinja.get_template(template).render(
            ctx=self, _=self._, translations=self.runtime.catalogs[self.lang], lang=self.lang,
            languages=LANGUAGES, user=self.user, workspace=self.workspace,
            environment=self.environment, role=self.role, csrf_token=self.csrf_token,
            role_labels=ROLE_LABELS, role_help=ROLE_HELP,
            request_path_startswith=self.request.url.path.startswith,
            url=self.url, static=self.static, nav_url=self.nav_url,
            nav_main=site.visible_nav(self.role, "main"),
            nav_settings=site.visible_nav(self.role, "settings"),
            switcher=_switcher(self) if self.user and not self.auth_pending else [],
            **values,
        )
        return HTMLResponse(page, status_code=status)

    def static(self, path: str) -> str:
        return str(self.request.url_for("admin:static", path=path).path)

    def nav_url(self, item: Any) -> str | None:
        """URL of a sidebar item here, or None when it cannot apply (no workspace/env)."""
        route = _find(self.runtime.site, item.route)
        params = set(route.param_convertors) if route is not None else set()
        if "ws" in params and self.workspace is None:
            return None
        if "env" in params and self.environment is None:
            env = self.db.exec(
                select(Environment.name).where(Environment.workspace_id == self.workspace.id)  # type: ignore[union-attr]
                .order_by((Environment.name != "production"), Environment.name)  # type: ignore[arg-type]
            ).first()
            return None if env is None else self.url(item.route, env=env)
        return self.url(item.route)

    @property
    def auth_pending(self) -> bool:
        return self.auth is not None and self.auth.mfa_pending


def _find(site: AdminSite, name: str) -> Any:
    for route in site.routes:
        if getattr(route, "name", None) == name:
            return route
    return None


def _switcher(ctx: AdminContext) -> list[dict[str, Any]]:
    """The workspaces/environments the user can switch to (the top-bar picker)."""
    assert ctx.user is not None
    rows = ctx.db.exec(
        select(Workspace, WorkspaceMember.role)
        .join(WorkspaceMember, WorkspaceMember.workspace_id == Workspace.id)  # type: ignore[arg-type]
        .where(WorkspaceMember.user_id == ctx.user.id)
        .order_by(Workspace.name)
    ).all()
    out = []
    for ws, role in rows:
        envs = ctx.db.exec(
            select(Environment.name).where(Environment.workspace_id == ws.id)
            .order_by(Environment.name)
        ).all()
        out.append({"slug": ws.slug, "name": ws.name, "role": role, "environments": list(envs)})
    return out


# -- the wrapper --------------------------------------------------------------------------


def admin_endpoint(view: View, *, access: str) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint of an admin view (see site.py for what it checks)."""

    async def endpoint(request: Request) -> Response:
        form = FormData()
        if request.method not in csrf.SAFE_METHODS:
            if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
                return await run_in_threadpool(_plain_error, request, 413, "Request too large.")
            try:
                form = await request.form(max_files=0, max_fields=200)
            except Exception:  # malformed multipart/urlencoded body: a 400, never a 500
                return await run_in_threadpool(_plain_error, request, 400, "Malformed form data.")
        return await run_in_threadpool(_handle, request, view, access, form)

    endpoint.admin_access = access  # type: ignore[attr-defined]
    endpoint.admin_view = view  # type: ignore[attr-defined]
    endpoint.__name__ = getattr(view, "__name__", "admin_view")
    endpoint.__doc__ = view.__doc__
    return endpoint


def _handle(request: Request, view: View, access: str, form: FormData) -> Response:
    state = request.app.state
    settings: Settings = state.settings
    runtime: AdminRuntime = state.admin
    with state.db.session() as db:
        ctx = AdminContext(request=request, db=db, settings=settings, runtime=runtime,
                           now=utcnow(), form=form,
                           lang=negotiate(request.headers.get("accept-language")))
        try:
            response = _checked(ctx, view, access)
            db.commit()
        except Denied as denied:
            db.rollback()
            response = _error_page(ctx, denied.status, denied.message)
        for name, value, options in ctx.cookies:
            if value is None:
                response.delete_cookie(name, path="/", secure=settings.secure_cookies,
                                       httponly=True, samesite="lax")
            else:
                response.set_cookie(name, value, path="/", secure=settings.secure_cookies,
                                    httponly=True, samesite="lax", **options)
        response.headers.setdefault("cache-control", "no-store")
        return response


def _checked(ctx: AdminContext, view: View, access: str) -> Response:
    request, settings = ctx.request, ctx.settings
    token = request.cookies.get(cookie_name(settings.secure_cookies))
    loaded = load_session(session=ctx.db, token=token, policy=SessionPolicy.of(settings),
                          now=ctx.now) if token else None
    if loaded is not None:
        ctx.auth, user = loaded
        ctx.csrf_token = ctx.auth.csrf_token
        if not ctx.auth.mfa_pending:
            ctx.user = user
        ctx.lang = negotiate(request.headers.get("accept-language"), user.locale)
    if ctx.user is None:
        _anonymous_csrf(ctx)
    if request.method not in csrf.SAFE_METHODS:
        given = ctx.form.get(csrf.FIELD) or request.headers.get(csrf.HEADER)
        if not csrf.tokens_match(ctx.csrf_token, given if isinstance(given, str) else None):
            raise Denied(403, ctx._("The form expired or did not come from this site. "
                                    "Reload the page and try again."))
    if access != PUBLIC and ctx.user is None:
        if request.method in csrf.SAFE_METHODS:
            nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            login = str(request.url_for("admin:login").path)
            return RedirectResponse(f"{login}?{urlencode({'next': nxt})}", status_code=303)
        raise Denied(403, ctx._("Sign in first."))
    if access not in (PUBLIC, USER):
        _resolve_scope(ctx, access)
    return view(ctx)


def _anonymous_csrf(ctx: AdminContext) -> None:
    """Before sign-in: bind forms to a random pre-session cookie (see security/csrf.py)."""
    name = csrf.pre_cookie_name(ctx.settings.secure_cookies)
    nonce = ctx.request.cookies.get(name)
    if not nonce or len(nonce) > 100:
        nonce = csrf.new_nonce()
        ctx.set_cookie(name, nonce)
    if ctx.auth is None:  # an MFA-pending session keeps its own token
        ctx.csrf_token = csrf.anonymous_token(ctx.settings.secret_key, nonce)


def _resolve_scope(ctx: AdminContext, access: str) -> None:
    """`{ws}` and `{env}` to objects the user may see (404), then the role check (403)."""
    assert ctx.user is not None
    params = ctx.request.path_params
    slug = params.get("ws")
    if slug is None:
        raise Denied(404, ctx._("Not found."))
    found = ctx.db.exec(
        select(Workspace, WorkspaceMember.role)
        .join(WorkspaceMember, WorkspaceMember.workspace_id == Workspace.id)  # type: ignore[arg-type]
        .where(Workspace.slug == slug, WorkspaceMember.user_id == ctx.user.id)
    ).first()
    if found is None:
        raise Denied(404, ctx._("Not found."))
    ctx.workspace, ctx.role = found
    if "env" in params:
        env = ctx.db.exec(select(Environment).where(
            Environment.workspace_id == ctx.workspace.id, Environment.name == params["env"]
        )).first()
        if env is None:
            raise Denied(404, ctx._("Not found."))
        ctx.environment = env
    if not allows(ctx.role, access):
        raise Denied(403, ctx._("Your role in this workspace does not allow this."))


def _error_page(ctx: AdminContext, status: int, message: str) -> Response:
    try:
        return ctx.render("admin/error.html", status=status, status_code=status, message=message)
    except Exception:  # never let the error page itself fail
        return HTMLResponse(f"<!doctype html><title>{status}</title><p>{status}</p>",
                            status_code=status)


def _plain_error(request: Request, status: int, message: str) -> Response:
    body = f"<!doctype html><title>{status}</title><p>{html.escape(message)}</p>"
    return HTMLResponse(body,
                        status_code=status, headers={"cache-control": "no-store"})

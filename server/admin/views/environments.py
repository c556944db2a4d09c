"""Environments: list, create, keys (secret shown once), identity verification, origins."""

from __future__ import annotations

import re

from sqlmodel import select
from starlette.responses import Response

from ...models import Environment
from ...security.traffic import signed_share
from ...workspaces.service import (
    WorkspaceError,
    create_environment,
    normalise_origin,
    rotate_identity_secret,
    rotate_secret_key,
    touch_environment,
)
from .. import audit
from ..context import AdminContext
from ..i18n import N_
from ..site import AdminSite

#: Enforcing identity verification below this share needs an explicit confirmation.
SAFE_SHARE = 0.99
MESSAGES = {
    "origins": N_("Allowed origins saved."),
    "identity-on": N_("Identity verification is enforced."),
    "identity-off": N_("Identity verification is off."),
    "retired": N_("The previous identity secret no longer works."),
}


def _record(ctx: AdminContext, action: str, **details: object) -> None:
    env = ctx.environment
    audit.record(session=ctx.db, action=action, workspace_id=ctx.workspace.id,  # type: ignore[union-attr]
                 user=ctx.user, ip=ctx.ip, now=ctx.now, object_type="environment",
                 object_id=env.name if env else "", details=dict(details))


def environment_list(ctx: AdminContext, status: int = 200, error: str = "",
                     values: dict[str, str] | None = None) -> Response:
    envs = ctx.db.exec(select(Environment).where(Environment.workspace_id == ctx.workspace.id)  # type: ignore[union-attr]
                       .order_by(Environment.name)).all()
    return ctx.render("admin/environment/list.html", status=status, environments=envs,
                      error=error, values=values or {"name": "", "origins": ""})


def environment_create(ctx: AdminContext) -> Response:
    values = {"name": ctx.field("name").lower(), "origins": ctx.field("origins")}
    origins = [line for line in values["origins"].splitlines() if line.strip()]
    problem = _origins_problem(ctx, origins)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,49}", values["name"]):
        problem = ctx._("Use 1 to 50 lower-case letters, digits, - and _ for the name.")
    elif ctx.db.exec(select(Environment).where(
            Environment.workspace_id == ctx.workspace.id,  # type: ignore[union-attr]
            Environment.name == values["name"])).first() is not None:
        problem = ctx._("An environment named %(name)s already exists.", name=values["name"])
    if problem:
        return environment_list(ctx, 422, problem, values)
    try:
        made = create_environment(session=ctx.db, workspace=ctx.workspace, name=values["name"],  # type: ignore[arg-type]
                                  origins=origins)
    except WorkspaceError as exc:
        ctx.db.rollback()
        return environment_list(ctx, 422, str(exc), values)
    ctx.environment = made.environment
    _record(ctx, "environment.create", origins=made.environment.allowed_origins)
    return ctx.render("admin/environment/secret.html", created=True,
                      secret_key=made.secret_key, identity_secret=made.identity_secret)


def _origins_problem(ctx: AdminContext, lines: list[str]) -> str:
    if len(lines) > 50:
        return ctx._("At most 50 origins.")
    for line in lines:
        try:
            normalise_origin(line)
        except WorkspaceError:
            return ctx._("%(origin)s is not an origin: use scheme://host[:port], without a path.",
                         origin=line.strip()[:100])
    return ""


def _detail(ctx: AdminContext, status: int = 200, origins_error: str = "",
            identity_error: str = "", origins_text: str | None = None) -> Response:
    env = ctx.environment
    assert env is not None
    total, signed, share = signed_share(session=ctx.db, environment_id=env.id,  # type: ignore[arg-type]
                                        today=ctx.now.date())
    return ctx.render(
        "admin/environment/detail.html", status=status, total=total, signed=signed, share=share,
        safe_share=SAFE_SHARE, origins_error=origins_error, identity_error=identity_error,
        origins_text=origins_text if origins_text is not None else "\n".join(env.allowed_origins),
        message=MESSAGES.get(ctx.request.query_params.get("msg", ""), ""),
    )


def environment_detail(ctx: AdminContext) -> Response:
    return _detail(ctx)


def rotate_secret(ctx: AdminContext) -> Response:
    """A new secret API key, shown once; the previous one stops working at once."""
    key = rotate_secret_key(session=ctx.db, env=ctx.environment)  # type: ignore[arg-type]
    _record(ctx, "environment.secret_key.rotate")
    return ctx.render("admin/environment/secret.html", created=False, secret_key=key,
                      identity_secret="")


def rotate_identity(ctx: AdminContext) -> Response:
    """A new identity secret, shown once; the previous one stays valid until retired."""
    secret = rotate_identity_secret(session=ctx.db, env=ctx.environment)  # type: ignore[arg-type]
    _record(ctx, "environment.identity_secret.rotate")
    return ctx.render("admin/environment/secret.html", created=False, secret_key="",
                      identity_secret=secret)


def retire_identity(ctx: AdminContext) -> Response:
    env = ctx.environment
    assert env is not None
    if len(env.identity_secrets) > 1:
        env.identity_secrets = env.identity_secrets[:1]
        touch_environment(env=env)
        ctx.db.add(env)
        _record(ctx, "environment.identity_secret.retire")
    return ctx.redirect("environment-detail", q_msg="retired")


def save_origins(ctx: AdminContext) -> Response:
    env = ctx.environment
    assert env is not None
    text = ctx.field("origins")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    problem = _origins_problem(ctx, lines)
    if problem:
        return _detail(ctx, 422, origins_error=problem, origins_text=text)
    origins = sorted({normalise_origin(line) for line in lines})
    before = list(env.allowed_origins)
    env.allowed_origins = origins
    touch_environment(env=env)
    ctx.db.add(env)
    _record(ctx, "environment.origins.update", before=before, after=origins)
    return ctx.redirect("environment-detail", q_msg="origins")


def save_identity(ctx: AdminContext) -> Response:
    """Turn enforcement on or off; on below SAFE_SHARE of signed traffic needs `confirm`."""
    env = ctx.environment
    assert env is not None
    enforce = ctx.field("enforce") == "on"
    if enforce and not env.identity_verification:
        _total, _signed, share = signed_share(session=ctx.db, environment_id=env.id,  # type: ignore[arg-type]
                                              today=ctx.now.date())
        if (share is None or share < SAFE_SHARE) and ctx.field("confirm") != "yes":
            return _detail(ctx, 422, identity_error=ctx._(
                "Not all recent traffic is signed: unsigned users would stop seeing guides. "
                "Tick the confirmation to enforce anyway."))
    if enforce != env.identity_verification:
        env.identity_verification = enforce
        touch_environment(env=env)
        ctx.db.add(env)
        _record(ctx, "environment.identity.enforce" if enforce else "environment.identity.relax")
    return ctx.redirect("environment-detail", q_msg="identity-on" if enforce else "identity-off")


def register(site: AdminSite) -> None:
    base = "/w/{ws}/e/{env}"
    site.route("/w/{ws}/environments", environment_list, name="environment-list",
               access="viewer")
    site.route("/w/{ws}/environments", environment_create, name="environment-create",
               access="owner", methods=("POST",))
    site.route(base + "/", environment_detail, name="environment-detail", access="viewer")
    site.route(base + "/secret-key/rotate", rotate_secret, name="environment-secret-rotate",
               access="owner", methods=("POST",))
    site.route(base + "/identity-secret/rotate", rotate_identity,
               name="environment-identity-rotate", access="owner", methods=("POST",))
    site.route(base + "/identity-secret/retire", retire_identity,
               name="environment-identity-retire", access="owner", methods=("POST",))
    site.route(base + "/origins", save_origins, name="environment-origins", access="owner",
               methods=("POST",))
    site.route(base + "/identity", save_identity, name="environment-identity", access="owner",
               methods=("POST",))

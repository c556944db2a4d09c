"""The signed-in user's own settings: name, language, password, TOTP, sessions."""

from __future__ import annotations

from starlette.responses import Response

from ...models.admin import AdminSession
from ...security import totp
from ...security.passwords import verify_password
from ...security.sessions import SessionPolicy, live_sessions, revoke_session
from .. import accounts, audit
from ..context import AdminContext, Denied
from ..i18n import LANGUAGES, N_
from ..site import AdminSite

MESSAGES = {
    "saved": N_("Saved."),
    "password": N_("Your password was changed. Your other sessions were signed out."),
    "totp-on": N_("Two-step verification is on."),
    "totp-off": N_("Two-step verification is off."),
    "revoked": N_("The session was signed out."),
}


def _page(ctx: AdminContext, status: int = 200, **errors: str) -> Response:
    assert ctx.user is not None and ctx.auth is not None
    sessions = live_sessions(session=ctx.db, user_id=ctx.user.id,  # type: ignore[arg-type]
                             policy=SessionPolicy.of(ctx.settings), now=ctx.now)
    return ctx.render("admin/account/edit.html", status=status, errors=errors,
                      sessions=sessions, current_session=ctx.auth.id,
                      message=MESSAGES.get(ctx.request.query_params.get("msg", ""), ""))


def account(ctx: AdminContext) -> Response:
    assert ctx.user is not None
    if ctx.request.method == "GET":
        return _page(ctx)
    locale = ctx.field("locale")
    name = ctx.field("name")
    if locale and locale not in LANGUAGES:
        return _page(ctx, 422, locale=ctx._("Choose a language from the list."))
    if len(name) > 200:
        return _page(ctx, 422, name=ctx._("Use at most 200 characters."))
    ctx.user.name = name
    ctx.user.locale = locale or None
    ctx.db.add(ctx.user)
    audit.record(session=ctx.db, action="user.update", workspace_id=None, user=ctx.user,
                 ip=ctx.ip, now=ctx.now, object_type="user", object_id=ctx.user.id,
                 details={"locale": ctx.user.locale})
    return ctx.redirect("account", q_msg="saved")


def change_password(ctx: AdminContext) -> Response:
    assert ctx.user is not None and ctx.auth is not None
    if not verify_password(ctx.user.password_hash, str(ctx.form.get("current_password", ""))):
        return _page(ctx, 422, current_password=ctx._("Your current password is incorrect."))
    try:
        accounts.change_password(session=ctx.db, user=ctx.user,
                                 password=str(ctx.form.get("new_password", "")), now=ctx.now,
                                 keep_session=ctx.auth.id)
    except accounts.AccountError as exc:
        return _page(ctx, 422, new_password=ctx._(str(exc)))
    audit.record(session=ctx.db, action="user.password.change", workspace_id=None,
                 user=ctx.user, ip=ctx.ip, now=ctx.now, object_type="user", object_id=ctx.user.id)
    return ctx.redirect("account", q_msg="password")


def totp_enrol(ctx: AdminContext) -> Response:
    """Show a new secret (otpauth:// URI); enable it once a code from the app matches.

    The candidate secret travels in a hidden field until confirmed, so abandoning the
    page leaves nothing behind (this page is never cached: no-store).
    """
    user = ctx.user
    assert user is not None
    if user.totp_enabled:
        return ctx.redirect("account")
    secret = ctx.field("secret") if ctx.request.method == "POST" else totp.new_secret()
    error = ""
    if ctx.request.method == "POST":
        step = totp.verify(secret, ctx.field("code"), now=ctx.now.timestamp())
        if step is not None and len(secret) == 32:
            user.totp_secret, user.totp_enabled, user.totp_last_step = secret, True, step
            ctx.db.add(user)
            audit.record(session=ctx.db, action="user.totp.enable", workspace_id=None,
                         user=user, ip=ctx.ip, now=ctx.now, object_type="user", object_id=user.id)
            return ctx.redirect("account", q_msg="totp-on")
        error = ctx._("That code is not valid. Enter the current code.")
    uri = totp.provisioning_uri(secret, account=user.email)
    return ctx.render("admin/account/totp.html", status=422 if error else 200, secret=secret,
                      uri=uri, error=error)


def totp_disable(ctx: AdminContext) -> Response:
    user = ctx.user
    assert user is not None
    if not verify_password(user.password_hash, str(ctx.form.get("current_password", ""))):
        return _page(ctx, 422, totp_password=ctx._("Your current password is incorrect."))
    user.totp_enabled, user.totp_secret = False, None
    ctx.db.add(user)
    audit.record(session=ctx.db, action="user.totp.disable", workspace_id=None, user=user,
                 ip=ctx.ip, now=ctx.now, object_type="user", object_id=user.id)
    return ctx.redirect("account", q_msg="totp-off")


def revoke(ctx: AdminContext) -> Response:
    """Sign out one of the user's own sessions (another browser)."""
    assert ctx.user is not None
    row = ctx.db.get(AdminSession, ctx.request.path_params["session_id"][:64])
    if row is None or row.user_id != ctx.user.id:
        raise Denied(404, ctx._("Not found."))
    revoke_session(session=ctx.db, row=row, now=ctx.now)
    audit.record(session=ctx.db, action="user.session.revoke", workspace_id=None,
                 user=ctx.user, ip=ctx.ip, now=ctx.now, object_type="session",
                 object_id=row.id[:12])
    return ctx.redirect("account", q_msg="revoked")


def register(site: AdminSite) -> None:
    site.route("/account", account, name="account", access="user", methods=("GET", "POST"))
    site.route("/account/password", change_password, name="account-password", access="user",
               methods=("POST",))
    site.route("/account/totp", totp_enrol, name="account-totp", access="user",
               methods=("GET", "POST"))
    site.route("/account/totp/disable", totp_disable, name="account-totp-disable",
               access="user", methods=("POST",))
    site.route("/account/sessions/{session_id}/revoke", revoke, name="account-session-revoke",
               access="user", methods=("POST",))

"""Sign-in (password, then TOTP when enrolled), sign-out, first sign-up, one-time links."""

from __future__ import annotations

import logging
from email.message import EmailMessage

from sqlmodel import select
from starlette.responses import RedirectResponse, Response

from ... import mail
from ...models import Workspace
from ...models.admin import AdminUser, WorkspaceMember
from ...security import totp
from ...security.sessions import create_session, revoke_session
from .. import accounts, audit
from ..context import AdminContext, Denied
from ..i18n import LANGUAGES, N_
from ..site import AdminSite

log = logging.getLogger("shirube.admin")

MESSAGES = {
    "signed-out": N_("You are signed out."),
    "password-set": N_("Your password is set. Sign in with it."),
    "expired": N_("Your session ended. Sign in again."),
}


def _safe_next(value: str) -> str | None:
    """Only a path inside the admin: never an open redirect."""
    if value.startswith("/admin/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


def start_session(ctx: AdminContext, user: AdminUser, *, mfa_pending: bool = False) -> None:
    """A fresh session (new id) for `user`; any session the browser had is revoked."""
    if ctx.auth is not None:
        revoke_session(session=ctx.db, row=ctx.auth, now=ctx.now)
    token, row = create_session(
        session=ctx.db, user=user, now=ctx.now, ip=ctx.ip,
        user_agent=ctx.request.headers.get("user-agent", ""), mfa_pending=mfa_pending,
    )
    ctx.auth = row
    from ...security.sessions import cookie_name

    ctx.set_cookie(cookie_name(ctx.settings.secure_cookies), token)


def home(ctx: AdminContext) -> Response:
    """The first workspace of the user, or the page to create one."""
    assert ctx.user is not None
    ws = ctx.db.exec(
        select(Workspace).join(WorkspaceMember, WorkspaceMember.workspace_id == Workspace.id)  # type: ignore[arg-type]
        .where(WorkspaceMember.user_id == ctx.user.id).order_by(Workspace.name)
    ).first()
    if ws is None:
        return ctx.redirect("workspace-create")
    return ctx.redirect("environment-list", ws=ws.slug)


def login(ctx: AdminContext) -> Response:
    nxt = _safe_next(ctx.request.query_params.get("next", "") or ctx.field("next")) or ""
    if ctx.user is not None and ctx.request.method == "GET":
        return RedirectResponse(nxt or ctx.url("home"), status_code=303)
    values = {"email": ctx.field("email"), "next": nxt,
              "message": MESSAGES.get(ctx.request.query_params.get("msg", ""), ""),
              "signup": accounts.signup_open(session=ctx.db, mode=ctx.settings.admin_signup),
              "mail_enabled": ctx.settings.mail_enabled}
    if ctx.request.method == "GET":
        return ctx.render("admin/auth/login.html", error="", **values)
    result = accounts.authenticate(session=ctx.db, email=ctx.field("email"),
                                   password=str(ctx.form.get("password", "")), ip=ctx.ip,
                                   now=ctx.now)
    if result.blocked_for is not None:
        seconds = max(1, int(result.blocked_for.total_seconds() + 0.999))
        error = ctx._("Too many failed attempts. Try again in %(n)s seconds.", n=seconds)
        resp = ctx.render("admin/auth/login.html", status=429, error=error, **values)
        resp.headers["retry-after"] = str(seconds)
        return resp
    if result.user is None:
        return ctx.render("admin/auth/login.html", status=401,
                          error=ctx._("The email or password is incorrect."), **values)
    user = result.user
    start_session(ctx, user, mfa_pending=user.totp_enabled)
    if user.totp_enabled:
        return ctx.redirect("login-totp", q_next=nxt) if nxt else ctx.redirect("login-totp")
    audit.record(session=ctx.db, action="user.sign_in", workspace_id=None, user=user,
                 ip=ctx.ip, now=ctx.now, object_type="user", object_id=user.id)
    return RedirectResponse(nxt or ctx.url("home"), status_code=303)


def login_totp(ctx: AdminContext) -> Response:
    """Second step for users with TOTP: a code from their authenticator app."""
    if ctx.auth is None or not ctx.auth.mfa_pending:
        return ctx.redirect("login")
    user = ctx.db.get(AdminUser, ctx.auth.user_id)
    assert user is not None and user.totp_secret
    nxt = _safe_next(ctx.request.query_params.get("next", "")) or ""
    if ctx.request.method == "GET":
        return ctx.render("admin/auth/totp.html", error="", next=nxt)
    from ...security import throttle

    wait = throttle.blocked_for(session=ctx.db, email=user.email, ip=ctx.ip, now=ctx.now)
    step = None if wait else totp.verify(user.totp_secret, ctx.field("code"),
                                         last_step=user.totp_last_step, now=ctx.now.timestamp())
    if step is None:
        if wait is None:
            throttle.record_failure(session=ctx.db, email=user.email, ip=ctx.ip, now=ctx.now)
        return ctx.render("admin/auth/totp.html", status=401, next=nxt,
                          error=ctx._("That code is not valid. Enter the current code."))
    user.totp_last_step = step
    ctx.db.add(user)
    start_session(ctx, user)
    audit.record(session=ctx.db, action="user.sign_in", workspace_id=None, user=user,
                 ip=ctx.ip, now=ctx.now, object_type="user", object_id=user.id,
                 details={"second_factor": "totp"})
    return RedirectResponse(nxt or ctx.url("home"), status_code=303)


def logout(ctx: AdminContext) -> Response:
    if ctx.auth is not None:
        revoke_session(session=ctx.db, row=ctx.auth, now=ctx.now)
    from ...security.sessions import cookie_name

    ctx.set_cookie(cookie_name(ctx.settings.secure_cookies), None)
    return ctx.redirect("login", q_msg="signed-out")


def signup(ctx: AdminContext) -> Response:
    """The first user (or anyone, SHIRUBE_ADMIN_SIGNUP=open) creates an account and workspace."""
    if not accounts.signup_open(session=ctx.db, mode=ctx.settings.admin_signup):
        raise Denied(403, ctx._("Sign-up is closed. Ask an owner for an invitation."))
    values = {k: ctx.field(k) for k in ("email", "name", "workspace_name")}
    if ctx.request.method == "GET":
        return ctx.render("admin/auth/signup.html", errors={}, **values)
    try:
        user, ws = accounts.sign_up(session=ctx.db, email=values["email"], name=values["name"],
                                    password=str(ctx.form.get("password", "")),
                                    workspace_name=values["workspace_name"])
    except accounts.AccountError as exc:
        ctx.db.rollback()
        return ctx.render("admin/auth/signup.html", status=422,
                          errors={exc.field or "form": ctx._(str(exc))}, **values)
    start_session(ctx, user)
    audit.record(session=ctx.db, action="workspace.create", workspace_id=ws.id, user=user,
                 ip=ctx.ip, now=ctx.now, object_type="workspace", object_id=ws.slug,
                 details={"name": ws.name, "via": "signup"})
    return ctx.redirect("environment-list", ws=ws.slug)


def password_link(ctx: AdminContext) -> Response:
    """Set a password through a one-time link (reset, or the first one after createuser)."""
    token = ctx.request.path_params["token"]
    user = accounts.password_token_user(session=ctx.db, token=token, now=ctx.now)
    if user is None:
        raise Denied(404, ctx._("This link has expired or was already used."))
    if ctx.request.method == "GET":
        return ctx.render("admin/auth/password.html", email=user.email, error="")
    try:
        accounts.use_password_token(session=ctx.db, token=token,
                                    password=str(ctx.form.get("password", "")), now=ctx.now)
    except accounts.AccountError as exc:
        ctx.db.rollback()
        return ctx.render("admin/auth/password.html", status=422, email=user.email,
                          error=ctx._(str(exc)))
    audit.record(session=ctx.db, action="user.password.set", workspace_id=None, user=user,
                 ip=ctx.ip, now=ctx.now, object_type="user", object_id=user.id)
    return ctx.redirect("login", q_msg="password-set")


def mail_language(user: AdminUser | None, fallback: str) -> str:
    """The language of an email to `user`: their own choice, else `fallback`."""
    return user.locale if user is not None and user.locale in LANGUAGES else fallback  # type: ignore[return-value]


def password_mail(ctx: AdminContext, user: AdminUser, token: str, *, reason: str) -> EmailMessage:
    """The email with a one-time set-password link, in the user's language."""
    lang = mail_language(user, ctx.lang)
    link = ctx.settings.public_url.rstrip("/") + ctx.url("password-link", token=token)
    content = mail.render(ctx.runtime.jinja, ctx.runtime.catalogs[lang], lang,
                          "admin/auth/mail_password.html", email=user.email, link=link,
                          hours=ctx.settings.password_link_hours, reason=reason)
    return mail.compose(settings=ctx.settings, to=user.email, content=content)


def forgot_password(ctx: AdminContext) -> Response:
    """Email a one-time link to set a new password (when a mail server is configured).

    The answer never tells whether the address has an account: the same page and the same
    throttle for every address, and every request opens the same mail-server session
    (connect, TLS, sign-in), so "the mail server is unreachable" is reported to everyone
    alike. Only then, for an active account, a link is made and sent; a refusal of that
    message is logged and audited, not shown (showing it would reveal the account).
    """
    hours = ctx.settings.password_link_hours
    page = {"mail_enabled": ctx.settings.mail_enabled, "hours": hours, "sent": False,
            "email": ctx.field("email")[:254], "error": "", "field_error": ""}
    if ctx.request.method == "GET" or not ctx.settings.mail_enabled:
        return ctx.render("admin/auth/forgot.html", **page)
    try:
        email = accounts.normalise_email(page["email"])
    except accounts.AccountError as exc:
        return ctx.render("admin/auth/forgot.html", status=422,
                          **{**page, "field_error": ctx._(str(exc))})
    asked = accounts.password_reset_request(session=ctx.db, email=email, ip=ctx.ip, now=ctx.now)
    if asked.blocked_for is not None:
        seconds = max(1, int(asked.blocked_for.total_seconds() + 0.999))
        resp = ctx.render("admin/auth/forgot.html", status=429, **{
            **page, "error": ctx._("Too many requests for this address. "
                                   "Try again in %(n)s seconds.", n=seconds)})
        resp.headers["retry-after"] = str(seconds)
        return resp
    ctx.db.commit()  # the request counts even if the mail server then hangs
    user, delivery = asked.user, "sent"
    try:
        with mail.Connection(ctx.settings) as conn:
            if user is not None:
                token = accounts.new_password_link(session=ctx.db, user=user, now=ctx.now,
                                                   hours=hours)
                ctx.db.commit()
                try:
                    conn.send(password_mail(ctx, user, token, reason="forgot"))
                except mail.MailError as exc:
                    log.warning("password reset email for user %s not sent: %s", user.id, exc)
                    delivery = "refused"
    except mail.MailError as exc:
        log.warning("password reset email not sent: %s", exc)
        delivery = "unreachable"
    if user is not None:
        audit.record(session=ctx.db, action="user.password.reset_request", workspace_id=None,
                     user=user, ip=ctx.ip, now=ctx.now, object_type="user", object_id=user.id,
                     details={"delivery": delivery})
    if delivery == "unreachable":
        return ctx.render("admin/auth/forgot.html", status=503, **{
            **page, "email": email,
            "error": ctx._("We cannot send email right now. Try again in a few minutes, or "
                           "ask your administrator to run: shirube resetpassword EMAIL")})
    return ctx.render("admin/auth/forgot.html", **{**page, "email": email, "sent": True})


def register(site: AdminSite) -> None:
    both = ("GET", "POST")
    site.route("/", home, name="home", access="user")
    site.route("/login", login, name="login", access="public", methods=both)
    site.route("/login/totp", login_totp, name="login-totp", access="public", methods=both)
    site.route("/logout", logout, name="logout", access="user", methods=("POST",))
    site.route("/signup", signup, name="signup", access="public", methods=both)
    site.route("/password/forgot", forgot_password, name="password-forgot", access="public",
               methods=both)
    site.route("/password/{token}", password_link, name="password-link", access="public",
               methods=both)

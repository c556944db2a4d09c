"""Members (owner): list, change role, remove, invite; and accepting an invitation."""

from __future__ import annotations

from email.message import EmailMessage

from sqlmodel import col, select
from starlette.responses import Response

from ... import mail
from ...models import Workspace
from ...models.admin import AdminUser, Invitation, WorkspaceMember
from ...security.roles import is_role
from .. import accounts, audit
from ..context import AdminContext, Denied
from ..i18n import N_
from ..site import ROLE_LABELS, AdminSite, NavItem

MESSAGES = {
    "role": N_("Role changed."),
    "removed": N_("Member removed."),
    "revoked": N_("Invitation revoked."),
}


def _record(ctx: AdminContext, action: str, object_type: str, object_id: object,
            **details: object) -> None:
    audit.record(session=ctx.db, action=action, workspace_id=ctx.workspace.id,  # type: ignore[union-attr]
                 user=ctx.user, ip=ctx.ip, now=ctx.now, object_type=object_type,
                 object_id=object_id, details=dict(details))


def member_list(ctx: AdminContext, status: int = 200, errors: dict[str, str] | None = None,
                invite_values: dict[str, str] | None = None, link: str = "",
                mailed: str = "", mailed_to: str = "") -> Response:
    ws = ctx.workspace
    assert ws is not None
    members = ctx.db.exec(
        select(AdminUser, WorkspaceMember.role)
        .join(WorkspaceMember, WorkspaceMember.user_id == AdminUser.id)  # type: ignore[arg-type]
        .where(WorkspaceMember.workspace_id == ws.id).order_by(AdminUser.email)
    ).all()
    invitations = ctx.db.exec(
        select(Invitation).where(Invitation.workspace_id == ws.id,
                                 col(Invitation.accepted_at).is_(None),
                                 col(Invitation.revoked_at).is_(None),
                                 col(Invitation.expires_at) > ctx.now)
        .order_by(col(Invitation.created_at).desc())
    ).all()
    return ctx.render("admin/member/list.html", status=status, members=members,
                      invitations=invitations, errors=errors or {},
                      invite=invite_values or {"email": "", "role": "viewer"}, link=link,
                      mailed=mailed, invite_email=mailed_to,
                      mail_enabled=ctx.settings.mail_enabled,
                      message=MESSAGES.get(ctx.request.query_params.get("msg", ""), ""))


def _member(ctx: AdminContext) -> tuple[AdminUser, WorkspaceMember]:
    try:
        user_id = int(ctx.request.path_params["user_id"])
    except ValueError:
        raise Denied(404, ctx._("Not found.")) from None
    row = ctx.db.get(WorkspaceMember, (ctx.workspace.id, user_id))  # type: ignore[union-attr]
    user = ctx.db.get(AdminUser, user_id)
    if row is None or user is None:
        raise Denied(404, ctx._("Not found."))
    return user, row


def _last_owner(ctx: AdminContext, row: WorkspaceMember) -> bool:
    return row.role == "owner" and accounts.owner_count(
        session=ctx.db, workspace_id=ctx.workspace.id) <= 1  # type: ignore[union-attr]


def change_role(ctx: AdminContext) -> Response:
    user, row = _member(ctx)
    role = ctx.field("role")
    if not is_role(role):
        return member_list(ctx, 422, {"member": ctx._("Choose a role from the list.")})
    if role != "owner" and _last_owner(ctx, row):
        return member_list(ctx, 422, {"member": ctx._("A workspace needs at least one owner.")})
    before, row.role = row.role, role
    ctx.db.add(row)
    _record(ctx, "member.role.change", "user", user.email, before=before, after=role)
    return ctx.redirect("member-list", q_msg="role")


def remove(ctx: AdminContext) -> Response:
    user, row = _member(ctx)
    if _last_owner(ctx, row):
        return member_list(ctx, 422, {"member": ctx._("A workspace needs at least one owner.")})
    ctx.db.delete(row)
    _record(ctx, "member.remove", "user", user.email, role=row.role)
    return ctx.redirect("member-list", q_msg="removed")


def invite(ctx: AdminContext) -> Response:
    """Create an invitation and show its link once (no mail server needed)."""
    assert ctx.user is not None and ctx.workspace is not None
    values = {"email": ctx.field("email"), "role": ctx.field("role")}
    try:
        token, inv = accounts.create_invitation(
            session=ctx.db, workspace=ctx.workspace, email=values["email"], role=values["role"],
            invited_by=ctx.user, now=ctx.now, days=ctx.settings.invitation_days)
    except accounts.AccountError as exc:
        ctx.db.rollback()
        return member_list(ctx, 422, {exc.field or "email": ctx._(str(exc))}, values)
    link = ctx.settings.public_url.rstrip("/") + ctx.url("invite-accept", token=token)
    if not ctx.settings.mail_enabled:
        _record(ctx, "invitation.create", "invitation", inv.id, email=inv.email, role=inv.role)
        return member_list(ctx, link=link)
    ctx.db.commit()  # the invitation exists (its link shown) even if the mail server hangs
    problem = mail.deliver(ctx.settings, lambda: invitation_mail(ctx, inv, link),
                           what="invitation")
    _record(ctx, "invitation.create", "invitation", inv.id, email=inv.email, role=inv.role,
            emailed=not problem)
    return member_list(ctx, link=link, mailed="failed" if problem else "sent",
                       mailed_to=inv.email)


def invitation_mail(ctx: AdminContext, inv: Invitation, link: str) -> EmailMessage:
    """The invitation email, in the invitee's language if they have an account, else ours."""
    from .auth import mail_language

    assert ctx.user is not None and ctx.workspace is not None
    lang = mail_language(accounts.user_by_email(session=ctx.db, email=inv.email), ctx.lang)
    content = mail.render(ctx.runtime.jinja, ctx.runtime.catalogs[lang], lang,
                          "admin/member/mail_invitation.html", link=link,
                          inviter=ctx.user.name or ctx.user.email,
                          workspace_name=ctx.workspace.name, role_label=ROLE_LABELS[inv.role],
                          days=ctx.settings.invitation_days)
    return mail.compose(settings=ctx.settings, to=inv.email, content=content)


def revoke_invitation(ctx: AdminContext) -> Response:
    try:
        inv = ctx.db.get(Invitation, int(ctx.request.path_params["invitation_id"]))
    except ValueError:
        inv = None
    if inv is None or inv.workspace_id != ctx.workspace.id:  # type: ignore[union-attr]
        raise Denied(404, ctx._("Not found."))
    inv.revoked_at = ctx.now
    ctx.db.add(inv)
    _record(ctx, "invitation.revoke", "invitation", inv.id, email=inv.email)
    return ctx.redirect("member-list", q_msg="revoked")


def invite_accept(ctx: AdminContext) -> Response:
    """The invitee's page: sign in (existing account) or create an account, then join."""
    from .auth import start_session

    token = ctx.request.path_params["token"]
    inv = accounts.invitation_by_token(session=ctx.db, token=token, now=ctx.now)
    if inv is None:
        raise Denied(404, ctx._("This invitation has expired or was already used."))
    ws = ctx.db.get(Workspace, inv.workspace_id)
    existing = accounts.user_by_email(session=ctx.db, email=inv.email)
    page = {"invitation": inv, "invited_workspace": ws, "existing": existing is not None}
    if ctx.request.method == "GET":
        return ctx.render("admin/member/accept.html", error="", name="", **page)
    password = str(ctx.form.get("password", ""))
    try:
        if existing is not None:
            result = accounts.authenticate(session=ctx.db, email=inv.email, password=password,
                                           ip=ctx.ip, now=ctx.now)
            if result.user is None:
                return ctx.render("admin/member/accept.html", status=401, name="", **page,
                                  error=ctx._("The email or password is incorrect."))
            user = result.user
        else:
            user = accounts.create_user(session=ctx.db, email=inv.email,
                                        name=ctx.field("name"), password=password)
        accounts.accept_invitation(session=ctx.db, invitation=inv, user=user, now=ctx.now)
    except accounts.AccountError as exc:
        ctx.db.rollback()
        return ctx.render("admin/member/accept.html", status=422, name=ctx.field("name"),
                          error=ctx._(str(exc)), **page)
    ctx.user = user
    start_session(ctx, user, mfa_pending=user.totp_enabled)
    audit.record(session=ctx.db, action="invitation.accept", workspace_id=inv.workspace_id,
                 user=user, ip=ctx.ip, now=ctx.now, object_type="invitation", object_id=inv.id,
                 details={"role": inv.role})
    if user.totp_enabled:
        return ctx.redirect("login-totp")
    return ctx.redirect("environment-list", ws=ws.slug)  # type: ignore[union-attr]


def register(site: AdminSite) -> None:
    site.route("/w/{ws}/members", member_list, name="member-list", access="owner")
    site.route("/w/{ws}/members/{user_id}/role", change_role, name="member-role",
               access="owner", methods=("POST",))
    site.route("/w/{ws}/members/{user_id}/remove", remove, name="member-remove",
               access="owner", methods=("POST",))
    site.route("/w/{ws}/invitations", invite, name="invitation-create", access="owner",
               methods=("POST",))
    site.route("/w/{ws}/invitations/{invitation_id}/revoke", revoke_invitation,
               name="invitation-revoke", access="owner", methods=("POST",))
    site.route("/invite/{token}", invite_accept, name="invite-accept", access="public",
               methods=("GET", "POST"))
    site.nav(NavItem("members", "Members", "member-list", "owner", section="settings",
                     order=20, icon="users"))

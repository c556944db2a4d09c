"""Feature tags in the admin: list, create, edit (rename, rules), archive / restore.

Every change goes through server/features/service.py (the REST API's service), which
validates the rules and bumps the environment's guides_version when the SDK must see it.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from starlette.responses import Response

from ...features import service
from ...models import Feature
from .. import audit
from ..context import AdminContext, Denied
from ..i18n import N_
from . import forms, queries

RECENT_DAYS = 30
PAGE = 50
KIND_LABELS = {"click": N_("Click"), "url": N_("Page view"), "event": N_("Event")}
MATCH_LABELS = {"prefix": N_("starts with"), "exact": N_("is exactly"),
                "glob": N_("matches the pattern"), "regex": N_("matches the regular expression")}
STRICTNESS_LABELS = {
    "normal": N_("Normal — the first selector that matches, containing the text"),
    "strict": N_("Strict — the first selector must match exactly one element"),
    "loose": N_("Loose — the first selector that matches anything"),
}
MESSAGES = {
    "created": N_("Feature created. The SDK picks it up on its next bootstrap."),
    "saved": N_("Feature saved."),
    "archived": N_("Feature archived: no longer tagged; its usage stays readable."),
    "restored": N_("Feature restored."),
}


def find_feature(ctx: AdminContext) -> Feature:
    """The `{feature}` of the current environment (archived too), or 404."""
    assert ctx.environment is not None
    key = str(ctx.request.path_params.get("feature", ""))
    feature = service.get_feature(session=ctx.db, environment_id=ctx.environment.id,  # type: ignore[arg-type]
                                  key=key) if key else None
    if feature is None:
        raise Denied(404, ctx._("Not found."))
    return feature


def _record(ctx: AdminContext, action: str, key: str, **details: Any) -> None:
    assert ctx.workspace is not None and ctx.environment is not None
    audit.record(session=ctx.db, action=action, workspace_id=ctx.workspace.id, user=ctx.user,
                 ip=ctx.ip, now=ctx.now, object_type="feature",
                 object_id=f"{ctx.environment.name}/{key}", details=dict(details))


def labels() -> dict[str, Any]:
    return {"kind_labels": KIND_LABELS, "match_labels": MATCH_LABELS,
            "strictness_labels": STRICTNESS_LABELS, "summary": forms.summary}


def feature_list(ctx: AdminContext) -> Response:
    assert ctx.environment is not None
    params = ctx.request.query_params
    archived = params.get("archived") == "1"
    after = params.get("after", "")[:100] or None
    rows = service.list_features(session=ctx.db, environment_id=ctx.environment.id,  # type: ignore[arg-type]
                                 archived=archived, after=after, limit=PAGE)
    more = len(rows) > PAGE
    rows = list(rows[:PAGE])
    end = ctx.now.astimezone(UTC)
    users = queries.recent_users(session=ctx.db, environment_id=ctx.environment.id,  # type: ignore[arg-type]
                                 features=rows, start=end - timedelta(days=RECENT_DAYS),
                                 end=end)
    message = MESSAGES.get(params.get("msg", ""), "")
    return ctx.render("admin/features/list.html", rows=rows, users=users, archived=archived,
                      days=RECENT_DAYS, next_after=rows[-1].key if more and rows else None,
                      message=ctx._(message) if message else "", **labels())


def _form_page(ctx: AdminContext, form: forms.FeatureForm, *, feature: Feature | None,
               status: int = 200) -> Response:
    return ctx.render("admin/features/form.html", status=status, form=form, feature=feature,
                      kinds=forms.RULE_KINDS, matches=forms.URL_MATCHES,
                      strictness=forms.STRICTNESS, max_rules=forms.MAX_RULES, **labels())


def _with_added_row(ctx: AdminContext, form: forms.FeatureForm) -> bool:
    """The "Add a rule" button: one more blank row of that kind (nothing is saved)."""
    kind = ctx.field("add_rule")
    if kind not in forms.RULE_KINDS:
        return False
    if len(form.rows) < forms.MAX_RULES:
        form.rows.append(forms.blank_row(kind))
    return True


def feature_new(ctx: AdminContext) -> Response:
    return _form_page(ctx, forms.FeatureForm(rows=[forms.blank_row()]), feature=None)


def feature_create(ctx: AdminContext) -> Response:
    assert ctx.environment is not None
    form = forms.read_form(ctx)
    if _with_added_row(ctx, form):
        return _form_page(ctx, form, feature=None)
    rules = forms.validate(ctx, form, check_key=True)
    if not form.errors:
        try:
            service.create_feature(session=ctx.db, environment_id=ctx.environment.id,  # type: ignore[arg-type]
                                   key=form.key, name=form.name, rules=rules, now=ctx.now)
        except service.FeatureExists:
            form.errors["key"] = ctx._("A feature with this key already exists.")
    if form.errors:
        return _form_page(ctx, form, feature=None, status=422)
    _record(ctx, "feature.create", form.key, name=form.name, rules=len(rules))
    return ctx.redirect("feature-detail", feature=form.key, q_msg="created")


def feature_edit(ctx: AdminContext) -> Response:
    feature = find_feature(ctx)
    form = forms.FeatureForm(key=feature.key, name=feature.name,
                             rows=forms.rows_of(list(feature.rules)))
    return _form_page(ctx, form, feature=feature)


def feature_save(ctx: AdminContext) -> Response:
    feature = find_feature(ctx)
    form = forms.read_form(ctx)
    form.key = feature.key
    if _with_added_row(ctx, form):
        return _form_page(ctx, form, feature=feature)
    rules = forms.validate(ctx, form, check_key=False)
    if form.errors:
        return _form_page(ctx, form, feature=feature, status=422)
    renamed = form.name != feature.name
    changed = rules != list(feature.rules)
    service.update_feature(session=ctx.db, feature=feature, name=form.name if renamed else None,
                           rules=rules if changed else None)
    if renamed or changed:
        _record(ctx, "feature.update", feature.key, renamed=renamed, rules_changed=changed)
    return ctx.redirect("feature-detail", feature=feature.key, q_msg="saved")


def _archiver(archived: bool) -> Any:
    def view(ctx: AdminContext) -> Response:
        feature = find_feature(ctx)
        if feature.archived != archived:
            service.update_feature(session=ctx.db, feature=feature, archived=archived)
            _record(ctx, "feature.archive" if archived else "feature.unarchive", feature.key)
        return ctx.redirect("feature-detail", feature=feature.key,
                            q_msg="archived" if archived else "restored")

    view.__name__ = "feature_archive" if archived else "feature_unarchive"
    return view


feature_archive = _archiver(True)
feature_unarchive = _archiver(False)

"""*Pick in app* for a feature's click rule (docs/builder.md, docs/features.md).

GET `…/features/{feature}/pick?rule=N|new` shows the rule's current target and asks for
the page of the app to open; POST mints a builder token of scope `feature` (environment,
feature key, rule index or "new", author) and answers the link `URL#shirube-builder=TOKEN`
— the same flow as for guide steps (server/admin/builder/pages.py). The SDK's picker then
saves to POST /api/sdk/v1/builder/feature-target.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ...security.builder_tokens import BUILDER_TTL_SECONDS, sign_token
from ..builder.pages import app_url, with_fragment
from ..context import AdminContext
from .pages import _record, find_feature, labels


def _rule(raw: str, rules: list[dict[str, Any]]) -> int | str | None:
    """`new`, or the index of one of the feature's click rules; None otherwise."""
    if raw == "new":
        return "new"
    if raw.isdigit() and len(raw) < 4 and int(raw) < len(rules) \
            and rules[int(raw)].get("kind") == "click":
        return int(raw)
    return None


def feature_pick(ctx: AdminContext, status: int = 200, error: str = "",
                 link: str = "") -> Response:
    feature = find_feature(ctx)
    assert ctx.environment is not None
    rules = list(feature.rules)
    raw = ctx.field("rule") or ctx.request.query_params.get("rule", "new")
    rule = _rule(raw, rules)
    origins = ctx.environment.allowed_origins
    return ctx.render("admin/features/pick.html", status=status, feature=feature,
                      rule=rule if rule is not None else "new", error=error, link=link,
                      origins=origins, minutes=BUILDER_TTL_SECONDS // 60,
                      click_rules=[(i, r) for i, r in enumerate(rules)
                                   if r.get("kind") == "click"],
                      page_url=ctx.field("url") or (origins[0] + "/" if origins else ""),
                      **labels())


def feature_pick_open(ctx: AdminContext) -> Response:
    feature = find_feature(ctx)
    rule = _rule(ctx.field("rule"), list(feature.rules))
    if feature.archived:
        return feature_pick(ctx, 422, ctx._("Restore the feature first."))
    if rule is None:
        return feature_pick(ctx, 422, ctx._("Choose a click rule of this feature, or a new one."))
    url = app_url(ctx, ctx.field("url"))
    if url is None:
        return feature_pick(ctx, 422, ctx._("Enter a page URL on one of this environment's "
                                            "allowed origins (add the origin on the "
                                            "environment page)."))
    assert ctx.environment is not None and ctx.user is not None
    token = sign_token(secret=ctx.settings.secret_key, purpose="builder", now=ctx.now, claims={
        "scope": "feature", "env": ctx.environment.id, "feature": feature.key, "rule": rule,
        "author": ctx.user.id})
    _record(ctx, "feature.builder.open", feature.key, rule=rule, url=url[:300])
    return feature_pick(ctx, link=with_fragment(url, "shirube-builder", token))

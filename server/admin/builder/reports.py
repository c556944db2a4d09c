"""Two diagnostics pages: "Why didn't it show?" (one user, one guide: every check with
pass/fail and the value seen) and broken targets (steps whose element was not found)."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from ...delivery.broken_targets import broken_targets
from ...delivery.explain import explain_for_user, search_users
from ..context import AdminContext
from ..i18n import N_
from ..site import AdminSite, NavItem
from .pages import chosen_guide, env_guides

CHECK_LABELS = {
    "published": N_("Published"), "definition": N_("Definition"), "schedule": N_("Schedule"),
    "frequency": N_("Frequency"), "audience": N_("Audience"), "holdout": N_("Holdout"),
    "trigger": N_("Trigger"),
}
NAV = (N_("Why didn't it show?"), N_("Broken targets"))


def rule_text(rule: Any) -> str:
    """One line for an audience rule node ("user.plan in ["pro"]", "all of", …)."""
    if not isinstance(rule, dict):
        return "" if rule is None else json.dumps(rule, ensure_ascii=False)
    for group in ("all", "any"):
        if group in rule:
            return f"{group} of"
    if "not" in rule:
        return "not"
    value = json.dumps(rule.get("value"), ensure_ascii=False) if "value" in rule else ""
    if "attr" in rule:
        return f"{rule['attr']} {rule.get('op', '')} {value}".strip()
    if "segment" in rule:
        return f"segment {rule['segment']} {rule.get('op', '')}".strip()
    if "event" in rule:
        days = f" within {rule['within_days']} days" if rule.get("within_days") else ""
        return f"event {rule['event']} {rule.get('op', '')} {value}{days}".strip()
    return json.dumps(rule, ensure_ascii=False)


def seen_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def explain(ctx: AdminContext) -> Response:
    query = ctx.request.query_params
    assert ctx.environment is not None
    guide = chosen_guide(ctx, query.get("guide", ""))
    user_id = query.get("user", "").strip()[:255]
    q = query.get("q", "").strip()[:255]
    draft = query.get("draft") == "1"
    matches = search_users(session=ctx.db, environment_id=ctx.environment.id,  # type: ignore[arg-type]
                           q=q) if q else []
    result = None
    if guide is not None and user_id:
        result = explain_for_user(session=ctx.db, environment=ctx.environment, guide=guide,
                                  user_id=user_id, now=ctx.now, draft=draft)
    return ctx.render("admin/explain/show.html", guides=env_guides(ctx), guide=guide,
                      user_id=user_id, q=q, draft=draft, matches=matches, result=result,
                      labels=CHECK_LABELS, rule_text=rule_text, seen_text=seen_text)


def broken(ctx: AdminContext) -> Response:
    query = ctx.request.query_params
    assert ctx.environment is not None
    guide = chosen_guide(ctx, query.get("guide", ""))
    rows = broken_targets(session=ctx.db, environment_id=ctx.environment.id,  # type: ignore[arg-type]
                          now=ctx.now, guide_key=guide.key if guide else None)
    return ctx.render("admin/broken/list.html", guides=env_guides(ctx), guide=guide,
                      rows=[r.as_dict() for r in rows], days=7)


def register(site: AdminSite) -> None:
    base = "/w/{ws}/e/{env}"
    site.route(base + "/explain", explain, name="explain", access="viewer")
    site.route(base + "/broken-targets", broken, name="broken-targets", access="viewer")
    site.nav(NavItem("explain", NAV[0], "explain", "viewer", order=70))
    site.nav(NavItem("broken-targets", NAV[1], "broken-targets", "viewer", order=71))

"""One feature's page: its rules, who used it (users with their first use, accounts), uses
per day, CSV of the lists, and the in-app check of its click rules.

Usage is `features.usage.feature_usage` — the REST API's `/features/{key}/usage` — so
URL and event rules count retroactively and click rules from their creation on.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from starlette.responses import Response

from ...features.usage import feature_usage
from ..context import AdminContext, Denied
from ..surveys import charts
from ..surveys.period import parse_period
from .check import check_script
from .pages import MESSAGES, find_feature, labels

DEFAULT_DAYS = 30
PAGE = 50


def _page_number(ctx: AdminContext, name: str) -> int:
    raw = ctx.request.query_params.get(name, "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 7 and int(raw) > 0 else 1


def _usage(ctx: AdminContext) -> tuple[Any, Any, Any, dict[str, str]]:
    feature = find_feature(ctx)
    assert ctx.environment is not None
    period = parse_period(ctx, DEFAULT_DAYS)
    account = ctx.request.query_params.get("account", "").strip()[:255]
    start, end = period.bounds()
    usage = feature_usage(session=ctx.db, environment_id=ctx.environment.id,  # type: ignore[arg-type]
                          feature=feature, start=start, end=end, account_id=account or None)
    values = {**period.query(), "account": account}
    return feature, period, usage, values


def _per_day(usage: Any, period: Any) -> list[dict[str, Any]]:
    days = []
    day = period.first
    while day <= period.last:
        found = usage.days.get(day)
        days.append({"day": day, "events": found.events if found else 0,
                     "users": len(found.users) if found else 0})
        day += timedelta(days=1)
    return days


def feature_detail(ctx: AdminContext) -> Response:
    feature, period, usage, values = _usage(ctx)
    per_day = _per_day(usage, period)
    firsts = sorted(usage.first_use.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
    accounts = sorted(usage.accounts)
    upage, apage = _page_number(ctx, "upage"), _page_number(ctx, "apage")
    query = {k: v for k, v in values.items() if v}
    message = MESSAGES.get(ctx.request.query_params.get("msg", ""), "")
    return ctx.render(
        "admin/features/detail.html", status=400 if period.errors else 200, feature=feature,
        period=period, errors=period.errors, values=values, query=query,
        events=usage.events, user_count=len(usage.users), account_count=len(accounts),
        per_day=per_day,
        bars=charts.bars([d["events"] for d in per_day], [d["day"].isoformat() for d in per_day],
                         height=120, gap=1 if len(per_day) > 60 else 3),
        users=firsts[(upage - 1) * PAGE: upage * PAGE], upage=upage,
        users_more=len(firsts) > upage * PAGE,
        accounts=accounts[(apage - 1) * PAGE: apage * PAGE], apage=apage,
        accounts_more=len(accounts) > apage * PAGE,
        click_rules=[r for r in feature.rules if r.get("kind") == "click"],
        message=ctx._(message) if message else "", **labels(),
    )


def _cell(value: str) -> str:
    # Ids come from the customer's app: a leading = + - @ would run as a spreadsheet formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def feature_usage_csv(ctx: AdminContext) -> Response:
    """`?list=users` (user, first use ever) or `?list=accounts`, for the page's filters."""
    which = ctx.request.query_params.get("list", "users")
    if which not in ("users", "accounts"):
        raise Denied(400, ctx._("Choose users or accounts."))
    feature, period, usage, _values = _usage(ctx)
    if period.errors:
        raise Denied(400, "; ".join(period.errors.values()))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if which == "users":
        writer.writerow(("user_id", "first_used_at"))
        for user, first in usage.first_use.items():
            writer.writerow((_cell(user), first.isoformat()))
    else:
        writer.writerow(("account_id",))
        for account in sorted(usage.accounts):
            writer.writerow((_cell(account),))
    name = f"{feature.key}-{which}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def feature_check(ctx: AdminContext) -> Response:
    feature = find_feature(ctx)
    assert ctx.environment is not None
    rules = [(i, r, check_script(r)) for i, r in enumerate(feature.rules)
             if r.get("kind") == "click"]
    return ctx.render("admin/features/check.html", feature=feature, rules=rules,
                      origins=ctx.environment.allowed_origins, **labels())

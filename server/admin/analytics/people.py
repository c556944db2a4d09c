"""The people behind a count: list (paged), CSV, and "turn into a segment"."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from starlette.responses import RedirectResponse, Response

from ...models import Account, EndUser
from ...segments.definition import SegmentError
from ...segments.refresh import refresh_segments
from ...segments.service import SegmentExists, create_segment
from .. import audit
from ..context import AdminContext, Denied
from ..i18n import N_
from .common import account_url, user_url
from .definitions import DEFS
from .filters import Filters, fresh_rollups, freshness, parse_filters
from .sets import SNAPSHOT_MAX, PeopleSet, resolve_set, snapshot_rule
from .tables import Table, csv_response

PAGE = 50
LEVEL_LABELS = {"user": N_("Users"), "account": N_("Accounts")}


def _traits(ctx: AdminContext, level: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    t = (Account if level == "account" else EndUser).__table__  # type: ignore[union-attr]
    assert ctx.environment is not None
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(ids), 500):
        for ext, traits in ctx.db.execute(sa.select(t.c.external_id, t.c.traits).where(
                t.c.environment_id == ctx.environment.id, t.c.external_id.in_(ids[i:i + 500]))):
            out[ext] = traits or {}
    return out


def _title(ctx: AdminContext, people: PeopleSet) -> str:
    return ctx._(people.title, **people.values)


def _load(ctx: AdminContext, *, allow_stale: bool = True) -> tuple[Filters, PeopleSet]:
    fresh_rollups(ctx, allow_stale=allow_stale)
    f = parse_filters(ctx)
    return f, resolve_set(ctx, f)


def _set_query(ctx: AdminContext) -> dict[str, str]:
    return {k: v for k, v in ctx.request.query_params.items()
            if k not in ("from", "to", "segment", "offset", "environment")}


def people_list(ctx: AdminContext) -> Response:
    if "set" not in ctx.request.query_params:
        return ctx.redirect("analytics-overview")
    f, people = _load(ctx)
    try:
        offset = max(0, int(ctx.request.query_params.get("offset", "0")))
    except ValueError:
        offset = 0
    shown = people.ids[offset:offset + PAGE]
    traits = _traits(ctx, people.level, shown)
    profile = account_url if people.level == "account" else user_url
    rows = [{"id": i, "href": profile(ctx, f, i), "name": traits.get(i, {}).get("name"),
             "email": traits.get(i, {}).get("email"), "plan": traits.get(i, {}).get("plan"),
             "mrr": traits.get(i, {}).get("mrr")} for i in shown]
    q = _set_query(ctx)
    suggested = re.sub(r"[^a-z0-9]+", "-", _title(ctx, people).lower()).strip("-")[:60]
    return ctx.render(
        "admin/analytics/people.html", f=f, people=people, title=_title(ctx, people), rows=rows,
        offset=offset, limit=PAGE, total=len(people.ids), set_query=q,
        level_label=LEVEL_LABELS[people.level], snapshot_max=SNAPSHOT_MAX,
        suggested_key=suggested or "people",
        created=ctx.request.query_params.get("created"), tab="people", defs=DEFS,
        route="analytics-people", fresh=freshness(ctx),
        status=400 if f.errors else 200,
    )


def people_csv(ctx: AdminContext) -> Response:
    if "set" not in ctx.request.query_params:
        return ctx.redirect("analytics-overview")
    f, people = _load(ctx)
    if f.errors:
        raise Denied(400, " ".join(f.errors.values()))
    traits = _traits(ctx, people.level, people.ids)
    t = Table("people", people.title, [("id", "code"), ("name", "text"), ("email", "text"),
                                       ("plan", "text"), ("mrr", "number")])
    for i in people.ids:
        tr = traits.get(i, {})
        t.add(i, tr.get("name"), tr.get("email"), tr.get("plan"), tr.get("mrr"))
    label = "accounts" if people.level == "account" else "users"
    name = ctx.request.query_params.get("set", "people")
    return csv_response(t, ["id", "name", "email", "plan", "mrr"], f"{name}-{label}.csv")


def people_segment(ctx: AdminContext) -> Response:
    """Create a segment from the set (computed when live, else a snapshot), refresh it —
    from the current data: stored members are never computed from older data."""
    f, people = _load(ctx, allow_stale=False)
    assert ctx.environment is not None and ctx.environment.id is not None
    key = ctx.field("key")[:100]
    name = ctx.field("name")[:200] or _title(ctx, people)
    mode = ctx.field("mode") or ("computed" if people.computed else "snapshot")
    if mode == "computed" and people.computed is not None:
        kind, definition = "computed", people.computed
    else:
        if len(people.ids) > SNAPSHOT_MAX:
            raise Denied(400, ctx._("A snapshot segment holds at most %(n)s people.",
                                    n=f"{SNAPSHOT_MAX:,}"))
        kind, definition = "rule", snapshot_rule(people)
    try:
        segment = create_segment(session=ctx.db, environment_id=ctx.environment.id, key=key,
                                 name=name, kind=kind, definition=definition)
    except SegmentExists:
        raise Denied(409, ctx._("A segment with the key %(key)s already exists.",
                                key=key)) from None
    except SegmentError as exc:
        raise Denied(400, f"{exc.loc}: {exc}") from None
    refresh_segments(session=ctx.db, environment_id=ctx.environment.id, now=ctx.now,
                     keys=[segment.key])
    audit.record(session=ctx.db, action="segment.create", user=ctx.user, ip=ctx.ip,
                 workspace_id=ctx.workspace.id if ctx.workspace else None, now=ctx.now,
                 object_type="segment", object_id=segment.key,
                 details={"kind": kind, "from": ctx.request.query_params.get("set", "")})
    query = f.query(**_set_query(ctx), created=segment.key)
    return RedirectResponse(ctx.url("analytics-people") + "?" + urlencode(query),
                            status_code=303)

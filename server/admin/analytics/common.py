"""What every analytics page shares: filters, links to lists, tables, render and CSV."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from ..context import AdminContext, Denied
from ..i18n import N_
from .definitions import DEFS
from .filters import Filters, fresh_rollups, freshness, parse_filters, switch_env
from .tables import Table, csv_response

#: (route suffix, tab label) of the analytics pages, in tab order.
TABS: tuple[tuple[str, str], ...] = (
    ("overview", N_("Overview")), ("guides", N_("Guides")), ("features", N_("Features")),
    ("nps", N_("NPS")), ("loyalty", N_("Loyalty")), ("accounts", N_("Accounts")),
)


@dataclass
class Page:
    """What a page builder returns: its template values and its tables by id."""

    values: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)

    def table(self, t: Table) -> Table:
        self.tables[t.id] = t
        return t


Builder = Callable[[AdminContext, Filters], Page]


def _route(ctx: AdminContext, name: str) -> str:
    """`ctx.url(name) + "?"`, resolved once per request: a page links thousands of rows
    (every account of the health table) and each lookup walks the route table."""
    store: dict[str, str] | None = getattr(ctx.request.state, "analytics_routes", None)
    if store is None:
        store = {}
        ctx.request.state.analytics_routes = store
    if name not in store:
        store[name] = ctx.url(name) + "?"
    return store[name]


def people_url(ctx: AdminContext, f: Filters, **params: Any) -> str:
    """The list of the people behind a count (`set=…` and its parameters)."""
    return _route(ctx, "analytics-people") + f.qs(**params)


def user_url(ctx: AdminContext, f: Filters, user_id: str) -> str:
    return _route(ctx, "analytics-user") + f.qs(id=user_id)


def account_url(ctx: AdminContext, f: Filters, account_id: str) -> str:
    return _route(ctx, "analytics-account") + f.qs(id=account_id)


def has_route(ctx: AdminContext, name: str) -> bool:
    return any(getattr(r, "name", None) == name for r in ctx.runtime.site.routes)


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _prepare(ctx: AdminContext, route: str) -> tuple[Filters | None, Response | None]:
    moved = switch_env(ctx, route)
    if moved is not None:
        return None, moved
    fresh_rollups(ctx)
    return parse_filters(ctx), None


def page_view(name: str, build: Builder) -> Callable[[AdminContext], Response]:
    """The GET view of analytics page `name` (template admin/analytics/<name>.html)."""
    route = f"analytics-{name}"

    def view(ctx: AdminContext) -> Response:
        f, moved = _prepare(ctx, route)
        if moved is not None:
            return moved
        assert f is not None
        page = build(ctx, f)
        return ctx.render(f"admin/analytics/{name}.html", status=400 if f.errors else 200,
                          f=f, page=page, tables=page.tables, tab=name, tabs=TABS,
                          route=route, defs=DEFS, csv_route=f"{route}-csv",
                          people=lambda **p: people_url(ctx, f, **p),
                          user_url=lambda u: user_url(ctx, f, u),
                          account_url=lambda a: account_url(ctx, f, a),
                          fresh=freshness(ctx), **page.values)

    view.__name__ = f"analytics_{name}"
    view.__doc__ = f"The {name} dashboard (docs/dashboards.md)."
    return view


def csv_view(name: str, build: Builder) -> Callable[[AdminContext], Response]:
    """`<page>.csv?table=ID`: one table of the page with the same filters."""

    def view(ctx: AdminContext) -> Response:
        if "table" not in ctx.request.query_params:
            return ctx.redirect(f"analytics-{name}")
        fresh_rollups(ctx)
        f = parse_filters(ctx)
        if f.errors:
            raise Denied(400, " ".join(f.errors.values()))
        page = build(ctx, f)
        table = page.tables.get(ctx.request.query_params.get("table", ""))
        if table is None:
            raise Denied(404, ctx._("Not found."))
        labels = [ctx._(label) for label, _fmt in table.columns]
        assert ctx.environment is not None
        return csv_response(table, labels, f"{ctx.environment.name}-{name}-{table.id}"
                            f"-{f.first.isoformat()}-{f.last.isoformat()}.csv")

    view.__name__ = f"analytics_{name}_csv"
    return view

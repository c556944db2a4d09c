"""The filters every analytics page takes: period, environment and segment.

- **Period** `from`/`to`: whole UTC days, both included (the REST convention of
  docs/metrics.md); default the 30 days ending today. Figures "as of" a day (usage tiers,
  RFM, loyalty matrix, lifecycle, health) are taken as of the period's last day.
- **Environment**: the `{env}` of the path; the filter form's `environment` select sends
  the same query to another environment of the workspace (a redirect, see `switch_env`).
- **Segment** `segment=KEY`: a segment of the environment; its materialised members
  (`segment_member`, as of its last refresh) restrict every user set, and account sets
  to the accounts of those members. Rates are recomputed from the restricted sets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlmodel import col, select
from starlette.responses import RedirectResponse, Response

from ...metrics import cache, warm
from ...metrics.days import Period
from ...metrics.people import user_accounts
from ...metrics.rollup import refresh_rollups, rollups_pending
from ...models import Environment
from ...models.segment import Segment, SegmentMember
from ..context import AdminContext

DEFAULT_DAYS = 30
MAX_DAYS = 730


@dataclass
class Filters:
    """The parsed filters of one request (errors per field, defaults used instead)."""

    first: date
    last: date
    segment: Segment | None = None
    members: set[str] | None = None         # user ids of the segment (None: no filter)
    accounts: set[str] | None = None        # accounts of those users
    errors: dict[str, str] = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)
    environments: list[str] = field(default_factory=list)

    @property
    def period(self) -> Period:
        return Period.of(start=self.first, end=self.last)

    @property
    def as_of(self) -> date:
        return self.last

    def query(self, **extra: object) -> dict[str, str]:
        """The query string values that reproduce these filters (plus `extra`)."""
        out = {"from": self.first.isoformat(), "to": self.last.isoformat()}
        if self.segment is not None:
            out["segment"] = self.segment.key
        out.update({k: str(v) for k, v in extra.items() if v is not None and v != ""})
        return out

    def qs(self, **extra: object) -> str:
        return urlencode(self.query(**extra))

    def users(self, ids: Iterable[str]) -> list[str]:
        """`ids` restricted to the segment (sorted)."""
        return sorted(ids if self.members is None else (u for u in ids if u in self.members))

    def accounts_of(self, ids: Iterable[str]) -> list[str]:
        """Account ids restricted to the accounts of the segment's members (sorted)."""
        return sorted(ids if self.accounts is None else (a for a in ids if a in self.accounts))

    def restrict(self, ids: Iterable[str], level: str) -> list[str]:
        return self.accounts_of(ids) if level == "account" else self.users(ids)


def _day(ctx: AdminContext, name: str, errors: dict[str, str]) -> date | None:
    raw = ctx.request.query_params.get(name, "").strip()[:32]
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = ctx._("Enter a date as YYYY-MM-DD.")
        return None


def parse_filters(ctx: AdminContext, default_days: int = DEFAULT_DAYS) -> Filters:
    """The filters of the query string, resolved against the current environment."""
    assert ctx.environment is not None and ctx.workspace is not None
    env_id: int = ctx.environment.id  # type: ignore[assignment]
    errors: dict[str, str] = {}
    today = ctx.now.astimezone(UTC).date()
    last = _day(ctx, "to", errors) or today
    first = _day(ctx, "from", errors) or last - timedelta(days=default_days - 1)
    if first > last:
        errors["from"] = ctx._("The first day must not be after the last day.")
        first, last = today - timedelta(days=default_days - 1), today
    elif (last - first).days >= MAX_DAYS:
        errors["from"] = ctx._("A period is at most %(days)s days.", days=MAX_DAYS)
        first = last - timedelta(days=default_days - 1)
    segments = list(ctx.db.exec(select(Segment).where(Segment.environment_id == env_id)
                                .order_by(col(Segment.key))))
    out = Filters(first, last, errors=errors, segments=segments)
    key = ctx.request.query_params.get("segment", "").strip()[:100]
    if key:
        found = next((s for s in segments if s.key == key), None)
        if found is None:
            errors["segment"] = ctx._("No segment %(key)s in this environment.", key=key)
        else:
            out.segment = found
            m = SegmentMember.__table__  # type: ignore[attr-defined]
            out.members = set(ctx.db.execute(sa.select(m.c.user_id).where(
                m.c.environment_id == env_id, m.c.segment_key == key)).scalars())
            links = user_accounts(session=ctx.db, environment_id=env_id)
            out.accounts = {links[u] for u in out.members if u in links}
    out.environments = list(ctx.db.exec(select(Environment.name).where(
        Environment.workspace_id == ctx.workspace.id).order_by(col(Environment.name))))
    return out


def switch_env(ctx: AdminContext, route: str) -> Response | None:
    """A redirect to the same page in the environment chosen in the filter form, if any."""
    assert ctx.environment is not None
    wanted = ctx.request.query_params.get("environment", "").strip()
    if not wanted or wanted == ctx.environment.name:
        return None
    exists = ctx.db.exec(select(Environment.id).where(
        Environment.workspace_id == ctx.workspace.id, Environment.name == wanted)).first()  # type: ignore[union-attr]
    if exists is None:
        return None
    # The segment belongs to the old environment: it is not carried over.
    params = {k: v for k, v in ctx.request.query_params.items()
              if k not in ("environment", "segment")}
    path = ctx.url(route, env=wanted)
    return RedirectResponse(path + ("?" + urlencode(params) if params else ""), status_code=303)


def fresh_rollups(ctx: AdminContext, *, allow_stale: bool = True) -> None:
    """Fold events that arrived since the rollups' watermark (as the REST routes do) and
    commit them (background refreshes read with their own sessions), read the metrics
    cache's data version once for this request, allow figures up to
    SHIRUBE_METRICS_STALE_SECONDS old while they are recomputed (server/metrics/cache.py).
    The page shows how fresh its figures are (`freshness`, which also warms the default
    views). `allow_stale=False` (a request that stores what it
    computes, like a new segment's members): only figures of the current data."""
    assert ctx.environment is not None
    env_id: int = ctx.environment.id  # type: ignore[assignment]
    refreshed = rollups_pending(session=ctx.db, environment_id=env_id)
    if refreshed:
        refresh_rollups(session=ctx.db, environment_id=env_id, now=ctx.now)
        ctx.db.commit()
    cache.pin(ctx.db, env_id)  # one data-version read for the whole request
    cache.serve_stale(ctx.db, ctx.settings.metrics_stale_seconds, fresh=not allow_stale)
    ctx.db.info[_FOLDED] = refreshed


_FOLDED = "shirube.analytics.folded"


def freshness(ctx: AdminContext) -> cache.Freshness:
    """How fresh the figures this request computed are (oldest `computed_at`, stale) —
    called when the page is built, which is also when the default views are warmed in
    the background (server/metrics/warm.py): the page's own figures are cached by then,
    so none is computed twice."""
    assert ctx.environment is not None and ctx.environment.id is not None
    warm.after_rollups(ctx.db, ctx.environment.id, refreshed=bool(ctx.db.info.get(_FOLDED)),
                       today=ctx.now.astimezone(UTC).date(),
                       stale_seconds=ctx.settings.metrics_stale_seconds)
    return cache.freshness(ctx.db)

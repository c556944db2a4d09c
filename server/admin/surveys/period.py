"""The period filter of the results pages: whole UTC days, both ends included.

The same convention as the REST API (`?from=2026-10-01&to=2026-10-31` is October):
`bounds()` gives the half-open [start, end) the services take. Bad input is reported per
field (the page re-renders with the message) and the default is used instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from starlette.datastructures import QueryParams

from ..context import AdminContext

MAX_DAYS = 3660


@dataclass
class Period:
    first: date
    last: date
    errors: dict[str, str] = field(default_factory=dict)

    def bounds(self) -> tuple[datetime, datetime]:
        start = datetime.combine(self.first, time.min, tzinfo=UTC)
        return start, datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def query(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def _day(ctx: AdminContext, params: QueryParams, name: str, errors: dict[str, str]
         ) -> date | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10]) if len(raw) == 10 else date.fromisoformat(raw)
    except ValueError:
        errors[name] = ctx._("Enter a date as YYYY-MM-DD.")
        return None


def parse_period(ctx: AdminContext, default_days: int) -> Period:
    """`from`/`to` of the query string; default: the last `default_days` days to today."""
    params = ctx.request.query_params
    errors: dict[str, str] = {}
    today = ctx.now.astimezone(UTC).date()
    last = _day(ctx, params, "to", errors) or today
    first = _day(ctx, params, "from", errors) or last - timedelta(days=default_days - 1)
    if first > last:
        errors["from"] = ctx._("The first day must not be after the last day.")
        first, last = today - timedelta(days=default_days - 1), today
    elif (last - first).days >= MAX_DAYS:
        errors["from"] = ctx._("A period is at most %(days)s days.", days=MAX_DAYS)
        first = last - timedelta(days=default_days - 1)
    return Period(first, last, errors)

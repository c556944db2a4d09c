"""Members of computed segments, from the metrics layer (METRICS.md, named per kind).

One call computes every requested segment: each metric runs at most once per
(metric, parameters) however many segments read it (four loyalty cells: one matrix).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from typing import Any

from sqlmodel import Session

from ..metrics.adoption import usage_tiers
from ..metrics.churn import account_health
from ..metrics.days import day_number, day_start
from ..metrics.lifecycle import lifecycle_stages
from ..metrics.loyalty import loyalty_matrix
from ..metrics.people import account_members, nps_categories
from ..metrics.rfm import rfm


def computed_members(*, session: Session, environment_id: int,
                     segments: Iterable[tuple[str, dict[str, Any]]],
                     now: datetime) -> dict[str, set[str]]:
    """segment key -> user ids, for computed definitions (checked by definition.py)."""
    as_of = now.date()
    memo: dict[tuple[Any, ...], Any] = {}
    env = environment_id

    def once(key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        if key not in memo:
            memo[key] = build()
        return memo[key]

    out: dict[str, set[str]] = {}
    for key, d in segments:
        metric = d["metric"]
        if metric == "nps":  # METRICS.md "Surveys": the most recent answer decides
            cats = once(("nps",), lambda: nps_categories(
                session=session, environment_id=env, before=day_start(day_number(as_of) + 1)))
            out[key] = {u for u, c in cats.items() if c == d["category"]}
        elif metric == "rfm":  # METRICS.md "RFM (behavioural loyalty)"
            days = int(d.get("window_days", 90))
            table = once(("rfm", days), partial(rfm, session=session, environment_id=env,
                                                as_of=as_of, window_days=days))
            out[key] = {row.id for row in table.rows if row.segment == d["segment"]}
        elif metric == "loyalty":  # METRICS.md "Loyalty matrix"
            matrix = once(("loyalty",), lambda: loyalty_matrix(
                session=session, environment_id=env, as_of=as_of))
            out[key] = set(matrix.cells[d["cell"]])
        elif metric == "lifecycle":  # METRICS.md "Lifecycle stage"
            stages = once(("lifecycle",), lambda: lifecycle_stages(
                session=session, environment_id=env, as_of=as_of))
            out[key] = set(stages.stages[d["stage"]])
        elif metric == "usage_tier":  # METRICS.md "Feature adoption" — usage tier
            tiers = once(("tier",), lambda: usage_tiers(
                session=session, environment_id=env, as_of=as_of))
            out[key] = set(tiers.tiers[d["tier"]])
        elif metric == "health":  # METRICS.md "Churn and health" — account health score
            health = once(("health",), lambda: account_health(
                session=session, environment_id=env, as_of=as_of))
            members = once(("members",), lambda: account_members(
                session=session, environment_id=env))
            low = [row.account_id for row in health.rows if row.score < d["below"]]
            out[key] = {u for account in low for u in members.get(account, ())}
        else:  # pragma: no cover - definitions are checked on the way in
            raise ValueError(f"segment {key!r}: unknown metric {metric!r}")
    return out

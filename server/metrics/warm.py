"""Keeping the default dashboard views computed, so a first read is rarely a cold one.

The metrics result cache (cache.py) is per process. Its refreshes normally start when a
read finds a stale entry; `after_rollups` also starts them (in the background, through
`cache.warm`) for the figures of the default dashboard views — the 30 days ending today,
as of today, the arguments server/admin/analytics/calc.py passes with no filter — at the
two moments a process can know they are needed:

- right after a request folded new events into the rollups (`refresh_rollups` from the
  REST metrics routes and the admin dashboards: the only place it runs inside the web
  process), so the page a user opens next is usually computed already — at most once
  per `WARM_INTERVAL_SECONDS` per environment: with events arriving all the time a fold
  happens on almost every request, and recomputing every default view each time would
  keep the background threads busy for figures nobody reads; a figure that is read is
  refreshed by its own stale read anyway;
- on the first metrics or dashboard request of an environment in this process (after a
  restart the cache is empty), so the other pages are ready by the time they are opened.

Only when stale reads are allowed (`SHIRUBE_METRICS_STALE_SECONDS` > 0): with 0 every
figure is computed when asked and nothing runs in the background. The `python -m
server.metrics.rollup` job runs in its own process, whose cache no request reads, so it
warms nothing; the web process notices its watermark move (a new data version) and
refreshes what is read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from . import activity, adoption, cache, churn, lifecycle, loyalty, rfm
from .days import Period

#: Days of the default period (the dashboards' and the REST API's default).
DEFAULT_DAYS = 30
#: The lifecycle flow compares with the stages this many days earlier (calc.FLOW_DAYS).
FLOW_DAYS = 30

#: After a fold, the default views are warmed again only this long after the last time.
WARM_INTERVAL_SECONDS = 60.0

_lock = threading.Lock()
_last: dict[tuple[str, int], float] = {}  # (database, environment) -> time.monotonic()


def default_views(today: date) -> list[tuple[Callable[..., Any], dict[str, Any]]]:
    """(cached metric function, keyword arguments) of the default dashboard views. The
    cheap ones that heavier ones reuse (breadth inside lifecycle) come first."""
    period = Period.ending(as_of=today, days=DEFAULT_DAYS)
    return [
        (activity.active_ids, {"period": period, "level": "user"}),
        (activity.active_ids, {"period": period, "level": "account"}),
        (adoption.breadth, {"period": period, "level": "user"}),
        (adoption.usage_tiers, {"as_of": today}),
        (adoption.stickiness, {"period": period, "feature": None}),
        (loyalty.loyalty_matrix, {"as_of": today}),
        (rfm.rfm, {"as_of": today, "window_days": 90}),
        (lifecycle.lifecycle_stages, {"as_of": today}),
        (lifecycle.lifecycle_stages, {"as_of": today - timedelta(days=FLOW_DAYS)}),
        (churn.churn, {"period": period, "level": "user"}),
        (churn.churn, {"period": period, "level": "account"}),
        (churn.account_health, {"as_of": today}),
        (churn.ltv, {"period": period}),
        (adoption.breadth, {"period": period, "level": "account"}),
        (activity.active, {"period": period}),
        (rfm.rfm, {"as_of": today, "window_days": 90, "level": "account"}),
    ]


def after_rollups(session: Session, environment_id: int, *, refreshed: bool, today: date,
                  stale_seconds: float) -> int:
    """Warm the default views of one environment in the background when this process has
    not served the environment yet, or new events were just folded (`refreshed`) and the
    last warm-up is `WARM_INTERVAL_SECONDS` old; returns how many computations were
    scheduled. Call it after the refresh is committed."""
    if stale_seconds <= 0:
        return 0
    key, now = (str(session.get_bind().url), environment_id), time.monotonic()
    with _lock:
        last = _last.get(key)
        due = last is None or (refreshed and now - last >= WARM_INTERVAL_SECONDS)
        if due:
            _last[key] = now
    return cache.warm(session, environment_id, default_views(today)) if due else 0

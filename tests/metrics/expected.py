"""The expected figures, computed from the fixture's raw rows with plain Python.

Written from METRICS.md (and the parameter choices documented in docs/metrics.md), not
from server/metrics: no import from the code under test.
"""

from __future__ import annotations

import hashlib
import math
import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from .fixture import Data

EPOCH = date(1970, 1, 1)


def dnum(value: date | datetime) -> int:
    return ((value.date() if isinstance(value, datetime) else value) - EPOCH).days


def days_of(data: Data, key: str = "user_id") -> dict[str, set[int]]:
    out: dict[str, set[int]] = defaultdict(set)
    for e in data.events:
        if e[key] is not None:
            out[e[key]].add(dnum(e["timestamp"]))
    return out


def active(data: Data, first: int, last: int, key: str = "user_id") -> set[str]:
    return {s for s, days in days_of(data, key).items() if any(first <= d <= last for d in days)}


def number(value: Any) -> float | None:
    """JSON numbers only: strings and booleans are not amounts."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def account_of(data: Data) -> dict[str, str]:
    out = {}
    for user, acct, _ in sorted(data.memberships, key=lambda m: (m[0], m[2], m[1])):
        out[user] = acct
    return out


def user_money(data: Data, user: str) -> float:
    acct = account_of(data).get(user)
    if acct is not None and number(data.accounts[acct].get("mrr")) is not None:
        return number(data.accounts[acct]["mrr"])  # type: ignore[return-value]
    return number(data.users.get(user, {}).get("mrr")) or 0.0


def quintiles(values: dict[str, float], higher: bool = True) -> dict[str, int]:
    n = len(values)
    out = {}
    for k, v in values.items():
        worse = sum(1 for w in values.values() if (w < v if higher else w > v))
        out[k] = 1 + math.floor(5 * worse / n)
    return out


def latest_nps(data: Data, before: datetime) -> dict[str, int]:
    answers = [e for e in data.events if e["type"] == "survey_answered"
               and e["properties"].get("kind") == "nps" and e["timestamp"] < before
               and isinstance(e["properties"].get("score"), int | float)
               and not isinstance(e["properties"].get("score"), bool)
               and 0 <= e["properties"]["score"] <= 10 and e["user_id"]]
    out = {}
    for e in sorted(answers, key=lambda e: e["timestamp"]):
        out[e["user_id"]] = e["properties"]["score"]
    return out


def category(score: float) -> str:
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def midnight_after(as_of: date) -> datetime:
    from datetime import UTC

    return datetime.combine(as_of + timedelta(days=1), datetime.min.time(), UTC)


def funnel(data: Data, guide: str, first: int, last: int) -> dict[str, Any]:
    evs = [e for e in data.events if e["guide"] == guide and e["user_id"]
           and first <= dnum(e["timestamp"]) <= last]
    users = lambda t: sorted({e["user_id"] for e in evs if e["type"] == t})  # noqa: E731
    steps = [sorted({e["user_id"] for e in evs if e["type"] == "step_seen" and e["step"] == i})
             for i in range(3)]
    return {"seen": users("guide_seen"), "completed": users("guide_completed"),
            "dismissed": users("guide_dismissed"), "steps": steps}


def hashed_holdout(user: str, guide: str, percent: float) -> bool:
    digest = hashlib.sha256(f"{guide}:{user}".encode()).digest()
    return int.from_bytes(digest[:8], "big") * 100 / 2**64 < percent


def lift(data: Data, guide: str, first: int, last: int, goal: str, within: int,
         percent: float) -> dict[str, Any]:
    from datetime import UTC

    start = datetime.combine(EPOCH + timedelta(days=first), datetime.min.time(), UTC)
    end = datetime.combine(EPOCH + timedelta(days=last + 1), datetime.min.time(), UTC)
    first_seen: dict[str, datetime] = {}
    for e in data.events:
        if e["guide"] == guide and e["type"] == "guide_seen" and e["timestamp"] < end:
            u = e["user_id"]
            first_seen[u] = min(first_seen.get(u, e["timestamp"]), e["timestamp"])
    shown = {u: t for u, t in first_seen.items() if t >= start}
    held_start: dict[str, datetime] = {}
    for e in data.events:
        u = e["user_id"]
        if u and start <= e["timestamp"] < end and u not in first_seen \
                and hashed_holdout(u, guide, percent):
            midnight = datetime.combine(e["timestamp"].date(), datetime.min.time(), UTC)
            held_start[u] = min(held_start.get(u, midnight), midnight)

    def converted(starts: dict[str, datetime]) -> list[str]:
        return sorted(u for u, t in starts.items() if any(
            e["user_id"] == u and (e["name"] == goal or (e["name"] is None and e["type"] == goal))
            and t <= e["timestamp"] < t + timedelta(days=within) for e in data.events))

    return {"shown": sorted(shown), "shown_converted": converted(shown),
            "holdout": sorted(held_start), "holdout_converted": converted(held_start)}


def rfm_rows(data: Data, as_of: date, window: int = 90) -> dict[str, tuple[int, int, int]]:
    last = dnum(as_of)
    days = {u: {d for d in ds if d <= last} for u, ds in days_of(data).items()}
    days = {u: ds for u, ds in days.items() if ds}
    rec = {u: float(last - max(ds)) for u, ds in days.items()}
    freq = {u: float(sum(1 for d in ds if d > last - window)) for u, ds in days.items()}
    money = {u: user_money(data, u) for u in days}
    r, f, m = quintiles(rec, higher=False), quintiles(freq), quintiles(money)
    return {u: (r[u], f[u], m[u]) for u in days}


def median_money(data: Data, as_of: date) -> float:
    users = [u for u, ds in days_of(data).items() if min(ds) <= dnum(as_of)]
    return float(statistics.median([user_money(data, u) for u in users]))


def breadth(data: Data, first: int, last: int, key: str = "user_id") -> dict[str, int]:
    out: dict[str, set[str]] = defaultdict(set)
    for e in data.events:
        if e["type"] == "feature_used" and e[key] and first <= dnum(e["timestamp"]) <= last:
            out[e[key]].add(e["name"])
    return {k: len(v) for k, v in out.items()}

"""The loyalty matrix, profitability × NPS (METRICS.md "Loyalty matrix")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from .activity import known_select
from .cache import cached
from .days import day_number, day_start
from .people import (
    NpsCategory,
    monetary_histogram,
    nps_categories,
    survey_users,
    user_monetary,
)

#: (high profitability?, NPS category) → cell, and what the source material suggests.
CELLS: dict[tuple[bool, NpsCategory], str] = {
    (True, "promoter"): "A", (True, "passive"): "B", (True, "detractor"): "C",
    (False, "promoter"): "D", (False, "passive"): "E", (False, "detractor"): "F",
}
ACTIONS: dict[str, str] = {
    "A": "loyal customers — protect, ask for referrals/case studies",
    "B": "loyal candidates — move them to A",
    "C": "good customers at risk — fix their pain first",
    "D": "advocates who spend little — find the barrier (price, access)",
    "E": "indifferent — low priority",
    "F": "furthest from loyalty — lowest priority",
}


@cached
def monetary_threshold(*, session: Session, environment_id: int, as_of: date,
                       monetary_trait: str = "mrr") -> float:
    """METRICS.md "Loyalty matrix" — the default threshold: the median monetary value.

    The median is over every user first seen on or before `as_of` (monetary as in
    people.user_monetary, 0 when missing); 0 when there is nobody.
    """
    hist = monetary_histogram(session=session, environment_id=environment_id,
                              users=known_select(environment_id=environment_id,
                                                 as_of=day_number(as_of)),
                              monetary_trait=monetary_trait)
    return histogram_median(hist) or 0.0


def histogram_median(hist: list[tuple[float, int]]) -> float | None:
    """The median of values given as ascending (value, count) pairs (mean of the two middle)."""
    n = sum(count for _, count in hist)
    if n == 0:
        return None
    wanted = sorted({(n - 1) // 2, n // 2})
    found: list[float] = []
    seen = 0
    for value, count in hist:
        while wanted and wanted[0] < seen + count:
            found.append(value)
            wanted.pop(0)
        seen += count
    return (found[0] + found[-1]) / 2


@dataclass(frozen=True, slots=True)
class LoyaltyMatrix:
    threshold: float
    cells: dict[str, list[str]]  # "A" … "F" → user ids, sorted


@cached
def loyalty_matrix(*, session: Session, environment_id: int, as_of: date,
                   threshold: float | None = None,
                   monetary_trait: str = "mrr") -> LoyaltyMatrix:
    """METRICS.md "Loyalty matrix (profitability × NPS)" — cells A–F.

    Users with an NPS answer on or before `as_of` (their most recent one decides the
    category); high profitability = monetary ≥ `threshold` (default: the median, see
    monetary_threshold).
    """
    if threshold is None:
        threshold = monetary_threshold(session=session, environment_id=environment_id,
                                       as_of=as_of, monetary_trait=monetary_trait)
    categories = nps_categories(session=session, environment_id=environment_id,
                                before=day_start(day_number(as_of) + 1))
    money = user_monetary(session=session, environment_id=environment_id,
                          users=survey_users(environment_id), monetary_trait=monetary_trait)
    cells: dict[str, list[str]] = {c: [] for c in "ABCDEF"}
    for user in sorted(categories):
        cells[CELLS[(money[user] >= threshold, categories[user])]].append(user)
    return LoyaltyMatrix(threshold, cells)

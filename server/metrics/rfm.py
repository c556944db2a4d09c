"""RFM — behavioural loyalty (METRICS.md "RFM (behavioural loyalty)")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from .activity import Level, recency_frequency, recency_frequency_select
from .cache import cached
from .days import Period, day_number, quintile_scores
from .people import account_monetary, with_monetary

#: Named segments from (R, FM), FM = the F and M scores averaged, rounded half up:
#: (segment, R scores, FM scores). Every (R, FM) pair of 1–5 × 1–5 is in exactly one row;
#: tests/metrics/test_rfm_segments.py has a test per row.
SEGMENTS: tuple[tuple[str, range, range], ...] = (
    ("Champions",           range(5, 6), range(4, 6)),
    ("Loyal",               range(3, 5), range(4, 6)),
    ("Potential loyalists", range(4, 6), range(2, 4)),
    ("New",                 range(5, 6), range(1, 2)),
    ("Promising",           range(4, 5), range(1, 2)),
    ("Need attention",      range(3, 4), range(3, 4)),
    ("About to sleep",      range(3, 4), range(1, 3)),
    ("At risk",             range(1, 3), range(3, 5)),
    ("Cannot lose",         range(1, 3), range(5, 6)),
    ("Hibernating",         range(2, 3), range(1, 3)),
    ("Hibernating",         range(1, 2), range(2, 3)),
    ("Lost",                range(1, 2), range(1, 2)),
)
SEGMENT_NAMES: tuple[str, ...] = tuple(dict.fromkeys(name for name, _, _ in SEGMENTS))


def fm_score(f: int, m: int) -> int:
    """The combined F·M score: the mean of F and M, rounded half up."""
    return (f + m + 1) // 2


def segment_of(r: int, fm: int) -> str:
    """The named segment of an (R, FM) pair of scores, from the SEGMENTS table."""
    for name, rs, fms in SEGMENTS:
        if r in rs and fm in fms:
            return name
    raise ValueError(f"scores out of range: R={r}, FM={fm}")


@dataclass(frozen=True, slots=True)
class RfmRow:
    id: str
    recency_days: int
    frequency: int
    monetary: float
    r: int
    f: int
    m: int
    segment: str


@dataclass(frozen=True, slots=True)
class Rfm:
    rows: list[RfmRow]  # sorted by id

    def segments(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {name: [] for name in SEGMENT_NAMES}
        for row in self.rows:
            out[row.segment].append(row.id)
        return out


@cached
def rfm(*, session: Session, environment_id: int, as_of: date, window_days: int = 90,
        monetary_trait: str = "mrr", level: Level = "user") -> Rfm:
    """METRICS.md "RFM (behavioural loyalty)" — scores and named segments.

    Subjects: users (or accounts) with any event on or before `as_of`. Recency = days
    from the last active day to `as_of`; Frequency = active days in the `window_days`
    ending on `as_of`; Monetary = `monetary_trait` (the account's when grouped, see
    people.py). Each is scored 1–5 by quintile within the environment
    (days.quintile_scores: 5 = most recent / most frequent / highest, ties equal); the
    segment comes from (R, FM) through SEGMENTS.
    """
    window = Period.ending(as_of=as_of, days=window_days)
    if level == "user":
        base = recency_frequency_select(environment_id=environment_id, as_of=day_number(as_of),
                                        window=window).subquery()
        rf, money = {}, {}
        for sid, last_day, n, value in session.execute(with_monetary(
                session, base, environment_id=environment_id,
                monetary_trait=monetary_trait)).all():
            rf[sid], money[sid] = (int(last_day), int(n or 0)), float(value)
    else:
        rf = recency_frequency(session=session, environment_id=environment_id,
                               as_of=day_number(as_of), window=window, level=level)
        by_account = account_monetary(session=session, environment_id=environment_id,
                                      monetary_trait=monetary_trait)
        money = {a: by_account.get(a, 0.0) for a in rf}
    last = day_number(as_of)
    recency = {s: float(last - d) for s, (d, _) in rf.items()}
    r = quintile_scores(recency, higher_is_better=False)
    f = quintile_scores({s: float(n) for s, (_, n) in rf.items()})
    m = quintile_scores(money)
    rows = [RfmRow(s, int(recency[s]), rf[s][1], money[s], r[s], f[s], m[s],
                   segment_of(r[s], fm_score(f[s], m[s])))
            for s in sorted(rf)]
    return Rfm(rows)

"""Survey maths: NPS with its 95% margin of error, CES, CSAT. Pure functions.

Definitions are METRICS.md "Surveys", implemented here once; the REST API
(`/api/v1/metrics/nps|ces|csat`) and the dashboards call these through
server/surveys/results.py, which picks the answers (each user's most recent NPS answer
in the period) and hands them here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: METRICS.md: "Below n = 400 the dashboard says the score is not yet stable."
STABLE_N = 400
#: METRICS.md: CES "easy" is ≥ 5 of 7, ≥ 4 of 5 — stated with every result.
CES_EASY_THRESHOLD = {7: 5, 5: 4}
#: METRICS.md: CSAT 1–5, report % of 4–5.
CSAT_SATISFIED_FROM = 4


def _round_half_up(value: float) -> int:
    """Round to the nearest integer, halves away from zero (12.5 → 13, −12.5 → −13)."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def nps_category(score: int) -> str:
    """METRICS.md: promoters 9–10, passives 7–8, detractors 0–6."""
    if score >= 9:
        return "promoter"
    return "passive" if score >= 7 else "detractor"


def moe95(promoters: int, detractors: int, n: int) -> float | None:
    """METRICS.md: MOE95 = 1.96 · √((p⁺ + p⁻ − s²) / n) · 100, with s = p⁺ − p⁻;
    in NPS points, rounded to one decimal. None when n = 0."""
    if n <= 0:
        return None
    p_plus, p_minus = promoters / n, detractors / n
    s = p_plus - p_minus
    variance = max(p_plus + p_minus - s * s, 0.0)
    return round(1.96 * math.sqrt(variance / n) * 100, 1)


def nps(scores: Iterable[int]) -> dict[str, Any]:
    """NPS of 0–10 scores (one per user: the caller picks each user's latest answer).

    → {n, promoters, passives, detractors, nps (int −100..100, None when n = 0),
       moe95 (None when n = 0), stable (n ≥ 400)}. NPS = %promoters − %detractors,
    rounded half away from zero. Scores outside 0–10 are a ValueError.
    """
    counts = {"promoter": 0, "passive": 0, "detractor": 0}
    for score in scores:
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
            raise ValueError(f"NPS score must be an integer 0–10, got {score!r}")
        counts[nps_category(score)] += 1
    n = sum(counts.values())
    p, d = counts["promoter"], counts["detractor"]
    return {
        "n": n,
        "promoters": p,
        "passives": counts["passive"],
        "detractors": d,
        "nps": _round_half_up(100 * (p - d) / n) if n else None,
        "moe95": moe95(p, d, n),
        "stable": n >= STABLE_N,
    }


def nps_distribution(scores: Iterable[int]) -> list[int]:
    """How many answers gave each score 0..10 (index = score)."""
    out = [0] * 11
    for score in scores:
        out[score] += 1
    return out


@dataclass(frozen=True, slots=True)
class CesAnswer:
    score: int
    scale: int  # 5 or 7: the scale is stored with each answer (METRICS.md)


def ces(answers: Iterable[CesAnswer | tuple[int, int]]) -> list[dict[str, Any]]:
    """CES per scale: [{scale, n, mean (2 decimals), easy, easy_share (%, 1 decimal),
    easy_threshold}], ordered by scale. Answers on different scales are never averaged
    together. "Easy" = score ≥ threshold (≥ 5 of 7, ≥ 4 of 5)."""
    by_scale: dict[int, list[int]] = {}
    for item in answers:
        score, scale = (item.score, item.scale) if isinstance(item, CesAnswer) else item
        if scale not in CES_EASY_THRESHOLD or not 1 <= score <= scale:
            raise ValueError(f"CES answer {score!r} on scale {scale!r} is not 1–5 or 1–7")
        by_scale.setdefault(scale, []).append(score)
    out = []
    for scale in sorted(by_scale):
        scores = by_scale[scale]
        threshold = CES_EASY_THRESHOLD[scale]
        easy = sum(1 for s in scores if s >= threshold)
        out.append({
            "scale": scale,
            "n": len(scores),
            "mean": round(sum(scores) / len(scores), 2),
            "easy": easy,
            "easy_share": round(100 * easy / len(scores), 1),
            "easy_threshold": threshold,
        })
    return out


def csat(scores: Iterable[int]) -> dict[str, Any]:
    """CSAT of 1–5 scores → {n, satisfied (4–5), csat (% satisfied, 1 decimal; None if n=0)}."""
    n = satisfied = 0
    for score in scores:
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise ValueError(f"CSAT score must be an integer 1–5, got {score!r}")
        n += 1
        satisfied += score >= CSAT_SATISFIED_FROM
    return {"n": n, "satisfied": satisfied,
            "csat": round(100 * satisfied / n, 1) if n else None}

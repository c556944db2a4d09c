"""NPS, MOE95, CES and CSAT on fixed fixtures; every expected value is worked by hand below.

Definitions: METRICS.md "Surveys".
"""

from __future__ import annotations

import pytest

from server.metrics.surveys import ces, csat, moe95, nps, nps_category, nps_distribution


def test_no_answers_give_no_score_and_no_margin() -> None:
    # n = 0: no percentages exist; the API shows null rather than a misleading 0.
    assert nps([]) == {"n": 0, "promoters": 0, "passives": 0, "detractors": 0, "nps": None,
                       "moe95": None, "stable": False}
    assert ces([]) == []
    assert csat([]) == {"n": 0, "satisfied": 0, "csat": None}


def test_all_detractors_score_minus_100_with_zero_margin() -> None:
    # 5 answers 0,3,6,6,2 are all 0–6 → p⁺ = 0, p⁻ = 1, NPS = 0 − 100 = −100.
    # s = −1, p⁺ + p⁻ − s² = 1 − 1 = 0 → MOE = 0.0 (no variance: everyone agrees).
    result = nps([0, 3, 6, 6, 2])
    assert result["nps"] == -100 and result["detractors"] == 5
    assert result["moe95"] == 0.0


def test_a_single_answer() -> None:
    # n = 1, score 9 → a promoter: NPS = 100 − 0 = +100; MOE = 1.96·√((1 + 0 − 1)/1)·100 = 0.
    assert nps([9]) == {"n": 1, "promoters": 1, "passives": 0, "detractors": 0, "nps": 100,
                        "moe95": 0.0, "stable": False}
    # n = 1, score 7 → a passive: NPS = 0; MOE = 1.96·√((0 + 0 − 0)/1)·100 = 0.
    assert nps([7])["nps"] == 0 and nps([7])["passives"] == 1


@pytest.mark.parametrize(("n", "expected"), [(100, 14.7), (400, 7.3), (2000, 3.3)])
def test_moe95_matches_the_metrics_md_checks(n: int, expected: float) -> None:
    # 40% promoters, 20% detractors, NPS +20: p⁺ + p⁻ − s² = 0.4 + 0.2 − 0.04 = 0.56.
    # n=100:  1.96·√(0.56/100)  = 1.96·0.074833 = 0.14667 → ±14.7
    # n=400:  1.96·√(0.56/400)  = 1.96·0.037417 = 0.07334 → ±7.3
    # n=2000: 1.96·√(0.56/2000) = 1.96·0.016733 = 0.03280 → ±3.3
    promoters, detractors = n * 40 // 100, n * 20 // 100
    scores = [10] * promoters + [8] * (n - promoters - detractors) + [4] * detractors
    result = nps(scores)
    assert result["nps"] == 20
    assert result["moe95"] == expected == moe95(promoters, detractors, n)
    assert result["stable"] is (n >= 400)


def test_a_small_mixed_fixture() -> None:
    # Scores 10, 9, 8, 7, 6, 0, 10, 3: promoters {10, 9, 10} = 3, passives {8, 7} = 2,
    # detractors {6, 0, 3} = 3, n = 8. NPS = 37.5 − 37.5 = 0.
    # p⁺ = p⁻ = 0.375, s = 0 → √(0.75/8) = 0.30619 → 1.96·30.619 = 60.01 → ±60.0.
    result = nps([10, 9, 8, 7, 6, 0, 10, 3])
    assert (result["promoters"], result["passives"], result["detractors"]) == (3, 2, 3)
    assert result["nps"] == 0 and result["moe95"] == 60.0
    assert nps_distribution([10, 9, 8, 7, 6, 0, 10, 3]) == [1, 0, 0, 1, 0, 0, 1, 1, 1, 1, 2]


def test_nps_rounds_half_away_from_zero() -> None:
    # 1 promoter of 8 = 12.5% → +13 (not banker's 12); 1 detractor of 8 → −12.5 → −13.
    assert nps([10] + [8] * 7)["nps"] == 13
    assert nps([0] + [8] * 7)["nps"] == -13


def test_category_boundaries() -> None:
    assert [nps_category(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor", "detractor", "passive", "passive", "promoter", "promoter"]


def test_nps_rejects_scores_off_the_scale() -> None:
    for bad in (11, -1, 5.5, True):
        with pytest.raises(ValueError):
            nps([bad])  # type: ignore[list-item]


def test_ces_reports_mean_and_easy_share_per_scale_with_the_threshold() -> None:
    # 1–7 answers 7, 5, 4, 2: mean = 18/4 = 4.5; easy (≥ 5) = {7, 5} = 2 of 4 = 50.0%.
    # 1–5 answers 4, 3, 5: mean = 12/3 = 4.0; easy (≥ 4) = {4, 5} = 2 of 3 = 66.7%.
    result = ces([(7, 7), (5, 7), (4, 7), (2, 7), (4, 5), (3, 5), (5, 5)])
    assert result == [
        {"scale": 5, "n": 3, "mean": 4.0, "easy": 2, "easy_share": 66.7, "easy_threshold": 4},
        {"scale": 7, "n": 4, "mean": 4.5, "easy": 2, "easy_share": 50.0, "easy_threshold": 5},
    ]


def test_ces_single_answer_and_bad_scale() -> None:
    # n = 1, 3 of 7: mean 3.0, not easy (3 < 5) → 0.0%.
    assert ces([(3, 7)]) == [{"scale": 7, "n": 1, "mean": 3.0, "easy": 0, "easy_share": 0.0,
                              "easy_threshold": 5}]
    with pytest.raises(ValueError):
        ces([(3, 10)])
    with pytest.raises(ValueError):
        ces([(6, 5)])


def test_csat_is_the_share_of_4_and_5() -> None:
    # 5, 4, 3, 1, 4, 2: satisfied {5, 4, 4} = 3 of 6 = 50.0%.
    assert csat([5, 4, 3, 1, 4, 2]) == {"n": 6, "satisfied": 3, "csat": 50.0}
    # 2 of 3 = 66.666… → 66.7; n = 1 with a 4 → 100.0.
    assert csat([5, 5, 1])["csat"] == 66.7
    assert csat([4]) == {"n": 1, "satisfied": 1, "csat": 100.0}
    with pytest.raises(ValueError):
        csat([0])

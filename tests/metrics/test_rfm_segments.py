"""The RFM segment table (server/metrics/rfm.py SEGMENTS): one test per row, plus coverage."""

from __future__ import annotations

import pytest

from server.metrics.rfm import SEGMENT_NAMES, SEGMENTS, fm_score, segment_of

# The table as the product describes it, written out cell by cell: (segment, R, FM).
ROWS = [
    ("Champions", [5], [4, 5]),
    ("Loyal", [3, 4], [4, 5]),
    ("Potential loyalists", [4, 5], [2, 3]),
    ("New", [5], [1]),
    ("Promising", [4], [1]),
    ("Need attention", [3], [3]),
    ("About to sleep", [3], [1, 2]),
    ("At risk", [1, 2], [3, 4]),
    ("Cannot lose", [1, 2], [5]),
    ("Hibernating", [2], [1, 2]),
    ("Hibernating", [1], [2]),
    ("Lost", [1], [1]),
]


@pytest.mark.parametrize("name,rs,fms", ROWS, ids=[f"{r[0]}-R{r[1]}" for r in ROWS])
def test_segment_table_row(name: str, rs: list[int], fms: list[int]) -> None:
    for r in rs:
        for fm in fms:
            assert segment_of(r, fm) == name


def test_every_score_pair_is_in_exactly_one_row_and_all_eleven_names_exist() -> None:
    for r in range(1, 6):
        for fm in range(1, 6):
            assert sum(1 for _, rs, fms in SEGMENTS if r in rs and fm in fms) == 1, (r, fm)
    assert set(SEGMENT_NAMES) == {n for n, _, _ in ROWS} and len(SEGMENT_NAMES) == 11
    assert len(SEGMENTS) == len(ROWS)


def test_fm_is_the_mean_of_f_and_m_rounded_half_up() -> None:
    assert [fm_score(1, 1), fm_score(1, 2), fm_score(4, 5), fm_score(2, 4)] == [1, 2, 5, 3]


def test_scores_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="R=0"):
        segment_of(0, 3)

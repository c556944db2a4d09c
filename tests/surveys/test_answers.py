"""Parsing one survey_answered event: scales, ranges, sanitised comments (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from server.surveys.answers import MAX_COMMENT, parse_answer, sanitise_text

TS = datetime(2026, 11, 20, 8, tzinfo=UTC)


def parse(props: dict, **kw):  # type: ignore[no-untyped-def]
    args = {"uuid": "e1", "user_id": "u", "account_id": None, "guide": "s", "step": 0,
            "properties": props, "timestamp": TS, **kw}
    return parse_answer(**args)


def test_nps_score_sets_scale_10_and_category() -> None:
    a = parse({"kind": "nps", "score": 6})
    assert (a.kind, a.score, a.scale, a.category) == ("nps", 6, 10, "detractor")
    assert a.asked_at == TS  # no asked_at: the event time


def test_ces_keeps_its_scale_and_defaults_to_seven() -> None:
    assert (parse({"kind": "ces", "score": 5, "scale": 5}).scale) == 5
    assert parse({"kind": "ces", "score": 6}).scale == 7
    assert parse({"kind": "ces", "score": 6, "scale": 5}) is None  # 6 is off a 1–5 scale
    assert parse({"kind": "csat", "score": 5}).scale == 5


def test_scores_off_the_scale_or_of_the_wrong_type_are_not_stored() -> None:
    for props in ({"score": 11}, {"score": -1}, {"score": "9"}, {"score": True},
                  {"score": 7.5}, {"kind": "csat", "score": 0}, {"kind": "nope", "score": 5}):
        assert parse(props) is None, props
    assert parse({"score": 9.0}).score == 9  # a JSON number that is a whole number


def test_comment_only_and_followup_answers_are_partial_answers() -> None:
    a = parse({"kind": "nps", "comment": "later"})
    assert a.score is None and a.comment == "later"
    b = parse({"kind": "single_choice", "answer": "Reports"}, step=2)
    assert b.kind is None and b.followup == {"2": "Reports"}
    assert parse({"kind": "text", "answer": "   "}) is None


def test_asked_at_is_parsed_and_an_unusable_one_falls_back_to_the_event_time() -> None:
    assert parse({"score": 9, "asked_at": "2026-11-20T07:59:00Z"}).asked_at == datetime(
        2026, 11, 20, 7, 59, tzinfo=UTC)
    assert parse({"score": 9, "asked_at": "yesterday"}).asked_at == TS
    assert parse({"score": 9, "asked_at": "2099-01-01T00:00:00Z"}).asked_at == TS


def test_comments_become_capped_plain_text() -> None:
    assert sanitise_text("<b>Great</b> & <i>fast</i>") == "Great & fast"
    assert sanitise_text('<script>alert("x")</script>ok') == "ok"
    assert sanitise_text("a < b > c") == "a < b > c"
    assert sanitise_text("bell\x07 nul\x00 line\r\nbreak ") == "bell nul line\nbreak"
    assert sanitise_text("x" * 5000) == "x" * MAX_COMMENT
    assert sanitise_text("   ") is None and sanitise_text(42) is None
    assert parse({"score": 3, "comment": "<img src=x onerror=alert(1)>Slow"}).comment == "Slow"

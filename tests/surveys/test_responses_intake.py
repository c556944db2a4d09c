"""Responses stored at intake: once per showing, retries, partial answers, NPS traits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import select

from server.fastsql import FastSQL
from server.ingest.service import ingest_events
from server.models import EndUser, SurveyResponse
from tests.api.sdkclient import SdkClient

from .support import answer


def responses(db: Any) -> list[SurveyResponse]:
    with db.session() as s:
        return list(s.exec(select(SurveyResponse).order_by(SurveyResponse.id)).all())


def traits(db: Any, user: str) -> dict[str, Any]:
    with db.session() as s:
        row = s.exec(select(EndUser).where(EndUser.external_id == user)).first()
        return row.traits if row else {}


def test_an_answer_sent_through_the_sdk_is_stored_once_even_when_retried(
    sdk: SdkClient, db: Any
) -> None:
    ev = answer(score=9, comment="Love it", locale="ja", url="https://app.acme.test/r",
                account="acct-1")
    assert sdk.send([ev]).json()["accepted"] == 1
    assert sdk.send([ev]).json()["duplicates"] == 1  # the SDK's retry of the same batch
    [r] = responses(db)
    assert (r.user_id, r.survey_key, r.kind, r.score, r.scale, r.category) == (
        "user-1", "nps", "nps", 9, 10, "promoter")
    assert (r.comment, r.locale, r.url, r.account_id, r.event_uuid) == (
        "Love it", "ja", "https://app.acme.test/r", "acct-1", ev["id"])


def test_the_same_answer_with_a_new_event_id_still_makes_one_response(
    sdk: SdkClient, db: Any
) -> None:
    first = answer(score=4, asked_at="2026-11-20T07:59:00Z")
    again = {**first, "id": "0190f1c2-0000-7000-8000-0000000000aa"}
    sdk.send([first])
    sdk.send([again])
    assert len(responses(db)) == 1


def test_score_then_comment_then_followup_merge_into_one_response(
    sdk: SdkClient, db: Any
) -> None:
    asked = "2026-11-20T07:59:00Z"
    sdk.send([answer(score=3, asked_at=asked, ts="2026-11-20T08:00:00Z")])
    [r] = responses(db)
    assert r.score == 3 and r.comment is None  # a partial response is kept
    sdk.send([answer(comment="Too <b>slow</b>", asked_at=asked, ts="2026-11-20T08:00:30Z")])
    sdk.send([answer(kind="single_choice", answer="Reports", step=1, asked_at=asked,
                     ts="2026-11-20T08:00:40Z"),
              answer(kind="text", answer="Exports time out", step=2, asked_at=asked,
                     ts="2026-11-20T08:00:50Z")])
    [r] = responses(db)
    assert (r.score, r.category, r.comment) == (3, "detractor", "Too slow")
    assert r.followup == {"1": "Reports", "2": "Exports time out"}
    assert r.answered_at == datetime(2026, 11, 20, 8, 0, 50, tzinfo=UTC)


def test_partial_answers_in_one_batch_fold_before_the_write(sdk: SdkClient, db: Any) -> None:
    asked = "2026-11-20T07:59:00Z"
    r = sdk.send([answer(score=10, asked_at=asked), answer(comment="Great", asked_at=asked,
                                                             ts="2026-11-20T08:00:05Z")])
    assert r.json()["accepted"] == 2
    [row] = responses(db)
    assert (row.score, row.comment) == (10, "Great")


def test_a_new_showing_is_a_new_response(sdk: SdkClient, db: Any) -> None:
    sdk.send([answer(score=3, ts="2026-08-01T08:00:00Z")])
    sdk.send([answer(score=9, ts="2026-11-20T08:00:00Z")])
    assert [r.score for r in responses(db)] == [3, 9]


def test_latest_nps_answer_sets_the_category_traits_and_older_ones_never_win(
    sdk: SdkClient, db: Any
) -> None:
    sdk.send([answer(score=2, ts="2026-11-01T08:00:00Z")])
    assert traits(db, "user-1") == {"nps_category": "detractor", "nps_score": 2,
                                    "nps_answered_at": "2026-11-01T08:00:00+00:00"}
    sdk.send([answer(score=10, ts="2026-11-20T08:00:00Z")])
    assert traits(db, "user-1")["nps_category"] == "promoter"
    # A backfilled older answer arrives late: the category stays the newest answer's.
    sdk.send([answer(score=5, ts="2026-10-01T08:00:00Z")])
    assert traits(db, "user-1")["nps_score"] == 10


def test_nps_traits_merge_into_traits_sent_by_identify(sdk: SdkClient, db: Any) -> None:
    assert sdk.bootstrap("user-1", {"plan": "pro"}).status_code == 200
    sdk.send([answer(score=8)])
    assert traits(db, "user-1") == {"plan": "pro", "nps_category": "passive", "nps_score": 8,
                                    "nps_answered_at": "2026-11-20T08:00:00+00:00"}
    # identify() sending traits again keeps the NPS traits (merge, new values win).
    assert sdk.bootstrap("user-1", {"plan": "team"}).status_code == 200
    assert traits(db, "user-1")["nps_category"] == "passive"


def test_ces_and_csat_answers_do_not_touch_nps_traits(sdk: SdkClient, db: Any) -> None:
    sdk.send([answer(kind="ces", score=6, scale=7, guide="ces"),
              answer(kind="csat", score=4, guide="csat")])
    rows = responses(db)
    assert sorted((r.kind, r.score, r.scale, r.category) for r in rows) == [
        ("ces", 6, 7, None), ("csat", 4, 5, None)]
    assert "nps_category" not in traits(db, "user-1")


def test_invalid_answers_stay_in_the_event_log_but_are_not_responses(
    sdk: SdkClient, db: Any
) -> None:
    r = sdk.send([answer(score=42), answer(score=None), answer(kind="ces", score=6, scale=5)])
    assert r.json()["accepted"] == 3
    assert responses(db) == []


def test_an_admin_backfill_of_1200_answers_stores_every_one_in_chunks(db: Any, env: Any) -> None:
    fast = FastSQL(db.hot_engine)
    events = [answer(f"u{i}", score=i % 11, ts="2026-11-02T08:00:00Z") for i in range(1200)]
    result = ingest_events(fast=fast, environment_id=env.environment.id, raw_events=events,
                           now=datetime.now(UTC))
    assert result.accepted == 1200
    rows = responses(db)
    assert len(rows) == 1200
    assert sum(r.category == "promoter" for r in rows) == sum(i % 11 >= 9 for i in range(1200))

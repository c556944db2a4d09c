"""Bootstrap: survey payload fields, pacing per user, targeting by NPS category."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from server.surveys.pacing import sample_bucket
from tests.api.sdkclient import SdkClient, event

from .support import answer, survey


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


NOW = datetime.now(UTC)


def page_views(user: str, n: int) -> list[dict[str, Any]]:
    return [event("page_view", user_id=user, properties={"url": "https://app.acme.test/a"},
                  timestamp=iso(NOW - timedelta(hours=i + 1))) for i in range(n)]


def test_a_survey_guide_carries_its_step_fields_and_pacing(sdk: SdkClient, factory, env) -> None:
    factory.guides(env, survey("nps", steps=[
        {"kind": "nps", "title": "How likely?", "low_label": "No", "high_label": "Yes",
         "followup": {"detractor": "Why?"}},
        {"kind": "single_choice", "title": "Use most?", "choices": ["Reports", "Exports"]},
        {"kind": "text", "title": "Anything else?"},
        {"kind": "thank_you", "title": "Thanks"},
    ]), survey("ces", steps=[{"kind": "ces", "title": "Easy?", "scale": 5}]))
    guides = {g["key"]: g for g in sdk.bootstrap().json()["guides"]}
    nps = guides["nps"]
    assert nps["pacing"] == {"sample_percent": 100.0, "min_page_views": 0, "reask_days": 90,
                             "snooze_days": 7}
    assert nps["frequency"] == {"mode": "every_days", "days": 90}
    assert nps["interrupt"] is True
    first, choice, text, thanks = nps["steps"]
    assert (first["kind"], first["scale"], first["low_label"], first["high_label"]) == (
        "nps", 10, "No", "Yes")
    assert first["followup"] == {"promoter": None, "passive": None, "detractor": "Why?"}
    assert choice["choices"] == ["Reports", "Exports"] and text["kind"] == "text"
    assert thanks["kind"] == "thank_you" and thanks["scale"] is None
    assert guides["ces"]["steps"][0]["scale"] == 5


def test_minimum_page_views_before_the_first_ask(sdk: SdkClient, factory, env) -> None:
    factory.guides(env, survey(pacing={"min_page_views": 3}))
    sdk.send(page_views("user-1", 2))
    assert sdk.guide_keys("user-1") == []
    sdk.send(page_views("user-1", 1))
    assert sdk.guide_keys("user-1") == ["nps"]


def test_an_answer_inside_the_reask_interval_keeps_the_survey_away(
    sdk: SdkClient, factory, env
) -> None:
    factory.guides(env, survey(pacing={"min_page_views": 0, "reask_days": 30}))
    # Answers imported without any guide_seen: the stored response alone decides.
    sdk.send([answer("recent", score=9, ts=iso(NOW - timedelta(days=29))),
              answer("long-ago", score=9, ts=iso(NOW - timedelta(days=31)))])
    assert sdk.guide_keys("recent") == []
    assert sdk.guide_keys("long-ago") == ["nps"]
    assert sdk.guide_keys("never") == ["nps"]


def test_a_showing_counts_for_the_reask_interval_across_sessions(
    sdk: SdkClient, factory, env
) -> None:
    factory.guides(env, survey(pacing={"min_page_views": 0, "reask_days": 30}))
    seen = iso(NOW - timedelta(days=2))
    sdk.send([event("guide_seen", guide="nps", step=0, timestamp=seen),
              event("guide_dismissed", guide="nps", step=0, timestamp=seen)])
    assert sdk.guide_keys("user-1") == []


def test_ask_me_later_snoozes_for_the_days_sent(sdk: SdkClient, factory, env) -> None:
    factory.guides(env, survey(pacing={"min_page_views": 0, "reask_days": 1}))
    # Shown and snoozed 3 days ago with the survey's snooze_days (7): still snoozed.
    then = iso(NOW - timedelta(days=3))
    sdk.send([event("guide_seen", guide="nps", step=0, timestamp=then),
              event("guide_snoozed", guide="nps", step=0, timestamp=then,
                    properties={"days": 7})])
    assert sdk.guide_keys("user-1") == []
    # Another user snoozed 8 days ago: the snooze (and the 1-day re-ask) are over.
    old = iso(NOW - timedelta(days=8))
    sdk.send([event("guide_seen", guide="nps", step=0, user_id="user-2", timestamp=old),
              event("guide_snoozed", guide="nps", step=0, user_id="user-2", timestamp=old,
                    properties={"days": 7})])
    assert sdk.guide_keys("user-2") == ["nps"]


def test_with_default_pacing_ask_me_later_lasts_snooze_days_not_reask_days(
    sdk: SdkClient, factory, env
) -> None:
    factory.guides(env, survey(pacing={"min_page_views": 0}))  # reask 90, snooze 7
    for user, days_ago in (("user-3d", 3), ("user-8d", 8)):
        then = iso(NOW - timedelta(days=days_ago))
        sdk.send([event("guide_seen", guide="nps", step=0, user_id=user, timestamp=then),
                  event("guide_snoozed", guide="nps", step=0, user_id=user, timestamp=then,
                        properties={"days": 7})])
    assert sdk.guide_keys("user-3d") == []
    assert sdk.guide_keys("user-8d") == ["nps"]
    # Shown again after the snooze and dismissed: now the 90-day re-ask interval holds.
    again = iso(NOW - timedelta(hours=1))
    sdk.send([event("guide_seen", guide="nps", step=0, user_id="user-8d", timestamp=again),
              event("guide_dismissed", guide="nps", step=0, user_id="user-8d", timestamp=again)])
    assert sdk.guide_keys("user-8d") == []


def test_only_todays_sample_is_asked(sdk: SdkClient, factory, env) -> None:
    factory.guides(env, survey(pacing={"min_page_views": 0, "sample_percent": 20}))
    today = datetime.now(UTC).date()
    users = [f"user-{i}" for i in range(40)]
    inside = [u for u in users if sample_bucket(u, "nps", today) < 20]
    outside = [u for u in users if sample_bucket(u, "nps", today) >= 20]
    assert inside and outside
    assert all(sdk.guide_keys(u) == ["nps"] for u in inside[:3])
    assert all(sdk.guide_keys(u) == [] for u in outside[:3])


def test_a_guide_targeted_at_detractors_is_returned_only_to_them(
    sdk: SdkClient, factory, env
) -> None:
    factory.guides(env, {
        "key": "win-back", "name": "Win back", "type": "modal",
        "audience": {"attr": "user.nps_category", "op": "eq", "value": "detractor"},
        "steps": [{"kind": "modal", "title": "We hear you", "body": "Here is what changed."}],
    })
    sdk.send([answer("angry", score=2), answer("happy", score=10), answer("meh", score=7)])
    assert sdk.guide_keys("angry") == ["win-back"]
    assert sdk.guide_keys("happy") == []
    assert sdk.guide_keys("meh") == []
    assert sdk.guide_keys("silent") == []
    # The user's next answer moves them out of the segment at once.
    sdk.send([answer("angry", score=9, ts="2026-11-21T08:00:00Z")])
    assert sdk.guide_keys("angry") == []

"""Survey guides in Chromium: the lazy survey chunk, answering by keyboard, one stored
response per showing, "ask me later", the re-ask interval across sessions, narrow screens.

The survey is published on the live server (pacing: min_page_views 0, sample 100 %) and
reaches the page through a real bootstrap; answers go through the real intake into
`survey_response` (docs/surveys.md "Answers → responses").
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import HOST_ORIGIN, Live, build_host_page
from .test_render_helpers import ROOT_JS

FOCUSED = f"() => {{ const e = {ROOT_JS}.activeElement; return e && (e.dataset.testid + ':' + (e.dataset.value ?? '')); }}"
CARD = "[data-testid=shirube-guide][data-kind=survey]"


def nps(key: str = "nps", pacing: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "key": key,
        "name": "NPS",
        "type": "survey",
        "pacing": {
            "sample_percent": 100,
            "min_page_views": 0,
            "reask_days": 90,
            "snooze_days": 7,
            **(pacing or {}),
        },
        "steps": [
            {
                "kind": "nps",
                "title": "How likely are you to recommend us?",
                "low_label": "Not at all likely",
                "high_label": "Extremely likely",
                "followup": {
                    "promoter": "What do you like most?",
                    "passive": "What would make it a 10?",
                    "detractor": "What should we fix first?",
                },
            },
            {"kind": "thank_you", "title": "Thank you!"},
        ],
        **extra,
    }


def responses(live: Live, key: str = "nps") -> list[dict[str, Any]]:
    rows = live.query(
        "SELECT * FROM survey_response WHERE environment_id = :e AND survey_key = :k",
        e=live.env.id,
        k=key,
    )
    return [dict(r._mapping) for r in rows]


def flushed(page: Page) -> None:
    page.evaluate("() => shirube._debug.flush()")


def ready(page: Page) -> None:
    page.wait_for_function("() => window.shirube && shirube._debug && shirube._debug.state().ready")


def resend(page: Page, live: Live, events: list[dict[str, Any]]) -> Any:
    """POST events again from the customer's page, as a retrying SDK would."""
    return page.evaluate(
        """([url, body]) => fetch(url, {method: 'POST', body, headers: {'Content-Type': 'text/plain'}})
             .then((r) => r.json())""",
        [
            f"{live.base_url}/api/sdk/v1/events",
            json.dumps({"key": live.env.publishable_key, "events": events}),
        ],
    )


def as_sent(e: dict[str, Any], **change: Any) -> dict[str, Any]:
    ts = e["timestamp"]
    if isinstance(ts, datetime):
        ts = ts.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return {
        "id": e["uuid"],
        "type": e["type"],
        "user_id": e["user_id"],
        "account_id": e["account_id"],
        "guide": e["guide_key"],
        "step": e["step"],
        "name": e["name"],
        "properties": e["properties"],
        "timestamp": ts,
        **change,
    }


def test_an_eligible_user_answers_by_keyboard_and_the_response_is_stored_once(
    live: Live,
    host_page,
    page: Page,
    console_errors: list[str],  # type: ignore[no-untyped-def]
) -> None:
    live.publish(live.env, nps())
    chunks: list[str] = []
    page.on("request", lambda r: chunks.append(r.url) if "shirube-survey" in r.url else None)
    host_page("<main><h1>App</h1><input id=search></main>", traits={"locale": "en"})
    card = page.locator(CARD)
    expect(card).to_be_visible(timeout=10_000)
    assert len(chunks) == 1 and chunks[0].endswith("/sdk/v1/shirube-survey.js")
    scale = page.get_by_role("radiogroup", name="How likely are you to recommend us?")
    expect(scale.get_by_role("radio")).to_have_count(11)
    expect(page.get_by_role("radio", name="7 \u2014 likely")).to_be_visible()
    expect(page.get_by_role("radio", name="0 \u2014 Not at all likely")).to_be_visible()
    assert page.evaluate(FOCUSED) == "shirube-survey-option:0"  # focus moved onto the scale
    for _ in range(8):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate(FOCUSED) == "shirube-survey-option:7"
    expect(page.get_by_role("radio", checked=True)).to_have_count(0)  # moving is not answering
    page.keyboard.press("Enter")
    # 7 is a passive: the passives' follow-up, with the cursor in it.
    expect(page.get_by_label("What would make it a 10?")).to_be_focused()
    page.keyboard.type("Faster <b>exports</b>")
    page.keyboard.press("Tab")  # Skip
    page.keyboard.press("Tab")  # Send
    assert page.evaluate(FOCUSED) == "shirube-survey-send:"
    page.keyboard.press("Enter")
    expect(card.get_by_role("heading", name="Thank you!")).to_be_visible()
    expect(page.get_by_test_id("shirube-done")).to_be_focused()
    page.keyboard.press("Enter")
    expect(card).to_have_count(0)
    flushed(page)
    live.wait_for_events(live.env, 1, type="guide_completed")
    answered = live.wait_for_events(live.env, 2, type="survey_answered")
    seen = live.events(live.env, type="guide_seen")[0]
    first, second = (e["properties"] for e in answered)
    assert first["asked_at"] == second["asked_at"]  # one showing: the server merges them
    asked = datetime.fromisoformat(first["asked_at"].replace("Z", "+00:00"))
    seen_at = (
        seen["timestamp"]
        if isinstance(seen["timestamp"], datetime)
        else datetime.fromisoformat(seen["timestamp"])
    )
    assert abs((asked - seen_at.replace(tzinfo=UTC)).total_seconds()) < 1
    assert {k: first[k] for k in ("kind", "score", "scale", "locale")} == {
        "kind": "nps",
        "score": 7,
        "scale": 10,
        "locale": "en",
    }
    assert (
        "comment" not in first
        and second["comment"] == "Faster <b>exports</b>"
        and second["score"] == 7
    )
    assert first["url"] == f"{HOST_ORIGIN}/app/"
    rows = responses(live)
    assert len(rows) == 1
    row = rows[0]
    assert (row["kind"], row["score"], row["scale"], row["category"]) == ("nps", 7, 10, "passive")
    assert row["comment"] == "Faster exports"  # stored as plain text
    # A retry of the same events (same ids), and the same answers under new ids: still one row.
    events = live.events(live.env, type="survey_answered")
    r1 = resend(page, live, [as_sent(e) for e in events])
    assert r1["duplicates"] == 2, r1
    r2 = resend(page, live, [as_sent(e, id=str(uuid.uuid4())) for e in events])
    assert r2["accepted"] == 2, r2
    assert len(responses(live)) == 1
    assert responses(live)[0]["comment"] == "Faster exports"
    assert console_errors == []


def test_a_digit_answers_at_once_and_a_promoter_gets_the_promoters_question(
    live: Live,
    host_page,
    page: Page,  # type: ignore[no-untyped-def]
) -> None:
    live.publish(live.env, nps())
    # A Japanese user, but the survey has no Japanese: it and its buttons stay in English.
    host_page("<main><h1>App</h1></main>", traits={"locale": "ja"})
    expect(page.locator(CARD)).to_be_visible(timeout=10_000)
    page.keyboard.press("9")
    expect(page.get_by_label("What do you like most?")).to_be_focused()
    expect(page.get_by_test_id("shirube-survey-send")).to_have_text("Send")
    page.get_by_test_id("shirube-survey-skip").click()  # the score alone is kept
    expect(page.get_by_test_id("shirube-done")).to_have_text("Done")
    page.get_by_test_id("shirube-close").click()
    flushed(page)
    live.wait_for_events(live.env, 1, type="guide_dismissed")
    answered = live.wait_for_events(live.env, 1, type="survey_answered")
    assert len(answered) == 1 and answered[0]["properties"]["score"] == 9
    assert answered[0]["properties"]["locale"] == "en"
    rows = responses(live)
    assert [(r["score"], r["category"], r["comment"]) for r in rows] == [(9, "promoter", None)]


def test_ces_keeps_its_scale_and_single_choice_sends_the_authored_option(
    live: Live,
    host_page,
    page: Page,  # type: ignore[no-untyped-def]
) -> None:
    live.publish(
        live.env,
        {
            "key": "effort",
            "name": "Effort",
            "type": "survey",
            "locale": "en",
            "pacing": {"sample_percent": 100, "min_page_views": 0},
            "steps": [
                {
                    "kind": "ces",
                    "title": "How easy was it to export?",
                    "scale": 5,
                    "low_label": "Very difficult",
                    "high_label": "Very easy",
                },
                {
                    "kind": "single_choice",
                    "title": "What do you export most?",
                    "choices": ["Reports", "Invoices"],
                },
                {"kind": "text", "title": "Anything else?"},
            ],
            "translations": {
                "ja": {
                    "steps": [
                        {"title": "エクスポートは簡単でしたか？"},
                        {
                            "title": "何を最もエクスポートしますか？",
                            "choices": ["レポート", "請求書"],
                        },
                        {"title": "その他"},
                    ]
                }
            },
        },
    )
    host_page("<main><h1>App</h1></main>", traits={"locale": "ja"})
    expect(page.locator(CARD)).to_be_visible(timeout=10_000)
    expect(page.get_by_role("radio")).to_have_count(5)
    expect(page.get_by_role("radio", name="4 \u2014 簡単")).to_be_visible()
    expect(page.get_by_test_id("shirube-later")).to_have_text("あとで")  # Japanese UI strings
    page.keyboard.press("4")
    choices = page.get_by_role("radiogroup", name="何を最もエクスポートしますか？")
    expect(choices.get_by_role("radio")).to_have_count(2)
    page.keyboard.press("ArrowDown")
    page.keyboard.press(" ")
    expect(page.get_by_test_id("shirube-survey-comment")).to_be_focused()
    page.keyboard.type("とても便利")
    expect(page.get_by_test_id("shirube-survey-send")).to_have_text("送信")
    page.get_by_test_id("shirube-survey-send").click()
    expect(page.locator(CARD)).to_have_count(0)
    flushed(page)
    live.wait_for_events(live.env, 1, type="guide_completed")
    props = [e["properties"] for e in live.wait_for_events(live.env, 3, type="survey_answered")]
    assert [(p["kind"], p.get("score"), p.get("scale"), p.get("answer")) for p in props] == [
        ("ces", 4, 5, None),
        ("single_choice", None, None, "Invoices"),
        ("text", None, None, "とても便利"),
    ]
    assert len({p["asked_at"] for p in props}) == 1
    (row,) = responses(live, "effort")
    assert (row["kind"], row["score"], row["scale"]) == ("ces", 4, 5)
    followup = row["followup"] if isinstance(row["followup"], dict) else json.loads(row["followup"])
    assert followup == {"1": "Invoices", "2": "とても便利"}


def _time_passes(live: Live, page: Page, user: str, key: str, days: float) -> None:
    """Move this user's showing of `key` `days` into the past, on the server and in the browser."""
    from sqlmodel import select

    from server.models.audience import GuideState

    with live.db.session() as s:
        st = s.exec(
            select(GuideState).where(
                GuideState.environment_id == live.env.id,
                GuideState.user_id == user,
                GuideState.guide_key == key,
            )
        ).one()
        for f in ("first_seen_at", "last_seen_at", "snoozed_until"):
            if getattr(st, f) is not None:
                setattr(st, f, getattr(st, f) - timedelta(days=days))
        s.add(st)
        s.commit()
    page.evaluate(
        """([key, ms]) => {
        for (const k of Object.keys(localStorage).filter((k) => k.startsWith('shirube_s_'))) {
          const s = JSON.parse(localStorage.getItem(k));
          const g = s.g[key];
          if (g) for (const f of ['last', 'snoozed_until']) if (g[f]) g[f] -= ms;
          s.t = (s.t || []).map((t) => t - ms);
          localStorage.setItem(k, JSON.stringify(s));
        }
        sessionStorage.clear();
      }""",
        [key, days * 86_400_000],
    )


def test_ask_me_later_hides_the_survey_for_its_snooze_days_then_it_returns(
    live: Live,
    host_page,
    page: Page,  # type: ignore[no-untyped-def]
) -> None:
    # A 1-day re-ask interval, so what holds the survey back for days 1–7 is the snooze.
    live.publish(live.env, nps(pacing={"reask_days": 1, "snooze_days": 7}))
    host_page("<main><h1>App</h1></main>")
    expect(page.locator(CARD)).to_be_visible(timeout=10_000)
    page.get_by_test_id("shirube-later").click()
    expect(page.locator(CARD)).to_have_count(0)
    flushed(page)
    snoozed = live.wait_for_events(live.env, 1, type="guide_snoozed")[0]
    assert snoozed["properties"]["days"] == 7 and snoozed["guide_key"] == "nps"
    assert live.count_events(live.env, type="survey_answered") == 0
    state = live.guide_state(live.env, "user-1", "nps")
    assert state is not None and state["snoozed_until"] is not None

    def reload_and_check(shown: bool) -> None:
        page.reload()
        ready(page)
        if shown:
            expect(page.locator(CARD)).to_be_visible(timeout=10_000)
        else:
            page.wait_for_timeout(500)  # the chunk and the card would have come by now
            expect(page.locator(CARD)).to_have_count(0)

    reload_and_check(False)
    _time_passes(live, page, "user-1", "nps", 3)  # past the re-ask day, inside the snooze
    reload_and_check(False)
    _time_passes(live, page, "user-1", "nps", 5)  # 8 days later: the snooze is over
    reload_and_check(True)


def test_the_reask_interval_holds_in_a_new_session_after_answering(
    live: Live,
    host_page,
    page: Page,
    browser: Browser,  # type: ignore[no-untyped-def]
) -> None:
    live.publish(live.env, nps())
    host_page("<main><h1>App</h1></main>")
    expect(page.locator(CARD)).to_be_visible(timeout=10_000)
    page.keyboard.press("3")
    page.get_by_test_id("shirube-survey-skip").click()
    page.get_by_test_id("shirube-done").click()
    flushed(page)
    live.wait_for_events(live.env, 1, type="guide_completed")
    assert len(responses(live)) == 1
    # Another browser (no local state): the server's pacing alone keeps the survey away...
    html = build_host_page("<main><h1>App</h1></main>", live=live)
    other = browser.new_context()
    try:
        p2 = other.new_page()
        p2.route(
            f"{HOST_ORIGIN}/**",
            lambda r: r.fulfill(status=200, content_type="text/html", body=html),
        )
        p2.goto(f"{HOST_ORIGIN}/app/")
        ready(p2)
        assert p2.evaluate("() => shirube._debug.state().guides") == []
        p2.wait_for_timeout(300)
        expect(p2.locator(CARD)).to_have_count(0)
        # ...while a user who was never asked gets it.
        html = build_host_page("<main><h1>App</h1></main>", live=live, user="user-2")
        p3 = other.new_page()
        p3.route(
            f"{HOST_ORIGIN}/**",
            lambda r: r.fulfill(status=200, content_type="text/html", body=html),
        )
        p3.goto(f"{HOST_ORIGIN}/app/")
        expect(p3.locator(CARD)).to_be_visible(timeout=10_000)
    finally:
        other.close()


def test_the_survey_fits_a_320px_screen(live: Live, host_page, page: Page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 320, "height": 568})
    live.publish(live.env, nps())
    host_page("<main><h1>App</h1></main>")
    card = page.locator(CARD)
    expect(card).to_be_visible(timeout=10_000)
    b = card.bounding_box()
    assert (
        b is not None and b["x"] >= 0 and b["x"] + b["width"] <= 320 and b["y"] + b["height"] <= 568
    )
    boxes = [r.bounding_box() for r in page.get_by_role("radio").all()]
    assert len(boxes) == 11
    for a, c in zip(boxes, boxes[1:], strict=False):
        assert a is not None and c is not None
        assert a["x"] + a["width"] <= c["x"] + 0.5  # side by side, in order, no overlap
        assert c["x"] + c["width"] / 2 - (a["x"] + a["width"] / 2) >= 24  # WCAG 2.5.8 spacing
    assert boxes[-1]["x"] + boxes[-1]["width"] <= b["x"] + b["width"]  # type: ignore[index]
    page.get_by_role(
        "radio", name="10 \u2014 Extremely likely"
    ).tap() if False else page.get_by_role("radio", name="10 \u2014 Extremely likely").click()
    expect(page.get_by_label("What do you like most?")).to_be_visible()


def test_with_default_pacing_a_snoozed_survey_returns_after_snooze_days(
    live: Live,
    host_page,
    page: Page,  # type: ignore[no-untyped-def]
) -> None:
    live.publish(live.env, nps())  # reask_days 90, snooze_days 7
    host_page("<main><h1>App</h1></main>")
    expect(page.locator(CARD)).to_be_visible(timeout=10_000)
    page.get_by_test_id("shirube-later").click()
    flushed(page)
    live.wait_for_events(live.env, 1, type="guide_snoozed")
    _time_passes(live, page, "user-1", "nps", 8)
    page.reload()
    ready(page)
    expect(page.locator(CARD)).to_be_visible(timeout=5_000)

"""Admin REST: events — historical import and the keyset-paginated log."""

from __future__ import annotations

from tests.api.v1_support import (  # noqa: F401
    Api,
    api_fixture,
    assert_error,
    client_fixture,
    event,
    other_fixture,
)


def test_import_keeps_historical_timestamps(api: Api) -> None:
    events = [event(ts="2021-03-04T05:06:07.123456+09:00"), event(ts="2026-10-02T00:00:00Z")]
    r = api.post("/events", json={"events": events})
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 2, "duplicates": 0, "rejected": []}
    listed = api.get("/events").json()["data"]
    stamps = [e["timestamp"] for e in listed]
    assert stamps == ["2026-10-02T00:00:00Z", "2021-03-03T20:06:07.123456Z"]
    assert listed[1]["id"] == events[0]["id"] and listed[1]["name"] == "report_created"


def test_reposting_the_same_events_counts_duplicates_and_stores_once(api: Api) -> None:
    events = [event(), event(type="guide_seen", guide="welcome", name=None)]
    assert api.post("/events", json={"events": events}).json()["accepted"] == 2
    again = api.post("/events", json={"events": events + [events[0]]}).json()
    assert again == {"accepted": 0, "duplicates": 3, "rejected": []}
    assert len(api.get("/events").json()["data"]) == 2
    seen = api.get("/users/u1")  # no user row: events alone do not create people
    assert seen.status_code == 404


def test_invalid_events_are_rejected_by_index_and_the_rest_stored(api: Api) -> None:
    r = api.post("/events", json={"events": [
        event(), {"id": "x"}, event(type="track", name=None), event(name="bad\u0000name"),
        event(ts="1999-12-31T00:00:00Z"), event(),
    ]})
    body = r.json()
    assert body["accepted"] == 2 and body["duplicates"] == 0
    assert [x["index"] for x in body["rejected"]] == [1, 2, 3, 4]
    assert body["rejected"][2]["reason"] == "name: NUL characters are not allowed"


def test_more_than_5000_events_is_413_and_5000_are_accepted(api: Api) -> None:
    many = [event(user=f"u{i % 50}", ts=f"2026-09-{1 + i % 28:02d}T00:00:00Z") for i in range(5001)]
    assert_error(api.post("/events", json={"events": many}), 413, "payload_too_large")
    r = api.post("/events", json={"events": many[:5000]})
    assert r.json() == {"accepted": 5000, "duplicates": 0, "rejected": []}


def test_bad_event_bodies_are_4xx(api: Api) -> None:
    assert_error(api.post("/events", json={"events": "nope"}), 422)
    assert_error(api.post("/events", json={"events": [], "key": "pk_x"}), 422)
    assert_error(api.post("/events", json=[event()]), 400)
    assert_error(api.post("/events", content=b'{"events": ['), 400, "malformed_json")
    assert_error(api.post("/events", content=b""), 400)
    assert_error(api.post("/events", content=b"{}", headers={"content-type": "text/csv"}), 415)
    huge = b'{"events": [], "pad": "' + b"x" * (9 * 1024 * 1024) + b'"}'
    assert_error(api.post("/events", content=huge), 413)


def test_list_is_newest_first_and_filters(api: Api) -> None:
    api.post("/events", json={"events": [
        event(user="u1", ts="2026-10-01T00:00:00Z", name="a"),
        event(user="u2", ts="2026-10-02T00:00:00Z", name="b"),
        event(user="u1", ts="2026-10-03T00:00:00Z", type="page_view", name=None),
        event(user="u1", ts="2026-10-04T00:00:00Z", type="guide_seen", guide="g", name=None),
    ]})

    def days(**params: str) -> list[int]:
        r = api.get("/events", params=params)
        assert r.status_code == 200, r.text
        return [int(e["timestamp"][8:10]) for e in r.json()["data"]]

    assert days() == [4, 3, 2, 1]
    assert days(user_id="u1") == [4, 3, 1]
    assert days(type="track") == [2, 1]
    assert days(name="b") == [2]
    assert days(**{"from": "2026-10-02"}) == [4, 3, 2]
    assert days(to="2026-10-03") == [2, 1]
    assert days(**{"from": "2026-10-02T09:00:00+09:00", "to": "2026-10-04T00:00:00Z"}) == [3, 2]


def test_pagination_walks_every_event_once_even_with_equal_timestamps(api: Api) -> None:
    events = [event(ts="2026-10-01T00:00:00Z") for _ in range(6)]
    events += [event(ts=f"2026-10-0{d}T00:00:00Z") for d in range(2, 6)]
    api.post("/events", json={"events": events})
    items, pages = api.walk("/events", limit=3)
    assert sorted(e["id"] for e in items) == sorted(e["id"] for e in events)
    assert len(items) == len(events) == 10 and pages == 4
    stamps = [e["timestamp"] for e in items]
    assert stamps == sorted(stamps, reverse=True)
    filtered, _ = api.walk("/events", limit=4, to="2026-10-02T00:00:00Z")
    assert len(filtered) == 6


def test_bad_dates_are_422_and_bad_cursors_400(api: Api) -> None:
    for params in ({"from": "yesterday"}, {"to": "2026-13-01"}, {"type": "click"},
                   {"from": "0001-01-01T00:00:00+01:00"}):
        err = assert_error(api.get("/events", params=params), 422, "validation_error")
        assert err["details"][0]["loc"] in params
    for cursor in ("zz", "WyJ4IiwxXQ", "WzEsMl0", "eyJhIjoxfQ", "!!!"):
        assert_error(api.get("/events", params={"cursor": cursor}), 400, "bad_cursor")


def test_another_environments_events_are_never_listed(api: Api, other: Api) -> None:
    api.post("/events", json={"events": [event(user="u1")]})
    assert other.get("/events").json() == {"data": [], "next_cursor": None}
    assert other.get("/events", params={"user_id": "u1"}).json()["data"] == []
    # The same event id in another environment is a different event, not a duplicate.
    same = api.get("/events").json()["data"][0]
    r = other.post("/events", json={"events": [event(user="u1") | {"id": same["id"]}]})
    assert r.json()["accepted"] == 1

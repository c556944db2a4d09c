"""Admin REST: end users and accounts."""

from __future__ import annotations

from typing import Any

from server.models import Environment
from tests.api.v1_support import (  # noqa: F401
    Api,
    api_fixture,
    assert_error,
    client_fixture,
    event,
    other_fixture,
)


def test_bulk_upsert_creates_users_and_returns_counts(api: Api) -> None:
    r = api.post("/users", json={"users": [
        {"id": "u1", "traits": {"plan": "pro"}}, {"id": 42, "traits": {}},
    ]})
    assert r.status_code == 200, r.text
    assert r.json() == {"created": 2, "updated": 0}
    assert api.get("/users/42").json()["id"] == "42"  # numeric ids are their string form
    assert api.get("/users/u1").json()["traits"] == {"plan": "pro"}


def test_reupserting_merges_traits_like_identify(api: Api) -> None:
    api.post("/users", json={"users": [{"id": "u1", "traits": {"plan": "pro", "seats": 3}}]})
    r = api.post("/users", json={"users": [{"id": "u1", "traits": {"plan": "team", "ja": "はい"}}]})
    assert r.json() == {"created": 0, "updated": 1}
    assert api.get("/users/u1").json()["traits"] == {"plan": "team", "seats": 3, "ja": "はい"}
    # Re-posting the very same batch is harmless.
    same = {"users": [{"id": "u1", "traits": {"plan": "team", "ja": "はい"}}]}
    again = api.post("/users", json=same)
    assert again.json() == {"created": 0, "updated": 1}
    assert api.get("/users/u1").json()["traits"] == {"plan": "team", "seats": 3, "ja": "はい"}


def test_same_id_twice_in_one_batch_counts_once_and_later_traits_win(api: Api) -> None:
    r = api.post("/users", json={"users": [
        {"id": "u1", "traits": {"a": 1, "b": 1}}, {"id": "u1", "traits": {"b": 2}},
    ]})
    assert r.json() == {"created": 1, "updated": 0}
    assert api.get("/users/u1").json()["traits"] == {"a": 1, "b": 2}


def test_user_with_account_id_is_linked_and_the_account_created(api: Api) -> None:
    api.post("/accounts", json={"accounts": [{"id": "acme", "traits": {"mrr": 1200}}]})
    api.post("/users", json={"users": [
        {"id": "u1", "account_id": "acme"}, {"id": "u2", "account_id": "globex"},
        {"id": "u3", "account_id": "acme"},
    ]})
    user = api.get("/users/u1").json()
    assert user["accounts"] == [{"id": "acme", "traits": {"mrr": 1200}}]
    acme = api.get("/accounts/acme").json()
    assert acme["users"] == ["u1", "u3"] and acme["user_count"] == 2
    assert acme["traits"] == {"mrr": 1200}
    assert api.get("/accounts/globex").json()["users"] == ["u2"]


def test_user_detail_includes_guide_states_from_events(api: Api) -> None:
    api.post("/users", json={"users": [{"id": "u1"}]})
    r = api.post("/events", json={"events": [
        event(type="guide_seen", guide="welcome", name=None, ts="2026-10-01T08:00:00Z"),
        event(type="guide_completed", guide="welcome", name=None, ts="2026-10-01T08:01:00Z"),
    ]})
    assert r.json()["accepted"] == 2, r.text
    states = api.get("/users/u1").json()["guide_states"]
    assert len(states) == 1
    st = states[0]
    assert st["guide"] == "welcome" and st["times_seen"] == 1
    assert st["completed_at"] == "2026-10-01T08:01:00Z"
    assert st["first_seen_at"] == "2026-10-01T08:00:00Z" and st["dismissed_at"] is None


def test_a_bad_item_rejects_the_whole_batch(api: Api) -> None:
    err = assert_error(api.post("/users", json={"users": [
        {"id": "fine", "traits": {"a": 1}}, {"id": "", "traits": {}},
    ]}), 422, "validation_error")
    assert err["details"][0]["loc"] == "users[1].id"
    assert_error(api.get("/users/fine"), 404)


def test_bad_user_bodies_are_4xx_with_the_canonical_error(api: Api) -> None:
    cases: list[tuple[Any, int]] = [
        ({"users": "u1"}, 422),
        ({"users": [{"id": "u1", "traits": "pro"}]}, 422),
        ({"users": [{"id": "u1", "role": "admin"}]}, 422),  # unknown key
        ({"users": [], "extra": 1}, 422),
        ({"users": [{"id": "u1", "traits": {"x": float("inf")}}]}, 400),  # not JSON at all
        ({"users": [{"id": "u1", "traits": {"a": {"b": {"c": {"d": {"e": {"f": {"g": 1}}}}}}}}]},
         422),
        ({"users": [{"id": "u\u0000"}]}, 422),
        ({"users": [{"id": True}]}, 422),
        ([], 400),
    ]
    for body, status in cases:
        if status == 400 and isinstance(body, dict):
            r = api.post("/users", content=b'{"users": [{"id": "u1", "traits": {"x": Infinity}}]}')
        else:
            r = api.post("/users", json=body)
        assert_error(r, status)


def test_more_than_1000_users_is_413(api: Api) -> None:
    r = api.post("/users", json={"users": [{"id": f"u{i}"} for i in range(1001)]})
    assert_error(r, 413, "payload_too_large")
    ok = api.post("/users", json={"users": [{"id": f"u{i}"} for i in range(1000)]})
    assert ok.json() == {"created": 1000, "updated": 0}


def test_upserts_do_not_bump_the_guide_cache_version(api: Api, db: Any) -> None:
    def version() -> int:
        with db.session() as s:
            return s.get(Environment, api.created.environment.id).guides_version

    before = version()
    api.post("/accounts", json={"accounts": [{"id": "acme", "traits": {"a": 1}}]})
    api.post("/users", json={"users": [{"id": "u1", "traits": {"a": 1}, "account_id": "acme"}]})
    api.post("/users", json={"users": [{"id": "u1", "traits": {"a": 2}}]})
    assert version() == before


def test_accounts_upsert_creates_then_merges(api: Api) -> None:
    r = api.post("/accounts", json={"accounts": [{"id": "acme", "traits": {"name": "Acme"}}]})
    assert r.json() == {"created": 1, "updated": 0}
    r = api.post("/accounts", json={"accounts": [{"id": "acme", "traits": {"mrr": 10}},
                                                 {"id": "initech"}]})
    assert r.json() == {"created": 1, "updated": 1}
    assert api.get("/accounts/acme").json()["traits"] == {"name": "Acme", "mrr": 10}
    assert_error(api.post("/accounts", json={"accounts": [{"id": "x", "account_id": "y"}]}), 422)


def test_user_list_filters_by_q_and_walks_every_page_once(api: Api) -> None:
    ids = [f"user-{i:02d}" for i in range(11)] + ["ADMIN-1", "50%_off"]
    api.post("/users", json={"users": [{"id": i} for i in ids]})
    items, pages = api.walk("/users", limit=4)
    assert [u["id"] for u in items] == sorted(ids)
    assert pages == 4
    got = [u["id"] for u in api.get("/users", params={"q": "admin"}).json()["data"]]
    assert got == ["ADMIN-1"]
    assert [u["id"] for u in api.get("/users", params={"q": "%_"}).json()["data"]] == ["50%_off"]
    filtered, _ = api.walk("/users", q="user-1", limit=1)
    assert [u["id"] for u in filtered] == ["user-10"]


def test_account_list_walks_every_page_once(api: Api) -> None:
    api.post("/accounts", json={"accounts": [{"id": f"a{i}"} for i in range(5)]})
    items, pages = api.walk("/accounts", limit=2)
    assert [a["id"] for a in items] == [f"a{i}" for i in range(5)]
    assert pages == 3


def test_bad_list_parameters_are_4xx(api: Api) -> None:
    assert_error(api.get("/users", params={"limit": 0}), 422)
    assert_error(api.get("/users", params={"limit": 501}), 422)
    assert_error(api.get("/users", params={"limit": "ten"}), 422)
    assert_error(api.get("/users", params={"cursor": "not-a-cursor"}), 400, "bad_cursor")
    assert_error(api.get("/accounts", params={"cursor": "WzEsMl0"}), 400, "bad_cursor")  # [1,2]


def test_another_environments_people_are_404_and_never_listed(api: Api, other: Api) -> None:
    api.post("/users", json={"users": [{"id": "u1", "traits": {"email": "a@acme.test"},
                                        "account_id": "acme"}]})
    assert other.get("/users").json()["data"] == []
    assert other.get("/accounts").json()["data"] == []
    assert "a@acme.test" not in assert_error(other.get("/users/u1"), 404)["message"]
    assert_error(other.get("/accounts/acme"), 404)
    # The same ids in the other environment are other people.
    created = other.post("/users", json={"users": [{"id": "u1"}]}).json()
    assert created == {"created": 1, "updated": 0}
    assert other.get("/users/u1").json()["traits"] == {}
    assert api.get("/users/u1").json()["traits"] == {"email": "a@acme.test"}


def test_unknown_person_is_404(api: Api) -> None:
    assert_error(api.get("/users/nobody"), 404, "not_found")
    assert_error(api.get("/accounts/nobody"), 404, "not_found")
    assert_error(api.get("/users/a%00b"), 404)


def test_a_user_created_concurrently_is_merged_not_an_error(db: Any, factory: Any,
                                                            monkeypatch: Any) -> None:
    from datetime import UTC, datetime

    from server.people import upsert

    created = factory.environment()
    env_id = created.environment.id
    with db.session() as s:
        upsert.upsert_users(session=s, environment_id=env_id, now=datetime.now(UTC),
                            users=[upsert.PersonInput("u1", {"a": 1})])
        s.commit()
    real = upsert._locked
    calls: list[int] = []

    def blind_first(*args: Any) -> Any:
        calls.append(1)  # the first lookup misses the row, as if it did not exist yet
        return {} if len(calls) == 1 else real(*args)

    monkeypatch.setattr(upsert, "_locked", blind_first)
    with db.session() as s:
        result = upsert.upsert_users(session=s, environment_id=env_id, now=datetime.now(UTC),
                                     users=[upsert.PersonInput("u1", {"b": 2})])
        s.commit()
    assert result.as_dict() == {"created": 0, "updated": 1}
    with db.session() as s:
        view = query_user(s, env_id, "u1")
        assert view == {"a": 1, "b": 2}


def query_user(session: Any, env_id: int, ext: str) -> dict[str, Any]:
    from server.people.query import get_user

    view = get_user(session=session, environment_id=env_id, external_id=ext)
    assert view is not None
    return view.user.traits

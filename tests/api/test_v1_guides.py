"""Admin REST: guides."""

from __future__ import annotations

from typing import Any

from server.models import Environment
from tests.api.v1_support import (  # noqa: F401
    Api,
    api_fixture,
    assert_error,
    client_fixture,
    guide_def,
    other_fixture,
)


def _guides_version(db: Any, api: Api) -> int:
    with db.session() as s:
        env = s.get(Environment, api.created.environment.id)
        return env.guides_version


def test_post_guide_creates_a_draft_without_publishing(api: Api, db: Any) -> None:
    before = _guides_version(db, api)
    r = api.post("/guides", json=guide_def("welcome"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["key"] == "welcome" and body["status"] == "draft"
    assert body["published_version"] is None and body["latest_version"] is None
    assert body["has_draft"] is True and body["draft"]["steps"][0]["title"] == "Welcome"
    assert body["published"] is None
    assert _guides_version(db, api) == before


def test_post_guide_with_publish_true_publishes_version_1(api: Api, db: Any) -> None:
    before = _guides_version(db, api)
    r = api.post("/guides", params={"publish": "true"}, json=guide_def("welcome"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "published" and body["published_version"] == 1
    assert body["published"]["name"] == "Welcome" and body["draft"] is None
    assert _guides_version(db, api) > before


def test_invalid_definition_is_422_with_the_path_of_each_problem(api: Api) -> None:
    bad = guide_def(type="tour", steps=[
        {"kind": "modal", "title": "a"}, {"kind": "modal"}, {"kind": "tooltip", "title": "x"},
    ])
    err = assert_error(api.post("/guides", json=bad), 422, "validation_error")
    assert {"loc": "steps[2].target", "msg": "required for a tooltip step"} in err["details"]
    assert api.get("/guides/welcome").status_code == 404  # nothing half-written


def test_unknown_key_in_definition_is_422(api: Api) -> None:
    err = assert_error(api.post("/guides", json=guide_def(colour="red")), 422)
    assert err["details"] == [{"loc": "colour", "msg": "unknown key"}]


def test_wrong_types_in_definition_are_422_not_500(api: Api) -> None:
    for body in ({"key": 5}, {**guide_def(), "steps": "nope"}, {**guide_def(), "priority": "hi"}):
        assert_error(api.post("/guides", json=body), 422)
    assert_error(api.post("/guides", json=[guide_def()]), 400)


def test_creating_an_existing_key_is_409(api: Api) -> None:
    assert api.post("/guides", json=guide_def()).status_code == 201
    assert_error(api.post("/guides", json=guide_def()), 409, "guide_exists")


def test_get_guide_returns_draft_and_published_definitions(api: Api) -> None:
    api.post("/guides", params={"publish": "true"}, json=guide_def(priority=1))
    assert api.put("/guides/welcome", json=guide_def(priority=2)).status_code == 200
    body = api.get("/guides/welcome").json()
    assert body["published"]["priority"] == 1 and body["draft"]["priority"] == 2
    assert body["has_draft"] is True and body["latest_version"] == 1


def test_put_replaces_the_draft_and_leaves_the_published_version(api: Api, db: Any) -> None:
    api.post("/guides", params={"publish": "true"}, json=guide_def())
    before = _guides_version(db, api)
    r = api.put("/guides/welcome", json=guide_def(name="Hello again"))
    assert r.status_code == 200, r.text
    assert r.json()["draft"]["name"] == "Hello again"
    assert r.json()["published"]["name"] == "Welcome"
    assert _guides_version(db, api) == before


def test_put_with_a_different_key_in_the_body_is_422(api: Api) -> None:
    api.post("/guides", json=guide_def())
    err = assert_error(api.put("/guides/welcome", json=guide_def("other")), 422)
    assert err["details"][0]["loc"] == "key"


def test_put_unknown_guide_is_404(api: Api) -> None:
    assert_error(api.put("/guides/nope", json=guide_def("nope")), 404, "not_found")


def test_publish_creates_a_version_with_the_message(api: Api) -> None:
    api.post("/guides", json=guide_def())
    r = api.post("/guides/welcome/publish", json={"message": "first cut"})
    assert r.status_code == 200, r.text
    assert r.json()["published_version"] == 1 and r.json()["status"] == "published"
    versions = api.get("/guides/welcome/versions").json()["data"]
    assert [(v["number"], v["message"], v["author"]) for v in versions] == [(1, "first cut", "api")]


def test_publish_without_a_body_is_accepted(api: Api) -> None:
    api.post("/guides", json=guide_def())
    assert api.post("/guides/welcome/publish").status_code == 200


def test_publish_with_unknown_body_keys_is_422(api: Api) -> None:
    api.post("/guides", json=guide_def())
    assert_error(api.post("/guides/welcome/publish", json={"msg": "x"}), 422)


def test_publishing_twice_without_changes_keeps_one_version(api: Api) -> None:
    api.post("/guides", params={"publish": "true"}, json=guide_def())
    assert api.post("/guides/welcome/publish").json()["published_version"] == 1
    assert len(api.get("/guides/welcome/versions").json()["data"]) == 1


def test_unpublish_and_archive_change_status_and_keep_versions(api: Api) -> None:
    api.post("/guides", params={"publish": "true"}, json=guide_def())
    r = api.post("/guides/welcome/unpublish")
    assert r.json()["status"] == "draft" and r.json()["published_version"] is None
    r = api.post("/guides/welcome/archive")
    assert r.json()["status"] == "archived"
    assert len(api.get("/guides/welcome/versions").json()["data"]) == 1


def test_version_detail_returns_its_definition(api: Api) -> None:
    api.post("/guides", params={"publish": "true"}, json=guide_def(priority=1))
    api.put("/guides/welcome", json=guide_def(priority=2))
    api.post("/guides/welcome/publish")
    v1 = api.get("/guides/welcome/versions/1").json()
    v2 = api.get("/guides/welcome/versions/2").json()
    assert (v1["number"], v1["definition"]["priority"]) == (1, 1)
    assert (v2["number"], v2["definition"]["priority"]) == (2, 2)
    assert_error(api.get("/guides/welcome/versions/3"), 404)
    assert_error(api.get("/guides/welcome/versions/99999999999999999999999"), 404)


def test_rollback_publishes_a_new_version_equal_to_the_old_definition(api: Api) -> None:
    api.post("/guides", params={"publish": "true"}, json=guide_def(priority=1))
    api.put("/guides/welcome", json=guide_def(priority=2))
    api.post("/guides/welcome/publish")
    r = api.post("/guides/welcome/rollback", json={"version": 1})
    assert r.status_code == 200, r.text
    assert r.json()["published_version"] == 3
    v1 = api.get("/guides/welcome/versions/1").json()
    v3 = api.get("/guides/welcome/versions/3").json()
    assert v3["definition"] == v1["definition"]
    assert v3["definition_hash"] == v1["definition_hash"]
    assert r.json()["published"] == v1["definition"]


def test_rollback_to_a_missing_version_is_404_and_bad_bodies_are_4xx(api: Api) -> None:
    api.post("/guides", params={"publish": "true"}, json=guide_def())
    assert_error(api.post("/guides/welcome/rollback", json={"version": 9}), 404)
    assert_error(api.post("/guides/welcome/rollback", json={"version": "one"}), 422)
    assert_error(api.post("/guides/welcome/rollback", json={}), 422)
    assert_error(api.post("/guides/welcome/rollback", content=b"{nope"), 400, "malformed_json")


def test_publishing_an_unpublished_guide_republishes_its_latest_version(api: Api) -> None:
    api.post("/guides", params={"publish": "true"}, json=guide_def())
    api.post("/guides/welcome/unpublish")
    assert api.post("/guides/welcome/publish").json()["published_version"] == 1


def test_list_filters_by_status_type_and_q(api: Api) -> None:
    api.post("/guides", params={"publish": "true"}, json=guide_def("welcome-tour", name="Welcome"))
    api.post("/guides", json=guide_def("nps", name="Net promoter", type="survey", steps=[
        {"kind": "nps", "title": "How likely…?"}]))
    api.post("/guides", json=guide_def("old", name="Old news"))
    api.post("/guides/old/archive")

    def keys(**params: Any) -> list[str]:
        r = api.get("/guides", params=params)
        assert r.status_code == 200, r.text
        return [g["key"] for g in r.json()["data"]]

    assert keys() == ["nps", "old", "welcome-tour"]
    assert keys(status="published") == ["welcome-tour"]
    assert keys(status="archived") == ["old"]
    assert keys(type="survey") == ["nps"]
    assert keys(q="PROMOTER") == ["nps"]
    assert keys(q="tour") == ["welcome-tour"]
    assert keys(q="%") == []
    assert_error(api.get("/guides", params={"status": "live"}), 422)
    assert_error(api.get("/guides", params={"sort": "key"}), 422)


def test_list_pagination_walks_every_guide_exactly_once(api: Api) -> None:
    for i in range(7):
        assert api.post("/guides", json=guide_def(f"g{i}")).status_code == 201
    items, pages = api.walk("/guides", limit=3)
    assert [g["key"] for g in items] == [f"g{i}" for i in range(7)]
    assert pages == 3


def test_another_environments_guide_is_404_and_never_listed(api: Api, other: Api) -> None:
    api.post("/guides", params={"publish": "true"}, json=guide_def("secret-tour"))
    assert other.get("/guides").json() == {"data": [], "next_cursor": None}
    for method, path, body in [
        ("GET", "/guides/secret-tour", None),
        ("PUT", "/guides/secret-tour", guide_def("secret-tour")),
        ("POST", "/guides/secret-tour/publish", {}),
        ("POST", "/guides/secret-tour/unpublish", None),
        ("POST", "/guides/secret-tour/archive", None),
        ("GET", "/guides/secret-tour/versions", None),
        ("GET", "/guides/secret-tour/versions/1", None),
        ("POST", "/guides/secret-tour/rollback", {"version": 1}),
    ]:
        r = other.request(method, path, json=body)
        err = assert_error(r, 404, "not_found")
        assert "secret-tour" in err["message"] and "Acme" not in r.text
    # The same key is free in the other environment, and independent.
    assert other.post("/guides", json=guide_def("secret-tour")).status_code == 201
    assert api.get("/guides/secret-tour").json()["status"] == "published"


def test_versions_list_is_paginated_newest_first(api: Api) -> None:
    api.post("/guides", params={"publish": "true"}, json=guide_def(priority=0))
    for p in range(1, 5):
        api.put("/guides/welcome", json=guide_def(priority=p))
        api.post("/guides/welcome/publish")
    items, pages = api.walk("/guides/welcome/versions", limit=2)
    assert [v["number"] for v in items] == [5, 4, 3, 2, 1]
    assert pages == 3

"""POST /api/sdk/v1/bootstrap: auth, origins, identity verification, targeting, frequency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from server.guides.service import get_guide, publish_guide
from server.models import Environment
from server.security.keys import sign_user_id

from .sdkclient import ORIGIN, SdkClient, count, event


def guide(key: str, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "key": key,
        "name": key.title(),
        "type": "modal",
        "steps": [{"kind": "modal", "title": "Hello", "body": "Some **bold** text"}],
    }
    base.update(over)
    return base


def test_bootstrap_returns_published_guide_with_sanitised_html_and_fresh_state(sdk, factory, env):
    factory.guides(
        env,
        guide(
            "hello",
            steps=[
                {
                    "kind": "modal",
                    "title": "Hi <script>alert(1)</script>",
                    "body": "Click [here](javascript:alert(1)) or **there**<img src=x onerror=alert(1)>",  # noqa: E501
                }
            ],
        ),
    )
    r = sdk.bootstrap()
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == ORIGIN
    body = r.json()
    assert body["user"] == {"id": "user-1"}
    [g] = body["guides"]
    assert g["key"] == "hello" and g["type"] == "modal" and g["version"] == 1
    assert g["state"] == {
        "seen": 0,
        "step": 0,
        "completed": False,
        "dismissed": False,
        "snoozed_until": None,
    }
    html = g["steps"][0]["title_html"] + g["steps"][0]["body_html"]
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "<strong>there</strong>" in html
    assert body["settings"]["theme"]["primary"].startswith("#")


def test_draft_archived_and_other_environment_guides_are_not_delivered(sdk, factory, env):
    factory.guides(env, guide("draft-one"), draft=True)
    other = factory.environment(workspace="Other Co")
    factory.guides(other, guide("elsewhere"))
    assert sdk.guide_keys() == []


def test_audience_rules_select_users_by_user_and_account_traits(sdk, factory, env):
    factory.guides(
        env,
        guide(
            "pro-only",
            audience={
                "all": [
                    {"attr": "user.plan", "op": "in", "value": ["pro", "team"]},
                    {"attr": "account.mrr", "op": "gte", "value": 100},
                    {"not": {"attr": "user.role", "op": "eq", "value": "guest"}},
                ]
            },
        ),
    )
    acct = {"id": "acct-7", "traits": {"mrr": 1200}}
    assert sdk.guide_keys("u-pro", {"plan": "pro"}, account=acct) == ["pro-only"]
    assert sdk.guide_keys("u-free", {"plan": "free"}, account=acct) == []
    assert sdk.guide_keys("u-guest", {"plan": "pro", "role": "guest"}, account=acct) == []
    small = {"id": "acct-8", "traits": {"mrr": 10}}
    assert sdk.guide_keys("u-pro2", {"plan": "pro"}, account=small) == []
    assert sdk.guide_keys("u-noacct", {"plan": "pro"}) == []


def test_guides_are_ordered_by_priority_then_key(sdk, factory, env):
    factory.guides(
        env, guide("b-low", priority=1), guide("a-high", priority=5), guide("c-high", priority=5)
    )
    assert sdk.guide_keys() == ["a-high", "c-high", "b-low"]


def test_traits_are_merged_and_account_membership_recorded(sdk, db):
    assert (
        sdk.bootstrap(
            "u1",
            {"plan": "free", "email": "a@b.jp"},
            account={"id": "acct-1", "traits": {"mrr": 5}},
        ).status_code
        == 200
    )
    assert sdk.bootstrap("u1", {"plan": "pro"}).status_code == 200
    from server.models import EndUser

    with db.session() as s:
        user = s.exec(select(EndUser).where(EndUser.external_id == "u1")).one()
    assert user.traits == {"plan": "pro", "email": "a@b.jp"}
    assert (
        count(
            db, "SELECT count(*) FROM account_membership WHERE user_id='u1' AND account_id='acct-1'"
        )
        == 1
    )
    assert count(db, "SELECT count(*) FROM account WHERE external_id='acct-1'") == 1


def test_frequency_once_hides_a_guide_after_it_was_seen(sdk, factory, env):
    factory.guides(env, guide("once", frequency="once"))
    assert sdk.guide_keys() == ["once"]
    assert sdk.send([event("guide_seen", guide="once", step=0)]).json()["accepted"] == 1
    assert sdk.guide_keys() == []


def test_state_fields_come_from_the_users_guide_state_rows(sdk, factory, env, db):
    # The user, account and guide states are read in one statement (JSON-aggregated
    # states): the state the response carries must be the stored one, field by field.
    factory.guides(env, guide("tour", frequency="until_completed"), guide("other"))
    sdk.send([event("guide_seen", guide="tour"), event("step_seen", guide="tour", step=2)])
    assert sdk.bootstrap().status_code == 200

    def snooze(until: datetime) -> None:
        sqlite = db.dialect == "sqlite"
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE guide_state SET snoozed_until = "
                + ("? WHERE guide_key = 'tour'" if sqlite else "%s WHERE guide_key = 'tour'"),
                (until.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else until,),
            )

    # Snoozed into the future: withheld; the other guide (no state row) is fresh.
    snooze(datetime.now(UTC) + timedelta(days=1))
    r = sdk.bootstrap()
    assert [g["key"] for g in r.json()["guides"]] == ["other"]
    assert r.json()["guides"][0]["state"] == {
        "seen": 0, "step": 0, "completed": False, "dismissed": False, "snoozed_until": None}
    # The snooze is over: the started tour resumes; its state is the stored row.
    until = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    snooze(until)
    states = {g["key"]: g["state"] for g in sdk.bootstrap().json()["guides"]}
    assert states["tour"] == {"seen": 1, "step": 2, "completed": False, "dismissed": False,
                              "snoozed_until": until.isoformat()}


def test_until_completed_returns_after_dismissal_but_not_after_completion(sdk, factory, env):
    factory.guides(env, guide("uc", frequency="until_completed"))
    sdk.send([event("guide_seen", guide="uc"), event("guide_dismissed", guide="uc")])
    r = sdk.bootstrap()
    [g] = r.json()["guides"]
    assert g["state"]["dismissed"] is True and g["state"]["seen"] == 1
    sdk.send([event("guide_completed", guide="uc")])
    assert sdk.guide_keys() == []


def test_max_times_and_snooze(sdk, factory, env):
    factory.guides(env, guide("twice", frequency={"mode": "max_times", "times": 2}))
    sdk.send([event("guide_seen", guide="twice")])
    assert sdk.guide_keys() == ["twice"]
    sdk.send([event("guide_seen", guide="twice")])
    assert sdk.guide_keys() == []
    factory.guides(env, guide("snoozy", frequency="until_completed"))
    now = datetime.now(UTC)
    # Snoozed 8 days ago for the default 7 days: back again. Snoozed now: hidden.
    sdk.send(
        [event("guide_snoozed", guide="snoozy", timestamp=(now - timedelta(days=8)).isoformat())]
    )
    assert "snoozy" in sdk.guide_keys("user-1")
    sdk.send([event("guide_snoozed", guide="snoozy", user_id="user-2", timestamp=now.isoformat())])
    assert "snoozy" not in sdk.guide_keys("user-2")
    # An out-of-range snooze length falls back to the default 7 days.
    sdk.send(
        [
            event(
                "guide_snoozed",
                guide="snoozy",
                user_id="user-3",
                properties={"days": 3650},
                timestamp=(now - timedelta(days=8)).isoformat(),
            )
        ]
    )
    assert "snoozy" in sdk.guide_keys("user-3")


def test_schedule_in_the_future_withholds_the_guide(sdk, factory, env):
    factory.guides(
        env,
        guide("later", schedule={"start": "2099-01-01"}),
        guide("past", schedule={"start": "2020-01-01", "end": "2020-12-31"}),
        guide("now", schedule={"start": "2020-01-01"}),
    )
    assert sdk.guide_keys() == ["now"]


def test_publishing_a_new_version_is_served_on_the_next_request(sdk, factory, env, db):
    factory.guides(env, guide("live", name="First"))
    assert sdk.bootstrap().json()["guides"][0]["name"] == "First"
    with db.session() as s:
        environment = s.get(Environment, env.environment.id)
        g = get_guide(session=s, environment=environment, key="live")
        publish_guide(session=s, guide=g, author="t", definition=guide("live", name="Second"))
        s.commit()
    [g] = sdk.bootstrap().json()["guides"]
    assert (g["name"], g["version"]) == ("Second", 2)


def test_unknown_or_missing_key_is_401(client):
    r = client.post("/api/sdk/v1/bootstrap", json={"key": "pk_nope", "user": {"id": "u"}})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    r = client.post("/api/sdk/v1/bootstrap", json={"user": {"id": "u"}})
    assert r.status_code == 401


def test_key_may_come_in_the_header(client, env):
    r = client.post(
        "/api/sdk/v1/bootstrap",
        json={"user": {"id": "u"}},
        headers={"x-shirube-key": env.environment.publishable_key},
    )
    assert r.status_code == 200


def test_wrong_origin_is_403_without_cors_headers_and_writes_nothing(sdk, db):
    sdk.origin = "https://evil.test"
    r = sdk.bootstrap("intruder", {"plan": "pro"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in r.headers
    assert count(db, "SELECT count(*) FROM end_user") == 0


def test_preflight_allows_the_sdk_headers(client):
    r = client.options(
        "/api/sdk/v1/bootstrap",
        headers={
            "origin": ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in r.headers["access-control-allow-methods"]


@pytest.fixture
def verified(client, factory) -> tuple[SdkClient, Any]:  # type: ignore[no-untyped-def]
    created = factory.environment(workspace="Signed", identity_verification=True)
    return SdkClient(client, created.environment.publishable_key), created


def test_identity_verification_rejects_missing_or_wrong_signature_and_writes_nothing(verified, db):
    sdk, _ = verified
    r = sdk.bootstrap("user-42")
    assert r.status_code == 401 and r.json()["error"]["code"] == "identity_verification_failed"
    r = sdk.client.post(
        "/api/sdk/v1/bootstrap",
        headers={"origin": ORIGIN},
        json={"key": sdk.key, "user": {"id": "user-42", "signature": "00" * 32}},
    )
    assert r.status_code == 401
    assert count(db, "SELECT count(*) FROM end_user") == 0


def test_identity_verification_accepts_the_hmac_and_both_secrets_during_rotation(verified, db):
    sdk, created = verified
    old = created.identity_secret
    body = {"key": sdk.key, "user": {"id": "user-42", "signature": sign_user_id(old, "user-42")}}
    assert (
        sdk.client.post("/api/sdk/v1/bootstrap", json=body, headers={"origin": ORIGIN}).status_code
        == 200
    )
    from server.workspaces.service import rotate_identity_secret

    with db.session() as s:
        env = s.get(Environment, created.environment.id)
        new = rotate_identity_secret(session=s, env=env)
        s.commit()
    for secret in (old, new):
        body["user"]["signature"] = sign_user_id(secret, "user-42")
        r = sdk.client.post("/api/sdk/v1/bootstrap", json=body, headers={"origin": ORIGIN})
        assert r.status_code == 200, r.text
    body["user"]["signature"] = sign_user_id(old, "user-43")
    assert (
        sdk.client.post("/api/sdk/v1/bootstrap", json=body, headers={"origin": ORIGIN}).status_code
        == 401
    )


BAD_BODIES = [
    (b"{not json", 400, "malformed_json"),
    (b"[]", 400, "bad_request"),
    (b"", 400, "bad_request"),
    (b'{"user": {"id": NaN}}', 400, "malformed_json"),
    (b'{"user": {"id": "u", "traits": {"n": 1e999}}}', 400, None),
    (b'{"user": {"id": "u", "traits": {"n": 123456789012345678901234567890}}}', 400, None),
    (
        b'{"user": {"id": "u", "traits": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}}}}',  # noqa: E501
        400,
        None,
    ),
    (b'{"user": {"id": ""}}', 422, "validation_error"),
    (b'{"user": {"id": {"x": 1}}}', 422, "validation_error"),
    (b'{"user": {"id": "u", "traits": "nope"}}', 422, "validation_error"),
    (b'{"account": {"id": "a"}}', 422, "validation_error"),
]


@pytest.mark.parametrize(("raw", "status", "code"), BAD_BODIES)
def test_bad_bootstrap_bodies_get_a_4xx_in_the_one_error_shape(client, env, raw, status, code):
    key = env.environment.publishable_key
    r = client.post(
        "/api/sdk/v1/bootstrap",
        content=raw,
        headers={"x-shirube-key": key, "content-type": "text/plain"},
    )
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert set(err) == {"code", "message", "details"} and err["message"]
    if code:
        assert err["code"] == code


def test_oversize_and_wrong_content_type_bodies(client, env):
    key = env.environment.publishable_key
    big = b'{"user": {"id": "u", "traits": {"x": "' + b"a" * 3_000_000 + b'"}}}'
    r = client.post("/api/sdk/v1/bootstrap", content=big, headers={"x-shirube-key": key})
    assert r.status_code == 413
    r = client.post(
        "/api/sdk/v1/bootstrap",
        content=b"<xml/>",
        headers={"x-shirube-key": key, "content-type": "application/xml"},
    )
    assert r.status_code == 415


def test_numeric_user_ids_are_the_same_user_as_their_string(sdk, db):
    assert sdk.bootstrap(42).status_code == 200  # type: ignore[arg-type]
    assert sdk.bootstrap("42").status_code == 200
    assert count(db, "SELECT count(*) FROM end_user WHERE external_id='42'") == 1


def test_a_returning_user_whose_traits_change_is_re_targeted_at_once(sdk, factory, env):
    factory.guides(
        env, guide("pro-tip", audience={"attr": "user.plan", "op": "eq", "value": "pro"})
    )
    assert sdk.guide_keys("u1", {"plan": "free"}) == []
    assert sdk.guide_keys("u1", {"plan": "free"}) == []  # memoised
    assert sdk.guide_keys("u1", {"plan": "pro"}) == ["pro-tip"]
    assert sdk.guide_keys("u1") == ["pro-tip"]  # traits kept from the last identify


def test_event_history_rules_count_the_users_events_and_are_never_stale(sdk, factory, env):
    factory.guides(
        env,
        guide(
            "first-report-help", audience={"event": "report_created", "op": "count_lt", "value": 1}
        ),
        guide(
            "power-user",
            audience={
                "all": [
                    {"event": "report_created", "op": "count_gte", "value": 2, "within_days": 30},
                    {"attr": "user.plan", "op": "eq", "value": "pro"},
                ]
            },
        ),
    )
    assert sdk.guide_keys("u1", {"plan": "pro"}) == ["first-report-help"]
    recent = datetime.now(UTC) - timedelta(days=1)
    old = datetime.now(UTC) - timedelta(days=60)
    sdk.send([event("track", user_id="u1", name="report_created", timestamp=recent.isoformat())])
    # The memo of audiences must not hide the new event (same user, same traits).
    assert sdk.guide_keys("u1", {"plan": "pro"}) == []
    sdk.send([event("track", user_id="u1", name="report_created", timestamp=old.isoformat())])
    assert sdk.guide_keys("u1", {"plan": "pro"}) == []  # the old one is outside 30 days
    sdk.send([event("track", user_id="u1", name="report_created", timestamp=recent.isoformat())])
    assert sdk.guide_keys("u1", {"plan": "pro"}) == ["power-user"]
    assert sdk.guide_keys("u1", {"plan": "free"}) == []


def test_a_manual_guide_is_delivered_whatever_its_frequency_so_show_can_open_it(sdk, factory, env):
    factory.guides(env, guide("help-center", trigger={"on": "manual"}, frequency="once"),
                   guide("auto-once", frequency="once"))
    sdk.send([event("guide_seen", guide="help-center"), event("guide_completed", guide="help-center"),
              event("guide_seen", guide="auto-once")])
    assert sdk.guide_keys() == ["help-center"]


def test_postgres_reads_on_the_event_loop_and_writes_in_threads(sdk, client, factory, env, db):
    """PostgreSQL: the snapshot read goes through the asyncpg pool the lifespan opened
    (in the worker's schema: the search_path option reaches it), a returning user with
    nothing to write is answered on the loop, and a bootstrap that must write (new user,
    changed traits) is re-run with a real connection, with every write done once."""
    fast = client.app.state.fast
    if fast.is_sqlite:
        pytest.skip("the event-loop driver is PostgreSQL's")
    factory.guides(env, guide("tip", audience={"attr": "user.plan", "op": "eq", "value": "pro"}))
    pool = fast._loop_pool
    assert pool is not None
    assert sdk.guide_keys("pg-1", {"plan": "pro"}) == ["tip"]  # new user: written
    assert pool.get_size() >= 1  # the snapshot came through asyncpg
    assert sdk.guide_keys("pg-1", {"plan": "pro"}) == ["tip"]  # returning: nothing to write
    assert sdk.guide_keys("pg-1", {"plan": "free"}) == []  # traits changed: written
    assert sdk.guide_keys("pg-1") == []  # merged traits kept
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT traits->>'plan' FROM end_user WHERE external_id = 'pg-1'").all()
    assert rows == [("free",)]


def test_without_the_lifespan_the_bootstrap_reads_through_the_sync_driver(settings, factory):
    """A TestClient used without `with` never runs the lifespan: no event-loop pool, and
    bootstrap still answers (psycopg in FastSQL's threads on PostgreSQL, inline on SQLite)."""
    from starlette.testclient import TestClient

    from server.app import create_app

    e = factory.environment()
    factory.guides(e, guide("hello"))
    app = create_app(settings)
    c = TestClient(app)
    try:
        r = c.post("/api/sdk/v1/bootstrap", headers={"Origin": ORIGIN},
                   json={"key": e.environment.publishable_key, "user": {"id": "nolife"}})
        assert r.status_code == 200, r.text
        assert [g["key"] for g in r.json()["guides"]] == ["hello"]
        assert app.state.fast._loop_pool is None
    finally:
        app.state.db.dispose()


def test_history_rules_behind_failing_trait_conditions_cost_no_segment_read(
    sdk, factory, env, monkeypatch
):
    """A guide whose audience is all(trait conditions, segment/event conditions): the trait
    part is memoised like a static audience, and the segments are read only when a trait
    part passes — the result is the same as evaluating the whole rule."""
    import server.delivery.bootstrap as bootstrap_module

    calls: list[str] = []
    real = bootstrap_module.user_segments

    def counting(**kw: Any) -> frozenset[str]:
        calls.append(kw["ctx"].user_id)
        return real(**kw)

    monkeypatch.setattr(bootstrap_module, "user_segments", counting)
    factory.guides(
        env,
        guide("vip-offer", audience={"all": [
            {"attr": "user.plan", "op": "eq", "value": "pro"},
            {"not": {"segment": "blocked", "op": "member"}},
            {"event": "report_created", "op": "count_gte", "value": 1},
        ]}),
    )
    assert sdk.guide_keys("free-1", {"plan": "free"}) == []
    assert sdk.guide_keys("free-1", {"plan": "free"}) == []
    assert calls == []  # the trait part failed: no segment read at all
    assert sdk.guide_keys("pro-1", {"plan": "pro"}) == []  # no report yet
    sdk.send([event("track", user_id="pro-1", name="report_created")])
    assert sdk.guide_keys("pro-1", {"plan": "pro"}) == ["vip-offer"]  # never stale
    assert calls == ["pro-1", "pro-1"]


def test_a_returning_users_unchanged_request_is_answered_from_the_memo(sdk, factory, env,
                                                                        monkeypatch):
    import server.api.sdk as sdk_api

    factory.guides(env, guide("a"), guide("b", frequency="until_completed"))
    served = []  # per request: answered from the memo?
    real = sdk_api.memoised_response
    monkeypatch.setattr(sdk_api, "memoised_response",
                        lambda *a: served.append((body := real(*a)) is not None) or body)
    traits = {"plan": "pro"}
    first = sdk.bootstrap(traits=traits)  # creates the user: computed, not remembered
    second = sdk.bootstrap(traits=traits)  # computed (writes nothing): remembered
    third = sdk.bootstrap(traits=traits)  # remembered
    assert served == [False, False, True]
    assert first.json() == second.json() and third.content == second.content
    assert third.headers["access-control-allow-origin"] == ORIGIN
    # Anything the answer depends on moves: computed again, at once.
    assert sdk.bootstrap(traits={"plan": "team"}).status_code == 200  # traits as sent
    sdk.send([event("guide_seen", guide="a")])  # a guide state row
    sdk.bootstrap(user="user-2", traits=traits)  # another user
    assert sdk.guide_keys(traits=traits) == ["b"]  # traits back to "pro": written
    assert sdk.guide_keys(traits=traits) == ["b"]  # nothing written: remembered
    assert served[3:] == [False, False, False, False]
    assert sdk.guide_keys(traits=traits) == ["b"] and served[-1] is True
    sdk.send([event("guide_completed", guide="b")])  # the state row changes
    assert sdk.guide_keys(traits=traits) == [] and served[-1] is False


def test_a_remembered_answer_ends_when_a_schedule_starts(sdk, factory, env):
    import time

    start = datetime.now(UTC) + timedelta(seconds=3)
    factory.guides(env, guide("soon", schedule={"start": start.isoformat()}), guide("now"))
    assert sdk.guide_keys() == ["now"]
    assert sdk.guide_keys() == ["now"]  # remembered, until the start
    entry = sdk.client.app.state.guide_cache.hint(sdk.key)
    [(_, until, _)] = entry.response_memo.values()
    assert until == start
    time.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds()) + 0.05)
    assert sdk.guide_keys() == ["now", "soon"]


def test_a_body_over_the_limits_is_refused_every_time(client, env):
    """Parsed bodies are remembered by their bytes (server/api/sdk.py `_parse_request`);
    refused ones are not, so the same bytes are refused again, and a good body stays good."""
    key = env.environment.publishable_key
    deep = (b'{"key":"%s","user":{"id":"u","traits":{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}}}'
            % key.encode())
    good = b'{"key":"%s","user":{"id":"u","traits":{"a":1}}}' % key.encode()
    headers = {"content-type": "text/plain", "origin": ORIGIN}
    for _ in range(2):
        r = client.post("/api/sdk/v1/bootstrap", content=deep, headers=headers)
        assert r.status_code == 400 and r.json()["error"]["code"] == "limit_exceeded"
        assert client.post("/api/sdk/v1/bootstrap", content=good, headers=headers).status_code == 200


def test_a_remembered_body_still_yields_to_the_key_header(client, env):
    """Parsed bodies are remembered by their bytes (server/api/sdk.py `_parse_request`); a
    key header, which wins over the body's key, is read on every request."""
    import server.api.sdk as sdk_api

    key = env.environment.publishable_key
    body = b'{"key":"%s","user":{"id":"u-parsed","traits":{"plan":"pro"}}}' % key.encode()
    headers = {"content-type": "text/plain", "origin": ORIGIN}
    for _ in range(2):
        assert client.post("/api/sdk/v1/bootstrap", content=body, headers=headers).status_code == 200
    remembered = sdk_api._PARSED[body]
    assert remembered[0] == key and remembered[1].user_traits == {"plan": "pro"}
    r = client.post("/api/sdk/v1/bootstrap", content=body,
                    headers={**headers, "x-shirube-key": "pk_someone_else"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert sdk_api._PARSED[body] is remembered  # the header's answer is not remembered
    wrong = b'{"key":"%s","user":{"traits":{}}}' % key.encode()  # no user id
    for _ in range(2):  # refused bodies are parsed (and refused) every time
        r = client.post("/api/sdk/v1/bootstrap", content=wrong, headers=headers)
        assert r.status_code == 422 and wrong not in sdk_api._PARSED

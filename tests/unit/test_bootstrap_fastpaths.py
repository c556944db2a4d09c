"""The bootstrap hot path's shortcuts decide exactly as the general code they replace.

- `budget_exhausted` vs `budget_state(...).exhausted` (the fatigue budget);
- the route's hand-written body check vs the pydantic model `BootstrapIn`;
- the pre-serialised guide bytes of a cache entry vs serialising the payload and state.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.api.sdk import BootstrapIn, _parse_bootstrap
from server.delivery.bootstrap import budget_exhausted
from server.delivery.cache import FRESH_STATE, EnvironmentEntry
from server.errors import ApiError
from server.segments.budget import budget_plan, budget_state, throttle_of
from server.targeting.frequency import GuideStateView

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
KEYS = ["a", "b", "c", "d", "banner"]

minutes_ago = st.one_of(st.none(), st.integers(min_value=-30, max_value=60 * 30))
throttles = st.one_of(
    st.none(),
    st.fixed_dictionaries({}, optional={
        "cooldown_minutes": st.one_of(st.integers(-1, 120), st.floats(0, 120), st.just(True)),
        "max_per_day": st.one_of(st.integers(-1, 5), st.just(2.5)),
    }),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(
    seen=st.dictionaries(st.sampled_from(KEYS), minutes_ago, max_size=5),
    interruptive=st.frozensets(st.sampled_from(KEYS)),
    throttle=throttles,
    naive=st.booleans(),
)
def test_budget_exhausted_agrees_with_budget_state(
    seen: dict[str, int | None], interruptive: frozenset[str], throttle: Any, naive: bool
) -> None:
    states = {}
    for key, ago in seen.items():
        when = None if ago is None else NOW - timedelta(minutes=ago)
        if when is not None and naive:
            when = when.replace(tzinfo=None)  # SQLite-style values are naive UTC
        states[key] = GuideStateView(times_seen=1, last_seen_at=when)
    cooldown, per_day = throttle_of(throttle)
    expected = budget_state(states=states, interruptive=interruptive, throttle=throttle,
                            now=NOW).exhausted is not None
    got = budget_exhausted(states, interruptive, timedelta(minutes=cooldown), per_day, NOW)
    assert got is expected


ids = st.one_of(st.text(max_size=300), st.integers(), st.none(), st.booleans(),
                st.just(""), st.just("u\x00"), st.just("x" * 255), st.just("x" * 256))
traits = st.one_of(st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
                   st.none(), st.text(max_size=3), st.lists(st.integers(), max_size=2))
strings = st.one_of(st.none(), st.text(max_size=5), st.integers(), st.just("u" * 4097),
                    st.just("l" * 36), st.just("l" * 35))


def _person() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.fixed_dictionaries({"id": ids}, optional={
            "traits": traits, "signature": st.one_of(strings, st.just("s" * 257)),
            "extra": st.integers(),
        }),
        st.none(), st.text(max_size=3), st.integers(),
    )


bodies = st.fixed_dictionaries({}, optional={
    "user": _person(),
    "account": _person(),
    "context": st.one_of(
        st.fixed_dictionaries({}, optional={"url": strings, "locale": strings,
                                            "user_agent": strings, "other": st.integers()}),
        st.none(), st.text(max_size=3), st.lists(st.integers(), max_size=1),
    ),
    "key": st.just("pk_x"),
})


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies)
def test_hand_written_body_check_matches_the_pydantic_model(body: dict[str, Any]) -> None:
    try:
        parsed = BootstrapIn.model_validate(body)
    except Exception:  # noqa: BLE001 - pydantic's ValidationError
        with pytest.raises(ApiError) as err:
            _parse_bootstrap(body)
        assert err.value.status == 422 and err.value.code == "validation_error"
        assert err.value.details  # pydantic's own per-field messages
        return
    data, signature = _parse_bootstrap(body)
    account = parsed.account
    assert (data.user_id, data.user_traits, signature) == (
        parsed.user.id, parsed.user.traits, parsed.user.signature)
    assert (data.account_id, data.account_traits) == (
        (account.id, account.traits) if account else (None, {}))
    assert (data.url, data.locale) == (parsed.context.url, parsed.context.locale)


def test_pre_serialised_guides_are_the_payload_plus_a_fresh_state() -> None:
    payloads = {
        "tour": {"key": "tour", "interrupt": True, "trigger": {"on": "url"}, "steps": [1]},
        "hint": {"key": "hint", "interrupt": False, "trigger": {"on": "load"}},
    }
    budget = budget_plan(payloads=payloads.items(), throttle={"cooldown_minutes": 5,
                                                              "max_per_day": 1})
    entry = EnvironmentEntry(
        environment_id=1, version=1, allowed_origins=frozenset(), identity_verification=False,
        identity_secrets=[], guides=[],
        guide_prefix={k: orjson.dumps(p)[:-1] for k, p in payloads.items()},
        features_json=b'[{"f":1}]', settings_json=b'{"theme":"x"}', budget=budget,
    )
    fresh = {"seen": 0, "step": 0, "completed": False, "dismissed": False,
             "snoozed_until": None}
    for key, payload in payloads.items():
        assert orjson.loads(entry.guide_fresh[key]) == {**payload, "state": fresh}
    assert orjson.loads(entry.throttled_fresh["tour"]) == {
        **payloads["tour"], "trigger": {"on": "manual"}, "throttled": True, "state": fresh}
    assert "hint" not in entry.throttled_fresh
    assert (entry.budget_cooldown, entry.budget_per_day) == (timedelta(minutes=5), 1)
    whole = b'{"user":{"id":"u"},"guides":[' + entry.guide_fresh["hint"] + entry.tail_json
    assert orjson.loads(whole) == {"user": {"id": "u"}, "guides": [{**payloads["hint"],
                                   "state": fresh}], "features": [{"f": 1}],
                                   "settings": {"theme": "x"}}
    assert FRESH_STATE.endswith(b"}}")

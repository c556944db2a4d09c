"""The hand-written fast path of event validation (`fast_event`) must agree with the
`EventIn` model: it accepts only events the model accepts, with the same values, and
everything it does not accept goes to the model (which gives the rejection reason)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pydantic import ValidationError

from server.ingest.events import EVENT_TYPES, Event, EventIn, fast_event
from server.ingest.service import prepare_batch, validate_events

_ATTRS = Event.__slots__


def _base(type_: str = "page_view") -> dict:
    e = {"id": str(uuid.uuid4()), "type": type_, "user_id": "u-1",
         "timestamp": "2026-11-20T08:00:00.123Z", "properties": {"path": "/x", "n": 3}}
    if type_ == "track":
        e["name"] = "clicked"
    if type_.startswith(("guide_", "step_")):
        e["guide"] = "tour"
        e["step"] = 1
    return e


def _model(item):  # type: ignore[no-untyped-def]
    try:
        return Event.of(EventIn.model_validate(item))
    except ValidationError:
        return None


def _same(a: Event, b: Event) -> bool:
    return all(getattr(a, k) == getattr(b, k) for k in _ATTRS) and (
        a.timestamp.utcoffset() == b.timestamp.utcoffset()
    )


def test_ordinary_events_take_the_fast_path_with_the_models_values():
    now = datetime.now(UTC)
    for type_ in EVENT_TYPES:
        item = _base(type_)
        item["id"] = item["id"].upper()
        fast = fast_event(item, now)
        assert fast is not None, type_
        model = _model(item)
        assert model is not None and _same(fast, model)
        assert fast.id == item["id"].lower() and fast.timestamp.tzinfo is not None
    assert fast_event({**_base(), "timestamp": "2026-11-20T09:00:00+01:00"}, now).timestamp == (
        datetime(2026, 11, 20, 8, tzinfo=UTC)
    )


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 2000), st.floats(allow_nan=True),
    st.text(max_size=6), st.sampled_from(["", "\x00", "a" * 256, "tour", "x\x00y", " "]),
    st.sampled_from(list(EVENT_TYPES) + ["nonsense", "TRACK"]),
    st.sampled_from([
        "2026-11-20T08:00:00Z", "2026-11-20T08:00:00", "2026-11-20", "1999-12-31T23:59:59Z",
        "2999-01-01T00:00:00Z", "2026-11-20T08:00:00.1234567Z", "2026-11-20T25:00:00Z",
        "2026-11-20T08:00:00+25:00", "2026-11-20 08:00:00Z", "1700000000", "yesterday",
    ]),
    st.dictionaries(st.text(max_size=3), st.integers() | st.text(max_size=3), max_size=3),
    st.just({"deep": {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}}),
    st.just({"big": 2**60}), st.just({"nul": "a\x00"}), st.just([1]),
)


@hsettings(max_examples=600, deadline=None)
@given(
    type_=st.sampled_from(EVENT_TYPES),
    changes=st.dictionaries(
        st.sampled_from(["id", "type", "user_id", "account_id", "guide", "step", "name",
                         "properties", "timestamp", "extra"]),
        _VALUES, max_size=3,
    ),
    drop=st.sets(st.sampled_from(["id", "type", "user_id", "properties", "timestamp", "name",
                                  "guide", "step"]), max_size=2),
)
def test_the_fast_path_never_disagrees_with_the_model(type_, changes, drop):
    item = {**_base(type_), **changes}
    for key in drop:
        item.pop(key, None)
    model = _model(item)
    fast = fast_event(item, datetime.now(UTC))
    if fast is not None:
        assert model is not None, item
        assert _same(fast, model), item


def test_rejections_keep_the_models_reasons():
    items = [_base(), {**_base(), "id": "nope"}, {**_base(), "step": -1},
             {**_base("track"), "name": None}, 7]
    valid, rejected = validate_events(items)
    assert [i for i, _, _ in valid] == [0]
    reasons = {r["index"]: r["reason"] for r in rejected}
    assert "UUID" in reasons[1] and reasons[1].startswith("id:")
    assert reasons[2].startswith("step:")
    assert "name is required" in reasons[3]
    assert reasons[4]
    assert prepare_batch([items[0], items[0]]).result.duplicates == 1


_EDGES = {
    "step": [0, 1000, 1001, -1, True, 1.0, "1", None],
    "user_id": ["a" * 255, "a" * 256, "", 5, True, "a\x00", " "],
    "account_id": ["b" * 255, "b" * 256, "", None, 7],
    "guide": ["g" * 100, "g" * 101, "", None],
    "name": ["n" * 200, "n" * 201, "", None, "\x00"],
    "id": [str(uuid.uuid4()).upper(), str(uuid.uuid4())[:-1], str(uuid.uuid4()) + "0", 5],
    "timestamp": ["2000-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2000-01-01T00:30:00+01:00",
                  "2026-11-20T08:00:00.5+05:30", "2026-11-20T08:00:00-00:00", 1700000000],
    "properties": [{}, {"a": [1, 2]}, {"k" * 201: 1}, {"f": float("inf")}, {"i": 2**53},
                   {"i": 2**53 + 1}, None, []],
    "type": ["track", "guide_seen", "survey_answered", None],
}


def test_edge_values_agree_field_by_field():
    now = datetime.now(UTC)
    for field, values in _EDGES.items():
        for type_ in ("page_view", "track", "guide_seen"):
            for value in values:
                item = {**_base(type_), field: value}
                model, fast = _model(item), fast_event(item, now)
                if fast is not None:
                    assert model is not None and _same(fast, model), (field, value, type_)
                elif type(value) is str and field not in ("timestamp", "step") and model is not None:
                    # Plain valid strings must not fall off the fast path.
                    raise AssertionError(f"slow path for a plain value: {field}={value!r}")

"""The fast limit check never accepts what the path-naming walk would refuse."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.jsonlimits import JsonLimitError, _check, check_json, within_limits

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=30,
)


@given(json_values, st.integers(-2, 7))
def test_fast_check_agrees_with_the_full_walk(value, depth):
    try:
        _check(value, depth=depth)
        full_ok = True
    except JsonLimitError:
        full_ok = False
    if within_limits(value, depth):
        assert full_ok


@pytest.mark.parametrize(
    "value",
    [
        {"a": "x" * 9000},
        {"a": 2**54},
        {"a": float("inf")},
        {"a\x00": 1},
        {"a": "b\x00"},
        {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}},
        list(range(501)),
        {str(i): i for i in range(201)},
    ],
)
def test_limits_are_enforced_with_the_path_named(value):
    with pytest.raises(JsonLimitError) as info:
        check_json({"traits": value})
    assert "traits" in str(info.value)

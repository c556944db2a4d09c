"""Canonical YAML: deterministic, readable, and export → import → export byte-identical."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.guides.files import dump_guide, load_guide_file, normalise_definition, parse_guide_text
from server.guides.model import GuideFile

DEMO = Path(__file__).resolve().parents[2] / "guides" / "demo"


def test_dump_uses_field_order_block_style_and_omits_defaults() -> None:
    guide = GuideFile.model_validate(
        {
            "steps": [{"kind": "modal", "title": "Hi", "body": "Line 1\n\nLine 2\n"}],
            "type": "modal",
            "name": "Hello",
            "key": "hello",
            "priority": 0,
            "frequency": "once",
            "trigger": {"on": "page_load", "url": {"match": "prefix", "value": "/app"}},
        }
    )
    assert dump_guide(guide) == (
        "key: hello\n"
        "name: Hello\n"
        "type: modal\n"
        "trigger:\n"
        "  url:\n"
        "    match: prefix\n"
        "    value: /app\n"
        "steps:\n"
        "  - kind: modal\n"
        "    title: Hi\n"
        "    body: |\n"
        "      Line 1\n"
        "\n"
        "      Line 2\n"
    )


def test_dump_keeps_unicode_and_the_target_shorthand() -> None:
    guide = GuideFile.model_validate(
        {
            "key": "t", "name": "ツールチップ", "type": "tooltip",
            "steps": [{"kind": "tooltip", "title": "新機能", "target": {"selectors": ["#a"]}}],
        }
    )  # fmt: skip
    text = dump_guide(guide)
    assert "name: ツールチップ\n" in text
    assert "    target: '#a'\n" in text


def test_words_other_yaml_tools_read_as_booleans_are_quoted_but_the_on_key_is_not() -> None:
    guide = GuideFile.model_validate(
        {
            "key": "b", "name": "yes", "type": "modal",
            "trigger": {"on": "event", "event": "on"},
            "steps": [{"kind": "modal", "title": "No"}],
            "translations": {"no": {"name": "Off"}},
        }
    )  # fmt: skip
    text = dump_guide(guide)
    assert "name: 'yes'\n" in text and "  on: event\n" in text and "  event: 'on'\n" in text
    assert "\n  no:\n    name: 'Off'\n" in text
    assert parse_guide_text(text) == guide


def test_demo_guides_are_already_canonical_up_to_comments_and_round_trip() -> None:
    for path in sorted(DEMO.glob("*.yaml")):
        guide = load_guide_file(path)
        once = dump_guide(guide)
        again = parse_guide_text(once, source=path.name)
        assert again == guide, path.name
        assert dump_guide(again) == once, path.name
        assert dump_guide(normalise_definition(guide)) == once, path.name


# --- property: any valid definition survives dump → parse → dump ----------------------

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=40)
_word = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
_scalar = st.one_of(
    st.text(max_size=20), st.integers(-10**6, 10**6), st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)  # fmt: skip
_leaf = st.one_of(
    st.builds(lambda a, v: {"attr": f"user.{a}", "op": "eq", "value": v}, _word, _scalar),
    st.builds(lambda a, v: {"attr": f"account.{a}", "op": "in", "value": v}, _word,
              st.lists(_scalar, min_size=1, max_size=3)),
    st.builds(lambda a: {"attr": f"user.{a}", "op": "exists"}, _word),
    st.builds(lambda a, d: {"attr": f"user.{a}", "op": "within_days", "value": d}, _word,
              st.integers(0, 1000)),
    st.builds(lambda a, d: {"attr": f"user.{a}", "op": "before", "value": d.isoformat()}, _word,
              st.dates()),
    st.builds(lambda s, o: {"segment": s, "op": o}, _word,
              st.sampled_from(["member", "not_member"])),
    st.builds(lambda e, n, w: {"event": e, "op": "count_gte", "value": n, "within_days": w},
              _word, st.integers(0, 50), st.none() | st.integers(0, 365)),
)  # fmt: skip
_rule = st.recursive(
    _leaf,
    lambda kids: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(kids, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(kids, max_size=3)),
        st.builds(lambda x: {"not": x}, kids),
    ),
    max_leaves=6,
)
_url = st.none() | st.builds(
    lambda m, v, q: {"match": m, "value": v, **({"query": q} if q else {})},
    st.sampled_from(["exact", "prefix", "glob"]),
    st.text(min_size=1, max_size=30),
    st.dictionaries(_word, st.text(max_size=10), max_size=2),
)
_target = st.one_of(
    st.text(min_size=1, max_size=30),
    st.builds(
        lambda sels, text, strict: {"selectors": sels, "text": text, "strictness": strict},
        st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=3),
        st.none() | _text,
        st.sampled_from(["strict", "normal", "loose"]),
    ),
)


def _tour_step() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda kind, title, body, target, placement, url: {
            "kind": kind, "title": title, "body": body, "target": target,
            "placement": placement, "url": url,
        },
        st.sampled_from(["modal", "tooltip", "hotspot"]), _text, _text, _target,
        st.sampled_from(["top", "bottom-end", "left-start", "right"]), _url,
    )  # fmt: skip


@st.composite
def guide_definitions(draw: st.DrawFn) -> dict[str, Any]:
    steps = draw(st.lists(_tour_step(), min_size=1, max_size=4))
    translations = draw(
        st.dictionaries(
            st.sampled_from(["ja", "fr", "pt-BR", "no"]),
            st.builds(
                lambda name, items: {"name": name, "steps": items},
                st.none() | _text,
                st.lists(st.builds(lambda t, b: {"title": t, "body": b}, st.none() | _text,
                                   st.none() | _text), max_size=len(steps)),
            ),
            max_size=2,
        )
    )  # fmt: skip
    frequency = draw(
        st.sampled_from(["once", "until_completed", {"mode": "every_days", "days": 3},
                         {"mode": "max_times", "times": 2}])
    )  # fmt: skip
    return {
        "key": draw(st.from_regex(r"[a-z0-9][a-z0-9_-]{0,30}", fullmatch=True)),
        "name": draw(st.text(min_size=1, max_size=40)),
        "type": "tour",
        "priority": draw(st.integers(-1000, 1000)),
        "locale": draw(st.sampled_from(["en", "ja"])),
        "tags": draw(st.lists(st.text(min_size=1, max_size=10), max_size=3)),
        "audience": draw(st.none() | _rule),
        "trigger": {"url": draw(_url), "delay_ms": draw(st.integers(0, 600_000))},
        "frequency": frequency,
        "backdrop": draw(st.booleans()),
        "steps": steps,
        "translations": translations,
    }


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(guide_definitions())
def test_any_valid_definition_round_trips_byte_identically(data: dict[str, Any]) -> None:
    guide = GuideFile.model_validate(data)
    exported = dump_guide(guide)
    imported = parse_guide_text(exported)
    assert imported == guide
    assert normalise_definition(imported) == normalise_definition(guide)
    assert dump_guide(imported) == exported

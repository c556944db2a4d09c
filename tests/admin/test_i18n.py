"""The whole admin UI exists in Japanese: every text of the templates and views is in the
catalog, translated, with the same %(placeholders)s."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from server.admin.i18n import format_share, format_when, negotiate

ROOT = Path(__file__).resolve().parents[2]
ADMIN = ROOT / "server" / "admin"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def _used() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ADMIN), METHODS, options_map=OPTIONS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog(lang: str) -> dict[str, str]:
    with (ADMIN / "i18n" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id}


def test_every_admin_text_has_a_japanese_translation_with_the_same_placeholders():
    used, ja = _used(), _catalog("ja")
    assert len(used) > 150
    missing = sorted(m for m in used if not ja.get(m))
    assert missing == []
    for msgid, text in ja.items():
        placeholders = re.compile(r"%\(\w+\)s")
        assert sorted(placeholders.findall(msgid)) == sorted(placeholders.findall(text)), msgid


def test_the_english_catalog_lists_the_same_messages():
    assert set(_catalog("en")) >= _used()


def test_language_negotiation_prefers_the_users_choice_then_the_browser():
    assert negotiate("ja-JP,ja;q=0.9,en;q=0.8") == "ja"
    assert negotiate("fr-FR,en;q=0.5,ja;q=0.7") == "ja"
    assert negotiate("fr, de") == "en" and negotiate(None) == "en"
    assert negotiate("ja", preferred="en") == "en"


def test_dates_and_numbers_follow_the_locale():
    from datetime import UTC, datetime

    when = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)
    assert format_when(when, "ja").startswith("2026/11/23")
    assert "Nov" in format_when(when, "en")
    assert format_share(0.953, "en") == "95.3%" and format_share(None, "ja") == "—"

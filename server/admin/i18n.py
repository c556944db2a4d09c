"""Languages of the admin UI: gettext catalogs (en, ja), negotiation, locale formatting.

Catalogs are the `.po` files under i18n/<lang>/LC_MESSAGES/; they are compiled in memory
when the app starts (no build step, no committed `.mo`). Message ids are the English
text; `en/messages.po` may leave them untranslated. Update after changing texts:

    pybabel extract -F server/admin/i18n/babel.cfg -o /tmp/admin.pot server/admin
    pybabel update -i /tmp/admin.pot -d server/admin/i18n

tests/admin/test_i18n.py fails when a text of a template or view has no Japanese.
"""

from __future__ import annotations

import gettext
import io
from datetime import UTC, datetime
from pathlib import Path

from babel import Locale
from babel.core import UnknownLocaleError
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

I18N_DIR = Path(__file__).resolve().parent / "i18n"
LANGUAGES = {"en": "English", "ja": "日本語"}
DEFAULT = "en"


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


def load_catalogs(directory: Path = I18N_DIR) -> dict[str, gettext.NullTranslations]:
    """One translations object per language, compiled from its .po file."""
    out: dict[str, gettext.NullTranslations] = {}
    for lang in LANGUAGES:
        po = directory / lang / "LC_MESSAGES" / "messages.po"
        if not po.is_file():
            out[lang] = gettext.NullTranslations()
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        out[lang] = gettext.GNUTranslations(buf)
    return out


def negotiate(accept_language: str | None, preferred: str | None = None) -> str:
    """The user's own choice when set, else the best match of Accept-Language, else English."""
    if preferred in LANGUAGES:
        return preferred  # type: ignore[return-value]
    weighted: list[tuple[float, str]] = []
    for part in (accept_language or "").split(",")[:20]:
        lang, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        weighted.append((weight, lang.strip().lower().split("-")[0]))
    for _weight, lang in sorted(weighted, key=lambda t: -t[0]):
        if lang in LANGUAGES:
            return lang
    return DEFAULT


def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT)


def format_when(value: datetime | None, lang: str) -> str:
    """A timestamp in the locale's medium format, in UTC (labelled)."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_datetime(value, "medium", tzinfo=UTC, locale=_locale(lang)) + " UTC"


def format_number(value: float | int | None, lang: str) -> str:
    return "—" if value is None else format_decimal(value, locale=_locale(lang))


def format_share(value: float | None, lang: str) -> str:
    """0.953 → '95.3%' (en) / '95.3%' (ja), '—' when unknown."""
    return "—" if value is None else format_percent(value, "#,##0.0%", locale=_locale(lang))

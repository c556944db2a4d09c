"""One `survey_answered` event → a normalised answer (docs/sdk-contract.md "Surveys").

Pure: no database. Anything malformed is dropped field by field (a score outside its
scale is not stored; the event itself stays in the event log), so a bad client can never
write a nonsense score into the NPS.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import nh3

from ..metrics.surveys import nps_category

SCORED_KINDS = ("nps", "ces", "csat")
FOLLOWUP_KINDS = ("text", "single_choice")
MAX_COMMENT = 2000
MAX_URL = 2000
MAX_LOCALE = 35
#: Scale tops: NPS 0–10, CSAT 1–5 (METRICS.md "Surveys"); CES says 5 or 7 (default 7).
FIXED_SCALE = {"nps": 10, "csat": 5}
CES_SCALES = (5, 7)
_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def sanitise_text(value: Any, *, limit: int = MAX_COMMENT) -> str | None:
    """Plain text from an end user's free answer: no markup, no control characters,
    NFC-normalised, trimmed and capped at `limit` characters; None when empty."""
    if not isinstance(value, str):
        return None
    text = _CONTROL.sub("", value.replace("\r\n", "\n"))
    # Strip any markup (its text is kept, script/style content dropped), then undo the
    # escaping nh3 adds: what we store is text, escaped by whoever displays it.
    text = html.unescape(nh3.clean(text, tags=set(), attributes={}))
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()
    return text[:limit].rstrip() or None


@dataclass(slots=True)
class Answer:
    """What one event says about one showing of one survey to one user."""

    user_id: str
    survey_key: str
    asked_at: datetime
    answered_at: datetime
    event_uuid: str
    kind: str | None = None
    score: int | None = None
    scale: int | None = None
    comment: str | None = None
    followup: dict[str, str] = field(default_factory=dict)
    locale: str | None = None
    url: str | None = None
    account_id: str | None = None

    @property
    def category(self) -> str | None:
        if self.kind == "nps" and self.score is not None:
            return nps_category(self.score)
        return None

    def merge(self, later: Answer) -> None:
        """Fold a later event of the same showing into this answer."""
        self.answered_at = max(self.answered_at, later.answered_at)
        if later.score is not None:
            self.kind, self.score, self.scale = later.kind, later.score, later.scale
        elif self.kind is None:
            self.kind = later.kind
        self.comment = later.comment or self.comment
        self.followup.update(later.followup)
        self.locale = later.locale or self.locale
        self.url = later.url or self.url
        self.account_id = later.account_id or self.account_id


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _asked_at(value: Any, fallback: datetime) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        return fallback
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return fallback
    parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if parsed < _EARLIEST or parsed > fallback + timedelta(days=1):
        return fallback
    return parsed


def _score(kind: str, props: dict[str, Any]) -> tuple[int | None, int | None]:
    """(score, scale) when the score is on its scale, else (None, scale)."""
    if kind == "ces":
        scale = _int(props.get("scale"))
        scale = scale if scale in CES_SCALES else 7
    else:
        scale = FIXED_SCALE[kind]
    score = _int(props.get("score"))
    low = 0 if kind == "nps" else 1
    if score is None or not low <= score <= scale:
        return None, scale
    return score, scale


def parse_answer(
    *, uuid: str, user_id: str, account_id: str | None, guide: str | None, step: int | None,
    properties: dict[str, Any], timestamp: datetime,
) -> Answer | None:
    """The answer carried by one `survey_answered` event, or None if it carries none."""
    if not guide:
        return None
    props = properties
    kind = props.get("kind", "nps")
    if kind not in SCORED_KINDS and kind not in FOLLOWUP_KINDS:
        return None
    answer = Answer(
        user_id=user_id, survey_key=guide, asked_at=_asked_at(props.get("asked_at"), timestamp),
        answered_at=timestamp, event_uuid=uuid, account_id=account_id,
        locale=_short(props.get("locale"), MAX_LOCALE), url=_short(props.get("url"), MAX_URL),
    )
    if kind in SCORED_KINDS:
        score, scale = _score(kind, props)
        answer.kind, answer.scale = kind, scale
        answer.score = score
        answer.comment = sanitise_text(props.get("comment"))
        if score is None and answer.comment is None:
            return None
    else:
        text = sanitise_text(props.get("answer"))
        if text is None:
            return None
        answer.followup[str(step if step is not None else 0)] = text
    return answer


def _short(value: Any, limit: int) -> str | None:
    if not isinstance(value, str) or not value or "\x00" in value:
        return None
    return value[:limit]

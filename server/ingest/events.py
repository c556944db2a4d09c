"""The event vocabulary and the validated shape of one incoming event.

The type list is the same frozen map as the SDK's `sdk_js/src/events.js`
(a test compares them).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from ..jsonlimits import JsonLimitError, check_json, reject_nul

EVENT_TYPES: tuple[str, ...] = (
    "page_view",
    "track",
    "guide_seen",
    "step_seen",
    "step_completed",
    "guide_completed",
    "guide_dismissed",
    "guide_snoozed",
    "guide_target_missing",
    "survey_answered",
    "feature_used",
)
GUIDE_EVENT_TYPES = frozenset(t for t in EVENT_TYPES if t.startswith(("guide_", "step_")))
EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]  # the same list, as a type

_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_PROPERTIES_BYTES = 16 * 1024


def _id_string(value: Any) -> Any:
    # Customers often use numeric ids; they are the same id as their string form.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


IdStr = Annotated[
    str, BeforeValidator(_id_string), AfterValidator(reject_nul), Field(min_length=1, max_length=255)
]
NameStr = Annotated[str, AfterValidator(reject_nul)]


class EventIn(BaseModel):
    """One event as the SDK (and the admin import) sends it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    id: str
    type: EventType
    user_id: IdStr
    account_id: IdStr | None = None
    guide: NameStr | None = Field(default=None, min_length=1, max_length=100)
    step: int | None = Field(default=None, ge=0, le=1000)
    name: NameStr | None = Field(default=None, min_length=1, max_length=200)
    properties: dict[str, Any] = Field(default_factory=dict)
    timestamp: datetime

    @field_validator("id")
    @classmethod
    def _uuid(cls, v: str) -> str:
        if not _UUID_RE.match(v):
            raise ValueError("must be a UUID (8-4-4-4-12 hex)")
        return v.lower()

    @field_validator("timestamp")
    @classmethod
    def _ts(cls, v: datetime) -> datetime:
        v = v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)
        if v < _EARLIEST or v > datetime.now(UTC) + timedelta(days=1):
            raise ValueError("must be between 2000-01-01 and one day from now")
        return v

    @field_validator("properties")
    @classmethod
    def _props(cls, v: dict[str, Any]) -> dict[str, Any]:
        try:
            check_json(v, path="properties")
        except JsonLimitError as exc:
            raise ValueError(str(exc)) from None
        return v

    @model_validator(mode="after")
    def _needs(self) -> EventIn:
        if self.type == "track" and not self.name:
            raise ValueError("name is required for a track event")
        if self.type in GUIDE_EVENT_TYPES and not self.guide:
            raise ValueError(f"guide is required for a {self.type} event")
        return self

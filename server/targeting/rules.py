"""Audience rules, triggers, frequency, schedule and goal: the pydantic models.

Every model dumps (``model_dump(mode="json", exclude_none=True)``) to the normalised
dicts the evaluator in ``server.targeting`` works on:

- groups: ``{"all": [rule, ...]}``, ``{"any": [rule, ...]}``, ``{"not": rule}``
- attribute: ``{"attr": "user.plan", "op": "in", "value": ["pro", "team"]}``
- segment: ``{"segment": "nps-detractors", "op": "not_member"}``
- event history: ``{"event": "report_created", "op": "count_lt", "value": 1, "within_days": 30}``

A rule is exactly one of these shapes, picked by which key it carries.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

MAX_DEPTH = 8
MAX_LIST = 100
#: Loc entries pydantic inserts for the rule union's members; error formatting drops them.
RULE_TAG_PREFIX = "rule:"

ATTR_OPS = (
    "eq", "neq", "in", "not_in", "contains", "gt", "gte", "lt", "lte", "exists",
    "not_exists", "within_days", "older_than_days", "before", "after",
)  # fmt: skip
EVENT_OPS = ("count_gte", "count_gt", "count_lt", "count_lte", "count_eq")
_SHAPE_KEYS = ("all", "any", "not", "attr", "segment", "event")

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")]
EventName = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\s].*$")]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, serialize_by_alias=True, validate_by_name=True
    )


# --- shared value types -------------------------------------------------------------


def to_iso(value: Any) -> str:
    """Normalise a date/datetime (object or ISO string) to its canonical ISO string.

    Dates stay dates (``2026-12-01``); datetimes get a UTC offset (naive means UTC).
    """
    if isinstance(value, datetime):
        parsed: date = value
    elif isinstance(value, date):
        return value.isoformat()
    elif isinstance(value, str):
        text = value.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return date.fromisoformat(text).isoformat()
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise PydanticCustomError(
                "iso_date", "must be an ISO date or datetime, like 2026-12-01 or 2026-12-01T09:00Z"
            ) from None
    else:
        raise PydanticCustomError("iso_date", "must be an ISO date or datetime string")
    assert isinstance(parsed, datetime)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.isoformat()


def iso_to_datetime(value: str, *, end_of_day: bool = False) -> datetime:
    """An aware datetime from a normalised ISO string; a date is its start (or end) in UTC."""
    if len(value) == 10:
        day = date.fromisoformat(value)
        if end_of_day:
            return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=UTC)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    return datetime.fromisoformat(value)


IsoDate = Annotated[
    str,
    PlainValidator(to_iso),
    WithJsonSchema({"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]}),
]

# --- audience rules -----------------------------------------------------------------


def _rule_tag(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return RULE_TAG_PREFIX + _MODEL_TAGS[type(value).__name__]
    if isinstance(value, dict):
        found = [k for k in _SHAPE_KEYS if k in value]
        if len(found) == 1:
            return RULE_TAG_PREFIX + found[0]
    return None


_MODEL_TAGS = {
    "AllRule": "all", "AnyRule": "any", "NotRule": "not",
    "AttrRule": "attr", "SegmentRule": "segment", "EventRule": "event",
}  # fmt: skip


def _check_rule_shape(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value
    if not isinstance(value, dict):
        raise PydanticCustomError("rule_type", "a rule must be a mapping")
    found = [k for k in _SHAPE_KEYS if k in value]
    if not found:
        raise PydanticCustomError(
            "rule_shape", "a rule needs one of the keys: all, any, not, attr, segment, event"
        )
    if len(found) > 1:
        raise PydanticCustomError(
            "rule_shape", "a rule has exactly one shape, got {keys}", {"keys": ", ".join(found)}
        )
    return value


def _depth(rule: BaseModel) -> int:
    if isinstance(rule, AllRule | AnyRule):
        children = rule.all if isinstance(rule, AllRule) else rule.any
        return 1 + max((_depth(child) for child in children), default=0)
    if isinstance(rule, NotRule):
        return 1 + _depth(rule.not_)
    return 1


class _Group(_Model):
    @model_validator(mode="after")
    def _cap_depth(self) -> _Group:
        if _depth(self) > MAX_DEPTH:
            raise ValueError(f"rules nest at most {MAX_DEPTH} levels deep")
        return self


class AllRule(_Group):
    """Matches when every child rule matches (an empty list matches everyone)."""

    all: list[Rule] = Field(max_length=MAX_LIST)


class AnyRule(_Group):
    """Matches when at least one child rule matches."""

    any: list[Rule] = Field(max_length=MAX_LIST)


class NotRule(_Group):
    """Matches when the child rule does not."""

    not_: Rule = Field(alias="not")


_SCALAR = (str, int, float, bool)


class AttrRule(_Model):
    """A comparison on a user or account trait (``user.plan``, ``account.mrr``, ``user.id``)."""

    attr: str = Field(
        max_length=200, pattern=r"^(user|account)(\.[A-Za-z0-9_$-][A-Za-z0-9_$ -]*)+$"
    )
    op: Literal[ATTR_OPS]  # type: ignore[valid-type]
    value: Annotated[Any, WithJsonSchema({})] = None

    @model_validator(mode="before")
    @classmethod
    def _normalise_value(cls, data: Any) -> Any:
        # YAML turns unquoted 2026-12-01 into a date: keep the wire form a string.
        if isinstance(data, dict):
            value = data.get("value")
            if isinstance(value, date):
                return {**data, "value": to_iso(value)}
            if isinstance(value, list) and any(isinstance(v, date) for v in value):
                items = [to_iso(v) if isinstance(v, date) else v for v in value]
                return {**data, "value": items}
        return data

    @model_validator(mode="after")
    def _check_value(self) -> AttrRule:
        op, value = self.op, self.value
        items = value if isinstance(value, list) else [value]
        if any(isinstance(v, float) and not math.isfinite(v) for v in items):
            raise ValueError("value: numbers must be finite")
        if op in ("exists", "not_exists"):
            if value is not None:
                raise ValueError(f"value: not used with op {op}")
            return self
        if value is None:
            raise ValueError(f"value: required for op {op}")
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not value:
                raise ValueError(f"value: op {op} needs a non-empty list")
            if len(value) > MAX_LIST * 10:
                raise ValueError(f"value: at most {MAX_LIST * 10} items")
            if not all(isinstance(v, _SCALAR) for v in value):
                raise ValueError("value: list items must be strings, numbers or booleans")
        elif op in ("within_days", "older_than_days"):
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"value: op {op} needs a non-negative number of days")
        elif op in ("before", "after"):
            try:
                self.value = to_iso(value)
            except PydanticCustomError:
                raise ValueError(f"value: op {op} needs an ISO date or datetime") from None
        elif op in ("gt", "gte", "lt", "lte"):
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise ValueError(f"value: op {op} needs a number or a string")
        elif not isinstance(value, _SCALAR):
            raise ValueError(f"value: op {op} needs a string, number or boolean")
        if isinstance(value, str) and len(value) > 1000:
            raise ValueError("value: at most 1000 characters")
        return self


class SegmentRule(_Model):
    """Membership of a computed or manual segment."""

    segment: Slug
    op: Literal["member", "not_member"] = "member"


class EventRule(_Model):
    """How many times the user tracked an event (optionally in the last N days)."""

    event: EventName
    op: Literal[EVENT_OPS]  # type: ignore[valid-type]
    value: Annotated[int, Field(ge=0)]
    within_days: Annotated[int, Field(ge=0, le=36500)] | None = None


#: A rule of any shape; use it as a field type (``audience: Rule | None``).
Rule = Annotated[
    Annotated[AllRule, Tag(RULE_TAG_PREFIX + "all")]
    | Annotated[AnyRule, Tag(RULE_TAG_PREFIX + "any")]
    | Annotated[NotRule, Tag(RULE_TAG_PREFIX + "not")]
    | Annotated[AttrRule, Tag(RULE_TAG_PREFIX + "attr")]
    | Annotated[SegmentRule, Tag(RULE_TAG_PREFIX + "segment")]
    | Annotated[EventRule, Tag(RULE_TAG_PREFIX + "event")],
    Discriminator(_rule_tag),
    BeforeValidator(_check_rule_shape),
]

for _model in (AllRule, AnyRule, NotRule):
    _model.model_rebuild()


def parse_rule(obj: Any) -> dict[str, Any]:
    """Validate one rule (raises ``pydantic.ValidationError``) and return its normalised dict."""
    from pydantic import TypeAdapter

    rule = TypeAdapter(Rule).validate_python(obj)
    return rule.model_dump(mode="json", exclude_none=True)


# --- trigger, frequency, schedule, goal ---------------------------------------------


class UrlRule(_Model):
    """Which page: matched against ``pathname + search + hash`` (``/app/#/reports``)."""

    match: Literal["exact", "prefix", "glob", "regex"]
    value: str = Field(min_length=1, max_length=2000)
    query: dict[str, str] | None = Field(default=None, max_length=MAX_LIST)

    @model_validator(mode="after")
    def _check_regex(self) -> UrlRule:
        if self.match == "regex":
            try:
                re.compile(self.value)
            except re.error as exc:
                raise ValueError(f"value: not a valid regular expression ({exc})") from None
        return self


TRIGGER_EVENTS = ("page_load", "element_visible", "element_click", "event", "manual")


class Trigger(_Model):
    """The client-side condition that shows a guide, evaluated by the SDK."""

    url: UrlRule | None = None
    on: Literal[TRIGGER_EVENTS] = "page_load"  # type: ignore[valid-type]
    selector: str | None = Field(default=None, min_length=1, max_length=2000)
    event: EventName | None = None
    delay_ms: Annotated[int, Field(ge=0, le=600_000)] = 0

    @model_validator(mode="after")
    def _check_on(self) -> Trigger:
        needs_selector = self.on in ("element_visible", "element_click")
        if needs_selector and not self.selector:
            raise ValueError(f"selector: required for on: {self.on}")
        if not needs_selector and self.selector is not None:
            raise ValueError("selector: only used with on: element_visible or element_click")
        if self.on == "event" and not self.event:
            raise ValueError("event: required for on: event")
        if self.on != "event" and self.event is not None:
            raise ValueError("event: only used with on: event")
        return self


def _frequency_shorthand(value: Any) -> Any:
    if isinstance(value, str):
        return {"mode": value}
    return value


class Frequency(_Model):
    """How often one user may see a guide. Shorthand strings ``once`` / ``until_completed``."""

    mode: Literal["once", "until_completed", "every_days", "max_times"] = "once"
    days: Annotated[int, Field(ge=1, le=3650)] | None = None
    times: Annotated[int, Field(ge=1, le=1000)] | None = None

    @model_validator(mode="after")
    def _check_mode(self) -> Frequency:
        if self.mode == "every_days" and self.days is None:
            raise ValueError("days: required for mode every_days")
        if self.mode == "max_times" and self.times is None:
            raise ValueError("times: required for mode max_times")
        if self.mode != "every_days" and self.days is not None:
            raise ValueError("days: only used with mode every_days")
        if self.mode != "max_times" and self.times is not None:
            raise ValueError("times: only used with mode max_times")
        return self


FrequencyField = Annotated[
    Frequency,
    BeforeValidator(
        _frequency_shorthand, json_schema_input_type=Literal["once", "until_completed"] | Frequency
    ),
]


class Schedule(_Model):
    """When a guide is live: ``start``/``end`` dates (whole days, UTC) or datetimes."""

    start: IsoDate | None = None
    end: IsoDate | None = None

    @model_validator(mode="after")
    def _check_order(self) -> Schedule:
        if self.start is None and self.end is None:
            raise ValueError("start: give a start, an end or both")
        if self.start and self.end:
            if iso_to_datetime(self.end, end_of_day=True) < iso_to_datetime(self.start):
                raise ValueError("end: must not be before start")
        return self


class Goal(_Model):
    """The conversion a guide is meant to cause, measured against the holdout group."""

    event: EventName
    within_days: Annotated[int, Field(ge=1, le=365)] = 7

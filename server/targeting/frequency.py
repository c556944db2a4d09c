"""Frequency and schedule checks for one guide and one user.

``frequency_allows`` and ``schedule_allows`` return ``(allowed, reason)`` for the
explanation; the hot path uses ``frequency_ok`` and a schedule compiled once per guide
(``compile_schedule``), which decide the same way without building any text (a property
test holds each pair together).  None of them raises, and anything malformed is "not
allowed" (with a reason that names the key and the value).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from server.targeting.operators import is_number, parse_datetime


@dataclass(frozen=True, slots=True)
class GuideStateView:
    """What the server knows about one user's history with one guide."""

    times_seen: int = 0
    last_seen_at: datetime | None = None
    completed_at: datetime | None = None
    dismissed_at: datetime | None = None
    snoozed_until: datetime | None = None
    current_step: int = 0


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    zone = value.tzinfo
    if zone is UTC:  # the usual case, and astimezone(UTC) would return it unchanged
        return value
    return value.replace(tzinfo=UTC) if zone is None else value.astimezone(UTC)


def _ago(now: datetime, then: datetime) -> str:
    days = (now - then).total_seconds() / 86400
    return f"{then.isoformat()} ({days:.1f} days ago)"


def _count(value: Any, minimum: int) -> int | None:
    if not is_number(value) or not math.isfinite(value) or value != int(value):
        return None
    return int(value) if value >= minimum else None


def frequency_allows(
    freq: dict[str, Any] | None, state: GuideStateView | None, now: datetime
) -> tuple[bool, str]:
    """May the guide be offered again, given its frequency and the user's state?

    Modes: ``once`` (never seen), ``until_completed`` (not completed; a dismissal does
    not stop it on the server), ``every_days`` N (not seen in the last N days; completion
    does not stop it), ``max_times`` N (seen fewer than N times).  In every mode a
    snooze in the future blocks, and a multi-step guide that was started (current step
    > 0) but neither completed nor dismissed may resume.  ``None`` means ``once``.
    """
    try:
        return _frequency(freq if freq is not None else {"mode": "once"}, state, _utc(now))
    except Exception as exc:  # defensive: a state row with odd types must not break bootstrap
        return False, f"frequency could not be checked ({type(exc).__name__}: {exc})"


def _frequency(freq: Any, state: GuideStateView | None, now: datetime | None) -> tuple[bool, str]:
    assert now is not None
    if not isinstance(freq, dict):
        return False, f"frequency must be an object, got {freq!r}"
    mode = freq.get("mode")
    if mode not in ("once", "until_completed", "every_days", "max_times"):
        return False, f"unknown frequency mode {mode!r}"
    state = state or GuideStateView()
    snoozed = _utc(state.snoozed_until)
    if snoozed is not None and snoozed > now:
        return False, f"snoozed until {snoozed.isoformat()}"
    completed, dismissed = _utc(state.completed_at), _utc(state.dismissed_at)
    last_seen = _utc(state.last_seen_at)
    seen = state.times_seen > 0 or last_seen is not None
    if state.current_step > 0 and completed is None and dismissed is None:
        # A multi-page tour re-bootstraps on every page; cutting it off mid-way would
        # strand the user at step N.
        return True, f"in progress at step {state.current_step}: may resume"
    if mode == "once":
        if not seen:
            return True, "never seen (once)"
        if completed is not None:
            return False, f"shown once already; completed {_ago(now, completed)}"
        if dismissed is not None:
            return False, f"shown once already; dismissed {_ago(now, dismissed)}"
        return False, f"shown once already ({state.times_seen} times)"
    if mode == "until_completed":
        if completed is not None:
            return False, f"completed {_ago(now, completed)} (until_completed)"
        return True, "not completed yet (until_completed)"
    if mode == "every_days":
        days = _count(freq.get("days"), 1)
        if days is None:
            return False, f"every_days: days must be a whole number >= 1, got {freq.get('days')!r}"
        if last_seen is None:
            return True, f"not seen before (every {days} days)"
        if snoozed is not None and snoozed >= last_seen:
            # The last showing was answered with "ask me later": its snooze (over by now)
            # governs, not the every_days interval (a 7-day snooze must not mean 90 days).
            return True, f"snoozed at its last showing; the snooze ended {_ago(now, snoozed)}"
        if now - last_seen >= timedelta(days=days):
            return True, f"last seen {_ago(now, last_seen)}, at least {days} days ago"
        return False, f"last seen {_ago(now, last_seen)}, less than {days} days ago"
    times = _count(freq.get("times"), 1)
    if times is None:
        return False, f"max_times: times must be a whole number >= 1, got {freq.get('times')!r}"
    if state.times_seen < times:
        return True, f"seen {state.times_seen} of at most {times} times"
    return False, f"seen {state.times_seen} times, the maximum is {times}"


_MODES: Final = ("once", "until_completed", "every_days", "max_times")
_NEVER_SEEN: Final = GuideStateView()

FrequencyCheck = Callable[[GuideStateView | None, datetime], bool]


def frequency_ok(freq: dict[str, Any] | None, state: GuideStateView | None, now: datetime) -> bool:
    """``frequency_allows(freq, state, now)[0]``, without building the reason.

    In a loop, compile once with :func:`compile_frequency` instead.
    """
    return compile_frequency(freq)(state, now)


def frequency_well_formed(freq: dict[str, Any] | None) -> bool:
    """Is ``freq`` well formed (so that it allows a user who has no state yet)?"""
    parts = _frequency_parts(freq)
    return parts is not None and parts[1] is not _MALFORMED


_MALFORMED: Final = object()  # every_days / max_times without a valid parameter
_NO_WINDOW: Final = object()  # every_days too large for a timedelta: never again once seen


def _frequency_parts(freq: Any) -> tuple[str, Any] | None:
    """(mode, parameter), the parameter possibly ``_MALFORMED``; ``None`` if no known mode."""
    if freq is None:
        return "once", None
    if not isinstance(freq, dict):
        return None
    mode = freq.get("mode")
    try:
        if mode not in _MODES:
            return None
    except Exception:  # an odd value with a raising __eq__
        return None
    if mode == "every_days":
        days = _count(freq.get("days"), 1)
        if days is None:
            return mode, _MALFORMED
        try:
            return mode, timedelta(days=days)
        except OverflowError:
            return mode, _NO_WINDOW
    if mode == "max_times":
        times = _count(freq.get("times"), 1)
        return mode, _MALFORMED if times is None else times
    return mode, None


def frequency_interval(freq: dict[str, Any] | None) -> timedelta | None:
    """The ``every_days`` interval of a well-formed frequency, else None: the one way a
    frequency decision changes with time alone (a snooze ending is the other, per state)."""
    parts = _frequency_parts(freq)
    if parts is None or parts[0] != "every_days" or not isinstance(parts[1], timedelta):
        return None
    return parts[1]


def compile_frequency(freq: dict[str, Any] | None) -> FrequencyCheck:
    """``check(state, now)``, equal to ``frequency_allows(freq, state, now)[0]``.

    The mode and its parameter are read once; the check builds no text.
    """
    parts = _frequency_parts(freq)
    if parts is None:
        return _never_again
    # A malformed parameter still lets a started tour resume: like frequency_allows, the
    # check looks at the parameter only after the resume rule.
    mode, param = parts

    def check(state: GuideStateView | None, now: datetime) -> bool:
        # Step for step _frequency, so the same odd inputs fail at the same point.
        try:
            when = now if now.tzinfo is UTC else _utc(now)
            assert when is not None
            state = state or _NEVER_SEEN
            snoozed: Any = state.snoozed_until
            if snoozed is not None:
                if snoozed.tzinfo is not UTC:
                    snoozed = _utc(snoozed)
                if snoozed > when:
                    return False
            completed = state.completed_at
            if completed is not None and completed.tzinfo is not UTC:
                completed = _utc(completed)
            dismissed = state.dismissed_at
            if dismissed is not None and dismissed.tzinfo is not UTC:
                dismissed = _utc(dismissed)
            last_seen = state.last_seen_at
            if last_seen is not None and last_seen.tzinfo is not UTC:
                last_seen = _utc(last_seen)
            seen = state.times_seen > 0 or last_seen is not None
            if state.current_step > 0 and completed is None and dismissed is None:
                return True  # a started tour may resume
            if mode == "once":
                return not seen
            if mode == "until_completed":
                return completed is None
            if param is _MALFORMED:
                return False
            if mode == "every_days":
                if last_seen is None or (snoozed is not None and snoozed >= last_seen):
                    return True  # never seen, or its last showing was snoozed (see above)
                return param is not _NO_WINDOW and when - last_seen >= param
            return state.times_seen < param  # type: ignore[no-any-return]
        except Exception:  # as frequency_allows: odd state types mean "not allowed"
            return False

    return check


def _never_again(state: GuideStateView | None, now: datetime) -> bool:
    return False


def _bound(value: Any, key: str, *, end: bool) -> datetime | None:
    """A schedule bound: a date covers its whole UTC day; a datetime is exact."""
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, date) or (isinstance(value, str) and len(value) == 10):
        parsed = parse_datetime(value, epoch=False)
        if parsed is None:
            raise ValueError(f"schedule {key} {value!r} is not a date")
        return parsed + timedelta(days=1) if end else parsed
    parsed = parse_datetime(value, epoch=False)
    if parsed is None:
        raise ValueError(f"schedule {key} {value!r} is not a date")
    return parsed


def schedule_allows(schedule: dict[str, Any] | None, now: datetime) -> tuple[bool, str]:
    """Is ``now`` inside the guide's schedule?

    ``start`` and ``end`` are optional; dates are inclusive whole days in UTC (``end:
    2027-01-31`` runs until 2027-02-01T00:00Z), full datetimes are exact instants.
    ``None`` or ``{}`` means always.
    """
    if schedule is None:
        return True, "no schedule"
    if not isinstance(schedule, dict):
        return False, f"schedule must be an object, got {schedule!r}"
    try:
        when = _utc(now)
        assert when is not None
        start = schedule.get("start")
        end = schedule.get("end")
        starts = None if start is None else _bound(start, "start", end=False)
        ends = None if end is None else _bound(end, "end", end=True)
    except Exception as exc:  # ValueError from _bound, or anything odd: closed
        return False, str(exc)
    if starts is not None and when < starts:
        return False, f"scheduled to start {start} (not yet)"
    if ends is not None and when >= ends:
        return False, f"schedule ended {end}"
    if starts is None and ends is None:
        return True, "no schedule"
    return True, "within schedule" + (f" from {start}" if start else "") + (
        f" until {end}" if end else ""
    )


ScheduleCheck = Callable[[datetime], bool]


def _always(now: datetime) -> bool:
    return True


ALWAYS: Final[ScheduleCheck] = _always  # what compile_schedule gives for "no schedule"

ScheduleWindow = tuple[datetime | None, datetime | None]
# Malformed schedules keep the guide off: a window that no instant is inside.
_EMPTY_WINDOW: Final = (datetime.max.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC))


def schedule_window(schedule: dict[str, Any] | None) -> ScheduleWindow | None:
    """``(start, end)`` in UTC, live for ``start <= now < end`` (either may be ``None``).

    ``None`` means no schedule (always live); a malformed schedule gives a window that
    nothing is inside.  Parsed once; ``compile_schedule`` and ``partition_eligible`` use it.
    """
    if schedule is None:
        return None
    if not isinstance(schedule, dict):
        return _EMPTY_WINDOW
    try:
        start, end = schedule.get("start"), schedule.get("end")
        starts = None if start is None else _bound(start, "start", end=False)
        ends = None if end is None else _bound(end, "end", end=True)
    except Exception:
        return _EMPTY_WINDOW
    if starts is None and ends is None:
        return None
    return starts, ends


def compile_schedule(schedule: dict[str, Any] | None) -> ScheduleCheck:
    """``check(now)``, equal to ``schedule_allows(schedule, now)[0]``, bounds parsed once.

    No schedule (or one without bounds) gives :data:`ALWAYS`, which callers may skip.
    """
    window = schedule_window(schedule)
    if window is None:
        return _always
    starts, ends = window

    def check(now: datetime) -> bool:
        try:
            when: Any = now if now.tzinfo is UTC else _utc(now)
            return (starts is None or starts <= when) and (ends is None or when < ends)
        except Exception:
            return False

    return check

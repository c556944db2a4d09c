"""Event-history counts read ahead, in bootstrap's snapshot statement.

An audience with event-history leaves (`{event: X, op: count_gte, within_days: 30}`), or
naming a rule segment that has them (event and feature leaves), used to cost one query
per (name, window) after the snapshot — on PostgreSQL a round trip each, in a thread.
The leaves are known when the environment's guides are compiled, so `CountPlan` turns
each (name, window) into a scalar subquery of the snapshot statement: one round trip for
everything, the request can then run on the event loop, and the counts are part of what
the response memo compares (a new event, or one leaving its window, changes them).

A plain name counts the user's events with that name (a track name, or an event type
for unnamed events), as `ctx.event_count` always has; a feature leaf's reserved name
(FEATURE_EVENT + key) reads the same grouped rows `segments.delivery._count_uses` reads
and totals them the same way (`total_uses`, URL rules matched in Python).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from ..fastsql import FastSQL
from ..segments.definition import event_windows, feature_of
from ..segments.delivery import SegmentPlan, total_uses

_PLAIN = ("(SELECT count(*) FROM event v WHERE v.environment_id = ? AND v.user_id = ?"
          " AND (v.name = ? OR (v.name IS NULL AND v.type = ?)){window})")
_FEATURE = ("(SELECT {agg}({arr}(g.p, g.u, g.n)) FROM (SELECT"
            " CASE WHEN v.type = 'page_view' THEN 1 ELSE 0 END AS p,"
            " CASE WHEN v.type = 'page_view' THEN {url} END AS u, count(*) AS n"
            " FROM event v WHERE v.environment_id = ? AND v.user_id = ? AND ({uses}){window}"
            " GROUP BY 1, 2) g)")
# A feature without URL rules needs no grouping: its uses are a plain count.
_FEATURE_COUNT = ("(SELECT count(*) FROM event v WHERE v.environment_id = ? AND v.user_id = ?"
                  " AND ({uses}){window})")
_WINDOW = " AND v.timestamp >= ?"


_ENV: Any = object()  # parameter stand-ins (CountPlan._template)
_USER: Any = object()


@dataclass(frozen=True, slots=True)
class _Start:
    days: int


@dataclass(frozen=True, slots=True)
class _Window:
    name: str
    days: int | None
    feature: str | None  # the feature key of a feature leaf
    names: tuple[str, ...] = ()  # its event-rule names
    urls: tuple[Any, ...] = ()  # its URL rules


@dataclass(slots=True, eq=False)  # compared and hashed by identity (one per entry)
class CountPlan:
    """The (name, days) counts an environment's audiences read, as snapshot columns."""

    windows: tuple[_Window, ...]
    _columns: dict[bool | None, str] = field(default_factory=dict)  # None: sqlite_columns
    #: whole snapshot statements with these columns, by the reader's own key
    statements: dict[Any, str] = field(default_factory=dict)
    _templates: dict[bool, list[Any]] = field(default_factory=dict)
    _dates: tuple[str, tuple[str, ...]] | None = None  # (UTC day, each window's first date)

    def columns(self, sqlite: bool) -> str:
        """`, (subquery), …` to append to the snapshot's select list."""
        text = self._columns.get(sqlite)
        if text is None:
            text = self._columns[sqlite] = "".join(
                ", " + self._column(w, sqlite) for w in self.windows)
        return text

    @staticmethod
    def _column(w: _Window, sqlite: bool) -> str:
        window = "" if w.days is None else _WINDOW
        if w.feature is None:
            return _PLAIN.format(window=window)
        uses = ["(v.type = 'feature_used' AND v.name = ?)"]
        if w.names:
            uses.append(f"(v.type = 'track' AND v.name IN ({', '.join('?' * len(w.names))}))")
        if not w.urls:
            return _FEATURE_COUNT.format(uses=" OR ".join(uses), window=window)
        uses.append("v.type = 'page_view'")
        return _FEATURE.format(
            agg="json_group_array" if sqlite else "json_agg",
            arr="json_array" if sqlite else "json_build_array",
            url="json_extract(v.properties, '$.url')" if sqlite else "v.properties->>'url'",
            uses=" OR ".join(uses), window=window)

    def batch_columns(self) -> str:
        """`columns(sqlite=False)` for the batched snapshot (PostgreSQL), whose rows carry
        the environment (`e.id`) and the user (`r.uid`): only names and windows are
        parameters (`shared_params`)."""
        return self.columns(False).replace("v.environment_id = ? AND v.user_id = ?",
                                           "v.environment_id = e.id AND v.user_id = r.uid")

    def shared_params(self, fast: FastSQL, now: datetime) -> list[Any]:
        """`params` without each window's environment and user (`batch_columns`)."""
        return self._fill(self._template(False), fast, 0, "", now)

    def params(self, fast: FastSQL, environment_id: int, user_id: str,
               now: datetime) -> list[Any]:
        return self._fill(self._template(True), fast, environment_id, user_id, now)

    def sqlite_columns(self) -> str | None:
        """`columns(sqlite=True)` for the SQLite statement with numbered parameters
        (bootstrap `_SQLITE_SNAPSHOT`): the user is ?1, the start of the i-th window length
        (`sqlite_starts`) ?{4+i}, the environment the row's own (e.id), and the event names and
        feature keys SQL literals — each value is bound once per request instead of once
        per use (the sqlite3 module's per-parameter binding was ~0.3 µs each, 17 in the
        bench's plan). None when a name holds a NUL character (no literal can carry it)."""
        found = self._columns.get(None)
        if found is None:
            template = self._template(True)
            if any(type(p) is str and "\x00" in p for p in template):
                return None
            lengths = self.lengths()
            pieces = self.columns(True).split("?")
            out = [pieces[0]]
            for p, piece in zip(template, pieces[1:], strict=True):
                if p is _ENV:
                    out.append("e.id")
                elif p is _USER:
                    out.append("?1")
                elif type(p) is _Start:
                    out.append(f"?{4 + lengths.index(p.days)}")
                else:
                    out.append("'" + p.replace("'", "''") + "'")
                out.append(piece)
            found = self._columns[None] = "".join(out)
        return found

    def lengths(self) -> tuple[int, ...]:
        """The distinct window lengths (days), in the order `sqlite_starts` gives their starts."""
        return tuple(sorted({w.days for w in self.windows if w.days is not None}))

    def sqlite_starts(self, now: datetime) -> tuple[str, ...]:
        """The start of each window length as of `now`, as SQLite stores timestamps
        (`sqlite_columns`' ?4, ?5, …; `FastSQL.ts`'s "YYYY-MM-DD HH:MM:SS.ffffff").

        Whole days back from a UTC instant keep its time of day, so only the dates change
        with the length: they are formatted once per UTC day and joined to `now`'s time."""
        if now.tzinfo is not UTC:
            now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
        stamp = now.isoformat(" ", "microseconds")  # "YYYY-MM-DD HH:MM:SS.ffffff+00:00"
        day = stamp[:10]
        dates = self._dates
        if dates is None or dates[0] != day:
            today = now.date()
            dates = self._dates = (day, tuple(
                (today - timedelta(days=days)).isoformat() for days in self.lengths()))
        clock = stamp[10:26]
        return tuple([d + clock for d in dates[1]])

    def _template(self, per_user: bool) -> list[Any]:
        """The parameters with stand-ins for the environment, the user and each window's
        start (filled per request by `_fill`), built once."""
        found = self._templates.get(per_user)
        if found is None:
            found = self._templates[per_user] = [
                p for w in self.windows
                for p in ((_ENV, _USER) if per_user else ())
                + ((w.name, w.name) if w.feature is None else (w.feature, *w.names))
                + (() if w.days is None else (_Start(w.days),))]
        return found

    @staticmethod
    def _fill(template: list[Any], fast: FastSQL, environment_id: int, user_id: str,
              now: datetime) -> list[Any]:
        starts: dict[int, Any] = {}  # one timestamp per window length
        out = []
        for p in template:
            if p is _ENV:
                p = environment_id
            elif p is _USER:
                p = user_id
            elif type(p) is _Start:
                start = starts.get(p.days)
                if start is None:
                    start = starts[p.days] = fast.ts(now - timedelta(days=p.days))
                p = start
            out.append(p)
        return out

    def read(self, values: Iterable[Any]) -> dict[tuple[str, int | None], int]:
        """The counts from the snapshot row's count columns."""
        counts: dict[tuple[str, int | None], int] = {}
        for w, value in zip(self.windows, values, strict=True):
            if w.feature is None or not w.urls:
                counts[w.name, w.days] = int(value)
            else:
                rows = orjson.loads(value) if isinstance(value, str | bytes) else value
                counts[w.name, w.days] = total_uses(rows or (), w.urls)
        return counts


def count_plan(audiences: Iterable[Any], segments: SegmentPlan | None) -> CountPlan | None:
    """The plan for these (dynamic guides') audience rules and the segment rules they
    name; None when nothing counts events."""
    found: set[tuple[str, int | None]] = set()
    for rule in audiences:
        found |= event_windows(rule)
    features: Mapping[str, tuple[tuple[str, ...], tuple[Any, ...]]] = {}
    if segments is not None:
        found |= segments.windows
        features = segments.features
    windows = []
    for name, days in sorted(found, key=lambda w: (w[0], -1 if w[1] is None else w[1])):
        key = feature_of(name)
        if key is None:
            windows.append(_Window(name, days, None))
        else:
            names, urls = features.get(key, ((), ()))
            windows.append(_Window(name, days, key, tuple(names), tuple(urls)))
    return CountPlan(tuple(windows)) if windows else None

"""Bootstrap: upsert the end user and account, evaluate guides, answer with JSON bytes.

The hot path of the SDK. Reads are one indexed row each (environment, user, account,
guide states); writes happen only when something changed: traits (compared by hash of
what the SDK sent) or a last-seen older than `last_seen_write_seconds`.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from ..fastsql import FastSQL
from ..segments.delivery import record_holdouts, user_segments
from ..surveys.delivery import apply_survey_pacing
from ..targeting.context import EvalContext
from ..targeting.eligibility import partition_eligible
from ..targeting.frequency import GuideStateView
from .cache import AUDIENCE_MEMO_MAX, AUDIENCE_MEMO_SECONDS, EnvironmentEntry
from .counts import CountPlan


@dataclass(slots=True)
class BootstrapInput:
    user_id: str
    user_traits: dict[str, Any]
    account_id: str | None
    account_traits: dict[str, Any]
    url: str | None
    locale: str | None


SEL_ENVIRONMENT = "SELECT id, guides_version FROM environment WHERE publishable_key = ?"


# Everything a returning user's bootstrap reads, in ONE statement (one round trip on
# PostgreSQL): the environment (by publishable key: id and guides_version), the user row,
# the account row, the user's guide states aggregated as one JSON array and, where the
# environment's audiences name segments, the keys of the segments the user is a stored
# member of (a probe of the covering (environment_id, user_id, segment_key) index; read by
# the segment plan, so that costs no statement of its own). Without segments that last
# column is a constant: the subquery alone is half the statement's time on SQLite.
# The columns, `{user}` being where the user id comes from (a parameter, or the batch's
# row), `{agg}` the dialect's JSON aggregate.
_COLUMNS = (
    "e.id, e.guides_version,"
    " u.external_id, u.traits, u.traits_hash, u.last_seen_at,"
    " a.external_id, a.traits, a.traits_hash, a.last_seen_at,"
    " (SELECT {agg}(s.guide_key, s.times_seen, s.last_seen_at, s.current_step,"
    " s.completed_at, s.dismissed_at, s.snoozed_until, s.holdout))"
    " FROM guide_state s WHERE s.environment_id = e.id AND s.user_id = {user}),"
    " {members}"
)
_SNAPSHOT = (
    "SELECT " + _COLUMNS.replace("{user}", "?") +
    " FROM environment e"
    " LEFT JOIN end_user u ON u.environment_id = e.id AND u.external_id = ?"
    " LEFT JOIN account a ON a.environment_id = e.id AND a.external_id = ?"
    " WHERE e.publishable_key = ?"
)
_MEMBERS = ("(SELECT {keys}(m.segment_key) FROM segment_member m"
            " WHERE m.environment_id = e.id AND m.user_id = {user})")
_NO_MEMBERS = "NULL"
_SNAPSHOT_SQL = {
    (sqlite, members): _SNAPSHOT.format(
        agg="json_group_array(json_array" if sqlite else "json_agg(json_build_array",
        members=_MEMBERS.format(keys="json_group_array" if sqlite else "json_agg", user="?")
        if members else _NO_MEMBERS)
    for sqlite in (True, False) for members in (True, False)
}
# SQLite: the same statements with numbered parameters, each value bound once: ?1 the
# user, ?2 the account, ?3 the publishable key (and ?4… a count plan's window starts).
_SQLITE_SNAPSHOT = {
    members: _SNAPSHOT_SQL[True, members].replace("?", "{}").format(
        *(("?1", "?1") if members else ("?1",)), "?1", "?2", "?3")
    for members in (True, False)
}
_SEL_MEMBERS = {
    sqlite: ("SELECT {keys}(segment_key) FROM segment_member"
             " WHERE environment_id = ? AND user_id = ?").format(
        keys="json_group_array" if sqlite else "json_agg")
    for sqlite in (True, False)
}


_UNREAD: Any = object()  # Snapshot: a JSON column not parsed yet


def _json_list(value: Any) -> list[Any]:
    """A JSON-array column as a list (SQLite gives text, asyncpg text or a list)."""
    if isinstance(value, str | bytes):
        return orjson.loads(value) if value != "[]" else []
    return value or []


class Snapshot:
    """The rows of one bootstrap, read by `read_snapshot`.

    `states` and `members` are parsed from the row when first asked: a remembered answer
    (`memoised_response`) compares the row as read and never needs them."""

    __slots__ = ("environment_id", "version", "user", "account", "fingerprint", "count_plan",
                 "now", "_states", "_members")

    def __init__(
        self, *, environment_id: int, version: int, user: tuple[Any, ...] | None,
        account: tuple[Any, ...] | None, fingerprint: tuple[Any, ...] = (),
        states: list[Any] | None = None, members: list[str] | None = None,
        count_plan: CountPlan | None = None, now: datetime | None = None,
    ) -> None:
        self.environment_id = environment_id
        self.version = version
        self.user = user  # (traits, traits_hash, last_seen_at), None: new user
        self.account = account
        # Everything read about the user, as read (user, account, states, memberships,
        # event counts): equal fingerprints mean an equal snapshot, for the response memo.
        self.fingerprint = fingerprint
        # The plan of the event counts read with it (server/delivery/counts.py), if any.
        self.count_plan = count_plan
        # The instant it describes (its count windows end there): the request's "now".
        self.now = now
        self._states = _UNREAD if states is None else states
        self._members = _UNREAD if members is None else members

    @property
    def states(self) -> list[Any]:
        """[guide_key, times_seen, last_seen_at, step, completed, dismissed, snoozed_until,
        holdout] per guide the user has a state for (the row's 11th column)."""
        if self._states is _UNREAD:
            self._states = _json_list(self.fingerprint[8])
        return self._states  # type: ignore[no-any-return]

    @property
    def members(self) -> list[str]:
        """The segment_member keys of this user (materialised memberships; 12th column)."""
        if self._members is _UNREAD:
            self._members = _json_list(self.fingerprint[9])
        return self._members  # type: ignore[no-any-return]

    @members.setter
    def members(self, value: list[str]) -> None:
        self._members = value

    @property
    def counts(self) -> dict[tuple[str, int | None], int] | None:
        """The event counts by (name, days), parsed when asked (a remembered answer only
        compares them as read): the count columns follow the memberships."""
        plan = self.count_plan
        return None if plan is None else plan.read(self.fingerprint[10:])


async def read_snapshot(
    fast: FastSQL, publishable_key: str, user_id: str, account_id: str | None,
    hint: EnvironmentEntry | None = None, now: datetime | None = None,
) -> Snapshot | None:
    """The environment, user, account and guide states in one statement; None: unknown key.

    `hint`: the entry this key resolved to last time (GuideCache.hint). The statement then
    reads the user's segment memberships only when its audiences name segments
    (`complete_snapshot` reads them if a publish since then changed that), and the event
    counts its audiences read, as of `now` (its count plan). Without a hint it reads the
    memberships and no counts. On PostgreSQL through asyncpg on the event loop, batched
    with the other bootstraps of the same loop iteration (`SnapshotBatcher`); the
    snapshot's `now` is then the batch's."""
    now = now or datetime.now(UTC)
    members = hint is None or hint.segment_plan is not None
    plan = hint.count_plan if hint is not None else None
    plan_env = hint.environment_id if hint is not None else None
    if not fast.is_sqlite and fast.loop_pool() is not None:
        batcher = fast.snapshot_batcher
        if batcher is None:
            batcher = fast.snapshot_batcher = SnapshotBatcher(fast)
        return await batcher.read(publishable_key, user_id, account_id, members, plan,
                                  plan_env)
    return await _read_one(fast, publishable_key, user_id, account_id, members, plan,
                           plan_env, now)


async def _read_one(fast: FastSQL, publishable_key: str, user_id: str, account_id: str | None,
                    members: bool, plan: CountPlan | None, plan_env: int | None,
                    now: datetime) -> Snapshot | None:
    """One request's snapshot in a statement of its own."""
    if fast.is_sqlite:  # numbered parameters (_SQLITE_SNAPSHOT), unless a name forbids
        columns = None if plan is None else plan.sqlite_columns()
        if plan is None:
            row = await fast.fetchrow(_SQLITE_SNAPSHOT[members],
                                      (user_id, account_id, publishable_key))
            return None if row is None else _snapshot(row, plan, plan_env, now)
        if columns is not None:
            sql = plan.statements.get(members)  # (the generic path keys by (sqlite, members))
            if sql is None:
                sql = plan.statements[members] = _SQLITE_SNAPSHOT[members].replace(
                    " FROM environment e", columns + " FROM environment e", 1)
            row = await fast.fetchrow(
                sql, (user_id, account_id, publishable_key, *plan.sqlite_starts(now)))
            return None if row is None else _snapshot(row, plan, plan_env, now)
    params: tuple[Any, ...] | list[Any] = (
        (user_id, user_id, user_id, account_id, publishable_key) if members
        else (user_id, user_id, account_id, publishable_key))
    if plan is None:
        sql = _SNAPSHOT_SQL[fast.is_sqlite, members]
    else:
        assert plan_env is not None
        sql = plan.statements.get((fast.is_sqlite, members))
        if sql is None:
            sql = plan.statements[fast.is_sqlite, members] = _SNAPSHOT_SQL[
                fast.is_sqlite, members].replace(" FROM environment e",
                                                 plan.columns(fast.is_sqlite)
                                                 + " FROM environment e", 1)
        cut = 2 if members else 1
        params = [*params[:cut], *plan.params(fast, plan_env, user_id, now),
                  *params[cut:]]
    row = await fast.fetchrow(sql, tuple(params))
    if row is None:
        return None
    return _snapshot(row, plan, plan_env, now)


def _snapshot(row: Any, plan: CountPlan | None, plan_env: int | None,
              now: datetime) -> Snapshot:
    """A snapshot row (see _SNAPSHOT) as a Snapshot; its counts when `plan` is the one the
    statement counted for (`plan_env`'s)."""
    snapshot = Snapshot(
        environment_id=row[0], version=row[1],
        user=None if row[2] is None else row[3:6],
        account=None if row[6] is None else row[7:10],
        fingerprint=row[2:], now=now,
    )
    if plan is not None and row[0] == plan_env:
        snapshot.count_plan = plan
    return snapshot


# The snapshot for many requests at once (PostgreSQL): one row per (key, user, account)
# of the arrays, in their order (`ord`), then the same columns as _SNAPSHOT.
_BATCH = (
    "SELECT r.ord, " + _COLUMNS.replace("{user}", "r.uid").replace(
        "{agg}", "json_agg(json_build_array") + "{counts}"
    " FROM unnest(?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS r(pk, uid, aid, ord)"
    " JOIN environment e ON e.publishable_key = r.pk"
    " LEFT JOIN end_user u ON u.environment_id = e.id AND u.external_id = r.uid"
    " LEFT JOIN account a ON a.environment_id = e.id AND a.external_id = r.aid"
)
_BATCH_MEMBERS = _MEMBERS.format(keys="json_agg", user="r.uid")


def _fail(futures: list[Any], exc: BaseException) -> None:
    for future in futures:
        if not future.done():
            if isinstance(exc, Exception):
                future.set_exception(exc)
            else:  # cancelled (shutdown): so are the requests waiting on it
                future.cancel()


class SnapshotBatcher:
    """Bootstrap snapshots on PostgreSQL, batched: each statement reads every request
    waiting for one.

    Under load the event loop starts many bootstraps per iteration; each used to cost a
    round trip of its own, and asyncpg's execute plus the backend's per-statement work were
    most of a returning user's bootstrap (profiled under wrk: the worker's largest own
    cost). A request's read joins the pending list. While fewer than IN_FLIGHT statements
    are running, the pending list is sent on the next loop iteration; otherwise it keeps
    growing until one finishes, and then all of it goes at once — so batches grow with
    the load instead of queueing up as many small statements (which made the tail
    latency grow with the queue). Each group (same memberships column and count plan) is
    ONE statement over `unnest` of the keys, users and accounts; every request gets its
    row. A failed statement fails every request of its group with the same error.
    """

    #: Statements running at once (each takes everything pending when it starts): the
    #: loop pool's size. With 4, one worker on PostgreSQL sat idle ~12 % of the time
    #: waiting for them (bench_bootstrap, 1 worker: 45 % of the bare endpoint; with 8, 56 %).
    IN_FLIGHT = 8

    def __init__(self, fast: FastSQL) -> None:
        self.fast = fast
        self._pending: dict[tuple[Any, ...], list[tuple[str, str, str | None, Any]]] = {}
        self._scheduled = False
        self._running = 0
        self._tasks: set[Any] = set()

    async def read(self, key: str, user_id: str, account_id: str | None, members: bool,
                   plan: CountPlan | None, plan_env: int | None) -> Snapshot | None:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.setdefault((members, plan, plan_env), []).append(
            (key, user_id, account_id, future))
        self._schedule(loop)
        return await future  # type: ignore[no-any-return]

    def _schedule(self, loop: Any) -> None:
        if not self._scheduled and self._running < self.IN_FLIGHT and self._pending:
            self._scheduled = True
            loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._scheduled = False
        loop = asyncio.get_running_loop()
        while self._pending and self._running < self.IN_FLIGHT:
            group = next(iter(self._pending))
            items = self._pending.pop(group)
            self._running += 1
            task = loop.create_task(self._send(group, items))
            self._tasks.add(task)  # a reference until done (the loop keeps only a weak one)
            task.add_done_callback(self._done)

    def _done(self, task: Any) -> None:
        self._tasks.discard(task)
        self._running -= 1
        try:
            self._schedule(asyncio.get_running_loop())
        except RuntimeError:  # the loop is gone (shutdown)
            pass

    async def _send(self, group: tuple[Any, ...],
                    items: list[tuple[str, str, str | None, Any]]) -> None:
        members, plan, plan_env = group
        now = datetime.now(UTC)
        if len(items) == 1:  # alone: the single statement is cheaper than the batched one
            key, user_id, account_id, future = items[0]
            try:
                found = await _read_one(self.fast, key, user_id, account_id, members, plan,
                                        plan_env, now)
            except BaseException as exc:
                _fail([future], exc)
                if not isinstance(exc, Exception):
                    raise
                return
            if not future.done():
                future.set_result(found)
            return
        sql = _BATCH.format(members=_BATCH_MEMBERS if members else _NO_MEMBERS,
                            counts=plan.batch_columns() if plan is not None else "")
        # In the statement's order: the count columns' names and windows, then the arrays.
        params = plan.shared_params(self.fast, now) if plan is not None else []
        params += ([i[0] for i in items], [i[1] for i in items], [i[2] for i in items])
        try:
            pool = self.fast.loop_pool()
            if pool is None:
                raise RuntimeError("the event-loop pool is closed")
            rows = await pool.fetch(self.fast.dollar(sql), tuple(params))
        except BaseException as exc:
            _fail([item[3] for item in items], exc)
            if not isinstance(exc, Exception):
                raise
            return
        found = {row[0]: tuple(row)[1:] for row in rows}
        for n, (*_, future) in enumerate(items, 1):
            if not future.done():
                row = found.get(n)
                future.set_result(None if row is None else _snapshot(row, plan, plan_env, now))


async def complete_snapshot(
    fast: FastSQL, snapshot: Snapshot, entry: EnvironmentEntry, user_id: str
) -> None:
    """Read the memberships `read_snapshot(members=False)` left out, when `entry` (resolved
    after the read: a publish may have added a segment rule) needs them."""
    if entry.segment_plan is None:
        return
    row = await fast.fetchrow(_SEL_MEMBERS[fast.is_sqlite], (entry.environment_id, user_id))
    snapshot.members = _json_list(row[0] if row else None)
    fp = snapshot.fingerprint  # memberships are its 10th value (row[11])
    snapshot.fingerprint = (*fp[:9], row[0] if row else None, *fp[10:])


class NeedsRoundTrip(BaseException):  # noqa: N818 - a signal, not an error
    """Raised by `INLINE`'s cursor: this bootstrap has to talk to the database.

    A BaseException, so that no `except Exception` on the way (the compiled audience
    predicates, for one, fail closed on any Exception) can swallow it and go on as if the
    write or read had happened; only the bootstrap route catches it."""


class _InlineCursor:
    def execute(self, *_args: Any, **_kwargs: Any) -> None:
        raise NeedsRoundTrip

    def close(self) -> None:
        return None


class _InlineConnection:
    """A connection for `run_bootstrap` that refuses every statement.

    On PostgreSQL a returning user's bootstrap usually needs nothing past the snapshot:
    it runs on the event loop with this stand-in, and only when it must write (a new
    user, changed traits, a stale last-seen, a first holdout) does the first `execute`
    raise `NeedsRoundTrip` — before any statement ran, so nothing is half done — and the
    route runs it again in FastSQL's threads with a real connection. Event-history
    counts and segment memberships come with the snapshot (server/delivery/counts.py);
    a request that must still read more (survey pacing, or counts the snapshot did not
    carry: `snapshot_suffices`) goes to the threads directly."""

    def cursor(self) -> _InlineCursor:
        return _InlineCursor()


INLINE = _InlineConnection()


def snapshot_suffices(entry: EnvironmentEntry, snapshot: Snapshot) -> bool:
    """Can this bootstrap be answered from its snapshot alone (no statement past it, but a
    write)? Not with survey pacing (it reads answers), nor when the audiences count events
    and the snapshot did not count them for this entry (its hint was older)."""
    return not entry.survey_pacing and (
        entry.count_plan is None or snapshot.count_plan is entry.count_plan)


class _Tracked:
    """A cursor that remembers whether any statement ran through it (a read past the
    snapshot: then the answer depends on more than the snapshot and is not remembered)."""

    __slots__ = ("cur", "used")

    def __init__(self, cur: Any) -> None:
        self.cur = cur
        self.used = False

    def execute(self, *args: Any) -> Any:
        self.used = True
        return self.cur.execute(*args)

    def executemany(self, *args: Any) -> Any:
        self.used = True
        return self.cur.executemany(*args)

    def fetchone(self) -> Any:
        return self.cur.fetchone()

    def fetchall(self) -> Any:
        return self.cur.fetchall()

    def close(self) -> None:
        self.cur.close()


def traits_hash(traits: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(traits, option=orjson.OPT_SORT_KEYS)).hexdigest()


def run_bootstrap(
    *,
    fast: FastSQL,
    conn: Any,
    entry: EnvironmentEntry,
    data: BootstrapInput,
    now: datetime,
    last_seen_every: int,
    snapshot: Snapshot,
    memo_key: tuple[Any, ...] | None = None,
) -> bytes:
    """Upsert the people, select eligible guides and return the response body.

    `snapshot` is what `read_snapshot` read for this request: the route reads it (one
    statement) before it checks the origin and the signature. With `memo_key`
    (`request_key(data)`), an answer that wrote nothing and read nothing past the snapshot
    is remembered for the next identical request (`memoised_response`)."""
    env_id = entry.environment_id
    cur = conn.cursor()
    writes: list[tuple[str, tuple[Any, ...]]] = []
    stale = now - timedelta(seconds=last_seen_every)
    user_traits = _upsert_person(
        fast, snapshot.user, "end_user", env_id, data.user_id, data.user_traits, now, stale, writes
    )
    account_traits: dict[str, Any] = {}
    if data.account_id is not None:
        account_traits = _upsert_person(
            fast, snapshot.account, "account", env_id, data.account_id, data.account_traits,
            now, stale, writes,
        )
        if writes:
            writes.append((
                "INSERT INTO account_membership (environment_id, user_id, account_id, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (env_id, data.user_id, data.account_id, fast.ts(now)),
            ))
    states: dict[str, GuideStateView] = {}
    read = fast.read_ts
    held_recorded: set[str] = set()
    for key, seen, last, step, done, dismissed, snoozed, held in snapshot.states:
        states[key] = GuideStateView(
            times_seen=seen, last_seen_at=read(last), current_step=step,
            completed_at=read(done), dismissed_at=read(dismissed), snoozed_until=read(snoozed),
        )
        if held:
            held_recorded.add(key)
    if writes:
        fast.begin_write(cur)
        for sql, params in writes:
            cur.execute(fast.sql(sql), params)
        fast.commit(cur)

    # Event counts the snapshot statement read (for this entry's count plan); the audience
    # reads anything else through `reads`, which notes it.
    known = snapshot.counts if snapshot.count_plan is entry.count_plan else None
    reads = _Tracked(cur)
    ctx = EvalContext(
        user_id=data.user_id, user_traits=user_traits, account_id=data.account_id,
        account_traits=account_traits, now=now,
        event_count=_event_counter(fast, reads, env_id, data.user_id, now, known)
        if entry.dynamic else None,
    )
    plan = entry.segment_plan

    def load_segments() -> None:
        """Stored memberships (read) + the rule segments, once, when a rule needs them."""
        if plan is not None and ctx.segments is None:
            ctx.segments = user_segments(fast=fast, cur=reads, plan=plan,
                                         members=snapshot.members, known=known,
                                         environment_id=env_id, ctx=ctx, states=states)

    passed, audience_until = _audiences(entry, ctx, data, user_traits, account_traits,
                                        load_segments)
    partition = partition_eligible(entry.guides, ctx, states, now, passed)
    eligible = partition.shown
    new_holdouts = [g.key for g in partition.held_out if g.key not in held_recorded]
    if new_holdouts:  # recorded once, so lift compares the real groups
        record_holdouts(fast=fast, cur=cur, environment_id=env_id, user_id=data.user_id,
                        keys=new_holdouts, now=now)
    if entry.survey_pacing:
        eligible = apply_survey_pacing(
            fast=fast, cur=cur, environment_id=env_id, user_id=data.user_id, guides=eligible,
            pacing=entry.survey_pacing, states=states, now=now,
        )
    cur.close()
    throttled: frozenset[str] = frozenset()
    budget = entry.budget
    if budget is not None and states and any(g.key in budget.automatic for g in eligible):
        # The fatigue budget (segments/budget.py); with no guide state it cannot be spent
        # unless max_per_day is 0.
        if budget_exhausted(states, budget.interruptive, entry.budget_cooldown,
                            entry.budget_per_day, now):
            throttled = budget.automatic
    elif budget is not None and entry.budget_per_day <= 0 and eligible:
        throttled = budget.automatic
    fresh, prefixes = entry.guide_fresh, entry.guide_prefix
    parts = []
    for guide in eligible:
        key = guide.key
        st = states.get(key)
        if key in throttled:
            if st is None:
                parts.append(entry.throttled_fresh[key])
                continue
            prefix = budget.manual_prefix[key]  # type: ignore[union-attr]
        elif st is None:
            parts.append(fresh[key])
            continue
        else:
            prefix = prefixes[key]
        state = {
            "seen": st.times_seen,
            "step": st.current_step,
            "completed": st.completed_at is not None,
            "dismissed": st.dismissed_at is not None,
            "snoozed_until": st.snoozed_until.isoformat() if st.snoozed_until else None,
        }
        parts.append(prefix + b',"state":' + orjson.dumps(state) + b"}")
    if (memo_key is not None and not writes and not new_holdouts and not reads.used
            and not entry.survey_pacing):
        _remember(entry, memo_key, snapshot, parts, states, now,
                  min(audience_until, _person_due(snapshot, now, last_seen_every)))
    return _response(data.user_id, b",".join(parts), entry)


def _response(user_id: str, guides: bytes, entry: EnvironmentEntry) -> bytes:
    return b"".join((b'{"user":{"id":', orjson.dumps(user_id), b'},"guides":[', guides,
                     entry.tail_json))


# -- the response memo ---------------------------------------------------------------------
# A returning user bootstraps on every page load with the same identify() call, and most of
# those answers are the previous one again. The memo keeps the answer's guide parts by
# request (`request_key`: user, account and the traits as sent) for as long as it is
# provably the same answer: the snapshot read for this request (user and account rows, guide
# states, memberships) equals the one it was computed from, and no instant has passed at
# which time alone changes a decision or makes a write due (`_remember`). Environments
# whose guides read more than the snapshot (event history, rule segments, survey pacing)
# are not memoised. Time-relative trait rules (within_days …) keep the audience memo's
# AUDIENCE_MEMO_SECONDS tolerance, not more: the response memo never outlives it.

RESPONSE_MEMO_MAX = 20_000
JOINED_MAX = 1_000


def request_key(data: BootstrapInput) -> tuple[Any, ...]:
    """What the answer depends on in the request: the people and their traits as sent."""
    sent = orjson.dumps((data.user_traits, data.account_traits))
    if len(sent) > 512:  # bounded memory per memo entry
        sent = hashlib.blake2b(sent, digest_size=16).digest()
    return data.user_id, data.account_id, sent


def memoised_response(
    entry: EnvironmentEntry, key: tuple[Any, ...], snapshot: Snapshot, now: datetime
) -> bytes | None:
    """The remembered answer to this request, when it is still the answer; else None."""
    hit = entry.response_memo.get(key)
    if hit is None or hit[0] != snapshot.fingerprint or now >= hit[1]:
        return None
    guides = hit[2]
    return _response(key[0], guides if type(guides) is bytes else b",".join(guides), entry)


def _person_due(snapshot: Snapshot, now: datetime, last_seen_every: int) -> datetime:
    """The first instant a last-seen write falls due for the user or the account."""
    due = now + timedelta(seconds=AUDIENCE_MEMO_SECONDS)
    every = timedelta(seconds=last_seen_every)
    for row in (snapshot.user, snapshot.account):
        if row is not None:
            seen = FastSQL.read_ts(row[2])
            if seen is not None and seen + every < due:
                due = seen + every
    return due


def _remember(
    entry: EnvironmentEntry, key: tuple[Any, ...], snapshot: Snapshot, parts: list[bytes],
    states: dict[str, GuideStateView], now: datetime, until: datetime,
) -> None:
    """Store the answer until the first future instant at which it could change."""
    for bound in entry.schedule_bounds:  # sorted
        if bound > now:
            until = min(until, bound)
            break
    offsets = entry.time_offsets
    for st in states.values():
        snoozed = st.snoozed_until
        if snoozed is not None and now < snoozed < until:
            until = snoozed
        seen = st.last_seen_at
        if seen is not None:
            for offset in offsets:
                due = seen + offset
                if now < due < until:
                    until = due
    if until <= now:
        return
    memo = entry.response_memo
    if len(memo) >= RESPONSE_MEMO_MAX:
        memo.clear()
    # Many users get the same guide list: it is joined once and shared (up to
    # JOINED_MAX distinct lists); past that an entry keeps its parts and joins per hit.
    listed = tuple(parts)
    joined = entry.joined_guides.get(listed)
    if joined is None and len(entry.joined_guides) < JOINED_MAX:
        joined = entry.joined_guides[listed] = b",".join(listed)
    memo[key] = (snapshot.fingerprint, until, listed if joined is None else joined)


_DAY = timedelta(hours=24)


def budget_exhausted(
    states: dict[str, GuideStateView], interruptive: frozenset[str], cooldown: timedelta,
    per_day: int, now: datetime,
) -> bool:
    """`budget_state(...).exhausted is not None` without building its explanation:
    the last interruption within the cooldown, or `per_day` of them in the last 24 h."""
    last = None
    today = 0
    for key, state in states.items():
        if key not in interruptive:
            continue
        seen = state.last_seen_at
        if seen is None:
            continue
        if seen.tzinfo is None:
            seen = seen.replace(tzinfo=UTC)
        if now - seen < _DAY:
            today += 1
        if last is None or seen > last:
            last = seen
    if last is not None and now - last < cooldown:
        return True
    return today >= per_day


_COUNT_SQL = (
    "SELECT count(*) FROM event WHERE environment_id = ? AND user_id = ?"
    " AND (name = ? OR (name IS NULL AND type = ?))"
)


def _event_counter(
    fast: FastSQL, cur: Any, env_id: int, user_id: str, now: datetime,
    known: dict[tuple[str, int | None], int] | None = None,
) -> Callable[[str, int | None], int | None]:
    """ctx.event_count: how often this user did `name` (a track name or an event type),
    optionally within the last `days` days; one indexed count per (name, days) per request,
    none for the counts `known` holds (read with the snapshot)."""
    seen: dict[tuple[str, int | None], int] = dict(known) if known else {}

    def count(name: str, days: int | None) -> int | None:
        key = (name, days)
        if key not in seen:
            sql, params = _COUNT_SQL, [env_id, user_id, name, name]
            if days is not None:
                sql += " AND timestamp >= ?"
                params.append(fast.ts(now - timedelta(days=days)))
            cur.execute(fast.sql(sql), params)
            seen[key] = int(cur.fetchone()[0])
        return seen[key]

    return count


def _audiences(
    entry: EnvironmentEntry, ctx: EvalContext, data: BootstrapInput,
    user_traits: dict[str, Any], account_traits: dict[str, Any],
    load_segments: Callable[[], None],
) -> tuple[frozenset[str], datetime]:
    """Keys of the guides whose audience this user passes, memoised per user and traits,
    and the instant the memo entry they came from expires.

    The memo holds the guides whose audience reads only traits, and for a guide whose
    audience also reads event history or segments, whether its trait-only conjuncts pass
    (`EnvironmentEntry.dynamic_parts`). Per request only the history/segment conjuncts of
    those guides are evaluated — and the segments are read only then (`load_segments`)."""
    sort = orjson.OPT_SORT_KEYS
    key = (data.user_id, data.account_id, orjson.dumps(user_traits, option=sort),
           orjson.dumps(account_traits, option=sort))
    clock = time.monotonic()
    hit = entry.audience_memo.get(key)
    if hit is not None and hit[0] > clock:
        static, pre = hit[1], hit[2]
        until = ctx.now + timedelta(seconds=hit[0] - clock)
    else:
        until = ctx.now + timedelta(seconds=AUDIENCE_MEMO_SECONDS)
        dynamic, parts = entry.dynamic, entry.dynamic_parts
        static = frozenset(
            g.key for g in entry.guides if g.key not in dynamic and g.audience(ctx)
        )
        # Dynamic guides still in the running: no trait-only part, or it passes.
        pre = frozenset(k for k in dynamic if k not in parts or parts[k][0](ctx))
        if len(entry.audience_memo) >= AUDIENCE_MEMO_MAX:
            entry.audience_memo.clear()
        entry.audience_memo[key] = (clock + AUDIENCE_MEMO_SECONDS, static, pre)
    if not pre:
        return static, until
    load_segments()
    parts = entry.dynamic_parts
    live = set()
    for g in entry.guides:
        k = g.key
        if k in pre and (parts[k][1](ctx) if k in parts else g.audience(ctx)):
            live.add(k)
    return (static | live if live else static), until


def _upsert_person(
    fast: FastSQL, row: tuple[Any, ...] | None, table: str, env_id: int, ext_id: str,
    traits: dict[str, Any], now: datetime, stale: datetime,
    writes: list[tuple[str, tuple[Any, ...]]],
) -> dict[str, Any]:
    """Queue the write this person needs (if any) and return their merged traits.

    `row` is (traits, traits_hash, last_seen_at) as stored, None for a new person."""
    incoming = traits_hash(traits) if traits else ""
    if row is None:
        writes.append((
            f"INSERT INTO {table} (environment_id, external_id, traits, traits_hash,"
            f" first_seen_at, last_seen_at) VALUES (?, ?, {fast.json_placeholder}, ?, ?, ?)"
            f" ON CONFLICT (environment_id, external_id) DO NOTHING",
            (env_id, ext_id, orjson.dumps(traits).decode(), incoming, fast.ts(now), fast.ts(now)),
        ))
        return traits
    stored = fast.read_json(row[0]) or {}
    if traits and incoming != row[1]:
        # identify() merges: new values win, traits not sent are kept.
        merged = {**stored, **traits}
        writes.append((
            f"UPDATE {table} SET traits = {fast.json_placeholder}, traits_hash = ?, last_seen_at = ?"
            " WHERE environment_id = ? AND external_id = ?",
            (orjson.dumps(merged).decode(), incoming, fast.ts(now), env_id, ext_id),
        ))
        return merged
    last_seen = fast.read_ts(row[2])
    if last_seen is None or last_seen < stale:
        writes.append((
            f"UPDATE {table} SET last_seen_at = ? WHERE environment_id = ? AND external_id = ?",
            (fast.ts(now), env_id, ext_id),
        ))
    return stored

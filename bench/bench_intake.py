"""Event intake: POST /api/sdk/v1/events in batches of 50 vs the raw driver inserting the same rows.

Budget (issue "Backend core"): ≥ 20,000 events/s through HTTP and ≥ 50 % of the raw
driver's rate, on SQLite and on PostgreSQL.

    .venv/bin/python bench/bench_intake.py                 # SQLite
    .venv/bin/python bench/bench_intake.py --postgres      # SQLite, then PostgreSQL

Per database, each on a fresh, migrated database (same `event` table, same unique index
on (environment_id, uuid)):
- raw: one process, sqlite3 / psycopg `executemany` of 50 rows, one transaction and
  COMMIT per batch (the server answers a batch only after its commit), same PRAGMAs as
  the server on SQLite (WAL, synchronous=FULL). Only the driver calls are timed. A
  second raw run shares one COMMIT between 10 batches: the ceiling for a server that
  group-commits concurrent requests (a commit costs one or more fsyncs here).
- bare HTTP: bench/baseline_app.py reading the same request bodies (the HTTP ceiling).
- shirube: `shirube serve --workers N`, wrk generating 50 fresh time-ordered ids per
  request (UUIDv7 layout) so nothing is a duplicate; rows stored are checked afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as c  # noqa: E402
from bench import _lua  # noqa: E402

BATCH = 50
GROUP = 10  # batches per COMMIT in the second raw run: what a group-committing server could reach
_INSERT = (
    "INSERT INTO event (environment_id, uuid, type, name, user_id, account_id, guide_key, step,"
    " properties, timestamp, received_at) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {j}, {p}, {p})"
)


class _Ids:
    """Time-ordered UUIDs in the UUIDv7 layout (48-bit ms clock, version 7, counter)."""

    def __init__(self) -> None:
        self.field = random.randrange(4096)
        self.counter = 0

    def next(self) -> str:
        self.counter += 1
        ms = int(time.time() * 1000)
        n = self.counter
        return (f"{ms >> 16:08x}-{ms & 0xFFFF:04x}-7{self.field:03x}-"
                f"{0x8000 | (n >> 48) & 0x3FFF:04x}-{n & 0xFFFFFFFFFFFF:012x}")


def _row_values(ids: _Ids, guide_every: int) -> tuple[str, str, str | None, str, str | None, dict[str, Any]]:
    """(uuid, type, name, user, guide, properties) shaped like the wrk script's events."""
    uid = ids.next()
    n = ids.counter
    user = f"user-{n % 1000}"
    if guide_every and n % guide_every == 0:
        return uid, "guide_seen", None, user, f"guide-{n % 20:02d}", {}
    if n % 5 == 0:
        return uid, "track", "report_created", user, None, {"rows": n % 1000, "format": "csv"}
    return uid, "page_view", None, user, None, {"path": f"/app/reports/{n % 100}", "title": "Reports"}


def raw_sqlite(path: str, env_id: int, seconds: float, guide_every: int, per_commit: int = 1) -> tuple[int, float]:
    """Rows inserted and seconds spent inside the driver; `per_commit` batches share a COMMIT."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=10000"):
        conn.execute(f"PRAGMA {pragma}")
    sql = _INSERT.format(p="?", j="?")
    ids = _Ids()
    rows = 0
    spent = 0.0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        batch = []
        for _ in range(BATCH):
            uid, type_, name, user, guide, props = _row_values(ids, guide_every)
            batch.append((env_id, uid, type_, name, user, None, guide, None, orjson.dumps(props).decode(), now, now))
        t0 = time.perf_counter()
        if rows % (BATCH * per_commit) == 0:
            conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, batch)
        rows += BATCH
        if rows % (BATCH * per_commit) == 0:
            conn.execute("COMMIT")
        spent += time.perf_counter() - t0
    if conn.in_transaction:
        t0 = time.perf_counter()
        conn.execute("COMMIT")
        spent += time.perf_counter() - t0
    conn.close()
    return rows, spent


def raw_postgres(url: str, env_id: int, seconds: float, guide_every: int, per_commit: int = 1) -> tuple[int, float]:
    import psycopg

    dsn = sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = psycopg.connect(dsn)
    sql = _INSERT.format(p="%s", j="CAST(%s AS JSONB)")
    ids = _Ids()
    rows = 0
    spent = 0.0
    deadline = time.monotonic() + seconds
    with conn.cursor() as cur:
        while time.monotonic() < deadline:
            now = datetime.now(UTC)
            batch = []
            for _ in range(BATCH):
                uid, type_, name, user, guide, props = _row_values(ids, guide_every)
                batch.append((env_id, uid, type_, name, user, None, guide, None, orjson.dumps(props).decode(), now, now))
            t0 = time.perf_counter()
            cur.executemany(sql, batch)
            rows += BATCH
            if rows % (BATCH * per_commit) == 0:
                conn.commit()
            spent += time.perf_counter() - t0
        t0 = time.perf_counter()
        conn.commit()
        spent += time.perf_counter() - t0
    conn.close()
    return rows, spent


def stored_events(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = int(conn.exec_driver_sql("SELECT count(*) FROM event").scalar_one())
    engine.dispose()
    return n


def drive(server: c.Server, key: str, args: argparse.Namespace, seconds: float) -> c.WrkResult:
    script = _lua.write(_lua.EVENTS_POST)
    env = {
        "BENCH_KEY": key, "BENCH_ORIGIN": c.ORIGIN, "BENCH_BATCH": str(BATCH),
        "BENCH_GUIDE_EVERY": str(args.guide_every), "BENCH_RUN": str(random.randrange(256)),
    }
    try:
        return c.wrk(server.base + "/api/sdk/v1/events", script, connections=args.connections,
                     threads=args.threads, seconds=seconds, env=env)
    finally:
        script.unlink(missing_ok=True)


class _Databases:
    """Fresh migrated databases of one kind, each with the bench environment."""

    def __init__(self, kind: str, directory: Path) -> None:
        self.kind, self.directory, self.n = kind, directory, 0
        self.schemas: list[str] = []

    def fresh(self) -> tuple[str, int, str]:
        self.n += 1
        if self.kind == "SQLite":
            url = c.sqlite_url(self.directory, f"intake-{self.n}.db")
        else:
            schema = f"shirube_bench_intake_{self.n}"
            self.schemas.append(schema)
            url = c.postgres_url(schema)
        c.migrate(url)
        env_id, key = c.create_bench_environment(url)
        return url, env_id, key

    def drop(self) -> None:
        for schema in self.schemas:
            c.drop_postgres_schema(schema)


def bench_database(kind: str, directory: Path, args: argparse.Namespace) -> list[list[Any]]:
    dbs = _Databases(kind, directory)
    rows: list[list[Any]] = []
    try:
        best: dict[int, float] = {1: 0.0, GROUP: 0.0}
        for _ in range(args.rounds):
            for per_commit in (1, GROUP):
                url, env_id, _key = dbs.fresh()
                if kind == "SQLite":
                    path = sa.engine.make_url(url).database or ""
                    n, spent = raw_sqlite(path, env_id, args.seconds, args.guide_every, per_commit)
                else:
                    n, spent = raw_postgres(url, env_id, args.seconds, args.guide_every, per_commit)
                print(f"[{kind}] raw driver, {per_commit} batch(es) per COMMIT: {n / spent:,.0f} events/s",
                      flush=True)
                best[per_commit] = max(best[per_commit], n / spent)
        raw_rate, grouped_rate = best[1], best[GROUP]
        for workers in args.workers:
            url, _env_id, key = dbs.fresh()
            port = c.free_port()
            base_port = c.free_port()
            base_env = {"SHIRUBE_BENCH_ORIGIN": c.ORIGIN, "PYTHONPATH": str(c.ROOT)}
            with (
                c.running(f"shirube-{workers}w", c.shirube_command(port, workers), port, c.server_env(url)) as srv,
                c.running(f"baseline-{workers}w", c.baseline_command(base_port, workers), base_port,
                          base_env) as bsrv,
            ):
                runs: list[c.WrkResult] = []

                def subject(seconds: float) -> c.WrkResult:
                    runs.append(drive(srv, key, args, seconds))
                    return runs[-1]

                bare, run = c.best_of_rounds(
                    lambda seconds: drive(bsrv, "pk_bench", args, seconds), subject,
                    rounds=args.rounds, seconds=args.seconds, warmup=args.warmup,
                )
            expected = sum(r.requests - r.non_2xx for r in runs) * BATCH
            stored = stored_events(url)
            rate = run.rps * BATCH
            ratio = rate / raw_rate
            ok = rate >= 20_000 and ratio >= 0.5 and run.errors == 0 and run.non_2xx == 0
            row = [
                kind, workers, f"{raw_rate:,.0f}", f"{grouped_rate:,.0f}", f"{bare.rps * BATCH:,.0f}", f"{rate:,.0f}",
                f"{run.rps:,.0f}", f"{run.p50_ms:.1f} / {run.p99_ms:.1f}", f"{run.errors}/{run.non_2xx}",
                f"{stored:,} / {expected:,}", f"{ratio:.0%}", c.verdict(ok),
            ]
            print(" | ".join(str(x) for x in row), flush=True)
            rows.append(row)
    finally:
        dbs.drop()
    return rows


HEADERS = [
    "database", "workers", "raw driver events/s", f"raw, {GROUP} batches per COMMIT", "bare HTTP events/s", "shirube events/s",
    "shirube req/s", "p50/p99 ms", "errors/non-2xx", "rows stored / acknowledged", "ratio vs raw",
    "budget (≥20k/s, ≥50 %)",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL (SHIRUBE_BENCH_POSTGRES_URL)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--workers", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per side; best kept")
    parser.add_argument("--guide-every", type=int, default=0,
                        help="every Nth event is a guide_seen (guide-state upsert); 0 = none")
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    args = parser.parse_args(argv)
    c.require_wrk()
    print(c.machine())
    rows: list[list[Any]] = []
    with tempfile.TemporaryDirectory(prefix="shirube-bench-") as d:
        if not args.no_sqlite:
            rows += bench_database("SQLite", Path(d), args)
        if args.postgres:
            if not c.postgres_available():
                sys.exit(f"bench: PostgreSQL not reachable at {c.PG_URL}")
            rows += bench_database("PostgreSQL", Path(d), args)
    out = c.table(HEADERS, rows)
    print()
    print(out)
    if not args.no_record:
        mix = (f"every {args.guide_every}th event a guide_seen" if args.guide_every
               else "page_view and track events, no guide events")
        note = (
            f"wrk -t{args.threads} -c{args.connections}, {args.warmup:g} s warm-up, then {args.rounds} alternating"
            f" rounds of {args.seconds:g} s per side (raw driver too), best round kept; {c.load_note()};"
            f" batches of {BATCH} fresh time-ordered UUIDs ({mix}); raw driver = executemany of"
            f" {BATCH} rows + COMMIT per batch in one process, driver time only."
        )
        c.append_results("Event intake", f"{note}\n\n{out}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())

"""Metrics endpoints on 1,000,000 events / 50,000 users / 3,000 accounts (SQLite, PostgreSQL).

Generates a 90-day history (skewed activity, accounts with MRR, feature use, a guide with
a holdout and a goal, NPS answers), bulk-inserts it with the driver (executemany on
SQLite, COPY on PostgreSQL), folds it into the rollups once (timed: that is the cost of
a first dashboard after an import), then times every /api/v1/metrics route in-process
(TestClient, the whole handler including auth and JSON) with the production default
SHIRUBE_METRICS_STALE_SECONDS=300: the first ("cold") request with the metrics result
cache emptied; then "after new data": a few events are inserted and the next request is
timed — it folds them into the rollups and, with stale-while-revalidate, answers with the
previous result while a background refresh recomputes it (server/metrics/cache.py; the
table says whether it was served stale and how long the refresh took to land); then, with
the refresh done, the median of 5 (served from the cache while the data does not change).

    .venv/bin/python bench/bench_metrics.py [--postgres] [--events N] [--no-record] [--keep DIR]

`--keep DIR` keeps the loaded data set (SQLite file DIR/metrics.db, PostgreSQL schema
bench_metrics_keep) and reuses it on the next run with the same flag (migrations are
applied, the rollups refreshed incrementally and ANALYZE run; loading is skipped).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as c  # noqa: E402

AS_OF = date(2026, 11, 1)
START = datetime(2026, 8, 4, tzinfo=UTC)  # 90 days before AS_OF
FEATURES = [f"feature-{i:02d}" for i in range(20)]
BUDGET_MS = 500.0
GUIDE = {"key": "welcome", "name": "Welcome", "type": "tour", "holdout_percent": 10,
         "goal": {"event": "report_created", "within_days": 7},
         "steps": [{"kind": "modal", "title": f"Step {i}", "body": "x"} for i in range(4)]}


def generate(n_events: int, n_users: int, n_accounts: int, seed: int = 1) -> dict[str, Any]:
    """Rows for end_user, account, account_membership and event (plain tuples)."""
    rnd = random.Random(seed)
    accounts = [(f"acct-{a}", {"name": f"Account {a}", "mrr": rnd.choice(
        [0, 49, 99, 199, 499, 999, 2500])}) for a in range(n_accounts)]
    users, members = [], []
    account_of: dict[str, str | None] = {}
    for u in range(n_users):
        uid = f"user-{u}"
        traits: dict[str, Any] = {"plan": rnd.choice(["free", "pro", "team"])}
        if u % 3 == 0:
            traits["created_at"] = (START + timedelta(days=rnd.randrange(90))).date().isoformat()
        users.append((uid, traits))
        acct = f"acct-{rnd.randrange(n_accounts)}" if rnd.random() < 0.9 else None
        account_of[uid] = acct
        if acct:
            members.append((uid, acct))
    weights = [rnd.paretovariate(1.2) for _ in range(n_users)]
    scale = n_events / sum(weights)
    events: list[tuple[Any, ...]] = []
    for u in range(n_users):
        uid = f"user-{u}"
        acct = account_of[uid]
        budget = max(1, round(weights[u] * scale))
        first = rnd.randrange(90)
        days = sorted({first, *(rnd.randrange(first, 90) for _ in range(max(1, budget // 4)))})
        for i in range(budget):
            day = days[i % len(days)] if i else first
            ts = START + timedelta(days=day, seconds=rnd.randrange(86400))
            roll = rnd.random()
            name = guide = step = None
            props = "{}"
            if roll < 0.45:
                kind = "page_view"
            elif roll < 0.75:
                kind, name = "track", rnd.choice(["opened", "report_created", "saved"])
            elif roll < 0.90:
                kind, name = "feature_used", rnd.choice(FEATURES[: 3 + u % 17])
            elif roll < 0.98:
                kind = rnd.choice(["guide_seen", "step_seen", "step_seen", "guide_completed",
                                   "guide_dismissed"])
                guide, step = "welcome", rnd.randrange(4)
            else:
                kind = "survey_answered"
                props = f'{{"kind": "nps", "score": {rnd.randrange(11)}, "scale": 10}}'
            events.append((str(uuid.UUID(int=rnd.getrandbits(128))), kind, name, uid, acct,
                           guide, step, props, ts))
    return {"users": users, "accounts": accounts, "members": members, "events": events}


def _ts_sqlite(v: datetime) -> str:
    return v.strftime("%Y-%m-%d %H:%M:%S.%f")


def load(url: str, env_id: int, data: dict[str, Any]) -> float:
    """Bulk insert; returns seconds."""
    import orjson

    t0 = time.perf_counter()
    now = datetime.now(UTC)
    ev_cols = ("environment_id, uuid, type, name, user_id, account_id, guide_key, step,"
               " properties, timestamp, received_at")
    person_cols = "environment_id, external_id, traits, traits_hash, first_seen_at, last_seen_at"
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.execute("PRAGMA synchronous=OFF")
        n = _ts_sqlite(now)
        for table, rows in (("end_user", data["users"]), ("account", data["accounts"])):
            conn.executemany(f"INSERT INTO {table} ({person_cols}) VALUES (?,?,?,'',?,?)",
                             [(env_id, i, orjson.dumps(t).decode(), n, n) for i, t in rows])
        conn.executemany("INSERT INTO account_membership VALUES (?,?,?,?)",
                         [(env_id, u, a, n) for u, a in data["members"]])
        conn.executemany(f"INSERT INTO event ({ev_cols}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                         [(env_id, *e[:8], _ts_sqlite(e[8]), _ts_sqlite(e[8]))
                          for e in data["events"]])
        conn.commit()
        conn.execute("ANALYZE")
        conn.close()
    else:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
            with conn.cursor() as cur:
                for table, rows in (("end_user", data["users"]), ("account", data["accounts"])):
                    with cur.copy(f"COPY {table} ({person_cols}) FROM STDIN") as cp:
                        for i, t in rows:
                            cp.write_row((env_id, i, orjson.dumps(t).decode(), "", now, now))
                with cur.copy("COPY account_membership FROM STDIN") as cp:
                    for u, a in data["members"]:
                        cp.write_row((env_id, u, a, now))
                with cur.copy(f"COPY event ({ev_cols}) FROM STDIN") as cp:
                    for e in data["events"]:
                        cp.write_row((env_id, *e, e[8]))
            conn.commit()
            conn.execute("ANALYZE")
    return time.perf_counter() - t0


def routes() -> list[str]:
    p = "from=2026-10-03&to=2026-11-01"
    a = "as_of=2026-11-01"
    return [
        f"/metrics/active?{p}", f"/metrics/active/users?{p}",
        f"/metrics/features/feature-01/adoption?{p}",
        f"/metrics/features/feature-01/adoption/users?{p}",
        f"/metrics/guides/welcome/funnel?{p}", f"/metrics/guides/welcome/funnel/users?{p}",
        f"/metrics/guides/welcome/lift?{p}", f"/metrics/guides/welcome/lift/users?{p}",
        f"/metrics/rfm?{a}", f"/metrics/rfm/users?{a}&segment=Champions",
        f"/metrics/loyalty-matrix?{a}", f"/metrics/loyalty-matrix/users?{a}&cell=A",
        f"/metrics/lifecycle?{a}", f"/metrics/lifecycle/users?{a}&stage=grow",
        f"/metrics/churn?{p}", f"/metrics/churn/users?{p}",
        f"/metrics/stickiness?{p}", f"/metrics/usage-tiers?{a}",
        f"/metrics/usage-tiers/users?{a}&tier=daily",
        "/metrics/retention?from=2026-08-04&to=2026-11-01",
        "/metrics/retention/users?from=2026-08-04&to=2026-11-01&cohort=2026-08-03",
        f"/metrics/health?{a}", f"/metrics/health/accounts?{a}", f"/metrics/ltv?{p}",
        f"/metrics/breadth?{p}",
    ]


def _kept_schema_url(schema: str) -> str:
    """PG_URL pinned to `schema`, created when missing (kept between runs)."""
    from urllib.parse import quote

    import sqlalchemy as sa

    engine = sa.create_engine(c.PG_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    engine.dispose()
    sep = "&" if "?" in c.PG_URL else "?"
    return f"{c.PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"


def _reusable(db: Any) -> tuple[int, str] | None:
    """The kept environment (id, a fresh secret key) when its data is already loaded."""
    import sqlalchemy as sa

    from server.models import Environment, Event
    from server.workspaces.service import rotate_secret_key

    with db.session() as s:
        env = s.execute(sa.select(Environment).where(Environment.name == "production")
                        ).scalars().first()
        if env is None or s.execute(sa.select(Event.id).where(  # type: ignore[call-overload]
                Event.environment_id == env.id).limit(1)).first() is None:
            return None
        key = rotate_secret_key(session=s, env=env)
        s.commit()
        return int(env.id), key


def pages() -> list[str]:
    """The dashboard pages (server/admin/analytics) on the same data and period."""
    p = "from=2026-10-03&to=2026-11-01"
    return [f"?{p}", f"/guides?guide=welcome&{p}", f"/features?feature=feature-01&{p}",
            f"/nps?{p}", f"/loyalty?{p}", f"/accounts?{p}", f"/people?set=matrix&cell=A&{p}",
            f"/user?id=user-42&{p}", f"/account?id=acct-7&{p}", f"/overview.csv?table=tiers&{p}"]


def _add_events(db: Any, env_id: int, n: int = 3) -> None:
    """A few new events (existing users, inside the benchmarked period): new data. Received
    two minutes ago, so PostgreSQL's rollup watermark (which trails the last 60 s) moves
    past them in the timed request's fold, not in the middle of a later measurement."""
    from server.models import Event

    now = datetime.now(UTC) - timedelta(minutes=2)
    with db.session() as s:
        for _ in range(n):
            s.add(Event(environment_id=env_id, uuid=str(uuid.uuid4()), type="track",
                        name="opened", user_id=f"user-{random.randrange(50_000)}",
                        properties={}, timestamp=datetime(2026, 10, 31, 12, tzinfo=UTC),
                        received_at=now))
        s.commit()


def _stale(r: Any) -> bool:
    """Did the answer serve a result of older data (API `stale`, page "refreshing")?"""
    if r.headers.get("content-type", "").startswith("application/json"):
        body = r.json()
        return bool(body.get("stale")) if isinstance(body, dict) else False
    return "· refreshing" in r.text


def _time(client: Any, url: str, cache: Any, db: Any, env_id: int,
          headers: dict[str, str] | None = None,
          ) -> tuple[float, float, bool, float, list[float], list[float]]:
    """Cold ms (cache emptied); after-new-data ms, whether it was stale and ms until its
    background refresh landed; then wall and CPU ms of 5 more requests."""
    assert cache.wait_idle(600)
    cache.clear()
    t = time.perf_counter()
    r = client.get(url, headers=headers)
    cold = (time.perf_counter() - t) * 1000
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    assert cache.wait_idle(600)  # warm-ups started by the cold read
    _add_events(db, env_id)
    t = time.perf_counter()
    r = client.get(url, headers=headers)
    after = (time.perf_counter() - t) * 1000
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    stale = _stale(r)
    assert cache.wait_idle(600)
    landed = (time.perf_counter() - t) * 1000
    times, cpu = [], []
    for _ in range(5):
        t, p = time.perf_counter(), time.process_time()
        client.get(url, headers=headers)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - p) * 1000)
    return cold, after, stale, landed, times, cpu


def _row(label: str, what: str, timed: tuple[float, float, bool, float, list[float],
                                              list[float]]) -> list[Any]:
    cold, after, stale, landed, times, cpu = timed
    med = statistics.median(times)
    return [label, what, f"{cold:.0f}", f"{after:.0f}", "stale" if stale else "fresh",
            f"{landed:.0f}", f"{med:.0f}", f"{max(times):.0f}",
            f"{statistics.median(cpu):.0f}", c.verdict(med <= BUDGET_MS and after <= BUDGET_MS)]


def run(url: str, label: str, n_events: int) -> tuple[list[list[Any]], str]:
    from starlette.testclient import TestClient

    from server.app import create_app
    from server.db import Database
    from server.metrics import cache
    from server.metrics.rollup import refresh_rollups
    from server.settings import Settings
    from server.workspaces.service import create_environment, get_or_create_workspace

    c.migrate(url)
    settings = Settings(database_url=url, environment="test", metrics_stale_seconds=300)
    db = Database(settings)
    kept = _reusable(db)
    if kept is None:
        with db.session() as s:
            ws = get_or_create_workspace(session=s, name="Bench")
            created = create_environment(session=s, workspace=ws, name="production",
                                         origins=[c.ORIGIN])
            s.commit()
        env_id, secret = int(created.environment.id), created.secret_key  # type: ignore[arg-type]
        _import_guide(db, env_id)
        t0 = time.perf_counter()
        data = generate(n_events, 50_000, 3_000)
        n_loaded = len(data["events"])
        gen_s = time.perf_counter() - t0
        load_s = load(url, env_id, data)
        del data
    else:
        (env_id, secret), gen_s, load_s, n_loaded = kept, 0.0, 0.0, 0
    t0 = time.perf_counter()
    with db.session() as s:
        refresh_rollups(session=s, environment_id=env_id, now=datetime.now(UTC), lag_seconds=0)
        s.commit()
    roll_s = time.perf_counter() - t0
    with db.engine.connect() as conn:  # statistics for the rollup tables too
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    if kept is None:
        note = (f"{label}: {n_loaded:,} events generated in {gen_s:.1f} s, loaded in "
                f"{load_s:.1f} s, first rollup (all events) {roll_s:.1f} s")
    else:
        note = f"{label}: kept data set reused (--keep), incremental rollup {roll_s:.1f} s"
    print(note, flush=True)
    rows = []
    headers = {"Authorization": f"Bearer {secret}"}
    from bench.bench_admin import sign_in

    app = create_app(settings)
    with TestClient(app) as client:
        for path in routes():
            timed = _time(client, f"/api/v1{path}", cache, db, env_id, headers)
            rows.append(_row(label, path.split("?")[0], timed))
            print(rows[-1], flush=True)
    admin, slug = sign_in(app, settings)
    with admin:
        for page in pages():
            timed = _time(admin, f"/admin/w/{slug}/e/production/analytics{page}", cache, db,
                          env_id)
            rows.append(_row(label, f"page /analytics{page.split('?')[0]}", timed))
            print(rows[-1], flush=True)
    db.dispose()
    return rows, note


def _import_guide(db: Any, env_id: int) -> None:
    import yaml

    from server.guides.service import import_guide_files
    from server.models import Environment

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "welcome.yaml"
        path.write_text(yaml.safe_dump(GUIDE))
        with db.session() as s:
            import_guide_files(session=s, environment=s.get(Environment, env_id), paths=[path],
                               draft=False, author="bench")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true", help="also PostgreSQL")
    parser.add_argument("--only-postgres", action="store_true")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the loaded data here (and in a kept PostgreSQL schema) "
                             "and reuse it on the next run")
    args = parser.parse_args()
    rows: list[list[Any]] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as d:
        if not args.only_postgres:
            where = args.keep or Path(d)
            where.mkdir(parents=True, exist_ok=True)
            r, n = run(c.sqlite_url(where, "metrics.db"), "SQLite", args.events)
            rows, notes = rows + r, notes + [n]
    if args.postgres or args.only_postgres:
        schema = "bench_metrics_keep" if args.keep else "bench_metrics"
        try:
            url = c.postgres_url(schema) if not args.keep else _kept_schema_url(schema)
            r, n = run(url, "PostgreSQL", args.events)
            rows, notes = rows + r, notes + [n]
        finally:
            if not args.keep:
                c.drop_postgres_schema(schema)
    body = ("\n".join(f"- {n}" for n in notes) + "\n\nIn-process TestClient GETs (auth + "
            "rollup probe + metric + JSON; the dashboard pages signed in as an owner), "
            "SHIRUBE_METRICS_STALE_SECONDS=300: cold = the first request with the metrics "
            "result cache emptied (the cost after a restart); after new data = the next "
            "request after 3 new events (rollup fold + the previous result served stale "
            "while a background refresh runs), \"served\" says whether it was stale, "
            "refresh = ms from that request until the refresh landed; then median / max of "
            "5, wall ms, and the median CPU time of this process (with SQLite that includes "
            "the database's work; with PostgreSQL it does not) — the machine is shared, so "
            "wall times depend on its load; budget: wall median and after-new-data read "
            f"≤ {BUDGET_MS:.0f} ms; {c.load_note()}.\n\n"
            + c.table(["database", "route", "cold ms", "after new data ms", "served",
                       "refresh ms", "median ms", "max ms", "CPU ms", "budget"], rows))
    print(body)
    if not args.no_record:
        c.append_results("Metrics endpoints", body)
    return 0 if all(r[-1] == "PASS" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())

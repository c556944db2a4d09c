"""Bootstrap throughput: a user with 20 published guides × 20 audience rules vs a bare endpoint.

Budget (issue "Backend core"): ≥ 50 % of the bare Starlette endpoint's requests/s in
the same run (64 connections, 1 and 2 workers) and p99 ≤ 25 ms.

    .venv/bin/python bench/bench_bootstrap.py                # SQLite
    .venv/bin/python bench/bench_bootstrap.py --postgres     # SQLite, then PostgreSQL

For each database: a fresh DB, an environment allowing the bench origin, 20 published
guides (imported through server.guides.service.import_guide_files) whose audiences mix
every attribute operator over user and account traits; one user whose traits make 16 of
them eligible. Then, per worker count: `shirube serve --workers N` and the bare baseline
(bench/baseline_app.py, answering the captured bootstrap response bytes) under the same
uvicorn options, each warmed up and then driven by wrk with the same POST body.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as c  # noqa: E402
from bench import _lua  # noqa: E402

GUIDES = 20
USER_ID = "bench-user-1"


def _now() -> datetime:
    return datetime.now(UTC)


def user_traits() -> dict[str, Any]:
    now = _now()
    return {
        "plan": "pro", "role": "admin", "seats": 12, "email": "ana@acme.test", "beta": True,
        "country": "jp", "company": "Acme", "created_at": (now - timedelta(days=5)).isoformat(),
        "signed_up_at": "2024-03-01", "first_login": (now - timedelta(days=4)).isoformat(),
    }


def account_traits() -> dict[str, Any]:
    return {
        "mrr": 4200, "tier": "enterprise", "region": "eu", "name": "Acme Corp",
        "created_at": (_now() - timedelta(days=90)).isoformat(),
    }


def _leaves(i: int) -> list[dict[str, Any]]:
    """20 leaf rules over every operator; true for the bench user unless `i % 5 == 4`."""
    plan = ["pro", "team"] if i % 5 != 4 else ["free"]  # every fifth guide: not eligible
    return [
        {"attr": "user.plan", "op": "in", "value": plan},
        {"attr": "user.role", "op": "neq", "value": "guest"},
        {"attr": "user.created_at", "op": "within_days", "value": 30 + i},
        {"attr": "user.seats", "op": "gte", "value": 5},
        {"attr": "user.seats", "op": "lt", "value": 100 + i},
        {"attr": "user.email", "op": "contains", "value": "@acme"},
        {"attr": "user.beta", "op": "eq", "value": True},
        {"attr": "user.country", "op": "not_in", "value": ["xx", "yy", f"z{i}"]},
        {"attr": "user.company", "op": "exists"},
        {"attr": "user.deleted", "op": "not_exists"},
        # any: one true is enough, the evaluator may stop early
        {"attr": "user.signed_up_at", "op": "after", "value": "2020-01-01"},
        {"attr": "user.signed_up_at", "op": "before", "value": "2099-01-01"},
        {"attr": "user.first_login", "op": "older_than_days", "value": 1},
        {"attr": "account.mrr", "op": "gt", "value": 100},
        {"attr": "account.mrr", "op": "lte", "value": 100000},
        # not
        {"attr": "account.tier", "op": "eq", "value": "free"},
        # nested all
        {"attr": "account.region", "op": "in", "value": ["eu", "us"]},
        {"attr": "account.name", "op": "contains", "value": "Acme"},
        {"attr": "account.created_at", "op": "older_than_days", "value": 7},
        {"attr": "account.churned", "op": "not_exists"},
    ]


def audience(i: int, segments: bool = False) -> dict[str, Any]:
    """all(10 leaves, any(5), not(1), all(4)) = 20 rules.

    With `segments` (issue "Loyalty analytics": bootstrap with segment rules), every
    fourth guide also names a segment, alternately the computed `promoters` (NPS category,
    materialised in segment_member) and the rule segment `engaged` (an event-history leaf
    and a feature leaf, evaluated live per request)."""
    leaves = _leaves(i)
    rule: dict[str, Any] = {"all": [
        *leaves[:10],
        {"any": leaves[10:15]},
        {"not": leaves[15]},
        {"all": leaves[16:20]},
    ]}
    if segments and i % 4 == 0:
        rule["all"].append({"segment": "promoters" if i % 8 == 0 else "engaged", "op": "member"})
    return rule


_FREQUENCIES: list[Any] = [
    "once", "until_completed", {"mode": "every_days", "days": 7}, {"mode": "max_times", "times": 3},
]


def guide_definition(i: int, segments: bool = False) -> dict[str, Any]:
    """A three-step tour with Markdown bodies, a URL trigger and mixed frequency/schedule."""
    key = f"guide-{i:02d}"
    defn: dict[str, Any] = {
        "key": key,
        "name": f"Bench guide {i}",
        "type": "tour",
        "priority": i % 7,
        "audience": audience(i, segments),
        "trigger": {"url": {"match": "prefix", "value": f"/app/section-{i % 4}"}, "delay_ms": 250},
        "frequency": _FREQUENCIES[i % 4],
        "steps": [
            {"kind": "modal", "title": f"Welcome to section {i}",
             "body": "Take a **one-minute tour** of this page: where things are and what"
                     " they do. You can [read the docs](https://docs.acme.test/tour) any time."},
            {"kind": "tooltip", "title": "Create a report",
             "body": "Start here. A report turns your data into a *shareable* table.",
             "target": {"selectors": [f"[data-tour=new-report-{i}]", "#new-report"], "text": "New report"},
             "placement": "bottom-start"},
            {"kind": "tooltip", "title": "Settings",
             "body": "Notifications, your team and your profile live under *Settings*.",
             "target": "[data-tour=settings-link]", "placement": "right"},
        ],
    }
    if i % 3 == 0:
        defn["schedule"] = {"start": "2024-01-01"}
    return defn


def seed(url: str, segments: bool = False, users: int = 1000) -> tuple[str, bytes]:
    """Migrate, create the environment and guides; returns (publishable key, request body).

    With `segments`, also the two segments the guides name (see `audience`), `promoters`
    holding every other bench user, and a `report_created` event for every third user."""
    import yaml
    from sqlmodel import Session

    from server.db import Database
    from server.guides.service import import_guide_files
    from server.models import Environment
    from server.settings import Settings

    c.migrate(url)
    env_id, key = c.create_bench_environment(url)
    db = Database(Settings(database_url=url, environment="test"))
    try:
        with tempfile.TemporaryDirectory() as d:
            paths = []
            for i in range(GUIDES):
                defn = guide_definition(i, segments)
                p = Path(d) / f"{defn['key']}.yaml"
                p.write_text(yaml.safe_dump(defn, sort_keys=False))
                paths.append(p)
            with Session(db.write_engine, expire_on_commit=False) as s:
                if segments:
                    _seed_segments(s, env_id, users)
                env = s.get(Environment, env_id)
                import_guide_files(session=s, environment=env, paths=paths, author="bench")
                s.commit()
        # Planner statistics, as a database in service has them (PostgreSQL's autovacuum
        # would gather them a minute later, mid-run; without them it picks a time index
        # over the per-user one for the event counts).
        with db.write_engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    finally:
        db.dispose()
    body = {
        "key": key,
        "user": {"id": USER_ID, "traits": user_traits()},
        "account": {"id": "acme", "traits": account_traits()},
        "context": {"url": f"{c.ORIGIN}/app/section-1", "locale": "en"},
    }
    return key, json.dumps(body, separators=(",", ":")).encode()


def _seed_segments(session: Any, env_id: int, users: int) -> None:
    from datetime import UTC, datetime, timedelta

    from server.models import Event, Feature
    from server.segments.refresh import apply_members
    from server.segments.service import create_segment

    now = datetime.now(UTC)
    session.add(Feature(environment_id=env_id, key="reports", name="Reports",
                        rules=[{"kind": "event", "name": "report_created"}]))
    create_segment(session=session, environment_id=env_id, key="promoters", name="Promoters",
                   kind="computed", definition={"metric": "nps", "category": "promoter"})
    create_segment(session=session, environment_id=env_id, key="engaged", name="Engaged",
                   kind="rule", definition={"any": [
                       {"event": "report_created", "op": "count_gte", "value": 1,
                        "within_days": 30},
                       {"feature": "reports", "op": "used", "within_days": 30}]})
    apply_members(session=session, environment_id=env_id, key="promoters",
                  members={f"bench-user-{n}" for n in range(0, users, 2)}, now=now)
    for n in range(0, users, 3):
        session.add(Event(environment_id=env_id, uuid=f"00000000-0000-7000-8000-{n:012d}",
                          type="track", name="report_created", user_id=f"bench-user-{n}",
                          properties={}, timestamp=now - timedelta(days=1), received_at=now))
    session.flush()


def post(base: str, body: bytes) -> tuple[int, bytes]:
    req = urllib.request.Request(
        base + "/api/sdk/v1/bootstrap", data=body, method="POST",
        headers={"Content-Type": "application/json", "Origin": c.ORIGIN},
    )
    with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 - loopback
        return r.status, r.read()


def visit_all(base: str, body: bytes, users: int) -> None:
    """Every bench user's first two visits, before anything is measured: the budget is for
    returning users. The first creates the user (a write), the second reads and leaves the
    answer remembered; each later one is what a returning user's page load costs."""
    from concurrent.futures import ThreadPoolExecutor

    def visit(n: int) -> None:
        one = body.replace(f'"{USER_ID}"'.encode(), f'"bench-user-{n}"'.encode())
        for _ in range(2):
            status, answer = post(base, one)
            if status != 200:
                raise RuntimeError(f"bootstrap answered {status}: {answer[:300]!r}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(visit, range(users)))  # the ids wrk sends: bench-user-0 … users-1


def drive(server: c.Server, body: bytes, args: argparse.Namespace, seconds: float) -> c.WrkResult:
    # Both sides get the same request stream: --users returning users in turn.
    script = _lua.write(_lua.USERS_POST)
    template = body.decode().replace(f'"{USER_ID}"', '"__USER__"')
    env = {"BENCH_BODY": template, "BENCH_ORIGIN": c.ORIGIN, "BENCH_USERS": str(args.users)}
    try:
        return c.wrk(server.base + "/api/sdk/v1/bootstrap", script, connections=args.connections,
                     threads=args.threads, seconds=seconds, env=env)
    finally:
        script.unlink(missing_ok=True)


def bench_database(label: str, url: str, args: argparse.Namespace) -> list[list[Any]]:
    print(f"[{label}] seeding {GUIDES} guides × 20 rules …", flush=True)
    _key, body = seed(url, args.segments, args.users)
    rows: list[list[Any]] = []
    env = c.server_env(url)
    with tempfile.NamedTemporaryFile(prefix="bench-bootstrap-", suffix=".json", delete=False) as f:
        response_file = Path(f.name)
    try:
        for workers in args.workers:
            port = c.free_port()
            with c.running(f"shirube-{workers}w", c.shirube_command(port, workers), port, env) as srv:
                status, response = post(srv.base, body)  # creates the user; later requests only read
                if status != 200:
                    raise RuntimeError(f"bootstrap answered {status}: {response[:300]!r}")
                visit_all(srv.base, body, args.users)
                eligible = len(json.loads(response)["guides"])
                response_file.write_bytes(response)
                port = c.free_port()
                base_env = {"SHIRUBE_BENCH_BODY_FILE": str(response_file), "SHIRUBE_BENCH_ORIGIN": c.ORIGIN,
                            "PYTHONPATH": str(c.ROOT)}
                with c.running(f"baseline-{workers}w", c.baseline_command(port, workers), port, base_env) as bsrv:
                    status, bare_response = post(bsrv.base, body)
                    assert len(bare_response) == len(response)
                    # Alternate baseline and Shirube; keep each side's best round (least disturbed
                    # by whatever else shares the machine).
                    bare, shirube = c.best_of_rounds(
                        lambda seconds: drive(bsrv, body, args, seconds),
                        lambda seconds: drive(srv, body, args, seconds),
                        rounds=args.rounds, seconds=args.seconds, warmup=args.warmup,
                    )
            ratio = shirube.rps / bare.rps if bare.rps else 0.0
            ok = ratio >= 0.5 and shirube.p99_ms <= 25 and shirube.errors == 0 and shirube.non_2xx == 0
            row = [
                label, workers, f"{len(response):,} B / {eligible} guides",
                f"{bare.rps:,.0f}", f"{bare.p50_ms:.2f} / {bare.p99_ms:.2f}",
                f"{shirube.rps:,.0f}", f"{shirube.p50_ms:.2f} / {shirube.p99_ms:.2f}",
                f"{shirube.errors}/{shirube.non_2xx}", f"{ratio:.0%}", c.verdict(ok),
            ]
            print(" | ".join(str(x) for x in row), flush=True)
            rows.append(row)
    finally:
        response_file.unlink(missing_ok=True)
    return rows


HEADERS = [
    "database", "workers", "response", "bare req/s", "bare p50/p99 ms", "bootstrap req/s",
    "bootstrap p50/p99 ms", "errors/non-2xx", "ratio", "budget (≥50 %, p99 ≤ 25 ms)",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL (SHIRUBE_BENCH_POSTGRES_URL)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--workers", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--users", type=int, default=1000,
                        help="distinct returning users the requests cycle through (1 = one user)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per side; best kept")
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    parser.add_argument("--segments", action="store_true",
                        help="every fourth guide also names a segment (computed or rule)")
    args = parser.parse_args(argv)
    c.require_wrk()
    print(c.machine())
    rows: list[list[Any]] = []
    with tempfile.TemporaryDirectory(prefix="shirube-bench-") as d:
        if not args.no_sqlite:
            rows += bench_database("SQLite", c.sqlite_url(Path(d), "bootstrap.db"), args)
        if args.postgres:
            if not c.postgres_available():
                sys.exit(f"bench: PostgreSQL not reachable at {c.PG_URL}")
            schema = "shirube_bench_bootstrap"
            try:
                rows += bench_database("PostgreSQL", c.postgres_url(schema), args)
            finally:
                c.drop_postgres_schema(schema)
    out = c.table(HEADERS, rows)
    print()
    print(out)
    if not args.no_record:
        note = (
            f"wrk -t{args.threads} -c{args.connections}, {args.warmup:g} s warm-up, then {args.rounds} alternating"
            f" rounds of {args.seconds:g} s per side, best round kept; {c.load_note()};"
            f" {GUIDES} published guides × 20 audience rules"
            + ("; every fourth guide also names a segment (computed `promoters`, materialised;"
               " rule `engaged`: an event count and a feature leaf, evaluated per request)"
               if args.segments else "")
            + "; same uvicorn options (uvloop, httptools)"
            " for both servers. Latencies are wrk's (µs resolution), in ms."
        )
        c.append_results("Bootstrap", f"{note}\n\n{out}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())

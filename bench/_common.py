"""Shared plumbing for the benchmarks: databases, server subprocesses, wrk, RESULTS.md.

Everything a benchmark needs to be reproducible in one run: the baseline is measured
in the same run as the thing under test, on the same uvicorn options, and the ratio is
what gets reported (the load generator and the server share this machine's cores).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "RESULTS.md"
PG_URL = os.environ.get("SHIRUBE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ORIGIN = "https://bench.shirube.test"
VENV_BIN = Path(sys.executable).parent


# --- machine ------------------------------------------------------------------------


def machine() -> str:
    """'2 × Intel(R) Xeon(R) Processor, Linux 6.x, Python 3.x' for the results file."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"nproc={os.cpu_count()}, CPU: {model}, {platform.system()} {platform.release()},"
        f" Python {platform.python_version()}"
    )


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        sys.exit("bench: wrk is not installed (Debian: apt-get install wrk); see bench/README.md")
    return path


# --- databases ----------------------------------------------------------------------


def sqlite_url(directory: Path, name: str) -> str:
    return f"sqlite:///{directory / name}"


def postgres_url(schema: str) -> str:
    """PG_URL pinned to a dedicated schema, which is dropped and recreated."""
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"


def drop_postgres_schema(schema: str) -> None:
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    engine.dispose()


def postgres_available() -> bool:
    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def migrate(url: str) -> None:
    from server.migrations import upgrade

    upgrade(url)


def create_bench_environment(url: str) -> tuple[int, str]:
    """A workspace + environment allowing ORIGIN; returns (environment id, publishable key)."""
    from server.db import Database
    from server.settings import Settings
    from server.workspaces.service import create_environment, get_or_create_workspace

    db = Database(Settings(database_url=url, environment="test"))
    try:
        with db.session() as s:
            ws = get_or_create_workspace(session=s, name="Bench")
            created = create_environment(session=s, workspace=ws, name="production", origins=[ORIGIN])
            s.commit()
            env = created.environment
            return int(env.id), env.publishable_key  # type: ignore[arg-type]
    finally:
        db.dispose()


# --- servers ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    command: list[str]
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def _wait_ready(server: Server, path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited early:\n{server.output()}")
        try:
            with urllib.request.urlopen(server.base + path, timeout=1) as r:  # noqa: S310 - loopback
                if r.status < 500:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{server.name} did not answer {path} within {timeout:.0f}s:\n{server.output()}")


@contextmanager
def running(name: str, command: list[str], port: int, env: dict[str, str], ready_path: str = "/healthz") -> Iterator[Server]:
    """Start `command` in its own process group; stop it (SIGTERM, then SIGKILL) on exit."""
    log = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")[1])
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, command, port, proc, log)
    try:
        _wait_ready(server, ready_path)
        yield server
    finally:
        _stop(proc)
        log.unlink(missing_ok=True)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


def shirube_command(port: int, workers: int) -> list[str]:
    return [str(VENV_BIN / "shirube"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]


def baseline_command(port: int, workers: int) -> list[str]:
    """The bare Starlette app under the same uvicorn options `shirube serve` uses."""
    return [
        str(VENV_BIN / "uvicorn"), "--factory", "bench.baseline_app:create_app", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--loop", "uvloop", "--http", "httptools",
        "--log-level", "warning", "--no-access-log",
    ]


def server_env(url: str) -> dict[str, str]:
    return {"SHIRUBE_DATABASE_URL": url, "SHIRUBE_LOG_LEVEL": "warning", "PYTHONPATH": str(ROOT)}


# --- wrk ----------------------------------------------------------------------------


@dataclass
class WrkResult:
    requests: int
    seconds: float
    errors: int
    non_2xx: int
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk(url: str, script: Path, *, connections: int, threads: int, seconds: float,
        env: dict[str, str] | None = None) -> WrkResult:
    """Run wrk with a Lua script whose done() prints one JSON line prefixed 'WRKJSON '."""
    cmd = [
        require_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
        "-s", str(script), url,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})},
                          timeout=seconds + 60, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("WRKJSON "):
            d = json.loads(line[len("WRKJSON "):])
            return WrkResult(
                requests=d["requests"], seconds=d["duration_us"] / 1e6,
                errors=d["connect"] + d["read"] + d["write"] + d["timeout"], non_2xx=d["status"],
                p50_ms=d["p50"] / 1000, p99_ms=d["p99"] / 1000, max_ms=d["max"] / 1000,
            )
    raise RuntimeError(f"wrk printed no summary (rc={proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def best_of_rounds(
    baseline: Callable[[float], WrkResult], subject: Callable[[float], WrkResult], *,
    rounds: int, seconds: float, warmup: float,
) -> tuple[WrkResult, WrkResult]:
    """Warm both up, then alternate baseline/subject runs; each side's highest-rps round."""
    baseline(warmup)
    subject(warmup)
    base_runs, subject_runs = [], []
    for _ in range(rounds):
        base_runs.append(baseline(seconds))
        subject_runs.append(subject(seconds))
    return max(base_runs, key=lambda r: r.rps), max(subject_runs, key=lambda r: r.rps)


def load_note() -> str:
    """Load average when the run ended: other work on the machine skews absolute figures."""
    one, five, _ = os.getloadavg()
    return f"load average at the end {one:.1f} (1 min) / {five:.1f} (5 min)"


# --- results ------------------------------------------------------------------------


def command_line() -> str:
    args = [shlex.quote(a) for a in sys.argv[1:]]
    script = Path(sys.argv[0]).resolve().relative_to(ROOT)
    return " ".join([".venv/bin/python", str(script), *args])


def append_results(title: str, body: str) -> None:
    """Append a dated section to bench/RESULTS.md."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = "" if RESULTS.exists() else "# Benchmark results\n\nNewest sections last. Reproduce with the command in each section.\n"
    section = (
        f"\n## {title} — {now}\n\n"
        f"- Machine: {machine()}\n"
        f"- Command: `{command_line()}`\n\n"
        f"{body.rstrip()}\n"
    )
    with RESULTS.open("a", encoding="utf-8") as f:
        f.write(header + section)
    print(f"appended to {RESULTS.relative_to(ROOT)}")


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table (also readable on a terminal)."""
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"

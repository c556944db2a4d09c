"""Admin pages on the demo data set (`shirube demo`: 2,000 users, 300 accounts, 90 days),
SQLite and PostgreSQL: median response time per page, in-process (TestClient: the whole
admin handler — session, role check, rollup probe, metrics, template). The analytics
dashboards, then every other page an author or owner opens (guides, editor, versions,
surveys, features, explain, broken targets, install, theme, members, audit).

Seeds with `seed_demo` (as `shirube demo --seed-only`), signs an owner in, then per page
one warm-up and the median of `--rounds` requests. Budget: ≤ 150 ms per admin page.

    .venv/bin/python bench/bench_admin.py [--postgres] [--rounds 7] [--no-record]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as c  # noqa: E402

BUDGET_MS = 150.0
PAGES = ["", "/guides?guide=welcome-tour", "/features?feature=new-report", "/nps", "/loyalty",
         "/accounts", "/people?set=matrix&cell=A", "/user?id=u-00042", "/account?id=acct-007",
         "/overview.csv?table=tiers"]
#: The other admin pages, relative to /admin/w/<ws>/ ("e/" = the demo environment).
OTHER_PAGES = ["environments", "settings", "members", "audit", "e/demo/", "e/demo/install",
               "e/demo/theme", "e/demo/guides", "e/demo/guides/new",
               "e/demo/guides/welcome-tour/edit", "e/demo/guides/welcome-tour/versions",
               "e/demo/explain", "e/demo/broken-targets", "e/demo/surveys",
               "e/demo/surveys/nps-survey", "e/demo/features", "e/demo/features/new-report",
               "e/demo/builder/pick?guide=welcome-tour&step=1"]


def sign_in(app, settings):  # type: ignore[no-untyped-def]
    """A TestClient signed in as a new owner of the first workspace, and its slug."""
    from sqlmodel import select
    from starlette.testclient import TestClient

    from server.admin import accounts
    from server.models import Workspace
    from server.models.admin import AdminUser
    from server.models.types import utcnow
    from server.security.sessions import cookie_name, create_session

    with app.state.db.session() as s:
        user = AdminUser(email=f"bench-{time.time_ns()}@example.com", name="Bench",
                         password_hash="x")
        s.add(user)
        s.flush()
        ws = s.exec(select(Workspace)).first()
        assert ws is not None
        accounts.set_role(session=s, workspace=ws, user=user, role="owner")
        token, _row = create_session(session=s, user=user, now=utcnow())
        s.commit()
        slug = ws.slug
    client = TestClient(app, base_url="https://testserver")
    client.cookies.set(cookie_name(settings.secure_cookies), token)
    return client, slug


def _client(url: str):  # type: ignore[no-untyped-def]
    from server.app import create_app
    from server.demo import seed_demo
    from server.settings import Settings

    settings = Settings(database_url=url, environment="test")
    t = time.perf_counter()
    seed_demo(settings, origins=["http://localhost:8000"], users=2000, out=io.StringIO())
    seeded = time.perf_counter() - t
    app = create_app(settings)
    client, slug = sign_in(app, settings)
    return client, f"/admin/w/{slug}/", seeded, app


def run(url: str, rounds: int) -> tuple[list[list[object]], float, bool]:
    client, base, seeded, app = _client(url)
    rows: list[list[object]] = []
    ok = True
    try:
        pages = [(f"e/demo/analytics{p}", f"`/analytics{p}`") for p in PAGES]
        pages += [(p, f"`{p.removeprefix('e/demo/') or 'environment home'}`")
                  for p in OTHER_PAGES]
        for page, label in pages:
            first = time.perf_counter()
            r = client.get(base + page)
            warm = (time.perf_counter() - first) * 1000
            assert r.status_code == 200, (page, r.status_code, r.text[:500])
            times = []
            for _ in range(rounds):
                t = time.perf_counter()
                client.get(base + page)
                times.append((time.perf_counter() - t) * 1000)
            med = statistics.median(times)
            ok &= med <= BUDGET_MS
            rows.append([label, f"{warm:.0f}", f"{med:.0f}", f"{max(times):.0f}",
                         c.verdict(med <= BUDGET_MS)])
    finally:
        app.state.db.dispose()
    return rows, seeded, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="also PostgreSQL")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    sections = []
    with tempfile.TemporaryDirectory() as d:
        targets = [("SQLite", c.sqlite_url(Path(d), "admin.db"))]
        if args.postgres and c.postgres_available():
            targets.append(("PostgreSQL", c.postgres_url("bench_admin")))
        for name, url in targets:
            rows, seeded, ok = run(url, args.rounds)
            body = c.table(["page", "first ms", "median ms", "max ms", "≤ 150 ms"], rows)
            sections.append(f"### {name}\n\nDemo seed (`seed_demo`, 2,000 users): {seeded:.1f} s"
                            f" wall.\n\n{body}\n\nAll pages within budget: {c.verdict(ok)}\n")
            print(sections[-1])
            if name == "PostgreSQL":
                c.drop_postgres_schema("bench_admin")
    text = (f"{args.note}\n\n" if args.note else "") + "\n".join(sections) + "\n" + c.load_note()
    if not args.no_record:
        c.append_results("Admin pages on the demo data set", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

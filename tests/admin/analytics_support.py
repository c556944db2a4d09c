"""A seeded world for the analytics page tests: the demo history (small) in acme's
production environment, the demo guides (welcome tour with a goal and a 10 % holdout),
and helpers to read figures off a page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from server.demo_seed import seed_history
from server.guides.service import import_guide_files
from server.metrics.rollup import refresh_rollups

ROOT = Path(__file__).resolve().parents[2]
BASE = "/admin/w/acme/e/production/analytics"
SEED_USERS = 80


def seed(world: Any) -> int:
    """Seed acme/production; returns its environment id."""
    env = world.envs["acme"].environment
    db = world.app.state.db
    with db.session() as s:
        env = s.merge(env)
        import_guide_files(session=s, environment=env,
                           paths=sorted((ROOT / "guides" / "demo").glob("*.yaml")), author="t")
        s.commit()
        env_id = env.id
    seed_history(db, environment_id=env_id, users=SEED_USERS, seed=11)
    with db.session() as s:
        refresh_rollups(session=s, environment_id=env_id, now=datetime.now(UTC))
        s.commit()
    return int(env_id)


def session(world: Any) -> Session:
    return Session(world.app.state.db.engine)


def by_testid(html: str, name: str) -> str:
    """The text inside the element with data-testid=name (tags stripped)."""
    m = re.search(r'data-testid="' + re.escape(name) + r'"[^>]*>(.*?)</', html, re.S)
    assert m, f"no data-testid={name}"
    return re.sub(r"<[^>]+>", "", m.group(1)).strip()


def number(text: str) -> int:
    return int(text.replace(",", "").replace("+", ""))


def table_rows(html: str, name: str) -> list[list[str]]:
    """Cells (text) of the body rows of the table with data-testid=table-<name>."""
    m = re.search(r'data-testid="table-' + re.escape(name) + r'".*?<tbody>(.*?)</tbody>',
                  html, re.S)
    assert m, f"no table {name}"
    rows = re.findall(r"<tr>(.*?)</tr>", m.group(1), re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in rows]


def links(html: str, pattern: str) -> list[str]:
    found = re.findall(r'href="([^"]*' + re.escape(pattern) + r'[^"]*)"', html)
    return [h.replace("&amp;", "&") for h in found]

"""Helpers of the builder/preview/explain tests: guides in a World's environment, tokens."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from server.guides.service import import_guide_files
from server.models import Environment, Event, Guide
from server.security.builder_tokens import sign_token

TOUR = {
    "key": "reports-tour", "name": "Reports tour", "type": "tour",
    "trigger": {"url": {"match": "prefix", "value": "/app/reports"}, "on": "page_load"},
    "frequency": {"mode": "once"},
    "audience": {"all": [{"attr": "user.plan", "op": "in", "value": ["pro", "team"]}]},
    "steps": [
        {"kind": "modal", "title": "Welcome", "body": "Hi"},
        {"kind": "tooltip", "title": "New report", "body": "Click here",
         "target": "#new-report", "placement": "bottom"},
    ],
}


def add_guides(world: Any, *definitions: dict[str, Any], ws: str = "acme",
               draft: bool = False) -> None:
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i, defn in enumerate(definitions):
            p = Path(d) / f"{i:03d}-{defn['key']}.yaml"
            p.write_text(yaml.safe_dump(defn, sort_keys=False), encoding="utf-8")
            paths.append(p)
        with world.app.state.db.session() as s:
            env = s.get(Environment, world.envs[ws].environment.id)
            import_guide_files(session=s, environment=env, paths=paths, draft=draft, author="t")


def guide_row(world: Any, key: str, ws: str = "acme") -> Guide:
    from sqlmodel import select

    with world.app.state.db.session() as s:
        return s.exec(select(Guide).where(
            Guide.environment_id == world.envs[ws].environment.id, Guide.key == key)).one()


def token(world: Any, purpose: str = "builder", *, ws: str = "acme", who: str = "editor",
          age_seconds: int = 0, **claims: Any) -> str:
    base = {"env": world.envs[ws].environment.id, "guide": "reports-tour",
            "author": world.users[who].id}
    base.update({"step": 1} if purpose == "builder" else {"version": "draft",
                                                          "user": {"id": "u-1", "traits": {}}})
    base.update(claims)
    now = datetime.now(UTC) - timedelta(seconds=age_seconds)
    return sign_token(secret=world.settings.secret_key, purpose=purpose,  # type: ignore[arg-type]
                      claims=base, now=now)


def add_events(world: Any, *events: dict[str, Any], ws: str = "acme") -> None:
    import uuid

    with world.app.state.db.session() as s:
        for e in events:
            s.add(Event(environment_id=world.envs[ws].environment.id, uuid=str(uuid.uuid4()),
                        **{"timestamp": datetime.now(UTC), **e}))
        s.commit()

"""Creating workspaces and environments, rotating keys, resolving keys to environments.

Any change that the SDK hot path caches (origins, identity settings, theme) bumps
`environment.guides_version`, the one counter every worker's cache is keyed on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, select

from ..models import Environment, Workspace
from ..security.keys import (
    hash_secret_key,
    key_hint,
    new_identity_secret,
    new_publishable_key,
    new_secret_key,
)

DEFAULT_THEME: dict[str, Any] = {
    "primary": "#4f46e5",
    "text": "#111827",
    "background": "#ffffff",
    "radius": "8px",
    "font": "system-ui, -apple-system, 'Segoe UI', sans-serif",
    "z_index": 2147483000,
}
DEFAULT_ENV_SETTINGS: dict[str, Any] = {
    "theme": DEFAULT_THEME,
    "locale": "en",
    "target_wait_ms": 5000,
    "url_poll_ms": 1000,
    "throttle": {"cooldown_minutes": 10, "max_per_day": 3},
}


class WorkspaceError(ValueError):
    """A workspace/environment request that cannot be honoured (bad name, duplicate…)."""


@dataclass(frozen=True, slots=True)
class CreatedEnvironment:
    """A new environment and the secrets that are shown exactly once."""

    workspace: Workspace
    environment: Environment
    secret_key: str
    identity_secret: str


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    return slug[:100] or "workspace"


def normalise_origin(origin: str) -> str:
    """'https://App.Acme.test/' -> 'https://app.acme.test'; raises WorkspaceError if invalid."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise WorkspaceError(f"origin {origin!r}: expected scheme://host[:port]")
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        raise WorkspaceError(f"origin {origin!r}: an origin has no path, query or fragment")
    host = parts.hostname.lower()
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def get_or_create_workspace(*, session: Session, name: str) -> Workspace:
    """The workspace with this name's slug, created when missing."""
    if not name.strip():
        raise WorkspaceError("workspace name must not be empty")
    slug = slugify(name)
    ws = session.exec(select(Workspace).where(Workspace.slug == slug)).first()
    if ws is None:
        ws = Workspace(name=name.strip(), slug=slug)
        session.add(ws)
        session.flush()
    return ws


def create_environment(
    *,
    session: Session,
    workspace: Workspace,
    name: str,
    origins: list[str],
    identity_verification: bool = False,
    settings: dict[str, Any] | None = None,
) -> CreatedEnvironment:
    """Create an environment with fresh keys. The caller commits."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,49}", name):
        raise WorkspaceError(f"environment name {name!r}: use 1-50 of a-z 0-9 _ -")
    existing = session.exec(
        select(Environment).where(
            Environment.workspace_id == workspace.id, Environment.name == name
        )
    ).first()
    if existing is not None:
        raise WorkspaceError(f"environment {name!r} already exists in workspace {workspace.slug!r}")
    secret_key = new_secret_key()
    identity_secret = new_identity_secret()
    env = Environment(
        workspace_id=workspace.id,  # type: ignore[arg-type]
        name=name,
        publishable_key=new_publishable_key(),
        secret_key_hash=hash_secret_key(secret_key),
        secret_key_hint=key_hint(secret_key),
        identity_secrets=[identity_secret],
        identity_verification=identity_verification,
        allowed_origins=sorted({normalise_origin(o) for o in origins}),
        settings={**DEFAULT_ENV_SETTINGS, **(settings or {})},
    )
    session.add(env)
    session.flush()
    return CreatedEnvironment(workspace, env, secret_key, identity_secret)


def find_environment(*, session: Session, workspace: str | None, name: str) -> Environment:
    """An environment by name (and workspace slug/name when several share the name)."""
    stmt = select(Environment).where(Environment.name == name)
    if workspace:
        ws = session.exec(
            select(Workspace).where(
                (Workspace.slug == slugify(workspace)) | (Workspace.name == workspace)
            )
        ).first()
        if ws is None:
            raise WorkspaceError(f"workspace {workspace!r} not found")
        stmt = stmt.where(Environment.workspace_id == ws.id)
    found = session.exec(stmt).all()
    if not found:
        raise WorkspaceError(f"environment {name!r} not found")
    if len(found) > 1:
        raise WorkspaceError(f"environment {name!r} exists in several workspaces: pass --workspace")
    return found[0]


def environment_by_secret_key(*, session: Session, key: str) -> Environment | None:
    """The environment a secret key belongs to, or None."""
    if not key.startswith("sk_"):
        return None
    return session.exec(
        select(Environment).where(Environment.secret_key_hash == hash_secret_key(key))
    ).first()


def touch_environment(*, env: Environment) -> None:
    """Mark cached configuration stale in every worker (same transaction as the change)."""
    env.guides_version += 1


def rotate_identity_secret(*, session: Session, env: Environment) -> str:
    """Add a new identity secret; the previous one stays valid until `retire_identity_secrets`."""
    secret = new_identity_secret()
    env.identity_secrets = [secret, *env.identity_secrets[:1]]
    touch_environment(env=env)
    session.add(env)
    return secret


def rotate_secret_key(*, session: Session, env: Environment) -> str:
    """Replace the secret API key; the new one is returned once."""
    key = new_secret_key()
    env.secret_key_hash = hash_secret_key(key)
    env.secret_key_hint = key_hint(key)
    session.add(env)
    return key

"""Secret-key authentication for the admin REST API: every call is scoped to one environment."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request

from ...errors import ApiError
from ...models import Environment
from ...workspaces.service import environment_by_secret_key

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def authenticate(request: Request, session: Session) -> Environment:
    """The environment whose secret key is in `Authorization: Bearer sk_…`, else 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized",
                       "send Authorization: Bearer sk_… (the environment's secret key)",
                       headers=_CHALLENGE)
    env = environment_by_secret_key(session=session, key=token.strip())
    if env is None:
        raise ApiError(401, "unauthorized", "unknown secret key", headers=_CHALLENGE)
    return env

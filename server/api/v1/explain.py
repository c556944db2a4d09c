"""Admin REST: "why didn't it show?" — `GET /guides/{key}/explain?user_id=…[&draft=true]`.

Every check that decides whether the guide is offered to the user now (published,
schedule, frequency, audience with its rule tree, holdout, trigger URL against the user's
last page_view), each with pass/fail and the value seen: server/delivery/explain.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from ...delivery.explain import explain_for_user
from ...guides.service import get_guide
from .common import (
    ApiRoute,
    RouteDoc,
    Strict,
    authenticated,
    not_found,
    parse_query,
    path_str,
    respond,
    run,
)


class ExplainQuery(Strict):
    user_id: str = Field(min_length=1, max_length=255, description="The end user's id")
    draft: bool = Field(default=False, description="Explain the draft instead of what is live")


class CheckOut(BaseModel):
    check: str = Field(description="published | definition | schedule | frequency | audience "
                                   "| holdout | trigger")
    passed: bool
    seen: Any = Field(default=None, description="The value the check looked at")
    reason: str
    unknown: bool = Field(default=False, description="The data needed was not available")
    tree: dict[str, Any] | None = Field(
        default=None, description="audience: {rule, passed, seen, reason, children[]} per node")
    rule: dict[str, Any] | None = Field(default=None, description="trigger: the URL rule")
    on: str | None = Field(default=None, description="trigger: page_load, element_click, …")


class ExplainOut(BaseModel):
    guide: str
    user_id: str
    user_found: bool = Field(description="The user has been seen in this environment")
    version: int | None = Field(description="The version explained (null: the draft)")
    shown: bool = Field(description="Offered at the next bootstrap: every check passed")
    checks: list[CheckOut]


async def explain_guide(request: Request) -> Response:
    env = await authenticated(request)
    key = path_str(request, "key", "guide")
    query = parse_query(request, ExplainQuery)

    def work(session: Session) -> dict[str, Any]:
        guide = get_guide(session=session, environment=env, key=key)
        if guide is None:
            raise not_found("guide", key)
        return explain_for_user(session=session, environment=env, guide=guide,
                                user_id=query.user_id, now=datetime.now(UTC),
                                draft=query.draft).as_dict()

    return respond(ExplainOut, await run(request, work))


routes = [
    ApiRoute("/guides/{key}/explain", explain_guide, method="GET", name="v1:guides-explain",
             doc=RouteDoc("Why a guide is (not) offered to one end user: every check with "
                          "pass/fail and the value seen", "guides", query=ExplainQuery,
                          response=ExplainOut)),
]

"""Bootstrap: apply survey pacing to the survey guides a user is otherwise eligible for.

Runs only when an eligible guide is a survey: then one indexed read of the user's last
answers and one capped, indexed count of their page views (never more rows than the
largest `min_page_views`). The decision itself is `pacing.survey_allowed`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from ..fastsql import FastSQL
from ..targeting.frequency import GuideStateView
from .pacing import UserSurveyState, survey_allowed


class _Keyed(Protocol):
    @property
    def key(self) -> str: ...


G = TypeVar("G", bound=_Keyed)

_LAST_ANSWERS = (
    "SELECT survey_key, max(answered_at) FROM survey_response"
    " WHERE environment_id = ? AND user_id = ? GROUP BY survey_key"
)
_PAGE_VIEWS = (
    "SELECT count(*) FROM (SELECT 1 FROM event WHERE environment_id = ? AND user_id = ?"
    " AND type = 'page_view' LIMIT ?) AS recent"
)


def apply_survey_pacing(
    *, fast: FastSQL, cur: Any, environment_id: int, user_id: str, guides: Sequence[G],
    pacing: Mapping[str, Mapping[str, Any]], states: Mapping[str, GuideStateView], now: datetime,
) -> list[G]:
    """`guides` (objects with `.key`, in order) without the surveys pacing holds back now."""
    surveys = [g for g in guides if g.key in pacing]
    if not surveys:
        return list(guides)
    cur.execute(fast.sql(_LAST_ANSWERS), (environment_id, user_id))
    answered = {key: fast.read_ts(at) for key, at in cur.fetchall()}
    need = max(int(pacing[g.key].get("min_page_views") or 0) for g in surveys)
    views = 0
    if need > 0:
        cur.execute(fast.sql(_PAGE_VIEWS), (environment_id, user_id, need))
        views = int(cur.fetchone()[0])
    held: set[str] = set()
    for g in surveys:
        key = g.key
        st = states.get(key)
        state = UserSurveyState(
            last_answered_at=answered.get(key),
            last_seen_at=st.last_seen_at if st else None,
            snoozed_until=st.snoozed_until if st else None,
        )
        if not survey_allowed(pacing[key], state, views, now, user_id, key)[0]:
            held.add(key)
    return [g for g in guides if g.key not in held]

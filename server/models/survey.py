"""Survey responses: one row per (environment, user, survey, asked-at).

A survey guide asks once per showing; every `survey_answered` event of that showing
carries the same `asked_at`, so a score and a comment sent later (or an event retried
with a new id) merge into the one row. See server/surveys/responses.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import BigIntPK, JSONType, UTCDateTime, utcnow

SURVEY_SCORE_KINDS = ("nps", "ces", "csat")
NPS_CATEGORIES = ("promoter", "passive", "detractor")


class SurveyResponse(SQLModel, table=True):
    """One user's answer to one showing of one survey guide (score, comment, follow-ups)."""

    __tablename__ = "survey_response"
    __table_args__ = (
        sa.UniqueConstraint(
            "environment_id", "user_id", "survey_key", "asked_at", name="uq_survey_response_ask"
        ),
        sa.Index("ix_survey_response_env_survey_time", "environment_id", "survey_key", "answered_at"),
        sa.Index("ix_survey_response_env_kind_time", "environment_id", "kind", "answered_at"),
    )

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    environment_id: int = Field(foreign_key="environment.id")
    user_id: str = Field(max_length=255)
    survey_key: str = Field(max_length=100)
    asked_at: datetime = Field(sa_type=UTCDateTime)
    # When the latest part of the answer arrived (the client's clock, as sent).
    answered_at: datetime = Field(sa_type=UTCDateTime)
    # nps | ces | csat; null while only follow-up answers have arrived.
    kind: str | None = Field(default=None, max_length=10)
    score: int | None = None
    # The top of the scale: 10 for NPS (0–10), 5 or 7 for CES (1–5 / 1–7), 5 for CSAT.
    scale: int | None = None
    # promoter | passive | detractor, for NPS answers (METRICS.md "Surveys").
    category: str | None = Field(default=None, max_length=10)
    comment: str | None = Field(default=None, sa_type=sa.Text)
    # Answers of text / single_choice steps, by step index ("2": "Too slow").
    followup: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    locale: str | None = Field(default=None, max_length=35)
    url: str | None = Field(default=None, max_length=2000)
    account_id: str | None = Field(default=None, max_length=255)
    # The first survey_answered event of this response.
    event_uuid: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

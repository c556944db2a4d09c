"""Daily rollups behind the metrics (server/metrics/rollup.py keeps them current).

Days are integers: days since 1970-01-01 UTC, so date arithmetic is plain integer
arithmetic on SQLite and PostgreSQL alike. The rows are *presence* facts ("user u was
active on day d"), so rebuilding any slice of them is idempotent.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .event import Event
from .types import UTCDateTime

#: `kind` of a subject: an end user or an account.
USER, ACCOUNT = "u", "a"


class MetricActivityDay(SQLModel, table=True):
    """A subject (user or account) had at least one event on `day`."""

    __tablename__ = "metric_activity_day"
    __table_args__ = (
        sa.Index("ix_metric_activity_day_env_day", "environment_id", "kind", "day", "subject_id"),
    )

    environment_id: int = Field(foreign_key="environment.id", primary_key=True)
    kind: str = Field(max_length=1, primary_key=True)
    subject_id: str = Field(max_length=255, primary_key=True)
    day: int = Field(primary_key=True)


class MetricFirstSeen(SQLModel, table=True):
    """A subject's first event (the cohort of retention, the start of time to first use)."""

    __tablename__ = "metric_first_seen"

    environment_id: int = Field(foreign_key="environment.id", primary_key=True)
    kind: str = Field(max_length=1, primary_key=True)
    subject_id: str = Field(max_length=255, primary_key=True)
    first_at: datetime = Field(sa_type=UTCDateTime)
    first_day: int


class MetricFeatureDay(SQLModel, table=True):
    """A user used a feature on `day` (METRICS.md: a `feature_used` event named after it, a
    `track` event named by one of its event rules, or a page view matching a URL rule).

    `account_id` is the event's account, "" when it had none.
    """

    __tablename__ = "metric_feature_day"
    __table_args__ = (
        sa.Index("ix_metric_feature_day_env_day", "environment_id", "day", "feature"),
    )

    environment_id: int = Field(foreign_key="environment.id", primary_key=True)
    feature: str = Field(max_length=200, primary_key=True)
    day: int = Field(primary_key=True)
    user_id: str = Field(max_length=255, primary_key=True)
    account_id: str = Field(default="", max_length=255, primary_key=True)


class MetricRollupState(SQLModel, table=True):
    """How far the rollups of one environment have read the event log (by event id)."""

    __tablename__ = "metric_rollup_state"

    environment_id: int = Field(foreign_key="environment.id", primary_key=True)
    last_event_id: int = Field(default=0, sa_type=sa.BigInteger())


# Indexes on the event log for the metrics that read it directly (guide funnels, goal
# events by name, survey answers by type). Declared here, next to the migration that
# creates them (0004_metrics), so the model and the schema agree.
_event = Event.__table__  # type: ignore[attr-defined]
sa.Index("ix_event_env_guide_time", _event.c.environment_id, _event.c.guide_key,
         _event.c.timestamp)
sa.Index("ix_event_env_name_time", _event.c.environment_id, _event.c.name, _event.c.timestamp)
sa.Index("ix_event_env_type_time", _event.c.environment_id, _event.c.type, _event.c.timestamp)

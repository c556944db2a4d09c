"""SQLModel tables, one module per aggregate. Importing this package registers them all."""

from sqlmodel import SQLModel

# Stable constraint names so Alembic batch migrations (SQLite) and PostgreSQL agree.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

from . import admin as admin  # noqa: E402  (admin users, sessions, audit: models/admin.py)
from .audience import Account, AccountMembership, EndUser, GuideState  # noqa: E402
from .event import Event  # noqa: E402
from .feature import Feature  # noqa: E402
from .guide import Guide, GuideVersion  # noqa: E402
from . import segment as segment  # noqa: E402  (segments and their members: models/segment.py)
from .survey import SurveyResponse  # noqa: E402
from . import rollup as rollup  # noqa: E402  (metrics rollups: activity per day, first seen)
from . import webhook as webhook  # noqa: E402  (outbound webhooks: models/webhook.py)
from .workspace import Environment, Workspace  # noqa: E402

metadata = SQLModel.metadata

__all__ = [
    "Account",
    "AccountMembership",
    "EndUser",
    "Environment",
    "Event",
    "Feature",
    "Guide",
    "GuideState",
    "GuideVersion",
    "SurveyResponse",
    "Workspace",
    "metadata",
]

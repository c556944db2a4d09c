"""Request and response models of the guide endpoints (also the OpenAPI schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, WithJsonSchema

from ...guides.model import GUIDE_TYPES
from .common import DEFINITION_MARK, Strict, page_model
from .pagination import PageQuery

MAX_INT4 = 2**31 - 1

# Stored definitions are returned as stored (not re-validated); the document points at GuideFile.
Definition = Annotated[
    dict[str, Any], WithJsonSchema({"type": "object", DEFINITION_MARK: "GuideFile"})
]


GuideStatus = Literal["draft", "published", "archived"]


class GuideListQuery(PageQuery):
    status: GuideStatus | None = None
    type: Literal[GUIDE_TYPES] | None = None  # type: ignore[valid-type]
    q: str | None = Field(default=None, max_length=100, description="Substring of key or name")


class CreateQuery(Strict):
    publish: bool = Field(default=False, description="Publish as version 1 instead of a draft")


class PublishIn(Strict):
    message: str = Field(default="", max_length=500, description="Stored with the version")


class RollbackIn(Strict):
    version: int = Field(ge=1, le=MAX_INT4, description="The version to publish again")


class GuideSummary(BaseModel):
    key: str
    name: str
    type: str
    status: str
    published_version: int | None
    has_draft: bool
    created_at: datetime
    updated_at: datetime


class GuideOut(GuideSummary):
    """A guide, its working draft and the definition that is live (if any)."""

    latest_version: int | None
    draft: Definition | None
    published: Definition | None


class VersionSummary(BaseModel):
    number: int
    author: str
    message: str
    definition_hash: str
    created_at: datetime


class VersionOut(VersionSummary):
    definition: Definition


GuidePage = page_model(GuideSummary, "GuidePage")
VersionPage = page_model(VersionSummary, "VersionPage")

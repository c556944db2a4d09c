"""Guide lifecycle: drafts, versions, publish/unpublish/archive/rollback, import and export.

Functions take a SQLModel ``Session`` and plain values and never commit, except
``import_guide_files`` which is its own unit of work (all files or nothing). Every change
to what is published bumps ``Environment.guides_version`` in the same transaction: it is
the cache key of compiled bootstrap guides across workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from server.models import Environment, Guide, GuideVersion
from server.models.types import utcnow

from .errors import GuideFileError
from .files import (
    definition_hash,
    dump_guide,
    load_guide_file,
    normalise_definition,
    validate_definition,
)
from .model import GuideFile
from .queries import get_guide, get_version, latest_version, list_versions

__all__ = [
    "ImportResult", "archive_guide", "bump_guides_version", "create_guide", "export_guides",
    "exported_definition", "get_guide", "get_version", "import_guide_files", "latest_version",
    "list_versions", "publish_guide", "rollback_guide", "save_draft", "unpublish_guide",
]  # fmt: skip


@dataclass
class ImportResult:
    """Keys per outcome of one import run."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line per outcome, e.g. 'created 2: a, b'."""
        lines = [
            f"{label} {len(keys)}: {', '.join(keys)}"
            for label, keys in (("created", self.created), ("updated", self.updated),
                                ("unchanged", self.unchanged))
            if keys
        ]
        return "\n".join(lines) or "nothing to import"


def _normalise(definition: GuideFile | dict[str, Any], *, key: str | None = None) -> dict[str, Any]:
    guide = definition if isinstance(definition, GuideFile) else validate_definition(definition)
    if key is not None and guide.key != key:
        raise GuideFileError(f"key: {guide.key!r} does not match the guide's key {key!r}")
    return normalise_definition(guide)


def bump_guides_version(*, session: Session, environment_id: int) -> None:
    """Invalidate every worker's cache of this environment's published guides."""
    session.execute(
        sa.update(Environment)
        .where(col(Environment.id) == environment_id)
        .values(guides_version=col(Environment.guides_version) + 1)
    )
    for obj in session.identity_map.values():
        if isinstance(obj, Environment) and obj.id == environment_id:
            session.expire(obj, ["guides_version"])


def _set_published(
    *, session: Session, guide: Guide, number: int, definition: dict[str, Any]
) -> None:
    guide.published_version = number
    guide.status = "published"
    guide.name = definition["name"]
    guide.type = definition["type"]
    guide.draft = None
    guide.updated_at = utcnow()
    session.add(guide)
    bump_guides_version(session=session, environment_id=guide.environment_id)


def publish_guide(
    *,
    session: Session,
    guide: Guide,
    author: str,
    message: str = "",
    definition: GuideFile | dict[str, Any] | None = None,
) -> GuideVersion:
    """Publish ``definition`` (default: the guide's draft, else its latest version).

    A definition identical (by hash) to the latest version re-publishes that version;
    otherwise version N+1 is created. The draft is cleared. Does not commit.
    """
    if definition is not None:
        normalised = _normalise(definition, key=guide.key)
    elif guide.draft is not None:
        normalised = _normalise(guide.draft, key=guide.key)
    else:
        latest = latest_version(session=session, guide=guide)
        if latest is None:
            raise GuideFileError(f"guide {guide.key!r} has no draft and no version to publish")
        normalised = latest.definition
    digest = definition_hash(normalised)
    latest = latest_version(session=session, guide=guide)
    if latest is not None and latest.definition_hash == digest:
        version = latest
    else:
        version = GuideVersion(
            guide_id=guide.id,  # type: ignore[arg-type]
            number=(latest.number if latest else 0) + 1,
            definition=normalised,
            definition_hash=digest,
            author=author,
            message=message,
        )
        session.add(version)
    _set_published(session=session, guide=guide, number=version.number, definition=normalised)
    session.flush()
    return version


def unpublish_guide(*, session: Session, guide: Guide) -> None:
    """Take a guide off the air (status ``draft``); its versions stay. Does not commit."""
    was_live = guide.status == "published"
    guide.status = "draft"
    guide.published_version = None
    guide.updated_at = utcnow()
    session.add(guide)
    if was_live:
        bump_guides_version(session=session, environment_id=guide.environment_id)
    session.flush()


def archive_guide(*, session: Session, guide: Guide) -> None:
    """Archive a guide: not served, not exported; re-importing its key revives it."""
    was_live = guide.status == "published"
    guide.status = "archived"
    guide.published_version = None
    guide.updated_at = utcnow()
    session.add(guide)
    if was_live:
        bump_guides_version(session=session, environment_id=guide.environment_id)
    session.flush()


def rollback_guide(*, session: Session, guide: Guide, to_number: int, author: str) -> GuideVersion:
    """Publish a copy of version ``to_number`` as a new version. Does not commit."""
    old = get_version(session=session, guide=guide, number=to_number)
    if old is None:
        raise LookupError(f"guide {guide.key!r} has no version {to_number}")
    latest = latest_version(session=session, guide=guide)
    assert latest is not None
    version = GuideVersion(
        guide_id=guide.id,  # type: ignore[arg-type]
        number=latest.number + 1,
        definition=dict(old.definition),
        definition_hash=old.definition_hash,
        author=author,
        message=f"rollback to version {to_number}",
    )
    session.add(version)
    _set_published(session=session, guide=guide, number=version.number, definition=old.definition)
    session.flush()
    return version


def save_draft(*, session: Session, guide: Guide, definition: GuideFile | dict[str, Any]) -> None:
    """Validate and store the working draft; what is published does not change."""
    guide.draft = _normalise(definition, key=guide.key)
    guide.updated_at = utcnow()
    session.add(guide)
    session.flush()


def create_guide(*, session: Session, environment: Environment, definition: GuideFile) -> Guide:
    """A new guide row (status ``draft``, no version yet) for a validated definition."""
    guide = Guide(
        environment_id=environment.id,  # type: ignore[arg-type]
        key=definition.key,
        name=definition.name,
        type=definition.type,
        status="draft",
    )
    session.add(guide)
    session.flush()
    return guide


def _load_all(paths: Sequence[Path]) -> list[tuple[Path, GuideFile]]:
    problems: list[str] = []
    loaded: list[tuple[Path, GuideFile]] = []
    first_file: dict[str, str] = {}
    for path in paths:
        try:
            guide = load_guide_file(path)
        except GuideFileError as exc:
            problems.extend(exc.problems)
            continue
        if guide.key in first_file:
            problems.append(
                f"{path.name}: key: {guide.key!r} is also the key of {first_file[guide.key]}"
            )
            continue
        first_file[guide.key] = path.name
        loaded.append((path, guide))
    if problems:
        raise GuideFileError(problems)
    return loaded


def _import_one(
    *, session: Session, environment: Environment, path: Path, definition: GuideFile,
    draft: bool, author: str, result: ImportResult,
) -> None:  # fmt: skip
    guide = get_guide(session=session, environment=environment, key=definition.key)
    created = guide is None
    if guide is None:
        guide = create_guide(session=session, environment=environment, definition=definition)
    normalised = normalise_definition(definition)
    digest = definition_hash(normalised)
    latest = latest_version(session=session, guide=guide)
    same_as_latest = latest is not None and latest.definition_hash == digest
    changed = created
    if draft:
        if not same_as_latest and guide.draft != normalised:
            save_draft(session=session, guide=guide, definition=definition)
            changed = True
    elif same_as_latest:
        assert latest is not None
        if guide.status != "published" or guide.published_version != latest.number:
            publish_guide(session=session, guide=guide, author=author, definition=definition)
            changed = True
    else:
        message = f"imported from {path.name}"
        publish_guide(
            session=session, guide=guide, author=author, message=message, definition=definition
        )
        changed = True
    bucket = result.created if created else result.updated if changed else result.unchanged
    bucket.append(definition.key)


def import_guide_files(
    *,
    session: Session,
    environment: Environment,
    paths: Iterable[str | Path],
    draft: bool = False,
    author: str = "cli",
    progress: Callable[[list[tuple[Path, GuideFile]]], Iterable[tuple[Path, GuideFile]]] | None = None,
) -> ImportResult:
    """Import guide files: all valid or nothing written. This call commits (unit of work).

    ``progress`` wraps the per-file loop (the CLI draws a progress bar with it).

    Every file is validated first; any problem (or a key used by two files) raises
    ``GuideFileError`` listing every problem. Then, per file: the guide is created if
    new; a definition equal to the latest version publishes that version if needed;
    otherwise version N+1 is created and published — unless ``draft``, which only
    stores the definition as the guide's draft.
    """
    loaded = _load_all([Path(p) for p in paths])
    result = ImportResult()
    try:
        for path, definition in progress(loaded) if progress else loaded:
            _import_one(
                session=session, environment=environment, path=path, definition=definition,
                draft=draft, author=author, result=result,
            )  # fmt: skip
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


def exported_definition(*, session: Session, guide: Guide) -> dict[str, Any] | None:
    """What an export writes for a guide: published version, else draft, else latest."""
    if guide.published_version is not None:
        version = get_version(session=session, guide=guide, number=guide.published_version)
        if version is not None:
            return version.definition
    if guide.draft is not None:
        return guide.draft
    latest = latest_version(session=session, guide=guide)
    return latest.definition if latest else None


def export_guides(
    *, session: Session, environment: Environment, directory: str | Path
) -> list[Path]:
    """Write ``<key>.yaml`` (canonical YAML) for every non-archived guide; returns the paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stmt = (
        select(Guide)
        .where(Guide.environment_id == environment.id, Guide.status != "archived")
        .order_by(Guide.key)
    )
    written: list[Path] = []
    for guide in session.exec(stmt).all():
        definition = exported_definition(session=session, guide=guide)
        if definition is None:
            continue
        path = directory / f"{guide.key}.yaml"
        path.write_text(dump_guide(definition), encoding="utf-8")
        written.append(path)
    return written

"""Guide lifecycle services against a real database (the shared `session` fixture)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlmodel import Session, select

from server.guides.errors import GuideFileError
from server.guides.files import dump_guide, load_guide_file
from server.guides.service import (
    archive_guide,
    export_guides,
    get_guide,
    import_guide_files,
    list_versions,
    publish_guide,
    rollback_guide,
    save_draft,
    unpublish_guide,
)
from server.models import Environment, Guide, GuideVersion, Workspace

DEMO = Path(__file__).resolve().parents[2] / "guides" / "demo"


@pytest.fixture
def environment(session: Session) -> Environment:
    workspace = Workspace(name="Acme", slug="acme")
    session.add(workspace)
    session.flush()
    env = Environment(
        workspace_id=workspace.id, name="production", publishable_key="pk_test_guides",
        secret_key_hash="0" * 64,
    )  # fmt: skip
    session.add(env)
    session.commit()
    return env


def guide_def(key: str = "hello", title: str = "Hi", **extra: Any) -> dict[str, Any]:
    return {"key": key, "name": key.title(), "type": "modal",
            "steps": [{"kind": "modal", "title": title}], **extra}  # fmt: skip


def write(directory: Path, name: str, data: Any) -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def guides_version(session: Session, env: Environment) -> int:
    session.expire_all()
    fresh = session.get(Environment, env.id)
    assert fresh is not None
    return fresh.guides_version


def test_import_creates_publishes_and_bumps_the_cache_version(
    session: Session, environment: Environment, tmp_path: Path
) -> None:
    paths = [write(tmp_path, "a.yaml", guide_def("a")), write(tmp_path, "b.yaml", guide_def("b"))]
    result = import_guide_files(session=session, environment=environment, paths=paths)
    assert (result.created, result.updated, result.unchanged) == (["a", "b"], [], [])
    guide = get_guide(session=session, environment=environment, key="a")
    assert guide is not None and guide.status == "published" and guide.published_version == 1
    version = list_versions(session=session, guide=guide)[0]
    assert version.author == "cli" and version.message == "imported from a.yaml"
    assert version.definition["steps"][0]["placement"] == "bottom"  # normalised
    assert len(version.definition_hash) == 64
    assert guides_version(session, environment) == 2


def test_reimporting_the_same_file_changes_nothing(
    session: Session, environment: Environment, tmp_path: Path
) -> None:
    path = write(tmp_path, "a.yaml", guide_def("a"))
    import_guide_files(session=session, environment=environment, paths=[path])
    before = guides_version(session, environment)
    # Same meaning, different spelling (explicit defaults, shorthand) → same hash.
    write(tmp_path, "a.yaml", guide_def("a", priority=0, frequency="once"))
    result = import_guide_files(session=session, environment=environment, paths=[path])
    assert result.unchanged == ["a"] and not result.created and not result.updated
    guide = get_guide(session=session, environment=environment, key="a")
    assert guide is not None and len(list_versions(session=session, guide=guide)) == 1
    assert guides_version(session, environment) == before


def test_changed_file_creates_the_next_version(
    session: Session, environment: Environment, tmp_path: Path
) -> None:
    path = write(tmp_path, "a.yaml", guide_def("a"))
    import_guide_files(session=session, environment=environment, paths=[path])
    write(tmp_path, "a.yaml", guide_def("a", title="Hello again"))
    result = import_guide_files(session=session, environment=environment, paths=[path], author="ci")
    assert result.updated == ["a"]
    guide = get_guide(session=session, environment=environment, key="a")
    assert guide is not None and guide.published_version == 2
    assert [v.number for v in list_versions(session=session, guide=guide)] == [2, 1]
    assert list_versions(session=session, guide=guide)[0].author == "ci"


def test_invalid_files_write_nothing_and_report_every_problem(
    session: Session, environment: Environment, tmp_path: Path
) -> None:
    good = write(tmp_path, "good.yaml", guide_def("good"))
    bad = write(tmp_path, "bad.yaml", {**guide_def("bad"), "type": "wizard"})
    broken = tmp_path / "broken.yaml"
    broken.write_text("key: [\n", "utf-8")
    with pytest.raises(GuideFileError) as info:
        import_guide_files(session=session, environment=environment, paths=[good, bad, broken])
    problems = info.value.problems
    assert len(problems) == 2
    assert problems[0].startswith("bad.yaml: type: 'wizard' is not one of")
    assert problems[1].startswith("broken.yaml: line 2")
    assert session.exec(select(Guide)).all() == []
    assert guides_version(session, environment) == 0


def test_duplicate_keys_across_files_are_rejected(
    session: Session, environment: Environment, tmp_path: Path
) -> None:
    one = write(tmp_path, "one.yaml", guide_def("same"))
    two = write(tmp_path, "two.yaml", guide_def("same", title="other"))
    with pytest.raises(GuideFileError, match="two.yaml: key: 'same' is also the key of one.yaml"):
        import_guide_files(session=session, environment=environment, paths=[one, two])
    assert session.exec(select(Guide)).all() == []


def test_draft_import_stores_a_draft_and_publishes_nothing(
    session: Session, environment: Environment, tmp_path: Path
) -> None:
    path = write(tmp_path, "a.yaml", guide_def("a"))
    result = import_guide_files(session=session, environment=environment, paths=[path], draft=True)
    assert result.created == ["a"]
    guide = get_guide(session=session, environment=environment, key="a")
    assert guide is not None and guide.status == "draft" and guide.published_version is None
    assert guide.draft is not None and guide.draft["key"] == "a"
    assert list_versions(session=session, guide=guide) == []
    assert guides_version(session, environment) == 0
    again = import_guide_files(session=session, environment=environment, paths=[path], draft=True)
    assert again.unchanged == ["a"]
    # Importing the same file without --draft publishes it as version 1 and clears the draft.
    published = import_guide_files(session=session, environment=environment, paths=[path])
    assert published.updated == ["a"]
    session.refresh(guide)
    assert guide.published_version == 1 and guide.draft is None


def test_import_publishes_an_unpublished_identical_version(
    session: Session, environment: Environment, tmp_path: Path
) -> None:
    path = write(tmp_path, "a.yaml", guide_def("a"))
    import_guide_files(session=session, environment=environment, paths=[path])
    guide = get_guide(session=session, environment=environment, key="a")
    assert guide is not None
    unpublish_guide(session=session, guide=guide)
    session.commit()
    result = import_guide_files(session=session, environment=environment, paths=[path])
    assert result.updated == ["a"]
    session.refresh(guide)
    assert guide.status == "published" and guide.published_version == 1
    assert len(list_versions(session=session, guide=guide)) == 1


def test_publish_rollback_unpublish_archive_each_bump_the_cache_version(
    session: Session, environment: Environment, tmp_path: Path
) -> None:
    import_guide_files(
        session=session, environment=environment, paths=[write(tmp_path, "a.yaml", guide_def("a"))]
    )
    guide = get_guide(session=session, environment=environment, key="a")
    assert guide is not None
    start = guides_version(session, environment)

    save_draft(session=session, guide=guide, definition=guide_def("a", title="v2"))
    assert guides_version(session, environment) == start  # a draft is not live
    v2 = publish_guide(session=session, guide=guide, author="ann", message="copy edit")
    assert (v2.number, v2.author, v2.message) == (2, "ann", "copy edit")
    assert guide.draft is None and guides_version(session, environment) == start + 1

    v3 = rollback_guide(session=session, guide=guide, to_number=1, author="bob")
    assert v3.number == 3 and v3.message == "rollback to version 1"
    assert guide.published_version == 3 and v3.definition["steps"][0]["title"] == "Hi"
    assert guides_version(session, environment) == start + 2

    same = publish_guide(session=session, guide=guide, author="ann")  # nothing new → v3 again
    assert same.number == 3

    unpublish_guide(session=session, guide=guide)
    assert guide.status == "draft" and guide.published_version is None
    archive_guide(session=session, guide=guide)  # already off the air: no bump
    assert guide.status == "archived"
    session.commit()
    assert guides_version(session, environment) == start + 4


def test_publish_refuses_a_definition_with_another_key(
    session: Session, environment: Environment, tmp_path: Path
) -> None:
    import_guide_files(
        session=session, environment=environment, paths=[write(tmp_path, "a.yaml", guide_def("a"))]
    )
    guide = get_guide(session=session, environment=environment, key="a")
    assert guide is not None
    with pytest.raises(GuideFileError, match="does not match"):
        publish_guide(session=session, guide=guide, author="x", definition=guide_def("b"))
    with pytest.raises(GuideFileError, match="steps"):
        save_draft(session=session, guide=guide, definition={**guide_def("a"), "steps": []})
    with pytest.raises(LookupError):
        rollback_guide(session=session, guide=guide, to_number=9, author="x")


def test_export_writes_canonical_files_that_reimport_unchanged(
    session: Session, environment: Environment, tmp_path: Path
) -> None:
    demo = sorted(DEMO.glob("*.yaml"))
    import_guide_files(session=session, environment=environment, paths=demo)
    out = tmp_path / "export"
    written = export_guides(session=session, environment=environment, directory=out)
    assert [p.name for p in written] == sorted(p.name for p in demo)
    for path in written:
        assert path.read_text("utf-8") == dump_guide(load_guide_file(DEMO / path.name))
    result = import_guide_files(session=session, environment=environment, paths=written)
    assert sorted(result.unchanged) == sorted(p.stem for p in demo)
    again = export_guides(session=session, environment=environment, directory=tmp_path / "again")
    for first, second in zip(written, again, strict=True):
        assert first.read_bytes() == second.read_bytes()


def test_export_skips_archived_guides_and_uses_the_draft_of_never_published_ones(
    session: Session, environment: Environment, tmp_path: Path
) -> None:
    paths = [write(tmp_path, "a.yaml", guide_def("a")), write(tmp_path, "b.yaml", guide_def("b"))]
    import_guide_files(session=session, environment=environment, paths=paths[:1])
    import_guide_files(session=session, environment=environment, paths=paths[1:], draft=True)
    guide_a = get_guide(session=session, environment=environment, key="a")
    assert guide_a is not None
    archive_guide(session=session, guide=guide_a)
    session.commit()
    written = export_guides(session=session, environment=environment, directory=tmp_path / "out")
    assert [p.name for p in written] == ["b.yaml"]
    assert "key: b\n" in written[0].read_text("utf-8")


def test_import_rolls_back_everything_when_a_write_fails(
    session: Session, environment: Environment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import server.guides.service as service

    paths = [write(tmp_path, "a.yaml", guide_def("a")), write(tmp_path, "b.yaml", guide_def("b"))]
    real = service.publish_guide
    calls: list[str] = []

    def failing_publish(**kwargs: Any) -> GuideVersion:
        calls.append(kwargs["guide"].key)
        if kwargs["guide"].key == "b":
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(service, "publish_guide", failing_publish)
    with pytest.raises(RuntimeError):
        import_guide_files(session=session, environment=environment, paths=paths)
    assert calls == ["a", "b"]
    assert session.exec(select(Guide)).all() == []
    assert session.exec(select(GuideVersion)).all() == []
    assert guides_version(session, environment) == 0

"""Readable version diffs (server/guides/diff.py) and scheduled publishing (schedule.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from server.guides import catalog
from server.guides.diff import describe_rule, diff_definitions
from server.guides.files import normalise_definition, validate_definition
from server.guides.schedule import cancel_schedule, publish_due, schedule_publish
from server.models import Guide
from server.models.types import utcnow

V1 = {
    "key": "tour", "name": "Tour", "type": "tour",
    "audience": {"all": [{"attr": "user.plan", "op": "in", "value": ["pro", "team"]}]},
    "steps": [{"kind": "modal", "title": "Welcome", "body": "Hi"},
              {"kind": "tooltip", "title": "Reports", "target": "#reports"}],
    "translations": {"ja": {"steps": [{"title": "ようこそ"}]}},
}  # fmt: skip


def _norm(data):
    return normalise_definition(validate_definition(data))


def test_identical_definitions_have_no_changes():
    assert diff_definitions(_norm(V1), _norm(V1)) == []


def test_step_titles_bodies_and_targets_are_field_level_changes():
    v2 = {**V1, "steps": [{**V1["steps"][0], "body": "Hello **there**"},
                          {**V1["steps"][1], "title": "All reports",
                           "target": {"selectors": ["[data-tour=r]", "#reports"],
                                      "text": "Reports", "strictness": "strict"}}]}
    changes = diff_definitions(_norm(V1), _norm(v2))
    assert [(c.path, c.kind) for c in changes] == [
        ("steps[0].body", "changed"), ("steps[1].title", "changed"),
        ("steps[1].target", "changed")]
    body, title, target = changes
    assert (body.before, body.after, body.step) == ("Hi", "Hello **there**", 0)
    assert (title.before, title.after) == ("Reports", "All reports")
    assert target.before == "selectors: #reports · normal"
    assert target.after == "selectors: [data-tour=r] | #reports · text: Reports · strict"


def test_rules_are_written_for_people_not_as_json():
    v2 = {**V1, "audience": {"any": [{"attr": "user.plan", "op": "eq", "value": "pro"},
                                     {"not": {"segment": "churned", "op": "member"}},
                                     {"event": "report_created", "op": "count_lt", "value": 1,
                                      "within_days": 30}]}}
    (change,) = diff_definitions(_norm(V1), _norm(v2))
    assert change.field == "audience" and "{" not in change.after
    assert change.before == "all of:\n  user.plan in pro, team"
    assert change.after == ("any of:\n  user.plan = pro\n  not:\n    in segment churned\n"
                            "  event report_created count < 1 in the last 30 days")
    assert describe_rule({"attr": "user.created_at", "op": "within_days", "value": 14}) == \
        "user.created_at within the last 14 days"


def test_added_and_removed_steps_and_translations():
    v2 = {**V1, "steps": [V1["steps"][0]], "translations": {"ja": {"name": "ツアー", "steps": [
        {"title": "ようこそ！"}]}}, "frequency": {"mode": "every_days", "days": 7},
          "trigger": {"on": "page_load", "url": {"match": "glob", "value": "/app/*"}}}
    changes = {c.path: c for c in diff_definitions(_norm(V1), _norm(v2))}
    removed = changes["steps[1]"]
    assert removed.kind == "removed" and removed.before == "tooltip: Reports"
    assert changes["translations.ja.name"].after == "ツアー"
    tr = changes["translations.ja.steps[0].title"]
    assert (tr.lang, tr.step, tr.before, tr.after) == ("ja", 0, "ようこそ", "ようこそ！")
    assert changes["frequency"].after == "every 7 days"
    assert changes["trigger"].after == "on page_load · url glob /app/*"
    order = list(changes)
    assert order.index("frequency") < order.index("steps[1]") < order.index("translations.ja.name")


# -- scheduled publish ------------------------------------------------------------------


@pytest.fixture
def environment(session):
    from server.workspaces.service import create_environment, get_or_create_workspace

    ws = get_or_create_workspace(session=session, name="Acme")
    created = create_environment(session=session, workspace=ws, name="production", origins=[])
    session.commit()
    return created.environment


@pytest.fixture
def guide_env(session, environment):
    guide = catalog.add_guide(session=session, environment=environment,
                              definition=validate_definition(V1), publish=False, author="a")
    session.commit()
    return guide, environment


def test_due_drafts_are_published_once_with_their_message(session, guide_env):
    guide, _env = guide_env
    now = utcnow()
    schedule_publish(session=session, guide=guide, at=now + timedelta(hours=1), author="pat",
                     message="launch", now=now)
    session.commit()
    assert publish_due(session=session, now=now) == []
    done = publish_due(session=session, now=now + timedelta(hours=2))
    session.commit()
    assert [(d.key, d.version) for d in done] == [("tour", 1)]
    row = session.exec(select(Guide).where(Guide.key == "tour")).one()
    assert row.status == "published" and row.publish_at is None
    assert publish_due(session=session, now=now + timedelta(hours=3)) == []


def test_a_schedule_must_be_in_the_future_and_can_be_cancelled(session, guide_env):
    guide, _env = guide_env
    now = utcnow()
    with pytest.raises(ValueError):
        schedule_publish(session=session, guide=guide, at=now - timedelta(minutes=1),
                         author="pat", now=now)
    schedule_publish(session=session, guide=guide, at=now + timedelta(days=1), author="pat",
                     now=now)
    cancel_schedule(session=session, guide=guide)
    session.commit()
    assert publish_due(session=session, now=now + timedelta(days=2)) == []


def test_an_invalid_due_draft_is_reported_and_not_published(session, guide_env):
    guide, _env = guide_env
    now = utcnow()
    schedule_publish(session=session, guide=guide, at=now + timedelta(minutes=1), author="p",
                     now=now)
    guide.draft = {**guide.draft, "steps": []}
    session.add(guide)
    session.commit()
    (done,) = publish_due(session=session, now=now + timedelta(minutes=2))
    assert done.version is None and "steps" in done.problem
    assert guide.published_version is None and guide.publish_at is None

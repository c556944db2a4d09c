"""The people behind the counts: turn into a segment (computed or snapshot), the segment
filter, the environment filter, profiles, roles and workspace isolation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from server.models.segment import Segment, SegmentMember
from server.workspaces.service import create_environment

from .analytics_support import BASE, by_testid, links, number, seed, session, table_rows


@pytest.fixture
def seeded(world):
    world.env_id = seed(world)
    return world


def _members(world, key: str) -> set[str]:
    with session(world) as s:
        return set(s.execute(sa.select(SegmentMember.user_id).where(
            SegmentMember.environment_id == world.env_id,
            SegmentMember.segment_key == key)).scalars())


def test_an_editor_turns_a_matrix_cell_into_a_live_computed_segment(seeded):
    b = seeded.browser("editor")
    r = b.get(BASE + "/people?set=matrix&cell=A")
    count = number(by_testid(r.text, "people-total"))
    assert "make-segment" in r.text
    r = b.post(BASE + "/people/segment?set=matrix&cell=A",
               {"key": "cell-a", "name": "Cell A", "mode": "computed"})
    assert r.status_code == 303 and "created=cell-a" in r.headers["location"]
    with session(seeded) as s:
        seg = s.exec(sa.select(Segment).where(Segment.key == "cell-a")).scalar_one()
    assert seg.kind == "computed" and seg.definition == {"metric": "loyalty", "cell": "A"}
    assert len(_members(seeded, "cell-a")) == count
    page = b.get(r.headers["location"])
    assert "segment-created" in page.text
    # The same key again: refused, nothing half-written.
    again = b.post(BASE + "/people/segment?set=matrix&cell=A", {"key": "cell-a"})
    assert again.status_code == 409


def test_a_period_set_becomes_a_snapshot_rule_segment_of_exactly_those_people(seeded):
    b = seeded.browser("editor")
    r = b.get(BASE + "/people?set=active")
    ids = [row[0] for row in table_rows_people(r.text)]
    total = number(by_testid(r.text, "people-total"))
    r = b.post(BASE + "/people/segment?set=active", {"key": "active-30", "name": "Active"})
    assert r.status_code == 303
    with session(seeded) as s:
        seg = s.exec(sa.select(Segment).where(Segment.key == "active-30")).scalar_one()
    assert seg.kind == "rule"
    members = _members(seeded, "active-30")
    assert len(members) == total and set(ids) <= members


def table_rows_people(html: str) -> list[list[str]]:
    import re

    body = re.search(r'data-testid="people".*?<tbody>(.*?)</tbody>', html, re.S)
    assert body
    cells = r"<td[^>]*>(.*?)</td>"
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(cells, row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)]


def test_a_viewer_sees_lists_but_cannot_make_segments(seeded):
    b = seeded.browser("viewer")
    r = b.get(BASE + "/people?set=tier&tier=weekly")
    assert r.status_code == 200 and "make-segment" not in r.text
    r = b.post(BASE + "/people/segment?set=tier&tier=weekly", {"key": "weekly"})
    assert r.status_code == 403
    assert b.get(BASE + "/people?set=nope").status_code == 404
    assert b.get(BASE + "/people?set=tier&tier=nope").status_code == 404


def test_the_segment_filter_restricts_every_figure_to_its_members(seeded):
    b = seeded.browser("editor")
    b.post(BASE + "/people/segment?set=tier&tier=weekly",
           {"key": "weekly", "name": "Weekly", "mode": "computed"})
    members = _members(seeded, "weekly")
    r = b.get(BASE + "?segment=weekly")
    assert r.status_code == 200
    rows = {row[0]: number(row[1]) for row in table_rows(r.text, "tiers")}
    assert rows["Weekly"] == len(members)
    assert rows["Daily"] == rows["Monthly"] == rows["Dormant"] == 0
    assert number(by_testid(r.text, "active-users")) <= len(members)
    href = links(r.text, "set=active")[0]
    assert "segment=weekly" in href
    listed = b.get(href)
    assert set(row[0] for row in table_rows_people(listed.text)) <= members


def test_the_environment_filter_sends_the_same_page_to_another_environment(seeded):
    with seeded.app.state.db.session() as s:
        from server.models import Workspace

        ws = s.get(Workspace, seeded.envs["acme"].environment.workspace_id)
        create_environment(session=s, workspace=ws, name="staging", origins=[])
        s.commit()
    b = seeded.browser("viewer")
    r = b.get(BASE + "/loyalty?environment=staging&from=2026-01-01&to=2026-01-31&segment=x")
    assert r.status_code == 303
    loc = r.headers["location"]
    assert loc.startswith("/admin/w/acme/e/staging/analytics/loyalty?")
    assert "from=2026-01-01" in loc and "segment" not in loc
    assert b.get(loc).status_code == 200
    assert b.get(BASE + "?environment=nowhere").status_code == 200


def test_user_and_account_profiles_show_scores_timeline_and_answers(seeded):
    b = seeded.browser("viewer")
    r = b.get(BASE + "/people?set=nps&category=all")
    user = table_rows_people(r.text)[0][0]
    page = b.get(BASE + f"/user?id={user}")
    assert page.status_code == 200
    assert "timeline" in page.text and "answers" in page.text and "guides-seen" in page.text
    assert by_testid(page.text, "score-nps") != "—"
    assert by_testid(page.text, "score-rfm") != "—"
    account = links(page.text, "/analytics/account?")[0]
    acc = b.get(account)
    assert acc.status_code == 200 and "members" in acc.text and user in acc.text
    assert b.get(BASE + "/user?id=nobody-at-all").status_code == 404
    assert b.get(BASE + "/account?id=nobody-at-all").status_code == 404
    assert b.get(BASE + "/user").status_code == 303


def test_another_workspace_is_not_found(seeded):
    b = seeded.browser("other")  # owner of globex only
    for path in ("", "/loyalty", "/people?set=active", "/user?id=u-00001",
                 "/overview.csv?table=tiers"):
        r = b.get(BASE + path)
        assert r.status_code == 404, path
        assert "u-00001" not in r.text

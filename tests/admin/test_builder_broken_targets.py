"""Broken targets: guide_target_missing events of the last 7 days per guide and step, with
the URLs and selectors that failed, and a re-pick link to the builder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.delivery.broken_targets import broken_targets

from .builder_support import TOUR, add_events, add_guides


def _miss(user, step=1, url="https://app.acme.test/app/reports", sels=("#new-report",),
          guide="reports-tour", days_ago=0):
    return {"type": "guide_target_missing", "user_id": user, "guide_key": guide, "step": step,
            "timestamp": datetime.now(UTC) - timedelta(days=days_ago),
            "properties": {"reason": "not_found", "selectors": list(sels), "url": url}}


def test_misses_are_counted_per_guide_and_step_with_their_urls_and_selectors(world):
    add_events(world,
               _miss("a"), _miss("a"), _miss("b", url="https://app.acme.test/app/reports?tab=2"),
               _miss("c", step=0, sels=(".old",)),
               _miss("d", guide="other"),
               _miss("e", days_ago=8),  # outside the window
               {"type": "guide_seen", "user_id": "a", "guide_key": "reports-tour", "step": 1})
    add_events(world, _miss("z"), ws="globex")
    with world.app.state.db.session() as s:
        rows = broken_targets(session=s, environment_id=world.envs["acme"].environment.id,
                              now=datetime.now(UTC))
    got = [(r.guide, r.step, r.count, len(r.users)) for r in rows]
    assert got == [("reports-tour", 1, 3, 2), ("other", 1, 1, 1), ("reports-tour", 0, 1, 1)]
    top = rows[0].as_dict()
    assert top["urls"][0] == {"url": "https://app.acme.test/app/reports", "count": 2}
    assert top["selectors"] == [{"selectors": ["#new-report"], "count": 3}]
    assert top["reasons"] == [{"reason": "not_found", "count": 3}]
    with world.app.state.db.session() as s:
        only = broken_targets(session=s, environment_id=world.envs["acme"].environment.id,
                              now=datetime.now(UTC), guide_key="other")
    assert [(r.guide, r.count) for r in only] == [("other", 1)]


def test_odd_properties_never_break_the_aggregation(world):
    add_events(world,
               {"type": "guide_target_missing", "user_id": None, "guide_key": "g", "step": None,
                "properties": {"selectors": "#one", "url": 5}},
               {"type": "guide_target_missing", "user_id": "u", "guide_key": "g", "step": 2,
                "properties": {"selectors": [1, None, "x" * 2000]}},
               {"type": "guide_target_missing", "user_id": "u", "guide_key": None,
                "properties": {}})
    with world.app.state.db.session() as s:
        rows = broken_targets(session=s, environment_id=world.envs["acme"].environment.id,
                              now=datetime.now(UTC))
    got = sorted((r.step if r.step is not None else -1, r.count) for r in rows)
    assert got == [(-1, 1), (2, 1)]
    assert all(len(s) <= 300 for r in rows for sel in r.selectors for s in sel)


def test_the_page_lists_them_and_editors_get_a_re_pick_link(world):
    add_guides(world, TOUR)
    add_events(world, _miss("a"), _miss("b", sels=('[data-x="<b>"]',)))
    r = world.browser("editor").get("/admin/w/acme/e/production/broken-targets")
    assert r.status_code == 200
    assert 'data-guide="reports-tour" data-step="1"' in r.text
    assert "/admin/w/acme/e/production/builder/pick?guide=reports-tour&amp;step=1" in r.text
    assert "&lt;b&gt;" in r.text and '"<b>"' not in r.text
    viewer = world.browser("viewer").get("/admin/w/acme/e/production/broken-targets")
    assert viewer.status_code == 200 and "builder/pick" not in viewer.text
    empty = world.browser("viewer").get(
        "/admin/w/acme/e/production/broken-targets?guide=reports-tour")
    assert 'data-step="1"' in empty.text

"""The dashboards say how fresh their figures are: "data as of HH:MM UTC", and
"refreshing" while a result of older data is shown and recomputed in the background
(SHIRUBE_METRICS_STALE_SECONDS, server/metrics/cache.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from server.metrics import cache
from server.models import Event
from server.settings import Settings

from .analytics_support import BASE, by_testid, seed


@pytest.fixture
def settings(database_url: str) -> Settings:
    """These pages may show figures up to 5 minutes old (the production default)."""
    return Settings(database_url=database_url, environment="test", metrics_stale_seconds=300)


@pytest.fixture
def seeded(world):
    world.env_id = seed(world)
    yield world
    assert cache.wait_idle(60)


def _new_event(world, n: int) -> None:
    now = datetime.now(UTC)
    with world.app.state.db.session() as s:
        s.add(Event(environment_id=world.env_id, uuid=f"00000000-0000-7000-a000-{n:012d}",
                    type="track", name="opened", user_id="fresh-user", properties={},
                    timestamp=now, received_at=now))
        s.commit()


@pytest.mark.parametrize("page", ["/loyalty", "/user?id=fresh-user", "/people?set=matrix&cell=A"])
def test_a_page_after_new_events_shows_the_older_figures_as_refreshing(seeded, page):
    b = seeded.browser("viewer")
    _new_event(seeded, 1)  # the user exists for the profile page
    first = b.get(BASE + page)
    assert first.status_code == 200
    shown = by_testid(first.text, "freshness")
    assert "data as of" in shown and "refreshing" not in shown
    assert cache.wait_idle(60)
    _new_event(seeded, 2)
    again = b.get(BASE + page)
    assert again.status_code == 200
    stale = by_testid(again.text, "freshness")
    assert "refreshing" in stale and stale.split("·")[1].strip() == shown.split("·")[1].strip()
    # Exactly the time of the figures shown before (the oldest figure of the page).
    assert _computed_at(again.text) == _computed_at(first.text)
    assert cache.wait_idle(60)
    later = by_testid(b.get(BASE + page).text, "freshness")
    assert "refreshing" not in later


def _computed_at(html: str) -> str:
    m = re.search(r'data-testid="freshness" data-computed-at="([^"]+)"', html)
    assert m
    return m.group(1)

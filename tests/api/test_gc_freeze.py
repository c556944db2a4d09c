"""A serving process freezes what start-up left alive (server/app.py lifespan), so a full
garbage collection no longer walks it with the event loop stopped; a test process does not
(it starts many apps, and frozen objects are never collected)."""

from __future__ import annotations

import gc

from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings


def test_a_serving_app_freezes_the_start_up_heap_and_a_test_app_does_not(database_url, db):
    gc.unfreeze()
    try:
        with TestClient(create_app(Settings(database_url=database_url, environment="test"))):
            assert gc.get_freeze_count() == 0
        with TestClient(create_app(Settings(database_url=database_url,
                                            environment="production"))) as c:
            assert gc.get_freeze_count() > 1000
            assert c.get("/healthz").status_code == 200
    finally:
        gc.unfreeze()

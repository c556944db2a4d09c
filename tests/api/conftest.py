"""Fixtures for the SDK API tests (the admin REST tests bring their own from v1_support)."""

from tests.app_fixtures import client, env, sdk  # noqa: F401

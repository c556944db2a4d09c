"""Fixtures for survey tests: an app, one environment, its SDK and admin REST clients."""

from tests.app_fixtures import api, client, env, sdk  # noqa: F401

"""App-level fixtures shared by the API, survey, feature and segment suites: an app client,
a fresh environment, an SDK-style client and an admin REST client. Conftests import them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from tests.api.sdkclient import SdkClient
from tests.api.v1_support import Api


@pytest.fixture
def client(settings: Any) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def env(factory: Any) -> Any:
    return factory.environment()


@pytest.fixture
def sdk(client: TestClient, env: Any) -> SdkClient:
    return SdkClient(client, env.environment.publishable_key)


@pytest.fixture
def api(client: TestClient, env: Any) -> Api:
    return Api(client, env.secret_key, env)

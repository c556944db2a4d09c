"""All admin REST routes, collected from one module per resource.

Every route here is an `ApiRoute` with a `RouteDoc`: the OpenAPI document is built from
this list (tests/api/test_v1_openapi.py fails for a route without one).
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from . import events, explain, features, guides, metrics, openapi, people, surveys
from .segments import routes as segment_routes
from .webhooks import routes as webhook_routes

routes: list[BaseRoute] = [
    *guides.routes,
    *explain.routes,
    *people.routes,
    *events.routes,
    *surveys.routes,
    *features.routes,
    *metrics.routes,
    *segment_routes,
    *webhook_routes,
    *openapi.routes,
]

"""A lean ASGI path for the SDK's two hot POSTs (bootstrap, events), in front of Starlette.

Measured in-process (bench/profile_hotpaths.py's harness), Starlette's middleware layers,
the router's walk through the mounts and the request/response wrapper cost ~30-40 µs of
CPU per bootstrap, a third of the whole request. `install` puts a dispatcher in front of
the built stack: a POST to one of its paths calls that endpoint directly; everything else
(the preflights included) goes through Starlette as before.

Behaviour is kept: `scope["app"]` is the Starlette app (the endpoint reads `app.state`);
an exception the endpoint lets out is answered by the app's own exception handlers (the
one JSON error shape), and an unhandled one by Starlette's ServerErrorMiddleware with the
app's 500 handler, exactly as through the full stack. CORS stays per environment: it is
the endpoint that answers it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.responses import Response

Endpoint = Callable[[Request], Awaitable[Response]]


def install(app: Starlette, endpoints: dict[str, Endpoint]) -> None:
    """Serve `POST path` with `endpoints[path]` ahead of `app`'s middleware and router.

    Not installed when the app has middleware of its own or a body limit: those would
    be skipped."""
    if app.user_middleware or getattr(app, "max_body_size", None) is not None:
        return
    stack = app.build_middleware_stack()
    handlers = {k: v for k, v in app.exception_handlers.items()
                if k not in (500, Exception)}

    async def direct(scope: Any, receive: Any, send: Any) -> None:
        endpoint = endpoints[scope["path"]]
        request = Request(scope, receive, send)
        try:
            response = await endpoint(request)
        except Exception as exc:
            handler = next((handlers[t] for t in type(exc).__mro__ if t in handlers), None)
            if handler is None:
                raise  # to ServerErrorMiddleware, like an error escaping the router
            response = await handler(request, exc)
        await response(scope, receive, send)

    server_errors = dict(app.exception_handlers)
    guarded = ServerErrorMiddleware(
        direct, handler=server_errors.get(500) or server_errors.get(Exception), debug=app.debug
    )

    async def dispatch(scope: Any, receive: Any, send: Any) -> None:
        # Behind a root_path the router strips it: such requests take the full stack.
        if (scope["type"] == "http" and scope["path"] in endpoints and scope["method"] == "POST"
                and not scope.get("root_path")):
            await guarded(scope, receive, send)
        else:
            await stack(scope, receive, send)

    app.middleware_stack = dispatch  # type: ignore[assignment]

"""Response headers chosen by the request's path, added as plain ASGI middleware.

Starlette's `@app.middleware("http")` (BaseHTTPMiddleware) runs every request through a second
task and a streamed copy of its body; under a clinic's load the two header middlewares of the API
and the web pages cost more CPU than the access check of a record. `PathHeaders` adds its headers
to the response start as it passes, and sets none the answer already carries. The API and the web
pages each give it their own headers (lutea.api.headers, lutea.web.app).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

HeadersFor = Callable[[str], Mapping[str, str]]


class PathHeaders:
    """ASGI middleware: the headers `headers_for(path)` names, on every HTTP answer that lacks them."""

    def __init__(self, app: Any, headers_for: HeadersFor):
        self.app = app
        self.headers_for = headers_for

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = self.headers_for(scope["path"])
        if not wanted:
            await self.app(scope, receive, send)
            return
        extra = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in wanted.items()]

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)

"""Static files compressed once, not once per page opened (issue 15: many people on one server).

Every page of the dashboard loads about 7.4 MB of scripts, styles and fonts (the largest: echarts 3.2 MB,
Solara's Vuetify bundle 2.1 MB). Solara's server sends them through Starlette's ``GZipMiddleware`` at level 9,
which compresses each file again for every browser that asks: profiled with eight people opening the page at
once, two thirds of the server's busy time went to ``gzip`` (about 0.5 s of CPU a page on this machine).

:class:`StaticGzipCache` takes the place of that middleware. For the static files (paths under
:data:`STATIC_PREFIXES`) it compresses a file's bytes the first time they are asked for and keeps the result,
keyed by the path and the file's ``ETag`` (so a changed file is compressed anew); fonts and images, already
compressed, are sent as they are. Everything else (the page itself, the API) goes to Starlette's middleware as
before. :func:`install` swaps it into Solara's app when the dashboard is imported; if Solara's app is not laid
out as expected it leaves it alone (the dashboard then works as before, only slower to open).
"""

from __future__ import annotations

import gzip
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

STATIC_PREFIXES = ("/_solara/cdn/", "/jupyter/nbextensions/", "/static/")
"""Paths whose responses are files that do not change while the server runs (Solara's asset routes)."""

COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")
MINIMUM_SIZE = 1000
"""Smaller responses are sent as they are (Solara's own threshold)."""

MAX_CACHE_BYTES = 64 * 2**20
"""At most this many compressed bytes are kept (the dashboard's files take about 2 MB)."""


class StaticGzipCache:
    """ASGI middleware: static files gzip-compressed once per (path, ETag); other requests to ``fallback``."""

    def __init__(self, app: ASGIApp, minimum_size: int = MINIMUM_SIZE, compresslevel: int = 9) -> None:
        from starlette.middleware.gzip import GZipMiddleware

        self.app = app
        self.fallback: ASGIApp = GZipMiddleware(app, minimum_size=minimum_size, compresslevel=compresslevel)
        self.minimum_size = minimum_size
        self.compresslevel = compresslevel
        self.cache: dict[tuple[str, str], tuple[list[tuple[bytes, bytes]], bytes]] = {}
        self.cached_bytes = 0
        self.compressions = 0  # how many times a body was compressed (read by the tests)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._applies(scope):
            await self.fallback(scope, receive, send)
            return
        start: Message = {}
        body: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))

        await self.app(scope, receive, keep)
        headers = [(bytes(k).lower(), bytes(v)) for k, v in start.get("headers", [])]
        data = b"".join(body)
        if not self._compressible(start.get("status", 0), headers, data):
            await _send(send, start.get("status", 500), headers, data)
            return
        key = (scope["path"] + "?" + scope.get("query_string", b"").decode("latin-1"), _header(headers, b"etag"))
        hit = self.cache.get(key)
        if hit is None:
            packed = gzip.compress(data, compresslevel=self.compresslevel, mtime=0)
            kept = [(k, v) for k, v in headers if k not in (b"content-length", b"content-encoding", b"vary")]
            kept += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
            hit = (kept, packed)
            self.compressions += 1  # (the server's one event loop runs this: no lock needed)
            if key[1] and self.cached_bytes + len(packed) <= MAX_CACHE_BYTES:
                self.cache[key] = hit
                self.cached_bytes += len(packed)
        kept, packed = hit
        await _send(send, start["status"], [*kept, (b"content-length", str(len(packed)).encode())], packed)

    def _applies(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            return False
        if not scope["path"].startswith(STATIC_PREFIXES):
            return False
        headers = dict((bytes(k).lower(), bytes(v)) for k, v in scope.get("headers", []))
        return b"gzip" in headers.get(b"accept-encoding", b"") and b"range" not in headers

    def _compressible(self, status: int, headers: list[tuple[bytes, bytes]], data: bytes) -> bool:
        kind = _header(headers, b"content-type")
        return (
            status == 200
            and len(data) >= self.minimum_size
            and not _header(headers, b"content-encoding")
            and kind.startswith(COMPRESSIBLE)
        )


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str:
    for k, v in headers:
        if k == name:
            return v.decode("latin-1")
    return ""


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], data: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


def install() -> bool:
    """Put :class:`StaticGzipCache` in place of Starlette's ``GZipMiddleware`` in Solara's app.

    Returns whether it did (False when Solara's server is not importable or has no such middleware)."""
    try:
        from solara.server import starlette as solara_starlette
        from starlette.middleware import Middleware
        from starlette.middleware.gzip import GZipMiddleware
    except ImportError:
        return False
    app = solara_starlette.app
    for k, m in enumerate(app.user_middleware):
        if m.cls is StaticGzipCache:
            return True
        if m.cls is GZipMiddleware:
            app.user_middleware[k] = Middleware(StaticGzipCache, **m.kwargs)  # type: ignore[arg-type]
            app.middleware_stack = None  # Starlette rebuilds the stack on the next request
            return True
    return False

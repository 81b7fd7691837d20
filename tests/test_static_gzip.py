"""Static files are gzip-compressed once per file, not once per page opened (simulation/dashboard/static_gzip.py).

The middleware sits where Solara puts Starlette's GZipMiddleware; these tests run it in front of a plain
Starlette static-files app and count how often it compresses.
"""

from __future__ import annotations

import asyncio
import gzip
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from simulation.dashboard.static_gzip import StaticGzipCache

SCRIPT = ("function f(x) { return x + 1; }\n" * 400).encode()
GZ = {"Accept-Encoding": "gzip"}


@pytest.fixture
def served(tmp_path: Path):
    (tmp_path / "app.js").write_bytes(SCRIPT)
    (tmp_path / "font.woff2").write_bytes(os.urandom(5000))
    (tmp_path / "tiny.css").write_bytes(b"body { margin: 0 }")
    inner = Starlette(
        routes=[
            Route("/", lambda request: HTMLResponse("<p>page</p>" * 500)),
            Mount("/static", StaticFiles(directory=tmp_path)),
        ]
    )
    mw = StaticGzipCache(inner, minimum_size=1000)
    return mw, mw, tmp_path


def raw(app, path: str, headers: dict[str, str]):
    """GET ``path`` from the ASGI ``app`` directly; the response as sent (status, headers, body bytes)."""
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5000),
    }
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    head = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return SimpleNamespace(status_code=start["status"], headers=head), body


def test_a_script_is_compressed_once_and_every_copy_is_the_file(served):
    mw, client, _ = served
    bodies = []
    for _ in range(3):
        r, body = raw(client, "/static/app.js", GZ)
        assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
        assert int(r.headers["content-length"]) == len(body) < len(SCRIPT)
        bodies.append(gzip.decompress(body))
    assert bodies == [SCRIPT] * 3
    assert mw.compressions == 1


def test_a_changed_file_is_compressed_anew(served):
    mw, client, folder = served
    raw(client, "/static/app.js", GZ)
    new = SCRIPT + b"// changed\n"
    (folder / "app.js").write_bytes(new)
    os.utime(folder / "app.js", (1e9, 1e9))  # a new modification time: a new ETag
    _, body = raw(client, "/static/app.js", GZ)
    assert gzip.decompress(body) == new and mw.compressions == 2


def test_fonts_small_files_and_browsers_without_gzip_get_the_file_as_it_is(served):
    mw, client, folder = served
    r, body = raw(client, "/static/font.woff2", GZ)
    assert "content-encoding" not in r.headers and body == (folder / "font.woff2").read_bytes()
    r, body = raw(client, "/static/tiny.css", GZ)
    assert "content-encoding" not in r.headers and body == b"body { margin: 0 }"
    r, body = raw(client, "/static/app.js", {"Accept-Encoding": "identity"})
    assert "content-encoding" not in r.headers and body == SCRIPT
    assert mw.compressions == 0


def test_a_revalidation_gets_304_and_the_page_itself_still_goes_through_gzip(served):
    _, client, _ = served
    r, _ = raw(client, "/static/app.js", GZ)
    again, body = raw(client, "/static/app.js", {**GZ, "If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and body == b""
    page, body = raw(client, "/", GZ)
    assert page.headers["content-encoding"] == "gzip" and gzip.decompress(body) == b"<p>page</p>" * 500


def test_the_dashboard_puts_it_in_place_of_solaras_gzip_and_loads_the_minified_charts():
    from solara.server import settings as solara_settings
    from solara.server import starlette as solara_starlette
    from starlette.middleware.gzip import GZipMiddleware

    import simulation.dashboard.app  # noqa: F401  (installs the middleware)
    from simulation.dashboard.widgets import Chart

    kinds = [m.cls for m in solara_starlette.app.user_middleware]
    assert StaticGzipCache in kinds and GZipMiddleware not in kinds
    template = Chart.class_traits()["template"].default_value
    assert "/dist/echarts.min.js`" in template and "/dist/echarts.js`" not in template
    # ... and the minified file is in the offline asset folder the server sends it from
    assert list(Path(solara_settings.assets.proxy_cache_dir).glob("echarts@*/dist/echarts.min.js"))

"""End-to-end: ``syslead dashboard`` in headless Chromium (Playwright), fully offline.

The server is started the way a facilitator starts it (``syslead dashboard --port P``) and polled on
``GET /readyz``. Chromium is Debian's (``/usr/bin/chromium``; ``.ci/run`` installs it when missing).
Every page must load with no failed request and none leaving the machine.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Headless Chromium 156 starts its own omnibox pop-up (a "top Chrome" WebUI page, about 0.5 s of CPU) for
    # every new window, i.e. for every context: a cost of the harness, not of the pages under test.
    "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup",
]
TIMEOUT_MS = 20_000
LOAD_TIMEOUT_MS = 90_000  # ten sessions share the server (and CI's two cores)
IGNORED_FAILURES = ("/_solara/api/close",)  # beacons a closing page sends; aborted by design

playwright_api = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):  # pragma: no cover - CI installs it (.ci/run)
    pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium", allow_module_level=True)
expect = playwright_api.expect
expect.set_options(timeout=TIMEOUT_MS)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _syslead() -> list[str]:
    exe = Path(sys.executable).with_name("syslead")
    return [str(exe)] if exe.exists() else [shutil.which("syslead") or "syslead"]


def start_dashboard(tmp_path_factory):
    """Start ``syslead dashboard`` on a free port as a facilitator does, wait for ``/readyz``, yield ``(base, proc)``
    and stop it. The ``server`` fixture of ``conftest.py``: one server per test process, shared by the browser
    test modules (each test opens browser contexts of its own, so each has sessions of its own)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("w") as fh:
        proc = subprocess.Popen(
            [*_syslead(), "dashboard", "--port", str(port)],
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=tmp_path_factory.mktemp("cwd"),
        )
    proc.log_path = log  # what the server printed (tests read it)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            pytest.fail(f"dashboard did not start: {log.read_text()[-2000:]}")
        time.sleep(0.2)
    yield base, proc
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:  # pragma: no cover
        os.killpg(proc.pid, signal.SIGKILL)


def launch_chromium():
    """Debian's Chromium, headless, through Playwright: the ``browser`` fixture of ``conftest.py`` (one per test
    module)."""
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Traffic:
    """Every request a page makes; failures and error responses; anything not to the server."""

    def __init__(self, base: str):
        self.base = base
        self.urls: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []

    def watch(self, page):
        page.on("request", lambda r: self.urls.append(r.url))
        page.on(
            "requestfailed",
            lambda r: None if any(x in r.url for x in IGNORED_FAILURES) else self.failed.append(f"{r.url} {r.failure}"),
        )
        page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        return page

    def off_host(self) -> list[str]:
        return [u for u in self.urls if not u.startswith((self.base + "/", "data:", "blob:"))]

    def check(self):
        assert self.urls, "no requests recorded"
        assert self.off_host() == []
        assert self.failed == []
        assert self.errors == []


def week(page, n: int):
    expect(page.get_by_text(f"Week {n}", exact=True)).to_be_visible()


def rss_mb(pid: int) -> float:
    import psutil

    proc = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20


def test_explore_offline_steps_and_sessions_are_isolated(server, browser, tmp_path):
    base, _ = server
    traffic = Traffic(base)
    first = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = traffic.watch(first.new_page())
    page.goto(base + "/")
    week(page, 0)
    step = page.get_by_role("button", name="Step")
    for n in (1, 2, 3):
        step.click()
        week(page, n)
    canvas = page.locator(".syslead-network canvas")
    expect(canvas).to_be_visible()
    expect(canvas).to_have_attribute("aria-label", re.compile(r"^The network at week 3: "))  # drawn for week 3
    with page.expect_download() as dl:
        page.get_by_role("button", name="Timeseries (CSV)").click()
    rows = Path(dl.value.path()).read_text().splitlines()
    assert rows[0].startswith("week,people_reached") and [r.split(",")[0] for r in rows[1:]] == ["0", "1", "2", "3"]
    with page.expect_download() as dl:
        page.get_by_role("button", name="Network (PNG)").click()
    assert Path(dl.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shot = tmp_path / "explore.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000

    second = browser.new_context()  # another person, another session
    other = traffic.watch(second.new_page())
    other.goto(base + "/")
    week(other, 0)
    other.get_by_role("button", name="Step").click()
    week(other, 1)
    week(page, 3)  # the first session did not move
    traffic.check()
    first.close()
    second.close()


def test_compare_and_about_pages(server, browser):
    base, _ = server
    traffic = Traffic(base)
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = traffic.watch(ctx.new_page())
    page.goto(base + "/compare")
    week(page, 0)
    expect(page.get_by_text("A: south-manchester", exact=False).first).to_be_visible()
    step = page.get_by_role("button", name="Step")
    step.click()
    week(page, 1)
    step.click()
    week(page, 2)
    expect(page.locator(".syslead-network canvas")).to_have_count(2)
    page.get_by_role("tab", name="About").click()
    expect(page.get_by_role("heading", name="Things to try")).to_be_visible()
    traffic.check()
    ctx.close()


def test_designer_adds_saves_and_the_file_runs(server, browser, tmp_path):
    from simulation.cli import main as cli_main

    base, _ = server
    traffic = Traffic(base)
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = traffic.watch(ctx.new_page())
    page.goto(base + "/designer")
    count = page.locator(".syslead-week").first
    expect(count).to_have_text(re.compile(r"Programme designer: \d+ events"))
    n = int(re.search(r"(\d+) events", count.inner_text()).group(1))
    page.get_by_role("button", name="Add event").click()
    expect(count).to_have_text(f"Programme designer: {n + 1} events")
    expect(
        page.get_by_text("week 10 · Networking gatherings · 30 places · Networking gatherings (week 10)", exact=True)
    ).to_be_visible()
    page.locator(".syslead-remove").first.click()
    expect(count).to_have_text(f"Programme designer: {n} events")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Save programme (TOML)").click()
    path = tmp_path / "programme.toml"
    dl.value.save_as(path)
    events = tomllib.loads(path.read_text())["programme"]["events"]
    assert len(events) == n and any(e["name"] == "Networking gatherings (week 10)" for e in events)
    out = tmp_path / "run"
    assert (
        cli_main(
            ["run", "--config", str(path), "--weeks", "2", "--quiet", "--out", str(out), "--set", "population.size=200"]
        )
        == 0
    )
    traffic.check()
    ctx.close()


def test_ten_sessions_step_without_cross_talk(server, browser):
    """A bounded load test: ten sessions step at once; each sees only its own weeks."""
    base, proc = server
    traffic = Traffic(base)
    before = rss_mb(proc.pid)
    t_open = time.perf_counter()
    contexts = [browser.new_context(viewport={"width": 1200, "height": 900}) for _ in range(10)]
    pages = [traffic.watch(c.new_page()) for c in contexts]
    for p in pages:
        p.goto(base + "/")
    for p in pages:
        expect(p.get_by_text("Week 0", exact=True)).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    loaded = rss_mb(proc.pid)
    opened = time.perf_counter() - t_open
    target = [1 + k % 3 for k in range(10)]  # sessions step 1, 2 or 3 weeks
    t0 = time.perf_counter()
    for r in range(1, 4):  # in each round every session still going clicks Step; the server serves them at once
        going = [p for p, t in zip(pages, target) if t >= r]
        for p in going:
            p.get_by_role("button", name="Step").click()
        for p in going:
            expect(p.get_by_text(f"Week {r}", exact=True)).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    elapsed = time.perf_counter() - t0
    for p, t in zip(pages, target):
        for other in {1, 2, 3} - {t}:
            assert p.get_by_text(f"Week {other}", exact=True).count() == 0
    after = rss_mb(proc.pid)
    print(
        f"\nload test: 10 sessions opened in {opened:.1f} s, {sum(target)} steps in {elapsed:.1f} s; "
        f"server memory {before:.0f} MB "
        f"before, {loaded:.0f} MB with 10 sessions open, {after:.0f} MB after stepping"
    )
    traffic.check()
    for c in contexts:
        c.close()

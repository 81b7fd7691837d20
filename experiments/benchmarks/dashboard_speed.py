"""Speed and memory of the workshop dashboard (issues 5 and 15), measured in headless Chromium.

    .venv/bin/python experiments/benchmarks/dashboard_speed.py [--contexts 8 20] [--steps 10] [--nice-browser]
        [--screenshots]

Starts ``syslead dashboard`` on a free port, the way a facilitator does, then for each N in ``--contexts``
opens N browser contexts at once (N people, each with a session of their own; one Chromium) and measures:

1. **usable**: per context, from ``page.goto`` to ``Week 0`` on the page with the network drawn (the
   canvas has its size and says "week 0") and the Step button enabled; the page's clock, noted by a
   MutationObserver installed before the page's own scripts (until 2026-12-04 Playwright polled for it on every
   animation frame, which kept every loading page drawing frames: 0.2-0.5 s more per page with 8 at once);
2. **Step round trip**: every context clicks Step ``--steps`` times at a person's pace (a pause of 0.4 to
   1.2 s between Steps, from a seeded generator), all at once: the time from the press (the page's clock when
   the button goes down; before 2026-12-04 the clock started when Playwright was asked to click, which includes
   its checks that the button is visible, stable and enabled: kept as ``step_from_click_call``, since the
   evening of 2026-12-04 polled every 0.1 s rather than every frame, so up to 0.1 s late) to ``Week N+1``
   on the page *and* the network redrawn for that week (the canvas's label says "week N+1"; a MutationObserver
   notes the moment);
3. **failures**: any context whose page did not load or whose Step never arrived (within ``--timeout``,
   60 s by default);
4. **server memory** (resident set of the server process): before, with the N open, after stepping, and
   after the N pages are closed (as a person closes a tab, which sends Solara's close beacon), polled
   every second for up to ``--settle`` seconds until it is within 10% of the start, and read once more
   ``--settled`` seconds (30) after the close, once the server's delayed releases have run ("settled").

``--nice-browser`` runs Chromium at nice 10 (the browsers are on the same 2 cores as the server here; in a
room they are on people's own devices). The machine's load average is recorded: other work on the machine
inflates every time. Writes JSON (``--out``); docs/performance.md ("Dashboard") and docs/dashboard.md
record the figures. With ``--screenshots`` it writes docs/images/dashboard-*.png: Explore and the
designer at 1366 x 768, Compare at 1920 x 1080 with Presenter on, Explore on a 390 x 844 phone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
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
    # Headless Chromium 156 starts its own omnibox pop-up (a "top Chrome" WebUI page, 0.5 s of CPU) for every
    # new window, i.e. for every context here: a cost of this harness, not of opening the dashboard.
    "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup",
]
TIMEOUT_MS = 60_000
WEEK_JS = (
    "n => [...document.querySelectorAll('.syslead-week')].some(e => e.textContent.trim() === 'Week ' + n)"
    " && [...document.querySelectorAll('.syslead-network canvas')].every(c => c.height > 150"
    " && (c.getAttribute('aria-label') || '').includes('at week ' + n + ':'))"
)

STEP_WATCH_JS = (
    """() => {
  // the moment Step goes down (a person's press: Playwright's checks before it presses are not counted) and the
  // first moment the page shows week n with the network redrawn for it (a MutationObserver, page clock)
  window.__pressed = {}; window.__reached = {}; window.__target = null;
  const shows = """
    + WEEK_JS
    + """;
  document.addEventListener('mousedown', () => {
    const n = window.__target;
    if (n !== null && !(n in window.__pressed)) window.__pressed[n] = Date.now();
  }, true);
  const look = () => {
    const n = window.__target;
    if (n !== null && !(n in window.__reached) && shows(n)) window.__reached[n] = Date.now();
  };
  new MutationObserver(look).observe(document.body, {childList: true, subtree: true, characterData: true,
    attributes: true, attributeFilter: ['aria-label', 'height']});
}"""
)

LOAD_WATCH_JS = (
    """(() => {
  // the first moment the page shows week 0 with its network drawn (a MutationObserver from the document's start,
  // page clock): polling for it on every animation frame, as before, kept eight pages drawing frames while loading
  const shows = """
    + WEEK_JS
    + """;
  const look = () => { if (window.__usableAt === undefined && shows(0)) window.__usableAt = Date.now(); };
  new MutationObserver(look).observe(document, {childList: true, subtree: true, characterData: true,
    attributes: true, attributeFilter: ['aria-label', 'height']});
})();"""
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, log) -> tuple[subprocess.Popen, float]:
    exe = Path(sys.executable).with_name("syslead")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(exe), "dashboard", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return proc, time.perf_counter() - t0
        except OSError:
            time.sleep(0.1)
        if proc.poll() is not None:
            raise SystemExit("the dashboard did not start")


def rss_mb(pid: int) -> float:
    import psutil

    p = psutil.Process(pid)
    return sum(q.memory_info().rss for q in [p, *p.children(recursive=True)]) / 2**20


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the server process has used so far."""
    import psutil

    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


def summary(xs: list[float]) -> dict[str, float]:
    if not xs:
        return {"n": 0}
    xs = sorted(xs)
    return {
        "median_ms": round(1000 * statistics.median(xs)),
        "p90_ms": round(1000 * xs[int(0.9 * (len(xs) - 1))]),
        "max_ms": round(1000 * xs[-1]),
        "n": len(xs),
    }


async def person(browser, base: str, k: int, steps: int, start: asyncio.Event, out: dict) -> None:
    """One participant: open the page, wait until everyone has, then Step at a person's pace."""
    rng = random.Random(k)
    ctx = await browser.new_context(viewport={"width": 1366, "height": 768})
    await ctx.add_init_script(LOAD_WATCH_JS)
    page = await ctx.new_page()
    out["pages"].append((ctx, page))
    try:
        t0 = time.time()  # the page's Date.now() reads the same clock
        await page.goto(base + "/", timeout=TIMEOUT_MS)
        await page.wait_for_function("() => window.__usableAt !== undefined", polling=250, timeout=TIMEOUT_MS)
        out["usable"].append(await page.evaluate("() => window.__usableAt") / 1000 - t0)
    except Exception as exc:  # counted and reported
        out["failures"].append(f"context {k} did not load: {type(exc).__name__}")
        return
    out["loaded"] += 1
    if out["loaded"] == out["n"]:
        start.set()
    await start.wait()
    button = page.get_by_role("button", name="Step")
    await page.evaluate(STEP_WATCH_JS)
    for week in range(1, steps + 1):
        await asyncio.sleep(rng.uniform(0.4, 1.2))
        try:
            await page.evaluate(f"() => {{ window.__target = {week}; }}")
            t = time.perf_counter()
            await button.click(timeout=TIMEOUT_MS)
            await page.wait_for_function(WEEK_JS, arg=week, polling=100, timeout=TIMEOUT_MS)
            out["step_from_click_call"].append(time.perf_counter() - t)
            # (if the observer missed the last change, the moment of this check: an upper bound)
            took = await page.evaluate(
                f"() => {{ window.__reached[{week}] ??= Date.now(); return window.__reached[{week}] - "
                f"window.__pressed[{week}]; }}"
            )
            out["step"].append(took / 1000)
        except Exception as exc:  # counted and reported
            out["failures"].append(f"context {k} Step to week {week}: {type(exc).__name__}")
            return


async def room(base: str, pid: int, n: int, steps: int, settle: float, executable: str, settled: float = 30.0) -> dict:
    from playwright.async_api import async_playwright

    res: dict = {"contexts": n, "load_before": os.getloadavg()}
    mem = {"start": round(rss_mb(pid))}
    cpu0 = cpu_s(pid)
    out = {"usable": [], "step": [], "step_from_click_call": [], "failures": [], "pages": [], "loaded": 0, "n": n}
    start = asyncio.Event()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, args=ARGS)
        t0 = time.perf_counter()
        tasks = [asyncio.create_task(person(browser, base, k, steps, start, out)) for k in range(n)]

        async def watch_memory():
            await asyncio.sleep(0)
            while not start.is_set() and any(not t.done() for t in tasks):
                await asyncio.sleep(0.2)
            mem["all_open"] = round(rss_mb(pid))
            res["server_cpu_open_s"] = round(cpu_s(pid) - cpu0, 2)

        watcher = asyncio.create_task(watch_memory())
        await asyncio.gather(*tasks)
        if not start.is_set():
            start.set()
        await watcher
        res["wall_s"] = round(time.perf_counter() - t0, 1)
        mem["after_steps"] = round(rss_mb(pid))
        res["server_cpu_steps_s"] = round(cpu_s(pid) - cpu0 - res.get("server_cpu_open_s", 0.0), 2)
        res["server_cpu_per_step_ms"] = round(1000 * res["server_cpu_steps_s"] / max(len(out["step"]), 1))
        res["server_cpu_per_open_ms"] = round(1000 * res.get("server_cpu_open_s", 0.0) / max(len(out["usable"]), 1))
        for ctx, page in out["pages"]:
            with contextlib.suppress(Exception):  # a page that failed to load
                await page.close(run_before_unload=True)
            await ctx.close()
        await browser.close()
    t_close = time.perf_counter()
    while True:
        now = rss_mb(pid)
        if now <= 1.1 * mem["start"] or time.perf_counter() - t_close > settle:
            break
        await asyncio.sleep(1.0)
    mem["after_close"] = round(now)
    mem["settle_s"] = round(time.perf_counter() - t_close, 1)
    # and once the server's delayed releases have run (session.RELEASE_AGAIN_S after the last close)
    await asyncio.sleep(max(0.0, settled - (time.perf_counter() - t_close)))
    mem["settled"] = round(rss_mb(pid))
    mem["settled_s"] = round(time.perf_counter() - t_close, 1)
    with urllib.request.urlopen(base + "/resourcez", timeout=10) as r:  # Solara's own count of sessions
        res["kernels_after_close"] = json.load(r)["kernels"]["total"]
    res.update(
        {
            "usable_s": {
                "median": round(statistics.median(out["usable"]), 2) if out["usable"] else None,
                "max": round(max(out["usable"]), 2) if out["usable"] else None,
            },
            "step": summary(out["step"]),
            "step_from_click_call": summary(out["step_from_click_call"]),  # the clock of the runs before 2026-12-04
            "failures": out["failures"],
            "memory_mb": mem,
            "load_after": os.getloadavg(),
        }
    )
    return res


def screenshots(base: str, executable: str) -> None:
    from playwright.sync_api import sync_playwright

    images = ROOT / "docs" / "images"
    images.mkdir(parents=True, exist_ok=True)
    shots = [
        ("explore", "/", {"width": 1366, "height": 768}, False, 30),  # a laptop
        ("compare", "/compare", {"width": 1920, "height": 1080}, True, 30),  # a projector, Presenter on
        ("phone", "/", {"width": 390, "height": 844}, False, 12),  # a phone
        ("designer", "/designer", {"width": 1366, "height": 768}, False, 0),
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=ARGS)
        for name, path, vp, presenter, weeks in shots:
            phone = vp["width"] < 500
            ctx = browser.new_context(viewport=vp, is_mobile=phone, has_touch=phone, device_scale_factor=1)
            page = ctx.new_page()
            page.goto(base + path)
            if path == "/designer":
                page.get_by_role("button", name="Add event").wait_for()
            else:
                page.wait_for_function(WEEK_JS, arg=0, polling="raf", timeout=TIMEOUT_MS)
            if presenter:
                page.locator(".syslead-presenter-switch input").check(force=True)
                page.wait_for_function("() => getComputedStyle(document.documentElement).fontSize === '22px'")
                page.wait_for_timeout(2000)  # the page redraws larger: a click during that can be lost
            for w in range(1, weeks + 1):
                page.get_by_role("button", name="Step").click()
                page.wait_for_function(WEEK_JS, arg=w, polling="raf", timeout=TIMEOUT_MS)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(images / f"dashboard-{name}.png"))
            ctx.close()
        browser.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--contexts", type=int, nargs="+", default=[8, 20])
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds before a page load or a Step counts as failed")
    ap.add_argument("--settle", type=float, default=60.0, help="seconds to wait for memory after closing")
    ap.add_argument(
        "--settled", type=float, default=30.0, help="seconds after closing when memory is read once more (settled)"
    )
    ap.add_argument("--nice-browser", action="store_true", help="run Chromium at nice 10")
    ap.add_argument("--screenshots", action="store_true", help="write docs/images/dashboard-*.png")
    ap.add_argument("--out", default=str(ROOT / "results" / "benchmarks" / "dashboard.json"))
    args = ap.parse_args()
    global TIMEOUT_MS
    TIMEOUT_MS = int(1000 * args.timeout)

    executable = CHROMIUM
    tmp = Path(tempfile.mkdtemp(prefix="syslead-dash-"))
    if args.nice_browser:
        wrapper = tmp / "chromium-nice"
        wrapper.write_text(f'#!/bin/sh\nexec nice -n 10 {CHROMIUM} "$@"\n')
        wrapper.chmod(0o755)
        executable = str(wrapper)
    result: dict = {
        "machine": {"cpus": os.cpu_count(), "load_before": os.getloadavg()},
        "browser_nice": 10 if args.nice_browser else 0,
        "steps_per_context": args.steps,
        "timeout_s": args.timeout,
        "rooms": [],
    }
    port = free_port()
    with (tmp / "server.log").open("w") as log:
        proc, start = start_server(port, log)
    base = f"http://127.0.0.1:{port}"
    result["server_start_s"] = round(start, 2)
    result["memory_idle_mb"] = round(rss_mb(proc.pid))
    try:
        if args.screenshots:
            screenshots(base, executable)
        for n in args.contexts:
            r = asyncio.run(room(base, proc.pid, n, args.steps, args.settle, executable, args.settled))
            result["rooms"].append(r)
            print(json.dumps(r), flush=True)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    log_text = (tmp / "server.log").read_text()
    result["server_log_lines"] = len(log_text.splitlines())
    result["server_log_errors"] = sum(1 for line in log_text.splitlines() if "Traceback" in line or "ERROR" in line)
    result["machine"]["load_after"] = os.getloadavg()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""Speed and memory of the workshop dashboard (issue 5), measured in headless Chromium.

    .venv/bin/python experiments/benchmarks/dashboard_speed.py [--steps 15] [--sessions 10] [--screenshots]

Starts ``syslead dashboard`` on a free port, the way a facilitator does, and measures:

1. first render: from ``page.goto`` to the text ``Week 0`` and a drawn network (Chromium, cold server);
2. Step round trip at the default size (3,000 people): click Step until ``Week N+1`` shows, and until the
   new network image has arrived (polled every animation frame); 0.4 s between Steps, so that each
   starts from a page that has finished drawing the previous week;
3. the same at 2,000 people (the population slider moved with the keyboard, then Reset);
4. server-side cost of one network frame at 1,000 to 5,000 people (in this process);
5. server memory (resident, the server process) idle, with one session, and with ``--sessions`` sessions
   open, after each has stepped.

Prints a table and writes JSON (``--out``). With ``--screenshots`` it also writes the images for
docs/dashboard.md (docs/images/dashboard-*.png). The machine's load average is recorded: other work on
the machine inflates every time here. docs/performance.md ("Dashboard") records the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> tuple[subprocess.Popen, float]:
    exe = Path(sys.executable).with_name("syslead")
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(exe), "dashboard", "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
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


PAUSE_MS = 400
"""Between timed Steps: the previous update (image, plots) has arrived, as when a person clicks."""
IMG_SRC = "() => { const i = document.querySelector('.syslead-network img'); return i ? i.src : ''; }"


def wait_week(page, n: int, timeout: float = 60_000) -> None:
    page.wait_for_function(
        "n => [...document.querySelectorAll('.syslead-week')].some(e => e.textContent.trim() === 'Week ' + n)",
        arg=n, polling="raf", timeout=timeout)


def wait_image_change(page, old: str, timeout: float = 60_000) -> None:
    page.wait_for_function(
        "old => { const i = document.querySelector('.syslead-network img');"
        " return i && i.src && i.src !== old && i.complete; }", arg=old, polling="raf", timeout=timeout)


def step_times(page, steps: int) -> dict[str, list[float]]:
    text, image = [], []
    week = int(page.locator(".syslead-week").first.inner_text().split()[1])
    button = page.get_by_role("button", name="Step")
    for _ in range(steps):
        page.wait_for_timeout(PAUSE_MS)  # a person's pace: the previous week has been fully drawn
        old = page.evaluate(IMG_SRC)
        t0 = time.perf_counter()
        button.click()
        wait_week(page, week + 1)
        t1 = time.perf_counter()
        wait_image_change(page, old)
        t2 = time.perf_counter()
        week += 1
        text.append(t1 - t0)
        image.append(t2 - t0)
    return {"week_text": text, "network_image": image}


def summary(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)
    return {"median_ms": round(1000 * statistics.median(xs)), "p90_ms": round(1000 * xs[int(0.9 * (len(xs) - 1))]),
            "n": len(xs)}


def server_frames() -> dict[int, float]:
    from simulation.dashboard.inputs import DashboardModel
    from simulation.dashboard.network import network_png

    out = {}
    for n in (1000, 2000, 3000, 5000):
        m = DashboardModel(**{"population.size": n})
        for _ in range(30):
            m.step()
        times = []
        for _ in range(7):
            t = time.perf_counter()
            network_png(m, size=6.0, dpi=80, legend=False)
            times.append(time.perf_counter() - t)
        out[n] = round(1000 * statistics.median(times))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=15)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--screenshots", action="store_true", help="write docs/images/dashboard-*.png")
    ap.add_argument("--out", default=str(ROOT / "results" / "benchmarks" / "dashboard.json"))
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    result: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                "load_before": os.getloadavg()}}
    result["server_frame_ms"] = server_frames()
    port = free_port()
    proc, start = start_server(port)
    base = f"http://127.0.0.1:{port}"
    result["server_start_s"] = round(start, 2)
    result["memory_mb"] = {"idle": round(rss_mb(proc.pid))}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = ctx.new_page()
            t0 = time.perf_counter()
            page.goto(base + "/")
            wait_week(page, 0)
            page.wait_for_function("() => { const i = document.querySelector('.syslead-network img');"
                                   " return i && i.complete && i.naturalWidth > 0; }", polling="raf")
            result["first_render_s"] = round(time.perf_counter() - t0, 2)
            result["memory_mb"]["one_session"] = round(rss_mb(proc.pid))
            step_times(page, 2)  # warm-up (the plots' script loads on first use)
            t = step_times(page, args.steps)
            result["step_3000"] = {k: summary(v) for k, v in t.items()}

            if args.screenshots:
                images = ROOT / "docs" / "images"
                images.mkdir(parents=True, exist_ok=True)
                page.get_by_role("button", name="Reset").click()
                wait_week(page, 0)
                for w in range(1, 31):
                    page.get_by_role("button", name="Step").click()
                    wait_week(page, w)
                page.wait_for_timeout(1500)
                page.screenshot(path=str(images / "dashboard-explore.png"))
                page.goto(base + "/compare")
                wait_week(page, 0)
                for w in range(1, 31):
                    page.get_by_role("button", name="Step").click()
                    wait_week(page, w)
                page.wait_for_timeout(1500)
                page.screenshot(path=str(images / "dashboard-compare.png"))
                page.goto(base + "/designer")
                page.get_by_role("button", name="Add event").wait_for()
                page.wait_for_timeout(1500)
                page.screenshot(path=str(images / "dashboard-designer.png"))
                page.goto(base + "/")
                wait_week(page, 0)  # a reload is a new session

            # 2,000 people: the slider moves by 100 per key press; Reset applies it.
            slider = page.get_by_role("slider", name="People in the system")
            slider.focus()
            for _ in range(10):
                slider.press("ArrowLeft")
            page.get_by_role("button", name="Reset").click()
            page.wait_for_function("() => document.body.innerText.includes('2,000 people')", polling="raf")
            t = step_times(page, args.steps)
            result["step_2000"] = {k: summary(v) for k, v in t.items()}

            # Many sessions: open them, step each (1 to 3 weeks), measure memory.
            pages = []
            for _ in range(args.sessions):
                c = browser.new_context(viewport={"width": 1200, "height": 900})
                pg = c.new_page()
                pg.goto(base + "/")
                pages.append(pg)
            for pg in pages:
                wait_week(pg, 0, timeout=120_000)
            result["memory_mb"][f"{args.sessions}_sessions_open"] = round(rss_mb(proc.pid))
            t0 = time.perf_counter()
            for r in range(1, 4):
                going = [pg for k, pg in enumerate(pages) if 1 + k % 3 >= r]
                for pg in going:
                    pg.get_by_role("button", name="Step").click()
                for pg in going:
                    wait_week(pg, r, timeout=120_000)
            result[f"{args.sessions}_sessions_stepping_s"] = round(time.perf_counter() - t0, 2)
            result["memory_mb"][f"{args.sessions}_sessions_after_steps"] = round(rss_mb(proc.pid))
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    result["machine"]["load_after"] = os.getloadavg()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

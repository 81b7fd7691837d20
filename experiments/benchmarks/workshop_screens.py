"""Screenshots of workshop mode for docs/workshop.md: the facilitator page (1366 x 768) and a participant's
phone (390 x 844), from ``syslead dashboard`` in headless Chromium.

    PYTHONPATH=. .venv/bin/python experiments/benchmarks/workshop_screens.py [--out docs/images]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

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
]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("docs/images"))
    args = ap.parse_args(argv)
    rooms = tempfile.TemporaryDirectory(prefix="syslead-rooms-")  # the screenshots' rooms are not kept
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulation", "dashboard", "--port", str(port), "--rooms-dir", rooms.name],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        expect.set_options(timeout=30_000)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            fac = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
            fac.goto(base + "/workshop")
            fac.get_by_role("button", name="Start room").click()
            href = fac.locator("a[href*='join']").get_attribute("href")
            phone = browser.new_context(
                viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
            ).new_page()
            phone.goto(href)
            phone.get_by_label("Your first name (optional)").fill("Sam")
            phone.get_by_role("button", name="Join").tap()
            expect(phone.get_by_text("Week 0", exact=True)).to_be_visible()
            phone.get_by_role("button", name="Done").tap()
            expect(fac.get_by_text("1 of 1 ready", exact=True)).to_be_visible()
            args.out.mkdir(parents=True, exist_ok=True)
            fac.screenshot(path=args.out / "workshop-facilitator.png")
            phone.screenshot(path=args.out / "workshop-phone.png", full_page=True)
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


if __name__ == "__main__":
    main()

"""Screenshots of workshop mode for docs/workshop.md: the facilitator page (1366 x 768) and a participant's
phone (390 x 844), then after five month rounds the phone's choices, the projector view and the debrief, from
``syslead dashboard`` in headless Chromium.

    PYTHONPATH=. .venv/bin/python experiments/benchmarks/workshop_screens.py [--out docs/images]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from dashboard_speed import ARGS, CHROMIUM
from playwright.sync_api import expect, sync_playwright


def settle(page) -> None:
    """Wait until no transition runs (Vuetify fades content in) and the server has finished drawing."""
    page.wait_for_function(
        "() => document.getAnimations().every(a => a.playState !== 'running'"
        " || a.effect?.getComputedTiming?.().iterations === Infinity)"
    )
    page.wait_for_timeout(1500)


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
            # Five month rounds with a second participant; then the phone's choices, the projector, the debrief.
            priya = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
            other = priya.new_page()
            other.goto(href)
            other.get_by_label("Your first name (optional)").fill("Priya")
            other.get_by_role("button", name="Join").tap()
            expect(other.get_by_text("Week 0", exact=True)).to_be_visible()
            fac.get_by_role("button", name="a month (4 weeks)").click()
            expect(fac.get_by_text("Next month: weeks 1 to 4", exact=True)).to_be_visible()
            for r in range(1, 6):
                fac.get_by_role("button", name="Next week").click()
                expect(fac.get_by_text(f"Week {4 * r}", exact=True)).to_be_visible()
            shot = phone
            for page in (phone, other):  # the phone whose person knows someone of another sector to visit
                expect(page.get_by_text("Week 20", exact=True)).to_be_visible()
                page.locator(".v-input--checkbox label", has_text="Brew and Biscuits").tap()
                page.wait_for_timeout(1500)
                if page.get_by_text("Whom to visit").count():
                    shot = page
                    break
            shot.screenshot(path=args.out / "workshop-phone-choices.png", full_page=True)
            screen = fac.context.new_page()
            screen.goto(base + fac.get_by_role("link", name="Open the projector view").get_attribute("href"))
            expect(screen.get_by_text("What happened", exact=True)).to_be_visible()
            expect(screen.locator("img[alt^='The trust network in week']")).to_be_visible()  # drawn apart
            settle(screen)
            screen.screenshot(path=args.out / "workshop-projector.png")
            fac.get_by_role("button", name="Debrief: the room against the model").click()
            row = fac.get_by_role("rowheader", name=re.compile("^Ties across sectors"))
            expect(row).to_be_visible(timeout=120_000)
            fac.get_by_text("Download the record (CSV)").scroll_into_view_if_needed()
            settle(fac)
            fac.screenshot(path=args.out / "workshop-debrief.png")
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


if __name__ == "__main__":
    main()

"""Accessibility of every dashboard page (issue 19, 4), in headless Chromium with axe-core.

Each page (Explore, Compare, Programme designer, About) is checked with axe-playwright-python against the
WCAG 2.2 AA tags (wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22aa): no serious or critical violation, on a
laptop screen, on a phone and on a projector with Presenter on, and in the states a workshop reaches (a
menu open, several localities, a designed programme's result). Then the keyboard: a person who cannot use a
mouse tabs to Step, Play, Reset and a slider and works each of them, and sees where the focus is.
One server per test process and one browser per module (``conftest.py``); each test is a new browser context.
"""

from __future__ import annotations

import re

import pytest
from test_browser import expect, week

pytestmark = pytest.mark.browser

axe_api = pytest.importorskip("axe_playwright_python.sync_playwright")

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1920, "height": 1080}
PAGES = {"/": "Explore", "/compare": "Compare", "/designer": "Programme designer", "/about": "About"}


def serious(page) -> list[str]:
    """The serious and critical WCAG 2.2 AA violations axe finds on the page once it has settled, one line each.

    Vuetify fades content in (tabs, cards, the designer's result): axe run in the middle of a fade measures
    the contrast of half-transparent text, which is not what a reader sees. So first wait until no CSS
    transition or animation is running (``document.getAnimations()``; an infinite one, such as a progress
    spinner, does not count)."""
    page.wait_for_function(
        "() => document.getAnimations().every(a => a.playState !== 'running'"
        " || a.effect?.getComputedTiming?.().iterations === Infinity)"
    )
    results = axe_api.Axe().run(
        page, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]}
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def ready(page, path: str):
    """The page has arrived (and, for Explore and Compare, stepped once: the network and plots are drawn)."""
    if path in ("/", "/compare"):
        week(page, 0)
        page.get_by_role("button", name="Step").click()
        week(page, 1)
        expect(page.locator(".syslead-network canvas").first).to_have_attribute(
            "aria-label", re.compile(r"^The network at week 1: ")
        )
    elif path == "/designer":
        expect(page.locator(".syslead-week").first).to_have_text(re.compile(r"^Programme designer: \d+ events$"))
    else:
        expect(page.get_by_role("heading", name="About this model")).to_be_visible()


@pytest.mark.parametrize(
    "viewport, presenter",
    [(LAPTOP, False), (PHONE, False), (PROJECTOR, True)],
    ids=["laptop", "phone", "projector-presenter"],
)
def test_every_page_has_no_serious_axe_violations(server, browser, viewport, presenter):
    base, _ = server
    phone = viewport == PHONE
    ctx = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    page = ctx.new_page()
    found = {}
    for path, name in PAGES.items():
        page.goto(base + path)
        ready(page, path)
        if presenter:
            switch = page.locator(".syslead-presenter-switch input")
            if not switch.is_checked():
                switch.check(force=True)
            expect(page.locator("html")).to_have_css("font-size", "22px")
        found[name] = serious(page)
    assert found == {name: [] for name in PAGES.values()}
    ctx.close()


def test_pages_in_the_states_a_workshop_reaches_have_no_serious_axe_violations(server, browser):
    base, _ = server
    ctx = browser.new_context(viewport=LAPTOP)
    page = ctx.new_page()
    page.goto(base + "/")
    ready(page, "/")
    found = {}
    menu = page.locator(".syslead-settings .v-select").first
    menu.click()  # the scenario menu, open
    expect(page.get_by_role("option", name="city-wide-rollout", exact=True)).to_be_visible()
    found["Explore, scenario menu open"] = serious(page)
    page.get_by_role("option", name="city-wide-rollout", exact=True).click()
    expect(page.locator(".syslead-localities")).to_be_visible()  # several localities: their card and table
    found["Explore, three localities"] = serious(page)
    page.get_by_role("tab", name="Programme designer").click()
    page.get_by_role("button", name="Add event").click()
    weeks = page.get_by_role("slider", name=re.compile(r"^Weeks: "))
    weeks.focus()
    weeks.press("Home")  # one week: the run is quick
    expect(page.get_by_role("slider", name="Weeks: 1")).to_have_count(1)
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_text("Result after 1 weeks")).to_be_visible()
    found["Designer, with a result"] = serious(page)
    assert found == {k: [] for k in found}
    ctx.close()


def test_zoom_is_allowed_and_the_page_has_a_language(server, browser):
    base, _ = server
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.goto(base + "/about")
    ready(page, "/about")
    viewport = page.evaluate("() => document.querySelector('meta[name=viewport]').content")
    assert "maximum-scale" not in viewport and "user-scalable" not in viewport, viewport
    assert page.evaluate("() => document.documentElement.lang") == "en-GB"
    ctx.close()


def tab_to(page, target, limit: int = 60) -> int:
    """Press Tab until ``target`` has the keyboard focus; returns the number of presses (fails after ``limit``)."""
    for n in range(1, limit + 1):
        page.keyboard.press("Tab")
        if target.evaluate("e => e === document.activeElement || e.contains(document.activeElement)"):
            return n
    focused = page.evaluate("() => document.activeElement.outerHTML.slice(0, 200)")
    raise AssertionError(f"{target} not reached by {limit} presses of Tab; the focus is on {focused}")


def focus_ring(page) -> float:
    """The width in pixels of the outline drawn around the focused element (0: no visible focus)."""
    return page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth); }"
    )


def test_step_play_reset_and_a_slider_work_by_keyboard(server, browser):
    base, _ = server
    ctx = browser.new_context(viewport=LAPTOP)
    page = ctx.new_page()
    page.goto(base + "/")
    week(page, 0)
    step = page.get_by_role("button", name="Step")
    tab_to(page, step)
    expect(step).to_be_focused()
    assert focus_ring(page) >= 2  # a focus ring a person can see (WCAG 2.4.7)
    page.keyboard.press("Enter")
    week(page, 1)
    page.keyboard.press("Space")
    week(page, 2)
    play = page.get_by_role("button", name="Play")
    assert tab_to(page, play) == 1  # Play comes straight after Step
    page.keyboard.press("Space")  # Play ...
    pause = page.get_by_role("button", name="Pause")
    expect(pause).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Week ([4-9]|\d\d+)$"))).to_be_visible()  # ... runs by itself
    pause.focus()  # the button's label changed under the focus; it keeps it
    page.keyboard.press("Enter")  # ... and Pause stops it
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    stopped = page.locator(".syslead-controls .syslead-week").inner_text()
    page.wait_for_timeout(1000)
    assert page.locator(".syslead-controls .syslead-week").inner_text() == stopped
    reset = page.get_by_role("button", name="Reset")
    reset.focus()
    page.keyboard.press("Enter")
    week(page, 0)
    openness = page.get_by_role("slider", name=re.compile(r"^Open invitations"))
    assert tab_to(page, openness) < 30  # the settings are reachable from the run controls
    before = float(openness.get_attribute("aria-valuenow"))
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    moved = page.get_by_role("slider", name=re.compile(r"^Open invitations"))
    expect(moved).not_to_have_attribute("aria-valuenow", str(before))
    after = float(moved.get_attribute("aria-valuenow"))
    assert after == pytest.approx(max(before - 0.1, 0.0))
    expect(page.get_by_text("Changed: press Reset to run with these settings.")).to_be_visible()
    # the scenario menu opens and a scenario is chosen by keyboard too
    scenario = page.get_by_role("combobox", name="Scenario")
    scenario.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("listbox")).to_be_visible()
    expect(scenario).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator(".syslead-subtitle").first).not_to_have_text(re.compile(r"^south-manchester · "))
    # and the tabs: Compare by keyboard
    compare = page.get_by_role("tab", name="Compare")
    compare.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"^A: south-manchester and B: top-down"))).to_be_visible()
    ctx.close()

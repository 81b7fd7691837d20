"""The dashboard in a real room (issue 15), in headless Chromium: what a workshop hit, one test each.

Screens as in the issue: 1366 x 768 (a laptop), 1920 x 1080 with Presenter on (a projector), 390 x 844
(a phone, touch). One server per test process and one browser per module (``conftest.py``; ``test_browser.py``
for how they start); each test is a new browser context, i.e. a new person.
"""

from __future__ import annotations

import re

import pytest
from test_browser import expect, week

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
PROJECTOR = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}


class Console:
    """Errors the page logs (console.error and uncaught exceptions)."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))


def open_page(browser, base: str, path: str = "/", viewport=LAPTOP, presenter: bool = False, **kw):
    phone = viewport == PHONE
    ctx = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone, accept_downloads=True, **kw)
    page = ctx.new_page()
    console = Console(page)
    page.goto(base + path)
    if path in ("/", "/compare"):
        week(page, 0)
    else:
        expect(page.locator(".syslead-week, .syslead-about").first).to_be_visible()
    if presenter:
        page.locator(".syslead-presenter-switch input").check(force=True)
        expect(page.locator("html")).to_have_css("font-size", "22px")
    return ctx, page, console


def box(locator) -> dict:
    b = locator.bounding_box()
    assert b is not None, "not rendered"
    return b


def in_viewport(page, locator) -> bool:
    """Fully on screen without scrolling, and not covered by anything else (the click would land on it)."""
    b = box(locator)
    vp = page.viewport_size
    if b["x"] < 0 or b["y"] < 0 or b["x"] + b["width"] > vp["width"] or b["y"] + b["height"] > vp["height"]:
        return False
    return locator.evaluate(
        "(el, p) => { const t = document.elementFromPoint(p[0], p[1]); return !!t && (el === t || el.contains(t)); }",
        [b["x"] + b["width"] / 2, b["y"] + b["height"] / 2],
    )


def subtitle(page) -> str:
    return page.locator(".syslead-subtitle").first.inner_text()


def choose(page, label: str, option: str):
    page.locator(".v-select", has=page.get_by_text(label, exact=True)).first.click()
    page.get_by_role("option", name=option, exact=True).click()


def test_reset_keeps_the_chosen_scenario(server, browser):
    base, _ = server
    ctx, page, console = open_page(browser, base)
    choose(page, "Scenario", "top-down")
    expect(page.locator(".syslead-subtitle").first).to_have_text(re.compile(r"^Top-down on the same budget · "))
    step = page.get_by_role("button", name="Step")
    step.click()
    week(page, 1)
    page.get_by_role("button", name="Reset").click()
    week(page, 0)
    assert subtitle(page).startswith("Top-down on the same budget · ")
    expect(page.locator(".syslead-settings .v-select__selection").first).to_have_text("top-down")
    # with a moved slider too (the seed, by keyboard), then Reset
    seed = page.get_by_role("slider", name=re.compile(r"^Seed \(same seed, same people\): 1$"))
    seed.focus()
    seed.press("ArrowRight")
    expect(page.get_by_text("Changed: press Reset to run with these settings.")).to_be_visible()
    step.click()
    week(page, 1)
    page.get_by_role("button", name="Reset").click()
    week(page, 0)
    expect(page.get_by_role("slider", name="Seed (same seed, same people): 2")).to_have_count(1)
    assert subtitle(page).startswith("Top-down on the same budget · ")
    assert console.errors == []
    ctx.close()


def test_phone_sees_the_page_and_steps_without_a_swipe(server, browser, tmp_path):
    from simulation.dashboard.programme import scenario_calendar, to_toml

    base, _ = server
    ctx, page, console = open_page(browser, base, viewport=PHONE)
    expect(page.locator(".syslead-intro")).to_be_visible()
    for name in ("Step", "Play", "Reset"):
        assert in_viewport(page, page.get_by_role("button", name=name)), name
    for tab in ("Explore", "Compare", "Programme designer", "About"):  # every tab on screen: no sideways scroll
        assert in_viewport(page, page.get_by_role("tab", name=tab)), tab
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="Step").tap()
    week(page, 1)
    page.get_by_role("button", name="Step").tap()
    week(page, 2)
    page.get_by_role("tab", name="About").tap()
    expect(page.get_by_role("heading", name="Things to try")).to_be_visible()
    assert in_viewport(page, page.get_by_role("heading", name="About this model"))
    # a file loaded by a tap on the chooser (there is no drag and drop on a phone)
    page.get_by_role("tab", name="Programme designer").tap()
    expect(page.locator(".syslead-week").first).to_have_text(re.compile(r"^Programme designer: \d+ events$"))
    path = tmp_path / "three.toml"
    path.write_text(to_toml(scenario_calendar("top-down")[:3], "top-down"))
    with page.expect_file_chooser() as fc:
        page.locator(".syslead-file").get_by_text("Load a programme file", exact=True).tap()
    fc.value.set_files(str(path))
    expect(page.get_by_text("Loaded 3 events from three.toml (base: top-down).")).to_be_visible()
    expect(page.locator(".syslead-week").first).to_have_text("Programme designer: 3 events")
    assert console.errors == []
    ctx.close()


@pytest.mark.parametrize("viewport, presenter", [(LAPTOP, False), (PROJECTOR, True)], ids=["1366", "1920-presenter"])
def test_sliders_show_their_values_and_have_usable_tracks(server, browser, viewport, presenter):
    base, _ = server
    ctx, page, console = open_page(browser, base, viewport=viewport, presenter=presenter)
    sliders = page.locator(".syslead-settings .v-input__slider")
    n = sliders.count()
    assert n == 11  # population, seed and the nine levers
    for k in range(n):
        s = sliders.nth(k)
        s.scroll_into_view_if_needed()
        label = s.locator(".v-label").inner_text()
        assert re.search(r": -?[\d,.]+$", label), label  # the value is shown without dragging
        assert box(s.locator(".v-slider"))["width"] >= 150, label  # a track to drag (it was 0 pixels)
    # the value follows the slider
    openness = page.get_by_role("slider", name=re.compile(r"^Open invitations"))
    before = openness.get_attribute("aria-valuenow")
    openness.focus()
    openness.press("ArrowLeft")
    expect(page.get_by_role("slider", name=re.compile(r"^Open invitations"))).not_to_have_attribute(
        "aria-valuenow", before
    )
    value = float(page.get_by_role("slider", name=re.compile(r"^Open invitations")).get_attribute("aria-valuenow"))
    expect(sliders.nth(2).locator(".v-label")).to_have_text(re.compile(rf": {value:g}$"))
    assert console.errors == []
    ctx.close()


def test_no_false_limit_message_after_switching_tabs(server, browser):
    base, _ = server
    ctx, page, console = open_page(browser, base)
    for n in (1, 2, 3):
        page.get_by_role("button", name="Step").click()
        week(page, n)
    page.get_by_role("tab", name="Compare").click()
    week(page, 0)
    page.get_by_role("tab", name="Explore").click()
    week(page, 3)
    assert "limit" not in subtitle(page)
    page.get_by_role("button", name="Step").click()
    week(page, 4)
    assert "limit" not in subtitle(page)
    assert console.errors == []
    ctx.close()


def test_compare_says_who_did_better_in_sentences_with_numbers(server, browser):
    base, _ = server
    ctx, page, console = open_page(browser, base, "/compare")
    for n in (1, 2, 3, 4, 5, 6):
        page.get_by_role("button", name="Step").click()
        week(page, n)
    verdict = page.locator(".syslead-verdict")
    expect(verdict).to_contain_text("Who did better by week 6")
    sentences = verdict.locator(".syslead-sentence").all_inner_texts()
    assert len(sentences) == 6
    pattern = re.compile(
        r"^(Distributed as in South Manchester|Top-down on the same budget) .*"
        r"(times as many|more|higher).*: [\d,.]+%? against "
        r"[\d,.]+%?|^Both"
    )
    assert all(pattern.search(s) for s in sentences), sentences
    share = next(s for s in sentences if "share of working ties crossing sectors" in s)
    assert re.search(r"\d\.\d+% against \d\.\d+%", share) or share.startswith("Both"), share
    table = page.locator(".syslead-summary").last.inner_text()
    assert "Share of working ties that cross sectors" in table and "%" in table
    assert "0.01\t" not in table
    assert console.errors == []
    ctx.close()


def test_first_load_says_what_it_is_and_where_to_start(server, browser):
    base, _ = server
    ctx, page, console = open_page(browser, base)
    intro = page.locator(".syslead-intro")
    expect(intro).to_contain_text("system leadership spreads")
    expect(intro).to_contain_text("Press Step")
    assert in_viewport(page, intro)
    for name in ("Step", "Play"):  # above the fold at 768 pixels
        assert in_viewport(page, page.get_by_role("button", name=name)), name
    for unexplained in ("Use Threads", "Render Interval (steps)", "Information", "Time: 0.0"):
        expect(page.get_by_text(unexplained, exact=True)).to_have_count(0)
    expect(page.get_by_text("This website runs on")).to_have_count(0)
    export = page.get_by_role("button", name="Timeseries (CSV)")
    export.scroll_into_view_if_needed()
    assert in_viewport(page, export)  # nothing (no Solara badge) covers it
    assert page.evaluate("() => document.documentElement.lang") == "en-GB"
    assert "user-scalable=no" not in page.evaluate("() => document.querySelector('meta[name=viewport]').content")
    assert (
        page.locator("button:not([aria-label])").evaluate_all("els => els.filter(e => !e.innerText.trim()).length") == 0
    )  # every button has a name
    assert console.errors == []
    ctx.close()


def test_presenter_mode_fits_the_designer_and_compare(server, browser):
    base, _ = server
    ctx, page, console = open_page(browser, base, "/designer", viewport=PROJECTOR, presenter=True)
    heading = page.locator(".syslead-week").first
    expect(heading).to_have_text(re.compile(r"^Programme designer: \d+ events$"))
    assert in_viewport(page, heading) and box(heading)["x"] >= 0  # not cut ("rogramme designer")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PROJECTOR["width"]
    page.get_by_role("tab", name="Compare").click()
    week(page, 0)
    page.get_by_role("button", name="Step").click()
    week(page, 1)
    chart = page.locator(".solara-echarts").first
    expect(chart).to_be_visible()
    assert box(chart)["y"] < PROJECTOR["height"] - 200  # the plots start above the fold
    # switching Presenter off (or on) keeps the page: a Step pressed straight after it counts (it was lost
    # while the whole page was rebuilt)
    page.locator(".syslead-presenter-switch input").uncheck(force=True)
    page.get_by_role("button", name="Step").click()
    week(page, 2)
    assert console.errors == []
    ctx.close()


def test_the_server_log_stays_quiet(server, browser):
    """Issue 15, 9: about 15 lines of cookie warnings per connection."""
    base, proc = server
    ctx, page, _ = open_page(browser, base)
    page.get_by_role("button", name="Step").click()
    week(page, 1)
    ctx.close()
    log = proc.log_path.read_text()
    assert "syslead dashboard: http://" in log  # the log is the server's
    assert "samesite" not in log.lower() and "Traceback" not in log

"""The Story page (issue 16, point 6) in headless Chromium: accessible, by keyboard, offline.

axe-core (WCAG 2.2 AA tags, as ``test_browser_a11y.py``) on ``/story`` at a laptop, a phone and a projector
with Presenter on, in the first chapter (the network) and the second with a what-if shown beside the case
(the comparison, the key numbers, the chart); the six tabs fit a phone; and a person who cannot use a mouse
chooses a what-if and moves to the next chapter by keyboard alone. One server per test process and one browser
per module (``conftest.py``).
"""

from __future__ import annotations

import re

import pytest
from test_browser import Traffic, expect, week
from test_browser_a11y import LAPTOP, PHONE, PROJECTOR, focus_ring, serious, tab_to

pytestmark = pytest.mark.browser

TABS = ("Explore", "Compare", "Programme designer", "Story", "About", "Workshop")
RUN_TIMEOUT_MS = 120_000  # a chapter's runs on a busy two-core machine


def chapter_shown(page, title: str):
    expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=RUN_TIMEOUT_MS)


@pytest.mark.parametrize(
    "viewport, presenter",
    [(LAPTOP, False), (PHONE, False), (PROJECTOR, True)],
    ids=["laptop", "phone", "projector-presenter"],
)
def test_story_has_no_serious_axe_violations_and_stays_offline(server, browser, viewport, presenter):
    base, _ = server
    phone = viewport == PHONE
    ctx = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    traffic = Traffic(base)
    page = traffic.watch(ctx.new_page())
    page.goto(base + "/story")
    chapter_shown(page, "1. Silos in 2016")
    week(page, 0)
    expect(page.locator(".syslead-network canvas")).to_have_attribute(
        "aria-label", re.compile(r"^The network at week 0: \d+ working ties between organisations$")
    )
    for tab in TABS:  # every tab on screen, on a phone too (no sideways scrolling)
        box = page.get_by_role("tab", name=tab).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (tab, box)
    if presenter:
        switch = page.locator(".syslead-presenter-switch input")
        switch.check(force=True)
        expect(page.locator("html")).to_have_css("font-size", "22px")
    found = {"chapter 1": serious(page)}
    page.get_by_role("radio", name=re.compile(r"^Invitations by role and seniority")).check(force=True)
    page.get_by_role("button", name="See it in the next chapter").click()
    chapter_shown(page, "2. The first workshop")
    week(page, 1)
    sentence = page.get_by_text(re.compile(r"^With invitations by role and seniority, there (were|was) ")).first
    expect(sentence).to_be_visible(timeout=RUN_TIMEOUT_MS)
    chart = page.locator(".solara-echarts[role=img]")
    expect(chart).to_have_attribute(
        "aria-label", re.compile(r"^People reached by the programme, by sector, in week 1\. As it happened: ")
    )
    expect(chart.locator("canvas")).to_have_count(1)
    found["chapter 2 with a what-if"] = serious(page)
    assert found == {k: [] for k in found}
    traffic.check()
    ctx.close()


def test_a_what_if_is_chosen_and_the_next_chapter_opened_by_keyboard(server, browser):
    base, _ = server
    ctx = browser.new_context(viewport=LAPTOP)
    page = ctx.new_page()
    page.goto(base + "/story")
    chapter_shown(page, "1. Silos in 2016")
    chosen = page.get_by_role("radio", name=re.compile(r"^Open to anyone who was interested"))
    tab_to(page, chosen)
    page.keyboard.press("ArrowDown")  # the other option
    expect(page.get_by_role("radio", name=re.compile(r"^Invitations by role and seniority"))).to_be_checked()
    nxt = page.get_by_role("button", name="See it in the next chapter")
    assert tab_to(page, nxt) <= 3
    assert focus_ring(page) >= 2  # a focus ring a person can see (WCAG 2.4.7)
    page.keyboard.press("Enter")
    chapter_shown(page, "2. The first workshop")
    week(page, 1)
    expect(page.get_by_text(re.compile(r"^With invitations by role and seniority, there ")).first).to_be_visible(
        timeout=RUN_TIMEOUT_MS
    )
    # the chapter list by keyboard: the current chapter is marked, and another one opens with Enter
    expect(page.get_by_role("button", name="2. The first workshop")).to_have_attribute("aria-current", "step")
    first = page.get_by_role("button", name="1. Silos in 2016")
    first.focus()
    page.keyboard.press("Enter")
    chapter_shown(page, "1. Silos in 2016")
    week(page, 0)
    expect(page.get_by_role("radio", name=re.compile(r"^Invitations by role and seniority"))).to_be_checked()
    ctx.close()

"""Workshop mode end to end (issue 16): a facilitator and two participants, one on a 390 x 844 phone.

Driven by the contract's labels ("Start room", "N participants", "You are", "Week N", "Done",
"K of N ready", "Next week") and the `/workshop` address, in headless Chromium against
``syslead dashboard``; no request may leave the machine, and axe-core finds no serious or critical
WCAG 2.2 AA violation on either page.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import time

import pytest
from test_browser import Traffic, expect
from test_browser_a11y import serious

pytestmark = pytest.mark.browser
# The test server saves its rooms in a folder of its own (removed at exit), not in the user's cache folder.
if "SYSLEAD_ROOMS_DIR" not in os.environ:
    os.environ["SYSLEAD_ROOMS_DIR"] = tempfile.mkdtemp(prefix="syslead-rooms-")
    atexit.register(shutil.rmtree, os.environ["SYSLEAD_ROOMS_DIR"], True)

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}


def test_a_room_plays_a_week(server, browser):
    base, _ = server
    traffic = Traffic(base)
    host = browser.new_context(viewport=LAPTOP)
    fac = traffic.watch(host.new_page())
    fac.goto(base + "/workshop")
    expect(fac.get_by_role("button", name="Start room")).to_be_visible()
    assert serious(fac) == []  # WCAG 2.2 AA by axe-core, as every other page
    fac.get_by_role("button", name="Start room").click()
    expect(fac.get_by_text("0 participants", exact=True)).to_be_visible()
    link = fac.locator("a[href*='join']")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert re.search(r"/workshop/join\?room=[A-Z2-9]{5}$", href)
    qr = fac.locator(".syslead-qr svg")
    expect(qr).to_be_visible()
    assert fac.locator(".syslead-qr").get_attribute("role") == "img"
    assert fac.locator(".syslead-qr").get_attribute("aria-label").endswith(href)  # the QR code's text alternative
    assert "key=" in fac.url and "key=" not in href  # the facilitator's secret stays in the facilitator's address

    people = []
    for name, viewport in (("Sam", PHONE), ("Priya", LAPTOP)):
        phone = viewport == PHONE
        ctx = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
        page = traffic.watch(ctx.new_page())
        page.goto(href)
        page.get_by_label("Your first name (optional)").fill(name)
        page.get_by_role("button", name="Join").click()
        expect(page.get_by_text(re.compile(r"^You are an? .+ at .+ in .+"))).to_be_visible()
        expect(page.get_by_text("Week 0", exact=True)).to_be_visible()
        assert page.get_by_role("button", name="Next week").count() == 0
        people.append((ctx, page))
    you = [p.get_by_text(re.compile(r"^You are")).inner_text() for _, p in people]
    expect(fac.get_by_text("2 participants", exact=True)).to_be_visible()
    assert serious(fac) == []
    assert serious(people[0][1]) == []  # the phone
    expect(fac.get_by_text("0 of 2 ready", exact=True)).to_be_visible()

    # A participant who opens the facilitator's page with the room code but not its key cannot step the room.
    code = re.search(r"room=([A-Z2-9]{5})", href).group(1)
    snoop = traffic.watch(people[1][0].new_page())
    snoop.goto(f"{base}/workshop?room={code}")
    expect(snoop.get_by_text(re.compile("does not hold room " + code))).to_be_visible()
    assert snoop.get_by_role("button", name="Next week").count() == 0
    snoop.close()

    phone_page = people[0][1]
    done = phone_page.get_by_role("button", name="Done")
    box = done.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # fits the phone's width
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scroll
    done.tap()
    expect(fac.get_by_text("1 of 2 ready", exact=True)).to_be_visible()
    people[1][1].get_by_role("button", name="Done").click()
    expect(fac.get_by_text("2 of 2 ready", exact=True)).to_be_visible()

    fac.get_by_role("button", name="Next week").click()
    started = time.monotonic()
    for _, page in people:
        expect(page.get_by_text("Week 1", exact=True)).to_be_visible(timeout=5_000)
    waited = time.monotonic() - started
    print(f"participants saw week 1 {waited:.2f} s after Next week")
    assert waited < 4.0, f"participants saw week 1 after {waited:.1f} s"  # (the goal is 2 s; CI is shared)
    expect(fac.get_by_text("0 of 2 ready", exact=True)).to_be_visible()
    # The phone comes back to its person after a reload (its address holds its token).
    phone_page.reload()
    expect(phone_page.get_by_text("Week 1", exact=True)).to_be_visible()
    assert phone_page.get_by_text(re.compile(r"^You are")).inner_text() == you[0]

    # The projector view (the facilitator's key in its address): the week, the people named, the feed.
    link = fac.get_by_role("link", name="Open the projector view")
    screen_href = link.get_attribute("href")
    assert "key=" in screen_href
    screen = traffic.watch(host.new_page())
    screen.goto(base + screen_href)
    expect(screen.get_by_text(re.compile(r"^Week 1 · room " + code))).to_be_visible()
    expect(screen.get_by_text("What happened", exact=True)).to_be_visible()
    alt = screen.locator("img[alt*='trust network']").get_attribute("alt")
    assert "Sam" in alt and "Priya" in alt
    assert alt.startswith("The trust network in week 1,")  # drawn apart from the page, for the week it shows
    assert serious(screen) == []
    nosy = traffic.watch(people[1][0].new_page())  # a participant with the room code but not the key
    nosy.goto(f"{base}/workshop/screen?room={code}")
    expect(nosy.get_by_text(re.compile("does not hold room " + code))).to_be_visible()
    assert nosy.locator("img[alt*='trust network']").count() == 0
    nosy.close()
    screen.close()

    # A month round: the button still says "Next week"; the text beside it names the month's weeks.
    fac.get_by_role("button", name="a month (4 weeks)").click()
    expect(fac.get_by_text("Next month: weeks 2 to 5", exact=True)).to_be_visible()
    expect(people[0][1].get_by_text("What do you do in weeks 2 to 5?", exact=True)).to_be_visible()
    fac.get_by_role("button", name="Next week").click()
    for _, page in people:
        expect(page.get_by_text("Week 5", exact=True)).to_be_visible()

    # The debrief and the record.
    fac.get_by_role("button", name="Debrief: the room against the model").click()
    expect(fac.get_by_role("rowheader", name=re.compile("^Ties across sectors"))).to_be_visible(timeout=60_000)
    expect(fac.get_by_text("Download the record (CSV)")).to_be_visible()
    expect(fac.get_by_text("Download the room to replay (TOML)")).to_be_visible()
    assert serious(fac) == []
    traffic.check()
    for ctx, _ in people:
        ctx.close()
    host.close()


def test_six_phones_play_two_rounds(server, browser):
    """Issue 16, 7: one facilitator and six participants on phones play two rounds; each is a different person
    and no participant page shows "Next week"."""
    base, _ = server
    host = browser.new_context(viewport=LAPTOP)
    fac = host.new_page()
    fac.goto(base + "/workshop")
    fac.get_by_role("button", name="Start room").click()
    href = fac.locator("a[href*='join']").get_attribute("href")
    phones = []
    for k in range(6):
        ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        page = ctx.new_page()
        page.goto(href)
        page.get_by_label("Your first name (optional)").fill(f"P{k}")
        page.get_by_role("button", name="Join").tap()
        expect(page.get_by_text("Week 0", exact=True)).to_be_visible()
        phones.append((ctx, page))
    expect(fac.get_by_text("6 participants", exact=True)).to_be_visible()
    you = [p.get_by_text(re.compile(r"^You are")).inner_text() for _, p in phones]
    assert len(set(you)) == 6, you  # six people of six sectors: six different descriptions
    for rnd in (1, 2):
        for k, (_, page) in enumerate(phones):
            box = page.get_by_role("checkbox")
            if k % 2 and box.count():  # half of them go to the event on offer (or take the first choice shown)
                page.locator(".v-input--checkbox label").first.tap()  # a tap on the label, as on a phone
                expect(box.first).to_be_checked()
            page.get_by_role("button", name="Done").tap()
            expect(page.locator(".syslead-done")).to_be_visible()  # each phone confirms its own choice
            if k == 0:  # and only its own: the next phone has not chosen yet
                expect(phones[1][1].locator(".syslead-done")).to_have_count(0)
        expect(fac.get_by_text("6 of 6 ready", exact=True)).to_be_visible()
        fac.get_by_role("button", name="Next week").click()
        for _, page in phones:
            expect(page.get_by_text(f"Week {rnd}", exact=True)).to_be_visible()
            assert page.get_by_role("button", name="Next week").count() == 0
        expect(fac.get_by_text("0 of 6 ready", exact=True)).to_be_visible()
    for ctx, _ in phones:
        ctx.close()
    host.close()


def test_a_room_starts_from_a_saved_record_on_the_page(server, browser, tmp_path):
    """The facilitator carries on from an earlier session's room: its TOML record, chosen on /workshop, starts a
    new room at the recorded week with the recorded participants named; a bad file is refused in one line."""
    from simulation.dashboard.workshop.record import to_toml
    from simulation.dashboard.workshop.room import DAY_JOB, Room

    room = Room("SAVED", population=300, seed=4)
    tokens = [room.join(name) for name in ("Ann", "Bo")]
    room.choose(tokens[0], DAY_JOB)
    room.set_round(4)
    room.next_week()
    room.set_round(1)
    room.next_week()
    assert room.week == 5
    good, bad = tmp_path / "room.toml", tmp_path / "bad.toml"
    good.write_text(to_toml(room))
    bad.write_text(to_toml(room).replace("round_weeks = 1", "round_weeks = 2"))

    base, _ = server
    ctx = browser.new_context(viewport=LAPTOP)
    page = ctx.new_page()
    page.goto(base + "/workshop")
    chooser = page.locator(".syslead-file").get_by_text("Start from a saved room", exact=True)
    with page.expect_file_chooser() as fc:
        chooser.click()
    fc.value.set_files(str(bad))
    expect(page.get_by_text(re.compile(r"^bad\.toml: round_weeks = 2 is not allowed"))).to_be_visible()
    with page.expect_file_chooser() as fc:
        chooser.click()
    fc.value.set_files(str(good))
    expect(page.get_by_text("Week 5", exact=True)).to_be_visible()
    expect(page.get_by_text("2 participants", exact=True)).to_be_visible()
    expect(page.get_by_text("In the room: Ann, Bo", exact=True)).to_be_visible()
    assert "key=" in page.url and "room=SAVED" not in page.url  # a room of its own: new code, new key
    page.get_by_role("button", name="Next week").click()
    expect(page.get_by_text("Week 6", exact=True)).to_be_visible()
    ctx.close()

"""The guided story (issue 16, point 6): chapters, what-ifs, paired runs and their words, without a browser.

The logic (:mod:`simulation.dashboard.story.chapters`) is tested in pure Python; the page
(:mod:`simulation.dashboard.story.page`) is rendered with ``solara.render`` as in ``test_dashboard.py``.
The runs are small (300 people, the story's least) and stop early in the calendar where a test allows.
"""

from __future__ import annotations

import dataclasses
import time

import ipyvuetify as v
import pytest
import solara
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.config import ConfigError, spec_for
from simulation.dashboard import session as sessions
from simulation.dashboard.inputs import build_params
from simulation.dashboard.story import chapters, page
from simulation.dashboard.story.chapters import (
    AS_IT_HAPPENED,
    MEASURES,
    SNAKE,
    Place,
    Story,
    calendar_weeks,
    compare_sentence,
    make_chapters,
)
from simulation.dashboard.widgets import Chart

SMALL = 300


@pytest.fixture(scope="module")
def story() -> Story:
    """One small story, shared by the tests that only read it (its runs are cached as they go)."""
    return Story(people=SMALL, seed=4)


def option(story: Story, chapter: str, key: str):
    return next(c for c in story.chapters if c.key == chapter).what_if.option(key)


# --------------------------------------------------------------------------
# Chapters: the case's calendar
# --------------------------------------------------------------------------


def test_chapter_weeks_follow_the_scenarios_calendar(story):
    weeks = [c.week for c in story.chapters]
    p = story.base
    assert [c.key for c in story.chapters] == [
        "silos",
        "first-workshop",
        "party",
        "brew-and-biscuits",
        "projects",
        "funding-ends",
    ]
    assert weeks == sorted(set(weeks)) and weeks[0] == 0  # strictly increasing from the start
    assert weeks[-1] <= p.run.weeks  # within the scenario's calendar
    party = next(e.week for e in p.programme.events if e.type == "party")
    first = min(e.week for e in p.programme.events if e.type == "workshop")
    assert weeks[1] == first == 1
    assert weeks[1] < party <= weeks[2] < p.matching.start_week <= weeks[3] < weeks[4] == p.programme.end_week == 104
    assert weeks == [0, 1, 13, 52, 104, 156]
    assert [c.what_if is not None for c in story.chapters] == [True] * 5 + [False]  # one each; none in the last


@given(
    matching=st.integers(8, 40),
    end=st.integers(60, 200),
    extra=st.integers(0, 80),
)
@settings(max_examples=25, deadline=None)
def test_chapter_weeks_move_with_the_calendar(matching, end, extra):
    """The weeks are read from the parameters (not written in): move the calendar and the chapters follow."""
    p = build_params(
        "south-manchester",
        {"matching.start_week": matching, "programme.end_week": end, "run.weeks": end + extra},
    )
    if extra == 0:  # no week after the funding for the last chapter
        with pytest.raises(ConfigError, match=r"^the story needs its calendar in order: .* run\.weeks after it"):
            make_chapters(p)
        return
    weeks = [c.week for c in make_chapters(p)]
    assert weeks == sorted(set(weeks)) and weeks[-1] <= p.run.weeks
    assert weeks[2] == matching - 1 and weeks[4] == end and weeks[5] == min(end + 52, end + extra)
    assert calendar_weeks(p)["party"] == 5


# --------------------------------------------------------------------------
# What-ifs change real model parameters
# --------------------------------------------------------------------------


def test_every_what_if_changes_real_parameters_of_the_model(story):
    chapters.check_option_settings(story)
    changes = chapters.what_if_changes(story)
    assert len(changes) == 13  # 5 what-ifs: 5 "as it happened" and 8 changes
    for (chapter, key), values in changes.items():
        if key == AS_IT_HAPPENED:
            assert values == {}
            continue
        assert values, (chapter, key)
        model = story.model(option(story, chapter, key))
        for path, value in values.items():
            spec_for(path)  # a parameter of `syslead params`
            assert model.params.get(path) != story.base.get(path), path  # the run really differs there
            if path != "programme.events":
                assert model.params.get(path) == value
    no_party = story.model(option(story, "first-workshop", "no-party")).params.programme.events
    assert [e for e in story.base.programme.events if e.type != "party"] == list(no_party)
    assert len(no_party) == len(story.base.programme.events) - 1


def test_a_bad_choice_or_chapter_is_a_one_line_error(story):
    with pytest.raises(
        ConfigError, match=r"^what-if 'bogus' is not allowed: allowed as-it-happened, no-party, boardroom$"
    ):
        story.run_to("party", {"first-workshop": "bogus"})
    with pytest.raises(ConfigError, match=r"^what-if of chapter 'funding-ends' is not allowed: allowed silos, "):
        story.run_to(1, {"funding-ends": "as-it-happened"})
    with pytest.raises(ConfigError, match=r"^chapter 6 is not allowed: allowed 0 to 5 or silos, first-workshop, "):
        story.run_to(6)
    with pytest.raises(ConfigError, match=r"^chapter True is not allowed"):
        story.run_to(True)
    with pytest.raises(ConfigError, match=r"^population\.size = 100 is out of range: allowed 300 to 3000"):
        Story(people=100)
    with pytest.raises(ConfigError, match=r"^seed = 101 is out of range: allowed 0 to 100$"):
        Story(seed=101)


# --------------------------------------------------------------------------
# Paired runs: the what-if against the case on the same seed
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_without_the_party_fewer_people_are_reached_by_the_partys_week(seed):
    s = Story(people=SMALL, seed=seed)
    party = s.weeks["party"]
    case = s.case_to(party)
    alt = s.alternative(option(s, "first-workshop", "no-party"), party)
    # paired: the same people and the same chance draws, week for week, until the party ...
    assert case.frame.iloc[:party].equals(alt.frame.iloc[:party])
    # ... where the party reaches people the run without it does not
    assert [e["type"] for e in case.events if e["week"] == party and e["funded"]].count("party") == 1
    assert not [e for e in alt.events if e["type"] == "party"]
    party_goers = case.held("party", party)[0]["attendees"]
    assert alt.at("people_reached", party) < case.at("people_reached", party)
    assert case.at("people_reached", party) - alt.at("people_reached", party) <= party_goers


def test_the_boardroom_party_is_formal_and_less_safe(story):
    party = story.weeks["party"]
    case = story.case_to(party).held("party", party)[0]
    board = story.alternative(option(story, "first-workshop", "boardroom"), party).held("party", party)[0]
    assert board["formality"] == 1.0 and case["formality"] < 0.2
    assert board["safety"] < case["safety"]


@pytest.mark.parametrize("seed", [1, 3])
def test_no_brew_and_biscuits_and_no_champions_change_what_their_mechanisms_do(seed):
    s = Story(people=SMALL, seed=seed)
    brew = s.run_to("brew-and-biscuits", {"party": "no-brew"})
    assert brew.alternative["registered"] == 0 < brew.case["registered"]  # nobody signs up to a scheme not run
    end = s.run_to("funding-ends", {"projects": "no-champions"})
    champions_gatherings = [e for e in end.alt_run.events if e["type"] == "gathering" and not e["funded"]]
    assert champions_gatherings == []  # no champion convenes, in the whole run
    after = [e for e in end.case_run.events if e["type"] == "gathering" and e["week"] > end.since]
    assert len(after) == end.case["gatherings_after"] > end.alternative["gatherings_after"]


def test_a_chapters_numbers_and_sentences_come_from_its_runs(story):
    r = story.run_to("party", {"first-workshop": "no-party", "silos": "invitations"})
    assert r.week == 13 and r.what_if.key == "no-party" and r.since == 1
    for key, column in (("reached", "people_reached"), ("cross_ties", "cross_sector_ties"), ("practising", "adopters")):
        assert r.case[key] == r.case_run.at(column, 13)
        assert r.alternative[key] == r.alt_run.at(column, 13)
    assert r.alternative["party"] == 0 and r.case["party"] == r.case_run.held("party", 13)[0]["attendees"]
    assert len(r.comparison) == len(r.chapter.compare) == 3
    fewer = r.case["reached"] - r.alternative["reached"]
    assert fewer > 0
    assert r.comparison[0] == (
        f"Without the party, there were {fewer:,.0f} fewer people reached by the programme by week 13 "
        f"({r.alternative['reached']:,.0f} against {r.case['reached']:,.0f} as it happened)."
    )
    assert f"{r.case['reached']:,.0f} people had taken part" in r.narration[1]
    # only the previous chapter's what-if shows here (invitations are chapter 2's)
    assert story.run_to("first-workshop", {"first-workshop": "no-party"}).what_if is None


def test_the_same_seed_gives_the_same_story_and_another_seed_another():
    choices = {"silos": "invitations", "first-workshop": "boardroom"}

    def numbers(seed: int):
        s = Story(people=SMALL, seed=seed)
        return [(r.case, r.alternative, r.narration, r.comparison) for r in (s.run_to(i, choices) for i in range(3))]

    a = numbers(5)
    assert a == numbers(5)
    assert a != numbers(6)


def test_going_back_reads_the_case_as_it_was_then(story):
    later = story.run_to("party")
    earlier = story.run_to("first-workshop")
    assert later.case_run.week == 13 and earlier.case_run.week == 1
    fresh = Story(people=SMALL, seed=4).run_to("first-workshop")
    assert earlier.case == fresh.case and earlier.narration == fresh.narration
    assert story.cached("first-workshop") and story.cached("party")
    assert not story.cached("brew-and-biscuits")


def test_comparison_sentences_say_more_fewer_or_the_same():
    s = compare_sentence
    assert s("reached", "Without the party", 114, 81, 13, 1) == (
        "Without the party, there were 33 fewer people reached by the programme by week 13 "
        "(81 against 114 as it happened)."
    )
    assert s("party", "With the party held in the hospital boardroom", 28, 29, 13, 1) == (
        "With the party held in the hospital boardroom, there was 1 more person at the party "
        "(29 against 28 as it happened)."
    )
    assert s("practising", "Without Brew and Biscuits", 59, 59, 52, 13) == (
        "Without Brew and Biscuits, there were as many people practising system leadership in week 52 as in "
        "the case as it happened: 59."
    )
    assert s("active_after", "If champions had never convened gatherings", 60.2, 58.5, 156, 104) == (
        "If champions had never convened gatherings, there were 1.7 fewer people taking part each week on "
        "average in the year after the funding ended (58.5 against 60.2 as it happened)."
    )
    assert s("cross_share", "X", 0.044, 0.05, 52, 13) == (
        "X, the share of working ties that cross sectors in week 52 was higher: 5.0% against 4.4% as it happened."
    )


def test_the_words_for_people_have_no_snake_case_names_and_no_blanks(story):
    texts = chapters.story_texts(story)
    results = [story.run_to(i, {c.key: c.what_if.options[1].key for c in story.chapters[:5]}) for i in range(6)]
    for r in results:
        texts += [*r.narration, *r.comparison, *(label for label, _, _ in r.table())]
    assert texts and all(t.strip() for t in texts)
    assert [t for t in texts if SNAKE.search(t)] == []
    assert [t for t in texts if "{" in t or "}" in t] == []  # every field filled in
    assert all(m.label and "_" not in m.label for m in MEASURES.values())


# --------------------------------------------------------------------------
# The page (solara.render)
# --------------------------------------------------------------------------


def render(session: sessions.SessionState):
    @solara.component
    def Harness():
        sessions.SESSION.provide(session)
        with solara.AppLayout():
            page.StoryPage()

    return solara.render(Harness(), handle_error=False)


def texts(rc, cls: str) -> list[str]:
    return [str(w.children[0]) for w in rc.find(v.Html, class_=cls).widgets]


def html(rc) -> str:
    """The text of the page's HTML elements (title, narration, tables)."""
    return " ".join(str(w.unsafe_innerHTML) for w in rc.find(solara.widgets.HTML).widgets)


def wait_html(rc, text: str, timeout: float = 120.0) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in html(rc):
            return html(rc)
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not on the page after {timeout} s")


def wait(rc, cls: str, timeout: float = 120.0) -> list[str]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = texts(rc, cls)
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"nothing with class {cls} after {timeout} s")


def test_the_page_walks_the_chapters_and_shows_the_what_if_in_the_next():
    session = sessions.SessionState()
    session.story.value = Place.start(people=SMALL, seed=2)
    _box, rc = render(session)
    assert texts(rc, "syslead-week") == ["Week 0"]
    shown = wait_html(rc, "<td>People in the system</td>")
    assert "1. Silos in 2016" in shown and "“tap into the range of resources in the community”" in shown
    radio = rc.find(v.RadioGroup).widget
    assert radio.label == "What if the first workshop had gone out by invitation to roles and seniority?"
    radio.v_model = "invitations"
    assert session.story.value.what_ifs == (("silos", "invitations"),)
    rc.find(v.Btn, children=["See it in the next chapter"]).widget.click()
    assert texts(rc, "syslead-week") == ["Week 1"] and session.story.value.chapter == 1
    sentences = wait(rc, "syslead-sentence")
    result = session.story.value.story.run_to(1, dict(session.story.value.what_ifs))
    assert sentences == list(result.comparison) and len(sentences) == 3
    assert sentences[0].startswith("With invitations by role and seniority, there ")
    chart = rc.find(Chart).widget
    assert chart.attributes["role"] == "img" and chart.attributes["aria-label"].startswith(
        "People reached by the programme, by sector, in week 1. As it happened: Acute hospital "
    )
    bars = {s["name"]: s["data"] for s in chart.option["series"]}
    case = chapters.sector_counts(result.case_run, 1)
    assert bars["As it happened"] == list(case.values()) and sum(case.values()) == result.case["reached"]
    # the chapter buttons: the current one is marked for a screen reader; Previous goes back
    current = [b for b in rc.find(v.Btn).widgets if (b.attributes or {}).get("aria-current") == "step"]
    assert [b.children for b in current] == [["2. The first workshop"]]
    rc.find(v.Btn, children=["3. The party in a community space"]).widget.click()  # no what-if chosen before it
    wait_html(rc, "<td>People at the party</td>")
    assert texts(rc, "syslead-hint")[0] == page.NO_WHAT_IF and texts(rc, "syslead-sentence") == []
    rc.find(v.Btn, children=["Previous chapter"]).widget.click()
    rc.find(v.Btn, children=["Previous chapter"]).widget.click()
    assert texts(rc, "syslead-week") == ["Week 0"]
    assert rc.find(v.Btn, children=["Previous chapter"]).widget.disabled
    rc.close()


def test_the_settings_run_the_story_again_with_bounded_values():
    session = sessions.SessionState()
    session.story.value = dataclasses.replace(Place.start(people=SMALL, seed=2), chapter=1)
    _box, rc = render(session)
    wait_html(rc, "<td>People at the first workshop</td>")
    sliders = {str(w.label).split(": ")[0]: w for w in rc.find(v.Slider).widgets}
    assert (sliders["People in the story's system"].min, sliders["People in the story's system"].max) == (300, 3000)
    assert (sliders["Seed (same seed, same people)"].min, sliders["Seed (same seed, same people)"].max) == (0, 100)
    sliders["Seed (same seed, same people)"].v_model = 7
    # clicked at once: Run again reads the settings when pressed, not as they were at the last render (the
    # chapter's run may be re-rendering the page from its thread at this moment)
    rc.find(v.Btn, children=["Run again"]).widget.click()
    place = session.story.value
    assert place.story.seed == 7 and place.story.people == SMALL and place.chapter == 1
    rc.close()


def test_a_place_in_the_story_is_bounded_and_keeps_its_choices(story):
    place = Place(story).choose("silos", "invitations").at(2).choose("party", "no-brew")
    assert place.chapter == 2 and place.what_ifs == (("party", "no-brew"), ("silos", "invitations"))
    assert place.chosen("silos") == "invitations" and place.chosen("projects") == AS_IT_HAPPENED
    assert place.at(5).what_ifs == place.what_ifs and place.at(5).story is story
    with pytest.raises(ConfigError, match=r"^chapter -1 is not allowed"):
        place.at(-1)
    with pytest.raises(ConfigError, match=r"^chapter 6 is not allowed"):
        place.at(6)
    with pytest.raises(ConfigError, match=r"^what-if 'boardroom' is not allowed: allowed as-it-happened, no-brew$"):
        place.choose("party", "boardroom")

"""The guided story of the South Manchester case, with no Solara: chapters as data, paired runs, plain words.

A workshop audience walks through the case in six chapters (silos in 2016; the first workshop; the party in
a community space; Brew and Biscuits; projects take root; funding ends: who keeps going?). Each chapter runs
the model (the ``south-manchester`` scenario, at a small population so it is quick) to a week of the
scenario's own calendar, tells the case in plain words with quotations from the case study, and gives a few
key numbers computed from the run. Every chapter but the last offers one "what if" (skip the party, hold it
in the hospital boardroom, no Brew and Biscuits, ...): a change of real model parameters (dotted names of
``syslead params``), never a hard-coded effect. The *next* chapter runs the case as it happened and the
what-if on the same seed (the same people and starting network, and the same chance draws wherever the
change does not alter them) and says what differed, in words and numbers:

    >>> story = Story(people=1000, seed=1)
    >>> result = story.run_to("party", {"first-workshop": "no-party"})  # doctest: +SKIP
    >>> result.comparison[0]  # doctest: +SKIP
    'Without the party, there were 33 fewer people reached by the programme by week 13 (81 against 114 as it happened).'

:class:`Story` holds one session's runs: the case as it happened (one model, stepped forward as the
chapters go on; earlier chapters read its weekly record) and the what-ifs (each run from week 0 to the week
of the chapter that shows it, kept as a record, the model dropped).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ...config import ConfigError, Params, spec_for, to_dict
from ...sectors import SECTOR_LABELS, SECTORS
from ..inputs import DashboardModel, Lever, build_params, check_seed
from ..wording import percent

STORY_SCENARIO = "south-manchester"
"""The scenario the story runs: the distributed programme as delivered in South Manchester."""
DEFAULT_PEOPLE = 1000
"""The story's default population: a chapter's runs take a second or two, even on a busy laptop."""
DEFAULT_SEED = 1
PEOPLE = Lever("population.size", "People in the story's system", 100, lo=300, hi=3000)
"""The story's population slider: 300 to 3,000 people (the calibrated case has 3,000)."""
AS_IT_HAPPENED = "as-it-happened"
"""The key of every what-if's first option: the case as it happened (no change)."""
YEAR = 52


# --------------------------------------------------------------------------
# What-ifs: options that change model parameters
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One answer to a chapter's what-if.

    ``settings``: dotted parameter names of ``syslead params`` and their values; ``drop_events``: event types
    taken out of the scenario's ``programme.events`` calendar. Both are handed to :class:`DashboardModel`,
    i.e. checked by :func:`simulation.config.make_params` like any other input.
    """

    key: str
    label: str
    phrase: str = ""
    """Starts a comparison sentence: ``"Without the party"``."""
    settings: tuple[tuple[str, Any], ...] = ()
    drop_events: tuple[str, ...] = ()

    def changes(self, base: Params) -> dict[str, Any]:
        """The parameter values this option sets, by dotted name (empty for the case as it happened)."""
        out: dict[str, Any] = dict(self.settings)
        if self.drop_events:
            out["programme.events"] = [to_dict(e) for e in base.programme.events if e.type not in self.drop_events]
        return out


@dataclass(frozen=True)
class WhatIf:
    """A chapter's one what-if: a question and its options, the first being the case as it happened."""

    question: str
    options: tuple[Option, ...]

    def option(self, key: str) -> Option:
        for o in self.options:
            if o.key == key:
                return o
        raise ConfigError(f"what-if {key!r} is not allowed: allowed {', '.join(o.key for o in self.options)}")


# --------------------------------------------------------------------------
# What a run holds, and the numbers read from it
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRecord:
    """A run's weekly record up to some week: its timeseries (one row per week from week 0) and events held."""

    params: Params
    frame: pd.DataFrame
    events: tuple[dict, ...]

    @property
    def week(self) -> int:
        return len(self.frame) - 1

    def at(self, column: str, week: int) -> float:
        return float(self.frame[column].iloc[week])

    def held(self, event_type: str, week: int) -> list[dict]:
        """Programme events of ``event_type`` held up to ``week``, in order."""
        return [e for e in self.events if e["type"] == event_type and e["week"] <= week and e["funded"]]

    def upto(self, week: int) -> RunRecord:
        """The record cut at ``week``."""
        return RunRecord(self.params, self.frame.iloc[: week + 1], tuple(e for e in self.events if e["week"] <= week))


def _first(field_: str, event_type: str) -> Callable[[RunRecord, int, int], float]:
    def value(run: RunRecord, week: int, since: int) -> float:
        held = run.held(event_type, week)
        return float(held[0][field_]) if held else 0.0

    return value


def _total(field_: str, event_type: str) -> Callable[[RunRecord, int, int], float]:
    return lambda run, week, since: float(sum(e[field_] for e in run.held(event_type, week)))


def _column(name: str) -> Callable[[RunRecord, int, int], float]:
    return lambda run, week, since: run.at(name, week)


def _growth(name: str) -> Callable[[RunRecord, int, int], float]:
    return lambda run, week, since: run.at(name, week) - run.at(name, since)


def _mean_after(name: str) -> Callable[[RunRecord, int, int], float]:
    return lambda run, week, since: float(run.frame[name].iloc[since + 1 : week + 1].mean())


@dataclass(frozen=True)
class Measure:
    """A key number of a chapter, in plain words.

    ``value(run, week, since)``: the number in ``run`` at ``week`` (``since``: the previous chapter's week);
    ``noun``: singular and plural; ``when``: what ends a sentence (``"by week {week}"``).
    """

    label: str
    value: Callable[[RunRecord, int, int], float]
    noun: tuple[str, str]
    when: str = ""
    share: bool = False


MEASURES: dict[str, Measure] = {
    "people": Measure(
        "People in the system", lambda run, week, since: float(run.params.population.size), ("person", "people")
    ),
    "working_ties": Measure(
        "Working trust ties", _column("working_ties"), ("working trust tie", "working trust ties"), "in week {week}"
    ),
    "cross_ties": Measure(
        "Working ties across sectors",
        _column("cross_sector_ties"),
        ("working tie across sectors", "working ties across sectors"),
        "in week {week}",
    ),
    "cross_share": Measure(
        "Share of working ties that cross sectors",
        _column("cross_sector_tie_share"),
        ("", ""),
        "in week {week}",
        share=True,
    ),
    "practising": Measure(
        "People practising system leadership",
        _column("adopters"),
        ("person practising system leadership", "people practising system leadership"),
        "in week {week}",
    ),
    "reached": Measure(
        "People reached by the programme",
        _column("people_reached"),
        ("person reached by the programme", "people reached by the programme"),
        "by week {week}",
    ),
    "first_workshop": Measure(
        "People at the first workshop", _first("attendees", "workshop"), ("person", "people"), "at the first workshop"
    ),
    "first_sectors": Measure(
        "Sectors in the room at the first workshop",
        _first("sectors", "workshop"),
        ("sector", "sectors"),
        "in the room at the first workshop",
    ),
    "first_patients": Measure(
        "Patients and citizens at the first workshop",
        _first("patients", "workshop"),
        ("patient or citizen", "patients and citizens"),
        "at the first workshop",
    ),
    "party": Measure("People at the party", _total("attendees", "party"), ("person", "people"), "at the party"),
    "party_cross": Measure(
        "Conversations across sectors at the party",
        _total("cross_sector_contacts", "party"),
        ("conversation across sectors", "conversations across sectors"),
        "at the party",
    ),
    "registered": Measure(
        "People signed up to Brew and Biscuits",
        _column("matching_registered"),
        ("person signed up to Brew and Biscuits", "people signed up to Brew and Biscuits"),
        "in week {week}",
    ),
    "projects_started": Measure(
        "Projects started", _column("projects_started"), ("project started", "projects started"), "by week {week}"
    ),
    "projects_completed": Measure(
        "Projects completed",
        _column("projects_completed"),
        ("project completed", "projects completed"),
        "by week {week}",
    ),
    "champions": Measure("Champions", _column("champions"), ("champion", "champions"), "in week {week}"),
    "gatherings_after": Measure(
        "Gatherings held after the funding ended",
        _growth("gatherings_held"),
        ("gathering", "gatherings"),
        "in the year after the funding ended",
    ),
    "projects_after": Measure(
        "Projects started after the funding ended",
        _growth("projects_started"),
        ("project started", "projects started"),
        "in the year after the funding ended",
    ),
    "active_after": Measure(
        "People taking part in something each week after the funding ended (average)",
        _mean_after("active_people"),
        ("person taking part each week", "people taking part each week"),
        "on average in the year after the funding ended",
    ),
}
"""The story's key numbers (their keys never reach the page: the labels and nouns do)."""


def number(v: float) -> str:
    """A count for people: ``1,234``; an average with one decimal: ``12.3``."""
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def show(key: str, v: float) -> str:
    return percent(v) if MEASURES[key].share else number(v)


def compare_sentence(key: str, phrase: str, case: float, alt: float, week: int, since: int) -> str:
    """The what-if against the case as it happened on one key number, in words with both numbers."""
    m = MEASURES[key]
    when = m.when.format(week=week, since=since)
    tail = f" {when}" if when else ""
    if m.share:
        if round(100 * alt, 1) == round(100 * case, 1):
            return f"{phrase}, the {m.label.lower()}{tail} was the same as it happened: {percent(case)}."
        word = "higher" if alt > case else "lower"
        return (
            f"{phrase}, the {m.label.lower()}{tail} was {word}: {percent(alt)} against {percent(case)} as it happened."
        )
    d = alt - case
    if round(d, 1) == 0:
        return f"{phrase}, there were as many {m.noun[1]}{tail} as in the case as it happened: {number(case)}."
    n = abs(d)
    one = n == 1
    return (
        f"{phrase}, there {'was' if one else 'were'} {number(n)} {'more' if d > 0 else 'fewer'} "
        f"{m.noun[0] if one else m.noun[1]}{tail} ({number(alt)} against {number(case)} as it happened)."
    )


# --------------------------------------------------------------------------
# The chapters
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Chapter:
    """One chapter: its title, the week of the case's calendar it runs to, its words and numbers.

    ``narration``: paragraphs, with ``{key}`` fields filled in from the case's numbers (:data:`MEASURES`
    keys, and ``week``, ``since``, ``case_people`` and the calendar's weeks); ``numbers``: the key numbers
    shown; ``compare``: those compared with the previous chapter's what-if; ``chart``: ``"network"``,
    ``"sectors"`` (people reached by sector) or a metric of the timeseries; ``what_if``: the chapter's one
    what-if, shown by the next chapter (None for the last).
    """

    key: str
    title: str
    week: int
    narration: tuple[str, ...]
    numbers: tuple[str, ...]
    compare: tuple[str, ...]
    chart: str
    chart_title: str
    what_if: WhatIf | None = None


def calendar_weeks(params: Params) -> dict[str, int]:
    """The weeks of the case's calendar the story follows, from the scenario's own parameters."""
    events = params.programme.events
    first_workshop = min(e.week for e in events if e.type == "workshop")
    party = min(e.week for e in events if e.type == "party")
    end = params.programme.end_week
    return {
        "first_workshop": first_workshop,
        "party": party,
        "matching": params.matching.start_week,
        "end": end,
        "after": min(params.run.weeks, end + YEAR),
    }


def make_chapters(params: Params) -> tuple[Chapter, ...]:
    """The six chapters, their weeks read from ``params`` (the scenario's calendar)."""
    w = calendar_weeks(params)
    year = min(YEAR, w["end"] - 1)
    order = (0, w["first_workshop"], w["matching"] - 1, year, w["end"], w["after"])
    if list(order) != sorted(set(order)) or w["party"] > w["matching"] - 1:
        raise ConfigError(
            "the story needs its calendar in order: the first workshop, the party, matching.start_week, "
            f"programme.end_week and run.weeks after it (weeks {', '.join(map(str, order))})"
        )
    return (
        Chapter(
            "silos",
            "Silos in 2016",
            0,
            (
                "In 2016 services in Manchester had been found to be “fragmented, reactive and difficult to "
                "access”. In South Manchester, a review found that system-wide issues were still being "
                "addressed within organisational silos, with a failure to “tap into the range of resources "
                "in the community”.",
                "The model starts there, before the programme: {people} people in hospitals, GP surgeries, "
                "community health, social care, the voluntary sector, housing, other public services, and "
                "patients and citizens. Of their {working_ties} working trust ties, only {cross_ties} cross "
                "from one sector to another ({cross_share}). {practising} people already practise system "
                "leadership.",
                "The programme set out to help people “rethink what it means to be a leader”: “Leaders are "
                "everywhere and anyone can be a leader if they’re capable of working with others to create "
                "change”.",
            ),
            ("people", "working_ties", "cross_ties", "cross_share", "practising"),
            (),
            "network",
            "The network before the programme",
            WhatIf(
                "What if the first workshop had gone out by invitation to roles and seniority?",
                (
                    Option(AS_IT_HAPPENED, "Open to anyone who was interested (as it happened)"),
                    Option(
                        "invitations",
                        "Invitations by role and seniority, as a top-down programme sends them (for every event)",
                        "With invitations by role and seniority",
                        (("strategy.openness", 0.1),),
                    ),
                ),
            ),
        ),
        Chapter(
            "first-workshop",
            "The first workshop",
            w["first_workshop"],
            (
                "The programme leads began with a workshop on ‘using system leadership to create change’, "
                "purposefully opened up to “anyone who was interested”, including more “unusual partners” "
                "within the community. The case records: “Over 90 people attended on the day”.",
                "In the model {first_workshop} people came to the first workshop in week {week}, from "
                "{first_sectors} of the 8 sectors; {first_patients} of them were patients or citizens. (The "
                "model's system here has {people} people; the calibrated case has {case_people}, so expect "
                "fewer people than the case's in every room.)",
                "“Everyone had a contribution to make”, said a lead; and the participants said “they wanted "
                "spaces where they could come together to have a conversation without anyone telling them "
                "what to talk about”.",
            ),
            ("first_workshop", "first_sectors", "first_patients", "reached"),
            ("first_workshop", "first_sectors", "first_patients"),
            "sectors",
            "People reached by the programme, by sector, in week {week}",
            WhatIf(
                "What if the next event had been different?",
                (
                    Option(AS_IT_HAPPENED, "A party in a community space (as it happened)"),
                    Option("no-party", "No party", "Without the party", drop_events=("party",)),
                    Option(
                        "boardroom",
                        "The same event in the hospital boardroom (a formal venue)",
                        "With the party held in the hospital boardroom",
                        (("event_types.party.formality", 1.0),),
                    ),
                ),
            ),
        ),
        Chapter(
            "party",
            "The party in a community space",
            w["matching"] - 1,
            (
                "The participants agreed to get together more informally, in community spaces, and the next "
                "event was set up as a “party”: “People still tell us that they achieved more in those three "
                "hours in the community space than they had in the last six months of meetings combined. "
                "There was something special about having that space away from work that made people feel "
                "safer about making suggestions and putting themselves forward.”",
                "In the model {party} people came to the party in week {party_week}, with {party_cross} "
                "conversations across sectors at its tables. By week {week}, {reached} people had taken part "
                "in something the programme ran, {cross_ties} working ties crossed sectors, and "
                "{practising} people practised system leadership.",
            ),
            ("party", "party_cross", "reached", "cross_ties", "practising"),
            ("reached", "cross_ties", "practising"),
            "people_reached",
            "People reached by the programme, week by week",
            WhatIf(
                "What if there had been no Brew and Biscuits?",
                (
                    Option(AS_IT_HAPPENED, "Brew and Biscuits opens in week {matching} (as it happened)"),
                    Option(
                        "no-brew",
                        "No Brew and Biscuits",
                        "Without Brew and Biscuits",
                        (("matching.enabled", False),),
                    ),
                ),
            ),
        ),
        Chapter(
            "brew-and-biscuits",
            "Brew and Biscuits",
            year,
            (
                "Among the events that followed the party, the case lists a “cross-sector matching scheme "
                "linking people up for visits and support”: Brew and Biscuits. “Learning more about the "
                "roles, responsibilities and ways of working in the voluntary sector was found to be "
                "particularly valuable”.",
                "In the model the scheme opens in week {matching}. By week {week}, {registered} people had "
                "signed up, {cross_ties} working ties crossed sectors ({cross_share} of all working ties), and "
                "{reached} people had taken part in the programme.",
            ),
            ("registered", "cross_ties", "cross_share", "reached"),
            ("cross_ties", "registered", "reached"),
            "cross_sector_ties",
            "Working ties across sectors, week by week",
            WhatIf(
                "What if project teams had been formed differently?",
                (
                    Option(AS_IT_HAPPENED, "Self-selected teams with no action plans (as it happened)"),
                    Option(
                        "assigned",
                        "Teams assigned by managers",
                        "With teams assigned by managers",
                        (("strategy.self_selection", 0.1),),
                    ),
                    Option(
                        "monitoring",
                        "Action plans and monitoring for every project",
                        "With action plans and monitoring",
                        (("strategy.overhead", 0.8),),
                    ),
                ),
            ),
        ),
        Chapter(
            "projects",
            "Projects take root",
            w["end"],
            (
                "The programme's goal was a “sustainable network of diverse, self-selected teams to deliver a "
                "range of collaborative projects”. The case says “they got on with it and did everything that "
                "they suggested, without a single action plan, spreadsheet, monitoring form or feedback "
                "mechanism”.",
                "In the model, by week {week}, when the funded programme ends, {projects_started} projects had "
                "started and {projects_completed} were completed, and {practising} people practised system "
                "leadership.",
            ),
            ("projects_started", "projects_completed", "practising", "cross_ties"),
            ("projects_started", "projects_completed", "practising"),
            "projects_started",
            "Projects started, week by week",
            WhatIf(
                "What if the movement had less to keep it going after the funding?",
                (
                    Option(
                        AS_IT_HAPPENED,
                        "Champions keep convening gatherings, and volunteers keep Brew and Biscuits going "
                        "(as it happened)",
                    ),
                    Option(
                        "no-champions",
                        "Champions never convene gatherings of their own (from the start)",
                        "If champions had never convened gatherings",
                        (("champions.convene_rate", 0.0),),
                    ),
                    Option(
                        "brew-stops",
                        "Brew and Biscuits stops when the funding ends",
                        "With Brew and Biscuits stopped when the funding ended",
                        (("matching.after_end_factor", 0.0),),
                    ),
                ),
            ),
        ),
        Chapter(
            "funding-ends",
            "Funding ends: who keeps going?",
            w["after"],
            (
                "After the grant: “Informally, the programme leads and a core group of participants continue "
                "to meet up and the #sysleadershipmcr remains active on Twitter.” And “There has been a "
                "growing number of people registering for the ‘Brew and Biscuits’ cross-sector matching "
                "scheme”.",
                "In the model, in the year after the funding ended (weeks {since_next} to {week}), "
                "{gatherings_after} gatherings were held and {projects_after} projects started; on average "
                "{active_after} people a week took part in something. In week {week}, {practising} people "
                "practised system leadership, and {champions} people were champions.",
                "A lesson of the case: “positive relationships and trust are preconditions for system working”.",
            ),
            ("gatherings_after", "projects_after", "active_after", "practising", "champions"),
            ("gatherings_after", "active_after", "practising"),
            "adopters",
            "People practising system leadership, week by week",
        ),
    )


def option_label(option: Option, params: Params) -> str:
    """An option's label with the calendar's weeks filled in."""
    return option.label.format(**calendar_weeks(params))


# --------------------------------------------------------------------------
# A chapter's result
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChapterResult:
    """A chapter run to its week: the case's numbers and, if the previous chapter's what-if was chosen, the
    what-if's on the same seed, with the sentences saying what differed."""

    index: int
    chapter: Chapter
    since: int
    case: dict[str, float]
    case_run: RunRecord
    what_if: Option | None = None
    alternative: dict[str, float] | None = None
    alt_run: RunRecord | None = None
    narration: tuple[str, ...] = ()
    comparison: tuple[str, ...] = ()
    seed: int = 0

    @property
    def week(self) -> int:
        return self.chapter.week

    def table(self) -> list[tuple[str, str, str | None]]:
        """The key numbers: label, the case's value and the what-if's (None without one), as text."""
        return [
            (
                MEASURES[k].label,
                show(k, self.case[k]),
                None if self.alternative is None else show(k, self.alternative[k]),
            )
            for k in self.chapter.numbers
        ]


# --------------------------------------------------------------------------
# The story: one session's runs
# --------------------------------------------------------------------------


class Story:
    """The story's runs for one session: the case as it happened and the what-ifs, all on one seed.

    Args:
        people: the population (300 to 3,000, :data:`PEOPLE`); seed: the runs' seed (0 to 100).
    Raises :class:`ConfigError` (one line naming the field and the allowed range) for a bad value.
    """

    def __init__(self, people: int = DEFAULT_PEOPLE, seed: int = DEFAULT_SEED):
        self.people = int(PEOPLE.check(people))
        self.seed = check_seed(seed)
        self.base = build_params(STORY_SCENARIO, {PEOPLE.path: self.people})
        self.case_people = build_params(STORY_SCENARIO).population.size
        self.chapters = make_chapters(self.base)
        self.weeks = calendar_weeks(self.base)
        self._lock = threading.Lock()
        self._case: DashboardModel | None = None
        self._case_record: RunRecord | None = None
        self._alternatives: dict[tuple[str, int], RunRecord] = {}

    # ---- inputs ---------------------------------------------------------

    def index(self, chapter: int | str) -> int:
        """A chapter's number (0 to 5) from its number or key; a ConfigError naming the allowed ones otherwise."""
        keys = [c.key for c in self.chapters]
        if isinstance(chapter, str) and chapter in keys:
            return keys.index(chapter)
        if isinstance(chapter, int) and not isinstance(chapter, bool) and 0 <= chapter < len(keys):
            return chapter
        raise ConfigError(f"chapter {chapter!r} is not allowed: allowed 0 to {len(keys) - 1} or {', '.join(keys)}")

    def check_what_ifs(self, what_ifs: Mapping[str, str] | None) -> dict[str, str]:
        """``what_ifs`` (chapter key to option key) checked: a ConfigError names an unknown chapter or option."""
        out = dict(what_ifs or {})
        with_what_if = {c.key: c.what_if for c in self.chapters if c.what_if is not None}
        for k, v in out.items():
            if k not in with_what_if:
                raise ConfigError(f"what-if of chapter {k!r} is not allowed: allowed {', '.join(with_what_if)}")
            with_what_if[k].option(v)
        return out

    def choice(self, index: int, what_ifs: Mapping[str, str] | None) -> Option | None:
        """The option chosen in chapter ``index``'s what-if (None: as it happened, or no what-if)."""
        what_ifs = self.check_what_ifs(what_ifs)
        chapter = self.chapters[index]
        if chapter.what_if is None:
            return None
        option = chapter.what_if.option(what_ifs.get(chapter.key, AS_IT_HAPPENED))
        return None if option.key == AS_IT_HAPPENED else option

    # ---- runs -----------------------------------------------------------

    def model(self, option: Option | None = None) -> DashboardModel:
        """A new model of the story at week 0: the case, or the case with ``option``'s changes."""
        changes = option.changes(self.base) if option is not None else {}
        return DashboardModel(STORY_SCENARIO, self.seed, **{PEOPLE.path: self.people, **changes})

    @staticmethod
    def _record(model: DashboardModel) -> RunRecord:
        return RunRecord(model.params, model.timeseries(), tuple(model.event_log))

    def case_to(self, week: int, on_week: Callable[[int], None] | None = None) -> RunRecord:
        """The case as it happened, up to ``week`` (one model, stepped forward only)."""
        if self._case is None:
            self._case = self.model()
        m = self._case
        if self._case_record is None or self._case_record.week < week:
            while m.week < week:
                m.step()
                if on_week is not None:
                    on_week(m.week)
            self._case_record = self._record(m)
        return self._case_record.upto(week)

    def alternative(self, option: Option, week: int, on_week: Callable[[int], None] | None = None) -> RunRecord:
        """The case with ``option``'s changes, from week 0 to ``week`` (its record kept, the model dropped)."""
        key = (option.key, week)
        if key not in self._alternatives:
            m = self.model(option)
            while m.week < week:
                m.step()
                if on_week is not None:
                    on_week(m.week)
            self._alternatives[key] = self._record(m)
        return self._alternatives[key]

    def cached(self, chapter: int | str, what_ifs: Mapping[str, str] | None = None) -> bool:
        """Whether :meth:`run_to` would answer at once (no model to step)."""
        i = self.index(chapter)
        week = self.chapters[i].week
        option = self.choice(i - 1, what_ifs) if i > 0 else None
        case_ready = self._case_record is not None and self._case_record.week >= week
        return case_ready and (option is None or (option.key, week) in self._alternatives)

    def run_to(
        self,
        chapter: int | str,
        what_ifs: Mapping[str, str] | None = None,
        on_progress: Callable[[float], None] | None = None,
    ) -> ChapterResult:
        """Run the story to ``chapter`` (its number or key): the case as it happened, and the what-if chosen in
        the chapter before (``what_ifs``: chapter key to option key) on the same seed.

        ``on_progress(share)``: called as the weeks are stepped (0 to 1). Thread-safe.
        """
        i = self.index(chapter)
        ch = self.chapters[i]
        self.check_what_ifs(what_ifs)
        option = self.choice(i - 1, what_ifs) if i > 0 else None
        with self._lock:
            to_step = max(0, ch.week - (self._case_record.week if self._case_record else 0))
            alt_steps = ch.week if option is not None and (option.key, ch.week) not in self._alternatives else 0
            total = max(1, to_step + alt_steps)
            done = [0]

            def tick(_week: int) -> None:
                done[0] += 1
                if on_progress is not None:
                    on_progress(min(1.0, done[0] / total))

            case = self.case_to(ch.week, tick)
            alt = self.alternative(option, ch.week, tick) if option is not None else None
        since = self.chapters[i - 1].week if i > 0 else 0
        case_numbers = {k: m.value(case, ch.week, since) for k, m in MEASURES.items() if _applies(k, ch)}
        alt_numbers = {k: m.value(alt, ch.week, since) for k, m in MEASURES.items() if _applies(k, ch)} if alt else None
        fields = {k: show(k, v) for k, v in case_numbers.items()}
        fields.update(
            week=str(ch.week),
            since=str(since),
            since_next=str(since + 1),
            case_people=f"{self.case_people:,}",
            party_week=str(self.weeks["party"]),
            matching=str(self.weeks["matching"]),
        )
        narration = tuple(p.format(**fields) for p in ch.narration)
        comparison = (
            tuple(
                compare_sentence(k, option.phrase, case_numbers[k], alt_numbers[k], ch.week, since) for k in ch.compare
            )
            if option is not None and alt_numbers is not None
            else ()
        )
        return ChapterResult(
            i, ch, since, case_numbers, case, option, alt_numbers, alt, narration, comparison, self.seed
        )


def _applies(key: str, chapter: Chapter) -> bool:
    """Whether a measure is wanted in a chapter (its numbers, comparisons or narration)."""
    return key in chapter.numbers or key in chapter.compare or any("{" + key + "}" in p for p in chapter.narration)


def sector_counts(run: RunRecord, week: int) -> dict[str, float]:
    """People reached by the programme in each sector by ``week`` (plain sector names, in the usual order)."""
    return {SECTOR_LABELS[s]: run.at(f"reached_{s}", week) for s in SECTORS}


SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")
"""A snake_case name (what text for people must never contain)."""


def story_texts(story: Story) -> list[str]:
    """The story's fixed text meant for people: titles, questions, labels, phrases (the narration is a template,
    filled in by :meth:`Story.run_to`)."""
    out: list[str] = []
    for ch in story.chapters:
        out += [ch.title, ch.chart_title.format(week=ch.week)]
        out += [MEASURES[k].label for k in ch.numbers]
        if ch.what_if is not None:
            out.append(ch.what_if.question)
            for o in ch.what_if.options:
                out += [option_label(o, story.base)] + ([o.phrase] if o.key != AS_IT_HAPPENED else [])
    return out


def check_option_settings(story: Story) -> None:
    """Every option's settings are parameters of ``syslead params`` (a ConfigError otherwise)."""
    for ch in story.chapters:
        for o in ch.what_if.options if ch.what_if else ():
            for path, _ in o.settings:
                spec_for(path)


def what_if_changes(story: Story) -> dict[tuple[str, str], dict[str, Any]]:
    """Each option's changes by (chapter key, option key): what the paired run changes, by dotted name."""
    return {
        (ch.key, o.key): o.changes(story.base)
        for ch in story.chapters
        if ch.what_if is not None
        for o in ch.what_if.options
    }


@dataclass(frozen=True)
class Place:
    """Where one session is in the story: the story (its runs), the chapter shown and the what-ifs chosen
    (chapter key to option key, as sorted pairs: a value a page can compare)."""

    story: Story
    chapter: int = 0
    what_ifs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def start(cls, people: int = DEFAULT_PEOPLE, seed: int = DEFAULT_SEED) -> Place:
        return cls(Story(people, seed))

    def at(self, chapter: int) -> Place:
        """The same story and choices at another chapter (bounded to the story's chapters)."""
        return Place(self.story, self.story.index(chapter), self.what_ifs)

    def choose(self, chapter_key: str, option_key: str) -> Place:
        """The same place with chapter ``chapter_key``'s what-if set to ``option_key`` (checked)."""
        chosen = self.story.check_what_ifs({**dict(self.what_ifs), chapter_key: option_key})
        return Place(self.story, self.chapter, tuple(sorted(chosen.items())))

    def chosen(self, chapter_key: str) -> str:
        return dict(self.what_ifs).get(chapter_key, AS_IT_HAPPENED)

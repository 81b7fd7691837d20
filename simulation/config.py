"""Parameters of the model: the one place where a default is written.

Parameters are grouped in frozen dataclasses (``Params.trust.decay``), each
leaf declared with :func:`param`: its default, allowed range, unit, meaning
and where it comes from (a sentence of the South Manchester case study, a
reference, or a calibration). Everything that enters the model passes
:func:`make_params`, which refuses unknown keys (suggesting the nearest
valid name), values of the wrong type and values out of range, with a
one-line :class:`ConfigError`. Dotted paths (``trust.decay``) reach every
leaf, for ``--set`` on the command line, sweep grids and the dashboard.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, cast

import tomli_w

from .sectors import SECTORS


class ConfigError(ValueError):
    """A parameter, scenario or experiment value that is not allowed.

    The message is one line naming the field and what is allowed.
    """


# --------------------------------------------------------------------------
# Declaring parameters
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """What is known about one parameter besides its default."""

    doc: str
    lo: float | None = None
    hi: float | None = None
    unit: str = ""
    source: str = ""
    choices: tuple[str, ...] | None = None
    items: str | None = None  # element kind for tuples: "sector", "week", "str"

    def allowed(self) -> str:
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.items == "sector":
            return "a list of sector names (" + ", ".join(SECTORS) + ")"
        if self.items == "week":
            return "a list of week numbers >= 1"
        if self.items == "name":
            return "a list of names (non-empty text, at most 40 characters)"
        if self.items == "phase":
            return "a list of phase names (" + ", ".join(PHASE_NAMES) + ")"
        lo = "-inf" if self.lo is None else _fmt(self.lo)
        hi = "inf" if self.hi is None else _fmt(self.hi)
        return f"{lo} to {hi}"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(x)


def param(
    default: Any,
    doc: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    unit: str = "",
    source: str = "",
    choices: Iterable[str] | None = None,
    items: str | None = None,
) -> Any:
    """Declare a leaf parameter (see :class:`Spec`)."""
    spec = Spec(doc, lo, hi, unit, source, tuple(choices) if choices else None, items)
    return field(default=default, metadata={"spec": spec})


def group(cls: type, doc: str) -> Any:
    """Declare a group of parameters (a nested frozen dataclass)."""
    return field(default_factory=cls, metadata={"group": doc})


def table(factory: Callable[[], tuple[Any, ...]], doc: str) -> Any:
    """Declare a list of records (events of a calendar, project themes)."""
    return field(default_factory=factory, metadata={"table": doc})


@dataclass(frozen=True)
class _PER_SECTOR:
    """One value per sector; reached as ``group.param.sector``."""

    acute: float = 0.0
    primary_care: float = 0.0
    community_health: float = 0.0
    social_care: float = 0.0
    vcs: float = 0.0
    housing: float = 0.0
    other_public: float = 0.0
    patients: float = 0.0

    def as_tuple(self) -> tuple[float, ...]:
        return tuple(getattr(self, s) for s in SECTORS)


PerSector = _PER_SECTOR


def per_sector(
    doc: str,
    values: Mapping[str, float],
    *,
    lo: float | None = 0.0,
    hi: float | None = None,
    unit: str = "",
    source: str = "",
) -> Any:
    """Declare one value per sector, each bounded by ``lo``..``hi``."""
    spec = Spec(doc, lo, hi, unit, source)
    return field(default=PerSector(**values), metadata={"spec": spec, "per_sector": True})


# --------------------------------------------------------------------------
# Records: events of a programme, project themes
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class EventSpec:
    """One event in a programme calendar (a TOML ``[[programme.events]]`` table)."""

    name: str
    type: str
    week: int
    capacity: int
    formality: float | None = None  # None: from the event type and the strategy


@dataclass(frozen=True)
class Theme:
    """A kind of project and the sectors it needs (``[[projects.themes]]``)."""

    name: str
    sectors: tuple[str, ...]
    weight: float = 1.0


EVENT_TYPES = (
    "workshop",
    "party",
    "values_session",
    "change_agent",
    "networking",
    "cinema_club",
    "social_media_training",
    "gathering",
)


def _case_calendar() -> tuple[EventSpec, ...]:
    """The South Manchester programme, 2016-2018, one week per step.

    Week 1 is the opening workshop. The party followed; then "a series of
    events ... delivered to over 200 people in total over the subsequent
    months" (case study, "A system leadership party").
    """
    ev = [
        EventSpec("Using System Leadership to Create Change", "workshop", 1, 110),
        EventSpec("System leadership party", "party", 5, 80),
        EventSpec("Using System Leadership to Create Change (2)", "workshop", 12, 60),
        EventSpec("Values-based leadership (1)", "values_session", 16, 30),
        EventSpec("How to be a Change Agent (NHS Horizons)", "change_agent", 20, 40),
        EventSpec("Using System Leadership to Create Change (3)", "workshop", 26, 60),
        EventSpec("Social media training (#sysleadershipmcr)", "social_media_training", 30, 25),
        EventSpec("Values-based leadership (2)", "values_session", 34, 30),
        EventSpec("Using System Leadership to Create Change (4)", "workshop", 42, 60),
    ]
    ev += [EventSpec(f"Networking gathering (week {w})", "networking", w, 20) for w in range(9, 101, 7)]
    ev += [EventSpec(f"TED Talks Cinema Club (week {w})", "cinema_club", w, 25) for w in range(38, 101, 8)]
    return tuple(sorted(ev, key=lambda e: (e.week, e.name)))


def _case_themes() -> tuple[Theme, ...]:
    """Project themes named in the case study ("What was the impact?")."""
    return (
        Theme("integrated hospital discharge", ("acute", "housing", "social_care", "patients")),
        Theme("transport to health services", ("acute", "other_public", "vcs")),
        Theme("care navigation", ("community_health", "social_care", "vcs")),
        Theme("loneliness and isolation", ("community_health", "other_public", "vcs", "housing")),
        Theme("cold homes and COPD", ("community_health", "vcs")),
        Theme("flu jab uptake", ("primary_care", "community_health")),
        Theme("community information directory", ("vcs", "other_public", "patients")),
        Theme("frailty and older people", ("acute", "vcs", "community_health")),
        Theme("complex-condition care models", ("primary_care", "social_care", "community_health")),
    )


# --------------------------------------------------------------------------
# Parameter groups
# --------------------------------------------------------------------------

CASE = "South Manchester case study"
# Sources for the costs and benefits of the strategy levers (docs/ODD.md, "Levers: what each buys and costs").
LIT_DECISION = (
    "Kotter 1996, Leading Change (a guiding coalition with position power); Damschroder et al. 2009, "
    "CFIR (leadership engagement)"
)
LIT_TIME = "Perlow 1999, The time famine (ASQ); Maslach & Leiter 2016 on work overload; values assumed"
LIT_MONITOR = (
    "Ivers et al. 2012, Cochrane review of audit and feedback; Greenhalgh et al. 2004, Diffusion of "
    "innovations in service organisations (evaluation and feedback)"
)
LIT_SPONSOR = (
    "Buchanan et al. 2005, No going back (sustaining change; sponsors and champions leaving); "
    "Greenhalgh et al. 2004 (dedicated resources)"
)
LIT_HOMOPHILY = "McPherson, Smith-Lovin & Cook 2001, Birds of a feather (homophily); Hackman 2002, Leading Teams"
LIT_MOTIVATION = "Ryan & Deci 2000, self-determination theory (controlled vs autonomous motivation)"
CAL = "calibrated to the case's stylised facts (docs/calibration.md)"


@dataclass(frozen=True)
class PopulationParams:
    size: int = param(
        3000,
        "number of people in the locality's health and care system",
        lo=10,
        hi=10_000_000,
        unit="people",
        source="brief: a locality is a few thousand people of whom a few hundred engage",
    )
    localities: int = param(
        1,
        "number of localities (South, Central, North ...); people split evenly",
        lo=1,
        hi=64,
        unit="localities",
        source="case: roll-out to Central and North Manchester",
    )
    locality_names: tuple[str, ...] = param(
        (),
        "names of the localities in order, for reports and the dashboard "
        "(a locality without one is 'locality k', counting from 1)",
        items="name",
        source="labels only: no effect on the model",
    )
    shares: PerSector = per_sector(
        "share of people in each sector (normalised to sum to 1)",
        dict(
            acute=0.20,
            primary_care=0.12,
            community_health=0.13,
            social_care=0.12,
            vcs=0.15,
            housing=0.07,
            other_public=0.07,
            patients=0.14,
        ),
        lo=0.0,
        hi=1.0,
        unit="share",
        source="assumption: workforce mix of a locality, patients as engaged citizens",
    )
    org_size: PerSector = per_sector(
        "mean size of an organisation in each sector (GP practices are small, hospital trusts large)",
        dict(
            acute=250,
            primary_care=12,
            community_health=40,
            social_care=50,
            vcs=10,
            housing=35,
            other_public=60,
            patients=30,
        ),
        lo=1.0,
        hi=1e6,
        unit="people",
        source="assumption; case: 'organisational silos'",
    )
    manager_share: float = param(
        0.20, "share of people who are managers", lo=0.0, hi=1.0, unit="share", source="assumption"
    )
    senior_share: float = param(
        0.06, "share of people who are senior leaders", lo=0.0, hi=1.0, unit="share", source="assumption"
    )
    interest_mean: float = param(
        0.35, "mean interest in cross-sector work (Beta distributed)", lo=0.01, hi=0.99, unit="probability", source=CAL
    )
    interest_concentration: float = param(
        4.0, "concentration of the interest Beta distribution", lo=0.1, hi=1000, unit="", source="assumption"
    )
    initial_aware: float = param(
        0.15,
        "share initially aware of system leadership",
        lo=0.0,
        hi=1.0,
        unit="share",
        source="case: 'systems leadership approach through my whole career'",
    )
    initial_practising: float = param(
        0.02,
        "share initially practising system leadership",
        lo=0.0,
        hi=1.0,
        unit="share",
        source="case: some already practised it",
    )
    initial_confidence: float = param(
        0.35,
        "mean initial confidence as a leader (Beta distributed)",
        lo=0.01,
        hi=0.99,
        unit="0-1",
        source="assumption",
    )
    confidence_concentration: float = param(
        10.0, "concentration of the initial confidence Beta distribution", lo=0.1, hi=1000, unit="", source="assumption"
    )
    initial_energy_mean: float = param(
        0.8, "mean initial energy (normal, clipped to 0-1)", lo=0.0, hi=1.0, unit="0-1", source="assumption"
    )
    initial_energy_sd: float = param(0.1, "spread of initial energy", lo=0.0, hi=1.0, unit="0-1", source="assumption")
    lead_confidence: float = param(
        0.8,
        "least confidence of a programme lead at the start",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="case: the leads were experienced, trusted leaders",
    )
    initial_knowledge: float = param(
        0.10,
        "initial knowledge of other sectors' roles and ways of working",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="case: VCS 'particularly valuable' discovery",
    )
    online_share: float = param(
        0.10, "share initially on the #sysleadershipmcr network", lo=0.0, hi=1.0, unit="share", source="assumption"
    )
    threshold_mean: float = param(
        0.35,
        "mean mindset adoption threshold (trust-weighted share of neighbours)",
        lo=0.0,
        hi=1.0,
        unit="share",
        source="Watts 2002; " + CAL,
    )
    threshold_sd: float = param(
        0.10, "spread of adoption thresholds", lo=0.0, hi=1.0, unit="share", source="assumption"
    )
    leads: int = param(
        4,
        "programme leads in each locality (the core group convening events)",
        lo=0,
        hi=1000,
        unit="people per locality",
        source="case: a hospital trust and a VCS umbrella body led the grant",
    )
    lead_sectors: tuple[str, ...] = param(
        ("acute", "vcs"),
        "sectors the leads come from, in turn",
        items="sector",
        source="case: UHSM and Manchester Community Central (MACC)",
    )


@dataclass(frozen=True)
class NetworkParams:
    within_org_degree: float = param(
        8.0,
        "mean number of ties with colleagues in the same organisation",
        lo=0.0,
        hi=200,
        unit="ties",
        source="case: 'organisational silos'",
    )
    within_sector_degree: float = param(
        1.0, "mean ties to other organisations of the same sector", lo=0.0, hi=200, unit="ties", source="assumption"
    )
    cross_sector_degree: float = param(
        0.3,
        "mean ties to people in other sectors at the start",
        lo=0.0,
        hi=200,
        unit="ties",
        source="case: 'system-wide issues ... addressed within silos'",
    )
    trust_within_org: float = param(
        0.55, "mean initial trust of a colleague tie", lo=0.0, hi=1.0, unit="trust", source="assumption"
    )
    trust_within_sector: float = param(
        0.40, "mean initial trust of a same-sector tie", lo=0.0, hi=1.0, unit="trust", source="assumption"
    )
    trust_cross_sector: float = param(
        0.30, "mean initial trust of a cross-sector tie", lo=0.0, hi=1.0, unit="trust", source="assumption"
    )
    trust_concentration: float = param(
        10.0, "concentration of initial trust (Beta)", lo=0.1, hi=1000, unit="", source="assumption"
    )
    locality_degree: float = param(
        0.2,
        "mean ties to people of any sector in other localities, drawn at random "
        "(standing for shared trusts, city-wide bodies, personal networks)",
        lo=0.0,
        hi=200,
        unit="ties",
        source="assumption (only with several localities)",
    )
    random_degree: float = param(
        0.0,
        "mean number of extra ties per person to people drawn uniformly at random from "
        "the whole population, whatever their sector or locality (an Erdős–Rényi layer; 0 "
        "in every scenario: the network is siloed)",
        lo=0.0,
        hi=1000,
        unit="ties",
        source="docking to Watts 2002 (docs/validation.md, watts2002-model)",
    )
    random_trust: float = param(
        0.5,
        "trust of every tie of the random layer (the same for all, so the exposure share is the share of neighbours)",
        lo=0.0,
        hi=1.0,
        unit="trust",
        source="docking to Watts 2002 (docs/validation.md, watts2002-model)",
    )


@dataclass(frozen=True)
class TrustParams:
    contact_gain: float = param(
        0.25,
        "trust gained per contact in a fully safe setting: w += gain*safety*(1-w)",
        lo=0.0,
        hi=1.0,
        unit="per contact",
        source="case: 'progress at the pace of trust'; " + CAL,
    )
    decay: float = param(
        0.015,
        "weekly proportional decay of trust without contact",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="brief: trust fades if not renewed",
    )
    workplace_decay_factor: float = param(
        0.2, "decay multiplier for ties within an organisation", lo=0.0, hi=1.0, unit="", source="assumption"
    )
    online_decay_factor: float = param(
        0.4,
        "decay multiplier when both people are online",
        lo=0.0,
        hi=1.0,
        unit="",
        source="case: Twitter 'keeps them in touch easier'",
    )
    floor: float = param(0.05, "ties weaker than this are dropped", lo=0.0, hi=1.0, unit="trust", source="assumption")
    working_threshold: float = param(
        0.4, "trust at which a tie counts as a working relationship", lo=0.0, hi=1.0, unit="trust", source="assumption"
    )
    workplace_safety: float = param(
        0.5, "psychological safety of everyday contact at work", lo=0.0, hi=1.0, unit="0-1", source="assumption"
    )
    workplace_renewal: float = param(
        0.05,
        "weekly chance a tie between colleagues is renewed by everyday work",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="assumption",
    )
    workplace_contact_rate: float = param(
        0.3,
        "weekly chance someone with fewer colleague ties than "
        "network.within_org_degree meets a new colleague (newcomers settle in)",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="assumption",
    )


@dataclass(frozen=True)
class SafetyParams:
    base: float = param(
        0.2,
        "psychological safety of the most formal, least co-produced setting",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="case: 'feel safer about making suggestions'",
    )
    informality_share: float = param(
        0.5,
        "weight of venue informality (versus co-production) in safety",
        lo=0.0,
        hi=1.0,
        unit="share",
        source="case: 'informal structure ... helped participants feel safe'",
    )


@dataclass(frozen=True)
class StrategyParams:
    openness: float = param(
        0.85,
        "invitation policy: 0 targeted roles and seniority, 1 open to anyone interested",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="case: 'anyone who was interested'",
    )
    informality: float = param(
        0.9,
        "venue informality: 0 formal venues, 1 community spaces as designed",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="case: pubs, coffee shops, community centres",
    )
    power_sharing: float = param(
        0.9,
        "co-production and shared ownership of the programme",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="case: 'a very real sharing of control'",
    )
    role_modelling: float = param(
        0.9,
        "leads model distributed leadership (low: a 'rhetoric gap')",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="case: 'role modelling was considered vital'",
    )
    self_selection: float = param(
        0.9,
        "teams self-select through trusted ties (1) or are assigned (0)",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="case: 'diverse, self-selected teams'",
    )
    overhead: float = param(
        0.0,
        "action plans, approvals and monitoring imposed on projects",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="case: 'without a single action plan ... monitoring form'",
    )
    sponsorship: float = param(
        0.0,
        "formal senior sponsorship given to every project",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="assumption: the strength of a top-down programme",
    )


@dataclass(frozen=True)
class InvitationParams:
    acceptance: float = param(
        0.45,
        "probability an invited person with full interest and energy attends",
        lo=0.0,
        hi=1.0,
        unit="probability",
        source=CAL,
    )
    publicity: float = param(
        0.2,
        "chance anyone hears of an open event from general publicity",
        lo=0.0,
        hi=1.0,
        unit="probability",
        source="assumption",
    )
    word_of_mouth: float = param(
        0.15,
        "hearing hazard per trusted tie to someone already reached",
        lo=0.0,
        hi=10.0,
        unit="per tie",
        source="case: news spread by word of mouth",
    )
    online_news: float = param(
        0.5,
        "chance an online person hears of an open event",
        lo=0.0,
        hi=1.0,
        unit="probability",
        source="case: #sysleadershipmcr",
    )
    gathering_news: float = param(
        0.3,
        "chance an online person of the locality hears of a champion's gathering, "
        "as a share of online_news (the convener's working ties always hear)",
        lo=0.0,
        hi=1.0,
        unit="share",
        source="assumption: gatherings are advertised less",
    )
    mindset_interest: float = param(
        0.15,
        "interest in coming added per mindset stage (aware 1, practising 2, champion 3)",
        lo=0.0,
        hi=1.0,
        unit="per stage",
        source="assumption: the engaged come back",
    )
    targeted_seniority: tuple[float, ...] = param(
        (0.03, 0.45, 0.6),
        "targeted invitation probability by seniority (frontline, manager, senior)",
        lo=0.0,
        hi=1.0,
        unit="probability",
        source="assumption",
    )
    targeted_sector: PerSector = per_sector(
        "weight of each sector in targeted invitations",
        dict(
            acute=1.0,
            primary_care=1.0,
            community_health=1.0,
            social_care=1.0,
            vcs=0.3,
            housing=0.5,
            other_public=0.5,
            patients=0.02,
        ),
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="assumption: targeted at statutory roles",
    )
    senior_informality: float = param(
        0.5,
        "attendance lost by managers and senior leaders at a fully informal "
        "venue (x (1 - formality) of the event): decision-makers come to formal "
        "meetings, less to the pub or the community centre",
        lo=0.0,
        hi=1.0,
        unit="share",
        source=LIT_DECISION,
    )


_EV = "case: the programme's events; content values assumed, see docs/ODD.md"


@dataclass(frozen=True)
class EventTypeParams:
    """Content of one event type (what a meeting there does)."""

    formality: float = param(
        0.5, "formality of the venue when delivered as designed", lo=0.0, hi=1.0, unit="0-1", source=_EV
    )
    group_size: int = param(6, "people per table or small group", lo=2, hi=50, unit="people", source=_EV)
    rounds: int = param(
        2, "small-group rounds per event (new tables each round)", lo=1, hi=20, unit="rounds", source=_EV
    )
    confidence: float = param(
        0.05, "confidence gained by an attendee at full safety", lo=0.0, hi=1.0, unit="0-1", source=_EV
    )
    awareness: float = param(
        0.6,
        "chance an unaware attendee becomes aware of system leadership",
        lo=0.0,
        hi=1.0,
        unit="probability",
        source=_EV,
    )
    mindset_push: float = param(
        0.05,
        "chance an aware attendee starts practising (x safety x role modelling)",
        lo=0.0,
        hi=1.0,
        unit="probability",
        source=_EV,
    )
    knowledge: float = param(
        0.1, "knowledge of a sector gained per contact with someone from it", lo=0.0, hi=1.0, unit="0-1"
    )
    online_conversion: float = param(
        0.0, "chance an attendee joins the online network", lo=0.0, hi=1.0, unit="probability", source=_EV
    )
    matching_signup: float = param(
        0.05, "chance an attendee registers for Brew and Biscuits", lo=0.0, hi=1.0, unit="probability", source=_EV
    )


def _et(**kw):
    return field(default_factory=lambda: EventTypeParams(**kw), metadata={"group": "event type"})


@dataclass(frozen=True)
class EventTypesParams:
    workshop: EventTypeParams = _et(
        formality=0.6, group_size=8, rounds=3, confidence=0.06, awareness=0.7, mindset_push=0.08, matching_signup=0.08
    )
    party: EventTypeParams = _et(
        formality=0.05, group_size=5, rounds=4, confidence=0.08, awareness=0.5, mindset_push=0.12, matching_signup=0.1
    )
    values_session: EventTypeParams = _et(
        formality=0.5, group_size=6, rounds=2, confidence=0.08, awareness=0.7, mindset_push=0.12
    )
    change_agent: EventTypeParams = _et(
        formality=0.6, group_size=6, rounds=2, confidence=0.1, awareness=0.7, mindset_push=0.1
    )
    networking: EventTypeParams = _et(
        formality=0.1, group_size=4, rounds=3, confidence=0.03, awareness=0.3, mindset_push=0.05, matching_signup=0.08
    )
    cinema_club: EventTypeParams = _et(
        formality=0.2, group_size=5, rounds=1, confidence=0.02, awareness=0.5, mindset_push=0.06
    )
    social_media_training: EventTypeParams = _et(
        formality=0.5, group_size=5, rounds=1, confidence=0.04, awareness=0.4, mindset_push=0.03, online_conversion=0.8
    )
    gathering: EventTypeParams = _et(
        formality=0.05, group_size=4, rounds=2, confidence=0.03, awareness=0.3, mindset_push=0.05, matching_signup=0.05
    )


@dataclass(frozen=True)
class ProgrammeParams:
    enabled: bool = param(
        True,
        "whether the funded programme (events, leads' convening, matching) runs",
        source="no-programme counterfactual when false",
    )
    end_week: int = param(
        104, "funded events stop after this week", lo=0, hi=100_000, unit="week", source="case: a two-year grant"
    )
    locality_start_weeks: tuple[int, ...] = param(
        (),
        "week each locality after the first starts its programme (empty: all start together)",
        items="week",
        source="case: roll-out to Central and North Manchester",
    )
    events: tuple[EventSpec, ...] = table(_case_calendar, "the calendar of funded events")


@dataclass(frozen=True)
class MatchingParams:
    enabled: bool = param(
        True,
        "whether the Brew and Biscuits cross-sector matching scheme runs",
        source="case: 'Brew and Biscuits' matching scheme",
    )
    start_week: int = param(14, "week the scheme opens", lo=1, hi=100_000, unit="week", source="assumption")
    visit_rate: float = param(
        0.2,
        "weekly chance a registered person is paired for a visit",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="assumption",
    )
    word_of_mouth: float = param(
        0.004,
        "weekly registration hazard per trusted tie already registered",
        lo=0.0,
        hi=1.0,
        unit="per tie per week",
        source="case: 'a growing number of people registering'",
    )
    safety: float = param(
        0.9,
        "psychological safety of a one-to-one visit",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="assumption: informal visits",
    )
    after_end_factor: float = param(
        0.6,
        "visit rate multiplier after the programme ends (volunteer-run)",
        lo=0.0,
        hi=1.0,
        unit="",
        source="case: registrations kept growing",
    )
    repeat_share: float = param(
        0.7,
        "chance a visit is with one's current Brew and Biscuits partner rather than "
        "a new match (visits and follow-ups between the same pair)",
        lo=0.0,
        hi=1.0,
        unit="probability",
        source="case: 'linking people up for visits and support'",
    )
    introductions: int = param(
        1,
        "colleagues of the host a visitor is introduced to on a first visit",
        lo=0,
        hi=20,
        unit="people",
        source="case: visits to each other's services",
    )
    lapse: float = param(
        0.004,
        "weekly chance a registered person drops out of the scheme (interest wanes)",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="assumption: volunteer schemes lose members",
    )
    places: float = param(
        40.0,
        "members the scheme's coordinators can support per 1,000 people in a locality; "
        "beyond it, people who want to join (at an event or by word of mouth) wait",
        lo=0.0,
        hi=1000.0,
        unit="per 1,000 people",
        source="case: the scheme is 'linking people up', which someone has to do; assumption: a "
        "volunteer-run scheme has finite coordinator time (issue 11: nothing grows without limit)",
    )


@dataclass(frozen=True)
class OnlineParams:
    adoption: float = param(
        0.003,
        "weekly hazard of joining the online network per online trusted tie",
        lo=0.0,
        hi=1.0,
        unit="per tie per week",
        source="assumption",
    )
    new_tie_rate: float = param(
        0.02,
        "weekly chance an online practitioner makes a new weak tie online",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="case: Twitter 'building networks'",
    )
    contact_gain_factor: float = param(
        0.3,
        "trust gain of an online contact relative to a face-to-face one",
        lo=0.0,
        hi=1.0,
        unit="",
        source="assumption",
    )
    lapse: float = param(
        0.003,
        "weekly chance an online person (not a lead) goes quiet on #sysleadershipmcr; practitioners bring others in",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="assumption: a hashtag network lives on its active members",
    )


@dataclass(frozen=True)
class MindsetParams:
    awareness_rate: float = param(
        0.05,
        "weekly chance an unaware person with a practising tie becomes aware",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="brief: mindset spreads socially",
    )
    adoption_rate: float = param(
        0.08,
        "weekly chance an aware person over their threshold starts practising",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="Watts 2002 threshold rule; " + CAL,
    )
    lead_weight: float = param(
        3.0,
        "extra weight of ties to leads who role-model (x role_modelling)",
        lo=0.0,
        hi=100.0,
        unit="",
        source="case: 'role modelling ... vital'",
    )
    champion_confidence: float = param(
        0.65,
        "confidence a practitioner with a completed project needs to become a champion",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="case: 'people that everyone knows, everyone trusts'",
    )
    champion_retire: float = param(
        0.02,
        "weekly chance a champion (not a lead) steps back to practising: convening is tiring, and people move on",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="brief: champions convene after the programme; assumption: they do not do so for ever",
    )
    lapse_rate: float = param(
        0.01,
        "weekly chance a practitioner without peer support lapses to aware",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="brief: a programme that depends on its leads fades",
    )
    rhetoric_gap_push: float = param(
        0.3,
        "share of a funded event's mindset push left when the leads do not "
        "role-model at all (strategy.role_modelling 0; gatherings always push fully)",
        lo=0.0,
        hi=1.0,
        unit="share",
        source="brief: a 'rhetoric gap' between policy and practice is not credible",
    )
    disuse_weeks: int = param(
        26,
        "weeks without taking part in anything after which a practitioner starts to lapse",
        lo=1,
        hi=10_000,
        unit="weeks",
        source="brief: adoption can fade without use",
    )
    disuse_lapse: float = param(
        0.03,
        "weekly chance a practitioner (not a lead) idle for mindset.disuse_weeks lapses one stage",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="brief: adoption can fade without use",
    )
    project_adoption: float = param(
        0.15,
        "chance a member of a completed project moves one stage up the mindset "
        "ladder (unaware to aware, aware to practising): learning by doing",
        lo=0.0,
        hi=1.0,
        unit="probability",
        source="case: participants recognised their own work as system leadership",
    )


@dataclass(frozen=True)
class ConfidenceParams:
    win_gain: float = param(
        0.02,
        "confidence per week of progress on a project (small wins)",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="case: 'the difference that small changes can make'",
    )
    completion_gain: float = param(
        0.12,
        "confidence gained when a project completes",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="brief: success builds confidence",
    )
    failure_loss: float = param(
        0.15,
        "confidence lost on an unsupported failure (x (1 - support))",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="brief: unsupported failure erodes confidence",
    )
    monitoring_loss: float = param(
        0.004,
        "weekly confidence lost per unit of overhead while on a project",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="brief: tight monitoring erodes it",
    )
    relax: float = param(
        0.005, "weekly drift back towards the initial level", lo=0.0, hi=1.0, unit="per week", source="assumption"
    )


@dataclass(frozen=True)
class EnergyParams:
    recovery: float = param(
        0.08, "weekly recovery towards full energy", lo=0.0, hi=1.0, unit="per week", source="assumption"
    )
    workload: PerSector = per_sector(
        "weekly energy drained by everyday workload in each sector",
        dict(
            acute=0.03,
            primary_care=0.03,
            community_health=0.025,
            social_care=0.03,
            vcs=0.02,
            housing=0.02,
            other_public=0.02,
            patients=0.01,
        ),
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="case: 'unsustainable levels of demand'",
    )
    project_cost: float = param(
        0.02, "weekly energy a project costs each member", lo=0.0, hi=1.0, unit="per week", source="assumption"
    )
    success_boost: float = param(
        0.15,
        "energy gained when a project completes",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="case: 'an increase in energy, motivation and momentum'",
    )
    ownership_boost: float = param(
        0.01,
        "weekly energy from shared ownership on a project (x power sharing)",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="case: 'shared ownership ... empowered'",
    )


@dataclass(frozen=True)
class ProjectParams:
    idea_rate: float = param(
        0.06, "weekly chance an eligible practitioner proposes a project", lo=0.0, hi=1.0, unit="per week", source=CAL
    )
    min_confidence: float = param(
        0.45,
        "confidence needed to propose",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="brief: a confident person with a system mindset",
    )
    min_energy: float = param(0.3, "energy needed to propose or join", lo=0.0, hi=1.0, unit="0-1", source="assumption")
    extra_members: int = param(
        1, "team members beyond one per needed sector", lo=0, hi=50, unit="people", source="assumption"
    )
    base_progress: float = param(
        0.12,
        "weekly progress of an ideal team (1 = done)",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="assumption: a few months per project",
    )
    coverage_exponent: float = param(
        2.0,
        "how sharply missing sectors slow progress",
        lo=0.0,
        hi=10.0,
        unit="",
        source="brief: progress with sector coverage",
    )
    trust_floor: float = param(
        0.3,
        "progress multiplier of a team of strangers (1 at full mutual trust)",
        lo=0.0,
        hi=1.0,
        unit="",
        source="case: 'trust ... preconditions for system working'",
    )
    support_boost: float = param(
        0.5,
        "extra progress with full senior support",
        lo=0.0,
        hi=5.0,
        unit="",
        source="case: 'supportive line managers'",
    )
    overhead_slowdown: float = param(
        0.5,
        "progress lost at full overhead",
        lo=0.0,
        hi=1.0,
        unit="share",
        source="case: 'more achieved in three hours than in six months of meetings'",
    )
    coproduction_slowdown: float = param(
        0.15,
        "progress lost to the time shared decisions take, at full power sharing (x strategy.power_sharing)",
        lo=0.0,
        hi=1.0,
        unit="share",
        source="assumption: co-production is slower to decide; 'discomfort is part of change'",
    )
    fail_hazard: float = param(
        0.01,
        "weekly chance a project fizzles out (x (1-coverage) and low energy)",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="assumption",
    )
    accountability: float = param(
        0.5,
        "share of fizzling prevented by full monitoring",
        lo=0.0,
        hi=1.0,
        unit="share",
        source="assumption: the case for monitoring",
    )
    max_weeks: int = param(
        52, "projects not done by then count as failed", lo=1, hi=10_000, unit="weeks", source="assumption"
    )
    max_per_person: int = param(
        3,
        "projects a person works on at once (as leader or member)",
        lo=1,
        hi=100,
        unit="projects",
        source="assumption",
    )
    join_energy: float = param(
        0.5,
        "energy needed to join a team or make a Brew and Biscuits visit, as a share of min_energy",
        lo=0.0,
        hi=1.0,
        unit="share",
        source="assumption",
    )
    own_sector_theme: float = param(
        2.0,
        "how much likelier a theme is when it involves the proposer's sector",
        lo=0.0,
        hi=100.0,
        unit="x",
        source="assumption: ideas come from one's own work",
    )
    meeting_formality: float = param(
        0.5,
        "formality of project meetings without monitoring (rises to 1 at full overhead)",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="assumption: monitored meetings are formal",
    )
    hazard_coverage: float = param(
        2.0,
        "extra failure hazard of a team missing all its needed sectors (x (1 - coverage))",
        lo=0.0,
        hi=100.0,
        unit="x",
        source="assumption",
    )
    hazard_energy: float = param(
        2.0,
        "extra failure hazard of a team with no energy (x (1 - mean energy))",
        lo=0.0,
        hi=100.0,
        unit="x",
        source="assumption",
    )
    spinoff: float = param(
        0.4,
        "chance a completed project seeds a new idea in a member",
        lo=0.0,
        hi=1.0,
        unit="probability",
        source="case: 'a proliferation of projects'",
    )
    incumbent_share: float = param(
        0.8,
        "team slot filled by an engaged person rather than assignment (p)",
        lo=0.0,
        hi=1.0,
        unit="probability",
        source="Guimerà et al. 2005 (p)",
    )
    repeat_share: float = param(
        0.7,
        "incumbent slot filled from members' trusted ties (q), x self-selection",
        lo=0.0,
        hi=1.0,
        unit="probability",
        source="Guimerà et al. 2005 (q)",
    )
    contact_rate: float = param(
        0.3,
        "weekly chance a project pair meets (builds their trust)",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="brief: successful projects build new ties",
    )
    authority_boost: float = param(
        0.4,
        "extra progress when a manager or senior leader is on the team (approval and resources come sooner)",
        lo=0.0,
        hi=5.0,
        unit="",
        source=LIT_DECISION,
    )
    compliance_effort: float = param(
        0.6,
        "effort of a team member who does not practise system leadership, "
        "relative to one who does (assigned, not committed)",
        lo=0.0,
        hi=1.0,
        unit="share",
        source=LIT_MOTIVATION,
    )
    needs_awareness: float = param(
        0.5,
        "chance a self-selected team looks for the sectors a problem needs when "
        "picking among trusted people (otherwise it picks whom it trusts)",
        lo=0.0,
        hi=1.0,
        unit="probability",
        source=LIT_HOMOPHILY,
    )
    review_weeks: int = param(
        8, "weeks between reviews of a monitored project", lo=1, hi=1000, unit="weeks", source=LIT_MONITOR
    )
    stall_share: float = param(
        0.5,
        "a project reviewed with less than this share of the pace that would finish it "
        "within projects.max_weeks is stopped, with chance strategy.overhead (members freed, "
        "no blame)",
        lo=0.0,
        hi=1.0,
        unit="share",
        source=LIT_MONITOR,
    )
    themes: tuple[Theme, ...] = table(_case_themes, "project themes and the sectors each needs")


@dataclass(frozen=True)
class SeniorSupportParams:
    level: float = param(
        0.5,
        "share of people whose line manager supports system-leadership work",
        lo=0.0,
        hi=1.0,
        unit="share",
        source="case: 'supportive line managers'; the Chief Executive",
    )
    from_adopters: float = param(
        0.6,
        "support a project member gets when another manager or senior leader of "
        "their organisation (not a programme lead) practises system leadership",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="case: 'supportive line managers'; the reason to target seniority",
    )


@dataclass(frozen=True)
class ChampionParams:
    convene_rate: float = param(
        0.15,
        "weekly chance a champion convenes a gathering",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="case: 'a core group ... continue to meet up'",
    )
    gathering_capacity: int = param(
        12, "people at a champion's gathering", lo=2, hi=1000, unit="people", source="assumption"
    )
    leads_convene: float = param(
        0.05,
        "weekly chance a lead convenes a gathering during the programme",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="case: leads convened events",
    )
    role_modelling_time: float = param(
        0.5,
        "share of the leads' convening and commissioning time taken by role "
        "modelling at its full level (working alongside people, co-facilitating)",
        lo=0.0,
        hi=1.0,
        unit="share",
        source="issue 11: the leads' time is finite; " + LIT_TIME,
    )
    audience: float = param(
        1.2,
        "gatherings a month that a locality's audience sustains, per 1,000 people: a "
        "champion is less likely to convene the more gatherings were held recently, and does "
        "not once the audience is full (rate x max(0, 1 - recent / audience))",
        lo=0.01,
        hi=1000.0,
        unit="per 1,000 people per month",
        source="brief: a locality has a finite number of people and hours",
    )


@dataclass(frozen=True)
class ChurnParams:
    turnover: float = param(
        0.003,
        "weekly chance a person leaves and is replaced by a newcomer",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="assumption: about 15% a year",
    )
    reorg_weeks: tuple[int, ...] = param(
        (56,), "weeks of reorganisation shocks", items="week", source="case: trust merger, 1 October 2017"
    )
    reorg_sectors: tuple[str, ...] = param(
        ("acute",), "sectors a reorganisation hits", items="sector", source="case: UHSM and CMFT merged into MFT"
    )
    reorg_energy_loss: float = param(
        0.3,
        "energy lost by people hit by a reorganisation",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source="case: changes 'diverted attention'",
    )
    reorg_tie_break: float = param(
        0.2,
        "chance each cross-organisation tie of a person hit breaks",
        lo=0.0,
        hi=1.0,
        unit="probability",
        source="brief: churn breaks ties",
    )


@dataclass(frozen=True)
class ReferralParams:
    need_rate: float = param(
        0.05,
        "weekly chance a person (anyone, patients included) meets a need for another sector",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="assumption",
    )
    base: float = param(
        0.05, "chance of a referral without knowledge or a tie", lo=0.0, hi=1.0, unit="probability", source="assumption"
    )
    knowledge_weight: float = param(
        0.25,
        "added chance at full knowledge of that sector",
        lo=0.0,
        hi=1.0,
        unit="probability",
        source="case: 'understanding ... the wider system'",
    )
    trust_weight: float = param(
        0.5,
        "added chance with a working tie in that sector",
        lo=0.0,
        hi=1.0,
        unit="probability",
        source="case: AAA screening self-referrals",
    )


@dataclass(frozen=True)
class TimeParams:
    budget: float = param(
        4.0,
        "hours a week a person can give to cross-sector work beside the day job",
        lo=0.0,
        hi=80.0,
        unit="hours per week",
        source=LIT_TIME,
    )
    event_hours: float = param(
        3.0, "hours an event takes, with travel", lo=0.0, hi=40.0, unit="hours", source="assumption"
    )
    visit_hours: float = param(
        1.5, "hours a Brew and Biscuits visit takes", lo=0.0, hi=40.0, unit="hours", source="assumption"
    )
    project_hours: float = param(
        1.5, "hours a week each project takes a member", lo=0.0, hi=40.0, unit="hours per week", source="assumption"
    )
    coproduction_hours: float = param(
        1.0,
        "extra hours a week per project at full power sharing (shared decisions take meeting time)",
        lo=0.0,
        hi=40.0,
        unit="hours per week",
        source="issue 11: shared decisions take meeting time; " + LIT_TIME,
    )
    overhead_hours: float = param(
        1.0,
        "extra hours a week per project at full overhead (action plans, reports, approvals)",
        lo=0.0,
        hi=40.0,
        unit="hours per week",
        source=LIT_MONITOR,
    )
    overcommit_energy: float = param(
        0.05,
        "energy lost in a week per unit of over-commitment (hours over the budget, as a share of it)",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source=LIT_TIME,
    )
    dropout: float = param(
        0.15,
        "weekly chance an over-committed person drops one of their projects, per unit of over-commitment",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source=LIT_TIME,
    )


@dataclass(frozen=True)
class OpportunityParams:
    per_theme: float = param(
        6.0,
        "open improvement opportunities per project theme per 1,000 people in a locality at the start",
        lo=0.0,
        hi=10_000,
        unit="per 1,000 people",
        source="brief: a locality has a finite number of problems to work on; " + CAL,
    )
    renewal: float = param(
        0.005,
        "weekly chance a solved problem comes back as a new opportunity (needs change)",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="brief: opportunities renew slowly",
    )


@dataclass(frozen=True)
class CommissioningParams:
    senior_rate: float = param(
        0.0015,
        "weekly chance a senior leader commissions a cross-sector project from "
        "objectives, as ordinary management (every scenario, with or without a programme)",
        lo=0.0,
        hi=1.0,
        unit="per week",
        source="case: a system 'structured around more traditional models of leadership'",
    )
    programme_rate: float = param(
        0.5,
        "projects a week the programme commissions per 1,000 people while it runs, "
        "at fully assigned teams (x (1 - strategy.self_selection))",
        lo=0.0,
        hi=100.0,
        unit="per 1,000 people per week",
        source="issue 11: top-down's own way of getting work done; " + LIT_DECISION,
    )
    backing: float = param(
        0.6,
        "support a commissioned project gets from its commissioner while they stay in post",
        lo=0.0,
        hi=1.0,
        unit="0-1",
        source=LIT_SPONSOR,
    )


@dataclass(frozen=True)
class SponsorshipParams:
    orphan_failure: float = param(
        0.4,
        "chance a sponsored or commissioned project fails when its sponsor leaves or is caught up in a reorganisation",
        lo=0.0,
        hi=1.0,
        unit="probability",
        source=LIT_SPONSOR,
    )
    reorg_loss: float = param(
        0.5,
        "chance a sponsor in a reorganised sector is lost to the project",
        lo=0.0,
        hi=1.0,
        unit="probability",
        source="case: organisational changes 'diverted attention'; " + LIT_SPONSOR,
    )


PHASE_NAMES = (
    "trust upkeep",
    "events",
    "matching",
    "online",
    "mindset",
    "time budget",
    "confidence and energy",
    "project progress",
    "project proposals",
    "commissioning",
    "referrals",
    "churn",
    "champions",
)
"""The phases of a week that ``mechanisms.off`` can switch off (the knock-out experiments)."""


@dataclass(frozen=True)
class MechanismParams:
    off: tuple[str, ...] = param(
        (),
        "phases of the week switched off (knock-out experiments; empty: all on)",
        items="phase",
        source="implementation: knock-out suite (docs/knockouts.md)",
    )


@dataclass(frozen=True)
class MetricsParams:
    clustering_sample: int = param(
        2000,
        "people sampled (one random pair of their neighbours each) to estimate "
        "clustering above metrics.clustering_exact_max people",
        lo=10,
        hi=1_000_000,
        unit="people",
        source="implementation (docs/performance.md)",
    )
    clustering_exact_max: int = param(
        5000,
        "largest population whose clustering is computed exactly (cost grows with the sum of squared degrees)",
        lo=0,
        hi=10_000_000,
        unit="people",
        source="implementation (docs/performance.md)",
    )


@dataclass(frozen=True)
class RunParams:
    weeks: int = param(
        156,
        "weeks a run lasts when a Mesa tool drives it (mesa.batch_run, SolaraViz's Play, the EMA "
        "Workbench): the model's running turns false after this week; 'syslead run --weeks' and an "
        "experiment's weeks give their own number of weeks",
        lo=1,
        hi=100_000,
        unit="weeks",
        source="implementation: two programme years and a follow-up year (docs/ema.md)",
    )


# Delivery cost (issue 19): accounting only. The model never reads these: a run's results are the same whatever
# they are; they turn what the model did (events held, attendances, visits, matches, approvals, reviews,
# sponsorship) into staff days and pounds (simulation/cost.py).
COST_ASSUMPTION = "assumption: set it for your system"


def _fd(default: float, doc: str):
    return param(
        default,
        f"facilitator days for each {doc} held: preparing, running and following it up (the "
        "delivery team's time, beyond the hours of everyone in the room)",
        lo=0.0,
        hi=100.0,
        unit="staff days per event",
        source=COST_ASSUMPTION,
    )


@dataclass(frozen=True)
class FacilitatorDaysParams:
    """Facilitator days per event held, one value per event type (``EVENT_TYPES``)."""

    workshop: float = _fd(4.0, "'Using System Leadership to Create Change' workshop")
    party: float = _fd(3.0, "system leadership party")
    values_session: float = _fd(2.0, "values-based leadership session")
    change_agent: float = _fd(2.0, "'How to be a Change Agent' session")
    networking: float = _fd(0.5, "networking gathering")
    cinema_club: float = _fd(0.5, "TED Talks Cinema Club")
    social_media_training: float = _fd(1.5, "social-media training session")
    gathering: float = _fd(0.25, "gathering (convened by a champion or a lead)")


@dataclass(frozen=True)
class CostParams:
    facilitator_days: FacilitatorDaysParams = group(
        FacilitatorDaysParams, "facilitator days per event held, by event type"
    )
    attendance_hours: float = param(
        3.0,
        "hours each person at an event (attendees, leads and conveners alike) is "
        "away from their service, travel included",
        lo=0.0,
        hi=40.0,
        unit="hours per attendance",
        source=COST_ASSUMPTION + " (the model's time budget uses time.event_hours, 3)",
    )
    visit_hours: float = param(
        1.5,
        "hours each of the two people of a Brew and Biscuits visit is away from their service",
        lo=0.0,
        hi=40.0,
        unit="hours per person per visit",
        source=COST_ASSUMPTION + " (the model's time budget uses time.visit_hours, 1.5)",
    )
    match_hours: float = param(
        1.0,
        "coordinator hours to make one new Brew and Biscuits match (finding the pair, "
        "introducing them, arranging the first visit); repeat visits are arranged by the pair",
        lo=0.0,
        hi=40.0,
        unit="hours per match",
        source=COST_ASSUMPTION,
    )
    approval_days: float = param(
        0.5,
        "management days to approve a project and its action plan at full overhead "
        "(x strategy.overhead, per project started)",
        lo=0.0,
        hi=100.0,
        unit="staff days per project",
        source=COST_ASSUMPTION,
    )
    review_days: float = param(
        0.25,
        "management days per monitoring review at full overhead (x strategy.overhead, "
        "per review due every projects.review_weeks weeks of a project)",
        lo=0.0,
        hi=100.0,
        unit="staff days per review",
        source=COST_ASSUMPTION,
    )
    commission_days: float = param(
        1.0,
        "management days to commission a project (setting objectives, assigning the team)",
        lo=0.0,
        hi=100.0,
        unit="staff days per project commissioned",
        source=COST_ASSUMPTION,
    )
    sponsor_hours: float = param(
        0.5,
        "hours a week a sponsor gives a project at full backing (x the sponsor's "
        "backing: strategy.sponsorship, or commissioning.backing for a commissioner), "
        "while the sponsor stays in post",
        lo=0.0,
        hi=40.0,
        unit="hours per project per week",
        source=COST_ASSUMPTION,
    )
    hours_per_day: float = param(
        7.5,
        "working hours in a staff day (to turn hours into days)",
        lo=1.0,
        hi=24.0,
        unit="hours per day",
        source="NHS Terms and Conditions of Service (Agenda for Change): a 37.5-hour week",
    )
    day_rate: float = param(
        350.0,
        "cost of one staff day, salary and on-costs (to turn staff days into pounds)",
        lo=0.0,
        hi=100_000.0,
        unit="pounds per staff day",
        source=COST_ASSUMPTION + "; the PSSRU Unit Costs of Health and Social Care (University "
        "of Kent, yearly) give costs per working hour by staff band",
    )


@dataclass(frozen=True)
class Params:
    """All parameters of a run. Build with :func:`make_params`."""

    population: PopulationParams = group(PopulationParams, "people and organisations")
    network: NetworkParams = group(NetworkParams, "the initial siloed trust network")
    trust: TrustParams = group(TrustParams, "trust formation and decay")
    safety: SafetyParams = group(SafetyParams, "psychological safety of settings")
    strategy: StrategyParams = group(StrategyParams, "the leadership strategy (the policy lever)")
    invitations: InvitationParams = group(InvitationParams, "who hears of and attends events")
    event_types: EventTypesParams = group(EventTypesParams, "what each kind of event does")
    programme: ProgrammeParams = group(ProgrammeParams, "the funded programme")
    matching: MatchingParams = group(MatchingParams, "Brew and Biscuits cross-sector matching")
    online: OnlineParams = group(OnlineParams, "the #sysleadershipmcr online network")
    mindset: MindsetParams = group(MindsetParams, "system-leadership mindset")
    confidence: ConfidenceParams = group(ConfidenceParams, "confidence as a leader")
    energy: EnergyParams = group(EnergyParams, "energy and capacity")
    projects: ProjectParams = group(ProjectParams, "self-organising projects")
    senior_support: SeniorSupportParams = group(SeniorSupportParams, "senior support")
    champions: ChampionParams = group(ChampionParams, "champions and the movement after the programme")
    churn: ChurnParams = group(ChurnParams, "turnover and reorganisation")
    referrals: ReferralParams = group(ReferralParams, "cross-sector referrals")
    time: TimeParams = group(TimeParams, "time budgets: hours for cross-sector work")
    opportunities: OpportunityParams = group(OpportunityParams, "finite problems to work on")
    commissioning: CommissioningParams = group(CommissioningParams, "commissioned projects (assigned teams)")
    sponsorship: SponsorshipParams = group(SponsorshipParams, "what formal sponsorship depends on")
    mechanisms: MechanismParams = group(MechanismParams, "switching mechanisms off (knock-out experiments)")
    metrics: MetricsParams = group(MetricsParams, "how metrics are measured")
    run: RunParams = group(RunParams, "how long a run lasts when a Mesa tool drives it")
    cost: CostParams = group(CostParams, "delivery cost: staff time and money (accounting only: never changes a run)")

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    def get(self, path: str) -> Any:
        obj: Any = self
        for part in path.split("."):
            obj = getattr(obj, part)
        return obj


# --------------------------------------------------------------------------
# Plain dicts in and out
# --------------------------------------------------------------------------


def to_dict(obj: Any) -> Any:
    """Plain, TOML- and JSON-friendly form (tuples become lists, None is dropped)."""
    if dataclasses.is_dataclass(obj):
        out = {}
        for f in fields(obj):
            v = getattr(obj, f.name)
            if v is None:
                continue
            out[f.name] = to_dict(v)
        return out
    if isinstance(obj, tuple | list):
        return [to_dict(v) for v in obj]
    return obj


def suggest(name: str, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the option closest to a misspelt ``name``, or ``""``."""
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_number(path: str, value: Any, spec: Spec, kind: type = float) -> float | int:
    """``value`` as a number of ``kind`` (``int``: a whole number, ``float``: a finite real) within ``spec.lo`` to
    ``spec.hi``; otherwise a one-line :class:`ConfigError` naming ``path`` and what is allowed.

    The one number check of the project: parameters, experiment files and other inputs all use it.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        whole = "whole numbers " if kind is int else ""
        raise ConfigError(f"{path} = {value!r} is not a number: allowed {whole}{spec.allowed()}")
    if kind is int:
        if isinstance(value, float):
            if not value.is_integer():
                raise ConfigError(f"{path} = {value!r} must be a whole number: allowed {spec.allowed()}")
            value = int(value)
    else:
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(f"{path} = {value!r} is not finite: allowed {spec.allowed()}")
    if (spec.lo is not None and value < spec.lo) or (spec.hi is not None and value > spec.hi):
        raise ConfigError(f"{path} = {value!r} is out of range: allowed {spec.allowed()}")
    return value


def _check_leaf(path: str, value: Any, default: Any, spec: Spec) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{path} = {value!r} must be true or false")
        return value
    if isinstance(default, int | float):
        return check_number(path, value, spec, type(default))
    if isinstance(default, str):
        if not isinstance(value, str) or (spec.choices is not None and value not in spec.choices):
            raise ConfigError(f"{path} = {value!r} is not allowed: allowed {spec.allowed()}")
        return value
    if isinstance(default, tuple):
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{path} = {value!r} must be a list: allowed {spec.allowed()}")
        out = []
        for i, v in enumerate(value):
            if spec.items == "sector":
                if v not in SECTORS:
                    raise ConfigError(
                        f"{path}[{i}] = {v!r} is not a sector{suggest(str(v), SECTORS)}: allowed {', '.join(SECTORS)}"
                    )
                out.append(v)
            elif spec.items == "week":
                if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                    raise ConfigError(f"{path}[{i}] = {v!r} is not a week: allowed whole numbers >= 1")
                out.append(v)
            elif spec.items == "name":
                if not isinstance(v, str) or not v.strip() or len(v) > 40:
                    raise ConfigError(
                        f"{path}[{i}] = {v!r} is not a name: allowed non-empty text of at most 40 characters"
                    )
                out.append(v.strip())
            elif spec.items == "phase":
                if v not in PHASE_NAMES:
                    raise ConfigError(
                        f"{path}[{i}] = {v!r} is not a phase of the week"
                        f"{suggest(str(v), PHASE_NAMES)}: allowed {', '.join(PHASE_NAMES)}"
                    )
                out.append(v)
            else:
                out.append(check_number(f"{path}[{i}]", v, spec, float))
        if spec.items is None and isinstance(default, tuple) and default and len(out) != len(default):
            raise ConfigError(f"{path} needs {len(default)} values, got {len(out)}")
        return tuple(out)
    raise TypeError(f"unsupported parameter type at {path}")  # pragma: no cover - programming error


def _build_record(cls, path: str, data: Any):
    if dataclasses.is_dataclass(data) and isinstance(data, cls):
        data = to_dict(data)
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path} must be a table with keys {', '.join(f.name for f in fields(cls))}")
    names = {f.name for f in fields(cls)}
    for k in data:
        if k not in names:
            raise ConfigError(f"unknown key '{path}.{k}'{suggest(k, names)}: allowed {', '.join(sorted(names))}")
    if cls is EventSpec:
        for k in ("name", "type", "week", "capacity"):
            if k not in data:
                raise ConfigError(f"{path} is missing '{k}'")
        if data["type"] not in EVENT_TYPES:
            raise ConfigError(
                f"{path}.type = {data['type']!r} is not an event type"
                f"{suggest(str(data['type']), EVENT_TYPES)}: allowed {', '.join(EVENT_TYPES)}"
            )
        week = int(check_number(f"{path}.week", data["week"], Spec("", 1, 100_000), int))
        cap = int(check_number(f"{path}.capacity", data["capacity"], Spec("", 1, 10_000_000), int))
        form = data.get("formality")
        if form is not None:
            form = check_number(f"{path}.formality", form, Spec("", 0, 1), float)
        if not isinstance(data["name"], str) or not data["name"]:
            raise ConfigError(f"{path}.name must be a non-empty string")
        return EventSpec(data["name"], data["type"], week, cap, form)
    if cls is Theme:
        for k in ("name", "sectors"):
            if k not in data:
                raise ConfigError(f"{path} is missing '{k}'")
        sectors = _check_leaf(f"{path}.sectors", data["sectors"], ("acute",), Spec("", items="sector"))
        if not sectors:
            raise ConfigError(f"{path}.sectors must name at least one sector")
        weight = check_number(f"{path}.weight", data.get("weight", 1.0), Spec("", 0.0, 1e6), float)
        return Theme(str(data["name"]), tuple(sectors), weight)
    raise TypeError(cls)  # pragma: no cover


def _build(cls, data: Mapping[str, Any], path: str, parent_spec: Spec | None = None):
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path or 'config'} must be a table, got {data!r}")
    flds = {f.name: f for f in fields(cls)}
    for k in data:
        if k not in flds:
            full = f"{path}.{k}" if path else k
            hint = suggest(k, flds)
            if not hint:  # maybe a misspelt path: suggest from all paths
                hint = suggest(full, param_paths())
            raise ConfigError(f"unknown parameter '{full}'{hint}; {allowed_under(full)}")
    kwargs = {}
    for name, f in flds.items():
        full = f"{path}.{name}" if path else name
        if name not in data:
            continue
        v = data[name]
        if "group" in f.metadata:
            factory = cast(Callable[[], Any], f.default_factory)
            kwargs[name] = _build(factory().__class__, v, full)
        elif "table" in f.metadata:
            rec_cls = EventSpec if name == "events" else Theme
            if not isinstance(v, list | tuple):
                raise ConfigError(f"{full} must be a list of tables")
            kwargs[name] = tuple(_build_record(rec_cls, f"{full}[{i}]", r) for i, r in enumerate(v))
        elif f.metadata.get("per_sector"):
            if dataclasses.is_dataclass(v):
                v = to_dict(v)
            spec = f.metadata["spec"]
            if not isinstance(v, Mapping):
                raise ConfigError(f"{full} must be a table of sectors: allowed keys {', '.join(SECTORS)}")
            for k in v:
                if k not in SECTORS:
                    raise ConfigError(
                        f"unknown parameter '{full}.{k}'{suggest(k, SECTORS)}: allowed {', '.join(SECTORS)}"
                    )
            base = to_dict(f.default)
            base.update({k: check_number(f"{full}.{k}", x, spec, float) for k, x in v.items()})
            kwargs[name] = PerSector(**{k: float(x) for k, x in base.items()})
        else:
            kwargs[name] = _check_leaf(full, v, f.default, f.metadata["spec"])
    return cls(**kwargs)


def _cross_checks(p: Params) -> None:
    if sum(p.population.shares.as_tuple()) <= 0:
        raise ConfigError("population.shares must have at least one positive share")
    if p.population.manager_share + p.population.senior_share > 1:
        raise ConfigError("population.manager_share + population.senior_share must be at most 1")
    if p.population.initial_aware + p.population.initial_practising > 1:
        raise ConfigError("population.initial_aware + population.initial_practising must be at most 1")
    if p.population.leads and not p.population.lead_sectors:
        raise ConfigError("population.lead_sectors must name at least one sector when there are leads")
    if p.population.localities > p.population.size:
        raise ConfigError("population.localities must be at most population.size")
    if len(p.population.locality_names) > p.population.localities:
        raise ConfigError(
            f"population.locality_names has {len(p.population.locality_names)} names but there are "
            f"only {p.population.localities} localities: allowed at most one name per locality"
        )
    smallest = p.population.size // p.population.localities if p.population.localities else 0
    if p.population.leads > smallest:
        raise ConfigError(
            f"population.leads = {p.population.leads} (per locality) exceeds the {smallest} people of "
            f"the smallest locality (population.size {p.population.size} / population.localities "
            f"{p.population.localities}): allowed 0 to {smallest}"
        )
    if len(p.programme.locality_start_weeks) > max(0, p.population.localities - 1):
        raise ConfigError(
            f"programme.locality_start_weeks has {len(p.programme.locality_start_weeks)} weeks but "
            f"there are only {p.population.localities - 1} localities after the first"
        )
    if not p.projects.themes:
        raise ConfigError("projects.themes must list at least one theme")
    if p.trust.floor > p.trust.working_threshold:
        raise ConfigError("trust.floor must be at most trust.working_threshold")


def make_params(data: Mapping[str, Any] | None = None, overrides: Mapping[str, Any] | None = None) -> Params:
    """Validated :class:`Params` from nested ``data`` plus dotted ``overrides``."""
    merged = deep_copy(dict(data or {}))
    for path, value in (overrides or {}).items():
        set_path(merged, path, value)
    p = _build(Params, merged, "")
    _cross_checks(p)
    return p


def deep_copy(d: Any) -> Any:
    """A copy of nested mappings and lists (TOML data), sharing only the leaves (numbers, strings, booleans)."""
    if isinstance(d, Mapping):
        return {k: deep_copy(v) for k, v in d.items()}
    if isinstance(d, list):
        return [deep_copy(v) for v in d]
    return d


def set_path(data: dict, path: str, value: Any) -> None:
    """Set ``a.b.c`` in a nested dict, refusing paths that name no parameter."""
    check_path(path)
    parts = path.split(".")
    cur = data
    for part in parts[:-1]:
        nxt = cur.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            cur[part] = nxt
        cur = nxt
    cur[parts[-1]] = value


@functools.cache
def _spec_index() -> dict[str, ParamInfo]:
    return {info.path: info for info in iter_specs()}


def param_paths() -> list[str]:
    """Every dotted path that ``--set`` accepts."""
    return list(_spec_index())


def check_path(path: str) -> None:
    """Refuse a dotted path that names no parameter (suggesting the nearest one)."""
    paths = _spec_index()
    if path not in paths:
        raise ConfigError(f"unknown parameter '{path}'{suggest(path, paths)}; {allowed_under(path)}")


_MAX_LISTED = 24  # a group with more parameters than this is not listed in an error message


def allowed_under(path: str) -> str:
    """What an error about the unknown ``path`` can say is allowed: the parameters of its group (``allowed in
    'cost': approval_days, ...``) when the group is small enough to list on one line, else where to find them."""
    parent = path.rpartition(".")[0]
    while parent:
        under = [q[len(parent) + 1 :] for q in _spec_index() if q.startswith(parent + ".")]
        if under:
            if len(under) <= _MAX_LISTED:
                return f"allowed in '{parent}': {', '.join(under)}"
            break
        parent = parent.rpartition(".")[0]
    return "'syslead params' lists them all"


@dataclass(frozen=True)
class ParamInfo:
    path: str
    default: Any
    spec: Spec


def iter_specs(obj: Any = None, prefix: str = "") -> Iterator[ParamInfo]:
    """Every settable parameter with its default and :class:`Spec`."""
    obj = Params() if obj is None else obj
    for f in fields(obj):
        path = f"{prefix}{f.name}"
        v = getattr(obj, f.name)
        if "group" in f.metadata:
            yield from iter_specs(v, path + ".")
        elif "table" in f.metadata:
            yield ParamInfo(path, to_dict(v), Spec(f.metadata["table"], items="table"))
        elif f.metadata.get("per_sector"):
            for s in SECTORS:
                yield ParamInfo(f"{path}.{s}", getattr(v, s), f.metadata["spec"])
        else:
            yield ParamInfo(path, v, f.metadata["spec"])


def spec_for(path: str) -> ParamInfo:
    """The default and :class:`Spec` of the parameter at ``path`` (:class:`ConfigError` for an unknown path)."""
    info = _spec_index().get(path)
    if info is None:
        check_path(path)
        raise AssertionError  # pragma: no cover
    return dataclasses.replace(info, default=deep_copy(info.default))  # tables: a copy the caller may change


def check_value(path: str, value: Any) -> Any:
    """One value of the parameter at ``path`` checked on its own, returned in the parameter's own type.

    The same check :func:`make_params` makes of that leaf (type, range, choices, list items), without the
    checks across parameters; ``400.0`` becomes ``400`` for a whole-number parameter, ``1`` becomes ``1.0``
    for a real one. Tables (``programme.events``, ``projects.themes``) are returned as they are: they are
    checked whole by :func:`make_params`. Raises :class:`ConfigError` naming ``path``.
    """
    info = spec_for(path)
    if info.spec.items == "table":
        return value
    return _check_leaf(path, value, info.default, info.spec)


def parse_value(text: str) -> Any:
    """Parse a ``--set`` value as TOML (numbers, booleans, lists), else keep the string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_assignment(item: str) -> tuple[str, Any]:
    """``"trust.decay=0.03"`` -> ``("trust.decay", 0.03)``."""
    if "=" not in item:
        raise ConfigError(f"--set {item!r} must look like dotted.key=value")
    key, _, text = item.partition("=")
    key = key.strip()
    check_path(key)
    return key, parse_value(text.strip())


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file into a dict, with a one-line error for missing or malformed files."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {str(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"config file {str(path)!r} cannot be read: {exc.strerror}") from None


def dumps_toml(data: Mapping[str, Any]) -> str:
    return tomli_w.dumps(dict(data))


def markdown_table() -> str:
    """Every parameter as a Markdown table (the table in docs/ODD.md is this, verbatim)."""
    rows = ["| parameter | default | allowed | unit | meaning | source |", "|---|---|---|---|---|---|"]
    for info in iter_specs():
        if info.spec.items == "table":
            default = f"{len(info.default)} entries (see below)"
            allowed = "list of tables"
        else:
            default = info.default
            if isinstance(default, tuple):
                default = "[" + ", ".join(map(str, default)) + "]"
            allowed = info.spec.allowed()
        cells = [f"`{info.path}`", str(default), allowed, info.spec.unit, info.spec.doc, info.spec.source]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows) + "\n"

"""Knock-out experiments: every mechanism of the week and every strategy lever shown to matter.

Each :class:`Knockout` names a mechanism, the parameters that switch it off (a phase of the week
through ``mechanisms.off``, or a lever set to its neutral value), the scenario it is tested in, and
the outcomes it exists for with the documented sign of its contribution (``+``: the mechanism raises
the outcome; ``-``: it lowers it). The contribution is measured on paired seeds: the same people,
network and chance events with the mechanism on and off, so the difference is the mechanism's own.

A lever has a benefit and a cost: its row lists at least one outcome of each sign, and the suite
checks both (tests/test_knockouts.py). ``python experiments/knockouts.py`` writes the table of every
contribution with its 95% interval (docs/knockouts.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

import numpy as np

from .. import scenarios
from ..config import PHASE_NAMES
from ..run import run


@dataclass(frozen=True)
class Effect:
    """An outcome a mechanism exists for, and the sign of its contribution (+1 raises it, -1 lowers it)."""

    outcome: str
    sign: int
    why: str
    role: str = "effect"  # for levers: "benefit" or "cost" (what the lever buys, what it costs)


@dataclass(frozen=True)
class Knockout:
    name: str
    kind: str  # "phase" or "lever"
    what: str  # what the mechanism does, in plain words
    off: Mapping[str, object]  # overrides that switch it off
    effects: tuple[Effect, ...]
    scenario: str = "south-manchester"
    setting: Mapping[str, object] = field(default_factory=dict)  # overrides for both arms (a decisive test)
    weeks: int = 104

    @property
    def lever(self) -> str:
        """The strategy lever a "lever" or "lever cost" row belongs to ("" for a phase)."""
        if self.kind == "lever":
            return self.name
        if self.kind == "lever cost":
            return self.name.split("(cost of ")[1].rstrip(")").replace(" ", "_")
        return ""


def _phase(
    name: str,
    what: str,
    *effects: Effect,
    scenario: str = "south-manchester",
    setting: Mapping[str, object] | None = None,
    weeks: int = 104,
) -> Knockout:
    return Knockout(name, "phase", what, {"mechanisms.off": [name]}, tuple(effects), scenario, setting or {}, weeks)


KNOCKOUTS: tuple[Knockout, ...] = (
    _phase(
        "trust upkeep",
        "trust fades without contact; colleagues renew theirs at work",
        Effect("cross_sector_ties", -1, "ties across sectors, with nobody to renew them, fade below working trust"),
    ),
    _phase(
        "events",
        "the programme's events: who comes, and what meeting there does",
        Effect("people_reached", +1, "events are how the programme reaches people"),
        Effect("cross_sector_ties", +1, "tables of mixed sectors build trust across them"),
    ),
    _phase(
        "matching",
        "Brew and Biscuits pairs people across sectors for repeat visits",
        Effect("cross_sector_ties", +1, "repeat visits turn strangers from other sectors into working ties"),
    ),
    _phase(
        "online",
        "#sysleadershipmcr: people join by word of mouth from online practitioners",
        Effect("online_people", +1, "practitioners bring their contacts online"),
        setting={"online.lapse": 0.0},
        weeks=156,
    ),
    _phase(
        "mindset",
        "the system-leadership mindset spreads through trusted ties",
        Effect("adopters", +1, "the social contagion adds practitioners beyond those the events convert"),
    ),
    _phase(
        "time budget",
        "hours are finite: over-commitment costs energy and makes people drop projects",
        Effect("project_dropouts", +1, "people assigned more than their hours allow drop projects"),
        scenario="top-down",
        setting={"time.budget": 2.0},
    ),
    _phase(
        "confidence and energy",
        "everyday workload drains energy, which recovers; confidence relaxes",
        Effect("mean_energy", -1, "the everyday workload of health and care keeps energy below full"),
    ),
    _phase(
        "project progress",
        "projects advance with trust, coverage, energy and backing",
        Effect("projects_completed", +1, "without progress no project is ever completed"),
    ),
    _phase(
        "project proposals",
        "practitioners with ideas form self-selected teams",
        Effect("projects_started", +1, "most projects in the distributed programme start from a practitioner"),
    ),
    _phase(
        "commissioning",
        "senior leaders and a top-down programme commission projects with assigned teams",
        Effect("projects_started", +1, "top-down's own way of starting work"),
        scenario="top-down",
    ),
    _phase(
        "referrals",
        "people refer across sectors where they know and trust someone",
        Effect("cross_sector_referrals", +1, "referrals happen only in this phase"),
    ),
    _phase(
        "churn",
        "turnover and the trust merger break ties and replace people",
        Effect("working_ties", -1, "leavers take their ties with them"),
    ),
    _phase(
        "champions",
        "champions and leads convene informal gatherings",
        Effect("gatherings_held", +1, "gatherings are convened only here"),
    ),
    Knockout(
        "openness",
        "lever",
        "open invitations (vs targeted letters to roles and seniority)",
        {"strategy.openness": 0.0},
        (
            Effect("reached_patients", +1, "open events reach patients and citizens, whom targeting misses", "benefit"),
            Effect(
                "decision_maker_share",
                -1,
                "targeted letters fill the room with more managers and senior leaders",
                "cost",
            ),
        ),
    ),
    Knockout(
        "informality",
        "lever",
        "informal community venues (vs formal ones)",
        {"strategy.informality": 0.0},
        (
            Effect(
                "cross_sector_ties", +1, "people feel safer at events, so each contact builds more trust", "benefit"
            ),
            Effect("decision_makers_reached", -1, "decision-makers come less to informal venues", "cost"),
        ),
        # Venues act at events; Brew and Biscuits visits (informal whatever the lever) add cross-sector ties
        # of their own, whose noise hid the events' effect at 1,500 people and 8 seeds after recalibration.
        setting={"matching.enabled": False},
    ),
    Knockout(
        "power_sharing",
        "lever",
        "co-production and shared ownership",
        {"strategy.power_sharing": 0.0},
        (
            Effect("mean_team_trust", +1, "safer project meetings build trust within teams", "benefit"),
            Effect(
                "projects_completed",
                +1,
                "safer meetings, more trust and more energy outweigh the time shared decisions take",
                "benefit",
            ),
        ),
    ),
    Knockout(
        "shared decisions (cost of power sharing)",
        "lever cost",
        "shared decisions take meeting time and hours",
        {"projects.coproduction_slowdown": 0.0, "time.coproduction_hours": 0.0},
        (Effect("mean_project_weeks", +1, "projects take longer to complete", "cost"),),
    ),
    Knockout(
        "role_modelling",
        "lever",
        "leads who model distributed leadership",
        {"strategy.role_modelling": 0.0},
        (
            Effect("adopters", +1, "leads who practise what they preach persuade more people", "benefit"),
            Effect("gatherings_held", -1, "role modelling takes the leads' time from convening", "cost"),
        ),
        setting={"champions.convene_rate": 0.0},
    ),
    Knockout(
        "self_selection",
        "lever",
        "self-selected teams (vs assigned ones)",
        {"strategy.self_selection": 0.0},
        (
            Effect("mean_team_trust", +1, "people choose colleagues they trust", "benefit"),
            Effect("mean_team_coverage", -1, "trusted colleagues often come from one's own sector", "cost"),
        ),
    ),
    Knockout(
        "overhead",
        "lever",
        "action plans, approvals and monitoring",
        {"strategy.overhead": 0.0},
        (
            Effect("projects_stopped", +1, "reviews stop stalled projects and free their people", "benefit"),
            Effect("mean_confidence", -1, "monitoring erodes confidence", "cost"),
        ),
        scenario="top-down",
    ),
    Knockout(
        "sponsorship",
        "lever",
        "formal senior sponsorship of every project",
        {"strategy.sponsorship": 0.0},
        (Effect("projects_completed", +1, "a sponsor's backing speeds projects (sponsors kept in post)", "benefit"),),
        setting={
            "strategy.sponsorship": 0.8,
            "sponsorship.orphan_failure": 0.0,
            "sponsorship.reorg_loss": 0.0,
            "senior_support.level": 0.1,
            "senior_support.from_adopters": 0.0,
        },
    ),
    Knockout(
        "sponsor dependence (cost of sponsorship)",
        "lever cost",
        "a sponsored project fails with some chance when its sponsor leaves or is caught up in a reorganisation",
        {"sponsorship.orphan_failure": 0.0, "sponsorship.reorg_loss": 0.0},
        (Effect("projects_orphaned", +1, "projects fail when their sponsor goes", "cost"),),
        setting={"strategy.sponsorship": 0.8, "churn.turnover": 0.02},
    ),
)
"""Every mechanism of the week and every strategy lever, with what it exists for."""

assert {k.name for k in KNOCKOUTS if k.kind == "phase"} == set(PHASE_NAMES)


def get(name: str) -> Knockout:
    for k in KNOCKOUTS:
        if k.name == name:
            return k
    raise KeyError(name)


def _one(args) -> dict[str, float]:
    scenario, overrides, seed, weeks = args
    return run(scenarios.get(scenario).params(dict(overrides)), seed, weeks).metrics


Job = tuple[str, dict, int, int]
"""One run: scenario, overrides, seed, weeks."""


def _key(job: Job) -> tuple:
    scenario, overrides, seed, weeks = job
    return scenario, tuple(sorted((k, repr(v)) for k, v in overrides.items())), seed, weeks


def contributions(
    ko: Knockout,
    seeds: Sequence[int],
    *,
    size: int | None = None,
    weeks: int | None = None,
    executor: Executor | None = None,
    runs: dict | None = None,
) -> dict[str, np.ndarray]:
    """Paired contributions of ``ko``'s mechanism (on minus off) to each of its outcomes, one per seed.

    ``runs``, a dict kept by the caller across calls, holds the runs already made: the intact arm of the
    knock-outs that share a scenario, setting and horizon (fourteen of them share the default scenario's) is
    then run once. A run is a function of its scenario, overrides, seed and weeks, so sharing changes no number.
    """
    setting = dict(ko.setting)
    if size is not None:
        setting["population.size"] = size
    weeks = ko.weeks if weeks is None else weeks
    jobs: list[Job] = [(ko.scenario, setting, s, weeks) for s in seeds]
    jobs += [(ko.scenario, {**setting, **ko.off}, s, weeks) for s in seeds]
    made = {} if runs is None else runs
    todo = list({_key(j): j for j in jobs if _key(j) not in made}.values())
    done = executor.map(_one, todo) if executor is not None else map(_one, todo)
    made.update(zip(map(_key, todo), done, strict=True))
    res = [made[_key(j)] for j in jobs]
    on, off = res[: len(seeds)], res[len(seeds) :]
    return {
        e.outcome: np.array([a[e.outcome] - b[e.outcome] for a, b in zip(on, off, strict=True)]) for e in ko.effects
    }


def interval(d: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and a t interval of paired differences."""
    from scipy import stats

    n = d.size
    m = float(d.mean())
    if n < 2 or d.std(ddof=1) == 0:
        return m, m, m
    h = float(stats.t.ppf(0.5 + level / 2, n - 1) * d.std(ddof=1) / np.sqrt(n))
    return m, m - h, m + h

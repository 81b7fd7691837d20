"""``LeadershipModel``: the world, and the weekly step as a table of contents.

The model owns the hot state (:class:`~simulation.population.People`, the
:class:`~simulation.kernels.network.TrustNetwork`, the
:class:`~simulation.mechanisms.projects.ProjectBook`) and the working state of the
mechanisms that keep any (each module's own object, under one attribute: ``meetings``,
``convening``, ``time_use``, ``opportunities``), and calls the mechanisms
(:mod:`simulation.mechanisms`) in a fixed order each week (one step = one week). Funded events and
gatherings are put on Mesa's event scheduler half a week before they are due and held
in the events phase of their week. Metrics are collected with Mesa's
DataCollector from the registry in :mod:`simulation.metrics`.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
from mesa.time import Priority

from .agents import Person
from .config import ConfigError, Params, make_params, param_paths, suggest
from .mechanisms import (
    champions,
    churn,
    commissioning,
    events,
    matching,
    mindset,
    online,
    projects,
    referrals,
    time_budget,
    trust,
    wellbeing,
)
from .mechanisms.opportunities import OpportunityBook
from .metrics import SUMMARY_METRICS, TIMESERIES_METRICS, Snapshot, locality_frame, measure, measure_localities
from .population import build_network, build_people
from .rng import Streams
from .sectors import N_SECTORS

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy.typing as npt
    import pandas as pd

    from .kernels.network import TrustNetwork
    from .population import People
PHASES = (
    ("trust upkeep", trust.phase),
    ("events", events.phase),
    ("matching", matching.phase),
    ("online", online.phase),
    ("merge contacts", trust.commit_phase),
    ("mindset", mindset.phase),
    ("time budget", time_budget.phase),
    ("confidence and energy", wellbeing.phase),
    ("project progress", projects.progress_phase),
    ("project proposals", projects.proposal_phase),
    ("commissioning", commissioning.phase),
    ("referrals", referrals.phase),
    ("churn", churn.phase),
    ("champions", champions.phase),
    ("merge contacts", trust.commit_phase),
)
"""The weekly step, in order: (name, function of the model). Every phase but the merges of contacts can be
switched off by name with ``mechanisms.off`` (the knock-out experiments, docs/knockouts.md)."""


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while many objects are made at once (the people's Mesa agents).

    Creating a million agents otherwise sets off several full collections, each walking every object of the
    process (about 1.2 s in all at a million people); reference counting still frees what it frees, and the
    collector runs again, as it was, afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class LeadershipModel(mesa.Model):
    """System leadership in a local health and care system.

    Built the project's way, ``LeadershipModel(params, seed=3)``, or the Mesa way,
    ``LeadershipModel(rng=3, strategy__overhead=0.8, population__size=300)``; the two are bit-identical for
    the same parameters and seed. People are Mesa agents (``model.agents`` is their ``AgentSet``;
    ``model.person_agents[slot]`` finds one by slot); the weekly step works on whole arrays, not agent by agent.

    Args:
        params: validated parameters (:class:`~simulation.config.Params` from
            :func:`simulation.config.make_params`) or a nested table of them; defaults if omitted.
        rng: the run's seed, as Mesa takes it: a whole number >= 0, a ``numpy.random.SeedSequence``, a
            ``numpy.random.Generator`` (a seed is drawn from it) or None (a fresh seed is drawn). Every random
            stream derives from it (:class:`simulation.rng.Streams`); the whole number used is ``model.seed``,
            so any run can be repeated with ``rng=model.seed``.
        seed: the older name of ``rng`` (the sweep engine, the command line and the tests use it); give one.
        **parameters: any parameter by its dotted path with ``__`` for the dots (scikit-learn's convention:
            ``trust__decay=0.03``, ``population__shares__vcs=0.2``), applied on top of ``params`` and validated
            by :func:`simulation.config.make_params`: a bad name or value raises
            :class:`~simulation.config.ConfigError` naming it.

    ``running`` turns false after week ``run.weeks`` (156 unless set), so ``mesa.batch_run`` and SolaraViz's
    Play stop there; stepping on by hand still works.
    """

    def __init__(
        self,
        params: Params | Mapping[str, Any] | None = None,
        *,
        rng: SeedLike | None = None,
        seed: SeedLike | None = None,
        **parameters: Any,
    ):
        # -- Mesa-style arguments (params=, rng=/seed=, parameter keywords): model_arguments below ---------
        self.params, self.seed = model_arguments(params, rng=rng, seed=seed, parameters=parameters)
        self.streams = Streams(self.seed)
        super().__init__(rng=self.streams.generator("mesa"))
        # -- end of the Mesa-style arguments ------------------------------------------------------------
        p = self.params

        # World: people, the siloed network, indices by organisation and sector.
        self.people: People = build_people(p, self.streams.population)
        self.trust: TrustNetwork = build_network(self.people, p, self.streams.network)
        self.projects: projects.ProjectBook = projects.ProjectBook()
        self.locality_size = np.bincount(self.people.locality, minlength=p.population.localities)
        self.opportunities: OpportunityBook = OpportunityBook(
            self.locality_size, len(p.projects.themes), p.opportunities.per_theme
        )
        people = self.people
        self.org_start = np.searchsorted(people.org, people.org, side="left")
        self.org_end = np.searchsorted(people.org, people.org, side="right")
        self.sector_index = [
            [np.flatnonzero((people.locality == loc) & (people.sector == s)) for s in range(N_SECTORS)]
            for loc in range(p.population.localities)
        ]
        self.seniors = [
            np.flatnonzero((people.locality == loc) & (people.seniority == 2) & ~people.is_lead)
            for loc in range(p.population.localities)
        ]  # sponsors and commissioners (fixed roles)
        self.next_person_id = people.n
        with _cycle_collection_paused():  # (a million agents: 1.2 s less)
            self.person_agents: list[Person] = [Person(self, k) for k in range(people.n)]

        # Bookkeeping.
        self.tally: Counter = Counter()
        self.event_log: list[dict] = []
        self.active_history: list[tuple[int, int]] = []
        self.new_projects: list[int] = []
        # Working state of the mechanisms that keep any, each the module's own object.
        self.meetings = events.MeetingQueue(self)  # announced on Mesa's scheduler, and due this week
        self.time_use: time_budget.TimeUse = time_budget.TimeUse()  # who was over-committed last week
        self.convening = champions.Convening(p.population.localities)  # gatherings convened lately
        off = set(p.mechanisms.off)
        self.phases = tuple((name, fn) for name, fn in PHASES if name not in off)
        # Each locality runs the calendar from its own start week (programme.locality_start_weeks).
        shifts = [0] + [w - 1 for w in p.programme.locality_start_weeks]
        shifts += [0] * (p.population.localities - len(shifts))
        self.locality_start_week = np.array([1 + s for s in shifts[: p.population.localities]], np.int64)
        self.locality_end_week = self.locality_start_week - 1 + p.programme.end_week
        self.programme_end_week = int(self.locality_end_week.max())
        self.locality_tally = {
            name: np.zeros(p.population.localities, np.int64) for name in ("events_held", "cross_sector_referrals")
        }
        self.locality_history: list[dict[str, np.ndarray]] = []
        for meeting in events.calendar(p):
            self.meetings.announce(meeting)

        self.datacollector = WeeklyCollector(
            model_reporters={
                "week": lambda m: m.week,
                **{k: _reporter(k) for k in TIMESERIES_METRICS},
                **{k: _reporter(k) for k in SUMMARY_ONLY_METRICS},  # (for mesa.batch_run:
                "seed": lambda m: m.seed,
            }  # its rows then hold every metric and the seed used)
        )
        self._now: dict[str, float] = {}
        self._collect()

        # -- horizon (Mesa idiom): running turns false after week run.weeks, once that week's step is done --
        self.schedule_event(self._reach_horizon, at=p.run.weeks, priority=Priority.LOW)

    def _reach_horizon(self) -> None:
        self.running = False

    # -- time -----------------------------------------------------------
    @property
    def week(self) -> int:
        return self.steps

    @property
    def programme_over(self) -> bool:
        """The funded programme has ended in every locality."""
        return self.week > self.programme_end_week

    def programme_running(self) -> np.ndarray:
        """Per locality: its funded programme is under way this week (started and not ended)."""
        on = (self.locality_start_week <= self.week) & (self.week <= self.locality_end_week)
        return on & self.params.programme.enabled

    def step(self) -> None:
        self.new_projects = []
        for _name, phase in self.phases:
            phase(self)
        self._collect()

    def _collect(self) -> None:
        snap = Snapshot(self)  # shared by the metrics and the localities (working-tie graph etc.)
        self._now = measure(self, snapshot=snap)
        self.active_history.append((self.week, int(self._now["active_people"])))
        # Metrics of the whole run so far, also in the DataCollector's rows (read the records, draw nothing).
        self._now.update(measure(self, SUMMARY_ONLY_METRICS, snapshot=snap))
        self.locality_history.append(measure_localities(self, snap))
        self.datacollector.collect(self)

    # -- people -------------------------------------------------------------
    def replace_agents(self, slots: npt.ArrayLike) -> None:
        """Newcomers take the leavers' slots: retire their agents, create new ones."""
        for s in np.asarray(slots).tolist():
            self.person_agents[s].remove()
            self.person_agents[s] = Person(self, s)

    # -- results ------------------------------------------------------------
    def timeseries(self) -> pd.DataFrame:
        """One row per week (week 0 is the start), model quantities only."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        return df[["week", *TIMESERIES_METRICS]]

    def summary(self) -> dict[str, float]:
        return measure(self, SUMMARY_METRICS)

    def localities(self) -> pd.DataFrame:
        """One row per week and locality (``week``, ``locality`` first), columns :data:`LOCALITY_METRICS`."""
        return locality_frame(self.locality_history)


def _reporter(name: str) -> Callable[[LeadershipModel], float]:
    def report(model: LeadershipModel) -> float:
        return model._now[name]

    report.__name__ = name
    return report


SUMMARY_ONLY_METRICS = tuple(m for m in SUMMARY_METRICS if m not in TIMESERIES_METRICS)
"""Metrics of a whole run (activity after the programme ...), also collected each week so that the last row of
the DataCollector, which is what ``mesa.batch_run`` returns, holds every metric of ``summary()``."""


class WeeklyCollector(mesa.DataCollector):
    """Mesa's DataCollector for this model: its model reporters read the week's metrics, computed once in
    ``LeadershipModel._collect`` (``model._now``: floats and ints). Once Mesa has validated the reporters (the
    first collection), each week's values are appended as they are, without the deep copy Mesa makes of every
    value (a copy of a number is the number): the same rows at a fraction of the cost."""

    def collect(self, model: LeadershipModel) -> None:
        if not self._validated or self.agent_reporters or self.agenttype_reporters:
            super().collect(model)
            return
        self._collection_steps.append(model.time)
        for var, reporter in self.model_reporters.items():
            self.model_vars[var].append(reporter(model))


# --------------------------------------------------------------------------
# Mesa-style arguments: params=, rng= (or seed=), parameters as keywords
# --------------------------------------------------------------------------

SeedLike = int | np.integer | np.random.SeedSequence | np.random.Generator
"""What ``rng=`` takes besides None (as Mesa's ``Model(rng=...)``)."""

_RNG_ALLOWED = "allowed a whole number >= 0, a numpy SeedSequence or Generator, or None (a fresh seed)"


def seed_from(rng: SeedLike | None, name: str = "rng") -> int:
    """The whole-number seed of a run from what ``rng=`` takes.

    An int is itself; ``SeedSequence(n)`` is ``n`` (so ``rng=SeedSequence(3)`` is the same run as ``rng=3``);
    a spawned ``SeedSequence`` or a ``Generator`` gives a number drawn from it; None draws a fresh one
    from the operating system's entropy. Drawn seeds are below 2**63.
    """
    if rng is None:  # fresh entropy from the operating system
        return int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))
    if isinstance(rng, bool):
        raise ConfigError(f"{name} = {rng!r} is not allowed: {_RNG_ALLOWED}")
    if isinstance(rng, int | np.integer):
        if rng < 0:
            raise ConfigError(f"{name} = {rng!r} is not allowed: {_RNG_ALLOWED}")
        return int(rng)
    if isinstance(rng, np.random.SeedSequence):
        if rng.spawn_key == () and isinstance(rng.entropy, int):
            return int(rng.entropy)
        return int(rng.generate_state(1, np.uint64)[0] >> np.uint64(1))
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2**63))
    raise ConfigError(f"{name} = {rng!r} is not allowed: {_RNG_ALLOWED}")


def model_arguments(
    params: Params | Mapping[str, Any] | None = None,
    *,
    rng: SeedLike | None = None,
    seed: SeedLike | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> tuple[Params, int]:
    """Validated parameters and the whole-number seed from :class:`LeadershipModel`'s arguments.

    ``parameters`` are keyword arguments named by dotted paths with ``__`` for the dots. ``params`` given
    alone is used as it is (no copy, no re-validation), so ``LeadershipModel(params, seed=3)`` is unchanged.
    Raises :class:`ConfigError` with one line naming the argument.
    """
    if rng is not None and seed is not None:
        raise ConfigError("rng and seed are both given: give one (seed is the older name of rng)")
    run_seed = seed_from(rng if seed is None else seed, "rng" if seed is None else "seed")
    overrides: dict[str, Any] = {}
    paths = set(param_paths())
    for key, value in (parameters or {}).items():
        path = key.replace("__", ".")
        if path not in paths:
            hint = suggest(key, [q.replace(".", "__") for q in paths])
            raise ConfigError(
                f"unknown model argument '{key}'{hint}: parameters are keywords named by their dotted "
                "path with __ for the dots (strategy__overhead=0.8); 'syslead params' lists them"
            )
        if isinstance(value, np.generic | np.ndarray):
            value = value.tolist()  # numpy numbers from a sweep, as Python numbers
        overrides[path] = value
    if params is None:
        return make_params(None, overrides), run_seed
    if isinstance(params, Params):
        return (params if not overrides else make_params(params.to_dict(), overrides)), run_seed
    if isinstance(params, Mapping):
        return make_params(params, overrides), run_seed
    raise ConfigError(
        f"params = {type(params).__name__} is not allowed: allowed parameters from "
        "simulation.config.make_params, a table of parameters, or None"
    )

"""``LeadershipModel``: the world, and the weekly step as a table of contents.

The model owns the hot state (:class:`~simulation.population.People`, the
:class:`~simulation.trust.TrustNetwork`, the
:class:`~simulation.projects.ProjectBook`) and calls the mechanisms in a
fixed order each week (one step = one week). Funded events and gatherings
are put on Mesa's event scheduler half a week before they are due and held
in the events phase of their week. Metrics are collected with Mesa's
DataCollector from the registry in :mod:`simulation.metrics`.
"""

from __future__ import annotations

from collections import Counter

import mesa
import numpy as np

from . import (
    champions,
    churn,
    commissioning,
    matching,
    mindset,
    online,
    projects,
    referrals,
    time_budget,
    trust,
    wellbeing,
)
from .agents import Person
from .config import Params, make_params
from .events import Meeting, calendar, choose_attendees, hold, invitation_probability
from .metrics import SUMMARY_METRICS, TIMESERIES_METRICS, Snapshot, locality_frame, measure, measure_localities
from .opportunities import OpportunityBook
from .population import build_network, build_people
from .rng import Streams
from .sectors import N_SECTORS


def keep_freed_memory() -> None:
    """Ask glibc's allocator to keep freed memory for reuse instead of returning it to the system.

    A week allocates and frees arrays of every tie (hundreds of kilobytes to megabytes). With glibc's
    defaults the top of the heap is handed back to the system after each such free, and the next
    allocation of the same size pays a page fault per 4 KiB page (measured: about 600 faults and 2 ms
    per merge of new ties at 10,000 people, against 0.1 ms for the copying itself; docs/performance.md).
    Arrays below 32 MiB are taken from the heap, and up to 256 MiB of freed heap is kept. Only the
    speed of allocation changes, never a result. No effect on other C libraries (or with
    ``SYSLEAD_MALLOC=default`` in the environment). The setting is process-wide, so importing the
    model never makes it: the ``syslead`` command and the benchmark scripts call it.
    """
    import ctypes
    import os
    import sys

    if not sys.platform.startswith("linux") or os.environ.get("SYSLEAD_MALLOC") == "default":
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 32 << 20)
    mallopt(m_trim_threshold, 256 << 20)



def events_phase(model: LeadershipModel) -> None:
    """Hold the events due this week (queued by the scheduler), in order."""
    due, model._due = model._due, []
    for meeting in due:
        model.hold_meeting(meeting)


PHASES = (
    ("trust upkeep", trust.phase),
    ("events", events_phase),
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


class _Announcement:
    """A meeting on Mesa's scheduler; firing queues it for its week (a bound method, as Mesa requires)."""

    def __init__(self, model: LeadershipModel, meeting: Meeting):
        self.model = model
        self.meeting = meeting

    def fire(self) -> None:
        self.model._due.append(self.meeting)
        self.model._announcements.discard(self)


class LeadershipModel(mesa.Model):
    """System leadership in a local health and care system.

    Args:
        params: validated parameters (:func:`simulation.config.make_params`); defaults if omitted.
        seed: the run's seed; every random stream derives from it (:class:`simulation.rng.Streams`).
    """

    def __init__(self, params: Params | None = None, *, seed: int = 0):
        self.streams = Streams(seed)
        super().__init__(rng=self.streams.generator("mesa"))
        self.params = params if params is not None else make_params()
        self.seed = int(seed)
        p = self.params

        # World: people, the siloed network, indices by organisation and sector.
        self.people = build_people(p, self.streams.population)
        self.trust = build_network(self.people, p, self.streams.network)
        self.projects = projects.ProjectBook()
        self.locality_size = np.bincount(self.people.locality, minlength=p.population.localities)
        self.opportunities = OpportunityBook(self.locality_size, len(p.projects.themes), p.opportunities.per_theme)
        people = self.people
        self.org_start = np.searchsorted(people.org, people.org, side="left")
        self.org_end = np.searchsorted(people.org, people.org, side="right")
        self.sector_index = [
            [np.flatnonzero((people.locality == loc) & (people.sector == s)) for s in range(N_SECTORS)]
            for loc in range(p.population.localities)
        ]
        self.seniors = [np.flatnonzero((people.locality == loc) & (people.seniority == 2) & ~people.is_lead)
                        for loc in range(p.population.localities)]  # sponsors and commissioners (fixed roles)
        self.next_person_id = people.n
        self.person_agents: list[Person] = [Person(self, k) for k in range(people.n)]

        # Bookkeeping.
        self.tally: Counter = Counter()
        self.event_log: list[dict] = []
        self.active_history: list[tuple[int, int]] = []
        self.new_projects: list[int] = []
        self._due: list[Meeting] = []
        self._announcements: set[_Announcement] = set()
        self.overcommitted = 0
        off = set(p.mechanisms.off)
        self.phases = tuple((name, fn) for name, fn in PHASES if name not in off)
        # Each locality runs the calendar from its own start week (programme.locality_start_weeks).
        shifts = [0] + [w - 1 for w in p.programme.locality_start_weeks]
        shifts += [0] * (p.population.localities - len(shifts))
        self.locality_start_week = np.array([1 + s for s in shifts[: p.population.localities]], np.int64)
        self.locality_end_week = self.locality_start_week - 1 + p.programme.end_week
        self.programme_end_week = int(self.locality_end_week.max())
        self.locality_tally = {name: np.zeros(p.population.localities, np.int64)
                               for name in ("events_held", "cross_sector_referrals")}
        self.locality_history: list[dict[str, np.ndarray]] = []
        for meeting in calendar(p):
            self.announce(meeting)

        self.datacollector = mesa.DataCollector(
            model_reporters={"week": lambda m: m.week, **{k: _reporter(k) for k in TIMESERIES_METRICS}}
        )
        self._now: dict[str, float] = {}
        self._collect()

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
        self.locality_history.append(measure_localities(self, snap))
        self.datacollector.collect(self)

    # -- events -----------------------------------------------------------
    def announce(self, meeting: Meeting) -> None:
        """Put a meeting on Mesa's scheduler, to be held in the events phase of ``meeting.week``."""
        ann = _Announcement(self, meeting)
        self._announcements.add(ann)
        self.schedule_event(ann.fire, at=meeting.week - 0.5)

    def hold_meeting(self, meeting: Meeting) -> dict | None:
        rng = self.streams.events
        if meeting.convener >= 0:
            p_inv = champions.invitations(self, meeting.convener)
        else:
            p_inv = invitation_probability(self.people, self.trust, self.params)
        attendees = choose_attendees(p_inv, self.people, self.params, meeting, rng)
        if len(attendees) < 2:
            return None
        record = hold(meeting, attendees, self.people, self.trust, self.params, rng, self.week)
        self.event_log.append(record)
        self.locality_tally["events_held"][meeting.locality] += 1
        if record["type"] == "gathering":
            self.tally["gatherings_held"] += 1
        return record

    # -- people -------------------------------------------------------------
    def replace_agents(self, slots) -> None:
        """Newcomers take the leavers' slots: retire their agents, create new ones."""
        for s in np.asarray(slots).tolist():
            self.person_agents[s].remove()
            self.person_agents[s] = Person(self, s)

    # -- results ------------------------------------------------------------
    def timeseries(self):
        """One row per week (week 0 is the start), model quantities only."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        return df[["week", *TIMESERIES_METRICS]]

    def summary(self) -> dict[str, float]:
        return measure(self, SUMMARY_METRICS)

    def localities(self):
        """One row per week and locality (``week``, ``locality`` first), columns :data:`LOCALITY_METRICS`."""
        return locality_frame(self.locality_history)


def _reporter(name: str):
    def report(model: LeadershipModel) -> float:
        return model._now[name]

    report.__name__ = name
    return report

"""The one registry of outcome metrics.

Every metric has a name (a column of ``timeseries.csv``, a key of
``summary.json``, a column of sweep tables), a unit and a meaning, and is
computed from a :class:`Snapshot` of the model, which computes shared pieces
(the working-tie graph, its components) once per week. The DataCollector,
the CLI, sweeps, reports and the dashboard all read this registry: adding a
metric means adding one entry here.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from . import cost
from .kernels.graph import closed_wedges, component_labels, local_clustering, working_degree, working_summary
from .kernels.network import CROSS_KIND
from .mechanisms.projects import ACTIVE, COMPLETED, FAILED
from .sectors import CHAMPION, PRACTISING, SECTORS, VCS_INDEX

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd

    from .config import Params
    from .model import LeadershipModel


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    doc: str
    fn: Callable[[Snapshot], float]
    summary_only: bool = False
    key: bool = False  # shown in reports and the dashboard by default


class Snapshot:
    """Lazily computed views of the model's state at the end of a week.

    Tie counts use the trust network's arcs (each tie is stored twice, so
    counts of arcs are halved); every count is exact. Only clustering is
    estimated, and only above ``metrics.clustering_exact_max`` people (see
    :meth:`clustering`).
    """

    def __init__(self, model: LeadershipModel) -> None:
        self.model = model
        self.people = model.people
        self.net = model.trust
        self.params = model.params

    @cached_property
    def working(self) -> np.ndarray:
        """Per stored arc: a live tie at or above the working threshold."""
        return self.net.working_arcs(self.params.trust.working_threshold)

    @cached_property
    def _ties(self) -> tuple[int, int, int, int]:
        """Working ties, working cross-sector ties, those of them with a VCS end, and the size of the largest
        component of the working-tie graph: one pass over the ties
        (:func:`simulation.kernels.graph.working_summary`)."""
        net = self.net
        out = working_summary(
            net._start,
            net._len,
            net._dst,
            net._w,
            net._cls,
            float(self.params.trust.working_threshold),
            CROSS_KIND,
            self.people.sector,
            VCS_INDEX,
        )
        return int(out[0]), int(out[1]), int(out[2]), int(out[3])

    @cached_property
    def n_working(self) -> int:
        return self._ties[0]

    @cached_property
    def cross_arcs(self) -> np.ndarray:
        return self.working & self.net.arc_class(CROSS_KIND)

    @cached_property
    def n_cross(self) -> int:
        return self._ties[1]

    @cached_property
    def graph(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The working-tie graph in CSR form (indptr, indices, arc positions)."""
        return self.net.graph(self.params.trust.working_threshold)

    @cached_property
    def components(self) -> np.ndarray:
        indptr, indices, _ = self.graph
        return component_labels(indptr, indices, self.people.n)

    @cached_property
    def cost(self) -> dict[str, float]:
        """Delivery cost so far (:func:`simulation.cost.of_model`), computed once for the six cost metrics."""
        return cost.of_model(self.model)

    @cached_property
    def _people_tally(self) -> tuple[dict[str, float], dict[str, np.ndarray]]:
        p = self.people
        # one joint count of sector x mindset x reached gives every per-sector and mindset count
        key = (p.sector.astype(np.intp) << 3) | (p.mindset << 1) | p.reached
        joint = np.bincount(key, minlength=len(SECTORS) * 8).reshape(len(SECTORS), 4, 2)
        reached = joint[:, :, 1].sum(axis=1)
        adopters = joint[:, PRACTISING:, :].sum(axis=(1, 2))
        champions = int(joint[:, CHAMPION, :].sum()) - np.count_nonzero(p.mindset[p.is_lead] == CHAMPION)
        counts = {
            "people_reached": float(reached.sum()),
            "adopters": float(adopters.sum()),
            "champions": float(champions),
            "online_people": float(np.count_nonzero(p.online)),
            "matching_registered": float(np.count_nonzero(p.registered)),
            "active_people": float(np.count_nonzero(p.active_week == self.model.week)),
            "decision_makers_reached": float(np.count_nonzero(p.reached & (p.seniority > 0) & ~p.is_lead)),
        }
        return counts, {"reached": reached.astype(np.float64), "adopters": adopters.astype(np.float64)}

    @property
    def people_counts(self) -> dict[str, float]:
        """Head counts: people reached, adopters, champions (not leads), online, registered, active this week."""
        return self._people_tally[0]

    @property
    def by_sector(self) -> dict[str, np.ndarray]:
        """People reached and adopters per sector."""
        return self._people_tally[1]

    @cached_property
    def active_projects(self) -> np.ndarray:
        """The projects under way (indices into the project book)."""
        return self.model.projects.active()

    @cached_property
    def project_status(self) -> np.ndarray:
        """Number of projects by status (index ACTIVE, COMPLETED, FAILED)."""
        book = self.model.projects
        return np.bincount(book.status[: book.count], minlength=3)

    def largest_component_share(self) -> float:
        if self.people.n == 0:
            return 0.0
        return float(np.int64(self._ties[3]) / self.people.n)

    def clustering(self) -> float:
        """Mean local clustering of the working-tie graph (people with fewer than two ties count 0).

        Exact up to ``metrics.clustering_exact_max`` people (triangles counted
        by :func:`simulation.kernels.graph.local_clustering`). Above that it is
        estimated by wedge sampling: ``metrics.clustering_sample`` people are
        drawn uniformly (with replacement), and for each one with two or more
        working ties a random pair of their neighbours is checked for a tie.
        The share of closed pairs is an unbiased estimate of the mean local
        clustering with standard error at most ``0.5 / sqrt(sample)`` (0.011
        for 2,000). Draws come from a generator seeded by the run seed and the
        week, so metrics never touch the model's random streams.
        """
        n = self.people.n
        if n == 0:
            return 0.0
        thr = self.params.trust.working_threshold
        if n <= self.params.metrics.clustering_exact_max:
            net = self.net  # triangles over deg (deg - 1) / 2 per person, from the stored ties
            return float(local_clustering(net._start, net._len, net._dst, net._w, float(thr)).mean())
        size = self.params.metrics.clustering_sample
        rng = self.model.streams.generator("metrics", self.model.week)
        v = rng.integers(0, n, size)
        net = self.net
        deg = working_degree(net._start, net._len, net._w, float(thr), v)  # working ties of each person drawn
        ok = np.flatnonzero(deg >= 2)
        d = deg[ok]
        first = (rng.random(ok.size) * d).astype(np.int64)
        second = (rng.random(ok.size) * (d - 1)).astype(np.int64)
        second += second >= first
        closed = closed_wedges(net._start, net._len, net._dst, net._w, float(thr), v[ok], first, second)
        return float(np.int64(closed) / size)


def _cross_share(s: Snapshot) -> float:
    return s.n_cross / s.n_working if s.n_working else 0.0


def _vcs_cross(s: Snapshot) -> float:
    # A cross-sector tie involves the voluntary sector when one end is VCS; the other end then is not,
    # so counting working cross-sector arcs that point at a VCS person counts each such tie once.
    return float(s._ties[2])


def _mean_project_sectors(s: Snapshot) -> float:
    book = s.model.projects
    if book.count == 0:
        return 0.0
    return float(book.team_stats()[0].mean())


_MEMO: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _memo(model: LeadershipModel) -> dict:
    """Running totals of the model's records (append-only lists) for the metrics that read all of them, so that
    a week's metrics cost the same in week 500 as in week 5. Kept here, by model, not on the model."""
    memo = _MEMO.get(model)
    if memo is None:
        memo = _MEMO[model] = {"active": [0, 0, 0], "first_event": None, "events_seen": 0, "gatherings_after": 0}
    return memo


def _post_programme_activity(s: Snapshot) -> float:
    """Mean number of people taking part in anything per week after the programme ended."""
    m = s.model
    seen = _memo(m)["active"]  # [entries read, weeks after the programme, people over those weeks]
    end = m.programme_end_week
    for w, v in m.active_history[seen[0] :]:
        if w > end:
            seen[1] += 1
            seen[2] += v
    seen[0] = len(m.active_history)
    # (an exact integer total over a count: the same float as numpy's mean of the list)
    return float(np.float64(seen[2]) / seen[1]) if seen[1] else 0.0


def _first_event_attendance(s: Snapshot) -> float:
    memo = _memo(s.model)
    if memo["first_event"] is None:
        funded = next((e for e in s.model.event_log if e["funded"] and e["type"] != "gathering"), None)
        if funded is None:
            return 0.0
        memo["first_event"] = float(funded["attendees"])
    return memo["first_event"]


def _projects_after(s: Snapshot) -> float:
    m = s.model
    book = m.projects
    return float((book.start[: book.count] > m.programme_end_week).sum())


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def _mean_weeks(s: Snapshot) -> float:
    book = s.model.projects
    done = book.status[: book.count] == COMPLETED
    return float((book.end[: book.count][done] - book.start[: book.count][done]).mean()) if done.any() else 0.0


def _active_mean(s: Snapshot, column: str) -> float:
    book = s.model.projects
    act = s.active_projects
    return float(getattr(book, column)[act].mean()) if act.size else 0.0


def _gathering_attendance(s: Snapshot) -> float:
    log, week = s.model.event_log, s.model.week
    total = 0
    for e in reversed(log):  # this week's meetings are the last ones logged
        if e["week"] != week:
            break
        if e["type"] == "gathering":
            total += e["attendees"]
    return float(total)


FOLLOW_UP_WEEKS = 52  # "after the programme": the year after the funded programme ended


def _gathering_attendance_after(s: Snapshot) -> float:
    m = s.model
    end = m.programme_end_week
    last = min(m.week, end + FOLLOW_UP_WEEKS)
    if last <= end:
        return 0.0
    memo = _memo(m)  # events are logged in week order, none after this week: add up the ones not seen yet
    log = m.event_log
    for e in log[memo["events_seen"] :]:
        if e["type"] == "gathering" and end < e["week"] <= end + FOLLOW_UP_WEEKS:
            memo["gatherings_after"] += e["attendees"]
    memo["events_seen"] = len(log)
    return float(4.0 * memo["gatherings_after"] / (last - end))


def _registration_growth_after(s: Snapshot) -> float:
    m = s.model
    end = m.programme_end_week
    history = m.datacollector.model_vars["matching_registered"]  # one value per week, from week 0
    last = min(m.week, end + FOLLOW_UP_WEEKS)
    if last <= end or history[end] <= 0:
        return 0.0
    now = history[last] if last < len(history) else s.people_counts["matching_registered"]
    return float(now / history[end] - 1.0)


def _by_sector(kind: str) -> Callable[[int], Callable[[Snapshot], float]]:
    def make(idx: int) -> Callable[[Snapshot], float]:
        return lambda s: float(s.by_sector[kind][idx])

    return make


def _count(name: str) -> Callable[[Snapshot], float]:
    return lambda s: s.people_counts[name]


def _reached_ever(s: Snapshot) -> float:
    return s.people_counts["people_reached"] + float(s.model.tally["reached_leavers"])


def _cost(name: str):
    return lambda s: s.cost[name]


_reached = _by_sector("reached")
_adopt = _by_sector("adopters")

METRICS: tuple[Metric, ...] = (
    Metric(
        "people_reached",
        "people",
        "people currently in post who have taken part in any programme activity "
        "(event, gathering, visit); a leaver's newcomer starts not reached",
        _count("people_reached"),
        key=True,
    ),
    Metric(
        "people_reached_ever",
        "people",
        "people who have ever taken part in any programme activity, including those who have left since",
        _reached_ever,
    ),
    Metric(
        "adopters",
        "people",
        "people practising system leadership (practising or champion)",
        _count("adopters"),
        key=True,
    ),
    Metric("champions", "people", "champions of system leadership (excluding programme leads)", _count("champions")),
    Metric("mean_confidence", "0-1", "mean confidence as a leader", lambda s: float(s.people.confidence.mean())),
    Metric("mean_energy", "0-1", "mean energy and capacity", lambda s: float(s.people.energy.mean())),
    Metric(
        "mean_knowledge",
        "0-1",
        "mean knowledge of other sectors",
        lambda s: float((s.people.knowledge.sum() / s.people.n - 1) / (len(SECTORS) - 1)),
    ),
    Metric(
        "working_ties",
        "ties",
        "ties with trust at or above the working threshold",
        lambda s: float(s.n_working),
        key=True,
    ),
    Metric("cross_sector_tie_share", "share", "share of working ties that cross sectors", _cross_share, key=True),
    Metric("cross_sector_ties", "ties", "working ties that cross sectors", lambda s: float(s.n_cross)),
    Metric("vcs_cross_sector_ties", "ties", "working ties between the voluntary sector and other sectors", _vcs_cross),
    Metric(
        "largest_component_share",
        "share",
        "share of people in the largest component of working ties",
        lambda s: s.largest_component_share(),
    ),
    Metric(
        "clustering",
        "0-1",
        "mean local clustering of the working-tie graph (exact up to "
        "metrics.clustering_exact_max people, a wedge-sampled estimate above)",
        lambda s: s.clustering(),
    ),
    Metric("online_people", "people", "people on the online network", _count("online_people")),
    Metric("matching_registered", "people", "people registered for Brew and Biscuits", _count("matching_registered")),
    Metric(
        "events_held", "events", "programme events and gatherings held so far", lambda s: float(len(s.model.event_log))
    ),
    Metric(
        "gatherings_held",
        "events",
        "gatherings convened by champions and leads so far",
        lambda s: float(s.model.tally["gatherings_held"]),
    ),
    Metric("active_people", "people", "people who took part in anything this week", _count("active_people"), key=True),
    Metric(
        "projects_proposed",
        "projects",
        "project ideas put forward so far (commissions included)",
        lambda s: float(s.model.projects.proposed),
    ),
    Metric(
        "projects_started",
        "projects",
        "projects started so far (teams formed)",
        lambda s: float(s.model.projects.count),
        key=True,
    ),
    Metric("projects_active", "projects", "projects under way", lambda s: float(s.project_status[ACTIVE]), key=True),
    Metric(
        "projects_completed",
        "projects",
        "projects completed so far",
        lambda s: float(s.project_status[COMPLETED]),
        key=True,
    ),
    Metric(
        "projects_failed",
        "projects",
        "projects that fizzled out or ran out of time so far",
        lambda s: float(s.project_status[FAILED]),
    ),
    Metric("mean_project_sectors", "sectors", "mean number of sectors in a project team", _mean_project_sectors),
    Metric(
        "patient_projects",
        "projects",
        "projects with a patient or citizen in the team",
        lambda s: float(s.model.projects.team_stats()[1].sum()),
    ),
    Metric(
        "cross_sector_referrals",
        "referrals",
        "cross-sector referrals made so far",
        lambda s: float(s.model.tally["cross_sector_referrals"]),
        key=True,
    ),
    Metric("leavers", "people", "people who left and were replaced so far", lambda s: float(s.model.tally["leavers"])),
    Metric(
        "projects_commissioned",
        "projects",
        "projects commissioned by senior leaders or the programme, with "
        "assigned teams, so far (included in projects_started)",
        lambda s: float(s.model.tally["projects_commissioned"]),
        key=True,
    ),
    Metric(
        "projects_stopped",
        "projects",
        "projects stopped at a monitoring review so far (included in projects_failed)",
        lambda s: float(s.model.projects.stopped[: s.model.projects.count].sum()),
    ),
    Metric(
        "overcommitted_people",
        "people",
        "people whose cross-sector work this week took more hours than their budget",
        lambda s: float(s.model.time_use.overcommitted),
    ),
    Metric(
        "decision_makers_reached",
        "people",
        "managers and senior leaders (not programme leads) in post who have taken part in any programme activity",
        _count("decision_makers_reached"),
    ),
    Metric(
        "decision_maker_share",
        "share",
        "share of managers and senior leaders among the people reached (0 if nobody is reached)",
        lambda s: _ratio(s.people_counts["decision_makers_reached"], s.people_counts["people_reached"]),
    ),
    Metric(
        "project_dropouts",
        "people",
        "times an over-committed person dropped a project, so far",
        lambda s: float(s.model.tally["dropouts"]),
    ),
    Metric(
        "mean_project_weeks",
        "weeks",
        "mean weeks from start to completion of the completed projects (0 if none)",
        _mean_weeks,
    ),
    Metric(
        "sponsors_lost",
        "projects",
        "projects whose sponsor or commissioner left or was caught up in a reorganisation, so far",
        lambda s: float(s.model.tally["sponsors_lost"]),
    ),
    Metric(
        "projects_orphaned",
        "projects",
        "projects that failed when their sponsor or commissioner went, so far (included in projects_failed)",
        lambda s: float(s.model.tally["projects_orphaned"]),
    ),
    Metric(
        "mean_team_trust",
        "trust",
        "mean trust between members of the projects under way (0 if none)",
        lambda s: _active_mean(s, "team_trust"),
    ),
    Metric(
        "mean_team_coverage",
        "share",
        "mean share of the needed sectors in the teams of projects under way (0 if none)",
        lambda s: _active_mean(s, "coverage"),
    ),
    Metric(
        "open_opportunities",
        "opportunities",
        "problems still open to a new project (all themes and localities)",
        lambda s: s.model.opportunities.total_open(),
    ),
    *(
        Metric(f"reached_{name}", "people", f"people reached in sector {name}", _reached(k))
        for k, name in enumerate(SECTORS)
    ),
    *(Metric(f"adopters_{name}", "people", f"adopters in sector {name}", _adopt(k)) for k, name in enumerate(SECTORS)),
    Metric(
        "first_event_attendance",
        "people",
        "attendance at the first programme event",
        _first_event_attendance,
        summary_only=True,
    ),
    Metric(
        "post_programme_activity",
        "people per week",
        "mean people taking part in anything per week after the funded programme ended (0 if the run ends first)",
        _post_programme_activity,
        summary_only=True,
    ),
    Metric(
        "projects_after_programme",
        "projects",
        "projects started after the funded programme ended",
        _projects_after,
        summary_only=True,
    ),
    Metric(
        "gathering_attendance",
        "people",
        "people at gatherings convened by champions and leads this week",
        _gathering_attendance,
    ),
    Metric(
        "gathering_attendance_after_programme",
        "people per four weeks",
        "people at gatherings per four weeks in the year after the funded programme ended (mean over the weeks "
        "of that year the run reached; 0 if the run ends first)",
        _gathering_attendance_after,
        summary_only=True,
    ),
    Metric(
        "registration_growth_after_programme",
        "share",
        "growth of Brew and Biscuits registrations in the year after the funded programme ended, as a share of "
        "the registrations in its last week (up to the run's end if sooner; 0 if the run ends first or nobody "
        "was registered)",
        _registration_growth_after,
        summary_only=True,
    ),
    # Delivery cost (simulation/cost.py): staff time so far, counted from what the model did, at the cost.* values.
    Metric(
        "staff_days",
        "staff days",
        "staff time the run took so far: facilitation, attendance, matching and "
        "management (the sum of the four staff_days_ parts)",
        _cost("staff_days"),
    ),
    Metric(
        "staff_days_facilitation",
        "staff days",
        "facilitators' days for the events held so far (cost.facilitator_days by event type)",
        _cost("staff_days_facilitation"),
    ),
    Metric(
        "staff_days_attendance",
        "staff days",
        "participants' time away from their service so far: people at "
        "events and both people of each Brew and Biscuits visit (cost.attendance_hours, cost.visit_hours)",
        _cost("staff_days_attendance"),
    ),
    Metric(
        "staff_days_matching",
        "staff days",
        "coordinators' time to make the Brew and Biscuits matches so far (cost.match_hours per new match)",
        _cost("staff_days_matching"),
    ),
    Metric(
        "staff_days_management",
        "staff days",
        "management time so far: approvals and monitoring reviews "
        "(x strategy.overhead), commissioning, and sponsors' time (cost.approval_days, cost.review_days, "
        "cost.commission_days, cost.sponsor_hours)",
        _cost("staff_days_management"),
    ),
    Metric(
        "delivery_cost_pounds",
        "pounds",
        "cost of the staff time so far (staff_days x cost.day_rate)",
        _cost("delivery_cost_pounds"),
    ),
)

METRIC_BY_NAME = {m.name: m for m in METRICS}
TIMESERIES_METRICS = tuple(m.name for m in METRICS if not m.summary_only)
SUMMARY_METRICS = tuple(m.name for m in METRICS)
KEY_METRICS = tuple(m.name for m in METRICS if m.key)


def measure(
    model: LeadershipModel, names: Iterable[str] = TIMESERIES_METRICS, snapshot: Snapshot | None = None
) -> dict[str, float]:
    """The named metrics of the model as it is now (pieces shared through one :class:`Snapshot`)."""
    snap = Snapshot(model) if snapshot is None else snapshot
    return {name: METRIC_BY_NAME[name].fn(snap) for name in names}


# --------------------------------------------------------------------------
# Outcomes per locality (``localities.csv``)
# --------------------------------------------------------------------------

LOCALITY_METRICS: tuple[tuple[str, str, str], ...] = (
    ("people", "people", "people in the locality"),
    ("people_reached", "people", "people of the locality in post who have taken part in any programme activity"),
    ("adopters", "people", "people of the locality practising system leadership"),
    ("champions", "people", "champions in the locality (excluding programme leads)"),
    ("active_people", "people", "people of the locality who took part in anything this week"),
    ("online_people", "people", "people of the locality on the online network"),
    ("matching_registered", "people", "people of the locality registered for Brew and Biscuits"),
    ("mean_confidence", "0-1", "mean confidence of the locality's people"),
    ("mean_energy", "0-1", "mean energy of the locality's people"),
    ("working_ties", "ties", "working ties with both ends in the locality"),
    ("cross_sector_ties", "ties", "working cross-sector ties with both ends in the locality"),
    (
        "cross_locality_ties",
        "ties",
        "working ties between someone of the locality and someone elsewhere (each "
        "such tie counts in both its localities)",
    ),
    ("events_held", "events", "events and gatherings held in the locality so far"),
    ("projects_started", "projects", "projects started in the locality so far"),
    ("projects_active", "projects", "projects under way in the locality"),
    ("projects_completed", "projects", "projects of the locality completed so far"),
    ("projects_failed", "projects", "projects of the locality that failed so far"),
    ("cross_sector_referrals", "referrals", "cross-sector referrals made by the locality's people so far"),
)
"""Per-locality outcomes. People counts, project counts, events and referrals add up over localities to the
totals of the same name; ties: ``sum(working_ties) + sum(cross_locality_ties) / 2`` is the total."""

LOCALITY_COLUMNS = ("week", "locality", *(name for name, _, _ in LOCALITY_METRICS))


def locality_names(params: Params) -> list[str]:
    """A label per locality: ``population.locality_names``, then ``locality k`` (counting from 1)."""
    given = params.population.locality_names
    return [given[k] if k < len(given) else f"locality {k + 1}" for k in range(params.population.localities)]


def measure_localities(model: LeadershipModel, snapshot: Snapshot | None = None) -> dict[str, np.ndarray]:
    """This week's :data:`LOCALITY_METRICS`, one value per locality.

    With one locality every value is the total of the same name (read from
    the week's metrics, so a one-locality run pays nothing for this).
    ``snapshot``: this week's :class:`Snapshot`, to share its working-tie graph.
    """
    people, L = model.people, model.params.population.localities
    week = np.full(L, model.week, np.int64)
    if L == 1:
        now = model._now
        row = {name: np.array([now[name]], np.float64) for name, _, _ in LOCALITY_METRICS if name in now}
        row.update(people=np.array([people.n], np.float64), cross_locality_ties=np.zeros(1))
        return {"week": week, "locality": np.zeros(1, np.int64), **row}
    loc = people.locality

    def count(weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(loc, weights=weights, minlength=L).astype(np.float64)

    # head counts from one joint tally: locality x six yes/no attributes (bit k = _LOCALITY_FLAGS[k])
    flags = (
        people.reached.view(np.uint8)
        | ((people.mindset >= PRACTISING).view(np.uint8) << 1)
        | (((people.mindset == CHAMPION) & ~people.is_lead).view(np.uint8) << 2)
        | ((people.active_week == model.week).view(np.uint8) << 3)
        | (people.online.view(np.uint8) << 4)
        | (people.registered.view(np.uint8) << 5)
    )
    joint = np.bincount((loc.astype(np.intp) << 6) | flags, minlength=64 * L).reshape(L, 64)
    heads = (joint @ _FLAG_BITS).astype(np.float64)
    size = joint.sum(axis=1).astype(np.float64)
    out = {
        "week": week,
        "locality": np.arange(L, dtype=np.int64),
        "people": size,
        **{name: heads[:, k] for k, name in enumerate(_LOCALITY_FLAGS)},
        "mean_confidence": np.divide(count(people.confidence), size, out=np.zeros(L), where=size > 0),
        "mean_energy": np.divide(count(people.energy), size, out=np.zeros(L), where=size > 0),
    }
    out.update(_locality_ties(model, L, Snapshot(model) if snapshot is None else snapshot))
    book = model.projects
    where, status = book.locality[: book.count], book.status[: book.count]
    out["events_held"] = model.locality_tally["events_held"].astype(np.float64)
    by_status = np.bincount((where.astype(np.intp) << 2) | status, minlength=4 * L).reshape(L, 4)
    out["projects_started"] = by_status.sum(axis=1).astype(np.float64)
    for name, code in (("projects_active", ACTIVE), ("projects_completed", COMPLETED), ("projects_failed", FAILED)):
        out[name] = by_status[:, code].astype(np.float64)
    out["cross_sector_referrals"] = model.locality_tally["cross_sector_referrals"].astype(np.float64)
    return out


_LOCALITY_FLAGS = ("people_reached", "adopters", "champions", "active_people", "online_people", "matching_registered")
_FLAG_BITS = ((np.arange(64)[:, None] >> np.arange(len(_LOCALITY_FLAGS))) & 1).astype(np.int64)


def _locality_ties(model: LeadershipModel, L: int, snap: Snapshot) -> dict[str, np.ndarray]:
    """Working ties within, and across the border of, each locality (from the working-tie graph)."""
    loc = model.people.locality
    indptr, indices, arcs = snap.graph
    src_loc = np.repeat(loc.astype(np.intp), np.diff(indptr))
    same = src_loc == loc[indices]
    cross = snap.net.arc_class(CROSS_KIND)[arcs]
    # per locality: [other locality, other locality, same and same sector, same and cross-sector]
    joint = np.bincount(
        (src_loc << 2) | (same.view(np.uint8) << 1) | (same & cross).view(np.uint8), minlength=4 * L
    ).reshape(L, 4)
    within = (joint[:, 2] + joint[:, 3]) / 2.0
    xsec = joint[:, 3] / 2.0
    between = (joint[:, 0] + joint[:, 1]).astype(np.float64)
    return {"working_ties": within, "cross_sector_ties": xsec, "cross_locality_ties": between}


def locality_frame(history: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """The weekly per-locality records as one table (``week``, ``locality`` first)."""
    import pandas as pd

    if not history:
        return pd.DataFrame(columns=list(LOCALITY_COLUMNS))
    cols = {c: np.concatenate([h[c] for h in history]) for c in LOCALITY_COLUMNS}
    df = pd.DataFrame(cols, columns=list(LOCALITY_COLUMNS))
    return df.astype({"week": np.int64, "locality": np.int64})

"""The one registry of outcome metrics.

Every metric has a name (a column of ``timeseries.csv``, a key of
``summary.json``, a column of sweep tables), a unit and a meaning, and is
computed from a :class:`Snapshot` of the model, which computes shared pieces
(the working-tie graph, its components) once per week. The DataCollector,
the CLI, sweeps, reports and the dashboard all read this registry: adding a
metric means adding one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .sectors import CHAMPION, PATIENTS_INDEX, PRACTISING, SECTORS, VCS_INDEX


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    doc: str
    fn: Callable[[Snapshot], float]
    summary_only: bool = False
    key: bool = False  # shown in reports and the dashboard by default


class Snapshot:
    """Lazily computed views of the model's state at the end of a week."""

    def __init__(self, model):
        self.model = model
        self.people = model.people
        self.net = model.trust
        self.params = model.params

    @cached_property
    def working(self) -> np.ndarray:
        return self.net.w >= self.params.trust.working_threshold

    @cached_property
    def working_ends(self) -> tuple[np.ndarray, np.ndarray]:
        return self.net.i[self.working], self.net.j[self.working]

    @cached_property
    def cross(self) -> np.ndarray:
        i, j = self.working_ends
        return self.people.sector[i] != self.people.sector[j]

    @cached_property
    def components(self) -> np.ndarray:
        return connected_components(self.working_matrix_binary, directed=False)[1]

    @cached_property
    def working_matrix_binary(self) -> sp.csr_matrix:
        return self.net.matrix(self.params.trust.working_threshold, binary=True)

    def largest_component_share(self) -> float:
        labels = self.components
        if self.people.n == 0:
            return 0.0
        return float(np.bincount(labels).max() / self.people.n)

    def clustering(self) -> float:
        """Mean local clustering of the working-tie graph (exact up to 20,000 people, else sampled)."""
        A = self.working_matrix_binary
        n = A.shape[0]
        deg = np.asarray(A.sum(axis=1)).ravel()
        limit = 20_000
        if n <= limit:
            tri = np.asarray((A @ A).multiply(A).sum(axis=1)).ravel() / 2.0
            pairs = deg * (deg - 1) / 2.0
            local = np.divide(tri, pairs, out=np.zeros(n), where=pairs > 0)
            return float(local.mean())
        # Sample with a generator seeded from the run seed and the week, so metrics never touch dynamics.
        rng = self.model.streams.generator("metrics", self.model.week)
        sample = rng.choice(n, min(self.params.metrics.clustering_sample, n), replace=False)
        vals = np.zeros(sample.size)
        for k, v in enumerate(sample.tolist()):
            nb = A.indices[A.indptr[v] : A.indptr[v + 1]]
            d = nb.size
            if d >= 2:
                vals[k] = A[nb][:, nb].nnz / (d * (d - 1))
        return float(vals.mean())


def _cross_share(s: Snapshot) -> float:
    return float(s.cross.mean()) if s.cross.size else 0.0


def _vcs_cross(s: Snapshot) -> float:
    i, j = s.working_ends
    sec = s.people.sector
    return float((s.cross & ((sec[i] == VCS_INDEX) | (sec[j] == VCS_INDEX))).sum())


def _mean_project_sectors(s: Snapshot) -> float:
    book = s.model.projects
    if book.count == 0:
        return 0.0
    return float(np.mean([len(np.unique(x)) for x in book.member_sectors]))


def _post_programme_activity(s: Snapshot) -> float:
    """Mean number of people taking part in anything per week after the programme ended."""
    m = s.model
    after = [v for w, v in m.active_history if w > m.programme_end_week]
    return float(np.mean(after)) if after else 0.0


def _first_event_attendance(s: Snapshot) -> float:
    funded = [e for e in s.model.event_log if e["funded"] and e["type"] != "gathering"]
    return float(funded[0]["attendees"]) if funded else 0.0


def _projects_after(s: Snapshot) -> float:
    m = s.model
    book = m.projects
    return float((book.start[: book.count] > m.programme_end_week).sum())


def _by_sector(kind: str):
    def make(idx: int):
        if kind == "reached":
            return lambda s: float((s.people.reached & (s.people.sector == idx)).sum())
        return lambda s: float(((s.people.mindset >= PRACTISING) & (s.people.sector == idx)).sum())

    return make


_reached = _by_sector("reached")
_adopt = _by_sector("adopters")

METRICS: tuple[Metric, ...] = (
    Metric("people_reached", "people", "people who have taken part in any programme activity (event, "
           "gathering, visit)", lambda s: float(s.people.reached.sum()), key=True),
    Metric("adopters", "people", "people practising system leadership (practising or champion)",
           lambda s: float((s.people.mindset >= PRACTISING).sum()), key=True),
    Metric("champions", "people", "champions of system leadership (excluding programme leads)",
           lambda s: float(((s.people.mindset == CHAMPION) & ~s.people.is_lead).sum())),
    Metric("mean_confidence", "0-1", "mean confidence as a leader", lambda s: float(s.people.confidence.mean())),
    Metric("mean_energy", "0-1", "mean energy and capacity", lambda s: float(s.people.energy.mean())),
    Metric("mean_knowledge", "0-1", "mean knowledge of other sectors",
           lambda s: float((s.people.knowledge.sum(axis=1) - 1).mean() / (len(SECTORS) - 1))),
    Metric("working_ties", "ties", "ties with trust at or above the working threshold",
           lambda s: float(s.working.sum()), key=True),
    Metric("cross_sector_tie_share", "share", "share of working ties that cross sectors", _cross_share,
           key=True),
    Metric("cross_sector_ties", "ties", "working ties that cross sectors", lambda s: float(s.cross.sum())),
    Metric("vcs_cross_sector_ties", "ties", "working ties between the voluntary sector and other sectors",
           _vcs_cross),
    Metric("largest_component_share", "share", "share of people in the largest component of working ties",
           lambda s: s.largest_component_share()),
    Metric("clustering", "0-1", "mean local clustering of the working-tie graph", lambda s: s.clustering()),
    Metric("online_people", "people", "people on the online network", lambda s: float(s.people.online.sum())),
    Metric("matching_registered", "people", "people registered for Brew and Biscuits",
           lambda s: float(s.people.registered.sum())),
    Metric("events_held", "events", "programme events and gatherings held so far",
           lambda s: float(len(s.model.event_log))),
    Metric("gatherings_held", "events", "gatherings convened by champions and leads so far",
           lambda s: float(sum(e["type"] == "gathering" for e in s.model.event_log))),
    Metric("active_people", "people", "people who took part in anything this week",
           lambda s: float((s.people.active_week == s.model.week).sum()), key=True),
    Metric("projects_proposed", "projects", "project ideas put forward so far",
           lambda s: float(s.model.projects.proposed)),
    Metric("projects_started", "projects", "projects started so far (teams formed)",
           lambda s: float(s.model.projects.count), key=True),
    Metric("projects_active", "projects", "projects under way", lambda s: float(len(s.model.projects.active())),
           key=True),
    Metric("projects_completed", "projects", "projects completed so far",
           lambda s: float(s.model.projects.n_status(1)), key=True),
    Metric("projects_failed", "projects", "projects that fizzled out or ran out of time so far",
           lambda s: float(s.model.projects.n_status(2))),
    Metric("mean_project_sectors", "sectors", "mean number of sectors in a project team", _mean_project_sectors),
    Metric("patient_projects", "projects", "projects with a patient or citizen in the team",
           lambda s: float(sum((x == PATIENTS_INDEX).any() for x in s.model.projects.member_sectors))),
    Metric("cross_sector_referrals", "referrals", "cross-sector referrals made so far",
           lambda s: float(s.model.tally["cross_sector_referrals"]), key=True),
    Metric("leavers", "people", "people who left and were replaced so far",
           lambda s: float(s.model.tally["leavers"])),
    *(Metric(f"reached_{name}", "people", f"people reached in sector {name}", _reached(k))
      for k, name in enumerate(SECTORS)),
    *(Metric(f"adopters_{name}", "people", f"adopters in sector {name}", _adopt(k))
      for k, name in enumerate(SECTORS)),
    Metric("first_event_attendance", "people", "attendance at the first programme event",
           _first_event_attendance, summary_only=True),
    Metric("post_programme_activity", "people per week",
           "mean people taking part in anything per week after the funded programme ended (0 if the run "
           "ends first)", _post_programme_activity, summary_only=True),
    Metric("projects_after_programme", "projects", "projects started after the funded programme ended",
           _projects_after, summary_only=True),
)

METRIC_BY_NAME = {m.name: m for m in METRICS}
TIMESERIES_METRICS = tuple(m.name for m in METRICS if not m.summary_only)
SUMMARY_METRICS = tuple(m.name for m in METRICS)
KEY_METRICS = tuple(m.name for m in METRICS if m.key)


def measure(model, names=TIMESERIES_METRICS) -> dict[str, float]:
    snap = Snapshot(model)
    return {name: METRIC_BY_NAME[name].fn(snap) for name in names}

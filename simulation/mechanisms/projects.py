"""Self-organising cross-sector projects (mechanism 7).

*Proposal.* A practitioner (mindset practising or champion) with enough
confidence and energy, not already leading a project, has an idea with
chance ``projects.idea_rate`` a week (or surely, when a completed project
gave them a spin-off idea). The theme is drawn from ``projects.themes``,
``projects.own_sector_theme`` times as likely (2 by default) when it involves
the proposer's sector.

*Team.* The team (one member per needed sector plus ``extra_members``) is
assembled by the reusable (p, q) rule of :mod:`simulation.kernels.teams`, with
``p = incumbent_share x self_selection`` and ``q = repeat_share x
self_selection``: collaborators are the working-trust ties of the team,
incumbents are people already engaged in the movement, and newcomers are
people *assigned* from the sectors still missing (a top-down programme:
full coverage, little trust). Pools prefer people from needed sectors not
yet covered. A proposal that cannot find a second member lapses.

*Progress.* Weekly progress of a project is

    base x coverage^k x (floor + (1 - floor) x team trust) x mean energy
         x (1 + support_boost x support) x (1 - overhead_slowdown x overhead)
         x (1 - coproduction_slowdown x power_sharing)

times Gamma(4, 1/4) noise, where coverage is the share of needed sectors in
the team, team trust the mean trust between members, and support the
larger of formal sponsorship and the members' mean senior support (1 with a
supportive line manager, ``senior_support.from_adopters`` when a manager or
senior leader of their organisation practises system leadership: see
:func:`member_support`). Shared decisions take time: power sharing slows
progress (and gives energy back, :mod:`simulation.mechanisms.wellbeing`). A project
fizzles out with weekly hazard ``fail_hazard x (1 + 2 (1 - coverage) + 2 (1 -
energy)) x (1 - accountability x overhead)`` (so
monitoring slows progress but holds projects together), or fails when it
passes ``max_weeks``. Members meet (trust and knowledge grow), gain
confidence from small wins and lose some to monitoring. Completion gives
confidence, energy and, with chance ``spinoff``, a new idea to a member
(proliferation); an unsupported failure costs confidence.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import Params
from ..kernels.arrays import sorted_unique
from ..kernels.teams import assemble_team, pick_eligible
from ..population import People
from ..sectors import AWARE, PATIENTS_INDEX, PRACTISING, SECTOR_INDEX, SECTORS
from .events import grow_knowledge, safety

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

    from ..config import Theme
    from ..model import LeadershipModel

ACTIVE, COMPLETED, FAILED = 0, 1, 2
OUTCOMES = ("active", "completed", "failed")
_POPCOUNT = np.array([bin(v).count("1") for v in range(1 << len(SECTORS))], np.int64)


def _mask(sectors: npt.ArrayLike) -> int:
    """Bit mask of a set of sector indices."""
    return int(np.bitwise_or.reduce(np.left_shift(1, np.asarray(sectors, np.int64)), initial=0))


def coverage_of(need_mask: np.ndarray, have_mask: np.ndarray) -> np.ndarray:
    """Share of the needed sectors present (1 where nothing is needed)."""
    need = _POPCOUNT[need_mask]
    got = _POPCOUNT[need_mask & have_mask]
    return np.divide(got, need, out=np.ones(len(need)), where=need > 0)


class ProjectBook:
    """All projects of a run, column-wise; members kept per project."""

    _COLS = dict(
        theme=np.int16,
        leader=np.int64,
        locality=np.int16,
        start=np.int32,
        end=np.int32,
        status=np.int8,
        progress=np.float64,
        coverage=np.float64,
        needed=np.int16,
        support=np.float64,
        team_trust=np.float64,
        assigned=np.int16,
        need_mask=np.uint16,
        have_mask=np.uint16,
        n_sectors=np.int16,
        patients=np.bool_,
        commissioned=np.bool_,
        sponsor=np.int64,
        sponsor_id=np.int64,
        sponsor_level=np.float64,
        stopped=np.bool_,
    )
    # need_mask / have_mask: bit s set when sector s is needed by the theme / present in the current team
    # (0: not yet known, filled by sync_masks); n_sectors / patients: of the team as formed (team_stats).
    # commissioned: started by a commissioner with an assigned team; sponsor / sponsor_id: slot and person id of
    # the project's sponsor (-1: none; sponsor_id -2: the sponsor was lost), sponsor_level: the backing they give;
    # stopped: closed at a monitoring review (counted as failed).

    # The columns (set from _COLS in __init__, grown by add), declared for the type checker:
    theme: np.ndarray
    leader: np.ndarray
    locality: np.ndarray
    start: np.ndarray
    end: np.ndarray
    status: np.ndarray
    progress: np.ndarray
    coverage: np.ndarray
    needed: np.ndarray
    support: np.ndarray
    team_trust: np.ndarray
    assigned: np.ndarray
    need_mask: np.ndarray
    have_mask: np.ndarray
    n_sectors: np.ndarray
    patients: np.ndarray
    commissioned: np.ndarray
    sponsor: np.ndarray
    sponsor_id: np.ndarray
    sponsor_level: np.ndarray
    stopped: np.ndarray

    def __init__(self) -> None:
        self.count = 0
        self._cap = 64
        for name, dt in self._COLS.items():
            setattr(self, name, np.zeros(self._cap, dt))
        self.members: list[np.ndarray] = []  # slots (valid while the project is active)
        self.member_ids: list[np.ndarray] = []  # person ids (permanent record)
        self.member_sectors: list[np.ndarray] = []
        self.proposed = 0
        self._pairs: list[tuple[np.ndarray, np.ndarray]] = []
        self._stats_done = 0
        self.unclipped: np.ndarray | None = None  # people whose confidence may be outside [0, 1] (clip_confidence)
        self._load: np.ndarray | None = None  # active projects per person, kept up to date once asked for (load)
        self._load_active = np.zeros(0, bool)  # which projects it counts (those active when it was last synced)

    def add(self, **values: Any) -> int:
        if self.count == self._cap:
            self._cap *= 2
            for name in self._COLS:
                arr = getattr(self, name)
                grown = np.zeros(self._cap, arr.dtype)
                grown[: self.count] = arr[: self.count]
                setattr(self, name, grown)
        k = self.count
        members = values.pop("members")
        for name, v in values.items():
            getattr(self, name)[k] = v
        self.count += 1
        self.end[k] = -1
        self.status[k] = ACTIVE
        if "sponsor" not in values:
            self.sponsor[k] = -1
            self.sponsor_id[k] = -1
        self.members.append(members)
        a, b = _pairs_of(len(members))
        self._pairs.append((members[a], members[b]))
        if self._load is not None:
            self._load[members] += 1.0  # (members are distinct)
            self._load_active = np.append(self._load_active, True)
        return k

    def set_team_sectors(self, k: int, sectors: np.ndarray) -> None:
        """Record which sectors the current team of project ``k`` covers."""
        self.have_mask[k] = _mask(sectors)

    def sync_masks(self, ks: np.ndarray, params: Params, sector: np.ndarray) -> None:
        """Fill the sector masks of projects ``ks`` that were added without them."""
        for k in ks[self.need_mask[ks] == 0].tolist():
            self.need_mask[k] = _mask(needed_sectors(params, int(self.theme[k])))
            self.set_team_sectors(k, sector[self.members[k]])

    def team_stats(self) -> tuple[np.ndarray, np.ndarray]:
        """Per project: number of sectors and whether a patient was in the team as formed."""
        for k in range(self._stats_done, len(self.member_sectors)):
            sec = self.member_sectors[k]
            self.n_sectors[k] = len(sorted_unique(sec))
            self.patients[k] = bool((sec == PATIENTS_INDEX).any())
        self._stats_done = len(self.member_sectors)
        return self.n_sectors[: self.count], self.patients[: self.count]

    def active(self) -> np.ndarray:
        return np.flatnonzero(self.status[: self.count] == ACTIVE)

    def n_status(self, status: int) -> int:
        return int((self.status[: self.count] == status).sum())

    def load(self, n: int) -> np.ndarray:
        """Active projects each person works on (a new array each call).

        Counted once, then kept up to date: projects added, members who leave or drop out, and (found here, from
        the status column) projects that ended since the last call. The counts are whole numbers, so the result
        is exactly the count from scratch.
        """
        if self._load is None or self._load.size != n:
            act = self.active()
            self._load = (
                np.bincount(np.concatenate([self.members[k] for k in act]), minlength=n).astype(np.float64)
                if act.size
                else np.zeros(n)
            )
            self._load_active = self.status[: self.count] == ACTIVE
        else:
            ended = np.flatnonzero(self._load_active & (self.status[: self.count] != ACTIVE))
            for k in ended.tolist():
                self._load[self.members[k]] -= 1.0
            self._load_active[ended] = False
        return self._load.copy()

    def _left(self, k: int, slots: np.ndarray) -> None:
        """``slots`` left the team of active project ``k`` (keeps :meth:`load` up to date)."""
        if self._load is not None and self._load_active[k]:
            self._load[slots] -= 1.0

    def leaders_active(self, n: int) -> np.ndarray:
        out = np.zeros(n, bool)
        lead = self.leader[self.active()]
        out[lead[lead >= 0]] = True  # -1: the leader left (their slot now holds a newcomer)
        return out

    def leave(self, k: int, slot: int, sector: np.ndarray) -> int:
        """``slot`` leaves the team of active project ``k``; returns the team size left."""
        m = self.members[k]
        self.members[k] = m[m != slot]
        self._left(k, m[m == slot])
        if self.leader[k] == slot:
            self.leader[k] = -1
        a, b = _pairs_of(len(self.members[k]))
        self._pairs[k] = (self.members[k][a], self.members[k][b])
        self.set_team_sectors(k, sector[self.members[k]])
        return len(self.members[k])

    def memberships(self) -> tuple[np.ndarray, np.ndarray]:
        """(project, person) of every membership of an active project."""
        act = self.active()
        if act.size == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        sizes = np.array([len(self.members[k]) for k in act])
        return np.repeat(act, sizes), np.concatenate([self.members[k] for k in act]).astype(np.int64)

    def drop_people(self, slots: np.ndarray, sector: np.ndarray | None = None) -> None:
        """People who left are taken off active teams (their slot now holds a newcomer)."""
        slots = np.asarray(slots, np.int64)
        act = self.active()
        if slots.size == 0 or act.size == 0:
            return
        sizes = np.array([len(self.members[k]) for k in act])
        flat = np.concatenate([self.members[k] for k in act]) if sizes.sum() else np.empty(0, np.int64)
        gone = np.zeros(max(int(flat.max(initial=-1)), int(slots.max())) + 1, bool)
        gone[slots] = True
        hit = gone[flat]
        if not hit.any():
            return
        owner = np.repeat(np.arange(act.size), sizes)
        for pos in sorted_unique(owner[hit]).tolist():
            k = int(act[pos])
            m = self.members[k]
            if self.leader[k] >= 0 and gone[self.leader[k]]:
                self.leader[k] = -1
            self.members[k] = m[~gone[m]]
            self._left(k, m[gone[m]])
            a, b = _pairs_of(len(self.members[k]))
            self._pairs[k] = (self.members[k][a], self.members[k][b])
            if sector is not None:
                self.set_team_sectors(k, sector[self.members[k]])


class TeamPools:
    """The model's pools for :func:`assemble_team` (see the module docstring).

    ``available``: people who can take on another project (under the cap, with the energy to join);
    ``free``: those of them with the hours for it (``time.*``). Self-selected picks (collaborators,
    incumbents) need both: people volunteer when they have the time. Assignment needs only
    ``available``: people are assigned whether or not they have the hours (the cost of over-commitment
    then falls on them, :mod:`simulation.mechanisms.time_budget`).
    """

    def __init__(
        self,
        model: LeadershipModel,
        needed: np.ndarray,
        locality: int,
        available: np.ndarray,
        free: np.ndarray,
        engaged: np.ndarray,
    ) -> None:
        self.people: People = model.people
        self.net = model.trust
        self.working = model.params.trust.working_threshold
        self.needs_awareness = model.params.projects.needs_awareness
        self.needed = needed
        self.locality = locality
        self.available = available
        self.free = free
        self.rng = model.streams.projects
        self.by_sector = model.sector_index
        self.engaged = engaged
        self.assigned = 0

    def _missing(self, team: Sequence[int]) -> np.ndarray:
        """Needed sectors not yet in the team (sorted)."""
        have = {int(self.people.sector[t]) for t in team}
        return np.array([s for s in self.needed.tolist() if s not in have], np.int64)

    def _pick(self, cands: np.ndarray, team: Sequence[int]) -> int | None:
        """A random candidate (sorted, unique) who is free, not in the team, and, when the team looks for
        the sectors it needs (chance ``projects.needs_awareness``), from a needed sector it still lacks
        (:func:`simulation.kernels.teams.pick_eligible`)."""
        lacks = np.zeros(len(SECTORS), bool)
        lacks[self._missing(team)] = True
        return pick_eligible(
            self.rng,
            cands,
            self.free,
            np.asarray(team, np.int64),
            self.people.sector,
            lacks,
            prefer=lambda: self.rng.random() < self.needs_awareness,
        )

    def collaborator(self, team: Sequence[int]) -> int | None:
        cands = sorted_unique(self.net.rows(team, self.working)[0])
        cands = cands[self.people.locality[cands] == self.locality]
        return self._pick(cands, team)

    def incumbent(self, team: Sequence[int]) -> int | None:
        return self._pick(self.engaged, team)

    def newcomer(self, team: Sequence[int]) -> int | None:
        """Assignment: someone from a needed sector not yet covered (any needed sector if all are)."""
        missing = self._missing(team)
        for s in self.rng.permutation(missing if missing.size else self.needed):
            pool = self.by_sector[self.locality][s]
            if pool.size == 0:
                continue
            for _ in range(8):
                c = int(pool[self.rng.integers(pool.size)])
                if self.available[c] and c not in team:
                    self.assigned += 1
                    return c
        return None


def member_support(model: LeadershipModel, who: np.ndarray) -> np.ndarray:
    """Senior support of each person in ``who`` (0-1): 1 with a supportive line manager, else
    ``senior_support.from_adopters`` when another manager or senior leader of their organisation, not a
    programme lead, practises system leadership (the payoff of reaching senior people), else 0.

    Nobody backs themself, and the programme leads (champions from the start in every scenario) back no one
    by this route: it credits the adoption the programme brings about among senior staff.
    """
    people = model.people
    base = people.supported[who].astype(np.float64)
    s = model.params.senior_support.from_adopters
    if s <= 0 or who.size == 0:
        return base
    backer = (people.seniority > 0) & (people.mindset >= PRACTISING) & ~people.is_lead
    backers = np.bincount(people.org[backer], minlength=int(people.org.max()) + 1)
    others = backers[people.org[who]] - backer[who]
    return np.maximum(base, s * (others > 0))


def _team_trust(model: LeadershipModel, book: ProjectBook, act: np.ndarray) -> np.ndarray:
    pi = [book._pairs[k][0] for k in act]
    pj = [book._pairs[k][1] for k in act]
    sizes = np.array([len(x) for x in pi])
    if sizes.sum() == 0:
        return np.zeros(len(act))
    w = model.trust.weight(np.concatenate(pi), np.concatenate(pj))
    owner = np.repeat(np.arange(len(act)), sizes)
    total = np.bincount(owner, weights=w, minlength=len(act))
    return np.divide(total, sizes, out=np.zeros(len(act)), where=sizes > 0)


def _team_means(owner: np.ndarray, values: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    n = sizes.size
    return np.divide(np.bincount(owner, weights=values, minlength=n), sizes, out=np.zeros(n), where=sizes > 0)


def sponsor_present(model: LeadershipModel, ks: np.ndarray) -> np.ndarray:
    """Whether the sponsor of each project in ``ks`` is still in post (the slot still holds the same person)."""
    book = model.projects
    s = book.sponsor[ks]
    ok = s >= 0
    out = np.zeros(ks.size, bool)
    out[ok] = model.people.person_id[s[ok]] == book.sponsor_id[ks][ok]
    return out


def lose_sponsors(model: LeadershipModel, ks: np.ndarray) -> int:
    """Projects ``ks`` lose their sponsor: each fails at once with chance ``sponsorship.orphan_failure``,
    the rest go on without the sponsor's backing. Returns the number that failed."""
    book, rng = model.projects, model.streams.sponsors
    ks = np.asarray(ks, np.int64)
    if ks.size == 0:
        return 0
    book.sponsor_id[ks] = -2
    model.tally["sponsors_lost"] += int(ks.size)
    fail = ks[rng.random(ks.size) < model.params.sponsorship.orphan_failure]
    model.tally["projects_orphaned"] += int(fail.size)
    for k in fail.tolist():
        settle(model, k, FAILED, float(book.support[k]))
    return int(fail.size)


def progress_phase(model: LeadershipModel) -> None:
    """Advance active projects; settle completions, failures and projects stopped at a review."""
    book, people, p, rng = model.projects, model.people, model.params, model.streams.projects
    pr, st = p.projects, p.strategy
    model.opportunities.renew(p.opportunities.renewal)
    act = book.active()
    if act.size == 0:
        return
    # Sponsors who left since last week (their slot holds a newcomer): the project loses its backing.
    gone = act[(book.sponsor_id[act] >= 0) & ~sponsor_present(model, act)]
    if gone.size and lose_sponsors(model, gone):
        act = book.active()
        if act.size == 0:
            return
    members = [book.members[k] for k in act]
    sizes = np.array([len(m) for m in members])
    flat = np.concatenate(members) if sizes.sum() else np.empty(0, np.int64)
    owner = np.repeat(np.arange(len(act)), sizes)
    energy = _team_means(owner, people.energy[flat], sizes)
    supported = _team_means(owner, member_support(model, flat), sizes)
    committed = people.mindset[flat] >= PRACTISING
    effort = _team_means(owner, np.where(committed, 1.0, pr.compliance_effort), sizes)
    authority = np.bincount(owner, weights=people.seniority[flat] > 0, minlength=len(act)) > 0
    book.sync_masks(act, p, people.sector)
    cov = coverage_of(book.need_mask[act], book.have_mask[act])
    book.coverage[act] = cov
    trust = _team_trust(model, book, act)
    book.team_trust[act] = trust
    sponsored = np.where(sponsor_present(model, act), book.sponsor_level[act], 0.0)
    # Delivery cost: sponsors' time (cost.py). (ignore: a Counter is typed int; this total of backing is a float.)
    model.tally["sponsor_backing_weeks"] += float(sponsored.sum())  # type: ignore[assignment]
    support = np.maximum(sponsored, supported)
    book.support[act] = support
    rate = (
        pr.base_progress
        * cov**pr.coverage_exponent
        * (pr.trust_floor + (1 - pr.trust_floor) * trust)
        * energy
        * effort
        * (1 + pr.authority_boost * authority)
        * (1 + pr.support_boost * support)
        * (1 - pr.overhead_slowdown * st.overhead)
        * (1 - pr.coproduction_slowdown * st.power_sharing)
    )
    inc = rate * rng.gamma(4.0, 0.25, len(act))
    book.progress[act] += inc

    # Members work together: meetings build trust and knowledge; small wins and monitoring.
    f0 = pr.meeting_formality  # monitored meetings are formal
    proj_safety = safety(p, f0 + (1 - f0) * st.overhead, st.power_sharing)
    pi = np.concatenate([book._pairs[k][0] for k in act])
    pj = np.concatenate([book._pairs[k][1] for k in act])
    meet = rng.random(len(pi)) < pr.contact_rate
    model.trust.add_contacts(pi[meet], pj[meet], p.trust.contact_gain * proj_safety)
    grow_knowledge(people, pi[meet], pj[meet], p.event_types.networking.knowledge)
    win = np.minimum(1.0, inc / max(pr.base_progress, 1e-12))[owner]
    c = people.confidence
    np.add.at(c, flat, p.confidence.win_gain * win * (1 - c[flat]) - p.confidence.monitoring_loss * st.overhead)
    book.unclipped = flat  # (their confidence may now be outside [0, 1]: clip_confidence)
    people.active_week[flat] = model.week

    done = book.progress[act] >= 1.0
    hazard = (
        pr.fail_hazard
        * (1 + pr.hazard_coverage * (1 - cov) + pr.hazard_energy * (1 - energy))
        * (1 - pr.accountability * st.overhead)
    )
    age = model.week - book.start[act]
    too_long = age >= pr.max_weeks
    fail = ~done & ((rng.random(len(act)) < hazard) | too_long)
    # Monitoring: every review_weeks a project far behind the pace that would finish it within max_weeks is
    # stopped (with chance overhead): its people are freed for other work, without the blame of a failure.
    review = ~done & ~fail & (age > 0) & (age % pr.review_weeks == 0)
    behind = book.progress[act] < pr.stall_share * age / pr.max_weeks
    stop = review & behind & (rng.random(len(act)) < st.overhead)
    model.tally["reviews_due"] += int(np.count_nonzero(review))  # delivery cost: monitoring reviews (cost.py)
    for k, s in zip(act[done], support[done], strict=True):
        settle(model, k, COMPLETED, s)
    for k, s in zip(act[fail], support[fail], strict=True):
        settle(model, k, FAILED, s)
    for k in act[stop].tolist():
        book.stopped[k] = True
        settle(model, k, FAILED, 1.0)
    clip_confidence(people, book)


def clip_confidence(people: People, book: ProjectBook, also: np.ndarray | None = None) -> None:
    """Confidence back into [0, 1] where it may have left it: the members who gained or lost some this week
    (``book.unclipped``) and ``also``. Everyone else is within [0, 1] already (events, completions and the weekly
    drift keep it there), so this equals clipping everyone, at the cost of the few."""
    c = people.confidence
    for idx in (book.unclipped, also):
        if idx is not None and idx.size:
            c[idx] = np.clip(c[idx], 0, 1)
    book.unclipped = None


def _coverage(model: LeadershipModel, k: int) -> float:
    book = model.projects
    needed = needed_sectors(model.params, int(book.theme[k]))
    have = np.unique(model.people.sector[book.members[k]])
    return float(np.isin(needed, have).mean()) if needed.size else 1.0


def needed_sectors(params: Params, theme: int) -> np.ndarray:
    return theme_table(params.projects.themes, params.projects.own_sector_theme)[0][theme]


@functools.lru_cache(maxsize=64)
def theme_table(themes: tuple[Theme, ...], own_sector: float) -> tuple[list[np.ndarray], np.ndarray, list[int]]:
    """Per theme: needed sectors (sorted); per sector and theme: the proposal weight; per theme: sector mask.

    A theme is ``own_sector`` times as likely when it involves the proposer's sector.
    """
    needed = [np.array(sorted(SECTOR_INDEX[s] for s in t.sectors), np.int64) for t in themes]
    base = np.array([t.weight for t in themes])
    weight = np.array([base * np.array([own_sector if s in ts else 1.0 for ts in needed]) for s in range(len(SECTORS))])
    return needed, weight, [_mask(ts) for ts in needed]


@functools.lru_cache(maxsize=64)
def _pairs_of(size: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(size, k=1)


def settle(model: LeadershipModel, k: int, outcome: int, support: float) -> None:
    book, people, p, rng = model.projects, model.people, model.params, model.streams.projects
    book.status[k] = outcome
    book.end[k] = model.week
    model.opportunities.settle(int(book.locality[k]), int(book.theme[k]), solved=outcome == COMPLETED)
    m = book.members[k]
    if outcome == COMPLETED:
        people.confidence[m] += p.confidence.completion_gain * (1 - people.confidence[m])
        people.energy[m] = np.minimum(1.0, people.energy[m] + p.energy.success_boost)
        people.completed[m] += 1
        # Learning by doing: members may move one stage up (unaware -> aware, aware -> practising).
        up = m[(people.mindset[m] <= AWARE) & (rng.random(m.size) < p.mindset.project_adoption)]
        people.mindset[up] += 1
        if m.size and rng.random() < p.projects.spinoff:
            people.idea[m[rng.integers(m.size)]] = True
    else:
        people.confidence[m] -= p.confidence.failure_loss * (1 - support)
        clip_confidence(people, book, m)


def draw_theme(model: LeadershipModel, locality: int, weights: np.ndarray, rng: np.random.Generator) -> int | None:
    """A theme for a new project in ``locality``: ``weights`` times the open opportunities of each theme
    (only themes with a whole opportunity open); None when none is open."""
    w = weights * model.opportunities.takeable(locality)
    total = w.sum()
    if total <= 0:
        return None
    cdf = (w / total).cumsum()
    cdf /= cdf[-1]
    return int(cdf.searchsorted(rng.random(), side="right"))  # as rng.choice(len(w), p=w / total)


def time_per_project(params: Params) -> float:
    """Hours a week one project takes a member: the work, shared decisions and reporting."""
    t, st = params.time, params.strategy
    return t.project_hours + t.coproduction_hours * st.power_sharing + t.overhead_hours * st.overhead


def capacity(model: LeadershipModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(load, available, free): active projects per person; under the cap with the energy to join; and with
    the hours for one more project besides this week's."""
    people, pr = model.people, model.params.projects
    load = model.projects.load(people.n)
    available = (load < pr.max_per_person) & (people.energy >= pr.join_energy * pr.min_energy)
    free = available & ((load + 1) * time_per_project(model.params) <= model.params.time.budget)
    return load, available, free


def start_project(
    model: LeadershipModel,
    *,
    theme: int,
    leader: int,
    team: list[int],
    assigned: int,
    commissioned: bool = False,
    sponsor: int = -1,
    sponsor_level: float = 0.0,
) -> int:
    """Record a new project whose team is formed; it takes an opportunity of its theme and locality."""
    book, people, p = model.projects, model.people, model.params
    theme_sectors, _, theme_mask = theme_table(p.projects.themes, p.projects.own_sector_theme)
    m = np.array(team, np.int64)
    loc = int(people.locality[leader])
    sectors = people.sector[m]
    if sponsor < 0 and p.strategy.sponsorship > 0:
        sponsor = find_sponsor(model, loc, people.org[leader])
        sponsor_level = p.strategy.sponsorship
    k = book.add(
        theme=theme,
        leader=leader,
        locality=loc,
        start=model.week,
        needed=len(theme_sectors[theme]),
        assigned=assigned,
        members=m,
        need_mask=theme_mask[theme],
        have_mask=_mask(sectors),
        commissioned=commissioned,
        sponsor=sponsor,
        sponsor_id=people.person_id[sponsor] if sponsor >= 0 else -1,
        sponsor_level=sponsor_level if sponsor >= 0 else 0.0,
    )
    book.member_ids.append(people.person_id[m].copy())
    book.member_sectors.append(sectors.copy())
    book.coverage[k] = coverage_of(book.need_mask[k : k + 1], book.have_mask[k : k + 1])[0]
    model.opportunities.take(loc, theme)
    people.active_week[m] = model.week
    model.new_projects.append(k)
    return k


def find_sponsor(model: LeadershipModel, locality: int, org: int) -> int:
    """A senior leader to sponsor a project: from the leader's organisation if it has one, else any senior
    leader of the locality (not a programme lead); -1 if there is none."""
    people, rng = model.people, model.streams.sponsors
    seniors = model.seniors[locality]
    if seniors.size == 0:
        return -1
    own = seniors[people.org[seniors] == org]
    pool = own if own.size else seniors
    return int(pool[rng.integers(pool.size)])


def proposal_phase(model: LeadershipModel) -> None:
    """Practitioners with ideas assemble teams and start projects.

    An idea comes with chance ``idea_rate`` times the share of the locality's opportunities still open
    (or from a spin-off); its theme is drawn by :func:`draw_theme`.
    """
    book, people, p, rng = model.projects, model.people, model.params, model.streams.projects
    pr, st = p.projects, p.strategy
    # Only practitioners can propose: draw for them alone.
    practising = np.flatnonzero(people.mindset >= PRACTISING)
    load, available, free = capacity(model)
    eligible = (
        (people.confidence[practising] >= pr.min_confidence)
        & (people.energy[practising] >= pr.min_energy)
        & ~book.leaders_active(people.n)[practising]
        & (load[practising] < pr.max_per_person)
    )
    u = rng.random(practising.size)
    chance = pr.idea_rate * model.opportunities.open_share()[people.locality[practising]]
    proposers = practising[eligible & ((u < chance) | people.idea[practising])]
    if proposers.size == 0:
        return
    people.idea[proposers] = False
    reached = np.flatnonzero(people.reached)
    engaged = reached[(people.mindset[reached] >= AWARE) & (people.energy[reached] >= pr.min_energy)]
    engaged_by_locality = {
        loc: engaged[people.locality[engaged] == loc] for loc in sorted_unique(people.locality[proposers]).tolist()
    }
    _, theme_weight, _ = theme_table(pr.themes, pr.own_sector_theme)
    pe, qe = pr.incumbent_share * st.self_selection, pr.repeat_share * st.self_selection
    for leader in proposers.tolist():
        if load[leader] >= pr.max_per_person:  # joined enough teams earlier this week: the idea lapses
            continue
        loc = int(people.locality[leader])
        theme = draw_theme(model, loc, theme_weight[people.sector[leader]], rng)
        if theme is None:  # nothing left to work on here: the idea lapses
            continue
        book.proposed += 1
        needed = needed_sectors(p, theme)
        pools = TeamPools(model, needed, loc, available, free, engaged_by_locality[loc])
        size = len(needed) + pr.extra_members
        team = assemble_team(
            rng,
            size,
            p=pe,
            q=qe,
            collaborator=pools.collaborator,
            incumbent=pools.incumbent,
            newcomer=pools.newcomer,
            first=leader,
        )
        if len(team) < 2:
            continue
        m = np.array(team, np.int64)
        book_load(model, m, load, available, free)
        start_project(model, theme=theme, leader=leader, team=team, assigned=pools.assigned)


def book_load(model: LeadershipModel, m: np.ndarray, load: np.ndarray, available: np.ndarray, free: np.ndarray) -> None:
    """Members of a new team take on one more project (updates the capacity arrays of this week)."""
    pr, tp = model.params.projects, time_per_project(model.params)
    load[m] += 1
    available[m[load[m] >= pr.max_per_person]] = False
    free[m] = available[m] & ((load[m] + 1) * tp <= model.params.time.budget)


def records(model: LeadershipModel) -> list[dict]:
    """One row per project for ``projects.csv``."""
    book, params = model.projects, model.params
    rows = []
    for k in range(book.count):
        sectors = sorted({SECTORS[s] for s in book.member_sectors[k].tolist()})
        theme = params.projects.themes[int(book.theme[k])]
        rows.append(
            dict(
                project_id=k,
                theme=theme.name,
                locality=int(book.locality[k]),
                start_week=int(book.start[k]),
                end_week=int(book.end[k]) if book.end[k] >= 0 else None,
                outcome=OUTCOMES[int(book.status[k])],
                leader=int(book.member_ids[k][0]),
                members=";".join(str(x) for x in book.member_ids[k].tolist()),
                n_members=len(book.member_ids[k]),
                sectors=";".join(sectors),
                n_sectors=len(sectors),
                needed_sectors=";".join(theme.sectors),
                coverage=round(float(book.coverage[k]), 6),
                patients=bool((book.member_sectors[k] == PATIENTS_INDEX).any()),
                assigned_members=int(book.assigned[k]),
                progress=round(float(min(book.progress[k], 1.0)), 6),
            )
        )
    return rows

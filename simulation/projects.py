"""Self-organising cross-sector projects (mechanism 7).

*Proposal.* A practitioner (mindset practising or champion) with enough
confidence and energy, not already leading a project, has an idea with
chance ``projects.idea_rate`` a week (or surely, when a completed project
gave them a spin-off idea). The theme is drawn from ``projects.themes``,
``projects.own_sector_theme`` times as likely (2 by default) when it involves
the proposer's sector.

*Team.* The team (one member per needed sector plus ``extra_members``) is
assembled by the reusable (p, q) rule of :mod:`simulation.teams`, with
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
progress (and gives energy back, :mod:`simulation.wellbeing`). A project
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

import numpy as np

from .config import Params
from .events import _grow_knowledge, safety
from .population import People
from .sectors import AWARE, PATIENTS_INDEX, PRACTISING, SECTOR_INDEX, SECTORS
from .teams import assemble_team
from .trust import sorted_unique

ACTIVE, COMPLETED, FAILED = 0, 1, 2
OUTCOMES = ("active", "completed", "failed")
_POPCOUNT = np.array([bin(v).count("1") for v in range(1 << len(SECTORS))], np.int64)


def _mask(sectors) -> int:
    """Bit mask of a set of sector indices."""
    return int(np.bitwise_or.reduce(np.left_shift(1, np.asarray(sectors, np.int64)), initial=0))


def coverage_of(need_mask: np.ndarray, have_mask: np.ndarray) -> np.ndarray:
    """Share of the needed sectors present (1 where nothing is needed)."""
    need = _POPCOUNT[need_mask]
    got = _POPCOUNT[need_mask & have_mask]
    return np.divide(got, need, out=np.ones(len(need)), where=need > 0)


class ProjectBook:
    """All projects of a run, column-wise; members kept per project."""

    _COLS = dict(theme=np.int16, leader=np.int64, locality=np.int16, start=np.int32, end=np.int32,
                 status=np.int8, progress=np.float64, coverage=np.float64, needed=np.int16,
                 support=np.float64, team_trust=np.float64, assigned=np.int16,
                 need_mask=np.uint16, have_mask=np.uint16, n_sectors=np.int16, patients=np.bool_)
    # need_mask / have_mask: bit s set when sector s is needed by the theme / present in the current team
    # (0: not yet known, filled by sync_masks); n_sectors / patients: of the team as formed (team_stats).

    def __init__(self):
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

    def add(self, **values) -> int:
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
        self.members.append(members)
        a, b = _pairs_of(len(members))
        self._pairs.append((members[a], members[b]))
        return k

    def set_team_sectors(self, k: int, sectors: np.ndarray) -> None:
        """Record which sectors the current team of project ``k`` covers."""
        self.have_mask[k] = _mask(sectors)

    def sync_masks(self, ks: np.ndarray, params: Params, sector: np.ndarray) -> None:
        """Fill the sector masks of projects ``ks`` that were added without them."""
        for k in ks[self.need_mask[ks] == 0].tolist():
            self.need_mask[k] = _mask(_needed_sectors(params, int(self.theme[k])))
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
        """Active projects each person works on."""
        act = self.active()
        if act.size == 0:
            return np.zeros(n)
        return np.bincount(np.concatenate([self.members[k] for k in act]), minlength=n).astype(np.float64)

    def leaders_active(self, n: int) -> np.ndarray:
        out = np.zeros(n, bool)
        lead = self.leader[self.active()]
        out[lead[lead >= 0]] = True  # -1: the leader left (their slot now holds a newcomer)
        return out

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
            a, b = _pairs_of(len(self.members[k]))
            self._pairs[k] = (self.members[k][a], self.members[k][b])
            if sector is not None:
                self.set_team_sectors(k, sector[self.members[k]])


class _Pools:
    """The model's pools for :func:`assemble_team` (see the module docstring)."""

    def __init__(self, model, needed: np.ndarray, locality: int, available: np.ndarray, by_sector: list):
        self.people: People = model.people
        self.net = model.trust
        self.working = model.params.trust.working_threshold
        self.needed = needed
        self.locality = locality
        self.available = available
        self.rng = model.streams.projects
        self.by_sector = by_sector
        self.engaged = model._engaged_cache

    def _missing(self, team) -> np.ndarray:
        """Needed sectors not yet in the team (sorted)."""
        have = {int(self.people.sector[t]) for t in team}
        return np.array([s for s in self.needed.tolist() if s not in have], np.int64)

    def _pick(self, cands: np.ndarray, team) -> int | None:
        """A random candidate (sorted, unique) who is available, not in the team, and preferably from a
        needed sector the team still lacks."""
        keep = self.available[cands]
        for t in team:
            keep &= cands != t
        cands = cands[keep]
        if cands.size == 0:
            return None
        missing = self._missing(team)
        if missing.size:
            lacks = np.zeros(len(SECTORS), bool)
            lacks[missing] = True
            pref = cands[lacks[self.people.sector[cands]]]
            if pref.size:
                cands = pref
        return int(cands[self.rng.integers(cands.size)])

    def collaborator(self, team):
        cands = sorted_unique(self.net.rows(team, self.working)[0])
        cands = cands[self.people.locality[cands] == self.locality]
        return self._pick(cands, team)

    def incumbent(self, team):
        return self._pick(self.engaged[self.locality], team)

    def newcomer(self, team):
        """Assignment: someone from a needed sector not yet covered (any needed sector if all are)."""
        missing = self._missing(team)
        for s in self.rng.permutation(missing if missing.size else self.needed):
            pool = self.by_sector[self.locality][s]
            if pool.size == 0:
                continue
            for _ in range(8):
                c = int(pool[self.rng.integers(pool.size)])
                if self.available[c] and c not in team:
                    return c
        return None


def member_support(model, who: np.ndarray) -> np.ndarray:
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


def _team_trust(model, book: ProjectBook, act: np.ndarray) -> np.ndarray:
    pi = [book._pairs[k][0] for k in act]
    pj = [book._pairs[k][1] for k in act]
    sizes = np.array([len(x) for x in pi])
    if sizes.sum() == 0:
        return np.zeros(len(act))
    w = model.trust.weight(np.concatenate(pi), np.concatenate(pj))
    owner = np.repeat(np.arange(len(act)), sizes)
    total = np.bincount(owner, weights=w, minlength=len(act))
    return np.divide(total, sizes, out=np.zeros(len(act)), where=sizes > 0)


def progress_phase(model) -> None:
    """Advance active projects; settle completions and failures."""
    book, people, p, rng = model.projects, model.people, model.params, model.streams.projects
    pr, st = p.projects, p.strategy
    act = book.active()
    if act.size == 0:
        return
    members = [book.members[k] for k in act]
    sizes = np.array([len(m) for m in members])
    flat = np.concatenate(members) if sizes.sum() else np.empty(0, np.int64)
    owner = np.repeat(np.arange(len(act)), sizes)
    energy = np.divide(np.bincount(owner, weights=people.energy[flat], minlength=len(act)), sizes,
                       out=np.zeros(len(act)), where=sizes > 0)
    supported = np.divide(np.bincount(owner, weights=member_support(model, flat), minlength=len(act)), sizes,
                          out=np.zeros(len(act)), where=sizes > 0)
    book.sync_masks(act, p, people.sector)
    cov = coverage_of(book.need_mask[act], book.have_mask[act])
    book.coverage[act] = cov
    trust = _team_trust(model, book, act)
    book.team_trust[act] = trust
    support = np.maximum(st.sponsorship, supported)
    book.support[act] = support
    rate = (pr.base_progress * cov**pr.coverage_exponent * (pr.trust_floor + (1 - pr.trust_floor) * trust)
            * energy * (1 + pr.support_boost * support) * (1 - pr.overhead_slowdown * st.overhead)
            * (1 - pr.coproduction_slowdown * st.power_sharing))
    inc = rate * rng.gamma(4.0, 0.25, len(act))
    book.progress[act] += inc

    # Members work together: meetings build trust and knowledge; small wins and monitoring.
    f0 = pr.meeting_formality  # monitored meetings are formal
    proj_safety = safety(p, f0 + (1 - f0) * st.overhead, st.power_sharing)
    pi = np.concatenate([book._pairs[k][0] for k in act])
    pj = np.concatenate([book._pairs[k][1] for k in act])
    meet = rng.random(len(pi)) < pr.contact_rate
    model.trust.add_contacts(pi[meet], pj[meet], p.trust.contact_gain * proj_safety)
    _grow_knowledge(people, pi[meet], pj[meet], p.event_types.networking.knowledge)
    win = np.minimum(1.0, inc / max(pr.base_progress, 1e-12))[owner]
    c = people.confidence
    np.add.at(c, flat, p.confidence.win_gain * win * (1 - c[flat]) - p.confidence.monitoring_loss * st.overhead)
    people.active_week[flat] = model.week

    done = book.progress[act] >= 1.0
    hazard = (pr.fail_hazard * (1 + pr.hazard_coverage * (1 - cov) + pr.hazard_energy * (1 - energy))
              * (1 - pr.accountability * st.overhead))
    too_long = (model.week - book.start[act]) >= pr.max_weeks
    fail = ~done & ((rng.random(len(act)) < hazard) | too_long)
    for k, s in zip(act[done], support[done], strict=True):
        _settle(model, k, COMPLETED, s)
    for k, s in zip(act[fail], support[fail], strict=True):
        _settle(model, k, FAILED, s)
    np.clip(people.confidence, 0, 1, out=people.confidence)


def _coverage(model, k: int) -> float:
    book = model.projects
    needed = _needed_sectors(model.params, int(book.theme[k]))
    have = np.unique(model.people.sector[book.members[k]])
    return float(np.isin(needed, have).mean()) if needed.size else 1.0


def _needed_sectors(params: Params, theme: int) -> np.ndarray:
    return _theme_table(params.projects.themes, params.projects.own_sector_theme)[0][theme]


@functools.lru_cache(maxsize=64)
def _theme_table(themes, own_sector: float) -> tuple[list[np.ndarray], np.ndarray, list[int]]:
    """Per theme: needed sectors (sorted); per sector and theme: the proposal weight; per theme: sector mask.

    A theme is ``own_sector`` times as likely when it involves the proposer's sector.
    """
    needed = [np.array(sorted(SECTOR_INDEX[s] for s in t.sectors), np.int64) for t in themes]
    base = np.array([t.weight for t in themes])
    weight = np.array([base * np.array([own_sector if s in ts else 1.0 for ts in needed])
                       for s in range(len(SECTORS))])
    return needed, weight, [_mask(ts) for ts in needed]


@functools.lru_cache(maxsize=64)
def _pairs_of(size: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(size, k=1)


def _settle(model, k: int, outcome: int, support: float) -> None:
    book, people, p, rng = model.projects, model.people, model.params, model.streams.projects
    book.status[k] = outcome
    book.end[k] = model.week
    m = book.members[k]
    if outcome == COMPLETED:
        people.confidence[m] += p.confidence.completion_gain * (1 - people.confidence[m])
        people.energy[m] = np.minimum(1.0, people.energy[m] + p.energy.success_boost)
        people.completed[m] += 1
        if m.size and rng.random() < p.projects.spinoff:
            people.idea[m[rng.integers(m.size)]] = True
    else:
        people.confidence[m] -= p.confidence.failure_loss * (1 - support)
        np.clip(people.confidence, 0, 1, out=people.confidence)


def proposal_phase(model) -> None:
    """Practitioners with ideas assemble teams and start projects."""
    book, people, p, rng = model.projects, model.people, model.params, model.streams.projects
    pr, st = p.projects, p.strategy
    # Only practitioners can propose: draw for them alone.
    practising = np.flatnonzero(people.mindset >= PRACTISING)
    load = book.load(people.n)
    eligible = ((people.confidence[practising] >= pr.min_confidence) & (people.energy[practising] >= pr.min_energy)
                & ~book.leaders_active(people.n)[practising] & (load[practising] < pr.max_per_person))
    u = rng.random(practising.size)
    proposers = practising[eligible & ((u < pr.idea_rate) | people.idea[practising])]
    if proposers.size == 0:
        return
    people.idea[proposers] = False
    available = (load < pr.max_per_person) & (people.energy >= pr.join_energy * pr.min_energy)
    reached = np.flatnonzero(people.reached)
    engaged = reached[(people.mindset[reached] >= AWARE) & (people.energy[reached] >= pr.min_energy)]
    model._engaged_cache = {loc: engaged[people.locality[engaged] == loc]
                            for loc in sorted_unique(people.locality[proposers]).tolist()}
    by_sector = model.sector_index
    theme_sectors, theme_weight, theme_mask = _theme_table(pr.themes, pr.own_sector_theme)
    pe, qe = pr.incumbent_share * st.self_selection, pr.repeat_share * st.self_selection
    for leader in proposers.tolist():
        if load[leader] >= pr.max_per_person:  # joined enough teams earlier this week: the idea lapses
            continue
        book.proposed += 1
        w = theme_weight[people.sector[leader]]
        cdf = (w / w.sum()).cumsum()
        cdf /= cdf[-1]
        theme = int(cdf.searchsorted(rng.random(), side="right"))  # as rng.choice(len(w), p=w / w.sum())
        needed = theme_sectors[theme]
        loc = int(people.locality[leader])
        pools = _Pools(model, needed, loc, available, by_sector)
        size = len(needed) + pr.extra_members
        team = assemble_team(rng, size, p=pe, q=qe, collaborator=pools.collaborator, incumbent=pools.incumbent,
                             newcomer=_counting(pools.newcomer, model), first=leader)
        assigned = model._assigned
        model._assigned = 0
        if len(team) < 2:
            continue
        m = np.array(team, np.int64)
        available[m[load[m] + 1 >= pr.max_per_person]] = False
        load[m] += 1
        sectors = people.sector[m]
        have = _mask(sectors)
        k = book.add(theme=theme, leader=leader, locality=loc, start=model.week, needed=len(needed),
                     assigned=assigned, members=m, need_mask=theme_mask[theme], have_mask=have)
        book.member_ids.append(people.person_id[m].copy())
        book.member_sectors.append(sectors.copy())
        book.coverage[k] = coverage_of(book.need_mask[k : k + 1], book.have_mask[k : k + 1])[0]
        people.active_week[m] = model.week
        model.new_projects.append(k)


def _counting(fn, model):
    def newcomer(team):
        c = fn(team)
        if c is not None:
            model._assigned += 1
        return c

    return newcomer


def records(model) -> list[dict]:
    """One row per project for ``projects.csv``."""
    book, params = model.projects, model.params
    rows = []
    for k in range(book.count):
        sectors = sorted({SECTORS[s] for s in book.member_sectors[k].tolist()})
        theme = params.projects.themes[int(book.theme[k])]
        rows.append(dict(
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
        ))
    return rows

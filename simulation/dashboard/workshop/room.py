"""Workshop rooms: the room plays the system (issue 16), free of Solara so that it can be tested alone.

A :class:`Room` owns ONE shared model (unlike the per-session models of the other pages): every participant
is one person of that model, and the facilitator steps it a week at a time (:meth:`Room.next_week`). A
participant's :class:`Choice` for the round replaces the model's rules *for their person, for that round*;
everyone else, and every participant who has not chosen, follows the model.

The override adjusts the person's state around the model's own phases (the step itself is the model's),
so the model's mechanisms do the work, on whole arrays, and a room is deterministic: the same scenario,
population, seed and choices give the same weeks.

- **Go to the event on offer**: during the events phase the person is counted with the conveners (the
  programme's leads come to every programme event), so they are among those who want to come; a full event
  still draws who gets in. **Keep to the day job**: during the events phase their energy is 0, so their
  motivation is 0 and they stay away.
- **Accept a Brew and Biscuits visit**: they join the scheme (if not already a member) and, if the scheme's
  own weekly draw did not give them a visit, they visit their current partner, or a member of another sector
  in their locality (the same contacts, knowledge and hours as the scheme's visits). **Decline**: during the
  matching phase their energy is below what a visit needs.
- **Propose a project**: they hold an idea when the proposals phase runs, so, if they can propose (a
  practitioner with the confidence and energy, not leading a project already), the model's own rule builds the
  team around them (collaborators along their trust ties first). **Do not propose**: during the proposals
  phase their confidence is below what proposing needs.

:class:`RoomRegistry` holds the server's rooms: keyed by a short code, at most ``max_rooms`` of them, each
with at most ``max_participants``, and a room unused for ``ttl_s`` seconds is dropped.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...config import ConfigError, check_number
from ...mechanisms import events as events_mechanism
from ...mechanisms.matching import current_partners
from ...sectors import N_SECTORS, SECTOR_LABELS, SECTORS
from ..inputs import POPULATION, DashboardModel

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Room codes: no 0/O or 1/I, so a code read aloud or off a projector is typed right."""
CODE_LENGTH = 5
MAX_NAME = 30
"""Longest first name kept (characters)."""
WORKSHOP_SCENARIOS = ("south-manchester", "top-down", "hybrid", "no-programme")
"""Scenarios a facilitator can start a room with (one locality each)."""

ROLES: dict[str, tuple[tuple[str, str, str], str]] = {
    "acute": (("ward nurse", "ward manager", "clinical director"), "the hospital trust"),
    "primary_care": (("practice nurse", "practice manager", "GP partner"), "a GP surgery"),
    "community_health": (
        ("district nurse", "community team leader", "service director"),
        "the community health service",
    ),
    "social_care": (
        ("care worker", "social work team manager", "head of adult social care"),
        "the council's adult social care",
    ),
    "vcs": (("volunteer coordinator", "project manager", "chief executive"), "a voluntary group"),
    "housing": (("housing officer", "neighbourhood manager", "director of housing"), "a housing association"),
    "other_public": (("front-line officer", "service manager", "head of service"), "a local public service"),
    "patients": (("local resident", "patient representative", "community leader"), "a residents' group"),
}
"""What a person does and where, by sector and seniority (front line, manager, senior): plain words."""
assert set(ROLES) == set(SECTORS)


class RoomError(ValueError):
    """A room action that cannot be done (room full, unknown code, unknown participant): one line."""


@dataclass(frozen=True)
class Choice:
    """A participant's choices for one round. ``None``: the model's own rule decides that part."""

    event: bool | None = None
    """Go to the event on offer (True) or keep to the day job (False)."""
    visit: bool | None = None
    """Accept a Brew and Biscuits visit (True) or decline one (False)."""
    propose: bool | None = None
    """Propose a project with people they trust (True) or not (False)."""


DAY_JOB = Choice(event=False, visit=False, propose=False)
"""Keep to the day job: no event, no visit, no proposal."""


@dataclass
class Participant:
    token: str
    name: str
    slot: int
    person_id: int
    choice: Choice | None = None


@dataclass
class Room:
    """One room: its code, the facilitator's secret, the shared model and the participants.

    Every method takes the room's lock: the facilitator and the participants act from different sessions
    (threads) of the server. ``version`` counts changes (a join, a choice, a week): pages poll it.
    """

    code: str
    scenario: str = "south-manchester"
    population: int = 1000
    seed: int = 1
    max_participants: int = 40
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self):
        if self.scenario not in WORKSHOP_SCENARIOS:
            raise ConfigError(f"scenario = {self.scenario!r} is not allowed: allowed {', '.join(WORKSHOP_SCENARIOS)}")
        self.population = int(check_number(POPULATION.path, self.population, POPULATION.spec, int))
        self.model = DashboardModel(self.scenario, self.seed, **{POPULATION.path: self.population})
        self.participants: dict[str, Participant] = {}
        self.lock = threading.RLock()
        self.version = 0
        self.touched = self.clock()
        self.history: list[dict[str, Any]] = []  # one row per participant and week played
        self._calendar = events_mechanism.calendar(self.model.params)
        self._pick_rng = np.random.default_rng([self.seed, 0x5EED])

    # -- people ------------------------------------------------------------------------------------------
    def _candidates(self) -> np.ndarray:
        """Plausible people for a participant: not a programme lead, not already someone's, in post."""
        people = self.model.people
        taken = np.zeros(people.n, bool)
        taken[[p.slot for p in self.participants.values()]] = True
        return np.flatnonzero(~people.is_lead & ~taken)

    def _assign(self) -> int:
        """A person from the sector with the fewest participants so far (ties in a random order), so that a
        room spreads over the sectors; inside it a random person."""
        people = self.model.people
        cand = self._candidates()
        if cand.size == 0:
            raise RoomError("no person left to assign in this room")
        count = (
            np.bincount(
                people.sector[[p.slot for p in self.participants.values()]].astype(np.intp), minlength=N_SECTORS
            )
            if self.participants
            else np.zeros(N_SECTORS, np.int64)
        )
        present = np.bincount(people.sector[cand].astype(np.intp), minlength=N_SECTORS) > 0
        order = self._pick_rng.permutation(N_SECTORS)
        sector = min((s for s in order.tolist() if present[s]), key=lambda s: count[s])
        pool = cand[people.sector[cand] == sector]
        return int(pool[self._pick_rng.integers(pool.size)])

    def join(self, name: str = "") -> str:
        """A new participant (optional first name, cut to :data:`MAX_NAME` characters); returns their token."""
        with self.lock:
            if len(self.participants) >= self.max_participants:
                raise RoomError(f"room {self.code} is full: at most {self.max_participants} participants")
            slot = self._assign()
            token = secrets.token_urlsafe(9)
            clean = " ".join(str(name).split())[:MAX_NAME]
            self.participants[token] = Participant(token, clean, slot, int(self.model.people.person_id[slot]))
            self._changed()
            return token

    def participant(self, token: str) -> Participant:
        with self.lock:
            try:
                return self.participants[token]
            except KeyError:
                raise RoomError(f"not a participant of room {self.code}") from None

    # -- rounds ------------------------------------------------------------------------------------------
    @property
    def week(self) -> int:
        return self.model.week

    @property
    def n_participants(self) -> int:
        return len(self.participants)

    @property
    def n_ready(self) -> int:
        with self.lock:
            return sum(p.choice is not None for p in self.participants.values())

    def choose(self, token: str, choice: Choice) -> None:
        """A participant's choices for this round ("Done"); they may change them until the next week."""
        with self.lock:
            self.participant(token).choice = choice
            self._changed()

    def event_on_offer(self, slot: int) -> list[str]:
        """Names of the programme's events in the person's locality next week (what they could go to)."""
        loc = int(self.model.people.locality[slot])
        nxt = self.model.week + 1
        return [m.name for m in self._calendar if m.week == nxt and m.locality == loc]

    def scheme_open(self, slot: int) -> bool:
        """Brew and Biscuits runs in the person's locality next week."""
        p, m = self.model.params, self.model.params.matching
        opens = self.model.locality_start_week[int(self.model.people.locality[slot])] - 1 + m.start_week
        return bool(m.enabled and p.programme.enabled and self.model.week + 1 >= opens)

    def can_propose(self, slot: int) -> bool:
        """The model's conditions for proposing: a practitioner with the confidence and energy, not leading."""
        people, pr = self.model.people, self.model.params.projects
        from ...mechanisms.projects import capacity
        from ...sectors import PRACTISING

        load = capacity(self.model)[0]
        leading = self.model.projects.leaders_active(people.n)
        return bool(
            people.mindset[slot] >= PRACTISING
            and people.confidence[slot] >= pr.min_confidence
            and people.energy[slot] >= pr.min_energy
            and not leading[slot]
            and load[slot] < pr.max_per_person
        )

    def next_week(self) -> int:
        """Step the shared model one week with this round's choices; choices are then cleared. Returns the week."""
        with self.lock:
            if self.model.week >= self.model.max_weeks:
                raise RoomError(f"room {self.code} has reached week {self.model.max_weeks}, the dashboard's limit")
            overrides = self._overrides()
            model = self.model
            saved = model.phases
            model.phases = tuple((name, _Overridden(self, name, fn, overrides)) for name, fn in saved)
            try:
                model.step()
            finally:
                model.phases = saved
            self._record(overrides)
            for p in self.participants.values():
                p.choice = None
                if int(model.people.person_id[p.slot]) != p.person_id:  # their person left (turnover): a new one
                    p.slot = self._assign()
                    p.person_id = int(model.people.person_id[p.slot])
            self._changed()
            return model.week

    def _overrides(self) -> dict[str, np.ndarray]:
        """Slots by override, for the participants who chose (sorted, as numpy arrays)."""
        out: dict[str, list[int]] = {k: [] for k in ("go", "stay", "accept", "decline", "propose", "hold")}
        for p in self.participants.values():
            c = p.choice
            if c is None:
                continue
            if c.event is True and self.event_on_offer(p.slot):
                out["go"].append(p.slot)
            elif c.event is False:
                out["stay"].append(p.slot)
            if c.visit is not None:
                out["accept" if c.visit else "decline"].append(p.slot)
            if c.propose is not None:
                out["propose" if c.propose else "hold"].append(p.slot)
        return {k: np.array(sorted(v), np.int64) for k, v in out.items()}

    def _record(self, overrides: dict[str, np.ndarray]) -> None:
        people = self.model.people
        for p in self.participants.values():
            self.history.append(
                dict(
                    week=self.model.week,
                    name=p.name,
                    person_id=p.person_id,
                    chose=p.choice is not None,
                    confidence=float(people.confidence[p.slot]),
                    energy=float(people.energy[p.slot]),
                    attended=bool(people.active_week[p.slot] == self.model.week),
                )
            )

    def _changed(self) -> None:
        self.version += 1
        self.touched = self.clock()

    # -- what a participant sees -------------------------------------------------------------------------
    def person(self, token: str) -> dict[str, Any]:
        """What a participant's screen shows of their person (only what that person would know)."""
        with self.lock:
            p = self.participant(token)
            model, people = self.model, self.model.people
            s = p.slot
            sector = SECTORS[int(people.sector[s])]
            roles, org = ROLES[sector]
            names = model.params.population.locality_names
            loc = int(people.locality[s])
            locality = names[loc] if loc < len(names) else "South Manchester"
            ties = model.trust.neighbours(s, model.params.trust.working_threshold)
            tie_sectors = np.bincount(people.sector[ties].astype(np.intp), minlength=N_SECTORS)
            return dict(
                name=p.name,
                week=model.week,
                role=roles[int(people.seniority[s])],
                organisation=org,
                locality=locality,
                sector=SECTOR_LABELS[sector],
                ties=int(ties.size),
                cross_ties=int(ties.size - tie_sectors[int(people.sector[s])]),
                tie_sectors=[(SECTOR_LABELS[SECTORS[k]], int(c)) for k, c in enumerate(tie_sectors) if c],
                confidence=round(100 * float(people.confidence[s])),
                energy=round(100 * float(people.energy[s])),
                events=self.event_on_offer(s),
                scheme_open=self.scheme_open(s),
                can_propose=self.can_propose(s),
                registered=bool(people.registered[s]),
                choice=p.choice,
            )


def you_are(person: dict[str, Any]) -> str:
    """ "You are a practice manager at a GP surgery in South Manchester"."""
    article = "an" if person["role"][0].lower() in "aeiou" else "a"
    return f"You are {article} {person['role']} at {person['organisation']} in {person['locality']}"


class _Overridden:
    """One phase of the step with the participants' overrides around it (see the module's docstring)."""

    def __init__(self, room: Room, name: str, fn: Callable, o: dict[str, np.ndarray]):
        self.room, self.name, self.fn, self.o = room, name, fn, o

    def __call__(self, model) -> None:
        people, o = model.people, self.o
        if self.name == "events":
            go, stay = o["go"], o["stay"]
            was_lead, energy = people.is_lead[go].copy(), people.energy[stay].copy()
            people.is_lead[go] = True
            people.energy[stay] = 0.0
            try:
                self.fn(model)
            finally:
                people.is_lead[go] = was_lead
                people.energy[stay] = energy
        elif self.name == "matching":
            accept, decline = o["accept"], o["decline"]
            open_ = np.array([self.room.scheme_open(s) for s in accept.tolist()], bool)
            accept = accept[open_] if accept.size else accept
            people.registered[accept] = True
            hours, energy = people.hours[accept].copy(), people.energy[decline].copy()
            people.energy[decline] = -1.0
            try:
                self.fn(model)
            finally:
                people.energy[decline] = energy
            _visit(model, accept[people.hours[accept] == hours], self.room.seed)
        elif self.name == "project proposals":
            propose, hold = o["propose"], o["hold"]
            idea, confidence = people.idea[propose].copy(), people.confidence[hold].copy()
            people.idea[propose] = True
            people.confidence[hold] = -1.0
            try:
                self.fn(model)
            finally:
                people.confidence[hold] = confidence
                people.idea[propose] &= idea  # an idea they could not act on is not kept
        else:
            self.fn(model)


def _visit(model, who: np.ndarray, seed: int) -> None:
    """Brew and Biscuits visits for people who accepted one but whom the scheme's draw passed over: with their
    current partner, else a member of another sector in their locality (drawn from the room's own stream, so
    the model's streams are untouched); the contacts, knowledge and hours of the scheme's visits."""
    if who.size == 0:
        return
    people, p = model.people, model.params
    rng = np.random.default_rng([seed, model.week, 0xB15C])
    partner = current_partners(people, who)
    i, j = [], []
    busy = np.zeros(people.n, bool)
    busy[who] = True
    for k, v in enumerate(who.tolist()):  # a handful of participants, not every agent
        w = int(partner[k])
        if w < 0:
            pool = np.flatnonzero(
                people.registered
                & (people.locality == people.locality[v])
                & (people.sector != people.sector[v])
                & ~busy
            )
            if pool.size == 0:
                continue
            w = int(pool[rng.integers(pool.size)])
            people.partner[v], people.partner[w] = w, v
            people.partner_id[v], people.partner_id[w] = people.person_id[w], people.person_id[v]
        busy[w] = True
        i.append(v)
        j.append(w)
    if not i:
        return
    i, j = np.array(i, np.int64), np.array(j, np.int64)
    model.trust.add_contacts(i, j, p.trust.contact_gain * p.matching.safety)
    events_mechanism.grow_knowledge(people, i, j, p.event_types.networking.knowledge)
    both = np.concatenate([i, j])
    people.active_week[both] = model.week
    people.reached[both] = True
    people.hours[both] += p.time.visit_hours
    model.tally["matching_visits"] += len(i)


class RoomRegistry:
    """The server's rooms, keyed by code: thread-safe, bounded, and rooms unused for ``ttl_s`` expire."""

    def __init__(
        self,
        max_rooms: int = 8,
        max_participants: int = 40,
        ttl_s: float = 6 * 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_rooms, self.max_participants, self.ttl_s, self.clock = max_rooms, max_participants, ttl_s, clock
        self._rooms: dict[str, Room] = {}
        self._lock = threading.Lock()

    def _expire(self) -> None:
        now = self.clock()
        for code in [c for c, r in self._rooms.items() if now - r.touched > self.ttl_s]:
            del self._rooms[code]

    def create(self, scenario: str = "south-manchester", population: int = 1000, seed: int = 1) -> Room:
        """A new room with a fresh code. Raises :class:`RoomError` when the server holds ``max_rooms``."""
        with self._lock:
            self._expire()
            if len(self._rooms) >= self.max_rooms:
                raise RoomError(f"this server already runs {self.max_rooms} rooms: close one or wait for one to expire")
            code = _new_code(self._rooms)
        room = Room(code, scenario, population, seed, self.max_participants, clock=self.clock)  # (slow: outside)
        with self._lock:
            self._rooms[code] = room
        return room

    def get(self, code: str | None) -> Room:
        """The room with ``code`` (any case, spaces ignored). Raises :class:`RoomError` naming the code."""
        key = "".join(str(code or "").split()).upper()
        with self._lock:
            self._expire()
            room = self._rooms.get(key)
        if room is None:
            raise RoomError(f"no room {key or '(no code)'} on this server: check the code on the facilitator's screen")
        return room

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._rooms)


def _new_code(taken) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code


ROOMS = RoomRegistry()
"""The server process's rooms (one registry per server; shared by every browser session)."""

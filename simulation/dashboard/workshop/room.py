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
  in their locality (the same contacts, knowledge and hours as the scheme's visits). **Visit someone chosen**
  (one of the people of other sectors in their locality they know): they are out of the scheme's draw that
  week and visit that person instead, who becomes their partner. **Decline**: during the matching phase their
  energy is below what a visit needs.
- **Post online**: they are on the online network during the online phase (and stay on it: nobody goes quiet
  the week they post) and strike up one new weak tie with another online person, the online mechanism's rule
  for online practitioners made sure. **Stay off it**: they are off the network during the online phase (no
  new tie, no joining) and their online state is then as it was.
- **Propose a project**: they hold an idea when the proposals phase runs, so, if they can propose (a
  practitioner with the confidence and energy, not leading a project already), the model's own rule builds the
  team around them (collaborators along their trust ties first). **With a theme and people they trust**: they
  are out of the model's own proposals and the room starts theirs with the model's ``start_project``: their
  theme (one with a problem still open in their locality) and the trusted people they asked who can take on a
  project (a proposal without a second member lapses, as in the model). **Do not propose**: during the
  proposals phase their confidence is below what proposing needs.
- **Join a project that asked them** (active, in their locality, needing their sector and still without it,
  with someone in the team who trusts them): before the progress phase they join its team.

A round is a week or a month (four weeks, :data:`ROUND_WEEKS`): the choices hold for every week of the round.

After each week the room notes, in plain words, what happened to the participants' people (``Room.feed``: the
projector's feed), and after each round one row per participant (``Room.history``: the CSV); ``Room.rounds`` holds
every choice, enough to replay the room (:mod:`.record`).

:class:`RoomRegistry` holds the server's rooms: keyed by a short code, at most ``max_rooms`` of them, each
with at most ``max_participants``, and a room unused for ``ttl_s`` seconds is dropped. With a folder (the server's:
:func:`rooms_folder`) it saves each room whenever it changes and brings the rooms back after a restart.
"""

from __future__ import annotations

import os
import secrets
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ...config import ConfigError, check_number
from ...mechanisms import events as events_mechanism
from ...mechanisms import projects as projects_mechanism
from ...mechanisms.matching import current_partners
from ...mechanisms.projects import capacity
from ...sectors import N_SECTORS, PRACTISING, SECTOR_LABELS, SECTORS
from ..inputs import LIMITS, POPULATION, DashboardModel

if TYPE_CHECKING:
    from ...config import Params

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
    """A participant's choices for one round. ``None``: the model's own rule decides that part.

    People are named by their person id (``visit_with``, ``team``) and projects by their number (``join``); a
    participant's page offers them by role and sector (:meth:`Room.person`), never by id.
    """

    event: bool | None = None
    """Go to the event on offer (True) or keep to the day job (False)."""
    visit: bool | None = None
    """Accept a Brew and Biscuits visit (True) or decline one (False)."""
    visit_with: int | None = None
    """Whom to visit (a person id from :meth:`Room.visit_options`); None: whoever the scheme finds."""
    online: bool | None = None
    """Post online (True: join the online network and post) or stay off it this round (False)."""
    propose: bool | None = None
    """Propose a project with people they trust (True) or not (False)."""
    theme: int | None = None
    """The proposed project's theme (an index of ``projects.themes`` open in their locality); None: the model's draw."""
    team: tuple[int, ...] = ()
    """Person ids of trusted people asked into the proposed team (from :meth:`Room.team_options`); empty: the model
    builds the team."""
    join: int | None = None
    """A project that asked them (its number, from :meth:`Room.asking_projects`) that they join."""

    def to_dict(self) -> dict[str, Any]:
        """The set fields only (for the room's record; ``Choice(**d)`` reads it back)."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v is not None and v != ():
                out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Choice:
        names = {f.name for f in fields(cls)}
        bad = sorted(set(d) - names)
        if bad:
            raise RoomError(f"choice field {bad[0]!r} is unknown: allowed {', '.join(sorted(names))}")
        d = dict(d)
        if "team" in d:
            d["team"] = tuple(int(x) for x in d["team"])
        return cls(**d)


DAY_JOB = Choice(event=False, visit=False, propose=False)
"""Keep to the day job: no event, no visit, no proposal."""


@dataclass
class Participant:
    token: str
    name: str
    slot: int
    person_id: int
    index: int = 0
    """Order of joining (0 first): names the participant in the room's record."""
    joined_round: int = 0
    """Rounds played before they joined."""
    choice: Choice | None = None
    projects: set[int] = field(default_factory=set)
    """Projects their current person has worked on (numbers)."""


ROUND_WEEKS = {1: "a week", 4: "a month (4 weeks)"}
"""Round lengths a facilitator can choose (weeks: plain words)."""
STAGE_NEWS = {1: "heard what system leadership is", 2: "now practises system leadership", 3: "became a champion"}
"""A participant's person moving up a mindset stage, in the projector's words (aware, practising, champion)."""
MAX_OPTIONS = 8
"""At most this many people offered to visit or to ask into a team."""


@dataclass
class Room:
    """One room: its code, the facilitator's secret, the shared model and the participants.

    Every method takes the room's lock: the facilitator and the participants act from different sessions
    (threads) of the server. ``version`` counts changes (a join, a choice, a round): pages poll it.
    """

    code: str
    scenario: str = "south-manchester"
    population: int = 1000
    seed: int = 1
    max_participants: int = 40
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    clock: Callable[[], float] = time.monotonic
    on_change: Callable[[Room], None] | None = None
    """Called (with the lock held) after a join, a choice and a round: the registry saves the room."""

    def __post_init__(self):
        if self.scenario not in WORKSHOP_SCENARIOS:
            raise ConfigError(f"scenario = {self.scenario!r} is not allowed: allowed {', '.join(WORKSHOP_SCENARIOS)}")
        self.population = int(check_number(POPULATION.path, self.population, POPULATION.spec, int))
        self.seed = int(check_number("seed", self.seed, LIMITS.seed_spec(), int))
        self.model = DashboardModel(self.scenario, self.seed, **{POPULATION.path: self.population})
        self.participants: dict[str, Participant] = {}
        self.lock = threading.RLock()
        self.version = 0
        self._change = threading.Condition()  # woken at every change: pages wait on it instead of polling
        self.touched = self.clock()
        self.round_weeks = 1
        self.rounds: list[dict[str, Any]] = []  # the record: per round, its first week, length and the choices
        self.history: list[dict[str, Any]] = []  # one row per participant and round played (the CSV)
        self.feed: list[tuple[int, str]] = []  # (week, what happened to a participant's person), for the projector
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

    def join(self, name: str = "", token: str | None = None) -> str:
        """A new participant (optional first name, cut to :data:`MAX_NAME` characters); returns their token."""
        with self.lock:
            if len(self.participants) >= self.max_participants:
                raise RoomError(f"room {self.code} is full: at most {self.max_participants} participants")
            slot = self._assign()
            token = token or secrets.token_urlsafe(9)
            clean = " ".join(str(name).split())[:MAX_NAME]
            self.participants[token] = Participant(
                token,
                clean,
                slot,
                int(self.model.people.person_id[slot]),
                index=len(self.participants),
                joined_round=len(self.rounds),
                projects=self._past_projects(slot),
            )
            self._changed()
            return token

    def _past_projects(self, slot: int) -> set[int]:
        """Projects the person in ``slot`` has worked on so far (teams as formed, and those they are in now)."""
        book, pid = self.model.projects, int(self.model.people.person_id[slot])
        past = {k for k in range(book.count) if pid in book.member_ids[k]}
        proj, who = book.memberships()
        return past | set(proj[who == slot].tolist())

    def participant(self, token: str) -> Participant:
        with self.lock:
            try:
                return self.participants[token]
            except KeyError:
                raise RoomError(f"not a participant of room {self.code}") from None

    def _slot_of(self, person_id: int) -> int:
        """The slot of a person still in post (-1 if they left)."""
        hit = np.flatnonzero(self.model.people.person_id == person_id)
        return int(hit[0]) if hit.size else -1

    def label(self, slot: int) -> str:
        """A person as a participant sees them: "a district nurse (Community health)"."""
        people = self.model.people
        sector = SECTORS[int(people.sector[slot])]
        role = ROLES[sector][0][int(people.seniority[slot])]
        article = "an" if role[0].lower() in "aeiou" else "a"
        return f"{article} {role} ({SECTOR_LABELS[sector]})"

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

    @property
    def weeks_this_round(self) -> int:
        """Weeks the next round plays (the round's length, cut at the dashboard's last week)."""
        return max(0, min(self.round_weeks, self.model.max_weeks - self.model.week))

    def set_round(self, weeks: int) -> None:
        """The facilitator's round length: 1 (a week) or 4 (a month); the participants' choices hold for it."""
        if weeks not in ROUND_WEEKS:
            raise RoomError(f"round = {weeks!r} weeks is not allowed: allowed {', '.join(map(str, ROUND_WEEKS))}")
        with self.lock:
            if weeks != self.round_weeks:
                self.round_weeks = weeks
                self._changed()

    def choose(self, token: str, choice: Choice) -> None:
        """A participant's choices for this round ("Done"); they may change them until the next round.

        Checked against what their person can do now: whom to visit, the theme and the team, the project to join
        must be among those offered (:meth:`person`). Raises :class:`RoomError` naming the field otherwise.
        """
        with self.lock:
            p = self.participant(token)
            self._check(p.slot, choice)
            p.choice = choice
            self._changed()

    def _check(self, slot: int, c: Choice) -> None:
        for name in ("event", "visit", "online", "propose"):
            if getattr(c, name) not in (None, True, False):
                raise RoomError(f"choice {name} = {getattr(c, name)!r} is not allowed: allowed true, false or none")
        if c.visit_with is not None and c.visit_with not in {i for i, _ in self.visit_options(slot)}:
            raise RoomError("choice visit_with is not one of the people this person could visit")
        if c.theme is not None and c.theme not in {i for i, _ in self.theme_options(slot)}:
            raise RoomError("choice theme is not one of the themes open in this person's locality")
        allowed = {i for i, _ in self.team_options(slot)}
        if len(c.team) > MAX_OPTIONS or not set(c.team) <= allowed or len(set(c.team)) != len(c.team):
            raise RoomError(f"choice team must be at most {MAX_OPTIONS} different people this person trusts")
        if c.join is not None and c.join not in {k for k, _ in self.asking_projects(slot)}:
            raise RoomError("choice join is not one of the projects that asked this person")

    def _round_weeks(self) -> range:
        return range(self.model.week + 1, self.model.week + 1 + max(1, self.weeks_this_round))

    def event_on_offer(self, slot: int, week: int | None = None) -> list[str]:
        """Names of the programme's events in the person's locality in ``week``, or over the next round."""
        loc = int(self.model.people.locality[slot])
        weeks = self._round_weeks() if week is None else (week,)
        return [m.name for m in self._calendar if m.week in weeks and m.locality == loc]

    def scheme_open(self, slot: int, week: int | None = None) -> bool:
        """Brew and Biscuits runs in the person's locality in ``week`` (default: by the round's last week)."""
        p, m = self.model.params, self.model.params.matching
        opens = self.model.locality_start_week[int(self.model.people.locality[slot])] - 1 + m.start_week
        week = self._round_weeks()[-1] if week is None else week
        return bool(m.enabled and p.programme.enabled and week >= opens)

    def can_propose(self, slot: int) -> bool:
        """The model's conditions for proposing: a practitioner with the confidence and energy, not leading."""
        people, pr = self.model.people, self.model.params.projects
        load = capacity(self.model)[0]
        leading = self.model.projects.leaders_active(people.n)
        return bool(
            people.mindset[slot] >= PRACTISING
            and people.confidence[slot] >= pr.min_confidence
            and people.energy[slot] >= pr.min_energy
            and not leading[slot]
            and load[slot] < pr.max_per_person
        )

    def visit_options(self, slot: int) -> list[tuple[int, str]]:
        """Whom the person could visit: their Brew and Biscuits partner, then the people of other sectors in their
        locality they know (any trust), the best known first; (person id, "a district nurse (Community health)")."""
        people, net = self.model.people, self.model.trust
        ties = net.ties_of(slot)
        nb = np.array(sorted(ties), np.int64)
        ok = (people.locality[nb] == people.locality[slot]) & (people.sector[nb] != people.sector[slot])
        nb = nb[ok]
        order = sorted(nb.tolist(), key=lambda s: (-ties[s], int(people.person_id[s])))
        partner = int(current_partners(people, np.array([slot]))[0])
        if partner >= 0:
            order = [partner] + [s for s in order if s != partner]
        return [(int(people.person_id[s]), self.label(s)) for s in order[:MAX_OPTIONS]]

    def team_options(self, slot: int) -> list[tuple[int, str]]:
        """Whom the person could ask into a project: their working-trust ties in their locality who can take on
        another project (the model's collaborators), the most trusted first."""
        people, net, model = self.model.people, self.model.trust, self.model
        ties = net.ties_of(slot)
        working = model.params.trust.working_threshold
        _, available, _ = capacity(model)
        cand = [
            s for s, w in ties.items() if w >= working and people.locality[s] == people.locality[slot] and available[s]
        ]
        cand.sort(key=lambda s: (-ties[s], int(people.person_id[s])))
        return [(int(people.person_id[s]), self.label(s)) for s in cand[:MAX_OPTIONS]]

    def theme_options(self, slot: int) -> list[tuple[int, str]]:
        """Themes with a problem still open in the person's locality: (index, name)."""
        open_ = self.model.opportunities.takeable(int(self.model.people.locality[slot]))
        themes = self.model.params.projects.themes
        return [(k, themes[k].name) for k in np.flatnonzero(open_ > 0).tolist()]

    def asking_projects(self, slot: int) -> list[tuple[int, str]]:
        """Projects that ask the person to join: active, in their locality, needing their sector and still without
        it, with someone in the team who trusts them enough to work with (the model's teams look for the sectors
        they lack, along working-trust ties); only if the person can take on another project. (number, text)."""
        model, people, book = self.model, self.model.people, self.model.projects
        if not capacity(model)[1][slot]:
            return []
        me = int(people.sector[slot])
        trusted = set(model.trust.neighbours(slot, model.params.trust.working_threshold).tolist())
        out = []
        for k in book.active().tolist():
            m = book.members[k]
            if (
                int(book.locality[k]) == int(people.locality[slot])
                and slot not in m
                and int(book.need_mask[k]) >> me & 1
                and not int(book.have_mask[k]) >> me & 1
                and trusted.intersection(m.tolist())
            ):
                theme = model.params.projects.themes[int(book.theme[k])].name
                out.append((k, f"a {theme} project ({len(m)} people, started in week {int(book.start[k])})"))
        return out

    def next_week(self) -> int:
        """Play one round (a week or a month) with this round's choices; choices are then cleared. Returns the week.

        The choices hold for every week of the round; a participant whose person leaves (turnover) gets a new
        person and the model's own rule for the rest of the round.
        """
        with self.lock:
            weeks = self.weeks_this_round
            if weeks == 0:
                raise RoomError(f"room {self.code} has reached week {self.model.max_weeks}, the dashboard's limit")
            self.rounds.append(
                dict(
                    week=self.model.week,
                    weeks=weeks,
                    length=self.round_weeks,
                    choices={p.index: p.choice.to_dict() for p in self.participants.values() if p.choice is not None},
                )
            )
            chosen = {p.token: p.choice for p in self.participants.values()}
            for _ in range(weeks):
                self._step(self._overrides())
                for p in self.participants.values():
                    if int(self.model.people.person_id[p.slot]) != p.person_id:  # their person left: a new one
                        p.slot = self._assign()
                        p.person_id = int(self.model.people.person_id[p.slot])
                        p.choice = None
                        p.projects = self._past_projects(p.slot)
                self._note_projects()
            self._record(chosen)
            for p in self.participants.values():
                p.choice = None
            self._changed()
            return self.model.week

    def _step(self, overrides: dict[str, Any]) -> None:
        model, people = self.model, self.model.people
        parts = sorted(self.participants.values(), key=lambda p: p.index)
        watch = np.array([p.slot for p in parts], np.int64)
        overrides["watch"], overrides["took_part"] = watch, {}
        online, mindset = people.online[watch].copy(), people.mindset[watch].copy()
        saved = model.phases
        model.phases = tuple((name, _Overridden(self, name, fn, overrides)) for name, fn in saved)
        try:
            model.step()
        finally:
            model.phases = saved
        self._happenings(parts, watch, overrides["took_part"], online, mindset)

    def who(self, p: Participant) -> str:
        """A participant as the projector names them: their first name, else "Participant N"."""
        return p.name or f"Participant {p.index + 1}"

    def _happenings(self, parts, watch, took_part, online, mindset) -> None:
        """This week's happenings to the participants' people, in plain words (the projector's feed)."""
        model, people, book = self.model, self.model.people, self.model.projects
        week = model.week
        by_slot = {p.slot: p for p in parts}
        themes = model.params.projects.themes
        out: list[str] = []
        held: dict[int, list[str]] = {}
        for r in model.event_log:
            if r["week"] == week:
                held.setdefault(int(r["locality"]), []).append(r["name"])
        for s in took_part.get("events", ()):
            names = held.get(int(people.locality[s]))
            if names:
                out.append(f"{self.who(by_slot[s])} went to {' and '.join(names)}")
        met: set[int] = set()
        for s in took_part.get("matching", ()):
            w = int(people.partner[s])
            if s in met or w < 0:
                continue
            met.update((s, w))
            if w in by_slot:
                out.append(f"{self.who(by_slot[s])} and {self.who(by_slot[w])} met over Brew and Biscuits")
            else:
                out.append(f"{self.who(by_slot[s])} had a Brew and Biscuits cup of tea with {self.label(w)}")
        for k in model.new_projects:
            team = [by_slot[m] for m in book.members[k].tolist() if m in by_slot]
            if not team:
                continue
            theme = themes[int(book.theme[k])].name
            others = len(book.members[k]) - len(team)
            together = " and ".join(self.who(p) for p in team)
            tail = f" with {others} other{'s' if others != 1 else ''}" if others else ""
            out.append(f"{together} started a {theme} project{tail}")
        for s, k in took_part.get("joined", ()):
            out.append(f"{self.who(by_slot[s])} joined a {themes[int(book.theme[k])].name} project")
        ended = np.flatnonzero(
            (book.end[: book.count] == week) & (book.status[: book.count] == projects_mechanism.COMPLETED)
        )
        for k in ended.tolist():
            team = [by_slot[m] for m in book.members[k].tolist() if m in by_slot]
            if team:
                together = " and ".join(self.who(p) for p in team)
                out.append(f"{together}'s {themes[int(book.theme[k])].name} project was completed")
        for n, p in enumerate(parts):
            s = int(watch[n])
            if p.slot != s:
                continue
            if people.online[s] and not online[n]:
                out.append(f"{self.who(p)} joined the online network")
            if people.mindset[s] > mindset[n]:
                out.append(f"{self.who(p)} {STAGE_NEWS.get(int(people.mindset[s]), 'moved on')}")
        self.feed.extend((week, line) for line in out)

    def _note_projects(self) -> None:
        """Each participant's person's projects (active this week)."""
        proj, who = self.model.projects.memberships()
        for p in self.participants.values():
            p.projects.update(proj[who == p.slot].tolist())

    def _overrides(self) -> dict[str, Any]:
        """This week's overrides: slots by override (sorted numpy arrays) and the participants' picks."""
        week = self.model.week + 1
        out: dict[str, list[int]] = {
            k: [] for k in ("go", "stay", "accept", "decline", "propose", "hold", "post", "offline")
        }
        pairs, proposals, joins = [], [], []
        for p in sorted(self.participants.values(), key=lambda p: p.index):
            c = p.choice
            if c is None:
                continue
            if c.event is True and self.event_on_offer(p.slot, week):
                out["go"].append(p.slot)
            elif c.event is False:
                out["stay"].append(p.slot)
            if c.visit is True and c.visit_with is not None and (w := self._slot_of(c.visit_with)) >= 0:
                pairs.append((p.slot, w))
                out["decline"].append(p.slot)  # out of the scheme's own draw: they visit whom they chose
            elif c.visit is not None:
                out["accept" if c.visit else "decline"].append(p.slot)
            if c.online is not None:
                out["post" if c.online else "offline"].append(p.slot)
            if c.propose and (c.theme is not None or c.team):
                proposals.append((p.slot, c.theme, [s for s in map(self._slot_of, c.team) if s >= 0]))
                out["hold"].append(p.slot)  # out of the model's own proposals: the room builds theirs
            elif c.propose is not None:
                out["propose" if c.propose else "hold"].append(p.slot)
            if c.join is not None:
                joins.append((p.slot, c.join))
        o: dict[str, Any] = {k: np.array(sorted(v), np.int64) for k, v in out.items()}
        o.update(pairs=pairs, proposals=proposals, joins=joins)
        return o

    def _record(self, chosen: dict[str, Choice | None]) -> None:
        """One row per participant for the round just played (the room's CSV)."""
        people, net, model = self.model.people, self.model.trust, self.model
        working = model.params.trust.working_threshold
        for p in sorted(self.participants.values(), key=lambda p: p.index):
            ties = net.neighbours(p.slot, working)
            sector = SECTORS[int(people.sector[p.slot])]
            self.history.append(
                dict(
                    round=len(self.rounds),
                    week=model.week,
                    participant=p.index + 1,
                    name=p.name,
                    role=ROLES[sector][0][int(people.seniority[p.slot])],
                    sector=SECTOR_LABELS[sector],
                    choice=self.describe(chosen.get(p.token)),
                    ties=int(ties.size),
                    cross_sector_ties=int(np.count_nonzero(people.sector[ties] != people.sector[p.slot])),
                    confidence=round(100 * float(people.confidence[p.slot])),
                    energy=round(100 * float(people.energy[p.slot])),
                    projects=len(p.projects),
                )
            )

    def describe(self, c: Choice | None) -> str:
        """A choice in plain words, for the record: "went to the event; visited ...; posted online"."""
        if c is None:
            return "the model's own rule"
        parts = []
        if c.event is not None:
            parts.append("go to the event on offer" if c.event else "keep to the day job")
        if c.visit is True:
            parts.append("accept a Brew and Biscuits visit" + (" with someone chosen" if c.visit_with else ""))
        elif c.visit is False:
            parts.append("decline Brew and Biscuits")
        if c.online is not None:
            parts.append("post online" if c.online else "stay off the online network")
        if c.propose:
            theme = self.model.params.projects.themes[c.theme].name if c.theme is not None else None
            parts.append(
                "propose a project"
                + (f" on {theme}" if theme else "")
                + (f" with {len(c.team)} people they trust" if c.team else "")
            )
        elif c.propose is False:
            parts.append("propose nothing")
        if c.join is not None:
            parts.append("join a project that asked them")
        return "; ".join(parts) or "nothing in particular"

    def _changed(self) -> None:
        self.version += 1
        self.touched = self.clock()
        if self.on_change is not None:
            self.on_change(self)
        with self._change:
            self._change.notify_all()

    def wait_for_change(self, version: int, timeout: float) -> int:
        """The room's version once it differs from ``version``, or after ``timeout`` seconds (a page's thread
        waits here, so a new week reaches every screen as soon as it is made, not at the next poll)."""
        with self._change:
            self._change.wait_for(lambda: self.version != version, timeout=timeout)
        return self.version

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
                round_weeks=self.weeks_this_round,
                role=roles[int(people.seniority[s])],
                organisation=org,
                locality=locality,
                sector=SECTOR_LABELS[sector],
                ties=int(ties.size),
                cross_ties=int(ties.size - tie_sectors[int(people.sector[s])]),
                tie_sectors=[(SECTOR_LABELS[SECTORS[k]], int(c)) for k, c in enumerate(tie_sectors) if c],
                confidence=round(100 * float(people.confidence[s])),
                energy=round(100 * float(people.energy[s])),
                projects=len(p.projects),
                events=self.event_on_offer(s),
                scheme_open=self.scheme_open(s),
                visit_options=self.visit_options(s),
                online=bool(people.online[s]),
                can_propose=self.can_propose(s),
                team_options=self.team_options(s),
                theme_options=self.theme_options(s),
                asking=self.asking_projects(s),
                registered=bool(people.registered[s]),
                choice=p.choice,
            )


def you_are(person: dict[str, Any]) -> str:
    """ "You are a practice manager at a GP surgery in South Manchester"."""
    article = "an" if person["role"][0].lower() in "aeiou" else "a"
    return f"You are {article} {person['role']} at {person['organisation']} in {person['locality']}"


class _Overridden:
    """One phase of the step with the participants' overrides around it (see the module's docstring)."""

    def __init__(self, room: Room, name: str, fn: Callable, o: dict[str, Any]):
        self.room, self.name, self.fn, self.o = room, name, fn, o

    def __call__(self, model) -> None:
        people, o = model.people, self.o
        watch = o.get("watch", np.empty(0, np.int64))
        if self.name in ("events", "matching"):
            before = people.active_week[watch].copy()
        self._run(model)
        if self.name in ("events", "matching"):
            now = people.active_week[watch]
            o.setdefault("took_part", {})[self.name] = watch[(now == model.week) & (before != model.week)].tolist()

    def _run(self, model) -> None:
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
            week = model.week  # (the step has begun: this is the week being played)
            accept, decline = o["accept"], o["decline"]
            open_ = np.array([self.room.scheme_open(s, week) for s in accept.tolist()], bool)
            accept = accept[open_] if accept.size else accept
            people.registered[accept] = True
            hours, energy = people.hours[accept].copy(), people.energy[decline].copy()
            people.energy[decline] = -1.0
            try:
                self.fn(model)
            finally:
                people.energy[decline] = energy
            pairs = [(v, w) for v, w in o["pairs"] if self.room.scheme_open(v, week)]
            _visit(model, accept[people.hours[accept] == hours], self.room.seed, pairs)
        elif self.name == "online":
            post, off = o["post"], o["offline"]
            was = people.online[off].copy()
            people.online[post] = True
            people.online[off] = False
            try:
                self.fn(model)
            finally:
                people.online[off] = was
                people.online[post] = True  # they posted: nobody goes quiet the week they post
            _post(model, post, self.room.seed)
        elif self.name == "project progress":
            for slot, k in o["joins"]:
                if _join_project(model, k, slot):
                    o.setdefault("took_part", {}).setdefault("joined", []).append((slot, k))
            self.fn(model)
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
            for slot, theme, team in o["proposals"]:
                _propose(self.room, model, slot, theme, team)
        else:
            self.fn(model)


def _visit(model, who: np.ndarray, seed: int, pairs: Sequence[tuple[int, int]] = ()) -> None:
    """Brew and Biscuits visits: ``pairs`` (visitor, whom they chose), and the people ``who`` accepted a visit but
    whom the scheme's draw passed over, with their current partner, else a member of another sector in their
    locality (drawn from the room's own stream, so the model's streams are untouched); the contacts, knowledge
    and hours of the scheme's visits. A chosen pair becomes each other's partner in the scheme (both members)."""
    if who.size == 0 and not pairs:
        return
    people, p = model.people, model.params
    rng = np.random.default_rng([seed, model.week, 0xB15C])
    partner = current_partners(people, who)
    vs: list[int] = []
    ws: list[int] = []
    busy = np.zeros(people.n, bool)
    busy[who] = True
    for v, w in pairs:  # a handful of participants, not every agent
        if busy[v] or v == w:
            continue
        people.registered[[v, w]] = True
        people.partner[v], people.partner[w] = w, v
        people.partner_id[v], people.partner_id[w] = people.person_id[w], people.person_id[v]
        busy[v] = busy[w] = True
        vs.append(v)
        ws.append(w)
    for k, v in enumerate(who.tolist()):
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
        vs.append(v)
        ws.append(w)
    if not vs:
        return
    i, j = np.array(vs, np.int64), np.array(ws, np.int64)
    model.trust.add_contacts(i, j, visit_gain(p))
    events_mechanism.grow_knowledge(people, i, j, p.event_types.networking.knowledge)
    both = np.concatenate([i, j])
    people.active_week[both] = model.week
    people.reached[both] = True
    people.hours[both] += p.time.visit_hours
    model.tally["matching_visits"] += len(i)


def visit_gain(params: Params) -> float:
    """The trust gain of one Brew and Biscuits visit (the scheme's: contact gain x the visit's safety)."""
    return params.trust.contact_gain * params.matching.safety


def post_gain(params: Params) -> float:
    """The trust gain of a new online contact (the online mechanism's)."""
    return params.trust.contact_gain * params.online.contact_gain_factor


def _post(model, who: np.ndarray, seed: int) -> None:
    """People who post online this week strike up a weak tie with another online person (the online mechanism's
    rule for online practitioners, made sure; the other person drawn from the room's own stream)."""
    if who.size == 0:
        return
    online = np.flatnonzero(model.people.online)
    rng = np.random.default_rng([seed, model.week, 0x0411])
    i, j = [], []
    for v in who.tolist():
        pool = online[online != v]
        if pool.size:
            i.append(v)
            j.append(int(pool[rng.integers(pool.size)]))
    model.trust.add_contacts(np.array(i, np.int64), np.array(j, np.int64), post_gain(model.params))
    model.people.active_week[who] = model.week


def _join_project(model, k: int, slot: int) -> bool:
    """``slot`` joins active project ``k`` (if it is still active, they are not in it and have the room for it):
    its team, team pairs, sectors and the people's project load, as :meth:`ProjectBook.leave` undoes."""
    book, people = model.projects, model.people
    if k >= book.count or book.status[k] != projects_mechanism.ACTIVE or slot in book.members[k]:
        return False
    load = book.load(people.n)  # (brings the book's load up to date before it is added to)
    if load[slot] >= model.params.projects.max_per_person:
        return False
    m = np.append(book.members[k], slot).astype(np.int64)
    book.members[k] = m
    if book._load is not None:
        book._load[slot] += 1.0
    a, b = projects_mechanism._pairs_of(len(m))
    book._pairs[k] = (m[a], m[b])
    book.set_team_sectors(k, people.sector[m])
    people.active_week[slot] = model.week
    people.reached[slot] = True
    return True


def _propose(room: Room, model, slot: int, theme: int | None, team: list[int]) -> None:
    """A participant's own proposal: their theme (or the model's draw) and the trusted people they asked who can
    take it on; started by the model's :func:`~simulation.mechanisms.projects.start_project` when at least one of
    them can (the model's rule: a proposal without a second member lapses)."""
    people = model.people
    if not room.can_propose(slot):
        return
    loc = int(people.locality[slot])
    open_ = model.opportunities.takeable(loc)
    if theme is None:
        _, weight, _ = projects_mechanism.theme_table(
            model.params.projects.themes, model.params.projects.own_sector_theme
        )
        theme = projects_mechanism.draw_theme(
            model, loc, weight[people.sector[slot]], np.random.default_rng([room.seed, model.week, 0x7E4A])
        )
    if theme is None or open_[theme] <= 0:
        return
    load, available, free = capacity(model)
    members = [slot] + [s for s in dict.fromkeys(team) if s != slot and available[s] and people.locality[s] == loc]
    model.projects.proposed += 1
    if len(members) < 2:
        return
    m = np.array(members, np.int64)
    projects_mechanism.book_load(model, m, load, available, free)
    projects_mechanism.start_project(model, theme=theme, leader=slot, team=members, assigned=0)


class RoomRegistry:
    """The server's rooms, keyed by code: thread-safe, bounded, and rooms unused for ``ttl_s`` expire.

    With a ``folder``, each room is saved there (``CODE.json``, :func:`.record.save_room`) whenever it changes (a
    join, a choice, a round), and the rooms found there are restored, played again from their records, the first
    time the registry is used (:meth:`restore`): a room survives a server restart, its facilitator's address and
    its participants' addresses work again. A room unused for ``ttl_s`` (by the file's time) is not restored and
    its file is removed.
    """

    def __init__(
        self,
        max_rooms: int = 8,
        max_participants: int = 40,
        ttl_s: float = 6 * 3600.0,
        clock: Callable[[], float] = time.monotonic,
        folder: str | os.PathLike | None = None,
    ):
        self.max_rooms, self.max_participants, self.ttl_s, self.clock = max_rooms, max_participants, ttl_s, clock
        self.folder = Path(folder) if folder is not None else None
        self._rooms: dict[str, Room] = {}
        self._lock = threading.RLock()
        self._restored = self.folder is None
        self.problems: list[str] = []
        """Saved rooms that could not be restored (one line each)."""

    def _save(self, room: Room) -> None:
        from .record import save_room

        if self.folder is not None:
            save_room(room, self.folder)

    def _drop(self, code: str) -> None:
        del self._rooms[code]
        if self.folder is not None:
            (self.folder / f"{code}.json").unlink(missing_ok=True)

    def restore(self) -> None:
        """Bring back the rooms saved in the folder (once; called by the first use of the registry)."""
        from .record import load_room

        with self._lock:
            if self._restored:
                return
            self._restored = True
            if self.folder is None or not self.folder.is_dir():
                return
            now = time.time()
            files = sorted(self.folder.glob("*.json"), key=lambda f: f.stat().st_mtime, reverse=True)
            for f in files:
                age = now - f.stat().st_mtime
                if age > self.ttl_s or len(self._rooms) >= self.max_rooms:
                    f.unlink(missing_ok=True)
                    continue
                try:
                    room = load_room(f, clock=self.clock)
                except ConfigError as exc:  # a broken file is left alone (and said), the others come back
                    self.problems.append(str(exc))
                    print(f"syslead: warning: room not restored: {exc}", file=sys.stderr)
                    continue
                room.touched = self.clock() - age
                room.on_change = self._save
                self._rooms[room.code] = room

    def _expire(self) -> None:
        self.restore()
        now = self.clock()
        for code in [c for c, r in self._rooms.items() if now - r.touched > self.ttl_s]:
            self._drop(code)

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
            room.on_change = self._save
            self._save(room)
        return room

    def create_from_record(self, data: Mapping[str, Any]) -> Room:
        """A new room (a fresh code and facilitator's secret) that carries on from a room's record (the TOML
        download): the record is played again (:func:`~.record.replay`), so the model stands where the recorded
        room stopped, its participants' people are in it and named (no phone holds their tokens any more, so they
        follow the model's own rule), and new participants join as new people. Raises
        :class:`~simulation.config.ConfigError` or :class:`RoomError` naming the field for a bad record."""
        from .record import check_record, replay

        data = check_record(data)  # before the slow replay
        with self._lock:
            self._expire()
            if len(self._rooms) >= self.max_rooms:
                raise RoomError(f"this server already runs {self.max_rooms} rooms: close one or wait for one to expire")
            code = _new_code(self._rooms)
        room = replay(data, code=code, max_participants=self.max_participants, clock=self.clock)
        with self._lock:
            self._rooms[code] = room
            room.on_change = self._save
            self._save(room)
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

    def facilitate(self, code: str | None, key: str | None) -> Room:
        """The room with ``code`` for its facilitator: ``key`` must be the room's secret (compared in constant
        time). Raises :class:`RoomError` otherwise, without saying more than that the key does not match."""
        room = self.get(code)
        if not secrets.compare_digest(str(key or ""), room.secret):
            raise RoomError(
                f"This address does not hold room {room.code}'s facilitator key: open the address "
                "the room was started at, or start a new room."
            )
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


ROOMS_DIR_ENV = "SYSLEAD_ROOMS_DIR"
"""The environment variable naming the folder where a server saves its rooms (``syslead dashboard --rooms-dir``)."""


def rooms_folder(option: str | os.PathLike | None = None) -> Path:
    """Where rooms are saved: ``option``, else ``$SYSLEAD_ROOMS_DIR``, else ``syslead/rooms`` in the user's cache
    folder (``$XDG_CACHE_HOME``, else ``~/.cache``)."""
    if option:
        return Path(option)
    if os.environ.get(ROOMS_DIR_ENV):
        return Path(os.environ[ROOMS_DIR_ENV])
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "syslead" / "rooms"


ROOMS = RoomRegistry(folder=rooms_folder())
"""The server process's rooms (one registry per server; shared by every browser session)."""

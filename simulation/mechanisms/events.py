"""Events: who hears of them, who comes, and what meeting there does.

Mechanisms 2 and 3 of the brief. An event is held in the week it is due
(calendar events and gatherings are put on Mesa's event scheduler half a week
ahead and queued in :class:`MeetingQueue`; the events :func:`phase` holds what
is queued). Attendance is

    P(attend) = P(invited) x acceptance x motivation x energy

where ``P(invited)`` mixes an open policy (anyone who *hears* of it: general
publicity, word of mouth along trusted ties from people already reached,
the online network) with a targeted one (letters to roles: seniority and
sector), weighted by ``strategy.openness``; a gathering a champion convenes
invites along the convener's working-trust ties and, less surely, online
people of the locality (:func:`gathering_invitations`). Attendees meet in small groups
for a number of rounds; every pair at a table gains trust in proportion to
the event's psychological safety, which rises with informality and with
co-production (``safety.*``). Attendees also gain confidence, knowledge of
the sectors they met, and may move along the mindset ladder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from ..config import EventSpec, EventTypeParams, Params
from ..kernels.arrays import cap_per_group, group_pairs, sorted_unique, unique_counts
from ..kernels.attendance import invited_and_willing, online_slots
from ..kernels.network import TrustNetwork
from ..population import People
from ..sectors import AWARE, N_SECTORS, PRACTISING, SECTOR_INDEX, UNAWARE

if TYPE_CHECKING:
    from ..model import LeadershipModel

_NONE = np.empty(0, np.int64)


@dataclass(frozen=True)
class Meeting:
    """An event to be held: a calendar entry, or a gathering convened by someone."""

    name: str
    type: str
    week: int
    capacity: int
    locality: int = 0
    formality: float | None = None
    convener: int = -1  # -1: the programme; otherwise the person who convened it
    funded: bool = True


def safety(params: Params, formality: float, power_sharing: float) -> float:
    """Psychological safety of a setting, in [safety.base, 1]."""
    s = params.safety
    mix = s.informality_share * (1.0 - formality) + (1.0 - s.informality_share) * power_sharing
    return s.base + (1.0 - s.base) * mix


def event_formality(params: Params, meeting: Meeting) -> float:
    """Formality as delivered: the type's design when informal, fully formal when not."""
    if meeting.formality is not None:
        return meeting.formality
    base = getattr(params.event_types, meeting.type).formality
    v = params.strategy.informality if meeting.funded else 1.0
    return v * base + (1.0 - v) * 1.0


def hear_probability(people: People, net: TrustNetwork, params: Params, working: float) -> np.ndarray:
    """Chance each person hears of an open event (publicity, word of mouth, online)."""
    inv = params.invitations
    reached_ties = net.neighbour_sum(people.reached, working, binary=True)
    miss = (1 - inv.publicity) * np.exp(-inv.word_of_mouth * reached_ties) * (1 - inv.online_news * people.online)
    return 1.0 - miss


def targeted_probability(people: People, params: Params) -> np.ndarray:
    """Chance each person receives a targeted invitation (role and sector)."""
    inv = params.invitations
    by_seniority = np.asarray(inv.targeted_seniority)[people.seniority]
    by_sector = np.asarray(inv.targeted_sector.as_tuple())[people.sector]
    return by_seniority * by_sector


def invitation_probability(people: People, net: TrustNetwork, params: Params) -> np.ndarray:
    o = params.strategy.openness
    p = o * hear_probability(people, net, params, params.trust.working_threshold)
    if o < 1:
        p = p + (1 - o) * targeted_probability(people, params)
    return np.clip(p, 0.0, 1.0)


@dataclass(frozen=True)
class GatheringInvitations:
    """Who hears of a gathering: the convener's working-trust ties surely, the online people of the locality
    with chance ``news``. Kept as the ties and the chance, not as a chance for everyone (at a million people,
    forty-odd gatherings a week)."""

    ties: np.ndarray  # sorted slots of the convener's working-trust ties
    news: float  # chance an online person of the locality hears of it
    locality: slice  # the convener's locality (its block of slots)
    online_at: np.ndarray | None = None  # the online people's slots, sorted (None: listed when needed)

    def chances(self, people: People) -> np.ndarray:
        """The chance each person is invited (1 along the ties, ``news`` for the online people of the locality)."""
        inv = np.zeros(people.n)
        np.multiply(people.online[self.locality], self.news, out=inv[self.locality])
        inv[self.ties] = 1.0
        return inv


def choose_attendees(
    invited: np.ndarray | GatheringInvitations,
    people: People,
    params: Params,
    meeting: Meeting,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw attendees; when more want to come than there is room, a random subset gets in.

    ``invited``: each person's chance of an invitation, or a gathering's invitations. Only people of the
    meeting's locality with some chance of an invitation draw (one uniform each).
    """
    span = people.locality_span(meeting.locality)
    # Decision-makers come to formal meetings more than to informal ones.
    informal = 1.0 - event_formality(params, meeting)
    # Who might come (the locality's people with a chance of an invitation) and each one's chance of coming: the
    # invitation, times acceptance, times the willingness to give time (interest raised by the mindset,
    # ``invitations.mindset_interest`` per stage, capped at 1, times energy), times the senior factor for managers
    # and seniors; compiled passes over the locality's candidates only (kernels/attendance.py).
    online_at = _NONE
    if isinstance(invited, GatheringInvitations):
        if invited.locality == span:  # champions convene in their own locality: the ties and online people directly
            dense, ties, news = np.empty(0), invited.ties, invited.news
            given = invited.online_at
            online_at = online_slots(people.online, span.start, span.stop) if given is None else given
        else:
            dense, ties, news = invited.chances(people), _NONE, 0.0
    else:
        dense, ties, news = invited, _NONE, 0.0
    cand, p = invited_and_willing(
        dense,
        ties,
        online_at,
        news,
        span.start,
        span.stop,
        people.interest,
        people.mindset,
        params.invitations.mindset_interest,
        people.energy,
        people.seniority,
        params.invitations.acceptance,
        1.0 - params.invitations.senior_informality * informal,
    )
    want = cand[rng.random(cand.size) < p]
    if meeting.convener >= 0:
        want = sorted_unique(np.append(want, meeting.convener))
    else:
        leads = np.flatnonzero(people.is_lead[span]) + span.start
        want = sorted_unique(np.concatenate([want, leads]))  # the leads convene every programme event
    if len(want) > meeting.capacity:
        want = np.sort(rng.choice(want, meeting.capacity, replace=False))
    return want


def grow_knowledge(people: People, i: np.ndarray, j: np.ndarray, gain: float) -> None:
    """Each contact teaches i about j's sector and j about i's: k <- 1 - (1-k)(1-gain)^contacts."""
    if gain <= 0 or len(i) == 0:
        return
    who = np.concatenate([i, j])
    about = np.concatenate([people.sector[j], people.sector[i]]).astype(np.int64)
    cell, counts = unique_counts(who * N_SECTORS + about)
    flat = people.knowledge.reshape(-1)
    # (1 - gain)^c by repeated multiplication: the same bits on every processor (np.power's do not)
    keep = np.cumprod(np.full(int(counts.max()), 1.0 - gain))
    flat[cell] = 1.0 - (1.0 - flat[cell]) * keep[counts - 1]


def hold(
    meeting: Meeting,
    attendees: np.ndarray,
    people: People,
    net: TrustNetwork,
    params: Params,
    rng: np.random.Generator,
    week: int,
) -> dict:
    """Apply an event's effects to its attendees; return its record for ``events.csv``."""
    et: EventTypeParams = getattr(params.event_types, meeting.type)
    power = params.strategy.power_sharing if meeting.funded else 1.0
    formality = event_formality(params, meeting)
    s = safety(params, formality, power)
    i_all, j_all = [], []
    for _ in range(et.rounds):
        i, j = group_pairs(attendees, et.group_size, rng)
        i_all.append(i)
        j_all.append(j)
    i = np.concatenate(i_all) if i_all else np.empty(0, np.int64)
    j = np.concatenate(j_all) if j_all else np.empty(0, np.int64)
    net.add_contacts(i, j, params.trust.contact_gain * s)
    grow_knowledge(people, i, j, et.knowledge)

    a = attendees
    people.confidence[a] += et.confidence * s * (1.0 - people.confidence[a])
    stage = people.mindset[a]
    u = rng.random(len(a))
    gap = params.mindset.rhetoric_gap_push
    role = gap + (1.0 - gap) * (params.strategy.role_modelling if meeting.funded else 1.0)
    to_aware = (stage == UNAWARE) & (u < et.awareness)
    to_practising = (stage == AWARE) & (u < et.mindset_push * s * role)
    people.mindset[a[to_aware]] = AWARE
    people.mindset[a[to_practising]] = PRACTISING
    if et.online_conversion > 0:
        people.online[a[rng.random(len(a)) < et.online_conversion]] = True
    if et.matching_signup > 0 and params.matching.enabled and params.programme.enabled:
        keen = a[rng.random(len(a)) < et.matching_signup]
        keen = keen[~people.registered[keen]]
        places = people.scheme_places_left(params.matching.places)
        people.registered[cap_per_group(keen, people.locality, places, rng)] = True
    people.reached[a] = True
    people.active_week[a] = week
    people.hours[a] += params.time.event_hours

    sectors = people.sector[a]
    cross = people.sector[i] != people.sector[j]
    return dict(
        week=week,
        type=meeting.type,
        name=meeting.name,
        attendees=len(a),
        capacity=meeting.capacity,
        locality=meeting.locality,
        convener=int(people.person_id[meeting.convener]) if meeting.convener >= 0 else -1,
        funded=meeting.funded,
        formality=round(formality, 6),
        safety=round(s, 6),
        sectors=len(sorted_unique(sectors)),
        patients=int((sectors == SECTOR_INDEX["patients"]).sum()),
        contacts=len(i),
        cross_sector_contacts=int(cross.sum()),
    )


def calendar(params: Params) -> list[Meeting]:
    """The funded programme as meetings: each locality's calendar, shifted by its start week."""
    if not params.programme.enabled:
        return []
    starts = (0, *params.programme.locality_start_weeks)
    out: list[Meeting] = []
    for loc in range(params.population.localities):
        shift = starts[loc] - 1 if loc < len(starts) and loc > 0 else 0
        end = params.programme.end_week + shift
        for e in params.programme.events:
            week = e.week + shift
            if week <= end:
                out.append(_meeting(e, week, loc))
    return sorted(out, key=lambda m: (m.week, m.locality, m.name))


def _meeting(e: EventSpec, week: int, locality: int) -> Meeting:
    return Meeting(e.name, e.type, week, e.capacity, locality, e.formality)


def gathering_invitations(
    model: LeadershipModel, convener: int, online: OnlineRoll | None = None
) -> GatheringInvitations:
    """Who is invited to a gathering ``convener`` convenes: surely along the convener's working-trust ties, and
    online people of the locality hear of it (``invitations.gathering_news x online_news``). ``online``: the
    events phase's list of the online people, if it keeps one."""
    people, p = model.people, model.params
    return GatheringInvitations(
        ties=model.trust.neighbours(convener, p.trust.working_threshold),  # (a row: sorted by slot)
        news=p.invitations.gathering_news * p.invitations.online_news,
        locality=people.locality_span(int(people.locality[convener])),
        online_at=None if online is None else online.slots,
    )


class OnlineRoll:
    """The online people's slots, sorted, kept up to date through one events phase.

    While the phase runs, only the events themselves bring people online (:func:`hold`), so the list is made
    once (:func:`simulation.kernels.attendance.online_slots`: a pass over everyone) and each event's newly online
    attendees are inserted, instead of every gathering passing over its whole locality again (at a million
    people 0.45 ms a gathering, some three thousand gatherings in two years)."""

    def __init__(self, people: People) -> None:
        self.people = people
        self.listed = people.online.copy()  # who is on the list
        self.slots = online_slots(self.listed, 0, people.n)

    def joined(self, attendees: np.ndarray) -> None:
        """Add those of ``attendees`` (sorted) who are online now and were not on the list."""
        new = attendees[self.people.online[attendees] & ~self.listed[attendees]]
        if new.size:
            self.listed[new] = True
            self.slots = np.insert(self.slots, np.searchsorted(self.slots, new), new)


def hold_meeting(model: LeadershipModel, meeting: Meeting, online: OnlineRoll | None = None) -> dict | None:
    """Invite, draw attendees and hold ``meeting`` (if at least two come); log and count it. Returns its record.

    ``online``: the events phase's list of the online people (:class:`OnlineRoll`), kept up to date here."""
    rng = model.streams.events
    invited: np.ndarray | GatheringInvitations
    if meeting.convener >= 0:
        invited = gathering_invitations(model, meeting.convener, online)
    else:
        invited = invitation_probability(model.people, model.trust, model.params)
    attendees = choose_attendees(invited, model.people, model.params, meeting, rng)
    if len(attendees) < 2:
        return None
    record = hold(meeting, attendees, model.people, model.trust, model.params, rng, model.week)
    if online is not None:
        online.joined(attendees)
    model.event_log.append(record)
    model.locality_tally["events_held"][meeting.locality] += 1
    if record["type"] == "gathering":
        model.tally["gatherings_held"] += 1
    model.tally["held " + record["type"]] += 1  # events held by type and their attendance (delivery cost)
    model.tally["attendances"] += record["attendees"]
    return record


def phase(model: LeadershipModel) -> None:
    """Hold the events due this week (queued by the scheduler), in order (gatherings read the online people from
    one list kept through the phase, :class:`OnlineRoll`)."""
    online = None
    for meeting in model.meetings.take_due():
        if meeting.convener >= 0 and online is None:
            online = OnlineRoll(model.people)
        hold_meeting(model, meeting, online)


class _Announcement:
    """A meeting on Mesa's scheduler; firing queues it for its week (a bound method, as Mesa requires)."""

    def __init__(self, queue: MeetingQueue, meeting: Meeting):
        self.queue = queue
        self.meeting = meeting

    def fire(self) -> None:
        self.queue.due.append(self.meeting)
        self.queue._announced.discard(self)


class MeetingQueue:
    """The events phase's working state, held by the model as ``model.meetings``.

    Meetings announced on Mesa's event scheduler (:meth:`announce`) and, once their announcement fires half a
    week before they are due, the ones due this week (:attr:`due`, emptied by :meth:`take_due`).
    """

    def __init__(self, model: mesa.Model):
        self._model = model
        self.due: list[Meeting] = []
        self._announced: set[_Announcement] = set()  # Mesa holds callbacks weakly: this keeps them alive

    def announce(self, meeting: Meeting) -> None:
        """Put a meeting on Mesa's scheduler, to be held in the events phase of ``meeting.week``."""
        ann = _Announcement(self, meeting)
        self._announced.add(ann)
        self._model.schedule_event(ann.fire, at=meeting.week - 0.5)

    def take_due(self) -> list[Meeting]:
        """The meetings due now, in the order they fell due; the queue of due meetings is emptied."""
        due, self.due = self.due, []
        return due

"""Mechanisms 2 and 3: settings make people feel safe; invitation policy decides who comes."""

from __future__ import annotations

import copy
import types

import numpy as np
from conftest import small_params
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.mechanisms.events import (
    Meeting,
    choose_attendees,
    grow_knowledge,
    hold,
    invitation_probability,
    safety,
)
from simulation.model import LeadershipModel
from simulation.sectors import N_SECTORS, PATIENTS_INDEX


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_safety_rises_with_informality_and_co_production_within_bounds(f1, f2, ps1, ps2):
    p = small_params()
    s = safety(p, f1, ps1)
    assert p.safety.base - 1e-12 <= s <= 1 + 1e-12
    if f2 >= f1 and ps2 <= ps1:
        assert safety(p, f2, ps2) <= s + 1e-12  # more formal, less shared: never safer


def _trust_among(model, people):
    i, j = np.triu_indices(len(people), k=1)
    return model.trust.weight(people[i], people[j]).mean()


def test_informal_events_build_more_trust_than_formal_ones_of_the_same_size():
    base = LeadershipModel(small_params(800), seed=11)
    attendees = np.sort(np.random.default_rng(0).choice(800, 60, replace=False))
    results = {}
    for formality in (0.0, 1.0):
        m = copy.deepcopy(base)
        before = _trust_among(m, attendees)
        meeting = Meeting("test", "networking", 1, 60, formality=formality)
        hold(meeting, attendees, m.people, m.trust, m.params, np.random.default_rng(1), 1)
        m.trust.commit()
        results[formality] = _trust_among(m, attendees) - before
    assert results[0.0] > 1.5 * results[1.0] > 0


def _attendance(openness: float, draws: int = 15):
    m = LeadershipModel(small_params(2000, **{"strategy.openness": openness}), seed=2)
    meeting = Meeting("Opening workshop", "workshop", 1, 2000)
    rng = np.random.default_rng(5)
    patients, sectors, sizes = [], [], []
    p_inv = invitation_probability(m.people, m.trust, m.params)
    for _ in range(draws):
        a = choose_attendees(p_inv, m.people, m.params, meeting, rng)
        patients.append((m.people.sector[a] == PATIENTS_INDEX).sum())
        sectors.append(len(np.unique(m.people.sector[a])))
        sizes.append(len(a))
    return np.mean(patients), np.mean(sectors), np.mean(sizes)


def test_open_invitations_reach_more_sectors_and_patients_than_targeted_ones():
    open_patients, open_sectors, _ = _attendance(1.0)
    tgt_patients, tgt_sectors, _ = _attendance(0.0)
    assert open_patients > 3 * max(tgt_patients, 0.5)
    assert open_sectors >= tgt_sectors


def test_targeted_invitations_favour_seniority():
    m = LeadershipModel(small_params(2000, **{"strategy.openness": 0.0}), seed=2)
    p = invitation_probability(m.people, m.trust, m.params)
    sen = m.people.seniority
    assert p[sen == 2].mean() > p[sen == 1].mean() > 3 * p[sen == 0].mean()


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 300), st.integers(0, 2**31))
def test_attendance_never_exceeds_capacity(capacity, seed):
    m = LeadershipModel(small_params(300), seed=1)
    p_inv = np.ones(m.people.n)
    a = choose_attendees(p_inv, m.people, m.params, Meeting("x", "party", 1, capacity), np.random.default_rng(seed))
    assert len(a) <= capacity
    assert len(np.unique(a)) == len(a)


def test_calendar_events_are_held_in_their_week_with_mesa_scheduler():
    params = small_params(1500)
    m = LeadershipModel(params, seed=4)
    for _ in range(45):
        m.step()
    held = {(e["week"], e["name"]) for e in m.event_log if e["convener"] == -1}
    planned = {(e.week, e.name) for e in params.programme.events if e.week <= 45}
    assert held <= planned
    assert len(held) >= 0.9 * len(planned)  # an event only lapses if fewer than two people come
    weeks = [e["week"] for e in m.event_log]
    assert weeks == sorted(weeks)


def test_programme_end_stops_funded_events():
    m = LeadershipModel(small_params(600, **{"programme.end_week": 20}), seed=4)
    for _ in range(40):
        m.step()
    funded_calendar = [e for e in m.event_log if e["convener"] == -1]
    assert funded_calendar and max(e["week"] for e in funded_calendar) <= 20


def test_event_effects_on_attendees():
    m = LeadershipModel(small_params(600), seed=3)
    a = np.arange(0, 600, 10)
    conf_before = m.people.confidence[a].copy()
    know_before = m.people.knowledge[a].sum()
    rec = hold(Meeting("w", "workshop", 1, 100), a, m.people, m.trust, m.params, np.random.default_rng(0), 1)
    assert rec["attendees"] == len(a)
    assert np.all(m.people.confidence[a] >= conf_before) and m.people.confidence[a].sum() > conf_before.sum()
    assert m.people.knowledge[a].sum() > know_before
    assert m.people.reached[a].all() and not m.people.reached[1:600:10].any()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.floats(0.01, 0.9), st.integers(1, 60))
def test_knowledge_grows_by_one_minus_gain_per_contact(seed, gain, contacts):
    """k <- 1 - (1 - k)(1 - gain)^c for each person and the sector of the people they met c times; nobody
    else's knowledge moves."""
    m = LeadershipModel(small_params(60), seed=1)
    rng = np.random.default_rng(seed)
    i, j = rng.integers(0, 60, contacts), rng.integers(0, 60, contacts)
    before = m.people.knowledge.copy()
    count = np.zeros((60, N_SECTORS), int)
    np.add.at(count, (i, m.people.sector[j]), 1)
    np.add.at(count, (j, m.people.sector[i]), 1)
    grow_knowledge(m.people, i, j, gain)
    np.testing.assert_allclose(m.people.knowledge, 1 - (1 - before) * (1 - gain) ** count, rtol=0, atol=1e-12)
    assert (m.people.knowledge[count == 0] == before[count == 0]).all()


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(60, 300), st.integers(0, 2**16), st.floats(0.0, 1.0), st.floats(0.0, 400.0))
def test_locality_blocks_and_scheme_places_equal_the_passes_over_everyone(localities, size, seed, share, places):
    """The events of a week find a locality's people as a block of slots (issue 13: at a million people the
    passes over everyone, once per event, were most of a week): the same people, the same free places."""
    model = LeadershipModel(small_params(size, **{"population.localities": localities}), seed=seed % 1000)
    people = model.people
    people.registered[:] = np.random.default_rng(seed).random(people.n) < share
    for loc in range(localities):
        span = people.locality_span(loc)
        assert np.array_equal(np.arange(people.n)[span], np.flatnonzero(people.locality == loc))
    size_by = np.bincount(people.locality)
    taken = np.bincount(people.locality[people.registered], minlength=size_by.size)
    expected = np.floor(places * size_by / 1000.0).astype(np.int64) - taken
    assert np.array_equal(people.scheme_places_left(places), expected)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**16),
    st.integers(1, 400),
    st.floats(0.0, 1.0),
    st.floats(0.0, 0.5),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
)
def test_invited_and_willing_equals_the_numpy_rule_bit_for_bit(seed, n, zero_share, k, acceptance, senior_factor):
    """The compiled attendance pass gives the candidates and chances of the numpy expression it replaced."""
    from simulation.kernels.attendance import invited_and_willing

    rng = np.random.default_rng(seed)
    p_inv = np.where(rng.random(n) < zero_share, 0.0, rng.random(n))
    interest, energy = rng.random(n), rng.random(n)
    mindset = rng.integers(0, 4, n).astype(np.int8)
    seniority = rng.integers(0, 3, n).astype(np.int8)
    lo, hi = sorted(rng.integers(0, n + 1, 2).tolist())
    no_ties, no_online = np.empty(0, np.int64), np.empty(0, np.int64)
    cand, p = invited_and_willing(
        p_inv, no_ties, no_online, 0.0, lo, hi, interest, mindset, k, energy, seniority, acceptance, senior_factor
    )
    expect_cand = np.flatnonzero(p_inv[lo:hi] > 0) + lo
    m = np.clip(interest[expect_cand] + k * mindset[expect_cand], 0.0, 1.0) * energy[expect_cand]
    expect_p = p_inv[expect_cand] * acceptance * m
    expect_p = expect_p * np.where(seniority[expect_cand] > 0, senior_factor, 1.0)
    assert np.array_equal(cand, expect_cand)
    assert np.array_equal(p, expect_p)  # the same bits, not just close


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**16), st.integers(1, 300), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_a_gathering_draws_as_from_its_chances_for_everyone(seed, n, online_share, tie_share, news):
    """Gatherings draw from the convener's ties and the online people without building everyone's chance of an
    invitation: the same candidates and chances, bit for bit, as from those chances."""
    from simulation.kernels.attendance import invited_and_willing, online_slots

    rng = np.random.default_rng(seed)
    online = rng.random(n) < online_share
    ties = np.flatnonzero(rng.random(n) < tie_share)
    lo, hi = sorted(rng.integers(0, n + 1, 2).tolist())
    chances = np.zeros(n)
    chances[lo:hi] = online[lo:hi] * news
    chances[ties] = 1.0
    people = (rng.random(n), rng.integers(0, 4, n).astype(np.int8), 0.2, rng.random(n))
    rest = (rng.integers(0, 3, n).astype(np.int8), 0.7, 0.6)
    online_at = online_slots(online, 0, n)  # (everyone's: the kernel keeps to lo:hi)
    assert np.array_equal(online_at, np.flatnonzero(online))
    assert np.array_equal(online_slots(online, lo, hi), np.flatnonzero(online[lo:hi]) + lo)
    cand, p = invited_and_willing(np.empty(0), ties, online_at, news, lo, hi, *people, *rest)
    cand0, p0 = invited_and_willing(chances, np.empty(0, np.int64), online_at, 0.0, lo, hi, *people, *rest)
    assert np.array_equal(cand, cand0) and np.array_equal(p, p0)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 500), st.integers(0, 1), st.integers(0, 2**16))
def test_a_gathering_draws_the_same_people_as_from_everyones_chances(seed, held_in, draw_seed):
    """choose_attendees from a gathering's ties and online people equals the draw from the chance of an
    invitation for everyone, in the convener's locality and, by the fallback, in another."""
    from simulation.mechanisms.events import gathering_invitations

    m = LeadershipModel(small_params(300, **{"population.localities": 2}), seed=seed)
    for _ in range(8):
        m.step()
    people = m.people
    people.online[:] = np.random.default_rng(draw_seed).random(people.n) < 0.5
    convener = int(np.flatnonzero(people.locality == 0)[draw_seed % 150])
    invited = gathering_invitations(m, convener)
    meeting = Meeting("g", "gathering", m.week, 40, locality=held_in, convener=convener, funded=False)
    a = choose_attendees(invited, people, m.params, meeting, np.random.default_rng(draw_seed))
    b = choose_attendees(invited.chances(people), people, m.params, meeting, np.random.default_rng(draw_seed))
    assert np.array_equal(a, b)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**16), st.integers(1, 200), st.floats(0.0, 1.0), st.integers(1, 8))
def test_the_online_roll_follows_who_is_online_as_events_bring_people_online(seed, n, share, events):
    """The events phase lists the online people once and inserts each event's newly online attendees: after
    every event the list is exactly the online people, in order."""
    from simulation.mechanisms.events import OnlineRoll

    rng = np.random.default_rng(seed)
    people = types.SimpleNamespace(online=rng.random(n) < share, n=n)
    roll = OnlineRoll(people)
    for _ in range(events):
        attendees = np.flatnonzero(rng.random(n) < 0.2)
        people.online[attendees[rng.random(attendees.size) < 0.5]] = True
        roll.joined(attendees)
        assert np.array_equal(roll.slots, np.flatnonzero(people.online))


def test_gatherings_draw_the_same_with_and_without_the_phases_online_roll():
    """The events of a run with gatherings give the same log whether the phase keeps its list of the online
    people or each gathering lists them afresh (the list is only a shortcut)."""
    from simulation.mechanisms import events

    def log(keep: bool) -> list:
        # gatherings bring most of their attendees online, so later gatherings of the same week must see them
        p = {
            "event_types.gathering.online_conversion": 0.9,
            "champions.convene_rate": 0.5,
            "champions.leads_convene": 1.0,
        }
        m = LeadershipModel(small_params(800, **p), seed=3)
        if not keep:
            m.phases = tuple((name, _phase_listing_afresh if fn is events.phase else fn) for name, fn in m.phases)
        for _ in range(60):
            m.step()
        return m.event_log

    kept, afresh = log(True), log(False)
    weeks = [r["week"] for r in kept if r["type"] == "gathering"]
    assert len(weeks) - len(set(weeks)) >= 20  # many weeks with more than one gathering
    assert kept == afresh


def _phase_listing_afresh(model):
    from simulation.mechanisms.events import hold_meeting

    for meeting in model.meetings.take_due():
        hold_meeting(model, meeting)

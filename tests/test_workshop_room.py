"""Workshop rooms (issue 16): the room's domain logic, without Solara (simulation/dashboard/workshop/room.py)."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.config import ConfigError
from simulation.dashboard.workshop.room import DAY_JOB, Choice, Room, RoomError, RoomRegistry, you_are
from simulation.sectors import N_SECTORS, PRACTISING

SEED = 3


def _room(n: int = 8, population: int = 600) -> tuple[Room, list[str]]:
    room = Room("TEST1", population=population, seed=SEED)
    return room, [room.join(f"P{k}") for k in range(n)]


def test_joining_assigns_distinct_plausible_people_over_the_sectors():
    room, tokens = _room(2 * N_SECTORS)
    slots = [room.participant(t).slot for t in tokens]
    assert len(set(slots)) == len(slots)
    people = room.model.people
    assert not people.is_lead[slots].any()
    counts = np.bincount(people.sector[slots].astype(np.intp), minlength=N_SECTORS)
    assert counts.tolist() == [2] * N_SECTORS  # spread: the least-represented sector first
    assert you_are(room.person(tokens[0])).startswith("You are a")
    assert room.n_participants == 2 * N_SECTORS


def test_k_of_n_ready_counts_choices_and_next_week_clears_them():
    room, tokens = _room(3)
    assert (room.n_ready, room.n_participants) == (0, 3)
    room.choose(tokens[0], DAY_JOB)
    room.choose(tokens[2], Choice(event=True))
    room.choose(tokens[2], Choice(event=False))  # changing a choice does not count twice
    assert room.n_ready == 2
    assert room.next_week() == 1
    assert room.n_ready == 0 and room.week == 1


def _attended_week1(choices: dict[int, Choice]) -> tuple[Room, list[str], np.ndarray]:
    room, tokens = _room(16)
    for k, c in choices.items():
        room.choose(tokens[k], c)
    room.next_week()
    slots = [room.participant(t).slot for t in tokens]
    return room, tokens, room.model.people.active_week[slots] == 1


def test_going_to_the_event_and_keeping_to_the_day_job_change_that_persons_outcome():
    _, _, base = _attended_week1({})
    assert base.any() and not base.all()  # the model's own rule: some go to the first workshop, some do not
    absent, present = int(np.flatnonzero(~base)[0]), int(np.flatnonzero(base)[0])
    _, _, forced = _attended_week1({absent: Choice(event=True), present: Choice(event=False)})
    assert forced[absent] and not forced[present]


def test_same_seed_and_choices_give_the_same_weeks_and_different_choices_differ():
    def play(choice: Choice):
        room, tokens = _room(6)
        for _ in range(3):
            for t in tokens[:4]:
                room.choose(t, choice)
            room.next_week()
        return room.model.timeseries(), room.model.people

    a_ts, a = play(Choice(event=True, visit=True, propose=True))
    b_ts, b = play(Choice(event=True, visit=True, propose=True))
    assert a_ts.equals(b_ts)
    assert np.array_equal(a.confidence, b.confidence) and np.array_equal(a.active_week, b.active_week)
    _, c = play(DAY_JOB)
    assert not np.array_equal(a.active_week, c.active_week)


def test_accepting_a_visit_gives_a_visit_and_declining_prevents_one():
    room, tokens = _room(4)
    while not room.scheme_open(room.participant(tokens[0]).slot):
        room.next_week()
    slots = [room.participant(t).slot for t in tokens]
    people = room.model.people
    hours_before = people.hours[slots].copy()
    room.choose(tokens[0], Choice(visit=True))
    room.choose(tokens[1], Choice(visit=False))
    room.next_week()
    assert people.registered[slots[0]] and people.active_week[slots[0]] == room.week
    assert people.partner[slots[0]] >= 0
    # declining: no visit hours added this week by the scheme (an event could still add event hours)
    assert people.hours[slots[1]] - hours_before[1] != room.model.params.time.visit_hours


def test_a_room_is_bounded_and_checks_its_inputs():
    room = Room("FULL1", population=200, seed=1, max_participants=2)
    room.join("a")
    room.join("b" * 100)
    assert len(room.participant(next(iter(room.participants))).name) <= 30
    assert max(len(p.name) for p in room.participants.values()) == 30
    with pytest.raises(RoomError, match="full"):
        room.join("c")
    with pytest.raises(ConfigError, match=r"population\.size"):
        Room("BAD01", population=50)
    with pytest.raises(ConfigError, match="scenario"):
        Room("BAD02", scenario="nowhere")
    with pytest.raises(RoomError, match="not a participant"):
        room.person("nobody")


def test_registry_codes_limits_and_expiry():
    now = [0.0]
    reg = RoomRegistry(max_rooms=2, ttl_s=100, clock=lambda: now[0])
    a = reg.create(population=200)
    b = reg.create(population=200)
    assert a.code != b.code and len(a.code) == 5
    assert reg.get(a.code.lower()) is a
    with pytest.raises(RoomError, match="2 rooms"):
        reg.create(population=200)
    now[0] = 50.0
    b.join("x")  # b is used: it stays
    now[0] = 120.0
    with pytest.raises(RoomError, match="no room"):
        reg.get(a.code)
    assert reg.get(b.code) is b and len(reg) == 1


def _leads_new_project(choice: Choice | None, idea: bool) -> bool:
    room, tokens = _room(2)
    for _ in range(2):
        room.next_week()
    people, pr = room.model.people, room.model.params.projects
    s = room.participant(tokens[0]).slot
    people.mindset[s] = PRACTISING  # a practitioner with the confidence and energy to propose
    people.confidence[s] = max(pr.min_confidence + 0.2, people.confidence[s])
    people.energy[s] = 0.95
    people.idea[s] = idea
    assert room.can_propose(s)
    if choice is not None:
        room.choose(tokens[0], choice)
    room.next_week()
    book = room.model.projects
    return any(int(book.leader[k]) == s for k in room.model.new_projects)


def test_proposing_a_project_overrides_the_models_idea_draw():
    assert _leads_new_project(Choice(propose=True), idea=False)  # no idea of their own: the participant proposes
    assert _leads_new_project(None, idea=True)  # the model's rule: an idea is acted on
    assert not _leads_new_project(Choice(propose=False), idea=True)  # the participant holds back


def test_declining_visits_removes_that_weeks_visits_of_members():
    def play(last: Choice | None) -> int:
        room, tokens = _room(8)
        slot = room.participant(tokens[0]).slot
        while not room.scheme_open(slot):
            room.next_week()
        for _ in range(3):  # every participant joins the scheme and has a partner
            for t in tokens:
                room.choose(t, Choice(visit=True))
            room.next_week()
        before = room.model.tally["matching_visits"]
        if last is not None:
            for t in tokens:
                room.choose(t, last)
        room.next_week()
        slots = [room.participant(t).slot for t in tokens]
        assert room.model.people.registered[slots].all()
        return room.model.tally["matching_visits"] - before

    own_rule, declined = play(None), play(Choice(visit=False))
    assert declined < own_rule

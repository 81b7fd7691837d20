"""Workshop rooms (issue 16): the room's domain logic, without Solara (simulation/dashboard/workshop/room.py)."""

from __future__ import annotations

import csv
import io
import time

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


def test_a_waiting_page_is_woken_by_the_new_week_not_by_its_timeout():
    import threading

    room, _ = _room(2)
    seen: list[tuple[int, float]] = []
    start = threading.Event()

    def page() -> None:  # what a page's thread does: wait for the room to change
        start.set()
        t0 = time.monotonic()
        seen.append((room.wait_for_change(room.version, timeout=30.0), time.monotonic() - t0))

    before = room.version
    waiter = threading.Thread(target=page)
    waiter.start()
    start.wait()
    time.sleep(0.05)
    room.next_week()
    waiter.join(timeout=30.0)
    assert seen and seen[0][0] == room.version > before
    assert seen[0][1] < 10.0  # woken by the round, long before the 30 s timeout
    assert room.wait_for_change(room.version - 1, timeout=30.0) == room.version  # already changed: no wait
    t0 = time.monotonic()
    assert room.wait_for_change(room.version, timeout=0.05) == room.version  # no change: back after the timeout
    assert time.monotonic() - t0 >= 0.05


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


# -- issue 16, point 2: month rounds and the remaining choices -----------------------------------------------


def _state(room: Room) -> tuple:
    people = room.model.people
    return (
        room.model.timeseries(),
        people.confidence.copy(),
        people.active_week.copy(),
        people.online.copy(),
        people.partner.copy(),
        room.model.trust.keys.copy(),
        room.model.trust.w.copy(),
    )


def _same(a: tuple, b: tuple) -> bool:
    return a[0].equals(b[0]) and all(np.array_equal(x, y) for x, y in zip(a[1:], b[1:], strict=True))


def test_a_room_without_choices_is_the_models_own_run():
    """Whoever has not chosen gets the model's own rule: a room where nobody chooses is the plain model."""
    from simulation.dashboard.inputs import DashboardModel

    room, _ = _room(6)
    room.set_round(4)
    room.next_week()
    room.set_round(1)
    room.next_week()
    plain = DashboardModel(room.scenario, SEED, **{"population.size": room.population})
    for _ in range(5):
        plain.step()
    assert room.week == plain.week == 5
    assert room.model.timeseries().equals(plain.timeseries())
    assert np.array_equal(room.model.people.confidence, plain.people.confidence)
    assert np.array_equal(room.model.trust.w, plain.trust.w)


def test_a_month_round_plays_four_weeks_with_the_choices_held_for_each():
    choice = Choice(event=True, visit=True, online=True, propose=True)

    def month() -> Room:
        room, tokens = _room(6)
        room.set_round(4)
        for t in tokens[:3]:
            room.choose(t, choice)
        assert room.next_week() == 4
        return room

    def four_weeks() -> Room:
        room, tokens = _room(6)
        for _ in range(4):
            for t in tokens[:3]:
                room.choose(t, choice)
            room.next_week()
        return room

    a, b = month(), four_weeks()
    assert a.week == 4 and len(a.rounds) == 1 and a.rounds[0]["weeks"] == 4
    assert sorted(a.rounds[0]["choices"]) == [0, 1, 2]
    assert a.n_ready == 0  # choices cleared after the round
    assert _same(_state(a), _state(b))  # the choice held for every week of the month
    assert [r["week"] for r in a.history] == [4] * 6 and len(b.history) == 4 * 6
    with pytest.raises(RoomError, match="allowed 1, 4"):
        a.set_round(2)


def _open_room(n: int = 8) -> tuple[Room, list[str]]:
    room, tokens = _room(n)
    while not room.scheme_open(room.participant(tokens[0]).slot):
        room.next_week()
    return room, tokens


def test_the_chosen_partner_is_visited_and_their_trust_rises_by_a_visits_gain():
    from simulation.dashboard.workshop.room import _visit, visit_gain

    room, tokens = _open_room()
    pick = next(t for t in tokens if len(room.visit_options(room.participant(t).slot)) >= 2)
    v = room.participant(pick).slot
    options = room.visit_options(v)
    assert all(not label[0].isdigit() and "(" in label for _, label in options)  # role and sector, not an id
    whom = options[-1][0]  # not the best known: the choice, not the model, decides
    w = int(np.flatnonzero(room.model.people.person_id == whom)[0])
    assert room.model.people.sector[w] != room.model.people.sector[v]
    assert room.model.people.locality[w] == room.model.people.locality[v]
    room.choose(pick, Choice(visit=True, visit_with=whom))
    room.next_week()
    people = room.model.people
    assert people.partner[v] == w and people.partner[w] == v
    assert people.active_week[v] == people.active_week[w] == room.week
    assert people.registered[[v, w]].all()
    # The visit itself: one contact of the scheme's gain on the pair's trust, w <- 1 - (1 - w)(1 - gain).
    model = room.model
    model.trust.commit()
    before = float(model.trust.weight([v], [w])[0])
    _visit(model, np.empty(0, np.int64), room.seed, [(v, w)])
    model.trust.commit()
    after = float(model.trust.weight([v], [w])[0])
    assert after == pytest.approx(1 - (1 - before) * (1 - visit_gain(model.params)), abs=1e-12)
    assert after > before


def test_choosing_whom_to_visit_changes_that_pairs_trust_against_the_same_room_without_it():
    def pair_trust(choose: bool) -> tuple[float, int, int]:
        room, tokens = _open_room()
        pick = next(t for t in tokens if len(room.visit_options(room.participant(t).slot)) >= 2)
        v = room.participant(pick).slot
        whom = room.visit_options(v)[-1][0]
        w = int(np.flatnonzero(room.model.people.person_id == whom)[0])
        if choose:
            room.choose(pick, Choice(visit=True, visit_with=whom))
        room.next_week()
        return float(room.model.trust.weight([v], [w])[0]), v, w

    chosen, v, w = pair_trust(True)
    own_rule, v2, w2 = pair_trust(False)
    assert (v, w) == (v2, w2)
    assert chosen > own_rule


def test_a_choice_must_be_one_the_person_was_offered():
    room, tokens = _open_room(4)
    slot = room.participant(tokens[0]).slot
    stranger = int(room.model.people.person_id[slot])  # themself: never among those they could visit
    with pytest.raises(RoomError, match="visit_with"):
        room.choose(tokens[0], Choice(visit=True, visit_with=stranger))
    with pytest.raises(RoomError, match="team"):
        room.choose(tokens[0], Choice(propose=True, team=(stranger,)))
    with pytest.raises(RoomError, match="join"):
        room.choose(tokens[0], Choice(join=10_000))
    with pytest.raises(RoomError, match="theme"):
        room.choose(tokens[0], Choice(propose=True, theme=99))
    with pytest.raises(RoomError, match="unknown"):
        Choice.from_dict({"evnt": True})
    assert room.participant(tokens[0]).choice is None  # nothing half-set
    c = Choice(event=True, visit=True, visit_with=7, team=(3, 4), join=2)
    assert Choice.from_dict(c.to_dict()) == c


def test_posting_online_joins_the_network_and_makes_a_tie_at_the_online_gain():
    from simulation.dashboard.workshop.room import _post, post_gain

    room, tokens = _room(8)
    people = room.model.people
    offline = [t for t in tokens if not people.online[room.participant(t).slot]]
    assert offline
    t = offline[0]
    s = room.participant(t).slot
    room.choose(t, Choice(online=True))
    room.next_week()
    assert people.online[s] and people.active_week[s] == room.week
    # The post: one new contact with an online person at the online mechanism's gain.
    model = room.model
    model.trust.commit()
    before = dict(model.trust.ties_of(s))
    _post(model, np.array([s]), room.seed)
    model.trust.commit()
    after = model.trust.ties_of(s)
    changed = [k for k in after if after[k] != before.get(k, 0.0)]
    assert len(changed) == 1 and people.online[changed[0]]
    g = post_gain(model.params)
    assert after[changed[0]] == pytest.approx(1 - (1 - before.get(changed[0], 0.0)) * (1 - g), abs=1e-12)


def test_staying_off_line_keeps_the_persons_online_state():
    from simulation.sectors import AWARE

    def play(choice: Choice | None) -> np.ndarray:
        room, tokens = _room(16)
        people = room.model.people
        slots = np.array([room.participant(t).slot for t in tokens])
        # Everyone trusts 200 online practitioners who post: the model's rule has them join within weeks.
        posters = np.setdiff1d(np.flatnonzero(~people.is_lead), slots)[:200]
        people.online[posters], people.mindset[posters] = True, PRACTISING
        people.online[slots], people.mindset[slots] = False, AWARE
        room.model.trust.add_contacts(np.repeat(slots, posters.size), np.tile(posters, slots.size), 0.95)
        room.model.trust.commit()
        ids = people.person_id[slots].copy()
        if choice is not None:
            for t in tokens:
                room.choose(t, choice)
        room.set_round(4)
        room.next_week()
        return people.online[slots][people.person_id[slots] == ids]

    assert play(None).any()  # the model's own rule: some join in a month
    stayed = play(Choice(online=False))
    assert stayed.size and not stayed.any()


def _practitioner(room: Room, token: str) -> int:
    people, pr = room.model.people, room.model.params.projects
    s = room.participant(token).slot
    people.mindset[s] = PRACTISING
    people.confidence[s] = max(pr.min_confidence + 0.2, people.confidence[s])
    people.energy[s] = 0.95
    return s


def _trust_someone(room: Room, s: int, others: np.ndarray) -> None:
    model = room.model
    model.trust.add_contacts(np.full(others.size, s), others, 0.95)
    model.trust.commit()


def test_proposing_a_theme_with_chosen_trusted_people_starts_that_project():
    room, tokens = _room(4)
    room.next_week()
    people = room.model.people
    s = _practitioner(room, tokens[0])
    mates = np.flatnonzero((people.locality == people.locality[s]) & (people.sector != people.sector[s]))[:3]
    people.energy[mates] = 0.95
    _trust_someone(room, s, mates)
    team = [pid for pid, _ in room.team_options(s)][:2]
    assert len(team) == 2
    theme = room.theme_options(s)[-1][0]
    room.choose(tokens[0], Choice(propose=True, theme=theme, team=tuple(team)))
    proposed = room.model.projects.proposed
    room.next_week()
    book = room.model.projects
    mine = [k for k in room.model.new_projects if int(book.leader[k]) == s]
    assert len(mine) == 1
    k = mine[0]
    assert int(book.theme[k]) == theme
    assert sorted(book.member_ids[k].tolist()) == sorted([int(people.person_id[s]), *team])
    assert book.proposed >= proposed + 1  # counted among the proposals
    assert room.person(tokens[0])["projects"] == 1


def test_joining_a_project_that_asked_adds_the_person_to_its_team():
    from simulation.mechanisms import projects as pm

    room, tokens = _room(4)
    room.next_week()
    model, people = room.model, room.model.people
    s = room.participant(tokens[0]).slot
    people.energy[s] = 0.95
    me = int(people.sector[s])
    pr = model.params.projects
    theme = next(k for k, t in enumerate(pr.themes) if me in pm.needed_sectors(model.params, k))
    loc = people.locality[s]
    others = np.flatnonzero((people.locality == loc) & (people.sector != me) & ~people.is_lead)[:2]
    _trust_someone(room, s, others[:1])
    assert room.asking_projects(s) == [] or all(k != model.projects.count for k, _ in room.asking_projects(s))
    k = pm.start_project(model, theme=theme, leader=int(others[0]), team=others.tolist(), assigned=0)
    asking = dict(room.asking_projects(s))
    assert k in asking and "project" in asking[k]
    load_before = model.projects.load(people.n)[s]
    room.choose(tokens[0], Choice(join=k))
    room.next_week()
    book = model.projects
    if book.status[k] == pm.ACTIVE:
        assert s in book.members[k]
        assert int(book.have_mask[k]) >> me & 1
    assert model.projects.load(people.n)[s] >= load_before + (book.status[k] == pm.ACTIVE)
    assert k in room.participant(tokens[0]).projects
    assert [r["projects"] for r in room.history if r["participant"] == 1][-1] == 1


# -- issue 16, point 4: the room's record (CSV, TOML), its replay and the debrief ----------------------------


def _played_room() -> Room:
    """A room of varied choices: week and month rounds, a late joiner, chosen visits, posts, proposals."""
    room, tokens = _room(6)
    room.set_round(4)
    for t in tokens[:3]:
        room.choose(t, Choice(event=True, online=True))
    room.choose(tokens[3], DAY_JOB)
    room.next_week()
    tokens.append(room.join("Late"))
    room.set_round(4)
    for _ in range(3):  # until Brew and Biscuits is open
        room.next_week()
    room.set_round(1)
    for t in tokens:
        s = room.participant(t).slot
        options = room.visit_options(s)
        if options:
            room.choose(t, Choice(visit=True, visit_with=options[-1][0], propose=True))
    room.next_week()
    return room


def test_the_csv_has_a_row_per_participant_per_round_with_their_persons_values():
    from simulation.dashboard.workshop.record import CSV_COLUMNS, to_csv

    room = _played_room()
    rows = list(csv.DictReader(io.StringIO(to_csv(room))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 6 + 7 * 4  # six in the first round, seven in the four after
    last = [r for r in rows if r["round"] == "5"]
    assert [r["week"] for r in last] == [str(room.week)] * 7
    for t, r in zip(sorted(room.participants, key=lambda t: room.participants[t].index), last, strict=True):
        me = room.person(t)
        assert (r["role"], r["sector"]) == (me["role"], me["sector"])
        assert int(r["ties"]) == me["ties"] and int(r["cross_sector_ties"]) == me["cross_ties"]
        assert int(r["confidence"]) == me["confidence"] and int(r["projects"]) == me["projects"]
    first = [r for r in rows if r["round"] == "1"]
    assert first[0]["choice"] == "go to the event on offer; post online"
    assert first[3]["choice"] == "keep to the day job; decline Brew and Biscuits; propose nothing"
    assert first[5]["choice"] == "the model's own rule"


def test_replaying_the_toml_record_gives_the_same_room():
    from simulation.dashboard.workshop.record import load_toml, replay, to_toml

    room = _played_room()
    text = to_toml(room)
    assert "secret" not in text and room.secret not in text
    again = replay(load_toml(text))
    assert again.week == room.week and len(again.participants) == 7
    assert _same(_state(again), _state(room))
    assert again.history == room.history
    assert to_toml(again) == text
    # A different choice in the record gives a different room (the replay follows the record).
    data = load_toml(text)
    data["rounds"][-1]["choices"] = []
    assert not _same(_state(replay(data)), _state(room))


@pytest.mark.parametrize(
    "edit, field",
    [
        (lambda d: d.update(format="x"), "format"),
        (lambda d: d.update(version=9), "version"),
        (lambda d: d.pop("seed"), "seed"),
        (lambda d: d.update(round_weeks=2), "round_weeks"),
        (lambda d: d["rounds"][0].update(length=3), r"rounds\[0\]\.length"),
        (lambda d: d["rounds"][0]["choices"].append({"participant": 99}), "participant"),
        (lambda d: d["rounds"][0]["choices"].append({"participant": 1, "evnt": True}), "evnt"),
        (lambda d: d["participants"][0].update(number=5), r"participants\[0\]\.number"),
    ],
)
def test_a_bad_record_is_refused_naming_the_field(edit, field):
    from simulation.dashboard.workshop.record import check_record, record

    room, tokens = _room(2, population=200)
    room.choose(tokens[0], DAY_JOB)
    room.next_week()
    data = record(room)
    edit(data)
    with pytest.raises(ConfigError, match=field):
        check_record(data)


def test_the_debrief_pairs_the_room_with_the_models_own_run():
    from simulation.dashboard.inputs import DashboardModel
    from simulation.dashboard.workshop.record import debrief, person_measures

    room, tokens = _room(5)
    room.set_round(4)
    room.next_week()
    room.next_week()
    d = debrief(room, runs=2)
    assert d["seeds"] == [SEED, SEED + 1] and d["week"] == 8
    # Nobody chose: the room is the model's own run, so the room and the same people match exactly.
    for row in d["table"]:
        assert row["room"] == pytest.approx(row["same_people"], abs=1e-12)
    assert d["compared"] == 5
    # "Same roles": the mean over the people of the same sector, seniority and locality, over the paired runs.
    s = room.participant(tokens[0]).slot
    p = room.model.people
    want = []
    for seed in d["seeds"]:
        m = DashboardModel(room.scenario, seed, **{"population.size": room.population})
        for _ in range(8):
            m.step()
        same = np.flatnonzero(
            (m.people.sector == p.sector[s])
            & (m.people.seniority == p.seniority[s])
            & (m.people.locality == p.locality[s])
            & ~m.people.is_lead
        )
        want.append(person_measures(m, same)["confidence"].mean())
    mine = next(r for r in d["rows"] if r["participant"] == 1)
    assert mine["room_confidence"] == pytest.approx(100 * p.confidence[s])
    assert mine["roles_confidence"] == pytest.approx(np.mean(want), rel=1e-12)
    solo = debrief(room, runs=2)
    assert solo["table"] == d["table"]  # the paired runs are the same runs each time
    with pytest.raises(ConfigError, match="runs"):
        debrief(room, runs=0)


def test_the_debrief_sees_the_participants_choices():
    from simulation.dashboard.workshop.record import debrief

    room = _played_room()
    d = debrief(room, runs=1)
    ties = {r["measure"].split(" (")[0]: r for r in d["table"]}["Ties across sectors"]
    per = [(r["room_cross_sector_ties"], r["model_cross_sector_ties"]) for r in d["rows"]]
    assert ties["room"] == pytest.approx(np.mean([a for a, _ in per]))
    assert any(a != b for a, b in per if np.isfinite(b))  # the choices changed what their people achieved


# -- issue 16, point 5: safe for a room (saved after each change, restored after a restart, the secret) --------


def test_a_room_survives_a_server_restart_and_a_phone_gets_its_person_back(tmp_path):
    reg = RoomRegistry(folder=tmp_path)
    room = reg.create(population=300, seed=SEED)
    tokens = [room.join(n) for n in ("Sam", "Priya", "Ali")]
    room.set_round(4)
    room.choose(tokens[0], Choice(event=True, online=True))
    room.next_week()
    room.choose(tokens[1], DAY_JOB)  # made this round, before the restart
    seen = {t: room.person(t) for t in tokens}
    path = tmp_path / f"{room.code}.json"
    assert path.stat().st_mode & 0o777 == 0o600  # the facilitator's secret and the tokens: owner only
    assert room.secret in path.read_text()

    again = RoomRegistry(folder=tmp_path)  # the server restarted
    back = again.get(room.code)
    assert back is not room and back.week == 4 and back.round_weeks == 4
    assert {t: back.person(t) for t in tokens} == seen  # each phone's token gives its person back
    assert back.participant(tokens[1]).choice == DAY_JOB and back.n_ready == 1
    assert _same(_state(back), _state(room))
    assert again.facilitate(room.code, room.secret) is back
    back.next_week()  # and it plays on, saved again
    assert RoomRegistry(folder=tmp_path).get(room.code).week == 8


def test_the_room_is_saved_after_each_round(tmp_path):
    import json

    reg = RoomRegistry(folder=tmp_path)
    room = reg.create(population=200, seed=SEED)
    token = room.join("Sam")

    def on_disk() -> dict:
        return json.loads((tmp_path / f"{room.code}.json").read_text())

    assert on_disk()["tokens"] == [token] and on_disk()["record"]["rounds"] == []
    room.choose(token, Choice(event=False))
    assert on_disk()["pending"] == {"1": {"event": False}}
    room.next_week()
    assert len(on_disk()["record"]["rounds"]) == 1 and on_disk()["pending"] == {}
    assert not list(tmp_path.glob("*.tmp"))  # written whole, then moved into place


def test_facilitator_controls_need_the_rooms_secret():
    reg = RoomRegistry()
    room = reg.create(population=200)
    assert reg.facilitate(room.code.lower(), room.secret) is room
    for key in (None, "", room.secret[:-1], room.secret + "x", room.code):
        with pytest.raises(RoomError, match="does not hold room"):
            reg.facilitate(room.code, key)
    token = room.join("Sam")
    assert room.secret not in str(room.person(token))  # a participant's view never holds it


def test_a_broken_saved_room_is_reported_and_the_others_come_back(tmp_path):
    import json
    import os

    reg = RoomRegistry(folder=tmp_path)
    good = reg.create(population=200)
    good.join("Sam")
    (tmp_path / "BROKE.json").write_text("{not json")
    data = json.loads((tmp_path / f"{good.code}.json").read_text())
    data["version"] = 9
    (tmp_path / "VERS9.json").write_text(json.dumps(dict(data, code="VERS9")))
    old = reg.create(population=200)
    stale = time.time() - 7 * 3600  # unused for longer than a room lives
    os.utime(tmp_path / f"{old.code}.json", (stale, stale))

    again = RoomRegistry(folder=tmp_path)
    assert again.get(good.code).n_participants == 1
    assert len(again) == 1
    assert sorted(p.split(":")[0].rsplit("/", 1)[-1] for p in again.problems) == ["BROKE.json", "VERS9.json"]
    assert any("version = 9" in p for p in again.problems)
    assert not (tmp_path / f"{old.code}.json").exists()  # an expired room's file goes
    assert (tmp_path / "BROKE.json").exists()  # a broken one is left for a person to look at
    with pytest.raises(RoomError, match="no room"):
        again.get(old.code)


def test_where_rooms_are_saved(monkeypatch, tmp_path):
    from simulation.dashboard.workshop.room import rooms_folder

    monkeypatch.delenv("SYSLEAD_ROOMS_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert rooms_folder() == tmp_path / "cache" / "syslead" / "rooms"
    monkeypatch.setenv("SYSLEAD_ROOMS_DIR", str(tmp_path / "env"))
    assert rooms_folder() == tmp_path / "env"
    assert rooms_folder(tmp_path / "opt") == tmp_path / "opt"


def test_dashboard_refuses_a_rooms_dir_that_is_a_file(tmp_path, capsys):
    from simulation.cli import main

    not_a_folder = tmp_path / "rooms.txt"
    not_a_folder.write_text("x")
    assert main(["dashboard", "--rooms-dir", str(not_a_folder)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--rooms-dir" in err[0] and "not a folder" in err[0]


def test_a_visit_accepted_before_the_scheme_opens_gives_none():
    room, tokens = _room(4)
    s = room.participant(tokens[0]).slot
    while not room.scheme_open(s, room.week + 2):
        room.next_week()
    assert not room.scheme_open(s, room.week + 1)
    room.choose(tokens[0], Choice(visit=True))
    room.next_week()
    assert room.model.tally["matching_visits"] == 0 and not room.model.people.registered[s]


# -- issue 16, point 3: the projector's feed of what happened, in plain words ---------------------------------


def test_the_feed_says_what_happened_to_the_participants_people_by_first_name():
    room = Room("FEED1", population=600, seed=SEED)
    sam, priya, anon = room.join("Sam"), room.join("Priya"), room.join("")
    people = room.model.people
    room.choose(sam, Choice(event=True))
    room.choose(priya, Choice(event=False))
    room.next_week()
    workshop = room.event_on_offer(room.participant(sam).slot, 1) or ["Using System Leadership to Create Change"]
    assert (1, f"Sam went to {workshop[0]}") in room.feed
    assert not any(line.startswith("Priya went") for _, line in room.feed)
    # Sam proposes a project and asks Priya's person into it: "Sam and Priya started a ... project".
    s, q = room.participant(sam).slot, room.participant(priya).slot
    people.mindset[s] = PRACTISING
    people.confidence[s] = max(room.model.params.projects.min_confidence + 0.2, people.confidence[s])
    people.energy[[s, q]] = 0.95
    _trust_someone(room, s, np.array([q]))
    theme, name = room.theme_options(s)[0]
    room.choose(sam, Choice(propose=True, theme=theme, team=(int(people.person_id[q]),)))
    room.next_week()
    assert (2, f"Sam and Priya started a {name} project") in room.feed
    assert all("Participant 3" in line or "Participant" not in line for _, line in room.feed)
    # Two participants who choose each other meet over Brew and Biscuits.
    while not room.scheme_open(s):
        room.next_week()
    room.choose(sam, Choice(visit=True, visit_with=int(people.person_id[q])))
    room.next_week()
    assert (room.week, "Sam and Priya met over Brew and Biscuits") in room.feed
    assert anon and all(str(int(people.person_id[s])) not in line for _, line in room.feed)  # no internal ids


def test_the_projector_names_the_participants_people_on_the_network():
    from simulation.dashboard.network import layout_for
    from simulation.dashboard.workshop.projector import key_numbers, network_figure, network_png, trend_png

    room = Room("SCRN1", population=300, seed=SEED)
    room.join("Sam")
    room.join("")
    room.next_week()
    fig = network_figure(room, size=4, dpi=40)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["Sam", "Participant 2"]  # first names only, never an id
    pos = layout_for(room.model)
    slots = [p.slot for p in sorted(room.participants.values(), key=lambda p: p.index)]
    assert [tuple(t.xy) for t in ax.texts] == [tuple(pos[s]) for s in slots]  # each name at their person
    numbers = dict((label, v) for label, v in key_numbers(room))
    ts = room.model.timeseries().iloc[-1]
    assert numbers["people practising system leadership"] == round(float(ts["adopters"]))
    assert numbers["projects started"] == round(float(ts["projects_started"]))
    assert network_png(room, size=3, dpi=30)[:8] == b"\x89PNG\r\n\x1a\n"
    assert trend_png(room)[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_debrief_sets_the_same_groups_game_with_the_other_strategy_beside_it():
    from simulation.dashboard.workshop.record import MEASURES, debrief, person_measures

    first, _ = _room(4, population=300)
    second = Room("TOPDN", scenario="top-down", population=300, seed=SEED)
    for k in range(4):
        second.join(f"P{k}")
    for room in (first, second):
        room.set_round(4)
        room.next_week()
    second.choose(next(iter(second.participants)), DAY_JOB)
    second.next_week()
    d = debrief(first, runs=1, other=second)
    assert d["other"] == dict(code="TOPDN", scenario="top-down", week=8, participants=4)
    slots = [p.slot for p in sorted(second.participants.values(), key=lambda p: p.index)]
    want = person_measures(second.model, np.array(slots), [p.projects for p in second.participants.values()])
    for (k, _), row in zip(MEASURES, d["table"], strict=True):
        assert row["other"] == pytest.approx(float(np.mean(want[k])))
    assert debrief(first, runs=1)["other"] is None and debrief(first, runs=1)["table"][0]["other"] is None
    with pytest.raises(ConfigError, match="another room"):
        debrief(first, runs=1, other=first)


def test_a_late_joiner_counts_the_projects_their_person_worked_on_before():
    from simulation.dashboard.workshop.record import debrief

    room = Room("LATE1", population=300, seed=SEED, max_participants=300)
    for _ in range(60):
        room.next_week()
    book, people = room.model.projects, room.model.people
    for n in range(200):  # join until someone's person has worked on a project already
        token = room.join(f"L{n}")
        s = room.participant(token).slot
        worked = {k for k in range(book.count) if int(people.person_id[s]) in book.member_ids[k]}
        if worked:
            break
    assert worked and room.participant(token).projects >= worked
    name = room.participant(token).name
    room.next_week()
    row = next(r for r in debrief(room, runs=1)["rows"] if r["name"] == name)
    csv_row = next(r for r in room.history[::-1] if r["name"] == name)
    assert row["room_projects"] == csv_row["projects"] == room.person(token)["projects"] >= len(worked)


def test_a_room_started_from_a_saved_record_carries_on_where_it_stopped(tmp_path):
    """The facilitator page's "Start from a saved room": a new room (its own code and secret) that stands where
    the recorded one stopped, with the same people, and new participants join it as new people."""
    from simulation.dashboard.workshop.record import load_toml, to_toml

    room = _played_room()
    reg = RoomRegistry(folder=tmp_path, max_rooms=2)
    again = reg.create_from_record(load_toml(to_toml(room)))
    assert again.code != room.code and again.secret != room.secret and reg.get(again.code) is again
    assert (tmp_path / f"{again.code}.json").is_file()  # saved as any room is
    assert again.week == room.week and _same(_state(again), _state(room))
    assert [p.name for p in again.participants.values()] == [p.name for p in room.participants.values()]
    old = {p.slot for p in again.participants.values()}
    newcomer = again.participant(again.join("New"))
    assert newcomer.slot not in old and again.n_participants == len(old) + 1
    before = again.week
    again.next_week()
    assert again.week == before + again.round_weeks  # the game goes on from there
    reg.create(population=200)
    with pytest.raises(RoomError, match="2 rooms"):  # the server's limit holds for these rooms too
        reg.create_from_record(load_toml(to_toml(room)))
    data = load_toml(to_toml(room))
    data["rounds"] = [{"length": 4, "choices": []}] * 200  # 800 weeks: beyond the dashboard's limit
    with pytest.raises(ConfigError, match="rounds: 800 weeks"):
        RoomRegistry().create_from_record(data)


def test_a_phone_follows_its_own_person_and_the_week_not_other_peoples_choices():
    from simulation.dashboard.workshop.pages import _what_a_phone_shows

    room, tokens = _room(3)
    shows = _what_a_phone_shows(room, tokens[0])
    room.choose(tokens[1], Choice(event=True))  # someone else presses "Done"
    room.join("Latecomer")  # someone joins
    assert _what_a_phone_shows(room, tokens[0]) == shows
    room.choose(tokens[0], DAY_JOB)  # their own choice
    assert _what_a_phone_shows(room, tokens[0]) != shows
    shows = _what_a_phone_shows(room, tokens[0])
    room.set_round(4)  # the facilitator makes it a month
    assert _what_a_phone_shows(room, tokens[0]) != shows
    shows = _what_a_phone_shows(room, tokens[0])
    room.next_week()
    assert _what_a_phone_shows(room, tokens[0]) != shows
    assert _what_a_phone_shows(room, None)[2] is None and _what_a_phone_shows(room, "no-such-token")[2] is None

"""Mechanism 7: self-organising projects, and the reusable team-assembly rule."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from conftest import small_params
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.kernels.teams import assemble_team
from simulation.mechanisms import projects
from simulation.model import LeadershipModel
from simulation.sectors import PRACTISING as PRACTISING_STAGE
from simulation.sectors import SECTOR_INDEX


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 8), st.floats(0, 1), st.floats(0, 1), st.integers(0, 2**31))
def test_assemble_team_fills_unique_slots_from_the_pools(size, p, q, seed):
    counter = iter(range(1000, 2000))
    team = assemble_team(
        np.random.default_rng(seed),
        size,
        p=p,
        q=q,
        collaborator=lambda t: next((c for c in (1, 2, 3) if c not in t), None),
        incumbent=lambda t: next((c for c in (10, 11, 12) if c not in t), None),
        newcomer=lambda t: next(counter),
        first=0,
    )
    assert len(team) == size and len(set(team)) == size and team[0] == 0
    if p == 0:
        assert all(x >= 1000 for x in team[1:])  # every slot assigned


def test_assemble_team_with_p_one_and_q_one_takes_collaborators_first():
    team = assemble_team(
        np.random.default_rng(0),
        4,
        p=1.0,
        q=1.0,
        collaborator=lambda t: len(t) + 100,
        incumbent=lambda t: None,
        newcomer=lambda t: None,
        first=0,
    )
    assert team == [0, 101, 102, 103]


def _quiet_model(**overrides):
    ov = {
        "programme.enabled": False,
        "projects.idea_rate": 0.0,
        "churn.turnover": 0.0,
        "churn.reorg_weeks": [],
        "projects.fail_hazard": 0.0,
        **overrides,
    }
    return LeadershipModel(small_params(1500, **ov), seed=9)


def _theme_index(m, name):
    return next(k for k, t in enumerate(m.params.projects.themes) if t.name == name)


def _start(m, theme_name, members):
    members = np.asarray(members, np.int64)
    return projects.start_project(
        m, theme=_theme_index(m, theme_name), leader=int(members[0]), team=members.tolist(), assigned=0
    )


def _people_in(m, sector, n):
    return np.flatnonzero(m.people.sector == SECTOR_INDEX[sector])[:n]


def _progress_after(m, k, weeks=4):
    for _ in range(weeks):
        m.steps += 1
        projects.progress_phase(m)
    return m.projects.progress[k]


def test_a_project_without_its_needed_sectors_stalls():
    m = _quiet_model()
    full = np.concatenate([_people_in(m, "community_health", 2), _people_in(m, "vcs", 2)])
    partial = _people_in(m, "community_health", 4)
    a, b = copy.deepcopy(m), copy.deepcopy(m)
    ka = _start(a, "cold homes and COPD", full)
    kb = _start(b, "cold homes and COPD", partial)
    assert a.projects.coverage[ka] == 1.0 and projects._coverage(a, ka) == 1.0
    assert projects._coverage(b, kb) == 0.5
    assert _progress_after(b, kb) < 0.5 * _progress_after(a, ka)


def test_overhead_slows_progress_and_sponsorship_speeds_it():
    results = {}
    for label, ov in {
        "none": {},
        "overhead": {"strategy.overhead": 0.9},
        "sponsored": {"strategy.sponsorship": 1.0, "senior_support.level": 0.0},
    }.items():
        m = _quiet_model(**ov)
        team = np.concatenate([_people_in(m, "community_health", 2), _people_in(m, "vcs", 2)])
        k = _start(m, "cold homes and COPD", team)
        results[label] = _progress_after(m, k)
    assert results["overhead"] < results["none"] < results["sponsored"]


def test_monitoring_holds_projects_together():
    """The case for monitoring: with overhead, fewer projects fizzle out (accountability)."""
    failed = {}
    for overhead in (0.0, 1.0):
        m = _quiet_model(**{"strategy.overhead": overhead, "projects.fail_hazard": 0.2, "projects.base_progress": 0.0})
        ks = [_start(m, "flu jab uptake", np.arange(10 * r, 10 * r + 3)) for r in range(40)]
        m.steps += 1
        projects.progress_phase(m)
        failed[overhead] = int((m.projects.status[ks] == projects.FAILED).sum())
    assert failed[1.0] < failed[0.0]


def test_completion_builds_confidence_and_energy_and_counts():
    m = _quiet_model(**{"projects.base_progress": 1.0})
    team = np.concatenate([_people_in(m, "community_health", 2), _people_in(m, "vcs", 2)])
    conf = m.people.confidence[team].copy()
    k = _start(m, "cold homes and COPD", team)
    _progress_after(m, k, weeks=12)
    assert m.projects.status[k] == projects.COMPLETED
    assert np.all(m.people.confidence[team] > conf) and np.all(m.people.completed[team] == 1)


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 10_000), st.floats(0, 1), st.floats(0, 1))
def test_started_equals_active_plus_completed_plus_failed(seed, self_selection, overhead):
    m = LeadershipModel(
        small_params(600, **{"strategy.self_selection": self_selection, "strategy.overhead": overhead}), seed=seed
    )
    for _ in range(40):
        m.step()
        now = m._now
        assert now["projects_started"] == now["projects_active"] + now["projects_completed"] + now["projects_failed"]
        assert now["projects_started"] <= now["projects_proposed"]


def _formed(self_selection, seeds=(1, 2)):
    rows = []
    for s in seeds:
        m = LeadershipModel(small_params(2000, **{"strategy.self_selection": self_selection}), seed=s)
        for _ in range(60):
            m.step()
        df = pd.DataFrame(projects.records(m))
        df["assigned_share"] = df["assigned_members"] / (df["n_members"] - 1)
        rows.append(df)
    return pd.concat(rows)


def test_assigned_teams_cover_their_sectors_self_selected_ones_come_from_trusted_ties():
    assigned = _formed(0.0)
    selected = _formed(1.0)
    assert assigned["assigned_share"].mean() > 0.9 > 0.5 > selected["assigned_share"].mean()
    assert assigned["coverage"].mean() >= selected["coverage"].mean()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 40), min_size=2, max_size=6, unique=True), min_size=1, max_size=6),
    st.lists(st.integers(0, 60), max_size=8, unique=True),
    st.integers(0, 5),
)
def test_leavers_are_taken_off_active_teams_and_nobody_else(teams, leavers, n_done):
    """drop_people removes exactly the leavers from every active team; finished projects keep their record."""
    book = projects.ProjectBook()
    for team in teams:
        book.add(theme=0, leader=team[0], locality=0, start=0, needed=1, members=np.array(team, np.int64))
    done = min(n_done, len(teams))
    book.status[:done] = projects.COMPLETED
    sector = np.arange(61) % 8
    book.drop_people(np.array(leavers, np.int64), sector)
    gone = set(leavers)
    for k, team in enumerate(teams):
        expected = team if k < done else [t for t in team if t not in gone]
        assert book.members[k].tolist() == expected
        # an active project whose leader left has no leader; the newcomer in that slot is free to propose
        assert book.leader[k] == (-1 if k >= done and team[0] in gone else team[0])
        a, b = book._pairs[k]
        assert len(a) == len(expected) * (len(expected) - 1) // 2
        assert set(a.tolist()) | set(b.tolist()) <= set(expected)
    blocked = set(np.flatnonzero(book.leaders_active(61)).tolist())
    assert blocked == {t[0] for k, t in enumerate(teams) if k >= done and t[0] not in gone}


def test_nobody_works_on_more_projects_than_the_cap_even_when_ideas_abound():
    """Proposers count against the cap on concurrent projects, as team members do."""
    m = LeadershipModel(
        small_params(**{"projects.idea_rate": 1.0, "projects.min_confidence": 0.0, "projects.min_energy": 0.0}), seed=4
    )
    peak = 0
    for _ in range(40):
        m.step()
        peak = max(peak, int(m.projects.load(m.people.n).max(initial=0)))
    assert m.projects.count > 20
    assert peak <= m.params.projects.max_per_person == 3


def test_shared_decisions_take_time():
    """Power sharing slows a project (projects.coproduction_slowdown), and only through that parameter."""
    prog = {}
    for sharing in (0.0, 1.0):
        for slowdown in (0.0, 0.5):
            m = _quiet_model(**{"strategy.power_sharing": sharing, "projects.coproduction_slowdown": slowdown})
            team = np.concatenate([_people_in(m, "community_health", 2), _people_in(m, "vcs", 2)])
            prog[sharing, slowdown] = _progress_after(m, _start(m, "cold homes and COPD", team))
    assert prog[1.0, 0.5] < prog[0.0, 0.5]
    assert prog[1.0, 0.0] == prog[0.0, 0.0]  # same draws: without the cost, sharing does not touch progress
    assert prog[1.0, 0.5] == pytest.approx(0.5 * prog[1.0, 0.0], rel=1e-9)


def test_a_practising_senior_backs_the_projects_of_their_organisation():
    """Senior support comes from a supportive line manager, or from another manager or senior leader of one's own
    organisation who practises system leadership and is not a programme lead (senior_support.from_adopters)."""
    m = _quiet_model(**{"senior_support.level": 0.0, "senior_support.from_adopters": 0.6, "population.leads": 0})
    people = m.people
    people.mindset[:] = 0
    seniors_per_org = np.bincount(people.org[people.seniority > 0])
    org = int(np.flatnonzero(seniors_per_org >= 2)[0])
    staff = np.flatnonzero(people.org == org)
    elsewhere = np.flatnonzero(people.org != org)[:5]
    assert np.all(projects.member_support(m, staff) == 0.0)
    frontline = staff[people.seniority[staff] == 0]
    people.mindset[frontline[0]] = PRACTISING_STAGE  # a practising frontline colleague backs nobody
    assert np.all(projects.member_support(m, staff) == 0.0)
    manager, second = staff[people.seniority[staff] > 0][:2]
    people.mindset[manager] = PRACTISING_STAGE
    expected = np.where(staff == manager, 0.0, 0.6)  # nobody backs themself
    assert np.array_equal(projects.member_support(m, staff), expected)
    assert np.all(projects.member_support(m, elsewhere) == 0.0)
    people.mindset[second] = PRACTISING_STAGE  # two practising seniors back each other too
    assert np.all(projects.member_support(m, staff) == 0.6)
    people.is_lead[[manager, second]] = True  # programme leads back no one by this route
    assert np.all(projects.member_support(m, staff) == 0.0)
    people.supported[staff[:2]] = True
    assert projects.member_support(m, staff[:3]).tolist() == [1.0, 1.0, 0.0]


def test_progress_counts_the_backing_of_practising_seniors():
    """The weekly progress of a project uses the members' senior support, backing by practising seniors included."""
    prog = {}
    for backing in (0.0, 0.6):
        m = _quiet_model(
            **{
                "senior_support.level": 0.0,
                "senior_support.from_adopters": backing,
                "population.leads": 0,
                "strategy.sponsorship": 0.0,
            }
        )
        people = m.people
        team = np.concatenate([_people_in(m, "community_health", 2), _people_in(m, "vcs", 2)])
        for person in team:  # a practising manager in each member's organisation, not in the team
            org_seniors = np.flatnonzero((people.org == people.org[person]) & (people.seniority > 0))
            people.mindset[org_seniors[~np.isin(org_seniors, team)][0]] = PRACTISING_STAGE
        k = _start(m, "cold homes and COPD", team)
        prog[backing] = _progress_after(m, k, weeks=1)
        assert m.projects.support[k] == backing
    boost = m.params.projects.support_boost
    assert prog[0.6] == pytest.approx(prog[0.0] * (1 + boost * 0.6), rel=1e-9)

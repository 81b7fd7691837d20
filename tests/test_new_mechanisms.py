"""Mechanisms added for issue 11: commissioning, time budgets, opportunities, lasting Brew and Biscuits pairs,
sponsors, and practising that needs use."""

from __future__ import annotations

import numpy as np
from conftest import small_params
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.mechanisms import commissioning, matching, mindset, projects, time_budget
from simulation.mechanisms.opportunities import OpportunityBook
from simulation.model import LeadershipModel
from simulation.sectors import AWARE, PRACTISING, UNAWARE


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3), st.integers(0, 2)), max_size=60),
    st.floats(0, 1),
    st.integers(0, 2**31),
)
def test_opportunities_are_conserved_and_ideas_follow_the_open_share(ops, renewal, seed):
    book = OpportunityBook(np.array([1000, 2000, 500]), 4, per_theme=3.0)
    cap = book.capacity.copy()
    for loc, theme, action in ops:
        if action == 0 and book.takeable(loc)[theme] > 0:
            book.take(loc, theme)
        elif action == 1 and book.in_progress[loc, theme] >= 1:
            book.settle(loc, theme, solved=bool(seed % 2))
        else:
            book.renew(renewal)
        assert np.allclose(book.open + book.in_progress + book.solved, cap)
        assert (book.open >= -1e-9).all() and (book.in_progress >= 0).all()
        share = book.open_share()
        assert ((share >= -1e-9) & (share <= 1 + 1e-9)).all()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 40), min_size=1, max_size=30), st.one_of(st.just(0.0), st.floats(0.01, 20)))
def test_overcommitment_is_zero_within_the_budget_and_grows_with_hours(hours, budget):
    h = np.sort(np.array(hours))
    over = time_budget.overcommitment(h, budget)
    assert (over >= 0).all() and (np.diff(over) >= -1e-12).all()
    assert (over[h <= budget] == 0).all()
    if budget > 0:
        assert np.allclose(over[h > budget], h[h > budget] / budget - 1)


def _quiet(size=1500, **ov):
    base = {
        "programme.enabled": False,
        "projects.idea_rate": 0.0,
        "churn.turnover": 0.0,
        "churn.reorg_weeks": [],
        "commissioning.senior_rate": 0.0,
    }
    return LeadershipModel(small_params(size, **{**base, **ov}), seed=5)


def test_commissioned_projects_have_assigned_teams_that_cover_the_theme_and_a_sponsor():
    m = _quiet(**{"commissioning.senior_rate": 0.05})
    for _ in range(10):
        m.steps += 1
        commissioning.phase(m)
    book = m.projects
    ks = np.arange(book.count)
    assert book.count > 5 and book.commissioned[ks].all()
    assert (book.coverage[ks] == 1.0).mean() > 0.9  # assigned from the needed sectors
    assert (m.people.seniority[book.leader[ks]] > 0).all()  # led by a manager or senior leader
    sponsors = book.sponsor[ks]
    assert (m.people.seniority[sponsors] == 2).all() and np.allclose(book.sponsor_level[ks], 0.6)
    assert m.tally["projects_commissioned"] == book.count


def test_the_programme_commissions_more_the_more_teams_are_assigned():
    m = LeadershipModel(small_params(3000, **{"strategy.self_selection": 0.0}), seed=1)
    m.steps = 10
    assigned = commissioning.programme_commissions(m)[0]
    m2 = LeadershipModel(small_params(3000, **{"strategy.self_selection": 0.75}), seed=1)
    m2.steps = 10
    assert np.isclose(commissioning.programme_commissions(m2)[0], 0.25 * assigned) and assigned > 0
    m.steps = 200  # after the programme
    assert commissioning.programme_commissions(m)[0] == 0


def test_a_sponsor_who_leaves_takes_the_backing_with_them():
    m = _quiet(
        **{
            "strategy.sponsorship": 1.0,
            "sponsorship.orphan_failure": 0.0,
            "senior_support.level": 0.0,
            "senior_support.from_adopters": 0.0,
        }
    )
    team = np.flatnonzero(m.people.sector == 2)[:3].tolist() + np.flatnonzero(m.people.sector == 4)[:2].tolist()
    k = projects.start_project(m, theme=4, leader=team[0], team=team, assigned=0)
    sponsor = m.projects.sponsor[k]
    assert sponsor >= 0 and projects.sponsor_present(m, np.array([k]))[0]
    m.steps += 1
    projects.progress_phase(m)
    assert m.projects.support[k] == 1.0
    m.people.person_id[sponsor] = 10**9  # the sponsor's slot now holds a newcomer
    m.steps += 1
    projects.progress_phase(m)
    assert m.projects.sponsor_id[k] == -2 and m.projects.support[k] == 0.0 and m.tally["sponsors_lost"] == 1


def test_brew_and_biscuits_partners_meet_again():
    m = _quiet(size=800)
    people = m.people
    rng = np.random.default_rng(0)
    people.registered[rng.choice(people.n, 200, replace=False)] = True
    i, j, new = matching.visit_pairs(people, 1.0, 0.0, 1.0, rng)
    assert new.all() and i.size > 50
    assert (people.partner[i] == j).all() and (people.partner[j] == i).all()
    i2, j2, new2 = matching.visit_pairs(people, 1.0, 0.0, 1.0, rng)  # everyone willing, always repeat
    pairs = {(min(a, b), max(a, b)) for a, b in zip(i.tolist(), j.tolist(), strict=True)}
    again = {(min(a, b), max(a, b)) for a, b in zip(i2[~new2].tolist(), j2[~new2].tolist(), strict=True)}
    assert again == pairs  # every pair met again, each once
    _, _, new3 = matching.visit_pairs(people, 1.0, 0.0, 0.0, rng)  # never repeat: all new matches
    assert new3.all()


def test_practising_needs_an_outlet_and_fades_without_use():
    m = _quiet(
        size=600,
        **{
            "mindset.adoption_rate": 1.0,
            "population.threshold_mean": 0.0,
            "population.threshold_sd": 0.0,
            "mindset.lapse_rate": 0.0,
            "mindset.disuse_lapse": 1.0,
            "mindset.disuse_weeks": 5,
        },
    )
    people = m.people
    people.mindset[:] = np.where(people.is_lead, people.mindset, AWARE)
    people.mindset[:50] = PRACTISING
    people.is_lead[:50] = False
    m.steps = 3  # everyone arrived at week 0, so nobody is idle yet
    aware = np.flatnonzero(people.mindset == AWARE)
    mindset.phase(m)
    exposed = aware[people.mindset[aware] == PRACTISING]
    assert exposed.size > 0  # active (recently arrived) and over threshold: they practise
    m.steps = 40  # nobody has taken part in anything for 40 weeks
    before = people.mindset.copy()
    people.active_week[:10] = 39  # ... except ten people
    mindset.phase(m)
    idle_practitioners = (before >= PRACTISING) & ~people.is_lead
    idle_practitioners[:10] = False
    assert (people.mindset[idle_practitioners] < before[idle_practitioners]).all()  # disuse_lapse 1: all lapse
    newly = (before == AWARE) & (people.mindset == PRACTISING)
    assert not newly[10:].any()  # the idle aware cannot start practising
    assert (people.mindset[:10] >= before[:10]).all() and UNAWARE == 0

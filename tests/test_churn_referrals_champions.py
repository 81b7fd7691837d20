"""Mechanisms 8-10: champions after the programme, churn, referrals."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
from conftest import small_params

from simulation.mechanisms import churn, referrals
from simulation.model import LeadershipModel
from simulation.sectors import CHAMPION, SECTOR_INDEX


def test_reorganisation_breaks_cross_org_ties_of_the_sectors_hit_and_drains_energy():
    m = LeadershipModel(small_params(1500, **{"churn.reorg_tie_break": 1.0, "churn.reorg_energy_loss": 0.5}), seed=3)
    p, net = m.people, m.trust
    acute = p.sector == SECTOR_INDEX["acute"]
    touched = acute[net.i] | acute[net.j]
    cross_org = p.org[net.i] != p.org[net.j]
    n_hit = int((touched & cross_org).sum())
    n_other = int((~touched).sum())
    energy = p.energy.copy()
    broken = churn.reorganise(m)
    assert broken == n_hit > 0
    touched_now = acute[net.i] | acute[net.j]
    assert not (touched_now & (p.org[net.i] != p.org[net.j])).any()
    assert int((~touched_now).sum()) == n_other  # nobody else lost a tie
    np.testing.assert_allclose(p.energy[acute], np.maximum(0, energy[acute] - 0.5))
    np.testing.assert_array_equal(p.energy[~acute], energy[~acute])


def test_turnover_replaces_leavers_with_newcomers_without_ties():
    m = LeadershipModel(small_params(800, **{"churn.turnover": 0.2}), seed=5)
    for _ in range(3):
        m.step()
    ids_before = m.people.person_id.copy()
    m.people.reached[:] = True
    m.streams.churn = np.random.default_rng(1)
    m.steps += 1
    leavers = churn.turnover(m)
    assert leavers.size > 50 and not m.people.is_lead[leavers].any()
    assert np.all(m.people.person_id[leavers] > ids_before.max())
    assert not m.people.reached[leavers].any() and np.all(m.people.joined_week[leavers] == m.week)
    m.trust.commit()
    deg = m.trust.degree()
    assert np.all(deg[leavers] == 0)
    # The Mesa agents follow the slots.
    assert {a.person_id for a in m.agents} == set(m.people.person_id.tolist())
    assert len(m.agents) == m.people.n


def _reached_series(turnover: float):
    m = LeadershipModel(small_params(500, **{"churn.turnover": turnover}), seed=4)
    for _ in range(60):
        m.step()
    ts = m.timeseries()
    return ts["people_reached"].to_numpy(), ts["people_reached_ever"].to_numpy(), m


def test_people_reached_ever_counts_leavers_and_never_falls():
    now, ever, m = _reached_series(0.03)
    assert m.tally["leavers"] > 100 and m.tally["reached_leavers"] > 0
    assert np.all(np.diff(ever) >= 0) and np.all(ever >= now)
    assert np.any(np.diff(now) < 0)  # the head count in post does fall when reached people leave
    assert ever[-1] == now[-1] + m.tally["reached_leavers"] > now[-1]
    now0, ever0, m0 = _reached_series(0.0)
    assert m0.tally["leavers"] == 0 and now0[-1] > 0
    np.testing.assert_array_equal(ever0, now0)


def test_referrals_happen_where_people_know_and_trust_someone():
    base = LeadershipModel(small_params(1500), seed=4)
    made = {}
    for weight in (0.0, 1.0):
        m = copy.deepcopy(base)
        m.params = replace(
            m.params,
            referrals=replace(m.params.referrals, need_rate=0.5, base=0.0, knowledge_weight=0.0, trust_weight=weight),
        )
        m.streams.referrals = np.random.default_rng(0)
        referrals.phase(m)
        made[weight] = m.tally["cross_sector_referrals"]
    ties = referrals.sector_ties(base)
    assert made[0.0] == 0 and made[1.0] > 0
    assert made[1.0] <= ties.sum()


def _gatherings_after(end_week, convene_rate, champions, audience=1000.0):
    m = LeadershipModel(
        small_params(
            1200,
            **{"programme.end_week": end_week, "champions.convene_rate": convene_rate, "champions.audience": audience},
        ),
        seed=6,
    )
    m.people.mindset[np.flatnonzero(~m.people.is_lead)[:champions]] = CHAMPION
    m.people.energy[:] = 1.0
    for _ in range(end_week + 20):
        m.step()
    return [e for e in m.event_log if e["week"] > end_week + 1 and e["type"] == "gathering"]


def test_champions_keep_gathering_after_the_programme_and_leads_stop():
    # An audience too large to crowd. Of 120 champions about half are still champions after the
    # programme and a third of those have the energy and the hours: some 20 gatherings in 18 weeks.
    after = _gatherings_after(20, 0.05, 120)
    assert len(after) > 10
    assert all(e["funded"] is False for e in after)  # no lead convenes after the end
    assert _gatherings_after(20, 0.0, 120) == []


def test_a_finite_audience_holds_gatherings_near_its_equilibrium():
    # With an audience of A, gatherings fading by a quarter a week crowd out new ones: the chance is
    # scaled by 1 - 0.75 R / A, with R = r / 0.25 at the steady state, so r = r0 / (1 + 3 r0 / A).
    # At 1,200 people A = 1.2 * 1.2 = 1.44: whatever the free rate r0, r stays below A / 3 = 0.48
    # a week, about 9 gatherings in the 19 weeks after the programme (15 allows for chance).
    free = len(_gatherings_after(20, 0.05, 120))
    crowded = len(_gatherings_after(20, 0.05, 120, audience=1.2))
    assert crowded < free / 2
    assert 1 <= crowded <= 15

"""Mechanism 4: the contagion kernel, role modelling and lapsing."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from conftest import small_params
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.contagion import adoption_probability, exposure, threshold_cascade
from simulation.model import LeadershipModel
from simulation.sectors import AWARE, PRACTISING


def _path(n):
    i = np.arange(n - 1)
    a = sp.coo_matrix((np.ones(n - 1), (i, i + 1)), shape=(n, n))
    return (a + a.T).tocsr()


def test_exposure_share_and_count_by_hand():
    W = sp.csr_matrix(np.array([[0, 1.0, 3.0], [1.0, 0, 0], [3.0, 0, 0]]))
    active = np.array([0, 1, 0], bool)
    np.testing.assert_allclose(exposure(W, active), [0.25, 0, 0])
    np.testing.assert_allclose(exposure(W, active, mode="count"), [1.0, 0, 0])
    assert exposure(None, np.array([1, 0, 0, 1]))[0] == 0.5  # fully mixed


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_adoption_probability_is_a_monotone_probability(s1, s2, thr, rate, ext):
    lo, hi = sorted((s1, s2))
    for response in ("threshold", "linear"):
        p_lo = adoption_probability(np.array([lo]), threshold=thr, rate=rate, external=ext, response=response)[0]
        p_hi = adoption_probability(np.array([hi]), threshold=thr, rate=rate, external=ext, response=response)[0]
        assert 0 <= p_lo <= p_hi <= 1
        assert p_lo >= ext - 1e-12


def test_threshold_cascade_spreads_along_a_path_only_below_threshold():
    W = _path(10)
    seeds = np.zeros(10, bool)
    seeds[0] = True
    active, steps = threshold_cascade(W, seeds, 0.5)  # an inner node sees 1 of 2 neighbours active
    assert active.all() and steps == 9
    active, steps = threshold_cascade(W, seeds, 0.6)
    assert active.sum() == 1 and steps == 0
    # Complex contagion (two active neighbours) cannot start from one seed.
    active, _ = threshold_cascade(W, seeds, 2, mode="count")
    assert active.sum() == 1


def _adopters(overrides, seeds=(1, 2, 3), weeks=40):
    out = []
    for s in seeds:
        m = LeadershipModel(small_params(1200, **overrides), seed=s)
        for _ in range(weeks):
            m.step()
        out.append((m.people.mindset >= PRACTISING).sum())
    return np.mean(out)


def test_role_modelling_by_leads_spreads_the_mindset():
    assert _adopters({"strategy.role_modelling": 1.0}) > _adopters({"strategy.role_modelling": 0.0})


def test_practitioners_without_peer_support_lapse():
    params = small_params(500, **{"mindset.lapse_rate": 1.0, "mindset.adoption_rate": 0.0,
                                  "programme.enabled": False, "population.initial_practising": 0.05})
    m = LeadershipModel(params, seed=2)
    isolated = (m.people.mindset == PRACTISING) & ~m.people.is_lead
    share = exposure(m.trust.matrix(), m.people.mindset >= PRACTISING)
    lonely = isolated & (share == 0)
    assert lonely.sum() > 0
    m.step()
    assert np.all(m.people.mindset[lonely] == AWARE)

"""Mechanism 4: the contagion kernel, role modelling and lapsing."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp
from conftest import small_params
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.kernels import contagion
from simulation.kernels.contagion import adoption_probability, exposure, threshold_cascade
from simulation.kernels.network import TrustNetwork
from simulation.mechanisms import mindset
from simulation.model import LeadershipModel
from simulation.sectors import AWARE, CHAMPION, PRACTISING, UNAWARE


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


def test_role_modelling_pushes_the_mindset_at_funded_events():
    # Leads weigh no more than anyone in the contagion (lead_weight 0), so role modelling acts only through the push
    # of the funded events: a "rhetoric gap" (0) converts fewer attendees than leads who model it (1).
    base = {"mindset.lead_weight": 0.0}
    assert _adopters(base | {"strategy.role_modelling": 1.0}) > _adopters(base | {"strategy.role_modelling": 0.0})


def test_role_modelling_weights_leads_in_the_contagion():
    # No funded programme, so no funded events whose push role modelling scales: it acts only through the weight
    # of practising leads in their contacts' exposure (1 + lead_weight x role_modelling).
    base = {"programme.enabled": False, "mindset.lead_weight": 6.0}
    assert _adopters(base | {"strategy.role_modelling": 1.0}) > _adopters(base | {"strategy.role_modelling": 0.0})


@st.composite
def _network_and_state(draw):
    n = draw(st.integers(2, 40))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=4 * n))
    w = draw(st.lists(st.floats(0.01, 1.0), min_size=len(pairs), max_size=len(pairs)))
    i, j = (np.array([p[k] for p in pairs], np.int64) for k in (0, 1))
    net = TrustNetwork(n, i, j, np.array(w))
    dropped = draw(st.lists(st.booleans(), min_size=len(net.keys), max_size=len(net.keys)))
    net.remove(np.array(dropped, bool))  # dropped ties stay stored with weight 0 until compaction
    stage = np.array(
        draw(st.lists(st.sampled_from([UNAWARE, AWARE, PRACTISING, CHAMPION]), min_size=n, max_size=n)), np.int8
    )
    lead = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    params = SimpleNamespace(
        mindset=SimpleNamespace(lead_weight=draw(st.floats(0, 10))),
        strategy=SimpleNamespace(role_modelling=draw(st.floats(0, 1))),
    )
    return SimpleNamespace(trust=net, people=SimpleNamespace(mindset=stage, is_lead=lead), params=params)


@settings(max_examples=200, deadline=None)
@given(_network_and_state())
def test_mindset_exposure_is_the_docked_contagion_exposure(model):
    """The share (and count) mindset.phase feeds adoption_probability is contagion.exposure's, as docked."""
    stage, lead, p = model.people.mindset, model.people.is_lead, model.params
    x = (stage >= PRACTISING) * (1.0 + lead * p.mindset.lead_weight * p.strategy.role_modelling)
    W = model.trust.matrix()
    count, share = exposure(W, x, mode="count"), exposure(W, x)
    got = mindset.neighbourhood(model)
    np.testing.assert_array_equal(got.who, np.flatnonzero((count > 0) | (stage >= PRACTISING)))
    np.testing.assert_array_equal(got.practising, np.flatnonzero(stage >= PRACTISING))
    np.testing.assert_allclose(got.count, count[got.who], rtol=1e-12, atol=0)
    used = stage[got.who] >= AWARE  # the share enters adoption (aware) and lapsing (practitioners) only
    np.testing.assert_allclose(got.share[used], share[got.who][used], rtol=1e-12, atol=0)


def test_mindset_phase_calls_the_docked_kernel(monkeypatch):
    """mindset.phase takes its share from contagion.share and its adoption chance from adoption_probability."""
    m = LeadershipModel(small_params(300), seed=4)
    calls = []

    def spy(fn):
        def wrapped(*args, **kwargs):
            calls.append(fn.__name__)
            return fn(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(mindset, "share", spy(contagion.share))
    monkeypatch.setattr(mindset, "adoption_probability", spy(contagion.adoption_probability))
    mindset.phase(m)
    assert calls == ["share", "adoption_probability"]


def test_practitioners_without_peer_support_lapse():
    params = small_params(
        500,
        **{
            "mindset.lapse_rate": 1.0,
            "mindset.adoption_rate": 0.0,
            "programme.enabled": False,
            "population.initial_practising": 0.05,
        },
    )
    m = LeadershipModel(params, seed=2)
    isolated = (m.people.mindset == PRACTISING) & ~m.people.is_lead
    x = (m.people.mindset >= PRACTISING) * (
        1.0 + m.people.is_lead * m.params.mindset.lead_weight * m.params.strategy.role_modelling
    )
    share = exposure(m.trust.matrix(), x)
    lonely = isolated & (share == 0)
    supported = isolated & (share >= m.people.threshold)
    assert lonely.sum() > 0 and supported.sum() > 0
    # The mindset phase alone: the week's other phases would change the ties (and so the share) first.
    mindset.phase(m)
    assert np.all(m.people.mindset[lonely] == AWARE)  # lapse chance lapse_rate x (1 - 0) = 1
    assert np.all(m.people.mindset[supported] == PRACTISING)  # lapse chance 0

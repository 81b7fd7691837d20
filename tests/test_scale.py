"""The fast paths behind the model's speed give the same answers as the plain definitions.

The trust network stores each tie as two arcs with lazy deletion and class
bits; phases scatter from a few rows instead of full mat-vecs; clustering is
estimated above a size. Each is checked here against a slow reference.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_params
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.config import make_params
from simulation.kernels.arrays import bernoulli_indices
from simulation.kernels.network import BOTH_MARKED, CROSS_KIND, SAME_GROUP, TrustNetwork
from simulation.metrics import Snapshot
from simulation.model import LeadershipModel

N = 12
GROUP = np.arange(N) // 4  # three groups of four
KIND = np.arange(N) % 3

ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("contact"),
            st.lists(
                st.tuples(st.integers(0, N - 1), st.integers(0, N - 1), st.floats(0.01, 1.0)), min_size=1, max_size=30
            ),
        ),
        st.tuples(st.just("decay"), st.floats(0.0, 0.6)),
        st.tuples(st.just("prune"), st.floats(0.0, 0.5)),
        st.tuples(st.just("leave"), st.lists(st.integers(0, N - 1), max_size=3)),
        st.tuples(st.just("mark"), st.lists(st.booleans(), min_size=N, max_size=N)),
        st.tuples(st.just("break"), st.integers(0, 2**16)),
        st.tuples(st.just("renew"), st.integers(0, 2**16)),
    ),
    max_size=25,
)


class Reference:
    """Ties as a plain dict {(a, b): w}, a < b."""

    def __init__(self):
        self.w: dict[tuple[int, int], float] = {}
        self.mark = np.zeros(N, bool)

    def contact(self, batch):
        keep: dict[tuple[int, int], float] = {}
        for a, b, g in batch:
            if a != b:
                k = (min(a, b), max(a, b))
                keep[k] = keep.get(k, 1.0) * (1.0 - g)
        for k, f in keep.items():
            self.w[k] = 1.0 - (1.0 - self.w.get(k, 0.0)) * f

    def decay(self, rates):
        for (a, b), w in self.w.items():
            c = (GROUP[a] == GROUP[b]) * SAME_GROUP | (self.mark[a] & self.mark[b]) * BOTH_MARKED
            self.w[(a, b)] = w * (1.0 - rates[c])

    def leave(self, people):
        self.w = {k: w for k, w in self.w.items() if k[0] not in people and k[1] not in people}


@settings(max_examples=150, deadline=None)
@given(ops, st.booleans())
def test_arc_storage_matches_a_plain_dictionary_of_ties(sequence, compact_often):
    net, ref = TrustNetwork(N, group=GROUP, kind=KIND), Reference()
    if compact_often:
        net.compact_min = 0  # drop dead arcs as soon as they are a quarter of the live ones
    for op, arg in sequence:
        if op == "contact":
            i, j, g = map(np.array, zip(*arg, strict=True))
            net.add_contacts(i, j, g)
            net.commit()
            ref.contact(arg)
        elif op == "decay":
            rates = [arg, arg / 2, arg / 3, arg / 6]
            net.decay_by_class(rates)
            ref.decay(rates)
        elif op == "prune":
            before = set(zip(net.i.tolist(), net.j.tolist(), strict=True))
            dropped = net.prune(arg)
            gone = before - set(zip(net.i.tolist(), net.j.tolist(), strict=True))
            assert dropped == len(gone)
            # the same ties as the reference drops, up to rounding at the floor itself
            assert all(ref.w[k] < arg + 1e-12 for k in gone)
            assert all(w >= arg - 1e-12 for k, w in ref.w.items() if k not in gone)
            ref.w = {k: w for k, w in ref.w.items() if k not in gone}
        elif op == "leave":
            net.remove_people(arg)
            ref.leave(set(arg))
        elif op == "mark":
            net.set_marks(np.array(arg))
            ref.mark = np.array(arg)
        elif op == "renew":  # an immediate contact on some existing ties (one arc of each given)
            mask = np.random.default_rng(arg).random(len(net)) < 0.5
            net.reinforce(net._canonical()[mask], 0.2)
            for k, m in zip(zip(net.i.tolist(), net.j.tolist(), strict=True), mask, strict=True):
                if m:
                    ref.w[k] = 1.0 - (1.0 - ref.w[k]) * 0.8
        elif op == "break":
            mask = np.random.default_rng(arg).random(len(net)) < 0.3
            gone = {k for k, m in zip(zip(net.i.tolist(), net.j.tolist(), strict=True), mask, strict=True) if m}
            net.remove(mask)
            ref.w = {k: w for k, w in ref.w.items() if k not in gone}
        # Same ties, same weights, in key order, each once.
        assert list(zip(net.i.tolist(), net.j.tolist(), strict=True)) == sorted(ref.w)
        np.testing.assert_allclose(net.w, [ref.w[k] for k in sorted(ref.w)], rtol=0, atol=1e-12)
        assert len(net) == len(ref.w)
        # Both arcs of each tie agree; the colleague count is kept up to date.
        m = net.matrix()
        assert (m != m.T).nnz == 0
        col = np.zeros(N, int)
        for a, b in ref.w:
            if GROUP[a] == GROUP[b]:
                col[a] += 1
                col[b] += 1
        np.testing.assert_array_equal(net.group_degree, col)


def _random_network(seed, n=300, ties=1500):
    rng = np.random.default_rng(seed)
    net = TrustNetwork(
        n,
        rng.integers(0, n, ties),
        rng.integers(0, n, ties),
        rng.random(ties),
        group=np.arange(n) // 10,
        kind=np.arange(n) % 8,
    )
    net.prune(0.3)  # leave some dropped arcs in place (lazy deletion)
    return net, rng


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_neighbour_sums_equal_the_matrix_products(seed):
    net, rng = _random_network(seed)
    n = net.n
    for share in (0.01, 0.2, 1.0):  # few rows scattered, or a full mat-vec
        x = np.where(rng.random(n) < share, rng.random(n), 0.0)
        np.testing.assert_allclose(net.neighbour_sum(x), net.matrix() @ x, atol=1e-12)
        np.testing.assert_allclose(net.neighbour_sum(x, 0.6, binary=True), net.matrix(0.6, binary=True) @ x, atol=1e-12)
        who = np.flatnonzero(x)
        np.testing.assert_allclose(
            net.spread(who, x[who], 0.6, binary=True), net.matrix(0.6, binary=True) @ x, atol=1e-12
        )
    people = rng.choice(n, 40, replace=False)
    np.testing.assert_allclose(net.row_sums(people), np.asarray(net.matrix().sum(axis=1)).ravel()[people])
    nb, owner = net.rows(people, 0.5)
    for k, p in enumerate(people):
        assert sorted(nb[owner == k].tolist()) == net.neighbours(p, 0.5).tolist()
        assert set(net.neighbours(p, 0.5).tolist()) == set(net.matrix(0.5).getrow(p).indices.tolist())


def test_arc_classes_follow_groups_kinds_and_marks():
    net, rng = _random_network(4)
    online = rng.random(net.n) < 0.3
    net.set_marks(online)
    i, j = net.i, net.j
    m = net.matrix().tocoo()
    assert len(i) == m.nnz // 2
    same = net.arc_class(SAME_GROUP)[net._canonical()]
    cross = net.arc_class(CROSS_KIND)[net._canonical()]
    np.testing.assert_array_equal(same, net.group[i] == net.group[j])
    np.testing.assert_array_equal(cross, net.kind[i] != net.kind[j])
    both = (net._cls[net._canonical()] & BOTH_MARKED) > 0
    np.testing.assert_array_equal(both, online[i] & online[j])
    to_kind = net.arcs_to_kind(3)[net._canonical()]
    np.testing.assert_array_equal(to_kind, net.kind[j] == 3)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 5000), st.floats(0.0, 1.0), st.integers(0, 2**31))
def test_bernoulli_indices_are_sorted_unique_and_in_range(size, p, seed):
    idx = bernoulli_indices(np.random.default_rng(seed), size, p)
    assert np.all(np.diff(idx) > 0) and (idx.size == 0 or (idx[0] >= 0 and idx[-1] < size))
    if p >= 1:
        assert idx.size == size
    if p == 0:
        assert idx.size == 0


def test_bernoulli_indices_pick_each_index_with_the_given_chance():
    rng = np.random.default_rng(5)
    hits = np.zeros(200)
    for _ in range(2000):
        hits[bernoulli_indices(rng, 200, 0.05)] += 1
    share = hits / 2000
    assert abs(share.mean() - 0.05) < 0.002  # 400,000 trials: sd of the mean about 0.0003
    assert share.std() < 0.01  # no index favoured (binomial sd 0.0049)


def test_sampled_clustering_is_close_to_the_exact_value():
    params = small_params(2500, **{"metrics.clustering_exact_max": 10_000})
    m = LeadershipModel(params, seed=6)
    for _ in range(8):
        m.step()
    exact = Snapshot(m).clustering()
    m.params = make_params(
        overrides={"population.size": 2500, "metrics.clustering_exact_max": 0, "metrics.clustering_sample": 20_000}
    )
    estimate = Snapshot(m).clustering()
    assert 0.05 < exact < 0.9
    assert abs(estimate - exact) < 4 * 0.5 / np.sqrt(20_000)  # within four worst-case standard errors


def test_network_metrics_count_each_tie_once():
    m = LeadershipModel(small_params(600), seed=2)
    for _ in range(6):
        m.step()
    snap, net, p = Snapshot(m), m.trust, m.people
    work = net.w >= m.params.trust.working_threshold
    i, j = net.i[work], net.j[work]
    cross = p.sector[i] != p.sector[j]
    vcs = cross & ((p.sector[i] == 4) | (p.sector[j] == 4))
    now = m._now
    assert now["working_ties"] == work.sum() and now["cross_sector_ties"] == cross.sum()
    assert now["vcs_cross_sector_ties"] == vcs.sum()
    assert snap.n_working == work.sum()


def test_component_labels_match_scipy_on_a_symmetric_graph():
    from scipy.sparse.csgraph import connected_components

    from simulation.kernels.graph import component_labels

    net, _ = _random_network(7, n=400, ties=500)
    indptr, indices, _ = net.graph(0.3)
    labels = component_labels(indptr, indices, net.n)
    ref = connected_components(net.matrix(0.3), directed=False)[1]
    # the same partition (labels may be numbered differently)
    pairs = set(zip(labels.tolist(), ref.tolist(), strict=True))
    assert len(pairs) == len(set(labels.tolist())) == len(set(ref.tolist())) > 1

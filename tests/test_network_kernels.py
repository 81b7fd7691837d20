"""The compiled kernels (simulation/kernels/network.py, graph.py) against slow, obvious versions.

Each kernel is run on random small inputs (hypothesis) and compared with a plain Python loop, numpy, scipy or
networkx. Where a kernel replaced numpy or scipy code in the model, the comparison is *exact* (the same bits):
the kernels add the same numbers in the same order, which is what keeps the stored reference run bit-identical.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.kernels import graph as gk
from simulation.kernels import network as nk
from simulation.kernels.network import BOTH_MARKED, CROSS_KIND, KIND_SHIFT, SAME_GROUP


def random_storage(seed: int, n: int, ties: int, dead: float = 0.2):
    """Symmetric arc storage as TrustNetwork keeps it: both arcs of each tie, sorted by (source, destination),
    weights in (0, 1] with a share of dropped ties (weight 0), random class bits (the same on both arcs)."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, n, ties), rng.integers(0, n, ties)
    keep = a != b
    key = np.unique(np.minimum(a, b)[keep] * n + np.maximum(a, b)[keep])
    lo, hi = key // n, key % n
    w = rng.random(key.size)
    w[rng.random(key.size) < dead] = 0.0
    cls = rng.integers(0, 256, key.size).astype(np.uint8)
    src, dst = np.concatenate([lo, hi]), np.concatenate([hi, lo])
    order = np.argsort(src * n + dst)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return (indptr, dst[order].astype(np.int32), np.concatenate([w, w])[order], np.concatenate([cls, cls])[order],
            src[order], rng)


storages = st.tuples(st.integers(0, 2**31), st.integers(1, 40), st.integers(0, 200))


@settings(max_examples=80, deadline=None)
@given(storages, st.floats(0.0, 1.0), st.booleans(), st.floats(0.0, 1.0))
def test_scatter_adds_as_bincount_does(spec, min_weight, binary, share):
    indptr, dst, w, _, _, rng = random_storage(*spec)
    n = indptr.size - 1
    people = np.flatnonzero(rng.random(n) < share)
    values = rng.random(people.size) * 3
    got = nk.scatter(indptr, dst, w, people, values, min_weight, binary, n)
    # the numpy code it replaced: every arc of the rows, its weight times the owner's value, added by bincount
    pos = np.concatenate([np.arange(indptr[p], indptr[p + 1]) for p in people]) if people.size else np.empty(0, int)
    owner = np.repeat(np.arange(people.size), np.diff(indptr)[people])
    wt = w[pos]
    if binary:
        wt = ((wt >= min_weight) & (wt > 0)).astype(np.float64)
    elif min_weight > 0:
        wt = wt * (wt >= min_weight)
    want = np.bincount(dst[pos], weights=wt * values[owner], minlength=n).astype(np.float64)
    assert np.array_equal(got, want)


@settings(max_examples=80, deadline=None)
@given(storages, st.floats(0.0, 1.0), st.booleans(), st.floats(0.0, 1.0))
def test_matvec_equals_scipy_and_the_scatter_bit_for_bit(spec, min_weight, binary, share):
    indptr, dst, w, _, _, rng = random_storage(*spec)
    n = indptr.size - 1
    x = np.where(rng.random(n) < share, rng.random(n), 0.0)
    if binary:
        data = ((w >= min_weight) if min_weight > 0 else (w > 0)).astype(np.float64)
    else:
        data = w * (w >= min_weight) if min_weight > 0 else w
    want = sp.csr_array((data, dst, indptr), shape=(n, n)) @ x
    got = nk.matvec(indptr, dst, w, x, min_weight, binary)
    assert np.array_equal(got, want)
    # The matrix is symmetric: scattering from the rows of the people with x != 0, in ascending order, adds the
    # same products in the same order (which is why the network may choose either).
    nz = np.flatnonzero(x)
    assert np.array_equal(nk.scatter(indptr, dst, w, nz, x[nz], min_weight, binary, n), got)


@settings(max_examples=60, deadline=None)
@given(storages, st.floats(0.0, 1.0))
def test_rows_sums_and_lookups_match_plain_loops(spec, min_weight):
    indptr, dst, w, _, src, rng = random_storage(*spec)
    n = indptr.size - 1
    people = np.unique(rng.integers(0, n, 5))
    sums = nk.row_sums(indptr, w, people)
    assert np.array_equal(sums, np.bincount(np.repeat(np.arange(people.size), np.diff(indptr)[people]),
                                            weights=np.concatenate([w[indptr[p]:indptr[p + 1]] for p in people]),
                                            minlength=people.size))
    nb, owner = nk.live_rows(indptr, dst, w, people, min_weight)
    want = [(k, int(d)) for k, p in enumerate(people) for a, d in zip(range(indptr[p], indptr[p + 1]),
                                                                        dst[indptr[p]:indptr[p + 1]], strict=True)
            if w[a] > 0 and w[a] >= min_weight]
    assert list(zip(owner.tolist(), nb.tolist(), strict=True)) == want
    # find_arcs: the position of every stored arc, -1 for pairs that are not stored
    arcs = {(int(s), int(d)): a for a, (s, d) in enumerate(zip(src, dst, strict=True))}
    qa, qb = rng.integers(0, n, 30), rng.integers(0, n, 30)
    got = nk.find_arcs(indptr, dst, qa, qb)
    assert got.tolist() == [arcs.get((int(x), int(y)), -1) for x, y in zip(qa, qb, strict=True)]
    pos = np.arange(len(dst))
    assert np.array_equal(nk.arc_sources(indptr, pos), src)


@settings(max_examples=60, deadline=None)
@given(storages, st.sampled_from([SAME_GROUP, BOTH_MARKED, CROSS_KIND]), st.floats(0.0, 0.5))
def test_class_draws_pick_the_numbered_live_arcs(spec, bit, p):
    _, _, w, cls, _, rng = random_storage(*spec)
    live = np.flatnonzero(((cls & bit) > 0) & (w > 0))
    assert nk.count_class(w, cls, bit) == live.size
    idx = np.flatnonzero(rng.random(live.size) < p)
    assert np.array_equal(nk.class_arcs_at(w, cls, bit, idx), live[idx])


@settings(max_examples=60, deadline=None)
@given(storages, st.lists(st.floats(0.0, 0.9), min_size=4, max_size=4), st.floats(0.0, 0.6))
def test_decay_and_prune_in_one_pass_equals_the_two_steps(spec, rates, floor):
    indptr, _, w, cls, src, _ = random_storage(*spec)
    n = indptr.size - 1
    table = 1.0 - np.asarray(rates)
    w1, deg1 = w.copy(), np.zeros(n, np.int64)
    dropped, live = nk.decay_prune(indptr, w1, cls, table, floor, deg1)
    w2 = w * table[(cls & 3).astype(np.intp)]  # decay (numpy), then prune
    gone = (w2 > 0) & (w2 < floor)
    w2[gone] = 0.0
    assert np.array_equal(w1, w2)
    assert dropped == gone.sum()
    assert np.array_equal(deg1, -np.bincount(src[gone & ((cls & SAME_GROUP) > 0)], minlength=n))
    assert np.array_equal(live, np.bincount((cls & 3)[w2 > 0], minlength=4))


@settings(max_examples=50, deadline=None)
@given(storages, st.floats(0.0, 1.0))
def test_component_and_tie_tallies_match_networkx_and_numpy(spec, thr):
    indptr, dst, w, cls, src, rng = random_storage(*spec)
    n = indptr.size - 1
    work = (w > 0) & (w >= thr)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(src[work].tolist(), dst[work].tolist(), strict=True))
    want = max(len(c) for c in nx.connected_components(g))
    assert gk.largest_component(indptr, dst, w, thr) == want
    cross = work & ((cls & CROSS_KIND) > 0)
    kind = int(rng.integers(0, 32))
    tally = gk.arc_tally(w, cls, thr, CROSS_KIND, KIND_SHIFT, kind)
    assert tally == (work.sum(), cross.sum(), (cross & ((cls >> KIND_SHIFT) == kind)).sum())
    people = rng.integers(0, n, 20)
    deg = gk.working_degree(indptr, w, thr, people)
    assert deg.tolist() == [g.degree(int(p)) for p in people]
    # wedges: the first-th and second-th working neighbours (in row order) of each person, tied or not
    ok = deg >= 2
    v, d = people[ok], deg[ok]
    first = (rng.random(v.size) * d).astype(np.int64)
    second = (rng.random(v.size) * (d - 1)).astype(np.int64)
    second += second >= first
    rows = {p: sorted(g.neighbors(p)) for p in range(n)}
    closed = sum(g.has_edge(rows[int(p)][f], rows[int(p)][s]) for p, f, s in zip(v, first, second, strict=True))
    assert gk.closed_wedges(indptr, dst, w, thr, v, first, second) == closed


@settings(max_examples=40, deadline=None)
@given(storages, st.floats(0.0, 1.0))
def test_working_graph_is_the_thresholded_csr(spec, thr):
    indptr, dst, w, _, _, _ = random_storage(*spec)
    n = indptr.size - 1
    gptr, ind, pos = nk.working_graph(indptr, dst, w, thr, np.empty(0, np.int32))
    keep = (w >= thr) if thr > 0 else (w > 0)
    assert np.array_equal(pos, np.flatnonzero(keep)) and np.array_equal(ind, dst[keep])
    assert np.array_equal(gptr, np.concatenate([[0], np.cumsum(keep)])[indptr]) and gptr.dtype == np.int32
    labels = gk.component_labels(gptr, ind, n)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(np.repeat(np.arange(n), np.diff(gptr)).tolist(), ind.tolist(), strict=True))
    assert {frozenset(np.flatnonzero(labels == k).tolist()) for k in np.unique(labels)} == {
        frozenset(c) for c in nx.connected_components(g)}
    tri = nx.triangles(g)
    assert gk.triangles(gptr, ind, n).tolist() == [tri[u] for u in range(n)]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31), st.floats(0.0, 0.6), st.floats(0.01, 0.9))
def test_renewing_numbered_ties_in_one_pass_equals_the_three_steps(seed, p, gain):
    from simulation.kernels.network import TrustNetwork

    rng = np.random.default_rng(seed)
    n = 30
    args = (n, rng.integers(0, n, 120), rng.integers(0, n, 120), rng.random(120))
    a = TrustNetwork(*args, group=np.arange(n) // 5, kind=np.arange(n) % 4)
    a.prune(0.3)  # some dropped arcs in storage
    b = TrustNetwork(*args, group=np.arange(n) // 5, kind=np.arange(n) % 4)
    b.prune(0.3)
    live = a.live_arcs(SAME_GROUP)
    idx = np.flatnonzero(rng.random(live.size) < p)
    picked = a.forward(live[idx])
    a.reinforce(picked, gain)
    assert b.reinforce_numbered(SAME_GROUP, idx, gain) == picked.size
    assert np.array_equal(a._w, b._w)
    assert np.array_equal(a.w, b.w) and np.array_equal(a.keys, b.keys)

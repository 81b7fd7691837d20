"""The compiled kernels (simulation/kernels/network.py, graph.py) against slow, obvious versions.

Each kernel is run on random small inputs (hypothesis) and compared with a plain Python loop, numpy, scipy or
networkx. Where a kernel replaced numpy or scipy code in the model, the comparison is *exact* (the same bits):
the kernels add the same numbers in the same order, which is what keeps the stored reference run bit-identical.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from simulation.kernels import graph as gk
from simulation.kernels import network as nk
from simulation.kernels.network import BOTH_MARKED, CROSS_KIND, KIND_SHIFT, SAME_GROUP


def random_storage(seed: int, n: int, ties: int, dead: float = 0.2):
    """Symmetric arc storage as TrustNetwork keeps it: both arcs of each tie in rows sorted by destination, each
    row followed by 0-2 free slots (weight 0); weights in (0, 1] with a share of dropped ties (weight 0), random
    class bits (the same on both arcs). Returns (start, rlen, dst, w, cls, source of each slot, rng)."""
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
    src, dst, w, cls = src[order], dst[order], np.concatenate([w, w])[order], np.concatenate([cls, cls])[order]
    rlen = np.bincount(src, minlength=n).astype(np.int64)
    room = rng.integers(0, 3, n)
    start = np.zeros(n + 1, np.int64)
    np.cumsum(rlen + room, out=start[1:])
    slot = _compact(start, rlen)
    m = int(start[-1])
    s_dst, s_w, s_cls = np.zeros(m, np.int32), np.zeros(m), np.zeros(m, np.uint8)
    s_dst[slot], s_w[slot], s_cls[slot] = dst, w, cls
    s_src = np.repeat(np.arange(n), rlen + room)
    return start, rlen, s_dst, s_w, s_cls, s_src, rng


def _compact(start, rlen):
    """Slots of the arcs (without the free room), in storage order."""
    parts = [np.arange(start[r], start[r] + rlen[r]) for r in range(rlen.size)]
    return np.concatenate(parts).astype(np.int64) if parts else np.empty(0, np.int64)


storages = st.tuples(st.integers(0, 2**31), st.integers(1, 40), st.integers(0, 200))


def _threshold(w: np.ndarray, min_weight: float, at_a_weight: bool) -> float:
    """``min_weight``, or (so that ties exactly at the threshold are tested) the weight of a stored arc."""
    live = w[w > 0]
    return float(live[live.size // 2]) if at_a_weight and live.size else min_weight


@settings(max_examples=80, deadline=None)
@given(storages, st.floats(0.0, 1.0), st.booleans(), st.floats(0.0, 1.0), st.booleans())
def test_scatter_adds_as_bincount_does(spec, min_weight, binary, share, at_a_weight):
    start, rlen, dst, w, _, _, rng = random_storage(*spec)
    n = rlen.size
    min_weight = _threshold(w, min_weight, at_a_weight)
    people = np.flatnonzero(rng.random(n) < share)
    values = rng.random(people.size) * 3
    got = nk.scatter(start, rlen, dst, w, people, values, min_weight, binary, n)
    # the numpy code it replaced: every arc of the rows, its weight times the owner's value, added by bincount
    pos = np.array([a for p in people for a in range(start[p], start[p] + rlen[p])], np.int64)
    owner = np.repeat(np.arange(people.size), rlen[people])
    wt = w[pos]
    if binary:
        wt = ((wt >= min_weight) & (wt > 0)).astype(np.float64)
    elif min_weight > 0:
        wt = wt * (wt >= min_weight)
    want = np.bincount(dst[pos], weights=wt * values[owner], minlength=n).astype(np.float64)
    assert np.array_equal(got, want)


@settings(max_examples=80, deadline=None)
@given(storages, st.floats(0.0, 1.0), st.booleans(), st.floats(0.0, 1.0), st.booleans())
def test_matvec_equals_scipy_and_the_scatter_bit_for_bit(spec, min_weight, binary, share, at_a_weight):
    start, rlen, dst, w, _, _, rng = random_storage(*spec)
    n = rlen.size
    min_weight = _threshold(w, min_weight, at_a_weight)
    x = np.where(rng.random(n) < share, rng.random(n), 0.0)
    arcs = _compact(start, rlen)
    wa = w[arcs]
    if binary:
        data = ((wa >= min_weight) if min_weight > 0 else (wa > 0)).astype(np.float64)
    else:
        data = wa * (wa >= min_weight) if min_weight > 0 else wa
    indptr = np.concatenate([[0], np.cumsum(rlen)])
    want = sp.csr_array((data, dst[arcs], indptr), shape=(n, n)) @ x
    got = nk.matvec(start, rlen, dst, w, x, min_weight, binary)
    assert np.array_equal(got, want)
    # The matrix is symmetric: scattering from the rows of the people with x != 0, in ascending order, adds the
    # same products in the same order (which is why the network may choose either).
    nz = np.flatnonzero(x)
    assert np.array_equal(nk.scatter(start, rlen, dst, w, nz, x[nz], min_weight, binary, n), got)
    mask = rng.random(w.size) < 0.5
    assert np.array_equal(
        nk.masked_matvec(start, rlen, dst, mask, x),
        sp.csr_array((mask[arcs].astype(np.float64), dst[arcs], indptr), shape=(n, n)) @ x,
    )


@settings(max_examples=60, deadline=None)
@given(storages, st.floats(0.0, 1.0), st.booleans())
@example((3, 40, 200), 0.0, False)  # at a threshold of 0 a dropped arc (weight 0) is still not a live one
def test_rows_sums_and_lookups_match_plain_loops(spec, min_weight, at_a_weight):
    start, rlen, dst, w, _, src, rng = random_storage(*spec)
    n = rlen.size
    min_weight = _threshold(w, min_weight, at_a_weight)
    people = np.unique(rng.integers(0, n, 5))
    sums = nk.row_sums(start, rlen, w, people)
    assert np.array_equal(
        sums,
        np.bincount(
            np.repeat(np.arange(people.size), rlen[people]),
            weights=np.concatenate([w[start[p] : start[p] + rlen[p]] for p in people]),
            minlength=people.size,
        ),
    )
    nb, owner = nk.live_rows(start, rlen, dst, w, people, min_weight)
    want = [
        (k, int(dst[a]))
        for k, p in enumerate(people)
        for a in range(start[p], start[p] + rlen[p])
        if w[a] > 0 and w[a] >= min_weight
    ]
    assert list(zip(owner.tolist(), nb.tolist(), strict=True)) == want
    pos, own = nk.row_positions(start, rlen, people)
    assert pos.tolist() == [a for p in people for a in range(start[p], start[p] + rlen[p])]
    assert own.tolist() == [k for k, p in enumerate(people) for _ in range(rlen[p])]
    assert nk.reach(rlen, people) == rlen[people].sum()
    # find_arcs: the position of every stored arc, -1 for pairs that are not stored
    arcs = {(int(src[a]), int(dst[a])): int(a) for a in _compact(start, rlen)}
    qa, qb = rng.integers(0, n, 30), rng.integers(0, n, 30)
    got = nk.find_arcs(start, rlen, dst, qa, qb)
    assert got.tolist() == [arcs.get((int(x), int(y)), -1) for x, y in zip(qa, qb, strict=True)]
    every = np.arange(len(dst))
    assert np.array_equal(nk.arc_sources(start, every), src)
    assert np.array_equal(nk.slot_sources(start, len(dst)), src)
    deg = nk.row_degrees(start, rlen, w, min_weight)
    assert deg.tolist() == [
        sum(bool((w[a] >= min_weight) if min_weight > 0 else (w[a] > 0)) for a in range(start[r], start[r] + rlen[r]))
        for r in range(n)
    ]


@settings(max_examples=60, deadline=None)
@given(storages, st.sampled_from([SAME_GROUP, BOTH_MARKED, CROSS_KIND]), st.floats(0.0, 0.5))
def test_class_draws_pick_the_numbered_live_arcs(spec, bit, p):
    _, _, _, w, cls, _, rng = random_storage(*spec)
    live = np.flatnonzero(((cls & bit) > 0) & (w > 0))
    assert nk.count_class(w, cls, bit) == live.size
    idx = np.flatnonzero(rng.random(live.size) < p)
    assert np.array_equal(nk.class_arcs_at(w, cls, bit, idx), live[idx])


@settings(max_examples=60, deadline=None)
@given(storages, st.lists(st.floats(0.0, 0.9), min_size=4, max_size=4), st.floats(0.0, 0.6))
def test_decay_and_prune_in_one_pass_equals_the_two_steps(spec, rates, floor):
    start, rlen, _, w, cls, src, _ = random_storage(*spec)
    n = rlen.size
    table = 1.0 - np.asarray(rates)
    w1, deg1 = w.copy(), np.zeros(n, np.int64)
    dropped = nk.decay_prune(start, w1, cls, table, floor, deg1)
    w2 = w * table[(cls & 3).astype(np.intp)]  # decay (numpy), then prune (free slots stay 0)
    gone = (w2 > 0) & (w2 < floor)
    w2[gone] = 0.0
    assert np.array_equal(w1, w2)
    assert dropped == gone.sum()
    assert np.array_equal(deg1, -np.bincount(src[gone & ((cls & SAME_GROUP) > 0)], minlength=n))
    w3, deg3 = w.copy(), np.zeros(n, np.int64)
    nk._decay(w3, cls, table)
    assert nk._prune(start, rlen, w3, cls, floor, deg3) == dropped
    assert np.array_equal(w3, w1) and np.array_equal(deg3, deg1)


@settings(max_examples=50, deadline=None)
@given(storages, st.floats(0.0, 1.0), st.booleans())
@example((0, 3, 2), 0.0, False)  # at a threshold of 0 the sampled clustering counted untied pairs as closed
def test_component_and_tie_tallies_match_networkx_and_numpy(spec, thr, at_a_weight):
    start, rlen, dst, w, cls, src, rng = random_storage(*spec)
    thr = _threshold(w, thr, at_a_weight)
    n = rlen.size
    work = (w > 0) & (w >= thr)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(src[work].tolist(), dst[work].tolist(), strict=True))
    largest = gk.working_summary(start, rlen, dst, w, cls, thr, CROSS_KIND, np.zeros(n, np.int8), 0)[3]
    assert largest == max(len(c) for c in nx.connected_components(g))
    cross = work & ((cls & CROSS_KIND) > 0)
    kind = int(rng.integers(0, 32))
    tally = gk.arc_tally(w, cls, thr, CROSS_KIND, KIND_SHIFT, kind)
    assert tally == (work.sum(), cross.sum(), (cross & ((cls >> KIND_SHIFT) == kind)).sum())
    people = rng.integers(0, n, 20)
    deg = gk.working_degree(start, rlen, w, thr, people)
    assert deg.tolist() == [g.degree(int(p)) for p in people]
    # wedges: the first-th and second-th working neighbours (in row order) of each person, tied or not
    ok = deg >= 2
    v, d = people[ok], deg[ok]
    first = (rng.random(v.size) * d).astype(np.int64)
    second = (rng.random(v.size) * (d - 1)).astype(np.int64)
    second += second >= first
    rows = {p: sorted(g.neighbors(p)) for p in range(n)}
    closed = sum(g.has_edge(rows[int(p)][f], rows[int(p)][s]) for p, f, s in zip(v, first, second, strict=True))
    assert gk.closed_wedges(start, rlen, dst, w, thr, v, first, second) == closed


@settings(max_examples=50, deadline=None)
@given(storages, st.floats(0.0, 1.0), st.booleans())
def test_working_summary_and_local_clustering_match_networkx(spec, thr, at_a_weight):
    start, rlen, dst, w, cls, src, rng = random_storage(*spec)
    thr = _threshold(w, thr, at_a_weight)
    n = rlen.size
    kind = rng.integers(0, 5, n).astype(np.int8)
    work = (w > 0) & (w >= thr)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(src[work].tolist(), dst[work].tolist(), strict=True))
    cross = work & ((cls & CROSS_KIND) > 0) & (src < dst)
    target = cross & ((kind[src] == 2) | (kind[dst] == 2))
    got = gk.working_summary(start, rlen, dst, w, cls, thr, CROSS_KIND, kind, 2)
    assert got == (g.number_of_edges(), cross.sum(), target.sum(), max(len(c) for c in nx.connected_components(g)))
    local = gk.local_clustering(start, rlen, dst, w, thr)
    want = nx.clustering(g)
    assert np.allclose(local, [want[u] for u in range(n)], rtol=0, atol=1e-12)
    # the exact arithmetic of the numpy code it replaced: triangles / (deg (deg - 1) / 2.0), 0 below two ties
    tri = np.array([nx.triangles(g, u) for u in range(n)], np.float64)
    deg = np.array([g.degree(u) for u in range(n)])
    pairs = deg * (deg - 1) / 2.0
    assert np.array_equal(local, np.divide(tri, pairs, out=np.zeros(n), where=pairs > 0))


@settings(max_examples=40, deadline=None)
@given(storages, st.floats(0.0, 1.0), st.booleans())
def test_working_graph_is_the_thresholded_csr(spec, thr, at_a_weight):
    start, rlen, dst, w, _, _, _ = random_storage(*spec)
    thr = _threshold(w, thr, at_a_weight)
    n = rlen.size
    gptr, ind, pos = nk.working_graph(start, rlen, dst, w, thr, np.empty(0, np.int32))
    arcs = _compact(start, rlen)
    keep = arcs[((w >= thr) if thr > 0 else (w > 0))[arcs]]
    assert np.array_equal(pos, keep) and np.array_equal(ind, dst[keep])
    assert gptr.dtype == np.int32 and gptr[-1] == keep.size
    assert np.array_equal(np.diff(gptr), nk.row_degrees(start, rlen, w, thr))
    labels = gk.component_labels(gptr, ind, n)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(np.repeat(np.arange(n), np.diff(gptr)).tolist(), ind.tolist(), strict=True))
    assert {frozenset(np.flatnonzero(labels == k).tolist()) for k in np.unique(labels)} == {
        frozenset(c) for c in nx.connected_components(g)
    }
    tri = nx.triangles(g)
    assert gk.triangles(gptr, ind, n).tolist() == [tri[u] for u in range(n)]


@settings(max_examples=60, deadline=None)
@given(storages, st.integers(1, 60), st.integers(0, 2**32 - 1))
def test_merging_new_arcs_row_by_row_equals_a_fresh_sorted_layout(spec, k, seed):
    """The in-place merge of new arcs into rows with free room (borrowing room from later rows, or from the end)
    holds exactly the arcs of a sorted merge, each row sorted, free slots at weight 0; group degrees follow."""
    start, rlen, dst, w, cls, _, _ = random_storage(*spec)
    n = rlen.size
    rng = np.random.default_rng(seed)
    stored = {(int(s), int(dst[a])) for s in range(n) for a in range(start[s], start[s] + rlen[s])}
    cand = sorted(
        {
            (int(a), int(b))
            for a, b in zip(rng.integers(0, n, k), rng.integers(0, n, k), strict=True)
            if (int(a), int(b)) not in stored
        }
    )
    src_new = np.array([c[0] for c in cand], np.int64)
    dst_new = np.array([c[1] for c in cand], np.int64)
    w_new, c_new = rng.random(len(cand)) + 0.5, rng.integers(0, 256, len(cand)).astype(np.uint8)
    before = {(s, int(dst[a])): (w[a], cls[a]) for s in range(n) for a in range(start[s], start[s] + rlen[s])}
    room = int(start[-1]) + len(cand)
    bdst, bw, bcls = np.zeros(room, np.int32), np.zeros(room), np.zeros(room, np.uint8)
    m = int(start[-1])
    bdst[:m], bw[:m], bcls[:m] = dst, w, cls
    st_, rl, deg = start.copy(), rlen.copy(), np.zeros(n, np.int64)
    end = nk.merge_arcs(st_, rl, bdst, bw, bcls, deg, src_new, dst_new, w_new, c_new)
    assert end == st_[-1] <= room and np.all(np.diff(st_) >= rl)
    want = {**before, **{(int(s), int(d)): (x, c) for s, d, x, c in zip(src_new, dst_new, w_new, c_new, strict=True)}}
    got = {}
    for s in range(n):
        row = bdst[st_[s] : st_[s] + rl[s]]
        assert np.all(np.diff(row) > 0)  # sorted, unique
        assert np.all(bw[st_[s] + rl[s] : st_[s + 1]] == 0)  # free room holds weight 0
        for a in range(st_[s], st_[s] + rl[s]):
            got[(s, int(bdst[a]))] = (bw[a], bcls[a])
    assert got == want
    assert np.array_equal(deg, np.bincount(src_new[(c_new & SAME_GROUP) > 0], minlength=n))
    # A fresh layout with the same new arcs merged in (the path for many new arcs) keeps exactly the live arcs
    # and the new ones, in order, with room in every row; and so does a fresh layout of the merged storage.
    live = sorted(kv for kv in got.items() if kv[1][0] > 0)
    deg2 = np.zeros(n, np.int64)
    for layout in (
        nk.regap(start, rlen, dst, w, cls, 8, 10, src_new, dst_new, w_new, c_new, deg2),
        nk.regap(
            st_,
            rl,
            bdst[:end],
            bw[:end],
            bcls[:end],
            8,
            10,
            src_new[:0],
            dst_new[:0],
            w_new[:0],
            c_new[:0],
            np.zeros(n, np.int64),
        ),
    ):
        ns, nl, nd, nw, nc = layout
        assert [((s, int(nd[a])), (nw[a], nc[a])) for s in range(n) for a in range(ns[s], ns[s] + nl[s])] == live
        assert np.all(np.diff(ns) >= nl + (nl + 7) // 8) and len(nw) == ns[-1] + 10
        assert np.all(nw[np.concatenate([np.arange(ns[s] + nl[s], ns[s + 1]) for s in range(n)]).astype(int)] == 0)
    assert np.array_equal(deg2, deg)


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
    c_w = b._w.copy()
    a.reinforce(picked, gain)
    # the method reads only the rows that hold a numbered arc, counted by the group degrees
    rows = np.array(
        [
            int(np.sum((c_w[s : s + k] > 0) & ((b._cls[s : s + k] & SAME_GROUP) > 0)))
            for s, k in zip(b._start[:-1], b._len, strict=True)
        ],
        np.int64,
    )
    assert np.array_equal(b.group_degree, rows)
    assert b.reinforce_numbered(SAME_GROUP, idx, gain) == picked.size
    assert np.array_equal(a._w, b._w)
    assert np.array_equal(a.w, b.w) and np.array_equal(a.keys, b.keys)
    # and the kernel with no counts per row, scanning every arc up to the last numbered one
    no_rows = np.empty(0, np.int64)
    assert (
        nk.reinforce_numbered(b._start, b._len, b._dst, c_w, b._cls, SAME_GROUP, idx, 1.0 - gain, no_rows)
        == picked.size
    )
    assert np.array_equal(c_w, a._w)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**31), st.integers(0, 60), st.integers(0, 4), st.booleans(), st.booleans())
def test_picking_an_eligible_candidate_equals_filtering_then_drawing(seed, n_cands, team_size, grouped, prefer):
    from simulation.kernels.teams import pick_eligible

    rng = np.random.default_rng(seed)
    n = 80
    cands = np.sort(rng.choice(n, n_cands, replace=False)).astype(np.int64)
    ok = rng.random(n) < 0.6
    team = rng.choice(n, team_size, replace=False).astype(np.int64)
    group = rng.integers(0, 8, n).astype(np.int8)
    wanted = rng.random(8) < 0.3
    a, b = np.random.default_rng(seed + 1), np.random.default_rng(seed + 1)
    # the plain version: filter the arrays, draw the preference only when somebody is eligible, then draw
    keep = cands[ok[cands] & ~np.isin(cands, team)]
    if keep.size == 0:
        want = None
    else:
        if grouped and prefer and a.random() < 0.5:
            pref = keep[wanted[group[keep]]]
            keep = pref if pref.size else keep
        elif not grouped and prefer:
            a.random()
        want = int(keep[a.integers(keep.size)])
    got = pick_eligible(
        b,
        cands,
        ok,
        team,
        group if grouped else None,
        wanted if grouped else None,
        prefer=(lambda: b.random() < 0.5) if prefer else None,
    )
    assert got == want
    assert a.random() == b.random()  # the same numbers were drawn


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.floats(-0.5, 1.5, allow_nan=False), min_size=1, max_size=6), min_size=1, max_size=12))
def test_keep_products_multiply_each_run_left_to_right(runs):
    """``keep_products`` is the product of (1 - clipped gain) over each run, the same bits as a plain loop, and a
    pair's trust never jumps to 1 in one week (the gain is clipped below 1)."""
    gain = np.array([x for run in runs for x in run], np.float64)
    starts = np.cumsum([0] + [len(run) for run in runs[:-1]]).astype(np.int64)
    expected = []
    for run in runs:
        r = 1.0
        for x in run:
            r *= 1.0 - min(max(x, 0.0), 1.0 - 1e-12)
        expected.append(r)
    got = nk.keep_products(gain, starts)
    assert got.tolist() == expected
    assert (got > 0).all() and (got <= 1).all()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**16), st.integers(1, 30), st.integers(0, 120))
def test_initial_ties_keep_each_pair_once_at_its_strongest_weight(seed, n, draws):
    """The initial network: a pair drawn more than once (either way round) is one tie, at its strongest weight;
    self-ties and weights of 0 or less are dropped; weights above 1 are capped."""
    rng = np.random.default_rng(seed)
    i, j = rng.integers(0, n, draws), rng.integers(0, n, draws)
    w = rng.choice([-0.2, 0.0, 0.3, 0.7, 1.4], draws) if draws else np.zeros(0)
    net = nk.TrustNetwork(n, i, j, w)
    best: dict[tuple[int, int], float] = {}
    for a, b, x in zip(i.tolist(), j.tolist(), np.clip(w, 0.0, 1.0).tolist(), strict=True):
        if a != b:
            key = (min(a, b), max(a, b))
            best[key] = max(best.get(key, -1.0), x)
    expected = {k: x for k, x in best.items() if x > 0}
    got = {(a, b): x for a in range(n) for b, x in net.ties_of(a).items() if a < b}
    assert got == expected
    assert all(net.ties_of(b).get(a) == x for (a, b), x in expected.items())  # both arcs


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31), st.integers(4, 40), st.sampled_from([8, 10**9]))
def test_the_storage_follows_the_rules_of_contact_decay_and_marks_over_many_weeks(seed, n, compact_min):
    """Many weeks of contacts (merged into the rows in place, or laid out afresh), marks, and decay by class with
    pruning, against a plain dictionary of ties: the same ties, weights (bit for bit), marked pairs and group
    degrees, whether dropped ties are compacted at once or kept in storage (revived by a new contact)."""
    from simulation.kernels.network import TrustNetwork

    rng = np.random.default_rng(seed)
    group, kind = np.arange(n) // 4, np.arange(n) % 3
    net = TrustNetwork(n, group=group, kind=kind)
    net.compact_min = compact_min
    ties: dict[tuple[int, int], float] = {}
    mark = np.zeros(n, bool)
    rates = np.array([0.3, 0.1, 0.2, 0.05])  # decay by class SAME_GROUP | BOTH_MARKED
    table = 1.0 - rates
    for week in range(25):
        k = int(rng.integers(0, 3 * n))
        a, b, g = rng.integers(0, n, k), rng.integers(0, n, k), rng.random(k) * 0.6
        net.add_contacts(a, b, g)
        net.commit()
        keep: dict[tuple[int, int], float] = {}
        for x, y, gain in zip(a.tolist(), b.tolist(), g.tolist(), strict=True):
            if x != y and gain > 0:
                pair = (min(x, y), max(x, y))
                keep[pair] = keep.get(pair, 1.0) * (1.0 - gain)
        for pair, f in keep.items():
            ties[pair] = 1.0 - (1.0 - ties.get(pair, 0.0)) * f
        mark = rng.random(n) < 0.4
        net.set_marks(mark)
        net.decay_and_prune(rates, 0.2)
        for (x, y), v in list(ties.items()):
            c = int(group[x] == group[y]) | (2 * int(mark[x] and mark[y]))
            v = v * table[c]
            if v < 0.2:
                del ties[(x, y)]
            else:
                ties[(x, y)] = v
        assert [tuple(t) for t in zip(net.i.tolist(), net.j.tolist(), strict=True)] == sorted(ties), week
        assert np.array_equal(net.w, np.array([ties[t] for t in sorted(ties)]))
        both = sum(bool(mark[x] and mark[y]) for x, y in ties)
        assert net.count_live(BOTH_MARKED) == 2 * both
        assert net.count_live(SAME_GROUP) == nk.count_class(net._w, net._cls, SAME_GROUP)
        assert np.array_equal(
            net.group_degree, np.bincount([v for x, y in ties for v in (x, y) if group[x] == group[y]], minlength=n)
        )


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 50), st.integers(0, 300))
def test_rows_of_pairs_lays_arcs_out_as_sorting_their_keys_does(seed, n, draws):
    """The initial layout by counting gives the order of sorting both arcs of every tie by (source, destination)."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, n, draws), rng.integers(0, n, draws)
    keys = np.unique(np.minimum(a, b)[a != b] * n + np.maximum(a, b)[a != b])
    lo, hi = keys // n, keys % n
    start, src, dst, pair = nk.rows_of_pairs(lo, hi, n)
    arc_key = np.concatenate([keys, hi * n + lo])
    order = np.argsort(arc_key)
    assert np.array_equal(src, arc_key[order] // n) and np.array_equal(dst, arc_key[order] % n)
    assert np.array_equal(pair, np.concatenate([np.arange(keys.size)] * 2)[order])
    assert np.array_equal(start, np.concatenate([[0], np.cumsum(np.bincount(src, minlength=n))]))


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 50), st.integers(0, 300))
def test_pair_order_is_the_stable_sort_of_the_pairs_keys(seed, n, draws):
    """Counting sort of drawn pairs (repeats included) gives the permutation of a stable sort of their keys."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, n, draws), rng.integers(0, n, draws)
    assert np.array_equal(nk.pair_order(a, b, n), np.argsort(a * n + b, kind="stable"))

"""Graph kernels on a symmetric graph: triangles through each node, connected components, wedge checks.

The metrics read the working-tie graph through these once a week. Two forms of input:

* a symmetric graph in CSR form ``(indptr, indices)`` (:func:`triangles`, :func:`component_labels`), as
  :meth:`simulation.kernels.network.TrustNetwork.graph` gives;
* the tie storage itself ``(start, rlen, dst, w)`` (rows with free room, :mod:`simulation.kernels.network`) with a
  weight threshold (:func:`working_summary`,
  :func:`arc_tally`, :func:`working_degree`, :func:`closed_wedges`), so that the weekly metrics never build the
  working-tie graph: an arc is in it when its weight is at or above the threshold.

All are exact (integer counts), compiled with numba, and tested against networkx or a plain loop
(``tests/test_metrics.py``, ``tests/test_network_kernels.py``).
"""

from __future__ import annotations

import numpy as np

from ._jit import jit


@jit
def _triangles(indptr, indices, n):
    """Triangles through each node: for each node u, its neighbours are marked; every pair (v, x) with
    u < v < x, v a neighbour of u and x a neighbour of both is one triangle, counted for all three."""
    out = np.zeros(n, np.int64)
    mark = np.zeros(n, np.bool_)
    for u in range(n):
        for a in range(indptr[u], indptr[u + 1]):
            mark[indices[a]] = True
        for a in range(indptr[u], indptr[u + 1]):
            v = indices[a]
            if v <= u:
                continue
            for b in range(indptr[v], indptr[v + 1]):
                x = indices[b]
                t = (x > v) & mark[x]  # (no branch: whether x closes a triangle is random)
                out[u] += t
                out[v] += t
                out[x] += t
        for a in range(indptr[u], indptr[u + 1]):
            mark[indices[a]] = False
    return out


def triangles(indptr: np.ndarray, indices: np.ndarray, n: int) -> np.ndarray:
    """Number of triangles through each node of a *symmetric* graph in CSR form (no self-loops). Exact."""
    return _triangles(np.asarray(indptr, np.int64), np.asarray(indices, np.int64), int(n))


@jit
def _find(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]  # path halving
        x = parent[x]
    return x


@jit
def _union(parent, u, v):
    """Join the components of ``u`` and ``v``; the root is the smaller node."""
    ru, rv = _find(parent, u), _find(parent, v)
    if ru != rv:
        if ru < rv:
            parent[rv] = ru
        else:
            parent[ru] = rv


@jit
def _labels(indptr, indices, n):
    """Component label of each node (the smallest node of its component), by union-find."""
    parent = np.arange(n)
    for u in range(n):
        for a in range(indptr[u], indptr[u + 1]):
            v = indices[a]
            if v > u:
                _union(parent, u, v)
    out = np.empty(n, np.int64)
    for u in range(n):
        out[u] = _find(parent, u)
    return out


def component_labels(indptr: np.ndarray, indices: np.ndarray, n: int) -> np.ndarray:
    """Connected-component label of each node of a *symmetric* graph in CSR form (the smallest node of its
    component)."""
    return _labels(np.asarray(indptr, np.int64), np.asarray(indices, np.int64), int(n))


@jit
def _largest(a_end, b_end, k, n):
    """Size of the largest component of ``n`` nodes joined by the ``k`` edges ``a_end[:k] - b_end[:k]``
    (isolated nodes count as components of one), by union-find; roots are the smallest nodes. Each root keeps
    its component's size as it grows (a node absorbed keeps the smaller size it had), so the largest is known
    at the end without finding every node's root (1.66 -> 1.52 ms at 100,000 people)."""
    if n == 0:
        return 0
    parent = np.arange(n).astype(np.int32)  # (populations are at most 10 million: 32 bits, fewer cache misses)
    size = np.ones(n, np.int32)
    best = 1
    for e in range(k):
        ru, rv = _find(parent, a_end[e]), _find(parent, b_end[e])
        if ru != rv:
            if rv < ru:
                ru, rv = rv, ru
            parent[rv] = ru
            size[ru] += size[rv]
            best = max(best, size[ru])
    return best


@jit
def working_summary(
    start: np.ndarray,
    rlen: np.ndarray,
    dst: np.ndarray,
    w: np.ndarray,
    cls: np.ndarray,
    min_weight: float,
    cross_bit: int,
    kind: np.ndarray,
    target: int,
) -> tuple[int, int, int, int]:
    """One pass over the ties of the working graph (arcs with ``w >= min_weight`` and ``w > 0``, each tie taken
    once, on its arc to the higher node): the number of working ties, of those carrying ``cross_bit``, of those
    with an end of ``kind == target`` among these, and the size of the largest connected component (isolated
    nodes count as components of one; union-find over the ties gathered in the pass).

    At a million people (week 60 of the default scenario) 59 ms instead of 72: 32-bit ends and roots, and the
    end's kind read only for cross ties. Joining the components during the pass (no list of ties) measured
    slower in the model (80 ms): the scattered reads of union-find interrupt the streaming pass. Each row is read
    from its end down to its first arc to a lower node: one mispredicted branch a row where reading it forwards
    with a test of each arc's direction has two (the pass 3.16 -> 2.61 ms at 100,000 people, week 156)."""
    n = rlen.size
    a_end = np.empty(w.size // 2 + 1, np.int32)  # (populations are at most 10 million)
    b_end = np.empty(w.size // 2 + 1, np.int32)
    k = 0
    cross = 0
    to_target = 0
    for u in range(n):
        ku = kind[u] == target
        lo = start[u]
        a = lo + rlen[u] - 1
        while a >= lo:  # the row's arcs to higher nodes, from its end (rows are sorted by destination)
            v = dst[a]
            if v <= u:
                break
            x = w[a]
            ok = (x > 0.0) & (x >= min_weight)
            cr = ok & ((cls[a] & cross_bit) != 0)
            cross += cr
            if cr:  # (rare: the end's kind is read only then)
                to_target += ku | (kind[v] == target)
            a_end[k] = u
            b_end[k] = v
            k += ok
            a -= 1
    return k, cross, to_target, _largest(a_end, b_end, k, n)


@jit
def local_clustering(
    start: np.ndarray, rlen: np.ndarray, dst: np.ndarray, w: np.ndarray, min_weight: float
) -> np.ndarray:
    """Local clustering of each node in the working graph (arcs with ``w >= min_weight`` and ``w > 0``):
    triangles through it over ``deg (deg - 1) / 2``, 0 with fewer than two working ties.

    A first pass over the stored arcs counts each node's working ties and those to nodes above it; a second lists
    the latter (a forward graph: each working tie once, and fewer than half the stored arcs are working). Then
    every triangle ``u < v < x`` is found once, from ``u``, as a forward neighbour ``x`` of a forward neighbour
    ``v`` that is also a forward neighbour of ``u``. The passes have no branches on the weights, whose outcome is
    random. Counts are integers: the result does not depend on the order."""
    n = rlen.size
    deg = np.zeros(n, np.int64)
    fptr = np.zeros(n + 1, np.int64)
    for u in range(n):
        d = 0
        f = 0
        for a in range(start[u], start[u] + rlen[u]):
            ok = (w[a] > 0.0) & (w[a] >= min_weight)
            d += ok
            f += ok & (dst[a] > u)
        deg[u] = d
        fptr[u + 1] = fptr[u] + f
    fwd = np.empty(fptr[n] + 1, np.int64)  # (one spare slot: every arc is written, the next one overwrites it)
    for u in range(n):
        k = fptr[u]
        for a in range(start[u], start[u] + rlen[u]):
            fwd[k] = dst[a]
            k += (w[a] > 0.0) & (w[a] >= min_weight) & (dst[a] > u)
    tri = np.zeros(n, np.int64)
    mark = np.zeros(n, np.bool_)
    for u in range(n):
        if fptr[u + 1] - fptr[u] < 2:
            continue  # a triangle found from u needs two neighbours above it
        for a in range(fptr[u], fptr[u + 1]):
            mark[fwd[a]] = True
        for a in range(fptr[u], fptr[u + 1]):
            v = fwd[a]
            for b in range(fptr[v], fptr[v + 1]):
                x = fwd[b]
                t = mark[x]
                tri[u] += t
                tri[v] += t
                tri[x] += t
        for a in range(fptr[u], fptr[u + 1]):
            mark[fwd[a]] = False
    out = np.zeros(n)
    for u in range(n):
        pairs = deg[u] * (deg[u] - 1) / 2.0
        if pairs > 0:
            out[u] = tri[u] / pairs
    return out


@jit
def arc_tally(
    w: np.ndarray, cls: np.ndarray, min_weight: float, cross_bit: int, kind_shift: int, kind: int
) -> tuple[int, int, int]:
    """Working arcs (``w >= min_weight`` and ``w > 0``), those of them carrying ``cross_bit``, and those of these
    whose destination is of ``kind`` (the class bits above ``kind_shift``): three counts of arcs."""
    working = 0
    cross = 0
    to_kind = 0
    for a in range(w.size):  # (no branches: which arcs count is random from one arc to the next)
        x = w[a]
        c = cls[a]
        ok = (x > 0.0) & (x >= min_weight)
        cr = ok & ((c & cross_bit) != 0)
        working += ok
        cross += cr
        to_kind += cr & ((c >> kind_shift) == kind)
    return working, cross, to_kind


@jit
def working_degree(
    start: np.ndarray, rlen: np.ndarray, w: np.ndarray, min_weight: float, people: np.ndarray
) -> np.ndarray:
    """Number of arcs with ``w >= min_weight`` (and ``w > 0``) in the row of each of ``people``."""
    out = np.zeros(people.size, np.int64)
    for q in range(people.size):
        k = 0
        for a in range(start[people[q]], start[people[q]] + rlen[people[q]]):
            k += (w[a] > 0.0) & (w[a] >= min_weight)
        out[q] = k
    return out


@jit
def _kth_working(start, rlen, dst, w, min_weight, u, k):
    seen = 0
    for a in range(start[u], start[u] + rlen[u]):
        if w[a] > 0.0 and w[a] >= min_weight:
            if seen == k:
                return dst[a]
            seen += 1
    return -1


@jit
def closed_wedges(
    start: np.ndarray,
    rlen: np.ndarray,
    dst: np.ndarray,
    w: np.ndarray,
    min_weight: float,
    people: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
) -> int:
    """For each of ``people``: is its ``first``-th and ``second``-th working neighbour (counting from 0, in row
    order) tied with trust at or above ``min_weight``? Returns the number of such closed wedges."""
    closed = 0
    for q in range(people.size):
        a = _kth_working(start, rlen, dst, w, min_weight, people[q], first[q])
        b = _kth_working(start, rlen, dst, w, min_weight, people[q], second[q])
        lo = start[a]
        hi = lo + rlen[a]
        while lo < hi:
            mid = (lo + hi) >> 1
            if dst[mid] < b:
                lo = mid + 1
            else:
                hi = mid
        x = w[lo] if (lo < start[a] + rlen[a] and dst[lo] == b) else 0.0  # (trust between a and b: 0 if no tie)
        if x > 0.0 and x >= min_weight:  # a working tie (at a threshold of 0, "no tie" is not one)
            closed += 1
    return closed

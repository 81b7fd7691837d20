"""Tie storage: weighted, undirected ties between people, 0 < w <= 1 (the trust network's arrays).

The rule of contact (mechanism 1 of the brief, :mod:`simulation.mechanisms.trust`): a contact with gain ``g``
moves a tie towards 1: ``w <- w + g (1 - w)``; several contacts in one step combine as
``1 - (1 - w) * prod(1 - g)``, so the order of contacts never matters. Decay multiplies a tie by a factor that
depends on its class (same organisation, both online). This module stores the ties and applies those updates;
the weekly upkeep that decides the rates is the trust mechanism's.

Storage (built for speed, see ``docs/performance.md``). Every tie is kept as two *arcs*, ``a -> b`` and
``b -> a``. The arcs of each person form a *row*, sorted by destination, and the rows lie one after the other in
order of person, each with a little room to grow at its end (a *gapped* CSR matrix: row ``r`` starts at
``start[r]``, holds ``rlen[r]`` arcs, and has room up to ``start[r + 1]``; free slots hold weight 0). So a
person's ties are one slice, an arc is found by a binary search in its source's row, a neighbour sum is one pass
over a few rows, and a week's new ties are merged row by row in place (:meth:`TrustNetwork.commit`): a row that is
full borrows room from the next row that has some, moving only the rows in between. Contacts are buffered during
a step and merged in one pass. A tie that drops (pruned, broken, its person left) is marked by weight 0 and
compacted away later, together with a fresh spread of free room, so dropping never reshuffles the arrays
mid-week. Each arc carries class bits that do not change while the tie lives (same organisation, different
sector, the sector of its destination) or that are kept up to date cheaply (both people online), so the weekly
decay is a table look-up per arc.

The loops over arcs are compiled with numba (:mod:`simulation.kernels._jit`) and add the same numbers in the same
order as the numpy and scipy code they replaced (``np.bincount`` with weights, scipy's CSR mat-vec, zeros
included), so results are bit-identical; ``tests/test_network_kernels.py`` checks each against a plain loop,
numpy, scipy or networkx. Where the ties lie in memory, free room and dropped ties still stored never change a
result: they change only which of two equal ways a sum is taken.

The public views (:attr:`i`, :attr:`j`, :attr:`w`, :attr:`keys`: each live tie once, ``i < j``, sorted by
``i * n + j``; :meth:`matrix`) are read-only copies, cached until the next change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from ._jit import jit
from .arrays import sorted_unique

if TYPE_CHECKING:
    import numpy.typing as npt

SAME_GROUP = 1  # both ends in the same group (organisation)
BOTH_MARKED = 2  # both ends marked (on the online network)
CROSS_KIND = 4  # ends of different kinds (sectors)
KIND_SHIFT = 3  # bits 3-7 hold the kind of the arc's destination (kinds 0-30; 31 means 31 or more)
_GROW = 1.25  # buffers grow by this factor (and a little more) when a merge does not fit
ROOM = 8  # free room given to each row when the rows are laid out afresh: one slot per ROOM arcs (rounded up)
_LOW_ROOM = 32  # when the free room is under 1/_LOW_ROOM of the stored arcs, a merge lays the rows out afresh


# ----------------------------------------------------------------------------------------------------------------
# Compiled kernels over the arcs: start (n + 1, int64), rlen (n, int64), dst (int32/int64), w (float64), cls (uint8)
# ----------------------------------------------------------------------------------------------------------------


@jit
def _lower(start, rlen, dst, a, b):
    """First position in row ``a`` whose destination is >= ``b`` (the end of the row's arcs if none)."""
    lo = start[a]
    hi = lo + rlen[a]
    while lo < hi:
        mid = (lo + hi) >> 1
        if dst[mid] < b:
            lo = mid + 1
        else:
            hi = mid
    return lo


@jit
def find_arcs(start: np.ndarray, rlen: np.ndarray, dst: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Position of the arc ``a[k] -> b[k]`` for each k, or -1 where there is none."""
    out = np.empty(a.size, np.int64)
    for q in range(a.size):
        p = _lower(start, rlen, dst, a[q], b[q])
        out[q] = p if (p < start[a[q]] + rlen[a[q]] and dst[p] == b[q]) else -1
    return out


@jit
def _row_of(start: np.ndarray, a: int) -> int:
    """The row holding slot ``a`` (the last row starting at or before it: bisection of ``start``)."""
    lo, hi = 0, start.size
    while lo < hi:
        mid = (lo + hi) >> 1
        if start[mid] <= a:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


@jit
def arc_sources(start: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Source (row) of the arcs at ``pos`` (a binary search in the row starts)."""
    out = np.empty(pos.size, np.int64)
    for q in range(pos.size):
        out[q] = _row_of(start, pos[q])
    return out


@jit
def keep_products(gain: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """``prod(1 - gain)`` over each run ``gain[starts[k]:starts[k + 1]]``, multiplied left to right.

    Only multiplications and subtractions, in a fixed order: the bits do not depend on the processor (numpy's
    ``exp`` and ``log1p`` do, through their AVX-512 code paths). Gains are clipped to [0, 1 - 1e-12], so a pair
    never loses all of its distrust in one week.
    """
    out = np.empty(starts.size, np.float64)
    for k in range(starts.size):
        end = starts[k + 1] if k + 1 < starts.size else gain.size
        r = 1.0
        for q in range(starts[k], end):
            x = gain[q]
            if x < 0.0:
                x = 0.0
            elif x > 1.0 - 1e-12:
                x = 1.0 - 1e-12
            r *= 1.0 - x
        out[k] = r
    return out


@jit
def _update_existing(start, rlen, dst, w, cls, group_degree, ua, ub, keep):
    """Contacts on ties already stored (dropped ones are revived): ``w <- 1 - (1 - w) keep`` on both arcs.

    Returns which pairs were found and how many arcs were revived (weight 0 before).
    """
    found = np.zeros(ua.size, np.bool_)
    revived = 0
    for q in range(ua.size):
        a, b = ua[q], ub[q]
        p = _lower(start, rlen, dst, a, b)
        if p < start[a] + rlen[a] and dst[p] == b:
            found[q] = True
            r = _lower(start, rlen, dst, b, a)
            old = w[p]
            nw = 1.0 - (1.0 - old) * keep[q]
            w[p] = nw
            w[r] = nw
            if old == 0.0:
                revived += 2
                if cls[p] & SAME_GROUP:
                    group_degree[a] += 1
                if cls[r] & SAME_GROUP:
                    group_degree[b] += 1
    return found, revived


@jit
def arc_classes(src: np.ndarray, dst: np.ndarray, group: np.ndarray, kind: np.ndarray, mark: np.ndarray) -> np.ndarray:
    """Class bits of arcs ``src -> dst`` (``group`` / ``kind`` may be empty: no such bits)."""
    out = np.empty(src.size, np.uint8)
    has_group = group.size > 0
    has_kind = kind.size > 0
    for q in range(src.size):
        s, d = src[q], dst[q]
        c = 0
        if has_group and group[s] == group[d]:
            c |= SAME_GROUP
        if has_kind:
            if kind[s] != kind[d]:
                c |= CROSS_KIND
            c |= min(kind[d], 31) << KIND_SHIFT
        if mark[s] and mark[d]:
            c |= BOTH_MARKED
        out[q] = c
    return out


@jit
def _new_arcs(ua, ub, keep, found, n, group, kind, mark):
    """Both arcs of every new tie (pairs not found), sorted by (source, destination), with weights and classes."""
    k = 0
    for q in range(ua.size):
        if not found[q]:
            k += 1
    src = np.empty(2 * k, np.int64)
    dst = np.empty(2 * k, np.int64)
    wt = np.empty(2 * k, np.float64)
    j = 0
    for q in range(ua.size):
        if not found[q]:
            nw = 1.0 - keep[q]
            src[j], dst[j], wt[j] = ua[q], ub[q], nw
            src[k + j], dst[k + j], wt[k + j] = ub[q], ua[q], nw
            j += 1
    order = np.argsort(src * n + dst)  # keys are distinct
    src, dst, wt = src[order], dst[order], wt[order]
    return src, dst, wt, arc_classes(src, dst, group, kind, mark)


@jit
def pair_order(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """The order that sorts the pairs ``(a[k], b[k])`` (``0 <= a, b < n``) by ``a``, then ``b``, stably: the same
    as ``np.argsort(a * n + b, kind="stable")``, by two counting passes (by ``b``, then stably by ``a``) in
    linear time (at a million people, six million pairs: 0.45 s against 0.7 s)."""
    return _stably_by(a, _stably_by(b, np.arange(a.size), n), n)


@jit
def _stably_by(key: np.ndarray, order: np.ndarray, n: int) -> np.ndarray:
    """``order`` rearranged by ``key[order]`` (``0 <= key < n``), keeping the order of equal keys: one counting
    pass."""
    count = np.zeros(n + 1, np.int64)
    for q in range(order.size):
        count[key[order[q]] + 1] += 1
    for r in range(n):
        count[r + 1] += count[r]
    out = np.empty(order.size, np.int64)
    for q in range(order.size):
        k = order[q]
        out[count[key[k]]] = k
        count[key[k]] += 1
    return out


@jit
def rows_of_pairs(a: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Both arcs of each pair ``a[k] < b[k]`` (distinct pairs, sorted by ``a * n + b``), laid out in rows sorted
    by destination: returns the rows' start (n + 1), the source and the destination of each arc and, for each
    arc, the pair it comes from. The same order as sorting the arcs' keys, by counting instead (linear time): a
    row holds first its arcs to lower people (pairs where it is ``b``, met in order of ``a``), then those to
    higher ones."""
    m = a.size
    lower = np.zeros(n, np.int64)  # arcs of each row to a lower person
    count = np.zeros(n, np.int64)
    for k in range(m):
        lower[b[k]] += 1
        count[a[k]] += 1
        count[b[k]] += 1
    start = np.zeros(n + 1, np.int64)
    for r in range(n):
        start[r + 1] = start[r] + count[r]
    down = start[:n].copy()  # next slot for an arc to a lower person
    up = start[:n] + lower  # next slot for an arc to a higher person
    src = np.empty(2 * m, np.int64)
    dst = np.empty(2 * m, np.int64)
    pair = np.empty(2 * m, np.int64)
    for k in range(m):
        x, y = a[k], b[k]
        src[up[x]] = x
        dst[up[x]] = y
        pair[up[x]] = k
        up[x] += 1
        src[down[y]] = y
        dst[down[y]] = x
        pair[down[y]] = k
        down[y] += 1
    return start, src, dst, pair


@jit
def merge_arcs(
    start: np.ndarray,
    rlen: np.ndarray,
    bdst: np.ndarray,
    bw: np.ndarray,
    bcls: np.ndarray,
    group_degree: np.ndarray,
    src: np.ndarray,
    dst: np.ndarray,
    wt: np.ndarray,
    cl: np.ndarray,
) -> int:
    """Insert new arcs (sorted by (source, destination), none stored yet) into their rows, in place, and update
    the group degrees. Returns the new ``start[-1]`` (the buffers must hold ``start[-1] + len(src)`` slots).

    A row's new arcs go into its free room; what does not fit pushes the next rows right, as far as their own
    free room does not absorb it (a forward pass over the rows with new arcs and the rows a shift runs into works
    out each one's shift); then the rows that move or grow are rewritten from the last to the first, each merged
    with its new arcs from the back, so nothing is overwritten before it is moved. Each arc moves at most once;
    no other row is read. A row that moves right ends where the next begins, so no free slot is left holding an
    old arc."""
    k = src.size
    n = rlen.size
    if k == 0:
        return start[n]
    # Forward: the rows that grow or move, with their new arcs and shifts (at most the rows from the first new
    # arc on: np.empty touches no memory it is not given to write). Walking every row from the first new arc
    # instead made a week's two merges at 100,000 people 1.4 ms instead of 1.1.
    most = n - src[0]
    rows = np.empty(most, np.int64)
    cnt = np.empty(most, np.int64)
    shift = np.empty(most, np.int64)
    touched = 0
    carry = 0
    t = 0
    r = src[0]
    while True:
        t0 = t
        while t < k and src[t] == r:
            t += 1
        rows[touched], cnt[touched], shift[touched] = r, t - t0, carry
        touched += 1
        carry = max(0, carry + (t - t0) - (start[r + 1] - start[r] - rlen[r]))
        if carry > 0 and r + 1 < n:
            r += 1
        elif t < k:
            r = src[t]
        else:
            break
    # (carry is now what runs past the last row: only if that row was reached, and it moves the end)
    # Backward: rewrite the rows that move or grow, from the last to the first.
    t = k - 1
    for q in range(touched - 1, -1, -1):
        r = rows[q]
        c = cnt[q]
        s = shift[q]
        if c == 0 and s == 0:
            continue
        lo = start[r]
        i = lo + rlen[r] - 1
        out = lo + s + rlen[r] + c - 1
        stop = lo + s  # below this the row's arcs stay where they are (only when s == 0)
        while t >= 0 and src[t] == r:
            d = dst[t]
            while i >= lo and bdst[i] > d:
                bdst[out] = bdst[i]
                bw[out] = bw[i]
                bcls[out] = bcls[i]
                out -= 1
                i -= 1
            bdst[out] = d
            bw[out] = wt[t]
            bcls[out] = cl[t]
            out -= 1
            group_degree[r] += cl[t] & SAME_GROUP
            t -= 1
        if s > 0:
            while i >= lo:
                bdst[out] = bdst[i]
                bw[out] = bw[i]
                bcls[out] = bcls[i]
                out -= 1
                i -= 1
        start[r] = stop
        rlen[r] += c
    start[n] += carry
    return start[n]


@jit
def regap(
    start: np.ndarray,
    rlen: np.ndarray,
    dst: np.ndarray,
    w: np.ndarray,
    cls: np.ndarray,
    room: int,
    headroom: int,
    new_src: np.ndarray,
    new_dst: np.ndarray,
    new_w: np.ndarray,
    new_cls: np.ndarray,
    group_degree: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The live arcs (weight > 0), and new arcs (sorted by (source, destination), none stored yet) merged in,
    laid out afresh: each row gets ``ceil(arcs / room)`` free slots at its end, the buffers ``headroom`` more
    slots at their end; the group degrees count the new arcs. Returns (start, rlen, dst, w, cls) of the new
    layout; dropped arcs (weight 0) are left out."""
    n = rlen.size
    live = np.zeros(n, np.int64)
    for r in range(n):
        c = 0
        for a in range(start[r], start[r] + rlen[r]):
            c += w[a] > 0.0
        live[r] = c
    for t in range(new_src.size):
        live[new_src[t]] += 1
    nstart = np.zeros(n + 1, np.int64)
    for r in range(n):
        nstart[r + 1] = nstart[r] + live[r] + (live[r] + room - 1) // room
    cap = nstart[n] + headroom
    ndst = np.empty(cap, dst.dtype)  # (not zeros: only the free slots are cleared, below)
    nw = np.empty(cap)
    ncls = np.empty(cap, np.uint8)
    t = 0
    k = new_src.size
    for r in range(n):
        o = nstart[r]
        for a in range(start[r], start[r] + rlen[r]):
            while t < k and new_src[t] == r and new_dst[t] < dst[a]:
                ndst[o] = new_dst[t]
                nw[o] = new_w[t]
                ncls[o] = new_cls[t]
                group_degree[r] += new_cls[t] & SAME_GROUP
                o += 1
                t += 1
            ndst[o] = dst[a]  # (written always, kept only when live: no branch)
            nw[o] = w[a]
            ncls[o] = cls[a]
            o += w[a] > 0.0
        while t < k and new_src[t] == r:
            ndst[o] = new_dst[t]
            nw[o] = new_w[t]
            ncls[o] = new_cls[t]
            group_degree[r] += new_cls[t] & SAME_GROUP
            o += 1
            t += 1
        for a in range(o, nstart[r + 1]):  # free room
            ndst[a] = 0
            nw[a] = 0.0
            ncls[a] = 0
    ndst[nstart[n] :] = 0
    nw[nstart[n] :] = 0.0
    ncls[nstart[n] :] = 0
    return nstart, live, ndst, nw, ncls


@jit
def decay_prune(
    start: np.ndarray,
    w: np.ndarray,
    cls: np.ndarray,
    table: np.ndarray,
    floor: float,
    group_degree: np.ndarray,
) -> int:
    """``w *= table[class & 3]`` on every slot, then drop (weight 0) the live arcs that fell below ``floor``;
    ``group_degree`` loses the dropped arcs of :data:`SAME_GROUP`. Returns the number of arcs dropped.

    Free slots and dropped arcs hold weight 0 and keep it, so the slots are read in blocks of 64 regardless of
    rows: a block is decayed in a loop without branches, and only a block where an arc fell below the floor is
    read again to drop it (the row of a dropped colleague arc found by bisection of ``start``). At 100,000 people
    (week 156, 1.1 million slots, some 600 arcs dropped) 1.1 ms against 2.9 ms row by row with the dropping
    inline (saved arrays; in the model the trust upkeep went from 6.1 to 4.4 ms a week): a loop per row costs
    some 10 ns a row (its exit is mispredicted), and a branch or a call in a loop keeps it from being
    vectorised."""
    m = w.size
    dropped = 0
    for b in range(0, m, 64):
        e = min(b + 64, m)
        low = 0
        for a in range(b, e):
            x = w[a] * table[cls[a] & 3]
            w[a] = x
            low += (x > 0.0) & (x < floor)
        if low:
            for a in range(b, e):
                x = w[a]
                if (x > 0.0) & (x < floor):
                    w[a] = 0.0
                    dropped += 1
                    if cls[a] & SAME_GROUP:
                        group_degree[_row_of(start, a)] -= 1
    return dropped


@jit
def _decay(w, cls, table):
    for a in range(w.size):
        w[a] *= table[cls[a] & 3]


@jit
def _prune(start, rlen, w, cls, floor, group_degree):
    dropped = 0
    n = rlen.size
    for r in range(n):
        for a in range(start[r], start[r] + rlen[r]):
            x = w[a]
            if x > 0.0 and x < floor:
                w[a] = 0.0
                dropped += 1
                if cls[a] & SAME_GROUP:
                    group_degree[r] -= 1
    return dropped


@jit
def _kill_rows(start, rlen, dst, w, cls, people, group_degree):
    """Drop every live tie of ``people`` (sorted, unique): both arcs. Returns the number of arcs dropped."""
    dropped = 0
    for q in range(people.size):
        p = people[q]
        for a in range(start[p], start[p] + rlen[p]):
            if w[a] > 0.0:
                d = dst[a]
                r = _lower(start, rlen, dst, d, p)
                w[a] = 0.0
                w[r] = 0.0
                dropped += 2
                if cls[a] & SAME_GROUP:
                    group_degree[p] -= 1
                if cls[r] & SAME_GROUP:
                    group_degree[d] -= 1
    return dropped


@jit
def _kill_ties(start, rlen, dst, w, cls, pos, src, group_degree):
    """Drop the live ties with one arc at ``pos`` (sources ``src``): both arcs. Returns arcs dropped."""
    dropped = 0
    for q in range(pos.size):
        a = pos[q]
        if w[a] > 0.0:
            s = src[q]
            d = dst[a]
            r = _lower(start, rlen, dst, d, s)
            w[a] = 0.0
            w[r] = 0.0
            dropped += 2
            if cls[a] & SAME_GROUP:
                group_degree[s] -= 1
            if cls[r] & SAME_GROUP:
                group_degree[d] -= 1
    return dropped


@jit
def _reinforce(start, rlen, dst, w, pos, src, keep):
    """One contact on each tie with an arc at ``pos``: ``w <- 1 - (1 - w) keep`` on both arcs (new weights
    from the old ones, all computed before any is written)."""
    nw = np.empty(pos.size)
    for q in range(pos.size):
        nw[q] = 1.0 - (1.0 - w[pos[q]]) * keep
    for q in range(pos.size):
        w[_lower(start, rlen, dst, dst[pos[q]], src[q])] = nw[q]
        w[pos[q]] = nw[q]


@jit
def _set_marks(start, rlen, dst, cls, mark, changed):
    """Refresh the :data:`BOTH_MARKED` bit of every arc of the ``changed`` people (and its reverse arc)."""
    for q in range(changed.size):
        p = changed[q]
        for a in range(start[p], start[p] + rlen[p]):
            d = dst[a]
            r = _lower(start, rlen, dst, d, p)
            both = mark[p] and mark[d]
            if both:
                cls[a] |= BOTH_MARKED
                cls[r] |= BOTH_MARKED
            else:
                cls[a] &= ~BOTH_MARKED
                cls[r] &= ~BOTH_MARKED


@jit
def _canonical(start, rlen, dst, w):
    """Positions and sources of the live arcs with source < destination (each tie once, in key order)."""
    n = rlen.size
    k = 0
    for r in range(n):
        for a in range(start[r], start[r] + rlen[r]):
            if w[a] > 0.0 and r < dst[a]:
                k += 1
    pos = np.empty(k, np.int64)
    src = np.empty(k, np.int64)
    k = 0
    for r in range(n):
        for a in range(start[r], start[r] + rlen[r]):
            if w[a] > 0.0 and r < dst[a]:
                pos[k] = a
                src[k] = r
                k += 1
    return pos, src


@jit
def slot_sources(start: np.ndarray, m: int) -> np.ndarray:
    """Row of every slot ``0 .. m - 1`` (free slots belong to the row before them)."""
    out = np.empty(m, np.int64)
    n = start.size - 1
    for r in range(n):
        for a in range(start[r], min(start[r + 1], m)):
            out[a] = r
    return out


@jit
def count_class(w: np.ndarray, cls: np.ndarray, bit: int) -> int:
    """Live arcs carrying class ``bit`` (free slots have weight 0)."""
    k = 0
    for a in range(w.size):
        k += (w[a] > 0.0) & ((cls[a] & bit) != 0)  # (no branch: the classes of neighbouring arcs are random)
    return k


@jit
def class_arcs_at(w: np.ndarray, cls: np.ndarray, bit: int, idx: np.ndarray) -> np.ndarray:
    """Positions of the live arcs of class ``bit`` numbered ``idx`` (sorted, unique) among them, in storage
    order (which is key order)."""
    out = np.empty(idx.size, np.int64)
    if idx.size == 0:
        return out
    j = 0
    k = 0
    want = idx[0]
    for a in range(w.size):
        hit = (w[a] > 0.0) & ((cls[a] & bit) != 0)
        if hit & (k == want):
            out[j] = a
            j += 1
            if j == idx.size:
                break
            want = idx[j]
        k += hit
    return out[:j]


@jit
def reinforce_numbered(
    start: np.ndarray,
    rlen: np.ndarray,
    dst: np.ndarray,
    w: np.ndarray,
    cls: np.ndarray,
    bit: int,
    idx: np.ndarray,
    keep: float,
    rows: np.ndarray,
) -> int:
    """One contact (``w <- 1 - (1 - w) keep``, both arcs) on each tie whose arc numbered ``idx`` (sorted, unique)
    among the live arcs of class ``bit``, in key order, runs from the lower slot to the higher. Returns the
    number of ties renewed. The same as ``reinforce(forward(class_arcs_at(...)), gain)``, in one pass.

    ``rows``: the number of live arcs of class ``bit`` in each row (for :data:`SAME_GROUP`, the group degrees), so that
    only the rows holding a numbered arc are read, each up to its last numbered arc (at a million people 22 ms
    instead of 29); empty: every arc is scanned."""
    if idx.size == 0:
        return 0
    pos = np.empty(idx.size, np.int64)
    src = np.empty(idx.size, np.int64)
    n = rlen.size
    if rows.size == n:
        found = _numbered_by_rows(start, rlen, dst, w, cls, bit, idx, rows, pos, src)
    else:
        found = _numbered_by_scan(start, rlen, dst, w, cls, bit, idx, pos, src)
    _reinforce(start, rlen, dst, w, pos[:found], src[:found], keep)
    return found


@jit
def _numbered_by_rows(start, rlen, dst, w, cls, bit, idx, rows, pos, src):
    """The forward arcs among the live arcs of class ``bit`` numbered ``idx`` (sorted, unique), found from the
    number of such arcs in each row: the rows before a numbered arc are skipped by their counts, and a row is
    read only up to its last numbered arc. Returns how many were written to ``pos`` and ``src``."""
    n = rlen.size
    found = 0
    r = 0
    before = 0  # numbered arcs in the rows before row r
    a = start[0] if n else 0  # the next slot of row r to read
    k = 0  # numbered arcs of row r before slot a
    for q in range(idx.size):
        want = idx[q]
        if want >= before + rows[r]:  # in a later row
            before += rows[r]
            r += 1
            while r < n and before + rows[r] <= want:
                before += rows[r]
                r += 1
            if r == n:
                break
            a, k = start[r], 0
        end = start[r] + rlen[r]
        while a < end:
            if (w[a] > 0.0) & ((cls[a] & bit) != 0):
                if k == want - before:
                    break
                k += 1
            a += 1
        if a == end:  # (counts that do not match the row: nothing more to find)
            break
        if r < dst[a]:  # one arc per tie: the forward one
            pos[found] = a
            src[found] = r
            found += 1
        a += 1
        k += 1
    return found


@jit
def _numbered_by_scan(start, rlen, dst, w, cls, bit, idx, pos, src):
    """As :func:`_numbered_by_rows`, reading every arc up to the last numbered one."""
    found = 0
    q = 0
    k = 0
    want = idx[0]
    for r in range(rlen.size):
        for a in range(start[r], start[r] + rlen[r]):
            hit = (w[a] > 0.0) & ((cls[a] & bit) != 0)
            if hit & (k == want):
                if r < dst[a]:
                    pos[found] = a
                    src[found] = r
                    found += 1
                q += 1
                want = idx[q] if q < idx.size else -1
            k += hit
        if q == idx.size:
            break
    return found


@jit
def forward_arcs(dst: np.ndarray, pos: np.ndarray, src: np.ndarray) -> np.ndarray:
    """The arcs of ``pos`` (sources ``src``) that run from the lower slot to the higher: one per tie."""
    keep = np.empty(pos.size, np.bool_)
    for q in range(pos.size):
        keep[q] = src[q] < dst[pos[q]]
    return pos[keep]


@jit
def row_positions(start: np.ndarray, rlen: np.ndarray, people: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of every arc in the rows of ``people``, and which entry of ``people`` owns each."""
    total = 0
    for q in range(people.size):
        total += rlen[people[q]]
    pos = np.empty(total, np.int64)
    owner = np.empty(total, np.int64)
    k = 0
    for q in range(people.size):
        for a in range(start[people[q]], start[people[q]] + rlen[people[q]]):
            pos[k] = a
            owner[k] = q
            k += 1
    return pos, owner


@jit
def live_rows(
    start: np.ndarray, rlen: np.ndarray, dst: np.ndarray, w: np.ndarray, people: np.ndarray, min_weight: float
) -> tuple[np.ndarray, np.ndarray]:
    """Live arcs (weight > 0 and >= ``min_weight``) of ``people``: (neighbour, index into ``people``).

    Without branches on the weights (whether an arc is at the threshold is random): every arc is written and the
    count moves on past the kept ones (one spare slot at the end). At the working threshold, for a third of
    100,000 people, 1.3 ms against 2.3 with a test of each arc."""
    total = 0
    for q in range(people.size):
        p = people[q]
        for a in range(start[p], start[p] + rlen[p]):
            x = w[a]
            total += (x > 0.0) & (x >= min_weight)
    nb = np.empty(total + 1, np.int64)
    owner = np.empty(total + 1, np.int64)
    k = 0
    for q in range(people.size):
        p = people[q]
        for a in range(start[p], start[p] + rlen[p]):
            x = w[a]
            nb[k] = dst[a]
            owner[k] = q
            k += (x > 0.0) & (x >= min_weight)
    return nb[:total], owner[:total]


@jit
def reach(rlen: np.ndarray, people: np.ndarray) -> int:
    """Number of stored arcs in the rows of ``people``."""
    total = 0
    for q in range(people.size):
        total += rlen[people[q]]
    return total


@jit
def scatter(
    start: np.ndarray,
    rlen: np.ndarray,
    dst: np.ndarray,
    w: np.ndarray,
    people: np.ndarray,
    values: np.ndarray,
    min_weight: float,
    binary: bool,
    n: int,
) -> np.ndarray:
    """``out[d] += weight(arc) x values[k]`` over every arc of each ``people[k]``, in that order (as
    ``np.bincount(dst[pos], weights=...)`` adds them, zeros included). Weight: ``w`` (``min_weight`` 0), or
    ``w x (w >= min_weight)``, or with ``binary`` 1 for a live arc at or above ``min_weight``, else 0."""
    out = np.zeros(n)
    for q in range(people.size):
        v = values[q]
        for a in range(start[people[q]], start[people[q]] + rlen[people[q]]):
            x = w[a]
            if binary:
                out[dst[a]] += np.float64((x >= min_weight) & (x > 0.0)) * v
            elif min_weight > 0.0:
                out[dst[a]] += (x * (x >= min_weight)) * v
            else:
                out[dst[a]] += x * v
    return out


@jit
def matvec(
    start: np.ndarray, rlen: np.ndarray, dst: np.ndarray, w: np.ndarray, x: np.ndarray, min_weight: float, binary: bool
) -> np.ndarray:
    """``M @ x`` row by row, each row's products added in arc order from 0, zeros included (as scipy's CSR
    mat-vec). ``M`` as in :func:`scatter`."""
    n = rlen.size
    out = np.zeros(n)
    for r in range(n):
        s = 0.0
        for a in range(start[r], start[r] + rlen[r]):
            y = w[a]
            if binary:
                s += np.float64((y >= min_weight) & (y > 0.0)) * x[dst[a]]
            elif min_weight > 0.0:
                s += (y * (y >= min_weight)) * x[dst[a]]
            else:
                s += y * x[dst[a]]
        out[r] = s
    return out


@jit
def masked_matvec(start: np.ndarray, rlen: np.ndarray, dst: np.ndarray, mask: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``M @ x`` where ``M`` has a 1 for each arc with ``mask`` true (per slot), row by row."""
    n = rlen.size
    out = np.zeros(n)
    for r in range(n):
        s = 0.0
        for a in range(start[r], start[r] + rlen[r]):
            s += np.float64(mask[a]) * x[dst[a]]
        out[r] = s
    return out


@jit
def row_sums(start: np.ndarray, rlen: np.ndarray, w: np.ndarray, people: np.ndarray) -> np.ndarray:
    """Sum of the weights in each row of ``people`` (in arc order, from 0)."""
    out = np.zeros(people.size)
    for q in range(people.size):
        s = 0.0
        for a in range(start[people[q]], start[people[q]] + rlen[people[q]]):
            s += w[a]
        out[q] = s
    return out


@jit
def working_graph(
    start: np.ndarray, rlen: np.ndarray, dst: np.ndarray, w: np.ndarray, min_weight: float, idx_dtype_probe: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The arcs with ``w >= min_weight`` (``w > 0`` when ``min_weight`` is 0) in (compact) CSR form: (indptr,
    indices, positions of the arcs kept). ``idx_dtype_probe``: an empty array of the dtype wanted for indptr."""
    n = rlen.size
    k = 0
    for r in range(n):
        for a in range(start[r], start[r] + rlen[r]):
            if (w[a] >= min_weight) if min_weight > 0.0 else (w[a] > 0.0):
                k += 1
    gptr = np.zeros(n + 1, idx_dtype_probe.dtype)
    ind = np.empty(k, dst.dtype)
    pos = np.empty(k, np.int64)
    k = 0
    for r in range(n):
        for a in range(start[r], start[r] + rlen[r]):
            if (w[a] >= min_weight) if min_weight > 0.0 else (w[a] > 0.0):
                ind[k] = dst[a]
                pos[k] = a
                k += 1
        gptr[r + 1] = k
    return gptr, ind, pos


@jit
def row_degrees(start: np.ndarray, rlen: np.ndarray, w: np.ndarray, min_weight: float) -> np.ndarray:
    """Arcs with ``w >= min_weight`` (``w > 0`` when ``min_weight`` is 0) in each row."""
    n = rlen.size
    out = np.zeros(n, np.int64)
    for r in range(n):
        k = 0
        for a in range(start[r], start[r] + rlen[r]):
            k += (w[a] >= min_weight) if min_weight > 0.0 else (w[a] > 0.0)
        out[r] = k
    return out


# ----------------------------------------------------------------------------------------------------------------


_EMPTY = np.empty(0, np.int64)


class TrustNetwork:
    """Undirected weighted ties among ``n`` people.

    Args:
        n: number of people (slots).
        i, j, w: initial ties (any order; duplicates keep the strongest; self-ties are dropped).
        group: optional group of each person (organisation); ties inside a group carry :data:`SAME_GROUP`
            and :attr:`group_degree` counts them per person.
        kind: optional kind of each person (sector); ties across kinds carry :data:`CROSS_KIND`.
    """

    def __init__(self, n: int, i=None, j=None, w=None, *, group=None, kind=None):
        self.n = int(n)
        self._idx = np.int32 if self.n < 2**31 - 1 else np.int64
        self.group = None if group is None else np.asarray(group).copy()
        self.kind = None if kind is None else np.asarray(kind).copy()
        self._group_k = _EMPTY if self.group is None else np.ascontiguousarray(self.group)
        self._kind_k = _EMPTY if self.kind is None else np.ascontiguousarray(self.kind)
        # Rows: row r holds _len[r] arcs from slot _start[r], with free room up to _start[r + 1]. The buffers hold
        # the slots (and room to grow after the last row); _dst, _w, _cls are views of their first _start[n] slots.
        self._start = np.zeros(self.n + 1, np.int64)
        self._len = np.zeros(self.n, np.int64)
        self._bdst = np.zeros(0, self._idx)
        self._bw = np.zeros(0, np.float64)
        self._bcls = np.zeros(0, np.uint8)
        self._views()
        self._decay_table: np.ndarray | None = None  # the decay multipliers by class last used
        self._mark = np.zeros(self.n, bool)
        self.group_degree = np.zeros(self.n, np.int64)
        self._alive = 0  # live arcs (two per tie)
        self._dead = 0  # arcs of dropped ties still stored (weight 0)
        self.compact_min = 4096  # compact once this many (and a quarter of the live) arcs are dropped ones
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._version = 0
        self._cache: dict = {}
        self._scache: dict = {}  # caches that depend on the structure only (not on weights)
        if i is not None:
            self._set_initial(np.asarray(i), np.asarray(j), np.asarray(w, dtype=np.float64))

    # -- storage -----------------------------------------------------------
    def _views(self) -> None:
        m = int(self._start[-1])
        self._dst = self._bdst[:m]
        self._w = self._bw[:m]
        self._cls = self._bcls[:m]

    def _reserve(self, total: int) -> None:
        """Make the buffers hold at least ``total`` slots (grown by :data:`_GROW`, contents kept, new ones free)."""
        if total <= self._bw.size:
            return
        cap = max(total, int(self._bw.size * _GROW) + 1024)
        m = int(self._start[-1])
        for name in ("_bdst", "_bw", "_bcls"):
            old = getattr(self, name)
            new = np.zeros(cap, old.dtype)
            new[:m] = old[:m]
            setattr(self, name, new)
        self._views()

    def _regap(self, new: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None) -> None:
        """Lay the live arcs out afresh (dropped ones go) with free room in every row (:data:`ROOM`), merging in
        ``new`` arcs (source, destination, weight, class; sorted, none stored yet) if given."""
        if new is None:
            new = (_EMPTY, _EMPTY, np.empty(0), np.empty(0, np.uint8))
        headroom = 1024 + self.n // 64
        new_src, new_dst, new_w, new_cls = new
        self._start, self._len, self._bdst, self._bw, self._bcls = regap(
            self._start,
            self._len,
            self._dst,
            self._w,
            self._cls,
            ROOM,
            headroom,
            new_src,
            new_dst,
            new_w,
            new_cls,
            self.group_degree,
        )
        self._alive += len(new_src)
        self._dead = 0
        self._views()
        self._touch(structure=True)

    @property
    def _indptr(self) -> np.ndarray:
        """Row pointer of the arcs as a compact CSR matrix (the storage's rows without their free room)."""
        return np.concatenate([[0], np.cumsum(self._len)])

    @property
    def _key(self) -> np.ndarray:
        """Key ``src * n + dst`` of every stored slot (computed on demand; the storage does not keep it)."""
        key: np.ndarray = self._src().astype(np.int64) * self.n
        return key + self._dst

    # -- construction ----------------------------------------------------
    def _set_initial(self, i, j, w):
        n = self.n
        a, b = np.minimum(i, j).astype(np.int64), np.maximum(i, j).astype(np.int64)
        keep = a != b
        a, b = a[keep], b[keep]
        keys = a * n + b
        w = np.clip(w[keep], 0.0, 1.0)
        order = pair_order(a, b, n)  # by key; a pair drawn twice keeps its strongest weight
        keys, w = keys[order], w[order]
        first = np.ones(len(keys), bool)
        first[1:] = keys[1:] != keys[:-1]
        if len(keys):
            w = np.maximum.reduceat(w, np.flatnonzero(first))
        keys = keys[first]
        live = w > 0
        keys, w = keys[live], w[live]
        a, b = keys // n, keys % n
        start, src, dst, pair = rows_of_pairs(a, b, n)  # both arcs of each tie, in rows sorted by destination
        cls = arc_classes(src, dst, self._group_k, self._kind_k, self._mark)
        self._start, self._len = start, np.diff(start)  # compact first, then spread out with room to grow
        self._bdst, self._bw, self._bcls = dst.astype(self._idx), w[pair], cls
        self._views()
        self._alive = len(src)
        self._regap()
        self._recount_groups()

    def _classes(self, src, dst) -> np.ndarray:
        return arc_classes(
            np.asarray(src, np.int64), np.asarray(dst, np.int64), self._group_k, self._kind_k, self._mark
        )

    def _recount_groups(self):
        live = (self._w > 0) & ((self._cls & SAME_GROUP) > 0)
        self.group_degree = np.bincount(self._src()[live], minlength=self.n).astype(np.int64)

    def _touch(self, structure: bool = False):
        self._version += 1
        self._cache.clear()
        if structure:
            self._scache.clear()

    def _src(self) -> np.ndarray:
        """Source of every slot (the row it belongs to)."""
        if "src" not in self._scache:
            self._scache["src"] = slot_sources(self._start, len(self._w))
        return self._scache["src"]

    def _find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of arcs with these keys (``src * n + dst``), and whether each exists."""
        keys = np.asarray(keys, np.int64)
        pos = find_arcs(self._start, self._len, self._dst, keys // self.n, keys % self.n)
        return pos, pos >= 0

    def _reverse(self, pos: np.ndarray) -> np.ndarray:
        """Positions of the reverse arcs of the arcs at ``pos`` (they always exist)."""
        pos = np.asarray(pos, np.int64)
        return find_arcs(
            self._start, self._len, self._dst, self._dst[pos].astype(np.int64), arc_sources(self._start, pos)
        )

    # -- read-only views --------------------------------------------------
    def _canonical(self) -> np.ndarray:
        """Positions of live arcs with ``src < dst`` (each tie once, in key order)."""
        if "canon" not in self._cache:
            self._cache["canon"] = _canonical(self._start, self._len, self._dst, self._w)
        return self._cache["canon"][0]

    @property
    def i(self) -> np.ndarray:
        self._canonical()
        return self._cache["canon"][1].copy()

    @property
    def j(self) -> np.ndarray:
        return self._dst[self._canonical()].astype(np.int64)

    @property
    def w(self) -> np.ndarray:
        return self._w[self._canonical()]

    @property
    def keys(self) -> np.ndarray:
        return self.i * self.n + self.j

    def __len__(self) -> int:
        return self._alive // 2

    # -- contact ---------------------------------------------------------
    def add_contacts(self, i: npt.ArrayLike, j: npt.ArrayLike, gain: npt.ArrayLike) -> None:
        """Buffer contacts between ``i[k]`` and ``j[k]`` with trust gain ``gain[k]`` (or a scalar)."""
        i = np.asarray(i, np.int64)
        j = np.asarray(j, np.int64)
        if i.size == 0:
            return
        g = np.broadcast_to(np.asarray(gain, np.float64), i.shape).copy()
        self._pending.append((i, j, g))

    @property
    def has_pending(self) -> bool:
        return bool(self._pending)

    def commit(self) -> int:
        """Apply buffered contacts in one merge. Returns the number of new ties."""
        if not self._pending:
            return 0
        if len(self._pending) == 1:
            i, j, g = self._pending[0]
        else:
            i = np.concatenate([p[0] for p in self._pending])
            j = np.concatenate([p[1] for p in self._pending])
            g = np.concatenate([p[2] for p in self._pending])
        self._pending.clear()
        a, b = np.minimum(i, j), np.maximum(i, j)
        ok = (a != b) & (g > 0)
        if not ok.all():
            a, b, g = a[ok], b[ok], g[ok]
        if a.size == 0:
            return 0
        n = self.n
        keys = a * n + b
        order = np.argsort(keys, kind="stable")
        keys, g = keys[order], g[order]
        first = np.ones(len(keys), bool)
        first[1:] = keys[1:] != keys[:-1]
        starts = np.flatnonzero(first)
        ukeys = keys[starts]
        keep_factor = keep_products(g, starts)  # prod(1 - g) per pair, in the order the contacts came
        ua, ub = ukeys // n, ukeys % n

        found, revived = _update_existing(
            self._start, self._len, self._dst, self._w, self._cls, self.group_degree, ua, ub, keep_factor
        )
        if revived:
            self._dead -= revived
            self._alive += revived
        n_new = int(len(ukeys) - np.count_nonzero(found))
        if n_new:
            src, dst, nw, ncls = _new_arcs(ua, ub, keep_factor, found, n, self._group_k, self._kind_k, self._mark)
            stored = self._alive + self._dead
            free = len(self._w) - stored
            if free * _LOW_ROOM < stored:
                # Little free room left: one pass that lays every row out afresh with the new arcs merged in
                # (dropped arcs go, every row gets free room again).
                self._regap((src, dst, nw, ncls))
            else:  # into their rows, in place
                self._reserve(len(self._w) + src.size)
                merge_arcs(
                    self._start, self._len, self._bdst, self._bw, self._bcls, self.group_degree, src, dst, nw, ncls
                )
                self._views()
                self._alive += src.size
                self._touch(structure=True)
        else:
            self._touch()
        return n_new

    def reinforce(self, pos: np.ndarray, gain: float) -> None:
        """One contact of gain ``gain`` on each live tie at arc positions ``pos`` (one arc per tie), at once.

        The same update as a buffered contact (``w <- 1 - (1 - w)(1 - gain)``); since contacts combine by
        multiplication, applying it now or at the next :meth:`commit` gives the same weight.
        """
        if pos.size == 0:
            return
        pos = np.asarray(pos, np.int64)
        _reinforce(self._start, self._len, self._dst, self._w, pos, arc_sources(self._start, pos), 1.0 - gain)
        self._touch()

    # -- decay, pruning, breaking ------------------------------------------
    def _dropped(self, arcs: int) -> None:
        """Book ``arcs`` arcs just dropped (weight set to 0); compact the storage when enough are dead."""
        self._alive -= arcs
        self._dead += arcs
        self._touch()
        if self._dead > max(self.compact_min, self._alive // 4):
            self._compact()

    def _kill(self, pos: np.ndarray) -> None:
        """Drop the (live) arcs at ``pos``; both arcs of each tie must be included."""
        if pos.size == 0:
            return
        pos = np.asarray(pos, np.int64)
        same = (self._cls[pos] & SAME_GROUP) > 0
        if same.any():
            self.group_degree -= np.bincount(arc_sources(self._start, pos[same]), minlength=self.n)
        self._w[pos] = 0.0
        self._dropped(len(pos))

    def _compact(self) -> None:
        self._regap()

    def _check_zeros(self) -> None:
        """After a decay that may have zeroed weights, book those ties as dropped."""
        live = int(np.count_nonzero(self._w))
        if live != self._alive:
            stored = self._alive + self._dead
            self._alive, self._dead = live, stored - live
            self._recount_groups()

    def decay(self, rate: npt.ArrayLike) -> None:
        """Multiply every tie by ``1 - rate`` (``rate`` a scalar or one value per tie, in :attr:`keys` order)."""
        rate = np.asarray(rate, np.float64)
        if rate.ndim == 0:
            self._w *= 1.0 - rate
        else:
            pos = self._canonical()
            factor = 1.0 - rate
            self._w[self._reverse(pos)] *= factor
            self._w[pos] *= factor
        self._touch()
        if np.any(rate >= 1.0):
            self._check_zeros()

    def _table(self, rates) -> np.ndarray:
        factors = 1.0 - np.asarray(rates, np.float64)
        if self._decay_table is None or not np.array_equal(factors, self._decay_table):
            self._decay_table = factors
        return self._decay_table

    def decay_by_class(self, rates: npt.ArrayLike) -> None:
        """Multiply each tie by ``1 - rates[c]`` where ``c = class & (SAME_GROUP | BOTH_MARKED)``."""
        table = self._table(rates)
        _decay(self._w, self._cls, table)
        self._touch()
        if np.any(table <= 0.0):
            self._check_zeros()

    def prune(self, floor: float) -> int:
        """Drop ties weaker than ``floor``; return how many were dropped."""
        dropped = int(_prune(self._start, self._len, self._w, self._cls, float(floor), self.group_degree))
        if dropped:
            self._dropped(dropped)
        return dropped // 2

    def decay_and_prune(self, rates: npt.ArrayLike, floor: float) -> int:
        """:meth:`decay_by_class` then :meth:`prune`, in one pass over the arcs (the same result).

        Returns the number of ties dropped.
        """
        table = self._table(rates)
        if np.any(table <= 0.0):  # a class decays to nothing: the two steps, with their bookkeeping
            self.decay_by_class(rates)
            return self.prune(floor)
        dropped = int(decay_prune(self._start, self._w, self._cls, table, float(floor), self.group_degree))
        if dropped:
            self._dropped(dropped)  # (a compaction, if any, keeps the rows and their live arcs)
        else:
            self._touch()
        return dropped // 2

    def remove(self, mask: npt.ArrayLike) -> int:
        """Drop the ties where ``mask`` (one bool per tie, in :attr:`keys` order) is true."""
        mask = np.asarray(mask, bool)
        self._canonical()
        pos, src = self._cache["canon"]
        pos, src = pos[mask], src[mask]
        if pos.size:
            self._dropped(
                int(_kill_ties(self._start, self._len, self._dst, self._w, self._cls, pos, src, self.group_degree))
            )
        return int(pos.size)

    def remove_people(self, people: npt.ArrayLike) -> int:
        """Drop every tie of the given people (they left); return how many ties were dropped."""
        people = sorted_unique(np.asarray(people, np.int64))
        if people.size == 0:
            return 0
        dropped = int(_kill_rows(self._start, self._len, self._dst, self._w, self._cls, people, self.group_degree))
        if dropped:
            self._dropped(dropped)
        return dropped // 2

    # -- marks (online) ----------------------------------------------------
    def set_marks(self, mark: npt.ArrayLike) -> None:
        """Record who is marked (online); ties with both ends marked carry :data:`BOTH_MARKED`.

        Only the ties of people whose mark changed since the last call are touched.
        """
        mark = np.asarray(mark, bool)
        changed = np.flatnonzero(mark != self._mark)
        if changed.size == 0:
            return
        self._mark[changed] = mark[changed]
        _set_marks(self._start, self._len, self._dst, self._cls, self._mark, changed)

    # -- draws over classes of ties ------------------------------------------
    def count_live(self, bit: int) -> int:
        """Number of stored arcs of live ties that carry class ``bit`` (two per tie)."""
        if bit == SAME_GROUP:  # (two arcs per colleague tie, one in each row, both counted in group_degree)
            return int(self.group_degree.sum())
        return int(count_class(self._w, self._cls, bit))

    def live_at(self, bit: int, idx: np.ndarray) -> np.ndarray:
        """``live_arcs(bit)[idx]`` for sorted ``idx``, without building the list of live arcs."""
        return class_arcs_at(self._w, self._cls, bit, np.asarray(idx, np.int64))

    def reinforce_numbered(self, bit: int, idx: np.ndarray, gain: float) -> int:
        """``reinforce(forward(live_at(bit, idx)), gain)`` in one pass: one contact of gain ``gain`` on each tie
        whose live arc of class ``bit`` numbered ``idx`` (sorted, unique) runs from the lower slot to the higher.
        Returns the number of ties renewed."""
        idx = np.asarray(idx, np.int64)
        if idx.size == 0:
            return 0
        rows = self.group_degree if bit == SAME_GROUP else _EMPTY  # live colleague arcs in each row
        found = int(
            reinforce_numbered(self._start, self._len, self._dst, self._w, self._cls, bit, idx, 1.0 - gain, rows)
        )
        if found:
            self._touch()
        return found

    # -- views -------------------------------------------------------------
    def weight(self, i: npt.ArrayLike, j: npt.ArrayLike) -> np.ndarray:
        """Trust between pairs (0 where there is no tie)."""
        i = np.asarray(i, np.int64)
        j = np.asarray(j, np.int64)
        pos = find_arcs(self._start, self._len, self._dst, i.ravel(), j.ravel()).reshape(i.shape)
        out = np.zeros(i.shape)
        hit = pos >= 0
        out[hit] = self._w[pos[hit]]
        return out

    def arc_class(self, bit: int) -> np.ndarray:
        """Boolean per stored slot: the arc carries class ``bit`` (:data:`SAME_GROUP` or :data:`CROSS_KIND`)."""
        if bit not in (SAME_GROUP, CROSS_KIND):
            raise ValueError(f"bit = {bit!r}: allowed SAME_GROUP or CROSS_KIND (fixed for a tie's life)")
        key = ("cls", bit)
        if key not in self._scache:
            self._scache[key] = (self._cls & bit) > 0
        return self._scache[key]

    def live_arcs(self, bit: int) -> np.ndarray:
        """Positions of the stored arcs of live ties that carry class ``bit`` (both arcs of each tie), in key order.

        Depends on the set of live ties only, not on dropped arcs still in storage (nor on where the arcs lie),
        so a draw over them does not change when the storage does.
        """
        return np.flatnonzero(self.arc_class(bit) & (self._w > 0))

    def forward(self, pos: np.ndarray) -> np.ndarray:
        """The arcs at ``pos`` that run from the lower slot to the higher (``src < dst``): one arc per tie."""
        pos = np.asarray(pos, np.int64)
        return forward_arcs(self._dst, pos, arc_sources(self._start, pos))

    def arcs_to_kind(self, kind: int) -> np.ndarray:
        """Boolean per stored slot: its arc points at a person of ``kind`` (cached until the ties change)."""
        key = ("to_kind", int(kind))
        if key not in self._scache:
            self._scache[key] = (self._cls >> KIND_SHIFT) == min(int(kind), 31)
        return self._scache[key]

    def neighbour_sum(
        self, x: npt.ArrayLike, min_weight: float = 0.0, binary: bool = False, mask: npt.ArrayLike | None = None
    ) -> np.ndarray:
        """``matrix(min_weight, binary) @ x`` without building the matrix.

        With ``mask`` (one bool per stored slot, e.g. from :meth:`working_arcs`), count the arcs where it is true.
        When few people have ``x != 0``, their rows are scattered instead of a full mat-vec (the matrix is
        symmetric and the rows are taken in ascending order, so the two add the same numbers in the same order).
        """
        x = np.asarray(x)
        if mask is None and x.size:
            nz = x.nonzero()[0]
            if self._few(nz):
                values = np.ones(nz.size) if x.dtype == bool else x[nz].astype(np.float64)
                return self._scatter(nz, values, min_weight, binary)
        x = x.astype(np.float64, copy=False)
        if mask is not None:
            return masked_matvec(self._start, self._len, self._dst, np.asarray(mask, bool), x)
        return matvec(self._start, self._len, self._dst, self._w, x, float(min_weight), bool(binary))

    def _few(self, people: np.ndarray) -> bool:
        """Whether the rows of ``people`` hold under a quarter of the stored arcs (then gather, else mat-vec)."""
        return 4 * int(reach(self._len, np.asarray(people, np.int64))) < self._alive + self._dead

    def _scatter(self, people, values, min_weight: float, binary: bool) -> np.ndarray:
        return scatter(
            self._start,
            self._len,
            self._dst,
            self._w,
            np.asarray(people, np.int64),
            np.asarray(values, np.float64),
            float(min_weight),
            bool(binary),
            self.n,
        )

    def spread(
        self, people: npt.ArrayLike, values: npt.ArrayLike, min_weight: float = 0.0, binary: bool = False
    ) -> np.ndarray:
        """``neighbour_sum(x)`` for ``x`` zero except ``x[people] = values`` (``people`` unique)."""
        people = np.asarray(people, np.int64)
        values = np.broadcast_to(np.asarray(values, np.float64), people.shape)
        if self._few(people):
            return self._scatter(people, np.ascontiguousarray(values), min_weight, binary)
        x = np.zeros(self.n)
        x[people] = values
        return self.neighbour_sum(x, min_weight, binary)

    def row_sums(self, people: npt.ArrayLike) -> np.ndarray:
        """:meth:`strength` of the given people only."""
        return row_sums(self._start, self._len, self._w, np.asarray(people, np.int64))

    def strength(self) -> np.ndarray:
        """Sum of each person's trust weights (cached until the next change)."""
        if "strength" not in self._cache:
            self._cache["strength"] = row_sums(self._start, self._len, self._w, np.arange(self.n, dtype=np.int64))
        return self._cache["strength"]

    def working_arcs(self, min_weight: float) -> np.ndarray:
        """Boolean per stored slot: a live tie at or above ``min_weight`` (cached)."""
        key = ("working", float(min_weight))
        if key not in self._cache:
            self._cache[key] = self._w >= min_weight if min_weight > 0 else self._w > 0
        return self._cache[key]

    def graph(self, min_weight: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ties with ``w >= min_weight`` in CSR form: ``(indptr, indices, arc positions)`` (cached)."""
        key = ("graph", float(min_weight))
        if key not in self._cache:
            dt = self._idx if len(self._w) < 2**31 - 1 else np.int64
            self._cache[key] = working_graph(
                self._start, self._len, self._dst, self._w, float(min_weight), np.empty(0, dt)
            )
        return self._cache[key]

    def matrix(self, min_weight: float = 0.0, binary: bool = False) -> sp.csr_matrix:
        """Symmetric CSR matrix of ties with ``w >= min_weight`` (cached until the next change)."""
        key = ("m", float(min_weight), bool(binary))
        if key not in self._cache:
            indptr, indices, idx = self.graph(min_weight)
            data = np.ones(len(idx)) if binary else self._w[idx]
            self._cache[key] = sp.csr_matrix((data, indices.copy(), indptr.copy()), shape=(self.n, self.n))
        return self._cache[key]

    def rows(self, people: npt.ArrayLike, min_weight: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Live ties (weight >= ``min_weight``) of several people: ``(neighbour, owner)`` per tie.

        ``owner`` is the index into ``people`` of the person the tie belongs to.
        """
        return live_rows(self._start, self._len, self._dst, self._w, np.asarray(people, np.int64), float(min_weight))

    def degree(self, min_weight: float = 0.0) -> np.ndarray:
        return row_degrees(self._start, self._len, self._w, float(min_weight))

    def neighbours(self, person: int, min_weight: float = 0.0) -> np.ndarray:
        lo = self._start[person]
        hi = lo + self._len[person]
        w = self._w[lo:hi]
        return self._dst[lo:hi][(w > 0) & (w >= min_weight)].astype(np.int64)

    def ties_of(self, person: int) -> dict[int, float]:
        lo = self._start[person]
        hi = lo + self._len[person]
        w = self._w[lo:hi]
        live = w > 0
        return dict(zip(self._dst[lo:hi][live].tolist(), w[live].tolist(), strict=True))

    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self._bdst, self._bw, self._bcls, self._start, self._len, self.group_degree))

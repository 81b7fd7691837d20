"""Tie storage: weighted, undirected ties between people, 0 < w <= 1 (the trust network's arrays).

The rule of contact (mechanism 1 of the brief, :mod:`simulation.mechanisms.trust`): a contact with gain ``g``
moves a tie towards 1: ``w <- w + g (1 - w)``; several contacts in one step combine as
``1 - (1 - w) * prod(1 - g)``, so the order of contacts never matters. Decay multiplies a tie by a factor that
depends on its class (same organisation, both online). This module stores the ties and applies those updates;
the weekly upkeep that decides the rates is the trust mechanism's.

Storage (built for speed, see ``docs/performance.md``). Every tie is kept as
two *arcs*, ``a -> b`` and ``b -> a``, in arrays sorted by ``key = src * n +
dst``; a row pointer makes the arcs a symmetric CSR matrix at no cost, so a
neighbour sum is one sparse mat-vec and a person's ties are one slice.
Contacts are buffered during a step and merged in one pass
(:meth:`TrustNetwork.commit`). A tie that drops (pruned, broken, its person
left) is marked by weight 0 and compacted away later, so dropping never
reshuffles the arrays mid-week. Each arc carries class bits that do not
change while the tie lives (same organisation, different sector) or that
are kept up to date cheaply (both people online), so the weekly decay is a
table look-up per arc instead of per-person gathers.

The public views (:attr:`i`, :attr:`j`, :attr:`w`, :attr:`keys`: each live tie
once, ``i < j``, sorted by ``i * n + j``; :meth:`matrix`) are read-only
copies, cached until the next change.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .arrays import sorted_unique

SAME_GROUP = 1  # both ends in the same group (organisation)
BOTH_MARKED = 2  # both ends marked (on the online network)
CROSS_KIND = 4  # ends of different kinds (sectors)
KIND_SHIFT = 3  # bits 3-7 hold the kind of the arc's destination (kinds 0-30; 31 means 31 or more)
_FEW = 24  # inserting at most max(_FEW, arcs // _FEW_PER) arcs: stitch slices; more: one masked scatter per array
_FEW_PER = 2000  # measured crossover (2026-11-29): about 60 new arcs into 114,000 stored ones, 540 into 1,100,000


def _insert_sorted(arrays: list[np.ndarray], at: np.ndarray, values: list[np.ndarray]) -> list[np.ndarray]:
    """``np.insert`` of sorted ``values`` before positions ``at`` into several arrays of one length."""
    k = len(at)
    if k <= max(_FEW, len(arrays[0]) // _FEW_PER):
        bounds = [0, *at.tolist(), len(arrays[0])]
        out = []
        for arr, val in zip(arrays, values, strict=True):
            pieces = []
            for q in range(k):
                pieces.append(arr[bounds[q] : bounds[q + 1]])
                pieces.append(val[q : q + 1])
            pieces.append(arr[bounds[k] :])
            out.append(np.concatenate(pieces))
        return out
    total = len(arrays[0]) + k
    new_pos = at + np.arange(k)
    old = np.ones(total, bool)
    old[new_pos] = False
    out = []
    for arr, val in zip(arrays, values, strict=True):
        res = np.empty(total, arr.dtype)
        res[new_pos] = val
        res[old] = arr
        out.append(res)
    return out


def _rows(indptr: np.ndarray, people: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of every arc in the rows of ``people``, and which entry of ``people`` owns each."""
    people = np.asarray(people, np.int64)
    start = indptr[people].astype(np.int64)
    count = indptr[people + 1].astype(np.int64) - start
    total = int(count.sum())
    owner = np.repeat(np.arange(people.size), count)
    offset = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    return start[owner] + offset, owner


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
        self._key = np.empty(0, np.int64)
        self._dst = np.empty(0, self._idx)
        self._w = np.empty(0, np.float64)
        self._cls = np.empty(0, np.uint8)
        self._fac = np.empty(0, np.float64)  # weekly decay multiplier of each arc (from its class)
        self._decay_table: np.ndarray | None = None  # the multipliers by class that _fac was built from
        self._indptr = np.zeros(self.n + 1, np.int64)
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

    # -- construction ----------------------------------------------------
    def _set_initial(self, i, j, w):
        n = self.n
        a, b = np.minimum(i, j).astype(np.int64), np.maximum(i, j).astype(np.int64)
        keep = a != b
        keys = a[keep] * n + b[keep]
        w = np.clip(w[keep], 0.0, 1.0)
        order = np.lexsort((-w, keys))  # by key, strongest first
        keys, w = keys[order], w[order]
        first = np.ones(len(keys), bool)
        first[1:] = keys[1:] != keys[:-1]
        keys, w = keys[first], w[first]
        live = w > 0
        keys, w = keys[live], w[live]
        a, b = keys // n, keys % n
        arc_key = np.concatenate([keys, b * n + a])
        order = np.argsort(arc_key, kind="stable")
        self._key = arc_key[order]
        self._w = np.concatenate([w, w])[order]
        src = self._key // n
        self._dst = (self._key - src * n).astype(self._idx)
        self._cls = self._classes(src, self._dst)
        self._fac = np.ones(len(self._w))
        self._indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=self._indptr[1:])
        self._alive = len(self._w)
        self._recount_groups()
        self._touch(structure=True)

    def _classes(self, src, dst) -> np.ndarray:
        cls = np.zeros(len(src), np.uint8)
        if self.group is not None:
            cls |= (self.group[src] == self.group[dst]).astype(np.uint8) * SAME_GROUP
        if self.kind is not None:
            cls |= (self.kind[src] != self.kind[dst]).astype(np.uint8) * CROSS_KIND
            cls |= np.minimum(self.kind[dst], 31).astype(np.uint8) << KIND_SHIFT
        cls |= (self._mark[src] & self._mark[dst]).astype(np.uint8) * BOTH_MARKED
        return cls

    def _recount_groups(self):
        live = (self._w > 0) & ((self._cls & SAME_GROUP) > 0)
        self.group_degree = np.bincount(self._src()[live], minlength=self.n).astype(np.int64)

    def _touch(self, structure: bool = False):
        self._version += 1
        self._cache.clear()
        if structure:
            self._scache.clear()

    def _src(self) -> np.ndarray:
        """Source of every arc (the row of the CSR form)."""
        if "src" not in self._scache:
            self._scache["src"] = np.repeat(np.arange(self.n, dtype=self._idx), np.diff(self._indptr))
        return self._scache["src"]

    def _find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of arcs with these keys, and whether each exists."""
        cur = self._key
        pos = np.searchsorted(cur, keys)
        if len(cur) == 0:
            return pos, np.zeros(len(keys), bool)
        hit = cur[np.minimum(pos, len(cur) - 1)] == keys
        return pos, hit

    def _search(self, keys: np.ndarray) -> np.ndarray:
        """``searchsorted`` into the arc keys; large unsorted batches are sorted first (cache-friendly)."""
        if len(keys) < 256 or len(self._key) < 2**20:
            return np.searchsorted(self._key, keys)
        order = np.argsort(keys)
        out = np.empty(len(keys), np.int64)
        out[order] = np.searchsorted(self._key, keys[order])
        return out

    def _reverse(self, pos: np.ndarray) -> np.ndarray:
        """Positions of the reverse arcs of the arcs at ``pos`` (they always exist)."""
        src = self._key[pos] // self.n
        dst = self._dst[pos].astype(np.int64)
        return self._search(dst * self.n + src)

    # -- read-only views --------------------------------------------------
    def _canonical(self) -> np.ndarray:
        """Positions of live arcs with ``src < dst`` (each tie once, in key order)."""
        if "canon" not in self._cache:
            self._cache["canon"] = np.flatnonzero((self._w > 0) & (self._src() < self._dst))
        return self._cache["canon"]

    @property
    def i(self) -> np.ndarray:
        return (self._key[self._canonical()] // self.n).astype(np.int64)

    @property
    def j(self) -> np.ndarray:
        return self._dst[self._canonical()].astype(np.int64)

    @property
    def w(self) -> np.ndarray:
        return self._w[self._canonical()]

    @property
    def keys(self) -> np.ndarray:
        return self._key[self._canonical()]

    def __len__(self) -> int:
        return self._alive // 2

    # -- contact ---------------------------------------------------------
    def add_contacts(self, i, j, gain) -> None:
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
        log_keep = np.log1p(-np.clip(g, 0.0, 1.0 - 1e-12))
        order = np.argsort(keys, kind="stable")
        keys, log_keep = keys[order], log_keep[order]
        first = np.ones(len(keys), bool)
        first[1:] = keys[1:] != keys[:-1]
        starts = np.flatnonzero(first)
        ukeys = keys[starts]
        keep_factor = np.exp(np.add.reduceat(log_keep, starts))  # prod(1 - g) per pair
        ua, ub = ukeys // n, ukeys % n

        pos, found = self._find(ukeys)
        if found.any():
            p_ab = pos[found]
            p_ba = self._search(ub[found] * n + ua[found])
            old = self._w[p_ab]
            new_w = 1.0 - (1.0 - old) * keep_factor[found]
            self._w[p_ab] = new_w
            self._w[p_ba] = new_w
            revived = old == 0
            if revived.any():
                both = np.concatenate([p_ab[revived], p_ba[revived]])
                self._dead -= len(both)
                self._alive += len(both)
                self._count_groups(both, +1)
        n_new = int(len(ukeys) - found.sum())
        if n_new:
            na, nb = ua[~found], ub[~found]
            nw = 1.0 - keep_factor[~found]
            src = np.concatenate([na, nb])
            dst = np.concatenate([nb, na])
            nkey = src * n + dst
            o = np.argsort(nkey)
            nkey, src, dst, nw2 = nkey[o], src[o], dst[o], np.concatenate([nw, nw])[o]
            at = np.searchsorted(self._key, nkey)
            ncls = self._classes(src, dst)
            nfac = self._factors(ncls)
            self._key, self._dst, self._w, self._cls, self._fac = _insert_sorted(
                [self._key, self._dst, self._w, self._cls, self._fac], at,
                [nkey, dst.astype(self._idx), nw2, ncls, nfac])
            self._indptr[1:] += np.cumsum(np.bincount(src, minlength=n))
            self._alive += len(nkey)
            same = (ncls & SAME_GROUP) > 0
            if same.any():
                self.group_degree += np.bincount(src[same], minlength=n)
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
        new_w = 1.0 - (1.0 - self._w[pos]) * (1.0 - gain)
        self._w[self._reverse(pos)] = new_w
        self._w[pos] = new_w
        self._touch()

    # -- decay, pruning, breaking ------------------------------------------
    def _count_groups(self, pos: np.ndarray, sign: int) -> None:
        same = (self._cls[pos] & SAME_GROUP) > 0
        if same.any():
            src = self._key[pos[same]] // self.n
            self.group_degree += sign * np.bincount(src, minlength=self.n)

    def _kill(self, pos: np.ndarray) -> None:
        """Drop the (live) arcs at ``pos``; both arcs of each tie must be included."""
        if pos.size == 0:
            return
        self._w[pos] = 0.0
        self._count_groups(pos, -1)
        self._alive -= len(pos)
        self._dead += len(pos)
        self._touch()
        if self._dead > max(self.compact_min, self._alive // 4):
            self._compact()

    def _compact(self) -> None:
        keep = self._w > 0
        at = np.concatenate([[0], np.cumsum(keep)])
        idx = np.flatnonzero(keep)
        self._key = self._key[idx]
        self._dst = self._dst[idx]
        self._w = self._w[idx]
        self._cls = self._cls[idx]
        self._fac = self._fac[idx]
        self._indptr = at[self._indptr]
        self._dead = 0
        self._touch(structure=True)

    def _check_zeros(self) -> None:
        """After a decay that may have zeroed weights, book those ties as dropped."""
        live = int(np.count_nonzero(self._w))
        if live != self._alive:
            self._alive, self._dead = live, len(self._w) - live
            self._recount_groups()

    def decay(self, rate) -> None:
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

    def decay_by_class(self, rates) -> None:
        """Multiply each tie by ``1 - rates[c]`` where ``c = class & (SAME_GROUP | BOTH_MARKED)``."""
        factors = 1.0 - np.asarray(rates, np.float64)
        if self._decay_table is None or not np.array_equal(factors, self._decay_table):
            self._decay_table = factors
            self._fac = self._factors(self._cls)
        self._w *= self._fac
        self._touch()
        if np.any(factors <= 0.0):
            self._check_zeros()

    def prune(self, floor: float) -> int:
        """Drop ties weaker than ``floor``; return how many were dropped."""
        w = self._w
        if self._dead * 8 < len(w):  # few dropped arcs (weight 0) among the candidates: filter afterwards
            cand = np.flatnonzero(w < floor)
            cand = cand[w[cand] > 0]
        else:
            cand = np.flatnonzero((w < floor) & (w > 0))
        self._kill(cand)
        return len(cand) // 2

    def remove(self, mask) -> int:
        """Drop the ties where ``mask`` (one bool per tie, in :attr:`keys` order) is true."""
        mask = np.asarray(mask, bool)
        pos = self._canonical()[mask]
        if pos.size:
            self._kill(np.concatenate([pos, self._reverse(pos)]))
        return int(pos.size)

    def remove_people(self, people) -> int:
        """Drop every tie of the given people (they left); return how many ties were dropped."""
        people = sorted_unique(np.asarray(people, np.int64))
        if people.size == 0:
            return 0
        pos, _ = _rows(self._indptr, people)
        pos = pos[self._w[pos] > 0]
        pos = sorted_unique(np.concatenate([pos, self._reverse(pos)]))
        self._kill(pos)
        return len(pos) // 2

    # -- marks (online) ----------------------------------------------------
    def set_marks(self, mark) -> None:
        """Record who is marked (online); ties with both ends marked carry :data:`BOTH_MARKED`.

        Only the ties of people whose mark changed since the last call are touched.
        """
        mark = np.asarray(mark, bool)
        changed = np.flatnonzero(mark != self._mark)
        if changed.size == 0:
            return
        self._mark[changed] = mark[changed]
        pos, _ = _rows(self._indptr, changed)
        if pos.size == 0:
            return
        pos = np.concatenate([pos, self._reverse(pos)])
        src = self._key[pos] // self.n
        both = self._mark[src] & self._mark[self._dst[pos]]
        self._cls[pos] = (self._cls[pos] & ~np.uint8(BOTH_MARKED)) | (both.astype(np.uint8) * BOTH_MARKED)
        self._fac[pos] = self._factors(self._cls[pos])

    def _factors(self, cls: np.ndarray) -> np.ndarray:
        """Decay multipliers of arcs with classes ``cls`` (1 until :meth:`decay_by_class` sets the table)."""
        if self._decay_table is None:
            return np.ones(len(cls))
        return self._decay_table[(cls & (SAME_GROUP | BOTH_MARKED)).astype(np.intp)]

    # -- views -------------------------------------------------------------
    def weight(self, i, j) -> np.ndarray:
        """Trust between pairs (0 where there is no tie)."""
        i = np.asarray(i, np.int64)
        j = np.asarray(j, np.int64)
        pos, hit = self._find(i * self.n + j)
        out = np.zeros(i.shape)
        out[hit] = self._w[pos[hit]]
        return out

    def _all_arcs(self, min_weight: float | None) -> sp.csr_array:
        """CSR over every stored arc: data ``w`` (``None``) or ``w >= min_weight`` as 0/1 (dropped arcs are 0)."""
        key = ("all", min_weight)
        if key not in self._cache:
            if min_weight is None:
                data = self._w
            elif min_weight > 0:
                data = (self._w >= min_weight).astype(np.float64)
            else:
                data = (self._w > 0).astype(np.float64)
            self._cache[key] = sp.csr_array((data, self._dst, self._indptr.astype(self._idx, copy=False)),
                                            shape=(self.n, self.n))
        return self._cache[key]

    def arc_class(self, bit: int) -> np.ndarray:
        """Boolean per stored arc: the arc carries class ``bit`` (:data:`SAME_GROUP` or :data:`CROSS_KIND`)."""
        if bit not in (SAME_GROUP, CROSS_KIND):
            raise ValueError(f"bit = {bit!r}: allowed SAME_GROUP or CROSS_KIND (fixed for a tie's life)")
        key = ("cls", bit)
        if key not in self._scache:
            self._scache[key] = (self._cls & bit) > 0
        return self._scache[key]

    def live_arcs(self, bit: int) -> np.ndarray:
        """Positions of the stored arcs of live ties that carry class ``bit`` (both arcs of each tie), in key order.

        Depends on the set of live ties only, not on dropped arcs still in storage (nor on when storage is
        compacted), so a draw over them does not change when the storage does.
        """
        return np.flatnonzero(self.arc_class(bit) & (self._w > 0))  # (class mask cached per structure)

    def forward(self, pos: np.ndarray) -> np.ndarray:
        """The arcs at ``pos`` that run from the lower slot to the higher (``src < dst``): one arc per tie."""
        # src < dst  <=>  key = src * n + dst < dst * (n + 1)  (a product is cheaper than a division).
        return pos[self._key[pos] < self._dst[pos].astype(np.int64) * (self.n + 1)]

    def arcs_to_kind(self, kind: int) -> np.ndarray:
        """Boolean per stored arc: its destination is of ``kind`` (cached until the ties change)."""
        key = ("to_kind", int(kind))
        if key not in self._scache:
            self._scache[key] = (self._cls >> KIND_SHIFT) == min(int(kind), 31)
        return self._scache[key]

    def neighbour_sum(self, x, min_weight: float = 0.0, binary: bool = False, mask=None) -> np.ndarray:
        """``matrix(min_weight, binary) @ x`` without building the clean matrix.

        With ``mask`` (one bool per stored arc, e.g. from :meth:`working_arcs`), count the arcs where it is true.
        When few people have ``x != 0``, their rows are scattered instead of a full mat-vec (the matrix is
        symmetric, so the two give the same sums, up to rounding).
        """
        x = np.asarray(x)
        if mask is None and x.size:
            nz = x.nonzero()[0]
            if self._few(nz):
                values = np.ones(nz.size) if x.dtype == bool else x[nz].astype(np.float64)
                return self._scatter(nz, values, min_weight, binary)
        x = x.astype(np.float64, copy=False)
        if mask is not None:
            m = sp.csr_array((np.asarray(mask, np.float64), self._dst, self._indptr.astype(self._idx, copy=False)),
                             shape=(self.n, self.n))
            return m @ x
        if binary:
            return self._all_arcs(float(min_weight)) @ x
        if min_weight > 0:
            w = self._w * (self._w >= min_weight)
            m = sp.csr_array((w, self._dst, self._indptr.astype(self._idx, copy=False)), shape=(self.n, self.n))
            return m @ x
        return self._all_arcs(None) @ x

    def _few(self, people: np.ndarray) -> bool:
        """Whether the rows of ``people`` hold under a quarter of the stored arcs (then gather, else mat-vec)."""
        reach = int((self._indptr[people + 1] - self._indptr[people]).sum())
        return 4 * reach < len(self._w)

    def _scatter(self, people, values, min_weight: float, binary: bool) -> np.ndarray:
        pos, owner = _rows(self._indptr, people)
        w = self._w[pos]
        if binary:
            w = ((w >= min_weight) & (w > 0)).astype(np.float64)
        elif min_weight > 0:
            w = w * (w >= min_weight)
        # (np.bincount of no weights gives integers: keep the sums floating point whatever the input)
        return np.bincount(self._dst[pos], weights=w * values[owner], minlength=self.n).astype(np.float64, copy=False)

    def spread(self, people, values, min_weight: float = 0.0, binary: bool = False) -> np.ndarray:
        """``neighbour_sum(x)`` for ``x`` zero except ``x[people] = values`` (``people`` unique)."""
        people = np.asarray(people, np.int64)
        values = np.broadcast_to(np.asarray(values, np.float64), people.shape)
        if self._few(people):
            return self._scatter(people, values, min_weight, binary)
        x = np.zeros(self.n)
        x[people] = values
        return self.neighbour_sum(x, min_weight, binary)

    def row_sums(self, people) -> np.ndarray:
        """:meth:`strength` of the given people only."""
        people = np.asarray(people, np.int64)
        if not self._few(people):
            return self.strength()[people]
        pos, owner = _rows(self._indptr, people)
        return np.bincount(owner, weights=self._w[pos], minlength=people.size).astype(np.float64, copy=False)

    def strength(self) -> np.ndarray:
        """Sum of each person's trust weights (cached until the next change)."""
        if "strength" not in self._cache:
            self._cache["strength"] = self._all_arcs(None) @ np.ones(self.n)
        return self._cache["strength"]

    def working_arcs(self, min_weight: float) -> np.ndarray:
        """Boolean per stored arc: a live tie at or above ``min_weight`` (cached)."""
        key = ("working", float(min_weight))
        if key not in self._cache:
            self._cache[key] = self._w >= min_weight if min_weight > 0 else self._w > 0
        return self._cache[key]

    def graph(self, min_weight: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ties with ``w >= min_weight`` in CSR form: ``(indptr, indices, arc positions)`` (cached)."""
        key = ("graph", float(min_weight))
        if key not in self._cache:
            sel = self.working_arcs(min_weight)
            idx = sel.nonzero()[0]
            at = np.zeros(len(sel) + 1, self._idx if len(sel) < 2**31 - 1 else np.int64)
            np.cumsum(sel.view(np.uint8), dtype=at.dtype, out=at[1:])  # (bytes sum faster than booleans)
            self._cache[key] = (at[self._indptr], self._dst[idx], idx)
        return self._cache[key]

    def matrix(self, min_weight: float = 0.0, binary: bool = False) -> sp.csr_matrix:
        """Symmetric CSR matrix of ties with ``w >= min_weight`` (cached until the next change)."""
        key = ("m", float(min_weight), bool(binary))
        if key not in self._cache:
            indptr, indices, idx = self.graph(min_weight)
            data = np.ones(len(idx)) if binary else self._w[idx]
            self._cache[key] = sp.csr_matrix((data, indices.copy(), indptr.copy()), shape=(self.n, self.n))
        return self._cache[key]

    def rows(self, people, min_weight: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Live ties (weight >= ``min_weight``) of several people: ``(neighbour, owner)`` per tie.

        ``owner`` is the index into ``people`` of the person the tie belongs to.
        """
        pos, owner = _rows(self._indptr, np.asarray(people, np.int64))
        w = self._w[pos]
        ok = (w > 0) & (w >= min_weight)
        return self._dst[pos[ok]].astype(np.int64), owner[ok]

    def degree(self, min_weight: float = 0.0) -> np.ndarray:
        sel = self.working_arcs(min_weight)
        at = np.concatenate([[0], np.cumsum(sel)])
        return at[self._indptr[1:]] - at[self._indptr[:-1]]

    def neighbours(self, person: int, min_weight: float = 0.0) -> np.ndarray:
        lo, hi = self._indptr[person], self._indptr[person + 1]
        w = self._w[lo:hi]
        return self._dst[lo:hi][(w > 0) & (w >= min_weight)].astype(np.int64)

    def ties_of(self, person: int) -> dict[int, float]:
        lo, hi = self._indptr[person], self._indptr[person + 1]
        w = self._w[lo:hi]
        live = w > 0
        return dict(zip(self._dst[lo:hi][live].tolist(), w[live].tolist(), strict=True))

    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self._key, self._dst, self._w, self._cls, self._fac, self._indptr,
                                      self.group_degree))

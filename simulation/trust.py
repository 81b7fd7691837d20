"""The trust network: weighted, undirected ties between people, 0 < w <= 1.

Ties are kept as sorted edge arrays (``i < j``, keyed ``i * n + j``) so that
every weekly update is a whole-array operation: contacts are buffered during
a step and merged in one pass (:meth:`TrustNetwork.commit`), decay and
pruning touch every tie once, and a symmetric :mod:`scipy.sparse` matrix is
built on demand for the contagion and the metrics.

Mechanism 1 of the brief: trust forms through contact (faster in safe,
informal settings) and decays without it (slower for online pairs and for
colleagues whose daily work renews the tie). A contact with gain ``g`` moves
a tie towards 1: ``w <- w + g (1 - w)``; several contacts in one step combine
as ``1 - (1 - w) * prod(1 - g)``, so the order of contacts never matters.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class TrustNetwork:
    """Undirected weighted ties among ``n`` people."""

    def __init__(self, n: int, i=None, j=None, w=None):
        self.n = int(n)
        self.i = np.empty(0, np.int64)
        self.j = np.empty(0, np.int64)
        self.w = np.empty(0, np.float64)
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._version = 0
        self._cache: dict = {}
        if i is not None:
            self._set_initial(np.asarray(i), np.asarray(j), np.asarray(w, dtype=np.float64))

    # -- construction ----------------------------------------------------
    def _set_initial(self, i, j, w):
        a, b = np.minimum(i, j).astype(np.int64), np.maximum(i, j).astype(np.int64)
        keep = a != b
        keys = a[keep] * self.n + b[keep]
        w = np.clip(w[keep], 0.0, 1.0)
        order = np.lexsort((-w, keys))  # by key, strongest first
        keys, w = keys[order], w[order]
        first = np.ones(len(keys), bool)
        first[1:] = keys[1:] != keys[:-1]
        keys, w = keys[first], w[first]
        self.i, self.j, self.w = keys // self.n, keys % self.n, w
        self._touch()

    @property
    def keys(self) -> np.ndarray:
        return self.i * self.n + self.j

    def __len__(self) -> int:
        return len(self.w)

    def _touch(self):
        self._version += 1
        self._cache.clear()

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
        if not ok.any():
            return 0
        keys = a[ok] * self.n + b[ok]
        log_keep = np.log1p(-np.clip(g[ok], 0.0, 1.0 - 1e-12))
        ukeys, inv = np.unique(keys, return_inverse=True)
        keep_factor = np.exp(np.bincount(inv, weights=log_keep))  # prod(1 - g) per pair
        cur = self.keys
        pos = np.searchsorted(cur, ukeys)
        found = pos < len(cur)
        found[found] = cur[pos[found]] == ukeys[found]
        self.w[pos[found]] = 1.0 - (1.0 - self.w[pos[found]]) * keep_factor[found]
        new = ~found
        n_new = int(new.sum())
        if n_new:
            nk = ukeys[new]
            at = pos[new]
            self.i = np.insert(self.i, at, nk // self.n)
            self.j = np.insert(self.j, at, nk % self.n)
            self.w = np.insert(self.w, at, 1.0 - keep_factor[new])
        self._touch()
        return n_new

    # -- decay, pruning, breaking ------------------------------------------
    def decay(self, rate) -> None:
        """Multiply every tie by ``1 - rate`` (``rate`` a scalar or one value per tie)."""
        self.w *= 1.0 - np.asarray(rate)
        self._touch()

    def prune(self, floor: float) -> int:
        """Drop ties weaker than ``floor``; return how many were dropped."""
        keep = self.w >= floor
        dropped = int(len(keep) - keep.sum())
        if dropped:
            self._keep(keep)
        return dropped

    def remove(self, mask) -> int:
        """Drop the ties where ``mask`` (one bool per tie) is true."""
        mask = np.asarray(mask, bool)
        if mask.any():
            self._keep(~mask)
        return int(mask.sum())

    def remove_people(self, people) -> int:
        """Drop every tie of the given people (they left)."""
        gone = np.zeros(self.n, bool)
        gone[np.asarray(people, np.int64)] = True
        return self.remove(gone[self.i] | gone[self.j])

    def _keep(self, keep):
        self.i, self.j, self.w = self.i[keep], self.j[keep], self.w[keep]
        self._touch()

    # -- views -------------------------------------------------------------
    def weight(self, i, j) -> np.ndarray:
        """Trust between pairs (0 where there is no tie)."""
        i = np.asarray(i, np.int64)
        j = np.asarray(j, np.int64)
        keys = np.minimum(i, j) * self.n + np.maximum(i, j)
        cur = self.keys
        pos = np.searchsorted(cur, keys)
        pos = np.minimum(pos, max(len(cur) - 1, 0))
        out = np.zeros(keys.shape)
        if len(cur):
            hit = cur[pos] == keys
            out[hit] = self.w[pos[hit]]
        out[i == j] = 0.0
        return out

    def matrix(self, min_weight: float = 0.0, binary: bool = False) -> sp.csr_matrix:
        """Symmetric CSR matrix of ties with ``w >= min_weight`` (cached until the next change)."""
        key = ("m", float(min_weight), bool(binary))
        if key not in self._cache:
            sel = self.w >= min_weight
            i, j = self.i[sel], self.j[sel]
            data = np.ones(len(i)) if binary else self.w[sel]
            m = sp.csr_matrix(
                (np.concatenate([data, data]), (np.concatenate([i, j]), np.concatenate([j, i]))),
                shape=(self.n, self.n),
            )
            m.sum_duplicates()
            self._cache[key] = m
        return self._cache[key]

    def degree(self, min_weight: float = 0.0) -> np.ndarray:
        sel = self.w >= min_weight
        return np.bincount(self.i[sel], minlength=self.n) + np.bincount(self.j[sel], minlength=self.n)

    def neighbours(self, person: int, min_weight: float = 0.0) -> np.ndarray:
        m = self.matrix(min_weight)
        return m.indices[m.indptr[person] : m.indptr[person + 1]]

    def ties_of(self, person: int) -> dict[int, float]:
        m = self.matrix()
        lo, hi = m.indptr[person], m.indptr[person + 1]
        return dict(zip(m.indices[lo:hi].tolist(), m.data[lo:hi].tolist(), strict=True))


def group_pairs(members: np.ndarray, group_size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle ``members`` into tables of ``group_size`` and return every pair at a table.

    The last table takes whoever is left (it may be smaller). Vectorised: the
    pairs of a full table are precomputed positions, applied to all tables.
    """
    members = np.asarray(members, np.int64)
    if len(members) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    g = min(group_size, len(members))
    perm = rng.permutation(members)
    n_tables = -(-len(perm) // g)
    padded = np.full(n_tables * g, -1, np.int64)
    padded[: len(perm)] = perm
    tables = padded.reshape(n_tables, g)
    a, b = np.triu_indices(g, k=1)
    i, j = tables[:, a].ravel(), tables[:, b].ravel()
    ok = (i >= 0) & (j >= 0)
    return i[ok], j[ok]


def phase(model) -> None:
    """Weekly trust upkeep: decay (slower at work and online), pruning, everyday colleague contact."""
    people, p, net = model.people, model.params, model.trust
    t = p.trust
    same_org = people.org[net.i] == people.org[net.j]
    both_online = people.online[net.i] & people.online[net.j]
    rate = t.decay * np.where(same_org, t.workplace_decay_factor, 1.0) * np.where(both_online, t.online_decay_factor,
                                                                                  1.0)
    net.decay(rate)
    net.prune(t.floor)
    rng = model.streams.network
    colleagues = people.org[net.i] == people.org[net.j]
    if t.workplace_renewal > 0:
        renew = np.flatnonzero(colleagues & (rng.random(len(net)) < t.workplace_renewal))
        net.add_contacts(net.i[renew], net.j[renew], t.contact_gain * t.workplace_safety)
    if t.workplace_contact_rate > 0:
        deg = np.bincount(net.i[colleagues], minlength=people.n) + np.bincount(net.j[colleagues], minlength=people.n)
        lonely = deg < p.network.within_org_degree
        who = np.flatnonzero(lonely & (rng.random(people.n) < t.workplace_contact_rate))
        lo = model.org_start[who]
        size = model.org_end[who] - lo
        partner = lo + (rng.random(who.size) * size).astype(np.int64)
        net.add_contacts(who, partner, t.contact_gain * t.workplace_safety)


def commit_phase(model) -> None:
    """Merge the contacts buffered so far, so later phases see this week's ties."""
    model.trust.commit()

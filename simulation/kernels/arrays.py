"""Small array helpers shared by the mechanisms and the tie storage: sampling, sorted sets, pairs at tables.

Plain numpy, vectorised; none of them knows about the model. Each is tested against the obvious slow version
(``tests/test_scale.py``, ``tests/test_trust.py``).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt


def bernoulli_indices(rng: np.random.Generator, size: int, p: float) -> np.ndarray:
    """Indices ``k`` in ``range(size)``, each present independently with chance ``p``.

    Drawn as geometric gaps between successes, so the cost is proportional
    to the number picked, not to ``size``.
    """
    if size <= 0 or p <= 0:
        return np.empty(0, np.int64)
    if p >= 1:
        return np.arange(size, dtype=np.int64)
    mean = size * p
    chunk = int(mean + 6.0 * np.sqrt(mean) + 16)
    parts, last = [], -1
    while last < size - 1:
        pos = last + np.cumsum(np.minimum(rng.geometric(p, chunk), size + 1))  # a gap past the end ends it
        parts.append(pos)
        last = int(pos[-1])
        chunk = int(max(16, (size - 1 - last) * p * 1.5 + 16))
    out = np.concatenate(parts) if len(parts) > 1 else parts[0]
    return out[: np.searchsorted(out, size)]


def cap_per_group(candidates: np.ndarray, group: np.ndarray, free: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The ``candidates`` (indices) that fit: at most ``free[g]`` of those in group ``group[c] == g``.

    Where more want in than fit, the ones who get in are drawn at random (without replacement); where all
    fit, the candidates come back unchanged and ``rng`` is not used, so a cap that never binds changes nothing.
    """
    candidates = np.asarray(candidates, np.int64)
    g = group[candidates]
    room = np.maximum(np.asarray(free, np.int64), 0)
    counts = np.bincount(g, minlength=room.size)
    over = np.flatnonzero(counts > room)  # group ids index ``free``, so counts has room's length
    if over.size == 0:
        return candidates
    keep = np.ones(candidates.size, bool)
    for k in over.tolist():
        mine = np.flatnonzero(g == k)
        keep[mine] = False
        keep[rng.choice(mine, int(room[k]), replace=False)] = True
    return candidates[keep]


def sorted_unique(a: npt.ArrayLike) -> np.ndarray:
    """``np.unique(a)`` by sorting (numpy's hash-based unique is slow on the small arrays used here)."""
    s = np.sort(np.asarray(a).ravel())
    if s.size < 2:
        return s
    keep = np.empty(s.size, bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def unique_counts(a: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(a, return_counts=True)`` by sorting."""
    s = np.sort(np.asarray(a).ravel())
    if s.size == 0:
        return s, np.empty(0, np.int64)
    keep = np.empty(s.size, bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    starts = np.flatnonzero(keep)
    return s[starts], np.diff(np.append(starts, s.size))


@functools.lru_cache(maxsize=64)
def _table_pairs(g: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.triu_indices(g, k=1)``, cached (read-only arrays)."""
    a, b = np.triu_indices(g, k=1)
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


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
    a, b = _table_pairs(g)
    i, j = tables[:, a].ravel(), tables[:, b].ravel()
    ok = (i >= 0) & (j >= 0)
    return i[ok], j[ok]

"""Graph kernels on a symmetric graph in CSR form: triangles through each node, connected components.

The metrics read the working-tie graph (:meth:`simulation.kernels.network.TrustNetwork.graph`) through these once
a week; both are exact and are tested against networkx on random graphs (``tests/test_metrics.py``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

try:  # scipy's labelling routine behind connected_components (see component_labels)
    from scipy.sparse.csgraph._traversal import _connected_components_undirected as _cc_undirected
except ImportError:  # pragma: no cover - another scipy layout
    _cc_undirected = None


def triangles(indptr: np.ndarray, indices: np.ndarray, n: int) -> np.ndarray:
    """Number of triangles through each node of a *symmetric* graph in CSR form (no self-loops).

    Each tie is oriented from the end of lower degree to the end of higher
    degree (ties broken by index); every triangle then shows up exactly once
    as a pair of out-neighbours of its lowest node that are tied to each
    other, and counts for all three of its nodes. Exact (integer counts), and
    far fewer pairs to check than ``(A @ A) * A`` multiplies out.
    """
    indptr = np.asarray(indptr, np.int64)
    out = np.zeros(n, np.int64)
    if n == 0 or indptr[-1] == 0:
        return out
    deg = np.diff(indptr)
    rank = deg * n + np.arange(n)
    row = np.repeat(np.arange(n), deg)
    fwd = np.flatnonzero(rank[row] < rank[indices])
    orow, ocol = row[fwd], indices[fwd].astype(np.int64)
    optr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(orow, minlength=n), out=optr[1:])
    m = len(fwd)
    later = optr[1:][orow] - np.arange(m) - 1  # out-neighbours after each one in its row
    pairs = int(later.sum())
    if pairs == 0:
        return out
    first = np.repeat(np.arange(m), later)
    second = np.arange(1, pairs + 1) - np.repeat(np.cumsum(later) - later - np.arange(m), later)
    a, b = ocol[first], ocol[second]
    if n * n <= _DENSE_LOOKUP_MAX:
        table = np.zeros(n * n, bool)
        table[row * n + indices] = True
        closed = np.flatnonzero(table[a * n + b])
    else:
        keys = row * n + indices
        q = a * n + b
        pos = np.searchsorted(keys, q)
        closed = np.flatnonzero(keys[np.minimum(pos, len(keys) - 1)] == q)
    out += np.bincount(orow[first[closed]], minlength=n)
    out += np.bincount(a[closed], minlength=n)
    out += np.bincount(b[closed], minlength=n)
    return out


_DENSE_LOOKUP_MAX = 1 << 22  # up to 2,048 people, look ties up in an n x n table of booleans (4 MB at most)


def component_labels(indptr: np.ndarray, indices: np.ndarray, n: int) -> np.ndarray:
    """Connected-component label of each node of a *symmetric* graph in CSR form.

    Uses scipy's labelling routine directly. That routine follows the arcs
    of a graph and of its transpose; the graph is symmetric, so its own arcs
    already reach every neighbour and an empty graph stands in for the
    transpose (which ``connected_components(directed=False)`` would build,
    and which would make every arc be followed twice). Falls back to the
    public function, whose strongly connected components of a symmetric
    graph are the same, if that routine is not there.
    """
    if _cc_undirected is not None and indices.dtype == np.int32 and indptr.dtype == np.int32:
        labels = np.empty(n, np.int32)
        try:
            _cc_undirected(indices, indptr, np.empty(0, np.int32), np.zeros(n + 1, np.int32), labels)
            return labels
        except (TypeError, ValueError):
            pass
    g = sp.csr_array((np.ones(len(indices)), indices, indptr), shape=(n, n))
    return connected_components(g, directed=True, connection="strong")[1]

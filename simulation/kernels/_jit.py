"""How the kernels are compiled: ``numba.njit`` with an on-disk cache (see docs/performance.md, "Compiled kernels").

``jit`` compiles a function to machine code the first time it is called with a given set of argument types and
stores the result next to the source (``__pycache__``), or under ``NUMBA_CACHE_DIR`` when that is set (numba's own
setting; use it where the package folder is read-only). A second process, a sweep worker or a Dask worker then
loads the compiled code instead of compiling it again.

Floating point: no ``fastmath`` (no reordering of sums, no fused multiply-adds), ``error_model="numpy"`` (a
division by zero gives inf or nan as numpy does, instead of raising), so a compiled kernel that adds the same
numbers in the same order gives the same bits as the numpy code it replaced. Sums that numpy computes pairwise
(``np.sum``, ``np.mean``, ``np.add.reduceat``) are left to numpy by the callers.

Across processors: numpy's ``exp``, ``log``, ``log1p`` and ``power`` take AVX-512 code paths where the processor has
them, and their last bit can differ from the same call on a processor without. State that the model carries from
week to week (trust weights, knowledge of other sectors) is therefore updated with additions and multiplications
only (``keep_products``; a product table in ``events.grow_knowledge``), so a run gives the same bits on any x86-64
machine; ``exp`` appears only in a probability compared with a fresh uniform draw, where a last-bit difference
changes an outcome about once in 10^16 draws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba


def jit[F: Callable[..., Any]](fn: F) -> F:
    """Compile ``fn`` with numba (no Python objects inside, cached on disk, the GIL released)."""
    return numba.njit(cache=True, nogil=True, error_model="numpy")(fn)  # type: ignore[return-value]

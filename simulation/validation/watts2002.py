"""Docking case ``watts2002``: global cascades on random graphs (Watts 2002, PNAS 99:5766).

Set-up as in the paper: Erdős–Rényi graphs of ``n`` nodes and mean degree
``z``, a uniform threshold ``phi`` (a node adopts once at least that share
of its neighbours has), one random initial adopter, a new graph for every
run. The spread is the model's own kernel,
:func:`simulation.kernels.contagion.threshold_cascade`: each step the exposure share
(:func:`~simulation.kernels.contagion.exposure`, i.e. :func:`~simulation.kernels.contagion.share`
of ``W @ active`` and the row sums of ``W``) and the threshold response of
:func:`~simulation.kernels.contagion.adoption_probability` with ``rate = 1``. The
mindset phase calls the same ``share`` and ``adoption_probability`` each
week (:func:`simulation.mechanisms.mindset.phase`; it gets ``W @ active`` and the row
sums from the trust network's sparse scatter, for the people in play only,
and a property test in ``tests/test_mindset.py`` checks that its share equals
``exposure``'s). Here they are configured to Watts's limiting case
(unweighted ties, one threshold, no external adoption, no lapsing).

Reference results, computed here from Watts's generating-function analysis
for the Poisson degree distribution (``rho_k = 1`` when ``phi <= 1/k``):

* the cascade condition ``sum_k k (k - 1) rho_k p_k > z`` gives the cascade
  window (for ``phi = 0.18`` about ``1.05 < z < 6.2``; Watts's Fig. 1
  shows cascades in roughly ``1 < z < 6-7``);
* the chance that a random seed triggers a global cascade is the share of
  nodes in or next to the giant vulnerable cluster,
  ``P = 1 - sum_k p_k u^k`` with ``u = 1 - sum_k (k p_k / z) rho_k (1 - u^(k-1))``;
* near the upper edge of the window cascades are rare but, when they
  happen, take over almost the whole network (the paper's "robust yet
  fragile" result).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import optimize, stats

from ..kernels.contagion import threshold_cascade
from ..population import random_pairs
from .common import OKABE_ITO, CaseResult, Comparison, fmt, seeded

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from typing import Any

    from matplotlib.figure import Figure


NAME = "watts2002"
TITLE = "Global cascades on Erdős–Rényi graphs (Watts 2002)"
CITATION = "Watts D.J. (2002) A simple model of global cascades on random networks. PNAS 99(9):5766-5771"
DEFAULTS: dict[str, Any] = dict(
    n=10_000, runs=200, phi=0.18, z=(0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 9, 10)
)
CASCADE_SHARE = 0.1  # a run is a global cascade when more than this share adopts


def er_graph(n: int, z: float, rng: np.random.Generator) -> sp.csr_matrix:
    """G(n, p) with ``p = z / (n - 1)``, as a symmetric 0/1 CSR matrix.

    The number of edges is Binomial(n(n-1)/2, p) and the edges are a uniform
    sample of node pairs without replacement: exactly Erdős–Rényi.
    """
    i, j = random_pairs(n, z, rng)
    m = len(i)
    upper = sp.csr_matrix((np.ones(m), (i, j)), shape=(n, n))
    return (upper + upper.T).tocsr()


def _vulnerable(k: np.ndarray, phi: float) -> np.ndarray:
    """rho_k: a node of degree k adopts after one active neighbour (the kernel's rule: 1/k >= phi)."""
    with np.errstate(divide="ignore"):
        return ((k >= 1) & (1.0 / np.maximum(k, 1) >= phi)).astype(float)


def _poisson(z: float) -> tuple[np.ndarray, np.ndarray]:
    kmax = int(z + 12 * np.sqrt(z + 1) + 20)
    k = np.arange(kmax + 1)
    return k, stats.poisson.pmf(k, z)


def cascade_condition(z: float, phi: float) -> float:
    """``sum_k k(k-1) rho_k p_k - z``: positive inside the cascade window (Watts 2002, eq. 7)."""
    k, pk = _poisson(z)
    return float(np.sum(k * (k - 1) * _vulnerable(k, phi) * pk) - z)


@functools.lru_cache(maxsize=16)
def analytic_window(phi: float, z_max: float = 30.0) -> tuple[float, float]:
    """The interval of mean degree where the cascade condition holds (NaNs if it never does)."""
    grid = np.linspace(0.01, z_max, 3000)
    k = np.arange(int(z_max + 12 * np.sqrt(z_max + 1) + 20) + 1)
    vals = stats.poisson.pmf(k[None, :], grid[:, None]) @ (k * (k - 1) * _vulnerable(k, phi)) - grid
    inside = np.flatnonzero(vals > 0)
    if inside.size == 0:
        return float("nan"), float("nan")
    a, b = inside[0], inside[-1]
    lo = optimize.brentq(cascade_condition, grid[a - 1], grid[a], args=(phi,)) if a > 0 else grid[0]
    hi = optimize.brentq(cascade_condition, grid[b], grid[b + 1], args=(phi,)) if b + 1 < grid.size else z_max
    return float(lo), float(hi)


def analytic_cascade_probability(z: float, phi: float) -> float:
    """Share of seeds in or next to the giant vulnerable cluster (generating functions)."""
    k, pk = _poisson(z)
    rho = _vulnerable(k, phi)
    qk = k * pk / z if z > 0 else np.zeros_like(pk)

    def f(u: float) -> float:
        return 1.0 - np.sum(qk * rho * (1.0 - u ** np.maximum(k - 1, 0))) - u

    # u = 1 always solves f(u) = 0; the giant cluster exists when a smaller root does.
    us = np.linspace(0.0, 1.0 - 1e-9, 2001)
    fs = 1.0 - (1.0 - us[:, None] ** np.maximum(k - 1, 0)) @ (qk * rho) - us
    sign = np.flatnonzero(np.diff(np.sign(fs)) != 0)
    if sign.size == 0:
        return 0.0
    u = optimize.brentq(f, us[sign[0]], us[sign[0] + 1])
    return float(1.0 - np.sum(pk * u**k))


def simulate(
    *, n: int, runs: int, z: Sequence[float] = DEFAULTS["z"], phi: float = DEFAULTS["phi"], seed: int = 0
) -> pd.DataFrame:
    """One row per mean degree: share of runs with a global cascade and their mean size."""
    rows = []
    for zi, zv in enumerate(z):
        sizes = np.empty(runs)
        for r in range(runs):
            rng = seeded(seed, zi, r)
            W = er_graph(n, float(zv), rng)
            seeds = np.zeros(n, bool)
            seeds[rng.integers(n)] = True
            final, _ = threshold_cascade(W, seeds, phi, mode="share")
            sizes[r] = final.mean()
        hit = sizes > CASCADE_SHARE
        rows.append(
            dict(
                z=float(zv),
                cascade_probability=hit.mean(),
                mean_cascade_size=sizes[hit].mean() if hit.any() else np.nan,
                runs=runs,
                analytic_cascade_probability=analytic_cascade_probability(float(zv), phi),
            )
        )
    return pd.DataFrame(rows)


def evaluate(table: pd.DataFrame, *, n: int, phi: float) -> CaseResult:
    lo, hi = analytic_window(phi)
    runs = int(table.runs.iloc[0])
    z, prob, size = table.z.to_numpy(), table.cascade_probability.to_numpy(), table.mean_cascade_size.to_numpy()
    happened = z[prob > 0]
    ours_window = f"{fmt(happened.min())} <= z <= {fmt(happened.max())}" if happened.size else "no cascades at all"
    # Tolerances for a finite n: cascades are expected clearly inside the window, and none clearly outside.
    inner = (z >= lo + 0.4) & (z <= hi - 0.4)
    outer = (z < lo - 0.1) | (z > hi + 0.6)
    comps = [
        Comparison(
            "cascade window",
            f"analytic {lo:.2f} < z < {hi:.2f}; paper's simulations roughly 1 < z < 6-7",
            f"global cascades seen for {ours_window} (grid {', '.join(fmt(v) for v in z)})",
            bool(inner.any() and (prob[inner] > 0).all() and (prob[outer] <= 1.0 / runs).all()),
        ),
    ]
    dev = np.abs(prob - table.analytic_cascade_probability.to_numpy())
    interior = (z >= lo + 0.5) & (z <= hi - 0.5)
    tol = 0.05 + 2.0 * np.sqrt(0.25 / runs)
    comps.append(
        Comparison(
            "cascade probability inside the window",
            "share of seeds in or next to the giant vulnerable cluster (generating functions)",
            f"largest |simulated - analytic| = {dev[interior].max():.3f} over z in [{lo + 0.5:.2f}, {hi - 0.5:.2f}]"
            f" (tolerance {tol:.3f}: sampling error of {runs} runs + finite n)"
            if interior.any()
            else "no interior z",
            bool(interior.any() and dev[interior].max() <= tol),
        )
    )
    upper = np.flatnonzero((prob > 0) & (z >= (lo + hi) / 2))
    if upper.size:
        last = upper[-1]
        comps.append(
            Comparison(
                "robust yet fragile (upper edge)",
                "near the upper edge cascades are rare but take over almost the whole network",
                f"at z = {fmt(z[last])}: cascade probability {prob[last]:.3f}, mean size {size[last]:.3f}",
                bool(prob[last] < 0.5 and size[last] >= 0.9),
            )
        )
    else:
        comps.append(
            Comparison(
                "robust yet fragile (upper edge)",
                "rare, whole-network cascades near the upper edge",
                "no cascades in the upper half of the window",
                False,
            )
        )
    return CaseResult(
        NAME,
        TITLE,
        CITATION,
        f"n = {n:,}, phi = {phi}, one random seed, {runs} runs per z, "
        f"a new graph per run; kernel simulation.kernels.contagion.threshold_cascade",
        table,
        comps,
    )


def plot(table: pd.DataFrame) -> Figure:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    lo, hi = analytic_window(float(table.attrs.get("phi", DEFAULTS["phi"])))
    ax.axvspan(lo, hi, color="#999999", alpha=0.15, lw=0, label=f"analytic cascade window ({lo:.2f}-{hi:.2f})")
    zz = np.linspace(max(0.05, table.z.min()), table.z.max(), 300)
    phi = float(table.attrs.get("phi", DEFAULTS["phi"]))
    ax.plot(
        zz,
        [analytic_cascade_probability(v, phi) for v in zz],
        color=OKABE_ITO[0],
        lw=1.2,
        ls="--",
        label="analytic cascade probability",
    )
    ax.plot(table.z, table.cascade_probability, "o", color=OKABE_ITO[0], label="simulated cascade probability")
    ax.plot(
        table.z,
        table.mean_cascade_size,
        "s",
        color=OKABE_ITO[1],
        mfc="none",
        label="simulated mean cascade size (share)",
    )
    ax.set_xlabel("mean degree z (neighbours per node)")
    ax.set_ylabel("probability / share of nodes (0-1)")
    ax.set_ylim(-0.02, 1.05)
    ax.legend(fontsize=7, loc="center right")
    return fig


def run_case(
    simulate: Callable[..., pd.DataFrame],
    evaluate: Callable[..., CaseResult],
    defaults: Mapping[str, Any],
    *,
    n: int | None = None,
    runs: int | None = None,
    z: Iterable[float] | None = None,
    phi: float | None = None,
    seed: int = 0,
) -> CaseResult:
    """Fill the defaults, simulate the cascade table and evaluate it (shared with the full-step case)."""
    n = defaults["n"] if n is None else n
    runs = defaults["runs"] if runs is None else runs
    z = defaults["z"] if z is None else tuple(z)
    phi = defaults["phi"] if phi is None else phi
    table = simulate(n=n, runs=runs, z=z, phi=phi, seed=seed)
    table.attrs["phi"] = phi
    return evaluate(table, n=n, phi=phi)


def run(
    *,
    n: int | None = None,
    runs: int | None = None,
    z: Iterable[float] | None = None,
    phi: float | None = None,
    seed: int = 0,
) -> CaseResult:
    return run_case(simulate, evaluate, DEFAULTS, n=n, runs=runs, z=z, phi=phi, seed=seed)

"""Docking case ``centola2007``: simple and complex contagion on rewired ring lattices.

Centola & Macy (2007) start from a ring lattice where each node is tied to
its ``degree`` nearest neighbours, rewire a share of ties at random while
keeping every node's degree, seed one node and its whole neighbourhood,
and let nodes adopt once ``threshold`` neighbours have (threshold 1: a
simple contagion such as news or a disease; threshold 2: a complex
contagion that needs social reinforcement).

The spread is the model's own kernel,
:func:`simulation.kernels.contagion.threshold_cascade` with ``mode="count"``
(exposure is the number of active neighbours, the threshold response of
``adoption_probability``), here with unit ties and no lapsing. The mindset
phase calls the same ``adoption_probability`` each week, on the
trust-weighted share rather than the count (the count mode is the docking
case's own configuration).

Rewiring (degree-preserving, in the spirit of the paper): every tie is
picked with chance ``rewiring``; the picked ties are paired at random and
each pair ``(a, b), (c, d)`` becomes ``(a, d), (c, b)`` unless that would
make a self-tie or a duplicate (then the pair is left as it was). At
``rewiring = 1`` the lattice becomes a random graph with the same degrees.

Reference results (Centola & Macy 2007, Figs. 2-4): rewiring makes a simple
contagion spread much faster (the small-world effect), while a complex
contagion, which spreads through the whole ring lattice, slows down and
then fails to spread as the lattice is randomised: wide bridges are lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..kernels.contagion import threshold_cascade
from .common import MARKERS, OKABE_ITO, CaseResult, Comparison, fmt, seeded

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from matplotlib.figure import Figure


NAME = "centola2007"
TITLE = "Simple vs complex contagion on rewired ring lattices (Centola & Macy 2007)"
CITATION = (
    "Centola D., Macy M. (2007) Complex contagions and the weakness of long ties. "
    "American Journal of Sociology 113(3):702-734"
)
DEFAULTS: dict[str, Any] = dict(
    n=1_000,
    runs=40,
    degrees=(4, 8),
    thresholds=(1, 2),
    rewiring=(0.0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0),
)
SPREAD_SHARE = 0.9  # a run "spreads" when at least this share adopts


def ring_edges(n: int, degree: int) -> tuple[np.ndarray, np.ndarray]:
    """Ties of a ring lattice: each node to its ``degree / 2`` neighbours on either side."""
    if degree % 2 or not 2 <= degree < n:
        raise ValueError(f"degree = {degree}: allowed an even number from 2 to {n - 1}")
    u = np.repeat(np.arange(n), degree // 2)
    v = (u + np.tile(np.arange(1, degree // 2 + 1), n)) % n
    return u, v


def rewire(u: np.ndarray, v: np.ndarray, share: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Degree-preserving rewiring of about ``share`` of the ties (see the module docstring)."""
    u, v = u.copy(), v.copy()
    picked = rng.permutation(np.flatnonzero(rng.random(u.size) < share))
    if picked.size < 2:
        return u, v
    ties = {(min(a, b), max(a, b)) for a, b in zip(u.tolist(), v.tolist(), strict=True)}
    for a, b in zip(picked[0::2].tolist(), picked[1::2].tolist(), strict=False):
        new1, new2 = (u[a], v[b]), (u[b], v[a])
        if new1[0] == new1[1] or new2[0] == new2[1]:
            continue
        k1, k2 = (min(new1), max(new1)), (min(new2), max(new2))
        if k1 == k2 or k1 in ties or k2 in ties:
            continue
        ties.discard((min(u[a], v[a]), max(u[a], v[a])))
        ties.discard((min(u[b], v[b]), max(u[b], v[b])))
        ties.update((k1, k2))
        v[a], v[b] = new1[1], new2[1]
    return u, v


def adjacency(n: int, u: np.ndarray, v: np.ndarray) -> sp.csr_matrix:
    upper = sp.csr_matrix((np.ones(u.size), (u, v)), shape=(n, n))
    return (upper + upper.T).tocsr()


def simulate(
    *,
    n: int,
    runs: int,
    degrees: Sequence[int] = DEFAULTS["degrees"],
    thresholds: Sequence[int] = DEFAULTS["thresholds"],
    rewiring: Sequence[float] = DEFAULTS["rewiring"],
    seed: int = 0,
) -> pd.DataFrame:
    """One row per (rewiring, threshold, degree): mean final share and mean steps of the runs that spread."""
    rows = []
    for di, degree in enumerate(degrees):
        u0, v0 = ring_edges(n, degree)
        for ri, share in enumerate(rewiring):
            for ti, threshold in enumerate(thresholds):
                finals, steps = np.empty(runs), np.empty(runs)
                for r in range(runs):
                    rng = seeded(seed, di, ri, ti, r)
                    W = adjacency(n, *rewire(u0, v0, share, rng))
                    focal = rng.integers(n)
                    seeds = np.zeros(n, bool)
                    seeds[focal] = True
                    seeds[W.indices[W.indptr[focal] : W.indptr[focal + 1]]] = True
                    final, steps[r] = threshold_cascade(W, seeds, float(threshold), mode="count")
                    finals[r] = final.mean()
                spread = finals >= SPREAD_SHARE
                rows.append(
                    dict(
                        rewiring=float(share),
                        threshold=int(threshold),
                        degree=int(degree),
                        adoption_share=finals.mean(),
                        steps_to_spread=steps[spread].mean() if spread.any() else np.nan,
                        spread_share=spread.mean(),
                        runs=runs,
                    )
                )
    return pd.DataFrame(rows)


def evaluate(table: pd.DataFrame, *, n: int) -> CaseResult:
    comps = []
    lo, hi = table.rewiring.min(), table.rewiring.max()
    for degree in sorted(table.degree.unique()):
        d = table[table.degree == degree]
        s = d[d.threshold == 1].set_index("rewiring")
        c = d[d.threshold == d.threshold.max()].set_index("rewiring")
        t_c = int(d.threshold.max())
        comps.append(
            Comparison(
                f"simple contagion, degree {degree}",
                "spreads everywhere; rewiring shortens the time to spread many-fold",
                f"adoption {s.adoption_share.min():.2f}-{s.adoption_share.max():.2f}; steps "
                f"{fmt(s.steps_to_spread[lo])} at rewiring {fmt(lo)} -> {fmt(s.steps_to_spread[hi])} at {fmt(hi)}",
                bool(s.adoption_share.min() >= SPREAD_SHARE and s.steps_to_spread[hi] <= 0.25 * s.steps_to_spread[lo]),
            )
        )
        comps.append(
            Comparison(
                f"complex contagion (threshold {t_c}), degree {degree}",
                "spreads through the ring lattice; fails when the lattice is randomised",
                f"adoption {c.adoption_share[lo]:.2f} at rewiring {fmt(lo)}, {c.adoption_share[hi]:.3f} at {fmt(hi)}; "
                f"steps {fmt(c.steps_to_spread[lo])} on the ring",
                bool(c.adoption_share[lo] >= SPREAD_SHARE and c.adoption_share[hi] <= 0.1),
            )
        )
    runs = int(table.runs.iloc[0])
    return CaseResult(
        NAME,
        TITLE,
        CITATION,
        f"ring lattice n = {n:,}, degree {', '.join(map(str, sorted(table.degree.unique())))}, "
        f"thresholds {', '.join(map(str, sorted(table.threshold.unique())))} adopting neighbours, "
        f"degree-preserving rewiring, seed = a node and its neighbours, {runs} runs per cell; kernel "
        "simulation.kernels.contagion.threshold_cascade(mode='count')",
        table,
        comps,
    )


def plot(table: pd.DataFrame) -> Figure:
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.6, 4.0))
    # A log axis for rewiring; 0 is drawn at a quarter of the smallest positive value.
    pos = table.rewiring[table.rewiring > 0]
    zero_at = pos.min() / 4 if len(pos) else 1e-4
    i = 0
    for degree in sorted(table.degree.unique()):
        for threshold in sorted(table.threshold.unique()):
            d = table[(table.degree == degree) & (table.threshold == threshold)].sort_values("rewiring")
            x = d.rewiring.where(d.rewiring > 0, zero_at)
            kind = "simple" if threshold == 1 else "complex"
            style = dict(
                color=OKABE_ITO[i % len(OKABE_ITO)],
                marker=MARKERS[i % len(MARKERS)],
                ms=4,
                ls="-" if threshold == 1 else "--",
                label=f"{kind} (threshold {threshold}), degree {degree}",
            )
            ax1.plot(x, d.adoption_share, **style)
            ax2.plot(x, d.steps_to_spread, **style)
            i += 1
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_xlabel(f"rewiring probability (share of ties; 0 drawn at {zero_at:g})")
    ax1.set_ylabel("final adoption (share of nodes, 0-1)")
    ax1.set_ylim(-0.02, 1.05)
    ax2.set_ylabel(f"time to spread (steps, runs reaching {SPREAD_SHARE:.0%})")
    ax2.set_yscale("log")
    ax1.legend(fontsize=7)
    return fig


def run(*, n: int | None = None, runs: int | None = None, seed: int = 0) -> CaseResult:
    d = DEFAULTS
    n = d["n"] if n is None else n
    runs = d["runs"] if runs is None else runs
    table = simulate(
        n=n, runs=runs, degrees=d["degrees"], thresholds=d["thresholds"], rewiring=d["rewiring"], seed=seed
    )
    return evaluate(table, n=n)

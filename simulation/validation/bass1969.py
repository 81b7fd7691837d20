"""Docking case ``bass1969``: the Bass (1969) diffusion curve in a fully mixed population.

Everyone meets everyone (the kernel's ``W = None``: each person's exposure is
the population share who have adopted, ``F``). Each step of ``dt`` years a
non-adopter adopts with the model's own
:func:`simulation.kernels.contagion.adoption_probability` using the ``"linear"``
response, ``external = p dt`` and ``rate = q dt``::

    1 - (1 - p dt) (1 - q dt F)  =  (p + q F) dt - p q F dt^2,

the Bass hazard for small steps. ``simulated_F`` is the mean over ``runs``
independent runs. The reference is the closed form
``F(t) = (1 - exp(-(p+q) t)) / (1 + (q/p) exp(-(p+q) t))``; the deviation
comes from the finite population (about ``sqrt(F (1 - F) / n)``) and the
time step (order ``dt``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..kernels.contagion import adoption_probability, exposure
from .common import OKABE_ITO, CaseResult, Comparison, seeded

if TYPE_CHECKING:
    from typing import Any

    from matplotlib.figure import Figure


NAME = "bass1969"
TITLE = "Bass diffusion in a fully mixed population (Bass 1969)"
CITATION = "Bass F.M. (1969) A new product growth for model consumer durables. Management Science 15(5):215-227"
DEFAULTS: dict[str, Any] = dict(n=10_000, runs=20, p=0.03, q=0.38, dt=0.05, years=25.0)
TOLERANCE = 0.02  # largest allowed |simulated F - closed-form F| (share of the population)
PEAK_TOLERANCE = 0.25  # years


def bass_F(t: np.ndarray, p: float, q: float) -> np.ndarray:
    """Closed-form cumulative share of adopters of the Bass model."""
    e = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1.0 - e) / (1.0 + (q / p) * e)


def simulate(
    *, n: int, runs: int, p: float = 0.03, q: float = 0.38, dt: float = 0.05, years: float = 25.0, seed: int = 0
) -> pd.DataFrame:
    steps = round(years / dt)
    t = np.arange(steps + 1) * dt
    F = np.zeros((runs, steps + 1))
    for r in range(runs):
        rng = seeded(seed, r)
        adopted = np.zeros(n, bool)
        for s in range(1, steps + 1):
            share = exposure(None, adopted)
            prob = adoption_probability(share, rate=q * dt, external=p * dt, response="linear")
            adopted |= rng.random(n) < prob
            F[r, s] = adopted.mean()
    return pd.DataFrame(dict(t=t, simulated_F=F.mean(axis=0), bass_F=bass_F(t, p, q), runs=runs))


def evaluate(table: pd.DataFrame, *, n: int, p: float, q: float, dt: float) -> CaseResult:
    dev = (table.simulated_F - table.bass_F).abs()
    worst = int(dev.idxmax())
    t_peak_ref = np.log(q / p) / (p + q)
    # Bass adoption (dF/dt) peaks when F reaches (q - p) / (2q); read the time off the simulated curve
    # (less noisy than the arg-max of the simulated increments, which is flat near the peak).
    t_peak = float(np.interp((q - p) / (2 * q), table.simulated_F.to_numpy(), table.t.to_numpy()))
    runs = int(table.runs.iloc[0])
    comps = [
        Comparison(
            "cumulative adoption F(t)",
            "closed form (1 - e^-(p+q)t) / (1 + (q/p) e^-(p+q)t)",
            f"largest |simulated - closed form| = {dev.max():.4f} at t = {table.t.iloc[worst]:.2f} years "
            f"(tolerance {TOLERANCE})",
            bool(dev.max() <= TOLERANCE),
        ),
        Comparison(
            "time of peak adoption",
            f"ln(q/p)/(p+q) = {t_peak_ref:.2f} years",
            f"F reaches (q-p)/2q at {t_peak:.2f} years (tolerance {PEAK_TOLERANCE} years)",
            bool(abs(t_peak - t_peak_ref) <= PEAK_TOLERANCE),
        ),
    ]
    return CaseResult(
        NAME,
        TITLE,
        CITATION,
        f"n = {n:,} fully mixed, p = {p}, q = {q} per year, dt = {dt} years, {runs} run(s); kernel "
        "simulation.kernels.contagion.adoption_probability(exposure(None, .), response='linear')",
        table,
        comps,
    )


def plot(table: pd.DataFrame) -> Figure:
    import matplotlib.pyplot as plt

    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(6.4, 5.2), sharex=True, height_ratios=(3, 1.3))
    ax.plot(table.t, table.bass_F, color=OKABE_ITO[0], lw=2, label="Bass closed form F(t)")
    ax.plot(table.t, table.simulated_F, color=OKABE_ITO[1], lw=1.2, ls="--", label="simulated (model kernel)")
    ax.set_ylabel("cumulative adopters F (share, 0-1)")
    ax.legend(fontsize=8)
    ax2.plot(table.t, table.simulated_F - table.bass_F, color=OKABE_ITO[2], lw=1)
    ax2.axhline(0, color="#000000", lw=0.6)
    for s in (TOLERANCE, -TOLERANCE):
        ax2.axhline(s, color="#999999", lw=0.6, ls=":")
    ax2.set_ylabel("simulated - closed form\n(share)", fontsize=8)
    ax2.set_xlabel("time t (years)")
    return fig


def run(*, n: int | None = None, runs: int | None = None, seed: int = 0) -> CaseResult:
    d = DEFAULTS
    n = d["n"] if n is None else n
    runs = d["runs"] if runs is None else runs
    table = simulate(n=n, runs=runs, p=d["p"], q=d["q"], dt=d["dt"], years=d["years"], seed=seed)
    return evaluate(table, n=n, p=d["p"], q=d["q"], dt=d["dt"])

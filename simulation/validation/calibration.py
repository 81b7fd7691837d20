"""Pattern-oriented calibration by approximate Bayesian computation (rejection ABC).

The case gives no individual data, only stylised facts (Grimm et al. 2005's
*patterns*). They live in one registry, :data:`simulation.validation.facts.FACTS`
(each a quoted sentence, two-sided bounds and how a run measures it); the
same registry drives ``syslead facts``. A fact misses by how far the mean
over replicates falls outside its bounds, in units of the bounds' width
(:meth:`~simulation.validation.facts.Fact.miss`).

Rejection ABC (Beaumont et al. 2002; Hartig et al. 2011 for ABMs):

1. draw parameter points from uniform priors (a Latin hypercube through the
   sweep engine, :func:`experiment`);
2. run each point for a few paired replicates and average the statistics
   (:func:`summaries`);
3. the distance of a point is the root sum of squared scaled misses over the
   facts (0 when every fact holds, :func:`distances`);
4. accept the points within ``epsilon`` = the larger of 0 and the
   ``quantile``-th quantile of the distances (:func:`accept`); the accepted
   points are samples of the approximate posterior.

Everything here is library code; ``experiments/calibrate.py`` is the script.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..config import Params
from .common import OKABE_ITO
from .facts import Fact, facts_within, measure_table, vcs_chance_share

__all__ = ["DEFAULT_PRIORS", "accept", "default_statistics", "distances", "experiment", "fit_table",
           "plot_posterior", "posterior_table", "summaries", "targets", "vcs_chance_share"]


def targets(weeks: int = 156) -> tuple[Fact, ...]:
    """The stylised facts (:data:`simulation.validation.facts.FACTS`) that runs of ``weeks`` weeks can measure."""
    return facts_within(weeks)


# Uniform priors over the parameters the case leaves most uncertain (the ones docs/ODD.md says were set by hand).
DEFAULT_PRIORS: dict[str, tuple[float, float]] = {
    "invitations.publicity": (0.05, 0.5),
    "invitations.acceptance": (0.2, 0.8),
    "population.interest_mean": (0.15, 0.6),
    "population.threshold_mean": (0.15, 0.55),
    "trust.contact_gain": (0.1, 0.5),
    "trust.decay": (0.005, 0.04),
    "mindset.adoption_rate": (0.02, 0.2),
    "projects.idea_rate": (0.01, 0.1),
}


def experiment(*, n: int, replicates: int = 2, seed: int = 2016, weeks: int = 156,
               priors: Mapping[str, tuple[float, float]] = DEFAULT_PRIORS, scenario: str = "south-manchester",
               fixed: Mapping[str, Any] | None = None, name: str = "calibration"):
    """The sweep of the prior: a Latin hypercube of ``n`` points x ``replicates`` paired replicates."""
    from ..sweep import load_experiment

    data: dict[str, Any] = {"experiment": {"name": name, "weeks": weeks, "replicates": replicates, "seed": seed,
                                           "scenarios": [scenario]},
                            "sample": {"method": "lhs", "n": n, **{k: list(v) for k, v in priors.items()}}}
    if fixed:
        data["set"] = dict(fixed)
    return load_experiment(data)


def summaries(runs: pd.DataFrame, timeseries: pd.DataFrame, manifest: dict, params: Params | None = None,
              facts: Sequence[Fact] | None = None) -> pd.DataFrame:
    """One row per parameter point: its parameter values and each fact's number, averaged over replicates.

    ``facts`` defaults to every fact the sweep's runs are long enough for; ``params`` (default: the
    ``south-manchester`` scenario) gives what a fact needs besides the run's numbers (the sector shares).
    """
    from .. import scenarios

    weeks = int(timeseries.week.max())
    facts = targets(weeks) if facts is None else tuple(facts)
    params = scenarios.get("south-manchester").params() if params is None else params
    swept = list(manifest["swept"])
    points = {r["run_id"]: r["point"] for r in manifest["runs"]}
    df = pd.DataFrame({"run_id": runs.run_id})
    df["point"] = df.run_id.map(points)
    for p in swept:
        df[p] = runs[p].to_numpy()
    values = measure_table(runs, timeseries, params, facts)
    for f in facts:
        df[f.name] = values[f.name].to_numpy()
    df["replicates"] = 1
    agg = {c: "mean" for c in df.columns if c not in ("run_id", "point", "replicates")}
    agg["replicates"] = "sum"
    return df.groupby("point", sort=True).agg(agg).reset_index()


def distances(table: pd.DataFrame, facts: Sequence[Fact]) -> pd.Series:
    """Root sum of squared misses over the facts, each in units of its bounds' width (0 when every fact holds)."""
    total = np.zeros(len(table))
    for f in facts:
        total += f.miss(table[f.name].to_numpy()) ** 2
    return pd.Series(np.sqrt(total), index=table.index, name="distance")


def accept(dist: pd.Series, quantile: float = 0.1) -> tuple[np.ndarray, float]:
    """ABC rejection: keep points with distance <= epsilon = max(0, the ``quantile`` quantile of the distances)
    (an observed distance: the smallest d with at least that share of points at or below it)."""
    if not 0 < quantile <= 1:
        raise ValueError(f"quantile = {quantile}: allowed 0 < quantile <= 1")
    eps = max(0.0, float(np.quantile(dist.to_numpy(), quantile, method="inverted_cdf")))
    return (dist.to_numpy() <= eps), eps


def posterior_table(table: pd.DataFrame, accepted: np.ndarray, priors: Mapping[str, tuple[float, float]],
                    defaults: Mapping[str, float]) -> pd.DataFrame:
    """Per parameter: prior, default, posterior median and 90% interval, and whether the default is inside it."""
    rows = []
    post = table[accepted]
    for p, (lo, hi) in priors.items():
        x = post[p].to_numpy()
        q05, q50, q95 = (np.quantile(x, [0.05, 0.5, 0.95]) if x.size else (np.nan,) * 3)
        d = defaults.get(p, np.nan)
        rows.append(dict(parameter=p, prior_low=lo, prior_high=hi, default=d, posterior_median=q50,
                         posterior_5=q05, posterior_95=q95,
                         interval_share_of_prior=(q95 - q05) / (hi - lo) if x.size else np.nan,
                         default_inside=bool(q05 <= d <= q95) if x.size else False))
    return pd.DataFrame(rows)


def fit_table(table: pd.DataFrame, accepted: np.ndarray, facts: Sequence[Fact],
              default_row: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Per fact: how often it holds in the prior sweep and among accepted points, and the default's value."""
    rows = []
    for f in facts:
        x = table[f.name].to_numpy()
        ok = f.miss(x) == 0
        row = dict(fact=f.name, bounds=f.interval(), unit=f.unit, label=f.label,
                   prior_share_meeting=float(ok.mean()),
                   accepted_share_meeting=float(ok[accepted].mean()) if accepted.any() else np.nan,
                   accepted_median=float(np.median(x[accepted])) if accepted.any() else np.nan)
        if default_row is not None:
            v = float(default_row[f.name])
            row.update(default_value=v, default_meets=f.holds(v))
        rows.append(row)
    return pd.DataFrame(rows)


def default_statistics(results_runs: pd.DataFrame, timeseries: pd.DataFrame, manifest: dict,
                       params: Params | None = None) -> dict[str, float]:
    """Each fact's number for a sweep of the unchanged default (no swept parameters), averaged over its replicates."""
    s = summaries(results_runs, timeseries, manifest, params)
    return {c: float(s[c].mean()) for c in s.columns if c not in ("point",)}


def plot_posterior(table: pd.DataFrame, accepted: np.ndarray, priors: Mapping[str, tuple[float, float]],
                   defaults: Mapping[str, float]):
    """Histograms of prior draws and accepted draws per parameter, with the default marked."""
    import matplotlib.pyplot as plt

    names = list(priors)
    cols = 4
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    for ax, p in zip(axes.ravel(), names):
        lo, hi = priors[p]
        bins = np.linspace(lo, hi, 11)
        ax.hist(table[p], bins=bins, color=OKABE_ITO[5], alpha=0.6, label="prior draws")
        ax.hist(table[p][accepted], bins=bins, color=OKABE_ITO[0], alpha=0.9, label="accepted (posterior)")
        if p in defaults:
            ax.axvline(defaults[p], color=OKABE_ITO[1], lw=2, ls="--", label="south-manchester default")
        ax.set_xlabel(p, fontsize=8)
        ax.set_ylabel("parameter points", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=6)
    return fig

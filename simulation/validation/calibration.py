"""Pattern-oriented calibration by approximate Bayesian computation (rejection ABC).

The case gives no individual data, only stylised facts (Grimm et al. 2005's
*patterns*): about 90 at the first workshop, over 200 people reached in the
following months, over 100 projects in about two years, lasting cross-sector
ties with the voluntary sector over-represented, activity after the funded
programme ends. Each fact is a :class:`Target`: an interval for one summary
statistic of a run, with a scale that turns a miss into a distance.

Rejection ABC (Beaumont et al. 2002; Hartig et al. 2011 for ABMs):

1. draw parameter points from uniform priors (a Latin hypercube through the
   sweep engine, :func:`experiment`);
2. run each point for a few paired replicates and average the statistics
   (:func:`summaries`);
3. the distance of a point is the root sum of squared scaled misses over the
   targets (0 when every fact holds, :func:`distances`);
4. accept the points within ``epsilon`` = the larger of 0 and the
   ``quantile``-th quantile of the distances (:func:`accept`); the accepted
   points are samples of the approximate posterior.

Everything here is library code; ``experiments/calibrate.py`` is the script.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config import Params
from ..sectors import VCS_INDEX
from .common import OKABE_ITO


@dataclass(frozen=True)
class Target:
    """A stylised fact: ``statistic`` should lie in ``[lo, hi]`` (either bound may be open)."""

    statistic: str
    lo: float | None
    hi: float | None
    scale: float
    fact: str  # the case's words
    unit: str = ""

    def miss(self, x) -> np.ndarray:
        """How far outside the interval, in units of ``scale`` (0 inside)."""
        x = np.asarray(x, dtype=float)
        below = np.maximum(0.0, self.lo - x) if self.lo is not None else np.zeros_like(x)
        above = np.maximum(0.0, x - self.hi) if self.hi is not None else np.zeros_like(x)
        out = (below + above) / self.scale
        return np.where(np.isnan(x), np.inf, out)

    def interval(self) -> str:
        if self.lo is not None and self.hi is not None:
            return f"{self.lo:g} to {self.hi:g}"
        return f">= {self.lo:g}" if self.lo is not None else f"<= {self.hi:g}"


def vcs_chance_share(params: Params | None = None) -> float:
    """Share of cross-sector pairs that involve the VCS if ties were random: 2 s_v (1 - s_v) / (1 - sum s^2)."""
    from ..sectors import SECTORS

    params = params or Params()
    s = np.array([getattr(params.population.shares, name) for name in SECTORS], dtype=float)
    s = s / s.sum()
    v = s[VCS_INDEX]
    return float(2 * v * (1 - v) / (1 - np.sum(s**2)))


def default_targets(params: Params | None = None) -> tuple[Target, ...]:
    """The case's stylised facts, as operationalised in ``tests/test_calibration.py`` and docs/ODD.md."""
    chance = vcs_chance_share(params)
    return (
        Target("first_event_attendance", 70, 120, 10, "'over 90 people attended' the first workshop", "people"),
        Target("reached_by_week_40", 200, None, 50, "'delivered to over 200 people ... over the subsequent months'",
               "people"),
        Target("projects_by_week_104", 100, 250, 25, "'over 100 discrete place-based projects' in about two years",
               "projects"),
        Target("cross_sector_ties", 100, None, 25, "lasting cross-sector working ties (a year after the programme)",
               "ties"),
        Target("vcs_share_of_cross_ties", chance, None, 0.03,
               f"ties with the VCS 'particularly valuable': VCS share above chance ({chance:.3f})", "share"),
        Target("post_programme_activity", 20, None, 10, "'a core group ... continue to meet up' after the programme",
               "people per week"),
        Target("projects_after_programme", 10, None, 5, "projects keep starting after the funded programme",
               "projects"),
    )


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


def summaries(runs: pd.DataFrame, timeseries: pd.DataFrame, manifest: dict) -> pd.DataFrame:
    """One row per parameter point: its parameter values and each statistic, averaged over replicates."""
    swept = list(manifest["swept"])
    points = {r["run_id"]: r["point"] for r in manifest["runs"]}
    ts = timeseries.set_index(["run_id", "week"])

    def at_week(column: str, week: int) -> pd.Series:
        if week > int(ts.index.get_level_values("week").max()):
            raise ValueError(f"the sweep ends before week {week}: calibration needs runs of at least {week} weeks")
        return ts.xs(week, level="week")[column]

    df = pd.DataFrame({"run_id": runs.run_id})
    df["point"] = df.run_id.map(points)
    for p in swept:
        df[p] = runs[p].to_numpy()
    df["first_event_attendance"] = runs.first_event_attendance.to_numpy()
    df["reached_by_week_40"] = df.run_id.map(at_week("people_reached", 40)).to_numpy()
    df["projects_by_week_104"] = df.run_id.map(at_week("projects_started", 104)).to_numpy()
    df["cross_sector_ties"] = runs.cross_sector_ties.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        df["vcs_share_of_cross_ties"] = (runs.vcs_cross_sector_ties / runs.cross_sector_ties).to_numpy()
    df["post_programme_activity"] = runs.post_programme_activity.to_numpy()
    df["projects_after_programme"] = runs.projects_after_programme.to_numpy()
    df["replicates"] = 1
    agg = {c: "mean" for c in df.columns if c not in ("run_id", "point", "replicates")}
    agg["replicates"] = "sum"
    return df.groupby("point", sort=True).agg(agg).reset_index()


def distances(table: pd.DataFrame, targets: Sequence[Target]) -> pd.Series:
    """Root sum of squared scaled misses over the targets (0 when every fact holds)."""
    total = np.zeros(len(table))
    for t in targets:
        total += t.miss(table[t.statistic].to_numpy()) ** 2
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


def fit_table(table: pd.DataFrame, accepted: np.ndarray, targets: Sequence[Target],
              default_row: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Per target: how often it holds in the prior sweep and among accepted points, and the default's value."""
    rows = []
    for t in targets:
        x = table[t.statistic].to_numpy()
        ok = t.miss(x) == 0
        row = dict(statistic=t.statistic, target=t.interval(), unit=t.unit, fact=t.fact,
                   prior_share_meeting=float(ok.mean()),
                   accepted_share_meeting=float(ok[accepted].mean()) if accepted.any() else np.nan,
                   accepted_median=float(np.median(x[accepted])) if accepted.any() else np.nan)
        if default_row is not None:
            v = float(default_row[t.statistic])
            row.update(default_value=v, default_meets=bool(t.miss(v) == 0))
        rows.append(row)
    return pd.DataFrame(rows)


def default_statistics(results_runs: pd.DataFrame, timeseries: pd.DataFrame, manifest: dict) -> dict[str, float]:
    """The statistics of a sweep of the unchanged default (no swept parameters), averaged over its replicates."""
    s = summaries(results_runs, timeseries, manifest)
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

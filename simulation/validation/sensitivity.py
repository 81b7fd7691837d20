"""Global sensitivity analysis through the sweep engine: Morris screening, Sobol indices, and a strategy region search.

* :func:`morris_experiment` / :func:`sobol_experiment` build sampled sweeps
  (SALib designs, drawn by :class:`simulation.sweep.Sample`); the sweep
  engine runs them in parallel and resumably.
* :func:`outputs_by_point` turns the results into one row per design point
  (in the design's order, replicates averaged), :func:`morris_indices` and
  :func:`sobol_indices` call SALib's analysers (bootstrap confidence
  intervals: ``mu_star_conf``, ``S1_conf``, ``ST_conf``, 95%).
* :func:`region_experiment` runs the ``south-manchester`` (distributed) and
  ``top-down`` scenarios over a Latin hypercube of *context* parameters
  (the world the programme meets, not the strategy), paired by seed;
  :func:`paired_differences` and :func:`region_summary` find where, if
  anywhere, top-down does as well as distributed or better.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from .common import MARKERS, OKABE_ITO

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..sweep.experiment import Experiment


OUTPUTS: dict[str, str] = {
    "projects_started": "projects started (156 weeks)",
    "cross_sector_tie_share": "share of working ties that cross sectors (end)",
    "adopters": "people practising system leadership (end)",
    "post_programme_activity": "people active per week after the programme",
}

# Parameters screened by Morris: the seven strategy levers, the context (including what co-production costs
# and what the adoption of senior people is worth), and the uncertain mechanism rates.
SCREENED: dict[str, tuple[float, float]] = {
    "strategy.openness": (0.0, 1.0),
    "strategy.informality": (0.0, 1.0),
    "strategy.power_sharing": (0.0, 1.0),
    "strategy.role_modelling": (0.0, 1.0),
    "strategy.self_selection": (0.0, 1.0),
    "strategy.overhead": (0.0, 1.0),
    "strategy.sponsorship": (0.0, 1.0),
    "senior_support.level": (0.0, 1.0),
    "senior_support.from_adopters": (0.0, 1.0),
    "projects.coproduction_slowdown": (0.0, 0.5),
    "churn.turnover": (0.0, 0.01),
    "network.cross_sector_degree": (0.05, 1.5),
    "trust.contact_gain": (0.1, 0.5),
    "trust.decay": (0.005, 0.04),
    "population.threshold_mean": (0.15, 0.55),
    "mindset.adoption_rate": (0.02, 0.2),
    "projects.idea_rate": (0.01, 0.1),
    "invitations.acceptance": (0.2, 0.8),
    "projects.base_progress": (0.05, 0.25),
    "projects.fail_hazard": (0.002, 0.03),
    "projects.trust_floor": (0.1, 0.8),
    "champions.convene_rate": (0.005, 0.05),
}

# Context for the region search: conditions a programme meets, including those that favour top-down
# (coverage matters a lot, trust matters little, monitoring holds projects together, sponsorship helps,
# shared decisions are slow, practising seniors back their staff).
CONTEXT: dict[str, tuple[float, float]] = {
    "senior_support.level": (0.0, 1.0),
    "churn.turnover": (0.0, 0.01),
    "network.cross_sector_degree": (0.05, 1.5),
    "trust.contact_gain": (0.1, 0.5),
    "population.threshold_mean": (0.15, 0.55),
    "projects.idea_rate": (0.01, 0.1),
    "projects.coverage_exponent": (0.5, 4.0),
    "projects.trust_floor": (0.1, 0.9),
    "projects.accountability": (0.0, 1.0),
    "projects.support_boost": (0.0, 2.0),
    "projects.overhead_slowdown": (0.0, 1.0),
    "projects.coproduction_slowdown": (0.0, 0.5),
    "senior_support.from_adopters": (0.0, 1.0),
}

DISTRIBUTED, TOP_DOWN = "south-manchester", "top-down"


def _experiment(
    name: str,
    method: str,
    n: int,
    ranges: Mapping[str, tuple[float, float]],
    *,
    seed: int,
    weeks: int,
    replicates: int,
    scenarios: Sequence[str],
    fixed: Mapping[str, Any] | None,
) -> Experiment:
    from ..sweep import load_experiment

    data: dict[str, Any] = {
        "experiment": {
            "name": name,
            "weeks": weeks,
            "replicates": replicates,
            "seed": seed,
            "scenarios": list(scenarios),
        },
        "sample": {"method": method, "n": n, **{k: list(v) for k, v in ranges.items()}},
    }
    if fixed:
        data["set"] = dict(fixed)
    return load_experiment(data)


def morris_experiment(
    *,
    trajectories: int = 10,
    ranges: Mapping[str, tuple[float, float]] = SCREENED,
    seed: int = 7,
    weeks: int = 156,
    fixed: Mapping[str, Any] | None = None,
) -> Experiment:
    """Morris elementary effects: ``trajectories x (D + 1)`` runs of ``south-manchester``."""
    return _experiment(
        "sensitivity-morris",
        "morris",
        trajectories,
        ranges,
        seed=seed,
        weeks=weeks,
        replicates=1,
        scenarios=[DISTRIBUTED],
        fixed=fixed,
    )


def sobol_experiment(
    *,
    n: int = 32,
    ranges: Mapping[str, tuple[float, float]],
    seed: int = 11,
    weeks: int = 156,
    fixed: Mapping[str, Any] | None = None,
) -> Experiment:
    """Saltelli design for Sobol indices: ``n x (2D + 2)`` runs of ``south-manchester``."""
    return _experiment(
        "sensitivity-sobol",
        "sobol",
        n,
        ranges,
        seed=seed,
        weeks=weeks,
        replicates=1,
        scenarios=[DISTRIBUTED],
        fixed=fixed,
    )


def region_experiment(
    *,
    n: int = 48,
    replicates: int = 2,
    ranges: Mapping[str, tuple[float, float]] = CONTEXT,
    seed: int = 13,
    weeks: int = 156,
    fixed: Mapping[str, Any] | None = None,
) -> Experiment:
    """Distributed vs top-down over a Latin hypercube of context parameters, paired by replicate seed."""
    return _experiment(
        "sensitivity-region",
        "lhs",
        n,
        ranges,
        seed=seed,
        weeks=weeks,
        replicates=replicates,
        scenarios=[DISTRIBUTED, TOP_DOWN],
        fixed=fixed,
    )


def outputs_by_point(
    runs: pd.DataFrame, manifest: dict, outputs: Sequence[str] = tuple(OUTPUTS), scenario: str | None = None
) -> pd.DataFrame:
    """One row per design point, in design order (replicates averaged); columns: point, outputs."""
    point = {r["run_id"]: r["point"] for r in manifest["runs"]}
    df = runs.copy()
    if scenario is not None:
        df = df[df.scenario == scenario]
    df["point"] = df.run_id.map(point)
    table = df.groupby("point", sort=True)[list(outputs)].mean()
    n_points = len(manifest["points"])
    if len(table) != n_points:
        raise ValueError(f"results hold {len(table)} of the design's {n_points} points: finish the sweep first")
    return table.reset_index()


def design_matrix(experiment: Experiment) -> np.ndarray:
    """The sampled design (rows = points, in the sweep's order), as SALib's analysers need it."""
    return experiment.sample.matrix(experiment.seed)  # type: ignore[union-attr]  # (a sensitivity design has one)


def morris_indices(
    experiment: Experiment, table: pd.DataFrame, *, outputs: Sequence[str] = tuple(OUTPUTS), seed: int = 0
) -> pd.DataFrame:
    """SALib Morris analysis per output: mu, mu_star (with 95% bootstrap interval), sigma; plus mu_star
    normalised by the output's largest mu_star (to compare outputs on one scale)."""
    from SALib.analyze import morris

    from ..sweep.experiment import MORRIS_LEVELS

    problem = experiment.sample.problem()  # type: ignore[union-attr]  # (a sensitivity design has a sample)
    X = design_matrix(experiment)
    frames = []
    for out in outputs:
        Y = table[out].to_numpy(dtype=float)
        res = morris.analyze(problem, X, Y, conf_level=0.95, num_resamples=1000, num_levels=MORRIS_LEVELS, seed=seed)
        f = pd.DataFrame(
            {
                "output": out,
                "parameter": problem["names"],
                "mu": res["mu"],
                "mu_star": res["mu_star"],
                "mu_star_conf": res["mu_star_conf"],
                "sigma": res["sigma"],
            }
        )
        top = f.mu_star.max()
        f["mu_star_norm"] = f.mu_star / top if top > 0 else 0.0
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def select_top(morris_table: pd.DataFrame, k: int) -> list[str]:
    """The ``k`` parameters with the largest normalised mu_star over any output."""
    score = morris_table.groupby("parameter").mu_star_norm.max().sort_values(ascending=False)
    return list(score.index[:k])


def sobol_indices(
    experiment: Experiment, table: pd.DataFrame, *, outputs: Sequence[str] = tuple(OUTPUTS), seed: int = 0
) -> pd.DataFrame:
    """SALib Sobol analysis per output: first-order S1 and total ST with 95% bootstrap intervals."""
    from SALib.analyze import sobol

    problem = experiment.sample.problem()  # type: ignore[union-attr]  # (a sensitivity design has a sample)
    frames = []
    for out in outputs:
        Y = table[out].to_numpy(dtype=float)
        res = sobol.analyze(problem, Y, calc_second_order=True, num_resamples=1000, conf_level=0.95, seed=seed)
        frames.append(
            pd.DataFrame(
                {
                    "output": out,
                    "parameter": problem["names"],
                    "S1": res["S1"],
                    "S1_conf": res["S1_conf"],
                    "ST": res["ST"],
                    "ST_conf": res["ST_conf"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def paired_differences(
    runs: pd.DataFrame, manifest: dict, outputs: Sequence[str] = tuple(OUTPUTS), a: str = TOP_DOWN, b: str = DISTRIBUTED
) -> pd.DataFrame:
    """Per context point: the swept values, each output under ``b`` and ``a`` and the paired difference
    ``a - b`` (mean over replicates; replicate r has the same seed in both scenarios)."""
    swept = list(manifest["swept"])
    info = {r["run_id"]: (r["point"], r["replicate"]) for r in manifest["runs"]}
    df = runs.copy()
    df["point"] = df.run_id.map(lambda x: info[x][0])
    df["replicate"] = df.run_id.map(lambda x: info[x][1])
    wide = df.pivot_table(index=["point", "replicate"], columns="scenario", values=list(outputs))
    rows = pd.DataFrame(index=wide.index)
    for out in outputs:
        rows[f"{out}_{b}"] = wide[(out, b)]
        rows[f"{out}_{a}"] = wide[(out, a)]
        rows[f"{out}_diff"] = wide[(out, a)] - wide[(out, b)]
    per_point = rows.groupby("point").mean()
    for out in outputs:
        # ratio of the replicate means: 1 = parity, above 1 = top-down ahead
        with np.errstate(divide="ignore", invalid="ignore"):
            per_point[f"{out}_ratio"] = per_point[f"{out}_{a}"] / per_point[f"{out}_{b}"]
    values = df.drop_duplicates("point").set_index("point")[swept]
    return values.join(per_point).reset_index()


def region_summary(diff: pd.DataFrame, swept: Sequence[str], outputs: Sequence[str] = tuple(OUTPUTS)) -> pd.DataFrame:
    """Per output: how many points have top-down as good or better (and within 10%), the range of the
    difference and of the ratio top-down / distributed, and the Spearman correlation of the ratio with
    each context parameter (which conditions move the balance)."""
    rows = []
    for out in outputs:
        d = diff[f"{out}_diff"].to_numpy()
        r = diff[f"{out}_ratio"].to_numpy()
        row: dict[str, Any] = {
            "output": out,
            "points": len(d),
            "top_down_as_good_or_better": int((d >= 0).sum()),
            "top_down_within_10pct": int((r >= 0.9).sum()),
            "median_difference": float(np.median(d)),
            "min_difference": float(d.min()),
            "max_difference": float(d.max()),
            "median_ratio": float(np.nanmedian(r)),
            "min_ratio": float(np.nanmin(r)),
            "max_ratio": float(np.nanmax(r)),
        }
        for p in swept:
            ok = np.isfinite(r)
            rho = stats.spearmanr(diff[p][ok], r[ok]).statistic if ok.sum() >= 2 and np.ptp(r[ok]) > 0 else np.nan
            row[f"rho[{p}]"] = float(rho)
        rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ figures


def plot_morris(morris_table: pd.DataFrame) -> Figure:
    import matplotlib.pyplot as plt

    outs = list(dict.fromkeys(morris_table.output))
    fig, axes = _grid(plt, len(outs))
    for ax, out in zip(axes.ravel(), outs):
        f = morris_table[morris_table.output == out].sort_values("mu_star")
        y = np.arange(len(f))
        strategy = f.parameter.str.startswith("strategy.")
        ax.barh(
            y,
            f.mu_star,
            xerr=f.mu_star_conf,
            color=np.where(strategy, OKABE_ITO[1], OKABE_ITO[0]),
            capsize=2,
            error_kw=dict(lw=0.8),
        )
        ax.set_yticks(y, f.parameter, fontsize=7)
        ax.set_xlabel(
            f"mu* (mean |change in the output over the\nparameter's whole range|): {OUTPUTS.get(out, out)}", fontsize=7
        )
        ax.tick_params(axis="x", labelsize=7)
    axes[0][0].set_title("orange: strategy levers; bars: 95% bootstrap interval", fontsize=7, loc="left")
    for ax in axes.ravel()[len(outs) :]:
        ax.axis("off")
    return fig


def plot_sobol(sobol_table: pd.DataFrame) -> Figure:
    import matplotlib.pyplot as plt

    outs = list(dict.fromkeys(sobol_table.output))
    fig, axes = _grid(plt, len(outs))
    for ax, out in zip(axes.ravel(), outs):
        f = sobol_table[sobol_table.output == out]
        y = np.arange(len(f))
        ax.barh(y + 0.2, f.ST, height=0.4, xerr=f.ST_conf, color=OKABE_ITO[0], capsize=2, label="total ST")
        ax.barh(y - 0.2, f.S1, height=0.4, xerr=f.S1_conf, color=OKABE_ITO[4], capsize=2, label="first-order S1")
        ax.set_yticks(y, f.parameter, fontsize=7)
        ax.axvline(0, color="#000000", lw=0.6)
        ax.set_xlabel(f"Sobol index (share of output variance)\n{OUTPUTS.get(out, out)}", fontsize=7)
        ax.tick_params(axis="x", labelsize=7)
    axes[0][0].legend(fontsize=7)
    for ax in axes.ravel()[len(outs) :]:
        ax.axis("off")
    return fig


def _grid(plt, n: int):
    cols = min(2, n)
    rows = int(np.ceil(n / cols))
    return plt.subplots(rows, cols, figsize=(6.2 * cols, 4.4 * rows), squeeze=False)


def plot_region(diff: pd.DataFrame, summary: pd.DataFrame, outputs: Sequence[str] = tuple(OUTPUTS)) -> Figure:
    """Per output, the ratio top-down / distributed (paired replicates) against the context parameter that
    moves it most (largest |Spearman rho|); 1 is parity."""
    import matplotlib.pyplot as plt

    fig, axes = _grid(plt, len(outputs))
    for i, (ax, out) in enumerate(zip(axes.ravel(), outputs)):
        row = summary[summary.output == out].iloc[0]
        rhos = {k[4:-1]: v for k, v in row.items() if k.startswith("rho[") and np.isfinite(v)}
        p = max(rhos, key=lambda k: abs(rhos[k])) if rhos else diff.columns[1]
        r = diff[f"{out}_ratio"]
        ax.scatter(
            diff[p], r, s=14, color=np.where(r >= 1, OKABE_ITO[1], OKABE_ITO[0]), marker=MARKERS[i % len(MARKERS)]
        )
        ax.axhline(1, color="#000000", lw=0.8)
        ax.set_xlabel(f"{p} (Spearman rho = {rhos.get(p, np.nan):.2f})", fontsize=8)
        ax.set_ylabel(f"top-down / distributed (ratio)\n{OUTPUTS.get(out, out)}", fontsize=7)
        ax.tick_params(labelsize=7)
    axes[0][0].set_title("orange: top-down as good or better (ratio >= 1)", fontsize=7, loc="left")
    for ax in axes.ravel()[len(outputs) :]:
        ax.axis("off")
    return fig

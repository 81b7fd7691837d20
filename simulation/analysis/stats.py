"""Paired statistics for comparing scenarios run with common random numbers.

A sweep gives every replicate the same seed in every scenario (and grid
point), so replicate ``r`` of scenario A and replicate ``r`` of the reference
share the same people, the same initial network and the same random
streams: their difference isolates the effect of the scenario. Everything
here works on those pairs.

- :func:`paired_interval`: mean paired difference and the ratio of means
  with bootstrap intervals from one set of resamples
  (:func:`scipy.stats.bootstrap`, ``paired=True``, BCa, falling back to
  percentile when BCa is undefined).
- :func:`cohens_dz`, :func:`prob_superiority`: effect sizes.
- :func:`wilcoxon_p`: Wilcoxon signed-rank p-value of the differences.
- :func:`holm`: Holm's step-down adjustment for a family of p-values.
- :func:`pairs`, :func:`compare`: align runs by replicate (and swept
  parameters) and build the comparison table.
- :func:`bands`: per-week mean with a 95% interval of the mean and the
  middle 95% of runs.
- :func:`split_uncertainty`: for runs on posterior draws (the ``draw``
  column), the paired difference and ratio with a 95% interval over draws
  and replicates together, and the shares of its variance that come from
  the parameters (between draws) and from run-to-run noise (within draws).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

if TYPE_CHECKING:
    import numpy.typing as npt


CONFIDENCE = 0.95
N_RESAMPLES = 9999
BOOTSTRAP_SEED = 20240  # fixed: the same data always gives the same intervals

# Columns of a sweep's runs table that are neither parameters nor metrics.
RUN_COLUMNS = ("run_id", "scenario", "replicate", "seed", "wall_seconds", "draw")
# Per-run delivery cost (staff-days and pounds): metrics, never pairing keys, whether or not the registry lists them.
COST_METRICS = (
    "staff_days",
    "staff_days_facilitation",
    "staff_days_attendance",
    "staff_days_matching",
    "staff_days_management",
    "delivery_cost_pounds",
)
# Runs over posterior draws carry the draw's index: a pairing key (scenarios share a draw), not a swept parameter.
DRAW = "draw"


@dataclass(frozen=True)
class PairedInterval:
    """Paired comparison of ``x`` (a scenario) against ``y`` (the reference)."""

    n: int
    mean_x: float
    mean_y: float
    difference: float  # mean of x - y
    diff_low: float
    diff_high: float
    ratio: float  # mean(x) / mean(y); nan when mean(y) is 0
    ratio_low: float
    ratio_high: float
    method: str  # "BCa", "percentile" or "exact" (no variation)

    @property
    def clear(self) -> int:
        """+1 if x is clearly larger, -1 if clearly smaller, 0 if the interval includes no difference.

        "Clear" needs the difference interval to exclude 0 and, when the ratio is defined, the ratio
        interval to exclude 1, so the two never tell different stories.
        """
        ratio_ok = np.isfinite(self.ratio_low) and np.isfinite(self.ratio_high)
        if self.diff_low > 0 and (not ratio_ok or self.ratio_low > 1):
            return 1
        if self.diff_high < 0 and (not ratio_ok or self.ratio_high < 1):
            return -1
        return 0


def _as_pair(x, y) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"paired samples must be 1-d and of equal length, got {x.shape} and {y.shape}")
    if x.size == 0:
        raise ValueError("paired samples are empty")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("paired samples contain NaN or infinite values")
    return x, y


def _diff_and_ratio(x, y, axis=-1):
    mx, my = np.mean(x, axis=axis), np.mean(y, axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(my != 0, mx / np.where(my != 0, my, 1.0), np.nan)
    return np.stack([mx - my, ratio])


def paired_interval(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> PairedInterval:
    """Mean paired difference ``x - y`` and ratio ``mean(x) / mean(y)``, each with a bootstrap interval.

    Both statistics come from the same resamples of the pairs. With fewer than two pairs, or no variation
    in either sample, the interval is the estimate itself (there is nothing to resample).
    """
    x, y = _as_pair(x, y)
    est = _diff_and_ratio(x, y)
    diff, ratio = float(est[0]), float(est[1])
    mean_x, mean_y = float(x.mean()), float(y.mean())
    d = x - y
    if x.size < 2 or (np.ptp(d) == 0 and np.ptp(y) == 0):
        return PairedInterval(x.size, mean_x, mean_y, diff, diff, diff, ratio, ratio, ratio, "exact")
    ratio_defined = bool(np.isfinite(ratio)) and (y.min() > 0 or y.max() < 0)
    lows, highs, method = None, None, "BCa"
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = stats.bootstrap(
                (x, y),
                _diff_and_ratio,
                paired=True,
                vectorized=True,
                confidence_level=confidence,
                n_resamples=n_resamples,
                method=method,
                rng=np.random.default_rng(seed),
            )
        lows, highs = np.asarray(res.confidence_interval.low), np.asarray(res.confidence_interval.high)
        need = [0, 1] if ratio_defined else [0]
        if np.isfinite(lows[need]).all() and np.isfinite(highs[need]).all():
            break
    assert lows is not None and highs is not None
    r_lo, r_hi = (float(lows[1]), float(highs[1])) if ratio_defined else (np.nan, np.nan)
    if not ratio_defined:
        ratio = ratio if np.isfinite(ratio) else np.nan
    return PairedInterval(x.size, mean_x, mean_y, diff, float(lows[0]), float(highs[0]), ratio, r_lo, r_hi, method)


def cohens_dz(x: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Standardised mean paired difference: mean(x - y) / sd(x - y) (ddof 1).

    ``inf`` (with the sign of the difference) when all differences are equal and non-zero, 0 when all are 0.
    """
    x, y = _as_pair(x, y)
    d = x - y
    m = float(d.mean())
    s = float(d.std(ddof=1)) if d.size > 1 else 0.0
    if s == 0:
        return 0.0 if m == 0 else float(np.sign(m) * np.inf)
    return m / s


def prob_superiority(x: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Share of replicates in which ``x`` exceeds its paired ``y`` (ties count half)."""
    x, y = _as_pair(x, y)
    return float(np.mean((x > y) + 0.5 * (x == y)))


def wilcoxon_p(x: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Two-sided Wilcoxon signed-rank p-value of ``x - y`` (zero differences dropped; 1.0 if all are zero)."""
    x, y = _as_pair(x, y)
    d = x - y
    if not np.any(d != 0):
        return 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(stats.wilcoxon(d, zero_method="wilcox", alternative="two-sided").pvalue)


def holm(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error), in the input order.

    Sort ascending; the k-th smallest (k = 0..m-1) becomes ``max_{j<=k} min(1, (m - j) p_(j))``.
    NaN p-values are left NaN and do not count towards the family size.
    """
    p = np.asarray(pvalues, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if ok.size == 0:
        return out
    if ((p[ok] < 0) | (p[ok] > 1)).any():
        raise ValueError("p-values must lie in 0..1")
    order = ok[np.argsort(p[ok], kind="stable")]
    m = order.size
    adjusted = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out[order] = np.maximum.accumulate(adjusted)
    return out


# --------------------------------------------------------------------------
# Runs tables
# --------------------------------------------------------------------------


def parameter_columns(runs: pd.DataFrame, metrics: Iterable[str]) -> list[str]:
    """Swept-parameter columns of a runs table: everything that is neither bookkeeping nor a metric."""
    metrics = set(metrics)
    return [
        c for c in runs.columns if c not in RUN_COLUMNS and c not in metrics and c not in COST_METRICS and c != DRAW
    ]


def pairing_keys(runs: pd.DataFrame, params_cols: Sequence[str]) -> list[str]:
    """What pairs two runs: the replicate, the swept parameters and, for runs over posterior draws, the draw."""
    keys = ["replicate", *params_cols]
    if DRAW in runs.columns and DRAW not in keys:
        keys.append(DRAW)
    return keys


def aligned(
    runs: pd.DataFrame, scenario: str, reference: str, metrics: Sequence[str], keys: Sequence[str] = ("replicate",)
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of ``scenario`` and ``reference`` matched on ``keys`` (replicate and swept parameters), in key order.

    Only keys present in both scenarios are kept, so a sweep that is still running (or was stopped) pairs what
    it has. Returns two frames of ``metrics`` with the same index.
    """
    keys = list(keys)
    a = runs.loc[runs["scenario"] == scenario, [*keys, *metrics]]
    b = runs.loc[runs["scenario"] == reference, [*keys, *metrics]]
    for name, part in ((scenario, a), (reference, b)):
        if part.duplicated(keys).any():
            raise ValueError(f"scenario {name!r} has several runs for the same {', '.join(keys)}")
    a, b = a.set_index(keys), b.set_index(keys)
    common = a.index.intersection(b.index).sort_values()
    return a.loc[common, list(metrics)], b.loc[common, list(metrics)]


def pairs(
    runs: pd.DataFrame, scenario: str, reference: str, metric: str, keys: Sequence[str] = ("replicate",)
) -> tuple[np.ndarray, np.ndarray]:
    """Values of ``metric`` for ``scenario`` and ``reference``, paired on ``keys`` (see :func:`aligned`)."""
    a, b = aligned(runs, scenario, reference, [metric], keys)
    return a[metric].to_numpy(np.float64), b[metric].to_numpy(np.float64)


def compare(
    runs: pd.DataFrame,
    reference: str,
    metrics: Sequence[str],
    scenarios: Sequence[str] | None = None,
    *,
    keys: Sequence[str] | None = None,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> pd.DataFrame:
    """One row per (scenario, metric): paired difference and ratio against ``reference`` with intervals,
    effect sizes, Wilcoxon p-value and its Holm adjustment over all rows of the table (one family).
    """
    if scenarios is None:
        scenarios = [s for s in pd.unique(runs["scenario"]) if s != reference]
    if keys is None:
        keys = pairing_keys(runs, parameter_columns(runs, metrics_in(runs)))
    rows = []
    for sc in scenarios:
        a, b = aligned(runs, sc, reference, metrics, keys)
        for metric in metrics:
            x, y = a[metric].to_numpy(np.float64), b[metric].to_numpy(np.float64)
            if x.size == 0:
                continue
            iv = paired_interval(x, y, confidence=confidence, n_resamples=n_resamples, seed=seed)
            rows.append(
                dict(
                    scenario=sc,
                    reference=reference,
                    metric=metric,
                    n_pairs=iv.n,
                    mean=iv.mean_x,
                    mean_reference=iv.mean_y,
                    difference=iv.difference,
                    diff_low=iv.diff_low,
                    diff_high=iv.diff_high,
                    ratio=iv.ratio,
                    ratio_low=iv.ratio_low,
                    ratio_high=iv.ratio_high,
                    direction=iv.clear,
                    cohens_dz=cohens_dz(x, y),
                    prob_superiority=prob_superiority(x, y),
                    wilcoxon_p=wilcoxon_p(x, y),
                    interval_method=iv.method,
                )
            )
    table = pd.DataFrame(rows, columns=[c for c in COMPARE_COLUMNS if c != "holm_p"])
    table["holm_p"] = holm(table["wilcoxon_p"].to_numpy())
    return table[COMPARE_COLUMNS]


COMPARE_COLUMNS = [
    "scenario",
    "reference",
    "metric",
    "n_pairs",
    "mean",
    "mean_reference",
    "difference",
    "diff_low",
    "diff_high",
    "ratio",
    "ratio_low",
    "ratio_high",
    "direction",
    "cohens_dz",
    "prob_superiority",
    "wilcoxon_p",
    "holm_p",
    "interval_method",
]


def metrics_in(runs: pd.DataFrame) -> list[str]:
    """Metric columns of a runs table (the registry's summary metrics that are present)."""
    from ..metrics import SUMMARY_METRICS

    return [m for m in dict.fromkeys((*SUMMARY_METRICS, *COST_METRICS)) if m in runs.columns]


def mean_interval(values: npt.ArrayLike, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean and its t-interval (the interval is the mean itself for fewer than two values)."""
    v = np.asarray(values, dtype=np.float64)
    m = float(v.mean())
    if v.size < 2:
        return m, m, m
    half = float(stats.t.ppf(0.5 + confidence / 2, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size))
    return m, m - half, m + half


def bands(
    timeseries: pd.DataFrame, runs: pd.DataFrame, metrics: Sequence[str], confidence: float = CONFIDENCE
) -> pd.DataFrame:
    """Per scenario, week and metric: mean over runs, a t-interval of the mean and the middle 95% of runs."""
    ts = timeseries.merge(runs[["run_id", "scenario"]], on="run_id")
    rows = []
    tail = (1 - confidence) / 2
    for metric in metrics:
        g = ts.groupby(["scenario", "week"], sort=False)[metric]
        agg = g.agg(["mean", "std", "count"]).reset_index()
        q = g.quantile([tail, 1 - tail]).unstack().reset_index()
        q.columns = ["scenario", "week", "run_low", "run_high"]
        agg = agg.merge(q, on=["scenario", "week"])
        n = agg["count"].to_numpy()
        tcrit = np.where(n > 1, stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)), 0.0)
        half = np.nan_to_num(tcrit * agg["std"].to_numpy() / np.sqrt(n))
        agg["mean_low"] = agg["mean"] - half
        agg["mean_high"] = agg["mean"] + half
        agg.insert(0, "metric", metric)
        rows.append(agg.rename(columns={"count": "runs"}).drop(columns="std"))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def describe(runs: pd.DataFrame, metrics: Sequence[str], confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Per scenario and metric: runs, mean, its interval, standard deviation, median, min and max."""
    rows = []
    for sc in pd.unique(runs["scenario"]):
        part = runs[runs["scenario"] == sc]
        for metric in metrics:
            v = part[metric].to_numpy(np.float64)
            m, lo, hi = mean_interval(v, confidence)
            rows.append(
                dict(
                    scenario=sc,
                    metric=metric,
                    runs=v.size,
                    mean=m,
                    mean_low=lo,
                    mean_high=hi,
                    sd=float(v.std(ddof=1)) if v.size > 1 else 0.0,
                    median=float(np.median(v)),
                    min=float(v.min()),
                    max=float(v.max()),
                )
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------
# Parameter uncertainty and run-to-run noise
# --------------------------------------------------------------------------


def variance_components(values: npt.ArrayLike, groups: npt.ArrayLike) -> tuple[float, float]:
    """``(between, within)``: the variance of ``values`` between the means of ``groups`` and within them, by the
    one-way random-effects analysis of variance (moment estimators; unbalanced groups allowed).

    ``within`` is the pooled within-group variance (NaN when no group has two values); ``between`` is
    ``max(0, (MSB - MSW) / n0)`` with ``n0 = (N - sum n_k^2 / N) / (K - 1)``, 0 with a single group."""
    v = np.asarray(values, dtype=np.float64)
    g = pd.factorize(pd.Series(groups))[0]
    k = int(g.max()) + 1 if g.size else 0
    n = v.size
    counts = np.bincount(g, minlength=k).astype(np.float64)
    means = np.bincount(g, weights=v, minlength=k) / np.maximum(counts, 1)
    ssw = float(((v - means[g]) ** 2).sum())
    within = ssw / (n - k) if n > k else float("nan")
    if k < 2:
        return 0.0, within
    grand = float(v.mean())
    msb = float((counts * (means - grand) ** 2).sum()) / (k - 1)
    n0 = (n - float((counts**2).sum()) / n) / (k - 1)
    if not np.isfinite(within):
        return float("nan"), within
    return max(0.0, (msb - within) / n0), within


def split_uncertainty(
    runs: pd.DataFrame, outcome: str, scenario_a: str, scenario_b: str, *, confidence: float = CONFIDENCE
) -> dict:
    """How ``outcome`` in ``scenario_a`` compares with ``scenario_b`` over posterior draws, and where its spread
    comes from.

    Runs are paired on draw and replicate (and any swept parameters): each scenario ran the same (draw,
    replicate) pairs, so a pair shares the parameter values and the seed. Returns a dict with

    - ``difference`` (mean of the paired differences a - b) with ``diff_low``, ``diff_high``: the middle
      ``confidence`` share of the paired differences pooled over draws and replicates, that is the range of
      what one programme could give, with parameter uncertainty and run-to-run noise together;
    - ``ratio`` (mean of a over mean of b) with ``ratio_low``, ``ratio_high``: the same range of the paired
      ratios a / b (NaN when some b is not above 0);
    - ``parameter_share`` and ``noise_share`` (adding up to 1): the shares of the variance of the paired
      differences that lie between draws (what the parameters contribute) and within draws (run-to-run noise),
      from :func:`variance_components`; ``between_variance``, ``within_variance``. With one draw (the point
      estimate) the parameter share is 0; with one replicate per draw the two cannot be told apart (NaN);
    - ``mean_a``, ``mean_b``, ``n_pairs``, ``n_draws``, ``replicates`` (the fewest pairs in a draw).
    """
    if outcome not in runs.columns:
        raise ValueError(f"outcome {outcome!r} is not a column of the runs table")
    draws_present = "draw" in runs.columns
    keys = (["draw"] if draws_present else []) + ["replicate", *parameter_columns(runs, [*metrics_in(runs), outcome])]
    a, b = aligned(runs, scenario_a, scenario_b, [outcome], keys)
    x, y = a[outcome].to_numpy(np.float64), b[outcome].to_numpy(np.float64)
    if x.size == 0:
        raise ValueError(f"no paired runs of {scenario_a!r} and {scenario_b!r}")
    draw = a.index.get_level_values("draw").to_numpy() if draws_present else np.zeros(x.size, dtype=int)
    d = x - y
    tail = (1 - confidence) / 2
    lo, hi = np.quantile(d, [tail, 1 - tail])
    ratio = float(x.mean() / y.mean()) if y.mean() != 0 else float("nan")
    if (y > 0).all():
        r_lo, r_hi = (float(v) for v in np.quantile(x / y, [tail, 1 - tail]))
    else:
        r_lo = r_hi = float("nan")
    between, within = variance_components(d, draw)
    total = between + within
    if np.isfinite(total) and total > 0:
        p_share = between / total
    elif np.isfinite(total):  # no spread at all
        p_share = 0.0
    else:
        p_share = float("nan")
    counts = pd.Series(draw).value_counts()
    return dict(
        outcome=outcome,
        scenario=scenario_a,
        reference=scenario_b,
        n_pairs=int(x.size),
        n_draws=int(counts.size),
        replicates=int(counts.min()),
        mean_a=float(x.mean()),
        mean_b=float(y.mean()),
        difference=float(d.mean()),
        diff_low=float(lo),
        diff_high=float(hi),
        ratio=ratio,
        ratio_low=r_lo,
        ratio_high=r_hi,
        parameter_share=float(p_share),
        noise_share=float(1 - p_share),
        between_variance=float(between),
        within_variance=float(within),
        confidence=confidence,
    )

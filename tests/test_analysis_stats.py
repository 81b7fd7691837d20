"""Paired statistics and the plain-language summary, checked against known values, scipy and hand examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from simulation.analysis import stats, summary

# --------------------------------------------------------------------------
# Holm
# --------------------------------------------------------------------------


def test_holm_matches_a_hand_worked_example():
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> running max 0.06
    p = [0.01, 0.04, 0.03, 0.005]
    assert stats.holm(p) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_ignores_nan_and_keeps_order_for_ties():
    out = stats.holm([0.5, np.nan, 0.2, 0.2])
    # three finite p-values: 0.2*3 = 0.6, 0.2*2 = 0.4 -> 0.6 (running max), 0.5*1 -> 0.6
    assert np.isnan(out[1])
    assert out[[0, 2, 3]] == pytest.approx([0.6, 0.6, 0.6])
    assert stats.holm([0.9, 0.8]) == pytest.approx([1.0, 1.0])
    assert stats.holm([0.3]) == pytest.approx([0.3])  # a family of one is not adjusted


def test_holm_lies_between_raw_p_and_bonferroni():
    rng = np.random.default_rng(3)
    p = rng.uniform(0, 0.2, 25)
    adj = stats.holm(p)
    assert (adj >= p - 1e-15).all()
    assert (adj <= np.minimum(1, p * p.size) + 1e-15).all()
    order = np.argsort(p)
    assert (np.diff(adj[order]) >= -1e-15).all()  # monotone in the order of the raw p-values


def test_holm_refuses_values_outside_0_1():
    with pytest.raises(ValueError, match=r"0\.\.1"):
        stats.holm([0.1, 1.5])


# --------------------------------------------------------------------------
# Bootstrap intervals, effect sizes, Wilcoxon
# --------------------------------------------------------------------------


def _pairs_with_difference(rng, n=30, diff=5.0, noise=2.0):
    base = rng.normal(50, 10, n)  # large between-replicate variation: pairing removes it
    return base + diff + rng.normal(0, noise, n), base


def test_paired_interval_covers_a_known_difference_and_excludes_zero():
    x, y = _pairs_with_difference(np.random.default_rng(11))
    iv = stats.paired_interval(x, y)
    assert iv.diff_low < 5.0 < iv.diff_high
    assert iv.diff_low > 0 and iv.clear == 1
    assert iv.ratio == pytest.approx(x.mean() / y.mean())
    assert iv.ratio_low < iv.ratio < iv.ratio_high
    assert iv.ratio_low > 1


def test_paired_interval_equals_scipy_bootstrap_with_the_same_resamples():
    x, y = _pairs_with_difference(np.random.default_rng(5))
    iv = stats.paired_interval(x, y, n_resamples=2000, seed=42)
    ref = sps.bootstrap(
        (x, y),
        lambda a, b, axis: a.mean(axis) - b.mean(axis),
        paired=True,
        vectorized=True,
        n_resamples=2000,
        method="BCa",
        rng=np.random.default_rng(42),
    )
    assert (iv.diff_low, iv.diff_high) == pytest.approx(
        (ref.confidence_interval.low, ref.confidence_interval.high), rel=1e-12
    )
    ref_r = sps.bootstrap(
        (x, y),
        lambda a, b, axis: a.mean(axis) / b.mean(axis),
        paired=True,
        vectorized=True,
        n_resamples=2000,
        method="BCa",
        rng=np.random.default_rng(42),
    )
    assert (iv.ratio_low, iv.ratio_high) == pytest.approx(
        (ref_r.confidence_interval.low, ref_r.confidence_interval.high), rel=1e-12
    )


def test_paired_interval_coverage_is_near_95_percent():
    rng = np.random.default_rng(2024)
    hits = 0
    trials = 150
    for _ in range(trials):
        x, y = _pairs_with_difference(rng, n=30, diff=1.0, noise=3.0)
        iv = stats.paired_interval(x, y, n_resamples=1000, seed=int(rng.integers(1 << 30)))
        hits += iv.diff_low <= 1.0 <= iv.diff_high
    assert 0.88 <= hits / trials <= 0.995


def test_paired_interval_with_no_difference_is_not_clear():
    rng = np.random.default_rng(8)
    base = rng.normal(100, 10, 30)
    iv = stats.paired_interval(base + rng.normal(0, 1, 30), base + rng.normal(0, 1, 30))
    assert iv.diff_low < 0 < iv.diff_high and iv.clear == 0


def test_paired_interval_degenerate_cases():
    same = stats.paired_interval([3.0, 3.0, 3.0], [1.0, 1.0, 1.0])
    assert (same.diff_low, same.difference, same.diff_high) == (2.0, 2.0, 2.0)
    assert same.ratio == 3.0 and same.method == "exact" and same.clear == 1
    zero_ref = stats.paired_interval([1.0, 2.0, 4.0, 3.0], [0.0, 0.0, 0.0, 0.0])
    assert np.isnan(zero_ref.ratio_low) and zero_ref.diff_low > 0 and zero_ref.clear == 1
    with pytest.raises(ValueError, match="equal length"):
        stats.paired_interval([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="NaN"):
        stats.paired_interval([1, np.nan], [1, 2])


def test_effect_sizes_known_values():
    y = np.zeros(5)
    x = np.array([1.0, 2, 3, 4, 5])  # mean 3, sd 1.5811
    assert stats.cohens_dz(x, y) == pytest.approx(3 / np.std(x, ddof=1))
    assert stats.cohens_dz(y + 2, y) == np.inf and stats.cohens_dz(y, y) == 0.0
    assert stats.prob_superiority([1, 2, 3, 4], [0, 2, 5, 1]) == pytest.approx((1 + 0.5 + 0 + 1) / 4)


def test_wilcoxon_p_matches_scipy_and_handles_all_ties():
    x, y = _pairs_with_difference(np.random.default_rng(9), n=20, diff=0.8, noise=1.5)
    assert stats.wilcoxon_p(x, y) == pytest.approx(sps.wilcoxon(x - y).pvalue)
    assert stats.wilcoxon_p([1, 2, 3], [1, 2, 3]) == 1.0
    # exact distribution for n = 6, all positive: p = 2 / 2^6
    assert stats.wilcoxon_p(np.arange(1, 7) + 0.5, np.zeros(6)) == pytest.approx(2 / 64)


# --------------------------------------------------------------------------
# Runs tables
# --------------------------------------------------------------------------


def synthetic_runs(
    effects: dict[str, float], n: int = 30, seed: int = 1, metric: str = "projects_started", noise: float = 5.0
) -> pd.DataFrame:
    """A runs table like a sweep's: each scenario = replicate base value x effect + noise."""
    rng = np.random.default_rng(seed)
    base = rng.normal(100, 20, n)
    rows = []
    for sc, mult in effects.items():
        vals = base * mult + rng.normal(0, noise, n)
        share = 0.2 + 0.1 * (mult - 1) + rng.normal(0, 0.01, n)
        for r in range(n):
            rows.append(
                {
                    "run_id": f"{sc}-{r}",
                    "scenario": sc,
                    "replicate": r,
                    "seed": 1000 + r,
                    metric: vals[r],
                    "cross_sector_tie_share": share[r],
                    "wall_seconds": 1.0,
                }
            )
    return pd.DataFrame(rows)


def test_compare_pairs_by_replicate_whatever_the_row_order():
    runs = synthetic_runs({"south-manchester": 1.0, "top-down": 1.5})
    shuffled = runs.sample(frac=1.0, random_state=3).reset_index(drop=True)
    a = stats.compare(runs, "south-manchester", ["projects_started"])
    b = stats.compare(shuffled, "south-manchester", ["projects_started"])
    pd.testing.assert_frame_equal(a, b)
    x = runs[runs.scenario == "top-down"].projects_started.to_numpy()
    y = runs[runs.scenario == "south-manchester"].projects_started.to_numpy()
    assert a.loc[0, "difference"] == pytest.approx((x - y).mean())
    assert a.loc[0, "n_pairs"] == 30 and a.loc[0, "direction"] == 1


def test_compare_keeps_only_replicates_present_in_both_and_adjusts_one_family():
    runs = synthetic_runs({"ref": 1.0, "a": 1.2, "b": 1.0})
    runs = runs[~((runs.scenario == "a") & (runs.replicate >= 25))]
    t = stats.compare(runs, "ref", ["projects_started", "cross_sector_tie_share"])
    assert list(t.columns) == stats.COMPARE_COLUMNS
    assert t.set_index(["scenario", "metric"]).loc[("a", "projects_started"), "n_pairs"] == 25
    assert t["holm_p"].to_numpy() == pytest.approx(stats.holm(t["wilcoxon_p"].to_numpy()))


def test_compare_pairs_within_swept_parameter_points():
    runs = pd.concat(
        [
            synthetic_runs({"ref": 1.0, "a": 2.0}, n=10, seed=s).assign(**{"population.size": v})
            for s, v in ((1, 300), (2, 600))
        ],
        ignore_index=True,
    )
    t = stats.compare(runs, "ref", ["projects_started"])
    assert t.loc[0, "n_pairs"] == 20  # 10 replicates x 2 points
    with pytest.raises(ValueError, match="several runs"):
        stats.compare(runs, "ref", ["projects_started"], keys=["replicate"])


def test_describe_and_bands_against_hand_computation():
    runs = synthetic_runs({"ref": 1.0, "a": 1.3}, n=12)
    d = stats.describe(runs, ["projects_started"]).set_index("scenario")
    v = runs[runs.scenario == "a"].projects_started.to_numpy()
    half = sps.t.ppf(0.975, 11) * v.std(ddof=1) / np.sqrt(12)
    assert d.loc["a", "mean"] == pytest.approx(v.mean())
    assert d.loc["a", "mean_high"] - d.loc["a", "mean"] == pytest.approx(half)
    ts = pd.DataFrame(
        [
            {"run_id": rid, "week": w, "projects_started": val * w / 10}
            for rid, val in zip(runs.run_id, runs.projects_started)
            for w in range(11)
        ]
    )
    b = stats.bands(ts, runs, ["projects_started"])
    row = b[(b.scenario == "a") & (b.week == 10)].iloc[0]
    assert row["mean"] == pytest.approx(v.mean()) and row["runs"] == 12
    assert row["mean_low"] == pytest.approx(v.mean() - half)
    assert row["run_low"] == pytest.approx(np.quantile(v, 0.025))


# --------------------------------------------------------------------------
# Plain-language summary: wording follows the numbers
# --------------------------------------------------------------------------


def _sentence(effects, metric="projects_started", reference="south-manchester", scenario="top-down", **kw):
    runs = synthetic_runs(effects, metric=metric, **kw)
    table = stats.compare(runs, reference, [metric])
    return summary.sentence(table[table.scenario == scenario].iloc[0]), table


def test_summary_says_top_down_started_more_when_it_did():
    text, table = _sentence({"south-manchester": 1.0, "top-down": 2.1})
    assert text.startswith("top-down started 2.")
    assert "times as many projects as south-manchester" in text
    lo, hi = table.loc[0, "ratio_low"], table.loc[0, "ratio_high"]
    assert f"95% interval {lo:.2f} to {hi:.2f}" in text or f"95% interval {lo:.1f} to {hi:.1f}" in text


def test_summary_puts_the_reference_first_when_it_did_better():
    text, table = _sentence({"south-manchester": 2.0, "top-down": 1.0})
    assert table.loc[0, "direction"] == -1
    assert text.startswith("south-manchester started ")
    assert "times as many projects as top-down" in text
    r = 1 / table.loc[0, "ratio"]
    assert f"{r:.1f} times" in text or f"{r:.2f} times" in text


def test_summary_small_effects_in_percent_and_no_clear_difference():
    text, _ = _sentence({"south-manchester": 1.0, "top-down": 1.2}, noise=1.0)
    assert text.startswith("top-down started ") and "% more projects than south-manchester" in text
    text, table = _sentence({"south-manchester": 1.0, "top-down": 1.0}, noise=5.0, seed=4)
    assert table.loc[0, "direction"] == 0
    assert text.startswith("No clear difference between top-down and south-manchester in projects")


def test_summary_for_shares_compares_levels_not_ratios():
    runs = synthetic_runs({"south-manchester": 1.0, "top-down": 1.5})
    table = stats.compare(runs, "south-manchester", ["cross_sector_tie_share"])
    text = summary.sentence(table.iloc[0])
    assert text.startswith("top-down had a higher share of working ties crossing sectors than south-manchester")
    assert "times" not in text


def test_summary_without_a_ratio_when_the_reference_is_zero():
    runs = synthetic_runs({"no-programme": 1.0, "south-manchester": 1.0})
    runs.loc[runs.scenario == "no-programme", "projects_started"] = 0.0
    table = stats.compare(runs, "no-programme", ["projects_started"])
    text = summary.sentence(table.iloc[0])
    assert text.startswith("south-manchester started more projects than no-programme: on average")


def test_headline_lines_give_means_and_ratios():
    runs = synthetic_runs({"south-manchester": 1.0, "top-down": 0.5, "hybrid": 0.8})
    table = stats.compare(runs, "south-manchester", ["projects_started"])
    lines = summary.headline(
        table, stats.describe(runs, ["projects_started"]), ["projects_started"], "south-manchester"
    )
    assert len(lines) == 1
    assert lines[0].startswith("projects started (mean per run; vs south-manchester): south-manchester ")
    assert "top-down" in lines[0] and "hybrid" in lines[0] and "x0.5" in lines[0]

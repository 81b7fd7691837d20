"""Outcomes by locality in a sweep's report: bands over time, end values with intervals, and sentences.

Works from ``localities.parquet`` (written by the sweep engine for runs with more than one locality: one row
per run, week and locality). Every number here is a mean over runs with a 95% interval; comparisons between
scenarios inside one locality are paired by replicate (common random numbers), like the rest of the report,
and the sentences are worded by the numbers (:mod:`.summary`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from ..metrics import LOCALITY_METRICS
from . import stats, summary

if TYPE_CHECKING:
    from typing import Any

    from ..config import Params


FIGURE_METRICS = ("people_reached", "adopters", "projects_started")
"""Outcomes drawn over time, one figure each (panels = localities, lines = scenarios)."""
TABLE_METRICS = (
    "people_reached",
    "adopters",
    "champions",
    "working_ties",
    "cross_locality_ties",
    "projects_started",
    "projects_completed",
    "cross_sector_referrals",
)
"""Outcomes in the table of end values (all locality metrics are in ``tables/localities_end.csv``)."""
MAX_PANELS = 12
"""Localities drawn in a figure (the tables hold every locality)."""
UNITS = {name: unit for name, unit, _ in LOCALITY_METRICS}
DOCS = {name: doc for name, _, doc in LOCALITY_METRICS}


def label(k: int, names: Sequence[str] = ()) -> str:
    """The name of locality ``k`` (``population.locality_names``), else ``locality k+1``."""
    return names[k] if 0 <= k < len(names) else f"locality {k + 1}"


def metric_label(metric: str) -> str:
    name = metric.replace("_", " ")
    unit = UNITS.get(metric, "")
    return f"{name[0].upper()}{name[1:]} ({unit})" if unit else name


@dataclass
class LocalityResults:
    scenarios: list[str]  # scenarios with several localities, in the report's order
    reference: str | None  # the reference of the paired comparisons here (None: one scenario)
    localities: list[int]
    bands: pd.DataFrame  # metric, locality, scenario, week, mean, mean_low, mean_high, run_low, run_high, runs
    end: pd.DataFrame  # scenario, locality, metric, runs, mean, mean_low, mean_high, sd, median, min, max
    comparison: pd.DataFrame  # stats.compare rows with a locality column
    starts: dict[str, list[int]]  # scenario -> programme start week per locality
    sentences: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # a label per locality (metrics.locality_names)


def end_values(loc: pd.DataFrame, runs: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Each run's last week, one row per run and locality, with the run's scenario and pairing keys."""
    last = loc.groupby("run_id", sort=False)["week"].transform("max")
    end = loc[loc["week"] == last]
    cols = ["run_id", "scenario", *[k for k in keys if k in runs.columns and k not in ("run_id",)]]
    return end.merge(runs[list(dict.fromkeys(cols))], on="run_id")


def analyse(
    loc: pd.DataFrame,
    runs: pd.DataFrame,
    scenarios: Sequence[str],
    keys: Sequence[str],
    starts: dict[str, list[int]],
    n_resamples: int = stats.N_RESAMPLES,
    names: Sequence[str] = (),
) -> LocalityResults:
    """Bands, end values, paired comparisons per locality and sentences for the report."""
    present = set(runs.loc[runs["run_id"].isin(set(loc["run_id"])), "scenario"])
    scen = [s for s in scenarios if s in present]
    localities = sorted(int(k) for k in pd.unique(loc["locality"]))
    metrics = [m for m in UNITS if m in loc.columns]
    band_parts, end_parts, comp_parts = [], [], []
    sub_runs = runs[runs["scenario"].isin(scen)]
    end = end_values(loc, sub_runs, keys)
    reference = scen[0] if len(scen) > 1 else None
    for k in localities:
        b = stats.bands(loc[loc["locality"] == k], sub_runs, FIGURE_METRICS)
        if len(b):
            band_parts.append(b.assign(locality=k))
        part = end[end["locality"] == k]
        d = stats.describe(part, metrics)
        end_parts.append(d.assign(locality=k))
        if reference is not None:
            others = [s for s in scen[1:] if (part["scenario"] == s).any()]
            if others and (part["scenario"] == reference).any():
                c = stats.compare(
                    part, reference, list(TABLE_METRICS), others, keys=list(keys), n_resamples=n_resamples
                )
                comp_parts.append(c.assign(locality=k))
    bands = pd.concat(band_parts, ignore_index=True) if band_parts else pd.DataFrame()
    end_table = pd.concat(end_parts, ignore_index=True) if end_parts else pd.DataFrame()
    if len(end_table):
        end_table = end_table[
            ["scenario", "locality", *[c for c in end_table.columns if c not in ("scenario", "locality")]]
        ]
    comparison = pd.concat(comp_parts, ignore_index=True) if comp_parts else pd.DataFrame()
    res = LocalityResults(scen, reference, localities, bands, end_table, comparison, starts, names=list(names))
    res.sentences = sentences(res)
    return res


NOUNS = {
    "people_reached": "people reached",
    "adopters": "people practising system leadership",
    "projects_started": "projects started",
}


def _names(rows: pd.DataFrame, names: Sequence[str] = ()) -> str:
    found = [label(int(k), names) for k in rows["locality"]]
    return found[0] if len(found) == 1 else ", ".join(found[:-1]) + " and " + found[-1]


def spread_sentence(end: pd.DataFrame, scenario: str, metric: str, names: Sequence[str] = ()) -> str | None:
    """Which localities ended with the most and the fewest of ``metric`` in ``scenario``, worded by the 95%
    intervals of the means (clearly different only when the intervals do not overlap)."""
    d = end[(end["scenario"] == scenario) & (end["metric"] == metric)].sort_values(["mean", "locality"])
    if len(d) < 2:
        return None
    noun = NOUNS.get(metric) or summary.phrase(metric)[1]
    fmt = summary.fmt
    top, bottom = d[d["mean"] == d["mean"].max()], d[d["mean"] == d["mean"].min()]
    hi, lo = top.iloc[0], bottom.iloc[0]

    def iv(r: pd.Series) -> str:
        if r["mean_low"] == r["mean_high"]:
            return f"{fmt(r['mean'])} in every run"
        return f"{fmt(r['mean'])} (95% interval {fmt(r['mean_low'])} to {fmt(r['mean_high'])})"

    if hi["mean"] == lo["mean"]:
        return f"{scenario}: every locality ended with {fmt(hi['mean'])} {noun} on average."
    if top["mean_low"].min() > bottom["mean_high"].max():
        each_top, each_bottom = (" each" if len(x) > 1 else "" for x in (top, bottom))
        most, fewest = _names(top, names), _names(bottom, names)
        return (
            f"{scenario}: {most} ended with the most {noun}, {iv(hi)}{each_top}, and {fewest} "
            f"the fewest, {iv(lo)}{each_bottom}."
        )
    return (
        f"{scenario}: no clear difference between localities in {noun}: from {iv(lo)} in "
        f"{_names(bottom, names)} to {iv(hi)} in {_names(top, names)}."
    )


def sentences(res: LocalityResults) -> list[str]:
    """Spread between localities within each scenario, then each locality's paired comparison with the
    reference (key outcomes only)."""
    out = []
    for metric in FIGURE_METRICS:
        for sc in res.scenarios:
            s = spread_sentence(res.end, sc, metric, res.names) if len(res.end) else None
            if s:
                out.append(s)
    if len(res.comparison):
        for k in res.localities:
            part = res.comparison[res.comparison["locality"] == k]
            for line in summary.sentences(part, list(FIGURE_METRICS), pairs=False):
                line = "no clear" + line[len("No clear") :] if line.startswith("No clear") else line
                out.append(f"{label(k, res.names)}: {line}")
    return out


def start_weeks(params: Params, localities: int) -> list[int]:
    """Programme start week per locality, as the model counts it (locality 0 starts in week 1)."""
    shifts = [0, *[w - 1 for w in params.programme.locality_start_weeks]]
    shifts += [0] * (localities - len(shifts))
    return [1 + s for s in shifts[:localities]]


def end_table_wide(res: LocalityResults, metrics: Sequence[str]) -> pd.DataFrame:
    """Scenario x locality rows, one 'mean [low, high]' column per metric (for the HTML table)."""
    rows = []
    e = res.end.set_index(["scenario", "locality", "metric"])
    for sc in res.scenarios:
        for k in res.localities:
            row: dict[str, Any] = {"scenario": sc, "locality": label(k, res.names)}
            starts = res.starts.get(sc) or []
            row["start"] = starts[k] if k < len(starts) else math.nan
            for m in metrics:
                if (sc, k, m) in e.index:
                    r = e.loc[(sc, k, m)]
                    row[m] = (float(r["mean"]), float(r["mean_low"]), float(r["mean_high"]))
            rows.append(row)
    return pd.DataFrame(rows)


def panel_localities(res: LocalityResults) -> list[int]:
    return res.localities[:MAX_PANELS]

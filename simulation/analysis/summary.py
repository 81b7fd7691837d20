"""Plain-language sentences about paired comparisons, worded by the numbers.

Each sentence says which scenario had more of an outcome, by how much, and
with what 95% interval; when the interval does not exclude "no difference",
it says so. Nothing here knows which strategy "should" win: the subject of
a sentence is whichever scenario the data put ahead.
"""

from __future__ import annotations

import math

import pandas as pd

from ..metrics import METRIC_BY_NAME

# verb, noun (plural) for counts; for shares and 0-1 scales the noun names the quantity.
PHRASES: dict[str, tuple[str, str]] = {
    "projects_started": ("started", "projects"),
    "projects_completed": ("completed", "projects"),
    "projects_active": ("had", "projects under way at the end"),
    "projects_failed": ("saw", "projects fizzle out"),
    "people_reached": ("reached", "people"),
    "adopters": ("ended with", "people practising system leadership"),
    "champions": ("ended with", "champions"),
    "working_ties": ("ended with", "working trust ties"),
    "cross_sector_ties": ("ended with", "cross-sector working ties"),
    "vcs_cross_sector_ties": ("ended with", "working ties between the voluntary sector and others"),
    "active_people": ("had", "people taking part in the final week"),
    "cross_sector_referrals": ("made", "cross-sector referrals"),
    "patient_projects": ("started", "projects with patients or citizens in the team"),
    "post_programme_activity": ("kept", "people a week taking part after the funded programme ended"),
    "projects_after_programme": ("started", "projects after the funded programme ended"),
    "cross_sector_tie_share": ("had", "share of working ties crossing sectors"),
    "largest_component_share": ("had", "share of people in the largest connected group of working ties"),
    "mean_confidence": ("had", "mean confidence as leaders (0-1)"),
    "mean_project_sectors": ("had", "mean number of sectors per project team"),
}

SCALE_UNITS = {"share", "0-1", "sectors"}  # compared as differences, not ratios


def phrase(metric: str) -> tuple[str, str]:
    if metric in PHRASES:
        return PHRASES[metric]
    m = METRIC_BY_NAME.get(metric)
    return "had", (m.doc if m else metric.replace("_", " "))


def fmt(v: float) -> str:
    """A number for prose: whole numbers from 100 up, else three significant figures."""
    if not math.isfinite(v):
        return "n/a"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if v == 0:
        return "0"
    return f"{v:.3g}"


def _times(r: float, lo: float, hi: float) -> tuple[str, str, str]:
    """Ratios with one decimal, or two when the interval is narrow."""
    digits = 1 if hi - lo >= 0.5 else 2
    f = lambda v: f"{v:.{digits}f}" if v < 10 else f"{v:.0f}"  # noqa: E731
    return f(r), f(lo), f(hi)


def _pct(v: float) -> str:
    """A share (0-1) as a percentage."""
    x = 100 * v
    return f"{x:.1f}%" if abs(x) >= 0.1 or x == 0 else f"{x:.2g}%"


def _points(v: float) -> str:
    """A difference of shares in percentage points."""
    x = 100 * v
    return f"{x:.1f}" if abs(x) >= 0.1 or x == 0 else f"{x:.2g}"


def _more(times: float) -> str:
    x = 100 * (times - 1)
    return f"{x:.1f}%" if x < 10 else f"{x:.0f}%"


def sentence(row: pd.Series | dict, *, pairs: bool = True) -> str:
    """One sentence for one row of :func:`simulation.analysis.stats.compare` (``pairs``: name the number of
    paired replicates)."""
    r = dict(row)
    sc, ref, metric = r["scenario"], r["reference"], r["metric"]
    verb, noun = phrase(metric)
    unit = METRIC_BY_NAME[metric].unit if metric in METRIC_BY_NAME else ""
    d, lo, hi = r["difference"], r["diff_low"], r["diff_high"]
    direction = int(r["direction"])
    n = int(r["n_pairs"])
    ratio, r_lo, r_hi = r["ratio"], r["ratio_low"], r["ratio_high"]
    ratio_ok = unit not in SCALE_UNITS and all(math.isfinite(v) and v > 0 for v in (ratio, r_lo, r_hi))
    tail = f"; {n} paired replicate{'s' if n != 1 else ''}" if pairs else ""
    share = unit == "share"
    level = _pct if share else fmt
    delta = (lambda v: f"{_points(v)} percentage points") if share else fmt

    if direction == 0:
        rel = f"; ratio {ratio:.2f}, 95% interval {r_lo:.2f} to {r_hi:.2f}" if ratio_ok else ""
        return (
            f"No clear difference between {sc} and {ref} in {noun}: {level(r['mean'])} against "
            f"{level(r['mean_reference'])} on average (paired difference {delta(d)}, 95% interval "
            f"{(_points if share else fmt)(lo)} to {(_points if share else fmt)(hi)}{rel}{tail})."
        )

    # Put the scenario the data favour first.
    if direction > 0:
        big, small, diff, d_lo, d_hi = sc, ref, d, lo, hi
        times, t_lo, t_hi = ratio, r_lo, r_hi
        big_mean, small_mean = r["mean"], r["mean_reference"]
    else:
        big, small, diff, d_lo, d_hi = ref, sc, -d, -hi, -lo
        times, t_lo, t_hi = (1 / ratio, 1 / r_hi, 1 / r_lo) if ratio_ok else (math.nan,) * 3
        big_mean, small_mean = r["mean_reference"], r["mean"]

    if unit in SCALE_UNITS:
        lo_hi = f"{_points(d_lo)} to {_points(d_hi)}" if share else f"{fmt(d_lo)} to {fmt(d_hi)}"
        return (
            f"{big} had a higher {noun} than {small}: {level(big_mean)} against {level(small_mean)} "
            f"(difference {delta(diff)}, 95% interval {lo_hi}{tail})."
        )
    per = "per run" if metric != "post_programme_activity" else "a week"
    absolute = f"on average {fmt(diff)} more {per}, 95% interval {fmt(d_lo)} to {fmt(d_hi)}"
    if ratio_ok and times >= 1.5:
        t, t_lo, t_hi = _times(times, t_lo, t_hi)
        return f"{big} {verb} {t} times as many {noun} as {small} (95% interval {t_lo} to {t_hi}; {absolute}{tail})."
    if ratio_ok:
        return (
            f"{big} {verb} {_more(times)} more {noun} than {small} (95% interval {_more(t_lo)} to "
            f"{_more(t_hi)} more; {absolute}{tail})."
        )
    return f"{big} {verb} more {noun} than {small}: {absolute}{' (' + tail[2:] + ')' if tail else ''}."


def sentences(table: pd.DataFrame, metrics: list[str] | None = None, *, pairs: bool = True) -> list[str]:
    """Sentences for the rows of a comparison table (optionally only ``metrics``, in that order)."""
    if metrics is not None:
        order = {m: k for k, m in enumerate(metrics)}
        table = table[table["metric"].isin(order)].copy()
        table["_o"] = table["metric"].map(order)
        table = table.sort_values(["_o"], kind="stable")
    return [sentence(row, pairs=pairs) for _, row in table.iterrows()]


def headline(table: pd.DataFrame, describe: pd.DataFrame, metrics: list[str], reference: str) -> list[str]:
    """Short lines, one per metric: mean per scenario, and each scenario's ratio to the reference with its
    interval (the three-line summary that ``syslead main`` prints)."""
    lines = []
    for metric in metrics:
        unit = METRIC_BY_NAME[metric].unit if metric in METRIC_BY_NAME else ""
        d = describe[describe["metric"] == metric].set_index("scenario")["mean"]
        if reference not in d.index:
            continue
        parts = [f"{reference} {fmt(d[reference])}"]
        for _, row in table[table["metric"] == metric].iterrows():
            sc = row["scenario"]
            if unit not in SCALE_UNITS and math.isfinite(row["ratio_low"]):
                rel = f"x{row['ratio']:.2f}, 95% {row['ratio_low']:.2f}-{row['ratio_high']:.2f}"
            else:
                rel = f"{row['difference']:+.3g}, 95% {row['diff_low']:+.3g} to {row['diff_high']:+.3g}"
            parts.append(f"{sc} {fmt(row['mean'])} ({rel})")
        label = metric.replace("_", " ")
        lines.append(f"{label} (mean per run; vs {reference}): " + "; ".join(parts))
    return lines

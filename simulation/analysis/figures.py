"""Report figures (matplotlib, no pyplot state): colour-blind-safe, labelled with units, slide-readable.

Scenarios are coloured with the Okabe-Ito palette in the order they are
listed (the reference first) and also told apart by line style and marker,
so the figures survive greyscale printing. People in network drawings are
coloured by sector with :data:`simulation.sectors.SECTOR_COLOURS`. Every
function returns a :class:`matplotlib.figure.Figure`; the caller saves it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import NullFormatter

from ..metrics import METRIC_BY_NAME
from ..sectors import MINDSET_STAGES, SECTOR_COLOURS, SECTOR_LABELS, SECTORS
from .layout import RING, sector_centre
from .layout import sector_layout as sector_layout  # the one network layout; report.py calls it from here
from .summary import SCALE_UNITS

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from matplotlib.typing import RcKeyType


# Okabe & Ito (2008), ordered for contrast between neighbours.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
LINESTYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

STYLE: dict[RcKeyType, Any] = {
    "font.size": 13,
    "axes.titlesize": 15,
    "axes.labelsize": 14,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 2.2,
}

MINDSET_SIZES = (2.0, 9.0, 28.0, 60.0)  # marker area (points^2) by mindset stage
UNIT_LABELS = {"0-1": "0-1 scale", "share": "share, 0-1", "": ""}


def colours(scenarios: Sequence[str]) -> dict[str, str]:
    return {s: OKABE_ITO[k % len(OKABE_ITO)] for k, s in enumerate(scenarios)}


def style(k: int) -> dict:
    return {"linestyle": LINESTYLES[k % len(LINESTYLES)], "marker": MARKERS[k % len(MARKERS)]}


def label(metric: str) -> str:
    """Axis label with units: 'Projects started (projects)'."""
    name = metric.replace("_", " ")
    name = name[0].upper() + name[1:]
    m = METRIC_BY_NAME.get(metric)
    unit = UNIT_LABELS.get(m.unit, m.unit) if m else ""
    return f"{name} ({unit})" if unit else name


def _figure(w: float, h: float) -> Figure:
    return Figure(figsize=(w, h), dpi=100, layout="constrained")


def styled[**P, R](fn: Callable[P, R]) -> Callable[P, R]:
    """Draw inside the report style (rc settings are read when artists are created)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with matplotlib.rc_context(STYLE):
            return fn(*args, **kwargs)

    return wrapper


@styled
def _band(ax, part, colour, linestyle: str, label: str) -> None:
    """One scenario's weekly mean (line), its 95% interval (dark band) and the middle 95% of runs (light band)."""
    ax.fill_between(part["week"], part["run_low"], part["run_high"], color=colour, alpha=0.10, linewidth=0)
    ax.fill_between(part["week"], part["mean_low"], part["mean_high"], color=colour, alpha=0.35, linewidth=0)
    ax.plot(part["week"], part["mean"], color=colour, linestyle=linestyle, label=label)


def timeseries(
    bands: pd.DataFrame, metric: str, scenarios: Sequence[str], programme_end: float | None = None
) -> Figure:
    """Mean per week for each scenario with its 95% interval (dark band) and the middle 95% of runs (light)."""
    fig = _figure(9, 5.2)
    ax = fig.subplots()
    col = colours(scenarios)
    b = bands[bands["metric"] == metric]
    for k, sc in enumerate(scenarios):
        part = b[b["scenario"] == sc].sort_values("week")
        if part.empty:
            continue
        _band(ax, part, col[sc], LINESTYLES[k % 4], sc)
    if programme_end is not None:
        ax.axvline(programme_end, color="0.3", linestyle=":", linewidth=1.5)
        ax.annotate(
            "funded programme ends",
            (programme_end, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(4, -14),
            textcoords="offset points",
            fontsize=11,
            color="0.3",
        )
    ax.set_xlabel("Week (1 step = 1 week)")
    ax.set_ylabel(label(metric))
    ax.set_title(label(metric).split(" (")[0])
    handles, labels = ax.get_legend_handles_labels()
    handles += [Patch(color="0.4", alpha=0.45), Patch(color="0.4", alpha=0.12)]
    labels += ["95% interval of the mean", "middle 95% of runs"]
    ax.legend(handles, labels, loc="best", frameon=False)
    return fig


def _panels(n: int, height: float, ncol: int = 3) -> tuple[Figure, np.ndarray]:
    """A figure with ``n`` panels, ``ncol`` to a row, each ``height`` inches tall (flat array of axes)."""
    nrow = int(np.ceil(n / ncol))
    fig = _figure(5.2 * ncol, height * nrow)
    return fig, np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False)).ravel()


@styled
def distributions(runs: pd.DataFrame, metrics: Sequence[str], scenarios: Sequence[str]) -> Figure:
    """Final outcomes: one panel per metric, a box and every run as a dot per scenario."""
    fig, axes = _panels(len(metrics), 4.2)
    col = colours(scenarios)
    rng = np.random.default_rng(0)
    for ax, metric in zip(axes, metrics):
        data = [runs.loc[runs["scenario"] == s, metric].to_numpy(np.float64) for s in scenarios]
        bp = ax.boxplot(
            data,
            positions=range(len(scenarios)),
            widths=0.55,
            showfliers=False,
            patch_artist=True,
            medianprops={"color": "black", "linewidth": 2},
        )
        for patch, sc in zip(bp["boxes"], scenarios):
            patch.set_facecolor(col[sc])
            patch.set_alpha(0.35)
        for k, (sc, v) in enumerate(zip(scenarios, data)):
            ax.scatter(
                k + rng.uniform(-0.18, 0.18, v.size), v, s=14, color=col[sc], marker=MARKERS[k % 8], alpha=0.8, zorder=3
            )
        ax.set_xticks(range(len(scenarios)), scenarios, rotation=20, ha="right")
        ax.set_ylabel(label(metric))
        ax.set_title(label(metric).split(" (")[0], fontsize=13)
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    return fig


@styled
def paired_ratios(table: pd.DataFrame, metrics: Sequence[str], scenarios: Sequence[str], reference: str) -> Figure:
    """Forest plot: each scenario's mean relative to the reference (paired bootstrap 95% interval), log scale."""
    t = table[table["metric"].isin(metrics) & np.isfinite(table["ratio_low"])]
    metrics = [m for m in metrics if m in set(t["metric"])]
    others = [s for s in scenarios if s != reference and s in set(t["scenario"])]
    fig = _figure(10, 0.55 * max(1, len(metrics)) * max(1, len(others)) * 0.55 + 2.2)
    ax = fig.subplots()
    col = colours(scenarios)
    step = 0.8 / max(1, len(others))
    for k, sc in enumerate(others):
        part = t[t["scenario"] == sc].set_index("metric")
        y = np.array([i + (k - (len(others) - 1) / 2) * step for i in range(len(metrics))])
        r = part.loc[metrics, "ratio"].to_numpy()
        lo, hi = part.loc[metrics, "ratio_low"].to_numpy(), part.loc[metrics, "ratio_high"].to_numpy()
        ax.errorbar(
            r,
            y,
            xerr=[r - lo, hi - r],
            fmt=MARKERS[(k + 1) % 8],
            color=col[sc],
            capsize=3,
            markersize=7,
            linewidth=1.8,
            label=sc,
        )
    ax.axvline(1.0, color="0.3", linewidth=1.2)
    ax.set_xscale("log")
    ax.set_yticks(range(len(metrics)), [label(m).split(" (")[0] for m in metrics])
    ax.invert_yaxis()
    ax.set_xlabel(f"Ratio of means to {reference} (log scale; 1 = no difference)")
    ax.set_title(f"Paired comparison with {reference} (95% bootstrap intervals)")
    ax.legend(loc="best", frameon=False)
    return fig


@styled
def paired_by_replicate(
    runs: pd.DataFrame,
    metrics: Sequence[str],
    scenarios: Sequence[str],
    reference: str,
    table: pd.DataFrame,
    keys: Sequence[str],
) -> Figure:
    """Per-replicate paired differences (scenario minus reference) with their mean and 95% interval."""
    from .stats import pairs

    others = [s for s in scenarios if s != reference]
    fig, axes = _panels(len(metrics), 4.0)
    col = colours(scenarios)
    rng = np.random.default_rng(1)
    for ax, metric in zip(axes, metrics):
        for k, sc in enumerate(others):
            x, y = pairs(runs, sc, reference, metric, keys)
            d = x - y
            ax.scatter(
                k + rng.uniform(-0.2, 0.2, d.size), d, s=12, color=col[sc], alpha=0.6, marker=MARKERS[(k + 1) % 8]
            )
            row = table[(table["scenario"] == sc) & (table["metric"] == metric)]
            if len(row):
                r = row.iloc[0]
                ax.errorbar(
                    [k + 0.32],
                    [r["difference"]],
                    yerr=[[r["difference"] - r["diff_low"]], [r["diff_high"] - r["difference"]]],
                    fmt="D",
                    color="black",
                    capsize=4,
                    markersize=6,
                )
        ax.axhline(0, color="0.3", linewidth=1)
        ax.set_xticks(range(len(others)), others, rotation=20, ha="right")
        unit = METRIC_BY_NAME[metric].unit if metric in METRIC_BY_NAME else ""
        ax.set_ylabel("Difference" + (f" ({UNIT_LABELS.get(unit, unit)})" if unit else ""))
        ax.set_title(label(metric).split(" (")[0], fontsize=13)
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    fig.suptitle(f"Paired differences from {reference} by replicate (dots); mean and 95% bootstrap interval (black)")
    return fig


@styled
def sector_bars(desc: pd.DataFrame, prefix: str, scenarios: Sequence[str], ylabel: str, title: str) -> Figure:
    """Grouped bars by sector: mean per scenario with its 95% interval."""
    fig = _figure(12, 5.5)
    ax = fig.subplots()
    col = colours(scenarios)
    width = 0.8 / max(1, len(scenarios))
    x = np.arange(len(SECTORS))
    for k, sc in enumerate(scenarios):
        part = desc[desc["scenario"] == sc].set_index("metric")
        names = [f"{prefix}{s}" for s in SECTORS]
        if not set(names) <= set(part.index):
            continue
        m = part.loc[names, "mean"].to_numpy()
        lo, hi = part.loc[names, "mean_low"].to_numpy(), part.loc[names, "mean_high"].to_numpy()
        ax.bar(
            x + (k - (len(scenarios) - 1) / 2) * width,
            m,
            width,
            color=col[sc],
            label=sc,
            yerr=[m - lo, hi - m],
            capsize=2,
            hatch=["", "//", "..", "xx"][k % 4],
            edgecolor="white",
        )
    ax.set_xticks(x, [SECTOR_LABELS[s] for s in SECTORS], rotation=25, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(frameon=False)
    return fig


@styled
def project_sectors(shares: pd.DataFrame, scenarios: Sequence[str]) -> Figure:
    """Share of projects whose team includes each sector (one replicate per scenario)."""
    fig = _figure(12, 5.5)
    ax = fig.subplots()
    col = colours(scenarios)
    width = 0.8 / max(1, len(scenarios))
    x = np.arange(len(SECTORS))
    for k, sc in enumerate(scenarios):
        part = shares[shares["scenario"] == sc].set_index("sector")
        if part.empty:
            continue
        v = part.reindex(list(SECTORS))["share_of_projects"].fillna(0).to_numpy()
        n = int(part["projects"].iloc[0])
        ax.bar(
            x + (k - (len(scenarios) - 1) / 2) * width,
            v,
            width,
            color=col[sc],
            label=f"{sc} ({n} projects)",
            hatch=["", "//", "..", "xx"][k % 4],
            edgecolor="white",
        )
    ax.set_xticks(x, [SECTOR_LABELS[s] for s in SECTORS], rotation=25, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("Share of projects (0-1)")
    ax.set_title("Share of projects with each sector in the team (replicate 0 of each scenario)")
    ax.legend(frameon=False)
    return fig


@styled
def network(
    i: np.ndarray, j: np.ndarray, sector: np.ndarray, mindset: np.ndarray, pos: np.ndarray, title: str
) -> Figure:
    """Working trust ties: within-sector ties light grey, cross-sector ties dark; people by sector colour,
    sized by mindset stage."""
    fig = _figure(8, 8.6)
    ax = fig.subplots()
    cross = sector[i] != sector[j]
    for mask, colour, alpha, lw in ((~cross, "0.6", 0.08, 0.4), (cross, "0.15", 0.35, 0.6)):
        segs = np.stack([pos[i[mask]], pos[j[mask]]], axis=1)
        # (ignore: matplotlib's stubs want a sequence of segments; an (n, 2, 2) array is one, as its docs say)
        ax.add_collection(LineCollection(segs, colors=colour, alpha=alpha, linewidths=lw, zorder=1))  # type: ignore[arg-type]
    sizes = np.array(MINDSET_SIZES)[np.clip(mindset, 0, 3)]
    palette = np.array([SECTOR_COLOURS[s] for s in SECTORS])
    order = np.argsort(mindset, kind="stable")  # adopters on top
    ax.scatter(
        pos[order, 0],
        pos[order, 1],
        s=sizes[order],
        c=palette[sector[order]],
        linewidths=0.3,
        edgecolors="0.2",
        zorder=2,
    )
    for s, name in enumerate(SECTORS):  # beside each sector's disc (sector_layout's ring)
        c, sn = sector_centre(s) / RING
        x, y = sector_centre(s) * (RING + 0.34) / RING
        ax.text(
            x,
            y,
            SECTOR_LABELS[name],
            ha="left" if c > 0.2 else "right" if c < -0.2 else "center",
            va="bottom" if sn > 0.2 else "top" if sn < -0.2 else "center",
            fontsize=11,
        )
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.3, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=13)
    handles = [Line2D([], [], linestyle="", marker="o", markersize=np.sqrt(sz), color="0.5") for sz in MINDSET_SIZES]
    handles += [Line2D([], [], color="0.6", alpha=0.6), Line2D([], [], color="0.15")]
    ax.legend(
        handles,
        [*MINDSET_STAGES, "tie within a sector", "tie across sectors"],
        loc="lower center",
        ncol=3,
        frameon=False,
        bbox_to_anchor=(0.5, -0.08),
        fontsize=11,
    )
    return fig


@styled
def persistence(runs: pd.DataFrame, scenarios: Sequence[str], metrics: Sequence[str]) -> Figure:
    """Follow-up outcomes per scenario: mean and 95% interval of each metric (one panel each)."""
    from .stats import mean_interval

    fig = _figure(5.5 * len(metrics), 4.8)
    axes = np.atleast_1d(fig.subplots(1, len(metrics), squeeze=False)).ravel()
    col = colours(scenarios)
    for ax, metric in zip(axes, metrics):
        for k, sc in enumerate(scenarios):
            v = runs.loc[runs["scenario"] == sc, metric].to_numpy(np.float64)
            if v.size == 0:
                continue
            m, lo, hi = mean_interval(v)
            ax.bar(
                k,
                m,
                0.7,
                color=col[sc],
                yerr=[[m - lo], [hi - m]],
                capsize=4,
                hatch=["", "//", "..", "xx"][k % 4],
                edgecolor="white",
            )
        ax.set_xticks(range(len(scenarios)), scenarios, rotation=20, ha="right")
        ax.set_ylabel(label(metric))
        ax.set_title(label(metric).split(" (")[0], fontsize=13)
    return fig


def is_scale(metric: str) -> bool:
    m = METRIC_BY_NAME.get(metric)
    return bool(m and m.unit in SCALE_UNITS)


@styled
def locality_timeseries(
    bands: pd.DataFrame,
    metric: str,
    scenarios: Sequence[str],
    localities: Sequence[int],
    names: Sequence[str],
    starts: dict[str, list[int]] | None = None,
) -> Figure:
    """One panel per locality (same y scale), each scenario's mean per week with its 95% interval of the mean
    (dark band) and the middle 95% of runs (light); a dotted line in the scenario's colour marks the week the
    programme starts in that locality, when it is not week 1."""
    ncol = min(3, max(1, len(localities)))
    nrow = int(np.ceil(len(localities) / ncol))
    fig = _figure(5.2 * ncol, 3.9 * nrow + 0.6)
    axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False, sharey=True)).ravel()
    col = colours(scenarios)
    b = bands[bands["metric"] == metric]
    for ax, k, name in zip(axes, localities, names):
        part_k = b[b["locality"] == k]
        for j, sc in enumerate(scenarios):
            part = part_k[part_k["scenario"] == sc].sort_values("week")
            if part.empty:
                continue
            _band(ax, part, col[sc], LINESTYLES[j % 4], sc)
            start = (starts or {}).get(sc, [])
            if k < len(start) and start[k] > 1 and start[k] <= float(part["week"].max()):
                ax.axvline(start[k], color=col[sc], linestyle=":", linewidth=1.4)
        ax.set_title(name, fontsize=13)
        ax.set_xlabel("Week")
    for ax in axes[::ncol]:
        ax.set_ylabel(label(metric))
    for ax in axes[len(localities) :]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    handles += [
        Patch(color="0.4", alpha=0.45),
        Patch(color="0.4", alpha=0.12),
        Line2D([], [], color="0.3", linestyle=":", linewidth=1.4),
    ]
    labels += ["95% interval of the mean", "middle 95% of runs", "programme starts in the locality"]
    fig.suptitle(f"{label(metric).split(' (')[0]} by locality", fontsize=15)
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 3), frameon=False)
    return fig


@styled
def brief_answer(
    contrasts: Sequence, metrics: Sequence[str], scenarios: Sequence[str], titles: dict[str, str], reference: str
) -> Figure:
    """The brief's chart: per outcome, each scenario against the reference, pair by pair: the ratio of means (dot)
    and the middle 90% of the paired runs' ratios (bar), log scale, 1 = the same. ``contrasts`` are
    :class:`simulation.analysis.brief.Contrast`."""
    import textwrap

    others = [s for s in scenarios if s != reference and any(c.scenario == s for c in contrasts)]
    metrics = [m for m in metrics if any(c.metric == m for c in contrasts)]
    col = colours(scenarios)
    n = max(1, len(metrics))
    fig = _figure(3.6 * n + 2.6, 0.75 * max(1, len(others)) + 2.0)
    axes = np.atleast_1d(fig.subplots(1, n, sharey=True, squeeze=False)).ravel()
    y = np.arange(len(others))[::-1]
    from .brief import outcome_words

    for ax, m in zip(axes, metrics):
        part = {c.scenario: c for c in contrasts if c.metric == m}
        ratio = all(part[s].kind == "ratio" for s in others if s in part)
        for k, sc in enumerate(others):
            c = part.get(sc)
            if c is None:
                continue
            idx = scenarios.index(sc)
            ax.errorbar(
                [c.estimate],
                [y[k]],
                xerr=[[max(c.estimate - c.low, 0)], [max(c.high - c.estimate, 0)]],
                fmt=MARKERS[idx % len(MARKERS)],
                color=col[sc],
                markersize=9,
                capsize=4,
                linewidth=2.4,
            )
        ax.axvline(1.0 if ratio else 0.0, color="0.25", linewidth=1.3, linestyle="--")
        if ratio:
            ax.set_xscale("log")
            lo = min([part[s].low for s in others if s in part] + [1.0])
            hi = max([part[s].high for s in others if s in part] + [1.0])
            ax.set_xlim(lo / 1.25, hi * 1.25)
            ticks: list[float] = []
            for t in (0.1, 0.2, 0.25, 0.33, 0.5, 0.67, 1, 1.5, 2, 3, 4, 5, 10, 20):  # spaced on the log scale
                if lo / 1.25 <= t <= hi * 1.25 and (not ticks or t / ticks[-1] >= 1.45 or t == 1):
                    if ticks and t == 1 and t / ticks[-1] < 1.45:
                        ticks.pop()
                    ticks.append(t)
            ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.set_xlabel("times as many (1 = the same)")
        else:
            ax.set_xlabel("difference (0 = the same)")
        ax.set_title(textwrap.fill(outcome_words(m).label, 22), fontsize=13)
        ax.grid(axis="y", visible=False)
    axes[0].set_yticks(y, [textwrap.fill(titles.get(s, s), 24) for s in others])
    axes[0].set_ylim(-0.6, len(others) - 0.4)
    fig.suptitle(
        f"Against {titles.get(reference, reference)}: average (marker) and very likely range (bar)", fontsize=13
    )
    return fig


@styled
def cost_outcomes(
    rows: Sequence, runs: pd.DataFrame, metrics: Sequence[str], scenarios: Sequence[str], titles: dict[str, str]
) -> Figure:
    """Cost against outcome, every scenario: staff-days per run (x) and the outcome per run (y), the mean with the
    middle 90% of runs both ways. ``rows`` are :class:`simulation.analysis.brief.CostRow`."""
    import textwrap

    from .brief import RANGE, outcome_words

    metrics = [m for m in metrics if m in runs.columns]
    n = max(1, len(metrics))
    fig = _figure(4.4 * n, 4.6)
    axes = np.atleast_1d(fig.subplots(1, n, squeeze=False)).ravel()
    col = colours(scenarios)
    tail = (1 - RANGE) / 2
    for ax, m in zip(axes, metrics):
        for r in rows:
            k = scenarios.index(r.scenario)
            v = runs.loc[runs["scenario"] == r.scenario, m].to_numpy(np.float64)
            ym, (ylo, yhi) = float(v.mean()), np.quantile(v, [tail, 1 - tail])
            xm, xlo, xhi = r.staff_days
            ax.errorbar(
                [xm],
                [ym],
                xerr=[[xm - xlo], [xhi - xm]],
                yerr=[[ym - ylo], [yhi - ym]],
                fmt=MARKERS[k % len(MARKERS)],
                color=col[r.scenario],
                markersize=9,
                capsize=3,
                linewidth=1.8,
                label=textwrap.fill(titles.get(r.scenario, r.scenario), 30),
            )
        ax.set_xlabel("Staff-days per run")
        ax.set_ylabel(outcome_words(m).label)
        ax.set_title(textwrap.fill(outcome_words(m).label, 28), fontsize=13)
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(4, len(labels)), frameon=False)
    fig.suptitle("What each way costs and what it gives (average; bars: middle 90% of runs)", fontsize=13)
    return fig

"""Time-series plots and the project feed, from the metric registry and the ProjectBook.

The plotted quantities are columns of the model's DataCollector
(:meth:`LeadershipModel.timeseries`), named and described in
:mod:`simulation.metrics`; nothing here recomputes a metric.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..mechanisms.projects import COMPLETED, FAILED
from ..metrics import METRIC_BY_NAME
from ..sectors import SECTOR_LABELS, SECTORS

if TYPE_CHECKING:
    from ..model import LeadershipModel

PLOT_METRICS: tuple[str, ...] = (
    "people_reached",
    "adopters",
    "working_ties",
    "cross_sector_tie_share",
    "projects_active",
    "projects_completed",
)
"""The Explore and Compare plots, in order (names of :data:`simulation.metrics.METRICS`)."""

PLOT_TITLES: dict[str, str] = {
    "people_reached": "People reached",
    "adopters": "Adopters (practising)",
    "working_ties": "Working ties",
    "cross_sector_tie_share": "Share of ties across sectors (%)",
    "projects_active": "Projects active",
    "projects_completed": "Projects completed",
}
assert all(m in METRIC_BY_NAME for m in PLOT_METRICS)

SERIES_STYLES = (
    {"color": "#0072B2", "linestyle": "-"},  # Okabe-Ito blue, solid
    {"color": "#D55E00", "linestyle": "--"},  # Okabe-Ito vermillion, dashed: distinguishable without colour
    {"color": "#009E73", "linestyle": ":"},
)


_TIMESERIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_DISPLAY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""What the pages read each week, for each live model at its current week (kept beside the model, not on it)."""


def timeseries_frame(model: LeadershipModel) -> pd.DataFrame:
    """The run's timeseries (week 0 is the start): what the plots show and the CSV export writes.

    Kept for the model's current week: a page asks for it several times a week (plots, title line,
    sentences), and building it costs more than a week of the model. Treat it as read-only."""
    cached = _TIMESERIES.get(model)
    if cached is not None and cached[0] == model.week:
        return cached[1]
    df = model.timeseries()
    _TIMESERIES[model] = (model.week, df)
    return df


SHOWN_METRICS: tuple[str, ...] = (*PLOT_METRICS, "projects_started")
"""What the pages show each week: the plots, the line of key numbers, Compare's sentences and tables."""


def display_frame(model: LeadershipModel) -> pd.DataFrame:
    """``week`` and :data:`SHOWN_METRICS` for each week so far: what the pages draw every week.

    Built from the DataCollector's columns directly (under 1 ms at week 100, against 15 to 30 ms for the
    whole :func:`timeseries_frame`, which the exports use); equal to those columns of it. Kept for the
    model's current week. Treat it as read-only."""
    cached = _DISPLAY.get(model)
    if cached is not None and cached[0] == model.week:
        return cached[1]
    columns = model.datacollector.model_vars
    df = pd.DataFrame({name: columns[name] for name in ("week", *SHOWN_METRICS)})
    _DISPLAY[model] = (model.week, df)
    return df


def plot_data(model: LeadershipModel, metrics: tuple[str, ...] = PLOT_METRICS) -> pd.DataFrame:
    """The data behind the plots: ``week`` and one column per plotted metric."""
    return timeseries_frame(model)[["week", *metrics]]


# --------------------------------------------------------------------------
# The project feed
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedItem:
    week: int
    project: int
    kind: str  # "started", "completed", "failed"
    text: str


def _sector_names(sectors) -> list[str]:
    seen: list[int] = []
    for s in sectors:
        if int(s) not in seen:
            seen.append(int(s))
    return [SECTOR_LABELS[SECTORS[s]] for s in seen]


def _team_phrase(sectors) -> str:
    names = _sector_names(sectors)
    if len(names) == 1:
        return names[0]
    return f"{names[0]} with {', '.join(names[1:-1]) + ' and ' if len(names) > 2 else ''}{names[-1]}"


def project_feed(model: LeadershipModel, limit: int = 30) -> list[FeedItem]:
    """Projects as they start and finish, newest first.

    ``Week 12: cold homes and COPD, Community health with Voluntary & community``: the theme, then the
    leader's sector with the other sectors in the team.
    """
    book, themes = model.projects, model.params.projects.themes
    items: list[FeedItem] = []
    for k in range(book.count):
        theme = themes[int(book.theme[k])].name
        team = _team_phrase(book.member_sectors[k].tolist())
        start = int(book.start[k])
        items.append(FeedItem(start, k, "started", f"Week {start}: {theme}, {team}"))
        status = int(book.status[k])
        if status in (COMPLETED, FAILED):
            end = int(book.end[k])
            verb = "completed" if status == COMPLETED else "stopped"
            items.append(
                FeedItem(
                    end,
                    k,
                    "completed" if status == COMPLETED else "failed",
                    f"Week {end}: {theme} {verb} after {end - start} weeks ({team})",
                )
            )
    items.sort(key=lambda it: (it.week, it.kind != "started", it.project), reverse=True)
    return items[:limit]


# --------------------------------------------------------------------------
# Interactive plots (ECharts, drawn in the browser from solara's bundled assets)
# --------------------------------------------------------------------------


def _round(values) -> list:
    a = np.round(np.asarray(values, dtype=np.float64), 4)
    out = a.tolist()
    if np.isnan(a).any():  # NaN: a gap in the line
        out = [None if v != v else v for v in out]
    return out


def timeseries_option(
    series: list[tuple[str, pd.DataFrame]],
    metrics: tuple[str, ...] = PLOT_METRICS,
    *,
    font_scale: float = 1.0,
    cols: int = 2,
) -> dict:
    """An ECharts option: one small panel per metric, each run a line (colour and dash differ).

    The option holds the numbers themselves (``series[k]["data"]`` is ``[[week, value], ...]``), so what a
    test reads from it is what the browser draws.
    """
    rows = -(-len(metrics) // cols)
    fs = round(12 * font_scale)
    top0, bottom = (9 if len(series) > 1 else 5), 5
    cell_h = (100 - top0 - bottom) / rows
    grids, xs, ys, titles, out = [], [], [], [], []
    weeks = [df["week"].astype(int).tolist() for _, df in series]
    for k, name in enumerate(metrics):
        r, c = divmod(k, cols)
        left = 2 + c * (100 / cols)
        top = top0 + r * cell_h
        grids.append(
            {
                "left": f"{left:.1f}%",
                "width": f"{100 / cols - 6:.1f}%",
                "top": f"{top + 6:.1f}%",
                "height": f"{cell_h - 13:.1f}%",
                "containLabel": True,
            }
        )
        titles.append(
            {
                "text": PLOT_TITLES.get(name, name),
                "left": f"{left:.1f}%",
                "top": f"{top:.1f}%",
                "textStyle": {"fontSize": fs, "fontWeight": "normal"},
            }
        )
        xs.append(
            {
                "type": "value",
                "gridIndex": k,
                "min": 0,
                "minInterval": 1,
                "name": "week" if r == rows - 1 else "",
                "nameLocation": "middle",
                "nameGap": 18 * font_scale,
                "axisLabel": {"fontSize": fs * 0.85},
                "nameTextStyle": {"fontSize": fs * 0.85},
                "splitLine": {"show": False},
            }
        )
        share = name.endswith("_share")  # shares are drawn in percent, as the tables and sentences give them
        ys.append(
            {
                "type": "value",
                "gridIndex": k,
                "min": 0,
                "axisLabel": {"fontSize": fs * 0.85},
                **({} if share else {"minInterval": 1}),
            }
        )
        for j, (label, df) in enumerate(series):
            style = SERIES_STYLES[j % len(SERIES_STYLES)]
            out.append(
                {
                    "name": label,
                    "type": "line",
                    "xAxisIndex": k,
                    "yAxisIndex": k,
                    "showSymbol": False,
                    "lineStyle": {
                        "color": style["color"],
                        "width": 2,
                        "type": {"-": "solid", "--": "dashed", ":": "dotted"}[style["linestyle"]],
                    },
                    "itemStyle": {"color": style["color"]},
                    "data": [list(p) for p in zip(weeks[j], _round(df[name].to_numpy() * (100 if share else 1)))],
                }
            )
    option = {
        "animation": False,
        "title": titles,
        "grid": grids,
        "xAxis": xs,
        "yAxis": ys,
        "series": out,
        "tooltip": {"trigger": "axis", "textStyle": {"fontSize": fs}},
    }
    if len(series) > 1:
        option["legend"] = {"top": 0, "data": [label for label, _ in series], "textStyle": {"fontSize": fs}}
    return option


# --------------------------------------------------------------------------
# Outcomes by locality (models with more than one locality)
# --------------------------------------------------------------------------

LOCALITY_PLOT_METRICS: tuple[str, ...] = ("people_reached", "adopters", "projects_started")
"""The by-locality panels (names of :data:`simulation.metrics.LOCALITY_METRICS`)."""
MAX_LOCALITIES = 8
"""Localities drawn and tabled (one Okabe-Ito colour each); the CSV export holds them all."""
LOCALITY_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
LOCALITY_TITLES = {
    "people_reached": "People reached",
    "adopters": "Adopters (practising)",
    "projects_started": "Projects started",
}


def locality_label(k: int, names: Sequence[str] = ()) -> str:
    """The name of locality ``k`` (``population.locality_names``), else ``Locality k+1``."""
    return names[k] if 0 <= k < len(names) else f"Locality {k + 1}"


def locality_frame(model: LeadershipModel) -> pd.DataFrame | None:
    """The model's outcomes per week and locality (``week``, ``locality``, ...), or None with one locality."""
    if model.params.population.localities < 2:
        return None
    return model.localities()


def locality_option(
    series: list[tuple[str, pd.DataFrame]],
    metrics: tuple[str, ...] = LOCALITY_PLOT_METRICS,
    *,
    font_scale: float = 1.0,
    names: Sequence[str] = (),
) -> dict:
    """An ECharts option: one panel per metric, one line per locality (colour) and run (dash), at most
    :data:`MAX_LOCALITIES` localities. ``series``: ``(run label, locality frame)``; the numbers are in the option."""
    fs = round(12 * font_scale)
    cols = len(metrics)
    grids, xs, ys, titles, out, legend = [], [], [], [], [], []
    for k, name in enumerate(metrics):
        left = 2 + k * (100 / cols)
        grids.append(
            {
                "left": f"{left:.1f}%",
                "width": f"{100 / cols - 6:.1f}%",
                "top": "24%",
                "height": "62%",
                "containLabel": True,
            }
        )
        titles.append(
            {
                "text": LOCALITY_TITLES.get(name, name),
                "left": f"{left:.1f}%",
                "top": "12%",
                "textStyle": {"fontSize": fs, "fontWeight": "normal"},
            }
        )
        xs.append(
            {
                "type": "value",
                "gridIndex": k,
                "min": 0,
                "minInterval": 1,
                "name": "week",
                "nameLocation": "middle",
                "nameGap": 18 * font_scale,
                "axisLabel": {"fontSize": fs * 0.85},
                "splitLine": {"show": False},
            }
        )
        ys.append({"type": "value", "gridIndex": k, "min": 0, "axisLabel": {"fontSize": fs * 0.85}})
        for j, (run, df) in enumerate(series):
            dash = ("solid", "dashed", "dotted")[j % 3]
            for loc in sorted(int(v) for v in df["locality"].unique())[:MAX_LOCALITIES]:
                part = df[df["locality"] == loc]
                label = locality_label(loc, names) + (f" ({run})" if len(series) > 1 else "")
                if k == 0:
                    legend.append(label)
                colour = LOCALITY_COLOURS[loc % len(LOCALITY_COLOURS)]
                out.append(
                    {
                        "name": label,
                        "type": "line",
                        "xAxisIndex": k,
                        "yAxisIndex": k,
                        "showSymbol": False,
                        "lineStyle": {"color": colour, "width": 2, "type": dash},
                        "itemStyle": {"color": colour},
                        "data": [list(p) for p in zip(part["week"].astype(int).tolist(), _round(part[name]))],
                    }
                )
    return {
        "animation": False,
        "title": titles,
        "grid": grids,
        "xAxis": xs,
        "yAxis": ys,
        "series": out,
        "legend": {"top": 0, "data": legend, "textStyle": {"fontSize": fs}},
        "tooltip": {"trigger": "axis", "textStyle": {"fontSize": fs}},
    }


def locality_table(
    series: list[tuple[str, pd.DataFrame]], metrics: tuple[str, ...] = LOCALITY_PLOT_METRICS, names: Sequence[str] = ()
) -> pd.DataFrame:
    """This week's values: one row per locality (at most :data:`MAX_LOCALITIES`), a column per run and metric."""
    rows: dict[int, dict] = {}
    for run, df in series:
        now = df[df["week"] == df["week"].max()]
        for _, r in now.iterrows():
            loc = int(r["locality"])
            if loc >= MAX_LOCALITIES:
                continue
            row = rows.setdefault(loc, {"locality": locality_label(loc, names), "people": float(r["people"])})
            for m in metrics:
                row[f"{LOCALITY_TITLES.get(m, m)}{f' ({run})' if len(series) > 1 else ''}"] = float(r[m])
    return pd.DataFrame([rows[k] for k in sorted(rows)])

"""Pieces every page uses: the introduction, the run controls, the network, the plots, the feed, the tables,
the sliders. Each is a Solara component that takes what it shows as arguments (no module-level state).
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd
import solara

from ..sectors import MINDSET_STAGES, SECTOR_COLOURS, SECTOR_LABELS, SECTORS
from .charts import MAX_LOCALITIES, PLOT_METRICS, locality_option, locality_table, project_feed, timeseries_option
from .inputs import LIMITS, Lever
from .session import PRESENTER_SCALE
from .widgets import NetworkCanvas, figure_echarts, network_frame, network_layout
from .wording import OUTCOME_LABELS, SUMMARY_KEYS, markdown_html, outcome_value

if TYPE_CHECKING:
    from ..model import LeadershipModel

PLAY_INTERVAL_MS = 300
"""Pause between weeks while playing (a gentle load on a shared laptop)."""
MINDSET_SYMBOLS = ("●", "■", "▲", "★")
"""The HTML legend's symbols for the network's markers (circle, square, triangle, star)."""
INTRO = (
    "A model of how system leadership spreads through a local health and care system, one week at a "
    "time. Press Step to move on a week, or Play to watch it run; change the settings, then press Reset "
    "to start again with them."
)


@solara.component
def Intro(text: str = INTRO) -> None:
    """The page's one-line introduction: what the model is and where to start."""
    solara.Text(text, classes=["syslead-intro"])


@solara.component
def RunControls(
    model: solara.Reactive,
    counter: solara.Reactive[int],
    lock: threading.Lock,
    on_reset: Callable[[], None],
    tick: int = 0,
) -> None:
    """Step, Play / Pause and Reset, at the top of the page. Play stops at the week limit and when the page
    is left (the loop ends with the component).

    One component per page reads ``tick`` (the page's ``*Live`` part, which renders this one): one render
    pass per week, and the settings, whose inputs do not change, are not re-run.
    """
    week = model.value.week
    playing = solara.use_reactive(False)
    at_limit = week >= model.value.max_weeks

    def step_once(only: LeadershipModel | None = None) -> bool:
        """One week; ``only``: step only if this is still the page's model (Play started on it)."""
        with lock:
            m = model.value
            if m.week >= m.max_weeks or (only is not None and m is not only):
                return False
            m.step()
        counter.value += 1
        return True

    def play_loop(cancel: threading.Event) -> None:
        started_on = model.value  # a new model (scenario chosen, Reset) ends the loop
        while playing.value and not cancel.is_set():
            time.sleep(PLAY_INTERVAL_MS / 1000)
            if cancel.is_set() or not playing.value:
                return
            if not step_once(started_on):
                playing.value = False
                return

    solara.use_thread(play_loop, dependencies=[playing.value], intrusive_cancel=False)
    solara.use_effect(lambda: playing.set(False), [id(model.value)])  # a new model (scenario, Reset) waits

    def reset() -> None:
        playing.value = False
        with lock:
            on_reset()
        counter.value += 1

    with solara.Row(classes=["syslead-controls"], style={"align-items": "center", "flex-wrap": "wrap", "gap": "8px"}):
        solara.Button(
            "Step",
            color="primary",
            on_click=lambda: step_once(),
            disabled=playing.value or at_limit,
            classes=["syslead-step"],
        )
        solara.Button(
            "Pause" if playing.value else "Play",
            color="primary",
            icon_name=None,
            on_click=lambda: playing.set(not playing.value),
            disabled=at_limit and not playing.value,
            classes=["syslead-play"],
        )
        solara.Button("Reset", outlined=True, on_click=reset, classes=["syslead-reset"])
        solara.Text(f"Week {week}", classes=["syslead-week"])


@solara.component
def WeekLine(text: str) -> None:
    """The line of key numbers under the run controls."""
    solara.Text(text, classes=["syslead-subtitle"])


@solara.component
def NetworkView(model: LeadershipModel, week: int, presenter: bool, title: str | None = None) -> None:
    """The network, drawn by the browser: the layout is sent once per model, then one small frame a week.

    ``week`` is passed explicitly: a component re-renders only when its arguments change.
    """
    layout = solara.use_memo(lambda: network_layout(model), dependencies=[id(model)])
    frame = solara.use_memo(lambda: network_frame(model), dependencies=[id(model), week])
    with solara.Div(classes=["syslead-network"]):
        if title:
            solara.Text(title, classes=["syslead-network-title"])
        NetworkCanvas.element(
            positions=layout,
            frame=frame,
            label=f"The network at week {week}: {frame['n_ties']:,} working ties between "
            f"organisations{' (' + title + ')' if title else ''}",
        )


@solara.component
def NetworkLegend() -> None:
    """The network's legend in HTML (one element: drawn once by the browser, cheap for the server)."""
    solara.HTML(tag="div", unsafe_innerHTML=LEGEND_HTML, classes=["syslead-legend"])


LEGEND_HTML = (
    '<div class="syslead-legend-row">'
    + "".join(
        f'<span><span class="syslead-swatch" style="background:{SECTOR_COLOURS[s]}"></span>'
        f"{html.escape(SECTOR_LABELS[s])}</span>"
        for s in SECTORS
    )
    + '</div><div class="syslead-legend-row">'
    + "".join(f"<span>{symbol} {html.escape(stage)}</span>" for symbol, stage in zip(MINDSET_SYMBOLS, MINDSET_STAGES))
    + "<span>size: confidence</span><span>━ working tie across sectors</span>"
    + '<span><span style="color:#767676">━</span> within a sector</span></div>'
)


@solara.component
def Plots(series: list[tuple[str, pd.DataFrame]], presenter: bool, key: Any, cols: int = 2) -> None:
    option = solara.use_memo(
        lambda: timeseries_option(series, PLOT_METRICS, cols=cols, font_scale=PRESENTER_SCALE if presenter else 1.0),
        dependencies=[key, presenter, cols],
    )
    height = (620 if presenter else 440) * (2 if cols == 2 else 1.4) / 2
    figure_echarts(option, height)


@solara.component
def Feed(model: LeadershipModel, week: int, limit: int = 14) -> None:
    items = project_feed(model, limit)
    icons = {"started": "▶", "completed": "✔", "failed": "✖"}
    with solara.Card("Projects as they start and finish", classes=["syslead-feed"]):
        if not items:
            solara.Text(
                "No projects yet: they start when confident practitioners find trusted partners in the "
                "sectors an idea needs."
            )
        else:  # one element for the list: the server builds one widget, not one per line
            solara.HTML(
                tag="div",
                unsafe_innerHTML="".join(
                    f'<span class="syslead-feed-{it.kind}">{icons[it.kind]} {html.escape(it.text)}</span>'
                    for it in items
                ),
            )


@solara.component
def Summary(rows: list[tuple[str, pd.DataFrame]]) -> None:
    """Key numbers now, one column per run, plain labels, shares as percentages."""
    header = "| | " + " | ".join(label for label, _ in rows) + " |\n|---|" + "---:|" * len(rows) + "\n"
    body = "".join(
        f"| {OUTCOME_LABELS[k]} | " + " | ".join(outcome_value(k, df[k].iloc[-1]) for _, df in rows) + " |\n"
        for k in SUMMARY_KEYS
    )
    solara.HTML(tag="div", unsafe_innerHTML=markdown_html(header + body), classes=["syslead-summary"])


@solara.component
def LocalityView(
    series: list[tuple[str, pd.DataFrame]], presenter: bool, key: Any, names: list[str] | None = None
) -> None:
    """Outcomes by locality (models with several localities): a panel per outcome, a line per locality, and a
    table of this week's values. Bounded: at most :data:`MAX_LOCALITIES` localities are drawn."""
    names = names or []
    option = solara.use_memo(
        lambda: locality_option(series, font_scale=PRESENTER_SCALE if presenter else 1.0, names=names),
        dependencies=[key, presenter],
    )
    table = locality_table(series, names=names)
    n = max(int(df["locality"].max()) + 1 for _, df in series)
    with solara.Card("By locality", classes=["syslead-localities"]):
        figure_echarts(option, 380 if presenter else 280)

        def fmt_cell(v: str | float) -> str:
            return v if isinstance(v, str) else f"{v:,.0f}"

        cols = list(table.columns)
        text = (
            "| "
            + " | ".join(c.capitalize() if c in ("locality", "people") else c for c in cols)
            + " |\n|---|"
            + "---:|" * (len(cols) - 1)
            + "\n"
            + "".join("| " + " | ".join(fmt_cell(r[c]) for c in cols) + " |\n" for _, r in table.iterrows())
        )
        solara.HTML(tag="div", unsafe_innerHTML=markdown_html(text), classes=["syslead-summary"])
        if n > MAX_LOCALITIES:
            solara.Text(f"The first {MAX_LOCALITIES} of {n} localities are shown.", classes=["syslead-hint"])


def lever_text(lever: Lever, value: float) -> str:
    return f"{value:,.0f}" if lever.integer else f"{value:g}"


@solara.component
def LeverSlider(lever: Lever, value: Any, on_value: Callable[[Any], None]) -> None:
    """A slider whose label shows its value (a workshop reads the number without dragging)."""
    lo, hi = lever.bounds()
    label = f"{lever.label}: {lever_text(lever, value)}"
    if lever.integer:
        solara.SliderInt(label, value=int(value), min=int(lo), max=int(hi), step=int(lever.step), on_value=on_value)
    else:
        solara.SliderFloat(label, value=float(value), min=lo, max=hi, step=lever.step, on_value=on_value)


@solara.component
def SeedSlider(value: int, on_value: Callable[[int], None], label: str = "Seed (same seed, same people)") -> None:
    solara.SliderInt(f"{label}: {value}", value=int(value), min=0, max=LIMITS.max_seed, step=1, on_value=on_value)

"""The workshop dashboard: a Solara app with four pages (Explore, Compare, Programme designer, About).

Serve it with ``syslead dashboard`` (see :mod:`simulation.dashboard.cli`). Each browser session gets its
own :class:`SessionState` (made by :func:`Layout`, handed down by a context): its own models, its own
inputs, its own programme, its own presenter switch. Nothing mutable lives at module level.

The pages have no side panel (a 400-pixel drawer covers a phone): the run controls (Step, Play, Reset)
sit at the top of the page under a one-line introduction, and the settings are a card beside the
pictures on a wide screen and below them on a phone. The controls are the dashboard's own
(:func:`RunControls`): Reset rebuilds the model from the session's inputs *and its chosen scenario*.
The network is drawn by the browser (:class:`~simulation.dashboard.widgets.NetworkCanvas`): positions
and colours once per model, then a small frame a week; the server draws nothing per week.
"""

from __future__ import annotations

import functools
import html
import threading
import time
from collections.abc import Callable
from importlib import resources
from typing import Any

import markdown
import pandas as pd
import reacton.ipyvuetify as rv
import solara
import solara.lab

from .. import scenarios
from ..analysis.summary import fmt, phrase
from ..config import ConfigError
from ..metrics import locality_names
from ..sectors import MINDSET_STAGES, SECTOR_COLOURS, SECTOR_LABELS, SECTORS
from .charts import (
    MAX_LOCALITIES,
    PLOT_METRICS,
    locality_frame,
    locality_option,
    locality_table,
    project_feed,
    timeseries_frame,
    timeseries_option,
)
from .inputs import (
    EVENT_TYPE_LABELS,
    LEVERS,
    MAX_SEED,
    MAX_WEEKS,
    POPULATION,
    ComparePair,
    DashboardModel,
    Lever,
    event_key,
)
from .network import network_png
from .programme import (
    MAX_EVENTS,
    MAX_FILE_BYTES,
    ProgrammeRun,
    add_event,
    end_week,
    from_toml,
    move_event,
    new_event_name,
    remove_event,
    run_programme,
    scenario_calendar,
    to_toml,
    update_event,
)
from .widgets import FileChooser, NetworkCanvas, PageSetup, figure_echarts, network_frame, network_layout

PLAY_INTERVAL_MS = 300
"""Pause between weeks while playing (a gentle load on a shared laptop)."""
PRESENTER_SCALE = 1.6
MINDSET_SYMBOLS = ("●", "■", "▲", "★")
"""The HTML legend's symbols for the network's markers (circle, square, triangle, star)."""
MAX_CAPACITY = 300
"""Places at one designed event (the case's biggest event had about 110)."""

SUMMARY_KEYS = ("people_reached", "adopters", "working_ties", "cross_sector_tie_share", "projects_started",
                "projects_completed")
OUTCOME_LABELS: dict[str, str] = {
    "people_reached": "People reached by the programme",
    "adopters": "People practising system leadership",
    "working_ties": "Working trust ties",
    "cross_sector_tie_share": "Share of working ties that cross sectors",
    "projects_started": "Projects started",
    "projects_completed": "Projects completed",
}
"""Plain labels of the outcomes in the tables and sentences (the metric names stay in the CSV files)."""
SHARE_KEYS = {"cross_sector_tie_share"}

INTRO = ("A model of how system leadership spreads through a local health and care system, one week at a "
         "time. Press Step to move on a week, or Play to watch it run; change the settings, then press Reset "
         "to start again with them.")


def _asset(name: str) -> str:
    return (resources.files("simulation.dashboard") / name).read_text(encoding="utf-8")


def markdown_html(text: str) -> str:
    """Markdown to HTML on the server (solara.Markdown would fetch KaTeX, which is not bundled offline)."""
    return markdown.markdown(text, extensions=["tables"])


def percent(v: float) -> str:
    """A share (0 to 1) as a percentage for people: 12.3%, 0.42%."""
    x = 100 * float(v)
    return f"{x:.1f}%" if abs(x) >= 1 or x == 0 else f"{x:.2f}%"


_scenario = functools.lru_cache(maxsize=64)(scenarios.get)
"""The built-in scenarios, read once (the title line asks every week)."""


def scenario_title(name: str) -> str:
    """A scenario's plain title where its file gives one (issue 19 adds ``title``), else its name."""
    sc = _scenario(name)
    return getattr(sc, "title", None) or sc.name


def outcome_value(key: str, v: float) -> str:
    return percent(v) if key in SHARE_KEYS else fmt(float(v))


# --------------------------------------------------------------------------
# Per-session state
# --------------------------------------------------------------------------


def default_inputs(model: DashboardModel) -> dict[str, Any]:
    """The inputs that rebuild ``model`` (what the settings show): seed, levers, event switches."""
    inputs: dict[str, Any] = {"seed": model.seed, **model.lever_values()}
    running = {e.type for e in model.params.programme.events}
    for t in model.event_types_in_calendar():
        inputs[event_key(t)] = t in running
    return inputs


def rebuild(model: DashboardModel, inputs: dict[str, Any]) -> DashboardModel:
    """Reset: a new model of the *same scenario* (and designed calendar, if any) with ``inputs``."""
    kwargs = {k: v for k, v in inputs.items() if k != "seed"}
    if "programme.events" in model.inputs:
        kwargs["programme.events"] = model.inputs["programme.events"]
    return DashboardModel(model.scenario_name, int(inputs.get("seed", model.seed)), **kwargs)


class SessionState:
    """What one browser session holds. Made once per session (``use_memo`` in :func:`Layout`).

    Models are built on first use, so a visitor who only reads About costs nothing. ``*_tick`` counts
    the weeks stepped (the pages redraw on it); ``lock`` keeps Step and Play from stepping a model at once.
    """

    def __init__(self):
        self.presenter = solara.reactive(False)
        self.programme = solara.reactive(scenario_calendar(scenarios.DEFAULT_SCENARIO))
        self.programme_scenario = solara.reactive(scenarios.DEFAULT_SCENARIO)
        self.explore_tick = solara.reactive(0)
        self.compare_tick = solara.reactive(0)
        self.lock = threading.Lock()
        self._explore: solara.Reactive[DashboardModel] | None = None
        self._explore_inputs: solara.Reactive[dict] | None = None
        self._compare: solara.Reactive[ComparePair] | None = None
        self._compare_inputs: solara.Reactive[dict] | None = None

    @property
    def explore(self) -> solara.Reactive[DashboardModel]:
        if self._explore is None:
            self._explore = solara.reactive(DashboardModel())
        return self._explore

    @property
    def explore_inputs(self) -> solara.Reactive[dict]:
        if self._explore_inputs is None:
            self._explore_inputs = solara.reactive(default_inputs(self.explore.value))
        return self._explore_inputs

    def set_explore(self, model: DashboardModel) -> None:
        """A new Explore model (scenario chosen, designer's programme): the settings follow it."""
        self.explore.value = model
        self.explore_inputs.value = default_inputs(model)

    @property
    def compare(self) -> solara.Reactive[ComparePair]:
        if self._compare is None:
            self._compare = solara.reactive(ComparePair())
        return self._compare

    @property
    def compare_inputs(self) -> solara.Reactive[dict]:
        if self._compare_inputs is None:
            pair = self.compare.value
            self._compare_inputs = solara.reactive({"scenario_a": pair.scenario_a, "scenario_b": pair.scenario_b,
                                                    "seed": pair.seed,
                                                    POPULATION.path: pair.a.params.population.size})
        return self._compare_inputs


SESSION = solara.create_context(None)


def use_session() -> SessionState:
    """The session's state from :func:`Layout`; a page rendered alone (tests) gets its own."""
    own = solara.use_memo(SessionState, [])
    provided = solara.use_context(SESSION)
    return provided if provided is not None else own


def font_scale(session: SessionState) -> float:
    return PRESENTER_SCALE if session.presenter.value else 1.0


# --------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------


@solara.component
def Intro(text: str = INTRO):
    solara.Text(text, classes=["syslead-intro"])


@solara.component
def RunControls(model: solara.Reactive, counter: solara.Reactive[int], lock: threading.Lock,
                on_reset: Callable[[], None], tick: int = 0):
    """Step, Play / Pause and Reset, at the top of the page. Play stops at the week limit and when the page
    is left (the loop ends with the component).

    One component per page reads ``tick`` (the page's ``*Live`` part, which renders this one): one render
    pass per week, and the settings, whose inputs do not change, are not re-run.
    """
    week = model.value.week
    playing = solara.use_reactive(False)
    at_limit = week >= MAX_WEEKS

    def step_once(only=None) -> bool:
        """One week; ``only``: step only if this is still the page's model (Play started on it)."""
        with lock:
            m = model.value
            if m.week >= MAX_WEEKS or (only is not None and m is not only):
                return False
            m.step()
        counter.value += 1
        return True

    def play_loop(cancel: threading.Event):
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

    def reset():
        playing.value = False
        with lock:
            on_reset()
        counter.value += 1

    with solara.Row(classes=["syslead-controls"], style={"align-items": "center", "flex-wrap": "wrap",
                                                          "gap": "8px"}):
        solara.Button("Step", color="primary", on_click=lambda: step_once(), disabled=playing.value or at_limit,
                      classes=["syslead-step"])
        solara.Button("Pause" if playing.value else "Play", color="primary", icon_name=None,
                      on_click=lambda: playing.set(not playing.value), disabled=at_limit and not playing.value,
                      classes=["syslead-play"])
        solara.Button("Reset", outlined=True, on_click=reset, classes=["syslead-reset"])
        solara.Text(f"Week {week}", classes=["syslead-week"])


def limit_note(week: int) -> str:
    return f" · stopped at the {MAX_WEEKS}-week limit" if week >= MAX_WEEKS else ""


@solara.component
def WeekLine(text: str):
    solara.Text(text, classes=["syslead-subtitle"])


@solara.component
def NetworkView(model, week: int, presenter: bool, title: str | None = None):
    """The network, drawn by the browser: the layout is sent once per model, then one small frame a week.

    ``week`` is passed explicitly: a component re-renders only when its arguments change.
    """
    layout = solara.use_memo(lambda: network_layout(model), dependencies=[id(model)])
    frame = solara.use_memo(lambda: network_frame(model), dependencies=[id(model), week])
    with solara.Div(classes=["syslead-network"]):
        if title:
            solara.Text(title, classes=["syslead-network-title"])
        NetworkCanvas.element(positions=layout, frame=frame,
                              label=f"The network at week {week}: {frame['n_ties']:,} working ties between "
                                    f"organisations{' (' + title + ')' if title else ''}")


@solara.component
def NetworkLegend():
    """The network's legend in HTML (one element: drawn once by the browser, cheap for the server)."""
    solara.HTML(tag="div", unsafe_innerHTML=LEGEND_HTML, classes=["syslead-legend"])


LEGEND_HTML = (
    '<div class="syslead-legend-row">'
    + "".join(f'<span><span class="syslead-swatch" style="background:{SECTOR_COLOURS[s]}"></span>'
              f"{html.escape(SECTOR_LABELS[s])}</span>" for s in SECTORS)
    + '</div><div class="syslead-legend-row">'
    + "".join(f"<span>{symbol} {html.escape(stage)}</span>" for symbol, stage in zip(MINDSET_SYMBOLS, MINDSET_STAGES))
    + "<span>size: confidence</span><span>━ working tie across sectors</span>"
    + '<span><span style="color:#767676">━</span> within a sector</span></div>'
)


@solara.component
def Plots(series: list[tuple[str, pd.DataFrame]], presenter: bool, key: Any, cols: int = 2):
    option = solara.use_memo(lambda: timeseries_option(series, PLOT_METRICS, cols=cols,
                                                       font_scale=PRESENTER_SCALE if presenter else 1.0),
                             dependencies=[key, presenter, cols])
    height = (620 if presenter else 440) * (2 if cols == 2 else 1.4) / 2
    figure_echarts(option, height)


@solara.component
def Feed(model, week: int, limit: int = 14):
    items = project_feed(model, limit)
    icons = {"started": "▶", "completed": "✔", "failed": "✖"}
    with solara.Card("Projects as they start and finish", classes=["syslead-feed"]):
        if not items:
            solara.Text("No projects yet: they start when confident practitioners find trusted partners in the "
                        "sectors an idea needs.")
        else:  # one element for the list: the server builds one widget, not one per line
            solara.HTML(tag="div", unsafe_innerHTML="".join(
                f'<span class="syslead-feed-{it.kind}">{icons[it.kind]} {html.escape(it.text)}</span>'
                for it in items))


@solara.component
def Summary(rows: list[tuple[str, pd.DataFrame]]):
    """Key numbers now, one column per run, plain labels, shares as percentages."""
    header = "| | " + " | ".join(label for label, _ in rows) + " |\n|---|" + "---:|" * len(rows) + "\n"
    body = "".join(f"| {OUTCOME_LABELS[k]} | " + " | ".join(outcome_value(k, df[k].iloc[-1]) for _, df in rows)
                   + " |\n" for k in SUMMARY_KEYS)
    solara.HTML(tag="div", unsafe_innerHTML=markdown_html(header + body), classes=["syslead-summary"])


@solara.component
def LocalityView(series: list[tuple[str, pd.DataFrame]], presenter: bool, key: Any, names: list[str] | None = None):
    """Outcomes by locality (models with several localities): a panel per outcome, a line per locality, and a
    table of this week's values. Bounded: at most :data:`MAX_LOCALITIES` localities are drawn."""
    names = names or []
    option = solara.use_memo(lambda: locality_option(series, font_scale=PRESENTER_SCALE if presenter else 1.0,
                                                     names=names), dependencies=[key, presenter])
    table = locality_table(series, names=names)
    n = max(int(df["locality"].max()) + 1 for _, df in series)
    with solara.Card("By locality", classes=["syslead-localities"]):
        figure_echarts(option, 380 if presenter else 280)

        def fmt_cell(v) -> str:
            return v if isinstance(v, str) else f"{v:,.0f}"

        cols = list(table.columns)
        text = ("| " + " | ".join(c.capitalize() if c in ("locality", "people") else c for c in cols) + " |\n|---|"
                + "---:|" * (len(cols) - 1) + "\n"
                + "".join("| " + " | ".join(fmt_cell(r[c]) for c in cols) + " |\n" for _, r in table.iterrows()))
        solara.HTML(tag="div", unsafe_innerHTML=markdown_html(text), classes=["syslead-summary"])
        if n > MAX_LOCALITIES:
            solara.Text(f"The first {MAX_LOCALITIES} of {n} localities are shown.", classes=["syslead-hint"])


def lever_text(lever: Lever, value: float) -> str:
    return f"{value:,.0f}" if lever.integer else f"{value:g}"


@solara.component
def LeverSlider(lever: Lever, value: Any, on_value: Callable[[Any], None]):
    """A slider whose label shows its value (a workshop reads the number without dragging)."""
    lo, hi = lever.bounds()
    label = f"{lever.label}: {lever_text(lever, value)}"
    if lever.integer:
        solara.SliderInt(label, value=int(value), min=int(lo), max=int(hi), step=int(lever.step), on_value=on_value)
    else:
        solara.SliderFloat(label, value=float(value), min=lo, max=hi, step=lever.step, on_value=on_value)


@solara.component
def SeedSlider(value: int, on_value: Callable[[int], None], label: str = "Seed (same seed, same people)"):
    solara.SliderInt(f"{label}: {value}", value=int(value), min=0, max=MAX_SEED, step=1, on_value=on_value)


# --------------------------------------------------------------------------
# Explore
# --------------------------------------------------------------------------


@solara.component
def ExploreSettings(session: SessionState):
    model = session.explore
    inputs = session.explore_inputs
    current = model.value

    def choose(name: str):
        with session.lock:
            session.set_explore(DashboardModel(name, int(inputs.value.get("seed", current.seed)),
                                               **{POPULATION.path: inputs.value[POPULATION.path]}))
        session.explore_tick.value += 1

    def setter(key: str):
        return lambda v: inputs.set({**inputs.value, key: v})

    with solara.Card("Settings", classes=["syslead-settings"]):
        solara.Select("Scenario", values=scenarios.names(), value=current.scenario_name, on_value=choose)
        solara.Text(_scenario(current.scenario_name).description, classes=["syslead-hint"])
        if "programme.events" in current.inputs:
            solara.Text("Running the programme from the designer.", classes=["syslead-hint"])
        solara.Text("Move the sliders, then press Reset to start again with them.", classes=["syslead-hint"])
        values = inputs.value
        with solara.Div(classes=["syslead-sliders"]):
            LeverSlider(POPULATION, values[POPULATION.path], setter(POPULATION.path))
            SeedSlider(values["seed"], setter("seed"))
            for lever in LEVERS:
                LeverSlider(lever, values[lever.path], setter(lever.path))
        for t in current.event_types_in_calendar():
            solara.Checkbox(label=f"Run: {EVENT_TYPE_LABELS[t]}", value=bool(values.get(event_key(t), True)),
                            on_value=setter(event_key(t)))
        changed = values != default_inputs(current)
        if changed:
            solara.Text("Changed: press Reset to run with these settings.", classes=["syslead-hint", "syslead-changed"])


def explore_subtitle(model: DashboardModel, now: pd.Series) -> str:
    return (f"{scenario_title(model.scenario_name)} · {model.params.population.size:,} people · reached "
            f"{now['people_reached']:,.0f} · practising {now['adopters']:,.0f} · projects "
            f"{now['projects_started']:,.0f} started, {now['projects_completed']:,.0f} completed"
            + limit_note(model.week))


@solara.component
def ExploreMain(model: DashboardModel, week: int, presenter: bool):
    df = timeseries_frame(model)
    WeekLine(explore_subtitle(model, df.iloc[-1]))
    with rv.Row():
        with rv.Col(cols=12, md=5):
            NetworkView(model, week, presenter)
            NetworkLegend()
        with rv.Col(cols=12, md=7):
            Plots([("this run", df)], presenter, key=(id(model), week))
    by_locality = locality_frame(model)
    if by_locality is not None:
        LocalityView([(model.scenario_name, by_locality)], presenter, key=(id(model), week),
                     names=locality_names(model.params))
    Feed(model, week)


@solara.component
def ExploreLive(session: SessionState):
    """The page below the introduction: the one component that reads the week counter."""
    tick = session.explore_tick.value
    model = session.explore
    current = model.value
    RunControls(model, session.explore_tick, session.lock,
                on_reset=lambda: session.set_explore(rebuild(model.value, session.explore_inputs.value)), tick=tick)
    with rv.Row():
        with rv.Col(cols=12, md=8, lg=9, class_="syslead-main"):
            ExploreMain(current, current.week, session.presenter.value)
        with rv.Col(cols=12, md=4, lg=3, class_="syslead-side"):
            ExploreSettings(session)
            ExportCard(current, current.week)


@solara.component
def ExportCard(model: DashboardModel, week: int):
    with solara.Card("Export", classes=["syslead-export"]):
        name = f"syslead-{model.scenario_name}-seed{model.seed}-week{model.week}"
        solara.FileDownload(lambda: timeseries_frame(model).to_csv(index=False), filename=f"{name}.csv",
                            label="Timeseries (CSV)", mime_type="text/csv")
        if locality_frame(model) is not None:
            solara.FileDownload(lambda: model.localities().to_csv(index=False), filename=f"{name}-localities.csv",
                                label="By locality (CSV)", mime_type="text/csv")
        solara.FileDownload(lambda: network_png(model, size=8.0, dpi=150, title=f"{model.scenario_name}, "
                                                f"week {model.week}"),
                            filename=f"{name}-network.png", label="Network (PNG)", mime_type="image/png")


@solara.component
def Explore():
    session = use_session()
    Intro()
    ExploreLive(session)


# --------------------------------------------------------------------------
# Compare
# --------------------------------------------------------------------------


def compare_frame(pair: ComparePair) -> pd.DataFrame:
    """Both runs' timeseries in one table, with a ``run`` and a ``scenario`` column (the CSV export)."""
    a = timeseries_frame(pair.a).assign(run="A", scenario=pair.scenario_a)
    b = timeseries_frame(pair.b).assign(run="B", scenario=pair.scenario_b)
    df = pd.concat([a, b], ignore_index=True)
    return df[["run", "scenario", *[c for c in df.columns if c not in ("run", "scenario")]]]


def better_sentence(key: str, a_name: str, a: float, b_name: str, b: float) -> str:
    """Who did better on one outcome, in words with both numbers (one run each, same people)."""
    verb, noun = phrase(key)
    if key in SHARE_KEYS:
        if a == b:
            return f"Both had the same {noun}: {percent(a)}."
        hi, lo = (a_name, b_name) if a > b else (b_name, a_name)
        points = 100 * abs(a - b)
        return (f"{hi} had a higher {noun} than {lo}: {percent(max(a, b))} against {percent(min(a, b))} "
                f"({points:.1f} percentage points more)." if points >= 0.1 else
                f"{hi} had a slightly higher {noun} than {lo}: {percent(max(a, b))} against {percent(min(a, b))} "
                f"(under 0.1 percentage points more).")
    if a == b:
        return f"Both {verb} the same number of {noun}: {fmt(a)}."
    (hi, big), (lo, small) = sorted([(a_name, a), (b_name, b)], key=lambda t: -t[1])
    if small > 0 and big / small >= 1.5:
        how = f"{big / small:.1f} times as many {noun} as {lo}"
    elif small > 0 and big / small >= 1.01:
        how = f"{100 * (big / small - 1):.0f}% more {noun} than {lo}"
    elif small > 0:
        how = f"slightly more {noun} than {lo} (under 1% more)"
    else:
        how = f"more {noun} than {lo}"
    return f"{hi} {verb} {how}: {fmt(big)} against {fmt(small)}."


def compare_sentences(pair: ComparePair) -> list[str]:
    a, b = timeseries_frame(pair.a).iloc[-1], timeseries_frame(pair.b).iloc[-1]
    na, nb = scenario_title(pair.scenario_a), scenario_title(pair.scenario_b)
    return [better_sentence(k, na, float(a[k]), nb, float(b[k])) for k in SUMMARY_KEYS]


@solara.component
def CompareSettings(session: SessionState):
    inputs = session.compare_inputs
    values = inputs.value

    def setter(key: str):
        return lambda v: inputs.set({**inputs.value, key: v})

    with solara.Card("Settings", classes=["syslead-settings"]):
        solara.Select("Scenario A (solid line)", values=scenarios.names(), value=values["scenario_a"],
                      on_value=setter("scenario_a"))
        solara.Select("Scenario B (dashed line)", values=scenarios.names(), value=values["scenario_b"],
                      on_value=setter("scenario_b"))
        with solara.Div(classes=["syslead-sliders"]):
            LeverSlider(POPULATION, values[POPULATION.path], setter(POPULATION.path))
            SeedSlider(values["seed"], setter("seed"), label="Seed (same for both: same people)")
        pair = session.compare.value
        if (values["scenario_a"], values["scenario_b"], values["seed"], values[POPULATION.path]) != (
                pair.scenario_a, pair.scenario_b, pair.seed, pair.a.params.population.size):
            solara.Text("Changed: press Reset to run with these settings.", classes=["syslead-hint", "syslead-changed"])


@solara.component
def CompareMain(pair: ComparePair, week: int, presenter: bool):
    a, b = timeseries_frame(pair.a), timeseries_frame(pair.b)
    la, lb = f"A: {pair.scenario_a}", f"B: {pair.scenario_b}"
    WeekLine(f"{la} and {lb} · same seed ({pair.seed}), same {pair.a.params.population.size:,} people"
             + limit_note(week))
    with solara.Card(f"Who did better by week {week}", classes=["syslead-verdict"]):
        with solara.Column(gap="2px"):
            for s in compare_sentences(pair):
                solara.Text(s, classes=["syslead-sentence"])
        solara.Text("One run of each on the same people: for run-to-run uncertainty, use syslead compare.",
                    classes=["syslead-hint"])
    Plots([(la, a), (lb, b)], presenter, key=(id(pair), week), cols=3)
    with rv.Row():
        with rv.Col(cols=12, md=6):
            NetworkView(pair.a, week, presenter, title=la)
        with rv.Col(cols=12, md=6):
            NetworkView(pair.b, week, presenter, title=lb)
    NetworkLegend()
    by_locality = [(run, f) for run, f in (("A", locality_frame(pair.a)), ("B", locality_frame(pair.b)))
                   if f is not None]
    if by_locality:
        LocalityView(by_locality, presenter, key=(id(pair), week), names=locality_names(pair.a.params))
    with solara.Card("Now"):
        Summary([(la, a), (lb, b)])


@solara.component
def Compare():
    session = use_session()
    pair = session.compare

    def reset():
        v = session.compare_inputs.value
        pair.value = ComparePair(v["scenario_a"], v["scenario_b"], int(v["seed"]),
                                 **{POPULATION.path: int(v[POPULATION.path])})

    Intro("Two scenarios, the same people (same seed), stepping together. Press Step or Play; choose the "
          "scenarios under Settings, then press Reset.")
    CompareLive(session, reset)


@solara.component
def CompareLive(session: SessionState, reset: Callable[[], None]):
    """The page below the introduction: the one component that reads the week counter."""
    tick = session.compare_tick.value
    current = session.compare.value
    RunControls(session.compare, session.compare_tick, session.lock, on_reset=reset, tick=tick)
    with rv.Row():
        with rv.Col(cols=12, md=8, lg=9, class_="syslead-main"):
            CompareMain(current, current.week, session.presenter.value)
        with rv.Col(cols=12, md=4, lg=3, class_="syslead-side"):
            CompareSettings(session)
            CompareExport(current, current.week)


@solara.component
def CompareExport(current: ComparePair, week: int):
    with solara.Card("Export", classes=["syslead-export"]):
        solara.FileDownload(lambda: compare_frame(current).to_csv(index=False),
                            filename=f"syslead-compare-{current.scenario_a}-{current.scenario_b}-seed"
                                     f"{current.seed}-week{current.week}.csv",
                            label="Both timeseries (CSV)", mime_type="text/csv")


# --------------------------------------------------------------------------
# Programme designer
# --------------------------------------------------------------------------


def timeline_option(events: list[dict], last_week: int, selected: int | None, font_scale: float = 1.0) -> dict:
    """ECharts option: one point per event (week across, type down, area ~ capacity)."""
    from ..config import EVENT_TYPES

    fs = round(12 * font_scale)
    types = list(EVENT_TYPES)
    data = [{"value": [e["week"], types.index(e["type"]), e["capacity"], e["name"]],
             "symbolSize": 6 + 2.2 * e["capacity"] ** 0.5,
             "itemStyle": {"color": "#D55E00" if k == selected else "#0072B2", "opacity": 0.85}}
            for k, e in enumerate(events)]
    return {
        "animation": False,
        "grid": {"left": 10, "right": 20, "top": 20, "bottom": 40, "containLabel": True},
        "xAxis": {"type": "value", "min": 0, "max": last_week + 1, "name": "week", "nameLocation": "middle",
                  "nameGap": 25, "axisLabel": {"fontSize": fs}, "nameTextStyle": {"fontSize": fs}},
        "yAxis": {"type": "category", "data": [EVENT_TYPE_LABELS[t] for t in types], "axisLabel": {"fontSize": fs}},
        "tooltip": {"trigger": "item"},
        "series": [{"type": "scatter", "data": data, "encode": {"x": 0, "y": 1, "tooltip": [3, 0, 2]},
                    "dimensions": ["week", "type", "capacity", "name"]}],
    }


def load_programme_file(session: SessionState, data: bytes, name: str) -> str:
    """Load an uploaded programme into the session (all or nothing); returns a notice. Raises ConfigError."""
    loaded = from_toml(data)
    session.programme_scenario.value = loaded.scenario
    session.programme.value = loaded.events
    note = f"Loaded {len(loaded.events)} events from {name} (base: {loaded.scenario})."
    if loaded.ignored:
        note += " Ignored: " + ", ".join(loaded.ignored) + "."
    return note


@solara.component
def Designer():
    session = use_session()
    events = session.programme
    scenario = session.programme_scenario
    last = end_week(scenario.value)
    selected, set_selected = solara.use_state(None)
    error, set_error = solara.use_state("")
    notice, set_notice = solara.use_state("")
    form_type, set_form_type = solara.use_state("networking")
    form_week, set_form_week = solara.use_state(10)
    form_cap, set_form_cap = solara.use_state(30)
    form_name, set_form_name = solara.use_state("")
    population, set_population = solara.use_state(min(scenarios.get(scenario.value).params().population.size,
                                                      POPULATION.bounds()[1]))
    weeks, set_weeks = solara.use_state(last + 26)
    seed, set_seed = solara.use_state(1)
    router = solara.use_router()

    def apply(fn, *args, message: str = ""):
        try:
            events.value = fn(*args)
            set_error("")
            set_notice(message)
            return True
        except ConfigError as exc:
            set_error(str(exc))
            return False

    def form_event() -> dict:
        name = form_name.strip() or new_event_name(events.value, form_type, form_week)
        return {"name": name, "type": form_type, "week": int(form_week), "capacity": int(form_cap)}

    def do_add():
        ev = form_event()
        if apply(add_event, events.value, ev, scenario.value, message=f"Added '{ev['name']}' in week {ev['week']}."):
            set_selected(None)
            set_form_name("")

    def do_update():
        if selected is not None and apply(update_event, events.value, selected, form_event(), scenario.value,
                                          message="Updated."):
            set_selected(None)

    def select(k: int):
        e = events.value[k]
        set_selected(k)
        set_form_type(e["type"])
        set_form_week(e["week"])
        set_form_cap(e["capacity"])
        set_form_name(e["name"])

    def set_base(name: str):
        scenario.value = name
        ok = apply(lambda: [dict(e, week=min(e["week"], end_week(name))) for e in events.value])
        if ok:
            set_notice(f"Base scenario: {name}.")

    # The run: a threaded task that checks for cancellation every week.
    def run_it() -> ProgrammeRun | None:
        task.progress = 0.0

        def on_week(w: int):
            if w % 4 == 0 or w == weeks:  # a progress update re-renders the page: not every week
                task.progress = 100.0 * w / weeks

        return run_programme(events.value, scenario.value, population=population, weeks=weeks, seed=seed,
                             on_week=on_week, cancelled=lambda: not task.is_current())

    task = solara.lab.use_task(run_it, dependencies=None, prefer_threaded=True)
    result = task.value if task.finished else None

    def cancel_on_leave():
        def cleanup():
            if task.pending:  # a run nobody will see: stop it (it checks every week)
                task.cancel()

        return cleanup

    solara.use_effect(cancel_on_leave, [])

    def watch_in_explore():
        try:
            session.set_explore(DashboardModel(scenario.value, seed, **{POPULATION.path: population,
                                                                            "programme.events": list(events.value)}))
        except ConfigError as exc:
            set_error(str(exc))
            return
        router.push("/")

    def on_file(info):
        if not info:
            return
        try:
            note = load_programme_file(session, str(info.get("text", "")).encode("utf-8"),
                                       str(info.get("name", "the file")))
        except ConfigError as exc:
            set_error(f"{info.get('name', 'file')}: {exc}")
            return
        set_selected(None)
        set_error("")
        set_notice(note)

    solara.Text(f"Programme designer: {len(events.value)} events", classes=["syslead-week"])
    solara.Text(f"Build a calendar of events for weeks 1 to {last} (the funded programme ends in week {last}), "
                "run it against the base scenario's own calendar, save it for the command line.",
                classes=["syslead-hint"])
    # One status line of fixed height: messages never push the page about under the pointer.
    solara.Text(error or notice or "\u00a0",
                classes=["syslead-status", "syslead-error" if error else "syslead-notice" if notice else ""])
    with solara.Card():
        figure_echarts(timeline_option(events.value, last, selected,
                                       PRESENTER_SCALE if session.presenter.value else 1.0), 320)
    with solara.ColumnsResponsive(default=12, large=[5, 7]):
        with solara.Card("Event"):
            from ..config import EVENT_TYPES

            solara.Select("Base scenario (strategy and everything else)", values=scenarios.names(),
                          value=scenario.value, on_value=set_base)
            labels = {EVENT_TYPE_LABELS[t]: t for t in EVENT_TYPES}
            solara.Select("Type", values=list(labels), value=EVENT_TYPE_LABELS[form_type],
                          on_value=lambda label: set_form_type(labels[label]))
            with solara.Div(classes=["syslead-sliders"]):
                solara.SliderInt(f"Week: {form_week}", value=form_week, on_value=set_form_week, min=1, max=last)
                solara.SliderInt(f"Capacity (places): {form_cap}", value=form_cap, on_value=set_form_cap, min=2,
                                 max=MAX_CAPACITY)
            solara.InputText("Name (optional)", value=form_name, on_value=set_form_name)
            with solara.Row():
                solara.Button("Add event", color="primary", on_click=do_add,
                              disabled=len(events.value) >= MAX_EVENTS)
                solara.Button("Update selected", on_click=do_update, disabled=selected is None)
            with solara.Row(style={"flex-wrap": "wrap"}):
                solara.Button("Start from the base scenario's calendar",
                              on_click=lambda: apply(scenario_calendar, scenario.value,
                                                     message="Calendar reset.") and set_selected(None),
                              text=True)
                solara.Button("Clear all", on_click=lambda: apply(list, message="Cleared.") and set_selected(None),
                              text=True)
        with solara.Card("Calendar"):
            CalendarRows(events.value, selected, on_select=select,
                         on_move=lambda k, d: apply(move_event, events.value, k, d, scenario.value),
                         on_remove=lambda k: (apply(remove_event, events.value, k), set_selected(None)))
    with rv.Row():
        with rv.Col(cols=12, md=6), solara.Card("Run it"):
            with solara.Div(classes=["syslead-sliders"]):
                LeverSlider(POPULATION, population, set_population)
                solara.SliderInt(f"Weeks: {weeks}", value=weeks, on_value=set_weeks, min=1, max=MAX_WEEKS)
                SeedSlider(seed, set_seed, label="Seed")
            with solara.Row():
                solara.Button("Run", color="primary", on_click=task, disabled=task.pending)
                solara.Button("Cancel", on_click=task.cancel, disabled=not task.pending)
            if router.set_path is not None:  # inside the app (not a bare test render)
                solara.Button("Watch it in Explore", on_click=watch_in_explore, text=True)
            if task.pending:
                solara.ProgressLinear(task.progress or True)
                solara.Text(f"Running: {task.progress or 0:.0f}%")
            elif task.cancelled:
                solara.Text("Cancelled.")
            elif task.error:
                solara.Error(str(task.exception))
        with rv.Col(cols=12, md=6), solara.Card("Save and load"):
            solara.FileDownload(lambda: to_toml(events.value, scenario.value), filename="programme.toml",
                                label="Save programme (TOML)", mime_type="application/toml")
            solara.Text("The file runs as it is: syslead run --config programme.toml", classes=["syslead-hint"])
            FileChooser.element(button="Load a programme file", hint="(.toml), or drop one here",
                                accept=".toml,text/plain,application/toml", max_bytes=MAX_FILE_BYTES,
                                on_file=on_file)
    if result is not None:
        DesignerResult(result, scenario.value, session.presenter.value)


@solara.component
def CalendarRows(events: list[dict], selected: int | None, on_select, on_move, on_remove):
    """The calendar as rows: move a week earlier or later, remove, or edit (loads the event into the form)."""
    with solara.Column(style={"max-height": "420px", "overflow-y": "auto", "gap": "0"}):
        for k, e in enumerate(events):
            with solara.Row(style={"align-items": "center", "gap": "4px"},
                            classes=["syslead-selected"] if k == selected else []):
                solara.Button("◀", on_click=lambda k=k: on_move(k, -1), small=True, text=True,
                              classes=["syslead-earlier"])
                solara.Button("▶", on_click=lambda k=k: on_move(k, 1), small=True, text=True,
                              classes=["syslead-later"])
                solara.Button("✖", on_click=lambda k=k: on_remove(k), small=True, text=True,
                              classes=["syslead-remove"])
                solara.Button("✎", on_click=lambda k=k: on_select(k), small=True, text=True,
                              classes=["syslead-edit"])
                solara.Text(f"week {e['week']} · {EVENT_TYPE_LABELS[e['type']]} · {e['capacity']} places · "
                            f"{e['name']}", classes=["syslead-event-row"])


@solara.component
def DesignerResult(run: ProgrammeRun, scenario: str, presenter: bool):
    series = [("your programme", run.designed), (f"{scenario} calendar", run.original)]
    solara.Text(f"Result after {run.weeks} weeks", classes=["syslead-week"])
    Plots(series, presenter, key=id(run), cols=3)
    with solara.ColumnsResponsive(default=12, large=[6, 6]):
        with solara.Card("Now"):
            Summary(series)
        with solara.Card("Attendance at your events", classes=["syslead-attendance"]):
            solara.DataFrame(run.attendance, items_per_page=12)


# --------------------------------------------------------------------------
# About
# --------------------------------------------------------------------------


@solara.component
def About():
    with solara.Column(classes=["syslead-about"]):
        solara.HTML(tag="div", unsafe_innerHTML=markdown_html(_asset("about.md")))


# --------------------------------------------------------------------------
# Layout and routes
# --------------------------------------------------------------------------


@solara.component
def Layout(children=[]):  # noqa: B006 - solara's layout signature
    session = solara.use_memo(SessionState, [])
    SESSION.provide(session)
    route, routes = solara.use_route()
    router = solara.use_router()
    paths = [solara.resolve_path(r, level=0) for r in routes]
    index = routes.index(route) if route in routes else 0
    with solara.AppLayout(title="syslead", navigation=True) as main:
        with solara.AppBar():
            with solara.lab.Tabs(value=index, on_value=lambda i: router.push(paths[i]), align="center"):
                for r in routes:
                    solara.lab.Tab(r.label)
            solara.Switch(label="Presenter", value=session.presenter, classes=["syslead-presenter-switch"])
        with solara.Column(classes=["syslead-page"]):
            solara.Title("syslead: system leadership dashboard")
            PageSetup.element()
            solara.Style(_asset("style.css"))
            # Always present (empty when off): inserting it shifted the page's elements, which rebuilt the
            # whole page on every switch (and lost a click made just after it).
            solara.Style(_asset("presenter.css") if session.presenter.value else "")
            solara.Column(children=children)
    return main


def release_memory() -> None:
    """After a session ends: collect its models and hand freed heap back to the system (glibc), so the
    server's memory falls again when people close their tabs."""
    import contextlib
    import ctypes
    import gc
    import sys

    gc.collect()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # not glibc
            ctypes.CDLL("libc.so.6").malloc_trim(0)


def _on_kernel_start():
    return release_memory  # runs when the session's kernel closes (tab closed, or culled)


solara.lab.on_kernel_start(_on_kernel_start)


routes = [
    solara.Route(path="/", component=Explore, label="Explore", layout=Layout),
    solara.Route(path="compare", component=Compare, label="Compare"),
    solara.Route(path="designer", component=Designer, label="Programme designer"),
    solara.Route(path="about", component=About, label="About"),
]

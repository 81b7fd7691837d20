"""The workshop dashboard: a Solara app with four pages (Explore, Compare, Programme designer, About).

Serve it with ``syslead dashboard`` (see :mod:`simulation.dashboard.cli`). Each browser session gets its
own :class:`SessionState` (made by :func:`Layout`, handed down by a context): its own models, its own
programme, its own presenter switch. Nothing mutable lives at module level.

Explore and Compare are built on Mesa's ``SolaraViz``: it provides the Step / Play / Reset controls and
the parameter inputs, and Reset rebuilds ``type(model)(**inputs)``, which is why the models here
(:class:`~simulation.dashboard.inputs.DashboardModel`, :class:`~simulation.dashboard.inputs.ComparePair`)
take their inputs as keyword arguments named by parameter paths. The main area is drawn by the
components below and redrawn on Mesa's ``update_counter``.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import markdown
import pandas as pd
import solara
import solara.lab
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from .. import scenarios
from ..config import ConfigError
from ..metrics import METRIC_BY_NAME, locality_names
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
    event_key,
)
from .network import network_png
from .programme import (
    MAX_EVENTS,
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

PLAY_INTERVAL_MS = 300
"""Default pause between weeks while playing (a gentle load on a shared laptop)."""
PRESENTER_SCALE = 1.6
MINDSET_SYMBOLS = ("●", "■", "▲", "★")
"""The HTML legend's symbols for the network's markers (circle, square, triangle, star)."""
MAX_CAPACITY = 300
"""Places at one designed event (the case's biggest event had about 110)."""

SUMMARY_KEYS = ("people_reached", "adopters", "working_ties", "cross_sector_tie_share", "projects_started",
                "projects_completed")


def _asset(name: str) -> str:
    return (resources.files("simulation.dashboard") / name).read_text(encoding="utf-8")


def markdown_html(text: str) -> str:
    """Markdown to HTML on the server (solara.Markdown would fetch KaTeX, which is not bundled offline)."""
    return markdown.markdown(text, extensions=["tables"])


# --------------------------------------------------------------------------
# Per-session state
# --------------------------------------------------------------------------


class SessionState:
    """What one browser session holds. Made once per session (``use_memo`` in :func:`Layout`).

    Models are built on first use, so a visitor who only reads About costs nothing.
    """

    def __init__(self):
        self.presenter = solara.reactive(False)
        self.programme = solara.reactive(scenario_calendar(scenarios.DEFAULT_SCENARIO))
        self.programme_scenario = solara.reactive(scenarios.DEFAULT_SCENARIO)
        self._explore: solara.Reactive[DashboardModel] | None = None
        self._compare: solara.Reactive[ComparePair] | None = None

    @property
    def explore(self) -> solara.Reactive[DashboardModel]:
        if self._explore is None:
            self._explore = solara.reactive(DashboardModel())
        return self._explore

    @property
    def compare(self) -> solara.Reactive[ComparePair]:
        if self._compare is None:
            self._compare = solara.reactive(ComparePair())
        return self._compare


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
def WeekBanner(week: int, subtitle: str = ""):
    with solara.Row(style={"align-items": "baseline", "gap": "1em", "flex-wrap": "wrap"}):
        solara.Text(f"Week {week}", classes=["syslead-week"])
        if subtitle:
            solara.Text(subtitle, classes=["syslead-subtitle"])


@solara.component
def NetworkView(model, week: int, presenter: bool, title: str | None = None):
    """The network as an image, redrawn when the week (or the model) changes.

    ``week`` is passed explicitly: a component re-renders only when its arguments change.
    """
    png = solara.use_memo(lambda: network_png(model, size=6.0, dpi=96 if presenter else 80, legend=False),
                          dependencies=[id(model), week, presenter])
    with solara.Div(classes=["syslead-network"]):
        if title:
            solara.Text(title, classes=["syslead-network-title"])
        solara.Image(png, width="100%")


@solara.component
def NetworkLegend():
    """The network's legend in HTML (drawn once by the browser, not into every frame)."""
    with solara.Row(classes=["syslead-legend"], style={"flex-wrap": "wrap", "gap": "2px 14px"}):
        for s in SECTORS:
            solara.HTML(tag="span", unsafe_innerHTML=f'<span class="syslead-swatch" style="background:'
                                                     f'{SECTOR_COLOURS[s]}"></span>{SECTOR_LABELS[s]}')
    with solara.Row(classes=["syslead-legend"], style={"flex-wrap": "wrap", "gap": "2px 14px"}):
        for symbol, stage in zip(MINDSET_SYMBOLS, MINDSET_STAGES):
            solara.Text(f"{symbol} {stage}")
        solara.Text("size: confidence")
        solara.Text("━ working tie across sectors")
        solara.HTML(tag="span", unsafe_innerHTML='<span style="color:#9a9a9a">━</span> within a sector')


@solara.component
def Plots(series: list[tuple[str, pd.DataFrame]], presenter: bool, key: Any, cols: int = 2):
    option = solara.use_memo(lambda: timeseries_option(series, PLOT_METRICS, cols=cols,
                                                       font_scale=PRESENTER_SCALE if presenter else 1.0),
                             dependencies=[key, presenter, cols])
    height = (620 if presenter else 440) * (2 if cols == 2 else 1.4) / 2
    solara.FigureEcharts(option=option, attributes={"style": f"height: {height}px; width: 100%;"}, responsive=True)


@solara.component
def Feed(model, week: int, limit: int = 14):
    items = project_feed(model, limit)
    icons = {"started": "▶", "completed": "✔", "failed": "✖"}
    with solara.Card("Projects as they start and finish", classes=["syslead-feed"]):
        if not items:
            solara.Text("No projects yet: they start when confident practitioners find trusted partners in the "
                        "sectors an idea needs.")
        for it in items:
            solara.Text(f"{icons[it.kind]} {it.text}", classes=[f"syslead-feed-{it.kind}"])


@solara.component
def Summary(rows: list[tuple[str, pd.DataFrame]]):
    """Key numbers now, one column per run."""
    def fmt(v: float) -> str:
        return f"{v:.2f}" if not float(v).is_integer() else f"{v:,.0f}"

    header = "| | " + " | ".join(label for label, _ in rows) + " |\n|---|" + "---:|" * len(rows) + "\n"
    body = "".join(f"| {METRIC_BY_NAME[k].doc} | " + " | ".join(fmt(df[k].iloc[-1]) for _, df in rows) + " |\n"
                   for k in SUMMARY_KEYS)
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
        solara.FigureEcharts(option=option, attributes={"style": f"height: {380 if presenter else 280}px; "
                                                                 "width: 100%;"}, responsive=True)

        def fmt(v) -> str:
            return v if isinstance(v, str) else f"{v:,.0f}"

        cols = list(table.columns)
        text = ("| " + " | ".join(c.capitalize() if c in ("locality", "people") else c for c in cols) + " |\n|---|"
                + "---:|" * (len(cols) - 1) + "\n"
                + "".join("| " + " | ".join(fmt(r[c]) for c in cols) + " |\n" for _, r in table.iterrows()))
        solara.HTML(tag="div", unsafe_innerHTML=markdown_html(text), classes=["syslead-summary"])
        if n > MAX_LOCALITIES:
            solara.Text(f"The first {MAX_LOCALITIES} of {n} localities are shown.", classes=["syslead-hint"])


def _slider(lever, value) -> dict:
    lo, hi = lever.bounds()
    return {"type": "SliderInt" if lever.integer else "SliderFloat", "label": lever.label, "value": value,
            "min": lo, "max": hi, "step": lever.step}


def _csv_name(model) -> str:
    return f"syslead-{model.scenario_name}-seed{model.seed}-week{model.week}"


# --------------------------------------------------------------------------
# Explore
# --------------------------------------------------------------------------


def explore_model_params(model: DashboardModel) -> dict[str, Any]:
    """SolaraViz inputs for the current model: the scenario (fixed), then bounded sliders and switches.

    Defaults are the current model's values, so after Reset the sliders show what is running.
    """
    params: dict[str, Any] = {"scenario_name": model.scenario_name}
    if "programme.events" in model.inputs:
        params["programme.events"] = model.inputs["programme.events"]
    values = model.lever_values()
    params[POPULATION.path] = _slider(POPULATION, values[POPULATION.path])
    params["seed"] = {"type": "SliderInt", "label": "Seed (same seed, same people)", "value": model.seed,
                      "min": 0, "max": MAX_SEED, "step": 1}
    for lever in LEVERS:
        params[lever.path] = _slider(lever, values[lever.path])
    running = {e.type for e in model.params.programme.events}
    for t in model.event_types_in_calendar():
        params[event_key(t)] = {"type": "Checkbox", "label": f"Run: {EVENT_TYPE_LABELS[t]}", "value": t in running}
    return params


@solara.component
def ScenarioCard(model: solara.Reactive[DashboardModel]):
    current = model.value

    def choose(name: str):
        cur = model.value
        cur.running = False  # ends a Play loop on the old model (SolaraViz is rebuilt for the new one)
        model.value = DashboardModel(name, cur.seed, **{POPULATION.path: cur.params.population.size})

    with solara.Card("Scenario"):
        solara.Select("Scenario", values=scenarios.names(), value=current.scenario_name, on_value=choose)
        solara.Text(scenarios.get(current.scenario_name).description, classes=["syslead-hint"])
        if "programme.events" in current.inputs:
            solara.Text("Running the programme from the designer.", classes=["syslead-hint"])
        solara.Text("Move the sliders below, then press Reset to start again with them. Running now:",
                    classes=["syslead-hint"])
        RunningNow(current)


@solara.component
def RunningNow(model: DashboardModel):
    """The values the current model runs with (sliders show a value only while dragged)."""
    values = model.lever_values()
    rows = [f"{lv.label}: {values[lv.path]:,}" if lv.integer else f"{lv.label}: {values[lv.path]:g}"
            for lv in (POPULATION, *LEVERS)]
    off = [EVENT_TYPE_LABELS[t] for t in model.event_types_in_calendar()
           if t not in {e.type for e in model.params.programme.events}]
    rows.append(f"Seed: {model.seed}")
    if off:
        rows.append("Not running: " + ", ".join(off))
    with solara.Column(classes=["syslead-running"], gap="0px"):
        for r in rows:
            solara.Text(r)


@solara.component
def ExploreMain(model: DashboardModel, presenter: bool):
    update_counter.get()  # redraw after every Step / Play frame / Reset
    df = timeseries_frame(model)
    now = df.iloc[-1]
    sub = (f"{model.scenario_name} · {model.params.population.size:,} people · reached {now['people_reached']:,.0f}"
           f" · adopters {now['adopters']:,.0f} · projects {now['projects_started']:,.0f} started,"
           f" {now['projects_completed']:,.0f} completed")
    if not model.running:
        sub += f" · stopped at the {MAX_WEEKS}-week limit"
    WeekBanner(model.week, sub)
    with solara.ColumnsResponsive(default=12, large=[5, 7]):
        with solara.Column():
            NetworkView(model, model.week, presenter)
            NetworkLegend()
        with solara.Column():
            Plots([(model.scenario_name, df)], presenter, key=(id(model), model.week))
    by_locality = locality_frame(model)
    if by_locality is not None:
        LocalityView([(model.scenario_name, by_locality)], presenter, key=(id(model), model.week),
                     names=locality_names(model.params))
    with solara.ColumnsResponsive(default=12, large=[7, 5]):
        Feed(model, model.week)
        with solara.Card("Export"):
            name = _csv_name(model)
            solara.FileDownload(lambda: timeseries_frame(model).to_csv(index=False), filename=f"{name}.csv",
                                label="Timeseries (CSV)", mime_type="text/csv")
            if by_locality is not None:
                solara.FileDownload(lambda: model.localities().to_csv(index=False), filename=f"{name}-localities.csv",
                                    label="By locality (CSV)", mime_type="text/csv")
            solara.FileDownload(lambda: network_png(model, size=8.0, dpi=150, title=f"{model.scenario_name}, "
                                                    f"week {model.week}"),
                                filename=f"{name}-network.png", label="Network (PNG)", mime_type="image/png")


def use_pause_on_leave(model: solara.Reactive) -> None:
    """Stop Mesa's Play loop when the page is left (tab change, closed session).

    SolaraViz's Play runs in a thread that only stops when ``model.running`` turns false; without this, a
    model left playing would go on stepping unseen up to the week limit. Coming back re-enables it.
    """

    def effect():
        def runnable(m) -> bool:
            return getattr(m, "week", 0) < MAX_WEEKS

        model.value.running = runnable(model.value)

        def cleanup():
            model.value.running = False

        return cleanup

    solara.use_effect(effect, [])


@solara.component
def Explore():
    session = use_session()
    model = session.explore
    use_pause_on_leave(model)
    current = model.value
    ScenarioSidebar(model)
    fixed = (current.scenario_name, id(current.inputs.get("programme.events")))
    SolaraViz(model, components=[], model_params=explore_model_params(current), name="Explore",
              play_interval=PLAY_INTERVAL_MS).key(f"explore-{fixed}")
    ExploreMain(current, session.presenter.value)


@solara.component
def ScenarioSidebar(model):
    with solara.Sidebar():
        ScenarioCard(model)


# --------------------------------------------------------------------------
# Compare
# --------------------------------------------------------------------------


def compare_model_params(pair: ComparePair) -> dict[str, Any]:
    names = scenarios.names()
    return {
        "scenario_a": {"type": "Select", "label": "Scenario A (solid line)", "value": pair.scenario_a,
                       "values": names},
        "scenario_b": {"type": "Select", "label": "Scenario B (dashed line)", "value": pair.scenario_b,
                       "values": names},
        POPULATION.path: _slider(POPULATION, pair.a.params.population.size),
        "seed": {"type": "SliderInt", "label": "Seed (same for both: same people)", "value": pair.seed, "min": 0,
                 "max": MAX_SEED, "step": 1},
    }


def compare_frame(pair: ComparePair) -> pd.DataFrame:
    """Both runs' timeseries in one table, with a ``run`` and a ``scenario`` column (the CSV export)."""
    a = timeseries_frame(pair.a).assign(run="A", scenario=pair.scenario_a)
    b = timeseries_frame(pair.b).assign(run="B", scenario=pair.scenario_b)
    df = pd.concat([a, b], ignore_index=True)
    return df[["run", "scenario", *[c for c in df.columns if c not in ("run", "scenario")]]]


@solara.component
def CompareMain(pair: ComparePair, presenter: bool):
    update_counter.get()
    a, b = timeseries_frame(pair.a), timeseries_frame(pair.b)
    la, lb = f"A: {pair.scenario_a}", f"B: {pair.scenario_b}"
    WeekBanner(pair.week, f"{la} and {lb} · same seed ({pair.seed}), same {pair.a.params.population.size:,} people")
    with solara.ColumnsResponsive(default=12, large=[6, 6]):
        NetworkView(pair.a, pair.a.week, presenter, title=la)
        NetworkView(pair.b, pair.b.week, presenter, title=lb)
    NetworkLegend()
    Plots([(la, a), (lb, b)], presenter, key=(id(pair), pair.week), cols=3)
    by_locality = [(run, f) for run, f in (("A", locality_frame(pair.a)), ("B", locality_frame(pair.b)))
                   if f is not None]
    if by_locality:
        LocalityView(by_locality, presenter, key=(id(pair), pair.week), names=locality_names(pair.a.params))
    with solara.ColumnsResponsive(default=12, large=[8, 4]):
        with solara.Card("Now"):
            Summary([(la, a), (lb, b)])
        with solara.Card("Export"):
            solara.FileDownload(lambda: compare_frame(pair).to_csv(index=False),
                                filename=f"syslead-compare-{pair.scenario_a}-{pair.scenario_b}-seed{pair.seed}-"
                                         f"week{pair.week}.csv", label="Both timeseries (CSV)", mime_type="text/csv")


@solara.component
def Compare():
    session = use_session()
    pair = session.compare
    use_pause_on_leave(pair)
    with solara.Sidebar(), solara.Card("Compare"):
        solara.Text("Two scenarios, the same people (same seed), stepping together. Choose the scenarios "
                    "below, then press Reset.", classes=["syslead-hint"])
    SolaraViz(pair, components=[], model_params=compare_model_params(pair.value), name="Compare",
              play_interval=PLAY_INTERVAL_MS)
    CompareMain(pair.value, session.presenter.value)


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
        "grid": {"left": 200 * font_scale, "right": 20, "top": 20, "bottom": 40},
        "xAxis": {"type": "value", "min": 0, "max": last_week + 1, "name": "week", "nameLocation": "middle",
                  "nameGap": 25, "axisLabel": {"fontSize": fs}},
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
            session.explore.value = DashboardModel(scenario.value, seed, **{POPULATION.path: population,
                                                                            "programme.events": list(events.value)})
        except ConfigError as exc:
            set_error(str(exc))
            return
        router.push("/")

    def on_file(info):
        try:
            note = load_programme_file(session, info.get("data") or b"", info.get("name", "the file"))
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
        solara.FigureEcharts(option=timeline_option(events.value, last, selected,
                                                    PRESENTER_SCALE if session.presenter.value else 1.0),
                             attributes={"style": "height: 320px; width: 100%;"}, responsive=True)
    with solara.ColumnsResponsive(default=12, large=[5, 7]):
        with solara.Card("Event"):
            from ..config import EVENT_TYPES

            solara.Select("Base scenario (strategy and everything else)", values=scenarios.names(),
                          value=scenario.value, on_value=set_base)
            labels = {EVENT_TYPE_LABELS[t]: t for t in EVENT_TYPES}
            solara.Select("Type", values=list(labels), value=EVENT_TYPE_LABELS[form_type],
                          on_value=lambda label: set_form_type(labels[label]))
            with solara.Div(classes=["syslead-sliders"]):
                solara.SliderInt("Week", value=form_week, on_value=set_form_week, min=1, max=last,
                                 thumb_label="always")
                solara.SliderInt("Capacity (places)", value=form_cap, on_value=set_form_cap, min=2,
                                 max=MAX_CAPACITY, thumb_label="always")
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
    with solara.Sidebar():
        with solara.Card("Run it"):
            with solara.Div(classes=["syslead-sliders"]):
                solara.SliderInt(POPULATION.label, value=population, on_value=set_population,
                                 min=POPULATION.bounds()[0], max=POPULATION.bounds()[1], step=int(POPULATION.step),
                                 thumb_label="always")
                solara.SliderInt("Weeks", value=weeks, on_value=set_weeks, min=1, max=MAX_WEEKS,
                                 thumb_label="always")
                solara.SliderInt("Seed", value=seed, on_value=set_seed, min=0, max=MAX_SEED, thumb_label="always")
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
        with solara.Card("Save and load"):
            solara.FileDownload(lambda: to_toml(events.value, scenario.value), filename="programme.toml",
                                label="Save programme (TOML)", mime_type="application/toml")
            solara.Text("The file runs as it is: syslead run --config programme.toml", classes=["syslead-hint"])
            solara.FileDrop(label="Drop a programme TOML file here to load it", on_file=on_file, lazy=False)
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
        with solara.Card("Attendance at your events"):
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
        solara.Title("syslead: system leadership dashboard")
        with solara.AppBar():
            with solara.lab.Tabs(value=index, on_value=lambda i: router.push(paths[i]), align="center"):
                for r in routes:
                    solara.lab.Tab(r.label)
            solara.Switch(label="Presenter", value=session.presenter, classes=["syslead-presenter-switch"])
        with solara.Column():
            solara.Style(_asset("style.css"))
            if session.presenter.value:
                solara.Style(_asset("presenter.css"))
            solara.Column(children=children)
    return main


routes = [
    solara.Route(path="/", component=Explore, label="Explore", layout=Layout),
    solara.Route(path="compare", component=Compare, label="Compare"),
    solara.Route(path="designer", component=Designer, label="Programme designer"),
    solara.Route(path="about", component=About, label="About"),
]

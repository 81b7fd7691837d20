"""The Explore page: one model, stepped by the room; settings, the network, plots, the feed, exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import reacton.ipyvuetify as rv
import solara

from .. import scenarios
from ..metrics import locality_names
from .charts import display_frame, locality_frame, timeseries_frame
from .components import (
    Feed,
    Intro,
    LeverSlider,
    LocalityView,
    NetworkLegend,
    NetworkView,
    Plots,
    RunControls,
    SeedSlider,
    WeekLine,
)
from .inputs import EVENT_TYPE_LABELS, LEVERS, POPULATION, DashboardModel, event_key
from .network import network_png
from .session import SessionState, default_inputs, rebuild, use_session
from .wording import limit_note, scenario_description, scenario_title


@solara.component
def ExploreSettings(session: SessionState) -> None:
    model = session.explore
    inputs = session.explore_inputs
    current = model.value

    def choose(name: str) -> None:
        with session.lock:
            session.set_explore(
                DashboardModel(
                    name,
                    int(inputs.value.get("seed", current.seed)),
                    **{POPULATION.path: inputs.value[POPULATION.path]},
                )
            )
        session.explore_tick.value += 1

    def setter(key: str) -> Callable[[Any], None]:
        return lambda v: inputs.set({**inputs.value, key: v})

    with solara.Card("Settings", classes=["syslead-settings"]):
        solara.Select("Scenario", values=scenarios.names(), value=current.scenario_name, on_value=choose)
        solara.Text(scenario_description(current.scenario_name), classes=["syslead-hint"])
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
            solara.Checkbox(
                label=f"Run: {EVENT_TYPE_LABELS[t]}",
                value=bool(values.get(event_key(t), True)),
                on_value=setter(event_key(t)),
            )
        changed = values != default_inputs(current)
        if changed:
            solara.Text("Changed: press Reset to run with these settings.", classes=["syslead-hint", "syslead-changed"])


def explore_subtitle(model: DashboardModel, now: pd.Series) -> str:
    return (
        f"{scenario_title(model.scenario_name)} · {model.params.population.size:,} people · reached "
        f"{now['people_reached']:,.0f} · practising {now['adopters']:,.0f} · projects "
        f"{now['projects_started']:,.0f} started, {now['projects_completed']:,.0f} completed"
        + limit_note(model.week, model.max_weeks)
    )


@solara.component
def ExploreMain(model: DashboardModel, week: int, presenter: bool) -> None:
    df = display_frame(model)
    WeekLine(explore_subtitle(model, df.iloc[-1]))
    with rv.Row():
        with rv.Col(cols=12, md=5):
            NetworkView(model, week, presenter)
            NetworkLegend()
        with rv.Col(cols=12, md=7):
            Plots([("this run", df)], presenter, key=(id(model), week))
    by_locality = locality_frame(model)
    if by_locality is not None:
        LocalityView(
            [(model.scenario_name, by_locality)], presenter, key=(id(model), week), names=locality_names(model.params)
        )
    Feed(model, week)


@solara.component
def ExploreLive(session: SessionState) -> None:
    """The page below the introduction: the one component that reads the week counter."""
    tick = session.explore_tick.value
    model = session.explore
    current = model.value
    RunControls(
        model,
        session.explore_tick,
        session.lock,
        on_reset=lambda: session.set_explore(rebuild(model.value, session.explore_inputs.value)),
        tick=tick,
    )
    with rv.Row():
        with rv.Col(cols=12, md=8, lg=9, class_="syslead-main"):
            ExploreMain(current, current.week, session.presenter.value)
        with rv.Col(cols=12, md=4, lg=3, class_="syslead-side"):
            ExploreSettings(session)
            ExportCard(current, current.week)


@solara.component
def ExportCard(model: DashboardModel, week: int) -> None:
    with solara.Card("Export", classes=["syslead-export"]):
        name = f"syslead-{model.scenario_name}-seed{model.seed}-week{model.week}"
        solara.FileDownload(
            lambda: timeseries_frame(model).to_csv(index=False),
            filename=f"{name}.csv",
            label="Timeseries (CSV)",
            mime_type="text/csv",
        )
        if locality_frame(model) is not None:
            solara.FileDownload(
                lambda: model.localities().to_csv(index=False),
                filename=f"{name}-localities.csv",
                label="By locality (CSV)",
                mime_type="text/csv",
            )
        solara.FileDownload(
            lambda: network_png(model, size=8.0, dpi=150, title=f"{model.scenario_name}, week {model.week}"),
            filename=f"{name}-network.png",
            label="Network (PNG)",
            mime_type="image/png",
        )


@solara.component
def Explore() -> None:
    session = use_session()
    Intro()
    ExploreLive(session)

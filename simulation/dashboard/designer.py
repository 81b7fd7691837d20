"""The Programme designer page: a calendar of events on a timeline, run against the base scenario's own
calendar, saved as a scenario file the command line runs, loaded back by a click or a drop.

The calendar's logic (edits, validation, TOML, runs) is :mod:`simulation.dashboard.programme`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import reacton.ipyvuetify as rv
import solara
import solara.lab

from .. import scenarios
from ..config import EVENT_TYPES, ConfigError
from .components import LeverSlider, Plots, SeedSlider, Summary
from .inputs import EVENT_TYPE_LABELS, LIMITS, POPULATION, DashboardModel
from .programme import (
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
from .session import PRESENTER_SCALE, SessionState, use_session
from .widgets import FileChooser, figure_echarts


def timeline_option(events: list[dict], last_week: int, selected: int | None, font_scale: float = 1.0) -> dict:
    """ECharts option: one point per event (week across, type down, area ~ capacity)."""
    fs = round(12 * font_scale)
    types = list(EVENT_TYPES)
    data = [
        {
            "value": [e["week"], types.index(e["type"]), e["capacity"], e["name"]],
            "symbolSize": 6 + 2.2 * e["capacity"] ** 0.5,
            "itemStyle": {"color": "#D55E00" if k == selected else "#0072B2", "opacity": 0.85},
        }
        for k, e in enumerate(events)
    ]
    return {
        "animation": False,
        "grid": {"left": 10, "right": 20, "top": 20, "bottom": 40, "containLabel": True},
        "xAxis": {
            "type": "value",
            "min": 0,
            "max": last_week + 1,
            "name": "week",
            "nameLocation": "middle",
            "nameGap": 25,
            "axisLabel": {"fontSize": fs},
            "nameTextStyle": {"fontSize": fs},
        },
        "yAxis": {"type": "category", "data": [EVENT_TYPE_LABELS[t] for t in types], "axisLabel": {"fontSize": fs}},
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "scatter",
                "data": data,
                "encode": {"x": 0, "y": 1, "tooltip": [3, 0, 2]},
                "dimensions": ["week", "type", "capacity", "name"],
            }
        ],
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
def Designer() -> None:
    session = use_session()
    events = session.programme
    scenario = session.programme_scenario
    last = end_week(scenario.value)
    selected, set_selected = solara.use_state(cast(int | None, None))
    error, set_error = solara.use_state("")
    notice, set_notice = solara.use_state("")
    form_type, set_form_type = solara.use_state("networking")
    form_week, set_form_week = solara.use_state(10)
    form_cap, set_form_cap = solara.use_state(30)
    form_name, set_form_name = solara.use_state("")
    population, set_population = solara.use_state(
        int(min(scenarios.get(scenario.value).params().population.size, POPULATION.bounds()[1]))
    )
    weeks, set_weeks = solara.use_state(last + 26)
    seed, set_seed = solara.use_state(1)
    router = solara.use_router()

    def apply(fn: Callable[..., list[dict]], *args: Any, message: str = "") -> bool:
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

    def do_add() -> None:
        ev = form_event()
        if apply(add_event, events.value, ev, scenario.value, message=f"Added '{ev['name']}' in week {ev['week']}."):
            set_selected(None)
            set_form_name("")

    def do_update() -> None:
        if selected is not None and apply(
            update_event, events.value, selected, form_event(), scenario.value, message="Updated."
        ):
            set_selected(None)

    def select(k: int) -> None:
        e = events.value[k]
        set_selected(k)
        set_form_type(e["type"])
        set_form_week(e["week"])
        set_form_cap(e["capacity"])
        set_form_name(e["name"])

    def set_base(name: str) -> None:
        scenario.value = name
        ok = apply(lambda: [dict(e, week=min(e["week"], end_week(name))) for e in events.value])
        if ok:
            set_notice(f"Base scenario: {name}.")

    # The run: a threaded task that checks for cancellation every week.
    def run_it() -> ProgrammeRun | None:
        task.progress = 0.0

        def on_week(w: int) -> None:
            if w % 4 == 0 or w == weeks:  # a progress update re-renders the page: not every week
                task.progress = 100.0 * w / weeks

        return run_programme(
            events.value,
            scenario.value,
            population=population,
            weeks=weeks,
            seed=seed,
            on_week=on_week,
            cancelled=lambda: not task.is_current(),
        )

    task = solara.lab.use_task(run_it, dependencies=None, prefer_threaded=True)
    result = task.value if task.finished else None

    def cancel_on_leave() -> Callable[[], None]:
        def cleanup() -> None:
            if task.pending:  # a run nobody will see: stop it (it checks every week)
                task.cancel()

        return cleanup

    solara.use_effect(cancel_on_leave, [])

    def watch_in_explore() -> None:
        try:
            session.set_explore(
                DashboardModel(
                    scenario.value, seed, **{POPULATION.path: population, "programme.events": list(events.value)}
                )
            )
        except ConfigError as exc:
            set_error(str(exc))
            return
        router.push("/")

    def on_file(info: dict[str, Any] | None) -> None:
        if not info:
            return
        try:
            note = load_programme_file(
                session, str(info.get("text", "")).encode("utf-8"), str(info.get("name", "the file"))
            )
        except ConfigError as exc:
            set_error(f"{info.get('name', 'file')}: {exc}")
            return
        set_selected(None)
        set_error("")
        set_notice(note)

    solara.Text(f"Programme designer: {len(events.value)} events", classes=["syslead-week"])
    solara.Text(
        f"Build a calendar of events for weeks 1 to {last} (the funded programme ends in week {last}), "
        "run it against the base scenario's own calendar, save it for the command line.",
        classes=["syslead-hint"],
    )
    # One status line of fixed height: messages never push the page about under the pointer.
    solara.Text(
        error or notice or "\u00a0",
        classes=["syslead-status", "syslead-error" if error else "syslead-notice" if notice else ""],
    )
    with solara.Card():
        figure_echarts(
            timeline_option(events.value, last, selected, PRESENTER_SCALE if session.presenter.value else 1.0), 320
        )
    with solara.ColumnsResponsive(default=12, large=[5, 7]):
        with solara.Card("Event"):
            solara.Select(
                "Base scenario (strategy and everything else)",
                values=scenarios.names(),
                value=scenario.value,
                on_value=set_base,
            )
            labels = {EVENT_TYPE_LABELS[t]: t for t in EVENT_TYPES}
            solara.Select(
                "Type",
                values=list(labels),
                value=EVENT_TYPE_LABELS[form_type],
                on_value=lambda label: set_form_type(labels[label]),
            )
            with solara.Div(classes=["syslead-sliders"]):
                solara.SliderInt(f"Week: {form_week}", value=form_week, on_value=set_form_week, min=1, max=last)
                solara.SliderInt(
                    f"Capacity (places): {form_cap}",
                    value=form_cap,
                    on_value=set_form_cap,
                    min=2,
                    max=LIMITS.max_places,
                )
            solara.InputText("Name (optional)", value=form_name, on_value=set_form_name)
            with solara.Row():
                solara.Button(
                    "Add event", color="primary", on_click=do_add, disabled=len(events.value) >= LIMITS.max_events
                )
                solara.Button("Update selected", on_click=do_update, disabled=selected is None)
            with solara.Row(style={"flex-wrap": "wrap"}):
                solara.Button(
                    "Start from the base scenario's calendar",
                    on_click=lambda: (
                        apply(scenario_calendar, scenario.value, message="Calendar reset.") and set_selected(None)
                    ),
                    text=True,
                )
                solara.Button(
                    "Clear all", on_click=lambda: apply(list, message="Cleared.") and set_selected(None), text=True
                )
        with solara.Card("Calendar"):
            CalendarRows(
                events.value,
                selected,
                on_select=select,
                on_move=lambda k, d: apply(move_event, events.value, k, d, scenario.value),
                on_remove=lambda k: (apply(remove_event, events.value, k), set_selected(None)),
            )
    with rv.Row():
        with rv.Col(cols=12, md=6), solara.Card("Run it"):
            with solara.Div(classes=["syslead-sliders"]):
                LeverSlider(POPULATION, population, set_population)
                solara.SliderInt(f"Weeks: {weeks}", value=weeks, on_value=set_weeks, min=1, max=LIMITS.max_weeks)
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
            solara.FileDownload(
                lambda: to_toml(events.value, scenario.value),
                filename="programme.toml",
                label="Save programme (TOML)",
                mime_type="application/toml",
            )
            solara.Text("The file runs as it is: syslead run --config programme.toml", classes=["syslead-hint"])
            FileChooser.element(
                button="Load a programme file",
                hint="(.toml), or drop one here",
                accept=".toml,text/plain,application/toml",
                max_bytes=MAX_FILE_BYTES,
                on_file=on_file,
            )
    if result is not None:
        DesignerResult(result, scenario.value, session.presenter.value)


@solara.component
def CalendarRows(
    events: list[dict],
    selected: int | None,
    on_select: Callable[[int], None],
    on_move: Callable[[int, int], object],
    on_remove: Callable[[int], object],
) -> None:
    """The calendar as rows: move a week earlier or later, remove, or edit (loads the event into the form)."""
    with solara.Column(style={"max-height": "420px", "overflow-y": "auto", "gap": "0"}):
        for k, e in enumerate(events):
            with solara.Row(
                style={"align-items": "center", "gap": "4px"}, classes=["syslead-selected"] if k == selected else []
            ):
                # the symbols are what a sighted person reads; a screen reader hears what each button does
                solara.Button(
                    "◀",
                    on_click=lambda k=k: on_move(k, -1),
                    small=True,
                    text=True,
                    classes=["syslead-earlier"],
                    attributes={"aria-label": f"Move {e['name']} a week earlier"},
                )
                solara.Button(
                    "▶",
                    on_click=lambda k=k: on_move(k, 1),
                    small=True,
                    text=True,
                    classes=["syslead-later"],
                    attributes={"aria-label": f"Move {e['name']} a week later"},
                )
                solara.Button(
                    "✖",
                    on_click=lambda k=k: on_remove(k),
                    small=True,
                    text=True,
                    classes=["syslead-remove"],
                    attributes={"aria-label": f"Remove {e['name']}"},
                )
                solara.Button(
                    "✎",
                    on_click=lambda k=k: on_select(k),
                    small=True,
                    text=True,
                    classes=["syslead-edit"],
                    attributes={"aria-label": f"Edit {e['name']}"},
                )
                solara.Text(
                    f"week {e['week']} · {EVENT_TYPE_LABELS[e['type']]} · {e['capacity']} places · {e['name']}",
                    classes=["syslead-event-row"],
                )


@solara.component
def DesignerResult(run: ProgrammeRun, scenario: str, presenter: bool) -> None:
    series = [("your programme", run.designed), (f"{scenario} calendar", run.original)]
    solara.Text(f"Result after {run.weeks} weeks", classes=["syslead-week"])
    Plots(series, presenter, key=id(run), cols=3)
    with solara.ColumnsResponsive(default=12, large=[6, 6]):
        with solara.Card("Now"):
            Summary(series)
        with solara.Card("Attendance at your events", classes=["syslead-attendance"]):
            solara.DataFrame(run.attendance, items_per_page=12)

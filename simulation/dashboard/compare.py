"""The Compare page: two scenarios on the same people (same seed), stepping together, and who did better."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import reacton.ipyvuetify as rv
import solara

from .. import scenarios
from ..analysis.summary import fmt, phrase
from ..metrics import locality_names
from .charts import display_frame, locality_frame, timeseries_frame
from .components import (
    Intro,
    LeverSlider,
    LocalityView,
    NetworkLegend,
    NetworkView,
    Plots,
    RunControls,
    SeedSlider,
    Summary,
    WeekLine,
)
from .inputs import POPULATION, ComparePair
from .session import SessionState, use_session
from .wording import SHARE_KEYS, SUMMARY_KEYS, limit_note, percent, scenario_title


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
        return (
            f"{hi} had a higher {noun} than {lo}: {percent(max(a, b))} against {percent(min(a, b))} "
            f"({points:.1f} percentage points more)."
            if points >= 0.1
            else f"{hi} had a slightly higher {noun} than {lo}: {percent(max(a, b))} against {percent(min(a, b))} "
            f"(under 0.1 percentage points more)."
        )
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
    a, b = display_frame(pair.a).iloc[-1], display_frame(pair.b).iloc[-1]
    na, nb = scenario_title(pair.scenario_a), scenario_title(pair.scenario_b)
    return [better_sentence(k, na, float(a[k]), nb, float(b[k])) for k in SUMMARY_KEYS]


@solara.component
def CompareSettings(session: SessionState) -> None:
    inputs = session.compare_inputs
    values = inputs.value

    def setter(key: str) -> Callable[[Any], None]:
        return lambda v: inputs.set({**inputs.value, key: v})

    with solara.Card("Settings", classes=["syslead-settings"]):
        solara.Select(
            "Scenario A (solid line)",
            values=scenarios.names(),
            value=values["scenario_a"],
            on_value=setter("scenario_a"),
        )
        solara.Select(
            "Scenario B (dashed line)",
            values=scenarios.names(),
            value=values["scenario_b"],
            on_value=setter("scenario_b"),
        )
        with solara.Div(classes=["syslead-sliders"]):
            LeverSlider(POPULATION, values[POPULATION.path], setter(POPULATION.path))
            SeedSlider(values["seed"], setter("seed"), label="Seed (same for both: same people)")
        pair = session.compare.value
        if (values["scenario_a"], values["scenario_b"], values["seed"], values[POPULATION.path]) != (
            pair.scenario_a,
            pair.scenario_b,
            pair.seed,
            pair.a.params.population.size,
        ):
            solara.Text("Changed: press Reset to run with these settings.", classes=["syslead-hint", "syslead-changed"])


@solara.component
def CompareMain(pair: ComparePair, week: int, presenter: bool) -> None:
    a, b = display_frame(pair.a), display_frame(pair.b)
    la, lb = f"A: {pair.scenario_a}", f"B: {pair.scenario_b}"
    WeekLine(
        f"{la} and {lb} · same seed ({pair.seed}), same {pair.a.params.population.size:,} people"
        + limit_note(week, pair.max_weeks)
    )
    with solara.Card(f"Who did better by week {week}", classes=["syslead-verdict"]):
        with solara.Column(gap="2px"):
            for s in compare_sentences(pair):
                solara.Text(s, classes=["syslead-sentence"])
        solara.Text(
            "One run of each on the same people: for run-to-run uncertainty, use syslead compare.",
            classes=["syslead-hint"],
        )
    Plots([(la, a), (lb, b)], presenter, key=(id(pair), week), cols=3)
    with rv.Row():
        with rv.Col(cols=12, md=6):
            NetworkView(pair.a, week, presenter, title=la)
        with rv.Col(cols=12, md=6):
            NetworkView(pair.b, week, presenter, title=lb)
    NetworkLegend()
    by_locality = [
        (run, f) for run, f in (("A", locality_frame(pair.a)), ("B", locality_frame(pair.b))) if f is not None
    ]
    if by_locality:
        LocalityView(by_locality, presenter, key=(id(pair), week), names=locality_names(pair.a.params))
    with solara.Card("Now"):
        Summary([(la, a), (lb, b)])


@solara.component
def Compare() -> None:
    session = use_session()
    pair = session.compare

    def reset() -> None:
        v = session.compare_inputs.value
        pair.value = ComparePair(
            v["scenario_a"], v["scenario_b"], int(v["seed"]), **{POPULATION.path: int(v[POPULATION.path])}
        )

    Intro(
        "Two scenarios, the same people (same seed), stepping together. Press Step or Play; choose the "
        "scenarios under Settings, then press Reset."
    )
    CompareLive(session, reset)


@solara.component
def CompareLive(session: SessionState, reset: Callable[[], None]) -> None:
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
def CompareExport(current: ComparePair, week: int) -> None:
    with solara.Card("Export", classes=["syslead-export"]):
        solara.FileDownload(
            lambda: compare_frame(current).to_csv(index=False),
            filename=f"syslead-compare-{current.scenario_a}-{current.scenario_b}-seed"
            f"{current.seed}-week{current.week}.csv",
            label="Both timeseries (CSV)",
            mime_type="text/csv",
        )

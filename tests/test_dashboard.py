"""The dashboard without a browser: inputs, layout, drawing data, feed, designer, and Solara components.

Components are rendered with ``solara.render`` inside an ``AppLayout`` with a :class:`SessionState` of their
own, so each test is one browser session.
"""

from __future__ import annotations

import base64
import dataclasses
import re
import time
import tomllib
from pathlib import Path

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree
from solara.components.echarts import EchartsWidget

from simulation import scenarios
from simulation.analysis.layout import sector_layout
from simulation.cli import main as cli_main
from simulation.config import EVENT_TYPES, ConfigError, check_value, spec_for
from simulation.dashboard import (
    about,
    charts,
    compare,
    components,
    designer,
    explore,
    inputs,
    network,
    programme,
    widgets,
    wording,
)
from simulation.dashboard import session as sessions
from simulation.dashboard.inputs import LEVERS, LIMITS, POPULATION, ComparePair, DashboardModel, build_params
from simulation.dashboard.widgets import FileChooser, NetworkCanvas
from simulation.mechanisms.projects import COMPLETED
from simulation.metrics import locality_names
from simulation.model import LeadershipModel
from simulation.sectors import N_SECTORS, SECTOR_COLOURS, SECTOR_LABELS, SECTORS

SMALL = {POPULATION.path: 300}


def small_model(scenario: str = "south-manchester", seed: int = 3, **inputs_) -> DashboardModel:
    return DashboardModel(scenario, seed, **{**SMALL, **inputs_})


# --------------------------------------------------------------------------
# Inputs: one source of truth
# --------------------------------------------------------------------------


def test_levers_are_parameters_with_ranges_inside_the_config():
    for lever in (POPULATION, *LEVERS):
        spec = spec_for(lever.path).spec  # raises for an unknown path
        lo, hi = lever.bounds()
        assert spec.lo <= lo < hi <= spec.hi, lever.path
    assert POPULATION.bounds() == (LIMITS.min_people, LIMITS.max_people) == (100, 5000)
    assert LEVERS[0].bounds() == (0.0, 1.0)  # strategy.openness: the config's own range
    assert inputs.LEVER_BY_PATH["churn.turnover"].bounds() == (0.0, 0.02)  # narrowed for the slider


def test_inputs_go_through_config_validation():
    p = build_params("top-down", {"strategy.overhead": 0.25, POPULATION.path: 700})
    assert p.strategy.overhead == 0.25 and p.population.size == 700
    assert p.strategy.openness == scenarios.get("top-down").params().strategy.openness  # the rest: the scenario
    with pytest.raises(ConfigError, match=r"strategy\.openness = 1\.5 is out of range.*0 to 1"):
        build_params("south-manchester", {"strategy.openness": 1.5})
    with pytest.raises(
        ConfigError,
        match=r"population\.size = 6000 is out of range: allowed 100 to 5000 "
        r"\(the dashboard's range\)",
    ):
        build_params("south-manchester", {POPULATION.path: 6000})
    with pytest.raises(ConfigError, match=r"unknown parameter 'strategy\.opennes'"):
        build_params("south-manchester", {"strategy.opennes": 0.5})
    with pytest.raises(ConfigError, match="unknown scenario"):
        build_params("nowhere")
    with pytest.raises(ConfigError, match="seed"):
        DashboardModel(seed=-1)


def test_inputs_fail_with_configs_own_messages():
    """Issue 14, 4: the dashboard checks with config's checks, so its messages are the command line's."""
    for path, bad in (
        ("strategy.openness", 1.5),
        ("strategy.openness", "high"),
        ("trust.decay", -1.0),
        ("population.size", 250.5),
    ):
        with pytest.raises(ConfigError) as cli_error:
            check_value(path, bad)
        with pytest.raises(ConfigError) as dashboard_error:
            build_params("south-manchester", {path: bad})
        assert str(dashboard_error.value) == str(cli_error.value), path
    assert build_params("south-manchester", {POPULATION.path: 700.0}).population.size == 700  # whole: accepted
    with pytest.raises(ConfigError, match=r"^seed = 101 is out of range: allowed 0 to 100$"):
        DashboardModel(seed=101)
    with pytest.raises(ConfigError, match=r"^seed = 2\.5 must be a whole number: allowed 0 to 100$"):
        DashboardModel(seed=2.5)
    with pytest.raises(ConfigError, match=r"'partty' is not allowed \(did you mean 'party'\?\): allowed workshop, "):
        small_model(**{"event:partty": False})
    with pytest.raises(ConfigError, match=r"event field 'weak' is not allowed \(did you mean 'week'\?\)"):
        programme.check_event({"name": "x", "type": "party", "weak": 3, "capacity": 5}, 104)


@given(k=st.integers(0, len(LEVERS)), x=st.floats(-2.0, 6000.0, allow_nan=False))
@settings(max_examples=60, deadline=None)
def test_a_lever_accepts_exactly_its_slider_range(k, x):
    lever = (POPULATION, *LEVERS)[k]
    lo, hi = lever.bounds()
    value = round(x) if lever.integer else x
    if lo <= value <= hi:
        assert lever.check(value) == value
    else:
        with pytest.raises(ConfigError, match=rf"^{re.escape(lever.path)} = .* allowed"):
            lever.check(value)


def test_the_dashboards_limits_are_in_one_place_and_documented():
    m = small_model()
    assert m.max_weeks == LIMITS.max_weeks and m.params.run.weeks == LIMITS.max_weeks
    assert POPULATION.bounds() == (LIMITS.min_people, LIMITS.max_people)
    assert LIMITS.max_file_kb * 1024 == programme.MAX_FILE_BYTES
    doc = (Path(__file__).parents[1] / "docs" / "dashboard.md").read_text()
    section = doc.split("## Limits", 1)[1].split("\n## ", 1)[0]
    for f in dataclasses.fields(LIMITS):
        assert re.search(rf"\| `{f.name}` \| {getattr(LIMITS, f.name):,} \|", section), f.name


def test_event_type_switches_filter_the_calendar():
    full = build_params("south-manchester").programme.events
    kept = build_params("south-manchester", event_types=[t for t in EVENT_TYPES if t != "networking"])
    assert {e.type for e in full} - {e.type for e in kept.programme.events} == {"networking"}
    assert len(kept.programme.events) == sum(e.type != "networking" for e in full)
    m = small_model(**{inputs.event_key("party"): False, inputs.event_key("workshop"): True})
    assert "party" not in {e.type for e in m.params.programme.events}
    assert "party" in m.event_types_in_calendar()  # the switch stays on offer
    with pytest.raises(ConfigError, match="unknown event type"):
        small_model(**{"event:picnic": False})


def test_dashboard_model_is_the_model_with_validated_params():
    m = small_model("hybrid", **{"strategy.power_sharing": 0.2})
    ref = LeadershipModel(scenarios.get("hybrid").params({**SMALL, "strategy.power_sharing": 0.2}), seed=3)
    for _ in range(4):
        m.step()
        ref.step()
    assert m.timeseries().equals(ref.timeseries())
    assert m.lever_values()["strategy.power_sharing"] == 0.2
    # Mesa's Reset rebuilds type(model)(**inputs): the inputs are enough to make the same model again
    again = DashboardModel(m.scenario_name, m.seed, **m.inputs)
    assert again.params == m.params


def test_model_stops_at_the_week_limit(monkeypatch):
    monkeypatch.setattr(inputs, "LIMITS", dataclasses.replace(LIMITS, max_weeks=2))
    m = small_model()
    m.step()
    assert m.running
    m.step()
    assert not m.running and m.week == 2


def test_compare_pair_shares_people_and_steps_together():
    pair = ComparePair("south-manchester", "top-down", seed=5, **SMALL)
    np.testing.assert_array_equal(pair.a.people.sector, pair.b.people.sector)
    np.testing.assert_array_equal(pair.a.people.org, pair.b.people.org)
    np.testing.assert_array_equal(pair.a.trust.w, pair.b.trust.w)
    assert pair.a.params.strategy.openness != pair.b.params.strategy.openness
    for _ in range(3):
        pair.step()
    assert pair.week == pair.a.week == pair.b.week == 3


# --------------------------------------------------------------------------
# Network view
# --------------------------------------------------------------------------


def test_layout_is_deterministic_and_clusters_sectors():
    m = small_model(**{POPULATION.path: 2000})
    pos = network.layout_for(m)
    assert pos.shape == (2000, 2) and np.isfinite(pos).all()
    again = sector_layout(m.people.sector, m.people.org, m.people.locality)
    np.testing.assert_array_equal(pos, again)
    # neighbours on the picture are neighbours in the system: same sector, mostly the same organisation
    _, idx = cKDTree(pos).query(pos, k=6)
    assert (m.people.sector[idx[:, 1:]] == m.people.sector[:, None]).mean() > 0.98
    assert (m.people.org[idx[:, 1:]] == m.people.org[:, None]).mean() > 0.75
    # sectors sit on a ring, in the fixed order of SECTORS
    centres = np.array([pos[m.people.sector == s].mean(axis=0) for s in range(N_SECTORS)])
    angles = np.unwrap(np.arctan2(centres[:, 1], centres[:, 0]))
    assert np.all(np.diff(angles) < 0)  # clockwise from the top
    for _ in range(3):
        m.step()
    assert network.layout_for(m) is pos  # computed once per model, stable over weeks


def test_snapshot_draws_working_ties_between_organisations():
    m = small_model(**{POPULATION.path: 600})
    for _ in range(6):
        m.step()
    snap = network.snapshot(m)
    net, people = m.trust, m.people
    sel = (net.w >= m.params.trust.working_threshold) & (people.org[net.i] != people.org[net.j])
    assert len(snap.segments) == sel.sum() > 0
    np.testing.assert_array_equal(snap.cross, people.sector[net.i[sel]] != people.sector[net.j[sel]])
    np.testing.assert_allclose(snap.segments[:, 0], snap.pos[net.i[sel]])
    with_colleagues = network.snapshot(m, colleague_ties=True)
    assert len(with_colleagues.segments) == (net.w >= m.params.trust.working_threshold).sum()


def test_network_figure_encodes_sector_colour_and_mindset_marker():
    m = small_model()
    m.people.mindset[:] = 1
    m.people.mindset[:10] = 3  # ten champions, drawn as stars
    fig = network.draw_network(network.snapshot(m))
    ax = fig.axes[0]
    points = [c for c in ax.collections if c.get_offsets().shape[0] and c.__class__.__name__ == "PathCollection"]
    assert sum(len(c.get_offsets()) for c in points) == m.people.n
    stars = points[-1]
    from matplotlib.colors import to_rgba

    expected = [to_rgba(SECTOR_COLOURS[SECTORS[s]]) for s in m.people.sector[:10]]
    np.testing.assert_allclose(stars.get_facecolors(), expected)
    legend_text = {t.get_text() for leg in fig.legends for t in leg.get_texts()}
    assert set(SECTOR_LABELS.values()) <= legend_text and "champion" in legend_text
    png = network.network_png(m)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------
# Plots and feed
# --------------------------------------------------------------------------


def _colours(obj) -> set[str]:
    """Every colour (``#rrggbb``) in a chart option, a payload or a template, upper case."""
    if isinstance(obj, dict):
        return set().union(*(_colours(v) for v in obj.values())) if obj else set()
    if isinstance(obj, list | tuple):
        return set().union(*(_colours(v) for v in obj)) if obj else set()
    return {c.upper() for c in re.findall(r"#[0-9a-fA-F]{6}\b", obj)} if isinstance(obj, str) else set()


def test_every_dashboard_figure_uses_the_colour_blind_safe_palette():
    """Issue 19, 4: Okabe-Ito colours (and neutral greys) in every figure: plots, localities, the designer's
    timeline, the network (canvas payload, PNG export, legend)."""
    from simulation.analysis.figures import OKABE_ITO

    def safe(c: str) -> bool:
        r, g, b = (c[1:3], c[3:5], c[5:7])
        return c in {x.upper() for x in OKABE_ITO} or r == g == b  # a grey carries no hue

    pair = ComparePair("city-wide-rollout", "city-wide-simultaneous", seed=2, **SMALL)
    pair.step()
    series = [
        ("A", charts.timeseries_frame(pair.a)),
        ("B", charts.timeseries_frame(pair.b)),
        ("C", charts.timeseries_frame(pair.a)),
    ]
    used = {
        "plots": _colours(charts.timeseries_option(series)),
        "localities": _colours(charts.locality_option([("A", pair.a.localities()), ("B", pair.b.localities())])),
        "timeline": _colours(designer.timeline_option(programme.scenario_calendar("south-manchester"), 104, 2)),
        "network": _colours(widgets.network_layout(pair.a))
        | _colours(widgets.NetworkCanvas().template)
        | _colours([network.TIE_GREY, network.CROSS_TIE])
        | _colours(components.LEGEND_HTML),
    }
    assert len(used["plots"]) == 3 and len(used["localities"]) == 3 and len(used["timeline"]) == 2
    assert _colours(list(SECTOR_COLOURS.values())) <= used["network"]
    assert {k: sorted(c for c in v if not safe(c)) for k, v in used.items()} == {k: [] for k in used}


def test_display_frame_is_the_timeseries_for_what_the_pages_show():
    m = small_model()
    for _ in range(5):
        m.step()
    shown = charts.display_frame(m)
    full = charts.timeseries_frame(m)
    pd.testing.assert_frame_equal(shown, full[["week", *charts.SHOWN_METRICS]])
    assert set(wording.SUMMARY_KEYS) <= set(charts.SHOWN_METRICS) and list(shown["week"]) == [0, 1, 2, 3, 4, 5]
    assert charts.display_frame(m) is shown  # built once a week
    m.step()
    assert charts.display_frame(m)["week"].iloc[-1] == 6


def test_timeseries_option_holds_the_model_numbers():
    m = small_model()
    for _ in range(4):
        m.step()
    df = charts.plot_data(m)
    opt = charts.timeseries_option([("run", df)])
    assert len(opt["series"]) == len(charts.PLOT_METRICS)
    for s, name in zip(opt["series"], charts.PLOT_METRICS):
        assert [p[0] for p in s["data"]] == [0, 1, 2, 3, 4]
        scale = 100 if name == "cross_sector_tie_share" else 1  # shares in percent
        np.testing.assert_allclose([p[1] for p in s["data"]], (df[name] * scale).round(4))
    two = charts.timeseries_option([("a", df), ("b", df)])
    assert len(two["series"]) == 2 * len(charts.PLOT_METRICS) and two["legend"]["data"] == ["a", "b"]
    assert two["series"][0]["lineStyle"]["type"] != two["series"][1]["lineStyle"]["type"]  # not colour alone


def test_feed_tells_projects_starting_and_finishing():
    m = small_model(**{POPULATION.path: 500, "projects.idea_rate": 0.5, "projects.base_progress": 0.5})
    for _ in range(20):
        m.step()
    book = m.projects
    assert book.count > 0 and (book.status[: book.count] == COMPLETED).any()
    feed = charts.project_feed(m, limit=1000)
    started = [it for it in feed if it.kind == "started"]
    assert len(started) == book.count
    assert [it.week for it in feed] == sorted((it.week for it in feed), reverse=True)
    k = started[0].project
    theme = m.params.projects.themes[int(book.theme[k])].name
    leader_sector = SECTOR_LABELS[SECTORS[int(book.member_sectors[k][0])]]
    assert started[0].text.startswith(f"Week {int(book.start[k])}: {theme}, {leader_sector}")
    done = next(it for it in feed if it.kind == "completed")
    assert f"Week {int(book.end[done.project])}:" in done.text and "completed" in done.text


# --------------------------------------------------------------------------
# Programme designer logic
# --------------------------------------------------------------------------


def test_programme_edits_are_validated_and_sorted():
    sc = "south-manchester"
    ev = programme.scenario_calendar(sc)[:3]
    ev2 = programme.add_event(ev, {"name": "Picnic", "type": "party", "week": 2, "capacity": 40}, sc)
    assert [e["week"] for e in ev2] == sorted(e["week"] for e in ev2) and len(ev2) == 4
    k = next(i for i, e in enumerate(ev2) if e["name"] == "Picnic")
    moved = programme.move_event(ev2, k, 3, sc)
    assert next(e for e in moved if e["name"] == "Picnic")["week"] == 5
    first = programme.move_event(ev2, 0, -10, sc)
    assert min(e["week"] for e in first) == 1  # clamped to the programme's weeks
    last = programme.end_week(sc)
    late = programme.move_event(ev2, len(ev2) - 1, 10_000, sc)
    assert max(e["week"] for e in late) == last
    assert len(programme.remove_event(ev2, 0)) == 3
    with pytest.raises(ConfigError, match="event type 'picnic' is not allowed"):
        programme.add_event(ev, {"name": "x", "type": "picnic", "week": 2, "capacity": 4}, sc)
    with pytest.raises(ConfigError, match=rf"event week = {last + 1} is out of range"):
        programme.add_event(ev, {"name": "x", "type": "party", "week": last + 1, "capacity": 4}, sc)
    with pytest.raises(ConfigError, match="no event number 9"):
        programme.remove_event(ev, 8)


def test_saved_programme_runs_from_the_command_line(tmp_path, capsys):
    ev = programme.add_event(
        programme.scenario_calendar("top-down")[:2],
        {"name": "Designed cuppa", "type": "networking", "week": 2, "capacity": 25},
        "top-down",
    )
    text = programme.to_toml(ev, "top-down")
    raw = tomllib.loads(text)
    assert raw["scenario"]["extends"] == "top-down"
    assert raw["programme"]["events"] == ev and "[[programme.events]]" in text
    path = tmp_path / "programme.toml"
    path.write_text(text)
    out = tmp_path / "run"
    assert (
        cli_main(
            [
                "run",
                "--config",
                str(path),
                "--weeks",
                "3",
                "--seed",
                "2",
                "--quiet",
                "--out",
                str(out),
                "--set",
                "population.size=300",
            ]
        )
        == 0
    )
    events = (out / "events.csv").read_text()
    assert "Designed cuppa" in events
    loaded = programme.from_toml(path.read_bytes())
    assert loaded.events == ev and loaded.scenario == "top-down" and loaded.ignored == []


def test_loading_a_bad_file_is_one_line_error():
    with pytest.raises(ConfigError, match="not valid TOML"):
        programme.from_toml(b"[[programme.events]\nname=")
    bad = '[[programme.events]]\nname = "x"\ntype = "party"\nweek = 0\ncapacity = 5\n'
    with pytest.raises(ConfigError, match=r"week") as exc:
        programme.from_toml(bad)
    assert "\n" not in str(exc.value)
    with pytest.raises(ConfigError, match=r"no \[\[programme\.events\]\]"):
        programme.from_toml("[strategy]\nopenness = 0.5\n")
    with pytest.raises(ConfigError, match="at most 256 KB"):
        programme.from_toml(b"#" * (programme.MAX_FILE_BYTES + 1))


def test_run_programme_compares_with_the_scenario_calendar_and_can_be_cancelled():
    ev = [{"name": "Only a party", "type": "party", "week": 1, "capacity": 80}]
    run = programme.run_programme(ev, "south-manchester", population=300, weeks=4, seed=1)
    assert list(run.attendance["name"]) == ["Only a party"]
    assert len(run.designed) == len(run.original) == 5
    seen = []
    stopped = programme.run_programme(
        ev, "south-manchester", population=300, weeks=50, seed=1, on_week=seen.append, cancelled=lambda: len(seen) >= 2
    )
    assert stopped is None and seen == [1, 2]
    with pytest.raises(ConfigError, match="weeks = 0"):
        programme.run_programme(ev, "south-manchester", population=300, weeks=0, seed=1)


# --------------------------------------------------------------------------
# Components (solara.render): one SessionState per rendered "browser session"
# --------------------------------------------------------------------------


def render(page, session: sessions.SessionState):
    @solara.component
    def Harness():
        sessions.SESSION.provide(session)
        with solara.AppLayout():
            page()

    return solara.render(Harness(), handle_error=False)


def small_session() -> sessions.SessionState:
    s = sessions.SessionState()
    s.explore.value = small_model()
    s.compare.value = ComparePair(seed=2, **SMALL)
    return s


def has_text(rc, text: str) -> bool:
    """Whether some widget shows exactly ``text`` (the finder matches whole children lists)."""
    return bool(rc.find(children=[text]).widgets)


def click(rc, label: str, times: int = 1):
    btn = rc.find(v.Btn, children=[label])
    btn.assert_single()
    for _ in range(times):
        btn.widget.click()


def slider(rc, label: str):
    """The slider whose label starts with ``label`` (labels end with the slider's value: "Seed: 3")."""
    found = [
        w
        for w in rc.find(v.Slider).widgets
        if str(w.label).split(": ")[0] == label or str(w.label).startswith(label + ": ")
    ]
    assert len(found) == 1, [w.label for w in rc.find(v.Slider).widgets]
    return found[0]


def canvas(rc):
    return rc.find(NetworkCanvas).widget


def test_explore_steps_and_redraws():
    session = small_session()
    _box, rc = render(explore.Explore, session)
    assert has_text(rc, "Week 0")
    resent = []
    canvas(rc).observe(resent.append, "positions")
    frame0 = canvas(rc).frame
    click(rc, "Step", 3)
    model = session.explore.value
    assert model.week == 3 and has_text(rc, "Week 3") and not has_text(rc, "Week 0")
    opt = rc.find(EchartsWidget).widget.option
    people_reached = opt["series"][charts.PLOT_METRICS.index("people_reached")]["data"]
    assert people_reached == [[w, float(v)] for w, v in enumerate(model.timeseries()["people_reached"])]
    # the network: positions sent once per model (the same object), a new small frame each week
    assert resent == [] and canvas(rc).frame != frame0
    assert canvas(rc).frame == widgets.network_frame(model) and canvas(rc).frame["week"] == 3
    rc.close()


def test_network_frame_holds_the_models_state():
    m = small_model()
    for _ in range(6):
        m.step()
    lay, frame = widgets.network_layout(m), widgets.network_frame(m)
    sector = np.frombuffer(base64.b64decode(lay["sector"]), np.uint8)
    np.testing.assert_array_equal(sector, m.people.sector)
    xy = np.frombuffer(base64.b64decode(lay["xy"]), "<u2").reshape(-1, 2)
    assert lay["n"] == len(xy) == m.people.n and xy.min() == 0 and xy.max() == 65535
    np.testing.assert_array_equal(np.frombuffer(base64.b64decode(frame["mindset"]), np.uint8), m.people.mindset)
    conf = np.frombuffer(base64.b64decode(frame["confidence"]), np.uint8) / 255
    np.testing.assert_allclose(conf, m.people.confidence, atol=0.5 / 255 + 1e-12)
    ties = np.frombuffer(base64.b64decode(frame["ties"]), "<u2").reshape(-1, 2)
    snap = network.snapshot(m)  # the PNG export draws the same ties
    assert len(ties) == frame["n_ties"] == len(snap.segments)
    pos = network.layout_for(m)
    np.testing.assert_array_equal(np.stack([pos[ties[:, 0]], pos[ties[:, 1]]], axis=1), snap.segments)


def test_explore_reset_applies_slider_values_and_event_switches():
    session = small_session()
    _box, rc = render(explore.Explore, session)
    click(rc, "Step", 2)
    slider(rc, POPULATION.label).v_model = 400
    slider(rc, "Action plans and monitoring").v_model = 0.6
    rc.find(v.Checkbox, label="Run: The party").widget.v_model = False
    assert has_text(rc, "Changed: press Reset to run with these settings.")
    click(rc, "Reset")
    m = session.explore.value
    assert m.week == 0 and has_text(rc, "Week 0")
    assert m.params.population.size == 400 and m.params.strategy.overhead == 0.6
    assert "party" not in {e.type for e in m.params.programme.events}
    assert rc.find(v.Checkbox, label="Run: The party").widget.v_model is False
    assert slider(rc, "Action plans and monitoring").label == "Action plans and monitoring: 0.6"
    assert not has_text(rc, "Changed: press Reset to run with these settings.")
    rc.close()


def test_reset_keeps_the_chosen_scenario():
    """Issue 15, 1: Reset went back to south-manchester (with or without a moved slider)."""
    session = small_session()
    _box, rc = render(explore.Explore, session)
    rc.find(v.Select, label="Scenario").widget.v_model = "top-down"
    click(rc, "Step", 2)
    click(rc, "Reset")
    m = session.explore.value
    assert m.scenario_name == "top-down" and m.week == 0
    assert rc.find(v.Select, label="Scenario").widget.v_model == "top-down"
    assert m.params.strategy == scenarios.get("top-down").params().strategy
    slider(rc, "Seed (same seed, same people)").v_model = 7
    click(rc, "Reset")
    m = session.explore.value
    assert m.scenario_name == "top-down" and m.seed == 7 and m.params.population.size == SMALL[POPULATION.path]
    assert any(t.startswith(f"{scenarios.get('top-down').title} · 300 people") for t in texts(rc))  # plain title
    rc.close()


def texts(rc) -> list[str]:
    """Every text on the rendered page (strings among the widgets' children, the whole tree)."""
    out, todo, seen = [], [rc.container], set()
    while todo:
        w = todo.pop()
        if id(w) in seen:
            continue
        seen.add(id(w))
        for c in getattr(w, "children", None) or []:
            (out if isinstance(c, str) else todo).append(c)
        for c in getattr(w, "v_slots", None) or []:
            todo.append(c.get("children")) if isinstance(c, dict) and c.get("children") is not None else None
    return out


def test_explore_scenario_select_builds_that_scenario():
    session = small_session()
    _box, rc = render(explore.Explore, session)
    click(rc, "Step")
    rc.find(v.Select, label="Scenario").widget.v_model = "top-down"
    m = session.explore.value
    assert m.scenario_name == "top-down" and m.week == 0
    assert m.params.strategy.overhead == scenarios.get("top-down").params().strategy.overhead
    assert m.params.population.size == SMALL[POPULATION.path]  # the audience's population is kept
    # the sliders now start from top-down's values, and say so
    overhead = m.params.strategy.overhead
    assert slider(rc, "Action plans and monitoring").v_model == overhead
    assert slider(rc, "Action plans and monitoring").label == f"Action plans and monitoring: {overhead:g}"
    rc.close()


def test_play_steps_until_paused_and_a_new_model_stops_it():
    session = small_session()
    _box, rc = render(explore.Explore, session)
    click(rc, "Play")
    deadline = time.time() + 20
    while session.explore.value.week < 2 and time.time() < deadline:
        time.sleep(0.05)
    click(rc, "Pause")
    time.sleep(2 * components.PLAY_INTERVAL_MS / 1000)
    week = session.explore.value.week
    time.sleep(3 * components.PLAY_INTERVAL_MS / 1000)
    assert week >= 2 and session.explore.value.week == week and has_text(rc, f"Week {week}")
    click(rc, "Play")
    rc.find(v.Select, label="Scenario").widget.v_model = "top-down"  # a new model: Play stops
    time.sleep(4 * components.PLAY_INTERVAL_MS / 1000)
    assert session.explore.value.week == 0 and has_text(rc, "Play")
    rc.close()


def test_sessions_do_not_share_models():
    s1, s2 = small_session(), small_session()
    _box1, rc1 = render(explore.Explore, s1)
    _box2, rc2 = render(explore.Explore, s2)
    click(rc1, "Step", 2)
    assert s1.explore.value.week == 2 and s2.explore.value.week == 0
    assert has_text(rc2, "Week 0") and s1.explore.value is not s2.explore.value
    # a page rendered without the layout gets a session of its own, not a shared one
    a, b = sessions.SessionState(), sessions.SessionState()
    assert a.programme is not b.programme and a.presenter is not b.presenter
    rc1.close()
    rc2.close()


def test_compare_steps_both_scenarios_together():
    session = small_session()
    _box, rc = render(compare.Compare, session)
    click(rc, "Step", 2)
    pair = session.compare.value
    assert pair.a.week == pair.b.week == 2 and has_text(rc, "Week 2")
    opt = rc.find(EchartsWidget).widget.option
    assert opt["legend"]["data"] == ["A: south-manchester", "B: top-down"]
    assert len(rc.find(NetworkCanvas).widgets) == 2
    csv = compare.compare_frame(pair)
    assert list(csv["run"].unique()) == ["A", "B"] and len(csv) == 6
    rc.find(v.Select, label="Scenario B (dashed line)").widget.v_model = "no-programme"
    assert session.compare.value is pair  # nothing changes before Reset
    click(rc, "Reset")
    pair = session.compare.value
    assert pair.scenario_b == "no-programme" and pair.week == 0 and pair.scenario_a == "south-manchester"
    assert pair.a.params.population.size == SMALL[POPULATION.path] and pair.seed == 2
    rc.close()


def test_compare_says_who_did_better_with_numbers():
    """Issue 15, 7: a sentence per outcome naming the scenario ahead, with both numbers; shares in percent."""
    s = compare.better_sentence
    assert s("projects_started", "A", 30, "B", 10) == "A started 3.0 times as many projects as B: 30 against 10."
    assert s("projects_started", "A", 10, "B", 12) == "B started 20% more projects than A: 12 against 10."
    assert s("people_reached", "A", 5, "B", 5) == "Both reached the same number of people: 5."
    share = s("cross_sector_tie_share", "A", 0.0112, "B", 0.0234)
    assert share == (
        "B had a higher share of working ties crossing sectors than A: 2.3% against 1.1% (1.2 percentage points more)."
    )
    session = small_session()
    _box, rc = render(compare.Compare, session)
    click(rc, "Step", 4)
    pair = session.compare.value
    a, b = pair.a.timeseries().iloc[-1], pair.b.timeseries().iloc[-1]
    shown = texts(rc)
    assert has_text(rc, "Who did better by week 4")
    for key in wording.SUMMARY_KEYS:
        want = s(
            key, scenarios.get("south-manchester").title, float(a[key]), scenarios.get("top-down").title, float(b[key])
        )  # scenarios are named by their plain titles
        assert want in shown, key
    summary = " ".join(str(w.unsafe_innerHTML) for w in rc.find(solara.widgets.HTML).widgets)
    assert wording.percent(a["cross_sector_tie_share"]) in summary
    assert "Share of working ties that cross sectors" in summary
    rc.close()


def test_presenter_mode_enlarges_plot_text():
    session = small_session()
    _box, rc = render(explore.Explore, session)
    small = rc.find(EchartsWidget).widget.option["title"][0]["textStyle"]["fontSize"]
    session.presenter.value = True
    big = rc.find(EchartsWidget).widget.option["title"][0]["textStyle"]["fontSize"]
    assert big > small
    rc.close()


def test_designer_add_move_remove_and_run():
    session = small_session()
    _box, rc = render(designer.Designer, session)
    n = len(session.programme.value)
    click(rc, "Add event")
    assert len(session.programme.value) == n + 1
    assert any(e["name"] == "Networking gatherings (week 10)" for e in session.programme.value)
    first_week = session.programme.value[0]["week"]
    rc.find(v.Btn, children=["▶"]).widgets[0].click()
    assert session.programme.value[0]["week"] == first_week + 1
    rc.find(v.Btn, children=["✖"]).widgets[0].click()
    assert len(session.programme.value) == n
    rc.find(v.Btn, children=["✎"]).widgets[1].click()  # edit the second event: it fills the form
    edited = session.programme.value[1]
    assert slider(rc, "Week").v_model == edited["week"]
    slider(rc, "Capacity (places)").v_model = 77
    click(rc, "Update selected")
    assert next(e for e in session.programme.value if e["name"] == edited["name"])["capacity"] == 77
    assert len(session.programme.value) == n
    slider(rc, "Weeks").v_model = 3
    slider(rc, POPULATION.label).v_model = 200
    click(rc, "Run")
    deadline = time.time() + 30
    while time.time() < deadline and not has_text(rc, "Result after 3 weeks"):
        time.sleep(0.05)
    assert has_text(rc, "Result after 3 weeks")
    rc.close()


def test_designer_upload_is_all_or_nothing():
    session = sessions.SessionState()
    before = list(session.programme.value)
    with pytest.raises(ConfigError, match="missing"):
        designer.load_programme_file(session, b"[[programme.events]]\ntype='party'\n", "bad.toml")
    assert session.programme.value == before and session.programme_scenario.value == "south-manchester"
    text = programme.to_toml(before[:2], "hybrid")
    note = designer.load_programme_file(session, text.encode(), "two.toml")
    assert session.programme.value == before[:2] and session.programme_scenario.value == "hybrid"
    assert note.startswith("Loaded 2 events from two.toml (base: hybrid)")


def test_about_covers_the_info_tab_sections():
    _box, rc = solara.render(about.About(), handle_error=False)
    text = " ".join(str(w.unsafe_innerHTML) for w in rc.find(solara.widgets.HTML).widgets)
    for heading in ("What it is", "How it works", "How to use it", "Things to notice", "Things to try"):
        assert f">{heading}</h2>" in text
    rc.close()


# --------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------


def test_dashboard_command_binds_loopback_and_warns_for_everyone(monkeypatch, capsys):
    from simulation.dashboard import cli as dcli

    calls = []
    monkeypatch.setattr(dcli, "serve", lambda cmd, env: calls.append((cmd, env)) or 0)
    assert cli_main(["dashboard", "--port", "8999"]) == 0
    cmd, env = calls[-1]
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and cmd[cmd.index("--port") + 1] == "8999"
    assert {"--production", "--no-open", "--no-check-version"} <= set(cmd)
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false" and env["SOLARA_ASSETS_PROXY"] == "true"
    assert "warning" not in capsys.readouterr().err
    assert cli_main(["dashboard", "--host", "0.0.0.0"]) == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "0.0.0.0" in warnings[0]


def test_dashboard_server_uses_an_allocator_that_hands_memory_back(monkeypatch):
    """Issue 15: memory back within 10% after a room's tabs close needs the C allocator (see server_env)."""
    from simulation.dashboard import cli as dcli

    monkeypatch.delenv("PYTHONMALLOC", raising=False)
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    env = dcli.server_env()
    assert env["PYTHONMALLOC"] == "malloc" and env["MALLOC_ARENA_MAX"] == "2"
    assert env["MALLOC_MMAP_THRESHOLD_"] == "65536"
    # a person's own choice wins
    assert dcli.server_env({"PYTHONMALLOC": "pymalloc_debug"})["PYTHONMALLOC"] == "pymalloc_debug"


def _close_sessions(releases, gaps_s: list[float]) -> list[float]:
    """Close sessions ``gaps_s`` apart (a release thread each, as the server starts them); the close times."""
    import threading

    events = [threading.Event() for _ in gaps_s]
    threads = [threading.Thread(target=releases.after, args=(e,)) for e in events]
    for t in threads:
        t.start()
    closed = []
    for e, gap in zip(events, gaps_s):
        time.sleep(gap)
        closed.append(time.monotonic())
        e.set()
    for t in threads:
        t.join(30)
    return closed


def test_a_rooms_closing_tabs_are_released_together_after_the_last_has_closed():
    """Issue 15: collecting as each session closed left memory that collections a few seconds later handed back;
    so a burst of closes is released together, a quiet moment after its last close and once more a little later,
    and a lone close still on its own."""
    from simulation.dashboard.session import _Releases

    done: list[float] = []
    releases = _Releases(release=lambda: done.append(time.monotonic()), quiet_s=1.0, again_s=1.5)
    closed = _close_sessions(releases, [0.0] + [0.02] * 19)  # twenty tabs close together
    assert len(done) == 2 and done[0] >= closed[-1] + 1.0 and done[1] >= closed[-1] + 1.5
    closed = _close_sessions(releases, [0.0])  # then one more, alone
    assert len(done) == 4 and done[2] >= closed[-1] + 1.0 and done[3] >= closed[-1] + 1.5


def test_a_steady_trickle_of_closes_does_not_postpone_the_release_for_ever():
    from simulation.dashboard.session import _Releases

    done: list[float] = []
    releases = _Releases(release=lambda: done.append(time.monotonic()), quiet_s=0.6, again_s=0.6, at_least_every_s=0.6)
    closed = _close_sessions(releases, [0.0] + [0.15] * 14)  # never 0.6 s without a close
    assert len([t for t in done if t < closed[-1]]) >= 2  # released while the closes went on
    assert done[-1] >= closed[-1] + 0.6  # and once more after the last


@pytest.mark.parametrize(
    "args, field",
    [
        (["--port", "0"], "0 is not allowed"),
        (["--port", "70000"], "70000 is not allowed"),
        (["--host", "everyone"], "'everyone' is not allowed"),
    ],
)
def test_dashboard_command_rejects_bad_input(args, field, capsys):
    assert cli_main(["dashboard", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("syslead: error:") and field in err and "\n" not in err


def test_leaving_a_page_stops_play_and_coming_back_shows_no_false_limit():
    """Issue 15, 6: after a tab change the title line said "stopped at the 520-week limit" at week 3."""
    session = small_session()
    _box, rc = render(explore.Explore, session)
    click(rc, "Step", 3)
    click(rc, "Play")
    rc.close()  # the page is left (another tab, or the session ends): Play must end
    time.sleep(3 * components.PLAY_INTERVAL_MS / 1000)
    model = session.explore.value
    week = model.week
    time.sleep(3 * components.PLAY_INTERVAL_MS / 1000)
    assert model.week == week  # nothing steps unseen
    _box, rc = render(explore.Explore, session)
    assert session.explore.value is model and has_text(rc, f"Week {week}")
    assert not any("limit" in t for t in texts(rc))
    click(rc, "Step")
    assert model.week == week + 1
    rc.close()


def test_the_limit_message_shows_only_at_the_limit(monkeypatch):
    monkeypatch.setattr(inputs, "LIMITS", dataclasses.replace(LIMITS, max_weeks=2))
    session = small_session()
    _box, rc = render(explore.Explore, session)
    click(rc, "Step")
    assert not any("limit" in t for t in texts(rc))
    click(rc, "Step")
    assert any(t.endswith("stopped at the 2-week limit") for t in texts(rc))
    assert rc.find(v.Btn, children=["Step"]).widget.disabled
    rc.close()


def test_a_file_chosen_by_click_loads_the_programme():
    """Issue 15, 2: the drop box could not be clicked; the chooser hands the file's text to the page."""
    session = small_session()
    _box, rc = render(designer.Designer, session)
    chooser = rc.find(FileChooser).widget
    text = programme.to_toml(session.programme.value[:3], "top-down")
    chooser.file = {"name": "mine.toml", "size": len(text), "text": text, "count": 1}
    assert len(session.programme.value) == 3 and session.programme_scenario.value == "top-down"
    assert any(t.startswith("Loaded 3 events from mine.toml (base: top-down)") for t in texts(rc))
    chooser.file = {"name": "bad.toml", "size": 5, "text": "[[programme.events]]\ntype='party'\n", "count": 2}
    assert len(session.programme.value) == 3  # all or nothing
    assert any(t.startswith("bad.toml: ") for t in texts(rc))
    rc.close()


def test_leaving_the_designer_cancels_its_run(monkeypatch):
    seen = []
    original = programme.run_programme

    def spy(*args, on_week=None, **kw):
        return original(*args, on_week=lambda w: (seen.append(w), on_week(w)), **kw)

    monkeypatch.setattr(designer, "run_programme", spy)
    session = small_session()
    _box, rc = render(designer.Designer, session)
    slider(rc, "Weeks").v_model = LIMITS.max_weeks
    slider(rc, POPULATION.label).v_model = 1000
    click(rc, "Run")
    deadline = time.time() + 20
    while not seen and time.time() < deadline:
        time.sleep(0.02)
    rc.close()  # leave the page
    time.sleep(0.5)
    n = len(seen)
    time.sleep(0.5)
    assert 0 < n == len(seen) < LIMITS.max_weeks  # stopped, well before the end


# --------------------------------------------------------------------------
# Outcomes by locality
# --------------------------------------------------------------------------


CITY_NAMES = ["South Manchester", "Central Manchester", "North Manchester"]


def test_locality_option_and_table_hold_the_model_numbers():
    m = small_model("city-wide-simultaneous")
    assert m.params.population.localities == 3
    for _ in range(5):
        m.step()
    loc = charts.locality_frame(m)
    opt = charts.locality_option([("run", loc)])
    assert len(opt["series"]) == 3 * len(charts.LOCALITY_PLOT_METRICS)  # a line per locality and outcome
    names = locality_names(m.params)
    assert names == ["South Manchester", "Central Manchester", "North Manchester"]
    opt = charts.locality_option([("run", loc)], names=names)
    assert opt["legend"]["data"] == names
    assert charts.locality_option([("run", loc)])["legend"]["data"] == ["Locality 1", "Locality 2", "Locality 3"]
    for s in opt["series"]:
        k = opt["legend"]["data"].index(s["name"])
        metric = charts.LOCALITY_PLOT_METRICS[s["xAxisIndex"]]
        part = loc[loc["locality"] == k]
        assert s["data"] == [[int(w), round(float(x), 4)] for w, x in zip(part["week"], part[metric])]
    table = charts.locality_table([("run", loc)], names=names)
    assert table["locality"].tolist() == names
    now = m.timeseries().iloc[-1]
    assert table["People reached"].sum() == now["people_reached"]  # localities add up to the total
    assert table["Adopters (practising)"].sum() == now["adopters"] and table["people"].sum() == 300
    assert charts.locality_frame(small_model()) is None  # one locality: nothing to break down


def test_explore_shows_outcomes_by_locality_only_for_several_localities():
    session = small_session()
    _box, rc = render(explore.Explore, session)
    assert not has_text(rc, "By locality") and len(rc.find(EchartsWidget).widgets) == 1
    rc.close()
    session.set_explore(small_model("city-wide-rollout"))
    _box, rc = render(explore.Explore, session)
    click(rc, "Step", 3)
    charts_now = rc.find(EchartsWidget).widgets
    assert len(charts_now) == 2
    by_loc = next(w for w in charts_now if w.option.get("legend", {}).get("data") == CITY_NAMES)
    model = session.explore.value
    loc = model.localities()
    south = next(s for s in by_loc.option["series"] if s["name"] == "South Manchester" and s["xAxisIndex"] == 0)
    assert south["data"] == [[w, float(x)] for w, x in zip(range(4), loc[loc.locality == 0]["people_reached"])]
    assert has_text(rc, "By locality")
    rc.close()


def test_compare_shows_both_runs_by_locality():
    session = sessions.SessionState()
    session.compare.value = ComparePair("city-wide-rollout", "city-wide-simultaneous", seed=2, **SMALL)
    _box, rc = render(compare.Compare, session)
    click(rc, "Step", 2)
    opts = [w.option for w in rc.find(EchartsWidget).widgets]
    by_loc = [o for o in opts if "South Manchester (A)" in o.get("legend", {}).get("data", [])]
    assert len(by_loc) == 1
    assert by_loc[0]["legend"]["data"] == [f"{n} ({r})" for r in "AB" for n in CITY_NAMES]
    dashes = {s["name"]: s["lineStyle"]["type"] for s in by_loc[0]["series"]}
    assert dashes["South Manchester (A)"] != dashes["South Manchester (B)"]  # the runs differ by dash, not colour alone
    rc.close()

"""Delivery cost (issue 19): staff days counted from what the model did, never changing what it does."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation import cost, scenarios
from simulation.cli import main
from simulation.config import EVENT_TYPES, CostParams, FacilitatorDaysParams, iter_specs, make_params
from simulation.mechanisms import projects
from simulation.mechanisms.projects import ACTIVE, sponsor_present
from simulation.metrics import SUMMARY_METRICS, TIMESERIES_METRICS
from simulation.model import LeadershipModel
from simulation.run import run, write_run

SIZE, WEEKS, SEED = 300, 70, 3  # long enough for matching (week 14), monitoring reviews and commissions

# Very different from the defaults, and different for every event type (a type counted as another shows).
ODD_COSTS = {
    **{
        f"cost.facilitator_days.{t}": v
        for t, v in zip(EVENT_TYPES, (3.5, 1.25, 7.0, 0.75, 2.5, 11.0, 0.5, 5.0), strict=True)
    },
    "cost.attendance_hours": 6.5,
    "cost.visit_hours": 0.25,
    "cost.match_hours": 3.0,
    "cost.approval_days": 2.0,
    "cost.review_days": 1.5,
    "cost.commission_days": 4.0,
    "cost.sponsor_hours": 2.5,
    "cost.hours_per_day": 8.0,
    "cost.day_rate": 90_000.0,
}
EXTREME_COSTS = {path: 0.0 for path in ODD_COSTS if path != "cost.hours_per_day"} | {"cost.hours_per_day": 24.0}


def _params(scenario: str, extra: dict | None = None):
    return scenarios.get(scenario).params({"population.size": SIZE, **(extra or {})})


def _run_observed(params, seed=SEED, weeks=WEEKS):
    """Run the model with an observer around the project-progress phase that counts, from the project book
    alone, the monitoring reviews held and the sponsors' backing (the rule of projects.progress_phase, applied
    from outside: a review is due every review_weeks weeks of a project's age and held unless the project
    completed or failed that week; a project stopped at a review was reviewed)."""
    model = LeadershipModel(params, seed=seed)
    seen = {"reviews": 0, "backing": 0.0, "settled_when_due": 0}

    def observed(m):
        book = m.projects
        act = book.active().copy()
        age = m.week - book.start[act]
        projects.progress_phase(m)
        due = (age > 0) & (age % m.params.projects.review_weeks == 0)
        still = (book.status[act] == ACTIVE) | (book.stopped[act] & (book.end[act] == m.week))
        seen["reviews"] += int(np.count_nonzero(due & still))
        seen["settled_when_due"] += int(np.count_nonzero(due & ~still))  # due but not held: completed or failed
        seen["backing"] += float(np.where(sponsor_present(m, act), book.sponsor_level[act], 0.0).sum())

    model.phases = tuple((name, observed if name == "project progress" else fn) for name, fn in model.phases)
    for _ in range(weeks):
        model.step()
    return model, seen


@pytest.fixture(scope="module")
def top_down_runs():
    """top-down (approvals, monitoring, sponsorship, commissioning) at the default costs, odd and zero costs."""
    return {
        name: run(_params("top-down", costs), SEED, WEEKS, scenario="top-down")
        for name, costs in (("default", {}), ("odd", ODD_COSTS), ("zero", EXTREME_COSTS))
    }


def _model_outputs(result) -> dict:
    ts = result.timeseries
    return {
        "timeseries": ts[[c for c in ts.columns if c not in cost.COST_METRICS]],
        "events": result.events,
        "projects": result.projects,
        "summary": {k: v for k, v in result.metrics.items() if k not in cost.COST_METRICS},
    }


def test_cost_parameters_never_change_a_run(top_down_runs, tmp_path):
    base = _model_outputs(top_down_runs["default"])
    for name in ("odd", "zero"):
        other = _model_outputs(top_down_runs[name])
        pd.testing.assert_frame_equal(other["timeseries"], base["timeseries"], check_exact=True)
        pd.testing.assert_frame_equal(other["events"], base["events"], check_exact=True)
        pd.testing.assert_frame_equal(other["projects"], base["projects"], check_exact=True)
        assert other["summary"] == base["summary"]
    # the files are bit-identical too (all but the summary, whose config records the costs)
    for name in ("default", "odd"):
        write_run(top_down_runs[name], tmp_path / name)
    for f in ("events.csv", "projects.csv"):
        assert (tmp_path / "odd" / f).read_bytes() == (tmp_path / "default" / f).read_bytes()
    # ... while the costs themselves did change (the parameters took effect)
    d, o, z = (top_down_runs[k].metrics for k in ("default", "odd", "zero"))
    for m in cost.COST_METRICS:
        assert d[m] > 0 and o[m] > 0 and o[m] != d[m] and z[m] == 0.0


def test_each_component_is_what_the_runs_own_records_give(tmp_path):
    """Every staff-days component equals the count in the run's own files and counters times the parameters."""
    for scenario in ("top-down", "south-manchester"):
        # reviews every 2 weeks: many projects complete or fail in a week a review is due (and so have none)
        params = _params(scenario, {**ODD_COSTS, "projects.review_weeks": 2})
        model, seen = _run_observed(params)
        result = run(params, SEED, WEEKS, keep_model=True)
        write_run(result, tmp_path / scenario)
        events = pd.read_csv(tmp_path / scenario / "events.csv")
        projects_csv = pd.read_csv(tmp_path / scenario / "projects.csv")
        metrics = json.loads((tmp_path / scenario / "summary.json").read_text())["metrics"]
        tally = result.model.tally
        assert seen["reviews"] > 0 and seen["settled_when_due"] > 0 and seen["backing"] > 0
        assert tally["matching_visits"] > tally["matching_repeat_visits"] > 0
        assert set(events["type"]) >= {"workshop", "party", "networking", "gathering"}

        c, hpd, overhead = params.cost, params.cost.hours_per_day, params.strategy.overhead
        held = events["type"].value_counts()
        facilitation = sum(held.get(t, 0) * getattr(c.facilitator_days, t) for t in EVENT_TYPES)
        attendance = (
            events["attendees"].sum() * c.attendance_hours + 2 * tally["matching_visits"] * c.visit_hours
        ) / hpd
        matching = (tally["matching_visits"] - tally["matching_repeat_visits"]) * c.match_hours / hpd
        management = (
            overhead * (len(projects_csv) * c.approval_days + seen["reviews"] * c.review_days)
            + metrics["projects_commissioned"] * c.commission_days
            + seen["backing"] * c.sponsor_hours / hpd
        )
        by_hand = {
            "staff_days_facilitation": facilitation,
            "staff_days_attendance": attendance,
            "staff_days_matching": matching,
            "staff_days_management": management,
        }
        for name, value in by_hand.items():
            assert metrics[name] == pytest.approx(value, rel=1e-12), (scenario, name)
        total = sum(by_hand.values())
        assert metrics["staff_days"] == pytest.approx(total, rel=1e-12)
        assert metrics["delivery_cost_pounds"] == pytest.approx(total * c.day_rate, rel=1e-12)
        # the observed model is the same run (the observer draws nothing)
        assert cost.of_model(model) == {k: metrics[k] for k in cost.COST_METRICS}


def test_doubling_a_facilitator_days_parameter_doubles_exactly_its_component():
    only_workshop = {f"cost.facilitator_days.{t}": 0.0 for t in EVENT_TYPES if t != "workshop"}
    one = run(_params("south-manchester", {**only_workshop, "cost.facilitator_days.workshop": 1.75}), SEED, 30)
    two = run(_params("south-manchester", {**only_workshop, "cost.facilitator_days.workshop": 3.5}), SEED, 30)
    a, b = one.metrics, two.metrics
    assert a["staff_days_facilitation"] == 1.75 * (one.events["type"] == "workshop").sum() > 0
    assert b["staff_days_facilitation"] == 2 * a["staff_days_facilitation"]
    for m in ("staff_days_attendance", "staff_days_matching", "staff_days_management"):
        assert b[m] == a[m]
    assert b["staff_days"] - a["staff_days"] == pytest.approx(a["staff_days_facilitation"], rel=1e-12)


def _num(lo: float, hi: float):
    """Zero or a number from ``lo`` (positive) to ``hi``: no numbers so small that their products underflow, where
    doubling a factor need not double a product exactly."""
    return st.one_of(st.just(0.0), st.floats(max(lo, 1e-6), hi))


_count = st.integers(0, 10_000)
_value = _num(0.0, 100.0)


@st.composite
def _counts(draw):
    visits = draw(_count)
    return cost.Counts(
        events_held={t: draw(_count) for t in EVENT_TYPES},
        attendances=draw(_count),
        visits=visits,
        new_matches=draw(st.integers(0, visits)),
        projects_started=draw(_count),
        reviews_due=draw(_count),
        projects_commissioned=draw(_count),
        sponsor_backing_weeks=draw(_num(0.0, 1e5)),
        overhead=draw(_num(0.0, 1.0)),
    )


@st.composite
def _cost_params(draw):
    fd = FacilitatorDaysParams(**{t: draw(_value) for t in EVENT_TYPES})
    return CostParams(
        facilitator_days=fd,
        attendance_hours=draw(_num(0, 40)),
        visit_hours=draw(_num(0, 40)),
        match_hours=draw(_num(0, 40)),
        approval_days=draw(_value),
        review_days=draw(_value),
        commission_days=draw(_value),
        sponsor_hours=draw(_num(0, 40)),
        hours_per_day=draw(st.floats(1, 24)),
        day_rate=draw(_num(0, 1e5)),
    )


# Which parameters each component is made of: doubling them doubles it and leaves every other one as it was.
_OWN = {
    "facilitation": ("facilitator_days",),
    "attendance": ("attendance_hours", "visit_hours"),
    "matching": ("match_hours",),
    "management": ("approval_days", "review_days", "commission_days", "sponsor_hours"),
}


def _doubled(c: CostParams, names) -> CostParams:
    changes = {}
    for n in names:
        v = getattr(c, n)
        changes[n] = (
            dataclasses.replace(v, **{t: 2 * getattr(v, t) for t in EVENT_TYPES}) if n == "facilitator_days" else 2 * v
        )
    return dataclasses.replace(c, **changes)


@settings(max_examples=200, deadline=None)
@given(_counts(), _cost_params())
def test_each_component_is_linear_in_its_own_parameters_only(counts, params):
    base = cost.staff_days(counts, params)
    assert base["staff_days"] == pytest.approx(sum(base[f"staff_days_{k}"] for k in cost.COMPONENTS))
    assert base["delivery_cost_pounds"] == pytest.approx(base["staff_days"] * params.day_rate)
    for component, names in _OWN.items():
        twice = cost.staff_days(counts, _doubled(params, names))
        for k in cost.COMPONENTS:
            expected = 2 * base[f"staff_days_{k}"] if k == component else base[f"staff_days_{k}"]
            assert twice[f"staff_days_{k}"] == expected, (component, k)
    doubled_rate = cost.staff_days(counts, dataclasses.replace(params, day_rate=2 * params.day_rate))
    assert doubled_rate["delivery_cost_pounds"] == 2 * base["delivery_cost_pounds"]
    assert doubled_rate["staff_days"] == base["staff_days"]
    # one more event of a type costs exactly that type's facilitator days
    for t in EVENT_TYPES:
        more = dataclasses.replace(counts, events_held={**counts.events_held, t: counts.events_held[t] + 1})
        extra = cost.staff_days(more, params)["staff_days_facilitation"] - base["staff_days_facilitation"]
        assert extra == pytest.approx(getattr(params.facilitator_days, t), abs=1e-9)


def test_costs_are_cumulative_in_the_weekly_series_and_deterministic(top_down_runs):
    ts = top_down_runs["default"].timeseries
    assert set(cost.COST_METRICS) <= set(TIMESERIES_METRICS) and set(cost.COST_METRICS) <= set(SUMMARY_METRICS)
    for m in cost.COST_METRICS:
        assert ts[m].iloc[0] == 0.0 and (ts[m].diff().dropna() >= 0).all()
        assert ts[m].iloc[-1] == top_down_runs["default"].metrics[m]
    again = run(_params("top-down"), SEED, WEEKS)
    assert {k: again.metrics[k] for k in cost.COST_METRICS} == {
        k: top_down_runs["default"].metrics[k] for k in cost.COST_METRICS
    }
    pd.testing.assert_frame_equal(again.timeseries, ts, check_exact=True)


def test_no_programme_costs_no_facilitation_of_funded_events_or_matching():
    r = run(_params("no-programme"), SEED, 40, keep_model=True)
    funded = r.events[r.events["type"] != "gathering"]
    assert funded.empty and r.metrics["staff_days_matching"] == 0.0
    assert r.metrics["staff_days_facilitation"] == (
        (r.events["type"] == "gathering").sum() * make_params().cost.facilitator_days.gathering
    )


def test_facilitator_days_cover_every_event_type_and_the_group_is_listed(capsys):
    assert tuple(f.name for f in dataclasses.fields(FacilitatorDaysParams)) == EVENT_TYPES
    cost_specs = [i for i in iter_specs() if i.path.startswith("cost.")]
    assert len(cost_specs) == len(EVENT_TYPES) + 9
    for info in cost_specs:
        assert info.spec.unit and info.spec.source and info.spec.lo is not None and info.spec.hi is not None
        assert info.spec.lo <= info.default <= info.spec.hi
    assert main(["params", "--sources"]) == 0
    out = capsys.readouterr().out
    for info in cost_specs:
        assert info.path in out
    assert "assumption: set it for your system" in out and "pounds per staff day" in out


@pytest.mark.parametrize(
    ("setting", "needles"),
    [
        ("cost.day_rate=-5", ["cost.day_rate = -5", "out of range: allowed 0 to 100000"]),
        ("cost.nope=1", ["unknown parameter 'cost.nope'", "allowed in 'cost':", "day_rate", "facilitator_days.party"]),
        ("cost.facilitator_days.workshop=101", ["cost.facilitator_days.workshop = 101", "allowed 0 to 100"]),
        (
            "cost.facilitator_days.seminar=1",
            [
                "unknown parameter 'cost.facilitator_days.seminar'",
                "allowed in 'cost.facilitator_days': workshop, party",
            ],
        ),
        ("cost.hours_per_day=0", ["cost.hours_per_day = 0", "allowed 1 to 24"]),
        ("cost.match_hours=lots", ["cost.match_hours = 'lots' is not a number"]),
    ],
)
def test_bad_cost_input_stops_with_one_line_and_writes_nothing(tmp_path, capsys, setting, needles):
    for command in (
        ["run", "--weeks", "2"],
        ["compare", "south-manchester", "top-down", "--replicates", "2", "--weeks", "2", "--workers", "1"],
    ):
        out = tmp_path / command[0]
        assert main([*command, "--set", setting, "--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("syslead: error: ") and err.count("\n") == 1, err
        for needle in needles:
            assert needle in err, (needle, err)
        assert not out.exists()


def test_bad_cost_table_in_a_config_file_and_the_real_command(tmp_path):
    cfg = tmp_path / "mine.toml"
    cfg.write_text('[scenario]\nname = "mine"\nextends = "hybrid"\n[cost]\nday_rte = 300\n')
    out = tmp_path / "o"
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    r = subprocess.run(
        [sys.executable, "-m", "simulation", "run", "--config", str(cfg), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "unknown parameter 'cost.day_rte' (did you mean 'day_rate'?)" in r.stderr
    assert "allowed in 'cost':" in r.stderr and not out.exists()

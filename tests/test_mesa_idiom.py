"""The Mesa idiom: parameters as keywords, rng= as Mesa takes it, a horizon, and mesa.batch_run."""

from __future__ import annotations

import numbers

import mesa
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.config import ConfigError, make_params
from simulation.metrics import KEY_METRICS, SUMMARY_METRICS
from simulation.model import LeadershipModel, seed_from
from simulation.run import DEFAULT_WEEKS, run

SMALL = {"population.size": 300}


def outputs(model: LeadershipModel, weeks: int) -> tuple[pd.DataFrame, dict, list]:
    for _ in range(weeks):
        model.step()
    return model.timeseries(), model.summary(), model.event_log


def same(a: LeadershipModel, b: LeadershipModel, weeks: int = 12) -> bool:
    ta, sa, ea = outputs(a, weeks)
    tb, sb, eb = outputs(b, weeks)
    return ta.equals(tb) and sa == sb and ea == eb


def test_keywords_and_rng_give_the_same_run_as_params_and_seed():
    params = make_params(overrides={**SMALL, "strategy.overhead": 0.8, "trust.decay": 0.03})
    ref = LeadershipModel(params, seed=3)
    assert same(ref, LeadershipModel(params=params, rng=3))
    assert same(
        LeadershipModel(params, seed=3),
        LeadershipModel(rng=3, population__size=300, strategy__overhead=0.8, trust__decay=0.03),
    )
    # keywords on top of params; numpy numbers (as a sweep hands them over); a SeedSequence of the same number
    base = make_params(overrides=SMALL)
    assert same(
        LeadershipModel(params, seed=3),
        LeadershipModel(base, rng=np.random.SeedSequence(3), strategy__overhead=np.float64(0.8), trust__decay=0.03),
    )
    # a nested table works as params too; and a different seed is a different run
    assert same(LeadershipModel(params, seed=3), LeadershipModel(params.to_dict(), rng=np.int64(3)))
    assert not same(LeadershipModel(params, seed=3), LeadershipModel(params, rng=4))


def test_a_keyword_reaches_the_parameter_it_names():
    m = LeadershipModel(rng=1, population__size=250, population__shares__vcs=0.3, churn__reorg_weeks=[20, 40])
    assert m.params.population.size == 250 == m.people.n
    assert m.params.population.shares.vcs == 0.3
    assert m.params.churn.reorg_weeks == (20, 40)
    assert m.params.strategy == make_params().strategy  # everything else at its default


def test_no_seed_draws_one_records_it_and_the_run_can_be_repeated():
    a = LeadershipModel(population__size=300)
    b = LeadershipModel(population__size=300)
    assert isinstance(a.seed, int) and 0 <= a.seed < 2**63
    assert a.seed != b.seed
    assert same(a, LeadershipModel(population__size=300, rng=a.seed))


@given(st.integers(0, 2**63 - 1))
def test_seed_from_keeps_whole_numbers_and_unspawned_seed_sequences(n):
    assert seed_from(n) == n == seed_from(np.random.SeedSequence(n)) == seed_from(np.uint64(n))
    child = np.random.SeedSequence(n).spawn(1)[0]
    assert seed_from(child) == seed_from(np.random.SeedSequence(n).spawn(1)[0]) != seed_from(child.spawn(1)[0])
    assert 0 <= seed_from(child) < 2**63
    assert seed_from(np.random.default_rng(n)) == seed_from(np.random.default_rng(n))


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"strategy__overhed": 0.5}, ["strategy__overhed", "strategy__overhead"]),
        ({"size": 300}, ["'size'", "__ for the dots"]),
        ({"strategy__overhead": 1.5}, ["strategy.overhead = 1.5", "0 to 1"]),
        ({"population__size": 300.5}, ["population.size", "whole number"]),
        ({"population__size": 20, "population__leads": 30}, ["population.leads"]),
        ({"rng": -1}, ["rng = -1", "whole number >= 0"]),
        ({"rng": True}, ["rng = True"]),
        ({"rng": "three"}, ["rng = 'three'"]),
        ({"seed": 2.5}, ["seed = 2.5"]),
        ({"rng": 1, "seed": 1}, ["rng and seed"]),
        ({"params": 42}, ["params = int"]),
    ],
)
def test_bad_arguments_are_refused_in_one_line_naming_them(kwargs, words):
    with pytest.raises(ConfigError) as exc:
        LeadershipModel(**kwargs)
    msg = str(exc.value)
    assert "\n" not in msg
    for w in words:
        assert w in msg, (w, msg)


def test_running_turns_false_at_the_horizon_and_nothing_else_changes():
    m = LeadershipModel(rng=2, population__size=200, run__weeks=4)
    for week in range(1, 4):
        m.step()
        assert m.running and m.week == week
    m.step()
    assert not m.running and m.week == 4
    # the horizon only says when to stop: stepping on gives the run of a model without one
    for _ in range(3):
        m.step()
    assert m.week == 7
    ref = LeadershipModel(rng=2, population__size=200)
    ts, summary, events = outputs(ref, 7)
    assert m.timeseries().equals(ts) and m.summary() == summary and m.event_log == events
    # Mesa's own loop stops there
    m2 = LeadershipModel(rng=2, population__size=200, run__weeks=6)
    m2.run_model()
    assert m2.week == 6 and not m2.running


def test_the_default_horizon_is_the_default_run_length():
    assert make_params().run.weeks == DEFAULT_WEEKS == 156


@settings(max_examples=5, deadline=None)
@given(st.integers(1, 8))
def test_batch_run_without_max_steps_stops_at_the_horizon(weeks):
    rows = mesa.batch_run(
        LeadershipModel, parameters={"population__size": 100, "run__weeks": weeks}, rng=[7], display_progress=False
    )
    assert len(rows) == 1 and rows[0]["Step"] == weeks == rows[0]["week"]


def test_batch_run_returns_the_headline_metrics_as_numbers_equal_to_direct_runs():
    rows = mesa.batch_run(
        LeadershipModel,
        parameters={"strategy__overhead": [0.0, 0.8], "population__size": 300},
        rng=[1, 2],
        max_steps=20,
        display_progress=False,
    )
    assert len(rows) == 4
    runs = {(r["strategy__overhead"], r["seed"]) for r in rows}
    assert runs == {(0.0, 1), (0.8, 1), (0.0, 2), (0.8, 2)}
    for row in rows:
        assert all(isinstance(v, numbers.Real) for v in row.values()), row  # flat numbers, no Params object
        assert set(SUMMARY_METRICS) <= set(row) and set(KEY_METRICS) <= set(row)
        assert row["week"] == 20
        direct = run(
            make_params(overrides={"population.size": 300, "strategy.overhead": row["strategy__overhead"]}),
            seed=row["seed"],
            weeks=20,
        )
        assert {m: row[m] for m in SUMMARY_METRICS} == direct.metrics
    low, high = ({m: r[m] for m in SUMMARY_METRICS} for r in rows if r["seed"] == 1)
    assert low != high  # the lever reached the model


def test_batch_run_with_iterations_records_the_seed_each_run_drew():
    with pytest.warns(DeprecationWarning):
        rows = mesa.batch_run(
            LeadershipModel, parameters={"population__size": 150}, iterations=2, max_steps=5, display_progress=False
        )
    seeds = [r["seed"] for r in rows]
    assert len(set(seeds)) == 2 and all(isinstance(s, int) for s in seeds)
    again = run(make_params(overrides={"population.size": 150}), seed=seeds[0], weeks=5)
    assert {m: rows[0][m] for m in SUMMARY_METRICS} == again.metrics

"""The EMA Workbench as an outside client: the model it gets comes from the registries, and runs the model."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from simulation.config import ConfigError, iter_specs, spec_for
from simulation.ema import BUDGETS, HEADLINE_METRICS, context_parameters, dotted, ema_name, levers, make_model
from simulation.metrics import KEY_METRICS
from simulation.model import LeadershipModel

ROOT = Path(__file__).resolve().parents[1]


def example():
    spec = importlib.util.spec_from_file_location("_ema_example", ROOT / "experiments" / "ema_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_levers_are_the_seven_strategy_levers_with_the_registry_ranges():
    model = make_model()
    strategy = [i for i in iter_specs() if i.path.startswith("strategy.")]
    assert len(strategy) == 7
    assert [(dotted(p.name), p.lower_bound, p.upper_bound) for p in model.levers] == [
        (i.path, i.spec.lo, i.spec.hi) for i in strategy
    ]


def test_uncertainties_follow_the_context_rule_with_the_registry_ranges():
    model = make_model()
    names = [dotted(p.name) for p in model.uncertainties]
    assert names == list(context_parameters())
    budget = {p for pair in BUDGETS for p in pair}
    for p in model.uncertainties:
        path = dotted(p.name)
        info = spec_for(path)
        assert path.split(".")[0] not in ("strategy", "programme", "event_types", "metrics", "run")
        assert isinstance(info.default, float) and info.spec.hi <= 1
        expected_hi = 0.5 if path in budget else info.spec.hi
        assert (p.lower_bound, p.upper_bound) == (info.spec.lo, expected_hi), path
    # what the rule leaves out: counts and sizes, switches, lists, definitions
    for path in (
        "population.size",
        "population.leads",
        "network.cross_sector_degree",
        "programme.enabled",
        "churn.reorg_weeks",
        "trust.working_threshold",
        "matching.start_week",
        "event_types.party.awareness",
    ):
        assert path not in names
    for path in ("trust.decay", "senior_support.level", "churn.turnover", "population.shares.vcs"):
        assert path in names


def test_outcomes_are_the_headline_metrics_and_constants_carry_weeks_seed_and_fixed():
    model = make_model(weeks=30, fixed={"population.size": 300, "strategy.overhead": 0.5}, seed=4)
    assert [o.name for o in model.outcomes] == list(HEADLINE_METRICS)
    assert set(KEY_METRICS) < set(HEADLINE_METRICS) and "post_programme_activity" in HEADLINE_METRICS
    constants = {c.name: c.value for c in model.constants}
    assert constants == {"rng": 4, "run__weeks": 30, "population__size": 300, "strategy__overhead": 0.5}
    assert "strategy__overhead" not in [p.name for p in model.levers] and len(model.levers) == 6


def test_a_fixed_share_leaves_the_rest_of_its_budget_to_its_partner():
    model = make_model(fixed={"population.manager_share": 0.9})
    bounds = {p.name: (p.lower_bound, p.upper_bound) for p in model.uncertainties}
    assert "population__manager_share" not in bounds
    assert bounds["population__senior_share"] == pytest.approx((0.0, 0.1))


def test_ranges_add_or_narrow_a_parameter():
    model = make_model(
        ranges={
            "network.cross_sector_degree": (0.05, 1.5),
            "trust.decay": [0.005, 0.04],
            "population.leads": (1, 6),
            "strategy.openness": (0.5, 1.0),
        }
    )
    bounds = {p.name: (p.lower_bound, p.upper_bound) for p in model.uncertainties}
    assert bounds["network__cross_sector_degree"] == (0.05, 1.5) and bounds["trust__decay"] == (0.005, 0.04)
    assert (
        bounds["population__leads"] == (1, 6)
        and type(model.uncertainties["population__leads"]).__name__ == "IntegerParameter"
    )
    assert {p.name: (p.lower_bound, p.upper_bound) for p in model.levers}["strategy__openness"] == (0.5, 1.0)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"fixed": {"population.sise": 300}}, ["population.sise", "population.size"]),
        ({"fixed": {"population.size": 5}}, ["population.size = 5", "10 to"]),
        ({"fixed": {"population.manager_share": 0.8, "population.senior_share": 0.5}}, ["manager_share"]),
        ({"weeks": 0}, ["weeks = 0", "1 to"]),
        ({"seed": -1}, ["seed = -1"]),
        ({"ranges": {"trust.decay": (0.0, 2.0)}}, ["trust.decay = 2.0", "0 to 1"]),
        ({"ranges": {"trust.decay": (0.5, 0.1)}}, ["trust.decay", "low must be below high"]),
        ({"ranges": {"churn.reorg_weeks": (1, 5)}}, ["churn.reorg_weeks", "single number"]),
        ({"ranges": {"population.localities": (1, 64)}, "fixed": {"population.size": 100}}, ["population.leads"]),
        ({"ranges": {"population.size": (100, 200)}, "fixed": {"population.size": 300}}, ["population.size", "fixed"]),
    ],
)
def test_bad_arguments_are_refused_in_one_line(kwargs, words):
    with pytest.raises(ConfigError) as exc:
        make_model(**kwargs)
    msg = str(exc.value)
    assert "\n" not in msg
    for w in words:
        assert w in msg, (w, msg)


def test_example_runs_16_scenarios_by_2_policies_and_every_outcome_is_the_model_s():
    experiments, outcomes = example().run(weeks=8, size=100, seed=3)
    assert len(experiments) == 32
    assert experiments["scenario"].nunique() == 16 and experiments["policy"].nunique() == 2
    assert set(outcomes) == set(HEADLINE_METRICS)
    assert all(len(v) == 32 and np.isfinite(v).all() for v in outcomes.values())
    levers = [c for c in experiments.columns if c.startswith("strategy__")]
    assert len(levers) == 7 and experiments.groupby("policy")[levers].nunique().eq(1).all().all()
    for a, b in BUDGETS:  # every sampled point is a valid model
        assert (experiments[ema_name(a)] + experiments[ema_name(b)] <= 1).all()
    names = [c for c in experiments.columns if "__" in c]
    for i in (0, 17, 31):  # the outcomes are what the model gives for that row's parameters and seed
        row = experiments.iloc[i]
        model = LeadershipModel(rng=3, population__size=100, run__weeks=8, **{n: row[n] for n in names})
        model.run_model()
        assert model.week == 8
        summary = model.summary()
        assert {m: outcomes[m][i] for m in HEADLINE_METRICS} == {m: summary[m] for m in HEADLINE_METRICS}


def test_the_same_call_gives_the_same_experiments_and_outcomes():
    runs = [example().run(weeks=3, size=60, seed=3, scenarios=3, policies=1) for _ in range(2)]
    (exp_a, out_a), (exp_b, out_b) = runs
    names = [c for c in exp_a.columns if "__" in c]  # the parameters (EMA numbers scenarios by a global counter)
    expected = {ema_name(p) for p in {**context_parameters(), **levers()}}  # every uncertainty and lever, once
    assert set(names) == expected and len(names) > 100 and exp_a[names].equals(exp_b[names])
    assert all(np.array_equal(out_a[m], out_b[m]) for m in HEADLINE_METRICS)
    exp_c, _ = example().run(weeks=3, size=60, seed=3, scenarios=3, policies=1, sample_seed=7)
    assert not exp_c[names].equals(exp_a[names])


def test_example_command_writes_results_and_refuses_bad_input(tmp_path, capsys):
    mod = example()
    out = tmp_path / "ema"
    assert mod.main(["--scenarios", "2", "--policies", "1", "--weeks", "3", "--size", "60", "--out", str(out)]) == 0
    from ema_workbench import load_results

    experiments, outcomes = load_results(str(out / "results.tar.gz"))
    assert len(experiments) == 2 and set(outcomes) == set(HEADLINE_METRICS)
    assert (out / "outcomes_by_policy.csv").is_file()
    bad = tmp_path / "bad"
    assert mod.main(["--size", "5", "--out", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("ema_example: error:") and "population.size" in err[-1]
    assert not bad.exists()

"""Issue 12, points 2 and 3: the ABC-SMC calibration (pyabc), posterior files and draws, runs on posterior draws
(the ``draw`` column, the manifest, common random numbers) and the split of uncertainty.

The calibrations here are tiny (100 people, a handful of particles, one process) and fit one fact with bounds
such a small system can meet, so the intact model reaches an acceptable posterior and the broken one (no trust
growth) cannot: the failure is the mechanism's, not the size's.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math

import numpy as np
import pandas as pd
import pytest

from simulation.analysis.stats import split_uncertainty, variance_components
from simulation.config import ConfigError, spec_for
from simulation.sweep import load_experiment, load_results, replicate_seed, run_experiment
from simulation.validation import abc
from simulation.validation.facts import FACT_BY_NAME, FACTS
from simulation.validation.posterior import posterior_draws, read_posterior, weighted_quantile

# ---------------------------------------------------------------- posterior files and draws


def _posterior(path, **cols):
    data = {"trust.contact_gain": [0.2, 0.3, 0.4], "projects.idea_rate": [0.04, 0.05, 0.06], "weight": [1, 2, 0]}
    data.update(cols)
    pd.DataFrame(data).to_parquet(path)
    return path


def test_posterior_draws_resample_by_weight_and_are_fixed_by_the_seed(tmp_path):
    path = _posterior(tmp_path / "p.parquet")
    a = posterior_draws(path, 3000, seed=7)
    assert a == posterior_draws(path, 3000, seed=7)  # deterministic for a seed
    assert a != posterior_draws(path, 3000, seed=8)
    assert all(set(d) == {"trust.contact_gain", "projects.idea_rate"} for d in a)
    gains = np.array([d["trust.contact_gain"] for d in a])
    assert not (gains == 0.4).any()  # weight 0: never drawn
    assert (gains == 0.3).mean() == pytest.approx(2 / 3, abs=0.03)  # weights 1 : 2
    pairs = {(d["trust.contact_gain"], d["projects.idea_rate"]) for d in a}
    assert pairs == {(0.2, 0.04), (0.3, 0.05)}  # whole particles, never mixed
    assert posterior_draws(path, 5, seed=7) == a[:5]  # more draws extend the list: earlier draws stay


@pytest.mark.parametrize(
    "cols,needle",
    [
        ({"weight": [1, -1, 0]}, "weights"),
        ({"no.such": [1, 2, 3]}, "no.such"),
        ({"trust.contact_gain": [0.2, 1.5, 0.4]}, "trust.contact_gain"),
    ],
)
def test_bad_posterior_files_are_refused_in_one_line(tmp_path, cols, needle):
    path = _posterior(tmp_path / "p.parquet", **cols)
    with pytest.raises(ConfigError, match=needle) as exc:
        read_posterior(path)
    assert "\n" not in str(exc.value)
    with pytest.raises(ConfigError, match="does not exist"):
        posterior_draws(tmp_path / "missing.parquet", 2, 1)
    pd.DataFrame({"trust.contact_gain": [0.2]}).to_parquet(tmp_path / "nw.parquet")
    with pytest.raises(ConfigError, match="'weight'"):
        read_posterior(tmp_path / "nw.parquet")


def test_weighted_quantile_matches_repeated_values():
    x, w = np.array([3.0, 1.0, 2.0]), np.array([1.0, 1.0, 2.0])
    repeated = np.array([3.0, 1.0, 2.0, 2.0])
    for q in (0.1, 0.5, 0.9):
        assert weighted_quantile(x, w, q) == pytest.approx(np.quantile(repeated, q, method="hazen"))


# ---------------------------------------------------------------- priors, distance


def test_priors_are_the_plausible_ranges_within_the_registrys_and_fixed_parameters_drop_out():
    from simulation import scenarios

    pri = abc.priors()
    assert list(pri) == list(abc.CALIBRATED) and 6 <= len(pri) <= 10
    own = scenarios.get("south-manchester").params()
    for path, (lo, hi) in pri.items():
        spec = spec_for(path).spec
        if path in abc.PLAUSIBLE:  # a judgement with its reason, inside the valid range and narrower than it
            assert (lo, hi) == abc.PLAUSIBLE[path][:2] and spec.lo <= lo < hi <= spec.hi
            assert hi - lo < spec.hi - spec.lo and len(abc.PLAUSIBLE[path][2]) > 40
        else:
            assert (lo, hi) == (spec.lo, spec.hi)
        section, name = path.split(".")
        assert lo <= getattr(getattr(own, section), name) <= hi  # the scenario's own value is a priori plausible
        assert "_" not in abc.LABELS[path] and "." not in abc.LABELS[path]  # plain labels for readers
    assert set(abc.PLAUSIBLE) <= set(abc.CALIBRATED)
    assert "trust.contact_gain" not in abc.priors(fixed={"trust.contact_gain": 0})
    assert abc.HELD_OUT in FACT_BY_NAME and abc.HELD_OUT not in {f.name for f in abc.fitted_facts()}
    assert {f.name for f in abc.fitted_facts()} == {f.name for f in FACTS if f.weeks <= 156} - {abc.HELD_OUT}


def test_distance_is_zero_inside_every_bound_and_scaled_by_the_widths_outside():
    bounds = {"a": (0.0, 1.0), "b": (10.0, 12.0)}
    assert abc.fact_distance({"a": 0.5, "b": 12.0}, bounds) == 0.0
    assert abc.fact_distance({"a": 2.0, "b": 12.0}, bounds) == pytest.approx(1.0)
    assert abc.fact_distance({"a": 0.5, "b": 6.0}, bounds) == pytest.approx(2.0)
    assert abc.fact_distance({"a": 4.0, "b": 2.0}, bounds) == pytest.approx(math.hypot(3, 4))
    assert abc.fact_distance({"a": float("nan"), "b": 11.0}, bounds) == abc.NAN_MISS
    assert abc.BoundsDistance()({"a": 1.5, "b": 11.0, "c": 99.0}, abc.observed(bounds)) == pytest.approx(0.5)


def test_epsilon_is_the_median_but_steps_below_a_pile_of_particles():
    from simulation.validation import _pyabc

    assert abc._epsilon_rule() == {
        "alpha": _pyabc.ALPHA,
        "min_decrease": _pyabc.MIN_DECREASE,
        "low_alpha": _pyabc.LOW_ALPHA,
    }
    falling = pd.DataFrame({"distance": np.linspace(0.0, 1.0, 101), "w": 1.0})
    eps = _pyabc.Epsilon(previous=2.0)
    eps._update(5, falling)
    assert eps(5) == pytest.approx(0.5, abs=0.01)  # the median: well below the previous 2.0
    pile = pd.DataFrame({"distance": [0.05, 0.1, 0.15, 0.2] + [0.25] * 36, "w": 1.0})  # 90% on a full hall
    eps = _pyabc.Epsilon(previous=0.26)
    eps._update(5, pile)
    assert eps(5) == pytest.approx(0.9 * 0.26)  # the median (0.25) would stall: 10% below the previous one
    near = pd.DataFrame({"distance": [0.2] * 4 + [0.25] * 36, "w": 1.0})
    eps = _pyabc.Epsilon(previous=0.21)
    eps._update(5, near)
    assert 0.9 * 0.21 < eps(5) < 0.25  # never below the 10% quantile: a tenth stays within it
    assert (near.distance <= eps(5)).mean() >= 0.1
    zero = pd.DataFrame({"distance": [0.0] * 30 + [0.3] * 10, "w": 1.0})
    eps = _pyabc.Epsilon(previous=0.31)
    eps._update(5, zero)
    assert eps(5) == 0.0


def test_particle_seed_depends_on_the_values_and_the_seed():
    v = {"a": 0.1, "b": 0.2}
    assert abc.particle_seed(1, v) == abc.particle_seed(1, dict(reversed(list(v.items()))))
    assert abc.particle_seed(1, v) != abc.particle_seed(2, v) != abc.particle_seed(1, {"a": 0.1, "b": 0.2000001})
    assert 0 <= abc.particle_seed(1, v) < 2**63


def test_extra_run_seeds_are_apart_from_the_main_run_and_each_other():
    particle = abc.particle_seed(1, {"a": 0.1})
    seeds = [abc.extra_run_seed(particle, i) for i in range(1, 50)]
    assert len(set(seeds)) == 49 and particle not in seeds
    assert all(0 <= s < 2**63 for s in seeds)
    assert abc.extra_run_seed(particle, 1) == abc.extra_run_seed(particle, 1)
    assert abc.extra_run_seed(particle + 1, 1) != abc.extra_run_seed(particle, 1)


def test_the_noisy_first_workshop_is_the_mean_of_several_runs_per_particle():
    """The first workshop varies by about 12 people from seed to seed against bounds 20 wide: by default each
    particle measures it as the mean of five runs (its own and four one-week runs on seeds of their own); every
    other fact stays the particle's one run, and the setting is part of what defines a calibration."""
    from simulation.run import run
    from simulation.validation.facts import RunView

    default = abc.make_settings()
    assert default.fact_runs == abc.FACT_RUNS == {"first_workshop": 5}
    one = abc.make_settings(fact_runs={"first_workshop": 1})
    assert one.fact_runs == {} and one.fingerprint() != default.fingerprint()
    assert abc.make_settings(facts=["reach_after_party"]).fact_runs == {}  # not fitted: not measured
    settings = abc.make_settings(sets={"population.size": 300}, fact_runs={"first_workshop": 4})
    values = {k: (lo + hi) / 2 for k, (lo, hi) in settings.priors.items()}
    many = settings.simulator()(values)
    single = abc.make_settings(sets={"population.size": 300}, fact_runs={}).simulator()(values)
    assert {k: v for k, v in many.items() if k != "first_workshop"} == {
        k: v for k, v in single.items() if k != "first_workshop"
    }
    params = settings.simulator().params(values)
    seed = abc.particle_seed(settings.seed, values)
    by_hand = [single["first_workshop"]]
    for i in (1, 2, 3):
        r = run(params, abc.extra_run_seed(seed, i), 1, scenario=settings.scenario)
        by_hand.append(
            FACT_BY_NAME["first_workshop"].measure(RunView(r.metrics, r.timeseries.set_index("week"), params))
        )
    assert len(set(by_hand)) > 1  # the runs differ: a mean of one seed four times would not
    assert many["first_workshop"] == pytest.approx(np.mean(by_hand))


def test_bad_calibration_input_is_refused_before_anything_is_written(tmp_path, capsys):
    from simulation.cli import main

    out = tmp_path / "cal"
    for argv, needle in (
        (["--set", "no.such=1"], "no.such"),
        (["--population", "1"], "--population"),
        (["--scenario", "nope"], "nope"),
        (["--min-acceptance", "1.5"], "--min-acceptance"),
        (["--dask", "nowhere"], "--dask"),
        (["--fact-runs", "first_workshop=0"], "--fact-runs"),
        (["--fact-runs", "first_workshop=many"], "--fact-runs"),
        (["--fact-runs", "no_such_fact=3"], "no_such_fact"),
    ):
        assert main(["calibrate", *argv, "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and needle in err[0], err
        assert not out.exists()
    out.mkdir()
    (out / "other.txt").write_text("x")
    assert main(["calibrate", "--out", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err and sorted(p.name for p in out.iterdir()) == ["other.txt"]


# ---------------------------------------------------------------- tiny calibrations

TINY = {"population.size": 100}
TIE_BOUNDS = {"lasting_cross_sector_ties": (1.0, 10_000.0)}  # some lasting cross-sector tie: a tiny system can


def _tiny(sets=None, population=6, parameters=("trust.contact_gain", "population.threshold_mean")):
    return abc.make_settings(
        "south-manchester",
        {**TINY, **(sets or {})},
        population=population,
        seed=5,
        parameters=parameters,
        facts=list(TIE_BOUNDS),
        bounds=TIE_BOUNDS,
    )


@pytest.fixture(scope="module")
def intact(tmp_path_factory):
    out = tmp_path_factory.mktemp("abc") / "intact"
    res = abc.calibrate(_tiny(), out, generations=4, predictive=3, draw=True, log=lambda m: None)
    return out, res


@pytest.mark.slow
def test_the_intact_model_reaches_an_acceptable_posterior_with_its_outputs(intact):
    out, res = intact
    assert res.acceptable and res.generations.epsilon.iloc[-1] == 0
    assert res.generations.epsilon.iloc[0] == math.inf  # generation 0: the prior, every draw accepted
    assert (res.generations.meeting_every_fact.iloc[-1]) == 1.0
    post = pd.read_parquet(out / "posterior.parquet")
    assert list(post.columns) == ["trust.contact_gain", "population.threshold_mean", "weight"]
    assert post.weight.sum() == pytest.approx(1.0) and len(post) == 6
    assert (post["trust.contact_gain"] > 0).all()  # no trust growth, no lasting tie
    table = pd.read_csv(out / "posterior.csv")
    assert list(table.parameter) == ["trust.contact_gain", "population.threshold_mean"]
    assert (table.low_90 <= table["median"]).all() and (table["median"] <= table.high_90).all()
    pred = pd.read_csv(out / "predictive.csv")
    assert set(pred.fact) == {f.name for f in FACTS if f.weeks <= 156}
    assert dict(zip(pred.fact, pred.role))["lasting_cross_sector_ties"] == "fitted"
    assert dict(zip(pred.fact, pred.role))[abc.HELD_OUT] == "held out"
    assert (pred.runs == 3).all() and set(pred.verdict) <= {"ok", "miss"}
    runs, _, manifest = load_results(out / "predictive")  # the predictive runs went through the sweep engine
    assert (
        sorted(runs.draw) == [1, 2, 3]
        and manifest["posterior"]["sha256"] == hashlib.sha256((out / "posterior.parquet").read_bytes()).hexdigest()
    )
    for name in ("generations.csv", "fit.csv", "pairs.png", "predictive.png", "summary.json", "calibration.db"):
        assert (out / name).is_file(), name
    assert not (out / "last_population.parquet").exists()


@pytest.mark.slow
def test_the_broken_model_gets_no_acceptable_posterior(tmp_path):
    """No trust growth (trust.contact_gain = 0): no cross-sector tie ever reaches the working threshold, so no
    particle meets the fact that the intact model meets at once, and epsilon never reaches 0."""
    out = tmp_path / "broken"
    settings = _tiny({"trust.contact_gain": 0.0})
    assert list(settings.priors) == ["population.threshold_mean"]  # the fixed parameter is not calibrated
    res = abc.calibrate(settings, out, generations=3, predictive=3, log=lambda m: None)
    assert not res.acceptable and "no particle met every fitted fact" in res.reason
    g = res.generations
    assert len(g) == 3 and (g.epsilon > 0).all() and (g.meeting_every_fact == 0).all()
    assert (g.best_distance > 0).all()
    assert not (out / "posterior.parquet").exists() and (out / "last_population.parquet").is_file()
    assert json.loads((out / "summary.json").read_text())["acceptable"] is False


@pytest.mark.slow
def test_a_resumed_calibration_equals_one_run_straight_through(intact, tmp_path):
    out, res = intact
    part = tmp_path / "part"
    first = abc.calibrate(_tiny(), part, generations=1, predictive=0, draw=False, log=lambda m: None)
    assert not first.acceptable and len(first.generations) == 1  # stopped by --generations
    again = abc.calibrate(_tiny(), part, generations=4, predictive=0, draw=False, log=lambda m: None)
    assert again.acceptable and again.ran == len(res.generations) - 1
    cols = ["generation", "epsilon", "runs", "particles", "meeting_every_fact", "best_distance"]
    pd.testing.assert_frame_equal(again.generations[cols], res.generations[cols])
    pd.testing.assert_frame_equal(
        pd.read_parquet(part / "posterior.parquet"), pd.read_parquet(out / "posterior.parquet")
    )
    with pytest.raises(ConfigError, match="another calibration"):  # other settings are refused
        abc.calibrate(_tiny(population=7), part, generations=4, predictive=0, log=lambda m: None)


# ---------------------------------------------------------------- runs on posterior draws


def _draw_experiment(path, scenarios=("south-manchester", "top-down"), draws=3, replicates=2, seed=11):
    return {
        "experiment": {
            "name": "draws",
            "weeks": 5,
            "replicates": replicates,
            "seed": seed,
            "scenarios": list(scenarios),
        },
        "set": {"population.size": 150},
        "posterior": {"file": str(path), "draws": draws, "seed": 4},
    }


@pytest.fixture(scope="module")
def draw_sweep(tmp_path_factory):
    base = tmp_path_factory.mktemp("draws")
    path = _posterior(base / "posterior.parquet", weight=[1, 1, 1])
    out = base / "out"
    run_experiment(load_experiment(_draw_experiment(path)), out, workers=2, progress=False)
    return path, out


def test_runs_on_posterior_draws_carry_the_draw_and_the_manifest_says_where_they_came_from(draw_sweep):
    path, out = draw_sweep
    runs, _, manifest = load_results(out)
    assert list(runs.columns[:6]) == [
        "run_id",
        "scenario",
        "trust.contact_gain",
        "projects.idea_rate",
        "draw",
        "replicate",
    ]
    assert runs.draw.dtype.kind == "i"
    draws = posterior_draws(path, 3, 4)
    for sc in ("south-manchester", "top-down"):
        part = runs[runs.scenario == sc].sort_values(["draw", "replicate"])
        assert list(part.draw) == [1, 1, 2, 2, 3, 3] and list(part.replicate) == [0, 1] * 3
        for k in (1, 2, 3):  # each draw's parameter values are the k-th posterior draw
            row = part[part.draw == k].iloc[0]
            assert row["trust.contact_gain"] == draws[k - 1]["trust.contact_gain"]
            assert row["projects.idea_rate"] == draws[k - 1]["projects.idea_rate"]
    # common random numbers: the same (draw, replicate) has the same seed in every scenario; each pair its own
    seeds = runs.pivot_table(index=["draw", "replicate"], columns="scenario", values="seed")
    assert (seeds["south-manchester"] == seeds["top-down"]).all() and seeds["top-down"].nunique() == 6
    assert seeds.loc[(2, 1), "top-down"] == replicate_seed(11, 1, 2)
    post = manifest["posterior"]
    assert post["n"] == 3 and post["seed"] == 4 and post["file"] == str(path.resolve())
    assert post["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert post["parameters"] == ["trust.contact_gain", "projects.idea_rate"]
    assert "draw" in manifest["swept"] and {r["draw"] for r in manifest["runs"]} == {1, 2, 3}


def test_the_same_seeds_give_the_same_runs_in_a_pool_of_one_and_of_two(draw_sweep, tmp_path):
    path, out = draw_sweep
    run_experiment(load_experiment(_draw_experiment(path)), tmp_path / "one", workers=1, progress=False)
    a = load_results(out)[0].drop(columns="wall_seconds")
    b = load_results(tmp_path / "one")[0].drop(columns="wall_seconds")
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.slow
def test_runs_on_posterior_draws_are_the_same_on_dask(draw_sweep, tmp_path):
    path, out = draw_sweep
    run_experiment(load_experiment(_draw_experiment(path)), tmp_path / "dask", dask="local", workers=2, progress=False)
    a = load_results(out)[0].drop(columns="wall_seconds")
    b = load_results(tmp_path / "dask")[0].drop(columns="wall_seconds")
    pd.testing.assert_frame_equal(a, b)


def test_another_posterior_file_is_another_experiment(draw_sweep, tmp_path):
    path, out = draw_sweep
    other = _posterior(tmp_path / "other.parquet", weight=[1, 1, 2])
    exp = load_experiment(_draw_experiment(other))
    assert exp.fingerprint() != load_experiment(_draw_experiment(path)).fingerprint()
    with pytest.raises(ConfigError, match="another experiment"):
        run_experiment(exp, out, workers=1, progress=False)


@pytest.mark.parametrize(
    "posterior,needle",
    [
        ({"draws": 2, "colour": 1}, "posterior.colour"),
        ({"file": "FILE"}, "posterior.draws"),
        ({"file": "missing.parquet", "draws": 2}, "does not exist"),
        ({"file": "FILE", "draws": 0}, "posterior.draws"),
    ],
)
def test_bad_posterior_tables_are_refused_in_one_line(tmp_path, posterior, needle):
    path = _posterior(tmp_path / "p.parquet")
    data = _draw_experiment(path)
    data["posterior"] = {k: (str(path) if v == "FILE" else v) for k, v in posterior.items()}
    with pytest.raises(ConfigError, match=needle) as exc:
        load_experiment(data)
    assert "\n" not in str(exc.value)
    data = _draw_experiment(path)
    data["set"]["trust.contact_gain"] = 0.1
    with pytest.raises(ConfigError, match="calibrated parameter"):
        load_experiment(data)


def test_compare_takes_a_posterior_and_refuses_draws_without_one(tmp_path, capsys):
    from simulation.analysis.compare import compare
    from simulation.cli import main

    path = _posterior(tmp_path / "p.parquet")
    res = compare(
        ["south-manchester", "top-down"],
        2,
        4,
        tmp_path / "cmp",
        sets={"population.size": 120},
        posterior=str(path),
        draws=2,
        progress=False,
        write_report=False,
    )
    runs, _, manifest = load_results(tmp_path / "cmp")
    assert res.draws == 2 and sorted(set(runs.draw)) == [1, 2] and len(runs) == 2 * 2 * 2
    assert manifest["posterior"]["n"] == 2
    assert main(["compare", "south-manchester", "top-down", "--draws", "3", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--posterior" in err[0] and not (tmp_path / "x").exists()


# ---------------------------------------------------------------- the split of uncertainty


def _synthetic(k=400, r=4, sd_between=2.0, sd_within=1.0, effect=3.0, seed=0):
    """Paired runs where the difference a - b = effect + u_draw + e_run, u ~ N(0, sd_between), e ~ N(0, sd_within)."""
    rng = np.random.default_rng(seed)
    draw = np.repeat(np.arange(1, k + 1), r)
    rep = np.tile(np.arange(r), k)
    b = 50 + rng.normal(0, 5, k * r)
    d = effect + np.repeat(rng.normal(0, sd_between, k), r) + rng.normal(0, sd_within, k * r)
    rows = [
        pd.DataFrame({"scenario": "b", "draw": draw, "replicate": rep, "projects_started": b}),
        pd.DataFrame({"scenario": "a", "draw": draw, "replicate": rep, "projects_started": b + d}),
    ]
    return pd.concat(rows, ignore_index=True)


def test_split_uncertainty_recovers_known_shares_and_interval():
    s = split_uncertainty(_synthetic(), "projects_started", "a", "b")
    assert s["parameter_share"] == pytest.approx(0.8, abs=0.04)  # 4 / (4 + 1)
    assert s["noise_share"] == pytest.approx(1 - s["parameter_share"])
    assert s["between_variance"] == pytest.approx(4.0, rel=0.15) and s["within_variance"] == pytest.approx(1.0, rel=0.1)
    half = 1.96 * math.sqrt(5.0)
    assert s["difference"] == pytest.approx(3.0, abs=0.3)
    assert s["diff_low"] == pytest.approx(3.0 - half, abs=0.5) and s["diff_high"] == pytest.approx(3.0 + half, abs=0.5)
    assert s["ratio"] == pytest.approx(53 / 50, abs=0.01) and s["ratio_low"] < s["ratio"] < s["ratio_high"]
    assert s["n_draws"] == 400 and s["replicates"] == 4 and s["n_pairs"] == 1600


@pytest.mark.parametrize("sd_between,sd_within,r", [(1.0, 2.0, 2), (2.0, 1.0, 3), (1.0, 1.0, 5)])
def test_parameter_share_is_unbiased_when_noise_is_large_and_replicates_few(sd_between, sd_within, r):
    """The draw means carry the noise's variance / r too: it must not be counted as the parameters'."""
    s = split_uncertainty(
        _synthetic(k=1500, r=r, sd_between=sd_between, sd_within=sd_within, seed=r), "projects_started", "a", "b"
    )
    truth = sd_between**2 / (sd_between**2 + sd_within**2)
    assert s["parameter_share"] == pytest.approx(truth, abs=0.04)


def test_split_uncertainty_limits_no_noise_no_parameter_effect_one_draw():
    assert split_uncertainty(_synthetic(sd_within=0.0), "projects_started", "a", "b")["parameter_share"] == 1.0
    assert split_uncertainty(_synthetic(sd_between=0.0), "projects_started", "a", "b")["parameter_share"] < 0.05
    one = _synthetic(k=1, r=30)
    s = split_uncertainty(one, "projects_started", "a", "b")
    assert s["parameter_share"] == 0.0 and s["noise_share"] == 1.0 and s["n_draws"] == 1
    no_draw = one.drop(columns="draw")  # a folder from before the draw column: the point estimate
    assert split_uncertainty(no_draw, "projects_started", "a", "b")["difference"] == pytest.approx(s["difference"])


def test_variance_components_on_unbalanced_groups():
    rng = np.random.default_rng(3)
    sizes = rng.integers(2, 7, 600)
    groups = np.repeat(np.arange(600), sizes)
    values = np.repeat(rng.normal(0, 1.5, 600), sizes) + rng.normal(0, 0.5, sizes.sum())
    between, within = variance_components(values, groups)
    assert between == pytest.approx(2.25, rel=0.15) and within == pytest.approx(0.25, rel=0.1)
    assert math.isnan(variance_components([1.0, 2.0], [0, 1])[1])  # one value a group: no within-group variance


def test_the_main_job_sets_aside_a_folder_of_another_version_of_the_experiment(draw_sweep, tmp_path):
    """E.g. results/strategy_comparison from before the main job ran on posterior draws."""
    import shutil

    from simulation.analysis.compare import _set_aside_if_stale

    path, out = draw_sweep
    same = tmp_path / "same"
    shutil.copytree(out, same)
    exp = load_experiment(_draw_experiment(path))
    notes = []
    _set_aside_if_stale(same, notes.append, exp)
    assert same.is_dir() and not notes  # the same experiment: kept (and resumed)
    other = load_experiment(_draw_experiment(path, draws=4))
    _set_aside_if_stale(same, notes.append, other)
    assert not same.exists() and (tmp_path / "same.previous" / "runs.parquet").is_file()
    assert len(notes) == 1 and "another version of the experiment" in notes[0]


def _particle(accepted: bool):
    import pyabc

    return pyabc.Particle(
        m=0, parameter=pyabc.Parameter(x=1.0), weight=1.0, sum_stat={}, distance=1.0, accepted=accepted
    )


@pytest.mark.parametrize("accept_share, ok", [(0.0, False), (0.5, True)])
def test_the_dask_sampler_stops_a_generation_at_its_budget_of_runs(accept_share, ok):
    # pyabc's own Dask sampler ignores max_eval, so a model that never comes within epsilon ran for ever on Dask.
    # (Each job unpickles its own copy of simulate_one, so acceptance is drawn, not counted: with half accepted,
    # 4 of at most 40 runs fail to come with chance about 1e-8.)
    import logging

    import numpy as np
    from dask.distributed import Client, LocalCluster

    from simulation.validation._pyabc import bounded_dask_sampler

    def simulate_one():
        return _particle(bool(np.random.random() < accept_share))

    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None, silence_logs=logging.ERROR
        ) as cluster,
        Client(cluster) as client,
    ):
        sampler = bounded_dask_sampler(client)
        sample = sampler.sample_until_n_accepted(4, simulate_one, 0, max_eval=40)
    assert sample.ok is ok
    if ok:
        assert sample.n_accepted == 4 and sampler.nr_evaluations_ <= 40
    else:
        assert sample.n_accepted == 0 and sampler.nr_evaluations_ == 40


@pytest.mark.slow
def test_a_generation_stopped_by_the_acceptance_rate_names_its_own_epsilon(tmp_path):
    """A generation that accepts too few runs is not in the database: the reason names the epsilon it ran at
    (the weighted median of the generation before), not the last finished generation's (here infinite)."""
    import pyabc

    from simulation.validation._pyabc import ALPHA

    out = tmp_path / "strict"
    narrow = {"lasting_cross_sector_ties": (40.0, 41.0)}  # hard to meet: the distances of generation 0 spread
    strict = dataclasses.replace(_tiny(), fact_bounds=narrow, min_acceptance=0.9)
    res = abc.calibrate(strict, out, generations=4, predictive=0, draw=False, log=lambda m: None)
    assert not res.acceptable and "generation 1 stopped" in res.reason and len(res.generations) == 1
    h = pyabc.History(f"sqlite:///{out / abc.DB}", _id=1)
    wd = h.get_weighted_distances(t=0)
    eps1 = pyabc.weighted_statistics.weighted_quantile(
        points=wd.distance.to_numpy(float), weights=(wd.w / wd.w.sum()).to_numpy(float), alpha=ALPHA
    )
    assert 0 < eps1 < math.inf and f"within epsilon {eps1:.3g} of the facts" in res.reason
    summary = json.loads((out / "summary.json").read_text())  # the stopped generation's time is counted apart
    assert summary["seconds"] == pytest.approx(res.generations.seconds.sum(), abs=1e-6)
    assert summary["seconds_in_stopped_generation"] == round(res.stopped_seconds, 1) and res.stopped_seconds > 0


def test_the_packaged_posterior_is_a_calibration_of_the_calibrated_parameters_and_the_main_job_uses_it():
    from pathlib import Path

    from simulation.validation.posterior import packaged_posterior

    post = read_posterior(packaged_posterior())
    assert list(post.columns) == [*abc.CALIBRATED, "weight"] and len(post) >= 20
    for path, (lo, hi) in abc.priors().items():  # every particle inside its prior
        assert post[path].between(lo, hi).all(), path
    main = load_experiment(Path(__file__).resolve().parents[1] / "experiments" / "strategy_comparison.toml")
    assert main.posterior is not None and main.posterior.file == "packaged" and main.posterior.draws >= 20
    assert main.replicates >= 2  # paired replicates per draw: the spread splits into settings and chance
    assert main.posterior.path == packaged_posterior().resolve()

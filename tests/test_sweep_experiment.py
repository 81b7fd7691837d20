"""Experiment files and run plans: validation before anything runs, designs, paired seeds, stable run ids."""

from __future__ import annotations

import dataclasses
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulation.cli import main
from simulation.config import ConfigError
from simulation.sweep import Experiment, load_experiment, make_plan, replicate_seed

HEAD = '[experiment]\nname = "x"\nweeks = 5\nscenarios = ["south-manchester"]\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(text)
    return path


# (experiment file text, words the one-line error must contain)
BAD = {
    "unknown table": (HEAD + "[grids]\na = 1\n", ["[grids]", "grid"]),
    "unknown experiment key": ('[experiment]\nname = "x"\nreplicate = 3\n', ["experiment.replicate", "replicates"]),
    "missing experiment table": ('[grid]\n"population.size" = [200]\n', ["[experiment]"]),
    "missing name": ("[experiment]\nweeks = 3\n", ["experiment.name"]),
    "empty name": ('[experiment]\nname = ""\n', ["experiment.name"]),
    "empty scenarios": ('[experiment]\nname = "x"\nscenarios = []\n', ["experiment.scenarios", "empty"]),
    "scenarios not a list": ('[experiment]\nname = "x"\nscenarios = "top-down"\n', ["experiment.scenarios"]),
    "unknown scenario": ('[experiment]\nname = "x"\nscenarios = ["top-dwn"]\n', ["top-dwn", "top-down"]),
    "missing scenario file": (
        '[experiment]\nname = "x"\nscenarios = ["nope/missing.toml"]\n',
        ["nope/missing.toml", "does not exist"],
    ),
    "scenario twice": ('[experiment]\nname = "x"\nscenarios = ["top-down", "top-down"]\n', ["top-down", "twice"]),
    "replicates zero": ('[experiment]\nname = "x"\nreplicates = 0\n', ["experiment.replicates", "1 to"]),
    "replicates text": ('[experiment]\nname = "x"\nreplicates = "3"\n', ["experiment.replicates", "whole number"]),
    "replicates fractional": ('[experiment]\nname = "x"\nreplicates = 2.5\n', ["experiment.replicates"]),
    "weeks negative": ('[experiment]\nname = "x"\nweeks = -1\n', ["experiment.weeks"]),
    "seed negative": ('[experiment]\nname = "x"\nseed = -4\n', ["experiment.seed"]),
    "set misspelt": (HEAD + '[set]\n"trust.decy" = 0.1\n', ["trust.decy", "trust.decay"]),
    "set out of range": (HEAD + '[set]\n"trust.decay" = 7\n', ["trust.decay", "0 to 1"]),
    "grid empty": (HEAD + '[grid]\n"population.size" = []\n', ["population.size", "empty"]),
    "grid misspelt": (HEAD + '[grid]\n"population.sise" = [100]\n', ["population.sise", "population.size"]),
    "grid not a list": (HEAD + '[grid]\n"population.size" = 100\n', ["population.size", "list"]),
    "grid out of range": (HEAD + '[grid]\n"population.size" = [5, 100]\n', ["population.size = 5", "10 to"]),
    "grid duplicate": (HEAD + '[grid]\n"population.size" = [100, 100.0]\n', ["population.size", "twice"]),
    "grid and set": (
        HEAD + '[set]\n"population.size" = 300\n[grid]\n"population.size" = [100, 200]\n',
        ["population.size", "[set]"],
    ),
    "grid list parameter": (HEAD + '[grid]\n"population.lead_sectors" = [["vcs"]]\n', ["population.lead_sectors"]),
    "grid bad combination": (
        HEAD + '[grid]\n"population.size" = [10, 400]\n"population.leads" = [4, 20]\n',
        ["population.leads", "population.size"],
    ),
    "sample method": (
        HEAD + '[sample]\nmethod = "lhc"\nn = 4\n"strategy.openness" = [0, 1]\n',
        ["sample.method", "lhs, sobol, morris"],
    ),
    "sample n zero": (HEAD + '[sample]\nmethod = "lhs"\nn = 0\n"strategy.openness" = [0, 1]\n', ["sample.n"]),
    "sample no method": (HEAD + '[sample]\nn = 4\n"strategy.openness" = [0, 1]\n', ["method"]),
    "sample no n": (HEAD + '[sample]\nmethod = "lhs"\n"strategy.openness" = [0, 1]\n', ["'n'"]),
    "sample reversed range": (
        HEAD + '[sample]\nmethod = "lhs"\nn = 4\n"strategy.openness" = [1, 0]\n',
        ["strategy.openness", "low must be below high"],
    ),
    "sample range out of bounds": (
        HEAD + '[sample]\nmethod = "sobol"\nn = 4\n"strategy.openness" = [0, 2]\n',
        ["strategy.openness", "0 to 1"],
    ),
    "sample range not a pair": (
        HEAD + '[sample]\nmethod = "lhs"\nn = 4\n"strategy.openness" = [0]\n',
        ["strategy.openness", "[low, high]"],
    ),
    "sample misspelt": (
        HEAD + '[sample]\nmethod = "morris"\nn = 4\n"strategy.opennes" = [0, 1]\n',
        ["strategy.opennes", "strategy.openness"],
    ),
    "sample no parameter": (HEAD + '[sample]\nmethod = "lhs"\nn = 4\n', ["[sample]", "no parameter"]),
    "sample not numeric": (
        HEAD + '[sample]\nmethod = "lhs"\nn = 4\n"programme.enabled" = [0, 1]\n',
        ["programme.enabled", "numeric"],
    ),
    "sample and grid": (
        HEAD + '[grid]\n"strategy.openness" = [0.5]\n[sample]\nmethod = "lhs"\nn = 2\n"strategy.openness" = [0, 1]\n',
        ["strategy.openness", "[grid]"],
    ),
    "not TOML": ("[experiment\nname =", ["not valid TOML"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_experiment_is_refused_in_one_line_before_anything_is_written(case, tmp_path, capsys):
    text, words = BAD[case]
    out = tmp_path / "out"
    rc = main(["sweep", str(write(tmp_path, text)), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("syslead: error: "), err
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert not out.exists()


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--workers", "0"], ["--workers", "0"]),
        (["--dask", "sometimes"], ["--dask", "local"]),
        (["--dask", "tcp://127.0.0.1:1", "--workers", "2"], ["--workers"]),
    ],
)
def test_bad_engine_options_are_refused(extra, words, tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["sweep", str(write(tmp_path, HEAD)), "--out", str(out), "--quiet", *extra])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1
    assert all(w in err for w in words), err
    assert not out.exists()


def test_unreachable_scheduler_is_refused_and_nothing_written(tmp_path, capsys):
    import socket

    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "out"
    rc = main(["sweep", str(write(tmp_path, HEAD)), "--out", str(out), "--quiet", "--dask", f"tcp://127.0.0.1:{port}"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "cannot reach" in err and str(port) in err
    assert not out.exists()


def test_real_command_exits_2_with_one_line(tmp_path):
    exe = Path(sys.executable).parent / "syslead"
    out = tmp_path / "out"
    proc = subprocess.run(
        [str(exe), "sweep", str(write(tmp_path, HEAD + '[grid]\n"population.sise" = [1]\n')), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "population.sise" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_programmatic_experiment_equals_the_file_and_round_trips(tmp_path):
    text = (
        HEAD.replace("weeks = 5", "weeks = 5\nreplicates = 2\nseed = 9")
        + '[set]\n"population.size" = 300\n[grid]\n"programme.end_week" = [4, 8]\n'
    )
    from_file = load_experiment(write(tmp_path, text))
    built = Experiment(
        "x",
        weeks=5,
        replicates=2,
        seed=9,
        scenarios=["south-manchester"],
        set={"population": {"size": 300}},
        grid={"programme.end_week": [4.0, 8]},
    )
    assert built == from_file
    assert built.fingerprint() == from_file.fingerprint()
    assert load_experiment(built.to_dict()) == built
    assert built.n_runs() == 4 and built.swept == ["programme.end_week"]
    assert built.grid["programme.end_week"] == (4, 8)  # whole-number parameter: 4.0 -> 4


def test_scenario_paths_resolve_next_to_the_experiment_file(tmp_path):
    (tmp_path / "mine.toml").write_text('[scenario]\nname = "mine"\nextends = "top-down"\n[strategy]\nopenness = 0.5\n')
    exp = load_experiment(write(tmp_path, '[experiment]\nname = "x"\nscenarios = ["mine.toml", "hybrid"]\n'))
    assert list(exp.resolved_scenarios) == ["mine", "hybrid"]
    assert exp.resolved_scenarios["mine"].params().strategy.openness == 0.5
    assert exp.resolved_scenarios["mine"].params().strategy.overhead == 0.8  # from top-down
    assert exp.scenario_files["mine"] == str((tmp_path / "mine.toml").resolve())


def test_seeds_are_paired_across_scenarios_and_points():
    exp = Experiment(
        "p",
        weeks=3,
        replicates=4,
        seed=2024,
        scenarios=("south-manchester", "top-down"),
        grid={"population.size": [200, 400], "strategy.openness": [0.2, 0.8]},
    )
    plan = make_plan(exp)
    assert len(plan) == 2 * 4 * 4
    expected = [int(np.random.SeedSequence(2024, spawn_key=(r,)).generate_state(1)[0]) for r in range(4)]
    assert [replicate_seed(2024, r) for r in range(4)] == expected
    for run in plan:
        assert run.seed == expected[run.replicate]
    assert len(set(expected)) == 4
    assert replicate_seed(2025, 0) != expected[0]


def test_run_ids_are_stable_unique_and_survive_more_replicates():
    exp = Experiment(
        "p",
        weeks=3,
        replicates=2,
        seed=1,
        scenarios=("south-manchester", "top-down"),
        grid={"population.size": [200, 400]},
    )
    ids = [r.run_id for r in make_plan(exp)]
    assert len(set(ids)) == len(ids) == 8
    more = make_plan(dataclasses.replace(exp, replicates=5))
    assert [r.run_id for r in more if r.replicate < 2] == ids  # same ids, same order within the old ones
    assert ids == [r.run_id for r in make_plan(exp)]
    # the id names the scenario, the parameter values and the replicate, not the experiment seed or name
    other = Experiment(
        "q",
        weeks=3,
        replicates=2,
        seed=99,
        scenarios=("south-manchester", "top-down"),
        grid={"population.size": [200, 400]},
    )
    assert [r.run_id for r in make_plan(other)] == ids


@pytest.mark.parametrize("method, size", [("lhs", 6), ("sobol", 6 * (2 * 2 + 2)), ("morris", 6 * (2 + 1))])
def test_sample_designs(method, size):
    exp = Experiment(
        "s",
        weeks=3,
        seed=5,
        set={"population.size": 300},
        sample={"method": method, "n": 6, "strategy.openness": [0.2, 0.6], "population.leads": [1, 9]},
    )
    pts = exp.points()
    assert len(pts) == size == exp.n_points()
    x = np.array([p["strategy.openness"] for p in pts])
    assert x.min() >= 0.2 and x.max() <= 0.6 and len(set(x)) > 1
    assert all(isinstance(p["population.leads"], int) and 1 <= p["population.leads"] <= 9 for p in pts)
    assert exp.points() == pts  # deterministic for the experiment seed
    assert dataclasses.replace(exp, seed=6).points() != pts
    if method == "lhs":  # a Latin hypercube: one point in each of the n strata of every range
        strata = np.floor((x - 0.2) / 0.4 * 6).astype(int)
        assert sorted(strata) == list(range(6))
    if method == "morris":  # each trajectory moves one parameter at a time
        for t in range(6):
            traj = pts[t * 3 : (t + 1) * 3]
            for a, b in itertools.pairwise(traj):
                assert sum(a[k] != b[k] for k in a) == 1


def test_grid_crossed_with_sample_and_run_ids_of_equal_sample_points_differ():
    exp = Experiment(
        "s",
        weeks=3,
        replicates=1,
        seed=5,
        set={"population.size": 300},
        grid={"programme.end_week": [4, 8]},
        sample={"method": "lhs", "n": 3, "population.leads": [2, 3]},
    )
    pts = exp.points()
    assert len(pts) == 6 and [p["programme.end_week"] for p in pts] == [4, 4, 4, 8, 8, 8]
    plan = make_plan(exp)
    assert len({r.run_id for r in plan}) == 6  # rounding may repeat a point; the sample index keeps ids apart


def test_errors_are_config_errors_for_the_python_api():
    with pytest.raises(ConfigError, match=r"experiment\.replicates"):
        Experiment("x", replicates=0)
    with pytest.raises(ConfigError, match=r"population\.sise"):
        Experiment("x", grid={"population.sise": [1]})
    with pytest.raises(ConfigError, match="unknown scenario"):
        load_experiment({"experiment": {"name": "x", "scenarios": ["nope"]}})

"""The ``syslead`` command-line contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from simulation.cli import main
from simulation.config import param_paths
from simulation.metrics import TIMESERIES_METRICS

REQUIRED = [
    "people_reached",
    "adopters",
    "mean_confidence",
    "working_ties",
    "cross_sector_tie_share",
    "largest_component_share",
    "projects_started",
    "projects_completed",
    "projects_failed",
    "mean_project_sectors",
    "cross_sector_referrals",
]


def test_run_writes_the_four_files(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["run", "--set", "population.size=300", "--weeks", "12", "--seed", "5", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["events.csv", "projects.csv", "summary.json", "timeseries.csv"]
    ts = pd.read_csv(out / "timeseries.csv")
    assert ts.columns[0] == "week" and len(ts) == 13
    assert set(REQUIRED) <= set(ts.columns) and "wall_seconds" not in ts.columns
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) >= {"metrics", "config", "seed", "version"}
    assert set(REQUIRED) <= set(summary["metrics"]) and summary["seed"] == 5
    assert summary["config"]["population"]["size"] == 300
    for k in REQUIRED:  # the summary is the last week of the timeseries
        assert summary["metrics"][k] == pytest.approx(ts[k].iloc[-1])
    ev = pd.read_csv(out / "events.csv")
    assert list(ev.columns[:4]) == ["week", "type", "name", "attendees"] and len(ev) > 0
    pr = pd.read_csv(out / "projects.csv")
    assert {"start_week", "end_week", "theme", "outcome", "members", "sectors"} <= set(pr.columns)
    assert "people_reached" in capsys.readouterr().out


def test_same_run_twice_is_bit_identical(tmp_path):
    args = ["run", "--scenario", "top-down", "--set", "population.size=300", "--weeks", "15", "--seed", "2"]
    main([*args, "--out", str(tmp_path / "a"), "--quiet"])
    main([*args, "--out", str(tmp_path / "b"), "--quiet"])
    for f in ("timeseries.csv", "events.csv", "projects.csv"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--scenario", "top-dwn"], "unknown scenario 'top-dwn' (did you mean 'top-down'?)"),
        (["--set", "trust.decya=0.1"], "unknown parameter 'trust.decya' (did you mean 'trust.decay'?)"),
        (["--set", "trust.decay=1.5"], "trust.decay = 1.5 is out of range: allowed 0 to 1"),
        (["--set", "population.size=-5"], "population.size = -5 is out of range"),
        (["--set", "population.size=many"], "population.size = 'many' is not a number"),
        (["--set", "trust.decay"], "must look like dotted.key=value"),
        (["--weeks", "-3"], "--weeks: -3 is not allowed: a whole number >= 0"),
        (["--weeks", "ten"], "--weeks: 'ten' is not allowed"),
        (["--seed", "-1"], "--seed: -1 is not allowed"),
        (["--config", "missing.toml"], "config file 'missing.toml' does not exist"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--scenario", ""], "unknown scenario ''"),
        (
            ["--set", "population.size=200", "--set", "population.localities=64"],
            "population.leads = 4 (per locality) exceeds the 3 people of the smallest locality",
        ),
        (["--set", "population.size=10", "--set", "population.localities=3"], "allowed 0 to 3"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, args, needle):
    out = tmp_path / "out"
    assert main(["run", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("syslead: error: ") and needle in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_bad_config_file_is_refused(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[trust]\ndecay = 2\n")
    assert main(["run", "--config", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "trust.decay = 2" in capsys.readouterr().err
    broken = tmp_path / "broken.toml"
    broken.write_text("[trust\n")
    assert main(["run", "--config", str(broken), "--out", str(tmp_path / "o")]) == 2
    assert "is not valid TOML" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_config_file_with_scenario_table_and_extends(tmp_path):
    cfg = tmp_path / "mine.toml"
    cfg.write_text('[scenario]\nname = "mine"\nextends = "top-down"\n[population]\nsize = 250\n')
    out = tmp_path / "o"
    assert main(["run", "--config", str(cfg), "--weeks", "3", "--out", str(out), "--quiet"]) == 0
    config = json.loads((out / "summary.json").read_text())["config"]
    assert config["population"]["size"] == 250 and config["strategy"]["overhead"] == 0.8


def test_scenarios_and_params_listings(capsys):
    assert main(["scenarios"]) == 0
    listed = capsys.readouterr().out
    for name in ("south-manchester", "top-down", "hybrid", "no-programme"):
        assert name in listed
    assert main(["params"]) == 0
    text = capsys.readouterr().out
    for path in param_paths():
        assert path in text
    assert "trust.decay" in text and "[0 to 1]" in text


def test_python_dash_m_and_console_script():
    r = subprocess.run([sys.executable, "-m", "simulation", "scenarios"], capture_output=True, text=True, check=True)
    assert "top-down" in r.stdout
    script = Path(sys.executable).with_name("syslead")
    r = subprocess.run([str(script), "run", "--set", "trust.decay=7"], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.strip().startswith("syslead: error: trust.decay = 7")


def test_every_timeseries_metric_is_documented():
    from simulation.metrics import METRIC_BY_NAME

    for name in TIMESERIES_METRICS:
        assert METRIC_BY_NAME[name].doc and METRIC_BY_NAME[name].unit

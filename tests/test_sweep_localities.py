"""Sweeps of runs with several localities: localities.parquet, its durability, and the code-version warning."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from simulation import scenarios
from simulation.cli import main
from simulation.config import ConfigError, dumps_toml
from simulation.metrics import LOCALITY_METRICS
from simulation.run import run
from simulation.sweep import load_experiment, load_localities, load_results, run_experiment

SYSLEAD = str(Path(sys.executable).parent / "syslead")
LOCALITY_NAMES = [name for name, _, _ in LOCALITY_METRICS]
CITY = ["city-wide-rollout", "city-wide-simultaneous"]  # three localities each; 100 people per locality here

SMALL = {
    "experiment": {"name": "city", "weeks": 12, "replicates": 2, "seed": 4, "scenarios": CITY},
    "set": {"population.size": 300},
}  # 4 runs
MIXED = {
    "experiment": {
        "name": "mixed",
        "weeks": 6,
        "replicates": 2,
        "seed": 4,
        "scenarios": ["south-manchester", "city-wide-simultaneous"],
    },
    "set": {"population.size": 300},
}  # 2 runs with one locality, 2 with three
LONG = {
    "experiment": {"name": "city-long", "weeks": 20, "replicates": 20, "seed": 8, "scenarios": CITY},
    "set": {"population.size": 300},
}  # 40 runs

# Outcomes per locality that add up over localities to the run's total of the same name.
ADDITIVE = (
    "people_reached",
    "adopters",
    "champions",
    "active_people",
    "online_people",
    "matching_registered",
    "events_held",
    "projects_started",
    "projects_active",
    "projects_completed",
    "projects_failed",
    "cross_sector_referrals",
)


def toml_file(folder: Path, data: dict, name: str = "exp.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(dumps_toml(data))
    return path


def tables(folder: Path) -> dict[str, pd.DataFrame]:
    runs, ts, _ = load_results(folder)
    return {"runs": runs.drop(columns="wall_seconds"), "timeseries": ts, "localities": load_localities(folder)}


def assert_same_tables(a: Path, b: Path) -> None:
    ta, tb = tables(a), tables(b)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True, obj=name)


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("city") / "ref"
    run_experiment(load_experiment(SMALL), out, workers=2, progress=False)
    return out


def test_localities_parquet_holds_every_week_and_locality_of_every_run(city):
    runs, _, manifest = load_results(city)
    loc = load_localities(city)
    assert list(loc.columns) == ["run_id", "week", "locality", *LOCALITY_NAMES]
    assert str(loc["week"].dtype) == str(loc["locality"].dtype) == "int64"
    assert all(str(loc[m].dtype) == "float64" for m in LOCALITY_NAMES)
    assert len(loc) == 4 * 13 * 3
    assert list(dict.fromkeys(loc["run_id"])) == list(runs["run_id"])  # plan order
    first = loc[loc["run_id"] == runs["run_id"].iloc[0]]
    assert first["week"].tolist() == [w for w in range(13) for _ in range(3)]
    assert first["locality"].tolist() == [0, 1, 2] * 13
    assert manifest["metrics"]["localities"] == LOCALITY_NAMES
    assert (city / "parts" / "localities").is_dir()


def test_localities_add_up_to_the_run_totals(city):
    _, ts, _ = load_results(city)
    loc = load_localities(city)
    summed = loc.groupby(["run_id", "week"], sort=False)[[*ADDITIVE, "people"]].sum()
    totals = ts.set_index(["run_id", "week"]).loc[summed.index]
    for name in ADDITIVE:
        np.testing.assert_array_equal(summed[name].to_numpy(), totals[name].to_numpy(), err_msg=name)
    assert (summed["people"] == 300).all()
    ties = summed.index.to_frame(index=False).assign(
        t=(
            loc.groupby(["run_id", "week"], sort=False)["working_ties"].sum()
            + loc.groupby(["run_id", "week"], sort=False)["cross_locality_ties"].sum() / 2
        ).to_numpy()
    )
    np.testing.assert_array_equal(ties["t"].to_numpy(), totals["working_ties"].to_numpy())


def test_a_sweep_run_equals_the_same_run_alone_locality_by_locality(city):
    runs, _, _ = load_results(city)
    loc = load_localities(city)
    row = runs.iloc[1]
    alone = run(scenarios.get(row["scenario"]).params({"population.size": 300}), int(row["seed"]), 12)
    mine = loc[loc["run_id"] == row["run_id"]].drop(columns="run_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(
        mine, alone.localities.astype({c: np.float64 for c in LOCALITY_NAMES}), check_exact=True
    )


def test_the_rollout_reaches_later_localities_only_after_they_start(city):
    """The scenarios differ where their calendars do: before week 53 the roll-out runs only in South."""
    runs, _, _ = load_results(city)
    loc = load_localities(city).merge(runs[["run_id", "scenario"]])
    end = loc[loc["week"] == 12].groupby(["scenario", "locality"])["people_reached"].mean()
    assert end["city-wide-rollout"][0] > 0 and end["city-wide-rollout"][1] == end["city-wide-rollout"][2] == 0
    assert (end["city-wide-simultaneous"] > 0).all()


def test_mixed_sweep_stores_only_the_runs_with_several_localities(tmp_path):
    out = tmp_path / "mixed"
    run_experiment(load_experiment(MIXED), out, workers=1, progress=False)
    runs, _, _ = load_results(out)
    loc = load_localities(out)
    city_ids = runs.loc[runs["scenario"] == "city-wide-simultaneous", "run_id"].tolist()
    assert list(dict.fromkeys(loc["run_id"])) == city_ids and len(loc) == 2 * 7 * 3
    assert sorted(p.stem for p in (out / "parts" / "localities").iterdir()) == sorted(city_ids)


def test_single_locality_sweep_has_no_localities_file(tmp_path):
    data = {**MIXED, "experiment": {**MIXED["experiment"], "scenarios": ["south-manchester"]}}
    out = tmp_path / "single"
    run_experiment(load_experiment(data), out, workers=1, progress=False)
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "parts", "runs.parquet", "timeseries.parquet"]
    assert not (out / "parts" / "localities").exists()
    assert load_localities(out) is None
    assert set(json.loads((out / "manifest.json").read_text())["metrics"]) == {"summary", "timeseries"}


def test_consolidation_in_small_row_groups_gives_the_same_localities_table(city, tmp_path, monkeypatch):
    import simulation.sweep.store as store_mod

    folder = tmp_path / "copy"
    shutil.copytree(city, folder)
    for name in ("runs.parquet", "timeseries.parquet", "localities.parquet"):
        (folder / name).unlink()
    monkeypatch.setattr(store_mod, "LOCALITY_ROWS_PER_GROUP", (50, 50))
    run_experiment(load_experiment(SMALL), folder, workers=1, progress=False)
    pf = pq.ParquetFile(folder / "localities.parquet")  # a group is flushed once 50 rows are buffered: 2 runs
    assert [pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)] == [78, 78]
    assert_same_tables(folder, city)


# ---------------------------------------------------------------- nothing lost


def test_resume_after_kill_9_equals_an_uninterrupted_sweep_with_localities(tmp_path):
    ref = tmp_path / "ref"
    run_experiment(load_experiment(LONG), ref, workers=2, progress=False)
    out = tmp_path / "out"
    cmd = [SYSLEAD, "sweep", str(toml_file(tmp_path, LONG)), "--out", str(out), "--workers", "2", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    parts = out / "parts"
    deadline = time.monotonic() + 90
    while len(list(parts.glob("*.parquet")) if parts.is_dir() else []) < 3:
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "no 3 finished runs within 90 s"
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    done_before = {p.name for p in parts.glob("*.parquet")}
    assert 3 <= len(done_before) < 40 and not (out / "localities.parquet").exists()
    finished = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    assert finished.returncode == 0, finished.stderr
    assert len(list(parts.glob("*.parquet"))) == len(list((parts / "localities").glob("*.parquet"))) == 40
    assert not [p for p in parts.rglob(".*")]  # no temporary file of a write cut short is left
    assert_same_tables(out, ref)


def test_a_locality_part_left_by_a_kill_before_its_run_finished_is_replaced(city, tmp_path):
    """The locality part is written before the run's part: a kill in between leaves it without the run."""
    folder = tmp_path / "copy"
    shutil.copytree(city, folder)
    rid = load_results(city)[0]["run_id"].iloc[2]
    (folder / "parts" / f"{rid}.parquet").unlink()
    for name in ("runs.parquet", "timeseries.parquet", "localities.parquet"):
        (folder / name).unlink()
    (folder / "parts" / "localities" / f"{rid}.parquet").write_bytes(b"half a file")
    report = []
    run_experiment(load_experiment(SMALL), folder, workers=1, progress=False, report=report)
    assert report[0].ran == 1
    assert_same_tables(folder, city)


@pytest.mark.parametrize("target", ["localities.parquet", "locality part", "missing locality part"])
def test_corrupt_or_missing_locality_file_is_named_and_nothing_changes(city, tmp_path, capsys, target):
    folder = tmp_path / "copy"
    shutil.copytree(city, folder)
    rid = load_results(city)[0]["run_id"].iloc[0]
    path = (
        folder / "localities.parquet"
        if target == "localities.parquet"
        else folder / "parts" / "localities" / f"{rid}.parquet"
    )
    if target == "missing locality part":
        path.unlink()
    else:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    before = files(folder)
    assert main(["sweep", str(toml_file(tmp_path, SMALL)), "--out", str(folder), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err
    assert ("missing" if target == "missing locality part" else "corrupt") in err
    assert files(folder) == before
    if target == "localities.parquet":
        with pytest.raises(ConfigError, match=r"localities\.parquet"):
            load_localities(folder)


def test_rerun_checks_the_outcomes_per_locality(city, tmp_path, capsys):
    folder = tmp_path / "copy"
    shutil.copytree(city, folder)
    rid = load_results(city)[0]["run_id"].iloc[3]
    assert main(["rerun", str(folder), rid, "--out", str(tmp_path / "a"), "--quiet"]) == 0
    assert (tmp_path / "a" / "localities.csv").is_file()
    loc = pd.read_parquet(folder / "localities.parquet")
    loc.loc[loc.index[loc["run_id"] == rid][5], "adopters"] += 1
    loc.to_parquet(folder / "localities.parquet", index=False)
    assert main(["rerun", str(folder), rid, "--out", str(tmp_path / "b"), "--quiet"]) == 1
    assert "localities column adopters differs" in capsys.readouterr().err


# ---------------------------------------------------------------- code versions


def _set_versions(folder: Path, old: str) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["version"] = old
    for s in manifest["sessions"]:
        s["version"] = old
    path.write_text(json.dumps(manifest))


@pytest.fixture
def this_version(monkeypatch) -> str:
    """A fixed version for this code (others may commit to the checkout while the tests run)."""
    import simulation.sweep.runner as runner

    monkeypatch.setattr(runner, "version", lambda: "0.9.9+gnow")
    return "0.9.9+gnow"


def test_resuming_a_folder_made_by_other_code_warns_once_naming_both_versions(city, tmp_path, capsys, this_version):
    folder = tmp_path / "copy"
    shutil.copytree(city, folder)
    _set_versions(folder, "0.0.1+gdeadbee")
    more = json.loads(json.dumps(SMALL))
    more["experiment"]["replicates"] = 3
    assert main(["sweep", str(toml_file(tmp_path, more)), "--out", str(folder), "--quiet"]) == 0
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("syslead: warning: ")
    assert "0.0.1+gdeadbee" in err[0] and this_version in err[0] and str(folder) in err[0]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [s["version"] for s in manifest["sessions"]] == ["0.0.1+gdeadbee", this_version]
    assert len(load_results(folder)[0]) == 6  # not refused: the new runs were added
    # the folder still holds the old runs, so the next resume says so again
    assert main(["sweep", str(toml_file(tmp_path, more)), "--out", str(folder), "--quiet"]) == 0
    assert "0.0.1+gdeadbee" in capsys.readouterr().err


def test_same_code_or_a_fresh_folder_gives_no_warning(city, tmp_path, capsys, this_version):
    folder = tmp_path / "copy"
    shutil.copytree(city, folder)
    _set_versions(folder, this_version)
    assert main(["sweep", str(toml_file(tmp_path, SMALL)), "--out", str(folder), "--quiet"]) == 0
    assert main(["sweep", str(toml_file(tmp_path, MIXED)), "--out", str(tmp_path / "fresh"), "--quiet"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_compare_resuming_a_folder_of_other_code_warns_too(tmp_path, capsys, this_version):
    from simulation.analysis.compare import compare

    out = tmp_path / "cmp"
    kwargs = dict(sets={"population.size": 300}, workers=1, progress=False, write_report=False)
    compare(CITY, 2, 4, out, **kwargs)
    _set_versions(out, "0.0.2+gcafe")
    compare(CITY, 3, 4, out, **kwargs)
    err = capsys.readouterr().err
    assert err.count("syslead: warning: ") == 1 and "0.0.2+gcafe" in err and this_version in err

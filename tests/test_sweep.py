"""Sweeps end to end: results contract, resume after kill -9, refusals, rerun, process pool and Dask."""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from simulation import scenarios
from simulation.cli import main
from simulation.config import ConfigError, dumps_toml
from simulation.metrics import SUMMARY_METRICS, TIMESERIES_METRICS
from simulation.run import run
from simulation.sweep import (
    Store,
    SweepError,
    add_replicates,
    load_experiment,
    load_results,
    make_plan,
    replicate_seed,
    run_experiment,
)

BIN = Path(sys.executable).parent
SYSLEAD = str(BIN / "syslead")
DASK = str(BIN / "dask")

TINY = {
    "experiment": {
        "name": "tiny",
        "weeks": 10,
        "replicates": 3,
        "seed": 5,
        "scenarios": ["south-manchester", "top-down"],
    },
    "set": {"population.size": 200},
    "grid": {"programme.end_week": [4, 8]},
}  # 12 runs
LONG = {
    "experiment": {
        "name": "long",
        "weeks": 30,
        "replicates": 10,
        "seed": 11,
        "scenarios": ["south-manchester", "top-down"],
    },
    "set": {"population.size": 200},
    "grid": {"programme.end_week": [10, 20, 30]},
}  # 60 runs


def toml_file(folder: Path, data: dict, name: str = "exp.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(dumps_toml(data))
    return path


def changed(data: dict, **experiment) -> dict:
    out = json.loads(json.dumps(data))
    out["experiment"].update(experiment)
    return out


def frames(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    runs, ts, _ = load_results(folder)
    return runs.drop(columns="wall_seconds"), ts


def assert_same_results(a: Path, b: Path) -> None:
    ra, ta = frames(a)
    rb, tb = frames(b)
    pd.testing.assert_frame_equal(ra, rb, check_exact=True)
    pd.testing.assert_frame_equal(ta, tb, check_exact=True)


def snapshot(folder: Path, finished_only: bool = False) -> dict[str, tuple[str, int, int]]:
    """Every file under ``folder`` (or only finished parts): content hash, inode and modification time."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not (finished_only and p.name.startswith(".")):
            st = p.stat()
            out[str(p.relative_to(folder))] = (hashlib.sha256(p.read_bytes()).hexdigest(), st.st_ino, st.st_mtime_ns)
    return out


def part_names(folder: Path) -> list[str]:
    parts = folder / "parts"
    return [n for n in os.listdir(parts) if n.endswith(".parquet") and not n.startswith(".")] if parts.is_dir() else []


def wait_for_parts(folder: Path, n: int, proc: subprocess.Popen, timeout: float = 90) -> int:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        k = len(part_names(folder))
        if k >= n:
            return k
        if proc.poll() is not None:
            pytest.fail(
                f"the sweep ended (status {proc.returncode}) before {n} runs were done: "
                f"{proc.stderr.read() if proc.stderr else ''}"
            )
        time.sleep(0.01)
    pytest.fail(f"no {n} finished runs within {timeout} s")


@pytest.fixture(scope="module")
def tiny_ref(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny") / "ref"
    run_experiment(load_experiment(TINY), out, workers=2, progress=False)
    return out


@pytest.fixture(scope="module")
def long_ref(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("long") / "ref"
    run_experiment(load_experiment(LONG), out, workers=2, progress=False)
    return out


# ---------------------------------------------------------------- the results folder


def test_results_folder_follows_the_contract(tiny_ref):
    runs, ts, manifest = load_results(tiny_ref)
    exp = load_experiment(TINY)
    plan = make_plan(exp)
    assert list(runs.columns) == [
        "run_id",
        "scenario",
        "programme.end_week",
        "draw",
        "replicate",
        "seed",
        *SUMMARY_METRICS,
        "wall_seconds",
    ]
    assert list(runs["run_id"]) == [r.run_id for r in plan] == [r["run_id"] for r in manifest["runs"]]
    assert list(runs["scenario"]) == ["south-manchester"] * 6 + ["top-down"] * 6
    assert list(runs["programme.end_week"]) == [4, 4, 4, 8, 8, 8] * 2
    assert list(runs["replicate"]) == [0, 1, 2] * 4
    assert list(runs["seed"]) == [replicate_seed(5, r) for r in (0, 1, 2)] * 4
    assert (runs["draw"] == 0).all() and manifest["posterior"] is None  # the point estimate: no posterior draws
    assert (runs["wall_seconds"] > 0).all()
    assert list(ts.columns) == ["run_id", "week", *TIMESERIES_METRICS]
    assert len(ts) == 12 * 11 and list(ts["week"][:11]) == list(range(11))
    assert list(dict.fromkeys(ts["run_id"])) == list(runs["run_id"])
    for key in ("experiment", "runs", "version", "packages", "python", "platform", "started", "finished"):
        assert manifest[key], key
    assert manifest["experiment"] == exp.to_dict()
    assert manifest["packages"]["numpy"] and manifest["finished"] >= manifest["started"]
    assert set(part_names(tiny_ref)) == {f"{r}.parquet" for r in runs["run_id"]}


def test_replicates_are_paired_across_scenarios_and_points(tiny_ref):
    """Common random numbers: replicate r starts from the same people in every scenario and grid point."""
    runs, ts, _ = load_results(tiny_ref)
    start = ts[ts["week"] == 0].merge(runs[["run_id", "replicate"]])
    for _, group in start.groupby("replicate"):
        assert len(group) == 4
        assert (group[["adopters", "working_ties", "mean_confidence"]].nunique() == 1).all()
    assert start.groupby("replicate")["mean_confidence"].first().nunique() == 3
    final = runs.groupby("replicate")["adopters"].nunique()
    assert (final > 1).all()  # ... and the scenarios then differ


def test_a_run_in_the_pool_equals_the_same_run_alone(tiny_ref):
    runs, ts, _ = load_results(tiny_ref)
    for i in (1, 10):
        row = runs.iloc[i]
        params = scenarios.get(row["scenario"]).params(
            {"population.size": 200, "programme.end_week": int(row["programme.end_week"])}
        )
        alone = run(params, int(row["seed"]), 10)
        assert {m: alone.metrics[m] for m in SUMMARY_METRICS} == {m: row[m] for m in SUMMARY_METRICS}
        mine = ts[ts["run_id"] == row["run_id"]].drop(columns="run_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone.timeseries.reset_index(drop=True), check_exact=True)


def test_rerun_reproduces_one_run_bit_for_bit(tiny_ref, tmp_path, capsys):
    runs, ts, _ = load_results(tiny_ref)
    row = runs.iloc[7]
    out = tmp_path / "again"
    assert main(["rerun", str(tiny_ref), row["run_id"], "--out", str(out)]) == 0
    assert "identical to the sweep's results" in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == row["seed"] and summary["scenario"] == row["scenario"]
    assert summary["config"]["programme"]["end_week"] == row["programme.end_week"]
    assert {m: summary["metrics"][m] for m in SUMMARY_METRICS} == {m: row[m] for m in SUMMARY_METRICS}
    csv = pd.read_csv(out / "timeseries.csv")
    mine = ts[ts["run_id"] == row["run_id"]].drop(columns="run_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(csv[mine.columns], mine, check_exact=True)
    assert {"events.csv", "projects.csv"} <= {p.name for p in out.iterdir()}
    # a unique prefix is enough; an unknown id is refused and writes nothing
    assert main(["rerun", str(tiny_ref), row["run_id"][:6], "--out", str(tmp_path / "p"), "--quiet"]) == 0
    assert main(["rerun", str(tiny_ref), "feedfacefeedface", "--out", str(tmp_path / "nothing")]) == 2
    assert "feedfacefeedface" in capsys.readouterr().err and not (tmp_path / "nothing").exists()


def test_rerun_reports_a_run_that_differs(tiny_ref, tmp_path, capsys):
    folder = tmp_path / "copy"
    shutil.copytree(tiny_ref, folder)
    runs = pd.read_parquet(folder / "runs.parquet")
    runs.loc[3, "adopters"] += 1
    runs.to_parquet(folder / "runs.parquet", index=False)
    assert main(["rerun", str(folder), runs.loc[3, "run_id"], "--out", str(tmp_path / "r"), "--quiet"]) == 1
    assert "adopters" in capsys.readouterr().err


# ---------------------------------------------------------------- nothing lost


def test_resume_after_kill_9_equals_an_uninterrupted_sweep(long_ref, tmp_path):
    exp_file = toml_file(tmp_path, LONG)
    out = tmp_path / "out"
    cmd = [SYSLEAD, "sweep", str(exp_file), "--out", str(out), "--workers", "2", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_parts(out, 3, proc)
    workers = psutil.Process(proc.pid).children(recursive=True)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    _, alive = psutil.wait_procs(workers, timeout=15)
    assert not alive, "pool workers outlived the killed sweep"
    before = snapshot(out / "parts", finished_only=True)
    assert 3 <= len(before) < 60, "the kill must land mid-sweep"
    assert not (out / "runs.parquet").exists()

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    after = snapshot(out / "parts")
    assert len(after) == 60  # and no temporary file of a write cut short is left
    for name, stamp in before.items():  # finished runs were skipped, not repeated
        assert after[name] == stamp
    assert_same_results(out, long_ref)
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["runs_done"] for s in manifest["sessions"]] == [None, 60 - len(before)]


def test_finished_sweep_run_again_changes_no_results(tiny_ref, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(tiny_ref, folder, copy_function=shutil.copy2)
    before = {k: v for k, v in snapshot(folder).items() if k != "manifest.json"}
    report = []
    run_experiment(load_experiment(TINY), folder, workers=2, progress=False, report=report)
    assert report[0].ran == 0 and report[0].skipped == 12
    assert {k: v for k, v in snapshot(folder).items() if k != "manifest.json"} == before


def test_more_replicates_extend_the_same_folder(tiny_ref, tmp_path, capsys):
    folder = tmp_path / "copy"
    shutil.copytree(tiny_ref, folder, copy_function=shutil.copy2)
    before = snapshot(folder / "parts")
    exp_file = toml_file(tmp_path, changed(TINY, replicates=4))
    assert main(["sweep", str(exp_file), "--out", str(folder), "--workers", "2"]) == 0
    cap = capsys.readouterr()
    assert "16/16" in cap.err  # the progress bar: done/total
    assert "4 run now, 12 already done" in cap.out
    after = snapshot(folder / "parts")
    assert len(after) == 16 and all(after[k] == v for k, v in before.items())
    runs, _ = frames(folder)
    old, _ = frames(tiny_ref)
    pd.testing.assert_frame_equal(runs[runs["replicate"] < 3].reset_index(drop=True), old, check_exact=True)
    assert set(runs.loc[runs["replicate"] == 3, "seed"]) == {replicate_seed(5, 3)}
    # the Python API for paired extra replicates (used by 'syslead compare --precision')
    add_replicates(folder, 5, workers=2, progress=False)
    runs, _, manifest = load_results(folder)
    assert len(runs) == 20 and manifest["experiment"]["experiment"]["replicates"] == 5
    assert [s["runs_done"] for s in manifest["sessions"]][-2:] == [4, 4]


@pytest.mark.parametrize(
    "change, words",
    [
        ({"weeks": 11}, ["weeks"]),
        ({"seed": 6}, ["seed"]),
        ({"scenarios": ["south-manchester", "hybrid"]}, ["scenarios"]),
        ({"name": "other"}, ["name"]),
    ],
)
def test_folder_with_another_experiment_is_refused_untouched(tiny_ref, tmp_path, capsys, change, words):
    before = snapshot(tiny_ref)
    rc = main(["sweep", str(toml_file(tmp_path, changed(TINY, **change))), "--out", str(tiny_ref), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1
    assert "another experiment" in err and all(w in err for w in words), err
    assert snapshot(tiny_ref) == before


def test_edited_scenario_file_counts_as_another_experiment(tmp_path, capsys):
    scen = tmp_path / "mine.toml"
    scen.write_text('[scenario]\nname = "mine"\n[strategy]\nopenness = 0.5\n')
    data = {
        "experiment": {"name": "f", "weeks": 3, "replicates": 1, "scenarios": ["mine.toml"]},
        "set": {"population.size": 200},
    }
    exp_file = toml_file(tmp_path, data)
    out = tmp_path / "out"
    assert main(["sweep", str(exp_file), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    before = snapshot(out)
    scen.write_text('[scenario]\nname = "mine"\n[strategy]\nopenness = 0.6\n')
    assert main(["sweep", str(exp_file), "--out", str(out), "--quiet"]) == 2
    assert "parameters of scenario mine" in capsys.readouterr().err
    assert snapshot(out) == before


def test_folder_that_is_not_a_sweep_is_refused(tmp_path, capsys):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["sweep", str(toml_file(tmp_path, TINY)), "--out", str(out), "--quiet"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("target", ["runs.parquet", "timeseries.parquet", "manifest.json", "part"])
def test_corrupt_file_is_named_and_never_overwritten(tiny_ref, tmp_path, capsys, target):
    folder = tmp_path / "copy"
    shutil.copytree(tiny_ref, folder, copy_function=shutil.copy2)
    path = folder / "parts" / sorted(part_names(folder))[0] if target == "part" else folder / target
    if target == "manifest.json":
        path.write_text('{"format": "syslead-sweep/1", "runs": [')
    else:
        _truncate(path)
    before = snapshot(folder)
    assert main(["sweep", str(toml_file(tmp_path, TINY)), "--out", str(folder), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and "corrupt" in err
    assert snapshot(folder) == before
    if target != "part":
        with pytest.raises(ConfigError, match=path.name):
            load_results(folder)


def test_unfinished_folder_is_reported_by_load_results(tmp_path):
    out = tmp_path / "out"
    Store(out).open()
    with pytest.raises(ConfigError, match="no sweep results"):
        load_results(out)


def test_consolidation_in_many_row_groups_gives_the_same_tables(tiny_ref, tmp_path, monkeypatch):
    """Memory stays bounded because the tables are written a few rows at a time; the result is the same."""
    import pyarrow.parquet as pq

    import simulation.sweep.store as store_mod

    folder = tmp_path / "copy"
    shutil.copytree(tiny_ref, folder)
    (folder / "runs.parquet").unlink()
    (folder / "timeseries.parquet").unlink()
    monkeypatch.setattr(store_mod, "RUN_ROWS_PER_GROUP", (5, 5))
    monkeypatch.setattr(store_mod, "TIMESERIES_ROWS_PER_GROUP", (30, 30))
    run_experiment(load_experiment(TINY), folder, workers=1, progress=False)
    assert pq.ParquetFile(folder / "runs.parquet").num_row_groups == 3
    assert pq.ParquetFile(folder / "timeseries.parquet").num_row_groups == 4  # 33 rows (3 runs) per group
    pd.testing.assert_frame_equal(load_results(folder)[0], load_results(tiny_ref)[0], check_exact=True)
    assert_same_results(folder, tiny_ref)


def test_a_folder_is_used_by_one_sweep_at_a_time(tiny_ref, tmp_path, capsys):
    folder = tmp_path / "copy"
    shutil.copytree(tiny_ref, folder)
    holder = Store(folder)
    holder.open()
    try:
        assert main(["sweep", str(toml_file(tmp_path, TINY)), "--out", str(folder), "--quiet"]) == 2
        assert "in use" in capsys.readouterr().err
    finally:
        holder.close()


# ---------------------------------------------------------------- executors


class CountingExecutor(cf.ThreadPoolExecutor):
    """A concurrent.futures executor that records how many runs were in flight at once."""

    def __init__(self, workers: int, fail_at: int | None = None):
        super().__init__(workers)
        self._max_workers = workers
        self.in_flight = self.peak = self.submitted = 0
        self.fail_at = fail_at
        self._lock = threading.Lock()

    def submit(self, fn, *args, **kwargs):
        with self._lock:
            self.submitted += 1
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            fail = self.submitted == self.fail_at
        fut = super().submit(self._boom if fail else fn, *args, **kwargs)
        fut.add_done_callback(self._done)
        return fut

    @staticmethod
    def _boom(task):
        raise RuntimeError("worker lost")

    def _done(self, _):
        with self._lock:
            self.in_flight -= 1


def test_any_executor_works_and_only_a_window_of_runs_is_in_flight(tiny_ref, tmp_path):
    with CountingExecutor(2) as ex:
        run_experiment(load_experiment(TINY), tmp_path / "t", executor=ex, progress=False)
    assert ex.submitted == 12
    assert ex.peak <= 4  # 2 x workers, however many runs the plan has
    assert_same_results(tmp_path / "t", tiny_ref)


def test_failed_run_stops_the_sweep_keeps_finished_runs_and_resumes(tiny_ref, tmp_path):
    out = tmp_path / "t"
    with CountingExecutor(1, fail_at=6) as ex, pytest.raises(SweepError, match="worker lost"):
        run_experiment(load_experiment(TINY), out, executor=ex, progress=False)
    kept = len(part_names(out))
    assert 4 <= kept < 12 and not (out / "runs.parquet").exists()
    report = []
    with CountingExecutor(2) as ex:
        run_experiment(load_experiment(TINY), out, executor=ex, progress=False, report=report)
    assert report[0].skipped == kept and report[0].ran == 12 - kept
    assert_same_results(out, tiny_ref)


def test_dask_local_cluster_gives_the_same_results_as_the_pool(tiny_ref, tmp_path):
    run_experiment(load_experiment(TINY), tmp_path / "d", dask="local", workers=2, progress=False)
    assert_same_results(tmp_path / "d", tiny_ref)
    assert "dask local" in json.loads((tmp_path / "d" / "manifest.json").read_text())["sessions"][0]["engine"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


@pytest.fixture(scope="module")
def dask_pair(tmp_path_factory):
    """A real ``dask scheduler`` and ``dask worker`` (one single-threaded worker under a nanny) on loopback."""
    from distributed import Client

    logs = tmp_path_factory.mktemp("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = []
    try:
        with open(logs / "scheduler.log", "w") as log:
            procs.append(
                subprocess.Popen(
                    [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        end = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > end or procs[0].poll() is not None:
                    pytest.fail("dask scheduler did not start: " + (logs / "scheduler.log").read_text())
                time.sleep(0.1)
        with open(logs / "worker.log", "w") as log:
            procs.append(
                subprocess.Popen(
                    [DASK, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        with Client(address, timeout=30) as client:
            client.wait_for_workers(1, timeout=60)
        yield address
    finally:
        for p in reversed(procs):
            _stop(p)


def _worker_pids(address: str) -> list[int]:
    from distributed import Client

    with Client(address, timeout=30) as client:
        return sorted(client.run(os.getpid).values())


def test_scheduler_and_worker_pair_survive_a_worker_death(dask_pair, long_ref, tmp_path):
    out = tmp_path / "out"
    cmd = [SYSLEAD, "sweep", str(toml_file(tmp_path, LONG)), "--out", str(out), "--dask", dask_pair, "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_parts(out, 3, proc)
    [pid] = _worker_pids(dask_pair)
    os.kill(pid, signal.SIGKILL)  # the nanny starts a new worker; the lost runs are computed again
    assert len(part_names(out)) < 60, "the worker must die mid-sweep"
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    assert_same_results(out, long_ref)
    assert _worker_pids(dask_pair) != [pid]


def test_a_dask_client_can_be_passed_as_the_executor(dask_pair, tiny_ref, tmp_path):
    from distributed import Client

    with Client(dask_pair, timeout=30) as client:
        run_experiment(load_experiment(TINY), tmp_path / "c", executor=client, progress=False)
        assert client.status == "running"  # a client passed in is left open
    assert_same_results(tmp_path / "c", tiny_ref)

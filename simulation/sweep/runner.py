"""Run an experiment's plan on a ``concurrent.futures``-style executor and keep every finished run.

One runner serves every engine: a local :class:`~concurrent.futures.ProcessPoolExecutor` (the default),
a Dask ``LocalCluster`` (``dask="local"``) or a running Dask scheduler (``dask="tcp://host:port"``),
both through ``Client.get_executor(retries=...)``, or any executor passed in. Workers compute runs
with :func:`simulation.run.run` and send back the summary and the timeseries (and the outcomes per
locality of a run with several localities); this process writes
each one to disk as it arrives (so workers need no shared file system) and keeps only a small window
of runs in flight, so memory stays flat however many runs the plan has.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import json
import multiprocessing as mp
import os
import platform
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import ConfigError, make_params
from ..metrics import LOCALITY_METRICS, SUMMARY_METRICS, TIMESERIES_METRICS
from ..run import run, version
from .experiment import Experiment, Posterior, load_experiment
from .plan import Plan, PlannedRun, make_plan
from .store import FORMAT, Store

if TYPE_CHECKING:
    import pandas as pd
    from distributed import Client

DASK_RETRIES = 3  # a run that fails on a Dask worker (e.g. the worker dies) is tried again this many times
PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "networkx", "dask", "distributed", "SALib", "tqdm")


class SweepError(RuntimeError):
    """A run failed, or the engine broke; finished runs are kept and the sweep can be resumed."""


# ------------------------------------------------------------------ worker side


def _alive(pid: int) -> bool:
    """Whether process ``pid`` is alive (a zombie, killed but not yet reaped, counts as dead)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except (OSError, IndexError):  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True


def _watch(pid: int) -> None:
    while _alive(pid):
        time.sleep(0.2)
    os._exit(1)


def _worker_init(sweep_pid: int) -> None:
    """Pool workers end when the sweep process ends, even by ``kill -9``, so they never outlive it (they are
    children of the fork server, not of the sweep, so the parent-death signal alone is not enough)."""
    import threading

    threading.Thread(target=_watch, args=(sweep_pid,), daemon=True, name="syslead-watch-sweep").start()


def execute(task: dict[str, Any]) -> tuple[dict[str, float], pd.DataFrame, float, pd.DataFrame | None]:
    """Run one planned run (in a worker): ``(metrics, timeseries, wall_seconds, localities)``, where
    ``localities`` is ``None`` for a run with one locality (it would repeat the totals)."""
    t0 = time.perf_counter()
    params = make_params(task["data"], task["overrides"])
    result = run(params, task["seed"], task["weeks"], scenario=task["scenario"])
    several = params.population.localities > 1 and result.localities is not None
    return result.metrics, result.timeseries, time.perf_counter() - t0, result.localities if several else None


def locality_counts(plan: Plan) -> dict[str, int]:
    """Run id -> number of localities, for the runs of ``plan`` with more than one locality."""
    per_point: dict[tuple[str, int], int] = {}
    out = {}
    for r in plan.runs:
        key = (r.scenario, r.point)
        if key not in per_point:
            per_point[key] = plan.params(r).population.localities
        if per_point[key] > 1:
            out[r.run_id] = per_point[key]
    return out


def task_for(plan: Plan, r: PlannedRun) -> dict[str, Any]:
    return {
        "data": plan.experiment.resolved_scenarios[r.scenario].data,
        "overrides": plan.overrides(r),
        "seed": r.seed,
        "weeks": plan.experiment.weeks,
        "scenario": r.scenario,
        "run_id": r.run_id,
    }


# ------------------------------------------------------------------ engines


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def process_pool(workers: int) -> cf.ProcessPoolExecutor:
    """A local process pool. Workers are forked from a fork server that has imported the model once (fast to
    start, no threads inherited) and die with this process."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    return cf.ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init, initargs=(os.getpid(),))


def _is_dask_client(obj: Any) -> bool:
    return type(obj).__module__.startswith("distributed") and hasattr(obj, "get_executor")


def dask_client(address: str, workers: int | None = None) -> Client:
    """A Dask client: ``"local"`` starts a LocalCluster (one single-threaded worker process per core or
    ``workers``), anything else is the address of a running scheduler."""
    import logging

    from distributed import Client, LocalCluster

    if address == "local":
        cluster = LocalCluster(
            n_workers=workers or default_workers(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        return Client(cluster)
    try:
        if address.startswith("tcp://"):  # fail fast when nothing listens there
            import socket
            from urllib.parse import urlsplit

            parts = urlsplit(address)
            socket.create_connection((parts.hostname, parts.port or 8786), timeout=10).close()
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(f"--dask {address}: cannot reach a Dask scheduler there ({exc})") from None


def _dask_capacity(client) -> int:
    try:
        return max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))
    except Exception:
        return default_workers()


def _check_engine(workers, dask, executor) -> None:
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ConfigError(f"--workers {workers!r} is not allowed: a whole number >= 1")
    if executor is not None and (workers is not None or dask is not None):
        raise ConfigError("give either an executor or workers/dask, not both")
    if dask is not None:
        if not isinstance(dask, str) or not (dask == "local" or "://" in dask):
            raise ConfigError(
                f"--dask {dask!r} is not allowed: 'local' or a scheduler address like tcp://127.0.0.1:8786"
            )
        if dask != "local" and workers is not None:
            raise ConfigError(
                "--workers applies to the local pool and --dask local; a running Dask scheduler uses the workers it has"
            )


# ------------------------------------------------------------------ manifest


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _packages() -> dict[str, str]:
    out = {}
    for p in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[p] = metadata.version(p)
    return out


def build_manifest(
    plan: Plan, previous: dict[str, Any] | None, engine: str, localities: bool = False
) -> dict[str, Any]:
    exp = plan.experiment
    session = {"started": _now(), "finished": None, "engine": engine, "version": version(), "runs_done": None}
    return {
        "format": FORMAT,
        "name": exp.name,
        "experiment": exp.to_dict(),
        "fingerprint": exp.fingerprint(),
        "identity": exp.identity(),
        "scenarios": {
            name: {
                "given": given,
                "file": exp.scenario_files[name],
                "description": sc.description,
                "title": sc.display_title,
                "data": sc.data,
            }
            for given, (name, sc) in zip(exp.scenarios, exp.resolved_scenarios.items())
        },
        "swept": plan.swept,
        "sample": None
        if exp.sample is None
        else {
            **exp.sample.to_dict(),
            "problem": exp.sample.problem(),
            "points": exp.sample.size(),
            **({"num_levels": 4} if exp.sample.method == "morris" else {}),
            **({"calc_second_order": True} if exp.sample.method == "sobol" else {}),
        },
        "points": plan.points,
        # where the posterior draws came from (None: every run at the point estimate, draw 0)
        "posterior": exp.posterior.record() if isinstance(exp.posterior, Posterior) else None,
        "metrics": {
            "summary": list(SUMMARY_METRICS),
            "timeseries": list(TIMESERIES_METRICS),
            **({"localities": [name for name, _, _ in LOCALITY_METRICS]} if localities else {}),
        },
        "n_runs": len(plan),
        "runs": [r.to_dict() for r in plan.runs],
        "version": version(),
        "packages": _packages(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "started": (previous or {}).get("started") or session["started"],
        "finished": None,
        "sessions": [*(previous or {}).get("sessions", []), session],
    }


def _difference(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> str:
    for k in sorted(set(old) | set(new)):
        a, b = old.get(k), new.get(k)
        if a != b:
            if isinstance(a, dict) and isinstance(b, dict):
                return _difference(a, b, f"{prefix}{k}.")
            return f"{prefix}{k}"
    return "?"


def check_folder(store: Store, plan: Plan, localities: dict[str, int] | None = None) -> dict[str, Any] | None:
    """Read-only checks before anything is written: the folder is empty or holds this experiment (any number
    of replicates), and every results file in it can be read (``localities``: the runs with several localities,
    whose finished runs need their locality part). Returns the existing manifest, if any."""
    root = store.root
    if root.exists() and not root.is_dir():
        raise ConfigError(f"--out {str(root)!r} exists and is not a folder")
    manifest = store.read_manifest()
    if manifest is None:
        if not store.is_empty():
            raise ConfigError(
                f"--out {str(root)!r} is not empty and holds no sweep ({root / 'manifest.json'} is "
                "missing); choose another folder"
            )
        return None
    if manifest.get("fingerprint") != plan.experiment.fingerprint():
        old = manifest.get("identity")
        what = _difference(old, plan.experiment.identity()) if isinstance(old, dict) else "its definition"
        what = what.replace("scenario_data.", "the parameters of scenario ").replace("experiment.", "")
        raise ConfigError(
            f"--out {str(root)!r} holds another experiment ('{manifest.get('name')}'; {what} "
            "differs); it was left as it is: choose another folder (only replicates may change)"
        )
    metrics = manifest.get("metrics")
    if isinstance(metrics, dict) and (metrics.get("summary"), metrics.get("timeseries")) != (
        list(SUMMARY_METRICS),
        list(TIMESERIES_METRICS),
    ):
        raise ConfigError(
            f"--out {str(root)!r} was written by a version of syslead with other metrics "
            f"({manifest.get('version')}); its runs cannot be combined with new ones: choose another "
            "folder"
        )
    if isinstance(metrics, dict) and metrics.get("localities") not in (None, [name for name, _, _ in LOCALITY_METRICS]):
        raise ConfigError(
            f"--out {str(root)!r} was written by a version of syslead with other metrics per "
            f"locality ({manifest.get('version')}); its runs cannot be combined with new ones: choose "
            "another folder"
        )
    store.verify_tables()
    done = store.part_ids() & {r.run_id for r in plan.runs}
    store.verify_parts(done)
    store.verify_locality_parts(done & set(localities or {}))
    return manifest


def run_versions(manifest: dict[str, Any] | None) -> list[str]:
    """The versions of syslead that made runs in a folder, in order (from its manifest's sessions; a session that
    only resumed a finished sweep made none)."""
    if not manifest:
        return []
    sessions = [s for s in manifest.get("sessions") or [] if isinstance(s, dict)]
    found = [s.get("version") for s in sessions if s.get("runs_done") != 0] if sessions else [manifest.get("version")]
    return [v for v in dict.fromkeys(found) if v]


def other_versions(manifest: dict[str, Any] | None, current: str) -> list[str]:
    """Versions of syslead other than ``current`` that made runs in a folder (from its manifest's sessions)."""
    return [v for v in run_versions(manifest) if v != current]


def version_warning(root: Path, manifest: dict[str, Any] | None, current: str) -> str | None:
    """One line when ``manifest`` records runs made by another version of syslead than ``current``."""
    older = other_versions(manifest, current)
    if not older:
        return None
    return (
        f"syslead: warning: {root} holds runs made by syslead {' and '.join(older)}; this is syslead {current}: "
        "new runs will be combined with them (use another --out to keep versions apart)"
    )


# ------------------------------------------------------------------ the runner


@dataclass
class SweepReport:
    out: Path
    total: int
    skipped: int  # already done before this call
    ran: int
    seconds: float
    engine: str


def run_plan(
    plan: Plan, store: Store, executor: cf.Executor, capacity: int, *, progress: bool = True, desc: str | None = None
) -> tuple[int, int]:
    """Run every planned run without a part on ``executor``; ``(skipped, ran)``."""
    from tqdm.auto import tqdm

    done = store.part_ids()
    todo = (r for r in plan.runs if r.run_id not in done)
    skipped = sum(1 for r in plan.runs if r.run_id in done)
    window = max(2, 2 * capacity)
    ran = 0
    pending: dict[cf.Future, PlannedRun] = {}
    bar = tqdm(
        total=len(plan),
        initial=skipped,
        unit="run",
        desc=desc or plan.experiment.name,
        disable=not progress,
        dynamic_ncols=True,
        smoothing=0.1,
        file=sys.stderr,
    )
    try:
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                r = next(todo, None)
                if r is None:
                    exhausted = True
                    break
                pending[executor.submit(execute, task_for(plan, r))] = r
            if not pending:
                break
            finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in finished:
                r = pending.pop(fut)
                try:
                    metrics, timeseries, wall, localities = fut.result()
                except Exception as exc:
                    raise SweepError(
                        f"run {r.run_id} (scenario '{r.scenario}', point {r.point}, replicate "
                        f"{r.replicate}) failed: {type(exc).__name__}: {exc}"
                    ) from exc
                row = plan.row_base(r)
                row.update({m: float(metrics[m]) for m in SUMMARY_METRICS})
                row["wall_seconds"] = float(wall)
                store.write_part(row, timeseries, localities)
                ran += 1
                bar.update(1)
    finally:
        for fut in pending:
            fut.cancel()
        bar.close()
    return skipped, ran


def run_experiment(
    experiment: Experiment | str | Path | dict,
    out: str | Path,
    *,
    workers: int | None = None,
    dask: str | None = None,
    executor: Any = None,
    progress: bool = True,
    report: list | None = None,
) -> Path:
    """Run ``experiment`` into the folder ``out`` and return it.

    Resumes: runs already finished in ``out`` are skipped, so the same call after an interruption (or with
    more ``replicates``) completes the folder. Refuses (ConfigError, nothing written) bad input, a folder
    holding another experiment and unreadable results files. ``executor`` may be any
    ``concurrent.futures.Executor`` or a ``distributed.Client`` (left open); otherwise a local process pool
    of ``workers`` processes (default: one per core), or Dask with ``dask="local"`` or ``"tcp://HOST:PORT"``.
    ``report``, if given, receives a :class:`SweepReport`. Resuming a folder with runs made by another version of
    syslead prints one warning line on stderr naming both versions (and goes on: the runs are combined).
    """
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    _check_engine(workers, dask, executor)
    t0 = time.perf_counter()
    plan = make_plan(exp)
    store = Store(out)
    localities = locality_counts(plan)
    previous = check_folder(store, plan, localities)
    warning = version_warning(store.root, previous, version())
    if warning:
        print(warning, file=sys.stderr, flush=True)

    owned: list[Any] = []
    if executor is not None:
        if _is_dask_client(executor):
            capacity = _dask_capacity(executor)
            executor = executor.get_executor(retries=DASK_RETRIES, pure=False)
            engine = f"dask {executor._client.scheduler.address}"
        else:
            capacity = getattr(executor, "_max_workers", None) or workers or default_workers()
            engine = type(executor).__name__
    elif dask is not None:
        client = dask_client(dask, workers)
        owned.append(client)
        capacity = _dask_capacity(client)
        executor = client.get_executor(retries=DASK_RETRIES, pure=False)
        engine = f"dask {dask} ({capacity} workers)"
    else:
        capacity = workers or default_workers()
        engine = f"process pool ({capacity} workers)"
        executor = None  # started below, only if there is something to run

    try:
        store.open()
        try:
            manifest = build_manifest(plan, previous, engine, localities=bool(localities))
            store.write_manifest(manifest)
            done = store.part_ids()
            todo_n = sum(1 for r in plan.runs if r.run_id not in done)
            if executor is None and todo_n:
                executor = process_pool(min(capacity, todo_n))
                owned.append(executor)
            skipped, ran = (len(plan) - todo_n, 0)
            if todo_n:
                skipped, ran = run_plan(plan, store, executor, capacity, progress=progress)
            ids = [r.run_id for r in plan.runs]
            up_to_date = (
                not ran
                and previous is not None
                and previous.get("finished")
                and [r["run_id"] for r in previous["runs"]] == ids
                and store.runs_path.exists()
                and store.timeseries_path.exists()
                and (not localities or store.localities_path.exists())
            )
            if not up_to_date:
                swept = plan.points[0] if plan.points else {}
                store.consolidate(ids, swept, plan.experiment.weeks + 1, localities)
            manifest["finished"] = manifest["sessions"][-1]["finished"] = _now()
            manifest["sessions"][-1]["runs_done"] = ran
            store.write_manifest(manifest)
        finally:
            store.close()
    finally:
        for obj in reversed(owned):
            with contextlib.suppress(Exception):
                if isinstance(obj, cf.Executor):
                    obj.shutdown(wait=True, cancel_futures=True)
                else:
                    cluster = getattr(obj, "cluster", None)
                    obj.close()
                    if cluster is not None:
                        cluster.close()
    if report is not None:
        report.append(SweepReport(store.root, len(plan), skipped, ran, time.perf_counter() - t0, engine))
    return store.root


def add_replicates(out: str | Path, replicates: int, **kwargs) -> Path:
    """Raise the number of replicates of the experiment in ``out`` to ``replicates`` and run the new ones
    (paired with the existing ones: replicate ``r`` has the same seed in every scenario and point).
    Keyword arguments go to :func:`run_experiment`."""
    import dataclasses

    manifest = Store(out).read_manifest()
    if manifest is None:
        raise ConfigError(f"{out} holds no sweep results (manifest.json is missing)")
    exp = experiment_from_manifest(manifest)
    exp = dataclasses.replace(exp, replicates=max(replicates, exp.replicates))
    return run_experiment(exp, out, **kwargs)


def experiment_from_manifest(manifest: dict[str, Any]) -> Experiment:
    """The :class:`Experiment` recorded in a manifest (scenario files read from where they were found)."""
    data = json.loads(json.dumps(manifest["experiment"]))
    info = manifest.get("scenarios", {})
    files = {v.get("given"): v.get("file") for v in info.values()}
    data["experiment"]["scenarios"] = [files.get(s) or s for s in data["experiment"]["scenarios"]]
    return load_experiment(data)

"""Paired comparisons of named scenarios: run them as a sweep, then write the report.

:func:`compare` is what ``syslead compare`` calls; :func:`main_job` is what
``syslead main`` (and ``make run``) calls. Both hand the runs to the sweep
engine (:mod:`simulation.sweep`), so results are durable, resumable and
reproducible from the folder's manifest, and then build the report with
:func:`simulation.analysis.report.build`.

With a precision target, :func:`compare` keeps adding paired replicates in
batches (the sweep engine adds runs to an existing folder when the
replicate count grows) until the 95% interval of the headline ratio
(``projects_started``, each scenario against the reference) is narrower
than the target relative to the estimate, or a cap is reached.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import ConfigError
from . import report as report_mod
from . import stats

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd


HEADLINE_METRIC = "projects_started"
DEFAULT_SEED = 2024
DEFAULT_DRAWS = 20  # posterior draws of `syslead compare --posterior`
MAIN_EXPERIMENT = "experiments/strategy_comparison.toml"
MAIN_OUT = "results/strategy_comparison"


@dataclass
class Outcome:
    report: report_mod.Report | None  # None when asked not to write one
    out: Path
    replicates: int
    sweep_seconds: float
    report_seconds: float
    precision: dict | None = None
    draws: int = 0  # posterior draws (0: the point estimate)

    @property
    def draws_text(self) -> str:
        return f" on each of {self.draws} posterior draws" if self.draws else ""


def experiment_dict(
    scenarios: list[str],
    replicates: int,
    weeks: int,
    *,
    seed: int = DEFAULT_SEED,
    sets: dict[str, Any] | None = None,
    name: str | None = None,
    posterior: str | None = None,
    draws: int | None = None,
) -> dict:
    """The experiment table of a paired comparison (the sweep engine validates it). With ``posterior`` (a
    posterior.parquet, or "packaged"), every scenario runs ``replicates`` paired replicates on each of ``draws``
    posterior draws (the same draws and seeds in every scenario)."""
    if len(scenarios) < 2:
        raise ConfigError("compare needs at least two scenarios: the reference first, then the others")
    dupes = sorted({s for s in scenarios if scenarios.count(s) > 1})
    if dupes:
        raise ConfigError(f"scenario {dupes[0]!r} is listed twice: allowed each scenario once")
    exp = {
        "name": name or "compare-" + "-vs-".join(Path(s).stem for s in scenarios),
        "weeks": int(weeks),
        "replicates": int(replicates),
        "seed": int(seed),
        "scenarios": list(scenarios),
    }
    data: dict[str, Any] = {"experiment": exp}
    if sets:
        data["set"] = dict(sets)
    if posterior is None and draws is not None:
        raise ConfigError("--draws applies to runs on posterior draws: give --posterior PATH (or 'packaged') too")
    if posterior is not None:
        data["posterior"] = {
            "file": str(posterior),
            "draws": int(DEFAULT_DRAWS if draws is None else draws),
            "seed": int(seed),
        }
    return data


def relative_width(runs: pd.DataFrame, reference: str, metric: str = HEADLINE_METRIC) -> tuple[float, dict[str, float]]:
    """Widest relative width of the 95% interval of ``metric``'s ratio to the reference, over the scenarios.

    Relative width = (high - low) / estimate for the ratio of means; when the ratio is undefined (the reference
    mean is 0), the difference's interval relative to the absolute difference is used instead.
    """
    widths = {}
    keys = stats.pairing_keys(runs, stats.parameter_columns(runs, stats.metrics_in(runs)))
    for sc in (s for s in runs["scenario"].unique() if s != reference):
        x, y = stats.pairs(runs, sc, reference, metric, keys)
        if x.size < 2:
            widths[sc] = math.inf
            continue
        iv = stats.paired_interval(x, y)
        if math.isfinite(iv.ratio_low) and iv.ratio > 0:
            widths[sc] = (iv.ratio_high - iv.ratio_low) / iv.ratio
        elif iv.difference != 0:
            widths[sc] = (iv.diff_high - iv.diff_low) / abs(iv.difference)
        else:
            widths[sc] = math.inf if iv.diff_high > iv.diff_low else 0.0
    return (max(widths.values()) if widths else math.inf), widths


def _sweep():
    try:
        from .. import sweep
    except ImportError as exc:  # pragma: no cover - the sweep package ships with the project
        raise ConfigError(f"the sweep engine (simulation.sweep) is not available: {exc}") from None
    return sweep


def compare(
    scenarios: list[str],
    replicates: int,
    weeks: int,
    out: str | Path,
    *,
    precision: float | None = None,
    max_replicates: int = 200,
    batch: int | None = None,
    workers: int | None = None,
    seed: int = DEFAULT_SEED,
    sets: dict[str, Any] | None = None,
    progress: bool = True,
    replay_runs: bool = True,
    write_report: bool = True,
    log: Callable[[str], None] = print,
    posterior: str | None = None,
    draws: int | None = None,
) -> Outcome:
    """Run the scenarios as paired replicates into ``out`` and write ``out/report.html``. With ``posterior``, on
    ``draws`` posterior draws, ``replicates`` paired replicates each."""
    sweep = _sweep()
    out = Path(out)
    if precision is not None and not (precision > 0):
        raise ConfigError(f"--precision {precision} is not allowed: a relative width > 0 (e.g. 0.1 for 10%)")
    if precision is not None and max_replicates < replicates:
        raise ConfigError(f"--max-replicates {max_replicates} is smaller than --replicates {replicates}")
    data = experiment_dict(scenarios, replicates, weeks, seed=seed, sets=sets, posterior=posterior, draws=draws)
    experiment = sweep.load_experiment(data)  # refuses bad scenarios, paths and values before anything runs
    t0 = time.perf_counter()
    info = None
    n = replicates
    if precision is None:
        sweep.run_experiment(experiment, out, workers=workers, progress=progress)
        (out / "precision.json").unlink(missing_ok=True)  # from an earlier --precision run: no longer true
    else:
        batch = batch or max(10, replicates // 2)
        history = []
        while True:
            data["experiment"]["replicates"] = n
            sweep.run_experiment(sweep.load_experiment(data), out, workers=workers, progress=progress)
            runs, _, manifest = sweep.load_results(out)
            reference = report_mod.scenario_entries(manifest, runs)[0]
            width, per = relative_width(runs, reference)
            history.append({"replicates": n, "width": width, "by_scenario": per})
            log(
                f"precision: {n} replicates, widest 95% interval of the {HEADLINE_METRIC} ratio is "
                f"{100 * width:.1f}% of the estimate (target {100 * precision:.1f}%)"
            )
            if width < precision or n >= max_replicates:
                break
            n = min(max_replicates, n + batch)
        info = {
            "metric": HEADLINE_METRIC,
            "target": precision,
            "batch": batch,
            "cap": max_replicates,
            "replicates": n,
            "width": width,
            "reached": bool(width < precision),
            "history": history,
        }
        report_mod._atomic_text(out / "precision.json", json.dumps(info, indent=2, default=float) + "\n")
    t1 = time.perf_counter()
    rep = (
        report_mod.build(out, replay_runs=replay_runs, workers=workers or _cores(), precision=info)
        if write_report
        else None
    )
    n_draws = int(data["posterior"]["draws"]) if "posterior" in data else 0
    return Outcome(rep, out, n, t1 - t0, time.perf_counter() - t1, info, n_draws)


def find_main_experiment(path: str | Path | None = None) -> Path:
    """The main experiment file: ``path``, else ``experiments/strategy_comparison.toml`` here or in the checkout."""
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"experiment file {str(p)!r} does not exist")
        return p
    for base in (Path.cwd(), Path(__file__).resolve().parents[2]):
        p = base / MAIN_EXPERIMENT
        if p.is_file():
            return p
    raise ConfigError(f"cannot find {MAIN_EXPERIMENT}: run from the project folder or pass --experiment FILE")


def stored_runs_reproduce(out: Path) -> bool | None:
    """Does the first stored replicate of every scenario, re-run now, give the metrics stored in ``out``?

    One run per scenario, so a change of code that touches only one scenario's levers is caught too.
    ``None`` when there is nothing finished to check (an empty or unfinished folder: the sweep resumes it or
    refuses it). ``False`` means the runs were made by other code and would be mixed with new ones.
    """
    from ..run import run
    from ..sweep import load_results
    from .replay import run_spec

    if not (out / "runs.parquet").is_file():
        return None
    try:
        runs, _, manifest = load_results(out)
        checks = []
        for scenario in report_mod.scenario_entries(manifest, runs):
            row = runs[runs["scenario"] == scenario].sort_values("replicate").iloc[0]
            checks.append((row, *run_spec(manifest, str(row["run_id"]))))
    except (ConfigError, IndexError, KeyError):
        return None
    if not checks:
        return None
    for row, params, seed, weeks in checks:
        now = run(params, seed, weeks).metrics
        if not all(
            now[k] == float(row[k]) or (math.isnan(now[k]) and math.isnan(float(row[k]))) for k in now if k in row.index
        ):
            return False
    return True


def _holds_another_experiment(out: Path, experiment) -> bool:
    """Whether ``out`` holds a sweep of another experiment (e.g. before the main job ran on posterior draws)."""
    try:
        manifest = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("fingerprint") not in (None, experiment.fingerprint())


def _set_aside_if_stale(out: Path, log, experiment=None) -> None:
    """The main job must show what the code does now: runs made by other code, or of another version of the
    experiment (another posterior file, other draws), are moved to ``OUT.previous`` (replacing an older one) and
    the experiment is run afresh."""
    import shutil

    if experiment is not None and _holds_another_experiment(out, experiment):
        previous = out.with_name(out.name + ".previous")
        if previous.exists():
            shutil.rmtree(previous)
        out.rename(previous)
        log(f"note: {out} held another version of the experiment; moved it to {previous} and running afresh")
        return
    if stored_runs_reproduce(out) is False:
        previous = out.with_name(out.name + ".previous")
        if previous.exists():
            shutil.rmtree(previous)
        out.rename(previous)
        log(
            f"note: the runs in {out} were made by other code (a stored run no longer reproduces); moved them to "
            f"{previous} and running afresh"
        )


def main_job(
    experiment: str | Path | None = None,
    out: str | Path = MAIN_OUT,
    *,
    workers: int | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> Outcome:
    """The strategy comparison: run the experiment (resuming if the folder holds part of it, afresh if its runs
    were made by other code), write the report."""
    sweep = _sweep()
    path = find_main_experiment(experiment)
    exp = sweep.load_experiment(path)
    _set_aside_if_stale(Path(out), log, exp)
    t0 = time.perf_counter()
    sweep.run_experiment(exp, out, workers=workers, progress=progress)
    t1 = time.perf_counter()
    from .stored import add_stored_studies

    add_stored_studies(out, log)  # why the ways differ and where each wins: the studies shipped with syslead
    rep = report_mod.build(out, workers=workers or _cores())
    draws = exp.posterior.draws if isinstance(exp.posterior, sweep.Posterior) else 0
    return Outcome(rep, Path(out), int(exp.replicates), t1 - t0, time.perf_counter() - t1, None, draws)


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)

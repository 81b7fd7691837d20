"""``syslead sweep`` and ``syslead rerun`` (registered on import by :mod:`simulation.cli`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..cli import command, engine_options, format_summary
from ..config import ConfigError


def _configure_sweep(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", help="experiment TOML file ([experiment], optional [set], [grid], [sample])")
    p.add_argument(
        "--out", default=None, help="results folder (default results/sweeps/NAME); re-run the same command to resume"
    )
    engine_options(p, workers_help="worker processes of the local pool or of --dask local (default: one per core)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")


@command("sweep", "run an experiment (scenarios x grid/sample x replicates); resumable", _configure_sweep)
def cmd_sweep(args: argparse.Namespace) -> int:
    from .experiment import load_experiment
    from .runner import SweepError, _check_engine, run_experiment

    exp = load_experiment(args.experiment)
    _check_engine(args.workers, args.dask, None)
    out = Path(args.out or f"results/sweeps/{exp.name}")
    report: list = []
    try:
        run_experiment(exp, out, workers=args.workers, dask=args.dask, progress=not args.quiet, report=report)
    except SweepError as exc:
        print(
            f"syslead: error: {exc}\nsyslead: finished runs are kept in {out / 'parts'}; run the same command "
            "again to resume",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print(
            f"syslead: interrupted; finished runs are kept in {out / 'parts'}: run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    if not args.quiet:
        r = report[0]
        shape = f"{len(exp.scenarios)} scenarios x {exp.n_points()} points x {exp.replicates} replicates"
        print(
            f"{exp.name}: {r.total} runs ({shape}); {r.ran} run now, {r.skipped} already done; "
            f"{r.seconds:.1f} s on {r.engine}"
        )
        extra = " localities.parquet" if (out / "localities.parquet").exists() else ""
        print(f"files: {out}/manifest.json runs.parquet timeseries.parquet{extra}")
    return 0


def _configure_rerun(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", help="a sweep's results folder")
    p.add_argument("run_id", help="the run's id (a unique prefix is enough)")
    p.add_argument("--out", default=None, help="output folder for the run files (default results/runs/rerun-ID)")
    p.add_argument("--quiet", action="store_true", help="print only problems")


@command("rerun", "re-run one run of a sweep from its manifest and check it is identical", _configure_rerun)
def cmd_rerun(args: argparse.Namespace) -> int:
    from .rerun import rerun

    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not out.is_dir():
        raise ConfigError(f"--out {str(out)!r} exists and is not a folder")
    outcome = rerun(args.folder, args.run_id, None)  # run first: a bad id or folder writes nothing
    from ..run import write_run

    rid = outcome.run["run_id"]
    out = out or Path(f"results/runs/rerun-{rid}")
    write_run(outcome.result, out)
    if not args.quiet:
        r = outcome.run
        print(
            format_summary(
                outcome.result.metrics,
                title=f"run {rid}: {r['scenario']}, replicate {r['replicate']}, "
                f"seed {r['seed']}, {outcome.result.weeks} weeks",
            )
        )
        print(f"files: {out}/timeseries.csv events.csv projects.csv summary.json")
    if outcome.compared is None:
        print(
            f"note: run {rid} has not finished in {args.folder}, so there is nothing to compare with", file=sys.stderr
        )
        return 0
    if outcome.differences:
        print(
            f"syslead: error: run {rid} differs from the sweep's results in {outcome.compared}: "
            + "; ".join(outcome.differences[:5]),
            file=sys.stderr,
        )
        return 1
    if not args.quiet:
        loc = " and locality" if outcome.result.params.population.localities > 1 else ""
        print(f"identical to the sweep's results in {outcome.compared} (every summary metric and every week{loc})")
    return 0

"""Time the main job (`make run` = `syslead main`) from an empty results folder.

    .venv/bin/python experiments/benchmarks/main_job.py [--workers 2] [--replicates N]

Runs experiments/strategy_comparison.toml (optionally with another replicate count) into a temporary
folder, then prints the wall time of the sweep, of the report, the total, and the mean seconds per run;
docs/performance.md ("Main job") records the figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import pandas as pd

from simulation.analysis import report
from simulation.analysis.compare import find_main_experiment
from simulation.config import load_toml
from simulation.sweep import load_experiment, run_experiment


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--replicates", type=int, default=None, help="override the experiment's replicates")
    args = ap.parse_args()
    data = load_toml(find_main_experiment())
    if args.replicates:
        data["experiment"]["replicates"] = args.replicates
    exp = load_experiment(data)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "strategy_comparison"
        t0 = time.perf_counter()
        run_experiment(exp, out, workers=args.workers, progress=False)
        t1 = time.perf_counter()
        rep = report.build(out, workers=args.workers)
        t2 = time.perf_counter()
        runs = pd.read_parquet(out / "runs.parquet")
        size = (out / "report.html").stat().st_size
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"runs: {len(runs)} ({len(exp.scenarios)} scenarios x {exp.replicates} replicates x {exp.weeks} weeks), "
        f"workers {args.workers}"
    )
    print(
        f"sweep {t1 - t0:.1f} s ({runs.wall_seconds.mean():.2f} s per run in a worker), report {t2 - t1:.1f} s "
        f"(report.html {size / 1e6:.1f} MB, {len(rep.figures)} figures), total {t2 - t0:.1f} s"
    )


if __name__ == "__main__":
    main()

"""Time `syslead decompose A B --replicates N --weeks W --out DIR` from an empty folder.

    .venv/bin/python experiments/benchmarks/decompose_speed.py [--a top-down] [--b south-manchester]
        [--replicates 2] [--weeks 52] [--workers 2]

Runs the command as a user would (a child process, so start-up counts) into a temporary folder and prints the
wall time, the number of runs, the mean seconds per run in a worker, the analysis time (levers.csv, levers.json,
levers.png) and the projection to 20 replicates; docs/experiments.md ("Lever decomposition") records the figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", default="top-down")
    ap.add_argument("--b", default="south-manchester")
    ap.add_argument("--replicates", type=int, default=2)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "levers"
        cmd = [
            sys.executable,
            "-m",
            "simulation",
            "decompose",
            args.a,
            args.b,
            "--replicates",
            str(args.replicates),
            "--weeks",
            str(args.weeks),
            "--workers",
            str(args.workers),
            "--out",
            str(out),
            "--quiet",
        ]
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        total = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        runs = pd.read_parquet(out / "runs.parquet")
        t1 = time.perf_counter()
        again = subprocess.run(cmd, capture_output=True, text=True)  # all runs done: start-up + analysis only
        rerun = time.perf_counter() - t1
        if again.returncode != 0:
            raise SystemExit(again.stderr)
    per_run = float(runs.wall_seconds.mean())
    sweep = total - rerun  # the runs (and the pool), without start-up and analysis
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {load:.1f} before")
    print(done.stdout.strip())
    print(
        f"{len(runs)} runs of {args.weeks} weeks on {args.workers} workers: {total:.1f} s in all "
        f"({per_run:.2f} s per run in a worker); the same command again (nothing to run: start-up, checks, "
        f"analysis and figure) {rerun:.1f} s"
    )
    print(
        f"load {os.getloadavg()[0]:.1f} after; projection to 20 replicates at this speed: about "
        f"{20 * sweep / args.replicates / 60:.0f} min of runs + {rerun:.0f} s"
    )


if __name__ == "__main__":
    main()

"""How long `syslead discover experiments/discovery.toml` takes on an idle machine, measured on a busy one.

    .venv/bin/python experiments/benchmarks/discovery_speed.py [--experiment experiments/discovery.toml]
        [--every 11] [--workers 2] [--folder results/discovery]

On a shared machine the wall time of a sweep says more about the other work than about the sweep. This script
measures what does not depend on the load: the CPU seconds of the runs themselves. It runs both scenarios at
every ``--every``-th sampled point of the experiment (the same parameters and seeds as the sweep) in this
process, one after another, and times each with ``time.process_time``; the mean, times the experiment's number
of runs and divided by ``--workers``, is the time of the runs on that many idle cores. With ``--folder`` (a
finished discovery of the same experiment) it also runs the command again there, where nothing is left to run,
and reports the CPU seconds of that child process: start-up, checks, reading the runs, PRIM and the figures.
docs/discovery.md records the figures, beside the wall time of a real run and the load average it ran under.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--experiment", default=str(ROOT / "experiments" / "discovery.toml"))
    ap.add_argument("--every", type=int, default=11, help="time the runs of every k-th point (default 11)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--folder", default=None, help="a finished discovery of this experiment, to time the analysis")
    args = ap.parse_args()

    from simulation.analysis.discovery import load_discovery
    from simulation.run import run
    from simulation.sweep import make_plan

    d = load_discovery(args.experiment)
    plan = make_plan(d.experiment)
    sample = [r for r in plan.runs if r.point % args.every == 0]
    load_before = os.getloadavg()[0]
    cpu: list[float] = []
    for r in sample:
        params = plan.params(r)
        t0 = time.process_time()
        run(params, r.seed, d.experiment.weeks)
        cpu.append(time.process_time() - t0)
    mean = sum(cpu) / len(cpu)
    runs_idle = mean * len(plan.runs) / args.workers
    print(f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} cores)")
    print(
        f"{len(sample)} of the {len(plan.runs)} runs timed: {mean:.2f} CPU s per run (min {min(cpu):.2f}, "
        f"max {max(cpu):.2f}); the runs on {args.workers} idle cores: about {runs_idle:.0f} s"
    )
    if args.folder:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "simulation", "discover", args.experiment, "--out", args.folder, "--quiet"],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        if "0 run now" not in done.stdout:
            raise SystemExit(f"{args.folder} was not a finished discovery of {args.experiment}")
        analysis = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        print(
            f"the command on the finished folder (start-up, checks, PRIM, figures): {analysis:.1f} CPU s "
            f"({wall:.1f} s wall under this load)"
        )
        print(
            f"estimate for the whole command on {args.workers} idle cores: about {(runs_idle + analysis) / 60:.1f} min"
        )


if __name__ == "__main__":
    main()

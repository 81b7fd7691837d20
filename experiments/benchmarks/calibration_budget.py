"""How long one particle of `syslead calibrate` takes, and what a calibration of a given size costs.

    .venv/bin/python experiments/benchmarks/calibration_budget.py [--runs 6] [--population 40] [--generations 8]

A particle is one three-year run (156 weeks) of the scenario at 3,000 people with the calibrated parameters
drawn from their priors (the registry's ranges), measured on the facts. This times ``--runs`` particles drawn
from the prior (seed 1) in this process, prints the machine's load beside the times (they are only comparable
at the same load), and the budget: ABC-SMC needs about ``population`` runs for generation 0 (every prior draw
accepted) and about ``population / acceptance`` runs for each later one (acceptance about 0.4 while epsilon
falls, lower in the last generation), on ``--cores`` processes with ``--dask local``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def main() -> None:
    from simulation.validation import abc

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=6)
    ap.add_argument("--population", type=int, default=abc.DEFAULT_POPULATION)
    ap.add_argument("--generations", type=int, default=abc.DEFAULT_GENERATIONS)
    ap.add_argument("--acceptance", type=float, default=0.4, help="assumed acceptance after generation 0")
    ap.add_argument("--cores", type=int, default=2)
    args = ap.parse_args()
    settings = abc.make_settings()
    sim = settings.simulator()
    rng = np.random.default_rng(1)
    times = []
    load0 = os.getloadavg()[0]
    for _ in range(args.runs):
        values = {k: float(rng.uniform(lo, hi)) for k, (lo, hi) in settings.priors.items()}
        t0 = time.perf_counter()
        sim(values)
        times.append(time.perf_counter() - t0)
    per_run = float(np.mean(times))
    runs = args.population + (args.generations - 1) * args.population / args.acceptance
    print(
        f"load {load0:.1f} -> {os.getloadavg()[0]:.1f}; {args.runs} prior particles: {per_run:.2f} s per run "
        f"(min {min(times):.2f}, max {max(times):.2f})"
    )
    print(
        f"budget: {args.population} particles x {args.generations} generations ~ {runs:.0f} runs ~ "
        f"{runs * per_run / args.cores / 60:.0f} min on {args.cores} processes"
    )


if __name__ == "__main__":
    main()

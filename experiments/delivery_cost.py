"""Staff days and delivery cost of every library scenario, at the default cost values.

Usage: python experiments/delivery_cost.py [--weeks 156] [--seeds 1 2] [--size 3000]

Prints one row per scenario (mean over the seeds; the range in brackets when there are several) with each
staff-days component, the total, the cost in pounds and two outcomes per 100 staff days. Costs are the
``cost.*`` defaults: assumptions to set for your system (docs/ODD.md, "Delivery cost").
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from simulation import scenarios
from simulation.cost import COST_METRICS
from simulation.run import run

OUTCOMES = ("projects_started", "adopters")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weeks", type=int, default=156)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--size", type=int, default=None, help="population.size (default: each scenario's own)")
    args = ap.parse_args()
    rows = []
    for name in scenarios.names():
        params = scenarios.get(name).params({"population.size": args.size} if args.size else {})
        for seed in args.seeds:
            t0 = time.perf_counter()
            r = run(params, seed, args.weeks, scenario=name)
            row = {
                "scenario": name,
                "seed": seed,
                "people": params.population.size,
                **{m: r.metrics[m] for m in (*COST_METRICS, *OUTCOMES)},
            }
            for o in OUTCOMES:
                row[f"{o}_per_100_staff_days"] = 100 * r.metrics[o] / r.metrics["staff_days"]
            row["seconds"] = time.perf_counter() - t0
            rows.append(row)
            print(
                f"{name} seed {seed}: {row['staff_days']:,.0f} staff days, £{row['delivery_cost_pounds']:,.0f} "
                f"({row['seconds']:.0f} s)",
                flush=True,
            )
    df = pd.DataFrame(rows)
    cols = [c for c in df.columns if c not in ("scenario", "seed", "seconds")]
    mean = df.groupby("scenario", sort=False)[cols].mean()
    lo = df.groupby("scenario", sort=False)[cols].min()
    hi = df.groupby("scenario", sort=False)[cols].max()
    with pd.option_context("display.width", 250, "display.max_columns", 50, "display.float_format", "{:,.1f}".format):
        print(f"\nmean over seeds {args.seeds}, {args.weeks} weeks")
        print(mean.T)
        print("\nlowest")
        print(lo.T)
        print("\nhighest")
        print(hi.T)


if __name__ == "__main__":
    main()

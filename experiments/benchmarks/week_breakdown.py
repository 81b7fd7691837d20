"""Where a week goes, phase by phase, at the sizes of the side-by-side comparison.

    .venv/bin/python experiments/benchmarks/week_breakdown.py [--sizes 200 10000] [--weeks 30] [--reps 3]

The same runs as the syslead side of versus_mesa.py (default scenario, seeds 1, 2, 3, weeks 1 to
``--weeks`` stepped with ``model.step()`` after set-up): each phase of ``simulation.model.PHASES`` and the
week's metrics are wrapped with a wall-clock timer; the repetition with the fastest week is kept.
Writes results/benchmarks/week_breakdown.json: per size the time per week, the time of each phase, the part of
the metrics that is the DataCollector's row (``datacollector_ms``, included in ``metrics``) and what is left
outside the phases (Mesa's step wrapper and the loop over the phases: the scheduling).

The smallest size shows the part of a week that does not grow with the population (call overheads);
with versus_mesa.json it gives the budget a week must fit in for a given ratio to virus_on_network.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench


def breakdown(size: int, weeks: int, reps: int) -> dict:
    from simulation import model as model_module
    from simulation.config import make_params

    spent: Counter = Counter()

    def timed(name, fn):
        def run(m):
            t = time.perf_counter()
            fn(m)
            spent[name] += time.perf_counter() - t

        return run

    phases, collect = model_module.PHASES, model_module.LeadershipModel._collect
    dc_collect = model_module.WeeklyCollector.collect

    def timed_collect(m):
        t = time.perf_counter()
        collect(m)
        spent["metrics"] += time.perf_counter() - t

    def timed_dc(self, m):
        t = time.perf_counter()
        dc_collect(self, m)
        dc[0] += time.perf_counter() - t

    dc = [0.0]  # the DataCollector's row, inside the metrics
    model_module.PHASES = tuple((name, timed(name, fn)) for name, fn in phases)
    model_module.LeadershipModel._collect = timed_collect
    model_module.WeeklyCollector.collect = timed_dc
    best = None
    try:
        for rep in range(reps):
            m = model_module.LeadershipModel(make_params(overrides={"population.size": size}), seed=1 + rep)
            spent.clear()
            dc[0] = 0.0
            t = time.perf_counter()
            for _ in range(weeks):
                m.step()
            week_ms = (time.perf_counter() - t) / weeks * 1000
            if best is None or week_ms < best["week_ms"]:
                per = {k: v / weeks * 1000 for k, v in sorted(spent.items(), key=lambda kv: -kv[1])}
                best = {
                    "size": size,
                    "weeks": weeks,
                    "seed": 1 + rep,
                    "week_ms": week_ms,
                    "phases_ms": per,
                    "datacollector_ms": dc[0] / weeks * 1000,
                    "outside_ms": week_ms - sum(per.values()),
                }
    finally:
        model_module.PHASES, model_module.LeadershipModel._collect = phases, collect
        model_module.WeeklyCollector.collect = dc_collect
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 10_000])
    ap.add_argument("--weeks", type=int, default=30)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    rows = []
    for size in args.sizes:
        row = breakdown(size, args.weeks, args.reps)
        rows.append(row)
        top = ", ".join(f"{k} {v:.2f}" for k, v in list(row["phases_ms"].items())[:4])
        print(f"{size:>9,}: {row['week_ms']:.2f} ms per week ({top}, ...)", flush=True)
    _bench.save("week_breakdown.json", {"machine": _bench.machine(), "rows": rows})


if __name__ == "__main__":
    main()

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

With ``--ties`` each row also gets ``ties_ms``: the time of the week spent in the tie storage and the graph
kernels (every method of :class:`simulation.kernels.network.TrustNetwork`, outermost calls only, and the
metrics' tie summary and clustering), by method in ``ties_by_call_ms``. These are compiled passes over the ties
that the model's rules ask for each week (decay, two merges, renewal, the components and clustering of the
metrics): the part of a week that no rewrite of the mechanisms' own numpy code would remove. They are timed in
one more run (the fastest repetition's seed; its week in ``ties_run_week_ms``), so the timers (a few
microseconds a week) stay out of the phase timings.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench


def _time_tie_kernels(ties: Counter) -> list[tuple[object, str, object]]:
    """Wrap the tie storage's methods and the metrics' graph kernels with timers (outermost calls only);
    returns what to put back."""
    from functools import cached_property

    from simulation.kernels.network import TrustNetwork
    from simulation.metrics import Snapshot

    depth = [0]

    def timed(name, fn):
        def run(*a, **k):
            if depth[0]:
                return fn(*a, **k)
            depth[0] += 1
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                ties[name] += time.perf_counter() - t
                depth[0] -= 1

        return run

    undo: list[tuple[object, str, object]] = []
    for name, attr in list(vars(TrustNetwork).items()):
        if callable(attr) and not name.startswith("__"):
            undo.append((TrustNetwork, name, attr))
            setattr(TrustNetwork, name, timed(name, attr))
    undo.append((Snapshot, "clustering", Snapshot.clustering))
    Snapshot.clustering = timed("metrics: clustering", Snapshot.clustering)
    summary = vars(Snapshot)["_ties"]
    undo.append((Snapshot, "_ties", summary))
    wrapped = cached_property(timed("metrics: tie summary and components", summary.func))
    wrapped.__set_name__(Snapshot, "_ties")
    Snapshot._ties = wrapped
    return undo


def breakdown(size: int, weeks: int, reps: int, ties_too: bool = False) -> dict:
    from simulation import model as model_module
    from simulation.config import make_params

    spent: Counter = Counter()
    ties: Counter = Counter()

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
    if ties_too:  # a run of its own (the best repetition's seed), so that the timings above carry no timers
        undo = _time_tie_kernels(ties)
        try:
            m = model_module.LeadershipModel(make_params(overrides={"population.size": size}), seed=best["seed"])
            t = time.perf_counter()
            for _ in range(weeks):
                m.step()
            best["ties_run_week_ms"] = (time.perf_counter() - t) / weeks * 1000
        finally:
            for owner, name, attr in undo:
                setattr(owner, name, attr)
        best["ties_ms"] = sum(ties.values()) / weeks * 1000
        best["ties_by_call_ms"] = {k: v / weeks * 1000 for k, v in sorted(ties.items(), key=lambda kv: -kv[1])}
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 10_000])
    ap.add_argument("--weeks", type=int, default=30)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--ties", action="store_true", help="also time the tie storage and graph kernels")
    args = ap.parse_args()
    rows = []
    for size in args.sizes:
        row = breakdown(size, args.weeks, args.reps, args.ties)
        rows.append(row)
        top = ", ".join(f"{k} {v:.2f}" for k, v in list(row["phases_ms"].items())[:4])
        print(f"{size:>9,}: {row['week_ms']:.2f} ms per week ({top}, ...)", flush=True)
        if args.ties:
            calls = ", ".join(f"{k} {v:.2f}" for k, v in list(row["ties_by_call_ms"].items())[:5])
            print(f"{'':>9}  of which tie storage and graph kernels {row['ties_ms']:.2f} ms ({calls}, ...)", flush=True)
    _bench.save("week_breakdown.json", {"machine": _bench.machine(), "rows": rows})


if __name__ == "__main__":
    main()

"""CPU time of each phase of a week over a whole run, and the functions with the most time of their own.

    .venv/bin/python experiments/benchmarks/phase_profile.py [--sizes 3000 10000 100000] [--weeks 156]
        [--reps 3] [--cprofile] [--out NAME]

Builds the default scenario (``south-manchester``, seed 1, 2, 3 ...) at each size and steps it ``--weeks`` weeks
(set-up not counted). Each phase of ``simulation.model.PHASES`` is wrapped with a *thread CPU time* timer
(``time.thread_time``: on a machine shared with other work, wall time measures the queue for a core; CPU time
measures the work), and the end-of-week collection is split into the metrics (``measure``), the per-locality
table and the rest (Mesa's DataCollector and bookkeeping). What is left of the week outside the phases and the
collection is Mesa's scheduler and the step's own loop. Per size, the median over ``--reps`` runs of each number
is reported. With ``--cprofile`` one more run per size is profiled with cProfile and the functions with the most
time of their own are listed (cProfile inflates numpy-heavy code less than Python-heavy code: read the phase
table for the shares, the function list for where inside them).

The script only uses what every version of the model has (``PHASES``, ``LeadershipModel._collect``,
``simulation.model.measure``), so it can time an older tree side by side: run it with ``PYTHONPATH`` pointing at
that tree. Writes results/benchmarks/<--out>.json (default phase_profile.json).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench


def one_run(size: int, weeks: int, seed: int, profile: bool = False) -> dict:
    import simulation.model as mm
    from simulation import scenarios

    spent: Counter = Counter()
    depth = [0]

    def timed(name, fn):
        def run(m):
            t = time.thread_time()
            fn(m)
            spent[name] += time.thread_time() - t

        return run

    phases, collect, measure, localities = mm.PHASES, mm.LeadershipModel._collect, mm.measure, mm.measure_localities

    def timed_measure(*a, **k):
        depth[0] += 1
        t = time.thread_time()
        try:
            return measure(*a, **k)
        finally:
            depth[0] -= 1
            if depth[0] == 0 and collecting[0]:
                spent["metrics"] += time.thread_time() - t

    def timed_localities(*a, **k):
        t = time.thread_time()
        out = localities(*a, **k)
        spent["locality table"] += time.thread_time() - t
        return out

    collecting = [False]

    def timed_collect(m):
        collecting[0] = True
        t = time.thread_time()
        collect(m)
        spent["collection"] += time.thread_time() - t
        collecting[0] = False

    mm.PHASES = tuple((name, timed(name, fn)) for name, fn in phases)
    mm.LeadershipModel._collect = timed_collect
    mm.measure, mm.measure_localities = timed_measure, timed_localities
    try:
        t_setup = time.thread_time()
        m = mm.LeadershipModel(scenarios.get("south-manchester").params({"population.size": size}), seed=seed)
        setup = time.thread_time() - t_setup
        spent.clear()
        prof = cProfile.Profile() if profile else None
        t0, w0 = time.thread_time(), time.perf_counter()
        if prof:
            prof.enable()
        for _ in range(weeks):
            m.step()
        if prof:
            prof.disable()
        cpu, wall = time.thread_time() - t0, time.perf_counter() - w0
    finally:
        mm.PHASES, mm.LeadershipModel._collect = phases, collect
        mm.measure, mm.measure_localities = measure, localities
    per = {k: 1000 * v / weeks for k, v in spent.items()}
    coll = per.pop("collection", 0.0)
    per["DataCollector and the rest of the collection"] = (
        coll - per.get("metrics", 0.0) - per.get("locality table", 0.0)
    )
    per["outside the phases (scheduler, step loop)"] = 1000 * cpu / weeks - sum(per.values())
    out = {
        "size": size,
        "weeks": weeks,
        "seed": seed,
        "setup_s": setup,
        "cpu_ms_per_week": 1000 * cpu / weeks,
        "wall_ms_per_week": 1000 * wall / weeks,
        "phases_ms": per,
        "ties_at_end": len(m.trust),
        "projects_started": int(m.projects.count),
    }
    if prof:
        s = io.StringIO()
        st = pstats.Stats(prof, stream=s)
        rows = []
        for (file, line, fn), (_cc, nc, tt, ct, _callers) in st.stats.items():
            short = file.split("site-packages/")[-1] if "site-packages/" in file else file.split("/simulation/")[-1]
            rows.append(
                {
                    "function": f"{fn} ({short}:{line})",
                    "calls": nc,
                    "own_ms_per_week": 1000 * tt / weeks,
                    "cumulative_ms_per_week": 1000 * ct / weeks,
                }
            )
        rows.sort(key=lambda r: -r["own_ms_per_week"])
        out["cprofile_top"] = rows[:25]
    return out


def summarise(runs: list[dict]) -> dict:
    names = sorted({k for r in runs for k in r["phases_ms"]})
    med = {k: statistics.median(r["phases_ms"].get(k, 0.0) for r in runs) for k in names}
    return {
        "size": runs[0]["size"],
        "weeks": runs[0]["weeks"],
        "reps": len(runs),
        "cpu_ms_per_week": statistics.median(r["cpu_ms_per_week"] for r in runs),
        "cpu_ms_per_week_all": [r["cpu_ms_per_week"] for r in runs],
        "wall_ms_per_week": statistics.median(r["wall_ms_per_week"] for r in runs),
        "setup_s": statistics.median(r["setup_s"] for r in runs),
        "phases_ms": dict(sorted(med.items(), key=lambda kv: -kv[1])),
        "ties_at_end": [r["ties_at_end"] for r in runs],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[3_000, 10_000, 100_000])
    ap.add_argument("--weeks", type=int, default=156)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--cprofile", action="store_true")
    ap.add_argument("--out", default="phase_profile")
    args = ap.parse_args()
    import simulation

    rows = []
    for size in args.sizes:
        runs = [one_run(size, args.weeks, 1 + r) for r in range(args.reps)]
        row = summarise(runs)
        if args.cprofile:
            row["cprofile_top"] = one_run(size, args.weeks, 1, profile=True)["cprofile_top"]
        rows.append(row)
        top = ", ".join(f"{k} {v:.2f}" for k, v in list(row["phases_ms"].items())[:5])
        print(
            f"{size:>9,}: {row['cpu_ms_per_week']:.2f} ms CPU per week (all {row['cpu_ms_per_week_all']}); {top}",
            flush=True,
        )
    result = {"machine": _bench.machine(), "tree": str(Path(simulation.__file__).resolve().parents[1]), "rows": rows}
    _bench.save(f"{args.out}.json", result)
    print(json.dumps(result["machine"]))


if __name__ == "__main__":
    main()

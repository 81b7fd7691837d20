"""Benchmark of the sweep engine (issue 3): parallel efficiency, per-run overhead, memory.

    .venv/bin/python experiments/benchmarks/sweep_benchmark.py            # about 6 minutes on 2 idle cores
    .venv/bin/python experiments/benchmarks/sweep_benchmark.py --quick    # smaller, for a smoke test
    .venv/bin/python experiments/benchmarks/sweep_benchmark.py --only memory

1. Parallel efficiency: the same 48-run sweep (2 scenarios x 24 replicates, default population,
   104 weeks) with 1 and with 2 local workers, each in a fresh process, twice each in the order
   1, 2, 2, 1, wall time including start-up and consolidation. Efficiency = T1 / (2 x T2).
   Target >= 85 %. Also the CPU time of the whole process tree: a ratio near 1 means two workers
   do no extra work (wall time on a loaded machine cannot show efficiency; CPU time can show
   wasted work).
2. Per-run overhead of the machinery: one worker, the pool already started; the time the sweep takes
   per run (submit, pickling, inter-process transfer, writing the part durably, consolidation) beyond
   the model's own time measured inside the worker, as a share of a default 104-week run. Target < 5 %.
   Also shown: the same runs called directly in one process, for comparison.
3. Memory: peak resident memory of a 2,000-run sweep against a 50-run sweep of tiny runs (population
   200, 10 weeks), and of a 500-run one, each in a fresh process; the sweep process itself (exact:
   its VmHWM) and the whole process tree (sampled). Target: no higher for 2,000 runs (streaming).

The machine's load average is printed before and after: other work on the machine inflates times.
Results are written to results/benchmarks/sweep.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import psutil

from simulation import scenarios
from simulation.run import run
from simulation.sweep import Experiment, Store, load_results, make_plan, process_pool
from simulation.sweep.runner import run_plan

ROOT = Path(__file__).resolve().parents[2]


EFFICIENCY_CHILD = textwrap.dedent("""
    import sys
    from simulation.sweep import Experiment, run_experiment
    if __name__ == "__main__":
        workers, replicates, weeks, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        exp = Experiment("efficiency", weeks=weeks, replicates=replicates, seed=1,
                         scenarios=("south-manchester", "top-down"))
        run_experiment(exp, out, workers=workers, progress=False)
""")


def _watch_tree(proc: subprocess.Popen) -> tuple[float, float]:
    """Wait for ``proc``, sampling its process tree every 0.1 s: (CPU seconds of the tree, share of samples in
    which a pool worker (a grandchild: workers are forked by the fork server) was running or runnable)."""
    root = psutil.Process(proc.pid)
    cpu: dict[int, float] = {}
    busy = samples = 0
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            procs = []
        for p in procs:
            try:
                t = p.cpu_times()
                cpu[p.pid] = max(cpu.get(p.pid, 0.0), t.user + t.system)
                if p.ppid() not in (root.pid, os.getpid()) and p.pid != root.pid:
                    samples += 1
                    busy += p.status() == psutil.STATUS_RUNNING
            except psutil.Error:
                pass
        time.sleep(0.1)
    return sum(cpu.values()), busy / max(samples, 1)


def efficiency(tmp: Path, replicates: int, weeks: int, order: tuple[int, ...] = (1, 2, 2, 1)) -> dict:
    """Each sweep in a fresh process (start-up included): wall time, and CPU time of the whole process tree
    (sampled every 0.1 s). The 1- and 2-worker sweeps alternate (1, 2, 2, 1) so that a drift in the machine's
    load falls on both alike; times are summed per number of workers."""
    script = tmp / "efficiency_child.py"
    script.write_text(EFFICIENCY_CHILD)
    wall, cpu, loads, busy = {1: 0.0, 2: 0.0}, {1: 0.0, 2: 0.0}, [], {1: [], 2: []}
    for i, workers in enumerate(order):
        loads.append(os.getloadavg()[0])
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(script), str(workers), str(replicates), str(weeks), str(tmp / f"eff{i}")]
        )
        seconds, runnable = _watch_tree(proc)
        cpu[workers] += seconds
        busy[workers].append(runnable)
        wall[workers] += time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"efficiency sweep with {workers} workers failed")
    return {
        "runs": 2 * replicates,
        "weeks": weeks,
        "order": list(order),
        "t1_seconds": wall[1],
        "t2_seconds": wall[2],
        "speedup": wall[1] / wall[2],
        "efficiency": wall[1] / (2 * wall[2]),
        "cpu1_seconds": cpu[1],
        "cpu2_seconds": cpu[2],
        "cpu_ratio": cpu[1] / cpu[2],
        "cores_busy_1": cpu[1] / wall[1],
        "cores_busy_2": cpu[2] / wall[2],
        "load_at_starts": loads,
        "workers_runnable_1": sum(busy[1]) / len(busy[1]),
        "workers_runnable_2": sum(busy[2]) / len(busy[2]),
    }


def overhead(tmp: Path, n: int, weeks: int) -> dict:
    exp = Experiment("overhead", weeks=weeks, replicates=n, seed=2, scenarios=("south-manchester",))
    plan = make_plan(exp)
    store = Store(tmp / "overhead")
    store.open()
    store.write_manifest({"format": "benchmark"})
    with process_pool(1) as pool:
        pool.submit(int).result()  # the worker is up: start-up is a fixed cost, not a per-run one
        t0 = time.perf_counter()
        run_plan(plan, store, pool, 1, progress=False)
        t_loop = time.perf_counter() - t0
    t0 = time.perf_counter()
    store.consolidate([r.run_id for r in plan.runs], {}, weeks + 1)
    t_cons = time.perf_counter() - t0
    store.close()
    model_seconds = sum(store.read_part_row(r.run_id)["wall_seconds"] for r in plan.runs)
    per_run_model = model_seconds / n
    per_run_overhead = (t_loop + t_cons - model_seconds) / n
    params = scenarios.get("south-manchester").params()
    t0 = time.perf_counter()
    for r in plan.runs:
        run(params, r.seed, weeks)
    direct = (time.perf_counter() - t0) / n
    return {
        "runs": n,
        "weeks": weeks,
        "model_seconds_per_run": per_run_model,
        "sweep_seconds_per_run": (t_loop + t_cons) / n,
        "overhead_seconds_per_run": per_run_overhead,
        "overhead_share": per_run_overhead / per_run_model,
        "consolidation_seconds": t_cons,
        "direct_seconds_per_run": direct,
    }


MEMORY_CHILD = textwrap.dedent("""
    import json, sys
    import simulation.sweep.runner as runner
    from simulation.sweep import Experiment, run_experiment

    peaks = {}

    def maxrss():  # VmHWM: the peak of this process's own memory (getrusage's ru_maxrss survives exec on
        # Linux, so it would report the parent's size if that was larger)
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) * 1024

    def measured(fn, name):
        def wrapper(*args, **kwargs):
            out = fn(*args, **kwargs)
            peaks[name] = maxrss()
            return out
        return wrapper

    if __name__ == "__main__":
        n, out = int(sys.argv[1]), sys.argv[2]
        exp = Experiment("memory", weeks=10, replicates=n // 2, seed=3, scenarios=("south-manchester", "top-down"),
                         set={"population.size": 200})
        runner.run_plan = measured(runner.run_plan, "after_runs")
        runner.Store.consolidate = measured(runner.Store.consolidate, "after_consolidation")
        peaks["start"] = maxrss()
        run_experiment(exp, out, workers=2, progress=False)
        peaks["end"] = maxrss()
        print(json.dumps(peaks))
""")


def memory(tmp: Path, sizes: tuple[int, ...]) -> list[dict]:
    script = tmp / "memory_child.py"
    script.write_text(MEMORY_CHILD)
    out = []
    for n in sizes:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(script), str(n), str(tmp / f"mem{n}")], stdout=subprocess.PIPE, text=True
        )
        ps = psutil.Process(proc.pid)
        tree_peak = 0
        while proc.poll() is None:
            try:
                procs = [ps, *ps.children(recursive=True)]
                tree_peak = max(tree_peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.05)
        stdout = proc.stdout.read()
        if proc.returncode != 0:
            raise SystemExit(f"memory sweep of {n} runs failed")
        peaks = json.loads(stdout.strip().splitlines()[-1])
        runs, ts, _ = load_results(tmp / f"mem{n}")
        assert len(runs) == n
        out.append(
            {
                "runs": n,
                "seconds": time.perf_counter() - t0,
                "sweep_process_peak_mb": peaks["end"] / 1e6,
                "peak_after_imports_mb": peaks["start"] / 1e6,
                "peak_after_runs_mb": peaks["after_runs"] / 1e6,
                "process_tree_peak_mb": tree_peak / 1e6,
                "timeseries_rows": len(ts),
            }
        )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sweeps (a smoke test, not the reported figures)")
    ap.add_argument(
        "--only", choices=("efficiency", "overhead", "memory"), action="append", help="run only this part (repeatable)"
    )
    ap.add_argument("--out", default=str(ROOT / "results" / "benchmarks" / "sweep.json"))
    args = ap.parse_args()
    quick = args.quick
    result = {"cores": len(os.sched_getaffinity(0)), "load_before": os.getloadavg()}
    print(f"cores {result['cores']}, load average {result['load_before'][0]:.2f}", flush=True)
    parts = args.only or ["efficiency", "overhead", "memory"]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if "efficiency" in parts:
            e = result["efficiency"] = efficiency(tmp, replicates=4 if quick else 24, weeks=20 if quick else 104)
            print(
                f"parallel efficiency, {e['runs']} runs x {e['weeks']} weeks, twice each: 1 worker "
                f"{e['t1_seconds']:.1f} s, 2 workers {e['t2_seconds']:.1f} s, speed-up {e['speedup']:.2f}, "
                f"efficiency {e['efficiency']:.1%}; "
                f"CPU time {e['cpu1_seconds']:.1f} s vs {e['cpu2_seconds']:.1f} s (ratio {e['cpu_ratio']:.2f}), "
                f"cores busy {e['cores_busy_1']:.2f} vs {e['cores_busy_2']:.2f}, workers running or runnable "
                f"{e['workers_runnable_1']:.0%} vs {e['workers_runnable_2']:.0%} of the time; "
                f"load at the starts {', '.join(f'{x:.1f}' for x in e['load_at_starts'])}",
                flush=True,
            )
        if "overhead" in parts:
            o = result["overhead"] = overhead(tmp, n=4 if quick else 24, weeks=20 if quick else 104)
            print(
                f"per-run overhead, {o['runs']} runs x {o['weeks']} weeks on 1 worker: model "
                f"{o['model_seconds_per_run'] * 1000:.0f} ms/run, sweep {o['sweep_seconds_per_run'] * 1000:.0f} "
                f"ms/run, overhead {o['overhead_seconds_per_run'] * 1000:.1f} ms/run = {o['overhead_share']:.2%} "
                f"(direct calls in one process: {o['direct_seconds_per_run'] * 1000:.0f} ms/run)",
                flush=True,
            )
        if "memory" in parts:
            m = result["memory"] = memory(tmp, (50, 200) if quick else (50, 500, 2000))
            for row in m:
                print(
                    f"memory, {row['runs']} tiny runs: sweep process peak {row['sweep_process_peak_mb']:.0f} MB "
                    f"(after imports {row['peak_after_imports_mb']:.0f}, after the runs "
                    f"{row['peak_after_runs_mb']:.0f}), process tree peak {row['process_tree_peak_mb']:.0f} MB, "
                    f"{row['seconds']:.0f} s",
                    flush=True,
                )
    result.update({"load_after": os.getloadavg(), "quick": quick})
    print(f"load average after {result['load_after'][0]:.2f}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time per week and peak memory of the model at 1,000 to 1,000,000 people; log-log fit.

    .venv/bin/python experiments/benchmarks/scaling.py [--sizes 1000 10000 100000 1000000] [--weeks 52]
    .venv/bin/python experiments/benchmarks/scaling.py --one 100000 --weeks 52   # one size, JSON on stdout

Each size runs in a fresh single-threaded process: the default scenario (south-manchester) with
``population.size`` set, seed 1; the model is built, then stepped ``--weeks`` weeks. The time per
week is the mean wall time of a step over those weeks (set-up excluded); with ``--reps`` the fastest
repetition counts (other work on the machine only ever adds time). Also recorded: set-up time, time
per phase (thread CPU time), peak resident memory of the process, and the size of the model's state.
Writes results/benchmarks/scaling.json and scaling.png (and docs/images/model-scaling.png).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench

DEFAULT_SIZES = (1_000, 10_000, 100_000, 1_000_000)


def measure_one(size: int, weeks: int, seed: int = 1) -> dict:
    """Build and step one model in this process; return the timings."""
    import simulation.model as model_mod
    from simulation import scenarios

    phase_time: Counter = Counter()

    def timed(name, fn):
        def run(m):
            t = time.thread_time()
            fn(m)
            phase_time[name] += time.thread_time() - t

        return run

    model_mod.PHASES = tuple((name, timed(name, fn)) for name, fn in model_mod.PHASES)
    params = scenarios.get("south-manchester").params({"population.size": size})
    t0 = time.perf_counter()
    m = model_mod.LeadershipModel(params, seed=seed)
    build = time.perf_counter() - t0
    collect = m._collect

    def timed_collect():
        t = time.thread_time()
        collect()
        phase_time["metrics"] += time.thread_time() - t

    m._collect = timed_collect
    week_s, cpu_s = [], []
    for _ in range(weeks):
        t, c = time.perf_counter(), time.process_time()
        m.step()
        week_s.append(time.perf_counter() - t)
        cpu_s.append(time.process_time() - c)
    return {
        "size": size,
        "weeks": weeks,
        "seed": seed,
        "build_s": build,
        "week_s": week_s,
        "mean_week_s": sum(week_s) / weeks,
        "cpu_week_s": sum(cpu_s) / weeks,
        "phases_ms": {k: 1000 * v / weeks for k, v in phase_time.items()},
        "peak_rss_mb": _bench.peak_rss_mb(),
        "state_mb": (m.people.nbytes() + m.trust.nbytes()) / 2**20,
        "ties": len(m.trust),
        "projects": int(m.projects.count),
    }


def fit_exponent(sizes, seconds) -> tuple[float, float]:
    """Least-squares slope and intercept of log10(seconds) on log10(size)."""
    import numpy as np

    b, a = np.polyfit(np.log10(sizes), np.log10(seconds), 1)
    return float(b), float(a)


def plot(rows: list[dict], slope: float, intercept: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    sizes = np.array([r["size"] for r in rows], float)
    ms = np.array([1000 * r["mean_week_s"] for r in rows])
    fig, ax = plt.subplots(figsize=(5.5, 4.0), dpi=120)
    ax.loglog(sizes, ms, "o", color="#0072B2", label="measured (mean of a week's step)")
    xs = np.logspace(np.log10(sizes.min()), np.log10(sizes.max()), 50)
    ax.loglog(
        xs,
        1000 * 10 ** (intercept + slope * np.log10(xs)),
        "-",
        color="#0072B2",
        alpha=0.7,
        label=f"fit: time ~ size^{slope:.2f}",
    )
    ax.loglog(xs, ms[-1] * xs / sizes[-1], ":", color="#999999", label="linear (slope 1), through the largest")
    for x, y in zip(sizes, ms, strict=True):
        ax.annotate(f"{y:.3g} ms", (x, y), textcoords="offset points", xytext=(6, -10), fontsize=8)
    ax.set_xlabel("people")
    ax.set_ylabel("milliseconds per week (one core)")
    ax.set_title("syslead: time per simulated week")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--reps", type=int, default=3, help="repetitions for sizes up to 100,000 (fastest counts)")
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one is not None:
        print(json.dumps(measure_one(args.one, args.weeks)))
        return
    rows = []
    for size in args.sizes:
        reps = args.reps if size <= 100_000 else 1
        runs = [_bench.python_child("scaling.py", "--one", str(size), "--weeks", str(args.weeks)) for _ in range(reps)]
        best = min(runs, key=lambda r: r["mean_week_s"])
        best["reps"] = reps
        best["all_mean_week_s"] = [r["mean_week_s"] for r in runs]
        rows.append(best)
        print(
            f"{size:>9,} people: {1000 * best['mean_week_s']:9.2f} ms/week  set-up {best['build_s']:6.2f} s  "
            f"peak {best['peak_rss_mb']:7.0f} MB",
            flush=True,
        )
    slope, intercept = fit_exponent([r["size"] for r in rows], [r["mean_week_s"] for r in rows])
    result = {"machine": _bench.machine(), "weeks": args.weeks, "rows": rows, "exponent": slope, "intercept": intercept}
    _bench.save("scaling.json", result)
    plot(rows, slope, intercept, _bench.RESULTS / "scaling.png")
    plot(rows, slope, intercept, _bench.ROOT / "docs" / "images" / "model-scaling.png")
    print(f"fitted exponent {slope:.3f}")


if __name__ == "__main__":
    main()

"""Profile of one simulated week at 100,000 people (pyinstrument), with the time of each phase.

    .venv/bin/python experiments/benchmarks/profile_week.py [--size 100000] [--week 12]

Builds the default scenario, steps to the week before ``--week`` (week 12 holds a programme workshop,
so events, matching, projects and gatherings all run), then profiles that one week: a sampling
profile (pyinstrument, every 0.1 ms) and the thread CPU time of each phase. Writes
results/benchmarks/profile_week.json (phases, functions with the most time of their own) and
profile_week.txt (the call tree).
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


def self_times(frame, out: Counter, root_dir: str) -> None:
    """Time spent in each function itself (not in what it calls), from pyinstrument's frame tree.

    pyinstrument records a function's own time as synthetic ``[self]`` leaves under its frame.
    """
    path = frame.file_path or ""
    where = path.split("site-packages/")[-1] if "site-packages/" in path else path.replace(root_dir + "/", "")
    name = f"{frame.function} ({where}:{frame.line_no})"
    real = [c for c in frame.children if not c.is_synthetic]
    own = frame.time - sum(c.time for c in real)
    if own > 0:
        out[name] += own
    for child in real:
        self_times(child, out, root_dir)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--week", type=int, default=12)
    ap.add_argument("--json", action="store_true", help="print the result as JSON (for run_all.py)")
    args = ap.parse_args()

    from pyinstrument import Profiler

    import simulation.model as model_mod
    from simulation import scenarios

    phase_time: Counter = Counter()
    recording = [False]

    def timed(name, fn):
        def run(m):
            t = time.thread_time()
            fn(m)
            if recording[0]:
                phase_time[name] += time.thread_time() - t

        return run

    model_mod.PHASES = tuple((name, timed(name, fn)) for name, fn in model_mod.PHASES)
    m = model_mod.LeadershipModel(scenarios.get("south-manchester").params({"population.size": args.size}), seed=1)
    collect = m._collect

    def timed_collect():
        t = time.thread_time()
        collect()
        if recording[0]:
            phase_time["metrics"] += time.thread_time() - t

    m._collect = timed_collect
    for _ in range(args.week - 1):
        m.step()
    profiler = Profiler(interval=0.0001)
    recording[0] = True
    t0 = time.perf_counter()
    profiler.start()
    m.step()
    profiler.stop()
    wall = time.perf_counter() - t0
    recording[0] = False

    session = profiler.last_session
    own: Counter = Counter()
    self_times(session.root_frame(), own, str(_bench.ROOT))
    total = sum(own.values())
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    _bench.RESULTS.mkdir(parents=True, exist_ok=True)
    (_bench.RESULTS / "profile_week.txt").write_text(text)
    phases = sorted(phase_time.items(), key=lambda kv: -kv[1])
    result = {
        "machine": _bench.machine(),
        "size": args.size,
        "week": args.week,
        "wall_ms": 1000 * wall,
        "phases_ms": {k: 1000 * v for k, v in phases},
        "top_functions": [{"function": k, "ms": 1000 * v, "share": v / total} for k, v in own.most_common(12)],
    }
    _bench.save("profile_week.json", result)
    if args.json:
        print(json.dumps(result))
    else:
        print(text)


if __name__ == "__main__":
    main()

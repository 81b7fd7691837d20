"""Agent-steps per second, side by side with Starsim (an SIS disease on its ``RandomNet``, 6 contacts).

    .venv/bin/python experiments/benchmarks/versus_starsim.py [--sizes 10000 100000] [--steps 156] [--reps 3]

Starsim (numpy + numba) is what a modeller who wants speed in Python picks today; it is installed only with the
optional ``bench`` extra (``pip install -e '.[bench]'``), never with the model. One single-threaded process:
for each size and repetition both models are built (not timed), then stepped (timed), back to back, the order
alternating between repetitions so that drifting load hits both alike. An agent-step is one agent advanced by
one step: ``size x steps / seconds``. For syslead a step is a simulated week of the default scenario
(``south-manchester``) for every person, all phases and the week's metrics; for Starsim it is one time step of
``ss.Sim(n_agents=N, diseases=ss.SIS(beta=0.05), networks=ss.RandomNet(n_contacts=6), start=0, stop=steps,
dt=1)`` (``sim.run()`` after ``sim.init()``; it runs ``steps + 1`` time points, all counted). A small run of
each model first compiles (or loads from numba's cache) the compiled code of both, so neither is timed
compiling.

Times are the process's CPU time (``time.process_time``), reported with the wall time: on a shared machine
the wall clock measures the queue for a core. The ratio of each pair and the median over the pairs are the
result. Writes results/benchmarks/versus_starsim.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench

STARSIM_HELP = "Starsim is not installed: pip install -e '.[bench]' (starsim==3.7.2)"


def starsim_sim(size: int, steps: int, seed: int):
    import starsim as ss

    sim = ss.Sim(
        n_agents=size,
        diseases=ss.SIS(beta=0.05),
        networks=ss.RandomNet(n_contacts=6),
        start=0,
        stop=steps,
        dt=1,
        verbose=0,
        rand_seed=seed,
    )
    sim.init()
    return sim


def time_starsim(size: int, steps: int, seed: int) -> dict:
    sim = starsim_sim(size, steps, seed)
    n_steps = len(sim.timevec)
    c0, w0 = time.process_time(), time.perf_counter()
    sim.run()
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    return {
        "steps": n_steps,
        "cpu_s": cpu,
        "wall_s": wall,
        "agent_steps_per_cpu_s": size * n_steps / cpu,
        "agent_steps_per_wall_s": size * n_steps / wall,
    }


def time_syslead(size: int, steps: int, seed: int) -> dict:
    from simulation import scenarios
    from simulation.model import LeadershipModel

    m = LeadershipModel(scenarios.get("south-manchester").params({"population.size": size}), seed=seed)
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(steps):
        m.step()
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    return {
        "steps": steps,
        "cpu_s": cpu,
        "wall_s": wall,
        "agent_steps_per_cpu_s": size * steps / cpu,
        "agent_steps_per_wall_s": size * steps / wall,
    }


def warm_up() -> None:
    time_starsim(1000, 5, 99)
    time_syslead(300, 5, 99)


def compare(size: int, steps: int, reps: int) -> dict:
    ours, theirs, pairs = [], [], []
    for rep in range(reps):
        order = ("ours", "theirs") if rep % 2 == 0 else ("theirs", "ours")
        got = {}
        for who in order:
            got[who] = time_syslead(size, steps, 1 + rep) if who == "ours" else time_starsim(size, steps, 1 + rep)
        ours.append(got["ours"])
        theirs.append(got["theirs"])
        pairs.append(got["ours"]["agent_steps_per_cpu_s"] / got["theirs"]["agent_steps_per_cpu_s"])
        print(
            f"  {size:>8,} rep {rep + 1}: syslead {got['ours']['agent_steps_per_cpu_s'] / 1e6:.2f} M agent-steps "
            f"per CPU second, Starsim {got['theirs']['agent_steps_per_cpu_s'] / 1e6:.2f} M: ratio {pairs[-1]:.2f} "
            f"(load {_bench.machine()['load_average'][0]})",
            flush=True,
        )
    return {
        "size": size,
        "steps": steps,
        "reps": reps,
        "ours": ours,
        "theirs": theirs,
        "pair_ratios": pairs,
        "median_ratio": statistics.median(pairs),
        "ours_median_rate": statistics.median(r["agent_steps_per_cpu_s"] for r in ours),
        "theirs_median_rate": statistics.median(r["agent_steps_per_cpu_s"] for r in theirs),
        "wall_pair_ratios": [
            o["agent_steps_per_wall_s"] / t["agent_steps_per_wall_s"] for o, t in zip(ours, theirs, strict=True)
        ],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--steps", type=int, default=156)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out", default="versus_starsim.json")
    args = ap.parse_args()
    try:
        import starsim
    except ImportError:
        raise SystemExit(STARSIM_HELP) from None
    machine = _bench.machine()
    machine["starsim"] = starsim.__version__
    warm_up()
    rows = []
    for size in args.sizes:
        row = compare(size, args.steps, args.reps)
        rows.append(row)
        print(
            f"{size:>8,}: median ratio {row['median_ratio']:.2f} (pairs "
            f"{', '.join(f'{r:.2f}' for r in row['pair_ratios'])})",
            flush=True,
        )
    result = {"machine": machine, "load_after": _bench.machine()["load_average"], "rows": rows}
    _bench.save(args.out, result)
    print(json.dumps({"machine": machine, "ratios": {r["size"]: r["median_ratio"] for r in rows}}))


if __name__ == "__main__":
    main()

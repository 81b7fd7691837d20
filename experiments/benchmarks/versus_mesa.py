"""Agent-steps per second, side by side with Mesa's bundled ``virus_on_network`` example.

    .venv/bin/python experiments/benchmarks/versus_mesa.py [--sizes 10000 100000] [--steps 156] [--reps 3]

One single-threaded process (both models are single-threaded Python). For each size and
repetition both models are built (not timed) and then stepped ``--steps`` times (timed); the order
alternates between repetitions so that drifting load on the machine hits both alike. An agent-step is
one agent advanced by one step: ``size x steps / seconds``. For syslead a step is a simulated week of
the default scenario for every person (all phases and the week's metrics), 156 weeks by default (the main
job's horizon); for the example a step is ``model.step()`` (every agent's ``step`` in random order, then
its DataCollector). A small syslead run first loads the compiled kernels (numba's cache), so no compiling
is timed.

The example is run as shipped, with two changes that make its set-up affordable and do not touch
stepping (docs/performance.md): ``networkx.erdos_renyi_graph`` (O(n^2)) is replaced by
``fast_gnp_random_graph`` (the same G(n, p) distribution), and the ``Network`` space gets
``layout=None`` (no spring layout, which only serves drawing). ``--degree`` is its
``avg_node_degree`` (6 by default; the example's slider starts at 3), other parameters are its
defaults. Rates are per CPU second of the process (``time.process_time``; on a shared machine the wall clock
measures the queue for a core), with the wall-clock rates beside them; the result is the ratio of each pair
and their median. Writes results/benchmarks/versus_mesa.json.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench


@contextlib.contextmanager
def _affordable_setup(seed: int):
    import networkx as nx
    from mesa.discrete_space import Network
    from mesa.examples.basic.virus_on_network import model as vm

    class _Nx:  # the example calls nx.erdos_renyi_graph(n=..., p=...)
        @staticmethod
        def erdos_renyi_graph(n, p):
            return nx.fast_gnp_random_graph(n, p, seed=seed)

    def network(graph, **kw):
        return Network(graph, layout=None, **kw)

    old = vm.nx, vm.Network
    vm.nx, vm.Network = _Nx, network
    try:
        yield vm.VirusOnNetwork
    finally:
        vm.nx, vm.Network = old


def build_virus(size: int, degree: int, seed: int):
    with _affordable_setup(seed) as virus:
        return virus(num_nodes=size, avg_node_degree=degree, rng=seed)


def build_ours(size: int, seed: int):
    from simulation import scenarios
    from simulation.model import LeadershipModel

    return LeadershipModel(scenarios.get("south-manchester").params({"population.size": size}), seed=seed)


def step_rate(model, size: int, steps: int) -> dict:
    c0, t0 = time.process_time(), time.perf_counter()
    for _ in range(steps):
        model.step()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "ms_per_step": 1000 * cpu / steps,
        "agent_steps_per_s": size * steps / cpu,
        "agent_steps_per_wall_s": size * steps / seconds,
    }


def compare(size: int, steps: int, reps: int, degree: int) -> dict:
    build_ours(300, seed=99).step()  # the compiled kernels, from numba's cache (not timed)
    ours, theirs = [], []
    for rep in range(reps):
        order = ("ours", "theirs") if rep % 2 == 0 else ("theirs", "ours")
        for who in order:
            if who == "ours":
                m = build_ours(size, seed=1 + rep)
                ours.append(step_rate(m, size, steps))
            else:
                m = build_virus(size, degree, seed=1 + rep)
                theirs.append(step_rate(m, size, steps))
            del m
    best_ours = max(r["agent_steps_per_s"] for r in ours)
    best_theirs = max(r["agent_steps_per_s"] for r in theirs)
    med_ours = statistics.median(r["agent_steps_per_s"] for r in ours)
    med_theirs = statistics.median(r["agent_steps_per_s"] for r in theirs)
    # Ratios per repetition (each pair ran back to back).
    pairs = [o["agent_steps_per_s"] / t["agent_steps_per_s"] for o, t in zip(ours, theirs, strict=True)]
    for k, r in enumerate(pairs):
        print(
            f"  {size:>8,} rep {k + 1}: syslead {ours[k]['agent_steps_per_s'] / 1e6:.2f} M agent-steps per CPU "
            f"second, virus_on_network {theirs[k]['agent_steps_per_s'] / 1e6:.3f} M: ratio {r:.1f}",
            flush=True,
        )
    return {
        "size": size,
        "steps": steps,
        "reps": reps,
        "degree": degree,
        "ours": ours,
        "theirs": theirs,
        "best_ratio": best_ours / best_theirs,
        "median_ratio": med_ours / med_theirs,
        "median_pair_ratio": statistics.median(pairs),
        "pair_ratios": pairs,
        "wall_pair_ratios": [
            o["agent_steps_per_wall_s"] / t["agent_steps_per_wall_s"] for o, t in zip(ours, theirs, strict=True)
        ],
        "ours_best_rate": best_ours,
        "theirs_best_rate": best_theirs,
        "ours_median_rate": med_ours,
        "theirs_median_rate": med_theirs,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--steps", type=int, default=156)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--degree", type=int, default=6)
    ap.add_argument("--json", action="store_true", help="print the result as JSON (for run_all.py)")
    ap.add_argument("--out", default="versus_mesa.json")
    args = ap.parse_args()
    rows = []
    machine = _bench.machine()
    for size in args.sizes:
        row = compare(size, args.steps, args.reps, args.degree)
        rows.append(row)
        if not args.json:
            print(
                f"{size:>8,}: syslead {row['ours_median_rate'] / 1e6:6.2f} M agent-steps/s, virus_on_network "
                f"{row['theirs_median_rate'] / 1e6:6.3f} M; median of the paired ratios "
                f"{row['median_pair_ratio']:5.1f}x",
                flush=True,
            )
    result = {"machine": machine, "load_after": _bench.machine()["load_average"], "rows": rows}
    _bench.save(args.out, result)
    if args.json:
        import json

        print(json.dumps(result))


if __name__ == "__main__":
    main()

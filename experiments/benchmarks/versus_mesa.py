"""Agent-steps per second, side by side with Mesa's bundled ``virus_on_network`` example.

    .venv/bin/python experiments/benchmarks/versus_mesa.py [--sizes 10000 100000] [--steps 52] [--reps 3]

One single-threaded process (both models are single-threaded Python). For each size and
repetition both models are built (not timed) and then stepped ``--steps`` times (timed); the order
alternates between repetitions so that drifting load on the machine hits both alike. An agent-step is
one agent advanced by one step: ``size x steps / seconds``. For syslead a step is a simulated week of
the default scenario for every person (all phases and the week's metrics); for the example a step is
``model.step()`` (every agent's ``step`` in random order, then its DataCollector).

The example is run as shipped, with two changes that make its set-up affordable and do not touch
stepping (docs/performance.md): ``networkx.erdos_renyi_graph`` (O(n^2)) is replaced by
``fast_gnp_random_graph`` (the same G(n, p) distribution), and the ``Network`` space gets
``layout=None`` (no spring layout, which only serves drawing). ``--degree`` is its
``avg_node_degree`` (6 by default; the example's slider starts at 3), other parameters are its
defaults. Writes results/benchmarks/versus_mesa.json.
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
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "ms_per_step": 1000 * seconds / steps, "agent_steps_per_s": size * steps / seconds}


def compare(size: int, steps: int, reps: int, degree: int) -> dict:
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
    return {"size": size, "steps": steps, "reps": reps, "degree": degree, "ours": ours, "theirs": theirs,
            "best_ratio": best_ours / best_theirs, "median_ratio": med_ours / med_theirs,
            "pair_ratios": pairs, "ours_best_rate": best_ours, "theirs_best_rate": best_theirs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--steps", type=int, default=52)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--degree", type=int, default=6)
    ap.add_argument("--json", action="store_true", help="print the result as JSON (for run_all.py)")
    args = ap.parse_args()
    rows = []
    for size in args.sizes:
        reps = args.reps if size <= 10_000 else max(1, args.reps - 1)
        row = compare(size, args.steps, reps, args.degree)
        rows.append(row)
        if not args.json:
            print(f"{size:>8,}: syslead {row['ours_best_rate'] / 1e6:6.2f} M agent-steps/s, virus_on_network "
                  f"{row['theirs_best_rate'] / 1e6:6.3f} M; ratio {row['best_ratio']:5.1f}x (median "
                  f"{row['median_ratio']:.1f}x)", flush=True)
    result = {"machine": _bench.machine(), "rows": rows}
    _bench.save("versus_mesa.json", result)
    if args.json:
        import json

        print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Compile time of the numba kernels, and whether their on-disk cache serves other processes.

    .venv/bin/python experiments/benchmarks/jit_cache.py [--reps 3] [--no-dask]

1. **A fresh clone**: a new process with ``NUMBA_CACHE_DIR`` pointing at an empty folder imports the model and
   runs three small models that call every kernel (_jitprobe.py); numba compiles each kernel on its first call
   and stores it. Then a second process with the same folder does the same: it should load every kernel
   (cache hits) and compile none (misses 0). The difference of their times is the compile time a user pays
   once. Repeated ``--reps`` times with a fresh folder each, median reported.
2. **Sweep workers**: the sweep engine's own process pool (``simulation.sweep.runner.process_pool``, forkserver,
   2 workers), with a folder filled by one process in ``NUMBA_CACHE_DIR``, and again with the default location
   (the package's ``__pycache__``, filled the same way first): each worker runs the probe; none should compile.
3. **Dask workers**: a local Dask cluster of 2 worker processes (``simulation.sweep.runner.dask_client``), the
   same check (``--no-dask`` leaves it out: the smoke test of run_all.py; the JSON then has no ``dask_*`` keys).

Writes results/benchmarks/jit_cache.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench
import _jitprobe

HERE = Path(__file__).resolve().parent


def child(cache_dir: str | None) -> dict:
    env = {**os.environ, **_bench.ONE_THREAD}
    env.pop("NUMBA_CACHE_DIR", None)
    if cache_dir:
        env["NUMBA_CACHE_DIR"] = cache_dir
    env["PYTHONPATH"] = os.pathsep.join([str(_bench.ROOT), env.get("PYTHONPATH", "")])
    out = subprocess.run(
        [sys.executable, str(HERE / "_jitprobe.py")],
        env=env,
        capture_output=True,
        text=True,
        cwd=_bench.ROOT,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def fresh_clone(reps: int) -> dict:
    runs = []
    for _ in range(reps):
        d = tempfile.mkdtemp(prefix="syslead-numba-")
        try:
            first, second = child(d), child(d)
        finally:
            shutil.rmtree(d, ignore_errors=True)
        runs.append(
            {
                "first": first,
                "second": second,
                "compile_s": first["total_s"] - second["total_s"],
                "compile_cpu_s": first["cpu_s"] - second["cpu_s"],
            }
        )
        print(
            f"  fresh cache: first process {first['total_s']:.1f} s ({first['cache_misses']} kernels compiled), "
            f"second {second['total_s']:.1f} s ({second['cache_hits']} loaded, {second['cache_misses']} "
            f"compiled)",
            flush=True,
        )
    return {
        "runs": runs,
        "median_compile_s": statistics.median(r["compile_s"] for r in runs),
        "median_compile_cpu_s": statistics.median(r["compile_cpu_s"] for r in runs),
        "median_first_s": statistics.median(r["first"]["total_s"] for r in runs),
        "median_second_s": statistics.median(r["second"]["total_s"] for r in runs),
        "kernels_compiled_first": runs[0]["first"]["cache_misses"],
        "kernels_compiled_second": max(r["second"]["cache_misses"] for r in runs),
    }


def sweep_workers() -> list[dict]:
    from simulation.sweep.runner import process_pool

    with process_pool(2) as pool:
        return [f.result() for f in [pool.submit(_jitprobe.probe) for _ in range(4)]]


def dask_workers() -> list[dict]:
    from simulation.sweep.runner import dask_client

    client = dask_client("local", workers=2)
    try:
        client.run(sys.path.insert, 0, str(HERE))
        return [f.result() for f in [client.submit(_jitprobe.probe, pure=False) for _ in range(4)]]
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()


def check(engine: str, cache_dir: str | None) -> list[dict]:
    """Run the workers' check in a fresh process (numba reads NUMBA_CACHE_DIR once, when it is imported, and
    the fork server and the Dask workers inherit the environment of the process that starts them)."""
    env = {**os.environ, **_bench.ONE_THREAD}
    env.pop("NUMBA_CACHE_DIR", None)
    if cache_dir:
        env["NUMBA_CACHE_DIR"] = cache_dir
    env["PYTHONPATH"] = os.pathsep.join([str(_bench.ROOT), str(HERE), env.get("PYTHONPATH", "")])
    out = subprocess.run(
        [sys.executable, str(HERE / "jit_cache.py"), "--check", engine],
        env=env,
        capture_output=True,
        text=True,
        cwd=_bench.ROOT,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--no-dask", action="store_true", help="leave out the Dask workers' check")
    ap.add_argument("--check", choices=["sweep", "dask"], help=argparse.SUPPRESS)  # (internal: one workers' check)
    args = ap.parse_args()
    if args.check:
        print(json.dumps(sweep_workers() if args.check == "sweep" else dask_workers()))
        return
    result = {"machine": _bench.machine()}
    print("1/3 a fresh cache, then from the cache", flush=True)
    result["fresh_clone"] = fresh_clone(args.reps)
    engines = ("sweep",) if args.no_dask else ("sweep", "dask")
    print("2/3 sweep workers" + ("" if args.no_dask else ", 3/3 Dask workers"), flush=True)
    warm = tempfile.mkdtemp(prefix="syslead-numba-")
    try:
        child(warm)  # fill it
        child(None)  # and the package's own cache, as any first run does (after an edit of a kernel's module its
        # entries are stale, and the first workers would compile them: measured 2026-12-05, one kernel)
        for engine in engines:
            result[f"{engine}_workers_cache_dir"] = check(engine, warm)
            result[f"{engine}_workers_package_cache"] = check(engine, None)
    finally:
        shutil.rmtree(warm, ignore_errors=True)
    for key in [f"{engine}_workers_{where}" for engine in engines for where in ("cache_dir", "package_cache")]:
        rows = result[key]
        print(
            f"  {key}: {len({r['pid'] for r in rows})} processes, kernels compiled "
            f"{sum(r['cache_misses'] for r in rows)}, loaded {sum(r['cache_hits'] for r in rows)}; probe "
            f"{statistics.median(r['total_s'] for r in rows):.2f} s (median)",
            flush=True,
        )
    result["load_after"] = _bench.machine()["load_average"]
    _bench.save("jit_cache.json", result)


if __name__ == "__main__":
    main()

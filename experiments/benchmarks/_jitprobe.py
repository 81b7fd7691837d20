"""Run small models that call every compiled kernel, and report what numba compiled and what it loaded.

Used by jit_cache.py in fresh processes, in the sweep engine's worker processes and on Dask workers (a module of
its own, so that those processes can import it).
"""

from __future__ import annotations

import os
import time


def dispatchers() -> dict:
    """Every numba-compiled function of simulation.kernels, by name."""
    import importlib
    import pkgutil

    from numba.core.registry import CPUDispatcher

    import simulation.kernels as kernels

    out = {}
    for info in pkgutil.iter_modules(kernels.__path__):
        mod = importlib.import_module(f"simulation.kernels.{info.name}")
        for name, obj in vars(mod).items():
            if isinstance(obj, CPUDispatcher):
                out[f"{info.name}.{name}"] = obj
    return out


def probe() -> dict:
    """Import the model, run three small models (exact and sampled clustering, three localities) for 12 weeks,
    and count numba's cache hits (compiled code loaded) and misses (compiled now) over every kernel."""
    t0 = time.perf_counter()
    c0 = time.process_time()
    from simulation.config import make_params
    from simulation.model import LeadershipModel

    t_import = time.perf_counter() - t0
    first_week = None
    cases = [
        {"population.size": 400},
        {"population.size": 400, "metrics.clustering_exact_max": 0},
        {"population.size": 600, "population.localities": 3},
    ]
    for k, overrides in enumerate(cases):
        m = LeadershipModel(make_params(overrides=overrides), seed=5)
        t = time.perf_counter()
        m.step()
        if k == 0:
            first_week = time.perf_counter() - t
        for _ in range(11):
            m.step()
        m.trust.matrix(0.4)  # (the views the dashboard and the analyses read)
    hits = misses = 0
    compiled = []
    for name, d in dispatchers().items():
        st = d.stats
        hits += sum(st.cache_hits.values())
        misses += sum(st.cache_misses.values())
        if st.cache_misses:
            compiled.append(name)
    return {
        "pid": os.getpid(),
        "import_s": round(t_import, 3),
        "first_week_s": round(first_week, 3),
        "total_s": round(time.perf_counter() - t0, 3),
        "cpu_s": round(time.process_time() - c0, 3),
        "cache_hits": hits,
        "cache_misses": misses,
        "compiled": compiled,
        "cache_dir": os.environ.get("NUMBA_CACHE_DIR", "(the package's __pycache__)"),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(probe()))

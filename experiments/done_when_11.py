"""Two measurements from issue 11's "done when", at the default 3,000 people and 20 paired seeds.

    python experiments/done_when_11.py [--seeds 20] [--workers 2]

1. Brew and Biscuits off (``matching.enabled = false``) against on, south-manchester, 104 weeks: the paired
   difference in cross-sector working ties (the knock-out row "matching" of simulation/validation/knockouts.py,
   at 3,000 people instead of the tests' 1,500) with its 95% t interval.
2. The online network without a programme (``no-programme``): people online at week 156 against week 0, per seed
   (the issue: it grows by less than a quarter).
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from simulation import scenarios
from simulation.run import run
from simulation.validation.knockouts import contributions, get, interval


def _online(seed: int) -> tuple[float, float]:
    res = run(scenarios.get("no-programme").params({}), seed, 156)
    ts = res.timeseries
    return float(ts["online_people"].iloc[0]), float(ts["online_people"].iloc[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    seeds = list(range(1, a.seeds + 1))
    with ProcessPoolExecutor(a.workers) as ex:
        d = contributions(get("matching"), seeds, size=3000, executor=ex)["cross_sector_ties"]
        m, lo, hi = interval(d)
        print(
            f"Brew and Biscuits on minus off, cross-sector working ties at week 104, 3,000 people, {a.seeds} "
            f"paired seeds: {m:+.1f} (95% {lo:+.1f} to {hi:+.1f})"
        )
        pairs = list(ex.map(_online, seeds))
    growth = np.array([b / s - 1 for s, b in pairs])
    print(
        f"no-programme online network, week 156 against week 0, {a.seeds} seeds: mean {growth.mean():+.1%} "
        f"(range {growth.min():+.1%} to {growth.max():+.1%}; start {np.mean([s for s, _ in pairs]):.0f} people)"
    )


if __name__ == "__main__":
    main()

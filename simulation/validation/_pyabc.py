"""The part of the calibration that subclasses pyabc (imported only when a calibration runs: pyabc takes seconds
to import)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pyabc.epsilon import QuantileEpsilon
from pyabc.weighted_statistics import weighted_quantile

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    import pandas as pd
    from distributed import Client
    from pyabc import Sample
    from pyabc.sampler import DaskDistributedSampler

ALPHA = 0.5  # epsilon: the weighted median of the previous generation's distances ...
MIN_DECREASE = 0.1  # ... but at least 10% below the previous epsilon when the median falls less than that ...
LOW_ALPHA = 0.1  # ... as long as at least 10% of the previous generation (by weight) lies within it


class Epsilon(QuantileEpsilon):
    """The acceptance threshold of each generation.

    Generation 0: infinite (every prior draw accepted: no separate calibration sample). Generation t: the weighted
    median of generation t-1's distances, as pyabc's ``QuantileEpsilon``; but when that is less than
    ``MIN_DECREASE`` below epsilon of generation t-1 (the median stalls on a pile of particles just outside a
    bound, for example a full hall at the first workshop), it is ``max((1 - MIN_DECREASE) * eps_prev, q)``, with
    ``q`` the weighted ``LOW_ALPHA`` quantile of the distances: a step below the pile that keeps at least a
    tenth of the particles. ``previous`` is epsilon of the generation before the first one this object runs (read
    from the database when a calibration continues), so a resumed calibration uses the same thresholds as one
    run straight through.
    """

    def __init__(self, previous: float = math.inf):
        super().__init__(initial_epsilon="from_sample", alpha=ALPHA, weighted=True)
        self.previous = float(previous)

    def initialize(self, t: int, get_weighted_distances: Callable[[], pd.DataFrame], *args: Any, **kwargs: Any) -> None:
        if t == 0:
            self._look_up = {0: math.inf}
            return
        super().initialize(t, get_weighted_distances, *args, **kwargs)

    def _update(self, t, weighted_distances):
        d = weighted_distances.distance.to_numpy(float)
        w = weighted_distances.w.to_numpy(float)
        w = w / w.sum()
        median = float(weighted_quantile(points=d, weights=w, alpha=ALPHA))
        prev = self._look_up.get(t - 1, self.previous)
        eps = median
        if math.isfinite(prev) and median > (1 - MIN_DECREASE) * prev:
            low = float(weighted_quantile(points=d, weights=w, alpha=LOW_ALPHA))
            eps = min(median, max((1 - MIN_DECREASE) * prev, low))
        self._look_up[t] = eps


def bounded_dask_sampler(client: Client) -> DaskDistributedSampler:
    """pyabc's ``DaskDistributedSampler`` that also stops a generation after ``max_eval`` runs.

    pyabc's Dask sampler ignores ``max_eval`` (its ``EPSMixin.sample_until_n_accepted`` takes the argument and
    never reads it), so ``min_acceptance_rate`` never stops a generation on Dask: a model that cannot come
    within epsilon of the facts, such as the broken one a calibration must reject, would run for ever. This
    sampler submits at most ``max_eval`` runs (``population / min_acceptance``); when they are done with fewer
    than ``n`` accepted, the sample is marked not ok and pyabc stops, as its single-core sampler does.
    """
    import time

    import cloudpickle
    import numpy as np
    from pyabc.sampler import DaskDistributedSampler
    from pyabc.sampler.eps_mixin import _global_full_submit_function_pickle
    from sortedcontainers import SortedList

    class BoundedDaskSampler(DaskDistributedSampler):
        def sample_until_n_accepted(
            self,
            n: int,
            simulate_one: Callable[[], Any],
            t: int,
            *,
            max_eval: float = np.inf,
            all_accepted: bool = False,
            ana_vars: Any = None,
        ) -> Sample:
            payload = cloudpickle.dumps(simulate_one)
            accepted, next_id, running = 0, 0, []  # type: ignore[var-annotated]  # (running: (first id, future))
            results = SortedList(key=lambda x: x[2])
            while True:
                for job_id, job in list(running):
                    if job.done():
                        batch = job.result()
                        results.update(batch)
                        accepted += sum(1 for r in batch if r[1])
                        running.remove((job_id, job))
                if accepted >= n:
                    nth = [r[2] for r in results if r[1]][n - 1]
                    for job_id, job in list(running):
                        if job_id > nth:
                            running.remove((job_id, job))
                            job.cancel()
                    if not running:
                        break
                elif next_id >= max_eval and not running:
                    break  # the budget of runs is spent with too few accepted
                room = int(min(self.client_max_jobs, self.client_cores())) - len(running)
                while room > 0 and accepted < n and next_id < max_eval:
                    ids = [next_id + i for i in range(self.batch_size)]
                    next_id += self.batch_size
                    running.append(
                        (ids[0], self.client.submit(_global_full_submit_function_pickle, payload, self.batch_size, ids))
                    )
                    room -= 1
                time.sleep(0.01)
            sample = self._create_empty_sample()
            if accepted >= n:
                nth = [r[2] for r in results if r[1]][n - 1]
                while True:
                    r = results.pop(0)
                    sample.append(r[0])
                    if r[2] == nth:
                        break
            else:
                for r in results:
                    sample.append(r[0])
                sample.ok = False
            self.nr_evaluations_ = next_id
            return sample

    return BoundedDaskSampler(dask_client=client)

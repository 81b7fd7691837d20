"""The part of the calibration that subclasses pyabc (imported only when a calibration runs: pyabc takes seconds
to import)."""

from __future__ import annotations

import math

from pyabc.epsilon import QuantileEpsilon
from pyabc.weighted_statistics import weighted_quantile

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

    def initialize(self, t, get_weighted_distances, *args, **kwargs):
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

"""The part of the calibration that subclasses pyabc (imported only when a calibration runs: pyabc takes seconds
to import)."""

from __future__ import annotations

import math

from pyabc.epsilon import QuantileEpsilon


class Epsilon(QuantileEpsilon):
    """The weighted median of the previous generation's distances, as pyabc's ``QuantileEpsilon``, but infinite at
    generation 0 (every prior draw accepted: no separate calibration sample) and recomputed from the database when
    a calibration continues (so a resumed calibration uses the same thresholds as one run straight through)."""

    def __init__(self):
        super().__init__(initial_epsilon="from_sample", alpha=0.5, weighted=True)

    def initialize(self, t, get_weighted_distances, *args, **kwargs):
        if t == 0:
            self._look_up = {0: math.inf}
            return
        super().initialize(t, get_weighted_distances, *args, **kwargs)

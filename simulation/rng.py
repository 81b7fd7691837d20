"""Named random streams from one seed (common random numbers).

Every mechanism draws from its own :class:`numpy.random.Generator`, spawned
from the run's seed with a fixed key per name. Two scenarios run with the
same seed therefore build the same people and network, and a change in how
often one mechanism draws does not shift the numbers another one sees.
"""

from __future__ import annotations

import zlib

import numpy as np

STREAMS = (
    "population",
    "network",
    "events",
    "matching",
    "online",
    "mindset",
    "projects",
    "referrals",
    "churn",
    "champions",
    "metrics",
    "commissioning",
    "time",
    "sponsors",
)


class Streams:
    """``streams.events`` etc.: one generator per named mechanism."""

    # One per name of STREAMS (set in __init__), declared for the type checker:
    population: np.random.Generator
    network: np.random.Generator
    events: np.random.Generator
    matching: np.random.Generator
    online: np.random.Generator
    mindset: np.random.Generator
    projects: np.random.Generator
    referrals: np.random.Generator
    churn: np.random.Generator
    champions: np.random.Generator
    metrics: np.random.Generator
    commissioning: np.random.Generator
    time: np.random.Generator
    sponsors: np.random.Generator

    def __init__(self, seed: int):
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed = {seed!r} must be a whole number >= 0")
        self.seed = int(seed)
        for name in STREAMS:
            setattr(self, name, self.generator(name))

    def generator(self, name: str, *extra: int) -> np.random.Generator:
        """A generator for ``name`` (and optional sub-keys), the same for the same seed."""
        key = (zlib.crc32(name.encode()), *extra)
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))

"""Shared fixtures: small models and parameter helpers."""

from __future__ import annotations

import pytest

from simulation.config import make_params
from simulation.model import LeadershipModel


def small_params(size: int = 400, **overrides):
    """Default parameters for a small population, with dotted overrides (``trust__decay`` style not needed)."""
    ov = {"population.size": size}
    ov.update({k.replace("__", "."): v for k, v in overrides.items()})
    return make_params(overrides=ov)


@pytest.fixture
def small_model():
    return LeadershipModel(small_params(), seed=7)

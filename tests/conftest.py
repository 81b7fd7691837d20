"""Shared fixtures: small models and parameter helpers; the dashboard server and the browser of the browser
tests."""

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


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """One ``syslead dashboard`` per test process (each pytest-xdist worker), shared by the browser test modules:
    ``(base URL, process)`` (``test_browser.start_dashboard``)."""
    from test_browser import start_dashboard

    yield from start_dashboard(tmp_path_factory)


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for the module; each test opens contexts of its own (``test_browser.launch_chromium``).
    Not one per process: Playwright's synchronous API keeps an event loop running on the thread while it is open,
    and later tests in the same process call ``asyncio.run`` (tests/test_static_gzip.py)."""
    from test_browser import launch_chromium

    yield from launch_chromium()

"""The layout shows the architecture (docs/architecture.md): kernels know nothing of the case, mechanisms never
reach up to the model, metrics or the command line, and every phase of the week is a mechanism's."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.kernels.arrays import sorted_unique, unique_counts
from simulation.model import PHASES, LeadershipModel

PACKAGE = Path(__file__).resolve().parents[1] / "simulation"
MECHANISMS_MAY_IMPORT = (
    "simulation.config",
    "simulation.population",
    "simulation.sectors",
    "simulation.kernels",
    "simulation.mechanisms",
)


def _imports(path: Path, typing_only: bool = False) -> set[str]:
    """Absolute names of the modules of this package a file imports (relative imports resolved) when it runs:
    imports under ``if TYPE_CHECKING:`` (for type hints only, never run) are left out unless ``typing_only``."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    out: set[str] = set()
    tree = ast.parse(path.read_text())
    skip = set()
    if not typing_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
                skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("simulation")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            if mod.startswith("simulation"):
                out |= {
                    f"{mod}.{a.name}" if mod in ("simulation", "simulation.mechanisms", "simulation.kernels") else mod
                    for a in node.names
                }
    return out


def test_kernels_import_nothing_of_the_model():
    files = sorted((PACKAGE / "kernels").glob("*.py"))
    assert len(files) >= 5
    for f in files:
        outside = {m for m in _imports(f) if not m.startswith("simulation.kernels")}
        assert not outside, f"{f.name} imports {outside}: kernels must not know the model"


def test_mechanisms_never_import_the_model_metrics_or_the_command_line():
    files = sorted((PACKAGE / "mechanisms").glob("*.py"))
    assert len(files) >= 13
    for f in files:
        bad = {m for m in _imports(f) if not m.startswith(MECHANISMS_MAY_IMPORT)}
        assert not bad, f"mechanisms/{f.name} imports {bad}"


def test_the_import_check_sees_relative_imports():
    # (so the two tests above can fail: model.py imports the mechanisms and the metrics, relatively)
    got = _imports(PACKAGE / "model.py")
    assert "simulation.mechanisms.trust" in got and "simulation.metrics" in got
    assert "simulation.kernels.arrays" in _imports(PACKAGE / "mechanisms" / "churn.py")
    # A mechanism names the model in its type hints only (imported under TYPE_CHECKING, never at run time).
    champions = PACKAGE / "mechanisms" / "champions.py"
    assert "simulation.model" in _imports(champions, typing_only=True)
    assert "simulation.model" not in _imports(champions)


def test_every_phase_of_the_week_is_a_mechanism():
    for name, fn in PHASES:
        assert fn.__module__.startswith("simulation.mechanisms."), (name, fn.__module__)


def test_the_mechanisms_keep_their_working_state_in_their_own_objects():
    from simulation.mechanisms import champions, events, time_budget

    m = LeadershipModel(population__size=200, rng=1)
    assert isinstance(m.meetings, events.MeetingQueue)
    assert isinstance(m.convening, champions.Convening)
    assert isinstance(m.time_use, time_budget.TimeUse)
    for old in ("_due", "_announcements", "recent_gatherings", "overcommitted"):
        assert not hasattr(m, old), old
    for _ in range(3):
        m.step()
    assert len(m.event_log) > 0  # the calendar's meetings went through the queue and were held


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-5, 40), max_size=60))
def test_sorted_unique_and_unique_counts_match_numpy(values):
    a = np.array(values, np.int64)
    np.testing.assert_array_equal(sorted_unique(a), np.unique(a))
    u, c = unique_counts(a)
    want_u, want_c = np.unique(a, return_counts=True)
    np.testing.assert_array_equal(u, want_u)
    np.testing.assert_array_equal(c, want_c)

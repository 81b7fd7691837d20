"""Documentation stays true to the code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from simulation.config import iter_specs
from simulation.model import PHASES

ROOT = Path(__file__).resolve().parents[1]


def _update_odd():
    spec = importlib.util.spec_from_file_location("update_odd", ROOT / "experiments" / "update_odd.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_odd_parameter_table_is_current():
    text = (ROOT / "docs" / "ODD.md").read_text()
    assert _update_odd().render(text) == text, "run: python experiments/update_odd.py"
    for info in iter_specs():
        assert f"`{info.path}`" in text


def test_odd_names_every_phase_module():
    text = (ROOT / "docs" / "ODD.md").read_text()
    for name, fn in PHASES:
        assert fn.__module__.split(".")[-1] in text or name in text


def test_readme_quick_start_has_the_two_commands():
    text = (ROOT / "README.md").read_text()
    assert "make run" in text and "make test" in text

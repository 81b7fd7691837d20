"""Results are bit-identical to the stored reference run (tests/data/reference_run.npz).

Determinism tests elsewhere compare runs with each other; this one compares them with a run stored on disk, so a
refactoring (a move of modules, a faster kernel) that changes any number at all fails here. When a change is meant
to change results, re-store the reference: ``python experiments/reference_run.py --write``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _reference_module():
    spec = importlib.util.spec_from_file_location("reference_run", ROOT / "experiments" / "reference_run.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ref = _reference_module()


@pytest.mark.parametrize("case", list(ref.CASES))
def test_runs_are_bit_identical_to_the_stored_reference(case):
    want = {k: v for k, v in ref.load().items() if k.startswith(f"{case}:")}
    assert want, f"no stored arrays for {case}: python experiments/reference_run.py --write"
    got = ref.collect(case)
    diff = ref.differences(got, want)
    assert not diff, (
        "results differ from the stored reference (if intended: python experiments/reference_run.py "
        "--write):\n" + "\n".join(diff[:20])
    )
    for key, value in want.items():  # and, spelt out, exact equality of every array
        assert np.array_equal(got[key], value, equal_nan=value.dtype.kind == "f"), key


def test_the_reference_covers_every_output_and_real_activity():
    data = ref.load()
    for case in ref.CASES:
        for table in ("timeseries", "events", "projects", "localities", "summary", "people", "ties"):
            assert any(k.startswith(f"{case}:{table}:") for k in data), (case, table)
        assert data[f"{case}:projects:project_id"].size > 0, case  # projects were started
        assert data[f"{case}:events:week"].size > 0, case
        assert data[f"{case}:ties:w"].size > 0, case


def test_a_one_bit_change_is_caught():
    want = ref.load()
    got = {k: v.copy() for k, v in want.items()}
    key = "south-manchester:ties:w"
    got[key][0] = np.nextafter(got[key][0], 2.0)  # one weight, one unit in the last place
    got["top-down:events:name"] = got["top-down:events:name"][:-1]
    diff = ref.differences(got, want)
    assert any(line.startswith(key) for line in diff)
    assert any(line.startswith("top-down:events:name") for line in diff)
    assert ref.differences(want, want) == []

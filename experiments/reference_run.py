"""The stored reference run: three small runs whose every output must stay bit-identical across refactorings.

    python experiments/reference_run.py            # check this tree against tests/data/reference_run.npz
    python experiments/reference_run.py --write    # store this tree's results as the new reference

Each case runs a named scenario (seed 7) and keeps, exactly (float64, int64, bool or text, no
rounding): every column of the weekly time series, of the events, projects and localities tables, every summary
metric, and the final state (every attribute of every person, and every trust tie with its weight). A change of
layout, of names or of speed must leave all of it equal to the bit; ``tests/test_reference_run.py`` checks that.
When a change is *meant* to change results (a new mechanism, a recalibration), re-store the reference with
``--write`` in the same commit and say so in its message.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "reference_run.npz"

SEED = 7
CASES: dict[str, tuple[str, int, dict]] = {
    # name: (scenario, weeks, overrides). 120 weeks cover the reorganisation (week 56) and the programme's end (104).
    "south-manchester": ("south-manchester", 120, {"population.size": 400}),
    "top-down": ("top-down", 120, {"population.size": 400}),
    # Three localities of 300 starting in turn (the second in week 53), with two mechanisms knocked out.
    "city-wide-knockouts": (
        "city-wide-rollout",
        70,
        {"population.size": 900, "mechanisms.off": ["online", "referrals"]},
    ),
}


def _columns(prefix: str, df: pd.DataFrame | None) -> dict[str, np.ndarray]:
    if df is None:
        return {}
    out = {}
    for col in df.columns:
        s = df[col]
        if s.dtype.kind in "fiub":
            out[f"{prefix}:{col}"] = s.to_numpy()
        else:  # text (names, themes, member lists)
            out[f"{prefix}:{col}"] = s.astype(str).to_numpy(dtype=str)
    return out


def collect(case: str) -> dict[str, np.ndarray]:
    """Every output of one case, as arrays keyed ``case:table:column``."""
    from simulation import scenarios
    from simulation.run import run

    scenario, weeks, overrides = CASES[case]
    params = scenarios.get(scenario).params(overrides)
    result = run(params, SEED, weeks, scenario=scenario, keep_model=True)
    model = result.model
    out: dict[str, np.ndarray] = {}
    out |= _columns("timeseries", result.timeseries)
    out |= _columns("events", result.events)
    out |= _columns("projects", result.projects)
    out |= _columns("localities", result.localities)
    names = sorted(result.metrics)
    out["summary:names"] = np.array(names, dtype=str)
    out["summary:values"] = np.array([result.metrics[k] for k in names], np.float64)
    for f in fields(model.people):
        out[f"people:{f.name}"] = np.asarray(getattr(model.people, f.name))
    out["ties:i"], out["ties:j"], out["ties:w"] = model.trust.i, model.trust.j, model.trust.w
    return {f"{case}:{k}": v for k, v in out.items()}


def collect_all() -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for case in CASES:
        out |= collect(case)
    return out


def differences(got: dict[str, np.ndarray], want: dict[str, np.ndarray]) -> list[str]:
    """One line per array that is not bit-identical (missing, extra, other dtype or shape, other values)."""
    lines = [f"{k}: missing" for k in sorted(set(want) - set(got))]
    lines += [f"{k}: not in the reference" for k in sorted(set(got) - set(want))]
    for k in sorted(set(got) & set(want)):
        a, b = np.asarray(got[k]), np.asarray(want[k])
        if a.dtype != b.dtype or a.shape != b.shape:
            lines.append(f"{k}: {a.dtype}{a.shape} against the reference's {b.dtype}{b.shape}")
            continue
        same = np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        if a.dtype.kind in "fiub":
            same = same and a.tobytes() == b.tobytes()  # bit for bit (e.g. -0.0 is not 0.0)
        if not same:
            bad = (
                np.flatnonzero(a.ravel() != b.ravel())
                if a.dtype.kind != "f"
                else np.flatnonzero(a.ravel().view(np.uint64) != b.ravel().view(np.uint64))
            )
            at = int(bad[0]) if bad.size else 0
            lines.append(
                f"{k}: {bad.size} of {a.size} values differ, first at {at}: {a.ravel()[at]!r} against {b.ravel()[at]!r}"
            )
    return lines


def load(path: Path = REFERENCE) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="store this tree's results as the reference")
    ap.add_argument("--out", type=Path, default=REFERENCE, help="reference file (default: %(default)s)")
    args = ap.parse_args(argv)
    got = collect_all()
    if args.write:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.out, **got)
        print(f"wrote {len(got)} arrays to {args.out}")
        return 0
    diff = differences(got, load(args.out))
    for line in diff:
        print(line)
    print("bit-identical" if not diff else f"{len(diff)} arrays differ")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())

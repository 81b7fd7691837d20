"""The facts' misses and the sensitivity-analysis library code (SALib indices). The calibration: test_abc.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation.config import make_params
from simulation.validation import facts
from simulation.validation import sensitivity as sa

# ---------------------------------------------------------------- facts


def _fact(name, low, high):
    return facts.Fact(name, name, "quote", low, high, "unit", "reason", lambda r: 0.0)


def test_fact_miss_is_zero_inside_and_scaled_by_the_width_outside():
    f = _fact("x", 100, 250)
    assert list(f.miss([100, 180, 250])) == [0, 0, 0]
    assert f.miss(25) == pytest.approx(0.5) and f.miss(400) == pytest.approx(1.0)
    assert np.isinf(f.miss(np.nan)) and not f.holds(np.nan)


def test_vcs_chance_share_for_equal_sectors():
    params = make_params(
        overrides={
            f"population.shares.{s}": 1.0
            for s in (
                "acute",
                "primary_care",
                "community_health",
                "social_care",
                "vcs",
                "housing",
                "other_public",
                "patients",
            )
        }
    )
    # 8 equal sectors: 2 (1/8)(7/8) / (1 - 8/64) = 0.25
    assert facts.vcs_chance_share(params) == pytest.approx(0.25)
    assert 0.28 < facts.vcs_chance_share() < 0.31  # the default shares


# ---------------------------------------------------------------- sensitivity

RANGES = {"trust.contact_gain": (0.1, 0.5), "trust.decay": (0.005, 0.04), "projects.idea_rate": (0.01, 0.1)}


def _scaled(exp):
    X = sa.design_matrix(exp)
    lo = np.array([r[0] for r in RANGES.values()])
    hi = np.array([r[1] for r in RANGES.values()])
    return (X - lo) / (hi - lo)


def test_morris_ranks_a_known_linear_response():
    exp = sa.morris_experiment(trajectories=20, ranges=RANGES)
    U = _scaled(exp)
    y = 10 * U[:, 0] + 1 * U[:, 1]
    table = pd.DataFrame({"point": range(len(y)), "projects_started": y})
    m = sa.morris_indices(exp, table, outputs=["projects_started"]).set_index("parameter")
    assert m.mu_star["trust.contact_gain"] == pytest.approx(10, rel=0.01)
    assert m.mu_star["trust.decay"] == pytest.approx(1, rel=0.01)
    assert m.mu_star["projects.idea_rate"] == pytest.approx(0, abs=1e-9)
    assert sa.select_top(m.reset_index(), 2) == ["trust.contact_gain", "trust.decay"]


def test_sobol_recovers_variance_shares():
    exp = sa.sobol_experiment(n=256, ranges=RANGES)
    U = _scaled(exp)
    y = 2 * U[:, 0] + U[:, 1]  # variances 4/12 and 1/12: first-order shares 0.8 and 0.2
    table = pd.DataFrame({"point": range(len(y)), "adopters": y})
    s = sa.sobol_indices(exp, table, outputs=["adopters"]).set_index("parameter")
    assert s.S1["trust.contact_gain"] == pytest.approx(0.8, abs=0.08)
    assert s.ST["trust.decay"] == pytest.approx(0.2, abs=0.05)
    assert abs(s.ST["projects.idea_rate"]) < 0.02


def _fake_region():
    manifest = {
        "swept": ["senior_support.level"],
        "points": [{"senior_support.level": v} for v in (0.1, 0.9)],
        "runs": [],
    }
    rows = []
    for point, level in enumerate((0.1, 0.9)):
        for scenario in (sa.DISTRIBUTED, sa.TOP_DOWN):
            for rep in range(2):
                rid = f"{scenario}-{point}-{rep}"
                manifest["runs"].append({"run_id": rid, "scenario": scenario, "point": point, "replicate": rep})
                base = 100 + rep
                # top-down is behind at low support and ahead at high support
                value = base + (20 * level - 10 if scenario == sa.TOP_DOWN else 0)
                rows.append(
                    {"run_id": rid, "scenario": scenario, "senior_support.level": level, "projects_started": value}
                )
    return pd.DataFrame(rows), manifest


def test_paired_differences_and_region_summary():
    runs, manifest = _fake_region()
    diff = sa.paired_differences(runs, manifest, outputs=["projects_started"])
    assert list(diff.projects_started_diff) == pytest.approx([-8.0, 8.0])
    assert list(diff.projects_started_ratio) == pytest.approx([92.5 / 100.5, 108.5 / 100.5])
    summary = sa.region_summary(diff, manifest["swept"], outputs=["projects_started"]).iloc[0]
    assert summary.top_down_as_good_or_better == 1 and summary.top_down_within_10pct == 2
    assert summary["rho[senior_support.level]"] == pytest.approx(1.0)


def test_outputs_by_point_refuses_an_unfinished_design():
    runs, manifest = _fake_region()
    manifest["points"].append({"senior_support.level": 0.5})
    with pytest.raises(ValueError, match="finish the sweep"):
        sa.outputs_by_point(runs, manifest, outputs=["projects_started"])


# ---------------------------------------------------------------- the scripts


def _script(name: str):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "experiments" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_{name}_script", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize(
    "name,args,message",
    [
        ("sensitivity", ["--stage", "sobol"], "morris.csv"),
        ("sensitivity", ["--stage", "sobol", "--sobol-params", "strategy.openness,no.such"], "no.such"),
        ("sensitivity", ["--top", "1"], "--top"),
        (
            "sensitivity",
            ["--stage", "sobol", "--sobol-params", "trust.decay", "--range", "trust.decay=0.04:0.005"],
            "not a range",
        ),
    ],
)
def test_scripts_refuse_bad_input_and_write_nothing(tmp_path, capsys, name, args, message):
    out = tmp_path / "out"
    assert _script(name).main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not out.exists()

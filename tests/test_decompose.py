"""Lever decomposition (`syslead decompose`): Shapley arithmetic on synthetic data with known interactions, and
the command's contract on the real model (columns, sums, paired seeds, resume after kill -9, refusals, the
report's section). Nothing here depends on which lever the current model makes matter."""

from __future__ import annotations

import html
import itertools
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation import scenarios
from simulation.analysis import decompose as dec
from simulation.analysis import report
from simulation.cli import main
from simulation.config import ConfigError, param_paths
from simulation.run import run
from simulation.sweep import load_experiment, load_results, replicate_seed, run_experiment

SYSLEAD = str(Path(sys.executable).parent / "syslead")
TINY = ["--set", "population.size=150", "--weeks", "6"]
# B differs from south-manchester in two levers only (4 cells) and in nothing else.
B2 = """[scenario]
name = "two-levers"
extends = "south-manchester"
[strategy]
openness = 0.2
role_modelling = 0.4
"""


def brute_force_shapley(v, k: int) -> list:
    """Shapley values as their definition says: the mean over the k! orders of the marginal contributions."""
    total = [Fraction(0)] * k if isinstance(v[0], Fraction) else [0.0] * k
    orders = list(itertools.permutations(range(k)))
    for order in orders:
        mask = 0
        for i in order:
            total[i] += v[mask | 1 << i] - v[mask]
            mask |= 1 << i
    return [t / len(orders) for t in total]


def cells_of(fn, k: int) -> list:
    """Cell values by bit mask (bit i = lever i at B) of a function of the 0/1 lever settings."""
    return [fn(*[(mask >> i) & 1 for i in range(k)]) for mask in range(1 << k)]


# ---------------------------------------------------------------- the arithmetic, on synthetic data


def test_shapley_of_a_plus_2b_plus_3ab_by_hand():
    # y = a + 2b + 3ab: v(none) 0, v(a) 1, v(b) 2, v(both) 6. Orders (a, b): a adds 1, b adds 5; (b, a): b adds 2,
    # a adds 4. Shapley a = (1 + 4) / 2 = 2.5, b = (5 + 2) / 2 = 3.5; they add up to the gap 6.
    v = np.array([Fraction(x) for x in cells_of(lambda a, b: a + 2 * b + 3 * a * b, 2)], dtype=object)
    assert list(v) == [0, 1, 2, 6]
    assert list(dec.shapley(v)) == [Fraction(5, 2), Fraction(7, 2)]
    assert list(dec.main_effects(v)) == [Fraction(5, 2), Fraction(7, 2)]  # two levers: the same weights
    assert dec.gap(v) == 6


def test_shapley_and_main_effects_differ_with_a_three_way_interaction():
    # y = a + 2b + 3ab + 4abc: the ab term is shared half and half, the abc term in thirds; c only acts with a and b.
    # Main effects average each lever's change over the 4 settings of the other two (equal weights):
    # a: 1 + 3 * 1/2 + 4 * 1/4 = 3.5; b: 2 + 1.5 + 1 = 4.5; c: 4 * 1/4 = 1 (they add up to 9, not to the gap 10).
    v = np.array(
        [Fraction(x) for x in cells_of(lambda a, b, c: a + 2 * b + 3 * a * b + 4 * a * b * c, 3)], dtype=object
    )
    phi = list(dec.shapley(v))
    assert phi == [1 + Fraction(3, 2) + Fraction(4, 3), 2 + Fraction(3, 2) + Fraction(4, 3), Fraction(4, 3)]
    assert sum(phi) == dec.gap(v) == 10
    assert list(dec.main_effects(v)) == [Fraction(7, 2), Fraction(9, 2), Fraction(1)]
    # a lever that does nothing (d) gets nothing, and the others keep their values
    v4 = np.array(
        [Fraction(x) for x in cells_of(lambda a, b, c, d: a + 2 * b + 3 * a * b + 4 * a * b * c, 4)], dtype=object
    )
    assert list(dec.shapley(v4)) == [*phi, 0]
    assert list(dec.main_effects(v4))[3] == 0


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5).flatmap(lambda k: st.lists(st.integers(-1000, 1000), min_size=1 << k, max_size=1 << k)))
def test_shapley_values_add_up_to_the_gap_exactly_and_match_the_definition(values):
    k = len(values).bit_length() - 1
    v = np.array([Fraction(x) for x in values], dtype=object)
    phi = list(dec.shapley(v))
    assert sum(phi) == v[-1] - v[0]  # exact: rational arithmetic
    assert phi == brute_force_shapley(list(v), k)
    # in floating point, on many outcomes at once (the way the command computes them)
    vf = np.array(values, dtype=np.float64)
    stacked = np.vstack([vf, -2 * vf])
    phif = dec.shapley(stacked)
    assert np.allclose(phif.sum(axis=-1), dec.gap(stacked), rtol=0, atol=1e-9)
    assert np.allclose(phif[0], [float(x) for x in phi], rtol=0, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-50, 50), min_size=1, max_size=5), st.integers(-50, 50))
def test_without_interactions_shapley_and_main_effect_are_each_levers_own_effect(coef, base):
    k = len(coef)
    v = np.array(
        [Fraction(x) for x in cells_of(lambda *s: base + sum(c * x for c, x in zip(coef, s)), k)], dtype=object
    )
    assert list(dec.shapley(v)) == coef
    assert list(dec.main_effects(v)) == coef


def test_shapley_refuses_a_table_that_is_not_a_full_factorial():
    with pytest.raises(ValueError, match="2\\^k"):
        dec.shapley(np.zeros(6))


def synthetic_runs(n_rep: int, offset_sd: float, effect_sd: float, seed: int = 0) -> np.ndarray:
    """(replicates, 4 cells, 1 outcome) of y = a + 2b + 3ab + u_r (+ e_r * a): u_r the replicate's own level,
    the same in every cell (what common random numbers give), e_r a replicate-to-replicate spread of a's effect."""
    rng = np.random.default_rng(seed)
    u = rng.normal(100, offset_sd, n_rep)
    e = rng.normal(0, effect_sd, n_rep)
    y = np.empty((n_rep, 4, 1))
    for mask in range(4):
        a, b = mask & 1, mask >> 1 & 1
        y[:, mask, 0] = a + 2 * b + 3 * a * b + u + e * a
    return y


def test_intervals_keep_the_pairing_across_cells():
    # A level that differs between replicates but is shared by all cells of a replicate cancels in every paired
    # difference: the intervals are the estimates themselves, however large the level's spread.
    d = dec.decompose_values(synthetic_runs(12, offset_sd=50, effect_sd=0), ["x.a", "x.b"], ["y"], n_resamples=999)
    t = d.table.set_index("lever")
    assert t.loc["x.a", "shapley"] == pytest.approx(2.5, abs=1e-9)
    assert t.loc["x.b", "shapley"] == pytest.approx(3.5, abs=1e-9)
    assert (t["ci_high"] - t["ci_low"]).abs().max() < 1e-9
    assert d.gaps.loc[0, "gap"] == pytest.approx(6, abs=1e-9)


def test_intervals_cover_a_spread_of_the_effect_between_replicates():
    y = synthetic_runs(30, offset_sd=50, effect_sd=2.0, seed=3)
    d = dec.decompose_values(y, ["x.a", "x.b"], ["y"], n_resamples=1999)
    t = d.table.set_index("lever")
    # a's effect varies by replicate: e_r * a has no interaction, so all of it goes to a (Shapley 2.5 + e_r in
    # replicate r); b's does not vary. The interval of a's value is about the t-interval of the mean of e_r.
    e = y[:, 1, 0] - y[:, 0, 0] - 1  # e_r
    assert t.loc["x.a", "shapley"] == pytest.approx(2.5 + e.mean(), abs=1e-9)
    assert t.loc["x.a", "ci_low"] < t.loc["x.a", "shapley"] < t.loc["x.a", "ci_high"]
    half = t.loc["x.a", "ci_high"] - t.loc["x.a", "ci_low"]
    assert 0.5 * 3.92 * e.std() / math.sqrt(30) < half < 2 * 3.92 * e.std() / math.sqrt(30)
    assert t.loc["x.b", "ci_high"] - t.loc["x.b", "ci_low"] < 1e-9
    assert t["shapley"].sum() == pytest.approx(d.gaps.loc[0, "gap"], abs=1e-9)


def test_cell_values_places_every_run_by_its_lever_values():
    levers, b_values = (
        ["strategy.overhead", "strategy.sponsorship"],
        {"strategy.overhead": 0.0, "strategy.sponsorship": 0.5},
    )
    rows = []
    for r in range(3):
        for mask in range(4):
            rows.append(
                {
                    "replicate": r,
                    "strategy.overhead": 0.0 if mask & 1 else 0.8,
                    "strategy.sponsorship": 0.5 if mask & 2 else 0.8,
                    "y": 10 * r + mask,
                }
            )
    runs = pd.DataFrame(rows).sample(frac=1, random_state=1)  # order does not matter
    y = dec.cell_values(runs, levers, b_values, ["y"])
    assert y.shape == (3, 4, 1)
    assert y[:, :, 0].tolist() == [[10 * r + m for m in range(4)] for r in range(3)]
    with pytest.raises(ConfigError, match="1 missing"):
        dec.cell_values(runs.iloc[1:], levers, b_values, ["y"])


# ---------------------------------------------------------------- the plain-language builder


def test_why_the_strategies_differ_names_the_carriers_and_the_levers_pushing_the_other_way():
    table = pd.DataFrame(
        {
            "lever": ["strategy.openness", "strategy.overhead", "strategy.sponsorship"],
            "outcome": "projects_started",
            "main_effect": [7.5, 4.5, -1.5],
            "shapley": [8.0, 4.0, -2.0],
            "ci_low": [6.0, -1.0, -3.0],
            "ci_high": [10.0, 9.0, -1.0],
        }
    )
    meta = {
        "a_name": "top-down",
        "b_name": "south-manchester",
        "levers": [
            {"lever": "strategy.openness", "a_value": 0.1, "b_value": 0.85},
            {"lever": "strategy.overhead", "a_value": 0.8, "b_value": 0.0},
            {"lever": "strategy.sponsorship", "a_value": 0.8, "b_value": 0.0},
        ],
        "outcomes": [
            {
                "outcome": "projects_started",
                "a_mean": 20.0,
                "b_mean": 30.0,
                "gap": 10.0,
                "gap_low": 7.0,
                "gap_high": 13.0,
            }
        ],
    }
    [s] = dec.why_the_strategies_differ(table, meta)
    assert [c.lever for c in s.carrying] == ["strategy.openness", "strategy.overhead"]  # 8 alone is 67% of 12
    assert [c.lever for c in s.opposing] == ["strategy.sponsorship"]
    assert s.carrying[0].share == pytest.approx(0.8) and s.opposing[0].clear and not s.carrying[1].clear
    [text] = dec.paragraphs([s], "top-down", "south-manchester")
    assert text.startswith(
        "Projects started: switching to south-manchester's levers on top-down raises it from 20 to "
        "30, a gap of +10 (95% interval +7 to +13)."
    )
    assert "openness of invitations (0.1 to 0.85): +8 (80% of the gap; 95% interval +6 to +10)" in text
    assert (
        "overhead (action plans, monitoring) (0.8 to 0): +4 (40% of the gap; 95% interval -1 to +9, which "
        "includes no effect)" in text
    )
    assert "Pushing the other way: formal senior sponsorship (0.8 to 0): -2 (-20% of the gap" in text
    assert "_" not in text and "strategy." not in text
    # the same levers with the gap reversed: the carriers are now the negative ones
    flipped = table.assign(shapley=-table["shapley"])
    meta2 = json.loads(json.dumps(meta))
    meta2["outcomes"][0].update(gap=-10.0, gap_low=-13.0, gap_high=-7.0)
    [s2] = dec.why_the_strategies_differ(flipped, meta2)
    assert [c.lever for c in s2.carrying] == ["strategy.openness", "strategy.overhead"]
    assert "lowers it" in dec.paragraphs([s2], "top-down", "south-manchester")[0]
    # shares read as percentages, their differences as percentage points
    share = table.assign(
        outcome="cross_sector_tie_share",
        shapley=table["shapley"] / 100,
        ci_low=table["ci_low"] / 100,
        ci_high=table["ci_high"] / 100,
    )
    meta3 = json.loads(json.dumps(meta))
    meta3["outcomes"][0].update(
        outcome="cross_sector_tie_share", a_mean=0.2, b_mean=0.3, gap=0.1, gap_low=0.07, gap_high=0.13
    )
    [text3] = dec.paragraphs(dec.why_the_strategies_differ(share, meta3), "top-down", "south-manchester")
    assert "raises it from 20.0% to 30.0%, a gap of +10.0 points (95% interval +7.0 points to +13.0 points)" in text3
    assert "openness of invitations (0.1 to 0.85): +8.0 points (80% of the gap" in text3


# ---------------------------------------------------------------- the levers and the design


def test_levers_come_from_the_registry_and_top_down_differs_in_all_of_them():
    levers = dec.strategy_levers()
    assert levers == [p for p in param_paths() if p.startswith("strategy.")]
    assert len(levers) >= 7
    d = dec.design("top-down", "south-manchester", 20)
    assert d.levers == levers and d.cells == 1 << len(levers) and d.runs == 20 * d.cells
    assert d.experiment.scenarios == ("top-down",) and d.experiment.replicates == 20
    td, sm = scenarios.get("top-down").params(), scenarios.get("south-manchester").params()
    assert d.experiment.grid == {p: (td.get(p), sm.get(p)) for p in levers}
    assert d.other_differences == [] and not d.notes
    for lever in levers:  # every lever gets a plain label
        assert "_" not in dec.lever_label(lever) and "." not in dec.lever_label(lever)


def test_weeks_default_to_the_main_jobs_horizon():
    main_exp = load_experiment(Path(__file__).resolve().parents[1] / "experiments" / "strategy_comparison.toml")
    assert dec.default_weeks() == main_exp.weeks
    assert dec.design("top-down", "south-manchester", 2).experiment.weeks == main_exp.weeks


def test_set_fixes_a_lever_in_both_scenarios_and_other_differences_are_named(tmp_path):
    d = dec.design("top-down", "south-manchester", 2, sets={"strategy.openness": 0.5, "population.size": 150})
    assert "strategy.openness" not in d.levers and len(d.levers) == len(dec.strategy_levers()) - 1
    other = tmp_path / "other.toml"
    other.write_text(B2 + "[matching]\nvisit_rate = 0.05\n")
    d2 = dec.design("south-manchester", str(other), 2)
    assert d2.levers == ["strategy.openness", "strategy.role_modelling"]
    assert d2.other_differences == ["matching.visit_rate"] and "matching.visit_rate" in d2.notes[0]


# ---------------------------------------------------------------- the command on the real model (contract only)


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    base = tmp_path_factory.mktemp("decompose")
    b = base / "two-levers.toml"
    b.write_text(B2)
    out = base / "out"
    code = main(
        [
            "decompose",
            "south-manchester",
            str(b),
            "--replicates",
            "6",
            *TINY,
            "--workers",
            "2",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    return b, out


def test_command_writes_levers_csv_whose_shapley_values_add_up_to_the_gap(two):
    _, out = two
    table = pd.read_csv(out / "levers.csv")
    assert list(table.columns) == ["lever", "outcome", "main_effect", "shapley", "ci_low", "ci_high"]
    outcomes = [m for m in report.SUMMARY_OUTCOMES if m not in report.PERSISTENCE_METRICS]  # 6 weeks: no follow-up
    assert list(dict.fromkeys(table["outcome"])) == outcomes
    assert set(table["lever"]) == {"strategy.openness", "strategy.role_modelling"} and len(table) == 2 * len(outcomes)
    assert (table["ci_low"] <= table["shapley"] + 1e-9).all() and (table["shapley"] <= table["ci_high"] + 1e-9).all()
    # the gap, recomputed from the runs: A with both of B's levers minus A, replicate by replicate
    runs, _, _ = load_results(out)
    at_b = (runs["strategy.openness"] == 0.2) & (runs["strategy.role_modelling"] == 0.4)
    at_a = (runs["strategy.openness"] == 0.85) & (runs["strategy.role_modelling"] == 0.9)
    assert at_b.sum() == at_a.sum() == 6 and len(runs) == 24
    for m in outcomes:
        gap = runs[at_b].set_index("replicate")[m] - runs[at_a].set_index("replicate")[m]
        assert table.loc[table["outcome"] == m, "shapley"].sum() == pytest.approx(gap.mean(), abs=1e-9), m
    meta = json.loads((out / "levers.json").read_text())
    assert [g["gap"] for g in meta["outcomes"]] == pytest.approx(
        [(runs[at_b].set_index("replicate")[m] - runs[at_a].set_index("replicate")[m]).mean() for m in outcomes]
    )
    assert (out / "levers.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_levers_json_names_the_version_that_made_the_runs_not_the_one_reading_them(two, tmp_path, monkeypatch):
    b, out = two
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    made = json.loads((out / "manifest.json").read_text())["version"]
    import simulation.run

    monkeypatch.setattr(simulation.run, "version", lambda: "9.9.9+greading")  # a later version reads the runs
    assert main(["decompose", "south-manchester", str(b), "--replicates", "6", *TINY, "--out", str(copy)]) == 0
    meta = json.loads((copy / "levers.json").read_text())
    assert meta["version"] == made != "9.9.9+greading" and meta["analysed_by"] == "9.9.9+greading"


def test_cells_are_paired_and_the_corner_cells_are_the_two_scenarios(two):
    b, out = two
    runs, _, manifest = load_results(out)
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()  # one seed per replicate, in every cell
    assert sorted(runs["seed"].unique()) == sorted(replicate_seed(2024, r) for r in range(6))
    row_b = runs[
        (runs["strategy.openness"] == 0.2) & (runs["strategy.role_modelling"] == 0.4) & (runs["replicate"] == 1)
    ].iloc[0]
    direct = run(scenarios.from_file(b).params({"population.size": 150}), int(row_b["seed"]), 6).metrics
    assert all(direct[m] == row_b[m] for m in report.SUMMARY_OUTCOMES)  # the all-B cell is B itself
    row_a = runs[
        (runs["strategy.openness"] == 0.85) & (runs["strategy.role_modelling"] == 0.9) & (runs["replicate"] == 1)
    ].iloc[0]
    direct = run(scenarios.get("south-manchester").params({"population.size": 150}), int(row_a["seed"]), 6).metrics
    assert all(direct[m] == row_a[m] for m in report.SUMMARY_OUTCOMES)
    assert manifest["experiment"]["grid"] == {"strategy.openness": [0.85, 0.2], "strategy.role_modelling": [0.9, 0.4]}


def test_finished_decomposition_run_again_runs_nothing_and_writes_the_same_numbers(two, tmp_path, capsys):
    b, out = two
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    parts = {p.name: p.stat().st_mtime_ns for p in (copy / "parts").iterdir()}
    assert main(["decompose", "south-manchester", str(b), "--replicates", "6", *TINY, "--out", str(copy)]) == 0
    printed = capsys.readouterr().out
    assert "0 run now, 24 already done" in printed
    table = pd.read_csv(out / "levers.csv").set_index(["outcome", "lever"])
    line = next(x for x in printed.splitlines() if x.startswith("  projects started: gap "))
    for lever, label in (
        ("strategy.openness", "openness of invitations"),
        ("strategy.role_modelling", "role modelling by the leads"),
    ):
        phi = table.loc[("projects_started", lever), "shapley"]
        if phi != 0:  # each lever is named with its own Shapley value, on the side of the gap it falls on
            assert f"{label} {dec._signed(phi)}" in line
    assert {p.name: p.stat().st_mtime_ns for p in (copy / "parts").iterdir()} == parts
    assert (copy / "levers.csv").read_bytes() == (out / "levers.csv").read_bytes()


def _parts(folder: Path) -> int:
    d = folder / "parts"
    return sum(1 for n in os.listdir(d) if n.endswith(".parquet") and not n.startswith(".")) if d.is_dir() else 0


def test_resumes_after_kill_9_to_the_same_levers_csv(two, tmp_path):
    b, ref = two
    args = ["decompose", "south-manchester", str(b), "--replicates", "6", *TINY, "--workers", "2", "--quiet"]
    out = tmp_path / "out"
    proc = subprocess.Popen([SYSLEAD, *args, "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    end = time.monotonic() + 60
    while _parts(out) < 3 and proc.poll() is None and time.monotonic() < end:
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    done_before = _parts(out)
    assert proc.returncode == -signal.SIGKILL and 3 <= done_before < 24, "the kill must land mid-decomposition"
    assert not (out / "levers.csv").exists()
    again = subprocess.run([SYSLEAD, *args, "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"{24 - done_before} run now, {done_before} already done" in again.stdout
    for name in ("levers.csv", "levers.json"):  # the same numbers as without the kill
        assert (out / name).read_bytes() == (ref / name).read_bytes(), name
    assert (out / "levers.png").is_file()


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["decompose", "top-dwn", "south-manchester"], "top-dwn"),
        (["decompose", "top-down", "missing.toml"], "missing.toml"),
        (["decompose", "top-down", "top-down"], "nothing to decompose"),
        (
            [
                "decompose",
                "top-down",
                "south-manchester",
                "--set",
                "strategy.openness=0.5",
                "--set",
                "strategy.informality=0.5",
                "--set",
                "strategy.power_sharing=0.5",
                "--set",
                "strategy.role_modelling=0.5",
                "--set",
                "strategy.self_selection=0.5",
                "--set",
                "strategy.overhead=0.5",
                "--set",
                "strategy.sponsorship=0.5",
            ],
            "nothing to decompose",
        ),
        (["decompose", "top-down", "south-manchester", "--replicates", "1"], "--replicates"),
        (["decompose", "top-down", "south-manchester", "--set", "population.sise=300"], "population.sise"),
        (["decompose", "top-down", "south-manchester", "--set", "strategy.openness=2"], "strategy.openness"),
        (["decompose", "top-down", "south-manchester", "--weeks", "0"], "--weeks"),
        (["decompose", "top-down", "south-manchester", "--dask", "nowhere"], "--dask"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, monkeypatch, capsys, argv, needle):
    monkeypatch.chdir(tmp_path)
    if "--replicates" not in argv:
        argv = [*argv, "--replicates", "2"]
    assert main([*argv, "--out", "OUT"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("syslead: error: ") and needle in err and "\n" not in err
    assert list(tmp_path.iterdir()) == []
    if needle == "nothing to decompose" and "--set" in argv:
        assert "--set fixes" in err


def test_a_folder_holding_another_decomposition_is_refused_untouched(two, tmp_path, capsys):
    b, out = two
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    before = {p.name: p.read_bytes() for p in copy.iterdir() if p.is_file()}
    assert (
        main(
            [
                "decompose",
                "south-manchester",
                str(b),
                "--replicates",
                "6",
                "--set",
                "population.size=150",
                "--weeks",
                "7",
                "--out",
                str(copy),
            ]
        )
        == 2
    )
    assert "another experiment" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in copy.iterdir() if p.is_file()} == before


# ---------------------------------------------------------------- the report's section


def test_report_gets_why_the_strategies_differ_only_with_a_decomposition_beside_the_runs(two, tmp_path):
    _, out = two
    exp = load_experiment(
        {
            "experiment": {
                "name": "pair",
                "weeks": 6,
                "replicates": 2,
                "seed": 1,
                "scenarios": ["south-manchester", "top-down"],
            },
            "set": {"population.size": 150},
        }
    )
    folder = run_experiment(exp, tmp_path / "cmp", workers=2, progress=False)
    report.build(folder, replay_runs=False, draw=False, n_resamples=199)
    page = (folder / "report.html").read_text()
    assert "Why the strategies differ" not in page
    shutil.copytree(out, folder / "levers", ignore=shutil.ignore_patterns("parts", "*.parquet", "manifest.json"))
    report.build(folder, replay_runs=False, draw=False, n_resamples=199)
    page = (folder / "report.html").read_text()
    start, end = page.find("<section id='levers'>"), page.find("<section id='manifest'>")
    assert 0 < page.find("<section id='persistence'>") < start < end
    assert page.find("href='#levers'") < page.find("href='#manifest'")
    section = page[start:end]
    assert "<h2>Why the strategies differ</h2>" in section and "data:image/png;base64," in section
    table = pd.read_csv(out / "levers.csv")
    meta = json.loads((out / "levers.json").read_text())
    expected = dec.paragraphs(dec.why_the_strategies_differ(table, meta), "south-manchester", "two-levers")
    items = [html.unescape(x) for x in re.findall(r"<li>(.*?)</li>", section)]
    assert items == expected and len(items) == len(set(table["outcome"]))
    assert not any(re.search(r"\b[a-z]+_[a-z_]+\b", x) for x in items)  # no snake_case in the prose


def test_on_dask_the_numbers_are_the_same_as_on_the_process_pool(two, tmp_path):
    import logging

    from distributed import Client, LocalCluster

    b, out = two
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None, silence_logs=logging.ERROR
        ) as cluster,
        Client(cluster) as client,
    ):
        res = dec.run_decomposition(
            "south-manchester",
            str(b),
            6,
            tmp_path / "dask",
            weeks=6,
            sets={"population.size": 150},
            executor=client,
            progress=False,
            draw=False,
        )
    assert res.engine.startswith("dask") and res.ran == 24
    assert (tmp_path / "dask" / "levers.csv").read_bytes() == (out / "levers.csv").read_bytes()

"""Docking cases: small, fast versions assert the classic qualitative results with the model's own kernels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation.cli import main
from simulation.validation import CASES, bass1969, centola2007, guimera2005, run_case, watts2002

# ---------------------------------------------------------------- watts2002


def test_er_graph_is_simple_symmetric_with_mean_degree_z():
    W = watts2002.er_graph(3000, 4.0, np.random.default_rng(3))
    assert (W != W.T).nnz == 0
    assert W.diagonal().sum() == 0
    assert W.max() == 1.0  # no duplicate pairs
    assert W.nnz / 3000 == pytest.approx(4.0, abs=0.2)


def test_analytic_cascade_window_for_phi_018():
    lo, hi = watts2002.analytic_window(0.18)
    # Poisson degrees, vulnerable when k <= 5: the condition z e^-z (1 + z + z^2/2 + z^3/6) > 1.
    assert 1.0 < lo < 1.1
    assert 5.5 < hi < 6.2
    assert watts2002.cascade_condition(3.0, 0.18) > 0 > watts2002.cascade_condition(7.0, 0.18)
    assert watts2002.analytic_cascade_probability(7.0, 0.18) == 0.0


def test_watts_cascades_at_z3_but_none_at_z7():
    table = watts2002.simulate(n=4000, runs=100, z=(3.0, 7.0), seed=11).set_index("z")
    assert table.cascade_probability[3.0] >= 0.6
    assert table.cascade_probability[3.0] == pytest.approx(table.analytic_cascade_probability[3.0], abs=0.12)
    assert table.mean_cascade_size[3.0] > 0.8  # a cascade, when it happens, is global
    assert table.cascade_probability[7.0] <= 0.02


def test_watts_is_deterministic_for_a_seed():
    a = watts2002.simulate(n=500, runs=10, z=(2.0, 4.0), seed=5)
    b = watts2002.simulate(n=500, runs=10, z=(2.0, 4.0), seed=5)
    pd.testing.assert_frame_equal(a, b)


# ---------------------------------------------------------------- centola2007


def test_rewiring_preserves_degree_and_randomises_ties():
    u, v = centola2007.ring_edges(400, 4)
    nu, nv = centola2007.rewire(u, v, 1.0, np.random.default_rng(2))
    before = np.bincount(np.concatenate([u, v]), minlength=400)
    after = np.bincount(np.concatenate([nu, nv]), minlength=400)
    assert (before == 4).all() and (after == before).all()
    assert (nu != nv).all()
    assert len({(min(a, b), max(a, b)) for a, b in zip(nu, nv)}) == len(nu)  # no duplicate ties
    assert (nv != v).mean() > 0.9
    assert (centola2007.rewire(u, v, 0.0, np.random.default_rng(2))[1] == v).all()


def test_complex_contagion_spreads_on_ring_but_fails_when_rewired():
    t = centola2007.simulate(n=600, runs=4, degrees=(4,), thresholds=(1, 2), rewiring=(0.0, 1.0), seed=3)
    t = t.set_index(["threshold", "rewiring"])
    assert t.adoption_share[(2, 0.0)] == 1.0
    assert t.adoption_share[(2, 1.0)] < 0.1
    # Simple contagion spreads either way, and much faster once long ties exist.
    assert t.adoption_share[(1, 0.0)] == 1.0 and t.adoption_share[(1, 1.0)] == 1.0
    assert t.steps_to_spread[(1, 1.0)] < 0.25 * t.steps_to_spread[(1, 0.0)]
    # On the ring a front moves degree/2 nodes a step each way: ~ n / degree steps.
    assert t.steps_to_spread[(1, 0.0)] == pytest.approx(600 / 4, abs=2)


# ---------------------------------------------------------------- guimera2005


def test_team_world_retires_idle_agents_and_p0_teams_stay_apart():
    world = guimera2005.TeamWorld(np.random.default_rng(0), tau=10)
    for _ in range(50):
        team = world.step(4, p=0.0, q=0.0)
        assert len(team) == 4
    # All newcomers: the last tau teams are active, each its own component.
    assert len(world.active) == 4 * 10
    assert world.giant_component_share() == pytest.approx(4 / 40)
    assert all(len(world.collab[a]) == 3 for a in world.active)


def test_repeat_collaboration_picks_past_collaborators():
    world = guimera2005.TeamWorld(np.random.default_rng(1), tau=40)
    for _ in range(300):
        world.step(4, p=1.0, q=1.0)
    # With p = q = 1 teams only recombine the first team's agents.
    assert len(world.active) == 4


def test_giant_component_grows_with_incumbent_share():
    t = guimera2005.simulate(runs=2, steps=600, burn_in=200, p=(0.1, 0.9), q=(0.0, 0.65), seed=4)
    s = t.set_index(["q", "p"]).giant_component_share
    for q in (0.0, 0.65):
        assert s[(q, 0.1)] < 0.3
        assert s[(q, 0.9)] > 0.9


# ---------------------------------------------------------------- bass1969


def test_simulated_bass_curve_matches_closed_form():
    t = bass1969.simulate(n=2000, runs=5, seed=1)
    assert (t.simulated_F - t.bass_F).abs().max() < 0.03
    assert t.bass_F.iloc[0] == 0 and t.simulated_F.is_monotonic_increasing


def test_bass_without_imitation_is_exponential():
    t = bass1969.simulate(n=2000, runs=5, p=0.2, q=0.0, years=10, seed=2)
    assert np.abs(t.simulated_F - (1 - np.exp(-0.2 * t.t))).max() < 0.03


# ---------------------------------------------------------------- command line


@pytest.mark.parametrize(
    "case,columns,args",
    [
        ("watts2002", ["z", "cascade_probability", "mean_cascade_size"], ["--n", "300", "--runs", "3", "--z", "2,4"]),
        ("bass1969", ["t", "simulated_F", "bass_F"], ["--n", "300", "--runs", "1"]),
        (
            "centola2007",
            ["rewiring", "threshold", "degree", "adoption_share", "steps_to_spread"],
            ["--n", "100", "--runs", "1"],
        ),
    ],
)
def test_validate_writes_csv_and_png_with_contract_columns(tmp_path, capsys, case, columns, args):
    out = tmp_path / "val"
    rc = main(["validate", case, "--out", str(out), *args])
    text = capsys.readouterr().out
    assert rc in (0, 1)
    assert ("PASS" in text) != ("FAIL" in text) and "reference:" in text and "ours:" in text
    table = pd.read_csv(out / f"{case}.csv")
    assert list(table.columns[: len(columns)]) == columns
    assert (out / f"{case}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_guimera_grid_and_columns():
    d = guimera2005.DEFAULTS
    assert (d["m"], d["tau"], d["q"]) == (4, 40, (0.0, 0.65))
    assert np.allclose(d["p"], np.arange(1, 10) / 10)
    result = guimera2005.evaluate(
        guimera2005.simulate(runs=1, steps=200, burn_in=50, p=(0.1, 0.5, 0.9), q=(0.0,)), m=4, tau=40, steps=200
    )
    assert list(result.table.columns[:3]) == ["p", "q", "giant_component_share"]
    assert "giant component" in result.report()


def test_run_case_rejects_options_a_case_does_not_take():
    with pytest.raises(ValueError, match="'z' does not apply"):
        run_case("bass1969", z=(1.0,))


@pytest.mark.parametrize(
    "args,field",
    [
        (["validate", "guimera2005", "--n", "500"], "--n"),
        (["validate", "bass1969", "--z", "1,2"], "--z"),
        (["validate", "watts2002", "--z", "1,-2"], "--z"),
        (["validate", "watts2002", "--runs", "0"], "--runs"),
        (["validate", "nonsense"], "CASE"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, capsys, args, field):
    out = tmp_path / "never"
    assert main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("syslead: error:") and "\n" not in err and field in err
    assert not out.exists()


def test_every_case_is_registered():
    assert set(CASES) == {"watts2002", "watts2002-model", "guimera2005", "bass1969", "centola2007"}

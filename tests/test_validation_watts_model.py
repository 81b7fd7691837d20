"""Docking case ``watts2002-model``: the full model's weekly step, at Watts's limit, is the threshold rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation.cli import main
from simulation.config import make_params
from simulation.model import LeadershipModel
from simulation.population import build_network, build_people, random_pairs
from simulation.rng import Streams
from simulation.sectors import AWARE, PRACTISING
from simulation.validation import watts2002_model as wm


def test_random_pairs_are_an_erdos_renyi_graph():
    rng = np.random.default_rng(5)
    n, z = 2000, 4.0
    i, j = random_pairs(n, z, rng)
    assert (i < j).all() and (j < n).all() and (i >= 0).all()
    assert len(np.unique(i * n + j)) == len(i)  # no repeated ties
    assert 2 * len(i) / n == pytest.approx(z, rel=0.05)
    deg = np.bincount(np.concatenate([i, j]), minlength=n)
    assert deg.var() == pytest.approx(z, rel=0.15)  # Poisson degrees: variance = mean


def test_the_random_layer_is_added_on_top_of_the_siloed_network():
    def network(**extra):
        params = make_params(overrides={"population.size": 400, **extra})
        streams = Streams(3)
        return build_network(build_people(params, streams.population), params, streams.network).matrix(0.0)

    siloed, mixed = network().toarray(), network(**{"network.random_degree": 2.0, "network.random_trust": 0.77})
    mixed = mixed.toarray()
    assert make_params().network.random_degree == 0  # every scenario keeps the siloed network
    old = siloed > 0
    # the siloed ties stay (a random tie on the same pair keeps the stronger trust) ...
    assert (mixed[old] >= siloed[old]).all() and np.mean(mixed[old] == siloed[old]) > 0.99
    # ... and the new ties all have the random layer's trust, about two per person
    new = mixed[~old & (mixed > 0)]
    assert (new == 0.77).all() and new.size / 400 == pytest.approx(2.0, rel=0.25)


def test_docking_world_is_watts_set_up():
    params = wm.docking_params(500, 3.0, 0.18)
    model = LeadershipModel(params, seed=11)
    p = model.people
    assert np.count_nonzero(p.mindset >= PRACTISING) == 1 and p.is_lead.sum() == 1
    assert (p.mindset[~p.is_lead] == AWARE).all()
    assert (p.threshold == 0.18).all() and len(set(p.sector.tolist())) == 1
    W = model.trust.matrix(0.0)
    assert set(np.unique(W.data)) == {0.5}  # every tie the same trust
    assert W.nnz / 500 == pytest.approx(3.0, rel=0.2)
    before = W.copy()
    for _ in range(5):
        model.step()
    assert (model.trust.matrix(0.0) != before).nnz == 0  # the network never changes
    assert model.projects.count == 0 and not model.event_log


def test_the_weekly_step_equals_the_threshold_rule_and_the_check_can_fail():
    params = wm.docking_params(400, 2.5, 0.18)
    runs = [wm.cascade(params, s) for s in range(12)]
    assert all(r["identical"] for r in runs)
    assert any(r["size"] > 0.5 for r in runs) and any(r["size"] < 0.1 for r in runs)
    # Off the limit the step is not the threshold rule, and the comparison says so.
    slow = make_params(params.to_dict(), {"mindset.adoption_rate": 0.5})
    assert not all(wm.cascade(slow, s)["identical"] for s in range(12))
    drifting = make_params(params.to_dict(), {"trust.workplace_renewal": 0.5, "population.org_size.vcs": 400.0})
    assert not all(wm.cascade(drifting, s)["identical"] for s in range(12))


def test_small_case_shows_the_window_and_its_table_has_watts_columns():
    table = wm.simulate(n=600, runs=20, z=(0.5, 3.0, 9.0), seed=4, workers=1)
    assert list(table.columns[:5]) == [
        "z",
        "cascade_probability",
        "mean_cascade_size",
        "runs",
        "analytic_cascade_probability",
    ]
    prob = table.set_index("z").cascade_probability
    assert prob[0.5] == 0 and prob[9.0] == 0 and prob[3.0] > 0.5
    assert (table.identical_to_kernel == 1).all()
    result = wm.evaluate(table, n=600, phi=0.18)
    assert result.name == "watts2002-model" and "weekly step is the threshold rule" in result.report()
    broken = wm.evaluate(table.assign(identical_to_kernel=[1.0, 0.95, 1.0]), n=600, phi=0.18)
    assert not broken.comparisons[-1].agrees and not broken.passed


def test_pool_and_single_process_agree():
    a = wm.simulate(n=300, runs=4, z=(2.0, 4.0), seed=9, workers=1)
    b = wm.simulate(n=300, runs=4, z=(2.0, 4.0), seed=9, workers=2)
    pd.testing.assert_frame_equal(a, b)


def test_validate_command_writes_the_watts_table(tmp_path, capsys):
    out = tmp_path / "val"
    rc = main(["validate", "watts2002-model", "--out", str(out), "--n", "300", "--runs", "3", "--z", "2,4"])
    text = capsys.readouterr().out
    assert rc in (0, 1) and "watts2002-model" in text and "ours:" in text
    table = pd.read_csv(out / "watts2002-model.csv")
    assert list(table.columns[:3]) == ["z", "cascade_probability", "mean_cascade_size"]
    assert (out / "watts2002-model.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

"""Many localities (issue 7): per-locality programmes, start weeks and outcomes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import small_params

from simulation import scenarios
from simulation.cli import main
from simulation.metrics import LOCALITY_COLUMNS
from simulation.model import LeadershipModel
from simulation.run import run

STARTS = [12, 24]


@pytest.fixture(scope="module")
def staggered():
    params = small_params(
        900, **{"population.localities": 3, "programme.locality_start_weeks": STARTS, "network.locality_degree": 1.0}
    )
    return run(params, 4, 40, keep_model=True)


def test_per_locality_outcomes_add_up_to_the_totals(staggered):
    loc, ts = staggered.localities, staggered.timeseries.set_index("week")
    assert list(loc.columns) == list(LOCALITY_COLUMNS)
    assert len(loc) == 3 * 41 and sorted(loc.locality.unique()) == [0, 1, 2]
    by_week = loc.groupby("week").sum()
    for name in (
        "people_reached",
        "adopters",
        "champions",
        "active_people",
        "online_people",
        "matching_registered",
        "events_held",
        "projects_started",
        "projects_active",
        "projects_completed",
        "projects_failed",
        "cross_sector_referrals",
    ):
        np.testing.assert_array_equal(by_week[name].to_numpy(), ts[name].to_numpy(), err_msg=name)
    assert (by_week["people"] == 900).all()
    ties = by_week["working_ties"] + by_week["cross_locality_ties"] / 2
    np.testing.assert_array_equal(ties.to_numpy(), ts["working_ties"].to_numpy())
    assert by_week["cross_locality_ties"].iloc[0] > 0  # some working ties cross localities at the start
    mean_conf = (loc.mean_confidence * loc.people).groupby(loc.week).sum() / 900
    np.testing.assert_allclose(mean_conf.to_numpy(), ts["mean_confidence"].to_numpy(), rtol=1e-12)


def test_a_later_locality_starts_its_programme_in_its_start_week(staggered):
    ev = staggered.events
    funded = ev[ev.funded]
    first = funded.groupby("locality").week.min()
    assert first.tolist() == [1, *STARTS]
    for k, start in enumerate(STARTS, start=1):
        before = ev[(ev.locality == k) & (ev.week < start)]
        assert not before.funded.any()  # no programme event, no lead-convened gathering before the start


def test_brew_and_biscuits_runs_per_locality(staggered):
    loc = staggered.localities.set_index(["week", "locality"])
    for k, start in enumerate(STARTS, start=1):
        # nobody signs up (at events, or by word of mouth) before the locality's programme starts
        assert loc.loc[(start - 1, k), "matching_registered"] == 0
    last = loc.xs(40, level="week").matching_registered
    assert last[0] > 0 and last[0] >= last[2]


def test_programme_reaches_a_locality_only_after_it_starts():
    params = small_params(
        900, **{"population.localities": 3, "programme.locality_start_weeks": [30, 60], "network.locality_degree": 0.0}
    )
    r = run(params, 2, 29)
    reached = r.localities[r.localities.week == 29].set_index("locality").people_reached
    assert reached[0] > 30 and reached[1] == 0 and reached[2] == 0


def test_leads_stop_convening_when_their_locality_programme_ends():
    params = small_params(
        600,
        **{
            "population.localities": 2,
            "programme.locality_start_weeks": [20],
            "programme.end_week": 10,
            "champions.leads_convene": 1.0,
            "champions.convene_rate": 0.0,
        },
    )
    r = run(params, 3, 40, keep_model=True)
    m, ev = r.model, r.events
    leads = set(m.people.person_id[m.people.is_lead].tolist())
    by_lead = ev[ev.convener.isin(leads)]
    assert len(by_lead) > 0
    for k, (start, end) in enumerate(zip(m.locality_start_week, m.locality_end_week, strict=True)):
        held = by_lead[by_lead.locality == k].week
        # convened in a week of the programme, held the week after
        assert held.min() >= start + 1 and held.max() <= end + 1


def test_one_locality_rows_are_the_totals():
    r = run(small_params(400), 1, 15)
    loc, ts = r.localities, r.timeseries
    assert (loc.locality == 0).all() and len(loc) == len(ts)
    for name in (
        "people_reached",
        "adopters",
        "working_ties",
        "cross_sector_ties",
        "projects_started",
        "events_held",
        "cross_sector_referrals",
        "mean_confidence",
    ):
        np.testing.assert_array_equal(loc[name].to_numpy(), ts[name].to_numpy(), err_msg=name)
    assert (loc.cross_locality_ties == 0).all() and (loc.people == 400).all()


def test_city_wide_scenarios_share_people_and_differ_only_in_start_weeks():
    roll = scenarios.get("city-wide-rollout").params({"population.size": 900})
    sim = scenarios.get("city-wide-simultaneous").params({"population.size": 900})
    assert roll.population.localities == sim.population.localities == 3
    assert roll.programme.locality_start_weeks == (53, 105) and sim.programme.locality_start_weeks == ()
    a, b = LeadershipModel(roll, seed=8), LeadershipModel(sim, seed=8)
    np.testing.assert_array_equal(a.people.org, b.people.org)
    np.testing.assert_array_equal(a.trust.keys, b.trust.keys)
    assert a.locality_start_week.tolist() == [1, 53, 105] and b.locality_start_week.tolist() == [1, 1, 1]
    assert a.programme_end_week == 208 and b.programme_end_week == 104


def test_localities_output_is_deterministic():
    params = small_params(450, **{"population.localities": 3, "programme.locality_start_weeks": [5]})
    a, b = run(params, 9, 12), run(params, 9, 12)
    pd.testing.assert_frame_equal(a.localities, b.localities, check_exact=True)


def test_run_writes_localities_csv_for_several_localities(tmp_path):
    out = tmp_path / "r"
    assert (
        main(
            [
                "run",
                "--set",
                "population.size=300",
                "--set",
                "population.localities=2",
                "--set",
                "programme.locality_start_weeks=[4]",
                "--weeks",
                "6",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    loc = pd.read_csv(out / "localities.csv")
    assert list(loc.columns) == list(LOCALITY_COLUMNS)
    assert loc.week.tolist() == [w for w in range(7) for _ in range(2)]
    single = tmp_path / "s"
    assert main(["run", "--set", "population.size=300", "--weeks", "3", "--out", str(single), "--quiet"]) == 0
    assert not (single / "localities.csv").exists()

"""The policy scenario library under ``experiments/scenarios/``: every file loads, explains itself, runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation import scenarios
from simulation.cli import main
from simulation.model import LeadershipModel
from simulation.sweep import load_experiment, make_plan

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "experiments" / "scenarios"
FILES = sorted(LIBRARY.glob("*.toml"))
EXPECTED = {
    "south-manchester",
    "top-down",
    "hybrid",
    "no-programme",
    "no-brew-and-biscuits",
    "reorganisation-year-2",
    "low-senior-support",
    "online-network-only",
    "city-wide-fast-roll-out",
}


def test_the_library_holds_the_nine_policy_scenarios():
    assert {scenarios.from_file(f).name for f in FILES} == EXPECTED
    assert {f.stem for f in FILES} == EXPECTED  # file name = scenario name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_file_explains_itself_and_runs_a_few_weeks(path):
    text = path.read_text()
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert text.startswith("#") and len(comments) >= 3  # a header that says what the scenario is
    sc = scenarios.from_file(path)
    assert sc.description
    model = LeadershipModel(sc.params(), seed=3)
    for _ in range(4):
        model.step()
    s = model.summary()
    assert model.week == 4
    if sc.params().programme.enabled:
        assert s["people_reached"] > 0  # the week-1 event happened
    else:
        assert s["people_reached"] == 0


@pytest.mark.parametrize("name", ["south-manchester", "top-down", "hybrid", "no-programme"])
def test_the_core_files_equal_the_built_in_scenarios(name):
    assert scenarios.from_file(LIBRARY / f"{name}.toml").params() == scenarios.get(name).params()


def test_the_variants_change_what_they_say_they_change():
    base = scenarios.get("south-manchester").params()
    p = {f.stem: scenarios.from_file(f).params() for f in FILES}
    assert p["no-brew-and-biscuits"].matching.enabled is False and base.matching.enabled is True
    reorg = p["reorganisation-year-2"].churn
    assert reorg.reorg_weeks == (70,) and {"acute", "community_health", "social_care"} <= set(reorg.reorg_sectors)
    assert reorg.reorg_energy_loss > base.churn.reorg_energy_loss and reorg.reorg_tie_break > base.churn.reorg_tie_break
    assert p["low-senior-support"].senior_support.level < base.senior_support.level
    online = p["online-network-only"]
    assert {e.type for e in online.programme.events} == {"social_media_training"}
    assert online.matching.enabled is False and online.champions.leads_convene == 0
    assert online.online.adoption > base.online.adoption and online.online.new_tie_rate > base.online.new_tie_rate
    city = p["city-wide-fast-roll-out"]
    assert city.population.localities == 3 and city.programme.locality_start_weeks == (53, 79)
    assert city.population.size == 3 * base.population.size
    for name, params in p.items():  # the strategy is unchanged except where the scenario is about strategy
        if name not in {"top-down", "hybrid", "no-programme"}:  # no-programme: business as usual
            assert params.strategy == base.strategy, name


def test_the_city_wide_roll_out_starts_later_localities_later():
    params = scenarios.from_file(LIBRARY / "city-wide-fast-roll-out.toml").params({"population.size": 900})
    model = LeadershipModel(params, seed=1)
    model.step()
    first = {e["locality"] for e in model.event_log if e["funded"]}
    assert first == {0}
    assert model.programme_end_week == 104 + 79 - 1


def test_files_work_with_run_config_and_in_an_experiment(tmp_path, capsys):
    out = tmp_path / "r"
    path = LIBRARY / "no-brew-and-biscuits.toml"
    assert (
        main(
            ["run", "--config", str(path), "--weeks", "3", "--set", "population.size=300", "--out", str(out), "--quiet"]
        )
        == 0
    )
    assert (out / "summary.json").is_file()
    exp = load_experiment(
        {"experiment": {"name": "lib", "weeks": 3, "replicates": 2, "seed": 1, "scenarios": [str(f) for f in FILES]}}
    )
    plan = make_plan(exp)
    assert len(plan) == 2 * len(FILES)
    assert {r.scenario for r in plan} == EXPECTED

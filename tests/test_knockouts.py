"""Knock-out suite: every phase of the week and every strategy lever matters, with the documented sign.

Each mechanism in :data:`simulation.validation.knockouts.KNOCKOUTS` is switched off on paired seeds (the same
people, network and chance events), and its contribution to each outcome it exists for must have the documented
sign with a 95% interval that excludes zero. Replacing any phase by one that does nothing makes its row fail
(every phase has a row: checked below). Sizes are chosen so that each test is decisive, not flaky
(docs/knockouts.md has the same table at 3,000 people and 20 seeds).
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ProcessPoolExecutor

import pytest

from simulation.config import PHASE_NAMES, StrategyParams, make_params
from simulation.model import PHASES, LeadershipModel
from simulation.validation.knockouts import KNOCKOUTS, contributions, interval

SIZE, SEEDS = 1500, range(1, 9)


@pytest.fixture(scope="module")
def pool():
    with ProcessPoolExecutor(2) as ex:
        yield ex


_cache: dict[str, dict] = {}
_runs: dict = {}  # the intact arms that knock-outs share (same scenario, setting, weeks) run once


def _contrib(ko, pool):
    if ko.name not in _cache:
        _cache[ko.name] = contributions(ko, SEEDS, size=SIZE, executor=pool, runs=_runs)
    return _cache[ko.name]


CASES = [(ko, e) for ko in KNOCKOUTS for e in ko.effects]


@pytest.mark.slow
@pytest.mark.parametrize(("ko", "effect"), CASES, ids=[f"{k.name}:{e.outcome}" for k, e in CASES])
def test_mechanism_contributes_with_the_documented_sign(ko, effect, pool):
    d = _contrib(ko, pool)[effect.outcome]
    mean, lo, hi = interval(d)
    if effect.sign > 0:
        assert lo > 0, f"{ko.name} should raise {effect.outcome}: {mean:+.3f} [{lo:+.3f}, {hi:+.3f}]"
    else:
        assert hi < 0, f"{ko.name} should lower {effect.outcome}: {mean:+.3f} [{lo:+.3f}, {hi:+.3f}]"


def test_every_phase_of_the_week_has_a_knockout_and_can_be_switched_off():
    named = {name for name, _ in PHASES if name != "merge contacts"}
    assert named == set(PHASE_NAMES)
    assert {k.name for k in KNOCKOUTS if k.kind == "phase"} == named
    for name in PHASE_NAMES:
        m = LeadershipModel(make_params({"population": {"size": 60}, "mechanisms": {"off": [name]}}), seed=1)
        assert name not in {n for n, _ in m.phases}
        assert len(m.phases) == len(PHASES) - 1


def test_every_lever_has_a_benefit_and_a_cost():
    levers = {f.name for f in dataclasses.fields(StrategyParams)}
    roles: dict[str, set[str]] = {lever: set() for lever in levers}
    for ko in KNOCKOUTS:
        if ko.lever:
            roles[ko.lever] |= {e.role for e in ko.effects}
    assert all({"benefit", "cost"} <= r for r in roles.values()), roles


def test_a_phase_switched_off_does_nothing():
    """With the matching phase off, nobody is ever paired; the rest of the week runs."""
    m = LeadershipModel(make_params({"population": {"size": 400}, "mechanisms": {"off": ["matching"]}}), seed=3)
    for _ in range(30):
        m.step()
    assert m.tally["matching_visits"] == 0 and m.tally["cross_sector_referrals"] > 0


def test_an_unknown_phase_is_refused_with_the_allowed_names():
    from simulation.config import ConfigError

    with pytest.raises(ConfigError, match=r"mechanisms.off\[0\] = 'matchin' is not a phase.*did you mean 'matching'"):
        make_params({"mechanisms": {"off": ["matchin"]}})


def test_shared_intact_arms_run_once_and_change_no_number():
    """Two phase knock-outs of the default scenario share their intact arm: with ``runs`` kept across the calls
    it is run once per seed, and every contribution is the one each call gives on its own."""
    from simulation.validation.knockouts import get

    kos = [get("matching"), get("referrals")]
    seeds = [1, 2]
    alone = [contributions(ko, seeds, size=200, weeks=12) for ko in kos]
    runs: dict = {}
    shared = [contributions(ko, seeds, size=200, weeks=12, runs=runs) for ko in kos]
    assert len(runs) == len(seeds) * (1 + len(kos))  # one intact arm, one arm per knock-out
    for a, b in zip(alone, shared, strict=True):
        assert a.keys() == b.keys()
        for outcome in a:
            assert (a[outcome] == b[outcome]).all(), outcome
    assert any(d.any() for c in shared for d in c.values())  # the arms differ: a key ignoring overrides fails

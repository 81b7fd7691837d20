"""Nothing grows without limit: over ten years the default levels off (issue 11, saturation and time).

A locality has a finite number of problems to work on (renewing slowly), people have finite hours, the mindset
fades without use, champions step back and Brew and Biscuits members drop out. On a small population (800
people), the yearly number of new projects and the number of working ties in the last two years are within a few
per cent of the two years before (the Brew and Biscuits scheme has finite places, tested
below); the number of people practising rises far more slowly after the programme
than during it and does not accelerate; and the network the model has to carry (stored ties, which set the cost
of a week) late in the run is within half again of its size in the programme's second year.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulation import scenarios
from simulation.kernels.arrays import cap_per_group
from simulation.model import LeadershipModel


@pytest.fixture(scope="module")
def runs():
    params = scenarios.get("south-manchester").params({"population.size": 800})
    out = []
    for seed in (1, 2):
        m = LeadershipModel(params, seed=seed)
        stored = []
        for _ in range(520):
            m.step()
            stored.append(len(m.trust))
        out.append((m.timeseries().set_index("week"), np.array(stored)))
    return out


def _yearly_new_projects(ts):
    started = ts["projects_started"].to_numpy()
    return np.diff(started[::52])  # ten values, one per year


@pytest.mark.slow
def test_yearly_new_projects_level_off(runs):
    for ts, _ in runs:
        per_year = _yearly_new_projects(ts)
        late, before = per_year[8:].mean(), per_year[6:8].mean()
        assert abs(late - before) <= 0.25 * before, per_year
        assert late <= 1.1 * per_year[:2].mean()  # no acceleration after the programme


@pytest.mark.slow
def test_working_ties_level_off(runs):
    for ts, _ in runs:
        y = ts["working_ties"].to_numpy()
        late, before = y[417:521].mean(), y[313:417].mean()  # years 9-10 against years 7-8
        assert abs(late - before) <= 0.15 * before, (late, before)


@pytest.mark.slow
def test_practitioners_grow_far_more_slowly_after_the_programme_than_during_it(runs):
    """Not exponential growth: the yearly rise in people practising in years 5-10 is a small fraction of the
    rise in the programme's second year (it still creeps up by a few per cent a year: docs/calibration.md)."""
    for ts, _ in runs:
        y = ts["adopters"].to_numpy()
        yearly = np.array([y[a : a + 52].mean() for a in range(1, 520, 52)])
        rise = np.diff(yearly)
        assert rise[4:].mean() <= 0.25 * rise[0], yearly
        assert rise[6:].mean() <= 1.5 * max(rise[2:6].mean(), 0.05 * yearly[3]), yearly  # no acceleration


@pytest.mark.slow
def test_a_late_week_carries_about_the_network_of_an_early_one(runs):
    for _, stored in runs:
        early, late = stored[52:104].mean(), stored[-52:].mean()
        assert late <= 1.5 * early, (early, late)


@given(
    groups=st.lists(st.integers(0, 3), min_size=0, max_size=60),
    free=st.lists(st.integers(-3, 20), min_size=4, max_size=4),
    seed=st.integers(0, 2**32 - 1),
)
def test_cap_per_group_keeps_at_most_the_free_places_of_each_group(groups, free, seed):
    """The kernel behind the Brew and Biscuits places: a subset of the candidates, min(wanting, free) per group,
    and the candidates untouched (and the random stream unused) where everyone fits."""
    group = np.array(groups, dtype=np.int64)
    candidates = np.arange(group.size, dtype=np.int64)
    room = np.array(free, dtype=np.int64)
    rng = np.random.default_rng(seed)
    state = rng.bit_generator.state
    kept = cap_per_group(candidates, group, room, rng)
    assert np.isin(kept, candidates).all() and np.unique(kept).size == kept.size
    wanting = np.bincount(group, minlength=4)
    got = np.bincount(group[kept], minlength=4)
    np.testing.assert_array_equal(got, np.minimum(wanting, np.maximum(room, 0)))
    if (wanting <= np.maximum(room, 0)).all():
        np.testing.assert_array_equal(kept, candidates)
        assert rng.bit_generator.state == state


def test_the_scheme_never_has_more_members_than_places():
    """Registrations (at events and by word of mouth) stop at matching.places per 1,000 people in each locality,
    and the cap binds: without it the same run registers more people."""
    weeks, sets = 260, {"population.size": 600, "population.localities": 2}
    capped = LeadershipModel(scenarios.get("south-manchester").params({**sets, "matching.places": 30.0}), seed=3)
    free = LeadershipModel(scenarios.get("south-manchester").params({**sets, "matching.places": 1000.0}), seed=3)
    size = np.bincount(capped.people.locality)
    most = np.zeros(2, np.int64)
    for _ in range(weeks):
        capped.step()
        free.step()
        most = np.maximum(most, np.bincount(capped.people.locality[capped.people.registered], minlength=2))
    assert (most <= np.floor(30.0 * size / 1000.0)).all(), (most, size)
    assert free.people.registered.sum() > capped.people.registered.sum()

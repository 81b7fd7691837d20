"""Nothing grows without limit: over ten years the default levels off (issue 11, saturation and time).

A locality has a finite number of problems to work on (renewing slowly), people have finite hours, and the
mindset fades without use. On a small population (800 people, where ten years is long enough to reach the
plateau), the yearly number of new projects, the number of people practising and the number of working ties in
the last two years are within a few per cent of the two years before, and the network the model has to carry
(stored ties, which set the cost of a week) late in the run is about its size early on.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation import scenarios
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
@pytest.mark.parametrize("metric", ["adopters", "working_ties"])
def test_practitioners_and_working_ties_level_off(runs, metric):
    for ts, _ in runs:
        y = ts[metric].to_numpy()
        late, before = y[417:521].mean(), y[313:417].mean()  # years 9-10 against years 7-8
        assert abs(late - before) <= 0.15 * before, (metric, late, before)


@pytest.mark.slow
def test_a_late_week_carries_about_the_network_of_an_early_one(runs):
    for _, stored in runs:
        early, late = stored[52:104].mean(), stored[-52:].mean()
        assert late <= 1.25 * early, (early, late)

"""What the speed work keeps instead of recomputing equals what it would recompute.

The weekly step keeps some counts up to date instead of counting afresh (the project load of each person, the
managers of each sector, the running totals of the whole-run metrics, the DataCollector's rows). Each is checked
here against the count from scratch, week by week, in runs where people leave, projects end and teams lose
members, so every path that changes them is taken.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_params

from simulation import metrics
from simulation.mechanisms import commissioning
from simulation.mechanisms.projects import ACTIVE
from simulation.model import LeadershipModel


def _load_from_scratch(book, n: int) -> np.ndarray:
    act = np.flatnonzero(book.status[: book.count] == ACTIVE)
    if act.size == 0:
        return np.zeros(n)
    return np.bincount(np.concatenate([book.members[k] for k in act]), minlength=n).astype(np.float64)


def test_project_load_kept_up_to_date_equals_the_count_from_scratch():
    # turnover and over-commitment high, so that members leave teams (drop_people, leave) and projects end
    m = LeadershipModel(small_params(600, **{"churn.turnover": 0.02, "time.dropout": 0.5, "time.budget": 2.0}), seed=4)
    ended = left = 0
    for _ in range(60):
        before = {k: len(m.projects.members[k]) for k in m.projects.active().tolist()}
        m.step()
        book = m.projects
        got = book.load(m.people.n)
        np.testing.assert_array_equal(got, _load_from_scratch(book, m.people.n))
        got[:] = -1  # the caller may change its copy
        np.testing.assert_array_equal(book.load(m.people.n), _load_from_scratch(book, m.people.n))
        ended += sum(book.status[k] != ACTIVE for k in before)
        left += sum(book.status[k] == ACTIVE and len(book.members[k]) < size for k, size in before.items())
    assert ended > 5 and left > 3  # the paths were taken


def test_managers_found_once_equal_a_fresh_filter_after_turnover():
    m = LeadershipModel(small_params(800, **{"churn.turnover": 0.02, "commissioning.senior_rate": 0.05}), seed=2)
    for _ in range(30):
        m.step()
    p = m.people
    cached = commissioning._managers(m)
    for loc, by_sector in enumerate(m.sector_index):
        for s, pool in enumerate(by_sector):
            np.testing.assert_array_equal(cached[loc][s], pool[(p.seniority[pool] > 0) & ~p.is_lead[pool]])
    assert m.tally["projects_commissioned"] > 0


def test_whole_run_metrics_kept_as_running_totals_equal_a_fresh_count():
    m = LeadershipModel(small_params(500, **{"programme.end_week": 20}), seed=3)
    for _ in range(45):
        m.step()
        now = m.datacollector.model_vars
        after = [v for w, v in m.active_history if w > m.programme_end_week]
        want = float(np.mean(after)) if after else 0.0
        assert now["post_programme_activity"][-1] == want
        end, last = m.programme_end_week, min(m.week, m.programme_end_week + metrics.FOLLOW_UP_WEEKS)
        total = sum(e["attendees"] for e in m.event_log if e["type"] == "gathering" and end < e["week"] <= last)
        assert now["gathering_attendance_after_programme"][-1] == (4.0 * total / (last - end) if last > end else 0)
        funded = [e for e in m.event_log if e["funded"] and e["type"] != "gathering"]
        assert now["first_event_attendance"][-1] == (float(funded[0]["attendees"]) if funded else 0.0)
    assert m.datacollector.model_vars["post_programme_activity"][-1] > 0
    # the DataCollector's rows are the week's metrics, as Mesa's own collection would store them
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == 46 and df["week"].tolist() == list(range(46))
    assert df.iloc[-1]["working_ties"] == m._now["working_ties"]


def test_clipping_confidence_of_the_few_equals_clipping_everyone(monkeypatch):
    """Confidence is clipped only where it may have left [0, 1] (members who gained or lost some); a run where
    every clip is of the whole population, as before, gives the same bits."""
    from simulation.mechanisms import projects

    # failures cost a lot (no support), monitoring costs more than small wins give to the least confident, and
    # wins push people in several projects past 1: confidence leaves [0, 1] every week
    overrides = {
        "projects.fail_hazard": 0.08,
        "confidence.failure_loss": 0.9,
        "confidence.monitoring_loss": 0.2,
        "confidence.win_gain": 0.9,
        "strategy.overhead": 0.5,
        "senior_support.level": 0.0,
        "senior_support.from_adopters": 0.0,
        "population.initial_confidence": 0.2,
        "projects.min_confidence": 0.0,
    }
    fast = LeadershipModel(small_params(500, **overrides), seed=8)
    for _ in range(50):
        fast.step()
        assert fast.people.confidence.min() >= 0 and fast.people.confidence.max() <= 1

    def clip_everyone(people, book, also=None):
        np.clip(people.confidence, 0, 1, out=people.confidence)
        book.unclipped = None

    monkeypatch.setattr(projects, "clip_confidence", clip_everyone)
    slow = LeadershipModel(small_params(500, **overrides), seed=8)
    for _ in range(50):
        slow.step()
    assert fast.tally["dropouts"] + fast.projects.n_status(projects.FAILED) > 10
    np.testing.assert_array_equal(fast.people.confidence, slow.people.confidence)
    np.testing.assert_array_equal(fast.people.mindset, slow.people.mindset)
    assert fast.projects.count == slow.projects.count


def test_building_a_model_leaves_the_garbage_collector_as_it_found_it(monkeypatch):
    """The collector is paused while the people's agents are made (speed), and restored afterwards: on if it was
    on, off if it was off, and on again when making an agent fails."""
    import gc

    import simulation.model as model_module

    was = gc.isenabled()
    try:
        for before in (True, False):
            (gc.enable if before else gc.disable)()
            seen = []
            real = model_module.Person

            def spy(model, slot, real=real, seen=seen):
                seen.append(gc.isenabled())
                return real(model, slot)

            monkeypatch.setattr(model_module, "Person", spy)
            LeadershipModel(small_params(50), seed=1)
            assert seen and not any(seen)  # paused while the agents are made
            assert gc.isenabled() is before

        def broken(model, slot):
            raise RuntimeError("no agent")

        gc.enable()
        monkeypatch.setattr(model_module, "Person", broken)
        with pytest.raises(RuntimeError, match="no agent"):
            LeadershipModel(small_params(50), seed=1)
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()

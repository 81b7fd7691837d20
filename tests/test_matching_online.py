"""Mechanism 6 (Brew and Biscuits) and the online network."""

from __future__ import annotations

import numpy as np
from conftest import small_params
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.mechanisms.matching import cross_sector_pairs
from simulation.model import LeadershipModel


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 7), min_size=0, max_size=80), st.integers(0, 2**31))
def test_matching_pairs_are_always_cross_sector_and_disjoint(sectors, seed):
    sector = np.array(sectors, dtype=np.int8)
    i, j = cross_sector_pairs(np.arange(len(sector)), sector, np.random.default_rng(seed))
    assert np.all(sector[i] != sector[j])
    both = np.concatenate([i, j])
    assert len(np.unique(both)) == len(both)
    # Nobody is left unpaired needlessly when no sector is more than half the candidates.
    if len(sector) and np.bincount(sector).max() <= len(sector) // 2:
        assert len(i) == len(sector) // 2
    # With a sector over half, everyone else is paired (with someone of that sector).
    if len(sector):
        assert len(i) == min(len(sector) // 2, len(sector) - np.bincount(sector).max())


def _pair_table(counts, weeks, seed=5):
    """How often each two sectors were paired over ``weeks`` weeks of the same visitors (upper triangle)."""
    counts = np.asarray(counts)
    k = len(counts)
    sector = np.repeat(np.arange(k), counts).astype(np.int8)
    rng = np.random.default_rng(seed)
    table = np.zeros((k, k))
    for _ in range(weeks):
        i, j = cross_sector_pairs(rng.permutation(sector.size), sector, rng)
        np.add.at(table, (np.minimum(sector[i], sector[j]), np.maximum(sector[i], sector[j])), 1)
    return table[np.triu_indices(k, 1)]


def _product_target(counts):
    """Expected share of each sector pair: proportional to the product of the sectors' numbers, ``n_a n_b``,
    times a factor per sector ``f_a f_b`` fitted so that everyone is paired once (the share of a uniform
    random pairing with no same-sector pairs, for large numbers). Upper triangle, sums to 1."""
    n = np.asarray(counts, float)
    f = np.ones(len(n)) / np.sqrt(n.sum())
    for _ in range(500):  # f_a * sum_{b != a} n_b f_b = 1
        f = np.sqrt(f / ((n * f).sum() - n * f))
    t = np.outer(n * f, n * f)[np.triu_indices(len(n), 1)]
    return t / t.sum()


def test_matching_pairs_every_two_sectors_in_proportion_to_their_numbers():
    counts = [50, 40, 30, 25, 20, 15, 12, 8]  # eight sectors of unequal shares, 200 visitors a week
    observed = _pair_table(counts, weeks=200)
    assert observed.sum() == 200 * 100  # everyone paired across sectors every week
    assert observed.min() > 0  # all 28 sector pairs occur
    expected = _product_target(counts) * observed.sum()
    chi2 = ((observed - expected) ** 2 / expected).sum()
    assert chi2 < 27 + 3 * np.sqrt(2 * 27)  # 27 degrees of freedom: a generous chi-square bound
    # and close to the plain product of shares: large sectors meet each other somewhat more often,
    # as everyone must be paired across sectors
    plain = np.outer(counts, counts)[np.triu_indices(len(counts), 1)]
    ratio = observed / (plain / plain.sum() * observed.sum())
    assert ratio.min() > 0.5 and ratio.max() < 1.5


def _cross_ties(overrides, weeks=40, seed=8):
    m = LeadershipModel(small_params(1200, **overrides), seed=seed)
    for _ in range(weeks):
        m.step()
    return m


def test_matching_creates_cross_sector_ties():
    common = {"matching.start_week": 1, "matching.visit_rate": 0.5}
    gained = []
    for seed in (1, 2, 3, 4):  # paired seeds: the same people with and without the scheme
        with_m = _cross_ties({**common, "matching.enabled": True}, seed=seed)
        without = _cross_ties({**common, "matching.enabled": False}, seed=seed)
        assert with_m.tally["matching_visits"] > 50 and without.tally["matching_visits"] == 0
        assert with_m._now["matching_registered"] > 0 == without._now["matching_registered"]
        gained.append(with_m._now["cross_sector_ties"] - without._now["cross_sector_ties"])
    assert np.mean(gained) > 0


def test_online_pairs_lose_trust_more_slowly():
    quiet = {
        "programme.enabled": False,
        "trust.workplace_renewal": 0.0,
        "trust.workplace_contact_rate": 0.0,
        "churn.turnover": 0.0,
        "churn.reorg_weeks": [],
        "online.new_tie_rate": 0.0,
        "online.adoption": 0.0,
        "projects.idea_rate": 0.0,
    }
    totals = {}
    for share in (0.0, 1.0):
        m = LeadershipModel(small_params(500, **quiet, **{"population.online_share": share}), seed=3)
        start = m.trust.w.sum()
        for _ in range(10):
            m.step()
        totals[share] = m.trust.w.sum() / start
    assert totals[1.0] > totals[0.0]


def test_social_media_training_brings_people_online():
    # The other routes online are switched off (word of mouth along online ties, newcomers drawn online), so
    # any change in the online head count comes from the training's conversion of attendees.
    quiet = {"online.adoption": 0.0, "online.lapse": 0.0, "churn.turnover": 0.0}
    m = LeadershipModel(small_params(1500, **quiet), seed=2)
    online = [int(m.people.online.sum())]
    for _ in range(31):  # the training is in week 30 of the case calendar
        m.step()
        online.append(int(m.people.online.sum()))
    training = [e for e in m.event_log if e["type"] == "social_media_training"]
    assert len(training) == 1 and training[0]["week"] == 30
    rise = np.diff(online)  # rise[k]: in week k + 1
    assert np.all(np.delete(rise, 29) == 0)  # nobody goes online in any other week
    # most attendees not yet online join (online_conversion = 0.8), and only attendees can
    assert 0.3 * training[0]["attendees"] <= rise[29] <= training[0]["attendees"]

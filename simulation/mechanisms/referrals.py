"""Cross-sector referrals (mechanism 10).

Each week a person has, with chance ``referrals.need_rate``, a client (or,
for a patient, a need of their own) that another sector's service could
meet; the sector is drawn at random among the others. The referral is made
with chance ``base + knowledge_weight x knowledge of that sector +
trust_weight x [has a working-trust tie in that sector]``: people refer
where they know and trust someone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..kernels.arrays import bernoulli_indices
from ..sectors import N_SECTORS

if TYPE_CHECKING:
    from ..model import LeadershipModel


def sector_ties(model: LeadershipModel) -> np.ndarray:
    """Boolean (n, sectors): person has a working-trust tie with someone in that sector."""
    people, net = model.people, model.trust
    m = net.matrix(model.params.trust.working_threshold, binary=True).tocoo()
    i, j = m.row, m.col
    out = np.zeros(people.n * N_SECTORS, bool)
    out[i * N_SECTORS + people.sector[j]] = True
    out[j * N_SECTORS + people.sector[i]] = True
    return out.reshape(people.n, N_SECTORS)


def _has_tie(model: LeadershipModel, who: np.ndarray, sector: np.ndarray) -> np.ndarray:
    """Whether ``who[k]`` has a working-trust tie with someone in ``sector[k]`` (``sector_ties`` for a few)."""
    nb, owner = model.trust.rows(who, model.params.trust.working_threshold)
    hit = model.people.sector[nb] == sector[owner]
    return np.bincount(owner[hit], minlength=who.size) > 0


def phase(model: LeadershipModel) -> None:
    people, r, rng = model.people, model.params.referrals, model.streams.referrals
    need = bernoulli_indices(rng, people.n, r.need_rate)
    if need.size == 0:
        return
    shift = rng.integers(1, N_SECTORS, need.size)
    target = (people.sector[need].astype(np.int64) + shift) % N_SECTORS
    has_tie = _has_tie(model, need, target)
    p = np.clip(r.base + r.knowledge_weight * people.knowledge[need, target] + r.trust_weight * has_tie, 0, 1)
    made = rng.random(need.size) < p
    model.tally["cross_sector_referrals"] += int(made.sum())
    by_locality = model.locality_tally["cross_sector_referrals"]
    by_locality += np.bincount(people.locality[need[made]], minlength=by_locality.size)
    model.tally["referrals_through_ties"] += int((made & has_tie).sum())

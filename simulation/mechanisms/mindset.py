"""System-leadership mindset: social (complex) contagion plus role modelling (mechanism 4).

Stages: unaware -> aware -> practising -> champion. Each week, over the
trust-weighted network:

* the exposure is the contagion kernel's (:mod:`simulation.kernels.contagion`): a
  trust-weighted count of practising neighbours, ``count = W @ x`` with
  ``x`` the :func:`influence` of each practitioner (leads count
  ``1 + lead_weight x strategy.role_modelling`` times: leads who model
  distributed leadership are credible, a "rhetoric gap" is not), and the
  share :func:`simulation.kernels.contagion.share` ``= min(1, count / row sum of W)``;
  the same share :func:`simulation.kernels.contagion.exposure` gives for the whole
  network (tested), computed here from the network's sparse scatter for the
  people in play only (:func:`neighbourhood`);
* an unaware person with practising ties becomes aware with hazard
  ``mindset.awareness_rate`` per (trust-weighted) practising tie
  (``1 - exp(-awareness_rate x count)``, this module's own rule);
* an aware person whose share reaches their personal threshold, and who has taken
  part in something (event, visit, project) within the last ``mindset.disuse_weeks``
  (practising means acting as a system leader, which needs an outlet), starts
  practising with chance ``mindset.adoption_rate``:
  :func:`simulation.kernels.contagion.adoption_probability` with the threshold
  response (a threshold, i.e. complex, contagion);
* a practitioner with a completed project and enough confidence becomes a
  champion;
* practitioners (not leads) whose peers do not practise lapse back one stage
  with chance ``mindset.lapse_rate x (1 - share / threshold)``, and those who have
  taken part in nothing (event, visit, project) for ``mindset.disuse_weeks`` with
  chance ``mindset.disuse_lapse`` a week (the two combine as independent hazards):
  adoption fades without use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..kernels.contagion import adoption_probability, share
from ..sectors import AWARE, CHAMPION, PRACTISING, UNAWARE

if TYPE_CHECKING:
    from ..model import LeadershipModel


def influence(model: LeadershipModel, practitioners: np.ndarray) -> np.ndarray:
    """How much the practice of each of ``practitioners`` (indices) counts for their neighbours.

    1 for most, ``1 + mindset.lead_weight x strategy.role_modelling`` for a lead.
    """
    p = model.params
    return 1.0 + model.people.is_lead[practitioners] * p.mindset.lead_weight * p.strategy.role_modelling


class Exposure(NamedTuple):
    """This week's exposure of the people in play (see :func:`neighbourhood`)."""

    who: np.ndarray  # people in play, ascending: practitioners and everyone with a practising tie
    # trust-weighted count of practising neighbours, each weighted by influence() (ignore: the field shadows
    # tuple.count, a method; renaming it would change the callers)
    count: np.ndarray  # type: ignore[assignment]
    share: np.ndarray  # contagion.share(count, row sum of W) for the aware and above; 0 for the unaware (unused)
    practising: np.ndarray  # the practitioners (and champions), ascending


def neighbourhood(model: LeadershipModel) -> Exposure:
    """The contagion kernel's exposure for the people whom this week's mindset rule can move.

    Only practitioners and the people with a practising tie can move (everyone
    else has zero exposure and, not practising, cannot lapse). The count is
    ``W @ x`` scattered from the practitioners' rows (:meth:`~simulation.kernels.network.TrustNetwork.spread`),
    the share :func:`simulation.kernels.contagion.share` with the row sums of the aware
    and above (the unaware need only the count).
    """
    net, stage = model.trust, model.people.mindset
    practising = np.flatnonzero(stage >= PRACTISING)
    count_all = net.spread(practising, influence(model, practising))
    in_play = count_all > 0
    in_play[practising] = True
    who = np.flatnonzero(in_play)
    count = count_all[who]
    strength = np.zeros(who.size)
    aware = stage[who] >= AWARE
    strength[aware] = net.row_sums(who[aware])
    return Exposure(who, count, share(count, strength), practising)


def phase(model: LeadershipModel) -> None:
    """One week of mindset change: each person in play draws one uniform number for this week's transitions."""
    people, m, rng = model.people, model.params.mindset, model.streams.mindset
    stage = people.mindset
    who, count, exposed, practising = neighbourhood(model)
    st = stage[who]
    thr = people.threshold[who]
    u = rng.random(who.size)

    # Use: taking part in anything (event, visit, project) within the last disuse_weeks (since arrival, if never).
    last = np.where(people.active_week[who] >= 0, people.active_week[who], people.joined_week[who])
    idle = (model.week - last) >= m.disuse_weeks

    to_aware = (st == UNAWARE) & (u < 1.0 - np.exp(-m.awareness_rate * count))
    p_adopt = adoption_probability(exposed, threshold=thr, rate=m.adoption_rate)
    to_practising = (st == AWARE) & ~idle & (u < p_adopt)  # practising means acting: it needs an outlet
    to_champion = practising[
        (stage[practising] == PRACTISING)
        & (people.completed[practising] > 0)
        & (people.confidence[practising] >= m.champion_confidence)
    ]
    support = np.divide(exposed, thr, out=np.ones_like(exposed), where=thr > 0)
    peer_lapse = m.lapse_rate * np.clip(1.0 - support, 0.0, 1.0)
    # Disuse: a practitioner who has taken part in nothing for disuse_weeks fades.
    lapse_p = 1.0 - (1.0 - peer_lapse) * (1.0 - m.disuse_lapse * idle)
    lapse = (st >= PRACTISING) & ~people.is_lead[who] & (u < lapse_p)
    champ_lapse = (lapse | (rng.random(who.size) < m.champion_retire)) & (st == CHAMPION) & ~people.is_lead[who]

    stage[who[to_aware]] = AWARE
    stage[who[to_practising]] = PRACTISING
    stage[to_champion] = CHAMPION
    stage[who[lapse & ~champ_lapse]] = AWARE
    stage[who[champ_lapse]] = PRACTISING

"""System-leadership mindset: social (complex) contagion plus role modelling (mechanism 4).

Stages: unaware -> aware -> practising -> champion. Each week, using the
contagion kernel of :mod:`simulation.contagion` over the trust-weighted
network:

* an unaware person with practising ties becomes aware with hazard
  ``mindset.awareness_rate`` per (trust-weighted) practising tie;
* an aware person whose trust-weighted share of practising neighbours
  reaches their personal threshold starts practising with chance
  ``mindset.adoption_rate`` (a threshold, i.e. complex, contagion). Leads
  count ``1 + lead_weight x strategy.role_modelling`` times: leads who model
  distributed leadership are credible, a "rhetoric gap" is not;
* a practitioner with a completed project and enough confidence becomes a
  champion;
* practitioners (not leads) whose peers do not practise lapse back to aware
  with chance ``mindset.lapse_rate x (1 - share / threshold)``.
"""

from __future__ import annotations

import numpy as np

from .contagion import adoption_probability
from .sectors import AWARE, CHAMPION, PRACTISING, UNAWARE


def influence(model) -> np.ndarray:
    """How much each person's practice counts for their neighbours."""
    people, p = model.people, model.params
    practising = (people.mindset >= PRACTISING).astype(np.float64)
    return practising * (1.0 + people.is_lead * p.mindset.lead_weight * p.strategy.role_modelling)


def phase(model) -> None:
    """One week of mindset change.

    Only practitioners and the people with a practising tie can move (everyone
    else has zero exposure and, not practising, cannot lapse), so the rule is
    evaluated for them alone: the exposure of the contagion kernel
    (:func:`~simulation.contagion.exposure`: ``count = W @ x`` trust-weighted,
    ``share = min(1, count / row sum of W)``) is scattered from the
    practitioners' rows, and each person in play draws one uniform number for
    this week's transitions.
    """
    people, p, rng = model.people, model.params, model.streams.mindset
    m = p.mindset
    net = model.trust
    stage = people.mindset
    practising = np.flatnonzero(stage >= PRACTISING)
    weight = 1.0 + people.is_lead[practising] * m.lead_weight * p.strategy.role_modelling  # influence()
    count_all = net.spread(practising, weight)
    in_play = count_all > 0
    in_play[practising] = True
    who = np.flatnonzero(in_play)
    count = count_all[who]
    st = stage[who]
    # The share matters only to the aware (adoption) and practitioners (lapse): row sums for them alone.
    deg = np.zeros(who.size)
    aware = st >= AWARE
    deg[aware] = net.row_sums(who[aware])
    share = np.minimum(np.divide(count, deg, out=np.zeros_like(count), where=deg > 0), 1.0)
    thr = people.threshold[who]
    u = rng.random(who.size)

    to_aware = (st == UNAWARE) & (u < 1.0 - np.exp(-m.awareness_rate * count))
    p_adopt = adoption_probability(share, threshold=thr, rate=m.adoption_rate)
    to_practising = (st == AWARE) & (u < p_adopt)
    to_champion = practising[(stage[practising] == PRACTISING) & (people.completed[practising] > 0)
                             & (people.confidence[practising] >= m.champion_confidence)]
    support = np.divide(share, thr, out=np.ones_like(share), where=thr > 0)
    lapse_p = m.lapse_rate * np.clip(1.0 - support, 0.0, 1.0)
    lapse = (st >= PRACTISING) & ~people.is_lead[who] & (u < lapse_p)
    champ_lapse = lapse & (st == CHAMPION)

    stage[who[to_aware]] = AWARE
    stage[who[to_practising]] = PRACTISING
    stage[to_champion] = CHAMPION
    stage[who[lapse & ~champ_lapse]] = AWARE
    stage[who[champ_lapse]] = PRACTISING

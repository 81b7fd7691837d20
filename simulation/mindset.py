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

from .contagion import adoption_probability, exposure
from .sectors import AWARE, CHAMPION, PRACTISING, UNAWARE


def influence(model) -> np.ndarray:
    """How much each person's practice counts for their neighbours."""
    people, p = model.people, model.params
    practising = (people.mindset >= PRACTISING).astype(np.float64)
    return practising * (1.0 + people.is_lead * p.mindset.lead_weight * p.strategy.role_modelling)


def phase(model) -> None:
    people, p, rng = model.people, model.params, model.streams.mindset
    m = p.mindset
    W = model.trust.matrix()
    x = influence(model)
    share = exposure(W, x)
    count = exposure(W, x, mode="count")
    stage = people.mindset
    u = rng.random(people.n)

    to_aware = (stage == UNAWARE) & (u < 1.0 - np.exp(-m.awareness_rate * count))
    p_adopt = adoption_probability(share, threshold=people.threshold, rate=m.adoption_rate)
    to_practising = (stage == AWARE) & (u < p_adopt)
    to_champion = (stage == PRACTISING) & (people.completed > 0) & (people.confidence >= m.champion_confidence)
    support = np.divide(share, people.threshold, out=np.ones_like(share), where=people.threshold > 0)
    lapse_p = m.lapse_rate * np.clip(1.0 - support, 0.0, 1.0)
    lapse = (stage >= PRACTISING) & ~people.is_lead & (u < lapse_p)
    champ_lapse = lapse & (stage == CHAMPION)

    stage[to_aware] = AWARE
    stage[to_practising] = PRACTISING
    stage[to_champion] = CHAMPION
    stage[lapse & ~champ_lapse] = AWARE
    stage[champ_lapse] = PRACTISING

"""The #sysleadershipmcr online network (mechanism 1, online part).

Being online does three things: ties between two online people decay more
slowly (``trust.online_decay_factor``, applied in :mod:`simulation.mechanisms.trust`'s
decay phase); online people hear of open events (``invitations.online_news``);
and online practitioners sometimes strike up a new, weak tie with another
online person (``online.new_tie_rate``), which is how the network reaches
across sectors and brings patients in. People join by word of mouth from
online trusted ties, and at social-media training events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..sectors import AWARE, PRACTISING

if TYPE_CHECKING:
    from ..model import LeadershipModel


def phase(model: LeadershipModel) -> None:
    p, people, rng = model.params, model.people, model.streams.online
    o = p.online
    # Joining: people aware of system leadership join with a hazard per working tie to an online practitioner
    # (who posts about it); those who do not practise may go quiet.
    if o.adoption > 0:
        posting = people.online & (people.mindset >= PRACTISING)
        ties = model.trust.neighbour_sum(posting, p.trust.working_threshold, binary=True)
        u = rng.random(people.n)  # (one number for everyone; the rule is evaluated for those who can join)
        cand = np.flatnonzero(~people.online & (people.mindset >= AWARE))
        join = cand[u[cand] < 1.0 - np.exp(-o.adoption * ties[cand])]
    else:
        join = np.empty(0, np.int64)
    if o.lapse > 0:
        quiet = people.online & ~people.is_lead & (rng.random(people.n) < o.lapse)
        people.online[quiet] = False
    people.online[join] = True
    # New weak ties between online practitioners and other online people (same locality not required).
    online = np.flatnonzero(people.online)
    if o.new_tie_rate > 0 and online.size > 1:
        makers = online[(people.mindset[online] >= PRACTISING) & (rng.random(online.size) < o.new_tie_rate)]
        if makers.size:
            partners = online[rng.integers(0, online.size, makers.size)]
            model.trust.add_contacts(makers, partners, p.trust.contact_gain * o.contact_gain_factor)

"""Trust forms through contact and decays without it: the weekly upkeep of the trust network (mechanism 1).

Trust forms through contact, faster in safe, informal settings (the gain of a contact is the trust
``contact_gain`` times the setting's psychological safety, set where the contact happens: events, Brew and
Biscuits, projects, online, the workplace), and decays without it, slower for colleagues whose daily work renews
the tie and for online pairs. Contacts are buffered during the week and merged twice a week (the two "merge
contacts" phases), so later phases see the week's new ties. The ties themselves, the rule of contact and the decay
by class are stored and applied by :class:`simulation.kernels.network.TrustNetwork`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..kernels.arrays import bernoulli_indices
from ..kernels.network import SAME_GROUP

if TYPE_CHECKING:
    from ..model import LeadershipModel


def phase(model: LeadershipModel) -> None:
    """Weekly trust upkeep: decay (slower at work and online), pruning, everyday colleague contact.

    Decay per tie is ``trust.decay x workplace_decay_factor (same organisation) x online_decay_factor
    (both online)``. Each colleague tie is renewed by everyday work with chance ``workplace_renewal``
    (a contact on an existing tie, applied at once:
    :meth:`~simulation.kernels.network.TrustNetwork.reinforce_numbered`);
    each person with fewer colleague ties than ``network.within_org_degree`` meets a random colleague with
    chance ``workplace_contact_rate`` (a buffered contact, merged with the week's others).
    """
    people, p, net = model.people, model.params, model.trust
    t = p.trust
    net.set_marks(people.online)
    d, wf, of = t.decay, t.workplace_decay_factor, t.online_decay_factor
    # Index = SAME_GROUP | BOTH_MARKED: (other, colleague, online, colleague and online).
    # Decay, then drop the ties below the floor (one pass over the ties: TrustNetwork.decay_and_prune).
    net.decay_and_prune([d * 1.0 * 1.0, d * wf * 1.0, d * 1.0 * of, d * wf * of], t.floor)
    rng = model.streams.network
    if t.workplace_renewal > 0:
        # Draw over the live colleague arcs only, in key order, so the draw depends on the set of live ties and
        # not on dropped arcs still in storage (nor on when storage is compacted). Each tie has two arcs: keep
        # the picks on the arc with src < dst, so each tie is renewed with chance workplace_renewal.
        picks = bernoulli_indices(rng, net.count_live(SAME_GROUP), t.workplace_renewal)
        net.reinforce_numbered(SAME_GROUP, picks, t.contact_gain * t.workplace_safety)
    if t.workplace_contact_rate > 0:
        lonely = net.group_degree < p.network.within_org_degree
        who = np.flatnonzero(lonely & (rng.random(people.n) < t.workplace_contact_rate))
        lo = model.org_start[who]
        size = model.org_end[who] - lo
        partner = lo + (rng.random(who.size) * size).astype(np.int64)
        net.add_contacts(who, partner, t.contact_gain * t.workplace_safety)


def commit_phase(model: LeadershipModel) -> None:
    """Merge the contacts buffered so far, so later phases see this week's ties."""
    model.trust.commit()

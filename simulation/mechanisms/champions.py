"""Champions convene gatherings; a movement can outlive its programme (mechanism 8).

Each week every champion with the energy and the hours for it convenes an informal
gathering with chance ``champions.convene_rate``, less when the locality's audience
has had many gatherings recently (``champions.audience``), and, while the funded programme of their own
locality runs (from its start week to its end), each lead does with chance
``champions.leads_convene``. Invitations go along the
convener's working-trust ties and, less surely, to online people in the
same locality (:func:`simulation.mechanisms.events.gathering_invitations`). The gathering is put on
Mesa's event scheduler for the next week and held by the events phase. When the programme ends the leads stop;
what goes on afterwards is what champions convene.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..sectors import CHAMPION
from .events import Meeting
from .projects import time_per_project

if TYPE_CHECKING:
    from ..model import LeadershipModel


class Convening:
    """The champions phase's working state, held by the model as ``model.convening``.

    ``recent_gatherings``: gatherings convened in each locality lately, with a memory of about a month (it fades
    by a quarter a week); the more, the less likely another (a finite audience).
    """

    def __init__(self, localities: int):
        self.recent_gatherings = np.zeros(localities)


def phase(model: LeadershipModel) -> None:
    people, p, rng = model.people, model.params, model.streams.champions
    c = p.champions
    recent = model.convening.recent_gatherings
    # A champion convenes only with the energy and the hours for it beside their projects (time budgets).
    load = model.projects.load(people.n)
    # Finite audience: convening is less likely when the locality had many gatherings in the last month or so.
    recent *= 0.75
    audience = c.audience * model.locality_size / 1000.0
    crowding = np.clip(1.0 - recent / audience, 0.0, 1.0)
    u = rng.random(people.n)  # (one number for everyone; the rule is evaluated for the champions)
    champ = np.flatnonzero((people.mindset == CHAMPION) & ~people.is_lead)
    hours = people.hours[champ] + load[champ] * time_per_project(p) + p.time.event_hours
    conveners = champ[
        (people.energy[champ] >= p.projects.min_energy)
        & (hours <= p.time.budget)
        & (u[champ] < c.convene_rate * crowding[people.locality[champ]])
    ]
    running = model.programme_running()  # leads convene while their own locality's programme runs
    # Role modelling takes the leads' time: what is left goes to convening (and commissioning).
    lead_rate = c.leads_convene * (1.0 - c.role_modelling_time * p.strategy.role_modelling)
    if p.programme.enabled and running.any() and lead_rate > 0:
        u = rng.random(people.n)
        leads = np.flatnonzero(people.is_lead)
        leads = leads[running[people.locality[leads]] & (u[leads] < lead_rate)]
        conveners = np.union1d(conveners, leads)
    recent += np.bincount(people.locality[conveners], minlength=recent.size)
    for k in conveners.tolist():
        model.meetings.announce(
            Meeting(
                name=f"Gathering convened by {int(people.person_id[k])}",
                type="gathering",
                week=model.week + 1,
                capacity=c.gathering_capacity,
                locality=int(people.locality[k]),
                convener=k,
                funded=bool(people.is_lead[k]),
            )
        )

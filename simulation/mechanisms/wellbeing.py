"""Confidence and energy drift (mechanism 5 and the energy side of 9).

Weekly, outside events and projects: energy recovers towards 1 and is
drained by the everyday workload of the person's sector and by the projects
they work on (shared ownership gives some back); confidence relaxes slowly
towards the person's own baseline. Gains from small wins, completions,
events and losses from failures and monitoring are applied where they
happen (:mod:`simulation.mechanisms.events`, :mod:`simulation.mechanisms.projects`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..model import LeadershipModel


def phase(model: LeadershipModel) -> None:
    people, p = model.people, model.params
    e = p.energy
    load = model.projects.load(people.n)
    workload = np.asarray(e.workload.as_tuple())[people.sector]
    people.energy += (
        e.recovery * (1.0 - people.energy)
        - workload
        - load * (e.project_cost - e.ownership_boost * p.strategy.power_sharing)
    )
    np.clip(people.energy, 0.0, 1.0, out=people.energy)
    people.confidence += p.confidence.relax * (people.confidence0 - people.confidence)
    np.clip(people.confidence, 0.0, 1.0, out=people.confidence)

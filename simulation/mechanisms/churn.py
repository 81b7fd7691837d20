"""Churn: staff turnover and reorganisation shocks (mechanism 9).

*Turnover.* Each week a person (not a lead) leaves with chance
``churn.turnover``; a newcomer takes the same role (sector, organisation,
seniority, locality) with fresh attributes, no ties, and no history (so
``people_reached`` counts people in post; ``people_reached_ever`` adds the
reached leavers tallied here).
*Reorganisation.* In each week of ``churn.reorg_weeks`` everyone in
``churn.reorg_sectors`` loses ``reorg_energy_loss`` energy and each of their
ties across organisations breaks with chance ``reorg_tie_break``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..kernels.arrays import bernoulli_indices
from ..population import draw_attributes
from ..sectors import SECTOR_INDEX
from . import projects

if TYPE_CHECKING:
    from ..model import LeadershipModel


def turnover(model: LeadershipModel) -> np.ndarray:
    people, p, rng = model.people, model.params, model.streams.churn
    leave = bernoulli_indices(rng, people.n, p.churn.turnover)
    leave = leave[~people.is_lead[leave]]
    if leave.size == 0:
        return leave
    model.tally["reached_leavers"] += int(np.count_nonzero(people.reached[leave]))  # for people_reached_ever
    model.trust.remove_people(leave)
    model.projects.drop_people(leave, people.sector)
    attrs = draw_attributes(p, rng, leave.size)
    for name, values in attrs.items():
        getattr(people, name)[leave] = values
    people.confidence0[leave] = people.confidence[leave]
    people.energy[leave] = 1.0
    people.knowledge[leave] = p.population.initial_knowledge
    people.knowledge[leave, people.sector[leave]] = 1.0
    people.reached[leave] = False
    people.registered[leave] = False
    people.partner[leave] = -1
    people.partner_id[leave] = -1
    people.completed[leave] = 0
    people.idea[leave] = False
    people.active_week[leave] = -1
    people.joined_week[leave] = model.week
    people.person_id[leave] = model.next_person_id + np.arange(leave.size)
    model.next_person_id += leave.size
    model.replace_agents(leave)
    model.tally["leavers"] += int(leave.size)
    return leave


def reorganise(model: LeadershipModel) -> int:
    people, p, rng = model.people, model.params, model.streams.churn
    c = p.churn
    hit = np.isin(people.sector, [SECTOR_INDEX[s] for s in c.reorg_sectors])
    people.energy[hit] = np.maximum(0.0, people.energy[hit] - c.reorg_energy_loss)
    net = model.trust
    cross_org = people.org[net.i] != people.org[net.j]
    touched = hit[net.i] | hit[net.j]
    broken = net.remove(cross_org & touched & (rng.random(len(net)) < c.reorg_tie_break))
    # Sponsors in a reorganised sector are caught up in it: some are lost to their projects.
    book = model.projects
    act = book.active()
    act = act[(book.sponsor_id[act] >= 0) & (book.sponsor[act] >= 0)]
    act = act[hit[book.sponsor[act]]]
    projects.lose_sponsors(model, act[model.streams.sponsors.random(act.size) < p.sponsorship.reorg_loss])
    model.tally["reorganisations"] += 1
    return broken


def phase(model: LeadershipModel) -> None:
    turnover(model)
    if model.week in model.params.churn.reorg_weeks:
        reorganise(model)

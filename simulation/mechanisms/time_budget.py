"""Time budgets: hours for cross-sector work are finite (saturation, issue 11).

Each person can give ``time.budget`` hours a week to cross-sector work beside the day job.
Events (``time.event_hours``) and Brew and Biscuits visits (``time.visit_hours``) add to the
week's hours as they happen; each project adds ``time.project_hours`` plus the meeting time of
shared decisions (``time.coproduction_hours x strategy.power_sharing``) and of action plans and
reports (``time.overhead_hours x strategy.overhead``). Over-commitment, the hours over the budget
as a share of it, costs energy (``time.overcommit_energy`` per unit) and makes a person drop one
of their projects with chance ``time.dropout`` per unit. Self-selected teams only take people with
the hours for it; assigned ones do not ask (:mod:`simulation.mechanisms.projects`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .projects import ACTIVE, FAILED, settle, time_per_project

if TYPE_CHECKING:
    from ..model import LeadershipModel


def overcommitment(hours: np.ndarray, budget: float) -> np.ndarray:
    """Hours over the budget as a share of it (0 when within it; hours themselves when the budget is 0)."""
    if budget <= 0:
        return np.maximum(hours, 0.0)
    return np.maximum(hours / budget - 1.0, 0.0)


def phase(model: LeadershipModel) -> None:
    people, p, rng = model.people, model.params, model.streams.time
    t = p.time
    book = model.projects
    load = book.load(people.n)
    over = overcommitment(people.hours + load * time_per_project(p), t.budget)
    people.energy -= t.overcommit_energy * over
    np.clip(people.energy, 0.0, 1.0, out=people.energy)
    model.time_use.overcommitted = int(np.count_nonzero(over))
    people.hours[:] = 0.0
    # Dropping out: an over-committed person leaves one of their projects (a random one).
    if book.active().size == 0:
        return
    quit_p = np.minimum(1.0, t.dropout * over)
    drop = np.flatnonzero(quit_p > 0)
    drop = drop[rng.random(drop.size) < quit_p[drop]]
    if drop.size == 0:
        return
    proj, who = book.memberships()  # built only in a week when someone drops out
    mine = np.isin(who, drop)
    proj, who = proj[mine], who[mine]
    order = rng.permutation(who.size)
    _, first = np.unique(who[order], return_index=True)
    for k, slot in zip(proj[order][first].tolist(), who[order][first].tolist(), strict=True):
        if book.status[k] != ACTIVE:  # already ended this week (a team that fell apart)
            continue
        model.tally["dropouts"] += 1
        if book.leave(k, slot, people.sector) < 2:
            settle(model, k, FAILED, float(book.support[k]))


class TimeUse:
    """The time-budget phase's working state, held by the model as ``model.time_use``: how many people were
    over-committed in the last week (the metric ``overcommitted_people``)."""

    def __init__(self):
        self.overcommitted = 0

"""Delivery cost: the staff time a run's programme takes, counted from what the model did (issue 19).

Accounting only. Nothing here is read by the model, and no parameter of the ``cost`` group changes a run:
the same configuration and seed give bit-identical results whatever the costs are (tests/test_cost.py).
The counts come from the model's own counters (``model.tally``, the project book), which the mechanisms
keep as they act; this module multiplies them by the ``cost.*`` parameters:

* **facilitation**: events held of each type (``events.csv``: one row per event held) x
  ``cost.facilitator_days.<type>``;
* **attendance**: participants' time away from their service: every attendance at an event held (the
  ``attendees`` of ``events.csv``, leads and conveners included) x ``cost.attendance_hours``, plus every
  Brew and Biscuits visit x 2 people x ``cost.visit_hours``;
* **matching**: new Brew and Biscuits matches (first visits of a new pair; repeat visits between partners
  are arranged by the pair) x ``cost.match_hours``;
* **management**: what approvals, monitoring and sponsorship take: projects started x
  ``cost.approval_days`` x ``strategy.overhead``; monitoring reviews due (every ``projects.review_weeks``
  weeks of a project's life, as the model holds them) x ``cost.review_days`` x ``strategy.overhead``;
  projects commissioned x ``cost.commission_days``; and, each week, the backing of every project's sponsor
  in post (``strategy.sponsorship``, or ``commissioning.backing`` for a commissioner) x
  ``cost.sponsor_hours``. ``strategy.overhead`` scales approvals and reviews as it scales everything else
  about monitoring in the model (reporting hours, stopping a stalled project at a review).

Hours become days at ``cost.hours_per_day``; days become pounds at ``cost.day_rate``. All totals are
cumulative from week 1 (the weekly time series holds them as they grow).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .config import EVENT_TYPES, CostParams, Params

if TYPE_CHECKING:
    from .model import LeadershipModel

COMPONENTS = ("facilitation", "attendance", "matching", "management")
"""The parts of ``staff_days``, each a metric ``staff_days_<part>``."""

COST_METRICS = ("staff_days", *(f"staff_days_{c}" for c in COMPONENTS), "delivery_cost_pounds")
"""The metric names, in the order of the metric registry (:mod:`simulation.metrics`)."""


@dataclass(frozen=True)
class Counts:
    """What a run did that costs staff time, so far (from the model's counters)."""

    events_held: Mapping[str, int]  # by event type (every type of EVENT_TYPES)
    attendances: int  # people at events held, summed over the events
    visits: int  # Brew and Biscuits visits (pairs that met)
    new_matches: int  # of them, first visits of a new pair
    projects_started: int
    reviews_due: int  # monitoring reviews due (every projects.review_weeks weeks of a project)
    projects_commissioned: int
    sponsor_backing_weeks: float  # sum over weeks and projects of the backing of a sponsor in post
    overhead: float  # strategy.overhead: the share of approvals and reviews held


def counts(model: LeadershipModel) -> Counts:
    """The :class:`Counts` of ``model`` as it is now (reads its counters; draws nothing)."""
    tally = model.tally
    visits = int(tally["matching_visits"])
    return Counts(
        events_held={t: int(tally["held " + t]) for t in EVENT_TYPES},
        attendances=int(tally["attendances"]),
        visits=visits,
        new_matches=visits - int(tally["matching_repeat_visits"]),
        projects_started=int(model.projects.count),
        reviews_due=int(tally["reviews_due"]),
        projects_commissioned=int(tally["projects_commissioned"]),
        sponsor_backing_weeks=float(tally["sponsor_backing_weeks"]),
        overhead=float(model.params.strategy.overhead),
    )


def staff_days(c: Counts, cost: CostParams | Params) -> dict[str, float]:
    """Staff days by component, their total and the cost in pounds (keys :data:`COST_METRICS`).

    Each component is a sum of counts times ``cost.*`` parameters (the module docstring), so it is linear in
    its own parameters and does not depend on the others'.
    """
    if isinstance(cost, Params):
        cost = cost.cost
    fd, hpd = cost.facilitator_days, cost.hours_per_day
    parts = {
        "facilitation": float(sum(c.events_held.get(t, 0) * getattr(fd, t) for t in EVENT_TYPES)),
        "attendance": (c.attendances * cost.attendance_hours + 2 * c.visits * cost.visit_hours) / hpd,
        "matching": c.new_matches * cost.match_hours / hpd,
        "management": (
            c.overhead * (c.projects_started * cost.approval_days + c.reviews_due * cost.review_days)
            + c.projects_commissioned * cost.commission_days
            + c.sponsor_backing_weeks * cost.sponsor_hours / hpd
        ),
    }
    total = sum(parts.values())
    return {
        "staff_days": total,
        **{f"staff_days_{k}": v for k, v in parts.items()},
        "delivery_cost_pounds": total * cost.day_rate,
    }


def of_model(model: LeadershipModel) -> dict[str, float]:
    """:func:`staff_days` of ``model`` now, at its own ``cost.*`` parameters."""
    return staff_days(counts(model), model.params)


__all__ = ["COMPONENTS", "COST_METRICS", "Counts", "counts", "of_model", "staff_days"]

"""Commissioned projects: top-down's own way of getting work done (issue 11).

Not every project starts with a practitioner's idea. Senior leaders commission cross-sector
projects from objectives as ordinary management, in every scenario and with or without a
programme (``commissioning.senior_rate`` per senior leader a week), and a programme run top-down
commissions more of them while it runs (``commissioning.programme_rate`` per 1,000 people a week,
times ``1 - strategy.self_selection``: the more teams are assigned rather than self-selected, the
more of the work is commissioned; times the share of the leads' time that role modelling leaves,
``1 - champions.role_modelling_time x strategy.role_modelling``).

A commissioned project draws a theme among the open opportunities (:mod:`simulation.mechanisms.opportunities`),
is led by a manager or senior leader from a sector the theme needs, and gets a team *assigned*
from the needed sectors (the team-assembly rule with ``p = 0``: every slot a newcomer), whether
or not its members practise system leadership and whether or not they have the hours. The
commissioner sponsors it (``commissioning.backing``, or the strategy's sponsorship if higher) while
they stay in post. From then on it succeeds or fails by the same rules as any project
(:func:`simulation.mechanisms.projects.progress_phase`): full sector coverage and a decision-maker on the team
help; a team of strangers, members who do not practise (``projects.compliance_effort``) and
over-commitment hold it back.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np

from ..kernels.teams import assemble_team, pick_eligible
from .projects import TeamPools, book_load, capacity, draw_theme, needed_sectors, start_project, theme_table

if TYPE_CHECKING:
    from ..model import LeadershipModel


def programme_commissions(model: LeadershipModel) -> np.ndarray:
    """Expected projects the programme commissions this week in each locality."""
    p = model.params
    c, st = p.commissioning, p.strategy
    lead_time = 1.0 - p.champions.role_modelling_time * st.role_modelling
    rate = c.programme_rate * model.locality_size / 1000.0 * (1.0 - st.self_selection) * lead_time
    return rate * model.programme_running()


def phase(model: LeadershipModel) -> None:
    p, people, rng = model.params, model.people, model.streams.commissioning
    c, pr = p.commissioning, p.projects
    load = avail = free = None
    _, theme_weight, _ = theme_table(pr.themes, pr.own_sector_theme)
    programme = programme_commissions(model)
    for loc in range(p.population.localities):
        seniors = model.seniors[loc]
        n_bau = int(rng.binomial(seniors.size, c.senior_rate)) if seniors.size else 0
        n_prog = int(rng.poisson(programme[loc])) if programme[loc] > 0 else 0
        if n_bau + n_prog == 0:
            continue
        if load is None:
            load, avail, free = capacity(model)
        assert avail is not None and free is not None  # (typing: set with load, just above)
        leads = np.flatnonzero(people.is_lead & (people.locality == loc))
        for k in range(n_bau + n_prog):
            by_programme = k >= n_bau and leads.size > 0
            commissioner = int(leads[rng.integers(leads.size)] if by_programme else seniors[rng.integers(seniors.size)])
            weights = theme_weight[people.sector[commissioner]] if not by_programme else np.ones(len(pr.themes))
            theme = draw_theme(model, loc, weights, rng)
            if theme is None:
                break  # nothing left to commission here this week
            model.projects.proposed += 1  # a commission is a project put forward
            needed = needed_sectors(p, theme)
            leader = _project_lead(model, loc, needed, avail, rng)
            if leader is None:
                continue
            pools = TeamPools(model, needed, loc, avail, free, np.empty(0, np.int64))
            team = assemble_team(
                rng,
                len(needed) + pr.extra_members,
                p=0.0,
                q=0.0,
                collaborator=pools.collaborator,
                incumbent=pools.incumbent,
                newcomer=pools.newcomer,
                first=leader,
            )
            if len(team) < 2:
                continue
            book_load(model, np.array(team, np.int64), load, avail, free)
            start_project(
                model,
                theme=theme,
                leader=leader,
                team=team,
                assigned=pools.assigned + 1,
                commissioned=True,
                sponsor=commissioner,
                sponsor_level=max(c.backing, p.strategy.sponsorship),
            )
            model.tally["projects_commissioned"] += 1


def _project_lead(model: LeadershipModel, loc: int, needed: np.ndarray, available: np.ndarray, rng) -> int | None:
    """A manager or senior leader from a needed sector, able to take it on (the commissioner's delegate)."""
    managers = _managers(model)
    for s in rng.permutation(needed):
        lead = pick_eligible(rng, managers[loc][s], available)  # (= pool[available[pool]], drawn from)
        if lead is not None:
            return lead
    return None


_MANAGERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _managers(model: LeadershipModel) -> list[list[np.ndarray]]:
    """Per locality and sector: its managers and senior leaders who are not programme leads, in slot order (roles
    are fixed: a newcomer takes a leaver's role), found once per model."""
    out = _MANAGERS.get(model)
    if out is None:
        people = model.people
        out = _MANAGERS[model] = [
            [pool[(people.seniority[pool] > 0) & ~people.is_lead[pool]] for pool in by_sector]
            for by_sector in model.sector_index
        ]
    return out

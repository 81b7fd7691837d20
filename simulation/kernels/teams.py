"""Reusable team-assembly rule (Guimerà, Uzzi, Spiro & Amaral 2005).

A team is filled slot by slot. With probability ``p`` a slot goes to an
*incumbent* (someone already engaged); otherwise to a *newcomer*. An
incumbent slot is, with probability ``q``, filled by a *collaborator*: a
trusted tie or past collaborator of someone already in the team. The pools
are callables, so the same rule serves the model and the docking case:

* in the model, collaborators are working-trust ties of team members,
  incumbents are people already engaged in the movement, and newcomers are
  people assigned from the sectors the theme needs (a top-down programme is
  ``p`` near 0: every slot is assigned);
* in ``syslead validate guimera2005`` the pools are Guimerà's agents, with
  newcomers created on demand and retirement after idle steps.

Each pool takes the current team (a list) and returns a person or ``None``
when it has nobody to offer; the rule then falls back to the next pool
(collaborator -> incumbent -> newcomer), so a team is only short when every
pool is empty.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

Pool = Callable[[Sequence[int]], int | None]


def assemble_team(
    rng: np.random.Generator,
    size: int,
    *,
    p: float,
    q: float,
    collaborator: Pool,
    incumbent: Pool,
    newcomer: Pool,
    first: int | None = None,
) -> list[int]:
    """Fill a team of ``size`` by the (p, q) rule. ``first`` is the proposer, if any."""
    team: list[int] = [] if first is None else [first]
    while len(team) < size:
        pick = None
        if rng.random() < p:
            if team and rng.random() < q:
                pick = collaborator(team)
            if pick is None:
                pick = incumbent(team)
        if pick is None:
            pick = newcomer(team)
        if pick is None:
            break
        team.append(int(pick))
    return team

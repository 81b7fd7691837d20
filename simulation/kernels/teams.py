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

from ._jit import jit

Pool = Callable[[Sequence[int]], int | None]
_NOBODY = np.empty(0, np.int64)
_NO_GROUP = np.empty(0, np.int8)
_NO_WANTED = np.zeros(1, bool)


@jit
def count_eligible(
    cands: np.ndarray, ok: np.ndarray, team: np.ndarray, group: np.ndarray, wanted: np.ndarray
) -> tuple[int, int]:
    """Of the candidates ``cands``: how many have ``ok`` and are not in ``team``, and how many of those are in
    a ``wanted`` group (none if ``group`` is empty). One pass, no temporary arrays (a pool is drawn from many
    times a week)."""
    n_ok = 0
    n_wanted = 0
    grouped = group.size > 0
    for q in range(cands.size):
        c = cands[q]
        e = ok[c]
        for t in range(team.size):
            e &= c != team[t]
        n_ok += e
        if grouped:
            n_wanted += e & wanted[group[c]]
    return n_ok, n_wanted


@jit
def nth_eligible(
    cands: np.ndarray,
    ok: np.ndarray,
    team: np.ndarray,
    group: np.ndarray,
    wanted: np.ndarray,
    only_wanted: bool,
    k: int | np.integer,
) -> int:
    """The ``k``-th (from 0, in the order of ``cands``) candidate counted by :func:`count_eligible`: of those
    with ``ok`` not in ``team``, or (``only_wanted``) of those also in a ``wanted`` group; -1 if there is none."""
    seen = 0
    for q in range(cands.size):
        c = cands[q]
        e = ok[c]
        for t in range(team.size):
            e &= c != team[t]
        if only_wanted:
            e &= wanted[group[c]]
        if e:
            if seen == k:
                return c
            seen += 1
    return -1


def pick_eligible(
    rng: np.random.Generator,
    cands: np.ndarray,
    ok: np.ndarray,
    team: np.ndarray | None = None,
    group: np.ndarray | None = None,
    wanted: np.ndarray | None = None,
    prefer: Callable[[], bool] | None = None,
) -> int | None:
    """A random candidate of ``cands`` with ``ok`` and not in ``team``: ``cands[ok[cands] & ~in team]`` drawn
    with ``rng.integers``, or, when ``prefer()`` says so and some are in a ``wanted`` group, drawn from those.

    The same draws and the same person as filtering the arrays first (``prefer`` is called only when there is a
    candidate, as a filter would), without building them. None when nobody is eligible.
    """
    cands = np.asarray(cands, np.int64)
    team = _NOBODY if team is None else np.asarray(team, np.int64)
    if group is None:
        group, wanted = _NO_GROUP, _NO_WANTED
    assert wanted is not None  # (typing: ``wanted`` is given with ``group``)
    n_ok, n_wanted = count_eligible(cands, ok, team, group, wanted)
    if n_ok == 0:
        return None
    only_wanted = bool(prefer is not None and prefer() and n_wanted > 0)
    k = rng.integers(n_wanted if only_wanted else n_ok)
    return int(nth_eligible(cands, ok, team, group, wanted, only_wanted, k))


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

"""Reusable contagion kernel: exposure to active neighbours and the adoption rule.

One kernel serves the model's mindset diffusion (:func:`simulation.mechanisms.mindset.phase`)
and the docking cases (:mod:`simulation.validation`):

* :func:`share` - the exposure share from a person's (trust-weighted) count
  of active neighbours and their total tie weight: ``min(1, count /
  strength)``, 0 for people without ties. Both :func:`exposure` and the
  mindset phase (which gets the count and strength from the trust network's
  sparse scatter, for the people in play only) compute the share with it.
* :func:`exposure` - the (trust-weighted) share or count of a person's
  neighbours who are active, for a whole network given as a matrix;
  ``W=None`` means a fully mixed population (everyone's share is the
  population share, as in the Bass model).
* :func:`adoption_probability` - the per-step chance of adopting:
  ``1 - (1 - external) * (1 - rate * response(share))`` where ``response`` is
  the threshold indicator ``share >= threshold`` (Watts 2002; Centola & Macy
  2007 with counts) or the share itself (``"linear"``: the Bass 1969 hazard
  ``p + q F`` for small steps).
* :func:`threshold_cascade` - iterate the deterministic threshold rule to a
  fixed point (``rate = 1``), as in Watts (2002).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def exposure(W: sp.spmatrix | None, active: np.ndarray, *, mode: str = "share") -> np.ndarray:
    """Share (``mode="share"``) or weighted count (``"count"``) of active neighbours.

    ``active`` may be boolean or a weight per person (values above 1 give a
    neighbour more influence; shares are capped at 1). People with no
    neighbours have share 0.
    """
    a = np.asarray(active, dtype=np.float64)
    if W is None:
        if mode == "count":
            return np.full(a.shape, a.sum())
        return np.full(a.shape, min(1.0, a.mean()) if a.size else 0.0)
    hit = W @ a
    if mode == "count":
        return hit
    if mode != "share":
        raise ValueError(f"mode = {mode!r}: allowed 'share' or 'count'")
    return share(hit, np.asarray(W.sum(axis=1)).ravel())


def share(count: np.ndarray, strength: np.ndarray) -> np.ndarray:
    """Exposure share ``min(1, count / strength)``; 0 where ``strength`` is 0 (no ties).

    ``count`` is the weighted count of active neighbours (``W @ active``) and
    ``strength`` the total tie weight (row sum of ``W``) of the same people.
    """
    count = np.asarray(count, dtype=np.float64)
    strength = np.asarray(strength, dtype=np.float64)
    return np.minimum(np.divide(count, strength, out=np.zeros_like(count), where=strength > 0), 1.0)


def adoption_probability(
    share: np.ndarray,
    *,
    threshold: np.ndarray | float = 0.0,
    rate: float = 1.0,
    external: np.ndarray | float = 0.0,
    response: str = "threshold",
) -> np.ndarray:
    """Chance of adopting this step, from exposure ``share`` (see the module docstring)."""
    share = np.asarray(share, dtype=np.float64)
    if response == "threshold":
        social = (share >= threshold) & (share > 0)
        social = social.astype(np.float64)
    elif response == "linear":
        social = share
    else:
        raise ValueError(f"response = {response!r}: allowed 'threshold' or 'linear'")
    p = 1.0 - (1.0 - np.asarray(external, dtype=np.float64)) * (1.0 - np.clip(rate * social, 0.0, 1.0))
    return np.clip(p, 0.0, 1.0)


def threshold_cascade(
    W: sp.spmatrix,
    seeds: np.ndarray,
    threshold: np.ndarray | float,
    *,
    mode: str = "share",
    max_steps: int = 10_000,
) -> tuple[np.ndarray, int]:
    """Run the deterministic threshold rule from ``seeds`` to a fixed point.

    Returns the final active set and the number of steps in which anyone
    adopted. Active people never revert (Watts 2002; Centola & Macy 2007).
    """
    active = np.asarray(seeds, bool).copy()
    steps = 0
    for _ in range(max_steps):
        p = adoption_probability(exposure(W, active, mode=mode), threshold=threshold)
        new = (p >= 1.0) & ~active
        if not new.any():
            break
        active |= new
        steps += 1
    return active, steps

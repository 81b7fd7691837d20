"""Who of a locality might come to an event, and how likely each is to come, in one compiled pass.

:func:`simulation.mechanisms.events.choose_attendees` draws attendees among the people of the meeting's
locality with some chance of an invitation. With numpy that took about ten passes over the candidates (a filter,
gathers of interest, mindset, energy and seniority, the products): at a million people, with the forty-odd
gatherings champions convene in a week, most of a week. This kernel walks the locality's block of slots once.
The arithmetic is numpy's, in numpy's order, so the chances have the same bits
(``tests/test_events.py`` compares them with the numpy expression).
"""

from __future__ import annotations

import numpy as np

from ._jit import jit


@jit
def invited_and_willing(
    p_invited: np.ndarray,
    lo: int,
    hi: int,
    interest: np.ndarray,
    mindset: np.ndarray,
    mindset_interest: float,
    energy: np.ndarray,
    seniority: np.ndarray,
    acceptance: float,
    senior_factor: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Slots ``x`` in ``lo:hi`` with ``p_invited[x] > 0`` (in order), and each one's chance of coming:
    ``p_invited * acceptance * clip(interest + mindset_interest * mindset, 0, 1) * energy``, times
    ``senior_factor`` for managers and seniors (``seniority > 0``)."""
    count = 0
    for x in range(lo, hi):
        if p_invited[x] > 0.0:
            count += 1
    cand = np.empty(count, np.int64)
    p = np.empty(count)
    c = 0
    for x in range(lo, hi):
        if p_invited[x] > 0.0:
            m = min(max(interest[x] + mindset_interest * mindset[x], 0.0), 1.0) * energy[x]
            q = p_invited[x] * acceptance * m
            if seniority[x] > 0:
                q = q * senior_factor
            cand[c] = x
            p[c] = q
            c += 1
    return cand, p

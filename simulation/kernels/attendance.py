"""Who of a locality might come to an event, and how likely each is to come, in one compiled pass.

:func:`simulation.mechanisms.events.choose_attendees` draws attendees among the people of the meeting's
locality with some chance of an invitation. With numpy that took about ten passes over the candidates (a filter,
gathers of interest, mindset, energy and seniority, the products): at a million people, with the forty-odd
gatherings champions convene in a week, most of a week. :func:`invited_and_willing` walks the locality's block of
slots once, from everyone's chance of an invitation (programme events) or, for a gathering, from the convener's
ties and the online people, without building that array of chances. The arithmetic is numpy's, in numpy's order,
so the chances have the same bits (``tests/test_events.py`` compares them with the numpy expression).
"""

from __future__ import annotations

import numpy as np

from ._jit import jit


@jit
def invited_and_willing(
    p_invited: np.ndarray,
    ties: np.ndarray,
    online: np.ndarray,
    news: float,
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
    """Slots ``x`` in ``lo:hi`` with a chance of an invitation (in order), and each one's chance of coming:
    ``invited * acceptance * clip(interest + mindset_interest * mindset, 0, 1) * energy``, times ``senior_factor``
    for managers and seniors (``seniority > 0``).

    The chance of an invitation is ``p_invited[x]``; or, when ``p_invited`` is empty (a gathering), 1 for the
    slots in ``ties`` (sorted), ``news`` for the other people with ``online[x]``, and 0 for the rest."""
    cand = np.empty(max(hi - lo, 0), np.int64)  # room for everyone; the views returned end at the last candidate
    p = np.empty(max(hi - lo, 0))
    dense = p_invited.size > 0
    c = 0
    k = 0
    for x in range(lo, hi):
        if dense:
            invited = p_invited[x]
        else:
            while k < ties.size and ties[k] < x:
                k += 1
            if k < ties.size and ties[k] == x:
                invited = 1.0
            elif online[x]:
                invited = news
            else:
                invited = 0.0
        if invited > 0.0:
            m = min(max(interest[x] + mindset_interest * mindset[x], 0.0), 1.0) * energy[x]
            q = invited * acceptance * m
            if seniority[x] > 0:
                q = q * senior_factor
            cand[c] = x
            p[c] = q
            c += 1
    return cand[:c], p[:c]

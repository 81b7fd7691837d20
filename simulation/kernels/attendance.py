"""Who of a locality might come to an event, and how likely each is to come, in compiled passes.

:func:`simulation.mechanisms.events.choose_attendees` draws attendees among the people of the meeting's
locality with some chance of an invitation. With numpy that took about ten passes over the candidates (a filter,
gathers of interest, mindset, energy and seniority, the products): at a million people, with the forty-odd
gatherings champions convene in a week, most of a week. :func:`invited_and_willing` walks the locality's block of
slots once, from everyone's chance of an invitation (programme events) or, for a gathering, from the convener's
ties and the online people, without building that array of chances: only they are read (at a million people
1.2 ms a gathering instead of 2.7 ms for one pass with a branch per person over the locality). The online people
are listed once per events phase (:func:`online_slots`; the phase keeps the list up to date as events bring
people online), not once per gathering. The arithmetic is numpy's, in numpy's order,
so the chances have the same bits (``tests/test_events.py`` compares them with the numpy expression).
"""

from __future__ import annotations

import numpy as np

from ._jit import jit


@jit
def invited_and_willing(
    p_invited: np.ndarray,
    ties: np.ndarray,
    online_at: np.ndarray,
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
    slots in ``ties`` (sorted), ``news`` for the other slots in ``online_at`` (the online people, sorted; those
    outside ``lo:hi`` are ignored: :func:`online_slots`), and 0 for the rest."""
    if p_invited.size > 0:
        cand, inv = _from_chances(p_invited, lo, hi)
    else:
        cand, inv = _from_gathering(ties, online_at, news, lo, hi)
    p = np.empty(cand.size)
    for c in range(cand.size):
        x = cand[c]
        m = min(max(interest[x] + mindset_interest * mindset[x], 0.0), 1.0) * energy[x]
        q = inv[c] * acceptance * m
        if seniority[x] > 0:
            q = q * senior_factor
        p[c] = q
    return cand, p


@jit
def _from_chances(p_invited, lo, hi):
    """The slots of ``lo:hi`` with a chance of an invitation, and that chance."""
    cand = np.empty(max(hi - lo, 0), np.int64)  # room for everyone; the views returned end at the last candidate
    inv = np.empty(max(hi - lo, 0))
    c = 0
    for x in range(lo, hi):
        if p_invited[x] > 0.0:
            cand[c] = x
            inv[c] = p_invited[x]
            c += 1
    return cand[:c], inv[:c]


@jit
def online_slots(online: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """The slots ``x`` in ``lo:hi`` with ``online[x]``, in order (one pass without branches: most are not online,
    so a branch per person would mostly be mispredicted)."""
    on = np.empty(max(hi - lo, 0), np.int64)
    j = 0
    for x in range(lo, hi):
        on[j] = x
        j += online[x]
    return on[:j]


@jit
def _from_gathering(ties, online_at, news, lo, hi):
    """A gathering's candidates in ``lo:hi`` and their chance of an invitation: the online people merged in order
    with the convener's ties."""
    i = np.searchsorted(online_at, lo)
    j = np.searchsorted(online_at, hi)
    k = 0
    while k < ties.size and ties[k] < lo:
        k += 1
    cand = np.empty(j - i + ties.size, np.int64)
    inv = np.empty(j - i + ties.size)
    c = 0
    while True:
        t = ties[k] if k < ties.size and ties[k] < hi else hi
        o = online_at[i] if i < j else hi
        if t >= hi and o >= hi:
            break
        if t <= o:  # a tie (online or not): invited surely
            x, invited = t, 1.0
            while k < ties.size and ties[k] == t:
                k += 1
            i += o == t
        else:
            x, invited = o, news
            i += 1
        if invited > 0.0:
            cand[c] = x
            inv[c] = invited
            c += 1
    return cand[:c], inv[:c]

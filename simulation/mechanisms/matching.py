"""Brew and Biscuits: cross-sector matching of registered people (mechanism 6).

Each week from ``matching.start_week``, every registered person with some
energy is paired for a visit with chance ``matching.visit_rate`` (lower once
the funded programme has ended and volunteers run it). Pairs are drawn so
that partners come from different sectors: the week's visitors are paired at
random, and same-sector pairs are re-paired across sectors
(:func:`cross_sector_pairs`), so every two sectors meet, about in proportion to
the product of their numbers among the visitors; a pair only shares a sector
when one sector is more than half of the visitors (such pairs are dropped).
Visits are informal one-to-one contacts: they build trust and knowledge of the
other sector. A pair stays partners: a registered person visits their current
partner again with chance ``matching.repeat_share`` (follow-ups and support between
the same pair, so one-off contacts become working relationships), and on a first
visit the host introduces the visitor to ``matching.introductions`` colleagues. Registrations grow by word
of mouth along working-trust ties, and at events (``matching_signup``), while the scheme has places: its
coordinators support ``matching.places`` members per 1,000 people in a locality, and beyond that people who
want to join wait (a volunteer-run scheme has finite coordinator time; without the cap registrations, and the
activity they give, grew for ten years without limit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..kernels.arrays import bernoulli_indices, cap_per_group, sorted_unique
from ..kernels.network import TrustNetwork
from ..population import People
from .events import grow_knowledge

if TYPE_CHECKING:
    from ..model import LeadershipModel

_MIX_ROUNDS = 3  # rounds of random re-pairing of same-sector pairs before the sorted repair


def cross_sector_pairs(
    candidates: np.ndarray, sector: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Pair candidates so that partners are from different sectors (vectorised).

    A uniform random pairing first (so sectors ``a`` and ``b`` meet in proportion to the product of their
    numbers), then the same-sector pairs are repaired: for ``_MIX_ROUNDS`` rounds their people are re-paired at
    random together with twice as many random other pairs; then the people of any still left are sorted by
    sector, in a random order of the sectors, and the first half is paired with the second half. That rule
    pairs across sectors whenever no sector is more than half of those sorted, so when one sector holds more
    than half of the same-sector pairs, enough random pairs without that sector join the repair. Nobody is
    paired twice; a pair shares a sector (and is dropped) only when one sector is more than half of the
    candidates, and then everyone else is paired with someone of that sector. With an odd number, one person
    sits out: a random one, or a member of the largest sector when it is more than half.
    """
    c = rng.permutation(np.asarray(candidates, np.int64))
    if c.size < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    s = sector[c].astype(np.intp)
    if c.size % 2:
        counts = np.bincount(s)
        top = int(counts.argmax())
        out = int(np.argmax(s == top)) if 2 * counts[top] > c.size else c.size - 1
        c, s = np.delete(c, out), np.delete(s, out)
    half = c.size // 2
    i, j = c[:half].copy(), c[half:].copy()
    for _ in range(_MIX_ROUNDS):
        same = sector[i] == sector[j]
        bad = np.flatnonzero(same)
        if bad.size == 0:
            return i, j
        # Re-pair the people of the same-sector pairs at random, together with twice as many random other pairs.
        good = np.flatnonzero(~same)
        mix = np.concatenate([bad, rng.permutation(good)[: 2 * bad.size]])
        people = rng.permutation(np.concatenate([i[mix], j[mix]]))
        i[mix], j[mix] = people[: mix.size], people[mix.size :]
    s = np.concatenate([sector[i], sector[j]]).astype(np.intp)
    bad = np.flatnonzero(s[:half] == s[half:])
    if bad.size == 0:
        return i, j
    s_bad = s[:half][bad]
    per_sector = np.bincount(s_bad)
    top = int(per_sector.argmax())
    need = 2 * int(per_sector[top]) - bad.size  # pairs without ``top`` to add so it is at most half the repair
    if need > 0:
        clear = np.flatnonzero((s[:half] != top) & (s[half:] != top) & (s[:half] != s[half:]))
        bad = np.concatenate([bad, clear[:need]])  # (in random order already: the candidates were shuffled)
    kept = np.ones(half, bool)
    kept[bad] = False
    pool = np.concatenate([i[bad], j[bad]])
    rank = rng.permutation(int(s.max()) + 1)  # a random order of the sectors
    pool = pool[np.argsort(rank[sector[pool].astype(np.intp)], kind="stable")]
    h = bad.size
    ri, rj = pool[:h], pool[h:]
    ok = sector[ri] != sector[rj]
    return np.concatenate([i[kept], ri[ok]]), np.concatenate([j[kept], rj[ok]])


def register_by_word_of_mouth(
    people: People,
    net: TrustNetwork,
    rate: float,
    working: float,
    rng: np.random.Generator,
    where: np.ndarray | None = None,
    places: float | None = None,
) -> int:
    """Unregistered people register with hazard ``rate x registered working ties x interest``
    (only where ``where`` is true, if given), while the scheme has places (``places`` members per 1,000 people
    in a locality, if given; see :meth:`People.scheme_places_left`)."""
    if rate <= 0:
        return 0
    ties = net.spread(np.flatnonzero(people.registered), 1.0, working, binary=True)
    cand = (ties > 0) & ~people.registered  # only they can register this way
    cand = np.flatnonzero(cand if where is None else cand & where)
    p = 1.0 - np.exp(-rate * ties[cand] * people.interest[cand])
    new = cand[rng.random(cand.size) < p]
    if places is not None:  # the coordinators support only so many members: the rest wait
        new = cap_per_group(new, people.locality, people.scheme_places_left(places), rng)
    people.registered[new] = True
    return int(new.size)


def current_partners(people: People, who: np.ndarray) -> np.ndarray:
    """Each person's current Brew and Biscuits partner (slot), or -1: the pairing must be mutual, the partner
    still in post (same person id), registered and in the same locality."""
    part = people.partner[who]
    ok = part >= 0
    safe = np.where(ok, part, 0)
    ok &= (people.person_id[safe] == people.partner_id[who]) & (people.partner[safe] == who)
    ok &= people.registered[safe] & (people.locality[safe] == people.locality[who])
    return np.where(ok, part, -1)


def visit_pairs(
    people: People, rate: float | np.ndarray, min_energy: float, repeat_share: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The week's visits: ``(i, j, new)`` with ``new`` true for a first visit of a new pair.

    Each registered person with the energy is up for a visit with chance ``rate`` (scalar or per person).
    Someone with a current partner visits them again with chance ``repeat_share`` (if the partner has the
    energy); the others are matched afresh across sectors, within each locality (:func:`cross_sector_pairs`),
    and a new pair becomes each other's partner.
    """
    reg = np.flatnonzero(people.registered)
    rate = rate if np.ndim(rate) == 0 else np.asarray(rate)[reg]
    able = people.energy >= min_energy
    willing = reg[able[reg] & (rng.random(reg.size) < rate)]
    part = current_partners(people, willing)
    again = (part >= 0) & able[np.maximum(part, 0)] & (rng.random(willing.size) < repeat_share)
    ri, rj = willing[again], part[again]
    lo, hi = np.minimum(ri, rj), np.maximum(ri, rj)
    key = sorted_unique(lo * people.n + hi)  # a pair who both chose to meet again meets once
    ri, rj = key // people.n, key % people.n
    busy = np.zeros(people.n, bool)
    busy[ri] = busy[rj] = True
    fresh = willing[~busy[willing]]
    out_i, out_j = [ri], [rj]
    n_repeat = ri.size
    for loc in sorted_unique(people.locality[fresh]).tolist():
        cand = fresh[people.locality[fresh] == loc]
        i, j = cross_sector_pairs(cand, people.sector, rng)
        out_i.append(i)
        out_j.append(j)
    i, j = np.concatenate(out_i).astype(np.int64), np.concatenate(out_j).astype(np.int64)
    new = np.arange(i.size) >= n_repeat
    people.partner[i[new]], people.partner[j[new]] = j[new], i[new]
    people.partner_id[i[new]], people.partner_id[j[new]] = people.person_id[j[new]], people.person_id[i[new]]
    return i, j, new


def introductions(
    model: LeadershipModel, visitor: np.ndarray, host: np.ndarray, per_visit: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """On a first visit the host introduces the visitor to ``per_visit`` random colleagues of their organisation."""
    if per_visit <= 0 or visitor.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    v = np.repeat(visitor, per_visit)
    h = np.repeat(host, per_visit)
    lo = model.org_start[h]
    size = model.org_end[h] - lo
    colleague = lo + (rng.random(h.size) * size).astype(np.int64)
    keep = (colleague != h) & (colleague != v)
    return v[keep], colleague[keep]


def phase(model: LeadershipModel) -> None:
    """Weekly matching phase.

    With several localities the scheme opens in each one ``matching.start_week`` weeks into that
    locality's own programme, and runs at the after-programme rate once that programme has ended.
    """
    p, people, week = model.params, model.people, model.week
    m = p.matching
    open_week = model.locality_start_week - 1 + m.start_week
    if not (m.enabled and p.programme.enabled) or week < open_week.min():
        return
    is_open = week >= open_week
    everywhere = bool(is_open.all())
    rng = model.streams.matching
    if m.lapse > 0:  # interest wanes: some registered people drop out of the scheme
        people.registered[bernoulli_indices(rng, people.n, m.lapse)] = False
    register_by_word_of_mouth(
        people,
        model.trust,
        m.word_of_mouth,
        p.trust.working_threshold,
        rng,
        None if everywhere else is_open[people.locality],
        places=m.places,
    )
    factor = np.where(week > model.locality_end_week, m.after_end_factor, 1.0) * is_open
    rate = m.visit_rate * factor[0] if factor.size == 1 else m.visit_rate * factor[people.locality]
    i, j, new = visit_pairs(people, rate, p.projects.min_energy * p.projects.join_energy, m.repeat_share, rng)
    vi, vj = introductions(model, i[new], j[new], m.introductions, rng)
    gain = p.trust.contact_gain * m.safety
    model.trust.add_contacts(np.concatenate([i, vi]), np.concatenate([j, vj]), gain)
    grow_knowledge(people, i, j, p.event_types.networking.knowledge)
    both = np.concatenate([i, j])
    people.active_week[both] = week
    people.reached[both] = True
    people.hours[both] += p.time.visit_hours
    model.tally["matching_visits"] += len(i)
    model.tally["matching_repeat_visits"] += int(np.count_nonzero(~new))

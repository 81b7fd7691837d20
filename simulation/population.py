"""People and the initial, siloed trust network.

The population is built from :class:`~simulation.config.PopulationParams`
and :class:`~simulation.config.NetworkParams` with the ``population`` and
``network`` random streams only, so scenarios that share a seed share the
same people and ties (common random numbers).

People are stored column-wise in :class:`People` (one numpy array per
attribute). Localities are contiguous blocks of indices; inside a locality
people are grouped by sector and organisation, which makes partner sampling
(colleagues, same sector, other sectors) a vectorised index draw.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from itertools import pairwise

import numpy as np

from .config import Params
from .kernels.network import TrustNetwork
from .sectors import AWARE, CHAMPION, N_SECTORS, PRACTISING, SECTOR_INDEX, UNAWARE


@dataclass
class People:
    """Hot state, one entry per person (index = slot; a newcomer reuses a leaver's slot)."""

    person_id: np.ndarray  # int64, unique over the run (a newcomer gets a new id)
    locality: np.ndarray  # int16
    sector: np.ndarray  # int8, index into SECTORS
    org: np.ndarray  # int32, organisation id (unique across sectors and localities)
    seniority: np.ndarray  # int8: 0 frontline, 1 manager, 2 senior
    interest: np.ndarray  # float, 0..1, propensity to take part
    threshold: np.ndarray  # float, 0..1, mindset adoption threshold
    supported: np.ndarray  # bool, has a supportive line manager
    is_lead: np.ndarray  # bool, programme lead
    confidence: np.ndarray  # float 0..1
    confidence0: np.ndarray  # float, baseline the confidence relaxes to
    mindset: np.ndarray  # int8 stage: unaware, aware, practising, champion
    energy: np.ndarray  # float 0..1
    knowledge: np.ndarray  # float (n, N_SECTORS), knowledge of each sector
    online: np.ndarray  # bool, on the online network
    reached: np.ndarray  # bool, has attended a programme activity
    registered: np.ndarray  # bool, registered for Brew and Biscuits
    completed: np.ndarray  # int16, projects completed
    idea: np.ndarray  # bool, holds a spin-off idea
    active_week: np.ndarray  # int32, last week the person took part in anything (-1 never)
    joined_week: np.ndarray  # int32, week the person arrived (0 for the initial population)
    hours: np.ndarray  # float, hours given to cross-sector work this week (events, visits, projects)
    partner: np.ndarray  # int64, slot of the current Brew and Biscuits partner (-1: none)
    partner_id: np.ndarray  # int64, person id of that partner (a slot is reused after turnover)

    @property
    def n(self) -> int:
        return len(self.sector)

    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self))

    def locality_bounds(self) -> np.ndarray:
        """Where each locality's block of slots starts, and the end: locality ``k`` is
        ``bounds[k]:bounds[k + 1]`` (people are laid out by locality, and a newcomer keeps the leaver's)."""
        k = int(self.locality[-1]) + 1 if self.n else 0
        # (keys of the array's own type: other keys make numpy convert the whole array first)
        return np.searchsorted(self.locality, np.arange(k + 1, dtype=self.locality.dtype))

    def locality_span(self, loc: int) -> slice:
        """The slots of locality ``loc`` (a contiguous block): ``flatnonzero(locality == loc)`` without the pass
        over everyone, for the many events of a week at large populations."""
        lo, hi = np.searchsorted(self.locality, np.array((loc, loc + 1), self.locality.dtype))
        return slice(int(lo), int(hi))

    def scheme_places_left(self, places: float) -> np.ndarray:
        """Per locality: free places in the Brew and Biscuits scheme, at ``places`` members per 1,000 people."""
        bounds = self.locality_bounds()
        size = np.diff(bounds)
        taken = np.array([np.count_nonzero(self.registered[a:b]) for a, b in pairwise(bounds)], np.int64)
        return np.floor(places * size / 1000.0).astype(np.int64) - taken


def _beta(rng, mean: float, concentration: float, size: int) -> np.ndarray:
    mean = min(max(mean, 1e-6), 1 - 1e-6)
    return rng.beta(mean * concentration, (1 - mean) * concentration, size)


def draw_attributes(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Attributes a person is born with (used at set-up and for newcomers after turnover)."""
    pop = params.population
    interest = _beta(rng, pop.interest_mean, pop.interest_concentration, n)
    thr = np.clip(rng.normal(pop.threshold_mean, pop.threshold_sd, n), 0.0, 1.0)
    supported = rng.random(n) < params.senior_support.level
    conf = _beta(rng, pop.initial_confidence, pop.confidence_concentration, n)
    u = rng.random(n)
    mindset = np.full(n, UNAWARE, np.int8)
    mindset[u < pop.initial_aware + pop.initial_practising] = AWARE
    mindset[u < pop.initial_practising] = PRACTISING
    online = rng.random(n) < pop.online_share
    return dict(interest=interest, threshold=thr, supported=supported, confidence=conf, mindset=mindset, online=online)


def _seniority(params: Params, rng, n) -> np.ndarray:
    u = rng.random(n)
    s = np.zeros(n, np.int8)
    s[u < params.population.manager_share + params.population.senior_share] = 1
    s[u < params.population.senior_share] = 2
    return s


def build_people(params: Params, rng: np.random.Generator) -> People:
    """Draw the population: localities, sectors, organisations, seniority and initial state."""
    pop = params.population
    n = pop.size
    shares = np.asarray(pop.shares.as_tuple(), float)
    shares = shares / shares.sum()
    org_size = np.asarray(pop.org_size.as_tuple(), float)

    loc_sizes = np.full(pop.localities, n // pop.localities)
    loc_sizes[: n % pop.localities] += 1
    locality = np.repeat(np.arange(pop.localities, dtype=np.int16), loc_sizes)
    sector = np.empty(n, np.int8)
    org = np.empty(n, np.int32)
    next_org = 0
    start = 0
    for size in loc_sizes:
        counts = rng.multinomial(size, shares)
        sec = np.repeat(np.arange(N_SECTORS, dtype=np.int8), counts)
        orgs = np.empty(size, np.int32)
        pos = 0
        for s, c in enumerate(counts):
            n_orgs = max(1, round(c / org_size[s]))
            orgs[pos : pos + c] = np.sort(rng.integers(0, n_orgs, c)) + next_org
            next_org += n_orgs
            pos += c
        sector[start : start + size] = sec
        org[start : start + size] = orgs
        start += size

    attrs = draw_attributes(params, rng, n)
    people = People(
        person_id=np.arange(n, dtype=np.int64),
        locality=locality,
        sector=sector,
        org=org,
        seniority=_seniority(params, rng, n),
        interest=attrs["interest"],
        threshold=attrs["threshold"],
        supported=attrs["supported"],
        is_lead=np.zeros(n, bool),
        confidence=attrs["confidence"],
        confidence0=attrs["confidence"].copy(),
        mindset=attrs["mindset"],
        energy=np.clip(rng.normal(pop.initial_energy_mean, pop.initial_energy_sd, n), 0.0, 1.0),
        knowledge=np.full((n, N_SECTORS), pop.initial_knowledge),
        online=attrs["online"],
        reached=np.zeros(n, bool),
        registered=np.zeros(n, bool),
        completed=np.zeros(n, np.int16),
        idea=np.zeros(n, bool),
        active_week=np.full(n, -1, np.int32),
        joined_week=np.zeros(n, np.int32),
        hours=np.zeros(n),
        partner=np.full(n, -1, np.int64),
        partner_id=np.full(n, -1, np.int64),
    )
    people.knowledge[np.arange(n), sector] = 1.0  # people know their own sector
    _appoint_leads(people, params, rng)
    return people


def _appoint_leads(people: People, params: Params, rng: np.random.Generator) -> None:
    """Leads: senior or manager people from the lead sectors, in turn, in each locality."""
    pop = params.population
    if pop.leads == 0:
        return
    for loc in range(pop.localities):
        for k in range(pop.leads):
            s = SECTOR_INDEX[pop.lead_sectors[k % len(pop.lead_sectors)]]
            pool = np.flatnonzero((people.locality == loc) & (people.sector == s) & ~people.is_lead)
            if pool.size == 0:
                pool = np.flatnonzero((people.locality == loc) & ~people.is_lead)
            senior = pool[people.seniority[pool] > 0]
            chosen = rng.choice(senior if senior.size else pool)
            people.is_lead[chosen] = True
    lead = people.is_lead
    people.mindset[lead] = CHAMPION
    people.confidence[lead] = np.maximum(people.confidence[lead], pop.lead_confidence)
    people.confidence0[lead] = people.confidence[lead]
    people.interest[lead] = 1.0
    people.energy[lead] = 1.0
    people.online[lead] = True
    people.supported[lead] = True  # "he smiled and told me that he trusted me"


def _partners(
    rng: np.random.Generator, who: np.ndarray, block_start: np.ndarray, block_size: np.ndarray, mean_degree: float
) -> tuple[np.ndarray, np.ndarray]:
    """For each person in ``who``, Poisson(mean/2) partners uniform in their block (a range of indices)."""
    k = rng.poisson(mean_degree / 2.0, len(who))
    src = np.repeat(who, k)
    bs = np.repeat(block_start, k)
    bz = np.repeat(block_size, k)
    dst = bs + (rng.random(len(src)) * bz).astype(np.int64)
    return src, dst


_MAX_CROSS_BOOST = 20.0  # see build_network: draws per cross-sector tie wanted, at most


def build_network(people: People, params: Params, rng: np.random.Generator) -> TrustNetwork:
    """The siloed starting network: dense inside organisations, sparse across sectors and localities."""
    net = params.network
    n = people.n
    idx = np.arange(n, dtype=np.int64)
    parts_i, parts_j, parts_w = [], [], []

    def add(src: np.ndarray, dst: np.ndarray, mean_trust: float) -> None:
        parts_i.append(src)
        parts_j.append(dst)
        parts_w.append(_beta(rng, mean_trust, net.trust_concentration, len(src)))

    # Colleagues: people are sorted by (locality, sector, org), so an org is a contiguous block.
    org_start = np.searchsorted(people.org, people.org, side="left")
    org_end = np.searchsorted(people.org, people.org, side="right")
    add(*_partners(rng, idx, org_start, org_end - org_start, net.within_org_degree), net.trust_within_org)

    # Same sector, other organisations (same locality); same-org draws are harmless duplicates.
    key = people.locality.astype(np.int64) * 16 + people.sector
    sec_start = np.searchsorted(key, key, side="left")
    sec_end = np.searchsorted(key, key, side="right")
    add(*_partners(rng, idx, sec_start, sec_end - sec_start, net.within_sector_degree), net.trust_within_sector)

    # Other sectors in the same locality: draw in the locality, keep other-sector partners.
    loc_start = np.searchsorted(people.locality, people.locality, side="left")
    loc_end = np.searchsorted(people.locality, people.locality, side="right")
    # Draws that land in one's own sector are discarded, so the mean number of draws is raised by 1 / (share of
    # other sectors), at most _MAX_CROSS_BOOST times: where almost everyone is in one sector, people get fewer
    # cross-sector ties than network.cross_sector_degree (and none where there is nobody else).
    other_share = 1.0 - float(np.mean((sec_end - sec_start) / np.maximum(loc_end - loc_start, 1)))
    if other_share > 0:
        mean_x = net.cross_sector_degree / max(other_share, 1.0 / _MAX_CROSS_BOOST)
        src, dst = _partners(rng, idx, loc_start, loc_end - loc_start, mean_x)
        other = people.sector[src] != people.sector[dst]
        add(src[other], dst[other], net.trust_cross_sector)

    # Other localities: random partners of any sector (standing for shared trusts, city-wide bodies, friends).
    if params.population.localities > 1 and net.locality_degree > 0:
        src, dst = _partners(rng, idx, np.zeros(n, np.int64), np.full(n, n), net.locality_degree)
        other = people.locality[src] != people.locality[dst]
        add(src[other], dst[other], net.trust_cross_sector)

    # A random layer (network.random_degree, 0 unless docking): an Erdős–Rényi graph over everyone, equal trust.
    if net.random_degree > 0:
        i, j = random_pairs(n, net.random_degree, rng)
        parts_i.append(i)
        parts_j.append(j)
        parts_w.append(np.full(len(i), net.random_trust))

    return TrustNetwork(
        n,
        np.concatenate(parts_i),
        np.concatenate(parts_j),
        np.concatenate(parts_w),
        group=people.org,
        kind=people.sector,
    )


def random_pairs(n: int, z: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The ties ``(i, j)``, ``i < j``, of an Erdős–Rényi graph G(n, p) with ``p = z / (n - 1)`` (mean degree ``z``).

    The number of ties is Binomial(n(n-1)/2, p) and the ties are a uniform sample of pairs without replacement:
    exactly G(n, p), with no self-loops or repeated ties.
    """
    pairs = n * (n - 1) // 2
    m = rng.binomial(pairs, min(1.0, z / (n - 1))) if n > 1 else 0
    k = rng.choice(pairs, size=m, replace=False) if m else np.empty(0, np.int64)
    # Pair number k -> (i, j), i < j, rows of the upper triangle in order.
    starts = np.concatenate([[0], np.cumsum(np.arange(n - 1, 0, -1, dtype=np.int64))])
    i = np.searchsorted(starts, k, side="right") - 1
    j = k - starts[i] + i + 1
    return i.astype(np.int64), j.astype(np.int64)

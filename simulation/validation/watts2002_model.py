"""Docking case ``watts2002-model``: the full model's weekly step reproduces Watts's cascade window.

The ``watts2002`` case runs the contagion kernel
(:func:`simulation.kernels.contagion.threshold_cascade`), which the weekly step never
calls. Here the whole :class:`~simulation.model.LeadershipModel` runs, every
phase of its week in order (:data:`simulation.model.PHASES`), with parameters
that take each mechanism to the limit in which the week's mindset phase
(:func:`simulation.mechanisms.mindset.phase`) is Watts's (2002) threshold rule on an
Erdős–Rényi graph (:func:`docking_params`):

* the network: no colleague, same-sector or cross-sector ties, and a random
  layer of mean degree ``z`` (``network.random_degree``: exactly G(n, p))
  whose ties all have the same trust, so the trust-weighted exposure share is
  the share of neighbours who practise; trust neither decays nor grows (no
  decay, no everyday renewal or new colleagues, no events, matching, online
  ties or projects);
* one sector, everyone their own organisation, one locality;
* everyone aware at the start (the awareness step has nothing to do), one
  threshold for all (``population.threshold_mean = phi``, spread 0);
  ``mindset.adoption_rate = 1`` (adopt in the week the share reaches the
  threshold), no lapsing (``mindset.lapse_rate = 0``);
* one initial adopter: the single programme lead (a champion from the start,
  drawn without regard to the network, so a uniformly random node of the
  graph), whose practice counts like anyone's (``mindset.lead_weight = 0``);
  no programme, no gatherings, no churn, no referrals.

Each run steps the model week by week until a week in which nobody starts
practising (a fixed point: nothing else changes). The table has the columns
of ``watts2002`` and is judged the same way; two more columns check the
reduction directly: for every run, the final adopters and the number of
weeks equal those of the kernel's threshold rule run on the model's own
network from the same seed node.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..config import Params, make_params, param_paths
from ..kernels.contagion import threshold_cascade
from ..sectors import PRACTISING, SECTORS
from . import watts2002
from .common import CaseResult, Comparison

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

    from matplotlib.figure import Figure


NAME = "watts2002-model"
TITLE = "Global cascades in the full model's weekly step (Watts 2002)"
CITATION = watts2002.CITATION
DEFAULTS: dict[str, Any] = dict(
    n=2_000, runs=100, phi=watts2002.DEFAULTS["phi"], z=(0.5, 1, 1.5, 2, 3, 4, 5, 5.5, 6, 7, 8, 10)
)
MAX_WEEKS = 10_000
SECTOR = "vcs"  # any one sector will do


# Limits for mechanisms that later versions of the model add, applied only when the parameter registry has them:
# practising that fades without an outlet (no fading, and never idle for long enough to be refused).
_LIMITS_IF_PRESENT = {"mindset.disuse_weeks": 10_000, "mindset.disuse_lapse": 0.0}


def docking_params(n: int, z: float, phi: float) -> Params:
    """The full model's parameters in Watts's limit (see the module docstring)."""
    sectors = {f"population.shares.{s}": 1.0 if s == SECTOR else 0.0 for s in SECTORS}
    paths = set(param_paths())
    later = {k: v for k, v in _LIMITS_IF_PRESENT.items() if k in paths}
    return make_params(
        overrides={
            **later,
            "population.size": n,
            "population.localities": 1,
            **sectors,
            f"population.org_size.{SECTOR}": 1.0,
            "population.initial_aware": 1.0,
            "population.initial_practising": 0.0,
            "population.threshold_mean": phi,
            "population.threshold_sd": 0.0,
            "population.leads": 1,
            "population.lead_sectors": [SECTOR],
            "population.online_share": 0.0,
            "network.within_org_degree": 0.0,
            "network.within_sector_degree": 0.0,
            "network.cross_sector_degree": 0.0,
            "network.locality_degree": 0.0,
            "network.random_degree": float(z),
            "network.random_trust": 0.5,
            "trust.decay": 0.0,
            "trust.workplace_renewal": 0.0,
            "trust.workplace_contact_rate": 0.0,
            "programme.enabled": False,
            "matching.enabled": False,
            "online.adoption": 0.0,
            "online.new_tie_rate": 0.0,
            "mindset.adoption_rate": 1.0,
            "mindset.lapse_rate": 0.0,
            "mindset.lead_weight": 0.0,
            "projects.idea_rate": 0.0,
            "champions.convene_rate": 0.0,
            "champions.leads_convene": 0.0,
            "churn.turnover": 0.0,
            "churn.reorg_weeks": [],
            "referrals.need_rate": 0.0,
            # how the metrics are measured (no effect on the dynamics): the cheapest clustering estimate
            "metrics.clustering_exact_max": 0,
            "metrics.clustering_sample": 10,
        }
    )


def cascade(params: Params, seed: int) -> dict[str, float]:
    """One run of the full model to its fixed point, and the kernel's threshold rule on the same network and seed.

    Returns the share who practise at the end, the weeks in which anyone started, and whether the kernel's
    final set and step count are the same.
    """
    from ..model import LeadershipModel

    model = LeadershipModel(params, seed=seed)
    people = model.people
    start = people.mindset >= PRACTISING
    W = model.trust.matrix(0.0, binary=True)  # the network before the first week (it never changes here)
    weeks = 0
    before = int(start.sum())
    for _ in range(MAX_WEEKS):
        model.step()
        now = int(np.count_nonzero(people.mindset >= PRACTISING))
        if now == before:
            break
        before = now
        weeks += 1
    final = people.mindset >= PRACTISING
    kernel, steps = threshold_cascade(W, start, params.population.threshold_mean, mode="share")
    unchanged = (model.trust.matrix(0.0, binary=True) != W).nnz == 0
    return dict(
        size=float(final.mean()),
        weeks=weeks,
        identical=bool(unchanged and np.array_equal(final, kernel) and steps == weeks),
    )


def simulate(
    *,
    n: int,
    runs: int,
    z: Sequence[float] = DEFAULTS["z"],
    phi: float = DEFAULTS["phi"],
    seed: int = 0,
    workers: int | None = None,
) -> pd.DataFrame:
    """One row per mean degree: the ``watts2002`` columns, plus the share of runs identical to the kernel and the
    mean number of weeks the cascade took. Runs go to the sweep engine's process pool when there are several
    cores and enough work (``workers`` sets it; the results do not depend on it)."""
    from ..sweep.runner import default_workers, process_pool

    tasks = [(n, float(zv), phi, _run_seed(seed, zi, r)) for zi, zv in enumerate(z) for r in range(runs)]
    # a pool costs a few seconds to start: worth it for the full case, not for a handful of small runs
    k = min(len(tasks), workers or (default_workers() if len(tasks) * n >= 50_000 else 1))
    if k <= 1:
        out = [_one(t) for t in tasks]
    else:
        with process_pool(k) as pool:
            out = list(pool.map(_one, tasks, chunksize=max(1, len(tasks) // (8 * k))))
    rows = []
    for zi, zv in enumerate(z):
        mine = out[zi * runs : (zi + 1) * runs]
        sizes = np.array([o["size"] for o in mine])
        hit = sizes > watts2002.CASCADE_SHARE
        rows.append(
            dict(
                z=float(zv),
                cascade_probability=hit.mean(),
                mean_cascade_size=sizes[hit].mean() if hit.any() else np.nan,
                runs=runs,
                analytic_cascade_probability=watts2002.analytic_cascade_probability(float(zv), phi),
                identical_to_kernel=float(np.mean([o["identical"] for o in mine])),
                mean_weeks=float(np.mean([o["weeks"] for o in mine])),
            )
        )
    return pd.DataFrame(rows)


def _one(task: tuple[int, float, float, int]) -> dict[str, float]:
    n, z, phi, seed = task
    return cascade(docking_params(n, z, phi), seed)


def _run_seed(seed: int, zi: int, r: int) -> int:
    """The model seed of run ``r`` at the ``zi``-th mean degree (independent runs, the same for the same seed)."""
    return int(np.random.SeedSequence(int(seed), spawn_key=(zi, r)).generate_state(1)[0])


def evaluate(table: pd.DataFrame, *, n: int, phi: float) -> CaseResult:
    base = watts2002.evaluate(table, n=n, phi=phi)
    same = table.identical_to_kernel.to_numpy()
    comps = [
        *base.comparisons,
        Comparison(
            "the weekly step is the threshold rule",
            "Watts's rule run by the kernel (contagion.threshold_cascade) on the same network from the same seed node",
            f"identical final adopters and number of steps (weeks) in {same.min():.0%} of runs at every z "
            f"(lowest share over z)",
            bool((same == 1.0).all()),
        ),
    ]
    setup = (
        f"n = {n:,}, phi = {phi}, the full LeadershipModel week (every phase) with parameters at Watts's limit "
        f"(docking_params), one random seed (the single lead), {int(table.runs.iloc[0])} runs per z, a new "
        f"graph per run"
    )
    return dataclasses.replace(base, name=NAME, title=TITLE, setup=setup, comparisons=comps)


def plot(table: pd.DataFrame) -> Figure:
    return watts2002.plot(table)


def run(
    *,
    n: int | None = None,
    runs: int | None = None,
    z: Iterable[float] | None = None,
    phi: float | None = None,
    seed: int = 0,
) -> CaseResult:
    return watts2002.run_case(simulate, evaluate, DEFAULTS, n=n, runs=runs, z=z, phi=phi, seed=seed)

"""Docking case ``guimera2005``: team assembly and the giant component (Guimerà et al. 2005).

Guimerà, Uzzi, Spiro & Amaral's model: each time step one team of ``m``
agents is assembled; each slot goes with chance ``p`` to an *incumbent*
(an agent already in the network) and otherwise to a *newcomer*; an
incumbent slot goes, with chance ``q``, to a past collaborator of an
incumbent already in the team. Agents who have not been in a team for
``tau`` steps retire and leave the network with their ties.

The teams are filled by the model's own rule,
:func:`simulation.kernels.teams.assemble_team` (the one ``simulation.mechanisms.projects``
uses for project teams), with Guimerà's agents as its pools: newcomers are
created on demand, incumbents are the active agents, collaborators are the
past collaborators of team members (a random team member with any, then
one of their collaborators). A pool with nobody to offer falls back to the
next, as in the paper (a team of newcomers has no collaborators to repeat).

Measured: ``giant_component_share``, the share of active agents in the
largest connected component of the collaboration network of active
agents, averaged over snapshots after a burn-in and over runs.

Reference (Guimerà et al. 2005, Science 308:697, Fig. 3): the network goes
through a transition from isolated clusters to a giant component ("invisible
college") as ``p`` grows; for m = 4 the giant component rises sharply for
``p`` around 0.3-0.5, and a higher ``q`` (repeat collaborations) shifts
the transition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..kernels.teams import assemble_team
from .common import MARKERS, OKABE_ITO, CaseResult, Comparison, seeded

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from matplotlib.figure import Figure


NAME = "guimera2005"
TITLE = "Team assembly and the emergence of a giant component (Guimerà et al. 2005)"
CITATION = (
    "Guimerà R., Uzzi B., Spiro J., Amaral L.A.N. (2005) Team assembly mechanisms determine "
    "collaboration network structure and team performance. Science 308(5722):697-702"
)
DEFAULTS: dict[str, Any] = dict(
    runs=20,
    m=4,
    tau=40,
    steps=2000,
    burn_in=500,
    every=10,
    p=tuple(round(0.1 * i, 1) for i in range(1, 10)),
    q=(0.0, 0.65),
)


class TeamWorld:
    """Guimerà's agents: who is active, when each was last in a team, and who worked with whom."""

    def __init__(self, rng: np.random.Generator, tau: int):
        self.rng = rng
        self.tau = tau
        self.step_no = 0
        self.next_id = 0
        self.active: list[int] = []  # active agents (random access)
        self.pos: dict[int, int] = {}  # agent -> index in ``active``
        self.last: dict[int, int] = {}  # agent -> last step in a team
        self.collab: dict[int, set[int]] = {}  # agent -> active past collaborators
        self.by_step: dict[int, list[int]] = {}  # step -> agents in that step's team

    # -- the pools of assemble_team ------------------------------------------------
    def newcomer(self, team: Sequence[int]) -> int:
        self.next_id += 1
        return self.next_id - 1

    def incumbent(self, team: Sequence[int]) -> int | None:
        if len(self.active) <= len(team):
            free = [a for a in self.active if a not in team]
            return free[self.rng.integers(len(free))] if free else None
        while True:  # few tries: the team is tiny next to the active population
            a = self.active[self.rng.integers(len(self.active))]
            if a not in team:
                return a

    def collaborator(self, team: Sequence[int]) -> int | None:
        for t in self.rng.permutation(len(team)).tolist():
            cands = [c for c in self.collab.get(team[t], ()) if c not in team]
            if cands:
                return cands[self.rng.integers(len(cands))]
        return None

    # -- one time step -------------------------------------------------------------
    def step(self, m: int, p: float, q: float) -> list[int]:
        team = assemble_team(
            self.rng, m, p=p, q=q, collaborator=self.collaborator, incumbent=self.incumbent, newcomer=self.newcomer
        )
        t = self.step_no
        for a in team:
            if a not in self.pos:
                self.pos[a] = len(self.active)
                self.active.append(a)
                self.collab[a] = set()
            self.last[a] = t
            self.collab[a].update(b for b in team if b != a)
        self.by_step[t] = team
        self._retire(t - self.tau)
        self.step_no += 1
        return team

    def _retire(self, t: int) -> None:
        """Agents whose last team was at step ``t`` have now been idle for ``tau`` steps: they leave."""
        for a in self.by_step.pop(t, ()):
            if a in self.pos and self.last[a] == t:
                for b in self.collab.pop(a):
                    self.collab[b].discard(a)
                i = self.pos.pop(a)
                tail = self.active.pop()
                if tail != a:
                    self.active[i] = tail
                    self.pos[tail] = i
                del self.last[a]

    def giant_component_share(self) -> float:
        n = len(self.active)
        if n == 0:
            return 0.0
        rows, cols = [], []
        for a in self.active:
            for b in self.collab[a]:
                rows.append(self.pos[a])
                cols.append(self.pos[b])
        g = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        _, labels = connected_components(g, directed=False)
        return float(np.bincount(labels).max() / n)


def simulate(
    *,
    runs: int,
    m: int = 4,
    tau: int = 40,
    steps: int = 2000,
    burn_in: int = 500,
    every: int = 10,
    p: Sequence[float] = DEFAULTS["p"],
    q: Sequence[float] = DEFAULTS["q"],
    seed: int = 0,
) -> pd.DataFrame:
    rows = []
    for qi, qv in enumerate(q):
        for pi, pv in enumerate(p):
            shares, sizes = [], []
            for r in range(runs):
                world = TeamWorld(seeded(seed, qi, pi, r), tau)
                for s in range(steps):
                    world.step(m, float(pv), float(qv))
                    if s >= burn_in and (s - burn_in) % every == 0:
                        shares.append(world.giant_component_share())
                        sizes.append(len(world.active))
            rows.append(
                dict(
                    p=float(pv),
                    q=float(qv),
                    giant_component_share=float(np.mean(shares)),
                    giant_component_sd=float(np.std(shares)),
                    active_agents=float(np.mean(sizes)),
                    runs=runs,
                )
            )
    return pd.DataFrame(rows)


def _transition(ps: np.ndarray, s: np.ndarray, level: float = 0.5) -> float:
    """The p at which S first reaches ``level`` (linear interpolation; NaN if never)."""
    above = np.flatnonzero(s >= level)
    if above.size == 0:
        return float("nan")
    i = above[0]
    if i == 0:
        return float(ps[0])
    return float(np.interp(level, [s[i - 1], s[i]], [ps[i - 1], ps[i]]))


def evaluate(table: pd.DataFrame, *, m: int, tau: int, steps: int) -> CaseResult:
    comps = []
    crossing = {}
    for qv in sorted(table.q.unique()):
        d = table[table.q == qv].sort_values("p")
        ps, s = d.p.to_numpy(), d.giant_component_share.to_numpy()
        jump = np.diff(s)
        k = int(np.argmax(jump))
        crossing[qv] = _transition(ps, s)
        comps.append(
            Comparison(
                f"transition to a giant component, q = {qv:g}",
                "fragmented at low p, a giant component at high p; sharp rise for p around 0.3-0.5",
                f"S = {s[0]:.2f} at p = {ps[0]:g}, {s[-1]:.2f} at p = {ps[-1]:g}; steepest rise {jump[k]:.2f} between "
                f"p = {ps[k]:g} and {ps[k + 1]:g}; S reaches 0.5 at p = {crossing[qv]:.2f}",
                bool(s[0] < 0.3 and s[-1] > 0.7 and 0.2 <= crossing[qv] <= 0.6),
            )
        )
    if len(crossing) >= 2:
        qs = sorted(crossing)
        lo, hi = crossing[qs[0]], crossing[qs[-1]]
        comps.append(
            Comparison(
                "effect of repeat collaboration q",
                "higher q shifts the transition (repeat ties add no new links between clusters: later in p)",
                f"S reaches 0.5 at p = {lo:.2f} (q = {qs[0]:g}) and p = {hi:.2f} (q = {qs[-1]:g})",
                bool(hi > lo),
            )
        )
    runs = int(table.runs.iloc[0])
    return CaseResult(
        NAME,
        TITLE,
        CITATION,
        f"team size m = {m}, retirement after {tau} idle steps, {steps} steps (S averaged after a "
        f"burn-in), {runs} runs per (p, q); kernel simulation.kernels.teams.assemble_team",
        table,
        comps,
    )


def plot(table: pd.DataFrame) -> Figure:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, qv in enumerate(sorted(table.q.unique())):
        d = table[table.q == qv].sort_values("p")
        ax.errorbar(
            d.p,
            d.giant_component_share,
            yerr=d.giant_component_sd,
            color=OKABE_ITO[i],
            marker=MARKERS[i],
            ms=5,
            capsize=3,
            lw=1.4,
            ls="-" if i == 0 else "--",
            label=f"q = {qv:g}",
        )
    ax.set_xlabel("p, chance a team slot goes to an incumbent (0-1)")
    ax.set_ylabel("giant component S (share of active agents, 0-1)")
    ax.set_ylim(-0.02, 1.05)
    ax.legend(title="repeat-collaboration q (bars: SD over snapshots)", fontsize=8, title_fontsize=8)
    return fig


def run(*, runs: int | None = None, seed: int = 0, steps: int | None = None) -> CaseResult:
    d = DEFAULTS
    runs = d["runs"] if runs is None else runs
    steps = d["steps"] if steps is None else steps
    burn_in = min(d["burn_in"], steps // 4)
    table = simulate(
        runs=runs, m=d["m"], tau=d["tau"], steps=steps, burn_in=burn_in, every=d["every"], p=d["p"], q=d["q"], seed=seed
    )
    return evaluate(table, m=d["m"], tau=d["tau"], steps=steps)

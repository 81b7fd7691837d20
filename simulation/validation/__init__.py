"""Docking: the model's own kernels reproduce classic results in limiting cases.

Each case (one module) configures a kernel of the model to a published
model's limiting case, runs it, and compares with the published or
analytic result (Axtell et al. 1996 call this *docking*):

* ``watts2002``: the threshold contagion (:mod:`simulation.kernels.contagion`) on
  Erdős–Rényi graphs: Watts's cascade window;
* ``watts2002-model``: the same window from the full model's weekly step
  (:class:`~simulation.model.LeadershipModel`, its own mindset phase) with
  every mechanism at Watts's limit;
* ``guimera2005``: the team-assembly rule (:mod:`simulation.kernels.teams`): the
  giant-component transition of Guimerà et al.;
* ``bass1969``: the adoption hazard with the linear response, fully mixed:
  the Bass curve;
* ``centola2007``: the threshold contagion with counts on rewired ring
  lattices: simple vs complex contagion.

``run_case(name, **options)`` returns a :class:`~.common.CaseResult`;
``write_outputs(result, out)`` writes ``out/NAME.csv`` and ``out/NAME.png``.
The command line is ``syslead validate CASE --out DIR``.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from . import bass1969, centola2007, guimera2005, watts2002, watts2002_model
from .common import CaseResult, Comparison
from .common import write_outputs as _write

CASES: dict[str, ModuleType] = {m.NAME: m for m in (watts2002, watts2002_model, guimera2005, bass1969, centola2007)}

# Which options each case's ``run`` accepts (besides ``seed``).
OPTIONS: dict[str, tuple[str, ...]] = {
    "watts2002": ("n", "runs", "z"),
    "watts2002-model": ("n", "runs", "z"),
    "guimera2005": ("runs",),
    "bass1969": ("n", "runs"),
    "centola2007": ("n", "runs"),
}


def run_case(name: str, *, seed: int = 0, **options) -> CaseResult:
    """Run one docking case; ``options`` not given (or None) take the case's defaults."""
    if name not in CASES:
        raise ValueError(f"case = {name!r}: allowed {', '.join(CASES)}")
    bad = [k for k, v in options.items() if v is not None and k not in OPTIONS[name]]
    if bad:
        raise ValueError(f"{name}: option {bad[0]!r} does not apply (allowed: {', '.join(OPTIONS[name])})")
    given = {k: v for k, v in options.items() if v is not None}
    return CASES[name].run(seed=seed, **given)


def write_outputs(result: CaseResult, out: str | Path) -> tuple[Path, Path]:
    """Write ``out/NAME.csv`` and ``out/NAME.png`` for a case result."""
    return _write(result, out, CASES[result.name].plot)


__all__ = ["CASES", "OPTIONS", "CaseResult", "Comparison", "run_case", "write_outputs"]

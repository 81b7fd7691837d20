"""What every docking case shares: its result, the report it prints and the files it writes.

A case returns a :class:`CaseResult`: the table it measured (written as
``DIR/CASE.csv``), one :class:`Comparison` per reference result (printed
side by side with ours) and a verdict with its reason. The figure is drawn
by the case's own ``plot(table, ax)`` and saved as ``DIR/CASE.png``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..files import atomic_path

# Okabe & Ito (2008): distinguishable with the common forms of colour-vision deficiency.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
MARKERS = ("o", "s", "^", "D", "v", "P")


@dataclass
class Comparison:
    """One reference result beside ours."""

    quantity: str
    reference: str
    ours: str
    agrees: bool


@dataclass
class CaseResult:
    name: str
    title: str
    citation: str
    setup: str
    table: pd.DataFrame
    comparisons: list[Comparison] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.agrees for c in self.comparisons)

    @property
    def verdict(self) -> str:
        failed = [c.quantity for c in self.comparisons if not c.agrees]
        if not failed:
            return f"PASS: all {len(self.comparisons)} reference results reproduced"
        return f"FAIL: {len(failed)} of {len(self.comparisons)} not reproduced ({'; '.join(failed)})"

    def report(self) -> str:
        """The reference results beside ours, and the verdict, as plain text."""
        lines = [f"== {self.name}: {self.title}", f"   {self.citation}", f"   set-up: {self.setup}"]
        w = max([len(c.quantity) for c in self.comparisons] + [8])
        for c in self.comparisons:
            mark = "ok " if c.agrees else "NO "
            lines.append(f"   [{mark}] {c.quantity:<{w}s}  reference: {c.reference}")
            lines.append(f"         {'':<{w}s}  ours:      {c.ours}")
        lines.append(f"   {self.verdict}")
        return "\n".join(lines)


def seeded(seed: int, *keys: int) -> np.random.Generator:
    """An independent generator for one cell / run of a case, the same for the same seed and keys."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=tuple(int(k) for k in keys)))


def write_outputs(result: CaseResult, out: str | Path, plot: Callable) -> tuple[Path, Path]:
    """Write ``out/NAME.csv`` and ``out/NAME.png`` (each atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    csv = out / f"{result.name}.csv"
    png = out / f"{result.name}.png"
    _atomic(csv, lambda tmp: result.table.to_csv(tmp, index=False, float_format="%.6g"))
    fig = plot(result.table)
    fig.suptitle(f"{result.title}\n{result.verdict}", fontsize=9)
    fig.tight_layout()
    _atomic(png, lambda tmp: fig.savefig(tmp, dpi=150, format="png"))
    plt.close(fig)
    return csv, png


def _atomic(path: Path, write: Callable[[str], None]) -> None:
    with atomic_path(path) as tmp:
        write(str(tmp))


def fmt(x: float, digits: int = 3) -> str:
    """A number for a report line (``n/a`` for NaN)."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "n/a"
    return f"{x:.{digits}g}"

"""Lever decomposition: how much of the gap between two strategies each strategy lever carries.

``syslead decompose A B --replicates N --out DIR`` takes the strategy levers (the ``strategy.*``
parameters of the registry, :func:`strategy_levers`) whose values differ between scenarios A and B,
and runs a full factorial over them: every one of the 2^k combinations ("cells") is A's parameters
with a subset of the levers switched to B's values. The runs go through the sweep engine
(:mod:`simulation.sweep`) as a one-scenario experiment (scenario A) with a two-value grid per lever
(A's value, B's value), so the folder resumes after any interruption, runs on a process pool or on
Dask, and replicate ``r`` has the same seed in every cell (paired).

For every headline outcome (the report's summary outcomes), with ``v(S)`` the mean outcome of the cell
where the levers in ``S`` are at B's values and the others at A's:

* the **gap** is ``v(all levers) - v(no lever)``: A with all of B's levers minus A;
* the **Shapley value** of lever ``i`` is the average, over the k! orders in which the levers could be
  switched from A to B one at a time, of the change in the outcome when ``i`` is switched:
  ``phi_i = sum over S not containing i of |S|! (k - |S| - 1)! / k! * (v(S + i) - v(S))``.
  The Shapley values add up to the gap exactly (an interaction's effect is shared between the levers
  taking part in it);
* the **main effect** of lever ``i`` is the classical factorial main effect: the mean over all 2^(k-1)
  settings of the other levers of ``v(S + i) - v(S)`` (each setting weighted equally). Main effects
  need not add up to the gap when levers interact;
* the **95% interval** of a Shapley value is a bootstrap over replicates (BCa, falling back to percentile
  when BCa is undefined): a resampled replicate brings its runs in every cell with it, so the pairing is
  kept. Because a Shapley value is linear in the cell means, this is the bootstrap of the mean over
  replicates of each replicate's own Shapley value.

Files written into DIR beside the sweep's own (``manifest.json``, ``runs.parquet``, ...):
``levers.csv`` (``lever, outcome, main_effect, shapley, ci_low, ci_high``), ``levers.json`` (what was
decomposed: the scenarios, the levers and their two values, each outcome's gap with its interval) and
``levers.png`` (the figure). :func:`why_the_strategies_differ` and :func:`paragraphs` turn them into the
data and the plain-language text of the report's section "Why the strategies differ".
"""

from __future__ import annotations

import json
import math
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..config import ConfigError, Params, iter_specs

if TYPE_CHECKING:
    from collections.abc import Callable

    from matplotlib.figure import Figure


LEVER_GROUP = "strategy"
COLUMNS = ("lever", "outcome", "main_effect", "shapley", "ci_low", "ci_high")
LEVERS_CSV = "levers.csv"
LEVERS_JSON = "levers.json"
LEVERS_PNG = "levers.png"
MAX_LEVERS = 12  # 4,096 cells per replicate: beyond that a full factorial is not a sensible experiment

# Plain names for the report and the figure (a lever added to the registry later falls back to its own name).
LEVER_LABELS = {
    "strategy.openness": "Openness of invitations",
    "strategy.informality": "Informality of venues",
    "strategy.power_sharing": "Power sharing",
    "strategy.role_modelling": "Role modelling by the leads",
    "strategy.self_selection": "Self-selection of teams",
    "strategy.overhead": "Overhead (action plans, monitoring)",
    "strategy.sponsorship": "Formal senior sponsorship",
}


# --------------------------------------------------------------------------
# Levers and outcomes
# --------------------------------------------------------------------------


def strategy_levers() -> list[str]:
    """Dotted paths of the strategy levers, from the parameter registry (single values of the strategy group)."""
    return [
        info.path
        for info in iter_specs()
        if info.path.startswith(LEVER_GROUP + ".")
        and info.spec.items is None
        and not isinstance(info.default, tuple | list | dict)
    ]


def lever_label(path: str) -> str:
    """'Power sharing' for ``strategy.power_sharing``."""
    if path in LEVER_LABELS:
        return LEVER_LABELS[path]
    name = path.rsplit(".", 1)[-1].replace("_", " ")
    return name[:1].upper() + name[1:]


def outcome_label(metric: str) -> str:
    """'Projects started' for ``projects_started`` (the figures add units)."""
    name = metric.replace("_", " ")
    return name[:1].upper() + name[1:]


def headline_outcomes(params: Params, weeks: int) -> list[str]:
    """The report's summary outcomes; the after-the-programme ones only when the runs go past its end."""
    from .replay import programme_end
    from .report import PERSISTENCE_METRICS, SUMMARY_OUTCOMES

    follow_up = weeks > programme_end(params)
    return [m for m in SUMMARY_OUTCOMES if follow_up or m not in PERSISTENCE_METRICS]


def default_weeks() -> int:
    """The main job's horizon (``experiments/strategy_comparison.toml``), else the model's default run length."""
    from ..run import DEFAULT_WEEKS

    try:
        from ..sweep import load_experiment
        from .compare import find_main_experiment

        return int(load_experiment(find_main_experiment()).weeks)
    except ConfigError:
        return DEFAULT_WEEKS


# --------------------------------------------------------------------------
# The arithmetic (cells indexed by bit mask: bit i set = lever i at B's value)
# --------------------------------------------------------------------------


def _check_cells(n_cells: int) -> int:
    k = int(n_cells).bit_length() - 1
    if k < 1 or n_cells != 1 << k:
        raise ValueError(f"a full factorial over k levers has 2^k cells (k >= 1), not {n_cells}")
    return k


def weight_matrices(k: int, exact: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(W, M)``, each ``2^k x k``: ``v @ W`` gives the Shapley values and ``v @ M`` the main effects of the
    cell values ``v`` (indexed by bit mask). With ``exact`` the weights are :class:`fractions.Fraction`."""
    if k < 1:
        raise ValueError("k must be at least 1")
    one = Fraction(1) if exact else 1.0
    fact = [math.factorial(s) for s in range(k + 1)]
    shap = [one * fact[s] * fact[k - s - 1] / fact[k] for s in range(k)]
    main = one / (1 << (k - 1))
    W = np.zeros((1 << k, k), dtype=object if exact else np.float64)
    M = np.zeros((1 << k, k), dtype=object if exact else np.float64)
    if exact:
        W[:] = Fraction(0)
        M[:] = Fraction(0)
    for mask in range(1 << k):
        size = mask.bit_count()
        for i in range(k):
            if mask >> i & 1:
                continue
            W[mask | 1 << i, i] += shap[size]
            W[mask, i] -= shap[size]
            M[mask | 1 << i, i] += main
            M[mask, i] -= main
    return W, M


def shapley(v: np.ndarray | Sequence) -> np.ndarray:
    """Exact Shapley values of the levers from the cell values ``v`` (last axis: the 2^k cells by bit mask).

    Returns ``(..., k)``. Object arrays of :class:`fractions.Fraction` are computed exactly."""
    v = np.asarray(v)
    k = _check_cells(v.shape[-1])
    W, _ = weight_matrices(k, exact=v.dtype == object)
    return v @ W


def main_effects(v: np.ndarray | Sequence) -> np.ndarray:
    """Factorial main effects of the levers from the cell values ``v`` (last axis: the 2^k cells by bit mask):
    for lever ``i``, the mean over the 2^(k-1) settings of the other levers of ``v(S + i) - v(S)``."""
    v = np.asarray(v)
    k = _check_cells(v.shape[-1])
    _, M = weight_matrices(k, exact=v.dtype == object)
    return v @ M


def gap(v: np.ndarray | Sequence) -> np.ndarray:
    """The A-to-B gap of cell values ``v``: all levers at B minus none."""
    v = np.asarray(v)
    _check_cells(v.shape[-1])
    return v[..., -1] - v[..., 0]


def _mean_intervals(data: np.ndarray, confidence: float, n_resamples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap intervals of the mean over axis 0 of ``data`` (replicates x columns), one per column: BCa,
    percentile where BCa is undefined, the mean itself where the column does not vary."""
    from scipy import stats as sps

    mean = data.mean(axis=0)
    low, high = mean.copy(), mean.copy()
    vary = np.ptp(data, axis=0) > 0
    if data.shape[0] < 2 or not vary.any():
        return low, high
    cols = np.flatnonzero(vary)
    todo = cols
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sps.bootstrap(
                (data[:, todo].T,),
                np.mean,
                axis=-1,
                vectorized=True,
                method=method,
                confidence_level=confidence,
                n_resamples=n_resamples,
                rng=np.random.default_rng(seed),
            )
        lo = np.atleast_1d(np.asarray(res.confidence_interval.low, dtype=np.float64))
        hi = np.atleast_1d(np.asarray(res.confidence_interval.high, dtype=np.float64))
        ok = np.isfinite(lo) & np.isfinite(hi)
        low[todo[ok]], high[todo[ok]] = lo[ok], hi[ok]
        todo = todo[~ok]
        if not todo.size:
            break
    return low, high


@dataclass
class Decomposition:
    """The numbers of a decomposition: ``table`` (the rows of levers.csv) and ``gaps`` (one row per outcome)."""

    table: pd.DataFrame
    gaps: pd.DataFrame


def decompose_values(
    y: np.ndarray,
    levers: Sequence[str],
    outcomes: Sequence[str],
    *,
    confidence: float | None = None,
    n_resamples: int | None = None,
    seed: int | None = None,
) -> Decomposition:
    """Shapley values, main effects and bootstrap intervals from per-run values ``y`` of shape
    ``(replicates, 2^k, outcomes)`` (cells by bit mask; bit ``i`` = ``levers[i]`` at B's value)."""
    from . import stats

    confidence = stats.CONFIDENCE if confidence is None else confidence
    n_resamples = stats.N_RESAMPLES if n_resamples is None else n_resamples
    seed = stats.BOOTSTRAP_SEED if seed is None else seed
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 3 or y.shape[2] != len(outcomes):
        raise ValueError(f"values must be (replicates, cells, outcomes={len(outcomes)}), not {y.shape}")
    k = _check_cells(y.shape[1])
    if k != len(levers):
        raise ValueError(f"{y.shape[1]} cells do not match {len(levers)} levers")
    if y.shape[0] < 2:
        raise ValueError("a bootstrap over replicates needs at least 2 replicates")
    W, M = weight_matrices(k)
    cells = np.moveaxis(y, 1, 2)  # (R, O, 2^k)
    phi_r = cells @ W  # (R, O, k): each replicate's own Shapley values
    gap_r = cells[..., -1] - cells[..., 0]  # (R, O)
    mean_cells = cells.mean(axis=0)  # (O, 2^k)
    phi = mean_cells @ W
    main = mean_cells @ M
    n_r, n_o = gap_r.shape
    flat = np.concatenate([phi_r.reshape(n_r, n_o * k), gap_r], axis=1)
    low, high = _mean_intervals(flat, confidence, n_resamples, seed)
    phi_low, phi_high = low[: n_o * k].reshape(n_o, k), high[: n_o * k].reshape(n_o, k)
    rows = []
    for o, outcome in enumerate(outcomes):
        for i, lever in enumerate(levers):
            rows.append(
                {
                    "lever": lever,
                    "outcome": outcome,
                    "main_effect": float(main[o, i]),
                    "shapley": float(phi[o, i]),
                    "ci_low": float(phi_low[o, i]),
                    "ci_high": float(phi_high[o, i]),
                }
            )
    gaps = pd.DataFrame(
        {
            "outcome": list(outcomes),
            "a_mean": mean_cells[:, 0],
            "b_mean": mean_cells[:, -1],
            "gap": mean_cells[:, -1] - mean_cells[:, 0],
            "gap_low": low[n_o * k :],
            "gap_high": high[n_o * k :],
        }
    )
    return Decomposition(pd.DataFrame(rows, columns=list(COLUMNS)), gaps)


# --------------------------------------------------------------------------
# The experiment
# --------------------------------------------------------------------------


@dataclass
class Design:
    """What a decomposition runs: scenario A with a two-value grid over each differing lever."""

    a: str  # as given (a name or a TOML file)
    b: str
    a_name: str
    b_name: str
    levers: list[str]
    a_values: dict[str, Any]
    b_values: dict[str, Any]
    other_differences: list[str]  # parameters besides the levers where A and B differ (held at A's values)
    outcomes: list[str]
    sets: dict[str, Any]
    experiment: Any  # simulation.sweep.Experiment
    population: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def cells(self) -> int:
        return 1 << len(self.levers)

    @property
    def runs(self) -> int:
        return self.cells * int(self.experiment.replicates)


def _differs(x: Any, y: Any) -> bool:
    return type(x) is not type(y) or x != y


def design(
    a: str,
    b: str,
    replicates: int,
    *,
    weeks: int | None = None,
    sets: Mapping[str, Any] | None = None,
    seed: int | None = None,
) -> Design:
    """Check the inputs and build the experiment of a decomposition (nothing is run or written).

    Raises :class:`ConfigError` (one line) for an unknown scenario or file, an unknown or bad ``--set``, fewer
    than 2 replicates, or scenarios whose strategy levers are all the same."""
    from .. import scenarios
    from ..sweep import load_experiment
    from .compare import DEFAULT_SEED

    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 2:
        raise ConfigError(
            f"decompose: --replicates {replicates!r} is not allowed: a whole number >= 2 (the "
            "intervals resample replicates)"
        )
    sets = dict(sets or {})
    weeks = default_weeks() if weeks is None else weeks
    seed = DEFAULT_SEED if seed is None else seed
    sc_a, sc_b = scenarios.resolve(a), scenarios.resolve(b)
    pa, pb = sc_a.params(sets), sc_b.params(sets)
    all_levers = strategy_levers()
    levers = [p for p in all_levers if _differs(pa.get(p), pb.get(p))]
    if not levers:
        fixed = [p for p in all_levers if p in sets]
        why = f" (--set fixes {', '.join(fixed)} in both)" if fixed else ""
        raise ConfigError(
            f"decompose: scenarios '{sc_a.name}' and '{sc_b.name}' have the same value of every "
            f"strategy lever{why}: nothing to decompose; allowed: two scenarios that differ in at "
            f"least one of {', '.join(all_levers)}"
        )
    if len(levers) > MAX_LEVERS:  # pragma: no cover - the registry has 7
        raise ConfigError(f"decompose: {len(levers)} levers differ: at most {MAX_LEVERS} (2^k runs per replicate)")
    lever_set = set(all_levers)
    others = [
        info.path
        for info in iter_specs()
        if info.path not in lever_set and _differs(pa.get(info.path), pb.get(info.path))
    ]
    data = {
        "experiment": {
            "name": f"decompose-{Path(a).stem}-to-{Path(b).stem}",
            "weeks": int(weeks),
            "replicates": int(replicates),
            "seed": int(seed),
            "scenarios": [a],
        },
        "grid": {p: [pa.get(p), pb.get(p)] for p in levers},
    }
    if sets:
        data["set"] = sets
    try:
        experiment = load_experiment(data)
    except ConfigError as exc:
        raise ConfigError(f"decompose: {exc}") from None
    notes = []
    if others:
        shown = ", ".join(others[:6]) + (f" and {len(others) - 6} more" if len(others) > 6 else "")
        notes.append(
            f"'{sc_a.name}' and '{sc_b.name}' also differ in {len(others)} parameter(s) that are not "
            f"strategy levers ({shown}); the decomposition holds them at '{sc_a.name}''s values, so the gap "
            f"it splits is '{sc_a.name}' against '{sc_a.name}' with all of '{sc_b.name}''s levers"
        )
    return Design(
        a,
        b,
        sc_a.name,
        sc_b.name,
        levers,
        {p: pa.get(p) for p in levers},
        {p: pb.get(p) for p in levers},
        others,
        headline_outcomes(pa, int(weeks)),
        sets,
        experiment,
        int(pa.population.size),
        notes,
    )


def cell_values(
    runs: pd.DataFrame, levers: Sequence[str], b_values: Mapping[str, Any], outcomes: Sequence[str]
) -> np.ndarray:
    """``(replicates, 2^k, outcomes)`` from a sweep's runs table (one run per replicate and cell required)."""
    k = len(levers)
    missing = [c for c in (*levers, "replicate", *outcomes) if c not in runs.columns]
    if missing:
        raise ConfigError(f"the runs table has no column {missing[0]!r}: not a decomposition folder")
    cell = np.zeros(len(runs), dtype=np.int64)
    for i, lever in enumerate(levers):
        cell |= (runs[lever].to_numpy() == b_values[lever]).astype(np.int64) << i
    reps = np.sort(runs["replicate"].unique())
    r_index = np.searchsorted(reps, runs["replicate"].to_numpy())
    counts = np.zeros((reps.size, 1 << k), dtype=np.int64)
    np.add.at(counts, (r_index, cell), 1)
    if not (counts == 1).all():
        raise ConfigError(
            f"the runs table does not hold exactly one run per replicate and lever combination "
            f"({int((counts == 0).sum())} missing, {int((counts > 1).sum())} repeated)"
        )
    y = np.empty((reps.size, 1 << k, len(outcomes)), dtype=np.float64)
    y[r_index, cell, :] = runs[list(outcomes)].to_numpy(dtype=np.float64)
    return y


# --------------------------------------------------------------------------
# Running, analysing, writing
# --------------------------------------------------------------------------


@dataclass
class Result:
    out: Path
    design: Design
    decomposition: Decomposition
    files: list[Path]
    seconds: float
    engine: str
    ran: int
    skipped: int


def _meta(d: Design, dec: Decomposition, replicates: int) -> dict[str, Any]:
    from ..run import version
    from . import stats

    return {
        "a": d.a,
        "b": d.b,
        "a_name": d.a_name,
        "b_name": d.b_name,
        "levers": [
            {"lever": p, "label": lever_label(p), "a_value": d.a_values[p], "b_value": d.b_values[p]} for p in d.levers
        ],
        "outcomes": [
            {
                "outcome": r["outcome"],
                "label": outcome_label(r["outcome"]),
                "a_mean": r["a_mean"],
                "b_mean": r["b_mean"],
                "gap": r["gap"],
                "gap_low": r["gap_low"],
                "gap_high": r["gap_high"],
            }
            for r in dec.gaps.to_dict("records")
        ],
        "replicates": replicates,
        "weeks": int(d.experiment.weeks),
        "seed": int(d.experiment.seed),
        "population": d.population,
        "cells": d.cells,
        "runs": d.cells * replicates,
        "set": d.sets,
        "other_differences": d.other_differences,
        "interval": {
            "confidence": stats.CONFIDENCE,
            "resamples": stats.N_RESAMPLES,
            "seed": stats.BOOTSTRAP_SEED,
            "method": "bootstrap of replicates (BCa; percentile where BCa is undefined)",
        },
        "version": version(),
    }


def analyse(out: str | Path, d: Design, *, draw: bool = True) -> tuple[Decomposition, list[Path]]:
    """Read the finished sweep in ``out`` and write ``levers.csv``, ``levers.json`` and ``levers.png``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..files import write_text
    from ..sweep import Store
    from ..sweep.runner import run_versions

    out = Path(out)
    path = Store(out).runs_path  # only the runs table: the time series (large) are not needed
    try:
        runs = pq.read_table(path, columns=["scenario", "replicate", *d.levers, *d.outcomes]).to_pandas()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ConfigError(f"{path} cannot be read as a decomposition's runs: {exc}") from None
    runs = runs[runs["scenario"] == d.a_name]
    y = cell_values(runs, d.levers, d.b_values, d.outcomes)
    bad = [m for j, m in enumerate(d.outcomes) if not np.isfinite(y[:, :, j]).all()]
    outcomes = [m for m in d.outcomes if m not in bad]
    if bad:
        d.notes.append(f"left out (not a number in some runs): {', '.join(bad)}")
    keep = [d.outcomes.index(m) for m in outcomes]
    dec = decompose_values(y[:, :, keep], d.levers, outcomes)
    meta = _meta(d, dec, y.shape[0])
    meta["left_out"] = bad
    made_by = run_versions(Store(out).read_manifest())
    if made_by:  # the versions that made the runs (a finished study may be read again by a later one)
        meta["analysed_by"], meta["version"] = meta["version"], " and ".join(made_by)
    files = [out / LEVERS_CSV, out / LEVERS_JSON]
    write_text(files[0], dec.table.to_csv(index=False))
    write_text(files[1], json.dumps(meta, indent=2, default=float) + "\n")
    if draw:
        from ..files import atomic_path

        fig = figure(dec.table, meta)
        with atomic_path(out / LEVERS_PNG) as tmp:
            fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
        files.append(out / LEVERS_PNG)
    return dec, files


def run_decomposition(
    a: str,
    b: str,
    replicates: int,
    out: str | Path,
    *,
    weeks: int | None = None,
    sets: Mapping[str, Any] | None = None,
    seed: int | None = None,
    workers: int | None = None,
    dask: str | None = None,
    executor: Any = None,
    progress: bool = True,
    draw: bool = True,
    log: Callable[[str], None] | None = None,
) -> Result:
    """Run (or resume) the factorial of ``a``'s and ``b``'s differing levers into ``out`` and write the files.

    Everything is checked before anything is written (:class:`ConfigError`); a folder holding another
    experiment is refused by the sweep engine, untouched."""
    from ..sweep import run_experiment
    from ..sweep.runner import _check_engine

    d = design(a, b, replicates, weeks=weeks, sets=sets, seed=seed)
    _check_engine(workers, dask, executor)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {str(out)!r} exists and is not a folder")
    for note in d.notes:
        if log:
            log(f"note: {note}")
    t0 = time.perf_counter()
    report: list = []
    run_experiment(d.experiment, out, workers=workers, dask=dask, executor=executor, progress=progress, report=report)
    dec, files = analyse(out, d, draw=draw)
    r = report[0]
    return Result(out, d, dec, files, time.perf_counter() - t0, r.engine, r.ran, r.skipped)


def load_levers(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``(levers.csv as a table, levers.json)`` from a folder or the csv's path; ConfigError if unreadable."""
    path = Path(path)
    csv = path / LEVERS_CSV if path.is_dir() else path
    meta_path = csv.with_name(LEVERS_JSON)
    try:
        table = pd.read_csv(csv)
        meta = json.loads(meta_path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(f"{exc.filename} does not exist: run 'syslead decompose' into that folder") from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ConfigError(f"{csv} or {meta_path.name} cannot be read: {exc}") from None
    if tuple(table.columns) != COLUMNS or not isinstance(meta, dict) or "levers" not in meta:
        raise ConfigError(f"{csv} is not a lever decomposition: columns must be {', '.join(COLUMNS)}")
    return table, meta


# --------------------------------------------------------------------------
# The figure
# --------------------------------------------------------------------------


def figure(table: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Per outcome, a bar per lever: its Shapley value with its 95% interval; the outcome's gap in the title."""
    import matplotlib
    from matplotlib.ticker import MaxNLocator

    from .figures import OKABE_ITO, STYLE, _figure, label

    outcomes = list(dict.fromkeys(table["outcome"]))
    levers = list(dict.fromkeys(table["lever"]))
    gaps = {o["outcome"]: o for o in meta.get("outcomes", [])}
    ncol = min(3, len(outcomes))
    nrow = math.ceil(len(outcomes) / ncol)
    with matplotlib.rc_context({**STYLE, "axes.grid": False}):
        fig = _figure(5.2 * ncol + 1.8, 0.42 * len(levers) * nrow + 1.3 * nrow + 0.8)
        axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False, sharey=True)).ravel()
        pos = np.arange(len(levers))[::-1]
        for ax, outcome in zip(axes, outcomes):
            part = table[table["outcome"] == outcome].set_index("lever").reindex(levers)
            phi = part["shapley"].to_numpy(dtype=float)
            err = np.vstack([phi - part["ci_low"].to_numpy(dtype=float), part["ci_high"].to_numpy(dtype=float) - phi])
            colours = [OKABE_ITO[0] if v >= 0 else OKABE_ITO[1] for v in phi]
            ax.barh(pos, phi, color=colours, height=0.65)
            ax.errorbar(phi, pos, xerr=np.clip(err, 0, None), fmt="none", ecolor="#333333", capsize=3, lw=1.2)
            ax.axvline(0, color="#555555", lw=1)
            ax.grid(axis="x", alpha=0.3)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=5))  # small units (a share) would crowd their labels
            g = gaps.get(outcome)
            gap_text = f"\ngap {_signed(g['gap'])}" if g else ""
            ax.set_title(label(outcome) + gap_text, fontsize=12)
            ax.tick_params(axis="y", length=0)
        for ax in axes[len(outcomes) :]:
            ax.set_visible(False)
        axes[0].set_yticks(pos, [lever_label(p) for p in levers])
        for row in range(nrow):
            axes[row * ncol].set_yticks(pos, [lever_label(p) for p in levers])
        fig.suptitle(
            f"What each lever contributes to the gap from {meta.get('a_name', 'A')} to "
            f"{meta.get('b_name', 'B')} (Shapley value, 95% interval; blue raises, orange lowers)",
            fontsize=13,
        )
    return fig


# --------------------------------------------------------------------------
# Plain language: "Why the strategies differ"
# --------------------------------------------------------------------------


@dataclass
class Contribution:
    lever: str
    label: str
    a_value: Any
    b_value: Any
    shapley: float
    ci_low: float
    ci_high: float
    main_effect: float
    share: float  # of the gap (nan when the gap is 0)

    @property
    def clear(self) -> bool:
        """The 95% interval excludes zero."""
        return self.ci_low > 0 or self.ci_high < 0


@dataclass
class OutcomeStory:
    outcome: str
    label: str
    gap: float
    gap_low: float
    gap_high: float
    a_mean: float
    b_mean: float
    carrying: list[Contribution]  # same sign as the gap, largest first: together most of it
    also: list[Contribution]  # the rest of the same sign
    opposing: list[Contribution]  # the opposite sign, largest first

    @property
    def clear_gap(self) -> bool:
        return self.gap_low > 0 or self.gap_high < 0


def why_the_strategies_differ(
    table: pd.DataFrame, meta: Mapping[str, Any], *, most: float = 0.8, at_most: int = 3
) -> list[OutcomeStory]:
    """Per outcome: which levers carry most of the gap (same sign as the gap, largest first, until they make up
    ``most`` of that sign's total, at most ``at_most``), and which push the opposite way."""
    levers = {x["lever"]: x for x in meta.get("levers", [])}
    gaps = {x["outcome"]: x for x in meta.get("outcomes", [])}
    stories = []
    for outcome in dict.fromkeys(table["outcome"]):
        part = table[table["outcome"] == outcome]
        g = gaps.get(outcome, {})
        total = float(g.get("gap", part["shapley"].sum()))
        sign = 1.0 if total >= 0 else -1.0
        contribs = []
        for r in part.to_dict("records"):
            info = levers.get(r["lever"], {})
            share = r["shapley"] / total if total != 0 else math.nan
            contribs.append(
                Contribution(
                    r["lever"],
                    lever_label(r["lever"]),
                    info.get("a_value"),
                    info.get("b_value"),
                    float(r["shapley"]),
                    float(r["ci_low"]),
                    float(r["ci_high"]),
                    float(r["main_effect"]),
                    share,
                )
            )
        same = sorted((c for c in contribs if sign * c.shapley > 0), key=lambda c: -abs(c.shapley))
        opposing = sorted((c for c in contribs if sign * c.shapley < 0), key=lambda c: -abs(c.shapley))
        same_total = sum(abs(c.shapley) for c in same)
        carrying: list[Contribution]
        carrying, acc = [], 0.0
        for c in same:
            if len(carrying) >= at_most or (carrying and acc >= most * same_total):
                break
            carrying.append(c)
            acc += abs(c.shapley)
        also = same[len(carrying) :]
        stories.append(
            OutcomeStory(
                outcome,
                outcome_label(outcome),
                total,
                float(g.get("gap_low", math.nan)),
                float(g.get("gap_high", math.nan)),
                float(g.get("a_mean", math.nan)),
                float(g.get("b_mean", math.nan)),
                carrying,
                also,
                opposing,
            )
        )
    return stories


def _is_share(metric: str) -> bool:
    from ..metrics import METRIC_BY_NAME

    m = METRIC_BY_NAME.get(metric)
    return m is not None and m.unit == "share"


def _level(v: float, share: bool = False) -> str:
    """A value of an outcome for prose: shares (0-1) as percentages."""
    from .summary import fmt

    if not math.isfinite(v):
        return "n/a"
    return f"{100 * v:.1f}%" if share else fmt(v)


def _signed(v: float, share: bool = False) -> str:
    """A difference for prose, with its sign: differences of shares in percentage points."""
    from .summary import fmt

    if not math.isfinite(v):
        return "n/a"
    text = (f"{100 * v:.2g} points" if abs(100 * v) < 1 else f"{100 * v:.1f} points") if share else fmt(v)
    return ("+" if v > 0 else "") + text


def _value(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _contribution_text(c: Contribution, share_metric: bool) -> str:
    if not math.isfinite(c.share):
        share = ""
    elif abs(c.share) < 0.005:
        share = "under 1% of the gap; "
    else:
        share = f"{100 * c.share:.0f}% of the gap; "
    unclear = "" if c.clear else ", which includes no effect"
    name = c.label[:1].lower() + c.label[1:]
    sg = lambda v: _signed(v, share_metric)  # noqa: E731
    return (
        f"{name} ({_value(c.a_value)} to {_value(c.b_value)}): {sg(c.shapley)} ({share}95% interval "
        f"{sg(c.ci_low)} to {sg(c.ci_high)}{unclear})"
    )


def paragraphs(stories: Sequence[OutcomeStory], a_name: str, b_name: str) -> list[str]:
    """One plain-language paragraph per outcome, worded by the numbers."""
    out = []
    for s in stories:
        pct = _is_share(s.outcome)
        where = f"{b_name}'s levers on {a_name}"
        if s.gap == 0:
            text = (
                f"{s.label}: switching to {where} makes no difference on average ({_level(s.a_mean, pct)} either way)."
            )
        else:
            direction = "raises" if s.gap > 0 else "lowers"
            clear = "" if s.clear_gap else ", which includes no gap at all"
            text = (
                f"{s.label}: switching to {where} {direction} it from {_level(s.a_mean, pct)} to "
                f"{_level(s.b_mean, pct)}, a gap of {_signed(s.gap, pct)} (95% interval {_signed(s.gap_low, pct)} "
                f"to {_signed(s.gap_high, pct)}{clear})."
            )
            if s.carrying:
                lead = "Most of it is carried by " if len(s.carrying) > 1 or s.also else "It is carried by "
                text += " " + lead + "; ".join(_contribution_text(c, pct) for c in s.carrying) + "."
            if s.also:
                rest = sum(c.shapley for c in s.also)
                many = len(s.also) > 1
                text += f" {len(s.also)} other lever{'s add' if many else ' adds'} {_signed(rest, pct)}" + (
                    " together." if many else "."
                )
        if s.opposing:
            text += " Pushing the other way: " + "; ".join(_contribution_text(c, pct) for c in s.opposing) + "."
        elif s.gap != 0:
            text += " No lever pushes the other way."
        out.append(text)
    return out

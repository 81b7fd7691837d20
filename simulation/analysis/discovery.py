"""Scenario discovery: where does each of two strategies do better?

``syslead discover EXPERIMENT.toml --out DIR`` samples *context* parameters (the world a programme meets:
the size of the system, how ready people are to adopt, trust, turnover, senior support, hours, the sector
mix ...), runs two scenarios at every sampled point on the same seeds (common random numbers), takes the
paired difference of each headline outcome, and asks PRIM (the Patient Rule Induction Method of the EMA
Workbench, :mod:`ema_workbench.analysis.prim`) twice per outcome: in which region of the context does the
first scenario do better, and in which does the second?

**Why context, not levers.** The two scenarios *are* their lever settings (``top-down`` is openness 0.1,
overhead 0.8, ...; ``south-manchester`` is openness 0.85, overhead 0 ...). A lever sampled at a point is
applied to every scenario there (the sweep engine gives every scenario of a point the same overrides, which
is what keeps the comparison paired), so sampling ``strategy.overhead`` would give both scenarios the same
overhead and erase part of the difference being explained. Sampling each scenario's levers separately turns
the question into "which lever settings win", which is the lever decomposition's question
(``syslead decompose``) and an optimisation, not a discovery of contexts; and with seven levers per scenario
it would more than double the dimensions PRIM has to search with the same points. So the design samples
context only and compares the two scenarios' own, fixed lever settings at each context point; ``strategy.*``
parameters are refused in ``[discover] context``, ``[ranges]`` and ``[set]``. Sampling how faithfully each
scenario is delivered (an intensity per scenario) would need scenario-specific values at each point, which
the sweep engine does not express; it is left out on purpose (docs/discovery.md).

The experiment file::

    [experiment]                       # as a sweep's: name, weeks, replicates, seed
    scenarios = ["top-down", "south-manchester"]   # exactly two (names or TOML files)

    [set]                              # optional: fixed for both scenarios (never a strategy lever)
    "population.size" = 3000

    [discover]
    outcomes = ["projects_started", "adopters"]    # metric names; higher is better
    method = "lhs"                     # lhs (Latin hypercube) | sobol (scrambled Sobol' sequence)
    n = 128                            # sampled points
    context = ["senior_support.level"] # sampled over the parameter registry's range (0-1 context parameters)
    labels = ["top-down", "distributed"]   # optional: the scenarios' names in boxes and sentences
    margin = 0.0                       # optional: better by more than this share of the other's value
    min_coverage = 0.5                 # optional: the least coverage of a chosen box (of the cases left)
    max_boxes = 2                      # optional: boxes per question (PRIM's covering, one after another)

    [ranges]                           # optional: narrower ranges, or parameters with no registry range
    "churn.turnover" = [0.0, 0.008]

The runs go through the sweep engine (:mod:`simulation.sweep`) as an ordinary sampled sweep
(``[sample]`` with method ``lhs`` or ``sobol-sequence``), so ``DIR`` resumes after any interruption,
runs on a process pool or on Dask, and holds ``manifest.json``, ``runs.parquet`` and ``timeseries.parquet``
beside the discovery's own files:

``boxes.csv``
    ``box, parameter, low, high, coverage, density``: one row per limit of a box. ``box`` is readable
    ("top-down better: projects started, box 1"), ``parameter`` a dotted path, ``low``/``high`` the box's
    limits (an end PRIM did not restrict is the end of the sampled range), ``coverage`` the share of all the
    points where that scenario does better that fall in the box, ``density`` the share of the points in the
    box where it does better (for box 2 and later, among the points not in an earlier box).
``points.csv``
    one row per sampled point: ``point``, the sampled values, and per outcome the mean of each scenario over
    the replicates and their paired difference (first minus second).
``discovery.json``
    what was searched: scenarios, ranges, settings, and per question the number of cases, the base rate,
    the boxes and their peeling trajectories.
``boxes.png``, ``peeling.png``
    the box limits, and PRIM's peeling trajectories (coverage against density).

**Choosing a box.** PRIM peels a box down step by step (5% of the points at a time) and then pastes; each
step is a candidate with its coverage and density. Each candidate is pruned: every end of a limit whose
quasi-p-value (Bryant and Lempert 2010: a one-sided binomial test of whether that end raises the density) is
above 0.05 is moved back to the edge of the data, the weakest first, one end at a time, until every end left
is supported. The box kept is the densest pruned candidate that still holds at least ``min_coverage`` of the
cases left to explain (ties: the one holding more cases, then the earlier candidate), so a box names only
limits the data support. No box is reported when fewer than ``MIN_CASES`` points are cases, when every point
is a case, or when no pruned candidate restricts anything, is denser than the points it was searched among
and than all the points, and holds at least ``MIN_CASES`` cases and ``MIN_BOX_COVERAGE`` (10%) of all the
cases. (PRIM peels from the outside in, one end at a time, so it finds regions at the edge of a range or
inside it, but not two regions at both ends of one parameter: it finds one of them, or none.)
"""

from __future__ import annotations

import json
import logging
import math
import re
import textwrap
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np
import pandas as pd

from ..config import ConfigError, check_number, check_path, load_toml, spec_for, suggest

if TYPE_CHECKING:
    from matplotlib.figure import Figure


COLUMNS = ("box", "parameter", "low", "high", "coverage", "density")
BOXES_CSV = "boxes.csv"
POINTS_CSV = "points.csv"
DISCOVERY_JSON = "discovery.json"
BOXES_PNG = "boxes.png"
PEELING_PNG = "peeling.png"

TABLES = ("experiment", "set", "discover", "ranges")
EXPERIMENT_KEYS = ("name", "weeks", "replicates", "seed", "scenarios")
DISCOVER_KEYS = ("outcomes", "method", "n", "context", "labels", "margin", "min_coverage", "max_boxes")
METHODS = {"lhs": "lhs", "sobol": "sobol-sequence"}  # the discovery's name -> the sweep engine's
LEVER_GROUP = "strategy"
MIN_POINTS = 8
MAX_POINTS = 100_000
MIN_CASES = 5  # fewer points of interest than this: no box (PRIM would box noise)
MIN_BOX_COVERAGE = 0.1  # a box holding less than this share of all the cases explains too little to report
ALPHA = 0.05  # quasi-p-value above which a restriction is dropped
PEEL_ALPHA = 0.05
MASS_MIN = 0.05
DEFAULT_MIN_COVERAGE = 0.5
DEFAULT_MAX_BOXES = 2
MAX_BOXES = 10
BOX_ID = re.compile(r"^(?P<who>.+) better: (?P<outcome>.+), box (?P<k>\d+)$")

# Plain labels of parameters a discovery is likely to sample (a noun phrase, lower case; the unit comes from
# the registry). Others fall back to the registry's description (see :func:`parameter_label`).
PARAMETER_LABELS = {
    "population.size": "the number of people in the system",
    "population.threshold_mean": "the mean adoption threshold (the share of trusted contacts practising "
    "that a person needs before they adopt)",
    "population.threshold_sd": "the spread of adoption thresholds",
    "population.interest_mean": "people's mean interest in cross-sector work",
    "population.initial_aware": "the share of people aware of system leadership at the start",
    "population.initial_practising": "the share of people practising system leadership at the start",
    "population.manager_share": "the share of people who are managers",
    "population.senior_share": "the share of people who are senior leaders",
    "population.online_share": "the share of people on the online network at the start",
    "senior_support.level": "the share of people whose line manager supports the work",
    "senior_support.from_adopters": "the support a project member gets from a practising manager of their organisation",
    "churn.turnover": "staff turnover",
    "trust.contact_gain": "the trust gained per contact",
    "trust.decay": "the decay of trust without contact",
    "network.cross_sector_degree": "the number of cross-sector ties per person at the start",
    "network.within_org_degree": "the number of ties with colleagues per person",
    "time.budget": "the time people can give to cross-sector work beside the day job",
    "opportunities.per_theme": "the number of open problems per project theme at the start",
    "opportunities.renewal": "the chance a solved problem comes back",
    "commissioning.programme_rate": "the rate at which the programme commissions projects (top-down's own channel)",
    "commissioning.senior_rate": "the chance a senior leader commissions a project as ordinary management",
    "projects.trust_floor": "the pace of a team of strangers (as a share of a trusting team's)",
    "projects.coverage_exponent": "how sharply missing sectors slow a project",
    "projects.idea_rate": "the chance a practitioner proposes a project",
    "projects.base_progress": "the pace of an ideal team",
    "projects.support_boost": "the extra pace with full senior support",
    "projects.accountability": "the share of fizzling that full monitoring prevents",
    "projects.overhead_slowdown": "the pace lost at full overhead",
    "projects.coproduction_slowdown": "the pace lost to shared decisions",
    "projects.compliance_effort": "the effort of an assigned team member who does not practise",
    "invitations.acceptance": "the chance an invited person attends",
    "mindset.adoption_rate": "the pace at which exposed people adopt",
    "sponsorship.orphan_failure": "the chance a project fails when its sponsor leaves",
}

OUTCOME_LABELS = {
    "projects_started": "projects started",
    "projects_completed": "projects completed",
    "projects_after_programme": "projects started after the programme",
    "adopters": "people practising system leadership",
    "people_reached": "people reached",
    "working_ties": "working ties",
    "cross_sector_tie_share": "share of working ties that cross sectors",
    "active_people": "people active in the last week",
    "post_programme_activity": "people taking part each week after the programme",
    "cross_sector_referrals": "cross-sector referrals",
    "projects_commissioned": "projects commissioned",
}

_SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b|\b[a-z_]+\.[a-z_]+\b")


# --------------------------------------------------------------------------
# Plain labels and numbers
# --------------------------------------------------------------------------


def parameter_label(path: str) -> str:
    """A plain label of a parameter for sentences ("staff turnover"): :data:`PARAMETER_LABELS`, a sector's share
    (``population.shares.vcs`` -> "the voluntary sector's share of people"), else the registry's description
    without its asides; never a dotted or snake_case name."""
    if path in PARAMETER_LABELS:
        return PARAMETER_LABELS[path]
    parts = path.split(".")
    if len(parts) == 3 and parts[:2] == ["population", "shares"]:
        from ..sectors import SECTOR_LABELS

        sector = re.sub(r"\s*\([^)]*\)", "", SECTOR_LABELS.get(parts[2], parts[2].replace("_", " ")))
        sector = sector.replace("&", "and").strip()
        return f"the {sector[:1].lower()}{sector[1:]} sector's share of people"
    try:
        doc = spec_for(path).spec.doc
    except ConfigError:
        doc = ""
    text = re.split(r"[;:]", re.sub(r"\s*\([^)]*\)", "", doc))[0].strip()
    if not text or _SNAKE.search(text):
        text = parts[-1].replace("_", " ")
    return text


def outcome_label(metric: str) -> str:
    """'projects started' for ``projects_started`` (lower case, for the middle of a sentence)."""
    return OUTCOME_LABELS.get(metric, metric.replace("_", " "))


def plain_id(text: str) -> str:
    """A box id or question with its outcome in plain words, for figures ("top-down better: post programme
    activity, box 1" -> "top-down better: people taking part each week after the programme, box 1")."""
    m = re.match(r"^(?P<who>.+) better: (?P<outcome>.+?)(?P<box>, box \d+)?$", text)
    if not m or m.group("outcome").replace(" ", "_") not in OUTCOME_LABELS:
        return text
    return f"{m.group('who')} better: {outcome_label(m.group('outcome').replace(' ', '_'))}{m.group('box') or ''}"


def _number(v: float) -> str:
    if not math.isfinite(v):
        return "n/a"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a == 0:
        return "0"
    digits = max(0, 2 - math.floor(math.log10(a)))
    text = f"{v:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _percent(v: float) -> str:
    p = 100 * v
    if abs(p) >= 10 or p == 0:
        return f"{p:.0f}%"
    return f"{_number(p)}%"


def value_text(path: str, value: float) -> tuple[str, str]:
    """``(number, unit)`` of a parameter's value for prose: shares and chances as percentages, weekly rates
    "a week", people as whole numbers (``("0.4%", " a week")`` for turnover 0.004)."""
    try:
        info = spec_for(path)
        unit, hi = info.spec.unit, info.spec.hi
        whole = isinstance(info.default, int) and not isinstance(info.default, bool)
    except ConfigError:
        unit, hi, whole = "", None, False
    value = float(value)
    if unit in ("share", "probability") or (unit == "per week" and hi is not None and hi <= 1):
        return _percent(value), " a week" if unit == "per week" else ""
    if whole:
        text = f"{round(value):,}"
    else:
        text = _number(value)
    if unit == "people":
        return text, " people"
    if unit == "hours per week":
        return text, " hours a week"
    if unit in ("", "0-1", "trust", "x"):
        return text, ""
    return text, f" {unit}"


def limit_text(path: str, low: float, high: float, sampled: tuple[float, float] | None = None) -> str:
    """ "staff turnover is 0.2% to 0.6% a week"; with the sampled range, a limit at its end reads "at most" or
    "at least"."""
    lo_t, unit = value_text(path, low)
    hi_t, _ = value_text(path, high)
    label = parameter_label(path)
    if sampled is not None:
        at_low = math.isclose(low, sampled[0], rel_tol=1e-9, abs_tol=1e-12)
        at_high = math.isclose(high, sampled[1], rel_tol=1e-9, abs_tol=1e-12)
        if at_low and not at_high:
            return f"{label} is at most {hi_t}{unit}"
        if at_high and not at_low:
            return f"{label} is at least {lo_t}{unit}"
    return f"{label} is {lo_t} to {hi_t}{unit}"


def describe_boxes(boxes: pd.DataFrame, *, ranges: Mapping[str, Sequence[float]] | None = None) -> list[str]:
    """One plain-English sentence per box of a ``boxes.csv`` table, with its limits, coverage and density.

    Pure: reads only ``boxes`` (columns :data:`COLUMNS`) and, optionally, the sampled ``ranges`` (dotted path ->
    (low, high)), with which a limit at the end of its range reads "at most"/"at least". Parameters are named by
    plain labels (:func:`parameter_label`), never by their dotted or snake_case names."""
    missing = [c for c in COLUMNS if c not in boxes.columns]
    if missing:
        raise ValueError(f"boxes need the columns {', '.join(COLUMNS)}; missing {', '.join(missing)}")
    out = []
    for box_id, part in boxes.groupby("box", sort=False):
        limits = []
        for r in part.itertuples(index=False):
            if not isinstance(r.parameter, str) or not r.parameter:
                continue
            rng = ranges.get(r.parameter) if ranges else None
            limits.append(
                limit_text(
                    r.parameter,
                    float(r.low),
                    float(r.high),
                    (float(rng[0]), float(rng[1])) if rng is not None else None,
                )
            )
        cov, den = float(part["coverage"].iloc[0]), float(part["density"].iloc[0])
        m = BOX_ID.match(str(box_id))
        where = " and ".join(limits) if limits else "anywhere in the sampled ranges"
        if m:
            who, outcome, k = m.group("who"), m.group("outcome"), m.group("k")
            outcome = (
                outcome_label(outcome.replace(" ", "_")) if outcome.replace(" ", "_") in OUTCOME_LABELS else outcome
            )
            head = f"{who[:1].upper()}{who[1:]} does better on {outcome} (box {k}) where {where}"
            tail = (
                f": {who} does better at {_percent(den)} of the sampled points in this box (density), and the "
                f"box holds {_percent(cov)} of all the points where {who} does better (coverage)."
            )
        else:
            head = f"{box_id}: where {where}"
            tail = (
                f": {_percent(den)} of the sampled points in this box are cases (density), and the box holds "
                f"{_percent(cov)} of all the cases (coverage)."
            )
        out.append(head + tail)
    return out


# --------------------------------------------------------------------------
# PRIM
# --------------------------------------------------------------------------


@dataclass
class Box:
    """A box kept by :func:`find_boxes`: the limits of its restricted parameters and its statistics."""

    limits: dict[str, tuple[float, float]]  # restricted parameters only (unrestricted ends: the data's range)
    coverage: float  # share of all the cases that fall in the box
    density: float  # share of the box's points that are cases (among the points not in an earlier box)
    mass: float  # share of all the points in the box
    points: int
    cases: int
    trajectory: pd.DataFrame  # PRIM's peeling and pasting trajectory (coverage, density, mass, res_dim)
    chosen: int  # the trajectory entry (candidate) whose pruned box was kept
    dropped: list[str] = field(default_factory=list)  # ends relaxed for their quasi-p-values
    searched_density: float = math.nan  # share of cases among the points this box was searched in


@dataclass
class Search:
    """What PRIM found for one question: the boxes, and why the search stopped."""

    n: int
    cases: int
    boxes: list[Box]
    note: str = ""
    trajectory: pd.DataFrame | None = None  # PRIM's peeling trajectory for the first box, kept or not

    @property
    def base_rate(self) -> float:
        return self.cases / self.n if self.n else math.nan


def _prim_module():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="ipyparallel not installed", category=UserWarning)
        try:
            from ema_workbench.analysis import prim
        except ModuleNotFoundError:  # pragma: no cover - the ema extra not installed
            raise ConfigError(
                "discover needs the EMA Workbench: pip install -e '.[ema]' (ema_workbench 3.0.0)"
            ) from None
    return prim


def _restricted(box_lim: pd.DataFrame, box_init: pd.DataFrame) -> list[str]:
    return [c for c in box_init.columns if not np.array_equal(box_lim[c].to_numpy(), box_init[c].to_numpy())]


def _prune(
    xr: np.ndarray,
    yr: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    lo0: np.ndarray,
    hi0: np.ndarray,
    names: Sequence[str],
    alpha: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Relax the weakest restricted end of the box ``[lo, hi]`` (back to the data's range ``[lo0, hi0]``) until the
    quasi-p-value of every end left is at most ``alpha``. ``xr``, ``yr``: the points PRIM searched and their flags.

    The quasi-p-value of an end is EMA's (``scenario_discovery_util._calculate_quasip``, Bryant and Lempert 2010):
    the one-sided binomial probability of at least the box's cases among its points if the box were as dense as
    the box with that end relaxed. Returns ``(lo, hi, inside, relaxed ends)``."""
    from scipy.stats import binom

    lo, hi = lo.copy(), hi.copy()
    dropped: list[str] = []
    while True:
        inside = ((xr >= lo) & (xr <= hi)).all(axis=1)
        t, h = int(inside.sum()), int(yr[inside].sum())
        weak = []
        for j, name in enumerate(names):
            for side, (cur, free) in enumerate(((lo[j], lo0[j]), (hi[j], hi0[j]))):
                if cur == free:
                    continue
                lo2, hi2 = lo.copy(), hi.copy()
                (lo2 if side == 0 else hi2)[j] = free
                wider = ((xr >= lo2) & (xr <= hi2)).all(axis=1)
                qp = float(binom.sf(h - 1, t, yr[wider].sum() / wider.sum()))
                if qp > alpha:
                    weak.append((qp, str(name), side, j))
        if not weak:
            return lo, hi, inside, dropped
        _, name, side, j = max(weak)
        if side == 0:
            lo[j] = lo0[j]
        else:
            hi[j] = hi0[j]
        dropped.append(f"{name} ({'low' if side == 0 else 'high'} end)")


def find_boxes(
    x: pd.DataFrame,
    y: np.ndarray | Sequence[bool],
    *,
    max_boxes: int = DEFAULT_MAX_BOXES,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    min_cases: int = MIN_CASES,
    alpha: float = ALPHA,
    peel_alpha: float = PEEL_ALPHA,
    mass_min: float = MASS_MIN,
) -> Search:
    """PRIM (``ema_workbench.analysis.prim.Prim``) on numeric ``x`` and boolean ``y``, boxes chosen and pruned as
    the module's docstring says. Deterministic: the same data give the same boxes."""
    prim = _prim_module()
    x = pd.DataFrame(x).reset_index(drop=True).astype(np.float64)
    y = np.asarray(y, dtype=bool)
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(f"y must be one flag per row of x ({len(x)}), not shape {y.shape}")
    n, cases = len(y), int(y.sum())
    if cases < min_cases:
        return Search(n, cases, [], f"only {cases} of {n} points are cases (fewer than {min_cases}): too few to box")
    if cases == n:
        return Search(n, cases, [], f"every one of the {n} points is a case: no region to find")
    logger = logging.getLogger("EMA")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = prim.Prim(x, y.copy(), peel_alpha=peel_alpha, paste_alpha=peel_alpha, mass_min=mass_min)
            boxes: list[Box] = []
            note = ""
            taken = np.zeros(n, dtype=bool)  # points in a kept box (PRIM searches the rest for the next box)
            first: pd.DataFrame | None = None
            for _ in range(max_boxes):
                left = int(y[~taken].sum())
                if left < max(min_cases, MIN_BOX_COVERAGE * cases):
                    note = note or f"{left} case(s) left outside the boxes: too few for another box"
                    break
                box = p.find_box()
                if box is None:
                    break
                traj = box.peeling_trajectory[["coverage", "density", "mass", "res_dim", "n", "k"]].copy()
                traj = traj.reset_index(drop=True).astype({"res_dim": int, "n": int, "k": int})
                if first is None:
                    first = traj
                searched = float(traj.loc[0, "density"])
                floor = max(min_coverage * left, min_cases, MIN_BOX_COVERAGE * cases) - 1e-9
                # every candidate on the trajectory, pruned: relax its weakest restricted end until every end left is
                # supported; keep the densest pruned box that still holds enough cases (ties: the larger one)
                found = []  # (density, cases, -candidate, lo, hi, inside, relaxed ends)
                cols = list(p.box_init.columns)
                lo0 = p.box_init.loc[0, cols].to_numpy(dtype=np.float64)
                hi0 = p.box_init.loc[1, cols].to_numpy(dtype=np.float64)
                xr = p.x.loc[p.yi_remaining, cols].to_numpy(dtype=np.float64)
                yr = y[p.yi_remaining]
                floor_density = max(searched, cases / n) + 1e-12
                for i in range(len(traj)):
                    if traj.loc[i, "k"] < floor:
                        continue
                    lims = box.box_lims[i]
                    lo, hi, inside, dropped = _prune(
                        xr,
                        yr,
                        lims.loc[0, cols].to_numpy(dtype=np.float64),
                        lims.loc[1, cols].to_numpy(dtype=np.float64),
                        lo0,
                        hi0,
                        cols,
                        alpha,
                    )
                    k, m = int(yr[inside].sum()), int(inside.sum())
                    if ((lo != lo0) | (hi != hi0)).any() and k >= floor and k / m > floor_density:
                        found.append((k / m, k, -i, lo, hi, inside, dropped))
                if not found:
                    note = "no box: no candidate keeps a limit the data support and enough of the cases"
                    break
                _, _, neg_i, lo, hi, inside, dropped = max(found, key=lambda f: f[:3])
                lims = p.box_init.copy()
                lims.loc[0, cols], lims.loc[1, cols] = lo, hi
                box.update(lims, p.yi_remaining[inside])  # the kept box: last on EMA's trajectory, and selected
                cur = box.peeling_trajectory.iloc[box._cur_box]
                density = float(cur["density"])
                restricted = _restricted(lims, p.box_init)
                limits = {c: (float(lims.loc[0, c]), float(lims.loc[1, c])) for c in restricted}
                boxes.append(
                    Box(
                        limits,
                        float(cur["coverage"]),
                        density,
                        float(cur["mass"]),
                        int(cur["n"]),
                        int(cur["k"]),
                        traj,
                        -neg_i,
                        dropped,
                        searched,
                    )
                )
                taken[box.yi] = True
    finally:
        logger.setLevel(level)
    if not boxes and not note:
        note = "no box found"
    return Search(n, cases, boxes, note, first)


def box_rows(
    box_id: str, box: Box, ranges: Mapping[str, tuple[float, float]], order: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The rows of ``boxes.csv`` for one box: a free end of a restricted parameter becomes the end of its sampled
    range (PRIM's initial box is the data's range, a little inside it)."""
    rows = []
    names = [p for p in (order or box.limits) if p in box.limits]
    for path in names:
        lo, hi = box.limits[path]
        r_lo, r_hi = ranges.get(path, (lo, hi))
        rows.append(
            {
                "box": box_id,
                "parameter": path,
                "low": lo,
                "high": hi,
                "coverage": box.coverage,
                "density": box.density,
                "_free_low": r_lo,
                "_free_high": r_hi,
            }
        )
    return rows


# --------------------------------------------------------------------------
# The experiment file
# --------------------------------------------------------------------------


def _fail(source: str, message: str) -> NoReturn:
    raise ConfigError(f"{source}: {message}")


@dataclass
class Discovery:
    """A checked discovery experiment: the sweep it runs and what is asked of its results."""

    experiment: Any  # simulation.sweep.Experiment
    a: str  # scenario names (as resolved)
    b: str
    labels: tuple[str, str]
    outcomes: list[str]
    method: str
    n: int
    ranges: dict[str, tuple[float, float]]
    margin: float = 0.0
    min_coverage: float = DEFAULT_MIN_COVERAGE
    max_boxes: int = DEFAULT_MAX_BOXES
    source: str = "discovery"

    @property
    def runs(self) -> int:
        return int(self.experiment.n_runs())

    def question(self, who: int, outcome: str) -> str:
        """'top-down better: projects started' (the box ids add ', box k'); the outcome is its metric name with
        spaces, so a reader of ``boxes.csv`` can map it back (``post programme activity``)."""
        return f"{self.labels[who]} better: {outcome.replace('_', ' ')}"


def _lever(path: str) -> bool:
    return path.split(".")[0] == LEVER_GROUP


_LEVER_WHY = (
    "a strategy lever defines the two scenarios being compared: sampled or set, it would take the same "
    "value in both and erase part of their difference (compare lever settings with 'syslead decompose')"
)


def _whole(source: str, key: str, value: Any, lo: int, hi: int) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or float(value) != int(value)
        or not lo <= value <= hi
    ):
        _fail(source, f"{key} = {value!r} is not allowed: a whole number from {lo} to {hi}")
    return int(value)


def _fraction(source: str, key: str, value: Any, lo: float, hi: float, *, open_low: bool = False) -> float:
    ok = (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and math.isfinite(value)
        and (lo < value if open_low else lo <= value)
        and value <= hi
    )
    if not ok:
        low = f"above {lo:g}" if open_low else f"from {lo:g}"
        _fail(source, f"{key} = {value!r} is not allowed: a number {low} to {hi:g}")
    return float(value)


def _range(source: str, path: str, rng: Any) -> tuple[float, float]:
    if (
        not isinstance(rng, list | tuple)
        or len(rng) != 2
        or any(isinstance(v, bool) or not isinstance(v, int | float) for v in rng)
    ):
        _fail(source, f"[ranges] '{path}' = {rng!r} must be a range [low, high] of two numbers")
    info = spec_for(path)
    if not isinstance(info.default, int | float) or isinstance(info.default, bool) or info.spec.items is not None:
        _fail(source, f"[ranges] '{path}' is not a single number: only numbers can be sampled")
    try:
        lo, hi = (float(check_number(path, v, info.spec, float)) for v in rng)
    except ConfigError as exc:
        _fail(source, f"[ranges] '{path}' = {list(rng)!r}: {exc}")
    if not lo < hi:
        _fail(source, f"[ranges] '{path}' = {list(rng)!r} is not a range: low must be below high")
    return lo, hi


def load_discovery(source: str | Path | Mapping[str, Any]) -> Discovery:
    """Read and check a discovery experiment (a TOML file or a dict in the same layout). Raises
    :class:`ConfigError` with one line naming the field and what is allowed; nothing is run or written."""
    from .. import ema
    from ..metrics import SUMMARY_METRICS
    from ..sweep import Experiment, Sample
    from .replay import programme_end
    from .report import PERSISTENCE_METRICS

    root = None
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise ConfigError(
                f"{path}: no such experiment file (give the path of a discovery TOML file, e.g. "
                "experiments/discovery.toml)"
            )
        data, where, root = load_toml(path), str(path), path.parent
    elif isinstance(source, Mapping):
        data, where = dict(source), "discovery"
    else:
        raise TypeError(f"load_discovery needs a path or a dict, not {type(source).__name__}")
    for k in data:
        if k not in TABLES:
            _fail(where, f"unknown table [{k}]{suggest(str(k), TABLES)}: allowed {', '.join(TABLES)}")
    for table in TABLES:
        if table in data and not isinstance(data[table], Mapping):
            _fail(where, f"[{table}] must be a table")
    exp = dict(data.get("experiment") or {})
    if "experiment" not in data:
        _fail(where, "missing [experiment] table (name, weeks, replicates, seed, scenarios)")
    for k in exp:
        if k not in EXPERIMENT_KEYS:
            _fail(
                where,
                f"unknown key 'experiment.{k}'{suggest(str(k), EXPERIMENT_KEYS)}: allowed {', '.join(EXPERIMENT_KEYS)}",
            )
    if "name" not in exp:
        _fail(where, "experiment.name is missing: give the experiment a name")
    scen = exp.get("scenarios")
    if not isinstance(scen, list) or len(scen) != 2:
        _fail(
            where,
            f"experiment.scenarios = {scen!r} is not allowed: exactly two scenarios (names or TOML "
            "files), the first compared with the second",
        )
    disc = dict(data.get("discover") or {})
    if "discover" not in data:
        _fail(where, f"missing [discover] table ({', '.join(DISCOVER_KEYS[:4])}, ...)")
    for k in disc:
        if k not in DISCOVER_KEYS:
            _fail(
                where, f"unknown key 'discover.{k}'{suggest(str(k), DISCOVER_KEYS)}: allowed {', '.join(DISCOVER_KEYS)}"
            )
    for k in ("outcomes", "n"):
        if k not in disc:
            _fail(
                where,
                f"discover.{k} is missing"
                + (
                    ': name the outcomes to explain, e.g. ["projects_started"]'
                    if k == "outcomes"
                    else ": the number of sampled points"
                ),
            )

    # [set]: fixed for both scenarios, never a lever
    sets = dict(data.get("set") or {})
    from ..sweep.experiment import _flatten

    sets = _flatten(sets)
    for p in sets:
        if _lever(p):
            _fail(where, f"[set] '{p}' is not allowed: {_LEVER_WHY}")

    # what is sampled
    method = disc.get("method", "lhs")
    if method not in METHODS:
        _fail(
            where,
            f"discover.method = {method!r} is not allowed{suggest(str(method), METHODS)}: allowed {', '.join(METHODS)}",
        )
    n = _whole(where, "discover.n", disc["n"], MIN_POINTS, MAX_POINTS)
    context_ranges = ema.context_parameters()
    ranges: dict[str, tuple[float, float]] = {}
    context = disc.get("context", [])
    if isinstance(context, str) or not isinstance(context, list):
        _fail(where, f"discover.context = {context!r} must be a list of parameter paths")
    for p in context:
        if not isinstance(p, str):
            _fail(where, f"discover.context: {p!r} is not a parameter path")
        try:
            check_path(p)
        except ConfigError as exc:
            _fail(where, f"discover.context: {exc}")
        if _lever(p):
            _fail(where, f"discover.context: '{p}' is not allowed: {_LEVER_WHY}")
        if p not in context_ranges:
            _fail(
                where,
                f"discover.context: '{p}' has no registry range to sample (its allowed range "
                f"{spec_for(p).spec.allowed()} is not a useful one): give it a range in [ranges]",
            )
        if p in ranges:
            _fail(where, f"discover.context lists '{p}' twice")
        ranges[p] = context_ranges[p]
    narrowed = _flatten(dict(data.get("ranges") or {}))
    for p, rng in narrowed.items():
        try:
            check_path(p)
        except ConfigError as exc:
            _fail(where, f"[ranges] {exc}")
        if _lever(p):
            _fail(where, f"[ranges] '{p}' is not allowed: {_LEVER_WHY}")
        ranges[p] = _range(where, p, rng)
    if not ranges:
        _fail(where, "nothing to sample: list context parameters in discover.context or give ranges in [ranges]")
    for p in ranges:
        if p in sets:
            _fail(where, f"'{p}' is both sampled and fixed in [set]: keep it in one of them")

    # the sweep: the engine checks the experiment keys, scenarios and every sampled point
    sample = Sample(METHODS[method], n, ranges)
    try:
        experiment = Experiment(
            exp["name"],
            exp.get("weeks", 156),
            exp.get("replicates", 1),
            exp.get("seed", 0),
            tuple(scen),  # Experiment keeps its scenarios as a tuple
            sets,
            {},
            sample,
            source=where,
            root=root,
        )
    except ConfigError:
        raise
    a, b = experiment.resolved_scenarios
    labels = disc.get("labels", [a, b])
    if (
        not isinstance(labels, list)
        or len(labels) != 2
        or any(not isinstance(s, str) or not s.strip() or len(s) > 40 or "," in s or ":" in s for s in labels)
        or labels[0] == labels[1]
    ):
        _fail(
            where,
            f"discover.labels = {labels!r} is not allowed: two different names (1-40 characters, no "
            "commas or colons), one per scenario",
        )
    margin = _fraction(where, "discover.margin", disc.get("margin", 0.0), 0.0, 10.0)
    min_cov = _fraction(
        where, "discover.min_coverage", disc.get("min_coverage", DEFAULT_MIN_COVERAGE), 0.0, 1.0, open_low=True
    )
    max_boxes = _whole(where, "discover.max_boxes", disc.get("max_boxes", DEFAULT_MAX_BOXES), 1, MAX_BOXES)

    outcomes = disc["outcomes"]
    if isinstance(outcomes, str) or not isinstance(outcomes, list) or not outcomes:
        _fail(where, f"discover.outcomes = {outcomes!r} must be a non-empty list of outcome names")
    seen: list[str] = []
    end = min(programme_end(sc.params(sets)) for sc in experiment.resolved_scenarios.values())
    for m in outcomes:
        if m not in SUMMARY_METRICS:
            _fail(
                where,
                f"discover.outcomes: {m!r} is not an outcome{suggest(str(m), SUMMARY_METRICS)}: allowed "
                f"{', '.join(SUMMARY_METRICS)}",
            )
        if m in seen:
            _fail(where, f"discover.outcomes lists {m!r} twice")
        if m in PERSISTENCE_METRICS and experiment.weeks <= end:
            _fail(
                where,
                f"discover.outcomes: {m!r} is measured after the programme ends (week {end}) but "
                f"experiment.weeks = {experiment.weeks}: allowed with weeks above {end}",
            )
        seen.append(m)
    # every sampled point valid for both scenarios (checked here so that nothing is written for a bad one)
    from ..sweep import make_plan

    make_plan(experiment)
    return Discovery(
        experiment,
        a,
        b,
        (labels[0].strip(), labels[1].strip()),
        seen,
        method,
        n,
        ranges,
        margin,
        min_cov,
        max_boxes,
        where,
    )


# --------------------------------------------------------------------------
# From runs to points to boxes
# --------------------------------------------------------------------------


def paired_points(
    runs: pd.DataFrame,
    manifest_runs: Sequence[Mapping[str, Any]],
    points: Sequence[Mapping],
    a: str,
    b: str,
    outcomes: Sequence[str],
) -> pd.DataFrame:
    """One row per sampled point: ``point``, the sampled values, and per outcome ``<outcome>.<a>``,
    ``<outcome>.<b>`` (means over the replicates) and ``<outcome>.difference`` (the mean of the paired
    differences, a minus b, replicate by replicate)."""
    where = {r["run_id"]: r["point"] for r in manifest_runs}
    df = runs.copy()
    df["point"] = df["run_id"].map(where)
    if df["point"].isna().any():
        raise ConfigError("runs.parquet holds runs that are not in the manifest: not this discovery's folder")
    n = len(points)
    table = pd.DataFrame(list(points))
    table.insert(0, "point", np.arange(n))
    for m in outcomes:
        wide = df.pivot_table(index=["point", "replicate"], columns="scenario", values=m, aggfunc="first")
        if a not in wide.columns or b not in wide.columns or wide[[a, b]].isna().any().any():
            raise ConfigError(
                f"the runs do not hold every point and replicate of both '{a}' and '{b}': finish the sweep first"
            )
        diff = (wide[a] - wide[b]).groupby(level="point").mean()
        mean = wide[[a, b]].groupby(level="point").mean()
        if len(diff) != n:
            raise ConfigError(f"the runs hold {len(diff)} of the design's {n} points: finish the sweep first")
        table[f"{m}.{a}"] = mean[a].to_numpy()
        table[f"{m}.{b}"] = mean[b].to_numpy()
        table[f"{m}.difference"] = diff.to_numpy()
    return table


def better(table: pd.DataFrame, outcome: str, a: str, b: str, margin: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``(a_better, b_better)`` per point: one scenario's mean exceeds the other's by more than ``margin`` times
    the other's value (by any amount when ``margin`` is 0); a tie is neither."""
    va = table[f"{outcome}.{a}"].to_numpy(dtype=float)
    vb = table[f"{outcome}.{b}"].to_numpy(dtype=float)
    d = table[f"{outcome}.difference"].to_numpy(dtype=float)
    return (d > 0) & (d > margin * np.abs(vb)), (d < 0) & (-d > margin * np.abs(va))


@dataclass
class Question:
    who: int  # 0: the first scenario better, 1: the second
    outcome: str
    question: str
    search: Search


@dataclass
class Result:
    out: Path
    discovery: Discovery
    points: pd.DataFrame
    boxes: pd.DataFrame
    questions: list[Question]
    files: list[Path]
    seconds: float = 0.0
    engine: str = ""
    ran: int = 0
    skipped: int = 0


def analyse_points(d: Discovery, points: pd.DataFrame) -> tuple[pd.DataFrame, list[Question]]:
    """``(boxes table, questions)`` from the paired points: PRIM for each outcome, both ways."""
    params = list(d.ranges)
    x = points[params]
    rows: list[dict[str, Any]] = []
    questions = []
    for outcome in d.outcomes:
        flags = better(points, outcome, d.a, d.b, d.margin)
        for who in (0, 1):
            q = d.question(who, outcome)
            search = find_boxes(x, flags[who], max_boxes=d.max_boxes, min_coverage=d.min_coverage)
            questions.append(Question(who, outcome, q, search))
            for k, box in enumerate(search.boxes, start=1):
                for row in box_rows(f"{q}, box {k}", box, d.ranges, params):
                    rows.append(row)
    table = pd.DataFrame(rows, columns=[*COLUMNS, "_free_low", "_free_high"])
    if len(table):  # an end PRIM left free (at the data's extreme) is the end of the sampled range
        lo_free = table["low"].to_numpy() == np.array([points[p].min() for p in table["parameter"]], dtype=float)
        hi_free = table["high"].to_numpy() == np.array([points[p].max() for p in table["parameter"]], dtype=float)
        table.loc[lo_free, "low"] = table.loc[lo_free, "_free_low"]
        table.loc[hi_free, "high"] = table.loc[hi_free, "_free_high"]
    return table[list(COLUMNS)].reset_index(drop=True), questions


def _meta(d: Discovery, points: pd.DataFrame, questions: Sequence[Question]) -> dict[str, Any]:
    from ..run import version

    return {
        "name": d.experiment.name,
        "scenarios": [d.a, d.b],
        "labels": list(d.labels),
        "outcomes": d.outcomes,
        "method": d.method,
        "n": d.n,
        "points": len(points),
        "replicates": int(d.experiment.replicates),
        "weeks": int(d.experiment.weeks),
        "seed": int(d.experiment.seed),
        "set": dict(d.experiment.set),
        "ranges": {p: list(r) for p, r in d.ranges.items()},
        "labels_of_parameters": {p: parameter_label(p) for p in d.ranges},
        "settings": {
            "margin": d.margin,
            "min_coverage": d.min_coverage,
            "max_boxes": d.max_boxes,
            "min_cases": MIN_CASES,
            "min_box_coverage": MIN_BOX_COVERAGE,
            "alpha": ALPHA,
            "peel_alpha": PEEL_ALPHA,
            "mass_min": MASS_MIN,
        },
        "questions": [
            {
                "question": q.question,
                "outcome": q.outcome,
                "scenario": [d.a, d.b][q.who],
                "cases": q.search.cases,
                "points": q.search.n,
                "base_rate": q.search.base_rate,
                "note": q.search.note,
                "boxes": [
                    {
                        "box": f"{q.question}, box {k}",
                        "limits": {p: list(v) for p, v in b.limits.items()},
                        "coverage": b.coverage,
                        "density": b.density,
                        "mass": b.mass,
                        "points": b.points,
                        "cases": b.cases,
                        "searched_density": b.searched_density,
                        "chosen": b.chosen,
                        "dropped": b.dropped,
                        "trajectory": b.trajectory.to_dict("list"),
                    }
                    for k, b in enumerate(q.search.boxes, start=1)
                ],
            }
            for q in questions
        ],
        "version": version(),
    }


def analyse(
    out: str | Path, d: Discovery, *, draw: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame, list[Question], list[Path]]:
    """Read the finished sweep in ``out``; write ``points.csv``, ``boxes.csv``, ``discovery.json`` and the
    figures. Returns ``(points, boxes, questions, files)``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..files import atomic_path, write_text
    from ..sweep import Store, make_plan

    out = Path(out)
    store = Store(out)
    manifest = store.read_manifest()
    if manifest is None:
        raise ConfigError(f"{out} holds no sweep (manifest.json is missing)")
    try:
        runs = pq.read_table(store.runs_path, columns=["run_id", "scenario", "replicate", *d.outcomes]).to_pandas()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ConfigError(f"{store.runs_path} cannot be read as a discovery's runs: {exc}") from None
    plan = make_plan(d.experiment, validate=False)
    points = paired_points(runs, [r.to_dict() for r in plan.runs], plan.points, d.a, d.b, d.outcomes)
    bad = [m for m in d.outcomes if not np.isfinite(points[f"{m}.difference"]).all()]
    if bad:
        raise ConfigError(
            f"outcome(s) {', '.join(bad)} are not numbers in some runs: leave them out of discover.outcomes"
        )
    boxes, questions = analyse_points(d, points)
    meta = _meta(d, points, questions)
    figures = (
        [(BOXES_PNG, figure_boxes(boxes, d.ranges, questions, d.labels)), (PEELING_PNG, figure_peeling(questions, d))]
        if draw
        else []
    )  # drawn before anything is written
    files = [out / POINTS_CSV, out / BOXES_CSV, out / DISCOVERY_JSON]
    write_text(files[0], points.to_csv(index=False))
    write_text(files[1], boxes.to_csv(index=False))
    write_text(files[2], json.dumps(meta, indent=1, default=float) + "\n")
    for name, fig in figures:
        with atomic_path(out / name) as tmp:
            fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
        files.append(out / name)
    return points, boxes, questions, files


def run_discovery(
    source: str | Path | Mapping[str, Any],
    out: str | Path,
    *,
    workers: int | None = None,
    dask: str | None = None,
    executor: Any = None,
    progress: bool = True,
    draw: bool = True,
) -> Result:
    """Check the experiment, run (or resume) its sweep into ``out``, and write the discovery's files.

    Everything is checked before anything is written (:class:`ConfigError`); a folder holding another
    experiment, or a damaged one, is refused by the sweep engine and left as it is."""
    from ..sweep import run_experiment
    from ..sweep.runner import _check_engine

    d = load_discovery(source)
    _check_engine(workers, dask, executor)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {str(out)!r} exists and is not a folder")
    _prim_module()  # the EMA Workbench is there before anything runs
    t0 = time.perf_counter()
    report: list = []
    run_experiment(d.experiment, out, workers=workers, dask=dask, executor=executor, progress=progress, report=report)
    points, boxes, questions, files = analyse(out, d, draw=draw)
    r = report[0]
    return Result(out, d, points, boxes, questions, files, time.perf_counter() - t0, r.engine, r.ran, r.skipped)


def load_boxes(path: str | Path) -> pd.DataFrame:
    """``boxes.csv`` (from a folder or the file's path) as a table; ConfigError if it is missing or not one."""
    path = Path(path)
    csv = path / BOXES_CSV if path.is_dir() else path
    try:
        table = pd.read_csv(csv)
    except FileNotFoundError:
        raise ConfigError(f"{csv} does not exist: run 'syslead discover' into that folder") from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ConfigError(f"{csv} cannot be read: {exc}") from None
    if tuple(table.columns) != COLUMNS:
        raise ConfigError(f"{csv} is not a discovery's boxes: columns must be {', '.join(COLUMNS)}")
    return table


# --------------------------------------------------------------------------
# Plain-English summary
# --------------------------------------------------------------------------


def summary_lines(d: Discovery, questions: Sequence[Question], boxes: pd.DataFrame) -> list[str]:
    """Per outcome: how often each scenario does better, then a sentence per box (or why there is none)."""
    lines = []
    sentences = dict(zip(dict.fromkeys(boxes["box"]), describe_boxes(boxes, ranges=d.ranges)))
    for outcome in d.outcomes:
        qs = [q for q in questions if q.outcome == outcome]
        n = qs[0].search.n
        counts = "; ".join(
            f"{d.labels[q.who]} does better at {q.search.cases} of {n} points ({_percent(q.search.base_rate)})"
            for q in qs
        )
        margin = f" (by more than {_percent(d.margin)})" if d.margin else ""
        lines.append(f"{outcome_label(outcome)[:1].upper()}{outcome_label(outcome)[1:]}{margin}: {counts}.")
        for q in qs:
            ids = [f"{q.question}, box {k}" for k in range(1, len(q.search.boxes) + 1)]
            for box_id in ids:
                lines.append(f"  {sentences[box_id]}")
            if not ids:
                lines.append(
                    f"  {d.labels[q.who][:1].upper()}{d.labels[q.who][1:]} better on "
                    f"{outcome_label(outcome)}: {q.search.note}."
                )
    return lines


# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------


def _short(path: str, width: int = 38) -> str:
    label = parameter_label(path)
    label = label[:1].upper() + label[1:]
    return "\n".join(textwrap.wrap(label, width)) or path


def figure_boxes(
    boxes: pd.DataFrame, ranges: Mapping[str, tuple[float, float]], questions: Sequence[Question], labels: Sequence[str]
) -> Figure:
    """One panel per box: each limit as a bar inside its parameter's sampled range (0 = the range's low end, 1 its
    high end), the numbers at the ends; the title names the box with its coverage and density."""
    import matplotlib

    from .figures import OKABE_ITO, STYLE, _figure

    ids = list(dict.fromkeys(boxes["box"]))
    with matplotlib.rc_context({**STYLE, "axes.grid": False}):
        if not ids:
            fig = _figure(9, 2.4)
            ax = fig.subplots()
            ax.axis("off")
            text = "\n".join(textwrap.fill(f"{plain_id(q.question)}: {q.search.note}", 90) for q in questions[:6])
            ax.text(0.5, 0.5, f"No box.\n{text}", ha="center", va="center", fontsize=11)
            return fig
        heights = [max(1, int((boxes["box"] == i).sum())) for i in ids]
        fig = _figure(11, sum(0.75 * h + 1.3 for h in heights) + 0.6)
        axes = np.atleast_1d(fig.subplots(len(ids), 1, squeeze=False, height_ratios=[h + 1.6 for h in heights])).ravel()
        for ax, box_id in zip(axes, ids):
            part = boxes[boxes["box"] == box_id]
            who = 0 if box_id.startswith(f"{labels[0]} better:") else 1
            colour = OKABE_ITO[who]
            pos = np.arange(len(part))[::-1]
            for y, r in zip(pos, part.itertuples(index=False)):
                lo_r, hi_r = ranges.get(r.parameter, (r.low, r.high))
                span = (hi_r - lo_r) or 1.0
                a, b = (r.low - lo_r) / span, (r.high - lo_r) / span
                ax.barh(y, 1.0, left=0.0, height=0.6, color="#DDDDDD", edgecolor="#999999")
                ax.barh(y, b - a, left=a, height=0.6, color=colour, hatch="//" if who else None, edgecolor="#333333")
                lo_t, unit = value_text(r.parameter, r.low)
                hi_t, _ = value_text(r.parameter, r.high)
                ax.text(a, y + 0.38, lo_t, ha="left" if a < 0.15 else "right", va="bottom", fontsize=10)
                ax.text(b, y + 0.38, f"{hi_t}{unit}", ha="right" if b > 0.85 else "left", va="bottom", fontsize=10)
            ax.set_yticks(pos, [_short(p) for p in part["parameter"]], fontsize=10)
            ax.set_xlim(-0.08, 1.08)
            ax.set_ylim(-0.7, len(part) - 0.1)
            ax.set_xticks([0, 1], ["low end of\nsampled range", "high end of\nsampled range"], fontsize=10)
            ax.tick_params(axis="y", length=0)
            cov, den = part["coverage"].iloc[0], part["density"].iloc[0]
            ax.set_title(
                f"{plain_id(box_id)}\ncoverage {_percent(cov)}, density {_percent(den)}", fontsize=12, loc="left"
            )
        fig.suptitle("Where each strategy does better: the limits of each box (grey: the sampled range)", fontsize=13)
    return fig


def figure_peeling(questions: Sequence[Question], d: Discovery) -> Figure:
    """One panel per question: PRIM's peeling trajectory of its first box (coverage against density), the
    chosen box ringed, the kept box (after dropping weak restrictions) as a diamond, the base rate dashed."""
    import matplotlib

    from .figures import OKABE_ITO, STYLE, _figure

    outcomes = d.outcomes
    with matplotlib.rc_context(STYLE):
        fig = _figure(11, 3.6 * len(outcomes) + 0.8)
        axes = np.atleast_2d(fig.subplots(len(outcomes), 2, squeeze=False, sharex=True, sharey=True))
        for q in questions:
            ax = axes[outcomes.index(q.outcome), q.who]
            colour = OKABE_ITO[q.who]
            ax.axhline(
                q.search.base_rate,
                color="#555555",
                ls="--",
                lw=1.2,
                label=f"all points ({_percent(q.search.base_rate)})",
            )
            t = q.search.trajectory  # peeling and pasting, before weak limits were relaxed
            if t is not None:
                ax.plot(t["coverage"], t["density"], "-o", color=colour, ms=4, lw=1.5, label="peeling trajectory")
            if q.search.boxes:
                assert t is not None  # find_boxes keeps the first trajectory before it keeps a box
                b = q.search.boxes[0]
                ax.plot(
                    t["coverage"].iloc[b.chosen],
                    t["density"].iloc[b.chosen],
                    "o",
                    ms=13,
                    mfc="none",
                    mec="#000000",
                    mew=1.8,
                    label="candidate chosen",
                )
                ax.plot(b.coverage, b.density, "D", ms=9, color="#000000", label="box kept (weak limits relaxed)")
            else:
                ax.text(
                    0.5,
                    0.5,
                    textwrap.fill(q.search.note, 40),
                    ha="center",
                    va="center",
                    fontsize=10,
                    transform=ax.transAxes,
                    bbox={"facecolor": "white", "edgecolor": "#999999"},
                )
            ax.set_title(
                f"{textwrap.fill(plain_id(q.question), 48)}\n({q.search.cases} of {q.search.n} points)", fontsize=11
            )
            ax.set_xlim(0, 1.02)
            ax.set_ylim(0, 1.05)
            ax.legend(fontsize=9, loc="lower left")
        for ax in axes[-1]:
            ax.set_xlabel("coverage (share of the cases in the box)")
        for ax in axes[:, 0]:
            ax.set_ylabel("density (share of\nthe box that are cases)")
        fig.suptitle("PRIM's peeling trajectories: each step peels 5% of the points off the box", fontsize=13)
    return fig


__all__ = [
    "COLUMNS",
    "Box",
    "Discovery",
    "Search",
    "analyse",
    "analyse_points",
    "better",
    "describe_boxes",
    "find_boxes",
    "load_boxes",
    "load_discovery",
    "outcome_label",
    "paired_points",
    "parameter_label",
    "run_discovery",
    "summary_lines",
    "value_text",
]

"""The case's stylised facts as targets that can fail: one registry, used by ``syslead facts`` and the ABC.

Each :class:`Fact` is a sentence of the South Manchester case study (or, for
one, of the modelling brief), quoted; a plain-language label; two-sided
bounds on one number measured from a run; the reason for the bounds; and
how the number is measured from the run's summary metrics and weekly time
series (:func:`Fact.measure` on a :class:`RunView`). The model's value of a
fact is the mean of that number over seeds (or replicates), and the fact
holds when the mean lies in ``[low, high]``.

The facts are data: :data:`FACTS` is the only list. ``syslead facts``
(:func:`evaluate`, :func:`run_seeds`) prints and writes them for one
scenario and a set of seeds; the rejection ABC in
:mod:`simulation.validation.calibration` measures the same facts on every
point of a prior sweep (:func:`measure_table`) and scores a miss by how far
outside the bounds it falls, in units of the bounds' width
(:meth:`Fact.miss`).

The bounds and their reasons are in docs/calibration.md ("The facts").
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..config import ConfigError, Params
from ..sectors import SECTORS, VCS_INDEX

if TYPE_CHECKING:
    import numpy.typing as npt


PROGRAMME_WEEKS = 104  # the case's two funded years (2016-2018)
FOLLOW_UP_WEEK = 156  # a year after the funding ended
TEN_YEARS = 520


@dataclass(frozen=True)
class RunView:
    """What a fact may read from one run: its summary metrics, its weekly time series (indexed by week) and the
    parameters it ran with."""

    metrics: Mapping[str, float]
    timeseries: pd.DataFrame
    params: Params

    def at(self, column: str, week: int) -> float:
        """The time series' ``column`` at the end of ``week``."""
        if week not in self.timeseries.index:
            raise ValueError(f"the run ends at week {int(self.timeseries.index.max())}: this fact needs week {week}")
        return float(self.timeseries.at[week, column])


@dataclass(frozen=True)
class Fact:
    """A stylised fact: the mean over seeds of ``measure(run)`` should lie in ``[low, high]``."""

    name: str  # the id in facts.csv and the ABC tables
    label: str  # plain language, for the printed table
    quote: str  # the case's (or brief's) words
    low: float
    high: float
    unit: str
    reason: str  # why the bounds are where they are
    measure: Callable[[RunView], float] = field(repr=False)
    weeks: int = FOLLOW_UP_WEEK  # the run length the measurement needs
    source: str = "case study"

    def miss(self, x: npt.ArrayLike) -> np.ndarray:
        """How far outside ``[low, high]``, in units of the bounds' width (0 inside; infinite for NaN)."""
        x = np.asarray(x, dtype=float)
        out = (np.maximum(0.0, self.low - x) + np.maximum(0.0, x - self.high)) / (self.high - self.low)
        return np.where(np.isnan(x), np.inf, out)

    def holds(self, x: float) -> bool:
        return bool(self.miss(x) == 0)

    def interval(self) -> str:
        return f"{_num(self.low)} to {_num(self.high)}"


def _num(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) >= 10 else f"{x:.3g}"


def vcs_chance_share(params: Params | None = None) -> float:
    """Share of cross-sector ties that would involve the VCS if ties were random: 2 s_v (1 - s_v) / (1 - sum s^2)."""
    params = params or Params()
    s = np.array([getattr(params.population.shares, name) for name in SECTORS], dtype=float)
    s = s / s.sum()
    v = s[VCS_INDEX]
    return float(2 * v * (1 - v) / (1 - np.sum(s**2)))


# ---------------------------------------------------------------------------------------------- measurements


def _first_workshop(r: RunView) -> float:
    return float(r.metrics["first_event_attendance"])


def _reach_after_party(r: RunView) -> float:
    return r.at("people_reached_ever", 40)


def _projects_two_years(r: RunView) -> float:
    return r.at("projects_started", PROGRAMME_WEEKS)


def _lasting_ties(r: RunView) -> float:
    return r.at("cross_sector_ties", FOLLOW_UP_WEEK)


def _vcs_prominence(r: RunView) -> float:
    cross = r.at("cross_sector_ties", FOLLOW_UP_WEEK)
    if cross <= 0:
        return float("nan")
    return r.at("vcs_cross_sector_ties", FOLLOW_UP_WEEK) / cross / vcs_chance_share(r.params)


def _core_group(r: RunView) -> float:
    return float(r.metrics["gathering_attendance_after_programme"])


def _registrations(r: RunView) -> float:
    return float(r.metrics["registration_growth_after_programme"])


def _projects_after(r: RunView) -> float:
    return r.at("projects_started", FOLLOW_UP_WEEK) - r.at("projects_started", PROGRAMME_WEEKS)


def _levels_off(r: RunView) -> float:
    third = r.at("projects_started", 156) - r.at("projects_started", 104)
    tenth = r.at("projects_started", TEN_YEARS) - r.at("projects_started", TEN_YEARS - 52)
    return tenth / third if third > 0 else (0.0 if tenth == 0 else float("inf"))


FACTS: tuple[Fact, ...] = (
    Fact(
        "first_workshop",
        "people at the first workshop",
        "Over 90 people attended on the day",
        85,
        105,
        "people",
        "'Over 90' is a count between 91 and 99: at 100 or more the report would say 'over 100'. The model's value "
        "is a mean over seeds, an expectation, while the case reports one day, so the bounds are widened by about "
        "five people either side: the standard error of a mean over five seeds (one day's count varies by about "
        "12 people from seed to seed in the model). A full hall (the calendar's 110 places) misses.",
        _first_workshop,
        weeks=1,
    ),
    Fact(
        "reach_after_party",
        "people reached by week 40 (the months after the party)",
        "Following on from the party, the programme participants agreed on a series of events ... that were "
        "delivered to over 200 people in total over the subsequent months",
        200,
        500,
        "people",
        "The events after the party reached over 200 people, read as 200 to 299 (else 'over 300'); with the first "
        "workshop (under 100) and the party (80 places), people ever reached by week 40, about when the named "
        "series ends (week 42), is at least 200 (if everyone came back) and at most about 300 + 100 + 80 = 480 "
        "(if nobody did), rounded to 500. Hundreds, not thousands.",
        _reach_after_party,
        weeks=40,
    ),
    Fact(
        "projects_two_years",
        "projects started in the programme's two years",
        "Overall, over 100 discrete \u201cplace-based\u201d projects are estimated to have come out of the system "
        "leadership work",
        100,
        250,
        "projects",
        "'Over 100' at the end of the two funded years is the lower bound. The number is an estimate ('are "
        "estimated'), so the upper bound is looser than a count's: 250, two and a half times the stated figure; "
        "a model giving 300 or more would have reported several hundred.",
        _projects_two_years,
        weeks=PROGRAMME_WEEKS,
    ),
    Fact(
        "lasting_cross_sector_ties",
        "cross-sector working ties a year after the programme",
        "I have made new and strong lasting partnerships across different sectors",
        100,
        2000,
        "ties",
        "Lasting partnerships across sectors: working ties (trust at the working threshold) across sectors a year "
        "after funding ended. At least 100, one for every ten or so of the roughly thousand people reached; at "
        "most 2,000, about two each for everyone reached: the case describes a participant with 'so many new "
        "people', not every participant tied to everyone.",
        _lasting_ties,
    ),
    Fact(
        "voluntary_sector_prominent",
        "voluntary-sector share of cross-sector ties, relative to chance",
        "Learning more about the roles, responsibilities and ways of working in the voluntary sector was found to "
        "be particularly valuable, underpinning the development of new cross-sector relationships and "
        "initiatives",
        1.1,
        2.0,
        "times chance",
        "The share of cross-sector working ties that involve the voluntary sector (a year after the programme), "
        "divided by the share random ties across sectors would give (about 0.30 with the default sector sizes). "
        "'Particularly valuable' and 'strong links with the voluntary sector': at least 10% above chance. At most "
        "twice chance (about 60% of cross-sector ties): most of the case's projects (GPs with social workers and "
        "community nurses, health with housing, respiratory nurses with Citizens Advice aside) join statutory "
        "services to each other, so the voluntary sector is not in most cross-sector ties.",
        _vcs_prominence,
    ),
    Fact(
        "core_group_meets",
        "people at gatherings per four weeks, in the year after the programme",
        "Informally, the programme leads and a core group of participants continue to meet up",
        10,
        99,
        "people per four weeks",
        "After the funding a core group keeps meeting: tens of people, not hundreds. Measured as the people at "
        "the gatherings convened by champions, per four weeks, in the year after the programme (attendances: a "
        "group that meets about monthly counts once). Fewer than 10 is a handful, not a group that continues to "
        "meet; 100 or more is a movement of hundreds, not a core group.",
        _core_group,
    ),
    Fact(
        "registrations_grow",
        "growth of Brew and Biscuits registrations in the year after the programme",
        "There has been a growing number of people registering for the \u2018Brew and Biscuits\u2019 cross-sector "
        "matching scheme",
        0.01,
        1.0,
        "share",
        "Registrations (people in post who are registered) a year after the programme, against the last week of "
        "the programme, minus 1. 'A growing number' at the end of the programme: at least 1% more a year later "
        "(growth anyone would notice), at most twice as many (100% more): a volunteer-run scheme after its "
        "funding ended, which the case would have called more than 'growing' had it doubled.",
        _registrations,
    ),
    Fact(
        "projects_after_programme",
        "projects started in the year after the programme",
        "With the proliferation and progression of the networks and projects far outside the purview of the "
        "programme leads, the work could be considered to have successfully created a social \u2018movement\u2019",
        10,
        250,
        "projects",
        "A movement that outlives its funding keeps starting projects: at least 10 in the unfunded year after "
        "the programme. At most 250, the upper bound for the two funded years: an unfunded year starting more "
        "projects than the whole programme plausibly did would be a movement growing faster after its funding "
        "stopped, which nothing in the case ('continue to meet up', 'suggestions for taking the work forward') "
        "suggests.",
        _projects_after,
    ),
    Fact(
        "growth_levels_off",
        "projects started in year ten, relative to year three",
        "a locality has a finite number of people, hours and problems to work on, so nothing grows without "
        "limit over ten years",
        0.0,
        2.0,
        "ratio",
        "From the modelling brief, not the case (the case ends with the programme). Projects started in the tenth "
        "year divided by those started in the third (the first year without funding). The same people, hours "
        "and problems cannot carry more than about twice the first unfunded year's projects; zero is allowed "
        "(the case does not say the movement lasts ten years). It needs ten-year runs (about 35 seconds a run on "
        "this machine today, against 2 for three years), so `syslead facts` checks it only with --ten-years.",
        _levels_off,
        weeks=TEN_YEARS,
        source="modelling brief",
    ),
)

FACT_BY_NAME: dict[str, Fact] = {f.name: f for f in FACTS}


def facts_within(weeks: int, facts: Sequence[Fact] = FACTS) -> tuple[Fact, ...]:
    """The facts a run of ``weeks`` weeks can measure."""
    return tuple(f for f in facts if f.weeks <= weeks)


def measure(view: RunView, facts: Sequence[Fact] = FACTS) -> dict[str, float]:
    """Each fact's number for one run."""
    return {f.name: float(f.measure(view)) for f in facts}


# ---------------------------------------------------------------------------------------------- verdicts

COLUMNS = ("fact", "low", "high", "value", "verdict")


def verdicts(values: pd.DataFrame, facts: Sequence[Fact]) -> pd.DataFrame:
    """The table of ``facts.csv`` from per-seed values (one row per seed, one column per fact):
    ``fact, low, high, value, verdict`` with value the mean over seeds and verdict ``ok`` or ``miss``."""
    rows = []
    for f in facts:
        v = float(values[f.name].mean())
        rows.append(dict(fact=f.name, low=f.low, high=f.high, value=v, verdict="ok" if f.holds(v) else "miss"))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def exit_status(table: pd.DataFrame) -> int:
    """0 when every fact holds, 1 when any misses."""
    return 0 if (table.verdict == "ok").all() else 1


def format_table(table: pd.DataFrame, values: pd.DataFrame, facts: Sequence[Fact], title: str = "") -> str:
    """The table for the terminal: plain-language label, bounds, mean value (with the range over seeds), verdict."""
    by = {f.name: f for f in facts}
    labels = [by[n].label for n in table.fact]
    w = max(len(s) for s in labels) if labels else 10
    lines = [title] if title else []
    lines.append(f"  {'fact':<{w}s}  {'bounds':>16s}  {'value':>10s}  {'over the seeds':>19s}  verdict")
    for label, row in zip(labels, table.itertuples(index=False)):
        per_seed = values[row.fact]
        spread = f"{_val(per_seed.min())} to {_val(per_seed.max())}"
        bounds = f"{_num(row.low)} to {_num(row.high)}"
        mark = "ok" if row.verdict == "ok" else "MISS"
        lines.append(f"  {label:<{w}s}  {bounds:>16s}  {_val(row.value):>10s}  {spread:>19s}  {mark}")
    missed = int((table.verdict == "miss").sum())
    lines.append(f"  {len(table) - missed} of {len(table)} facts hold" + (f"; {missed} missed" if missed else ""))
    return "\n".join(lines)


def _val(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


# ---------------------------------------------------------------------------------------------- running


def parse_seeds(text: str) -> tuple[int, ...]:
    """``"1-5"`` -> (1, 2, 3, 4, 5); ``"1,3,7"``; ``"4"``; combinations like ``"1-3,9"``. Raises ConfigError."""
    allowed = "whole numbers >= 0 as a range or list, e.g. 1-5 or 1,3,7 (at most 1000 seeds)"
    seeds: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise ConfigError(f"--seeds {text!r} is not allowed: {allowed}")
        a = int(m.group(1))
        b = int(m.group(2)) if m.group(2) is not None else a
        if b < a or b - a >= 1000:
            raise ConfigError(f"--seeds {text!r} is not allowed: {allowed}")
        seeds.extend(range(a, b + 1))
    if not seeds or len(seeds) > 1000 or len(set(seeds)) != len(seeds):
        raise ConfigError(f"--seeds {text!r} is not allowed: {allowed}, each seed once")
    return tuple(seeds)


def run_seeds(
    params: Params, seeds: Sequence[int], weeks: int, *, scenario: str = "facts", workers: int | None = None
) -> list[tuple[dict[str, float], pd.DataFrame]]:
    """Run ``params`` once per seed (the run's own seed: seed 3 is ``syslead run --seed 3``) and return each run's
    summary metrics and time series, in the order of ``seeds``.

    The runs go through the sweep engine's worker function (:func:`simulation.sweep.runner.execute`), on its
    process pool when there are several seeds and cores; the same seeds give bit-identical results either way.
    """
    from ..sweep.runner import default_workers, execute, process_pool

    data = params.to_dict()
    tasks = [{"data": data, "overrides": {}, "seed": int(s), "weeks": int(weeks), "scenario": scenario} for s in seeds]
    n = min(len(tasks), workers or default_workers())
    if n <= 1:
        results = [execute(t) for t in tasks]
    else:
        with process_pool(n) as pool:
            results = list(pool.map(execute, tasks))
    return [(metrics, ts) for metrics, ts, _wall, _loc in results]


def values_table(
    runs: Sequence[tuple[Mapping[str, float], pd.DataFrame]],
    params: Params,
    seeds: Sequence[int],
    facts: Sequence[Fact],
) -> pd.DataFrame:
    """One row per seed, one column per fact."""
    rows = []
    for seed, (metrics, ts) in zip(seeds, runs):
        view = RunView(metrics, ts.set_index("week"), params)
        rows.append({"seed": int(seed), **measure(view, facts)})
    return pd.DataFrame(rows, columns=["seed", *(f.name for f in facts)])


def measure_table(
    runs: pd.DataFrame, timeseries: pd.DataFrame, params: Params, facts: Sequence[Fact] = FACTS
) -> pd.DataFrame:
    """Each fact's number for every run of a sweep (``runs.parquet`` rows and ``timeseries.parquet``), indexed
    like ``runs``. ``params`` gives what a fact needs besides the run's numbers (the sector shares)."""
    weeks = int(timeseries.week.max())
    short = [f.name for f in facts if f.weeks > weeks]
    if short:
        raise ValueError(f"the sweep ends at week {weeks}: {', '.join(short)} need longer runs")
    ts = {rid: g.set_index("week") for rid, g in timeseries.groupby("run_id", sort=False)}
    out = []
    for row in runs.to_dict("records"):
        out.append(measure(RunView(row, ts[row["run_id"]], params), facts))
    return pd.DataFrame(out, index=runs.index, columns=[f.name for f in facts])


def evaluate(
    params: Params,
    seeds: Sequence[int],
    *,
    ten_years: bool = False,
    scenario: str = "facts",
    workers: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[Fact, ...]]:
    """Run and judge: ``(table, values, facts)`` with ``table`` the rows of ``facts.csv`` and ``values`` the
    per-seed numbers. Without ``ten_years`` the runs last three years and the ten-year fact is left out."""
    weeks = TEN_YEARS if ten_years else FOLLOW_UP_WEEK
    facts = facts_within(weeks)
    runs = run_seeds(params, seeds, weeks, scenario=scenario, workers=workers)
    values = values_table(runs, params, seeds, facts)
    return verdicts(values, facts), values, facts


def registry_table(facts: Sequence[Fact] = FACTS) -> list[dict[str, Any]]:
    """The registry as plain records (for the docs' table and tests)."""
    return [
        dict(
            name=f.name,
            label=f.label,
            quote=f.quote,
            low=f.low,
            high=f.high,
            unit=f.unit,
            reason=f.reason,
            weeks=f.weeks,
            source=f.source,
        )
        for f in facts
    ]

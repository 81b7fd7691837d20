"""The policy report of a sweep folder: ``report.html`` (self-contained), ``brief.pdf``, ``figures/*.png``,
``tables/*.csv``.

:func:`build` reads a results folder written by the sweep engine
(``manifest.json``, ``runs.parquet``, ``timeseries.parquet``), compares
every scenario with the reference (the first scenario the experiment
lists) run by run, and writes the report. The builder computes data (tables
as :class:`Table`, sentences, figures as :class:`Figure`, the brief as
:class:`simulation.analysis.brief.Brief`) and hands them to the Jinja2
template ``templates/report.html`` (autoescaping on); no markup is written
here. ``brief.pdf`` is the same page printed by WeasyPrint with a print
stylesheet that keeps only the brief (:mod:`simulation.analysis.render`).

The page opens with the brief (``<section id="brief">``: ``brief-answer``,
the chart, ``brief-why``, ``brief-where``, ``brief-sure``, ``brief-cost``,
``brief-limits``, a glossary), then the sections, in order (each an HTML
``id``): ``summary``, ``timeseries``, ``distributions``, ``paired``,
``sectors``, ``network``, ``persistence``, ``localities`` (only when the
folder has ``localities.parquet``: runs with more than one locality),
``cost``, ``levers`` (only when a lever decomposition sits beside the runs),
``where`` (only when a scenario discovery sits beside the runs),
``manifest``, ``appendix`` (the long tables, each folded in a ``details``).
"""

from __future__ import annotations

import base64
import io
import json
import math
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..config import ConfigError
from ..files import write_bytes, write_text
from ..metrics import KEY_METRICS, METRIC_BY_NAME, SUMMARY_METRICS, TIMESERIES_METRICS, locality_names
from ..sectors import SECTOR_LABELS, SECTORS
from . import brief as brief_mod
from . import figures, render, stats, summary
from . import localities as locality_mod
from .replay import experiment_of, programme_end, project_sector_shares, replay, scenario_entries, scenario_params

if TYPE_CHECKING:
    from collections.abc import Callable

    from matplotlib.figure import Figure as MplFigure


PERSISTENCE_METRICS = ("post_programme_activity", "projects_after_programme")
SUMMARY_OUTCOMES = (*KEY_METRICS, *PERSISTENCE_METRICS)
TABLE_METRICS = (
    *SUMMARY_OUTCOMES,
    "champions",
    "mean_confidence",
    "largest_component_share",
    "projects_failed",
    "mean_project_sectors",
    "patient_projects",
)
HEADLINE = ("projects_started", "adopters", "post_programme_activity")  # the three-line summary
SECTIONS = (
    ("summary", "Summary"),
    ("timeseries", "Key outcomes over time"),
    ("distributions", "Final outcomes: distributions"),
    ("paired", "Paired differences against the reference"),
    ("sectors", "Breakdown by sector"),
    ("network", "The trust network at the end"),
    ("persistence", "After the programme: does activity persist?"),
    ("cost", "What it costs to deliver"),
    ("manifest", "Reproducing this report: the manifest"),
    ("appendix", "Appendix: the tables"),
)
LOCALITY_SECTION = ("localities", "By locality")  # before the cost, when the runs have several localities
LEVERS_SECTION = ("levers", "Why the strategies differ")  # before the manifest, with a lever decomposition
WHERE_SECTION = ("where", "Where top-down does better")  # before the manifest, with a scenario discovery
BRIEF_PDF = "brief.pdf"
SHOWN_TIMESERIES = ("projects_started", "adopters", "active_people")  # the others are folded (details)


@dataclass
class Report:
    path: Path
    reference: str
    scenarios: list[str]
    comparison: pd.DataFrame
    describe: pd.DataFrame
    sentences: list[str]
    headline: list[str]
    figures: dict[str, Path] = field(default_factory=dict)
    tables: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0
    brief: brief_mod.Brief | None = None
    pdf: Path | None = None
    pdf_pages: int = 0


# --------------------------------------------------------------------------
# What the template gets
# --------------------------------------------------------------------------


@dataclass
class Cell:
    """A table cell: its text, a second line in small print, and whether it is text (left-aligned)."""

    text: str
    sub: str = ""
    left: bool = False


@dataclass
class Table:
    label: str  # the table's accessible name (and its title in the appendix)
    head: list[str]
    rows: list[list[Cell]]
    id: str = ""  # an anchor, for tables in the appendix
    note: str = ""


@dataclass
class Figure:
    key: str
    src: str  # data URI
    file: str  # figures/NAME.png
    alt: str
    caption: str = ""


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------


def load(folder: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(runs, timeseries, manifest) of a results folder; ConfigError naming what is missing or unreadable."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"results folder {str(folder)!r} does not exist")
    from ..sweep import load_results

    runs, ts, manifest = load_results(folder)
    if runs is None or len(runs) == 0:
        raise ConfigError(f"{folder}/runs.parquet holds no finished runs")
    for col in ("run_id", "scenario", "replicate", "seed"):
        if col not in runs.columns:
            raise ConfigError(f"{folder}/runs.parquet has no column '{col}'")
    return runs, ts, manifest


# --------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------


def build(
    folder: str | Path,
    *,
    replay_runs: bool = True,
    draw: bool = True,
    workers: int = 1,
    precision: dict | None = None,
    n_resamples: int = stats.N_RESAMPLES,
    pdf: bool = True,
) -> Report:
    """Write ``report.html``, ``brief.pdf``, ``figures/*.png`` and ``tables/*.csv`` into ``folder``; return what
    was written. ``pdf=False`` leaves out ``brief.pdf``."""
    t0 = time.perf_counter()
    folder = Path(folder)
    runs, ts, manifest = load(folder)
    runs = runs.sort_values(["scenario", "replicate"], kind="stable").reset_index(drop=True)
    scenarios = scenario_entries(manifest, runs)
    reference = scenarios[0]
    titles = brief_mod.titles_of(manifest, scenarios)
    metrics_present = stats.metrics_in(runs)
    params_cols = [
        c for c in manifest.get("swept", []) if c in runs.columns and c != stats.DRAW
    ] or stats.parameter_columns(runs, [*metrics_present, *SUMMARY_METRICS])
    keys = stats.pairing_keys(runs, params_cols)
    if precision is None and (folder / "precision.json").is_file():
        precision = json.loads((folder / "precision.json").read_text())

    # Programme end per scenario (for the follow-up period).
    ends: dict[str, int | None] = {}
    for sc in scenarios:
        try:
            ends[sc] = programme_end(scenario_params(manifest, runs, sc))
        except ConfigError:
            ends[sc] = None
    ref_end = ends.get(reference)
    ts_metrics = [m for m in TIMESERIES_METRICS if m in ts.columns]
    band = stats.bands(ts, runs, ts_metrics) if len(ts) else pd.DataFrame()
    persistence = _persistence(ts, runs, ends)
    follow_up = bool(len(persistence)) and int(persistence["follow_up_weeks"].max()) > 0
    skip = () if follow_up else PERSISTENCE_METRICS  # all zero when the runs end before the programme does

    table_metrics = [m for m in TABLE_METRICS if m in runs.columns and m not in skip]
    outcome_metrics = [m for m in SUMMARY_OUTCOMES if m in runs.columns and m not in skip]
    comparison = stats.compare(
        runs, reference, table_metrics, [s for s in scenarios if s != reference], keys=keys, n_resamples=n_resamples
    )
    comparison_all = stats.compare(
        runs, reference, metrics_present, [s for s in scenarios if s != reference], keys=keys, n_resamples=n_resamples
    )
    desc = stats.describe(runs, metrics_present)
    sentences = summary.sentences(comparison, outcome_metrics, pairs=False)
    headline_metrics = [m if m not in skip else "projects_completed" for m in HEADLINE]
    headline_metrics = [m for m in headline_metrics if m in runs.columns]
    headline = summary.headline(comparison, desc, headline_metrics, reference)
    replays = replay(manifest, runs, scenarios, workers=workers) if replay_runs else {}

    fig_dir, tab_dir = folder / "figures", folder / "tables"
    fig_dir.mkdir(exist_ok=True)
    tab_dir.mkdir(exist_ok=True)
    written: dict[str, Path] = {}
    figs: dict[str, Figure] = {}

    def save(name: str, alt: str, figure_fn: Callable[..., MplFigure], *args: Any, caption: str = "") -> None:
        if not draw:
            return
        path = fig_dir / f"{name}.png"
        _save_png(figure_fn(*args), path)
        written[name] = path
        figs[name] = _figure(path, name, alt, caption)

    # Tables (CSV).
    tables: dict[str, Path] = {}

    def table(name: str, df: pd.DataFrame) -> None:
        path = tab_dir / f"{name}.csv"
        _atomic_text(path, df.to_csv(index=False))
        tables[name] = path

    table("summary_by_scenario", desc)
    table("paired_differences", comparison)
    table("paired_differences_all_metrics", comparison_all)
    if len(band):
        table("timeseries_bands", band)
    table("sectors", desc[desc["metric"].str.startswith(("reached_", "adopters_"))])
    table("persistence", persistence)
    shares = project_sector_shares(replays) if replays else pd.DataFrame()
    if len(shares):
        table("project_sectors", shares)
    net_rows = []

    # The brief's numbers (its chart is drawn below, with the others).
    people = _people(manifest, runs, reference)
    weeks = experiment_of(manifest).get("weeks", int(runs["weeks"].max()) if "weeks" in runs else None)
    brief = brief_mod.build_brief(
        folder,
        manifest,
        runs,
        ts,
        scenarios,
        reference,
        keys,
        headline_metrics,
        weeks,
        people,
        runs_version=manifest.get("version"),
    )
    if brief.contrasts:
        table("brief_contrasts", _contrast_frame(brief.contrasts))
    if brief.facts is not None and brief.facts.source == "runs":
        table("facts", brief.facts.table)
    if brief.cost_rows:
        table("cost", _cost_frame(brief.cost_rows, headline_metrics))

    # Figures.
    if brief.contrasts:
        save(
            "brief_answer",
            brief_mod.alt_text(brief.contrasts, titles, reference),
            figures.brief_answer,
            brief.contrasts,
            headline_metrics,
            scenarios,
            titles,
            reference,
            caption="Marker: the average. Bar: the middle 90% of paired runs. 1 means the same.",
        )
        brief.chart = (
            brief_mod.Chart(
                figs["brief_answer"].src,
                figs["brief_answer"].file,
                figs["brief_answer"].alt,
                figs["brief_answer"].caption,
            )
            if "brief_answer" in figs
            else None
        )
    end_line = ref_end if len(band) and ref_end is not None and ref_end < float(band["week"].max()) else None
    for m in (m for m in KEY_METRICS if m in ts_metrics and len(band)):
        save(
            f"timeseries_{m}",
            f"Line chart: {_label(m)} week by week for each scenario, with 95% bands.",
            figures.timeseries,
            band,
            m,
            scenarios,
            end_line,
        )
    save(
        "distributions",
        "Box plots: every run's final value of each outcome, by scenario.",
        figures.distributions,
        runs,
        outcome_metrics,
        scenarios,
    )
    if len(comparison):
        save(
            "paired_ratios",
            f"Forest plot: each scenario's ratio of means to {reference} with 95% intervals.",
            figures.paired_ratios,
            comparison,
            outcome_metrics,
            scenarios,
            reference,
        )
        save(
            "paired_by_replicate",
            f"Dot plots: each replicate's difference from {reference}, with the mean.",
            figures.paired_by_replicate,
            runs,
            outcome_metrics,
            scenarios,
            reference,
            comparison,
            keys,
        )
    if all(f"reached_{s}" in runs.columns for s in SECTORS):
        save(
            "sectors_reached",
            "Bar chart: people reached in each sector, by scenario.",
            figures.sector_bars,
            desc,
            "reached_",
            scenarios,
            "People reached (people)",
            "Who was reached, by sector (mean and 95% interval)",
        )
    if all(f"adopters_{s}" in runs.columns for s in SECTORS):
        save(
            "sectors_adopters",
            "Bar chart: people practising system leadership in each sector, by scenario.",
            figures.sector_bars,
            desc,
            "adopters_",
            scenarios,
            "Adopters (people)",
            "Who adopted system leadership, by sector (mean and 95% interval)",
        )
    if len(shares):
        save(
            "sectors_projects",
            "Bar chart: share of projects that drew on each sector, by scenario.",
            figures.project_sectors,
            shares,
            scenarios,
        )
    if replays:
        first = replays[next(iter(replays))]
        pos = figures.sector_layout(first.sector, first.org)
        for sc, rp in replays.items():
            if rp.sector.size != pos.shape[0] or not np.array_equal(rp.sector, first.sector):
                pos_sc = figures.sector_layout(rp.sector, rp.org)
            else:
                pos_sc = pos
            cross = float(np.mean(rp.sector[rp.tie_i] != rp.sector[rp.tie_j])) if rp.tie_i.size else 0.0
            title = (
                f"{sc}: {rp.tie_i.size:,} working ties, {100 * cross:.0f}% across sectors\n"
                f"(replicate {rp.replicate}, seed {rp.seed}, week {rp.weeks})"
            )
            save(
                f"network_{_slug(sc)}",
                f"Network drawing for {titles.get(sc, sc)}: {rp.tie_i.size:,} working "
                f"ties, {100 * cross:.0f}% of them across sectors.",
                figures.network,
                rp.tie_i,
                rp.tie_j,
                rp.sector,
                rp.mindset,
                pos_sc,
                title,
            )
            net_rows.append(
                dict(
                    scenario=sc,
                    run_id=rp.run_id,
                    replicate=rp.replicate,
                    seed=rp.seed,
                    weeks=rp.weeks,
                    people=int(rp.sector.size),
                    working_ties=int(rp.tie_i.size),
                    cross_sector_share=cross,
                    projects=len(rp.projects),
                    reproduced=rp.reproduced,
                )
            )
        table("network_replays", pd.DataFrame(net_rows))
    persist_metrics = [m for m in PERSISTENCE_METRICS if m in runs.columns]
    if persist_metrics:
        save(
            "persistence",
            "Bar chart: activity and projects after the funded programme, by scenario.",
            figures.persistence,
            runs,
            scenarios,
            persist_metrics,
        )
    if brief.cost_rows:
        save(
            "cost_outcomes",
            _cost_alt(brief, titles, headline_metrics),
            figures.cost_outcomes,
            brief.cost_rows,
            runs,
            headline_metrics,
            scenarios,
            titles,
        )

    # By locality.
    from ..sweep import load_localities

    loc = load_localities(folder)
    loc_res = None
    if loc is not None and len(loc):
        starts: dict[str, list[int]] = {}
        names: list[str] = []
        for sc in scenarios:
            try:
                params = scenario_params(manifest, runs, sc)
            except ConfigError:
                continue
            starts[sc] = locality_mod.start_weeks(params, params.population.localities)
            if not names and params.population.localities > 1:
                names = locality_names(params)  # the first scenario with localities names them
        loc_res = locality_mod.analyse(loc, runs, scenarios, keys, starts, n_resamples=n_resamples, names=names)
        del loc
        table("localities_end", loc_res.end)
        if len(loc_res.bands):
            table("localities_bands", loc_res.bands)
        if len(loc_res.comparison):
            table("localities_paired", loc_res.comparison)
        panel = loc_res.localities[: locality_mod.MAX_PANELS]
        names = [locality_mod.label(k, loc_res.names) for k in panel]
        for m in locality_mod.FIGURE_METRICS:
            if len(loc_res.bands) and m in set(loc_res.bands["metric"]):
                save(
                    f"localities_{m}",
                    f"Line charts, one per locality: {_label(m)} week by week, by scenario.",
                    figures.locality_timeseries,
                    loc_res.bands,
                    m,
                    loc_res.scenarios,
                    panel,
                    names,
                    starts,
                )

    ctx = _context(
        folder=folder,
        manifest=manifest,
        runs=runs,
        scenarios=scenarios,
        reference=reference,
        titles=titles,
        comparison=comparison,
        desc=desc,
        figs=figs,
        tables=tables,
        persistence=persistence,
        net_rows=net_rows,
        precision=precision,
        params_cols=params_cols,
        outcome_metrics=outcome_metrics,
        loc_res=loc_res,
        brief=brief,
        headline_metrics=headline_metrics,
    )
    page = render.render("report.html", **ctx)
    while brief_mod.word_count(page) > brief_mod.MAX_WORDS and brief_mod.trim(brief):
        ctx["cost"]["part"] = brief.cost
        page = render.render("report.html", **ctx)
    if (words := brief_mod.word_count(page)) > brief_mod.MAX_WORDS:  # every shortening taken: say so, never cut
        warnings.warn(
            f"the brief runs to {words} words, over its limit of {brief_mod.MAX_WORDS}, after every shortening",
            stacklevel=2,
        )
    out = folder / "report.html"
    _atomic_text(out, page)
    pdf_path, pages = None, 0
    if pdf:
        pdf_path = folder / BRIEF_PDF
        pages = render.write_brief_pdf(page, pdf_path, base_url=str(folder))
    return Report(
        out,
        reference,
        scenarios,
        comparison,
        desc,
        sentences,
        headline,
        written,
        tables,
        time.perf_counter() - t0,
        brief,
        pdf_path,
        pages,
    )


def _people(manifest: dict, runs: pd.DataFrame, reference: str) -> int | None:
    try:
        return int(scenario_params(manifest, runs, reference).population.size)
    except (ConfigError, AttributeError, IndexError, KeyError):
        return None


def _persistence(ts: pd.DataFrame, runs: pd.DataFrame, ends: dict) -> pd.DataFrame:
    """Per scenario: people active a week in the programme's last year and in the follow-up, per run."""
    rows = []
    if not len(ts) or "active_people" not in ts.columns:
        return pd.DataFrame()
    merged = ts[["run_id", "week", "active_people"]].merge(runs[["run_id", "scenario"]], on="run_id")
    for sc, part in merged.groupby("scenario", sort=False):
        end = ends.get(sc)
        if end is None:
            continue
        last_year = part[(part["week"] > end - 52) & (part["week"] <= end)].groupby("run_id")["active_people"].mean()
        follow = part[part["week"] > end].groupby("run_id")["active_people"].mean()
        both = pd.concat([last_year.rename("programme"), follow.rename("follow_up")], axis=1).dropna()
        weeks_follow = int(part.loc[part["week"] > end, "week"].nunique())
        row = dict(
            scenario=sc,
            programme_end_week=end,
            follow_up_weeks=weeks_follow,
            active_last_programme_year=float(last_year.mean()) if len(last_year) else math.nan,
            active_follow_up=float(follow.mean()) if len(follow) else math.nan,
        )
        if len(both):
            with np.errstate(divide="ignore", invalid="ignore"):
                kept = (both["follow_up"] / both["programme"]).replace([np.inf, -np.inf], np.nan).dropna()
            m, lo, hi = stats.mean_interval(kept.to_numpy()) if len(kept) else (math.nan,) * 3
            row.update(retained=m, retained_low=lo, retained_high=hi)
        rows.append(row)
    return pd.DataFrame(rows)


def _contrast_frame(cs) -> pd.DataFrame:
    """The brief's comparisons as a table (``tables/brief_contrasts.csv``)."""
    rows = []
    for c in cs:
        sp = c.split
        rows.append(
            dict(
                scenario=c.scenario,
                reference=c.reference,
                metric=c.metric,
                n_pairs=c.n,
                mean=c.mean,
                mean_reference=c.mean_reference,
                kind=c.kind,
                estimate=c.estimate,
                range_low=c.low,
                range_high=c.high,
                range=brief_mod.RANGE,
                p_higher=c.p_higher,
                draws=sp.draws if sp else 0,
                between_draw_variance=sp.between if sp else math.nan,
                within_draw_variance=sp.within if sp else math.nan,
                between_draw_share=sp.between_share if sp else math.nan,
            )
        )
    return pd.DataFrame(rows)


def _cost_frame(rows, outcomes) -> pd.DataFrame:
    out = []
    for r in rows:
        d = dict(
            scenario=r.scenario,
            runs=r.runs,
            staff_days=r.staff_days[0],
            staff_days_low=r.staff_days[1],
            staff_days_high=r.staff_days[2],
        )
        if r.pounds is not None:
            d.update(pounds=r.pounds[0], pounds_low=r.pounds[1], pounds_high=r.pounds[2])
        d.update({k: v for k, v in r.parts.items()})
        for m in outcomes:
            if m in r.per_100:
                v = r.per_100[m]
                d.update({f"{m}_per_100_staff_days": v[0], f"{m}_per_100_low": v[1], f"{m}_per_100_high": v[2]})
        out.append(d)
    return pd.DataFrame(out)


def _cost_alt(brief, titles, metrics) -> str:
    bits = []
    for r in brief.cost_rows:
        per = r.per_100.get(metrics[0]) if metrics else None
        bits.append(
            f"{titles.get(r.scenario, r.scenario)}: about {brief_mod._num(r.staff_days[0])} staff-days"
            + (
                f", {brief_mod._num(per[0])} {brief_mod.outcome_words(metrics[0]).noun} per 100 staff-days"
                if per
                else ""
            )
        )
    return "Chart of cost against outcome for every way of running the programme. " + "; ".join(bits) + "."


# --------------------------------------------------------------------------
# The page's data
# --------------------------------------------------------------------------


def _label(metric: str) -> str:
    return figures.label(metric).split(" (")[0].lower()


def _figure(path: Path, key: str, alt: str, caption: str = "") -> Figure:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return Figure(key, f"data:image/png;base64,{data}", f"figures/{path.name}", alt, caption)


def _num(v, digits: int = 3) -> str:
    return render.num(v, digits)


def _c(v: Any) -> Cell:
    """A cell from a value: text left-aligned, numbers formatted."""
    if isinstance(v, Cell):
        return v
    if isinstance(v, str):
        return Cell(v, left=True)
    return Cell(_num(v))


def _interval(m, lo, hi) -> str:
    return f"{_num(m)} [{_num(lo)}, {_num(hi)}]"


def _paired_table(comparison: pd.DataFrame, titles: dict[str, str]) -> Table:
    head = [
        "Scenario",
        "Outcome",
        "Pairs",
        "Mean",
        "Mean (reference)",
        "Paired difference [95% CI]",
        "Ratio [95% CI]",
        "Effect size dz",
        "P(scenario > reference)",
        "Wilcoxon p",
        "Holm p",
    ]
    rows = []
    for _, r in comparison.iterrows():
        ratio = (
            f"{r['ratio']:.2f} [{r['ratio_low']:.2f}, {r['ratio_high']:.2f}]"
            if math.isfinite(r["ratio_low"])
            else "n/a"
        )
        dz = r["cohens_dz"]
        dz_text = f"{dz:.2f}" if math.isfinite(dz) else ("+inf" if dz > 0 else "-inf")
        rows.append(
            [
                Cell(str(r["scenario"]), left=True),
                Cell(str(r["metric"]), left=True),
                _c(int(r["n_pairs"])),
                _c(r["mean"]),
                _c(r["mean_reference"]),
                Cell(_interval(r["difference"], r["diff_low"], r["diff_high"])),
                Cell(ratio),
                Cell(dz_text),
                Cell(f"{r['prob_superiority']:.2f}"),
                Cell(render.pvalue(r["wilcoxon_p"])),
                Cell(render.pvalue(r["holm_p"])),
            ]
        )
    return Table("Paired differences against the reference: every statistic", head, rows, "table-paired")


def _n_points(runs: pd.DataFrame, cols: list[str]) -> int:
    return int(runs[cols].astype(str).drop_duplicates().shape[0])


def _glance_table(
    comparison: pd.DataFrame,
    desc: pd.DataFrame,
    metrics: list[str],
    scenarios: list[str],
    reference: str,
    titles: dict[str, str],
) -> Table:
    """Outcomes x scenarios: the mean per run, and for each other scenario its ratio to the reference (or, for
    shares and scales, the difference) with the 95% interval; '~' marks no clear difference."""
    head = ["Outcome (unit)"] + [f"{titles.get(s, s)}{' (reference)' if s == reference else ''}" for s in scenarios]
    d = desc.set_index(["scenario", "metric"])["mean"]
    c = comparison.set_index(["scenario", "metric"])
    rows = []
    for m in metrics:
        unit = METRIC_BY_NAME[m].unit if m in METRIC_BY_NAME else ""
        cells = [Cell(figures.label(m), left=True)]
        for sc in scenarios:
            mean = d.get((sc, m), math.nan)
            main = f"{100 * mean:.1f}%" if unit == "share" else _num(mean)
            sub = ""
            if sc != reference and (sc, m) in c.index:
                r = c.loc[(sc, m)]
                mark = {1: "\u25b2 ", -1: "\u25bc ", 0: "~ "}[int(r["direction"])]
                if unit not in summary.SCALE_UNITS and math.isfinite(r["ratio_low"]):
                    rel = f"\u00d7{r['ratio']:.2f} [{r['ratio_low']:.2f}, {r['ratio_high']:.2f}]"
                elif unit == "share":
                    rel = f"{100 * r['difference']:+.1f} pts [{100 * r['diff_low']:+.1f}, {100 * r['diff_high']:+.1f}]"
                else:
                    rel = f"{r['difference']:+.3g} [{r['diff_low']:+.3g}, {r['diff_high']:+.3g}]"
                sub = mark + rel
            cells.append(Cell(main, sub))
        rows.append(cells)
    return Table("Outcomes at a glance: mean per run and ratio to the reference", head, rows)


def _describe_table(desc: pd.DataFrame, metrics: list[str], scenarios: list[str], label: str, id_: str) -> Table:
    head = ["Outcome (unit)", *scenarios]
    rows = []
    d = desc.set_index(["scenario", "metric"])
    for m in metrics:
        cells = []
        for s in scenarios:
            if (s, m) in d.index:
                r = d.loc[(s, m)]
                cells.append(Cell(_interval(r["mean"], r["mean_low"], r["mean_high"])))
            else:
                cells.append(Cell("n/a"))
        unit = METRIC_BY_NAME[m].unit if m in METRIC_BY_NAME else ""
        rows.append([Cell(f"{m} ({unit})", left=True), *cells])
    return Table(label, head, rows, id_)


def _frame_table(df: pd.DataFrame, columns: dict[str, str], label: str, id_: str = "") -> Table:
    rows = []
    for _, r in df.iterrows():
        rows.append([_c(r.get(k)) for k in columns])
    return Table(label, list(columns.values()), rows, id_)


MANIFEST_FIELDS = (
    "name",
    "version",
    "python",
    "platform",
    "packages",
    "started",
    "finished",
    "n_runs",
    "swept",
    "fingerprint",
    "format",
)


def _manifest(manifest: dict, runs: pd.DataFrame, folder: Path) -> dict[str, Any]:
    exp = experiment_of(manifest)
    seeds = sorted(set(zip(runs["replicate"].astype(int), runs["seed"].astype(int))))
    seed_text = ", ".join(f"{r}: {s}" for r, s in seeds[:10]) + (
        f", ... ({len(seeds)} in all)" if len(seeds) > 10 else ""
    )
    rows = []
    for key in MANIFEST_FIELDS:
        if key not in manifest:
            continue
        value = manifest[key]
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list):
            value = ", ".join(map(str, value)) or "(none)"
        rows.append([Cell(key, left=True), Cell(str(value), left=True)])
    sessions = manifest.get("sessions") or []
    if sessions:
        rows.append(
            [
                Cell("sessions", left=True),
                Cell(
                    "; ".join(
                        f"{x.get('started')} to {x.get('finished')} on {x.get('engine')}: {x.get('runs_done')} runs"
                        for x in sessions
                    ),
                    left=True,
                ),
            ]
        )
    for name, info in (manifest.get("scenarios") or {}).items():
        if isinstance(info, dict):
            where = info.get("file") or "built-in"
            rows.append(
                [
                    Cell(f"scenario {name}", left=True),
                    Cell(f"{info.get('title') or ''}: {info.get('description', '')} ({where})".lstrip(": "), left=True),
                ]
            )
    reps = runs.groupby("scenario")["replicate"].nunique()
    try:
        import tomli_w

        toml = tomli_w.dumps(manifest.get("experiment", exp))
    except (TypeError, ValueError):
        toml = json.dumps(manifest.get("experiment", exp), indent=2, default=str)
    return dict(
        n_runs=len(runs),
        replicates=[(s, int(n)) for s, n in reps.items()],
        seeds=seed_text,
        folder=str(folder),
        toml=toml,
        table=Table("The manifest: versions, sessions and scenarios", ["Field", "Value"], rows, "table-manifest"),
    )


def _levers(folder: Path, titles: dict[str, str]) -> dict[str, Any] | None:
    """The section "Why the strategies differ", when a lever decomposition sits beside the runs: ``levers.csv``
    in the folder, or in its ``levers/`` subfolder (``syslead decompose A B --out FOLDER/levers``)."""
    from ..run import version
    from . import decompose as dec

    found = next((p for p in (folder / dec.LEVERS_CSV, folder / "levers" / dec.LEVERS_CSV) if p.is_file()), None)
    if found is None:
        return None
    where = found.parent.relative_to(folder) if found.parent != folder else Path(".")
    try:
        table, meta = dec.load_levers(found)
        a, b = meta.get("a_name", "A"), meta.get("b_name", "B")
        levers = meta.get("levers", [])
        try:
            runs_version = json.loads((folder / "manifest.json").read_text()).get("version") or version()
        except (OSError, ValueError, AttributeError):
            runs_version = version()
        png = found.with_name(dec.LEVERS_PNG)
        figure = None
        if png.is_file():
            stories = dec.why_the_strategies_differ(table, meta)
            figure = Figure(
                "levers",
                "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii"),
                str(where / dec.LEVERS_PNG),
                "Bar charts: each lever's share of the gap (Shapley value) on each outcome. "
                + " ".join(f"{s.label}: gap {dec._signed(s.gap)}." for s in stories),
            )
        outcomes = list(dict.fromkeys(table["outcome"]))
        cell = {(r["lever"], r["outcome"]): r for r in table.to_dict("records")}
        rows = []
        for lv in levers:
            got = [cell.get((lv["lever"], o)) for o in outcomes]
            rows.append(
                [
                    Cell(dec.lever_label(lv["lever"]), left=True),
                    _c(lv.get("a_value")),
                    _c(lv.get("b_value")),
                    *[
                        Cell(_num(r["shapley"]), f"[{_num(r['ci_low'])}, {_num(r['ci_high'])}]") if r else Cell("n/a")
                        for r in got
                    ],
                ]
            )
        shapley = Table(
            "Shapley value of each lever per outcome, with 95% intervals",
            ["Lever", str(a), str(b), *[dec.outcome_label(o) for o in outcomes]],
            rows,
            "table-levers",
        )
        return dict(
            a=a,
            b=b,
            title_a=titles.get(a) or brief_mod._title(a),
            title_b=titles.get(b) or brief_mod._title(b),
            n_levers=len(levers),
            cells=meta.get("cells"),
            replicates=meta.get("replicates"),
            weeks=meta.get("weeks"),
            population=_num(meta.get("population")),
            csv=str(where / dec.LEVERS_CSV),
            version=meta.get("version"),
            runs_version=runs_version,
            others=", ".join(meta.get("other_differences") or []),
            paragraphs=dec.paragraphs(dec.why_the_strategies_differ(table, meta), a, b),
            figure=figure,
            table=shapley,
            error=None,
        )
    except (ConfigError, KeyError, TypeError, ValueError) as exc:
        return dict(error=f"The lever decomposition in {found} cannot be read: {exc}")


def _where(brief: brief_mod.Brief, titles: dict[str, str]) -> dict[str, Any] | None:
    """The section "Where top-down does better", when a scenario discovery sits beside the runs."""
    if brief.box_error is not None:
        return dict(error=brief.box_error, sentences=[], table=None)
    if brief.boxes is None:
        return None
    sentences, rows = [], []
    for b in brief.boxes:
        who = titles.get(b.who or "") or (brief_mod._title(b.who) if b.who else "The other way")
        what = brief_mod.outcome_words(b.outcome).label.lower() if b.outcome else "its outcome"
        conds = brief_mod._and([brief_mod.condition_text(p, lo, hi) for p, lo, hi in b.conditions])
        sentences.append(
            f"Box {b.number}: {who} does as well or better on {what} when {conds}. Inside the box it "
            f"does better in {100 * b.density:.0f}% of cases (density); the box holds "
            f"{100 * b.coverage:.0f}% of all the cases where it does better (coverage)."
        )
        for p, lo, hi in b.conditions:
            rows.append(
                [
                    Cell(b.id, left=True),
                    Cell(p, left=True),
                    Cell(brief_mod.parameter_label(p), left=True),
                    _c(lo),
                    _c(hi),
                    _c(b.coverage),
                    _c(b.density),
                ]
            )
    table = Table(
        "Scenario discovery: the boxes and their limits",
        ["Box", "Parameter", "In words", "Low", "High", "Coverage", "Density"],
        rows,
        "table-boxes",
    )
    return dict(error=None, sentences=sentences, table=table)


def _facts_table(check) -> Table | None:
    if check is None:
        return None
    from ..validation import facts as F

    rows = []
    for r in check.table.itertuples(index=False):
        f = F.FACT_BY_NAME.get(r.fact)
        rows.append(
            [
                Cell(str(r.fact), left=True),
                Cell(f.label if f else "", left=True),
                Cell(f"{_num(r.low)} to {_num(r.high)}"),
                _c(float(r.value)),
                Cell(str(r.verdict), left=True),
            ]
        )
    source = (
        f"measured on {check.runs} runs of {check.scenario} in this folder"
        if check.source == "runs"
        else f"from {check.path}"
    )
    return Table(
        f"The case's facts ({source})", ["Fact", "In words", "Bounds", "Model", "Verdict"], rows, "table-facts"
    )


def _cost_table(brief: brief_mod.Brief, titles: dict[str, str], outcomes: list[str]) -> Table | None:
    if not brief.cost_rows:
        return None
    kinds = list(brief_mod.COST_PARTS)
    per = [m for m in outcomes if any(m in r.per_100 for r in brief.cost_rows)]
    head = [
        "Scenario",
        "Staff-days per run",
        "Pounds per run",
        *[f"of which {brief_mod.COST_PARTS[k]}" for k in kinds],
        *[f"{brief_mod.outcome_words(m).label} per 100 staff-days" for m in per],
    ]
    rows = []
    for r in brief.cost_rows:
        rows.append(
            [
                Cell(titles.get(r.scenario, r.scenario), left=True),
                Cell(_num(r.staff_days[0]), f"[{_num(r.staff_days[1])}, {_num(r.staff_days[2])}]"),
                Cell(_num(r.pounds[0]), f"[{_num(r.pounds[1])}, {_num(r.pounds[2])}]") if r.pounds else Cell("n/a"),
                *[Cell(_num(r.parts[k])) if k in r.parts else Cell("n/a") for k in kinds],
                *[
                    Cell(_num(r.per_100[m][0]), f"[{_num(r.per_100[m][1])}, {_num(r.per_100[m][2])}]")
                    if m in r.per_100
                    else Cell("n/a")
                    for m in per
                ],
            ]
        )
    return Table(
        "Delivery cost per run and outcomes per 100 staff-days (mean; middle 90% of runs)", head, rows, "table-cost"
    )


def _spread_table(brief: brief_mod.Brief, titles: dict[str, str]) -> Table | None:
    """Between-draw and within-draw shares of the spread of each comparison (runs over posterior draws)."""
    cs = [c for c in brief.contrasts if c.split is not None]
    if not cs:
        return None
    rows = []
    for c in cs:
        sp = c.split
        assert sp is not None  # cs keeps only the contrasts with a split
        ok = sp.identified and math.isfinite(sp.between_share)
        rows.append(
            [
                Cell(titles.get(c.scenario, c.scenario), left=True),
                Cell(brief_mod.outcome_words(c.metric).label, left=True),
                _c(sp.draws),
                _c(sp.runs),
                Cell(f"{100 * sp.between_share:.0f}%" if ok else "n/a"),
                Cell(f"{100 * (1 - sp.between_share):.0f}%" if ok else "n/a"),
            ]
        )
    return Table(
        "Where the spread comes from: parameter draws and run-to-run noise",
        ["Scenario", "Outcome", "Draws", "Pairs", "Between draws (parameters)", "Within draws (run-to-run noise)"],
        rows,
        "table-spread",
    )


def _sections(loc_res, levers: bool, where: bool) -> list[tuple[str, str]]:
    out = list(SECTIONS)
    i = out.index(("cost", dict(SECTIONS)["cost"]))
    if loc_res is not None:
        out.insert(i, LOCALITY_SECTION)
    j = out.index(("manifest", dict(SECTIONS)["manifest"]))
    extra = [s for s, on in ((LEVERS_SECTION, levers), (WHERE_SECTION, where)) if on]
    out[j:j] = extra
    return out


def _precision(precision: dict) -> dict[str, Any]:
    return dict(
        batch=precision.get("batch"),
        metric=precision.get("metric"),
        target=f"{100 * float(precision.get('target', 0)):.0f}%",
        reached=bool(precision.get("reached")),
        replicates=precision.get("replicates"),
        width=f"{100 * float(precision.get('width', 0)):.1f}%",
    )


def _quoted(row: pd.Series, titles: dict[str, str]) -> str:
    """A summary sentence with the scenarios named by their titles, in quotation marks."""
    r = dict(row)
    r["scenario"] = f"\u2018{titles.get(r['scenario'], r['scenario'])}\u2019"
    r["reference"] = f"\u2018{titles.get(r['reference'], r['reference'])}\u2019"
    return summary.sentence(r, pairs=False)


def _context(
    *,
    folder,
    manifest,
    runs,
    scenarios,
    reference,
    titles,
    comparison,
    desc,
    figs,
    tables,
    persistence,
    net_rows,
    precision,
    params_cols,
    outcome_metrics,
    loc_res,
    brief,
    headline_metrics,
) -> dict[str, Any]:
    exp = experiment_of(manifest)
    name = exp.get("name", folder.name)
    weeks = exp.get("weeks", int(runs["weeks"].max()) if "weeks" in runs else "?")
    reps = int(runs.groupby("scenario")["replicate"].nunique().min())
    levers = _levers(folder, titles)
    where = _where(brief, titles)
    sections = _sections(loc_res, levers is not None, where is not None)
    appendix: list[Table] = []

    # Summary.
    n_pairs = int(comparison["n_pairs"].min()) if len(comparison) else 0
    by_metric = []
    for metric in outcome_metrics:
        part = comparison[comparison["metric"] == metric]
        lines = [_quoted(r, titles) for _, r in part.iterrows()]
        if lines:
            by_metric.append((figures.label(metric), lines))
    summary_ctx = dict(
        single=len(scenarios) < 2,
        n_pairs=n_pairs,
        params_cols=params_cols,
        n_points=_n_points(runs, params_cols) if params_cols else 0,
        glance=_glance_table(comparison, desc, outcome_metrics, scenarios, reference, titles)
        if len(scenarios) > 1
        else None,
        no_follow_up=not set(PERSISTENCE_METRICS) <= set(outcome_metrics),
        by_metric=by_metric,
        precision=_precision(precision) if precision else None,
        spread=_spread_table(brief, titles),
        draws=brief.draws,
    )

    # Distributions, paired, sectors: their long tables go to the appendix.
    appendix.append(
        _describe_table(
            desc, outcome_metrics, scenarios, "Final outcomes: means with 95% intervals", "table-distributions"
        )
    )
    if len(comparison):
        appendix.append(_paired_table(comparison, titles))
    sector_metrics = [f"reached_{s}" for s in SECTORS if f"reached_{s}" in runs.columns] + [
        f"adopters_{s}" for s in SECTORS if f"adopters_{s}" in runs.columns
    ]
    if sector_metrics:
        appendix.append(
            _describe_table(desc, sector_metrics, scenarios, "By sector: means with 95% intervals", "table-sectors")
        )

    # Network.
    net = dict(
        figures=[figs[k] for k in figs if k.startswith("network_")],
        reproduced=all(r["reproduced"] for r in net_rows),
        sectors=", ".join(SECTOR_LABELS[s] for s in SECTORS),
        table=_frame_table(
            pd.DataFrame(net_rows),
            {
                "scenario": "Scenario",
                "seed": "Seed",
                "people": "People",
                "working_ties": "Working ties",
                "cross_sector_share": "Share across sectors",
                "projects": "Projects",
                "reproduced": "Reproduced",
            },
            "Network drawings: the re-run of each scenario",
        )
        if net_rows
        else None,
    )

    # Persistence.
    persist: dict[str, Any] = dict(table=None, short=False, sentences=[])
    if len(persistence):
        persist["table"] = _frame_table(
            persistence,
            {
                "scenario": "Scenario",
                "programme_end_week": "Programme ends (week)",
                "follow_up_weeks": "Follow-up (weeks)",
                "active_last_programme_year": "Active a week, last programme year",
                "active_follow_up": "Active a week, follow-up",
                "retained": "Retained",
                "retained_low": "95% CI low",
                "retained_high": "95% CI high",
            },
            "After the programme: people active a week, and the share retained",
        )
        persist["short"] = bool(persistence["follow_up_weeks"].min() == 0)
    if len(comparison):
        part = comparison[comparison["metric"].isin(PERSISTENCE_METRICS)]
        order = {m: k for k, m in enumerate(PERSISTENCE_METRICS)}
        part = part.assign(_o=part["metric"].map(order)).sort_values("_o", kind="stable")
        persist["sentences"] = [_quoted(r, titles) for _, r in part.iterrows()]

    # Localities.
    loc = None
    if loc_res is not None:
        lm = locality_mod
        metrics = [m for m in lm.TABLE_METRICS if m in set(loc_res.end["metric"])]
        wide = lm.end_table_wide(loc_res, metrics)
        rows = []
        for _, r in wide.iterrows():
            cells = [Cell(str(r["scenario"]), left=True), Cell(str(r["locality"]), left=True), _c(r["start"])]
            for m in metrics:
                v = r.get(m)
                cells.append(Cell(_interval(*v)) if isinstance(v, tuple) else Cell("n/a"))
            rows.append(cells)
        loc_table = Table(
            "By locality: end values (mean per run [95% interval])",
            ["Scenario", "Locality", "Programme starts (week)", *[lm.metric_label(m) for m in metrics]],
            rows,
            "table-localities",
        )
        appendix.append(loc_table)
        n = len(loc_res.localities)
        loc = dict(
            n=n,
            reference=loc_res.reference,
            missing=[s for s in scenarios if s not in loc_res.scenarios],
            sentences=loc_res.sentences,
            figures=[figs[f"localities_{m}"] for m in lm.FIGURE_METRICS if f"localities_{m}" in figs],
            shown="" if n <= lm.MAX_PANELS else f" (the first {lm.MAX_PANELS} of {n} localities; the tables hold all)",
        )

    # Cost, facts, levers, discovery.
    cost_table = _cost_table(brief, titles, headline_metrics)
    facts_table = _facts_table(brief.facts)
    if facts_table is not None:
        appendix.append(facts_table)
    if levers and levers.get("table") is not None:
        appendix.append(levers["table"])
    if where and where.get("table") is not None:
        appendix.append(where["table"])
    man = _manifest(manifest, runs, folder)
    appendix.append(man["table"])

    return dict(
        css=render.stylesheet("report.css"),
        name=name,
        weeks=weeks,
        reps=reps,
        scenarios=scenarios,
        reference=reference,
        titles=titles,
        sections=sections,
        brief=brief,
        figs=figs,
        summary=summary_ctx,
        comparison_n=len(comparison),
        reference_title=titles[reference],
        network=net,
        persistence=persist,
        localities=loc,
        cost=dict(table=cost_table, figure=figs.get("cost_outcomes"), part=brief.cost),
        levers=levers,
        where=where,
        manifest=man,
        appendix=appendix,
        tables=[f"tables/{p.name}" for p in tables.values()],
        sector_figures=[figs[k] for k in ("sectors_reached", "sectors_adopters", "sectors_projects") if k in figs],
        timeseries_figures=[figs[k] for k in figs if k.startswith("timeseries_") and k[11:] in SHOWN_TIMESERIES],
        timeseries_more=[figs[k] for k in figs if k.startswith("timeseries_") and k[11:] not in SHOWN_TIMESERIES],
    )


def _save_png(fig, path: Path, dpi: int = 110) -> None:
    """Save a figure as a 256-colour PNG (a third of the size; plots have few colours, white stays white)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    # The pixels of ``fig.savefig(format="png", dpi=dpi)``, without encoding a PNG only to decode it again
    # (a third of the time of a figure; tests/test_report.py checks the pixels are the same).
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgba = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
    img = rgba.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    write_bytes(path, out.getvalue())


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def _atomic_text(path: Path, text: str) -> None:
    write_text(path, text)

"""The policy report of a sweep folder: ``report.html`` (self-contained), ``figures/*.png``, ``tables/*.csv``.

:func:`build` reads a results folder written by the sweep engine
(``manifest.json``, ``runs.parquet``, ``timeseries.parquet``), compares
every scenario with the reference (the first scenario the experiment
lists) run by run, and writes the report. Sections, in order (each an HTML
``id``): ``summary``, ``timeseries``, ``distributions``, ``paired``,
``sectors``, ``network``, ``persistence``, ``localities`` (only when the
folder has ``localities.parquet``: runs with more than one locality),
``levers`` (only when a lever decomposition sits beside the runs:
:func:`_with_levers_section`), ``manifest``.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import ConfigError
from ..files import write_bytes, write_text
from ..metrics import KEY_METRICS, METRIC_BY_NAME, SUMMARY_METRICS, TIMESERIES_METRICS, locality_names
from ..sectors import SECTOR_LABELS, SECTORS
from . import figures, stats, summary
from . import localities as locality_mod
from .replay import experiment_of, programme_end, project_sector_shares, replay, scenario_entries, scenario_params

PERSISTENCE_METRICS = ("post_programme_activity", "projects_after_programme")
SUMMARY_OUTCOMES = (*KEY_METRICS, *PERSISTENCE_METRICS)
TABLE_METRICS = (*SUMMARY_OUTCOMES, "champions", "mean_confidence", "largest_component_share", "projects_failed",
                 "mean_project_sectors", "patient_projects")
HEADLINE = ("projects_started", "adopters", "post_programme_activity")  # the three-line summary
SECTIONS = (
    ("summary", "Summary"),
    ("timeseries", "Key outcomes over time"),
    ("distributions", "Final outcomes: distributions"),
    ("paired", "Paired differences against the reference"),
    ("sectors", "Breakdown by sector"),
    ("network", "The trust network at the end"),
    ("persistence", "After the programme: does activity persist?"),
    ("manifest", "Reproducing this report: the manifest"),
)
LOCALITY_SECTION = ("localities", "By locality")  # before the manifest, when the runs have several localities


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


def build(folder: str | Path, *, replay_runs: bool = True, draw: bool = True, workers: int = 1,
          precision: dict | None = None,
          n_resamples: int = stats.N_RESAMPLES) -> Report:
    """Write ``report.html``, ``figures/*.png`` and ``tables/*.csv`` into ``folder``; return what was written."""
    t0 = time.perf_counter()
    folder = Path(folder)
    runs, ts, manifest = load(folder)
    runs = runs.sort_values(["scenario", "replicate"], kind="stable").reset_index(drop=True)
    scenarios = scenario_entries(manifest, runs)
    reference = scenarios[0]
    metrics_present = stats.metrics_in(runs)
    params_cols = [c for c in manifest.get("swept", []) if c in runs.columns] or \
        stats.parameter_columns(runs, [*metrics_present, *SUMMARY_METRICS])
    keys = ["replicate", *params_cols]
    if precision is None and (folder / "precision.json").is_file():
        precision = json.loads((folder / "precision.json").read_text())

    # Programme end per scenario (for the follow-up period).
    ends = {}
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
    comparison = stats.compare(runs, reference, table_metrics, [s for s in scenarios if s != reference], keys=keys,
                               n_resamples=n_resamples)
    comparison_all = stats.compare(runs, reference, metrics_present, [s for s in scenarios if s != reference],
                                   keys=keys, n_resamples=n_resamples)
    desc = stats.describe(runs, metrics_present)
    sentences = summary.sentences(comparison, outcome_metrics, pairs=False)
    headline_metrics = [m if m not in skip else "projects_completed" for m in HEADLINE]
    headline = summary.headline(comparison, desc, [m for m in headline_metrics if m in runs.columns], reference)
    replays = replay(manifest, runs, scenarios, workers=workers) if replay_runs else {}

    fig_dir, tab_dir = folder / "figures", folder / "tables"
    fig_dir.mkdir(exist_ok=True)
    tab_dir.mkdir(exist_ok=True)
    written: dict[str, Path] = {}

    def save(name: str, figure_fn, *args) -> None:
        if not draw:
            return
        path = fig_dir / f"{name}.png"
        _save_png(figure_fn(*args), path)
        written[name] = path

    # Tables.
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

    # Figures.
    end_line = ref_end if len(band) and ref_end is not None and ref_end < float(band["week"].max()) else None
    for m in (m for m in KEY_METRICS if m in ts_metrics and len(band)):
        save(f"timeseries_{m}", figures.timeseries, band, m, scenarios, end_line)
    save("distributions", figures.distributions, runs, outcome_metrics, scenarios)
    if len(comparison):
        save("paired_ratios", figures.paired_ratios, comparison, outcome_metrics, scenarios, reference)
        save("paired_by_replicate", figures.paired_by_replicate, runs, outcome_metrics, scenarios, reference,
             comparison, keys)
    if all(f"reached_{s}" in runs.columns for s in SECTORS):
        save("sectors_reached", figures.sector_bars, desc, "reached_", scenarios, "People reached (people)",
             "Who was reached, by sector (mean and 95% interval)")
    if all(f"adopters_{s}" in runs.columns for s in SECTORS):
        save("sectors_adopters", figures.sector_bars, desc, "adopters_", scenarios, "Adopters (people)",
             "Who adopted system leadership, by sector (mean and 95% interval)")
    if len(shares):
        save("sectors_projects", figures.project_sectors, shares, scenarios)
    if replays:
        first = replays[next(iter(replays))]
        pos = figures.sector_layout(first.sector, first.org)
        for sc, rp in replays.items():
            if rp.sector.size != pos.shape[0] or not np.array_equal(rp.sector, first.sector):
                pos_sc = figures.sector_layout(rp.sector, rp.org)
            else:
                pos_sc = pos
            cross = float(np.mean(rp.sector[rp.tie_i] != rp.sector[rp.tie_j])) if rp.tie_i.size else 0.0
            title = (f"{sc}: {rp.tie_i.size:,} working ties, {100 * cross:.0f}% across sectors\n"
                     f"(replicate {rp.replicate}, seed {rp.seed}, week {rp.weeks})")
            save(f"network_{_slug(sc)}", figures.network, rp.tie_i, rp.tie_j, rp.sector, rp.mindset, pos_sc, title)
            net_rows.append(dict(scenario=sc, run_id=rp.run_id, replicate=rp.replicate, seed=rp.seed, weeks=rp.weeks,
                                 people=int(rp.sector.size), working_ties=int(rp.tie_i.size), cross_sector_share=cross,
                                 projects=len(rp.projects), reproduced=rp.reproduced))
        table("network_replays", pd.DataFrame(net_rows))
    persist_metrics = [m for m in PERSISTENCE_METRICS if m in runs.columns]
    if persist_metrics:
        save("persistence", figures.persistence, runs, scenarios, persist_metrics)

    # By locality.
    from ..sweep import load_localities

    loc = load_localities(folder)
    loc_res = None
    if loc is not None and len(loc):
        starts, names = {}, []
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
                save(f"localities_{m}", figures.locality_timeseries, loc_res.bands, m, loc_res.scenarios, panel,
                     names, starts)

    page = _html(folder, manifest, runs, scenarios, reference, comparison, desc, sentences, headline, written,
                 tables, persistence, net_rows, precision, ends, params_cols, outcome_metrics, loc_res)
    page = _with_levers_section(folder, page)
    out = folder / "report.html"
    _atomic_text(out, page)
    return Report(out, reference, scenarios, comparison, desc, sentences, headline, written, tables,
                  time.perf_counter() - t0)


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
        row = dict(scenario=sc, programme_end_week=end, follow_up_weeks=weeks_follow,
                   active_last_programme_year=float(last_year.mean()) if len(last_year) else math.nan,
                   active_follow_up=float(follow.mean()) if len(follow) else math.nan)
        if len(both):
            with np.errstate(divide="ignore", invalid="ignore"):
                kept = (both["follow_up"] / both["programme"]).replace([np.inf, -np.inf], np.nan).dropna()
            m, lo, hi = stats.mean_interval(kept.to_numpy()) if len(kept) else (math.nan,) * 3
            row.update(retained=m, retained_low=lo, retained_high=hi)
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;
color:#1a1a1a;line-height:1.45}
h1{font-size:1.9em;margin-bottom:.2em} h2{border-bottom:2px solid #0072B2;padding-bottom:.2em;margin-top:2em}
.lede{font-size:1.1em} .summary li{margin:.45em 0} .note{color:#555;font-size:.93em}
nav ol{columns:2} table{border-collapse:collapse;font-size:.88em;margin:1em 0} th,td{padding:.3em .6em;
border-bottom:1px solid #ddd;text-align:right} th{background:#f3f6fa} td:first-child,th:first-child,
td.l{text-align:left} figure{margin:1em 0} figure img{max-width:100%;height:auto;border:1px solid #eee}
td{white-space:nowrap} .wide{overflow-x:auto} h3{margin:1.2em 0 .2em;font-size:1.08em}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:1em}
figcaption{font-size:.9em;color:#444} code,pre{background:#f5f5f5;padding:.1em .3em;border-radius:3px}
pre{padding:.8em;overflow-x:auto;font-size:.85em} .warn{color:#a33}
"""


def _esc(x) -> str:
    return html.escape(str(x))


def _img(path: Path, alt: str, caption: str = "") -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    cap = f"<figcaption>{_esc(caption)}</figcaption>" if caption else ""
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{_esc(alt)}" '
            f'data-file="figures/{_esc(path.name)}">{cap}</figure>')


def _num(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    return summary.fmt(float(v)) if abs(float(v)) >= 1e-3 or v == 0 else f"{float(v):.1e}"


def _p(v: float) -> str:
    if not math.isfinite(v):
        return "n/a"
    return "&lt;0.0001" if v < 1e-4 else f"{v:.4f}"


def _paired_table(comparison: pd.DataFrame) -> str:
    head = ("<tr><th>Scenario</th><th>Outcome</th><th>Pairs</th><th>Mean</th><th>Mean (reference)</th>"
            "<th>Paired difference [95% CI]</th><th>Ratio [95% CI]</th><th>Effect size d<sub>z</sub></th>"
            "<th>P(scenario &gt; reference)</th><th>Wilcoxon p</th><th>Holm p</th></tr>")
    rows = []
    for _, r in comparison.iterrows():
        ratio = (f"{r['ratio']:.2f} [{r['ratio_low']:.2f}, {r['ratio_high']:.2f}]"
                 if math.isfinite(r["ratio_low"]) else "n/a")
        dz = r["cohens_dz"]
        dz_text = f"{dz:.2f}" if math.isfinite(dz) else ("+inf" if dz > 0 else "-inf")
        rows.append(
            f"<tr><td class=l>{_esc(r['scenario'])}</td><td class=l>{_esc(r['metric'])}</td><td>{r['n_pairs']}</td>"
            f"<td>{_num(r['mean'])}</td><td>{_num(r['mean_reference'])}</td>"
            f"<td>{_num(r['difference'])} [{_num(r['diff_low'])}, {_num(r['diff_high'])}]</td><td>{ratio}</td>"
            f"<td>{dz_text}</td><td>{r['prob_superiority']:.2f}</td><td>{_p(r['wilcoxon_p'])}</td>"
            f"<td>{_p(r['holm_p'])}</td></tr>")
    return f"<div class=wide><table>{head}{''.join(rows)}</table></div>"


def _n_points(runs: pd.DataFrame, cols: list[str]) -> int:
    return int(runs[cols].astype(str).drop_duplicates().shape[0])


def _glance_table(comparison: pd.DataFrame, desc: pd.DataFrame, metrics: list[str], scenarios: list[str],
                  reference: str) -> str:
    """Outcomes x scenarios: the mean per run, and for each other scenario its ratio to the reference (or, for
    shares and scales, the difference) with the 95% interval; '~' marks no clear difference."""
    head = "<tr><th>Outcome (unit)</th>" + "".join(
        f"<th>{_esc(s)}{' (reference)' if s == reference else ''}</th>" for s in scenarios) + "</tr>"
    d = desc.set_index(["scenario", "metric"])["mean"]
    c = comparison.set_index(["scenario", "metric"])
    rows = []
    for m in metrics:
        unit = METRIC_BY_NAME[m].unit if m in METRIC_BY_NAME else ""
        cells = []
        for sc in scenarios:
            mean = d.get((sc, m), math.nan)
            text = f"{100 * mean:.1f}%" if unit == "share" else _num(mean)
            if sc != reference and (sc, m) in c.index:
                r = c.loc[(sc, m)]
                mark = {1: "&#9650; ", -1: "&#9660; ", 0: "~ "}[int(r["direction"])]
                if unit not in summary.SCALE_UNITS and math.isfinite(r["ratio_low"]):
                    rel = f"&times;{r['ratio']:.2f} [{r['ratio_low']:.2f}, {r['ratio_high']:.2f}]"
                elif unit == "share":
                    rel = (f"{100 * r['difference']:+.1f} pts [{100 * r['diff_low']:+.1f}, "
                           f"{100 * r['diff_high']:+.1f}]")
                else:
                    rel = f"{r['difference']:+.3g} [{r['diff_low']:+.3g}, {r['diff_high']:+.3g}]"
                text += f"<br><small>{mark}{rel}</small>"
            cells.append(f"<td>{text}</td>")
        rows.append(f"<tr><td class=l>{_esc(figures.label(m))}</td>{''.join(cells)}</tr>")
    note = ("<p class=note>Means per run. Below each mean: the ratio to the reference (&times;) or, for shares, the "
            "difference in percentage points, with its 95% interval; &#9650; clearly higher, &#9660; clearly lower, "
            "~ no clear difference.</p>")
    return f"<div class=wide><table>{head}{''.join(rows)}</table></div>{note}"


def _describe_table(desc: pd.DataFrame, metrics: list[str], scenarios: list[str]) -> str:
    head = "<tr><th>Outcome (unit)</th>" + "".join(f"<th>{_esc(s)}</th>" for s in scenarios) + "</tr>"
    rows = []
    d = desc.set_index(["scenario", "metric"])
    for m in metrics:
        cells = []
        for s in scenarios:
            if (s, m) in d.index:
                r = d.loc[(s, m)]
                cells.append(f"<td>{_num(r['mean'])} [{_num(r['mean_low'])}, {_num(r['mean_high'])}]</td>")
            else:
                cells.append("<td>n/a</td>")
        unit = METRIC_BY_NAME[m].unit if m in METRIC_BY_NAME else ""
        rows.append(f"<tr><td class=l>{_esc(m)} ({_esc(unit)})</td>{''.join(cells)}</tr>")
    return f"<div class=wide><table>{head}{''.join(rows)}</table></div>"


def _frame_table(df: pd.DataFrame, columns: dict[str, str]) -> str:
    head = "<tr>" + "".join(f"<th>{_esc(v)}</th>" for v in columns.values()) + "</tr>"
    rows = []
    for _, r in df.iterrows():
        cells = []
        for k in columns:
            v = r.get(k)
            cells.append(f"<td class=l>{_esc(v)}</td>" if isinstance(v, str) else f"<td>{_num(v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<div class=wide><table>{head}{''.join(rows)}</table></div>"


MANIFEST_FIELDS = ("name", "version", "python", "platform", "packages", "started", "finished", "n_runs", "swept",
                   "fingerprint", "format")


def _manifest_html(manifest: dict, runs: pd.DataFrame, folder: Path) -> str:
    exp = experiment_of(manifest)
    seeds = sorted(set(zip(runs["replicate"].astype(int), runs["seed"].astype(int))))
    seed_text = ", ".join(f"{r}: {s}" for r, s in seeds[:10]) + (f", ... ({len(seeds)} in all)" if len(seeds) > 10
                                                                  else "")
    rows = []
    for key in MANIFEST_FIELDS:
        if key not in manifest:
            continue
        value = manifest[key]
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list):
            value = ", ".join(map(str, value)) or "(none)"
        rows.append(f"<tr><td class=l>{_esc(key)}</td><td class=l>{_esc(value)}</td></tr>")
    sessions = manifest.get("sessions") or []
    if sessions:
        rows.append("<tr><td class=l>sessions</td><td class=l>" + "<br>".join(
            _esc(f"{x.get('started')} to {x.get('finished')} on {x.get('engine')}: {x.get('runs_done')} runs")
            for x in sessions) + "</td></tr>")
    for name, info in (manifest.get("scenarios") or {}).items():
        if isinstance(info, dict):
            where = info.get("file") or "built-in"
            rows.append(f"<tr><td class=l>scenario {_esc(name)}</td><td class=l>{_esc(info.get('description', ''))} "
                        f"({_esc(where)})</td></tr>")
    reps = runs.groupby("scenario")["replicate"].nunique()
    try:
        import tomli_w

        toml = tomli_w.dumps(manifest.get("experiment", exp))
    except (TypeError, ValueError):
        toml = json.dumps(manifest.get("experiment", exp), indent=2, default=str)
    return (
        f"<p>Runs in this folder: <b>{len(runs)}</b> ({', '.join(f'{_esc(s)}: {n}' for s, n in reps.items())} "
        f"replicates). Each replicate's seed is derived from the experiment seed and the replicate index and is the "
        f"same in every scenario (common random numbers). Seeds by replicate: {_esc(seed_text)}.</p>"
        f"<p>To reproduce: save the experiment below as a file and run <code>syslead sweep EXPERIMENT.toml --out "
        f"DIR</code>, then <code>syslead report DIR</code>; to reproduce one run bit for bit: <code>syslead rerun "
        f"{_esc(folder)} RUN_ID --out D2</code> (run ids are in <code>runs.parquet</code>).</p>"
        f"<pre>{_esc(toml)}</pre><table>{''.join(rows)}</table>"
    )


def _html(folder, manifest, runs, scenarios, reference, comparison, desc, sentences, headline, figs, tables,
          persistence, net_rows, precision, ends, params_cols, outcome_metrics, loc_res=None) -> str:
    exp = experiment_of(manifest)
    name = exp.get("name", folder.name)
    weeks = exp.get("weeks", int(runs.get("weeks", pd.Series([0])).max()) if "weeks" in runs else "?")
    reps = int(runs.groupby("scenario")["replicate"].nunique().min())
    parts = [f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>syslead report: {_esc(name)}</title>"
             f"<meta name=viewport content='width=device-width,initial-scale=1'><style>{CSS}</style></head><body>",
             f"<h1>System leadership: {_esc(name)}</h1>",
             f"<p class=lede>Scenarios: {', '.join(f'<b>{_esc(s)}</b>' for s in scenarios)}. Reference: "
             f"<b>{_esc(reference)}</b> (the first listed). {reps} paired replicates per scenario, {_esc(weeks)} "
             f"weeks each (1 step = 1 week).</p>",
             "<nav><ol>" + "".join(f"<li><a href='#{k}'>{_esc(t)}</a></li>" for k, t in _sections(loc_res))
             + "</ol></nav>"]

    def section(key: str, body: str) -> None:
        title = dict(_sections(loc_res))[key]
        parts.append(f"<section id='{key}'><h2>{_esc(title)}</h2>{body}</section>")

    # Summary.
    if len(scenarios) < 2:
        body = "<p>Only one scenario in this folder: there is nothing to compare it with.</p>"
    else:
        n_pairs = int(comparison["n_pairs"].min()) if len(comparison) else 0
        body = (f"<p>Each scenario is compared with the reference, <b>{_esc(reference)}</b>, replicate by replicate "
                f"({n_pairs} pairs: the same seeds, so the same people and initial network, and the same chance "
                "events until the scenarios draw differently), with 95% "
                "bootstrap intervals. 'No clear difference' means the interval includes no difference at all.</p>"
                + (f"<p>This sweep varies {', '.join(f'<code>{_esc(c)}</code>' for c in params_cols)}: runs are "
                   f"paired on replicate and parameter point ({_n_points(runs, params_cols)} points), and each "
                   "comparison averages over all of them.</p>" if params_cols else "")
                + _glance_table(comparison, desc, outcome_metrics, scenarios, reference))
        if not set(PERSISTENCE_METRICS) <= set(outcome_metrics):
            body += ("<p class=note>The runs end before the funded programme does, so there is no follow-up: "
                     "activity after the programme is not compared.</p>")
        for metric in outcome_metrics:
            lines = summary.sentences(comparison, [metric], pairs=False)
            if lines:
                body += (f"<h3>{_esc(figures.label(metric))}</h3><ul class=summary>"
                         + "".join(f"<li>{_esc(x)}</li>" for x in lines) + "</ul>")
    if precision:
        body += _precision_html(precision)
    body += ("<p class=note>These are results of a model, not forecasts: they say what follows from the mechanisms "
             "and parameters documented in docs/ODD.md. Wording follows the numbers in whichever direction they "
             "fall.</p>")
    section("summary", body)

    # Time series.
    ts_figs = [k for k in figs if k.startswith("timeseries_")]
    body = ("<p>Mean over replicates per week; the dark band is the 95% interval of the mean, the light band the "
            "middle 95% of individual runs. The dotted line marks the end of the funded programme.</p><div class=grid>"
            + "".join(_img(figs[k], k) for k in ts_figs) + "</div>")
    section("timeseries", body)

    # Distributions.
    body = ("<p>Every run's final value (dots) with the quartiles (boxes). Means with 95% intervals:</p>"
            + _describe_table(desc, outcome_metrics, scenarios)
            + (_img(figs["distributions"], "distributions") if "distributions" in figs else ""))
    section("distributions", body)

    # Paired.
    if len(comparison):
        body = (f"<p>For each replicate, the scenario's value minus the reference's ({_esc(reference)}) under the same "
                "seed. Intervals: bootstrap (BCa, 9,999 resamples of the pairs) for the mean difference and the ratio "
                "of means. Effect size d<sub>z</sub> = mean difference / standard deviation of the differences; "
                "P(scenario &gt; reference) = share of replicates where the scenario came out higher. p-values: "
                "two-sided Wilcoxon signed-rank test on the differences; Holm p adjusts them for the "
                f"{len(comparison)} tests of this table (family-wise error).</p>"
                + _paired_table(comparison)
                + "".join(_img(figs[k], k) for k in ("paired_ratios", "paired_by_replicate") if k in figs))
    else:
        body = "<p>Only one scenario: no paired comparison.</p>"
    section("paired", body)

    # Sectors.
    body = ("<p>Who was reached and who came to practise system leadership, by sector (means over replicates with "
            "95% intervals), and which sectors the project teams drew on in one replicate of each scenario.</p>"
            + "".join(_img(figs[k], k) for k in ("sectors_reached", "sectors_adopters", "sectors_projects")
                      if k in figs))
    body += _describe_table(desc, [f"reached_{s}" for s in SECTORS if f"reached_{s}" in runs.columns]
                            + [f"adopters_{s}" for s in SECTORS if f"adopters_{s}" in runs.columns], scenarios)
    section("sectors", body)

    # Network.
    net_figs = [k for k in figs if k.startswith("network_")]
    if net_figs:
        repro = all(r["reproduced"] for r in net_rows)
        note = ("Each drawing is replicate 0 re-run from the manifest; its metrics match the stored run exactly."
                if repro else "<span class=warn>Warning: a re-run did not reproduce its stored metrics exactly "
                "(see tables/network_replays.csv); the code may have changed since the sweep.</span>")
        body = ("<p>Working trust ties (trust at or above the working threshold) at the end of the run. Each sector "
                "is a wedge of the disc, its organisations side by side; grey ties stay within a sector, dark ties "
                "cross sectors. Dots are people coloured by sector ("
                + ", ".join(_esc(SECTOR_LABELS[s]) for s in SECTORS)
                + "), larger the further along the mindset stages they are. The same people sit in the same place "
                f"in every panel. {note}</p><div class=grid>" + "".join(_img(figs[k], k) for k in net_figs) + "</div>"
                + _frame_table(pd.DataFrame(net_rows), {"scenario": "Scenario", "seed": "Seed", "people": "People",
                                                        "working_ties": "Working ties",
                                                        "cross_sector_share": "Share across sectors",
                                                        "projects": "Projects", "reproduced": "Reproduced"}))
    else:
        body = "<p>Network drawings were not produced (report built without re-running or without figures).</p>"
    section("network", body)

    # Persistence.
    body = ("<p>Funded events stop at the end of the programme; from then on only what people convene themselves "
            "keeps going. 'Retained' is, per run, the mean number of people active a week in the follow-up divided "
            "by the mean in the programme's last year (1 = fully kept up).</p>")
    if len(persistence):
        body += _frame_table(persistence, {"scenario": "Scenario", "programme_end_week": "Programme ends (week)",
                                           "follow_up_weeks": "Follow-up (weeks)",
                                           "active_last_programme_year": "Active a week, last programme year",
                                           "active_follow_up": "Active a week, follow-up",
                                           "retained": "Retained", "retained_low": "95% CI low",
                                           "retained_high": "95% CI high"})
        if persistence["follow_up_weeks"].min() == 0:
            body += "<p class=warn>Some runs end before the programme does: there is no follow-up to show.</p>"
    body += "".join(_img(figs[k], k) for k in ("timeseries_active_people", "persistence") if k in figs)
    persist_sent = summary.sentences(comparison, list(PERSISTENCE_METRICS)) if len(comparison) else []
    if persist_sent:
        body += "<ul class=summary>" + "".join(f"<li>{_esc(s)}</li>" for s in persist_sent) + "</ul>"
    section("persistence", body)

    if loc_res is not None:
        section("localities", _localities_html(loc_res, figs, scenarios))

    section("manifest", _manifest_html(manifest, runs, folder)
            + "<p>Files: " + ", ".join(f"<code>tables/{p.name}</code>" for p in tables.values())
            + "; figures as PNG under <code>figures/</code>.</p>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _with_levers_section(folder: Path, page: str) -> str:
    """Add the section "Why the strategies differ" (before the manifest) when a lever decomposition sits beside
    the runs: ``levers.csv`` in the folder, or in its ``levers/`` subfolder (``syslead decompose A B --out
    FOLDER/levers``). Self-contained (text from :mod:`simulation.analysis.decompose`), so it moves as one piece."""
    from ..run import version
    from . import decompose as dec

    found = next((p for p in (folder / dec.LEVERS_CSV, folder / "levers" / dec.LEVERS_CSV) if p.is_file()), None)
    if found is None:
        return page
    try:
        table, meta = dec.load_levers(found)
        a, b = meta.get("a_name", "A"), meta.get("b_name", "B")
        levers = meta.get("levers", [])
        where = found.parent.relative_to(folder) if found.parent != folder else Path(".")
        body = (f"<p>Which of the strategy levers make the difference between <b>{_esc(a)}</b> and <b>{_esc(b)}</b>? "
                f"Each of the {len(levers)} levers where they differ was switched from {_esc(a)}'s value to "
                f"{_esc(b)}'s in every combination ({meta.get('cells')} combinations x {meta.get('replicates')} paired "
                f"replicates, {meta.get('weeks')} weeks, {_num(meta.get('population'))} people; "
                f"<code>{_esc(where / dec.LEVERS_CSV)}</code>). A lever's share of the gap is its Shapley value: "
                "what switching it adds, averaged over every order in which the levers could be switched, so the "
                "shares add up to the whole gap, interactions included. Intervals: 95% bootstrap over replicates. "
                "A lever can raise one outcome and lower another.</p>")
        try:
            runs_version = json.loads((folder / "manifest.json").read_text()).get("version") or version()
        except (OSError, ValueError, AttributeError):
            runs_version = version()
        if meta.get("version") != runs_version:
            body += (f"<p class=warn>The decomposition was made by syslead {_esc(meta.get('version'))}, the runs of "
                     f"this report by {_esc(runs_version)}: if the model changed in between, run <code>syslead "
                     "decompose</code> again.</p>")
        if meta.get("other_differences"):
            others = ", ".join(meta["other_differences"])
            body += (f"<p class=note>{_esc(a)} and {_esc(b)} also differ in parameters that are not strategy levers "
                     f"({_esc(others)}); they were held at {_esc(a)}'s values, so the gap split here is "
                     f"{_esc(a)} against {_esc(a)} with all of {_esc(b)}'s levers.</p>")
        stories = dec.why_the_strategies_differ(table, meta)
        body += "<ul class=summary>" + "".join(f"<li>{_esc(t)}</li>" for t in dec.paragraphs(stories, a, b)) + "</ul>"
        png = found.with_name(dec.LEVERS_PNG)
        if png.is_file():
            data = base64.b64encode(png.read_bytes()).decode("ascii")
            body += (f'<figure><img src="data:image/png;base64,{data}" alt="Shapley value of each lever per outcome" '
                     f'data-file="{_esc(where / dec.LEVERS_PNG)}"></figure>')
        outcomes = list(dict.fromkeys(table["outcome"]))
        cell = {(r["lever"], r["outcome"]): r for r in table.to_dict("records")}
        head = ("<tr><th>Lever</th><th>" + _esc(a) + "</th><th>" + _esc(b) + "</th>"
                + "".join(f"<th>{_esc(dec.outcome_label(o))}</th>" for o in outcomes) + "</tr>")
        rows = []
        for lv in levers:
            got = [cell.get((lv["lever"], o)) for o in outcomes]
            cells = "".join(f"<td>{_num(r['shapley'])}<br><small>[{_num(r['ci_low'])}, {_num(r['ci_high'])}]</small>"
                            "</td>" if r else "<td>n/a</td>" for r in got)
            rows.append(f"<tr><td class=l>{_esc(dec.lever_label(lv['lever']))}</td><td>{_esc(lv.get('a_value'))}</td>"
                        f"<td>{_esc(lv.get('b_value'))}</td>{cells}</tr>")
        body += (f"<p>Shapley values [95% interval], in each outcome's own unit:</p><div class=wide><table>{head}"
                 f"{''.join(rows)}</table></div>")
    except (ConfigError, KeyError, TypeError, ValueError) as exc:
        body = f"<p class=warn>The lever decomposition in {_esc(found)} cannot be read: {_esc(exc)}</p>"
    section = f"<section id='levers'><h2>Why the strategies differ</h2>{body}</section>\n"
    nav = "<li><a href='#levers'>Why the strategies differ</a></li>"
    page = page.replace("<li><a href='#manifest'>", nav + "<li><a href='#manifest'>", 1)
    return page.replace("<section id='manifest'>", section + "<section id='manifest'>", 1)


def _sections(loc_res) -> tuple[tuple[str, str], ...]:
    if loc_res is None:
        return SECTIONS
    return (*SECTIONS[:-1], LOCALITY_SECTION, SECTIONS[-1])


def _localities_html(res, figs: dict, scenarios: list[str]) -> str:
    lm = locality_mod
    n = len(res.localities)
    missing = [s for s in scenarios if s not in res.scenarios]
    body = (f"<p>Outcomes of each of the {n} localities (people and projects counted where they belong, and summed "
            "over localities they give the totals above; working ties within a locality, plus half the ties between "
            "localities, give the total working ties). Localities are named by <code>population.locality_names</code> "
            "of the first scenario. Means over runs with 95% intervals; "
            + ("each scenario is compared with " + f"<b>{_esc(res.reference)}</b> locality by locality, replicate by "
               "replicate (the same seeds), as in the rest of the report." if res.reference else
               "only one scenario has several localities, so there is no comparison between scenarios here.")
            + "</p>")
    if missing:
        body += (f"<p class=note>Not shown here (one locality, so its totals above are its only locality): "
                 f"{', '.join(_esc(s) for s in missing)}.</p>")
    if res.sentences:
        body += "<ul class=summary>" + "".join(f"<li>{_esc(x)}</li>" for x in res.sentences) + "</ul>"
    loc_figs = [f"localities_{m}" for m in lm.FIGURE_METRICS if f"localities_{m}" in figs]
    if loc_figs:
        shown = "" if n <= lm.MAX_PANELS else f" (the first {lm.MAX_PANELS} of {n} localities; the tables hold all)"
        body += (f"<p>Over time{shown}: the mean per week (line), the 95% interval of the mean (dark band) and the "
                 "middle 95% of runs (light band); a dotted line marks the week the programme starts in a locality "
                 "when that is not week 1.</p>" + "".join(_img(figs[k], k) for k in loc_figs))
    metrics = [m for m in lm.TABLE_METRICS if m in set(res.end["metric"])]
    wide = lm.end_table_wide(res, metrics)
    head = ("<tr><th>Scenario</th><th>Locality</th><th>Programme starts (week)</th>"
            + "".join(f"<th>{_esc(lm.metric_label(m))}</th>" for m in metrics) + "</tr>")
    rows = []
    for _, r in wide.iterrows():
        cells = [f"<td class=l>{_esc(r['scenario'])}</td>", f"<td class=l>{_esc(r['locality'])}</td>",
                 f"<td>{_num(r['start'])}</td>"]
        for m in metrics:
            v = r.get(m)
            cells.append(f"<td>{_num(v[0])} [{_num(v[1])}, {_num(v[2])}]</td>" if isinstance(v, tuple)
                         else "<td>n/a</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    body += ("<p>At the end of the runs (mean per run [95% interval]):</p><div class=wide><table>" + head
             + "".join(rows) + "</table></div><p class=note>Every outcome per locality, and the paired comparisons "
             "per locality with effect sizes and p-values, are in <code>tables/localities_end.csv</code> and "
             "<code>tables/localities_paired.csv</code>.</p>")
    return body


def _precision_html(precision: dict) -> str:
    ok = precision.get("reached")
    return (f"<p><b>Precision.</b> Replicates were added in batches of {precision.get('batch')} until the 95% "
            f"interval of the headline ratio ({_esc(precision.get('metric'))}) was narrower than "
            f"{100 * float(precision.get('target', 0)):.0f}% of the estimate for every scenario"
            + (f": reached with <b>{precision.get('replicates')}</b> replicates (widest relative width "
               f"{100 * float(precision.get('width', 0)):.1f}%)." if ok else
               f": <span class=warn>not reached</span> at the cap of {precision.get('replicates')} replicates "
               f"(widest relative width {100 * float(precision.get('width', 0)):.1f}%).")
            + "</p>")


def _save_png(fig, path: Path, dpi: int = 110) -> None:
    """Save a figure as a 256-colour PNG (a third of the size; plots have few colours, white stays white)."""
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    buf.seek(0)
    img = Image.open(buf).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    write_bytes(path, out.getvalue())


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def _atomic_text(path: Path, text: str) -> None:
    write_text(path, text)


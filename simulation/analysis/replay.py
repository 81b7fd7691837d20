"""Re-run one replicate of a sweep to look inside it (the network at the end, which sectors projects joined).

A sweep stores metrics, not models. For the pictures that need the state of
a run (its trust network, its project teams), the report re-runs replicate 0
of each scenario from the manifest: same scenario, same overrides, same seed
and weeks, hence bit-identical to the stored run (the report checks that the
metrics match and says so).
"""

from __future__ import annotations

import math
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import ConfigError, Params, make_params
from ..metrics import SUMMARY_METRICS
from ..sectors import SECTORS


def experiment_of(manifest: dict) -> dict:
    """The experiment of a sweep manifest as one flat table: name, weeks, replicates, seed, scenarios, set,
    grid, sample."""
    exp = manifest.get("experiment", {})
    if not isinstance(exp, dict):
        return {}
    if isinstance(exp.get("experiment"), dict):  # the TOML layout: [experiment], [set], [grid], [sample]
        return {**exp["experiment"], **{k: exp[k] for k in ("set", "grid", "sample") if k in exp}}
    return exp


def scenario_entries(manifest: dict, runs: pd.DataFrame) -> list[str]:
    """Scenario names in the order the experiment lists them (the first is the reference), then any others
    found in ``runs``."""
    listed = list(manifest.get("scenarios") or {}) if isinstance(manifest.get("scenarios"), dict) else []
    if not listed:
        listed = [str(s) for s in experiment_of(manifest).get("scenarios", [])]
    present = [str(s) for s in pd.unique(runs["scenario"])]
    return [n for n in listed if n in present] + [s for s in present if s not in listed]


def run_spec(manifest: dict, run_id: str) -> tuple[Params, int, int]:
    """``(params, seed, weeks)`` of one run, from the manifest alone (the scenario data it recorded, the
    experiment's ``[set]`` and the run's parameter point), as ``syslead rerun`` does."""
    entry = next((r for r in manifest.get("runs", []) if r.get("run_id") == run_id), None)
    if entry is None:
        raise ConfigError(f"run '{run_id}' is not in the manifest")
    try:
        data = manifest["scenarios"][entry["scenario"]]["data"]
        point = manifest.get("points", [{}])[entry.get("point", 0)] if manifest.get("points") else {}
        overrides = {**(manifest["experiment"].get("set") or {}), **point}
        weeks = int(experiment_of(manifest)["weeks"])
    except (KeyError, IndexError, TypeError) as exc:
        raise ConfigError(f"manifest.json is damaged ({exc!r} missing)") from None
    return make_params(data, overrides), int(entry["seed"]), weeks


def scenario_params(manifest: dict, runs: pd.DataFrame, scenario: str) -> Params:
    """Parameters of the scenario's first stored run."""
    row = runs[runs["scenario"] == scenario].sort_values("replicate").iloc[0]
    return run_spec(manifest, str(row["run_id"]))[0]


def programme_end(params: Params) -> int:
    """The last week of funded activity, as the model counts it (later localities extend it)."""
    starts = params.programme.locality_start_weeks
    return params.programme.end_week + (max(starts) - 1 if starts else 0)


@dataclass
class Replay:
    scenario: str
    run_id: str
    replicate: int
    seed: int
    weeks: int
    reproduced: bool  # every stored summary metric equal to the re-run's
    sector: np.ndarray
    org: np.ndarray
    mindset: np.ndarray
    tie_i: np.ndarray  # working ties at the end
    tie_j: np.ndarray
    projects: pd.DataFrame
    metrics: dict[str, float]


def _job(params: Params, seed: int, weeks: int, scenario: str) -> dict:
    from ..run import run

    res = run(params, seed, weeks, scenario=scenario, keep_model=True)
    m = res.model
    assert m is not None  # (typing: run with keep_model=True keeps it)
    working = m.trust.w >= params.trust.working_threshold
    people = m.people
    return dict(
        sector=people.sector.copy(),
        org=people.org.copy(),
        mindset=people.mindset.copy(),
        tie_i=m.trust.i[working].copy(),
        tie_j=m.trust.j[working].copy(),
        projects=res.projects,
        metrics=res.metrics,
    )


def replay(
    manifest: dict,
    runs: pd.DataFrame,
    scenarios: list[str],
    *,
    replicate: int = 0,
    executor: Executor | None = None,
    workers: int = 1,
) -> dict[str, Replay]:
    """Re-run ``replicate`` (its first stored row) of each scenario; in parallel if ``workers > 1``."""
    todo = {}
    for sc in scenarios:
        part = runs[(runs["scenario"] == sc) & (runs["replicate"] == replicate)]
        if part.empty:
            part = runs[runs["scenario"] == sc].sort_values("replicate")
        if part.empty:
            continue
        row = part.iloc[0]
        todo[sc] = (row, *run_spec(manifest, str(row["run_id"])))
    own = None
    if executor is None and workers > 1 and len(todo) > 1:
        from ..sweep import process_pool  # forkserver workers: no threads inherited

        own = executor = process_pool(min(workers, len(todo)))
    try:
        if executor is not None:
            futures = {sc: executor.submit(_job, p, seed, weeks, sc) for sc, (_, p, seed, weeks) in todo.items()}
            results = {sc: f.result() for sc, f in futures.items()}
        else:
            results = {sc: _job(p, seed, weeks, sc) for sc, (_, p, seed, weeks) in todo.items()}
    finally:
        if own is not None:
            own.shutdown()
    out = {}
    for sc, (row, _, seed, weeks) in todo.items():
        r = results[sc]
        stored = {k: float(row[k]) for k in SUMMARY_METRICS if k in row.index}
        same = all(_same(r["metrics"].get(k, math.nan), v) for k, v in stored.items())
        out[sc] = Replay(sc, str(row["run_id"]), int(row["replicate"]), seed, weeks, same, **r)
    return out


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def project_sector_shares(replays: dict[str, Replay]) -> pd.DataFrame:
    """For each scenario's replayed run: share of its projects whose team includes each sector."""
    rows = []
    for sc, rp in replays.items():
        teams = rp.projects["sectors"].fillna("").astype(str).str.split(";")
        n = len(teams)
        for s in SECTORS:
            k = int(sum(s in t for t in teams))
            rows.append(
                dict(scenario=sc, sector=s, projects=n, projects_with_sector=k, share_of_projects=k / n if n else 0.0)
            )
    return pd.DataFrame(rows)

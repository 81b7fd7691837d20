"""Re-run one run of a sweep from its manifest alone, and check it against the sweep's results."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ..config import ConfigError, make_params
from ..metrics import SUMMARY_METRICS, TIMESERIES_METRICS
from ..run import RunResult, run, write_run
from .store import Store


@dataclass
class Rerun:
    result: RunResult
    run: dict[str, Any]  # the manifest's entry: run_id, scenario, point, replicate, seed
    compared: str | None = None  # where the sweep's numbers came from, None if the run is not finished there
    differences: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return self.compared is not None and not self.differences


def find_run(manifest: dict[str, Any], run_id: str, where: str) -> dict[str, Any]:
    """The manifest entry of ``run_id`` (a unique prefix is enough)."""
    runs = manifest["runs"]
    hits = [r for r in runs if r["run_id"] == run_id] or [r for r in runs if r["run_id"].startswith(run_id)]
    if len(hits) == 1 and run_id:
        return hits[0]
    if not hits or not run_id:
        example = f" (e.g. {runs[0]['run_id']})" if runs else ""
        raise ConfigError(
            f"run id {run_id!r} is not in {where} ({len(runs)} runs{example}); see the run_id column of runs.parquet"
        )
    raise ConfigError(f"run id {run_id!r} is ambiguous in {where}: {len(hits)} runs start with it")


def _sweep_numbers(store: Store, run_id: str) -> tuple[str, dict[str, Any], pd.DataFrame] | None:
    """The sweep's row and timeseries of ``run_id``: from the consolidated tables, else from its part."""
    if store.runs_path.exists() and store.timeseries_path.exists():
        rows = pq.read_table(store.runs_path, filters=[("run_id", "=", run_id)]).to_pylist()
        if rows:
            ts = pq.read_table(store.timeseries_path, filters=[("run_id", "=", run_id)]).to_pandas()
            return f"{store.runs_path} and {store.timeseries_path.name}", rows[0], ts
    if store.part_path(run_id).exists():
        row, table = store.read_part(run_id)
        return str(store.part_path(run_id)), row, table.to_pandas()
    return None


def _sweep_localities(store: Store, run_id: str) -> pd.DataFrame | None:
    """The sweep's outcomes per locality of ``run_id``: from ``localities.parquet``, else from its locality part."""
    if store.localities_path.exists():
        loc = pq.read_table(store.localities_path, filters=[("run_id", "=", run_id)]).to_pandas()
        if len(loc):
            return loc
    if store.locality_part_path(run_id).exists():
        return store.read_locality_part(run_id).to_pandas()
    return None


def _same(a: float, b: float) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def rerun(folder: str | Path, run_id: str, out: str | Path | None = None) -> Rerun:
    """Reproduce run ``run_id`` of the sweep in ``folder`` from its manifest (parameters, seed, weeks), write
    the standard run files into ``out`` (if given) and compare with the sweep's stored numbers."""
    store = Store(folder)
    manifest = store.read_manifest()
    if manifest is None:
        raise ConfigError(f"{folder} holds no sweep results (manifest.json is missing)")
    entry = find_run(manifest, run_id, str(store.manifest_path))
    name = entry["scenario"]
    try:
        data = manifest["scenarios"][name]["data"]
        overrides = {**manifest["experiment"].get("set", {}), **manifest["points"][entry["point"]]}
        weeks = manifest["experiment"]["experiment"]["weeks"]
    except (KeyError, IndexError, TypeError) as exc:
        raise ConfigError(f"{store.manifest_path} is damaged ({exc!r} missing); it was left as it is") from None
    params = make_params(data, overrides)
    result = run(params, entry["seed"], weeks, scenario=name)
    if out is not None:
        write_run(result, out)
    outcome = Rerun(result, entry)
    stored = _sweep_numbers(store, entry["run_id"])
    if stored is not None:
        outcome.compared, row, ts = stored
        for m in SUMMARY_METRICS:
            if not _same(float(result.metrics[m]), float(row[m])):
                outcome.differences.append(f"{m}: sweep {row[m]!r}, rerun {result.metrics[m]!r}")
        mine = result.timeseries.reset_index(drop=True)
        theirs = ts.reset_index(drop=True)
        cols = ["week", *TIMESERIES_METRICS]
        if len(mine) != len(theirs):
            outcome.differences.append(f"timeseries: sweep {len(theirs)} weeks, rerun {len(mine)}")
        else:
            for c in cols:
                a, b = mine[c].to_numpy(), theirs[c].to_numpy()
                if not ((a == b) | (pd.isna(a) & pd.isna(b))).all():
                    outcome.differences.append(f"timeseries column {c} differs")
        if params.population.localities > 1 and result.localities is not None:
            stored_loc = _sweep_localities(store, entry["run_id"])
            mine = result.localities.reset_index(drop=True)
            if stored_loc is None:
                outcome.differences.append("outcomes per locality: not stored in the sweep")
            elif len(stored_loc) != len(mine):
                outcome.differences.append(f"localities: sweep {len(stored_loc)} rows, rerun {len(mine)}")
            else:
                theirs = stored_loc.reset_index(drop=True)
                for c in mine.columns:
                    a, b = mine[c].to_numpy(np.float64), theirs[c].to_numpy(np.float64)
                    if not ((a == b) | (np.isnan(a) & np.isnan(b))).all():
                        outcome.differences.append(f"localities column {c} differs")
    return outcome

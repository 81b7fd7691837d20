"""The results folder of a sweep: durable parts, consolidated tables and the manifest.

Layout of ``DIR``::

    manifest.json        the experiment as resolved, the run ids, versions, times
    parts/RUN_ID.parquet one file per finished run (its timeseries; its summary row in the file's metadata)
    parts/localities/RUN_ID.parquet
                         outcomes per week and locality of a run with more than one locality
    runs.parquet         one row per run, in plan order (built from the parts when every run is done)
    timeseries.parquet   run_id, week and every timeseries metric (likewise)
    localities.parquet   run_id, week, locality and every locality metric, for the runs with more than one
                         locality (only when there are such runs; likewise)

A run counts as done once its part is on disk: each part is written to a
temporary file, flushed to disk and moved into place with ``os.replace``, so
a part is either whole or absent. A run's locality part is written (the
same way) before its part, so a finished run always has both; a locality
part without its run's part is left over from a kill and is replaced when
the run is done. ``parts/`` is the source of truth; the tables are rebuilt
from it, streaming one part at a time, and replaced atomically. Nothing
here deletes or overwrites a results file it cannot read: it reports it
(:class:`ConfigError` naming the file) and stops.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..config import ConfigError
from ..files import atomic_path
from ..metrics import LOCALITY_METRICS, SUMMARY_METRICS, TIMESERIES_METRICS

FORMAT = "syslead-sweep/1"
MANIFEST = "manifest.json"
RUNS = "runs.parquet"
TIMESERIES = "timeseries.parquet"
LOCALITIES = "localities.parquet"
PARTS = "parts"
LOCALITY_PARTS = "localities"  # under parts/
ROW_KEY = b"syslead.row"
# Consolidation holds one row group of each table in memory, and the Parquet writer keeps about 40 kB of
# metadata per row group until it writes the footer. Rows per group ~ sqrt(total rows) balances the two
# (measured): about 1,000 timeseries rows for small sweeps, 2,800 for 2,000 runs of 156 weeks.
RUN_ROWS_PER_GROUP = (64, 16_384)  # (fewest, most)
TIMESERIES_ROWS_PER_GROUP = (1_024, 65_536)
LOCALITY_ROWS_PER_GROUP = (1_024, 65_536)


def rows_per_group(total: int, bounds: tuple[int, int], factor: float) -> int:
    return int(min(bounds[1], max(bounds[0], math.sqrt(factor * max(total, 1)))))


TIMESERIES_SCHEMA = pa.schema(
    [("run_id", pa.string()), ("week", pa.int64()), *[(m, pa.float64()) for m in TIMESERIES_METRICS]]
)
LOCALITY_METRIC_NAMES = tuple(name for name, _, _ in LOCALITY_METRICS)
LOCALITY_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("week", pa.int64()),
        ("locality", pa.int64()),
        *[(m, pa.float64()) for m in LOCALITY_METRIC_NAMES],
    ]
)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _atomic(path: Path, sync: bool = True) -> contextlib.AbstractContextManager[Path]:
    """A temporary path next to ``path``; on success it is flushed to disk and moved onto ``path``."""
    return atomic_path(path, sync)


def write_json(path: Path, data: Any) -> None:
    with _atomic(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1) + "\n")


def _corrupt(path: Path, exc: BaseException, hint: str = "") -> ConfigError:
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ConfigError(f"{path} is corrupt or truncated ({reason[:160]}); it was left as it is{hint}")


def _arrow_type(value: Any) -> pa.DataType:
    if isinstance(value, bool):
        return pa.bool_()
    if isinstance(value, int):
        return pa.int64()
    if isinstance(value, float):
        return pa.float64()
    return pa.string()


def runs_schema(swept: dict[str, Any]) -> pa.Schema:
    """``run_id, scenario, <swept paths>, draw, replicate, seed, <summary metrics>, wall_seconds``.

    ``draw`` is the posterior draw a run used (1..K), 0 for the point estimate (every run without a posterior)."""
    return pa.schema(
        [
            ("run_id", pa.string()),
            ("scenario", pa.string()),
            *[(p, _arrow_type(v)) for p, v in swept.items()],
            ("draw", pa.int64()),
            ("replicate", pa.int64()),
            ("seed", pa.int64()),
            *[(m, pa.float64()) for m in SUMMARY_METRICS],
            ("wall_seconds", pa.float64()),
        ]
    )


def part_table(row: dict[str, Any], timeseries: pd.DataFrame) -> pa.Table:
    """One finished run as a table: its timeseries, with its summary row in the schema metadata."""
    n = len(timeseries)
    cols = {"run_id": pa.array([row["run_id"]] * n, pa.string())}
    for name in TIMESERIES_SCHEMA.names[1:]:
        cols[name] = pa.array(timeseries[name].to_numpy(), TIMESERIES_SCHEMA.field(name).type)
    table = pa.table(cols, schema=TIMESERIES_SCHEMA)
    return table.replace_schema_metadata({ROW_KEY: json.dumps(row).encode()})


def locality_part_table(run_id: str, localities: pd.DataFrame) -> pa.Table:
    """One finished run's outcomes per week and locality (:data:`LOCALITY_SCHEMA`)."""
    n = len(localities)
    cols = {"run_id": pa.array([run_id] * n, pa.string())}
    for name in LOCALITY_SCHEMA.names[1:]:
        field = LOCALITY_SCHEMA.field(name)
        cols[name] = pa.array(
            localities[name].to_numpy(np.int64 if field.type == pa.int64() else np.float64), field.type
        )
    return pa.table(cols, schema=LOCALITY_SCHEMA)


def verify_parquet(path: Path, hint: str = "") -> None:
    """Read every row group of ``path`` (page checksums on); :class:`ConfigError` naming it if that fails."""
    try:
        pf = pq.ParquetFile(path, page_checksum_verification=True)
        for i in range(pf.num_row_groups):
            pf.read_row_group(i)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _corrupt(path, exc, hint) from None


class Store:
    """A sweep's results folder (see the module docstring)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.parts = self.root / PARTS
        self.manifest_path = self.root / MANIFEST
        self.runs_path = self.root / RUNS
        self.timeseries_path = self.root / TIMESERIES
        self.localities_path = self.root / LOCALITIES
        self.locality_parts = self.parts / LOCALITY_PARTS
        self._lock_fd: int | None = None

    # ---------------------------------------------------------------- reading

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest, ``None`` if there is none; :class:`ConfigError` naming it if it cannot be read."""
        if not self.manifest_path.exists():
            return None
        try:
            data = json.loads(self.manifest_path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _corrupt(self.manifest_path, exc) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("runs"), list):
            raise ConfigError(
                f"{self.manifest_path} is not a syslead sweep manifest (or is damaged); it was left as it is"
            )
        return data

    def part_path(self, run_id: str) -> Path:
        return self.parts / f"{run_id}.parquet"

    def locality_part_path(self, run_id: str) -> Path:
        return self.locality_parts / f"{run_id}.parquet"

    def part_ids(self) -> set[str]:
        """Ids of the runs whose part is on disk."""
        if not self.parts.is_dir():
            return set()
        return {
            e.name[: -len(".parquet")]
            for e in os.scandir(self.parts)
            if e.name.endswith(".parquet") and not e.name.startswith(".")
        }

    def read_part_row(self, run_id: str) -> dict[str, Any]:
        path = self.part_path(run_id)
        try:
            meta = pq.read_schema(path).metadata or {}
            return json.loads(meta[ROW_KEY])
        except (pa.ArrowException, OSError, ValueError, KeyError) as exc:
            raise _corrupt(path, exc, "; move it away and re-run the sweep to redo that run") from None

    def read_part(self, run_id: str) -> tuple[dict[str, Any], pa.Table]:
        path = self.part_path(run_id)
        try:
            table = pq.ParquetFile(path).read(use_threads=False)  # light: no dataset machinery, no threads
            row = json.loads((table.schema.metadata or {})[ROW_KEY])
        except (pa.ArrowException, OSError, ValueError, KeyError) as exc:
            raise _corrupt(path, exc, "; move it away and re-run the sweep to redo that run") from None
        return row, table.replace_schema_metadata(None)

    def verify_parts(self, run_ids: Iterable[str]) -> None:
        for rid in run_ids:
            row = self.read_part_row(rid)
            if row.get("run_id") != rid:
                raise ConfigError(
                    f"{self.part_path(rid)} holds run {row.get('run_id')!r}, not {rid!r}; it was left as it is"
                )

    def read_locality_part(self, run_id: str) -> pa.Table:
        path = self.locality_part_path(run_id)
        if not path.exists():
            raise ConfigError(
                f"{path} is missing: run {run_id} finished without its outcomes per locality (made by "
                f"an older syslead?); move {self.part_path(run_id)} away and run the same command "
                "again to redo that run"
            )
        try:
            table = pq.ParquetFile(path).read(use_threads=False)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise _corrupt(
                path, exc, f"; move it and {self.part_path(run_id).name} away and re-run the sweep to redo that run"
            ) from None
        if table.schema.names != LOCALITY_SCHEMA.names:
            raise ConfigError(
                f"{path} does not hold the columns this version of syslead writes; it was left as it "
                "is: use another folder"
            )
        return table

    def verify_locality_parts(self, run_ids: Iterable[str]) -> None:
        """Every run of ``run_ids`` (finished runs with several localities) has a readable locality part."""
        for rid in sorted(run_ids):
            path = self.locality_part_path(rid)
            if not path.exists():
                self.read_locality_part(rid)  # raises, naming the missing file
            try:
                names = pq.read_schema(path).names
            except (pa.ArrowException, OSError, ValueError) as exc:
                raise _corrupt(
                    path, exc, f"; move it and {self.part_path(rid).name} away and re-run the sweep to redo that run"
                ) from None
            if names != LOCALITY_SCHEMA.names:
                raise ConfigError(
                    f"{path} does not hold the columns this version of syslead writes; it was left "
                    "as it is: use another folder"
                )

    def verify_tables(self) -> None:
        hint = f"; move it away and re-run the sweep to rebuild it from {self.parts}"
        for path in (self.runs_path, self.timeseries_path, self.localities_path):
            if path.exists():
                verify_parquet(path, hint)

    def is_empty(self) -> bool:
        """No folder, or nothing in it but a temporary file of a first manifest write cut short."""
        if not self.root.exists():
            return True
        return self.root.is_dir() and all(
            p.name.startswith(f".{MANIFEST}.") and p.name.endswith(".tmp") for p in self.root.iterdir()
        )

    # ---------------------------------------------------------------- writing

    def open(self) -> None:
        """Create the folder and take its lock (one sweep at a time per folder). The caller writes the manifest
        next, before any part, so a folder with parts always has a manifest."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConfigError(f"{self.root} is in use by another sweep; wait for it to finish") from None
        self._lock_fd = fd
        # temporary files of writes cut short by a kill; never results
        for d in (self.root, self.parts, self.locality_parts):
            if not d.is_dir():
                continue
            for e in os.scandir(d):
                if e.name.startswith(".") and e.name.endswith(".tmp") and e.is_file():
                    Path(e.path).unlink(missing_ok=True)

    def close(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_json(self.manifest_path, manifest)
        self.parts.mkdir(exist_ok=True)

    def write_part(self, row: dict[str, Any], timeseries: pd.DataFrame, localities: pd.DataFrame | None = None) -> None:
        """Make one finished run durable (whole or not at all). ``localities`` (a run with several localities) is
        written first: the run's part, written last, is what marks the run as done."""
        if localities is not None:
            self.locality_parts.mkdir(exist_ok=True)
            loc_table = locality_part_table(row["run_id"], localities)
            with _atomic(self.locality_part_path(row["run_id"])) as tmp:
                pq.write_table(loc_table, tmp)
            del loc_table
        table = part_table(row, timeseries)
        with _atomic(self.part_path(row["run_id"])) as tmp:
            pq.write_table(table, tmp)

    def consolidate(
        self,
        run_ids: list[str],
        swept: dict[str, Any],
        rows_per_run: int = 157,
        localities: dict[str, int] | None = None,
    ) -> None:
        """Rebuild ``runs.parquet`` and ``timeseries.parquet`` from the parts of ``run_ids`` (in that order),
        reading one part at a time and holding at most one row group of each table, in compact form.

        ``localities``: run id -> number of localities, for the runs with more than one; when there are any,
        ``localities.parquet`` is rebuilt the same way from their locality parts."""
        localities = localities or {}
        run_group = rows_per_group(len(run_ids), RUN_ROWS_PER_GROUP, 28)
        ts_group = rows_per_group(len(run_ids) * rows_per_run, TIMESERIES_ROWS_PER_GROUP, 25)
        loc_group = rows_per_group(rows_per_run * sum(localities.values()), LOCALITY_ROWS_PER_GROUP, 25)
        rschema = runs_schema(swept)
        metrics = TIMESERIES_SCHEMA.names[2:]
        with contextlib.ExitStack() as stack:
            rtmp = stack.enter_context(_atomic(self.runs_path))
            ttmp = stack.enter_context(_atomic(self.timeseries_path))
            ltmp = stack.enter_context(_atomic(self.localities_path)) if localities else None
            rw = pq.ParquetWriter(rtmp, rschema, write_page_checksum=True)
            tw = pq.ParquetWriter(ttmp, TIMESERIES_SCHEMA, write_page_checksum=True)
            lw = pq.ParquetWriter(ltmp, LOCALITY_SCHEMA, write_page_checksum=True) if ltmp is not None else None
            try:
                rows: dict[str, list] = {name: [] for name in rschema.names}
                ids: list[tuple[str, int]] = []  # (run_id, weeks) of the buffered timeseries
                weeks: list[np.ndarray] = []
                values: list[np.ndarray] = []  # one (weeks x metrics) block per run
                n_ts = 0

                def flush_runs() -> None:
                    rw.write_table(
                        pa.table({n: pa.array(v, rschema.field(n).type) for n, v in rows.items()}, schema=rschema)
                    )
                    for v in rows.values():
                        v.clear()

                loc_tables: list[pa.Table] = []  # locality parts buffered for the next row group
                n_loc = 0

                def flush_localities() -> None:
                    assert lw is not None  # (typing: called only when there are localities, so lw is open)
                    lw.write_table(pa.concat_tables(loc_tables).combine_chunks())
                    loc_tables.clear()

                def flush_timeseries() -> None:
                    block = np.vstack(values)
                    cols = {
                        "run_id": pa.array([rid for rid, k in ids for _ in range(k)], pa.string()),
                        "week": pa.array(np.concatenate(weeks), pa.int64()),
                        **{m: pa.array(block[:, i], pa.float64()) for i, m in enumerate(metrics)},
                    }
                    tw.write_table(pa.table(cols, schema=TIMESERIES_SCHEMA))
                    ids.clear(), weeks.clear(), values.clear()  # type: ignore[func-returns-value]  # (three calls)

                for rid in run_ids:
                    row, table = self.read_part(rid)
                    row.setdefault("draw", 0)  # parts written before the draw column: the point estimate
                    if table.schema.names != TIMESERIES_SCHEMA.names or any(m not in row for m in rschema.names):
                        raise ConfigError(
                            f"{self.part_path(rid)} does not hold the columns this version of "
                            "syslead writes; it was left as it is: use another folder"
                        )
                    for name, v in rows.items():
                        v.append(row[name])
                    ids.append((rid, table.num_rows))
                    weeks.append(table.column("week").to_numpy().copy())  # a copy: a view would pin the part
                    values.append(
                        np.column_stack([table.column(m).to_numpy() for m in metrics])
                        if metrics
                        else np.empty((table.num_rows, 0))
                    )
                    n_ts += table.num_rows
                    del table
                    if rid in localities:
                        loc = self.read_locality_part(rid)
                        loc_tables.append(loc)
                        n_loc += loc.num_rows
                        del loc
                        if n_loc >= loc_group:
                            flush_localities()
                            n_loc = 0
                    if len(rows["run_id"]) >= run_group:
                        flush_runs()
                    if n_ts >= ts_group:
                        flush_timeseries()
                        n_ts = 0
                if rows["run_id"] or not run_ids:
                    flush_runs()
                if values:
                    flush_timeseries()
                if loc_tables:
                    flush_localities()
            finally:
                rw.close()
                tw.close()
                if lw is not None:
                    lw.close()
        _fsync_dir(self.root)


def load_results(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """``(runs, timeseries, manifest)`` of a finished sweep. Raises :class:`ConfigError` naming a missing,
    unfinished or corrupt file."""
    store = Store(path)
    if not store.root.is_dir():
        raise ConfigError(f"{store.root} is not a folder of sweep results")
    manifest = store.read_manifest()
    if manifest is None:
        raise ConfigError(f"{store.root} holds no sweep results ({MANIFEST} is missing)")
    out = []
    for p in (store.runs_path, store.timeseries_path):
        if not p.exists():
            done = len(store.part_ids() & {r["run_id"] for r in manifest["runs"]})
            raise ConfigError(
                f"{p} is missing: the sweep has not finished ({done} of {len(manifest['runs'])} runs "
                "done); run the same 'syslead sweep' command again to finish it"
            )
        try:
            out.append(pq.read_table(p).to_pandas())
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise _corrupt(p, exc) from None
    return out[0], out[1], manifest


def load_localities(path: str | Path) -> pd.DataFrame | None:
    """``localities.parquet`` of a finished sweep (``run_id``, ``week``, ``locality`` and every locality metric),
    or ``None`` when its runs have one locality each. Call after :func:`load_results` (which reports an unfinished
    folder). Raises :class:`ConfigError` naming a corrupt file."""
    store = Store(path)
    p = store.localities_path
    if not p.exists():
        manifest = store.read_manifest()
        wanted = (
            isinstance(manifest, dict)
            and isinstance(manifest.get("metrics"), dict)
            and bool(manifest["metrics"].get("localities"))
        )
        if wanted and store.runs_path.exists():
            raise ConfigError(
                f"{p} is missing; run the same 'syslead sweep' command again to rebuild it from {store.parts}"
            )
        return None
    try:
        return pq.read_table(p).to_pandas()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _corrupt(p, exc) from None

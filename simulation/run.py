"""One run of the model, and its files (``timeseries.csv``, ``events.csv``, ``projects.csv``, ``summary.json``,
``localities.csv`` when there are several localities).

:func:`run` is the single entry point that the command line, sweeps,
comparisons and validation use to run the model for a number of weeks.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from . import __version__
from .config import Params
from .files import write_text
from .mechanisms.projects import records as project_records
from .metrics import SUMMARY_METRICS
from .model import LeadershipModel

DEFAULT_WEEKS = 156  # two programme years and a follow-up year
EVENT_COLUMNS = [
    "week",
    "type",
    "name",
    "attendees",
    "capacity",
    "locality",
    "convener",
    "funded",
    "formality",
    "safety",
    "sectors",
    "patients",
    "contacts",
    "cross_sector_contacts",
]
PROJECT_COLUMNS = [
    "project_id",
    "theme",
    "locality",
    "start_week",
    "end_week",
    "outcome",
    "leader",
    "members",
    "n_members",
    "sectors",
    "n_sectors",
    "needed_sectors",
    "coverage",
    "patients",
    "assigned_members",
    "progress",
]


@dataclass
class RunResult:
    params: Params
    seed: int
    weeks: int
    scenario: str | None
    timeseries: pd.DataFrame
    events: pd.DataFrame
    projects: pd.DataFrame
    metrics: dict[str, float]
    model: LeadershipModel | None = field(default=None, repr=False)
    localities: pd.DataFrame | None = None  # one row per week and locality (LOCALITY_COLUMNS)

    def summary(self) -> dict:
        return {
            "metrics": self.metrics,
            "config": self.params.to_dict(),
            "seed": self.seed,
            "weeks": self.weeks,
            "scenario": self.scenario,
            "version": version(),
        }


def run(
    params: Params,
    seed: int,
    weeks: int = DEFAULT_WEEKS,
    *,
    scenario: str | None = None,
    progress: bool = False,
    keep_model: bool = False,
) -> RunResult:
    """Build the model from ``params`` and ``seed`` and step it ``weeks`` times."""
    model = LeadershipModel(params, seed=seed)
    for _ in tqdm(range(weeks), desc=scenario or "run", unit="week", disable=not progress, leave=False):
        model.step()
    events = pd.DataFrame(model.event_log, columns=EVENT_COLUMNS)
    projects = pd.DataFrame(project_records(model), columns=PROJECT_COLUMNS)
    return RunResult(
        params,
        seed,
        weeks,
        scenario,
        model.timeseries(),
        events,
        projects,
        {k: float(v) for k, v in model.summary().items()},
        model if keep_model else None,
        model.localities(),
    )


def write_run(result: RunResult, out: str | Path) -> Path:
    """Write the run files into ``out`` (each written whole, then moved into place).

    ``timeseries.csv``, ``events.csv``, ``projects.csv``, ``summary.json`` and, for a run with more than
    one locality, ``localities.csv`` (one row per week and locality: :data:`~simulation.metrics.LOCALITY_METRICS`;
    with one locality it would repeat the totals, so it is not written).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / "timeseries.csv", result.timeseries.to_csv(index=False))
    write_text(out / "events.csv", result.events.to_csv(index=False))
    write_text(out / "projects.csv", result.projects.to_csv(index=False))
    if result.localities is not None and result.params.population.localities > 1:
        write_text(out / "localities.csv", result.localities.to_csv(index=False))
    write_text(out / "summary.json", json.dumps(result.summary(), indent=2, sort_keys=False) + "\n")
    return out


def version() -> str:
    """The package version, with ``git describe`` when run from a checkout."""
    here = Path(__file__).resolve().parent
    try:
        desc = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"], cwd=here, capture_output=True, text=True, timeout=5
        )
        if desc.returncode == 0 and desc.stdout.strip():
            return f"{__version__}+g{desc.stdout.strip()}"
    except (OSError, subprocess.SubprocessError):
        pass
    return __version__


__all__ = ["DEFAULT_WEEKS", "SUMMARY_METRICS", "RunResult", "run", "version", "write_run"]

"""The run plan of an experiment: one entry per run, with a stable id and a paired seed.

A run's seed depends only on the experiment seed and the replicate index
(:func:`replicate_seed`), so replicate ``r`` of every scenario and every
parameter point starts from the same random numbers: the same people, the
same initial network, the same draws wherever the mechanisms agree (common
random numbers, which make paired differences between scenarios precise).

A run's id is a short hash of its scenario, its swept parameter values and
its replicate (plus the sample index in sampled designs, and the draw in
runs on posterior draws), so it does not change when replicates are added
or the sweep is resumed.

Runs on posterior draws (an experiment's ``[posterior]`` table): draw ``k``
(1..K) is a parameter point like any other, and replicate ``r`` of draw
``k`` has its own seed (:func:`replicate_seed` with ``draw=k``), the same in
every scenario and grid point, so the (draw, replicate) pairs are common
random numbers across scenarios while the run-to-run noise is sampled anew
for every draw. Draw 0 is the point estimate: runs without a posterior.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import ConfigError, Params
from .experiment import Experiment

ID_LENGTH = 16  # hex digits (64 bits)


def replicate_seed(experiment_seed: int, replicate: int, draw: int = 0) -> int:
    """The seed of replicate ``replicate`` (0-based) of posterior draw ``draw`` (0: the point estimate), the same
    for every scenario and point."""
    key = (replicate,) if draw == 0 else (replicate, draw)
    return int(np.random.SeedSequence(experiment_seed, spawn_key=key).generate_state(1)[0])


def run_id(
    scenario: str, values: dict[str, Any], replicate: int, sample_index: int | None = None, draw: int = 0
) -> str:
    key: dict[str, Any] = {"scenario": scenario, "values": sorted(values.items()), "replicate": replicate}
    if sample_index is not None:
        key["sample"] = sample_index
    if draw:
        key["draw"] = draw
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:ID_LENGTH]


@dataclass(frozen=True)
class PlannedRun:
    run_id: str
    scenario: str  # the scenario's name
    point: int  # index into Plan.points
    replicate: int
    seed: int
    draw: int = 0  # the posterior draw (1..K), 0 for the point estimate

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "scenario": self.scenario,
            "point": self.point,
            "replicate": self.replicate,
            "seed": self.seed,
            "draw": self.draw,
        }


class Plan:
    """Every run of an experiment in a fixed order: scenario, then point, then replicate."""

    def __init__(self, experiment: Experiment, *, validate: bool = True):
        self.experiment = experiment
        self.points = experiment.points()
        self.draws = experiment.point_draws()
        # the columns that vary between points: parameter paths, and the draw when there is a posterior
        self.swept = experiment.swept + (["draw"] if any(self.draws) else [])
        n_sample = experiment.sample.size() if experiment.sample else 0
        n_draws = max(self.draws) if self.draws else 0
        seeds = {
            k: [replicate_seed(experiment.seed, r, k) for r in range(experiment.replicates)]
            for k in sorted(set(self.draws))
        }
        runs = []
        for name, sc in experiment.resolved_scenarios.items():
            for i, point in enumerate(self.points):
                if validate:
                    try:
                        sc.params({**experiment.set, **point})
                    except ConfigError as exc:
                        shown = ", ".join(f"{k} = {v!r}" for k, v in point.items())
                        raise ConfigError(f"{experiment.source}: scenario '{name}' at {shown}: {exc}") from None
                draw = self.draws[i]
                sample_index = (i // max(n_draws, 1)) % n_sample if n_sample else None
                for r, seed in enumerate(seeds[draw]):
                    runs.append(PlannedRun(run_id(name, point, r, sample_index, draw), name, i, r, seed, draw))
        ids = {r.run_id for r in runs}
        if len(ids) != len(runs):  # pragma: no cover - a 64-bit hash collision
            raise ConfigError(f"{experiment.source}: two runs share an id; change experiment.seed or the grid")
        self.runs = runs
        self._by_id = {r.run_id: r for r in runs}

    def __len__(self) -> int:
        return len(self.runs)

    def __iter__(self) -> Iterator[PlannedRun]:
        return iter(self.runs)

    def __contains__(self, run_id: str) -> bool:
        return run_id in self._by_id

    def get(self, run_id: str) -> PlannedRun:
        return self._by_id[run_id]

    def overrides(self, run: PlannedRun) -> dict[str, Any]:
        """The dotted overrides of a run on top of its scenario: ``[set]`` plus the point's values."""
        return {**self.experiment.set, **self.points[run.point]}

    def params(self, run: PlannedRun) -> Params:
        return self.experiment.resolved_scenarios[run.scenario].params(self.overrides(run))

    def row_base(self, run: PlannedRun) -> dict[str, Any]:
        """The leading columns of the run's row in ``runs.parquet``."""
        return {
            "run_id": run.run_id,
            "scenario": run.scenario,
            **self.points[run.point],
            "draw": run.draw,
            "replicate": run.replicate,
            "seed": run.seed,
        }


def make_plan(experiment: Experiment, *, validate: bool = True) -> Plan:
    """The :class:`Plan` of ``experiment``; with ``validate`` every (scenario, point) is checked first."""
    return Plan(experiment, validate=validate)

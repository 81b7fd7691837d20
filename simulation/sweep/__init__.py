"""Sweeps: many runs of the model, with replicates, resumable results and a process pool or Dask.

``syslead sweep EXPERIMENT.toml --out DIR`` runs scenarios x parameter points x replicates and writes
``DIR/manifest.json``, ``DIR/runs.parquet``, ``DIR/timeseries.parquet`` and, when runs have more than one
locality, ``DIR/localities.parquet``; see ``docs/experiments.md``.

Python::

    from simulation.sweep import Experiment, run_experiment, load_results
    exp = Experiment("compare", weeks=104, replicates=30, seed=1, scenarios=("south-manchester", "top-down"))
    run_experiment(exp, "results/sweeps/compare", workers=2)
    runs, timeseries, manifest = load_results("results/sweeps/compare")
    localities = load_localities("results/sweeps/compare")  # None when every run has one locality
"""

from .experiment import Experiment, Posterior, Sample, load_experiment
from .plan import Plan, PlannedRun, make_plan, replicate_seed, run_id
from .rerun import rerun
from .runner import SweepError, SweepReport, add_replicates, experiment_from_manifest, process_pool, run_experiment
from .store import Store, load_localities, load_results

__all__ = [
    "Experiment",
    "Plan",
    "PlannedRun",
    "Posterior",
    "Sample",
    "Store",
    "SweepError",
    "SweepReport",
    "add_replicates",
    "experiment_from_manifest",
    "load_experiment",
    "load_localities",
    "load_results",
    "make_plan",
    "process_pool",
    "replicate_seed",
    "rerun",
    "run_experiment",
    "run_id",
]

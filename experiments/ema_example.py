"""The EMA Workbench driving the model: 16 context scenarios x 2 strategies (see docs/ema.md).

    .venv/bin/python experiments/ema_example.py --out results/ema
    .venv/bin/python experiments/ema_example.py --size 300 --weeks 52 --workers 2 --out results/ema-quick

Builds the EMA model with :func:`simulation.ema.make_model` (uncertainties: the context parameters of the
registry; levers: the seven strategy levers; outcomes: the headline metrics), samples 16 scenarios and
2 policies by Latin hypercube (seeded, so the same command gives the same experiments) and runs
``perform_experiments``. Writes to ``--out``: ``results.tar.gz`` (EMA's ``save_results``: open it with
``ema_workbench.load_results``) and ``outcomes_by_policy.csv`` (mean of each outcome per policy); prints the
latter.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.config import ConfigError
from simulation.ema import HEADLINE_METRICS, make_model


def run(
    *,
    scenarios: int = 16,
    policies: int = 2,
    weeks: int = 156,
    size: int | None = None,
    seed: int = 0,
    sample_seed: int = 2016,
    workers: int = 1,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """``perform_experiments`` on the model: EMA's (experiments, outcomes)."""
    from ema_workbench import MultiprocessingEvaluator, SequentialEvaluator, perform_experiments

    fixed = {} if size is None else {"population.size": size}
    model = make_model(weeks=weeks, fixed=fixed, seed=seed)
    evaluator = SequentialEvaluator(model) if workers == 1 else MultiprocessingEvaluator(model, n_processes=workers)
    with evaluator:
        return perform_experiments(
            model,
            scenarios=scenarios,
            policies=policies,
            evaluator=evaluator,
            uncertainty_sampling_kwargs={"rng": sample_seed},
            lever_sampling_kwargs={"rng": sample_seed + 1},
        )


def by_policy(experiments: pd.DataFrame, outcomes: dict[str, np.ndarray]) -> pd.DataFrame:
    """Mean of each outcome per policy, with the policy's lever values."""
    table = pd.DataFrame({m: outcomes[m] for m in HEADLINE_METRICS})
    table["policy"] = experiments["policy"].to_numpy()
    levers = [c for c in experiments.columns if c.startswith("strategy__")]
    lever_values = experiments.groupby("policy")[levers].first()
    return lever_values.join(table.groupby("policy").mean())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="results/ema", help="output folder (default results/ema)")
    ap.add_argument("--scenarios", type=int, default=16, help="context scenarios (default 16)")
    ap.add_argument("--policies", type=int, default=2, help="strategies (default 2)")
    ap.add_argument("--weeks", type=int, default=156, help="weeks per run (default 156)")
    ap.add_argument("--size", type=int, default=None, help="population.size (default: the registry's 3,000)")
    ap.add_argument("--seed", type=int, default=0, help="seed of every run (default 0)")
    ap.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    args = ap.parse_args(argv)
    try:
        if min(args.scenarios, args.policies, args.workers) < 1:
            raise ConfigError("--scenarios, --policies and --workers must be at least 1")
        experiments, outcomes = run(
            scenarios=args.scenarios,
            policies=args.policies,
            weeks=args.weeks,
            size=args.size,
            seed=args.seed,
            workers=args.workers,
        )
    except ConfigError as exc:
        print(f"ema_example: error: {exc}", file=sys.stderr)
        return 2
    from ema_workbench import save_results

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = by_policy(experiments, outcomes)
    with tempfile.TemporaryDirectory(dir=out) as tmp:  # each file written whole, then moved into place
        save_results((experiments, outcomes), str(Path(tmp) / "results.tar.gz"))
        table.to_csv(Path(tmp) / "outcomes_by_policy.csv", float_format="%.6g")
        for name in ("results.tar.gz", "outcomes_by_policy.csv"):
            (Path(tmp) / name).replace(out / name)
    print(table.T.to_string(float_format=lambda x: f"{x:.3g}"))
    print(f"{len(experiments)} experiments -> {out / 'results.tar.gz'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

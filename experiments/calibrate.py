"""Calibrate the uncertain parameters to the case's stylised facts by rejection ABC (see docs/calibration.md).

    .venv/bin/python experiments/calibrate.py --out results/calibration            # 128 points x 2 replicates
    .venv/bin/python experiments/calibrate.py --n 512 --dask local --out results/calibration-512

Runs the prior sweep through the sweep engine (resumable: run the same command again after an interruption),
plus the unchanged ``south-manchester`` default for comparison, then writes to ``--out``:

- ``prior_sweep.csv``: every parameter point, its statistics (mean over replicates) and ABC distance;
- ``posterior_samples.csv``: the accepted points (samples of the approximate posterior);
- ``posterior.csv``: per parameter, prior, default, posterior median and 90% interval;
- ``fit.csv``: per stylised fact (:data:`simulation.validation.facts.FACTS`, those the runs are long enough
  for), how often it holds under the prior, under the posterior and for the default;
- ``posterior.png``: prior and posterior histograms with the default marked.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from simulation import scenarios
from simulation.config import ConfigError
from simulation.sweep import load_experiment, load_results, run_experiment
from simulation.validation import calibration as cal


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="results/calibration", help="output folder (default results/calibration)")
    ap.add_argument("--n", type=int, default=128, help="prior points, Latin hypercube (default 128)")
    ap.add_argument("--replicates", type=int, default=2, help="paired replicates per point (default 2)")
    ap.add_argument("--quantile", type=float, default=0.1,
                    help="accept points within this quantile of the distances, or all that meet every fact if "
                         "more do (default 0.1)")
    ap.add_argument("--seed", type=int, default=2016, help="experiment seed (default 2016)")
    ap.add_argument("--weeks", type=int, default=156, help="weeks per run (default 156)")
    ap.add_argument("--size", type=int, default=None,
                    help="population.size for a quick trial (default: the scenario's 3,000; the facts assume it)")
    ap.add_argument("--workers", type=int, default=None, help="local worker processes (default: one per core)")
    ap.add_argument("--dask", default=None, help="'local' or a scheduler address tcp://HOST:PORT")
    args = ap.parse_args(argv)
    try:
        if args.n < 2 or args.replicates < 1 or not 0 < args.quantile <= 1 or args.weeks < 104:
            raise ConfigError("--n >= 2, --replicates >= 1, 0 < --quantile <= 1 and --weeks >= 104 are required")
        out = Path(args.out)
        engine = dict(workers=args.workers, dask=args.dask)
        fixed = {} if args.size is None else {"population.size": args.size}
        prior = cal.experiment(n=args.n, replicates=args.replicates, seed=args.seed, weeks=args.weeks, fixed=fixed)
        default = load_experiment({"experiment": {"name": "calibration-default", "weeks": args.weeks,
                                                  "replicates": max(5, args.replicates), "seed": args.seed,
                                                  "scenarios": ["south-manchester"]}, "set": fixed})
        print(f"prior sweep: {prior.n_runs()} runs; default: {default.n_runs()} runs", file=sys.stderr)
        run_experiment(prior, out / "sweep", **engine)
        run_experiment(default, out / "default", **engine)
    except ConfigError as exc:
        print(f"calibrate: error: {exc}", file=sys.stderr)
        return 2

    params = scenarios.get("south-manchester").params(fixed)
    targets = cal.targets(args.weeks)
    priors = cal.DEFAULT_PRIORS
    defaults = {p: _value(params, p) for p in priors}

    table = cal.summaries(*load_results(out / "sweep"), params, targets)
    table["distance"] = cal.distances(table, targets)
    accepted, eps = cal.accept(table["distance"], args.quantile)
    table["accepted"] = accepted
    default_row = cal.default_statistics(*load_results(out / "default"), params)

    posterior = cal.posterior_table(table, accepted, priors, defaults)
    fit = cal.fit_table(table, accepted, targets, default_row)
    table.to_csv(out / "prior_sweep.csv", index=False, float_format="%.6g")
    table[accepted].to_csv(out / "posterior_samples.csv", index=False, float_format="%.6g")
    posterior.to_csv(out / "posterior.csv", index=False, float_format="%.6g")
    fit.to_csv(out / "fit.csv", index=False, float_format="%.6g")
    fig = cal.plot_posterior(table, accepted, priors, defaults)
    fig.suptitle(f"Rejection ABC: {accepted.sum()} of {len(table)} prior points accepted (epsilon = {eps:.3g})",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "posterior.png", dpi=150)
    plt.close(fig)

    print(f"accepted {accepted.sum()} of {len(table)} points (epsilon = {eps:.3g}; "
          f"{(table.distance == 0).sum()} meet every fact)")
    print(posterior.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(fit.drop(columns=["label"]).to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"files: {out}/prior_sweep.csv posterior_samples.csv posterior.csv fit.csv posterior.png")
    return 0


def _value(params, path: str) -> float:
    obj = params
    for part in path.split("."):
        obj = getattr(obj, part)
    return float(obj)


if __name__ == "__main__":
    sys.exit(main())

"""Sensitivity analysis: Morris screening, Sobol indices on the top parameters, and a strategy region search.

    .venv/bin/python experiments/sensitivity.py --out results/sensitivity              # all three stages
    .venv/bin/python experiments/sensitivity.py --stage morris --trajectories 20
    .venv/bin/python experiments/sensitivity.py --stage sobol --sobol-n 64 --dask local

Every stage is a sweep (resumable: run the same command again after an interruption) of ``south-manchester``
(Morris, Sobol) or of ``south-manchester`` and ``top-down`` paired by seed (region). Writes to ``--out``:

- ``morris.csv`` / ``morris.png``: mu, mu* (95% bootstrap interval), sigma per parameter and output;
- ``sobol.csv`` / ``sobol.png``: S1 and ST (95% bootstrap intervals) for the ``--top`` parameters Morris ranks
  highest (or those named with ``--sobol-params``);
- ``region.csv`` / ``region_summary.csv`` / ``region.png``: per context point, each output under both
  strategies and the paired difference; where top-down does as well or better, and what moves the balance.
See docs/findings.md for what it found.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from simulation.config import ConfigError
from simulation.sweep import load_results, run_experiment
from simulation.validation import sensitivity as sa

STAGES = ("morris", "sobol", "region", "all")


def _save(fig, path: Path, title: str) -> None:
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="results/sensitivity", help="output folder (default results/sensitivity)")
    ap.add_argument("--stage", choices=STAGES, default="all", help="which stage to run (default all)")
    ap.add_argument("--trajectories", type=int, default=10, help="Morris trajectories (default 10)")
    ap.add_argument("--top", type=int, default=10, help="parameters taken from Morris into Sobol (default 10)")
    ap.add_argument("--sobol-params", default=None, help="comma-separated parameters for Sobol instead of --top")
    ap.add_argument("--sobol-n", type=int, default=32, help="Sobol base sample N (power of 2; default 32)")
    ap.add_argument(
        "--range",
        action="append",
        default=[],
        metavar="PATH=LOW:HIGH",
        help="override a parameter's range for Morris/Sobol (repeatable), e.g. "
        "population.threshold_mean=0.27:0.50 (the calibrated 90%% interval)",
    )
    ap.add_argument("--region-n", type=int, default=48, help="context points in the region search (default 48)")
    ap.add_argument("--region-replicates", type=int, default=2, help="paired replicates per point (default 2)")
    ap.add_argument("--weeks", type=int, default=156, help="weeks per run (default 156)")
    ap.add_argument("--size", type=int, default=None, help="population.size (default: the scenario's 3,000)")
    ap.add_argument("--workers", type=int, default=None, help="local worker processes (default: one per core)")
    ap.add_argument("--dask", default=None, help="'local' or a scheduler address tcp://HOST:PORT")
    args = ap.parse_args(argv)
    out = Path(args.out)
    fixed = {} if args.size is None else {"population.size": args.size}
    engine = dict(workers=args.workers, dask=args.dask)
    stages = ("morris", "sobol", "region") if args.stage == "all" else (args.stage,)
    try:
        if min(args.trajectories, args.sobol_n, args.region_n, args.region_replicates) < 2 or args.top < 2:
            raise ConfigError("--trajectories, --sobol-n, --region-n, --region-replicates and --top must be >= 2")
        ranges = dict(sa.SCREENED)
        ranges.update(_ranges(args.range))
        if "morris" in stages:
            exp = sa.morris_experiment(trajectories=args.trajectories, ranges=ranges, weeks=args.weeks, fixed=fixed)
            print(f"morris: {exp.n_runs()} runs", file=sys.stderr)
            run_experiment(exp, out / "morris" / "sweep", **engine)
            runs, _, manifest = load_results(out / "morris" / "sweep")
            table = sa.morris_indices(exp, sa.outputs_by_point(runs, manifest))
            table.to_csv(out / "morris.csv", index=False, float_format="%.6g")
            _save(
                sa.plot_morris(table),
                out / "morris.png",
                f"Morris screening: {args.trajectories} trajectories, {exp.n_runs()} runs of south-manchester",
            )
            print(
                table.sort_values(["output", "mu_star"], ascending=[True, False]).to_string(
                    index=False, float_format=lambda v: f"{v:.4g}"
                )
            )
        if "sobol" in stages:
            if args.sobol_params:
                names = [p.strip() for p in args.sobol_params.split(",") if p.strip()]
            else:
                import pandas as pd

                if not (out / "morris.csv").exists():
                    raise ConfigError(
                        f"{out / 'morris.csv'} is missing: run --stage morris first or give --sobol-params"
                    )
                names = sa.select_top(pd.read_csv(out / "morris.csv"), args.top)
            unknown = [p for p in names if p not in ranges]
            if unknown:
                raise ConfigError(
                    f"--sobol-params: {unknown[0]!r} has no range: allowed {', '.join(ranges)} "
                    "or one given with --range"
                )
            exp = sa.sobol_experiment(
                n=args.sobol_n, ranges={p: ranges[p] for p in names}, weeks=args.weeks, fixed=fixed
            )
            print(f"sobol: {len(names)} parameters, {exp.n_runs()} runs", file=sys.stderr)
            run_experiment(exp, out / "sobol" / "sweep", **engine)
            runs, _, manifest = load_results(out / "sobol" / "sweep")
            table = sa.sobol_indices(exp, sa.outputs_by_point(runs, manifest))
            table.to_csv(out / "sobol.csv", index=False, float_format="%.6g")
            _save(
                sa.plot_sobol(table),
                out / "sobol.png",
                f"Sobol indices: N = {args.sobol_n}, {exp.n_runs()} runs of south-manchester",
            )
            print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        if "region" in stages:
            exp = sa.region_experiment(
                n=args.region_n, replicates=args.region_replicates, weeks=args.weeks, fixed=fixed
            )
            print(f"region: {exp.n_runs()} runs", file=sys.stderr)
            run_experiment(exp, out / "region" / "sweep", **engine)
            runs, _, manifest = load_results(out / "region" / "sweep")
            diff = sa.paired_differences(runs, manifest)
            summary = sa.region_summary(diff, manifest["swept"])
            diff.to_csv(out / "region.csv", index=False, float_format="%.6g")
            summary.to_csv(out / "region_summary.csv", index=False, float_format="%.6g")
            _save(
                sa.plot_region(diff, summary),
                out / "region.png",
                f"Where does top-down do as well? {args.region_n} context points x {args.region_replicates} "
                "paired replicates",
            )
            print(json.dumps(summary.to_dict("records"), indent=1))
    except ConfigError as exc:
        print(f"sensitivity: error: {exc}", file=sys.stderr)
        return 2
    print(f"files in {out}")
    return 0


def _ranges(items: list[str]) -> dict[str, tuple[float, float]]:
    out = {}
    for item in items:
        try:
            path, bounds = item.split("=", 1)
            lo, hi = (float(x) for x in bounds.split(":"))
        except ValueError:
            raise ConfigError(f"--range {item!r} is not allowed: PATH=LOW:HIGH, e.g. trust.decay=0.005:0.04") from None
        if not lo < hi:
            raise ConfigError(f"--range {item!r} is not a range: LOW must be below HIGH")
        out[path.strip()] = (lo, hi)
    return out


if __name__ == "__main__":
    sys.exit(main())

"""``syslead validate CASE --out DIR``: run a docking case, write its table and figure, print the verdict."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from ..cli import bounded_int, command, engine_options
from ..config import ConfigError

CASE_NAMES = ("watts2002", "watts2002-model", "guimera2005", "bass1969", "centola2007")


def _z_list(text: str) -> tuple[float, ...]:
    allowed = "a comma-separated list of mean degrees > 0, e.g. 1,2,3"
    try:
        values = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed: {allowed}") from None
    if not values or any(not math.isfinite(v) or v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed: {allowed}")
    return values


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("case", choices=(*CASE_NAMES, "all"), metavar="CASE", help=f"one of {', '.join(CASE_NAMES)}, or all")
    p.add_argument("--out", default="results/validation", help="output folder (default results/validation)")
    p.add_argument(
        "--runs",
        type=bounded_int(1, 1_000_000),
        default=None,
        help="runs per setting (default per case: watts2002 200, watts2002-model 100, guimera2005 20, "
        "bass1969 20, centola2007 40)",
    )
    p.add_argument(
        "--z",
        type=_z_list,
        default=None,
        help="watts2002 and watts2002-model: mean degrees, comma-separated (default 0.5,1,...,8,9,10; "
        "watts2002-model 0.5,1,1.5,2,3,4,5,5.5,6,7,8,10)",
    )
    p.add_argument(
        "--n",
        type=bounded_int(10, 10_000_000),
        default=None,
        help="population size for watts2002, watts2002-model, bass1969, centola2007 (defaults 10000, "
        "2000, 10000, 1000)",
    )
    p.add_argument("--seed", type=bounded_int(0), default=0, help="random seed (default 0)")


@command("validate", "docking: reproduce classic models with the model's own kernels", _configure)
def cmd_validate(args: argparse.Namespace) -> int:
    from . import OPTIONS, run_case, write_outputs

    names = CASE_NAMES if args.case == "all" else (args.case,)
    given = {k: getattr(args, k) for k in ("n", "runs", "z") if getattr(args, k) is not None}
    # Check everything before running or writing anything.
    for key in given:
        if not any(key in OPTIONS[name] for name in names):
            where = ", ".join(name for name in CASE_NAMES if key in OPTIONS[name])
            raise ConfigError(f"--{key} does not apply to {args.case} (allowed for: {where})")
    if given.get("z") is not None and given.get("n") is not None and max(given["z"]) >= given["n"] - 1:
        raise ConfigError(f"--z {max(given['z']):g} is not allowed: mean degree must be below n - 1 = {given['n'] - 1}")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {str(out)!r} exists and is not a folder")

    passed = True
    for name in names:
        opts = {k: v for k, v in given.items() if k in OPTIONS[name]}
        result = run_case(name, seed=args.seed, **opts)
        csv, png = write_outputs(result, out)
        print(result.report())
        print(f"   files: {csv} {png}\n")
        sys.stdout.flush()
        passed &= result.passed
    if len(names) > 1:
        print("all cases PASS" if passed else "some cases FAIL (see above)")
    return 0 if passed else 1


# --------------------------------------------------------------------------
# facts
# --------------------------------------------------------------------------


def _configure_facts(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument("--scenario", default=None, help="a named scenario (default south-manchester)")
    src.add_argument("--config", default=None, help="a scenario or parameter TOML file")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="dotted.key=value",
        help="override one parameter (repeatable); 'syslead params' lists them",
    )
    p.add_argument("--seeds", default="1-5", help="run seeds, a range or list (default 1-5)")
    p.add_argument("--out", default="results/facts", help="output folder for facts.csv (default results/facts)")
    p.add_argument(
        "--ten-years",
        action="store_true",
        help="run ten years instead of three and also check that growth levels off (slow)",
    )
    p.add_argument(
        "--workers",
        type=bounded_int(1, 1024),
        default=None,
        help="worker processes (default: one per core, at most one per seed)",
    )


@command("facts", "check the model against the case's stylised facts (exit 0 all hold, 1 any misses)", _configure_facts)
def cmd_facts(args: argparse.Namespace) -> int:
    from ..cli import resolve_params
    from ..files import write_text
    from . import facts as F

    # Check everything before running or writing anything.
    name, params = resolve_params(args.scenario, args.config, args.set)
    seeds = F.parse_seeds(args.seeds)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {str(out)!r} exists and is not a folder")
    weeks = F.TEN_YEARS if args.ten_years else F.FOLLOW_UP_WEEK
    print(f"facts: {name}, seeds {args.seeds} ({len(seeds)} runs of {weeks} weeks)", file=sys.stderr, flush=True)
    table, values, facts = F.evaluate(params, seeds, ten_years=args.ten_years, scenario=name, workers=args.workers)
    out.mkdir(parents=True, exist_ok=True)
    csv = out / "facts.csv"
    write_text(csv, table.to_csv(index=False, float_format="%.6g", na_rep="nan"))
    print(F.format_table(table, values, facts, title=f"{name}: stylised facts, mean over seeds {args.seeds}"))
    if not args.ten_years:
        print("  (growth over ten years is checked with --ten-years)")
    print(f"files: {csv}")
    return F.exit_status(table)


# --------------------------------------------------------------------------
# calibrate
# --------------------------------------------------------------------------


def _share(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed: a share between 0 and 1 (e.g. 0.05)") from None
    if not 0 < v < 1:
        raise argparse.ArgumentTypeError(f"{text} is not allowed: a share between 0 and 1 (e.g. 0.05)")
    return v


def _fact_runs(text: str) -> tuple[str, int]:
    """``fact=K`` of --fact-runs (the fact itself is checked with the other settings)."""
    name, sep, k = text.partition("=")
    if not sep or not name.strip() or not k.strip().isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed: fact=K, a fact's name and a whole number of runs")
    return name.strip(), int(k)


def _configure_calibrate(p: argparse.ArgumentParser) -> None:
    from .abc import (
        DEFAULT_GENERATIONS,
        DEFAULT_POPULATION,
        DEFAULT_SEED,
        FACT_RUNS,
        MIN_ACCEPTANCE,
        PREDICTIVE_DRAWS,
    )

    p.add_argument(
        "--scenario", default=None, help="a named scenario or a scenario TOML file (default south-manchester)"
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="dotted.key=value",
        help="fix one parameter (repeatable); a calibrated parameter fixed here is not calibrated",
    )
    p.add_argument(
        "--population",
        type=bounded_int(2, 100_000),
        default=DEFAULT_POPULATION,
        help=f"particles per generation (default {DEFAULT_POPULATION})",
    )
    p.add_argument(
        "--generations",
        type=bounded_int(1, 1000),
        default=DEFAULT_GENERATIONS,
        help=f"most generations in all, counting those already in --out (default {DEFAULT_GENERATIONS})",
    )
    p.add_argument("--seed", type=bounded_int(0), default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})")
    p.add_argument(
        "--min-acceptance",
        type=_share,
        default=MIN_ACCEPTANCE,
        help=f"stop when a generation accepts fewer than this share of its runs (default {MIN_ACCEPTANCE})",
    )
    p.add_argument(
        "--fact-runs",
        action="append",
        default=None,
        type=_fact_runs,
        metavar="fact=K",
        help="measure a fitted fact as the mean of K runs per particle (repeatable; default "
        + ", ".join(f"{n}={k}" for n, k in FACT_RUNS.items())
        + "; =1 for one run)",
    )
    p.add_argument(
        "--predictive",
        type=bounded_int(0, 100_000),
        default=PREDICTIVE_DRAWS,
        help=f"runs on posterior draws for the predictive check (default {PREDICTIVE_DRAWS}; 0: none)",
    )
    engine_options(
        p,
        workers_help="worker processes of --dask local (default: one per core)",
        dask_help="sample on Dask (pyabc's DaskDistributedSampler): 'local' starts a LocalCluster, an address "
        "uses a running scheduler (default: one process, reproducible)",
    )
    p.add_argument("--no-figures", action="store_true", help="tables only")
    p.add_argument("--out", required=True, help="folder (created; one holding this calibration is continued)")


@command(
    "calibrate",
    "fit the uncertain parameters to the case's stylised facts by ABC-SMC (exit 0 an acceptable posterior, 1 none)",
    _configure_calibrate,
)
def cmd_calibrate(args: argparse.Namespace) -> int:
    from ..config import parse_assignment
    from . import abc

    # Check everything before running or writing anything.
    sets = dict(parse_assignment(item) for item in args.set)
    settings = abc.make_settings(
        args.scenario,
        sets,
        population=args.population,
        seed=args.seed,
        min_acceptance=args.min_acceptance,
        fact_runs=None if args.fact_runs is None else {**abc.FACT_RUNS, **dict(args.fact_runs)},
    )
    out = Path(args.out)
    abc.check(
        settings, out, generations=args.generations, predictive=args.predictive, dask=args.dask, workers=args.workers
    )
    print(
        f"calibrate: {settings.scenario}, {len(settings.priors)} parameters ({', '.join(settings.priors)}), "
        f"{len(settings.facts)} facts (held out: {settings.held_out}"
        + "".join(f"; {n} the mean of {k} runs" for n, k in settings.fact_runs.items())
        + f"), {settings.population} particles, at most "
        f"{args.generations} generations, {'one process' if args.dask is None else 'dask ' + args.dask}",
        file=sys.stderr,
        flush=True,
    )
    try:
        res = abc.calibrate(
            settings,
            out,
            generations=args.generations,
            dask=args.dask,
            workers=args.workers,
            predictive=args.predictive,
            draw=not args.no_figures,
            log=lambda m: print(m, file=sys.stderr, flush=True),
        )
    except KeyboardInterrupt:
        print(
            f"syslead: interrupted; finished generations are kept in {out / abc.DB}: run the same command again "
            "to continue",
            file=sys.stderr,
        )
        return 130
    g = res.generations
    print(f"{'ACCEPTABLE POSTERIOR' if res.acceptable else 'NO ACCEPTABLE POSTERIOR'}: {res.reason}")
    if len(g):
        print(
            f"  {len(g)} generations, {int(g.runs.sum())} runs, epsilon "
            + " > ".join(f"{e:.3g}" for e in g.epsilon)
            + f"; {res.seconds:.0f} s this time"
        )
    if res.posterior is not None:
        for r in res.posterior.itertuples(index=False):
            print(
                f"  {r.parameter:28s} median {r.median:.3g}, 90% {r.low_90:.3g} to {r.high_90:.3g} "
                f"(prior {r.prior_low:g} to {r.prior_high:g}; scenario {r.scenario_value:g})"
            )
    if res.predictive is not None:
        for r in res.predictive.itertuples(index=False):
            print(
                f"  {r.label:70s} {r.low:g} to {r.high:g}: predicted {r.low_90:.3g} to {r.high_90:.3g} "
                f"(mean {r.mean:.3g}) {'ok' if r.verdict == 'ok' else 'MISS'}"
                + (" [held out]" if r.role == "held out" else "")
            )
    print("files: " + " ".join(str(f) for f in res.files))
    return 0 if res.acceptable else 1

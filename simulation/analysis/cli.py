"""``syslead report``, ``syslead compare`` and ``syslead main`` (registered on import by :mod:`simulation.cli`)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING

from ..cli import bounded_int, command, engine_options
from ..config import ConfigError, parse_assignment

if TYPE_CHECKING:
    from .decompose import Result


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed: a number > 0 (e.g. 0.1 for 10%)") from None
    if not v > 0 or v != v or v == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not allowed: a number > 0 (e.g. 0.1 for 10%)")
    return v


def _configure_report(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", metavar="DIR", help="a results folder written by 'syslead sweep' (or compare, main)")
    p.add_argument(
        "--workers",
        type=bounded_int(1, 512),
        default=None,
        help="processes for re-running replicate 0 of each scenario (default: cores)",
    )
    p.add_argument(
        "--no-replay", action="store_true", help="do not re-run replicate 0 (no network drawings, no project sectors)"
    )
    p.add_argument("--no-figures", action="store_true", help="tables and text only (much faster for big sweeps)")


@command(
    "report", "write DIR/report.html, DIR/figures/*.png and DIR/tables/*.csv for a results folder", _configure_report
)
def cmd_report(args: argparse.Namespace) -> int:
    from .compare import _cores
    from .report import build

    rep = build(args.dir, replay_runs=not args.no_replay, draw=not args.no_figures, workers=args.workers or _cores())
    print(f"report: {rep.path}")
    if rep.pdf is not None:
        print(f"brief: {rep.pdf}")
    for line in rep.headline:
        print(f"  {line}")
    return 0


def _configure_compare(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "scenarios",
        nargs="+",
        metavar="SCENARIO",
        help="two or more scenario names or TOML files; the first is the reference",
    )
    p.add_argument(
        "--replicates",
        type=bounded_int(2, 100_000),
        default=None,
        help="paired replicates per scenario (default 30; with --posterior: per draw, default 2; with "
        "--precision: the first batch)",
    )
    p.add_argument("--weeks", type=bounded_int(1, 100_000), default=156, help="weeks per run (default 156)")
    p.add_argument("--out", required=True, help="results folder (created; an unfinished one is resumed)")
    p.add_argument(
        "--precision",
        type=_positive_float,
        default=None,
        metavar="X",
        help="add replicates until the 95%% interval of the projects_started ratio is narrower than X "
        "times the estimate (e.g. 0.1), or --max-replicates is reached",
    )
    p.add_argument(
        "--max-replicates",
        type=bounded_int(2, 100_000),
        default=200,
        help="cap on replicates with --precision (default 200)",
    )
    p.add_argument(
        "--batch",
        type=bounded_int(1, 100_000),
        default=None,
        help="replicates added per step with --precision (default: max(10, replicates/2))",
    )
    p.add_argument("--workers", type=bounded_int(1, 512), default=None, help="processes (default: cores)")
    p.add_argument("--seed", type=bounded_int(0), default=2024, help="experiment seed (default 2024)")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="dotted.key=value",
        help="override one parameter in every scenario (repeatable)",
    )
    p.add_argument(
        "--posterior",
        default=None,
        metavar="PATH",
        help="run on draws from a calibration's posterior: a posterior.parquet written by 'syslead "
        "calibrate', or 'packaged' for the one shipped with syslead; --replicates are then per draw",
    )
    p.add_argument(
        "--draws",
        type=bounded_int(1, 100_000),
        default=None,
        help="posterior draws with --posterior (default 20); every scenario runs the same draws",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")


@command("compare", "run a paired comparison of scenarios and write its report", _configure_compare)
def cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare

    if len(args.scenarios) < 2:
        raise ConfigError("compare: needs at least two scenarios: the reference first, then the others")
    if args.replicates is None:
        args.replicates = 2 if args.posterior is not None else 30
    if args.precision is not None and args.max_replicates < args.replicates:
        raise ConfigError(
            f"compare: --max-replicates {args.max_replicates} is smaller than --replicates {args.replicates}"
        )
    sets = dict(parse_assignment(item) for item in args.set)
    res = compare(
        args.scenarios,
        args.replicates,
        args.weeks,
        args.out,
        precision=args.precision,
        max_replicates=args.max_replicates,
        batch=args.batch,
        workers=args.workers,
        seed=args.seed,
        sets=sets,
        progress=not args.quiet and sys.stderr.isatty(),
        log=lambda m: print(m, file=sys.stderr),
        posterior=args.posterior,
        draws=args.draws,
    )
    assert res.report is not None  # (typing: compare writes its report unless asked not to)
    print(f"report: {res.report.path}")
    if res.report.pdf is not None:
        print(f"brief: {res.report.pdf}")
    if res.precision is not None:
        p = res.precision
        state = "reached" if p["reached"] else "NOT reached (cap)"
        print(
            f"precision {100 * p['target']:.1f}% {state} with {p['replicates']} replicates "
            f"(widest relative 95% interval {100 * p['width']:.1f}%)"
        )
    for line in res.report.headline:
        print(f"  {line}")
    return 0


def _configure_main(p: argparse.ArgumentParser) -> None:
    p.add_argument("--experiment", default=None, help="experiment file (default experiments/strategy_comparison.toml)")
    p.add_argument("--out", default="results/strategy_comparison", help="results folder")
    p.add_argument("--workers", type=bounded_int(1, 512), default=None, help="processes (default: cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


@command("main", "the main job: run the strategy comparison and write its report", _configure_main)
def cmd_main(args: argparse.Namespace) -> int:
    from .compare import main_job

    t0 = time.perf_counter()
    res = main_job(
        args.experiment,
        args.out,
        workers=args.workers,
        progress=not args.quiet and sys.stderr.isatty(),
        log=lambda m: print(m, file=sys.stderr),
    )
    assert res.report is not None  # (typing: the main job always writes its report)
    print(f"report: {res.report.path}")
    if res.report.pdf is not None:
        print(f"brief: {res.report.pdf}")
    for line in res.report.headline:
        print(line)
    print(
        f"({res.replicates} paired replicates per scenario{res.draws_text}; sweep {res.sweep_seconds:.0f} s, report "
        f"{res.report_seconds:.0f} s, total {time.perf_counter() - t0:.0f} s)",
        file=sys.stderr,
    )
    return 0


def _configure_decompose(p: argparse.ArgumentParser) -> None:
    p.add_argument("a", metavar="A", help="the scenario the levers start from (a name or a TOML file)")
    p.add_argument("b", metavar="B", help="the scenario whose lever values are switched in (a name or a TOML file)")
    p.add_argument(
        "--replicates",
        type=bounded_int(2, 100_000),
        required=True,
        help="paired replicates of every lever combination (>= 2)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="dotted.key=value",
        help="override one parameter in both scenarios (repeatable)",
    )
    p.add_argument(
        "--weeks",
        type=bounded_int(1, 100_000),
        default=None,
        help="weeks per run (default: the main job's horizon, 156)",
    )
    engine_options(p)
    p.add_argument("--seed", type=bounded_int(0), default=2024, help="experiment seed (default 2024, as the main job)")
    p.add_argument("--out", required=True, help="results folder (created; an unfinished one is resumed)")
    p.add_argument("--no-figure", action="store_true", help="do not draw levers.png")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


@command(
    "decompose",
    "split the gap between two scenarios into the strategy levers' shares (Shapley values)",
    _configure_decompose,
)
def cmd_decompose(args: argparse.Namespace) -> int:
    from ..sweep import SweepError
    from .decompose import run_decomposition

    sets = dict(parse_assignment(item) for item in args.set)
    t0 = time.perf_counter()
    try:
        res = run_decomposition(
            args.a,
            args.b,
            args.replicates,
            args.out,
            weeks=args.weeks,
            sets=sets,
            seed=args.seed,
            workers=args.workers,
            dask=args.dask,
            progress=not args.quiet and sys.stderr.isatty(),
            draw=not args.no_figure,
            log=lambda m: print(m, file=sys.stderr),
        )
    except SweepError as exc:
        print(
            f"syslead: error: {exc}\nsyslead: finished runs are kept in {args.out}/parts; run the same command "
            "again to resume",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print(
            f"syslead: interrupted; finished runs are kept in {args.out}/parts: run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    d = res.design
    print(
        f"decompose {d.a_name} -> {d.b_name}: {len(d.levers)} levers differ ({', '.join(d.levers)}); "
        f"{d.cells} combinations x {args.replicates} replicates = {d.runs} runs of {d.experiment.weeks} weeks; "
        f"{res.ran} run now, {res.skipped} already done; {time.perf_counter() - t0:.1f} s on {res.engine}"
    )
    print("files: " + " ".join(str(f) for f in res.files))
    for line in summary_lines(res):
        print(f"  {line}")
    return 0


def summary_lines(res: Result) -> list[str]:
    """A line per headline outcome: the gap, the levers carrying it and those pushing the other way."""
    from .decompose import _signed, why_the_strategies_differ
    from .report import HEADLINE

    table, meta = res.decomposition.table, {"levers": [], "outcomes": res.decomposition.gaps.to_dict("records")}
    lines = []
    for s in why_the_strategies_differ(table, meta):
        if s.outcome not in HEADLINE:
            continue
        text = f"{s.label.lower()}: gap {_signed(s.gap)}"
        if s.carrying:
            text += "; carried by " + ", ".join(f"{c.label.lower()} {_signed(c.shapley)}" for c in s.carrying)
        if s.opposing:
            text += "; the other way: " + ", ".join(f"{c.label.lower()} {_signed(c.shapley)}" for c in s.opposing)
        lines.append(text)
    return lines


def _configure_discover(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "experiment",
        metavar="EXPERIMENT.toml",
        help="a discovery experiment ([experiment] with two scenarios, [discover], optional [set], "
        "[ranges]; see docs/discovery.md)",
    )
    p.add_argument("--out", required=True, help="results folder (created; an unfinished one is resumed)")
    engine_options(p)
    p.add_argument("--no-figure", action="store_true", help="do not draw boxes.png and peeling.png")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


@command(
    "discover", "scenario discovery: where in the context each of two scenarios does better (PRIM)", _configure_discover
)
def cmd_discover(args: argparse.Namespace) -> int:
    from ..sweep import SweepError
    from .discovery import run_discovery, summary_lines

    try:
        res = run_discovery(
            args.experiment,
            args.out,
            workers=args.workers,
            dask=args.dask,
            progress=not args.quiet and sys.stderr.isatty(),
            draw=not args.no_figure,
        )
    except SweepError as exc:
        print(
            f"syslead: error: {exc}\nsyslead: finished runs are kept in {args.out}/parts; run the same command "
            "again to resume",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print(
            f"syslead: interrupted; finished runs are kept in {args.out}/parts: run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    d = res.discovery
    exp = d.experiment
    print(
        f"discover {d.labels[0]} vs {d.labels[1]}: {d.n} points ({
            'Latin hypercube' if d.method == 'lhs' else 'Sobol sequence'
        } over {len(d.ranges)} context parameters) x 2 scenarios x {exp.replicates} "
        f"replicate{'s' if exp.replicates > 1 else ''} = {d.runs} runs of {exp.weeks} weeks; {res.ran} run now, "
        f"{res.skipped} already done; {res.seconds:.1f} s on {res.engine}"
    )
    print("files: " + " ".join(str(f) for f in res.files))
    for line in summary_lines(d, res.questions, res.boxes):
        print(line)
    return 0

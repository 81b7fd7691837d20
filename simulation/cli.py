"""The ``syslead`` command line: thin commands over library functions.

Every bad input ends with one line on stderr (``syslead: error: ...``)
naming the field and what is allowed, exit status 2, and nothing written.
Subcommands are registered in :data:`COMMANDS`; other modules add theirs
with :func:`command`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from .config import ConfigError

if TYPE_CHECKING:
    from .config import Params

COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], str]] = {}


def command(
    name: str, help: str, configure: Callable[[argparse.ArgumentParser], None] | None = None
) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    """Register a subcommand ``run(args) -> int``; ``configure(parser)`` adds its arguments."""

    def deco(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        if configure is not None:
            fn.configure = configure  # type: ignore[attr-defined]  # (read back with getattr in main)
        COMMANDS[name] = (fn, help)
        return fn

    return deco


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        raise ConfigError(f"{self.prog.split()[-1]}: {message}")


def bounded_int(lo: int = 0, hi: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number in ``lo..hi``, with a one-line message otherwise."""

    def parse(text: str) -> int:
        allowed = f"a whole number >= {lo}" if hi is None else f"a whole number from {lo} to {hi}"
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not allowed: {allowed}") from None
        if value < lo or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"{value} is not allowed: {allowed}")
        return value

    return parse


MAX_WORKERS = 512


def engine_options(
    p: argparse.ArgumentParser,
    *,
    workers_help: str = "processes of the local pool or of --dask local (default: one per core)",
    dask_help: str = "run on Dask: 'local' starts a LocalCluster, an address uses a running scheduler",
) -> None:
    """``--workers N`` and ``--dask local|tcp://HOST:PORT``: where a command's runs go (the same options for every
    command that runs the model many times)."""
    p.add_argument("--workers", type=bounded_int(1, MAX_WORKERS), default=None, help=workers_help)
    p.add_argument("--dask", default=None, metavar="local|tcp://HOST:PORT", help=dask_help)


# --------------------------------------------------------------------------
# run
# --------------------------------------------------------------------------


def _configure_run(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument("--scenario", default=None, help="a named scenario (see 'syslead scenarios')")
    src.add_argument("--config", default=None, help="a scenario or parameter TOML file")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="dotted.key=value",
        help="override one parameter (repeatable); 'syslead params' lists them",
    )
    p.add_argument("--weeks", type=bounded_int(0), default=None, help="weeks to run (default 156)")
    p.add_argument("--seed", type=bounded_int(0), default=1, help="random seed (default 1)")
    p.add_argument("--out", default=None, help="output folder (default results/runs/SCENARIO-sSEED)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def resolve_params(scenario: str | None, config: str | None, sets: list[str]) -> tuple[str, Params]:
    """Scenario (or config file) plus ``--set`` overrides -> (name, Params). Raises ConfigError."""
    from . import scenarios
    from .config import parse_assignment

    sc = (
        scenarios.from_file(config)
        if config
        else scenarios.get(scenarios.DEFAULT_SCENARIO if scenario is None else scenario)
    )
    overrides = dict(parse_assignment(item) for item in sets)
    return sc.name, sc.params(overrides)


@command("run", "run the model once and write its files", _configure_run)
def cmd_run(args: argparse.Namespace) -> int:
    from .run import DEFAULT_WEEKS, run, write_run

    name, params = resolve_params(args.scenario, args.config, args.set)
    weeks = DEFAULT_WEEKS if args.weeks is None else args.weeks
    out = Path(args.out or f"results/runs/{name}-s{args.seed}")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {str(out)!r} exists and is not a folder")
    result = run(params, args.seed, weeks, scenario=name, progress=not args.quiet and sys.stderr.isatty())
    write_run(result, out)
    if not args.quiet:
        print(format_summary(result.metrics, title=f"{name}, seed {args.seed}, {weeks} weeks"))
        files = sorted(f.name for f in out.iterdir() if f.suffix in (".csv", ".json"))
        print(f"files: {out}/{' '.join(files)}")
    return 0


def format_summary(metrics: dict[str, float], title: str = "") -> str:
    from .metrics import METRIC_BY_NAME

    rows = [
        "people_reached",
        "adopters",
        "champions",
        "mean_confidence",
        "working_ties",
        "cross_sector_tie_share",
        "largest_component_share",
        "projects_started",
        "projects_completed",
        "projects_failed",
        "mean_project_sectors",
        "cross_sector_referrals",
        "first_event_attendance",
        "post_programme_activity",
    ]
    lines = [title] if title else []
    for k in rows:
        if k in metrics:
            v = metrics[k]
            text = f"{v:,.0f}" if float(v).is_integer() else f"{v:.3f}"
            lines.append(f"  {k:26s} {text:>10s}  {METRIC_BY_NAME[k].doc}")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# scenarios, params
# --------------------------------------------------------------------------


@command("scenarios", "list the named scenarios")
def cmd_scenarios(args: argparse.Namespace) -> int:
    from . import scenarios

    names = scenarios.names()
    width = max(map(len, names), default=0) + 2
    for name in names:
        print(f"{name:{width}s}{scenarios.get(name).description}")
    return 0


def _configure_params(p: argparse.ArgumentParser) -> None:
    p.add_argument("--toml", action="store_true", help="print the defaults as a TOML config file")
    p.add_argument("--sources", action="store_true", help="also show where each default comes from")
    p.add_argument(
        "--markdown",
        action="store_true",
        help="print the table of docs/ODD.md (path, default, range, unit, meaning, source)",
    )


@command("params", "list every parameter with its default, range and meaning", _configure_params)
def cmd_params(args: argparse.Namespace) -> int:
    from .config import Params, dumps_toml, iter_specs

    if args.toml:
        print(dumps_toml(Params().to_dict()), end="")
        return 0
    if args.markdown:
        from .config import markdown_table

        print(markdown_table(), end="")
        return 0
    for info in iter_specs():
        if info.spec.items == "table":
            print(f"{info.path:45s} {'(list of tables)':>14s}  {info.spec.doc}; see docs/ODD.md")
            continue
        default = info.default
        if isinstance(default, tuple):
            default = "[" + ", ".join(map(str, default)) + "]"
        line = f"{info.path:45s} {default!s:>14s}  [{info.spec.allowed()}] {info.spec.unit}  {info.spec.doc}"
        if args.sources and info.spec.source:
            line += f"  (source: {info.spec.source})"
        print(line)
    return 0


# --------------------------------------------------------------------------


def _load_plugins() -> None:
    """Subcommands that live with their library code register themselves on import."""
    import importlib

    for mod in (
        "simulation.sweep.cli",
        "simulation.analysis.cli",
        "simulation.validation.cli",
        "simulation.dashboard.cli",
    ):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name is None or not mod.startswith(exc.name):
                raise


def build_parser() -> argparse.ArgumentParser:
    _load_plugins()
    from . import __version__

    parser = _Parser(prog="syslead", description="System leadership in a local health and care system.")
    parser.add_argument("--version", action="version", version=f"syslead {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (fn, help_) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_, description=help_)
        getattr(fn, "configure", lambda p: None)(sp)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .allocator import keep_freed_memory

    keep_freed_memory()  # a process-wide allocator setting: only the syslead process itself opts in
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        return COMMANDS[args.command][0](args)
    except ConfigError as exc:
        print(f"syslead: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. 'syslead params | head'
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("syslead: interrupted", file=sys.stderr)
        return 130

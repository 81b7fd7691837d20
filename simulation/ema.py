"""The model as a client of the EMA Workbench (exploratory modelling and analysis).

:func:`make_model` returns an ``ema_workbench.Model`` whose uncertainties, levers and outcomes all come
from the parameter registry (:mod:`simulation.config`) and the metric registry (:mod:`simulation.metrics`),
so a policy analyst drives the model with ``perform_experiments``, PRIM, feature scoring or ``optimize``
as with any other EMA model. See docs/ema.md.

Names: EMA wants Python identifiers, so a parameter is named by its dotted path with ``__`` for the dots
(``trust__decay``), the same names :class:`~simulation.model.LeadershipModel` takes as keywords.

Which parameters are uncertainties (the *context*: the world a programme meets, and how its people
respond), by one rule applied to the registry:

1. a single number (switches, lists, tables and labels stay at their default values);
2. not a strategy lever (``strategy.*``: those are the levers);
3. not part of the programme's own design: its calendar and timing (``programme.*``) and what each kind
   of event does (``event_types.*``), which scenario files describe;
4. not an implementation setting or a definition: how metrics are computed (``metrics.*``), how long a run
   lasts (``run.*``), and the trust levels that define a working tie and a dropped one
   (``trust.working_threshold``, ``trust.floor``);
5. measured on a bounded scale whose top is at most 1 (probabilities, shares, weekly rates, trust and 0-1
   levels), sampled over the registry's whole allowed range. Counts, sizes, weeks and open-ended multipliers
   (``population.size`` allows 10 to 10 million) are not sampled over their allowed range; they keep their
   values unless given a range of the analyst's choice (``ranges=``) or held at a value (``fixed=``).

Two pairs of shares must add to at most 1 (``population.manager_share`` + ``population.senior_share``,
``population.initial_aware`` + ``population.initial_practising``): each share of a pair is drawn from the
lower half of its range (0 to 0.5), or, when the other is fixed, from 0 to one minus the fixed value.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

with warnings.catch_warnings():  # an optional evaluator's package, not used here
    warnings.filterwarnings("ignore", message="ipyparallel not installed", category=UserWarning)
    from ema_workbench import Constant, IntegerParameter, Model, RealParameter, ScalarOutcome

from .config import ConfigError, check_number, check_path, iter_specs, make_params, spec_for
from .metrics import KEY_METRICS
from .model import LeadershipModel

HEADLINE_METRICS: tuple[str, ...] = (*KEY_METRICS, "post_programme_activity")
"""The outcomes: the metrics reports and the dashboard show first, and activity after the programme."""

LEVER_GROUP = "strategy"
DESIGN_GROUPS = ("programme", "event_types")
IMPLEMENTATION_GROUPS = ("metrics", "run")
DEFINITIONS = ("trust.working_threshold", "trust.floor")
BUDGETS: tuple[tuple[str, str], ...] = (
    ("population.manager_share", "population.senior_share"),
    ("population.initial_aware", "population.initial_practising"),
)
"""Pairs of shares whose sum must be at most 1 (the registry's checks across parameters)."""


def ema_name(path: str) -> str:
    """The EMA name of a parameter: its dotted path with ``__`` for the dots."""
    return path.replace(".", "__")


def dotted(name: str) -> str:
    """The dotted path of an EMA name (inverse of :func:`ema_name`)."""
    return name.replace("__", ".")


def _is_number(default: Any) -> bool:
    return isinstance(default, int | float) and not isinstance(default, bool)


def levers() -> dict[str, tuple[float, float]]:
    """The strategy levers (``strategy.*``) with the registry's ranges, in the registry's order."""
    out = {}
    for info in iter_specs():
        if info.path.split(".")[0] == LEVER_GROUP:
            out[info.path] = (float(info.spec.lo), float(info.spec.hi))  # type: ignore[arg-type]
    return out


def context_parameters() -> dict[str, tuple[float, float]]:
    """The context parameters and the ranges they are sampled from (the rule in this module's docstring)."""
    out: dict[str, tuple[float, float]] = {}
    for info in iter_specs():
        group = info.path.split(".")[0]
        if group in (LEVER_GROUP, *DESIGN_GROUPS, *IMPLEMENTATION_GROUPS) or info.path in DEFINITIONS:
            continue
        lo, hi = info.spec.lo, info.spec.hi
        if not _is_number(info.default) or info.spec.items is not None or lo is None or hi is None or hi > 1:
            continue
        out[info.path] = (float(lo), float(hi))
    for a, b in BUDGETS:
        for path in (a, b):
            lo, hi = out[path]
            out[path] = (lo, min(hi, 0.5))
    return out


def _check_range(path: str, rng: Any) -> tuple[float, float]:
    info = spec_for(path)
    if not _is_number(info.default) or info.spec.items is not None:
        raise ConfigError(f"ranges: '{path}' is not a single number: only numbers can be sampled")
    if (
        not isinstance(rng, list | tuple)
        or len(rng) != 2
        or any(isinstance(x, bool) or not isinstance(x, int | float) for x in rng)
    ):
        raise ConfigError(f"ranges: '{path}' = {rng!r} must be a range (low, high) of two numbers")
    lo, hi = (float(check_number(path, x, info.spec, float)) for x in rng)
    if not lo < hi:
        raise ConfigError(f"ranges: '{path}' = {list(rng)!r} is not a range: low must be below high")
    return lo, hi


class RunModel:
    """What EMA calls for each experiment: build the model from its keywords, run it, return its metrics.

    A plain class at module level, so EMA's multiprocessing evaluator can send it to worker processes.
    """

    def __call__(self, **kwargs: Any) -> dict[str, float]:
        model = LeadershipModel(**kwargs)
        model.run_model()  # steps while running: up to run.weeks
        return {k: float(v) for k, v in model.summary().items()}


def make_model(
    weeks: int = 156,
    fixed: Mapping[str, Any] | None = None,
    *,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    seed: int = 0,
    name: str = "syslead",
) -> Model:
    """An EMA Workbench ``Model`` of the system-leadership model.

    Args:
        weeks: weeks per run (a run stops after this week).
        fixed: dotted paths held at a value in every experiment (``{"population.size": 300}``); a fixed
            parameter is neither an uncertainty nor a lever.
        ranges: dotted paths to sample over ``(low, high)`` instead of the default range, or besides the
            default context (any single-number parameter, within its allowed range).
        seed: the seed of every run: experiments differ only by their parameters (common random numbers).
        name: the EMA model name.

    Uncertainties: :func:`context_parameters` (plus ``ranges``); levers: the seven strategy levers; outcomes:
    :data:`HEADLINE_METRICS`, one number per run. Raises :class:`ConfigError` naming a bad argument.
    """
    weeks = int(check_number("weeks", weeks, spec_for("run.weeks").spec, int))
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"seed = {seed!r} is not allowed: allowed a whole number >= 0")
    fixed = dict(fixed or {})
    for path in fixed:
        check_path(path)
    if "run.weeks" in fixed:
        raise ConfigError("fixed: 'run.weeks' is set by weeks=: give it there")
    make_params(overrides=fixed)  # every fixed value valid, and valid together

    context = context_parameters()
    for path in fixed:
        context.pop(path, None)
    for a, b in BUDGETS:  # a fixed share leaves the rest of the budget to its partner
        for this, other in ((a, b), (b, a)):
            if other in fixed and this in context:
                lo, hi = spec_for(this).spec.lo or 0.0, spec_for(this).spec.hi or 1.0
                context[this] = (lo, min(hi, 1.0 - float(fixed[other])))
    lever_ranges = {p: r for p, r in levers().items() if p not in fixed}
    for path, rng in (ranges or {}).items():
        check_path(path)
        if path in fixed:
            raise ConfigError(f"ranges: '{path}' is also in fixed: keep it in one of them")
        (lever_ranges if path in lever_ranges else context)[path] = _check_range(path, rng)
    _check_corners(context, lever_ranges, fixed, ranges or {})

    model = Model(name, function=RunModel())
    model.uncertainties = [_parameter(p, lo, hi) for p, (lo, hi) in context.items()]
    model.levers = [_parameter(p, lo, hi) for p, (lo, hi) in lever_ranges.items()]
    model.outcomes = [ScalarOutcome(m) for m in HEADLINE_METRICS]
    model.constants = [
        Constant("rng", seed),
        Constant(ema_name("run.weeks"), weeks),
        *(Constant(ema_name(p), v) for p, v in fixed.items()),
    ]
    return model


def _parameter(path: str, lo: float, hi: float) -> RealParameter | IntegerParameter:
    default = spec_for(path).default
    if isinstance(default, int) and not isinstance(default, bool):
        return IntegerParameter(ema_name(path), math.ceil(lo), math.floor(hi))
    return RealParameter(ema_name(path), lo, hi)


def _check_corners(
    context: Mapping[str, tuple[float, float]],
    lever_ranges: Mapping[str, tuple[float, float]],
    fixed: Mapping[str, Any],
    ranges: Mapping[str, Any],
) -> None:
    """Refuse ranges whose extreme corners make no valid model (a check, not a proof, for ``ranges=``).

    High corner: every sampled parameter at the top of its range. Low corner: the levers and the ranges given
    by the analyst at the bottom of theirs, the default context at default values (its own low corner, every
    sector's share 0, has probability 0).
    """
    high = {p: r[1] for p, r in {**context, **lever_ranges}.items()}
    low = {p: r[0] for p, r in {**context, **lever_ranges}.items() if p in lever_ranges or p in ranges}
    for point, label in ((low, "low"), (high, "high")):
        for p, v in point.items():
            default = spec_for(p).default
            if isinstance(default, int) and not isinstance(default, bool):
                point[p] = math.ceil(v) if label == "low" else math.floor(v)
        try:
            make_params(overrides={**point, **fixed})
        except ConfigError as exc:
            raise ConfigError(f"ranges: with every parameter at the {label} end of its range: {exc}") from None


__all__ = ["HEADLINE_METRICS", "RunModel", "context_parameters", "dotted", "ema_name", "levers", "make_model"]

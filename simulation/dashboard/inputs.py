"""Bounded inputs, and the models the dashboard builds from them.

One source of truth: every input is a parameter path of :mod:`simulation.config`
(``strategy.openness``), its default comes from the chosen scenario, its range
from :func:`simulation.config.spec_for` (narrowed for the dashboard where the
full range is too wide to be useful on a slider, never widened), and every
model is built through :meth:`simulation.scenarios.Scenario.params`, i.e.
:func:`simulation.config.make_params`, the same validation as the command line.

Which event types run is expressed as a parameter too: the scenario's
``programme.events`` calendar filtered by type.

:class:`DashboardModel` takes its inputs as keyword arguments named by those
paths, so Mesa's SolaraViz can rebuild it on Reset with ``type(model)(**inputs)``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import mesa

from .. import scenarios
from ..config import EVENT_TYPES, ConfigError, Params, spec_for, to_dict
from ..model import LeadershipModel

MIN_POPULATION = 100
MAX_POPULATION = 5_000
"""People per dashboard model: bounded so that thirty sessions fit on one laptop."""
MAX_WEEKS = 520
"""A model stops (Play ends) after this many weeks (ten years)."""
MAX_SEED = 100
"""Seeds offered on the sliders (enough to see run-to-run variation; the command line takes any)."""
DEFAULT_SEED = 1

_spec_info = functools.cache(spec_for)
"""A parameter's declaration (fixed for the life of the process; looked up on every page render)."""


@dataclass(frozen=True)
class Lever:
    """A parameter the audience can move: its path, a short label and a slider step.

    ``lo``/``hi`` may narrow the configured range for the slider; they never widen it.
    """

    path: str
    label: str
    step: float
    lo: float | None = None
    hi: float | None = None

    @property
    def spec(self):
        return _spec_info(self.path).spec

    @property
    def integer(self) -> bool:
        default = _spec_info(self.path).default
        return isinstance(default, int) and not isinstance(default, bool)

    def bounds(self) -> tuple[float, float]:
        spec = self.spec
        lo = spec.lo if self.lo is None else max(spec.lo, self.lo)
        hi = spec.hi if self.hi is None else min(spec.hi, self.hi)
        return (int(lo), int(hi)) if self.integer else (float(lo), float(hi))

    @property
    def doc(self) -> str:
        return self.spec.doc


POPULATION = Lever("population.size", "People in the system", 100, lo=MIN_POPULATION, hi=MAX_POPULATION)

LEVERS: tuple[Lever, ...] = (
    Lever("strategy.openness", "Open invitations (0 targeted, 1 anyone interested)", 0.05),
    Lever("strategy.informality", "Informal venues (0 formal, 1 community spaces)", 0.05),
    Lever("strategy.power_sharing", "Power sharing and co-production", 0.05),
    Lever("strategy.role_modelling", "Leads role-model distributed leadership", 0.05),
    Lever("strategy.self_selection", "Teams self-select (0 assigned)", 0.05),
    Lever("strategy.overhead", "Action plans and monitoring", 0.05),
    Lever("strategy.sponsorship", "Formal senior sponsorship of projects", 0.05),
    Lever("senior_support.level", "Supportive line managers (share)", 0.05),
    Lever("churn.turnover", "Staff turnover (chance per week)", 0.001, hi=0.02),
)
"""The main levers on the Explore page, in order."""

LEVER_BY_PATH: dict[str, Lever] = {lv.path: lv for lv in (POPULATION, *LEVERS)}

EVENT_TYPE_LABELS: dict[str, str] = {
    "workshop": "Workshops",
    "party": "The party",
    "values_session": "Values-based leadership sessions",
    "change_agent": "How to be a Change Agent",
    "networking": "Networking gatherings",
    "cinema_club": "TED Talks cinema club",
    "social_media_training": "Social-media training",
    "gathering": "Other gatherings",
}
assert set(EVENT_TYPE_LABELS) == set(EVENT_TYPES)

EVENT_KEY_PREFIX = "event:"


def event_key(event_type: str) -> str:
    """The input name of the switch that runs or drops one event type (``event:workshop``)."""
    return EVENT_KEY_PREFIX + event_type


def check_bounds(path: str, value: Any) -> None:
    """Refuse a value outside the dashboard's bounds (one-line message naming the field)."""
    lever = LEVER_BY_PATH.get(path)
    if lever is None or isinstance(value, bool) or not isinstance(value, int | float):
        return
    lo, hi = lever.bounds()
    if not lo <= value <= hi:
        raise ConfigError(f"{path} = {value!r} is out of range for the dashboard: allowed {lo} to {hi}")


def build_params(scenario: str, inputs: Mapping[str, Any] | None = None,
                 event_types: Iterable[str] | None = None) -> Params:
    """Validated parameters: a named scenario, then dotted-path ``inputs``, then the calendar filtered by type.

    ``event_types``: the event types that run (None: all). Raises :class:`ConfigError`.
    """
    sc = scenarios.get(scenario)
    overrides = dict(inputs or {})
    for path, value in overrides.items():
        check_bounds(path, value)
    if POPULATION.path not in overrides and sc.params().population.size > MAX_POPULATION:
        overrides[POPULATION.path] = MAX_POPULATION  # a city-wide scenario, cut to the dashboard's bound
    if event_types is not None:
        kinds = set(event_types)
        for t in kinds:
            if t not in EVENT_TYPES:
                raise ConfigError(f"event type {t!r} is not allowed: allowed {', '.join(EVENT_TYPES)}")
        calendar = overrides.get("programme.events")
        if calendar is None:
            calendar = sc.params().programme.events
        overrides["programme.events"] = [to_dict(e) if not isinstance(e, Mapping) else dict(e) for e in calendar
                                         if (e["type"] if isinstance(e, Mapping) else e.type) in kinds]
    return sc.params(overrides)


def split_inputs(inputs: Mapping[str, Any]) -> tuple[dict[str, Any], list[str] | None]:
    """Separate parameter paths from ``event:TYPE`` switches; returns (paths, event types that run or None)."""
    paths: dict[str, Any] = {}
    off: set[str] = set()
    switched = False
    for key, value in inputs.items():
        if key.startswith(EVENT_KEY_PREFIX):
            t = key[len(EVENT_KEY_PREFIX):]
            if t not in EVENT_TYPES:
                raise ConfigError(f"unknown event type in {key!r}: allowed {', '.join(EVENT_TYPES)}")
            switched = True
            if not value:
                off.add(t)
        else:
            paths[key] = value
    return paths, ([t for t in EVENT_TYPES if t not in off] if switched else None)


class DashboardModel(LeadershipModel):
    """A :class:`LeadershipModel` built from a scenario name and dashboard inputs.

    Args:
        scenario_name: a built-in scenario name (:func:`simulation.scenarios.names`).
        seed: the run's seed (0 to :data:`MAX_SEED`).
        scenario: Mesa's ``Scenario`` object, which SolaraViz's Reset passes to every model it rebuilds.
            Not used: all randomness comes from ``seed`` (and the name ``scenario`` is Mesa's, hence
            ``scenario_name`` for ours).
        **inputs: parameter paths (``strategy.openness=0.3``, ``population.size=2000``, ``programme.events=[...]``)
            and event-type switches (``event:workshop=False``), all validated by :func:`build_params`.

    Stops (``running = False``) after :data:`MAX_WEEKS` weeks.
    """

    def __init__(self, scenario_name: str = scenarios.DEFAULT_SCENARIO, seed: int = DEFAULT_SEED, *,
                 scenario: Any = None, **inputs: Any):
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
            raise ConfigError(f"seed = {seed!r} is out of range: allowed 0 to {MAX_SEED}")
        paths, kinds = split_inputs(inputs)
        paths.setdefault("run.weeks", MAX_WEEKS)  # the model's horizon: Play stops at the dashboard's limit
        params = build_params(scenario_name, paths, kinds)
        super().__init__(params, seed=seed)
        self.scenario_name = scenario_name
        self.inputs = dict(inputs)
        self.running = True

    def step(self) -> None:
        super().step()
        if self.week >= MAX_WEEKS:
            self.running = False

    def lever_values(self) -> dict[str, Any]:
        """Current value of every lever (for the sliders)."""
        return {lv.path: self.params.get(lv.path) for lv in (POPULATION, *LEVERS)}

    def event_types_in_calendar(self) -> list[str]:
        """Event types of the scenario's full calendar (what the switches can turn on or off)."""
        events = split_inputs(self.inputs)[0].get("programme.events")
        if events is None:
            return list(_scenario_event_types(self.scenario_name))
        base = build_params(self.scenario_name, {"programme.events": events})
        present = {e.type for e in base.programme.events}
        return [t for t in EVENT_TYPES if t in present]


@functools.lru_cache(maxsize=64)
def _scenario_event_types(scenario: str) -> tuple[str, ...]:
    """A built-in scenario's event types (shared by every session that runs it)."""
    present = {e.type for e in build_params(scenario).programme.events}
    return tuple(t for t in EVENT_TYPES if t in present)


class ComparePair(mesa.Model):
    """Two dashboard models on the same seed and people, stepped together (the Compare page).

    Common random numbers: the population and the starting network come from the seed alone, so both
    scenarios start from the same people and ties.
    """

    def __init__(self, scenario_a: str = "south-manchester", scenario_b: str = "top-down",
                 seed: int = DEFAULT_SEED, *, scenario: Any = None, **inputs: Any):
        super().__init__(rng=seed)  # (Mesa's own generator; the two models have their own streams)
        self.a = DashboardModel(scenario_a, seed, **inputs)
        self.b = DashboardModel(scenario_b, seed, **inputs)
        self.scenario_a, self.scenario_b, self.seed = scenario_a, scenario_b, seed
        self.running = True

    @property
    def week(self) -> int:
        return self.steps

    def step(self) -> None:
        self.a.step()
        self.b.step()
        self.running = self.running and self.a.running and self.b.running

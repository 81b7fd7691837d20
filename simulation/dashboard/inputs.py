"""Bounded inputs, and the models the dashboard builds from them.

One source of truth: every input is a parameter path of :mod:`simulation.config`
(``strategy.openness``), its default comes from the chosen scenario, its range
from :func:`simulation.config.spec_for` (narrowed for the dashboard where the
full range is too wide to be useful on a slider, never widened), and every
model is built through :meth:`simulation.scenarios.Scenario.params`, i.e.
:func:`simulation.config.make_params`, the same validation as the command line.

Which event types run is expressed as a parameter too: the scenario's
``programme.events`` calendar filtered by type.

Every check here is one of config's (:func:`simulation.config.check_value`,
:func:`simulation.config.check_number` with the lever's narrowed :class:`~simulation.config.Spec`,
:func:`simulation.config.suggest` for a misspelt name), so a bad value gets the same one-line message
as on the command line. The dashboard's own bounds (people, seeds, weeks, events) are :data:`LIMITS`.

:class:`DashboardModel` takes its inputs as keyword arguments named by those
paths, so Mesa's SolaraViz can rebuild it on Reset with ``type(model)(**inputs)``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import mesa

from .. import scenarios
from ..config import EVENT_TYPES, ConfigError, Params, Spec, check_number, check_value, spec_for, suggest, to_dict
from ..model import LeadershipModel


@dataclass(frozen=True)
class Limits:
    """The dashboard's own bounds, all in one place (listed in docs/dashboard.md, "Limits").

    They keep one laptop usable by a room of people; the command line and :class:`LeadershipModel` have none
    of them. Each is checked with config's :func:`~simulation.config.check_number`, so a value outside gets
    the usual one-line message naming the field and the allowed range.
    """

    min_people: int = 100
    """Fewest people in a dashboard model (fewer leaves too few per sector and organisation to show)."""
    max_people: int = 5_000
    """Most people in a dashboard model: a session of 5,000 people holds about 15 MB and steps a week in
    about 0.1 s here, so a room of thirty fits on one laptop (a bigger scenario is cut to this)."""
    max_seed: int = 100
    """Seeds 0 to this on the sliders (enough to see run-to-run variation; the command line takes any)."""
    max_weeks: int = 520
    """A model stops (Play ends) after this many weeks (ten years)."""
    max_events: int = 200
    """Events in one designed programme."""
    max_places: int = 300
    """Places at one event in the designer's form (the case's biggest event had about 110; a loaded file
    may give up to :attr:`max_people`)."""
    max_file_kb: int = 256
    """Size of a programme file the designer loads."""

    def seed_spec(self) -> Spec:
        return Spec("the run's seed (same seed, same people)", 0, self.max_seed)

    def people_spec(self) -> Spec:
        return Spec("people in the system", self.min_people, self.max_people)

    def weeks_spec(self) -> Spec:
        return Spec("weeks to run", 1, self.max_weeks)


LIMITS = Limits()
"""The dashboard's bounds (:class:`Limits`)."""
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
    def spec(self) -> Spec:
        """The parameter's declaration with the slider's range (narrowed, never widened)."""
        spec = _spec_info(self.path).spec
        lo, hi = self.bounds()
        return dataclasses.replace(spec, lo=lo, hi=hi)

    @property
    def integer(self) -> bool:
        default = _spec_info(self.path).default
        return isinstance(default, int) and not isinstance(default, bool)

    def bounds(self) -> tuple[float, float]:
        spec = _spec_info(self.path).spec
        assert spec.lo is not None and spec.hi is not None, f"{self.path} has no finite range: not a slider"
        lo = spec.lo if self.lo is None else max(spec.lo, self.lo)
        hi = spec.hi if self.hi is None else min(spec.hi, self.hi)
        return (int(lo), int(hi)) if self.integer else (float(lo), float(hi))

    @property
    def doc(self) -> str:
        return self.spec.doc

    def check(self, value: Any) -> float | int:
        """``value`` checked by config (the parameter's type and range), then against the slider's range."""
        value = check_value(self.path, value)
        try:
            return check_number(self.path, value, self.spec, int if self.integer else float)
        except ConfigError as exc:
            raise ConfigError(f"{exc} (the dashboard's range)") from None


POPULATION = Lever("population.size", "People in the system", 100, lo=LIMITS.min_people, hi=LIMITS.max_people)

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


def check_event_type(event_type: Any, where: str = "event type") -> str:
    """An event type (:data:`simulation.config.EVENT_TYPES`), else a one-line ConfigError with a suggestion."""
    if event_type not in EVENT_TYPES:
        raise ConfigError(
            f"{where} {event_type!r} is not allowed{suggest(str(event_type), EVENT_TYPES)}: "
            f"allowed {', '.join(EVENT_TYPES)}"
        )
    return event_type


def check_input(path: str, value: Any) -> Any:
    """One dashboard input checked by config's own checks: an unknown path (with a suggestion), the
    parameter's type and range (:func:`simulation.config.check_value`), then a lever's slider range
    (:meth:`Lever.check`). Returns the value in the parameter's type."""
    lever = LEVER_BY_PATH.get(path)
    return lever.check(value) if lever is not None else check_value(path, value)


def check_seed(seed: Any) -> int:
    """A dashboard seed: a whole number 0 to :attr:`Limits.max_seed` (config's number check)."""
    return int(check_number("seed", seed, LIMITS.seed_spec(), int))


def build_params(
    scenario: str, inputs: Mapping[str, Any] | None = None, event_types: Iterable[str] | None = None
) -> Params:
    """Validated parameters: a named scenario, then dotted-path ``inputs``, then the calendar filtered by type.

    ``event_types``: the event types that run (None: all). Raises :class:`ConfigError`.
    """
    sc = scenarios.get(scenario)
    overrides = {path: check_input(path, value) for path, value in (inputs or {}).items()}
    if POPULATION.path not in overrides and sc.params().population.size > LIMITS.max_people:
        overrides[POPULATION.path] = LIMITS.max_people  # a city-wide scenario, cut to the dashboard's bound
    if event_types is not None:
        kinds = {check_event_type(t) for t in event_types}
        calendar = overrides.get("programme.events")
        if calendar is None:
            calendar = sc.params().programme.events
        overrides["programme.events"] = [
            to_dict(e) if not isinstance(e, Mapping) else dict(e)
            for e in calendar
            if (e["type"] if isinstance(e, Mapping) else e.type) in kinds
        ]
    return sc.params(overrides)


def split_inputs(inputs: Mapping[str, Any]) -> tuple[dict[str, Any], list[str] | None]:
    """Separate parameter paths from ``event:TYPE`` switches; returns (paths, event types that run or None)."""
    paths: dict[str, Any] = {}
    off: set[str] = set()
    switched = False
    for key, value in inputs.items():
        if key.startswith(EVENT_KEY_PREFIX):
            t = check_event_type(key[len(EVENT_KEY_PREFIX) :], where=f"unknown event type in {key!r}:")
            switched = True
            if not value:
                off.add(t)
        else:
            paths[key] = value
    return paths, ([t for t in EVENT_TYPES if t not in off] if switched else None)


class DashboardModel(LeadershipModel):
    """A :class:`LeadershipModel` built from a scenario name and dashboard inputs.

    Its bounds are the dashboard's (:data:`LIMITS`, one place): 100 to 5,000 people, seeds 0 to 100, at most
    520 weeks. For runs outside them use :class:`LeadershipModel` or the command line, which have none.

    Args:
        scenario_name: a built-in scenario name (:func:`simulation.scenarios.names`).
        seed: the run's seed (0 to :attr:`Limits.max_seed`).
        scenario: Mesa's ``Scenario`` object, which SolaraViz's Reset passes to every model it rebuilds.
            Not used: all randomness comes from ``seed`` (and the name ``scenario`` is Mesa's, hence
            ``scenario_name`` for ours).
        **inputs: parameter paths (``strategy.openness=0.3``, ``population.size=2000``, ``programme.events=[...]``)
            and event-type switches (``event:workshop=False``), all validated by :func:`build_params`.

    Stops (``running = False``) after :attr:`Limits.max_weeks` weeks (``max_weeks``, fixed when built).
    """

    def __init__(
        self,
        scenario_name: str = scenarios.DEFAULT_SCENARIO,
        seed: int = DEFAULT_SEED,
        *,
        scenario: Any = None,
        **inputs: Any,
    ):
        seed = check_seed(seed)
        self.max_weeks = LIMITS.max_weeks
        paths, kinds = split_inputs(inputs)
        paths.setdefault("run.weeks", self.max_weeks)  # the model's horizon: Play stops at the dashboard's limit
        params = build_params(scenario_name, paths, kinds)
        super().__init__(params, seed=seed)
        self.scenario_name = scenario_name
        self.inputs = dict(inputs)
        self.running = True

    def step(self) -> None:
        super().step()
        if self.week >= self.max_weeks:
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

    def __init__(
        self,
        scenario_a: str = "south-manchester",
        scenario_b: str = "top-down",
        seed: int = DEFAULT_SEED,
        *,
        scenario: Any = None,
        **inputs: Any,
    ):
        super().__init__(rng=seed)  # (Mesa's own generator; the two models have their own streams)
        self.a = DashboardModel(scenario_a, seed, **inputs)
        self.b = DashboardModel(scenario_b, seed, **inputs)
        self.scenario_a, self.scenario_b, self.seed = scenario_a, scenario_b, seed
        self.running = True

    @property
    def week(self) -> int:
        return self.steps

    @property
    def max_weeks(self) -> int:
        """The week at which the pair stops (both models' limit)."""
        return min(self.a.max_weeks, self.b.max_weeks)

    def step(self) -> None:
        self.a.step()
        self.b.step()
        self.running = self.running and self.a.running and self.b.running

"""The programme designer's logic: a calendar of events, edited, validated, run, saved and loaded.

A programme is a list of plain event records (``name``, ``type``, ``week``,
``capacity``), the same records as ``[[programme.events]]`` tables in a
scenario file. Edits are pure functions that return a new, week-sorted list.
Every list is validated by :func:`simulation.dashboard.inputs.build_params`
(that is, by :func:`simulation.config.make_params`). Saved files are scenario
files (``[scenario] extends = "..."`` plus the calendar) that
``syslead run --config FILE`` takes as they are.
"""

from __future__ import annotations

import tempfile
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import tomli_w

from .. import scenarios
from ..config import ConfigError, Spec, check_number, suggest, to_dict
from .inputs import LIMITS, DashboardModel, build_params, check_event_type

MAX_NAME = 80
MAX_FILE_BYTES = LIMITS.max_file_kb * 1024
FIELDS = ("name", "type", "week", "capacity")

Event = dict[str, Any]


def scenario_calendar(scenario: str) -> list[Event]:
    """A scenario's calendar as plain records (the designer's starting point)."""
    events = scenarios.get(scenario).params().programme.events
    return [{k: v for k, v in to_dict(e).items() if k in FIELDS} for e in events]


def end_week(scenario: str) -> int:
    """The last week in which a funded event can be held under ``scenario``."""
    return int(scenarios.get(scenario).params().programme.end_week)


def check_event(event: Mapping[str, Any], last_week: int) -> Event:
    """One record, checked against the designer's bounds; a one-line :class:`ConfigError` otherwise."""
    for k in event:
        if k not in FIELDS:
            raise ConfigError(f"event field {k!r} is not allowed{suggest(str(k), FIELDS)}: allowed {', '.join(FIELDS)}")
    missing = [k for k in FIELDS if k not in event]
    if missing:
        raise ConfigError(f"event is missing {', '.join(missing)}")
    name = str(event["name"]).strip()
    if not name or len(name) > MAX_NAME:
        raise ConfigError(f"event name must be 1 to {MAX_NAME} characters")
    check_event_type(event["type"])
    week = check_number("event week", event["week"], Spec("week of the event", 1, last_week), int)
    capacity = check_number("event capacity", event["capacity"], Spec("places", 1, LIMITS.max_people), int)
    return {"name": name, "type": event["type"], "week": int(week), "capacity": int(capacity)}


def validate(events: list[Event], scenario: str) -> list[Event]:
    """Check every record and the whole calendar (through ``make_params``); returns the sorted calendar."""
    if len(events) > LIMITS.max_events:
        raise ConfigError(f"a programme has at most {LIMITS.max_events} events, got {len(events)}")
    last = end_week(scenario)
    checked = sorted((check_event(e, last) for e in events), key=lambda e: (e["week"], e["name"]))
    build_params(scenario, {"programme.events": checked})
    return checked


# -- edits (pure) -----------------------------------------------------------


def add_event(events: list[Event], event: Event, scenario: str) -> list[Event]:
    return validate([*events, event], scenario)


def remove_event(events: list[Event], index: int) -> list[Event]:
    if not 0 <= index < len(events):
        raise ConfigError(f"no event number {index + 1}: the programme has {len(events)} events")
    return [e for k, e in enumerate(events) if k != index]


def update_event(events: list[Event], index: int, event: Event, scenario: str) -> list[Event]:
    if not 0 <= index < len(events):
        raise ConfigError(f"no event number {index + 1}: the programme has {len(events)} events")
    return validate([event if k == index else e for k, e in enumerate(events)], scenario)


def move_event(events: list[Event], index: int, weeks: int, scenario: str) -> list[Event]:
    """Move one event ``weeks`` later (negative: earlier), kept inside the programme's weeks."""
    if not 0 <= index < len(events):
        raise ConfigError(f"no event number {index + 1}: the programme has {len(events)} events")
    e = dict(events[index])
    e["week"] = min(max(1, e["week"] + weeks), end_week(scenario))
    return update_event(events, index, e, scenario)


def new_event_name(events: list[Event], event_type: str, week: int) -> str:
    from .inputs import EVENT_TYPE_LABELS

    base = f"{EVENT_TYPE_LABELS[event_type]} (week {week})"
    names = {e["name"] for e in events}
    name, k = base, 2
    while name in names:
        name, k = f"{base} {k}", k + 1
    return name


# -- TOML ---------------------------------------------------------------------


def to_toml(
    events: list[Event],
    scenario: str,
    name: str = "designed-programme",
    description: str = "a programme of events designed in the syslead dashboard",
) -> str:
    """A scenario file: ``[scenario]`` (extends the base scenario) and one ``[[programme.events]]`` per event."""
    events = validate(events, scenario)
    parts = [
        "# Designed in the syslead dashboard. Run it with: syslead run --config THIS_FILE\n",
        tomli_w.dumps({"scenario": {"name": name, "description": description, "extends": scenario}}),
    ]
    if not events:
        parts.append("\n[programme]\nevents = []\n")
    for e in events:
        parts.append("\n[[programme.events]]\n" + tomli_w.dumps({k: e[k] for k in FIELDS}))
    return "".join(parts)


@dataclass
class Loaded:
    events: list[Event]
    scenario: str
    ignored: list[str] = field(default_factory=list)


def from_toml(data: bytes | str) -> Loaded:
    """Read a saved programme (or any scenario file with a calendar); one-line ConfigError otherwise."""
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(f"the file is {len(data) // 1024} KB: allowed at most {MAX_FILE_BYTES // 1024} KB")
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"the file is not valid TOML: {exc}") from None
    meta = raw.get("scenario", {}) if isinstance(raw.get("scenario", {}), dict) else {}
    base = str(meta.get("extends", scenarios.DEFAULT_SCENARIO))
    if base not in scenarios.names():
        raise ConfigError(
            f"scenario.extends = {base!r} is not a built-in scenario: allowed " + ", ".join(scenarios.names())
        )
    # The whole file is validated the way 'syslead run --config' does.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "programme.toml"
        path.write_bytes(data)
        sc = scenarios.from_file(path)
    events = sc.data.get("programme", {}).get("events")
    if events is None:
        raise ConfigError("the file has no [[programme.events]] tables")
    events = [{k: v for k, v in e.items() if k in FIELDS} for e in events]
    ignored = sorted(f"{k}" for k in raw if k not in ("scenario", "programme"))
    ignored += sorted(f"programme.{k}" for k in raw.get("programme", {}) if k != "events")
    return Loaded(validate(events, base), base, ignored)


# -- running ---------------------------------------------------------------------


@dataclass
class ProgrammeRun:
    """A designed programme and the base scenario's own calendar, run on the same seed and people."""

    weeks: int
    designed: pd.DataFrame
    original: pd.DataFrame
    attendance: pd.DataFrame  # one row per funded event held in the designed run
    summary: dict[str, dict[str, float]]


def run_programme(
    events: list[Event],
    scenario: str,
    *,
    population: int,
    weeks: int,
    seed: int,
    on_week: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> ProgrammeRun | None:
    """Run the designed calendar and the scenario's own side by side; None when cancelled."""
    weeks = int(check_number("weeks", weeks, LIMITS.weeks_spec(), int))
    events = validate(events, scenario)
    designed = DashboardModel(scenario, seed, **{"population.size": population, "programme.events": events})
    original = DashboardModel(scenario, seed, **{"population.size": population})
    for w in range(weeks):
        if cancelled():
            return None
        designed.step()
        original.step()
        if on_week is not None:
            on_week(w + 1)
    log = pd.DataFrame(designed.event_log, columns=["week", "name", "type", "attendees", "capacity", "funded"])
    attendance = log[log["funded"] & (log["type"] != "gathering")].drop(columns="funded").reset_index(drop=True)
    summary = {
        label: {k: float(v) for k, v in m.summary().items()}
        for label, m in (("designed", designed), ("original", original))
    }
    return ProgrammeRun(weeks, designed.timeseries(), original.timeseries(), attendance, summary)

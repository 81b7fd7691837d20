"""Named scenarios: patches of parameters, written as TOML.

A scenario file has an optional ``[scenario]`` table (``name``, ``title``:
a plain title for readers of the report, ``description``, ``extends``:
another scenario it patches) and any parameter groups. The built-in scenarios live in ``scenario_library/``;
any file with the same layout works with ``syslead run --config FILE``.
A strategy is data: every scenario runs the same mechanisms.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .config import ConfigError, Params, deep_copy, load_toml, make_params, suggest

DEFAULT_SCENARIO = "south-manchester"


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    data: dict[str, Any]  # parameter patch, already merged with what it extends
    source: str
    title: str = ""  # plain title for readers ("Co-produced and distributed, as in South Manchester"); not inherited

    @property
    def display_title(self) -> str:
        """The title, or for a file without one its name in words ("no-programme" -> "No programme")."""
        return self.title or plain_name(self.name)

    def params(self, overrides: dict[str, Any] | None = None) -> Params:
        return make_params(self.data, overrides)


def _library() -> dict[str, Path]:
    root = resources.files("simulation") / "scenario_library"
    return {Path(str(f)).stem: Path(str(f)) for f in root.iterdir() if str(f).endswith(".toml")}


def names() -> list[str]:
    order = ["south-manchester", "top-down", "hybrid", "no-programme"]
    lib = _library()
    return [n for n in order if n in lib] + sorted(n for n in lib if n not in order)


def _merge(base: dict, patch: dict) -> dict:
    out = deep_copy(base)
    for k, v in patch.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = deep_copy(v)
    return out


def _from_data(raw: dict, source: str, default_name: str, seen: tuple[str, ...] = ()) -> Scenario:
    raw = dict(raw)
    meta = raw.pop("scenario", {})
    if not isinstance(meta, dict):
        raise ConfigError(f"{source}: [scenario] must be a table")
    allowed = {"name", "title", "description", "extends"}
    for k in meta:
        if k not in allowed:
            raise ConfigError(
                f"{source}: unknown key 'scenario.{k}'{suggest(k, allowed)}: allowed " + ", ".join(sorted(allowed))
            )
    name = str(meta.get("name", default_name))
    data = raw
    if "extends" in meta:
        parent_name = str(meta["extends"])
        if parent_name in seen:
            raise ConfigError(f"{source}: scenario.extends = {parent_name!r} makes a cycle")
        parent = get(parent_name, (*seen, name))
        data = _merge(parent.data, raw)
    title = _title(meta.get("title", ""), source)
    scenario = Scenario(name, str(meta.get("description", "")), data, source, title)
    scenario.params()  # validate now: a bad file fails before anything runs
    return scenario


TITLE_MAX = 80


def _title(value: Any, source: str) -> str:
    """``scenario.title``: a plain title of 1 to 80 characters on one line."""
    if value == "":
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > TITLE_MAX or "\n" in value:
        raise ConfigError(
            f"{source}: scenario.title = {value!r} is not allowed: a plain title on one line, 1 to "
            f'{TITLE_MAX} characters (e.g. "Co-produced and distributed, as in South Manchester")'
        )
    return value.strip()


def plain_name(name: str) -> str:
    """A scenario name in words, for one without a title: "no-programme" -> "No programme"."""
    words = str(name).replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else str(name)


def title_of(name: str) -> str:
    """The title of a built-in scenario by name, else the name in words (for results made before titles)."""
    try:
        return get(name).display_title
    except ConfigError:
        return plain_name(name)


def get(name: str, _seen: tuple[str, ...] = ()) -> Scenario:
    """A built-in scenario by name (one-line error naming the allowed ones)."""
    lib = _library()
    if name not in lib:
        raise ConfigError(f"unknown scenario '{name}'{suggest(name, lib)}: allowed {', '.join(names())}")
    path = lib[name]
    return _from_data(load_toml(path), f"scenario '{name}'", name, _seen)


def from_file(path: str | Path) -> Scenario:
    """A scenario (or plain parameter) TOML file."""
    path = Path(path)
    return _from_data(load_toml(path), str(path), path.stem)


def resolve(name_or_path: str) -> Scenario:
    """A built-in name, or a path to a TOML file."""
    if name_or_path.endswith(".toml") or Path(name_or_path).is_file():
        return from_file(name_or_path)
    return get(name_or_path)

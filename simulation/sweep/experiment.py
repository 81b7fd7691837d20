"""Experiments: what a sweep runs, read from TOML or built in code, validated once.

An experiment file has four tables::

    [experiment]                 # required
    name = "strategy-comparison" # required: a label for the results
    weeks = 104                  # weeks per run (default 156)
    replicates = 30              # replicates per scenario and point (default 1)
    seed = 2024                  # experiment seed (default 0)
    scenarios = ["south-manchester", "top-down"]   # names or paths to scenario TOML files

    [set]                        # optional: fixed overrides, dotted paths as in ``--set``
    "programme.end_week" = 78

    [grid]                       # optional: full factorial over dotted paths
    "population.size" = [400, 800]

    [sample]                     # optional: instead of or beside the grid
    method = "lhs"               # lhs | sobol | morris | sobol-sequence
    n = 64
    "senior_support.level" = [0.0, 1.0]

    [posterior]                  # optional: run on draws from a calibration's posterior
    file = "packaged"            # a posterior.parquet (path), or "packaged": the one shipped with syslead
    draws = 20                   # draws, numbered 1..draws (draw 0 is the point estimate: no posterior)
    seed = 2024                  # seed of the weighted resampling (default: experiment.seed)

Runs = scenarios x points x replicates, where the points are the grid's
full factorial crossed with the sample's points, crossed with the
posterior's draws. Everything is checked
here, before anything runs: unknown keys, empty lists, bad ranges,
misspelt parameter paths and unknown scenarios raise :class:`ConfigError`
with one line naming the key.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from .. import scenarios as scenario_lib
from ..config import ConfigError, Spec, check_number, check_path, check_value, load_toml, param_paths, spec_for, suggest
from ..run import DEFAULT_WEEKS

TABLES = ("experiment", "set", "grid", "sample", "posterior")
POSTERIOR_KEYS = ("file", "draws", "seed")
MAX_DRAWS = 100_000
EXPERIMENT_KEYS = ("name", "weeks", "replicates", "seed", "scenarios")
METHODS = ("lhs", "sobol", "morris", "sobol-sequence")
MORRIS_LEVELS = 4  # grid levels of the Morris design (SALib's default)
MAX_WEEKS = 100_000
MAX_REPLICATES = 1_000_000
_SAMPLE_STREAM = 0x53414D50  # spawn key of the sampler's random stream ("SAMP"), apart from replicate keys


def _fail(source: str, message: str) -> NoReturn:
    raise ConfigError(f"{source}: {message}")


def _whole(source: str, key: str, value: Any, lo: int, hi: int) -> int:
    try:
        return int(check_number(key, value, Spec("", lo, hi), int))
    except ConfigError as exc:
        _fail(source, str(exc))


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"population": {"size": 400}}`` and ``{"population.size": 400}`` both give the dotted form."""
    paths = _PATHS()
    out: dict[str, Any] = {}
    for k, v in table.items():
        path = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, Mapping) and path not in paths:
            out.update(_flatten(v, path))
        else:
            out[path] = v
    return out


_PATH_CACHE: set[str] = set()


def _PATHS() -> set[str]:
    if not _PATH_CACHE:
        _PATH_CACHE.update(param_paths())
    return _PATH_CACHE


def _check_param_path(source: str, table: str, path: str) -> None:
    try:
        check_path(path)
    except ConfigError as exc:
        _fail(source, f"[{table}] {exc}")


def canonical(path: str, value: Any) -> Any:
    """A value of the parameter at ``path`` checked on its own by the config layer, in the parameter's own type
    (``400.0`` -> ``400`` for whole-number parameters). Raises :class:`ConfigError`."""
    return check_value(path, value)


def _checked(source: str, table: str, path: str, value: Any) -> Any:
    try:
        return canonical(path, value)
    except ConfigError as exc:
        _fail(source, f"[{table}] {exc}")


def _scalar_kind(path: str) -> type:
    info = spec_for(path)
    if info.spec.items is not None or isinstance(info.default, tuple | list | dict):
        return tuple
    return type(info.default)


@dataclass(frozen=True)
class Sample:
    """A sampled design over parameter ranges: ``lhs`` (scipy.stats.qmc.LatinHypercube, ``n`` points),
    ``sobol`` (SALib's Saltelli scheme for Sobol indices, ``n * (2D + 2)`` points) or ``morris``
    (SALib's Morris trajectories, ``n * (D + 1)`` points, 4 levels) or ``sobol-sequence`` (a scrambled Sobol'
    low-discrepancy sequence of ``n`` points, scipy.stats.qmc.Sobol: for exploring a space, as in scenario
    discovery, not for Sobol indices). Whole-number parameters are rounded."""

    method: str
    n: int
    ranges: Mapping[str, tuple[float, float]]

    def __post_init__(self):
        object.__setattr__(self, "ranges", dict(self.ranges))

    @property
    def names(self) -> list[str]:
        return list(self.ranges)

    def problem(self) -> dict[str, Any]:
        """The SALib problem (names and bounds)."""
        return {
            "num_vars": len(self.ranges),
            "names": self.names,
            "bounds": [[float(lo), float(hi)] for lo, hi in self.ranges.values()],
        }

    def size(self) -> int:
        d = len(self.ranges)
        return {"lhs": self.n, "sobol": self.n * (2 * d + 2), "morris": self.n * (d + 1), "sobol-sequence": self.n}[
            self.method
        ]

    def matrix(self, seed: int) -> np.ndarray:
        """The raw design (rows = points, columns = :attr:`names`), before rounding."""
        ss = np.random.SeedSequence(seed, spawn_key=(_SAMPLE_STREAM,))
        problem = self.problem()
        d = problem["num_vars"]
        with warnings.catch_warnings():
            # Sobol' balance needs n a power of 2; other n still work (documented in docs/experiments.md).
            warnings.simplefilter("ignore")
            if self.method in ("lhs", "sobol-sequence"):
                from scipy.stats import qmc

                engine = qmc.LatinHypercube if self.method == "lhs" else qmc.Sobol
                unit = engine(d=d, rng=np.random.default_rng(ss)).random(self.n)
                bounds = np.array(problem["bounds"])
                return qmc.scale(unit, bounds[:, 0], bounds[:, 1])
            seed_int = int(ss.generate_state(1)[0])
            if self.method == "sobol":
                from SALib.sample import sobol

                return sobol.sample(problem, self.n, calc_second_order=True, seed=seed_int)
            from SALib.sample import morris

            return morris.sample(problem, self.n, num_levels=MORRIS_LEVELS, seed=seed_int)

    def points(self, seed: int) -> list[dict[str, Any]]:
        m = self.matrix(seed)
        out = []
        for row in m:
            point = {}
            for path, x in zip(self.names, row):
                x = float(x)
                point[path] = round(x) if _scalar_kind(path) is int else x
            out.append(point)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "n": self.n, **{p: list(r) for p, r in self.ranges.items()}}


def _parse_sample(source: str, raw: Any) -> Sample:
    if isinstance(raw, Sample):
        raw = raw.to_dict()
    if not isinstance(raw, Mapping):
        _fail(source, "[sample] must be a table with method, n and parameter ranges")
    raw = dict(raw)
    if "method" not in raw:
        _fail(source, f"[sample] is missing 'method': allowed {', '.join(METHODS)}")
    method = raw.pop("method")
    if method not in METHODS:
        _fail(
            source,
            f"sample.method = {method!r} is not allowed{suggest(str(method), METHODS)}: allowed {', '.join(METHODS)}",
        )
    if "n" not in raw:
        _fail(source, "[sample] is missing 'n' (the number of samples, a whole number >= 1)")
    n = _whole(source, "sample.n", raw.pop("n"), 1, 10_000_000)
    ranges: dict[str, tuple[float, float]] = {}
    for path, rng in _flatten(raw).items():
        _check_param_path(source, "sample", path)
        kind = _scalar_kind(path)
        if kind not in (int, float):
            _fail(source, f"[sample] '{path}' is not a numeric parameter: only numbers can be sampled")
        if (
            not isinstance(rng, list | tuple)
            or len(rng) != 2
            or any(isinstance(x, bool) or not isinstance(x, int | float) for x in rng)
        ):
            _fail(source, f"[sample] '{path}' = {rng!r} must be a range [low, high] of two numbers")
        spec = spec_for(path).spec
        try:  # each end within the parameter's allowed range (a whole-number parameter's ends may be fractional)
            lo, hi = (float(check_number(path, x, spec, float)) for x in rng)
        except ConfigError as exc:
            _fail(source, f"[sample] '{path}' = {list(rng)!r}: {exc}")
        if lo >= hi:
            _fail(source, f"[sample] '{path}' = {list(rng)!r} is not a range: low must be below high")
        ranges[path] = (lo, hi)
    if not ranges:
        _fail(source, '[sample] names no parameter: add ranges such as "strategy.openness" = [0.0, 1.0]')
    return Sample(method, n, ranges)


@dataclass(frozen=True)
class Posterior:
    """Draws from a calibration's posterior (:mod:`simulation.validation.posterior`): ``draws`` parameter points
    resampled by weight from the file at ``path`` with ``seed``. Draw ``k`` (1..draws) of every scenario and
    grid point has the same parameter values, and replicate ``r`` of draw ``k`` the same seed in every scenario
    (common random numbers); different draws get different seeds."""

    file: str  # as given: a path or "packaged"
    path: Path  # the file read
    draws: int
    seed: int
    sha256: str
    values: tuple[dict[str, Any], ...]  # draw k is values[k - 1]

    @property
    def names(self) -> list[str]:
        return list(self.values[0]) if self.values else []

    def to_dict(self) -> dict[str, Any]:
        from ..validation.posterior import PACKAGED_POSTERIOR

        file = PACKAGED_POSTERIOR if self.file == PACKAGED_POSTERIOR else str(self.path)
        return {"file": file, "draws": self.draws, "seed": self.seed}

    def record(self) -> dict[str, Any]:
        """What a manifest records of where the draws came from."""
        return {
            "file": str(self.path),
            "given": self.file,
            "sha256": self.sha256,
            "n": self.draws,
            "seed": self.seed,
            "parameters": self.names,
        }


def _parse_posterior(source: str, raw: Any, root: Path | None, default_seed: int) -> Posterior:
    from ..validation.posterior import PACKAGED_POSTERIOR, file_sha256, packaged_posterior, posterior_draws

    if isinstance(raw, Posterior):
        return raw
    if not isinstance(raw, Mapping):
        _fail(source, "[posterior] must be a table with file, draws and seed")
    for k in raw:
        if k not in POSTERIOR_KEYS:
            _fail(
                source,
                f"unknown key 'posterior.{k}'{suggest(str(k), POSTERIOR_KEYS)}: allowed {', '.join(POSTERIOR_KEYS)}",
            )
    given = raw.get("file", PACKAGED_POSTERIOR)
    if not isinstance(given, str) or not given:
        _fail(source, f"posterior.file = {given!r} must be a path to a posterior.parquet or {PACKAGED_POSTERIOR!r}")
    if "draws" not in raw:
        _fail(source, "[posterior] is missing 'draws' (the number of posterior draws, a whole number >= 1)")
    draws = _whole(source, "posterior.draws", raw["draws"], 1, MAX_DRAWS)
    seed = _whole(source, "posterior.seed", raw.get("seed", default_seed), 0, 2**63 - 1)
    if given == PACKAGED_POSTERIOR:
        path = packaged_posterior()
    else:
        path = Path(given)
        if root is not None and not path.is_absolute() and (Path(root) / path).is_file():
            path = Path(root) / path
    try:
        values = posterior_draws(path, draws, seed)
    except ConfigError as exc:
        _fail(source, f"[posterior] {exc}")
    return Posterior(given, path.resolve(), draws, seed, file_sha256(path), tuple(values))


@dataclass(frozen=True)
class Experiment:
    """A sweep: scenarios x (grid points x sample points) x replicates.

    Build it from a TOML file or dict with :func:`load_experiment`, or directly::

        Experiment("compare", weeks=104, replicates=30, seed=1, scenarios=("south-manchester", "top-down"))

    Every value is validated on construction (:class:`ConfigError`). ``root`` is the folder that relative
    scenario paths are read from (default: the current folder; :func:`load_experiment` uses the file's folder
    when the scenario file is there).
    """

    name: str
    weeks: int = DEFAULT_WEEKS
    replicates: int = 1
    seed: int = 0
    scenarios: tuple[str, ...] = (scenario_lib.DEFAULT_SCENARIO,)
    set: Mapping[str, Any] = field(default_factory=dict)
    grid: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    sample: Sample | None = None
    posterior: Posterior | Mapping[str, Any] | None = None
    source: str = field(default="experiment", compare=False, repr=False)
    root: Path | None = field(default=None, compare=False, repr=False)

    __hash__ = None  # type: ignore[assignment]  # holds dicts

    def __post_init__(self):
        src = self.source
        put = object.__setattr__
        if not isinstance(self.name, str) or not self.name.strip():
            _fail(src, f"experiment.name = {self.name!r} must be a non-empty string")
        put(self, "weeks", _whole(src, "experiment.weeks", self.weeks, 1, MAX_WEEKS))
        put(self, "replicates", _whole(src, "experiment.replicates", self.replicates, 1, MAX_REPLICATES))
        put(self, "seed", _whole(src, "experiment.seed", self.seed, 0, 2**63 - 1))
        scen = self.scenarios
        if isinstance(scen, str) or not isinstance(scen, list | tuple):
            _fail(src, f"experiment.scenarios = {scen!r} must be a list of scenario names or TOML files")
        if not scen:
            _fail(src, "experiment.scenarios is empty: name at least one scenario (see 'syslead scenarios')")
        for s in scen:
            if not isinstance(s, str) or not s:
                _fail(src, f"experiment.scenarios: {s!r} is not a scenario name or TOML file")
        put(self, "scenarios", tuple(scen))
        resolved: dict[str, scenario_lib.Scenario] = {}
        files: dict[str, str | None] = {}
        for s in self.scenarios:
            located = self._locate(s)
            try:
                sc = scenario_lib.resolve(located)
            except ConfigError as exc:
                _fail(src, f"experiment.scenarios: {exc}")
            if sc.name in resolved:
                _fail(src, f"experiment.scenarios: scenario '{sc.name}' is listed twice")
            resolved[sc.name] = sc
            is_file = located.endswith(".toml") or Path(located).is_file()
            files[sc.name] = str(Path(located).resolve()) if is_file else None
        put(self, "_resolved", resolved)
        put(self, "_files", files)

        # [set]
        if not isinstance(self.set, Mapping):
            _fail(src, "[set] must be a table of dotted.parameter = value")
        sets = _flatten(self.set)
        for path in sets:
            _check_param_path(src, "set", path)
        put(self, "set", {p: _checked(src, "set", p, v) for p, v in sets.items()})

        # [grid]
        if not isinstance(self.grid, Mapping):
            _fail(src, "[grid] must be a table of dotted.parameter = [values]")
        grid = {}
        for path, values in _flatten(self.grid).items():
            _check_param_path(src, "grid", path)
            if path in self.set:
                _fail(src, f"[grid] '{path}' is also fixed in [set]: keep it in one of them")
            if _scalar_kind(path) is tuple:
                _fail(src, f"[grid] '{path}' is a list parameter: only single values can be swept in a grid")
            if isinstance(values, str) or not isinstance(values, list | tuple):
                _fail(src, f"[grid] '{path}' = {values!r} must be a list of values")
            if not values:
                _fail(src, f"[grid] '{path}' is an empty list: give at least one value")
            vals = tuple(_checked(src, "grid", path, v) for v in values)
            seen = []
            for v in vals:
                if any(type(v) is type(w) and v == w for w in seen):
                    _fail(src, f"[grid] '{path}' lists {v!r} twice")
                seen.append(v)
            grid[path] = vals
        put(self, "grid", grid)

        # [sample]
        if self.sample is not None:
            sample = _parse_sample(src, self.sample)
            for path in sample.ranges:
                if path in self.set or path in grid:
                    where = "[set]" if path in self.set else "[grid]"
                    _fail(src, f"[sample] '{path}' is also in {where}: keep it in one of them")
            put(self, "sample", sample)

        # [posterior]
        if self.posterior is not None:
            post = _parse_posterior(src, self.posterior, self.root, self.seed)
            for path in post.names:
                for where, table in (
                    ("[set]", self.set),
                    ("[grid]", grid),
                    ("[sample]", self.sample.ranges if self.sample else {}),
                ):
                    if path in table:
                        _fail(
                            src,
                            f"[posterior] '{path}' is a calibrated parameter, also in {where}: keep it in one of them",
                        )
            put(self, "posterior", post)

        # Each value on its own, for every scenario (the plan checks every combination).
        for name, sc in resolved.items():
            self._validate(sc, {}, f"scenario '{name}' with [set]")
            for path, vals in grid.items():
                for v in vals:
                    self._validate(sc, {path: v}, f"[grid] '{path}'")
            if self.sample is not None:
                for path, (lo, hi) in self.sample.ranges.items():
                    for x in (lo, hi):
                        value = round(x) if _scalar_kind(path) is int else x
                        self._validate(sc, {path: value}, f"[sample] '{path}'")
            if isinstance(self.posterior, Posterior):
                for k, d in enumerate(self.posterior.values, start=1):
                    self._validate(sc, d, f"[posterior] draw {k}")

    # ------------------------------------------------------------------

    def _locate(self, s: str) -> str:
        p = Path(s)
        if self.root is not None and not p.is_absolute() and (Path(self.root) / p).is_file():
            return str(Path(self.root) / p)
        return s

    def _validate(self, sc: scenario_lib.Scenario, point: Mapping[str, Any], where: str) -> None:
        try:
            sc.params({**self.set, **point})
        except ConfigError as exc:
            _fail(self.source, f"{where}: {exc}" + (f" (scenario '{sc.name}')" if point else ""))

    @property
    def resolved_scenarios(self) -> dict[str, scenario_lib.Scenario]:
        """Scenario name -> :class:`~simulation.scenarios.Scenario` (in the experiment's order)."""
        return dict(self._resolved)  # type: ignore[attr-defined]

    @property
    def scenario_files(self) -> dict[str, str | None]:
        """Scenario name -> absolute path of its TOML file (``None`` for a built-in scenario)."""
        return dict(self._files)  # type: ignore[attr-defined]

    @property
    def swept(self) -> list[str]:
        """Dotted paths that vary between points (grid first, then sample, then the posterior's parameters)."""
        post = self.posterior.names if isinstance(self.posterior, Posterior) else []
        return list(self.grid) + (self.sample.names if self.sample else []) + post

    def _draws(self) -> list[tuple[int, dict[str, Any]]]:
        if isinstance(self.posterior, Posterior):
            return list(enumerate(self.posterior.values, start=1))
        return [(0, {})]

    def points(self) -> list[dict[str, Any]]:
        """Every parameter point: the grid's full factorial crossed with the sample's points, crossed with the
        posterior's draws (in draw order; :meth:`point_draws` numbers them)."""
        grid_points = [dict(zip(self.grid, combo)) for combo in itertools.product(*self.grid.values())]
        sample_points = self.sample.points(self.seed) if self.sample is not None else [{}]
        return [{**g, **s, **d} for g in grid_points for s in sample_points for _, d in self._draws()]

    def point_draws(self) -> list[int]:
        """The posterior draw of each point of :meth:`points` (1..draws), or 0 for every point without a
        posterior (the point estimate)."""
        n = math.prod(len(v) for v in self.grid.values()) * (self.sample.size() if self.sample else 1)
        return [k for _ in range(n) for k, _ in self._draws()]

    def n_points(self) -> int:
        n = math.prod(len(v) for v in self.grid.values())
        return n * (self.sample.size() if self.sample else 1) * len(self._draws())

    def n_runs(self) -> int:
        return len(self.scenarios) * self.n_points() * self.replicates

    def to_dict(self) -> dict[str, Any]:
        """The TOML layout (``[experiment]``, ``[set]``, ``[grid]``, ``[sample]``), dotted paths flat."""
        out: dict[str, Any] = {
            "experiment": {
                "name": self.name,
                "weeks": self.weeks,
                "replicates": self.replicates,
                "seed": self.seed,
                "scenarios": list(self.scenarios),
            }
        }
        if self.set:
            out["set"] = dict(self.set)
        if self.grid:
            out["grid"] = {p: list(v) for p, v in self.grid.items()}
        if self.sample is not None:
            out["sample"] = self.sample.to_dict()
        if isinstance(self.posterior, Posterior):
            out["posterior"] = self.posterior.to_dict()
        return out

    def identity(self) -> dict[str, Any]:
        """What makes two experiments the same for a results folder: everything but the number of replicates,
        with the scenarios' resolved parameters (so an edited scenario file counts as another experiment)."""
        d = self.to_dict()
        d["experiment"].pop("replicates")
        d["experiment"]["scenarios"] = list(self.resolved_scenarios)  # names: a path or a name, same data
        d["scenario_data"] = {name: sc.data for name, sc in self.resolved_scenarios.items()}
        if isinstance(self.posterior, Posterior):  # the file's contents, not where it lies
            d["posterior"] = {
                "sha256": self.posterior.sha256,
                "draws": self.posterior.draws,
                "seed": self.posterior.seed,
            }
        return json.loads(json.dumps(d, sort_keys=True))

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.identity(), sort_keys=True).encode()).hexdigest()


def load_experiment(source: str | Path | Mapping[str, Any]) -> Experiment:
    """An :class:`Experiment` from a TOML file or a dict in the same layout. Raises :class:`ConfigError`."""
    if isinstance(source, Experiment):
        return source
    root = None
    if isinstance(source, str | Path):
        path = Path(source)
        data = load_toml(path)
        where, root = str(path), path.parent
    elif isinstance(source, Mapping):
        data, where = dict(source), "experiment"
    else:
        raise TypeError(f"load_experiment needs a path or a dict, not {type(source).__name__}")
    for k in data:
        if k not in TABLES:
            _fail(where, f"unknown table [{k}]{suggest(str(k), TABLES)}: allowed {', '.join(TABLES)}")
    exp = data.get("experiment")
    if not isinstance(exp, Mapping):
        _fail(where, "missing [experiment] table (name, weeks, replicates, seed, scenarios)")
    for k in exp:
        if k not in EXPERIMENT_KEYS:
            _fail(
                where,
                f"unknown key 'experiment.{k}'{suggest(str(k), EXPERIMENT_KEYS)}: allowed {', '.join(EXPERIMENT_KEYS)}",
            )
    if "name" not in exp:
        _fail(where, "experiment.name is missing: give the experiment a name")
    for table in ("set", "grid", "sample", "posterior"):
        if table in data and not isinstance(data[table], Mapping):
            _fail(where, f"[{table}] must be a table")
    return Experiment(
        exp["name"],
        exp.get("weeks", DEFAULT_WEEKS),
        exp.get("replicates", 1),
        exp.get("seed", 0),
        exp.get("scenarios", [scenario_lib.DEFAULT_SCENARIO]),
        data.get("set", {}),
        data.get("grid", {}),
        data.get("sample"),
        data.get("posterior"),
        source=where,
        root=root,
    )

"""Posterior files: weighted parameter draws from a calibration, and deterministic resampling of them.

A posterior file is a Parquet table with one row per particle of the calibration's final generation: one column
per calibrated parameter, named by its dotted path (``trust.contact_gain``), and a ``weight`` column (the
particle's importance weight; the weights need not add up to 1). ``syslead calibrate`` writes one
(``DIR/posterior.parquet``) when the calibration reaches an acceptable posterior, and the package ships the one
from the calibration reported in docs/calibration.md (:data:`PACKAGED_POSTERIOR`), so the main job runs on
posterior draws on a fresh clone.

:func:`posterior_draws` resamples a file: ``n`` draws with replacement, each particle with chance proportional
to its weight, from a random stream fixed by ``seed``: the same file, ``n`` and ``seed`` always give the same
draws, in the same order. This module needs only pandas (not pyabc), so the sweep engine can read posteriors
wherever the model runs.
"""

from __future__ import annotations

import hashlib
import math
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..config import ConfigError, check_value, spec_for

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt


WEIGHT = "weight"
_DRAW_STREAM = 0x44524157  # spawn key of the resampling stream ("DRAW"), apart from every other use of a seed


def packaged_posterior() -> Path:
    """The posterior shipped with the package (from the calibration reported in docs/calibration.md)."""
    return Path(str(resources.files("simulation") / "validation" / "data" / "posterior.parquet"))


PACKAGED_POSTERIOR = "packaged"  # the word that names the packaged posterior in an experiment's [posterior] table


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_posterior(path: str | Path) -> pd.DataFrame:
    """The particles of a posterior file (parameter columns, then ``weight`` normalised to add up to 1).

    Raises :class:`ConfigError` with one line naming the file and what is wrong: missing, unreadable, no weight
    column, a column that is not a numeric model parameter, a value outside the parameter's allowed range, or
    weights that are negative, not finite or all zero."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"posterior file {str(p)!r} does not exist (write one with 'syslead calibrate')")
    try:
        df = pq.read_table(p).to_pandas()
    except (pa.ArrowException, OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise ConfigError(f"posterior file {str(p)!r} is corrupt or not a Parquet table ({reason})") from None
    if WEIGHT not in df.columns:
        raise ConfigError(
            f"posterior file {str(p)!r} has no '{WEIGHT}' column: allowed columns are dotted parameter "
            "paths and 'weight'"
        )
    names = [c for c in df.columns if c != WEIGHT]
    if not names:
        raise ConfigError(f"posterior file {str(p)!r} has no parameter columns")
    if len(df) == 0:
        raise ConfigError(f"posterior file {str(p)!r} holds no particles")
    for name in names:
        try:
            info = spec_for(str(name))
        except ConfigError as exc:
            raise ConfigError(f"posterior file {str(p)!r}: column {exc}") from None
        if isinstance(info.default, bool) or not isinstance(info.default, int | float):
            raise ConfigError(f"posterior file {str(p)!r}: column '{name}' is not a numeric parameter")
        if not pd.api.types.is_numeric_dtype(df[name]):
            raise ConfigError(f"posterior file {str(p)!r}: column '{name}' holds values that are not numbers")
        lo, hi = float(df[name].min()), float(df[name].max())
        for x in (lo, hi):
            try:
                check_value(str(name), int(x) if isinstance(info.default, int) and float(x).is_integer() else x)
            except ConfigError as exc:
                raise ConfigError(f"posterior file {str(p)!r}: {exc}") from None
    w = df[WEIGHT].to_numpy(np.float64)
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ConfigError(f"posterior file {str(p)!r}: weights must be finite numbers >= 0, not all 0")
    out = df[[*names, WEIGHT]].copy()
    out[WEIGHT] = w / w.sum()
    return out.reset_index(drop=True)


def posterior_draws(path: str | Path, n: int, seed: int) -> list[dict[str, float]]:
    """``n`` parameter draws from the posterior file at ``path`` (weighted resampling with replacement).

    Each draw is a dict from dotted parameter path to value (whole-number parameters as ``int``). The draws
    depend only on the file's contents, ``n`` and ``seed``: the same three always give the same list, and the first
    ``n`` draws of a longer list are these ``n``."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ConfigError(f"draws = {n!r} is not allowed: a whole number >= 1")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigError(f"seed = {seed!r} is not allowed: a whole number >= 0")
    df = read_posterior(path)
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(_DRAW_STREAM,)))
    w = df[WEIGHT].to_numpy(np.float64)
    idx = rng.choice(len(df), size=int(n), replace=True, p=w / w.sum())
    names = [c for c in df.columns if c != WEIGHT]
    kinds = {c: isinstance(spec_for(c).default, int) for c in names}
    values = df[names].to_numpy(np.float64)
    return [
        {c: (round(float(values[i, j])) if kinds[c] else float(values[i, j])) for j, c in enumerate(names)} for i in idx
    ]


def weighted_quantile(x: npt.ArrayLike, w: npt.ArrayLike, q: float | Sequence[float] | np.ndarray) -> np.ndarray:
    """Quantiles ``q`` (0..1) of the values ``x`` with weights ``w`` (the inverse of the weighted distribution
    function, interpolated between particles' midpoints; with equal weights, numpy's ``hazen`` method)."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if x.size == 0:
        return np.full(np.shape(q), np.nan)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cw = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cw, x)


def effective_sample_size(w: npt.ArrayLike) -> float:
    """Kish's effective number of particles, ``(sum w)^2 / sum w^2``."""
    w = np.asarray(w, dtype=np.float64)
    s2 = float((w**2).sum())
    return float(w.sum() ** 2 / s2) if s2 > 0 else math.nan

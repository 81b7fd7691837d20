"""Studies shipped with syslead, so the main job's brief can say why the strategies differ and where each wins.

The lever decomposition (``syslead decompose``) and the scenario discovery (``syslead discover``) take far longer
than the main job (thousands of runs), so a fresh ``make run`` cannot make them. The ones reported in
docs/findings.md are kept here, each in its own folder with the files the report reads (``levers/levers.csv`` and
``levers.json``; ``discovery/boxes.csv`` and ``discovery.json``) and a ``stored.json`` saying what made them:
the command, the date and the model version.

:func:`add_stored_studies` copies them into a results folder that has no study of its own (it never replaces
one). The brief and the report then say that the study is the stored one and which command remakes it for the
folder's own settings: the stored study answers for the main job's scenarios at the calibrated point, not for
settings a user has changed. ``python experiments/store_studies.py`` replaces them after a new study.
"""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable


STORED_JSON = "stored.json"
PACKAGED_POSTERIOR = "packaged"  # as simulation.validation.posterior names the posterior shipped with syslead
STUDIES = {"levers": "levers.csv", "discovery": "boxes.csv"}  # folder: the file the brief reads


def stored_folder(study: str) -> Path:
    """The packaged folder of ``study`` (``levers`` or ``discovery``)."""
    if study not in STUDIES:
        raise ValueError(f"study must be one of {', '.join(STUDIES)}, got {study!r}")
    return Path(str(resources.files("simulation") / "analysis" / "stored" / study))


def provenance(folder: Path) -> dict[str, Any] | None:
    """What made the study in ``folder`` when it is a stored one (its ``stored.json``), else None."""
    path = Path(folder) / STORED_JSON
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _studied(src: Path, study: str) -> tuple[set[str], int | None]:
    """The scenarios a stored study compares and its run length (weeks)."""
    meta_file = src / ("levers.json" if study == "levers" else "discovery.json")
    try:
        meta = json.loads(meta_file.read_text())
    except (OSError, ValueError):
        return set(), None
    names = {meta.get("a_name"), meta.get("b_name")} if study == "levers" else set(meta.get("scenarios") or [])
    weeks = meta.get("weeks")
    return {n for n in names if isinstance(n, str)}, weeks if isinstance(weeks, int) else None


def _experiment(out: Path) -> tuple[set[str], int | None, bool]:
    """The folder's scenarios, weeks, and whether it changes any parameter (``[set]``, a grid, a sample or a
    posterior other than the packaged one, the calibration of the scenarios' own settings), from its manifest."""
    try:
        manifest = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return set(), None, True
    exp = manifest.get("experiment") or {}
    head = exp.get("experiment") or {}
    post = manifest.get("posterior")
    other_posterior = bool(post) and not (isinstance(post, dict) and post.get("given") == PACKAGED_POSTERIOR)
    changed = bool(exp.get("set") or exp.get("grid") or exp.get("sample") or other_posterior)
    weeks = head.get("weeks")
    return set(head.get("scenarios") or []), weeks if isinstance(weeks, int) else None, changed


def add_stored_studies(out: str | Path, log: Callable[[str], None] | None = None) -> list[str]:
    """Copy each packaged study into ``out/<study>/`` where ``out`` has none of its own (neither in ``out`` nor
    in that sub-folder; a copy of an older stored study there is replaced) and the study answers for the folder's
    runs: the folder's experiment runs both of the study's scenarios, for the same number of weeks, at the
    scenarios' own settings (no ``[set]``, grid, sample or posterior but the packaged one, the calibrated range of
    those settings). Returns the studies copied."""
    out = Path(out)
    scenarios, weeks, changed = _experiment(out)
    added = []
    for study, key in STUDIES.items():
        src = stored_folder(study)
        copy = provenance(out / study)
        stale = copy is not None and copy.get("stored") is True and copy != provenance(src)
        # a folder's own study is never replaced; a copy of an older stored study is, by the stored one of today
        if not (src / key).is_file() or (out / key).is_file() or ((out / study / key).is_file() and not stale):
            continue
        names, study_weeks = _studied(src, study)
        if changed or not names or not names <= scenarios or study_weeks != weeks:
            continue
        dest = out / study
        dest.mkdir(parents=True, exist_ok=True)
        for f in sorted(src.iterdir()):
            if f.is_file() and not f.name.startswith(("_", ".")) and f.suffix in (".csv", ".json", ".png"):
                shutil.copyfile(f, dest / f.name)
        added.append(study)
        if log is not None:
            made = provenance(dest) or {}
            log(f"{study}: the stored study ({made.get('command', 'see docs/findings.md')}; {made.get('date', '')})")
    return added

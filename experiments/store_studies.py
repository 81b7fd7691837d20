"""Store a lever decomposition and a scenario discovery with the package, for the main job's brief.

    python experiments/store_studies.py --levers results/levers --discovery results/discovery

Copies the files the report reads (levers.csv, levers.json, levers.png; boxes.csv, discovery.json, boxes.png)
into simulation/analysis/stored/<study>/ with a stored.json saying which command made them, when and with which
model version (see simulation/analysis/stored/__init__.py). Run it after the studies reported in
docs/findings.md are made again.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from simulation.analysis.stored import STORED_JSON, stored_folder
from simulation.sweep.runner import run_versions

FILES = {
    "levers": ("levers.csv", "levers.json", "levers.png"),
    "discovery": ("boxes.csv", "discovery.json", "boxes.png"),
}
META = {"levers": "levers.json", "discovery": "discovery.json"}


def _count_runs(src: Path) -> int | None:
    manifest = src / "manifest.json"
    if not manifest.is_file():
        return None
    return len(json.loads(manifest.read_text()).get("runs") or []) or None


def store(study: str, src: Path, command: str) -> Path:
    dest = stored_folder(study)
    missing = [f for f in FILES[study][:2] if not (src / f).is_file()]
    if missing:
        raise SystemExit(f"error: {src} has no {', '.join(missing)}: run the study into it first")
    meta = json.loads((src / META[study]).read_text())
    dest.mkdir(parents=True, exist_ok=True)
    for f in FILES[study]:
        if (src / f).is_file():
            shutil.copyfile(src / f, dest / f)
    manifest = src / "manifest.json"
    sweep = json.loads(manifest.read_text()) if manifest.is_file() else {}
    ended = sweep.get("finished")
    prov = {
        "stored": True,
        "study": study,
        "command": command,
        # the versions that made the runs (the sweep's sessions), not the one that analysed them
        "version": " and ".join(run_versions(sweep)) or meta.get("version"),
        "date": str(ended or meta.get("finished") or meta.get("date") or "")[:10],
        "runs": meta.get("runs") or _count_runs(src),
    }
    (dest / STORED_JSON).write_text(json.dumps(prov, indent=2) + "\n")
    return dest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levers", type=Path, help="a folder written by syslead decompose")
    ap.add_argument("--levers-command", default="syslead decompose top-down south-manchester --replicates 20")
    ap.add_argument("--discovery", type=Path, help="a folder written by syslead discover")
    ap.add_argument("--discovery-command", default="syslead discover experiments/discovery.toml")
    a = ap.parse_args(argv)
    if a.levers is None and a.discovery is None:
        ap.error("give --levers, --discovery or both")
    if a.levers is not None:
        print(f"stored: {store('levers', a.levers, a.levers_command)}")
    if a.discovery is not None:
        print(f"stored: {store('discovery', a.discovery, a.discovery_command)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A million people for two years on one core: ``syslead run --set population.size=1000000 --weeks 104``.

    .venv/bin/python experiments/benchmarks/million.py [--size 1000000] [--weeks 104]

Runs the command line exactly as a user would (into a temporary folder), pinned to one core with
``taskset -c 0`` and one thread for numerical libraries, and records its wall time, CPU time and peak
resident memory (the kernel's accounting of the child process). Writes results/benchmarks/million.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench


def run(size: int, weeks: int) -> dict:
    syslead = Path(sys.executable).with_name("syslead")
    out = Path(tempfile.mkdtemp(prefix="syslead-million-"))
    try:
        cmd = [
            str(syslead),
            "run",
            "--set",
            f"population.size={size}",
            "--weeks",
            str(weeks),
            "--out",
            str(out),
            "--quiet",
        ]
        res = _bench.run_child(cmd, pin_core=True)
        if res["returncode"] != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{res['stderr'][-2000:]}")
        summary = json.loads((out / "summary.json").read_text())
        files = sorted(p.name for p in out.iterdir())
    finally:
        shutil.rmtree(out, ignore_errors=True)
    shown = ["syslead", *cmd[1:-3]]  # without the temporary --out folder and --quiet
    return {
        "machine": _bench.machine(),
        "command": " ".join(shown),
        "size": size,
        "weeks": weeks,
        "wall_s": res["wall_s"],
        "cpu_s": res["cpu_s"],
        "peak_rss_mb": res["peak_rss_mb"],
        "files": files,
        "people_reached": summary["metrics"]["people_reached"],
        "projects_started": summary["metrics"]["projects_started"],
        "working_ties": summary["metrics"]["working_ties"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--reps", type=int, default=1, help="repetitions (the median is reported with all of them)")
    ap.add_argument("--out", default="million.json")
    args = ap.parse_args()
    runs = []
    for _ in range(args.reps):
        r = run(args.size, args.weeks)
        runs.append(r)
        print(
            f"{r['command']}: {r['wall_s']:.0f} s wall, {r['cpu_s']:.0f} s CPU, peak {r['peak_rss_mb'] / 1024:.2f} "
            f"GB (load {r['machine']['load_average']})",
            flush=True,
        )
    result = dict(runs[len(runs) // 2] if args.reps == 1 else sorted(runs, key=lambda r: r["cpu_s"])[len(runs) // 2])
    result["runs"] = [
        {k: r[k] for k in ("wall_s", "cpu_s", "peak_rss_mb")} | {"load": r["machine"]["load_average"]} for r in runs
    ]
    _bench.save(args.out, result)


if __name__ == "__main__":
    main()

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
        cmd = [str(syslead), "run", "--set", f"population.size={size}", "--weeks", str(weeks), "--out", str(out),
               "--quiet"]
        res = _bench.run_child(cmd, pin_core=True)
        if res["returncode"] != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{res['stderr'][-2000:]}")
        summary = json.loads((out / "summary.json").read_text())
        files = sorted(p.name for p in out.iterdir())
    finally:
        shutil.rmtree(out, ignore_errors=True)
    shown = ["syslead", *cmd[1:-3]]  # without the temporary --out folder and --quiet
    return {"machine": _bench.machine(), "command": " ".join(shown), "size": size, "weeks": weeks,
            "wall_s": res["wall_s"], "cpu_s": res["cpu_s"], "peak_rss_mb": res["peak_rss_mb"], "files": files,
            "people_reached": summary["metrics"]["people_reached"],
            "projects_started": summary["metrics"]["projects_started"],
            "working_ties": summary["metrics"]["working_ties"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--weeks", type=int, default=104)
    args = ap.parse_args()
    result = run(args.size, args.weeks)
    _bench.save("million.json", result)
    print(f"{result['command']}: {result['wall_s']:.0f} s wall, {result['cpu_s']:.0f} s CPU, "
          f"peak {result['peak_rss_mb'] / 1024:.2f} GB")


if __name__ == "__main__":
    main()

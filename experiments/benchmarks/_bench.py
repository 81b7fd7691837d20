"""Shared helpers for the model's benchmark scripts (timing, memory, machine, the docs section).

Every measurement of the model steps a model that was built first: set-up is reported apart and
never counted in a time per week. Memory is the peak resident set size of a fresh process (its
whole life: imports, set-up, stepping), read from the kernel's accounting.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "results" / "benchmarks"
DOC = ROOT / "docs" / "performance.md"
HERE = Path(__file__).resolve().parent

from simulation.allocator import keep_freed_memory  # noqa: E402

keep_freed_memory()  # as the syslead command does (docs/performance.md)

ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def machine() -> dict:
    """What the numbers were measured on (the load average matters: other work inflates every time)."""
    import mesa
    import numba
    import numpy
    import scipy

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "numba": numba.__version__,
        "mesa": mesa.__version__,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(args: list[str], *, pin_core: bool = False) -> dict:
    """Run a command as a child process; return its wall time, CPU time, peak memory and output.

    Numerical libraries get one thread; with ``pin_core`` the child may also use only CPU 0
    (``taskset``). Pinning proves one core is enough, but on a busy machine it also ties the child to
    a core that others may be using, so only the million-people run is pinned.
    """
    cmd = list(args)
    if pin_core and sys.platform.startswith("linux") and _has("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    env = {**os.environ, **ONE_THREAD}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    return {
        "cmd": args,
        "returncode": proc.returncode,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "stdout": stdout,
        "stderr": stderr,
    }


def _has(tool: str) -> bool:
    from shutil import which

    return which(tool) is not None


def python_child(script: str, *args: str) -> dict:
    """Run one of these scripts in a fresh interpreter (one thread) and parse its JSON output."""
    res = run_child([sys.executable, str(HERE / script), *args])
    if res["returncode"] != 0:
        raise RuntimeError(f"{script} {' '.join(args)} failed:\n{res['stderr'][-2000:]}")
    return json.loads(res["stdout"].strip().splitlines()[-1])


def save(name: str, data) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def load(name: str):
    path = RESULTS / name
    return json.loads(path.read_text()) if path.exists() else None


START, END = "<!-- model-speed:start -->", "<!-- model-speed:end -->"
LOG_START, LOG_END = "<!-- model-speed-log:start -->", "<!-- model-speed-log:end -->"
"""Inside the section: dated measurements written by hand (single scripts run one at a time, with what was
changed between them). The suite keeps them as they are, right under the section's heading."""


def write_section(body: str) -> None:
    """Replace this suite's section of docs/performance.md (other sections are left as they are; the dated
    measurements between the log markers inside it are kept, under the new section's heading)."""
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    section = re.search(re.escape(START) + r".*?" + re.escape(END), text, flags=re.S)
    kept = re.escape(LOG_START) + r".*?" + re.escape(LOG_END)
    log = re.search(kept, section.group(0), flags=re.S) if section else None
    body = body.rstrip()
    if log:
        heading, _, rest = body.partition("\n")
        body = f"{heading}\n\n{log.group(0)}\n{rest}"
    block = f"{START}\n{body}\n{END}"
    if section:
        text = text[: section.start()] + block + text[section.end() :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text)

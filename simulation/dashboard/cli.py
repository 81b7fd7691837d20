"""``syslead dashboard``: serve the workshop dashboard with Solara, offline.

Binds to 127.0.0.1 unless told otherwise; ``--host 0.0.0.0`` (a workshop room) prints a one-line warning.
Runs ``solara run`` in production mode with the page's assets served from the installed ``solara-assets``
package (no request leaves the machine), telemetry disabled and no version check. Readiness:
``GET /readyz`` answers 200.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import subprocess
import sys

from ..cli import bounded_int, command
from ..config import ConfigError

APP = "simulation.dashboard.app"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
CULL_TIMEOUT = "15m"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _host(text: str) -> str:
    if text == "localhost":
        return text
    try:
        ipaddress.ip_address(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not allowed: an IP address such as 127.0.0.1 or 0.0.0.0"
        ) from None
    return text


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--host",
        type=_host,
        default=DEFAULT_HOST,
        help="address to listen on (default 127.0.0.1: this computer only; 0.0.0.0: everyone on the network)",
    )
    p.add_argument("--port", type=bounded_int(1, 65535), default=DEFAULT_PORT, help="port (default 8765)")
    p.add_argument(
        "--rooms-dir",
        default=None,
        help="folder where workshop rooms are saved after each change and restored from when the server restarts "
        "(default: $SYSLEAD_ROOMS_DIR, else syslead/rooms in the user's cache folder)",
    )


def server_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the server: no telemetry, assets from the local package, production settings."""
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
            "SOLARA_ASSETS_PROXY": "true",  # CDN files come from the installed solara-assets package
            "MPLBACKEND": "Agg",
            "SOLARA_THEME_SHOW_BANNER": "false",  # the "runs on Solara" badge covered the Export button
        }
    )
    # Solara warns (a 12-line warning) on every page request to a plain-http address other than "localhost"
    # about cookies it then sets correctly (samesite=lax): noise in a workshop's terminal.
    quiet = "ignore:Cookies with samesite=none require https"
    env["PYTHONWARNINGS"] = ",".join(w for w in (env.get("PYTHONWARNINGS", ""), quiet) if w)
    # A closed tab's session (and its models) is freed after this long (solara keeps it 24 h by default).
    env.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", CULL_TIMEOUT)
    # Reacton's tree walk that skips the parts of the page whose state did not change (opt-in in reacton
    # 1.11, tested by reacton against its default walk): a Step re-renders only what changed.
    env.setdefault("REACTON_FAST", "1")
    # Memory handed back when a room's tabs close. A room leaves almost nothing alive (memray: 0.3 MB more live
    # allocations after 1 + 20 sessions than after 1), but the allocators kept the freed memory: Python's own
    # small-object allocator frees a 1 MB arena only when every object in it has gone (after 20 sessions, 136
    # arenas held 29 MB of free blocks), and glibc raises its mmap threshold after each large array is freed, so
    # the next models' arrays land in the heap between long-lived objects. So: the C allocator for small objects
    # (the closing session's ``malloc_trim`` then frees whole pages), two heaps for the server's threads, and a
    # fixed mmap threshold (arrays above 64 kB come from the system and go back to it when freed).
    # docs/performance.md, "Dashboard", has the before and after.
    env.setdefault("PYTHONMALLOC", "malloc")
    env.setdefault("MALLOC_ARENA_MAX", "2")
    env.setdefault("MALLOC_MMAP_THRESHOLD_", "65536")
    return env


def server_command(host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        APP,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
    ]


@command("dashboard", "serve the workshop dashboard in the browser (offline)", _configure)
def cmd_dashboard(args: argparse.Namespace) -> int:
    try:
        import solara  # noqa: F401
    except ModuleNotFoundError:
        raise ConfigError("the dashboard needs the 'dashboard' extra: pip install 'syslead[dashboard]'") from None
    if args.rooms_dir and os.path.exists(args.rooms_dir) and not os.path.isdir(args.rooms_dir):
        raise ConfigError(f"--rooms-dir {args.rooms_dir!r} is not a folder: allowed a folder, new or existing")
    if args.host not in LOOPBACK:
        print(
            f"syslead: warning: listening on {args.host}: anyone on this network can open the dashboard",
            file=sys.stderr,
        )
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    print(f"syslead dashboard: http://{shown}:{args.port}/ (Ctrl+C to stop)", file=sys.stderr, flush=True)
    env = server_env()
    if args.rooms_dir:  # the workshop's rooms (simulation/dashboard/workshop/room.py reads it in the server)
        env["SYSLEAD_ROOMS_DIR"] = os.path.abspath(args.rooms_dir)
    return serve(server_command(args.host, args.port), env)


def serve(cmd: list[str], env: dict[str, str]) -> int:
    """Become the server (POSIX: exec, so signals and the process id are the server's); else wait for it."""
    if hasattr(os, "execve") and os.name == "posix":
        os.execve(cmd[0], cmd, env)
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 130

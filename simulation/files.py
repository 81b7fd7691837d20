"""Writing result files whole or not at all.

Every file the project writes (run files, sweep parts and tables, reports,
figures, validation tables) goes through :func:`atomic_path`: the content is
written to a temporary file next to the target, optionally flushed to disk,
given the permissions an ordinary new file would get (``0o666`` less the
process's umask; ``tempfile.mkstemp`` would leave ``0o600``), and moved onto
the target with ``os.replace``. A reader never sees a half-written file, and
an error or an interruption leaves the old file (if any) as it was and no
temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _file_mode() -> int:
    """``0o666`` less the process's umask, read without changing it where Linux reports it (``os.umask`` can
    only be read by setting it, which would briefly change it for every thread, e.g. the dashboard's)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_path(path: str | Path, sync: bool = False) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; when the block ends without an error it replaces ``path``.

    With ``sync`` the temporary file is flushed to disk (``fsync``) before the move, so a finished file
    survives a crash of the machine, not only of the process.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _file_mode())
        if sync:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str, sync: bool = False) -> None:
    """Write ``text`` to ``path`` whole or not at all (newlines as given)."""
    with atomic_path(path, sync) as tmp, open(tmp, "w", newline="") as fh:
        fh.write(text)


def write_bytes(path: str | Path, data: bytes, sync: bool = False) -> None:
    """Write ``data`` to ``path`` whole or not at all."""
    with atomic_path(path, sync) as tmp:
        tmp.write_bytes(data)

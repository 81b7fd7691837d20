"""The glibc allocator setting that keeps freed memory for reuse: speed only, never results (docs/performance.md)."""

from __future__ import annotations


def keep_freed_memory() -> None:
    """Ask glibc's allocator to keep freed memory for reuse instead of returning it to the system.

    A week allocates and frees arrays of every tie (hundreds of kilobytes to megabytes). With glibc's
    defaults the top of the heap is handed back to the system after each such free, and the next
    allocation of the same size pays a page fault per 4 KiB page (measured: about 600 faults and 2 ms
    per merge of new ties at 10,000 people, against 0.1 ms for the copying itself; docs/performance.md).
    Arrays below 32 MiB are taken from the heap, and up to 256 MiB of freed heap is kept. Only the
    speed of allocation changes, never a result. No effect on other C libraries (or with
    ``SYSLEAD_MALLOC=default`` in the environment). The setting is process-wide, so importing the
    model never makes it: the ``syslead`` command and the benchmark scripts call it.
    """
    import ctypes
    import os
    import sys

    if not sys.platform.startswith("linux") or os.environ.get("SYSLEAD_MALLOC") == "default":
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 32 << 20)
    mallopt(m_trim_threshold, 256 << 20)

"""How a long command's process uses memory (issue 16: a 50k-listing sync on a small server).

A sync makes its big tables (the ERP catalogue, the last links, the new links, the plan) in worker threads
(`asyncio.to_thread`). glibc's malloc gives each thread its own arena, and memory one thread frees stays in its
arena, unused by the next thread's tables: at 50k listings that left ~10 MB more resident at the peak. Two arenas
are plenty for a sync's few threads. Elsewhere (another C library) nothing changes.
"""

from __future__ import annotations

import ctypes

_M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)


def few_malloc_arenas(arenas: int = 2) -> bool:
    """Cap glibc's malloc arenas for the threads started from now on; False where there is no glibc."""
    try:
        return bool(ctypes.CDLL(None).mallopt(_M_ARENA_MAX, arenas))  # the process's own symbols: its C library
    except (OSError, AttributeError):
        return False

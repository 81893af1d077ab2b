"""cli.memory: a sync process caps glibc's malloc arenas (issue 16: memory one worker thread freed is reused by the
next one's tables instead of staying in that thread's arena)."""

from __future__ import annotations

import platform

from cli.memory import few_malloc_arenas


def test_the_arena_cap_is_taken_where_the_c_library_is_glibc():
    assert few_malloc_arenas() is (platform.libc_ver()[0] == "glibc")

"""One sync at a time across processes: the "is a sync running?" check and the recording of the new run
happen under one inter-process lock (`<home>/.sync.lock`), so two syncs started at the same instant cannot
both see "nobody is running" and both record a run (docs/internals.md, "One sync at a time").

The lock is held only for that step (milliseconds), not for the whole run: a run records its process id in
the journal, and a run whose process is gone no longer counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from services.errors import OperationFailed
from services.home import ensure_home
from services.i18n import N_

SYNC_LOCK = ".sync.lock"
LOCK_TIMEOUT_SECONDS = 30.0


@contextmanager
def sync_start_lock(home: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold the home's sync-start lock (waits up to `timeout` for another process's check-and-record)."""
    try:
        lock = FileLock(str(ensure_home(Path(home)) / SYNC_LOCK), mode=0o600, thread_local=False)
        lock.acquire(timeout=timeout)
    except Timeout:
        raise OperationFailed(
            N_("another melisync process has been starting a sync for over {timeout:g} s; wait for it and run again"),
            timeout=timeout,
        ) from None
    except OSError as exc:
        raise OperationFailed(
            N_("cannot lock {path}: {why}; check the permissions of the melisync home"),
            path=Path(home) / SYNC_LOCK,
            why=exc.strerror or exc,
        ) from None
    try:
        yield
    finally:
        lock.release()

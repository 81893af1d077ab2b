"""`melisync watch --erp-csv FILE`: many ERPs can only drop a stock file every few minutes; the watcher picks
it up (docs/internals.md, "The watcher").

The file is imported as a stock count taken at the file's time (`erp import --stock-only`): codes it does not
list are left alone, and sales booked after that time are taken off again, so a periodic export never puts
sold units back on sale. It is read only once nobody has written it for STABLE_SECONDS (an export being
written is never read half-way), and once per version (size and modification time).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from services.errors import BadInput, OperationFailed
from services.i18n import N_

STABLE_SECONDS = 3.0


class CsvPickup:
    """Called before each tick: imports `path` when a new, settled version of it is there."""

    def __init__(
        self,
        path: Path,
        import_count: Callable[[Path, datetime], object],
        *,
        stable_seconds: float = STABLE_SECONDS,
        clock: Callable[[], float] = time.time,
    ):
        self.path = Path(path)
        self.import_count = import_count
        self.stable_seconds = stable_seconds
        self.clock = clock
        self.imported: tuple[int, int] | None = None  # (size, mtime_ns) of the version imported last
        self.last_error: tuple[int, int] | None = None  # a version that was refused is not tried again

    async def __call__(self) -> bool:
        """Import the file if a new settled version is there; True when imported."""
        try:
            stat = os.stat(self.path)
        except OSError:
            return False  # not there right now (an ERP replacing it): the next tick looks again
        stamp = (stat.st_size, stat.st_mtime_ns)
        if stamp in (self.imported, self.last_error):
            return False
        if self.clock() - stat.st_mtime < self.stable_seconds:
            return False  # being written, or just written: wait until it settles
        counted_at = datetime.fromtimestamp(stat.st_mtime, UTC)
        try:
            self.import_count(self.path, counted_at)
        except BadInput as exc:
            self.last_error = stamp
            raise OperationFailed(
                N_("the ERP stock file {path} was not imported: {exc}"), path=self.path, exc=exc
            ) from None
        self.imported = stamp
        return True

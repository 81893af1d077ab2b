"""The watcher's presence and heartbeat in the home (docs/internals.md, "The watcher").

One watcher per home: it holds `<home>/.watch.lock` (an OS file lock, released by the kernel when the
process ends, even on kill -9) for its whole life, so "is a watcher running?" never trusts a stale pid.
Its heartbeat, `<home>/watch.json`, says what it did last (tick, sale booked, write, errors) for `status`
and the connection screen; it is a cache: losing it costs nothing but the figures it showed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from services.errors import OperationFailed
from services.home import ensure_home, write_private
from services.i18n import N_
from services.reasons import Code, Reason

WATCH_LOCK = ".watch.lock"
HEARTBEAT = "watch.json"
ERROR_WINDOW = timedelta(hours=1)  # `status` shows the errors of the last hour
KEPT_ERRORS = 50

RUNNING, STOPPED, REAUTHORIZE = "running", "stopped", "reauthorization_needed"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class WatchRunning(OperationFailed):
    """Another watcher holds this home."""


class WatchLock:
    """The home's watcher lock, held by the watcher for its whole life."""

    def __init__(self, home: Path):
        self.home = Path(home)
        self._lock = FileLock(str(ensure_home(self.home) / WATCH_LOCK), mode=0o600, thread_local=False)

    def acquire(self) -> None:
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            pid = read_heartbeat(self.home).get("pid")
            raise WatchRunning(
                N_("a watcher is already running for this home (process {pid}); stop it first (one watcher per home)"),
                pid=pid or "?",
                reason=Reason(Code.WATCHER_RUNNING, pid=str(pid or "?")),
            ) from None

    def release(self) -> None:
        self._lock.release()


def watcher_pid(home: Path) -> int | None:
    """The pid of the running watcher of `home` (None: none running). Not this process's own watcher."""
    path = Path(home) / WATCH_LOCK
    if not path.exists():
        return None
    probe = FileLock(str(path), mode=0o600, thread_local=False)
    try:
        probe.acquire(timeout=0)
    except Timeout:
        pid = read_heartbeat(home).get("pid")
        return pid if isinstance(pid, int) else -1
    except OSError:
        return None
    probe.release()
    return None


def refuse_if_watching(home: Path) -> None:
    """A `sync` (CLI or TUI) while another process's watcher runs is refused: it would write concurrently."""
    pid = watcher_pid(home)
    if pid is not None and pid != os.getpid():
        raise OperationFailed(
            N_(
                "`melisync watch` is running for this home (process {pid}) and keeps the stock in step by itself; stop it before syncing by hand"
            ),
            pid=pid,
            reason=Reason(Code.WATCHING, pid=str(pid)),
        )


def read_heartbeat(home: Path) -> dict[str, Any]:
    try:
        data = json.loads((Path(home) / HEARTBEAT).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class Heartbeat:
    """What the watcher writes to `watch.json` (every tick, and at start and stop)."""

    home: Path
    pid: int = field(default_factory=os.getpid)
    state: str = RUNNING
    started_at: str = field(default_factory=_now)
    every: float = 60.0
    last_tick: str | None = None
    ticks: int = 0  # ticks since this watcher started (benchmarks count requests per tick with it)
    last_sale: dict[str, Any] | None = None  # {"at", "order_id", "erp_code"}
    last_write: dict[str, Any] | None = None  # {"at", "run_id", "writes"}
    last_reconcile: str | None = None
    next_reconcile: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)  # {"at", "message"}, newest last

    @classmethod
    def resume(cls, home: Path, **fresh: Any) -> Heartbeat:
        """A new watcher's heartbeat, keeping the last sale/write/reconciliation the previous one saw."""
        old = read_heartbeat(home)
        keep: dict[str, Any] = {k: old.get(k) for k in ("last_sale", "last_write", "last_reconcile") if old.get(k)}
        return cls(home=Path(home), errors=[e for e in old.get("errors") or [] if isinstance(e, dict)], **keep, **fresh)

    def error(self, message: str) -> None:
        self.errors = (self.errors + [{"at": _now(), "message": message}])[-KEPT_ERRORS:]

    def write(self) -> None:
        doc = {k: v for k, v in self.__dict__.items() if k != "home"}
        write_private(ensure_home(self.home) / HEARTBEAT, json.dumps(doc, indent=2).encode())


def watch_report(home: Path, now: datetime | None = None) -> dict[str, Any]:
    """`status`'s watch section: running or not (the lock decides, not the file), and the heartbeat's facts."""
    now = now or datetime.now(UTC)
    beat = read_heartbeat(home)
    pid = watcher_pid(home)
    if pid is not None:
        state = RUNNING
    elif beat.get("state") == REAUTHORIZE:
        state = REAUTHORIZE
    else:
        state = STOPPED
    recent = []
    for entry in beat.get("errors") or []:
        try:
            if now - datetime.fromisoformat(entry["at"]) <= ERROR_WINDOW:
                recent.append(entry)
        except (KeyError, TypeError, ValueError):
            continue
    return {
        "state": state,
        "pid": pid if state == RUNNING else None,
        "every": beat.get("every"),
        "started_at": beat.get("started_at"),
        "last_tick": beat.get("last_tick"),
        "last_sale": beat.get("last_sale"),
        "last_write": beat.get("last_write"),
        "next_reconcile": beat.get("next_reconcile") if state == RUNNING else None,
        "errors_last_hour": len(recent),
        "last_error": recent[-1]["message"] if recent else None,
    }

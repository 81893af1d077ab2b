"""journal.json: every sync run (kind, start, end, status, counts, errors) and each of its actions.

A run is written as `running` when it starts; a run still `running` whose process is gone (kill -9,
power loss) is shown as `interrupted` the next time the journal is opened by a sync or read.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from tinydb import Query

from services.store.store import JOURNAL, Store, open_store

RUNS = "runs"
ACTIONS = "actions"

RUNNING = "running"
FINISHED = "finished"  # everything planned was done
FAILED = "failed"  # finished with errors, or stopped by one
INTERRUPTED = "interrupted"  # the process died while the run was running
CANCELLED = "cancelled"  # the operator stopped it
DRY_RUN = "dry_run"  # planned only, nothing applied (recorded so `log` shows previews too)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# Runs kept: a sync every 10 minutes for about a week. Older runs and their actions are dropped when a
# run starts, so the journal file (rewritten on each batch) stays small.
KEEP_RUNS = 1000


class Journal:
    """Runs and actions. Run ids are small integers (`melisync log --run 12`)."""

    def __init__(self, store: Store | None = None, home: Path | None = None, keep_runs: int = KEEP_RUNS):
        self.store = store or open_store(JOURNAL, home)
        self.keep_runs = keep_runs

    # -- writing ---------------------------------------------------------------------------------------

    def start(self, kind: str, dry_run: bool, **extra) -> int:
        run = {"kind": kind, "dry_run": dry_run, "status": RUNNING, "started_at": now_iso(), "ended_at": None,
               "pid": os.getpid(), "host": socket.gethostname(), "counts": {}, "errors": [], "notes": [], **extra}
        with self.store.transaction() as db:
            runs = db.table(RUNS)
            run_id = runs.insert(run)
            ids = sorted(doc.doc_id for doc in runs.all())
            old = set(ids[:-self.keep_runs]) if len(ids) > self.keep_runs else set()
            if old:
                runs.remove(doc_ids=list(old))
                actions = db.table(ACTIONS)
                actions.remove(doc_ids=[doc.doc_id for doc in actions.all() if doc["run_id"] in old])
            return run_id

    def record(self, run_id: int, actions: Iterable[dict], errors: Iterable[dict] = ()) -> None:
        """Append finished actions (as `Action.to_dict()` rows) and errors to a run: one file write."""
        actions, errors = list(actions), list(errors)
        if not actions and not errors:
            return
        with self.store.transaction() as db:
            table = db.table(ACTIONS)
            stamp = now_iso()
            table.insert_multiple({"run_id": run_id, "time": stamp, **row} for row in actions)
            if errors:
                runs = db.table(RUNS)
                run = runs.get(doc_id=run_id)
                runs.update({"errors": run["errors"] + errors}, doc_ids=[run_id])

    def finish(self, run_id: int, status: str, counts: dict, notes: Iterable[str] = ()) -> None:
        with self.store.transaction() as db:
            db.table(RUNS).update({"status": status, "ended_at": now_iso(), "counts": counts,
                                   "notes": list(notes)}, doc_ids=[run_id])

    def mark(self, run_id: int, **fields) -> None:
        """Stamp facts on a run as it moves on (`planned_at`, `applied_at`): what the logs and status read."""
        with self.store.transaction() as db:
            db.table(RUNS).update(fields, doc_ids=[run_id])

    def mark_interrupted(self) -> list[int]:
        """Runs left `running` by a process that no longer exists on this host become `interrupted`."""
        dead = [run["id"] for run in self.runs() if run["status"] == RUNNING and not _alive(run)]
        if dead:
            with self.store.transaction() as db:
                db.table(RUNS).update({"status": INTERRUPTED, "ended_at": now_iso()}, doc_ids=dead)
        return dead

    def running(self) -> list[dict]:
        """Runs whose process is still alive (another sync in progress)."""
        return [run for run in self.runs() if run["status"] == RUNNING and _alive(run)]

    # -- reading ---------------------------------------------------------------------------------------

    def runs(self, limit: int | None = None) -> list[dict]:
        """Newest first, each with its `id`."""
        docs = [{"id": doc.doc_id, **doc} for doc in self.store.db().table(RUNS).all()]
        docs.sort(key=lambda run: run["id"], reverse=True)
        return docs[:limit] if limit else docs

    def run(self, run_id: int) -> dict | None:
        doc = self.store.db().table(RUNS).get(doc_id=run_id)
        return {"id": run_id, **doc} if doc else None

    def actions(self, run_id: int) -> list[dict]:
        rows = self.store.db().table(ACTIONS).search(Query().run_id == run_id)
        return [dict(row) for row in rows]

    def last_run(self, kind: str | None = None, *, applied: bool = True) -> dict | None:
        for run in self.runs():
            if (kind is None or run["kind"] == kind) and not (applied and run["dry_run"]):
                return run
        return None


def _alive(run: dict) -> bool:
    if run.get("host") != socket.gethostname():
        return True  # can't tell from here: leave it to that machine
    pid = run.get("pid")
    if not isinstance(pid, int):
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

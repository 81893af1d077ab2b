"""The sync journal: every run (kind, start, end, status, counts, errors, notes) and each of its actions.

Layout (the directory `journal/` of the home; issue 16):

- `runs.jsonl`: the index, append-only. A line is a run's start (the whole record) or a change to it (status,
  end, counts, notes, added errors), merged in file order when read. Small: a few lines per run.
- `run-<id>.jsonl`: the actions of one run, appended in batches (one line per action).
- `skips-<id>.jsonl`: the rows run <id> skipped at plan time, when it became the reference its later runs of the
  same kind compare with ("skip base", named in `skip_base.json`).

Writing a run costs O(its own actions), never O(the journal): each batch appends to the run's own file and is
fsynced at the same points as before (one commit per batch of actions). A run whose plan skips the same rows for
the same reasons as the skip base counts them ("6,768 skipped as before") instead of listing them again; the list
stays one call away (`skipped_as_before(run)`): the base's rows minus those this run listed or no longer skips.

Retention (`start` of each run): the oldest runs go when the journal holds more than `max_bytes` (default 50 MB)
or ended more than `max_days` ago; a running run, and a skip base still named by a kept run, are never dropped.

A run still `running` whose process is gone (kill -9, power loss) is shown as `interrupted` the next time the
journal is opened by a sync or read. A line cut short by a crash is ignored when read.

An older home's `journal.json` (TinyDB) is read as it is until a run starts: that run converts it (kept as
`journal.json.migrated`), so reading commands (`log`, `status`) never change a file.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from services.errors import OperationFailed
from services.home import ensure_home, home_dir
from services.i18n import N_
from services.store.run import Run, RunKind, RunStatus

if TYPE_CHECKING:
    from services.config import Config

__all__ = ["Journal", "Run", "RunKind", "RunStatus", "journal_exists", "now_iso"]

RUNNING = RunStatus.RUNNING
FINISHED = RunStatus.FINISHED
FAILED = RunStatus.FAILED
INTERRUPTED = RunStatus.INTERRUPTED
CANCELLED = RunStatus.CANCELLED
DRY_RUN = RunStatus.DRY_RUN

# One JSON line of the journal: a run's fields (runs.jsonl) or an action row (run-<id>.jsonl), as written.
Record = dict[str, Any]

JOURNAL_DIR = "journal"
OLD_FILE = "journal.json"  # before issue 16: one TinyDB file rewritten on every batch
INDEX = "runs.jsonl"
LAST_ID = "last_id"
SKIP_BASE = "skip_base.json"

MAX_BYTES = 50 * 2**20  # default size kept (config `journal_max_mb`)
MAX_DAYS = 90  # default age kept (config `journal_max_days`)
# Runs kept at most whatever their size (a sync every 10 minutes for about a week).
KEEP_RUNS = 1000
# A run lists its skipped rows afresh (and becomes the new skip base) once this many differ from the base.
REBASE_MIN = 50
REBASE_SHARE = 10  # ... or a tenth of the base, whichever is larger


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def journal_exists(home: Path) -> bool:
    """Whether any sync was journaled in `home` (readers use it so that reading never creates the journal)."""
    return (Path(home) / JOURNAL_DIR / INDEX).exists() or (Path(home) / OLD_FILE).exists()


def _skip_key(row: Record) -> str:
    return f"{row.get('kind')}|{row.get('item_id')}|{row.get('variation_id')}|{row.get('key')}"


class Journal:
    """Runs and actions. Run ids are small integers (`melisync log --run 12`)."""

    def __init__(
        self,
        home: Path | None = None,
        *,
        keep_runs: int = KEEP_RUNS,
        max_bytes: int = MAX_BYTES,
        max_days: float = MAX_DAYS,
        lock_timeout: float = 30.0,
    ):
        self.home = Path(home or home_dir())
        self.dir = self.home / JOURNAL_DIR
        self.keep_runs, self.max_bytes, self.max_days = keep_runs, max_bytes, max_days
        self.lock_timeout = lock_timeout
        self.bytes_written = 0  # what this object appended (tests count it: O(own actions))
        self._index_cache: tuple[tuple[int, int], int, dict[int, Record]] | None = None  # (inode+dev, offset, runs)
        self._lock: _Lock | None = None
        self._old_cache: tuple[int, tuple[dict[int, Record], dict[int, list[Record]]]] | None = None

    @classmethod
    def for_config(cls, config: Config) -> Journal:
        return cls(home=config.home, max_bytes=int(config.journal_max_mb * 2**20), max_days=config.journal_max_days)

    # -- writing ---------------------------------------------------------------------------------------

    def start(self, kind: str, dry_run: bool, **extra: Any) -> int:
        run = {
            "kind": kind,
            "dry_run": dry_run,
            "status": RUNNING,
            "started_at": now_iso(),
            "ended_at": None,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "counts": {},
            "errors": [],
            "notes": [],
            **extra,
        }
        self._migrate()  # an older home's journal.json is converted by the first run that writes
        with self._locked():
            self._retain()
            last = self._path(LAST_ID)
            try:
                run_id = int(last.read_text("ascii")) + 1
            except (OSError, ValueError):
                run_id = max(self._index(), default=0) + 1
            self._append(self._path(INDEX), [{"id": run_id, **run}])
            _write_small(last, str(run_id))
        return run_id

    def record(self, run_id: int, actions: Iterable[Record], errors: Iterable[Record] = ()) -> None:
        """Append finished actions (as `Action.to_dict()` rows) and errors to a run: one fsynced append each."""
        actions, errors = list(actions), list(errors)
        if actions:
            stamp = now_iso()
            self._append(self._run_file(run_id), [{"run_id": run_id, "time": stamp, **row} for row in actions])
        if errors:
            with self._locked():
                self._append(self._path(INDEX), [{"id": run_id, "+errors": errors}])

    def finish(
        self, run_id: int, status: str, counts: dict[str, Any], notes: Iterable[str | dict[str, Any]] = ()
    ) -> None:
        self.amend(run_id, status=status, ended_at=now_iso(), counts=counts, notes=list(notes))

    def amend(self, run_id: int, **fields: Any) -> None:
        """Change fields of a run's record (appended to the index; the last value wins)."""
        with self._locked():
            self._append(self._path(INDEX), [{"id": run_id, **fields}])

    def list_skipped(self, run_id: int, kind: str, rows: list[Record]) -> list[Record]:
        """The rows a run skipped at plan time, minus those skipped for the same reason by the skip base of its
        kind: those are counted (`skipped_as_before` in the run's record), the rest returned to be listed.

        When too many rows differ from the base, this run becomes the base: its rows go to its own skips file
        (listed with its actions) and nothing is returned."""
        bases = self._skip_bases()
        base_id = bases.get(kind)
        base = self._base_rows(base_id) if base_id is not None else None
        if base is not None:
            reasons = {key: row.get("reason") for key, row in base.items()}
            listed = [row for row in rows if reasons.get(_skip_key(row), object()) != row.get("reason")]
            gone = sorted(reasons.keys() - {_skip_key(row) for row in rows})
            if len(listed) + len(gone) <= max(REBASE_MIN, len(base) // REBASE_SHARE):
                if gone:
                    self._append(self._run_file(run_id), [{"run_id": run_id, "no_longer_skipped": gone}])
                self.amend(run_id, skipped_as_before=len(rows) - len(listed), skip_base=base_id)
                return listed
        if rows:
            self._append(self._path(f"skips-{run_id}.jsonl"), [{"run_id": run_id, **row} for row in rows])
        with self._locked():
            bases = self._skip_bases()
            bases[kind] = run_id
            _write_small(self._path(SKIP_BASE), json.dumps(bases))
            self._append(self._path(INDEX), [{"id": run_id, "skipped_as_before": 0, "skip_base": run_id}])
        return []

    def mark(self, run_id: int, **fields: Any) -> None:
        """Stamp facts on a run as it moves on (`planned_at`, `applied_at`): what the logs and status read."""
        self.amend(run_id, **fields)

    def mark_interrupted(self) -> list[int]:
        """Runs left `running` by a process that no longer exists on this host become `interrupted`."""
        dead = [run.id for run in self.runs() if run.status == RUNNING and not _alive(run)]
        if dead:
            stamp = now_iso()
            with self._locked():
                self._append(self._path(INDEX), [{"id": i, "status": INTERRUPTED, "ended_at": stamp} for i in dead])
        return dead

    def running(self) -> list[Run]:
        """Runs whose process is still alive (another sync in progress)."""
        return [run for run in self.runs() if run.status == RUNNING and _alive(run)]

    # -- reading ---------------------------------------------------------------------------------------

    def runs(self, limit: int | None = None) -> list[Run]:
        """Newest first."""
        index = self._index()
        ids = sorted(index, reverse=True)
        return [Run.from_record(_copy(index[i])) for i in (ids[:limit] if limit else ids)]

    def run(self, run_id: int) -> Run | None:
        found = self._index().get(run_id)
        return Run.from_record(_copy(found)) if found else None

    def actions(self, run_id: int) -> list[Record]:
        """The rows the run listed (as they were journaled), not the ones it counted as skipped before."""
        if not self._path(INDEX).exists() and (self.home / OLD_FILE).exists():
            return [dict(row) for row in self._old()[1].get(run_id, [])]
        rows = [row for row in _read_lines(self._run_file(run_id)) if "no_longer_skipped" not in row]
        run = self._index().get(run_id)
        if run and run.get("skip_base") == run_id:
            rows += _read_lines(self._path(f"skips-{run_id}.jsonl"))
        return rows

    def skipped_as_before(self, run_id: int) -> list[Record]:
        """The rows a run skipped for the same reason as its skip base (as the base journaled them)."""
        run = self._index().get(run_id)
        base_id = run.get("skip_base") if run else None
        if base_id is None or base_id == run_id:
            return []
        base = self._base_rows(base_id) or {}
        for row in _read_lines(self._run_file(run_id)):
            for key in row.get("no_longer_skipped", ()):
                base.pop(key, None)
            if "kind" in row and row.get("status") == "skipped":
                base.pop(_skip_key(row), None)
        return list(base.values())

    def last_run(self, kind: str | None = None, *, applied: bool = True) -> Run | None:
        for run in self.runs():
            if (kind is None or run.kind == kind) and not (applied and run.dry_run):
                return run
        return None

    def size(self) -> int:
        """Bytes on disk (the index and every run's files)."""
        try:
            return sum(entry.stat().st_size for entry in os.scandir(self.dir) if entry.is_file())
        except FileNotFoundError:
            return 0

    # -- files -----------------------------------------------------------------------------------------

    def _path(self, name: str) -> Path:
        return self.dir / name

    def _run_file(self, run_id: int) -> Path:
        return self.dir / f"run-{run_id}.jsonl"

    def _locked(self) -> _Lock:
        # One lock object per journal: FileLock is re-entrant per object (a second object on the same file would
        # wait for the first, in the same process).
        if self._lock is None:
            ensure_home(self.home)
            self.dir.mkdir(mode=0o700, exist_ok=True)
            self._lock = _Lock(FileLock(str(self.dir / ".lock"), mode=0o600, timeout=self.lock_timeout), self.dir)
        return self._lock

    def _append(self, path: Path, rows: list[Record]) -> None:
        if not rows:
            return
        if not path.parent.exists():
            ensure_home(self.home)
            path.parent.mkdir(mode=0o700, exist_ok=True)
        payload = "".join(
            json.dumps(row, ensure_ascii=False, separators=(",", ":"), default=str) + "\n" for row in rows
        ).encode("utf-8")
        try:
            fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    payload = b"\n" + payload  # a line cut short by a crash stays alone (and is skipped)
                os.write(fd, payload)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise OperationFailed(
                N_(
                    "could not write the sync journal {path}: {why}. Free some disk space (or fix the permissions) and run again"
                ),
                path=path,
                why=exc.strerror or exc,
            ) from None
        self.bytes_written += len(payload)

    def _index(self) -> dict[int, Record]:
        """Every run, merged from the index (re-reading only what was appended since the last call)."""
        path = self._path(INDEX)
        if not path.exists() and (self.home / OLD_FILE).exists():
            return self._old()[0]  # read as it is: only a writing run converts it (`log` changes no file)
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return {}
        try:
            st = os.fstat(fd)
            identity = (st.st_dev, st.st_ino)
            cached = self._index_cache
            if cached and cached[0] == identity and cached[1] <= st.st_size:
                offset, runs = cached[1], cached[2]
            else:
                offset, runs = 0, {}
            with open(fd, "rb", closefd=False) as fh:
                fh.seek(offset)
                raw = fh.read()
        finally:
            os.close(fd)
        complete = raw.rfind(b"\n") + 1  # a line still being written is read next time
        for line in raw[:complete].splitlines():
            row = _parse(line)
            if row is None or not isinstance(row.get("id"), int):
                continue
            run_id = row.pop("id")
            added = row.pop("+errors", None)
            if row.pop("dropped", False):
                runs.pop(run_id, None)
                continue
            run = runs.setdefault(run_id, {"id": run_id, "errors": [], "notes": [], "counts": {}})
            run.update(row)
            if added:
                run["errors"] = list(run.get("errors") or []) + list(added)
        self._index_cache = (identity, offset + complete, runs)
        return runs

    def _skip_bases(self) -> dict[str, int]:
        try:
            bases = json.loads(self._path(SKIP_BASE).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return {k: v for k, v in bases.items() if isinstance(v, int)} if isinstance(bases, dict) else {}

    def _base_rows(self, base_id: int) -> dict[str, Record] | None:
        path = self._path(f"skips-{base_id}.jsonl")
        if not path.exists():
            return None  # dropped or never written: the next run lists its rows afresh
        return {_skip_key(row): row for row in _read_lines(path)}

    # -- retention -------------------------------------------------------------------------------------

    def _retain(self) -> None:
        """Drop the oldest runs while the journal is over its size, age or count (under the lock)."""
        index = self._index()
        if not index:
            return
        sizes: dict[int, int] = {}
        total = 0
        for entry in os.scandir(self.dir):
            if not entry.is_file():
                continue
            size = entry.stat().st_size
            total += size
            run_id = _run_of(entry.name)
            if run_id is not None:
                sizes[run_id] = sizes.get(run_id, 0) + size
        cutoff = (datetime.now(UTC) - timedelta(days=self.max_days)).isoformat()
        pinned = {run.get("skip_base") for run in index.values()} | set(self._skip_bases().values())
        dropped = []
        count = len(index)
        for run_id in sorted(index):
            run = index[run_id]
            over = total > self.max_bytes or count >= self.keep_runs  # room for the run starting
            old = (run.get("ended_at") or run.get("started_at") or "") < cutoff
            if not (over or old):
                break
            if run["status"] == RUNNING or run_id in pinned:
                continue  # never drop an unfinished run; a base goes once no kept run names it
            dropped.append(run_id)
            total -= sizes.get(run_id, 0)
            count -= 1
        if dropped:
            self._drop(dropped)

    def _drop(self, run_ids: list[int]) -> None:
        gone = set(run_ids)
        for run_id in run_ids:
            for name in (f"run-{run_id}.jsonl", f"skips-{run_id}.jsonl"):
                (self.dir / name).unlink(missing_ok=True)
        # Rewrite the index with one line per kept run (the only time it is rewritten).
        kept = [run for run_id, run in sorted(self._index().items()) if run_id not in gone]
        _write_small(
            self._path(INDEX),
            "".join(json.dumps(run, ensure_ascii=False, separators=(",", ":"), default=str) + "\n" for run in kept),
        )
        self._index_cache = None

    # -- the old journal.json ----------------------------------------------------------------------------

    def _old(self) -> tuple[dict[int, Record], dict[int, list[Record]]]:
        """An older home's journal.json as (runs by id, actions by run id), read without changing it."""
        old = self.home / OLD_FILE
        try:
            stamp = old.stat().st_mtime_ns
            if self._old_cache and self._old_cache[0] == stamp:
                return self._old_cache[1]
            data = json.loads(old.read_bytes())
            runs, actions = data.get("runs") or {}, data.get("actions") or {}
            by_run: dict[int, list[Record]] = {}
            for row in actions.values():
                by_run.setdefault(row.get("run_id"), []).append(row)
            records = {
                int(i): {"id": int(i), "errors": [], "notes": [], "counts": {}, **run} for i, run in runs.items()
            }
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            raise OperationFailed(
                N_(
                    "{old} (the sync journal of an older melisync) could not be read ({exc}); move it away and run again: a new journal starts in {dir}"
                ),
                old=old,
                exc=exc,
                dir=self.dir,
            ) from None
        self._old_cache = (stamp, (records, by_run))
        return records, by_run

    def _migrate(self) -> None:
        """Convert an older home's journal.json (once; kept as journal.json.migrated)."""
        old = self.home / OLD_FILE
        if self._path(INDEX).exists() or not old.exists():
            return
        with self._locked():
            if self._path(INDEX).exists() or not old.exists():
                return  # another process did it meanwhile
            records, by_run = self._old()
            for run_id, rows in by_run.items():
                if isinstance(run_id, int):
                    self._append(self._run_file(run_id), rows)
            self._append(self._path(INDEX), [records[i] for i in sorted(records)])
            _write_small(self._path(LAST_ID), str(max(records, default=0)))
            os.replace(old, old.with_name(OLD_FILE + ".migrated"))
            self._index_cache = None


class _Lock:
    def __init__(self, lock: FileLock, where: Path):
        self.lock, self.where = lock, where

    def __enter__(self) -> _Lock:
        try:
            self.lock.acquire()
        except Timeout:
            raise OperationFailed(
                N_(
                    "another melisync process has been writing the journal in {where} for too long; wait for it to finish and run again"
                ),
                where=self.where,
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


def _parse(line: bytes) -> Record | None:
    try:
        row = json.loads(line)
    except ValueError:
        return None  # cut short by a crash
    return row if isinstance(row, dict) else None


def _read_lines(path: Path) -> list[Record]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    return [row for row in map(_parse, raw.splitlines()) if row is not None]


def _write_small(path: Path, text: str) -> None:
    from services.home import write_private

    write_private(path, text.encode("utf-8"))


def _run_of(name: str) -> int | None:
    for prefix in ("run-", "skips-"):
        if name.startswith(prefix) and name.endswith(".jsonl"):
            try:
                return int(name[len(prefix) : -6])
            except ValueError:
                return None
    return None


def _copy(run: Record) -> Record:
    return {
        **run,
        "errors": list(run.get("errors") or []),
        "notes": list(run.get("notes") or []),
        "counts": dict(run.get("counts") or {}),
    }


def _alive(run: Run) -> bool:
    if run.host != socket.gethostname():
        return True  # can't tell from here: leave it to that machine
    pid = run.pid
    if pid is None:
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


def remove_journal(home: Path) -> bool:
    """Delete the journal (unlink --purge). True when there was one."""
    found = False
    if (Path(home) / JOURNAL_DIR).exists():
        shutil.rmtree(Path(home) / JOURNAL_DIR)
        found = True
    return found

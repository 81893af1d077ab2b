"""A TinyDB `Storage` over one JSON file of the home: atomic writes, an inter-process lock, batched writes.

Writes happen only inside `batch()`: it takes the file lock, re-reads the file if another process changed it,
lets TinyDB change the data in memory, and writes the file once (temp file, fsync, rename) when the batch
ends. Reads outside a batch see other processes' committed writes (the file is re-read when its inode, size
or mtime changed).

Each commit keeps the file it replaces as a generation (`services/store/generations.py`). A damaged (or
vanished) file is never replaced by an empty one: a cache (meli.json) or the journal is read from its newest
good generation and put back at the next write, said in `take_notes()`; the ERP ledger (erp.json) is never
put back on its own (changes after the copy would be lost): reads and writes stop with `StoreDamaged`, which
names the copies and `melisync doctor --restore`. Reads never move or change a file.
"""

from __future__ import annotations

import gc
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from tinydb.storages import Storage

from services.errors import OperationFailed
from services.home import write_private
from services.i18n import N_, Phrase, _
from services.reasons import Code, Reason
from services.store import generations as gens

# Files read from their last good generation when damaged, and put back at the next write: losing the newest
# changes costs requests (meli.json: listing cache, links, cursors) or history lines (journal.json), never
# stock. erp.json is the ledger: only the operator puts a copy back (`melisync doctor --restore`).
AUTO_RESTORE_KINDS = frozenset({"meli", "journal"})

_notes: list[Reason] = []

# A whole file as TinyDB holds it: {table: {doc_id: document}} (documents are JSON: untyped here, read by each table).
Tables = dict[str, dict[str, Any]]
# What tells a file's content apart without reading it: (inode, size, mtime in ns); see `file_stamp`.
FileStamp = tuple[int, int, int]
_notes_lock = threading.Lock()


def take_notes() -> list[Reason]:
    """What this process recovered on its own since the last call (for the run's notes)."""
    with _notes_lock:
        taken = list(_notes)
        _notes.clear()
    return taken


class StoreDamaged(OperationFailed):
    """A store file is damaged (or gone while its copies are there) and was not put back on its own."""

    def __init__(self, path: Path, problem: str, copies: list[gens.Generation]):
        self.path, self.problem, self.copies = path, problem, copies
        good = next((c for c in copies if c.good), None)
        super().__init__(
            damaged_message(copies),
            path=path,
            problem=problem,
            copies=_Copies(copies),
            copy=good.path.name if good else "",
            when=f"{good.saved_at:%Y-%m-%d %H:%M:%S} UTC" if good else "",
        )


def damaged_message(copies: list[gens.Generation]) -> str:
    """The words of a damaged store file: a template marked N_(), translated where raised (StoreDamaged)."""
    if any(c.good for c in copies):
        return N_(
            "{path} is damaged: {problem}. Nothing was changed. Copies: {copies}. Run `melisync doctor "
            "--restore` to put {copy} back (what changed after {when} is lost; the next sync reads the sales "
            "since then again), or restore the file from a backup"
        )
    if copies:
        return N_(
            "{path} is damaged: {problem}. Nothing was changed. Copies: {copies}. There is no good copy: "
            "restore the file from a backup, or run `melisync doctor --restore` to set it aside and start an "
            "empty one"
        )
    return N_(
        "{path} is damaged: {problem}. Nothing was changed. There is no good copy: restore the file from a "
        "backup, or run `melisync doctor --restore` to set it aside and start an empty one"
    )


class _Copies(Phrase):
    """The kept generations of a damaged file, in the operator's words (English for `--json`)."""

    def __init__(self, copies: list[gens.Generation]) -> None:
        super().__init__(None)
        self.copies = copies

    def _each(self, say: Callable[..., str]) -> str:
        return "; ".join(
            say(N_("{path} (saved {when}, good)"), path=c.path, when=f"{c.saved_at:%Y-%m-%d %H:%M:%S} UTC")
            if c.good
            else say(
                N_("{path} (saved {when}, damaged: {problem})"),
                path=c.path,
                when=f"{c.saved_at:%Y-%m-%d %H:%M:%S} UTC",
                problem=c.problem,
            )
            for c in self.copies
        )

    @property
    def english(self) -> str:
        return self._each(lambda text, **values: text.format(**values))

    def __str__(self) -> str:
        return self._each(_)


META_TABLE = "_melisync"  # one document: which file this is and its schema version
_META_ID = "1"


class LockedJSONStorage(Storage):
    """TinyDB storage for one melisync data file (`kind` is "erp", "meli" or "journal")."""

    def __init__(
        self,
        path: Path,
        *,
        kind: str,
        schema_version: int,
        lock_timeout: float = 30.0,
        copy_check: Callable[[Any], str | None] | None = None,
    ):
        self.path = Path(path)
        # What else a generation needs to be put back (erp.json: the files beside it that it names).
        self.copy_check = copy_check
        self.kind = kind
        self.schema_version = schema_version
        self.lock_timeout = lock_timeout
        self._file_lock = FileLock(str(self.path) + ".lock", mode=0o600)
        # One batch at a time per process; other threads' reads wait for it instead of seeing half of it.
        self._thread_lock = threading.RLock()
        self._cache: Tables | None = None
        self._stamp: FileStamp | None = None
        self._batch: Tables | None = None
        self._depth = 0
        self._dirty = False
        self._swept = False
        self._held_fd: int | None = None
        self._restore_due: tuple[gens.Generation, FileStamp | None] | None = (
            None  # (generation, stamp of the damaged file) to put back on write
        )
        self.generation = 0  # bumped whenever the data seen by reads changes (for callers' own caches)

    # -- TinyDB's interface ------------------------------------------------------------------------------

    def read(self) -> Tables:
        with self._thread_lock:
            if self._batch is not None:
                return self._batch
            return self._load()

    def snapshot(self) -> tuple[int, Tables]:
        """The committed data and its generation, read together. A batch replaces whole tables, so this data
        keeps its tables after later commits; its documents too, as long as writers replace documents rather
        than `update` them in place (the ERP tables do)."""
        with self._thread_lock:
            if self._batch is not None:
                return self.generation, self._batch
            data = self._load()
            return self.generation, data

    def write(self, data: Tables) -> None:
        with self._thread_lock:
            if self._batch is None:
                # A TinyDB write is a read then a write; only a batch holds the lock across both.
                raise RuntimeError(f"writes to {self.path.name} must happen inside Store.transaction()")
            self._batch = data
            self._dirty = True

    def close(self) -> None:
        pass

    # -- batches -----------------------------------------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Hold the lock, apply every change in memory, write the file once at the end (nothing on error).

        Nested batches join the outer one, so callers can group several repository calls in one write.
        """
        with self._thread_lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            with self._locked():
                self._sweep_temp_files()
                data = self._load()
                if self._restore_due is not None:
                    self._restore()
                    data = self._load()
                # A shallow copy: TinyDB replaces whole tables in it, so the committed view stays intact.
                self._batch = dict(data)
                self._depth = 1
                self._dirty = False
                try:
                    yield
                    if self._dirty:
                        self._commit(self._batch)
                except BaseException:
                    # TinyDB may have changed documents in place: forget them, re-read next time.
                    self._forget()
                    raise
                finally:
                    self._batch = None
                    self._depth = 0
                    self._dirty = False

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self._file_lock.acquire(timeout=self.lock_timeout)
        except Timeout:
            raise OperationFailed(
                N_(
                    "another melisync process has been writing {path} for over {lock_timeout:g} s; wait for it to finish and run again"
                ),
                path=self.path,
                lock_timeout=self.lock_timeout,
            ) from None
        except OSError as exc:
            raise OperationFailed(
                N_("cannot lock {path} for writing: {why}; check the permissions of the melisync home"),
                path=self.path,
                why=exc.strerror or exc,
            ) from None
        try:
            yield
        finally:
            self._file_lock.release()

    def _commit(self, data: Tables) -> None:
        data[META_TABLE] = {_META_ID: {"kind": self.kind, "schema_version": self.schema_version}}
        # Compact and in one go: the whole file is serialized once per batch.
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            # The file being replaced was read and checked under this lock: it is the newest good generation.
            gens.keep_previous(self.path)
        except OSError as exc:  # no copy is worse than before, not a reason to refuse the write
            _log_note(Reason(Code.COPY_NOT_KEPT, file=self.path.name, error=str(exc.strerror or exc)))
        try:
            write_private(self.path, payload)
        except OSError as exc:
            raise OperationFailed(
                N_(
                    "could not write {path}: {why}; nothing was changed. Free some disk space (or fix the permissions) and run again"
                ),
                path=self.path,
                why=exc.strerror or exc,
            ) from None
        fd = os.open(self.path, os.O_RDONLY)
        self._hold(fd)
        self._cache, self._stamp = data, _fstamp(fd)
        self.generation += 1

    # -- reading the file --------------------------------------------------------------------------------

    def _forget(self) -> None:
        self._cache = None
        self._stamp = None
        self.generation += 1

    def _load(self) -> Tables:
        """The committed data, re-read only when the file changed since the last read."""
        stamp = file_stamp(self.path)
        if self._cache is not None and stamp == self._stamp:
            return self._cache
        if stamp is None:
            good = gens.newest_good(self.path, self._check) if gens.generation_path(self.path, 1).exists() else None
            data = self._recover("it is missing", None) if good else {}
            self._hold(None)
        else:
            try:
                fd = os.open(self.path, os.O_RDONLY)
            except OSError as exc:
                raise OperationFailed(
                    N_("could not read {path}: {why}"), path=self.path, why=exc.strerror or exc
                ) from None
            try:
                stamp = _fstamp(fd)
                with open(fd, "rb", closefd=False) as fh:
                    raw = fh.read()
                data = self._parse(raw, stamp)
            except BaseException:
                os.close(fd)
                raise
            self._hold(fd)
        self._cache, self._stamp = data, stamp
        self.generation += 1
        return data

    def _hold(self, fd: int | None) -> None:
        # Keeping the file we read open keeps its inode allocated, so no later file can reuse the inode
        # number and look unchanged to `file_stamp`.
        if self._held_fd is not None:
            os.close(self._held_fd)
        self._held_fd = fd

    def release(self) -> None:
        """Drop the cached data and the open file (a later read re-opens it)."""
        with self._thread_lock:
            self._hold(None)
            self._forget()

    def _parse(self, raw: bytes, stamp: FileStamp) -> Tables:
        try:
            with paused_gc():
                data = json.loads(raw)
            problem = _shape_problem(data)
        except (ValueError, UnicodeDecodeError) as exc:
            problem = f"it is not valid JSON ({exc})"
        if problem:
            return self._recover(problem, stamp)
        self._restore_due = None
        return self._checked(data)

    def _check(self, data: object) -> str | None:
        """None when `data` is a good content for this file (used on generations)."""
        problem = _shape_problem(data)
        if problem is None and isinstance(data, dict):  # _shape_problem found it a dict of tables
            meta = data.get(META_TABLE, {}).get(_META_ID) or {}
            if meta.get("kind") != self.kind:
                problem = f"it holds {meta.get('kind')!r} data"
            elif self.copy_check is not None:
                problem = self.copy_check(data)
        return problem

    def _checked(self, data: Tables) -> Tables:
        meta = data.get(META_TABLE, {}).get(_META_ID)
        if meta is None:
            if any(data.values()):
                raise OperationFailed(
                    N_(
                        "{path} has data but no melisync schema version: it was not written by melisync. Move it away (or point MELISYNC_HOME elsewhere) and run again; it was left untouched"
                    ),
                    path=self.path,
                )
            return data
        if meta.get("kind") != self.kind:
            raise OperationFailed(
                N_(
                    "{path} holds melisync {found!r} data, not {kind!r}: was a file copied over it? Put the right file back; it was left untouched"
                ),
                path=self.path,
                found=meta.get("kind"),
                kind=self.kind,
            )
        version = meta.get("schema_version")
        if not isinstance(version, int) or version > self.schema_version:
            raise OperationFailed(
                N_(
                    "{path} was written by a newer melisync (schema version {version}; this one reads up to {schema_version}). Upgrade melisync; the file was left untouched"
                ),
                path=self.path,
                version=version,
                schema_version=self.schema_version,
            )
        return data

    def inspect(self) -> str | None:
        """What is wrong with the file on disk now (None: good or absent without copies); reads only."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return "it is missing" if any(c.good for c in self.copies()) else None
        except OSError as exc:
            return f"it cannot be read ({exc.strerror or exc})"
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            return f"it is not valid JSON ({exc})"
        return _shape_problem(data)

    def copies(self) -> list[gens.Generation]:
        return gens.generations(self.path, self._check)

    def _recover(self, problem: str, stamp: FileStamp | None) -> Tables:
        """A damaged (or vanished) file: its newest good generation when that is safe (put back at the next
        write), else StoreDamaged. Nothing is moved or changed here: reads never change a file."""
        copies = self.copies()
        good = next((c for c in copies if c.good), None)
        if good is None or self.kind not in AUTO_RESTORE_KINDS:
            raise StoreDamaged(self.path, problem, copies)
        if self._restore_due is None or self._restore_due[1] != stamp:
            lost = Reason(Code.LOST_LINKS_CHOICES if self.kind == "meli" else Code.LOST_RUNS)
            _log_note(
                Reason(
                    Code.FILE_RESTORED,
                    file=self.path.name,
                    problem=Reason.text(problem),
                    copy=good.path.name,
                    when=good.saved_at.isoformat(),
                    lost=lost,
                )
            )
        self._restore_due = (good, stamp)
        assert good.data is not None  # a good generation is one whose content was read
        return self._checked(good.data)

    def restore(self, good: gens.Generation) -> Path | None:
        """Put generation `good` back in place of the file (damaged or not), keeping the current file aside.
        Returns where the old file went (None if there was none)."""
        with self._thread_lock, self._locked():
            return self._put_back(good)

    def _restore(self) -> None:
        assert self._restore_due is not None  # called when a restore is due
        good, stamp = self._restore_due
        self._restore_due = None
        if file_stamp(self.path) != stamp:
            self._forget()  # another process put a file there meanwhile: read that one
            return
        self._put_back(good)

    def _put_back(self, good: gens.Generation) -> Path | None:
        aside = gens.set_aside(self.path)
        payload = json.dumps(good.data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            write_private(self.path, payload)
        except OSError as exc:
            raise OperationFailed(
                N_("could not put {good} back as {path}: {why}"),
                good=good.path,
                path=self.path,
                why=exc.strerror or exc,
            ) from None
        self._forget()
        return aside

    def _sweep_temp_files(self) -> None:
        # Under the lock no other writer is mid-write, so any temp file left here is from a killed process.
        if self._swept:
            return
        self._swept = True
        for leftover in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            try:
                leftover.unlink()
            except OSError:
                pass


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects at once (a whole file, a bulk import):
    they hold no cycles, and the collector's repeated passes over them would double the time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def file_stamp(path: Path) -> FileStamp | None:
    """Changes whenever the file is replaced or written (inode, size, mtime); None when it is absent."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _fstamp(fd: int) -> FileStamp:
    st = os.fstat(fd)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _shape_problem(data: object) -> str | None:
    """None when `data` looks like TinyDB tables ({table: {doc_id: document}}), else what is wrong."""
    if not isinstance(data, dict):
        return "it is not a JSON object of tables"
    for name, table in data.items():
        if not isinstance(table, dict) or not all(isinstance(doc, dict) for doc in table.values()):
            return f"its table {name!r} is not a set of documents"
    return None


def _log_note(note: Reason) -> None:
    with _notes_lock:
        if note not in _notes:
            _notes.append(note)

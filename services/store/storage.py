"""A TinyDB `Storage` over one JSON file of the home: atomic writes, an inter-process lock, batched writes.

Writes happen only inside `batch()`: it takes the file lock, re-reads the file if another process changed it,
lets TinyDB change the data in memory, and writes the file once (temp file, fsync, rename) when the batch
ends. Reads outside a batch see other processes' committed writes (the file is re-read when its inode, size
or mtime changed). A corrupt file is moved aside and reported, never replaced by an empty one.
"""

from __future__ import annotations

import gc
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from tinydb.storages import Storage

from services.errors import OperationFailed
from services.home import write_private

META_TABLE = "_melisync"  # one document: which file this is and its schema version
_META_ID = "1"


class LockedJSONStorage(Storage):
    """TinyDB storage for one melisync data file (`kind` is "erp", "meli" or "journal")."""

    def __init__(self, path: Path, *, kind: str, schema_version: int, lock_timeout: float = 30.0):
        self.path = Path(path)
        self.kind = kind
        self.schema_version = schema_version
        self.lock_timeout = lock_timeout
        self._file_lock = FileLock(str(self.path) + ".lock", mode=0o600)
        # One batch at a time per process; other threads' reads wait for it instead of seeing half of it.
        self._thread_lock = threading.RLock()
        self._cache: dict | None = None
        self._stamp: tuple | None = None
        self._batch: dict | None = None
        self._depth = 0
        self._dirty = False
        self._swept = False
        self._held_fd: int | None = None
        self.generation = 0  # bumped whenever the data seen by reads changes (for callers' own caches)

    # -- TinyDB's interface ------------------------------------------------------------------------------

    def read(self) -> dict:
        with self._thread_lock:
            if self._batch is not None:
                return self._batch
            return self._load()

    def snapshot(self) -> tuple[int, dict]:
        """The committed data and its generation, read together. A batch replaces whole tables, so this data
        keeps its tables after later commits; its documents too, as long as writers replace documents rather
        than `update` them in place (the ERP tables do)."""
        with self._thread_lock:
            if self._batch is not None:
                return self.generation, self._batch
            data = self._load()
            return self.generation, data

    def write(self, data: dict) -> None:
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
                # A shallow copy: TinyDB replaces whole tables in it, so the committed view stays intact.
                self._batch = dict(self._load())
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
                f"another melisync process has been writing {self.path} for over {self.lock_timeout:g} s; "
                "wait for it to finish and run again"
            ) from None
        except OSError as exc:
            raise OperationFailed(f"cannot lock {self.path} for writing: {exc.strerror or exc}; check the "
                                  "permissions of the melisync home") from None
        try:
            yield
        finally:
            self._file_lock.release()

    def _commit(self, data: dict) -> None:
        data[META_TABLE] = {_META_ID: {"kind": self.kind, "schema_version": self.schema_version}}
        # Compact and in one go: the whole file is serialized once per batch.
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            write_private(self.path, payload)
        except OSError as exc:
            raise OperationFailed(
                f"could not write {self.path}: {exc.strerror or exc}; nothing was changed. "
                "Free some disk space (or fix the permissions) and run again"
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

    def _load(self) -> dict:
        """The committed data, re-read only when the file changed since the last read."""
        stamp = _stamp(self.path)
        if self._cache is not None and stamp == self._stamp:
            return self._cache
        if stamp is None:
            data: dict = {}
            self._hold(None)
        else:
            try:
                fd = os.open(self.path, os.O_RDONLY)
            except OSError as exc:
                raise OperationFailed(f"could not read {self.path}: {exc.strerror or exc}") from None
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
        # number and look unchanged to `_stamp`.
        if self._held_fd is not None:
            os.close(self._held_fd)
        self._held_fd = fd

    def release(self) -> None:
        """Drop the cached data and the open file (a later read re-opens it)."""
        with self._thread_lock:
            self._hold(None)
            self._forget()

    def _parse(self, raw: bytes, stamp: tuple) -> dict:
        try:
            with paused_gc():
                data = json.loads(raw)
            problem = _shape_problem(data)
        except (ValueError, UnicodeDecodeError) as exc:
            problem = f"it is not valid JSON ({exc})"
        if problem:
            self._move_aside(problem, stamp)
        meta = data.get(META_TABLE, {}).get(_META_ID)
        if meta is None:
            if any(data.values()):
                raise OperationFailed(
                    f"{self.path} has data but no melisync schema version: it was not written by melisync. "
                    "Move it away (or point MELISYNC_HOME elsewhere) and run again; it was left untouched"
                )
            return data
        if meta.get("kind") != self.kind:
            raise OperationFailed(
                f"{self.path} holds melisync {meta.get('kind')!r} data, not {self.kind!r}: was a file copied "
                "over it? Put the right file back; it was left untouched"
            )
        version = meta.get("schema_version")
        if not isinstance(version, int) or version > self.schema_version:
            raise OperationFailed(
                f"{self.path} was written by a newer melisync (schema version {version}; this one reads up to "
                f"{self.schema_version}). Upgrade melisync; the file was left untouched"
            )
        return data

    def _move_aside(self, problem: str, stamp: tuple) -> None:
        aside = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        n = 1
        while aside.exists():  # never overwrite an earlier damaged copy
            n += 1
            aside = aside.with_name(f"{aside.name.split('~')[0]}~{n}")
        with self._locked():
            # Only move the very file we read: a writer may have replaced it meanwhile.
            if _stamp(self.path) == stamp:
                os.replace(self.path, aside)
                self._forget()
                raise OperationFailed(
                    f"{self.path} is damaged: {problem}. It was moved to {aside} and nothing was replaced. "
                    "Restore it from a backup (or keep the fresh empty file melisync starts next time) "
                    "and run again"
                )
        raise OperationFailed(f"{self.path} changed while it was being read; run again")

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


def _stamp(path: Path) -> tuple | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _fstamp(fd: int) -> tuple:
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

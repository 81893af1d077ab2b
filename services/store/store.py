"""The three data files of the home (erp.json, meli.json, journal.json), each a `Store`.

A `Store` hands out TinyDB databases: `db()` to read, `transaction()` to change (one locked, atomic file
write per transaction). Repositories in `services/store/` sit on top; nothing else touches TinyDB.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from services.errors import OperationFailed
from services.home import ensure_home, home_dir
from services.i18n import N_
from services.store.erp_files import side_files_problem
from services.store.storage import LockedJSONStorage, Tables

ERP = "erp"  # products, compositions, stock movements, balances, customers
MELI = "meli"  # listing cache, links, sync cursors (the sync engine's tables)
JOURNAL = "journal"  # sync runs and their actions
KINDS = (ERP, MELI, JOURNAL)

# Bump when a file's layout changes in a way older code cannot read, and convert the older layout on first use.
SCHEMA_VERSION = 1
# erp.json 2 (issue 16): the ledger and the catalogue by code beside it (services/store/erp_files.py); a version
# 1 file is read as it is and converted by the first write (services/store/erp_tables.py).
SCHEMA_VERSIONS = {ERP: 2, MELI: SCHEMA_VERSION, JOURNAL: SCHEMA_VERSION}


class _Database(TinyDB):
    """TinyDB without the per-table query cache: another process may change the file between two reads."""

    def table(self, name: str, **kwargs: Any) -> Table:
        kwargs.setdefault("cache_size", 0)
        return super().table(name, **kwargs)


class _Frozen(Storage):
    """A storage over data already read: reads only."""

    def __init__(self, data: Tables, name: str):
        self._data, self._name = data, name

    def read(self) -> Tables:
        return self._data

    def write(self, data: Tables) -> None:
        raise RuntimeError(f"a snapshot of {self._name} is read-only; write through Store.transaction()")


class Store:
    """One data file: `db()` for reads, `with store.transaction() as db:` for a batch of writes."""

    def __init__(self, path: Path, kind: str, *, lock_timeout: float = 30.0):
        self.path = Path(path)
        self.kind = kind
        self.storage = LockedJSONStorage(
            self.path,
            kind=kind,
            schema_version=SCHEMA_VERSIONS[kind],
            lock_timeout=lock_timeout,
            copy_check=side_files_problem(self.path.parent) if kind == ERP else None,
        )

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    def db(self) -> TinyDB:
        """A database to read from; it sees the last committed content (this or another process's).

        Writing through it raises: writes go through `transaction()`. Take a fresh one per operation.
        """
        return _Database(storage=lambda: self.storage)

    def snapshot(self) -> tuple[int, TinyDB]:
        """(generation, a read-only database over the committed content as of now): it does not follow later
        commits, so several tables read from it are consistent with each other."""
        generation, data = self.storage.snapshot()
        return generation, _Database(storage=lambda: _Frozen(data, self.path.name))

    @contextmanager
    def transaction(self) -> Iterator[TinyDB]:
        """Lock the file, re-read it, yield a database whose changes are written once, atomically, at the end.

        On an exception nothing is written. Nested transactions (same thread) join the outer one.
        """
        with self.storage.batch():
            yield _Database(storage=lambda: self.storage)

    @property
    def generation(self) -> int:
        """Changes whenever the content seen by reads may have changed: key for a caller's own cache."""
        self.storage.read()  # notice another process's commit
        return self.storage.generation

    def close(self) -> None:
        self.storage.release()


_open: dict[tuple[Path, str], Store] = {}
_open_lock = threading.Lock()


def open_store(kind: str, home: Path | None = None) -> Store:
    """The store for `kind` ("erp", "meli" or "journal") in `home` (default: the melisync home, created 0700).

    One `Store` per file per process, so its cache of the parsed file is shared.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown store {kind!r}; expected one of {KINDS}")
    try:
        home = ensure_home(home or home_dir())
    except OSError as exc:
        raise OperationFailed(
            N_("cannot create the melisync home {home}: {why}; set MELISYNC_HOME to a directory you can write"),
            home=home or home_dir(),
            why=exc.strerror or exc,
        ) from None
    key = (home.resolve(), kind)
    with _open_lock:
        store = _open.get(key)
        if store is None:
            store = _open[key] = Store(key[0] / f"{kind}.json", kind)
        return store


def close_stores() -> None:
    """Forget every open store (tests; a long-lived process that changes home)."""
    with _open_lock:
        for store in _open.values():
            store.close()
        _open.clear()

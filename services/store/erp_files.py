"""The ERP's bulky data beside erp.json (issue 16): the stock ledger and the catalogue by code.

At 50,000 listings erp.json held about 550,000 TinyDB documents (products, compositions, a balance and a count
per code, and every stock movement ever recorded, growing with each run): parsing it took about 280 MB, and
the catalogue built from it another 170 MB, in every command that read the ERP. So the two big parts leave it:

- `ledger.jsonl`: the stock ledger, append-only, one movement per line (`erp_tables.movement_doc`). Only
  what a read needs is kept in memory: the keys of booked sales ("already booked?") and, when asked, the
  number of movements per code. A listing of movements reads the file a line at a time.
- `erp-codes-<token>.jsonl`: the catalogue by code, one line per product (`["p", code, name, price,
  has_variations, balance, counted]`) or composition (`["c", code, parent, attributes, null, balance,
  counted]`), balance and count time null when the code has no stock record. Written whole (temp file, fsync, rename) whenever one of them
  changed, under a new name, never changed afterwards.

erp.json (TinyDB) stays the commit point and keeps what TinyDB does well: the customers and one document
(table `files`) naming the codes file and the ledger's committed length in bytes. A transaction appends its
movements to the ledger (fsynced) and writes a new codes file before erp.json is replaced; until then
neither is seen by a reader (the ledger is read up to the committed length; the new codes file is not
named yet). A process killed in between leaves a ledger tail past the committed length, cut off by the
next writer, and a codes file nobody names, removed by the next commit. erp.json's generations (`.1`, `.2`)
name their own codes file and a shorter ledger length, so a copy put back by `melisync doctor --restore`
is whole: the codes files they name are kept, and the ledger past the copy's length is cut off by the
next write (those sales are read again from Mercado Livre).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.errors import OperationFailed
from services.home import compact_json, write_private
from services.i18n import N_

LEDGER_FILE = "ledger.jsonl"
CODES_PREFIX = "erp-codes-"
CODES_HEADER = {"melisync": "erp-codes", "version": 1}
FILES_TABLE = "files"  # erp.json's table naming the two files (one document)
FILES_ID = "1"
_CHUNK_BYTES = 1 << 20  # lines parsed together (one json.loads per about 1 MB)


class SideFileDamaged(OperationFailed):
    """The ledger or the codes file named by erp.json is damaged or gone (the ERP cannot be read safely)."""

    def __init__(self, path: Path, problem: str):
        self.path, self.problem = path, problem
        super().__init__(
            N_(
                "{path} is damaged: {problem}. Nothing was changed. Run `melisync doctor`: it names what is "
                "damaged and what to do (fix the line, restore the file from a backup, or go back to a good copy "
                "with `melisync doctor --restore`)"
            ),
            path=path,
            problem=problem,
        )


@dataclass(frozen=True)
class Files:
    """erp.json's `files` document: which codes file holds the catalogue, how much of the ledger is committed."""

    codes: str | None = None  # file name in the home; None: no catalogue yet
    ledger_bytes: int = 0

    @classmethod
    def from_doc(cls, doc: dict[str, Any] | None) -> Files:
        if not doc:
            return cls()
        codes, size = doc.get("codes"), doc.get("ledger_bytes", 0)
        if (codes is not None and not isinstance(codes, str)) or not isinstance(size, int) or size < 0:
            raise OperationFailed(f"erp.json's table {FILES_TABLE!r} is not what melisync writes: {doc!r}")
        return cls(codes, size)

    def to_doc(self) -> dict[str, Any]:
        return {"codes": self.codes, "ledger_bytes": self.ledger_bytes}


def new_codes_name() -> str:
    # A fresh name per commit: a file named by erp.json or one of its copies is never written again.
    return f"{CODES_PREFIX}{secrets.token_hex(6)}.jsonl"


# -- the codes file ------------------------------------------------------------------------------------------


def write_codes(path: Path, rows: Iterable[list[Any]]) -> None:
    """A new codes file (atomic, fsynced): the header, then one JSON array per row."""

    def lines() -> Iterator[bytes]:
        yield json.dumps(CODES_HEADER).encode("utf-8") + b"\n"
        batch: list[bytes] = []
        for row in rows:
            batch.append(compact_json(row).encode("utf-8"))
            if len(batch) == 2000:
                yield b"\n".join(batch) + b"\n"
                batch = []
        if batch:
            yield b"\n".join(batch) + b"\n"

    try:
        write_private(path, lines())
    except OSError as exc:
        raise OperationFailed(
            f"could not write {path}: {exc.strerror or exc}; nothing was changed. Free some disk space (or fix "
            "the permissions) and run again"
        ) from None


def read_codes(path: Path) -> Iterator[list[Any]]:
    """The rows of a codes file, parsed about 1 MB at a time. A damaged file raises SideFileDamaged: it is
    the catalogue and the stock, never skipped in part."""
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise SideFileDamaged(path, "it is missing") from None
    except OSError as exc:
        raise SideFileDamaged(path, f"it cannot be read ({exc.strerror or exc})") from None
    with fh:
        try:
            header = json.loads(fh.readline())
        except ValueError:
            header = None
        if header != CODES_HEADER:
            raise SideFileDamaged(path, "its first line is not a melisync codes header")
        line_no = 1
        while True:
            lines = fh.readlines(_CHUNK_BYTES)
            if not lines:
                return
            if not lines[-1].endswith(b"\n"):
                raise SideFileDamaged(path, f"it ends in the middle of line {line_no + len(lines)}")
            try:
                rows = json.loads(b"[" + b",".join(lines) + b"]")
            except ValueError:
                raise SideFileDamaged(path, f"a line after line {line_no} is not valid JSON") from None
            if not all(isinstance(row, list) and len(row) == 7 and row[0] in ("p", "c") for row in rows):
                raise SideFileDamaged(path, f"a line after line {line_no} is not a catalogue row")
            line_no += len(lines)
            yield from rows


# -- the ledger ----------------------------------------------------------------------------------------------


def read_ledger(path: Path, committed: int) -> Iterator[tuple[bytes, int]]:
    """(line, line number) for every committed line of the ledger, read about 1 MB at a time; what lies past
    `committed` (a transaction that never committed) is not read. A ledger shorter than `committed` raises."""
    if committed == 0:
        return
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise SideFileDamaged(path, f"it is missing (erp.json counts {committed:,} bytes of it)") from None
    with fh:
        size = os.fstat(fh.fileno()).st_size
        if size < committed:
            raise SideFileDamaged(path, f"it holds {size:,} bytes where erp.json counts {committed:,}")
        left, number = committed, 0
        while left > 0:
            lines = fh.readlines(min(left, _CHUNK_BYTES))
            if not lines:
                return
            for line in lines:
                if left == 0:  # lines past the committed length (readlines reads whole lines past its hint)
                    return
                left -= len(line)
                if left < 0:  # cannot happen for a file melisync wrote: the committed length ends a line
                    raise SideFileDamaged(path, f"erp.json's committed length ends inside line {number + 1}")
                number += 1
                yield line, number


def parse_movement_line(path: Path, line: bytes, number: int) -> dict[str, Any]:
    try:
        doc = json.loads(line)
    except ValueError:
        raise SideFileDamaged(path, f"line {number} is not valid JSON") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("code"), str) or not isinstance(doc.get("quantity"), int):
        raise SideFileDamaged(path, f"line {number} is not a stock movement")
    return doc


def append_ledger(path: Path, committed: int, docs: Iterable[dict[str, Any]]) -> int:
    """Append movements after the committed length (cutting off what an uncommitted transaction left), fsync;
    returns the new committed length (to be written in erp.json, which commits them). Written a batch of lines at
    a time: an import of 120k stock counts never holds all its lines at once (issue 16: memory)."""
    end = committed
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size < committed:
                raise SideFileDamaged(path, f"it holds {size:,} bytes where erp.json counts {committed:,}")
            if size > committed:
                os.ftruncate(fd, committed)  # a transaction killed before erp.json committed it
            for payload in _batches(docs):
                os.pwrite(fd, payload, end)
                end += len(payload)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise OperationFailed(
            f"could not write the stock ledger {path}: {exc.strerror or exc}; nothing was changed. Free some "
            "disk space (or fix the permissions) and run again"
        ) from None
    return end


def _batches(docs: Iterable[dict[str, Any]], size: int = 2000) -> Iterator[bytes]:
    """The JSON lines of `docs`, `size` lines at a time."""
    batch: list[bytes] = []
    for doc in docs:
        batch.append(compact_json(doc).encode("utf-8") + b"\n")
        if len(batch) == size:
            yield b"".join(batch)
            batch = []
    if batch:
        yield b"".join(batch)


def write_ledger(path: Path, docs: Iterable[dict[str, Any]]) -> int:
    """A whole new ledger (the conversion of an older erp.json); returns its length."""
    size = 0

    def lines() -> Iterator[bytes]:
        nonlocal size
        for doc in docs:
            line = compact_json(doc).encode("utf-8") + b"\n"
            size += len(line)
            yield line

    try:
        write_private(path, lines())
    except OSError as exc:
        raise OperationFailed(f"could not write the stock ledger {path}: {exc.strerror or exc}") from None
    return size


def remove_unnamed_codes(home: Path, named: Iterable[str | None]) -> None:
    """Under erp.json's lock: remove the codes files that none of `named` (erp.json and its copies) names,
    leftovers of earlier commits and of transactions killed before erp.json was replaced (temp files too)."""
    keep = {name for name in named if name}
    leftovers = [*home.glob(f"{CODES_PREFIX}*.jsonl"), *home.glob(f".{CODES_PREFIX}*.tmp")]
    for path in leftovers:
        if path.name not in keep:
            try:
                path.unlink()
            except OSError:
                pass


def side_files_problem(home: Path) -> Callable[[dict[str, Any]], str | None]:
    """For erp.json's copies: None when the files a copy names are there for it (its codes file, a ledger at
    least as long as it counts), else what is missing: such a copy cannot be put back."""

    def problem(data: dict[str, Any]) -> str | None:
        doc = (data.get(FILES_TABLE) or {}).get(FILES_ID)
        if not doc:
            return None  # an older erp.json (everything inside) or an empty one
        try:
            files = Files.from_doc(doc)
        except OperationFailed:
            return f"its table {FILES_TABLE!r} is not what melisync writes"
        if files.codes and not (home / files.codes).exists():
            return f"the catalogue file it names ({files.codes}) is gone"
        size = (home / LEDGER_FILE).stat().st_size if (home / LEDGER_FILE).exists() else 0
        if size < files.ledger_bytes:
            return f"{LEDGER_FILE} is shorter ({size:,} bytes) than it counts ({files.ledger_bytes:,})"
        return None

    return problem

"""`melisync doctor`: check every file of the home; `--restore` puts the newest good generation of a damaged
store file back (docs/internals.md, "Damaged files and generations").

Checking reads only. Restoring the ERP ledger (erp.json) from a copy loses what was booked after that copy;
the sales among it are booked again by the next sync because the orders cursors are moved back to the copy's
time (re-read orders already in the ledger are skipped by their keys). Stock counts and imports made after the
copy are not: the report says when the copy was saved.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from services.config import CONFIG_FILE
from services.connection import CONNECTION_FILE
from services.os_errors import os_problem
from services.reasons import Code, Reason, cut_list
from services.secrets import PENDING_FILE, SECRETS_FILE
from services.store.generations import Generation, set_aside
from services.store.storage import take_notes
from services.store.store import ERP, JOURNAL, KINDS, MELI, open_store

OK, MISSING, DAMAGED, RESTORED, SET_ASIDE, NOT_RESTORED = (
    "ok",
    "absent",
    "damaged",
    "restored",
    "set_aside",
    "not_restored",
)
# Orders re-read from a little before the copy: an order updated in the same minute must not be skipped.
REREAD_MARGIN = timedelta(hours=1)


@dataclass
class FileCheck:
    name: str
    path: Path
    state: str
    problem: Reason | None = None  # words at the edge (words/reasons.py)
    copies: list[Generation] = field(default_factory=list)  # generations (store files only)
    detail: Reason | None = None  # what --restore did, or what to do
    # JSON Lines files whose damaged lines `--restore` sets aside: {path: [line numbers, from 1]}
    lines: dict[Path, list[int]] = field(default_factory=dict)

    def to_dict(self, say: Callable[[Reason | None], str]) -> dict[str, Any]:
        """The `--json` form, with `say` putting the reasons in words (English: words/reasons.say_english)."""
        return {
            "file": self.name,
            "path": str(self.path),
            "state": self.state,
            "problem": say(self.problem) if self.problem else None,
            "copies": [
                {"path": str(c.path), "saved_at": c.saved_at.isoformat(), "good": c.good, "problem": c.problem}
                for c in self.copies
            ],
            "detail": say(self.detail) if self.detail else None,
        }


def check_home(home: Path) -> list[FileCheck]:
    """Every file of the home as it is now. Reads only."""
    checks = [_check_store(home, kind) for kind in KINDS]
    # journal.json is an older home's journal (journal/ replaced it): not worth a line when there is none.
    checks = [c for c in checks if not (c.name == f"{JOURNAL}.json" and c.state == MISSING and not c.copies)]
    if checks[0].state == OK:
        checks += _check_erp_side(home)
    checks += [_check_journal(home), _check_links(home)]
    checks += [
        _check_json(home / CONNECTION_FILE, dict),
        _check_json(home / SECRETS_FILE, dict),
        _check_json(home / PENDING_FILE, dict),
        _check_toml(home / CONFIG_FILE),
    ]
    return checks


def restore(home: Path) -> list[FileCheck]:
    """Put the newest good generation back for every damaged store file; set aside a damaged cache or journal
    without a good copy (an empty one starts next time). A damaged ledger without a good copy stays."""
    checks = check_home(home)
    put_back: FileCheck | None = None  # the ledger's or catalogue file's restore (one copy of erp.json for both)
    for check in checks:
        if check.state == DAMAGED and check.lines:
            _set_lines_aside(check)
            continue
        if check.state == DAMAGED and _is_erp_side(check.name):
            if put_back is None:
                _restore_erp_copy(home, check)
                put_back = check
            else:  # the copy put back for the other file names its own files
                check.state, check.detail = put_back.state, put_back.detail
            continue
        if check.state not in (DAMAGED,) or check.name not in {f"{k}.json" for k in KINDS}:
            continue
        kind = check.name.removesuffix(".json")
        store = open_store(kind, home)
        good = next((c for c in check.copies if c.good), None)
        if good is not None:
            aside = store.storage.restore(good)
            check.state = RESTORED
            check.detail = Reason.join(
                Reason(Code.COPY_PUT_BACK, copy=good.path.name, when=good.saved_at.isoformat()),
                Reason(Code.DAMAGED_KEPT_AS, file=aside.name) if aside else None,
                _reread_orders_since(home, good.saved_at) if kind == ERP else None,
            )
        elif kind != ERP:
            aside = set_aside(check.path)
            store.close()
            check.state = SET_ASIDE
            check.detail = Reason(Code.NO_GOOD_COPY_SET_ASIDE, aside=aside.name if aside else "-", file=check.name)
        else:
            check.state = NOT_RESTORED
            check.detail = Reason(Code.NO_GOOD_COPY_ERP)
    take_notes()  # what a read recovered on its own is reported here, not by a later run
    return checks


def _reread_orders_since(home: Path, saved_at: datetime) -> Reason:
    """Move the orders cursors back to where they stood when the ledger copy was saved, so the next sync books
    the sales the copy lacks (the ones it has are skipped by their keys)."""
    from services.store.cursors import Cursors
    from services.store.journal import Journal
    from services.sync.engine import CURSOR_MARGIN, CURSORS

    # A run that ended before the copy had stored its cursor by then, and that cursor is no earlier than the
    # run's start minus the margin: from there on every sale the copy lacks is read again.
    ended = [
        run
        for run in Journal(home=home).runs()
        if run.ended_at is not None
        and not run.dry_run
        and run.kind in ("stock", "customers", "all")
        and run.ended_at <= saved_at
        and run.started_at is not None
    ]
    cursors = Cursors(home=home)
    if ended and ended[0].started_at is not None:
        back = ended[0].started_at - CURSOR_MARGIN - REREAD_MARGIN
    else:
        # No sync had ended yet: read back to the copy's oldest stock count, as a first sync does (a sale closed
        # after a count is taken off; docs/internals.md, "Orders").
        from services.erp.catalog import Catalog

        counted = Catalog(home=home).counted_at()
        back = min(counted.values()) if counted else saved_at - REREAD_MARGIN
    moved = []
    for name in CURSORS:
        value = cursors.get(name)
        if value and datetime.fromisoformat(value) > back:
            cursors.set(name, back.isoformat())
            moved.append(name)
    if not moved:
        return Reason(Code.ORDERS_AS_USUAL)
    return Reason(Code.ORDERS_READ_AGAIN, when=back.isoformat())


def _check_store(home: Path, kind: str) -> FileCheck:
    name = f"{kind}.json"
    storage = open_store(kind, home).storage
    problem = storage.inspect()
    copies = storage.copies()
    if problem is not None:
        return FileCheck(
            name,
            storage.path,
            DAMAGED,
            Reason.text(problem),  # the store's own words (services/store/storage.py)
            copies,
            Reason(Code.RUN_RESTORE) if kind != MELI or copies else None,
        )
    state = OK if storage.path.exists() else MISSING
    return FileCheck(name, storage.path, state, None, copies)


def _check_json(path: Path, shape: type) -> FileCheck:
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return FileCheck(path.name, path, MISSING)
    except (OSError, ValueError) as exc:
        return FileCheck(path.name, path, DAMAGED, _unreadable(exc, Code.NOT_JSON), detail=_advice(path))
    if not isinstance(data, shape):
        return FileCheck(
            path.name, path, DAMAGED, Reason(Code.NOT_AN_OBJECT, shape=type(data).__name__), detail=_advice(path)
        )
    return FileCheck(path.name, path, OK)


def _check_toml(path: Path) -> FileCheck:
    try:
        tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return FileCheck(path.name, path, MISSING)
    except (OSError, ValueError) as exc:
        return FileCheck(path.name, path, DAMAGED, _unreadable(exc, Code.NOT_TOML), detail=Reason(Code.FIX_CONFIG))
    return FileCheck(path.name, path, OK)


def _advice(path: Path) -> Reason:
    return Reason(Code.FIX_OR_REMOVE) if path.name == CONFIG_FILE else Reason(Code.REMOVE_AND_CONNECT)


def _unreadable(exc: Exception, code: Code) -> Reason:
    """A file that cannot be read (an OS error, in the operator's words) or parsed (`code`, the parser's words)."""
    if isinstance(exc, OSError):
        return Reason(Code.CANNOT_READ_FILE, error=str(os_problem(exc)))
    return Reason(code, error=str(exc))


# -- the files beside the TinyDB ones (issue 16) -------------------------------------------------------------


def _check_erp_side(home: Path) -> list[FileCheck]:
    """The stock ledger and the catalogue file erp.json names (services/store/erp_files.py). Reads only."""
    from services.store import erp_files
    from services.store.erp_tables import is_old_format

    db = open_store(ERP, home).db()
    if is_old_format(db):
        return []  # an older erp.json holds them itself until the next sync converts it
    files = erp_files.Files.from_doc(db.table(erp_files.FILES_TABLE).get(doc_id=int(erp_files.FILES_ID)))
    ledger = home / erp_files.LEDGER_FILE
    checks = []
    advice = Reason(Code.LEDGER_ADVICE, ledger=ledger.name)
    try:
        bad = []
        for line, number in erp_files.read_ledger(ledger, files.ledger_bytes):
            try:
                erp_files.parse_movement_line(ledger, line, number)
            except erp_files.SideFileDamaged:
                bad.append(number)
        if bad:
            checks.append(FileCheck(ledger.name, ledger, DAMAGED, _lines_problem(bad), detail=advice))
        else:
            size = ledger.stat().st_size if ledger.exists() else 0
            extra = size - files.ledger_bytes
            detail = Reason(Code.LEDGER_TAIL, count=extra) if extra > 0 else None
            checks.append(FileCheck(ledger.name, ledger, OK if ledger.exists() else MISSING, detail=detail))
    except erp_files.SideFileDamaged as exc:
        checks.append(FileCheck(ledger.name, ledger, DAMAGED, Reason.text(exc.problem), detail=advice))
    if files.codes:
        codes = home / files.codes
        try:
            for _ in erp_files.read_codes(codes):
                pass
            checks.append(FileCheck(codes.name, codes, OK))
        except erp_files.SideFileDamaged as exc:
            checks.append(
                FileCheck(
                    codes.name,
                    codes,
                    DAMAGED,
                    Reason.text(exc.problem),
                    detail=Reason(Code.CODES_ADVICE),
                )
            )
    return checks


def _check_journal(home: Path) -> FileCheck:
    """journal/: its index and each run's files, line by line (services/store/journal.py). Reads only."""
    from services.store.journal import INDEX, JOURNAL_DIR, SKIP_BASE

    folder = home / JOURNAL_DIR
    name = f"{JOURNAL_DIR}/"
    if not folder.is_dir():
        return FileCheck(name, folder, MISSING)
    lines = {}
    for path in sorted(folder.glob("*.jsonl")):
        bad = _damaged_lines(path)
        if bad:
            lines[path] = bad
    index = folder / INDEX
    if not index.exists() and any(folder.glob("run-*.jsonl")):
        return FileCheck(
            name,
            folder,
            DAMAGED,
            Reason(Code.INDEX_MISSING, index=INDEX),
            detail=Reason(Code.INDEX_ADVICE, index=str(index)),
        )
    problems = [Reason(Code.WHERE, where=path.name, why=_lines_problem(bad)) for path, bad in lines.items()]
    try:
        if (folder / SKIP_BASE).exists() and not isinstance(json.loads((folder / SKIP_BASE).read_text()), dict):
            raise ValueError(SKIP_BASE)
    except (OSError, ValueError) as exc:
        problems.append(Reason(Code.SKIP_BASE_UNREADABLE, file=SKIP_BASE, why=_unreadable(exc, Code.NOT_JSON)))
    if not problems:
        return FileCheck(name, folder, OK)
    return FileCheck(
        name,
        folder,
        DAMAGED,
        Reason.join(*problems),
        detail=Reason(Code.JOURNAL_LINES_ADVICE),
        lines=lines,
    )


def _check_links(home: Path) -> FileCheck:
    """links.jsonl: its header and each row (services/store/links.py). Reads only."""
    from services.store.links import LINKS_FILE

    path = home / LINKS_FILE
    try:
        with open(path, "rb") as fh:
            header = fh.readline()
    except FileNotFoundError:
        return FileCheck(path.name, path, MISSING)
    except OSError as exc:
        return FileCheck(path.name, path, DAMAGED, _unreadable(exc, Code.NOT_JSON))
    try:
        fields = json.loads(header)["fields"]
        if not isinstance(fields, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return FileCheck(
            path.name,
            path,
            DAMAGED,
            Reason(Code.LINKS_NO_HEADER),
            detail=Reason(Code.LINKS_HEADER_ADVICE),
            lines={path: [1]},
        )
    bad = [n for n in _damaged_lines(path) if n != 1]
    if not bad:
        return FileCheck(path.name, path, OK)
    return FileCheck(
        path.name,
        path,
        DAMAGED,
        _lines_problem(bad),
        detail=Reason(Code.LINKS_ROWS_ADVICE),
        lines={path: bad},
    )


def _damaged_lines(path: Path) -> list[int]:
    """Line numbers (from 1) that are not a JSON object or array; a last line cut short by a crash is one."""
    bad = []
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                bad.append(number)
                continue
            if not isinstance(value, (dict, list)):
                bad.append(number)
    return bad


def _lines_problem(bad: list[int]) -> Reason:
    return Reason(Code.DAMAGED_LINES, count=len(bad), lines=cut_list([str(n) for n in bad], most=5))


def _set_lines_aside(check: FileCheck) -> None:
    """--restore for a JSON Lines file: its damaged lines go to `<file>.corrupt-<time>`, the others stay (a
    damaged header: the whole file goes aside, and the next sync writes it again)."""
    from services.home import write_private
    from services.store.links import LINKS_FILE

    done = []
    for path, bad in check.lines.items():
        if path.name == LINKS_FILE and 1 in bad:
            aside = set_aside(path)
            done.append(Reason(Code.FILE_SET_ASIDE, file=path.name, aside=aside.name if aside else "-"))
            continue
        lines = path.read_bytes().splitlines(keepends=True)
        drop = set(bad)
        kept = [line for n, line in enumerate(lines, 1) if n not in drop]
        gone = [line if line.endswith(b"\n") else line + b"\n" for n, line in enumerate(lines, 1) if n in drop]
        aside = path.with_name(f"{path.name}.corrupt-{datetime.now():%Y%m%d-%H%M%S}")
        write_private(aside, b"".join(gone))
        write_private(path, b"".join(kept))
        done.append(Reason(Code.LINES_SET_ASIDE, count=len(gone), file=path.name, aside=aside.name))
    check.state = RESTORED
    check.detail = Reason.join(*done)


def _is_erp_side(name: str) -> bool:
    from services.store.erp_files import CODES_PREFIX, LEDGER_FILE

    return name == LEDGER_FILE or name.startswith(CODES_PREFIX)


def _restore_erp_copy(home: Path, check: FileCheck) -> None:
    """--restore for the ledger or the catalogue file: put back the newest copy of erp.json whose own files are
    whole (a ledger at least as long as it counts, its catalogue file there). A damaged line inside the ledger
    is in every copy: only a backup (or fixing the line) helps."""
    storage = open_store(ERP, home).storage
    fits = next((c for c in storage.copies() if c.good), None)
    problem = check.problem.values.get("text", "") if check.problem and check.problem.code == Code.TEXT else ""
    damaged_lines = check.problem is not None and check.problem.has(Code.DAMAGED_LINES)
    if fits is None or str(problem).endswith("not valid JSON") or "damaged line" in str(problem) or damaged_lines:
        check.state = NOT_RESTORED
        return
    aside = storage.restore(fits)
    check.state = RESTORED
    check.detail = Reason.join(
        Reason(Code.ERP_COPY_PUT_BACK, copy=fits.path.name, when=fits.saved_at.isoformat()),
        Reason(Code.NEWER_KEPT_AS, file=aside.name) if aside else None,
        _reread_orders_since(home, fits.saved_at),
    )

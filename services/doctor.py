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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from services.config import CONFIG_FILE
from services.connection import CONNECTION_FILE
from services.secrets import PENDING_FILE, SECRETS_FILE
from services.store.generations import Generation, set_aside
from services.store.storage import take_notes
from services.store.store import ERP, KINDS, MELI, open_store

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
    problem: str | None = None
    copies: list[Generation] = field(default_factory=list)  # generations (store files only)
    detail: str | None = None  # what --restore did, or what to do

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.name,
            "path": str(self.path),
            "state": self.state,
            "problem": self.problem,
            "copies": [
                {"path": str(c.path), "saved_at": c.saved_at.isoformat(), "good": c.good, "problem": c.problem}
                for c in self.copies
            ],
            "detail": self.detail,
        }


def check_home(home: Path) -> list[FileCheck]:
    """Every file of the home as it is now. Reads only."""
    checks = [_check_store(home, kind) for kind in KINDS]
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
    for check in checks:
        if check.state not in (DAMAGED,) or check.name not in {f"{k}.json" for k in KINDS}:
            continue
        kind = check.name.removesuffix(".json")
        store = open_store(kind, home)
        good = next((c for c in check.copies if c.good), None)
        if good is not None:
            aside = store.storage.restore(good)
            check.state = RESTORED
            check.detail = f"{good.path.name} (saved {good.saved_at:%Y-%m-%d %H:%M:%S} UTC) was put back" + (
                f"; the damaged file is kept as {aside.name}" if aside else ""
            )
            if kind == ERP:
                check.detail += "; " + _reread_orders_since(home, good.saved_at)
        elif kind != ERP:
            aside = set_aside(check.path)
            store.close()
            check.state = SET_ASIDE
            check.detail = (
                f"no good copy: the damaged file is kept as {aside.name if aside else '-'}; an empty "
                f"{check.name} starts with the next command"
            )
        else:
            check.state = NOT_RESTORED
            check.detail = (
                "no good copy: restore erp.json from a backup (or import the catalogue again with "
                "`melisync erp import` and count the stock)"
            )
    take_notes()  # what a read recovered on its own is reported here, not by a later run
    return checks


def _reread_orders_since(home: Path, saved_at: datetime) -> str:
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
        return "the next sync reads the orders since then as usual"
    return (
        f"the next sync reads the orders since {back:%Y-%m-%d %H:%M} UTC again (sales already in the ledger "
        "are skipped); stock counts and imports made after the copy must be done again"
    )


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
            problem,
            copies,
            "run `melisync doctor --restore`" if kind != MELI or copies else None,
        )
    state = OK if storage.path.exists() else MISSING
    return FileCheck(name, storage.path, state, None, copies)


def _check_json(path: Path, shape: type) -> FileCheck:
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return FileCheck(path.name, path, MISSING)
    except (OSError, ValueError) as exc:
        return FileCheck(path.name, path, DAMAGED, f"it is not valid JSON ({exc})", detail=_advice(path))
    if not isinstance(data, shape):
        return FileCheck(
            path.name, path, DAMAGED, f"it holds a JSON {type(data).__name__}, not an object", detail=_advice(path)
        )
    return FileCheck(path.name, path, OK)


def _check_toml(path: Path) -> FileCheck:
    try:
        tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return FileCheck(path.name, path, MISSING)
    except (OSError, ValueError) as exc:
        return FileCheck(
            path.name,
            path,
            DAMAGED,
            f"it is not valid TOML ({exc})",
            detail="fix it, or remove it and set the settings again with `melisync config set`",
        )
    return FileCheck(path.name, path, OK)


def _advice(path: Path) -> str:
    if path.name == CONFIG_FILE:
        return "fix it or remove it"
    return "remove it and run `melisync connect` again"

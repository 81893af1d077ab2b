"""Sync cursors in meli.json: how far each incremental read got (e.g. orders by last update time), and the
baseline of a cursor's first read (order keys already in the stock when melisync started counting)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tinydb import Query

from services.store.store import MELI, Store, open_store

CURSORS = "cursors"
BASELINES = "baselines"


@dataclass(frozen=True)
class Baseline:
    """What was already counted when a cursor started: `keys` read then, and everything before `since`
    (ISO time; None: nothing stored yet)."""

    keys: frozenset[str] = frozenset()
    since: str | None = None


class Cursors:
    def __init__(self, store: Store | None = None, home: Path | None = None):
        self.store = store or open_store(MELI, home)

    def get(self, name: str) -> str | None:
        doc = self.store.db().table(CURSORS).get(Query().name == name)
        return doc["value"] if doc else None

    def set(self, name: str, value: str, *, baseline: Baseline | None = None) -> None:
        """Move cursor `name`; `baseline` (given once, with the first value) is stored in the same write."""
        with self.store.transaction() as db:
            db.table(CURSORS).upsert({"name": name, "value": value}, Query().name == name)
            if baseline is not None:
                db.table(BASELINES).upsert({"name": name, "keys": sorted(baseline.keys), "since": baseline.since},
                                           Query().name == name)

    def baseline(self, name: str) -> Baseline:
        """The baseline stored with the first value of cursor `name` (empty if none)."""
        doc = self.store.db().table(BASELINES).get(Query().name == name)
        return Baseline(frozenset(doc["keys"]), doc.get("since")) if doc else Baseline()

"""Sync cursors in meli.json: how far each incremental read got (e.g. orders by last update time).

A cache: losing it costs requests (the next read goes back as a first one does), never stock, because which
sales are booked is the ERP ledger's to say (docs/internals.md, "The count is the truth")."""

from __future__ import annotations

from pathlib import Path

from tinydb import Query

from services.store.store import MELI, Store, open_store

CURSORS = "cursors"


class Cursors:
    def __init__(self, store: Store | None = None, home: Path | None = None):
        self.store = store or open_store(MELI, home)

    def get(self, name: str) -> str | None:
        doc = self.store.db().table(CURSORS).get(Query().name == name)
        return doc["value"] if doc else None

    def set(self, name: str, value: str) -> None:
        with self.store.transaction() as db:
            db.table(CURSORS).upsert({"name": name, "value": value}, Query().name == name)

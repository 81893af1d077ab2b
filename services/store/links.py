"""The links table of meli.json (one row per listing or variation), the operator's ignored rows, and a
fast in-memory query over the links for the linked-products screen (filter, search, sort, page).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from tinydb import Query

from services.linking import Link, LinkState, count_by_state
from services.store.store import MELI, Store, open_store
from services.text import fold

LINKS = "links"
IGNORED = "ignored"  # documents {"key": Link.key}: rows the operator chose to ignore
RELINK = "relink"  # documents {"key": Link.key}: link_lost rows the operator accepted (forget the old code)

_LINK_FIELDS = tuple(f.name for f in fields(Link))
# Columns the table can be sorted by (every Link field) and searched in.
SORTABLE = _LINK_FIELDS + ("difference",)
_SEARCHED = ("listing_id", "reference_code", "erp_code", "title", "variation_label", "erp_name")


def link_to_doc(link: Link) -> dict:
    doc = asdict(link)
    doc["state"] = link.state.value
    return doc


def link_from_doc(doc: dict) -> Link:
    values = {name: doc.get(name) for name in _LINK_FIELDS if name in doc}
    values["state"] = LinkState(doc["state"])
    return Link(**values)


class LinkRepository:
    """Links as the last sync left them, plus the operator's choices (ignore, accept a new code)."""

    def __init__(self, store: Store | None = None, home: Path | None = None):
        self.store = store or open_store(MELI, home)

    def all(self) -> list[Link]:
        return [link_from_doc(doc) for doc in self.store.db().table(LINKS).all()]

    def replace_all(self, links: Iterable[Link]) -> None:
        """Store the links of a sync (one file write); accepted new codes are consumed."""
        docs = [link_to_doc(link) for link in links]
        with self.store.transaction() as db:
            table = db.table(LINKS)
            table.truncate()
            table.insert_multiple(docs)
            db.table(RELINK).truncate()

    def replace_listings(self, listing_ids: set[str], links: Iterable[Link]) -> None:
        """Store again the rows of `listing_ids` only (a watch tick read just those); the others stay."""
        docs = [link_to_doc(link) for link in links]
        with self.store.transaction() as db:
            table = db.table(LINKS)
            table.remove(Query().listing_id.one_of(sorted(listing_ids)))
            table.insert_multiple(docs)

    def previous(self) -> list[Link]:
        """The stored links minus those whose new code the operator accepted (S6: relinked on purpose)."""
        accepted = self._keys(RELINK)
        return [link for link in self.all() if link.key not in accepted]

    def counts(self) -> dict[str, int]:
        return count_by_state(self.all())

    def ignored(self) -> set[str]:
        return self._keys(IGNORED)

    def ignore(self, keys: Iterable[str], ignored: bool = True) -> None:
        """Mark rows ignored (or not): effective from the next sync, and shown at once in the table."""
        self._mark(IGNORED, keys, ignored)

    def accept_new_code(self, keys: Iterable[str]) -> None:
        """A `link_lost` row may be linked by its current code at the next sync (the operator confirmed it)."""
        self._mark(RELINK, keys, True)

    def _keys(self, table: str) -> set[str]:
        return {doc["key"] for doc in self.store.db().table(table).all()}

    def _mark(self, table_name: str, keys: Iterable[str], on: bool) -> None:
        keys = set(keys)
        with self.store.transaction() as db:
            table = db.table(table_name)
            present = {doc["key"]: doc.doc_id for doc in table.all()}
            if on:
                table.insert_multiple({"key": k} for k in sorted(keys - present.keys()))
            else:
                table.remove(doc_ids=[present[k] for k in keys if k in present])


@dataclass(frozen=True)
class LinkPage:
    rows: list[Link]
    total: int  # rows matching the filter and search (the "M" of "N of M")
    counts: dict[str, int]  # all stored links by state (for the filter keys)


class LinkTable:
    """Query the stored links for a table of tens of thousands of rows.

    The links are loaded and indexed once per change of meli.json (store generation); each query is
    then a filter over in-memory rows and a sort (cached per sort column).
    """

    def __init__(self, repository: LinkRepository | None = None):
        self.repository = repository or LinkRepository()
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._rows: list[Link] = []
        self._haystack: list[str] = []
        self._ignored: set[str] = set()
        self._sorted: dict[tuple[str, bool], list[int]] = {}

    def query(self, *, state: str | LinkState | None = None, search: str = "", sort: str = "listing_id",
              descending: bool = False, offset: int = 0, limit: int = 100) -> LinkPage:
        if sort not in SORTABLE:
            raise ValueError(f"cannot sort by {sort!r}; columns: {', '.join(SORTABLE)}")
        self._refresh()
        wanted = LinkState(state) if state else None
        needle = fold(search.strip())
        order = self._order(sort, descending)
        rows, haystack = self._rows, self._haystack
        matches = [i for i in order
                   if (wanted is None or rows[i].state == wanted) and (not needle or needle in haystack[i])]
        page = [rows[i] for i in matches[offset:offset + limit]]
        return LinkPage(rows=page, total=len(matches), counts=count_by_state(rows))

    def _refresh(self) -> None:
        with self._lock:
            generation = self.repository.store.generation
            if generation == self._generation:
                return
            ignored = self.repository.ignored()
            rows = [self._shown(link, ignored) for link in self.repository.all()]
            self._rows = rows
            # Folded (case and accents) once per change, so each search is a plain `in`.
            self._haystack = [fold(" ".join(str(getattr(l, f) or "") for f in _SEARCHED))
                              + f" {l.variation_id or ''}" for l in rows]
            self._sorted = {}
            self._generation = self.repository.store.generation

    @staticmethod
    def _shown(link: Link, ignored: set[str]) -> Link:
        # An ignore takes effect at the next sync; the table shows it at once.
        if link.key in ignored and link.state != LinkState.IGNORED:
            return replace(link, state=LinkState.IGNORED, reason="ignored by the operator")
        return link

    def _order(self, column: str, descending: bool) -> list[int]:
        cached = self._sorted.get((column, descending))
        if cached is None:
            def key(i: int):
                value = getattr(self._rows[i], column)
                # None sorts last whatever the direction; text ignores case.
                missing = value is None
                if isinstance(value, str):
                    value = value.casefold()
                return (missing != descending, value if not missing else 0, self._rows[i].key)
            cached = sorted(range(len(self._rows)), key=key, reverse=descending)
            self._sorted[(column, descending)] = cached
        return cached

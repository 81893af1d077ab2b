"""The links (one row per listing or variation) in `links.jsonl`, the operator's ignored rows in meli.json, and a
fast in-memory query over the links for the linked-products screen (filter, search, sort, page).

`links.jsonl` (issue 16): a header line naming the fields, then one JSON array per link, in the screen's default
order (listing id, then row key). Read a line at a time: no parsed copy of the whole table is kept (memory at 50k
listings), a reader never holds the interpreter for one long parse (the screen stays responsive), and the first
page of the screen is the first lines of the file. Rewritten (atomically) only when a row changed. Links stored by
an older melisync in meli.json's `links` table are read from there until the next sync moves them here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields, replace
from itertools import compress, repeat
from pathlib import Path
from typing import Any

from services.home import compact_json, write_private
from services.linking import IGNORED_REASON, Link, LinkState, count_by_state
from services.reasons import Reason
from services.store.storage import FileStamp, file_stamp, paused_gc
from services.store.store import MELI, Store, open_store
from services.summary import read_summary, write_link_counts
from services.text import fold, fold_all, one_copy

LINKS = "links"  # meli.json's table of links before issue 16 (moved to LINKS_FILE on first use)
LINKS_FILE = "links.jsonl"
IGNORED = "ignored"  # documents {"key": Link.key}: rows the operator chose to ignore
RELINK = "relink"  # documents {"key": Link.key}: link_lost rows the operator accepted (forget the old code)

_LINK_FIELDS = tuple(f.name for f in fields(Link))
Row = list[Any]  # a stored link as its values, in _LINK_FIELDS order, the state as its text
# Columns the table can be sorted by (every Link field) and searched in.
SORTABLE = _LINK_FIELDS + ("difference",)
_SEARCHED = ("listing_id", "reference_code", "erp_code", "title", "variation_label", "erp_name", "variation_id")
_SEARCHED_AT = tuple(_LINK_FIELDS.index(name) for name in _SEARCHED)


def _searched(values: Row) -> str:
    """The text a search looks in (the _SEARCHED fields and the variation id) of a stored row's values; folded
    (case and accents) once per change of the links, so each search is a plain `in`."""
    listing, reference, erp_code, title, label, name, variation = (values[i] for i in _SEARCHED_AT)
    return f"{listing} {reference or ''} {erp_code or ''} {title or ''} {label or ''} {name or ''} {variation or ''}"


def link_to_doc(link: Link) -> dict[str, Any]:
    # Field by field, not dataclasses.asdict: asdict deep-copies every value and was most of the time of
    # storing 142k links (issue 16).
    doc = {name: getattr(link, name) for name in _LINK_FIELDS}
    doc["state"] = link.state.value
    doc["reason"] = link.reason.to_json() if link.reason else None
    return doc


def link_from_doc(doc: dict[str, Any]) -> Link:
    values: dict[str, Any] = {name: doc.get(name) for name in _LINK_FIELDS if name in doc}
    values["state"] = LinkState(doc["state"])
    values["reason"] = Reason.from_json(values.get("reason"))  # an older version's text is shown as it is
    return Link(**values)


def _link_line(link: Link) -> bytes:
    values = [getattr(link, name) for name in _LINK_FIELDS]
    values[_STATE] = link.state.value
    if link.reason:
        values[_REASON] = link.reason.to_json()  # code and values (docs/architecture.md, "Reasons")
    return compact_json(values).encode("utf-8") + b"\n"


_STATE = _LINK_FIELDS.index("state")
_LISTING, _VARIATION = _LINK_FIELDS.index("listing_id"), _LINK_FIELDS.index("variation_id")
_ERP_CODE, _REASON = _LINK_FIELDS.index("erp_code"), _LINK_FIELDS.index("reason")
_FIELD_SET = frozenset(_LINK_FIELDS)


_STATES = {state.value: state for state in LinkState}


def _values(link: Link) -> Row:
    """A Link as a stored row of values (the state as its text, the reason as stored: code and values)."""
    values = [getattr(link, name) for name in _LINK_FIELDS]
    values[_STATE] = link.state.value
    if isinstance(link.reason, Reason):
        values[_REASON] = link.reason.to_json()
    return values


def _link(values: Row) -> Link:
    """A stored row of values as a Link (the row itself is left as it is)."""
    fields_ = list(values)
    fields_[_STATE] = _STATES[fields_[_STATE]]
    if fields_[_REASON] is not None:
        fields_[_REASON] = Reason.from_json(fields_[_REASON])  # an older version's text is shown as it is
    return Link(*fields_)


_CHUNK_BYTES = 1 << 20  # about 3,000 links per parse

# links.jsonl's file stamp, or ("meli.json", generation) for an older home whose links are still in meli.json.
LinksStamp = FileStamp | tuple[str, int]


def _parse_header(line: bytes) -> list[str] | None:
    try:
        return list(json.loads(line)["fields"])
    except (ValueError, KeyError, TypeError):
        return None


def _parse_rows(lines: list[bytes]) -> list[list[Any]]:
    """Rows of several lines in one parse; a damaged line (a hand-edited file) is skipped on its own."""
    try:
        parsed: list[list[Any]] = json.loads(b"[" + b",".join(lines) + b"]")  # rows of values, as written
        return parsed
    except ValueError:
        rows = []
        for line in lines:
            try:
                rows.append(json.loads(line))
            except ValueError:
                continue
        return rows


def _row_id(line: bytes) -> bytes:
    """The line's first two values (listing id, variation id): the row's key, read without parsing the line."""
    first = line.find(b",")
    return line[: line.find(b",", first + 1)]


def default_order(link: Link) -> tuple[str, str]:
    """The file's order: the screen's first sort (listing id, text without case, then the row key)."""
    return (link.listing_id.casefold(), link.key)


def in_file_order(links: Iterable[Link]) -> list[Link]:
    """`links` sorted by `default_order`, with one sort key per listing instead of a tuple per row (issue 16: the
    keys of 142k rows, ~27 MB at 50k listings, at the moment a sync holds the most): rows are grouped by their
    listing id without case, the groups sorted, and the rows of a group (its variations) by key."""
    groups: dict[str, list[Link]] = {}
    for link in links:
        folded = link.listing_id.casefold()
        group = groups.get(folded)
        if group is None:
            groups[folded] = [link]
        else:
            group.append(link)
    ordered: list[Link] = []
    for folded in sorted(groups):
        group = groups.pop(folded)
        if len(group) > 1:
            group.sort(key=_row_key)
        ordered += group
    return ordered


def _row_key(link: Link) -> str:
    return link.key


class LinkRepository:
    """Links as the last sync left them, plus the operator's choices (ignore, accept a new code)."""

    def __init__(self, store: Store | None = None, home: Path | None = None):
        self.store = store or open_store(MELI, home)
        self.path = self.home / LINKS_FILE
        self.last_changed = 0

    @property
    def home(self) -> Path:
        return self.store.path.parent

    def all(self) -> list[Link]:
        return list(self.iter())

    def iter(self, limit: int | None = None) -> Iterator[Link]:
        """The stored links in the file's order (the first `limit` only, if given)."""
        for values in self.rows(limit):
            yield _link(values)

    def rows(self, limit: int | None = None) -> Iterator[Row]:
        """The stored links as rows of values (`Link`'s fields in order, the state as its text), read CHUNK lines
        at a time: each chunk is one short parse, so a reader in a thread never holds the interpreter for long,
        and no Link is made (the links table makes them for the page on show only)."""
        try:
            fh = open(self.path, "rb")
        except FileNotFoundError:
            # an older home, read as it is (the next sync moves them)
            yield from (_values(link) for link in self._old_links()[:limit])
            return
        with fh:
            header = _parse_header(fh.readline())
            if header is None:
                return
            names = header
            positional = tuple(names) == _LINK_FIELDS
            left = limit
            while left is None or left > 0:
                lines = fh.readlines(_CHUNK_BYTES) if left is None else [fh.readline() for _ in range(min(left, 200))]
                lines = [line for line in lines if line.strip()]
                if not lines:
                    return
                if left is not None:
                    left -= len(lines)
                for values in _parse_rows(lines):
                    if positional:
                        yield values  # the reason stays as stored (code and values, or old text): parsed by _link
                    else:
                        # A file written by another version: a row may lack the trailing columns of its header.
                        row = dict(zip(names, values, strict=False))
                        row["state"] = LinkState(row["state"])
                        yield _values(Link(**{k: v for k, v in row.items() if k in _FIELD_SET}))

    def stamp(self) -> LinksStamp | None:
        """Changes whenever the stored links change (for callers' own caches)."""
        found = file_stamp(self.path)
        if found is None and self.store.path.exists():
            return ("meli.json", self.store.generation)  # an older home's links, still in meli.json
        return found

    def replace_all(self, links: Iterable[Link], consume_accepted: bool = True) -> int:
        """Store the links of a sync (accepted new codes are consumed). Returns how many rows changed; the file
        is rewritten (atomically, a line at a time) only when one did, so a no-change sync writes nothing here."""
        links = in_file_order(links)
        counts = count_by_state(links) if links else {}
        changed = self._changed_rows(links)
        if changed or not self.path.exists():
            write_private(self.path, self._lines(links))
        with self.store.transaction() as db:
            data = db.storage.read() or {}
            if LINKS in data:  # an older home: the links now live in links.jsonl
                db.storage.write({k: v for k, v in data.items() if k != LINKS})
            if consume_accepted and (db.storage.read() or {}).get(RELINK):
                db.table(RELINK).truncate()
        self.last_changed = changed
        write_link_counts(self.home, counts, sorted(self.ignored()))
        return changed

    @staticmethod
    def _lines(links: Iterable[Link]) -> Iterator[bytes]:
        yield json.dumps({"fields": list(_LINK_FIELDS), "version": 1}).encode("utf-8") + b"\n"
        for link in links:
            yield _link_line(link)

    def _changed_rows(self, links: list[Link]) -> int:
        """How many of `links` (in the file's order) are new or differ from the stored rows, plus the stored rows
        gone. The stored file is read along them, line by line: rows at the same place with the same line are
        unchanged and nothing is kept of them; only rows out of step (a row added or gone moves the others) are
        held, by row id and the hash of their line, until matched. An index of every stored row was ~19 MB at 50k
        listings, at the moment a sync holds the most (issue 16)."""
        try:
            fh = open(self.path, "rb")
        except FileNotFoundError:
            return len(links)
        stored: dict[bytes, int] = {}  # row id -> hash of its stored line, for rows out of step
        written: dict[bytes, int] = {}  # the same for the new rows out of step
        with fh:
            fh.readline()
            for link in links:
                line, old = _link_line(link), fh.readline()
                if line == old:
                    continue
                if old:
                    stored[_row_id(old)] = hash(old)
                written[_row_id(line)] = hash(line)
            for old in fh:
                stored[_row_id(old)] = hash(old)
        changed = sum(1 for row, digest in written.items() if stored.pop(row, None) != digest)  # new or different
        return changed + len(stored)  # rows gone

    def _old_links(self) -> list[Link]:
        """Links stored by an older melisync in meli.json's `links` table (read only; replace_all moves them)."""
        if not self.store.path.exists():
            return []
        docs = ((self.store.db().storage.read() or {}).get(LINKS) or {}).values()
        return sorted((link_from_doc(doc) for doc in docs), key=default_order)

    def replace_listings(self, listing_ids: set[str], links: Iterable[Link]) -> int:
        """Store again the rows of `listing_ids` only (a watch tick read just those); the others stay, and codes
        the operator accepted stay pending for the next full sync."""
        kept = [link for link in self.iter() if link.listing_id not in listing_ids]
        return self.replace_all([*kept, *links], consume_accepted=False)

    def previous(self) -> dict[str, Link]:
        """The stored links by key, minus those whose new code the operator accepted (S6: relinked on purpose), for
        planning the next sync: each row keeps what linking and planning read of it - listing, variation, state,
        ERP code, and a not_writable row's reason (a write ML refused, a migrated listing) - the other fields are
        left at their defaults. A sync holds them next to the links it builds: full rows cost twice as much (issue
        16: ~630 bytes a row, 142k rows at 50k listings). Whole rows: `all()`, `rows_of()`."""
        accepted = self._keys(RELINK)
        found: dict[str, Link] = {}
        listing_id = ""
        for values in self.rows():
            state = _STATES[values[_STATE]]
            if values[_LISTING] != listing_id:
                # a listing's rows are together in the file: its id is kept once (the listings read share it)
                listing_id = one_copy(values[_LISTING])
            # Only a not_writable row's reason is read by planning (few rows: kits, Full, refused writes).
            reason = Reason.from_json(values[_REASON]) if state == LinkState.NOT_WRITABLE else None
            code = values[_ERP_CODE]
            code = one_copy(code) if isinstance(code, str) else code  # the same text as the listing's and the ERP's
            slim = Link(listing_id, values[_VARIATION], state, None, code, reason=reason)
            key = slim.key
            if key not in accepted:
                found[key] = slim
        return found

    def rows_of(self, listing_ids: set[str]) -> list[Link]:
        """The stored rows (whole) of `listing_ids`."""
        return [link for link in self.iter() if link.listing_id in listing_ids]

    def counts(self) -> dict[str, int]:
        return count_by_state(self.all())

    def ignored(self) -> set[str]:
        return self._keys(IGNORED)

    def accepted(self) -> set[str]:
        """The keys of link_lost rows whose new code the operator accepted (consumed by the next `replace_all`)."""
        return self._keys(RELINK)

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


def _doc_key(doc: dict[str, Any]) -> str:
    variation = doc.get("variation_id")
    return f"{doc['listing_id']}:{variation}" if variation is not None else doc["listing_id"]


@dataclass(frozen=True)
class LinkPage:
    rows: list[Link]
    total: int  # rows matching the filter and search (the "M" of "N of M")
    counts: dict[str, int]  # all stored links by state (for the filter keys)


class LinkTable:
    """Query the stored links for a table of tens of thousands of rows.

    The links are read and indexed once per change of links.jsonl, as rows of values (a Link is made for the
    rows of the page asked only: making 50,000 was half the time of the index, issue 14); the operator's ignores,
    in meli.json, are laid over them once per change; the counts by state are taken then, not per query; each
    query is a filter over in-memory rows and a sort (cached per column: `warm()` computes them ahead, off the UI thread). Until the
    index is built, the default first page (no filter, by listing id) is read from the head of the file, with
    the counts of the last sync (summary.json): the screen opens at once at 50,000 links.
    """

    def __init__(self, repository: LinkRepository | None = None):
        self.repository = repository or LinkRepository()
        self._lock = threading.RLock()
        self._stamp: LinksStamp | None = None  # links.jsonl as indexed
        self._overlay: int | None = None  # meli.json generation of the ignores laid over the rows
        self._stored: list[Row] = []  # rows of values (`LinkRepository.rows`)
        self._rows: list[Row] = []  # the same with the operator's ignores laid over them
        self._haystack: list[str] = []
        self._counts: dict[str, int] = {}
        self._sorted: dict[tuple[str, bool], list[int]] = {}
        self._filtered: dict[tuple[str, bool, str], list[int]] = {}  # (column, descending, state) -> rows
        self._states: list[str] = []  # the state of each row (by position)
        # The last search, (column, descending, state, folded text) -> its rows: the next keystroke narrows it.
        self._last_search: tuple[tuple[str, bool, str | None, str] | None, list[int]] = (None, [])
        self.generation = 0  # changes whenever the rows shown may have changed

    @property
    def ready(self) -> bool:
        """Whether the index matches the stored links (a query answers from memory)."""
        return self._stamp is not None and self._stamp == self.repository.stamp()

    def query(
        self,
        *,
        state: str | LinkState | None = None,
        search: str = "",
        sort: str = "listing_id",
        descending: bool = False,
        offset: int = 0,
        limit: int = 100,
        wait: bool = True,
    ) -> LinkPage:
        """A page of rows. With `wait=False` and the index not built yet, the default first page comes from the
        head of the file (then call `warm()`); any other query builds the index first."""
        if sort not in SORTABLE:
            raise ValueError(f"cannot sort by {sort!r}; columns: {', '.join(SORTABLE)}")
        default = not state and not search.strip() and sort == "listing_id" and not descending
        if not wait and default and not self.ready:
            head = self._head(offset + limit)
            if head is not None:
                return head(offset, limit)
        with self._lock:
            self._refresh()
            wanted = LinkState(state).value if state else None
            needle = fold(search.strip())
            rows, haystack = self._rows, self._haystack
            matches = self._in_state(sort, descending, wanted)
            if needle:
                # Typing narrows the last search: a longer needle is looked for only where the shorter one was.
                last_key, last = self._last_search
                if last_key is not None and last_key[:3] == (sort, descending, wanted) and last_key[3] in needle:
                    matches = last
                # As `[i for i in matches if needle in haystack[i]]`, iterated in C (half the time at 50,000).
                found = map(str.__contains__, map(haystack.__getitem__, matches), repeat(needle))
                matches = list(compress(matches, found))
                self._last_search = ((sort, descending, wanted, needle), matches)
            page = [_link(rows[i]) for i in matches[offset : offset + limit]]
            return LinkPage(rows=page, total=len(matches), counts=dict(self._counts))

    def warm(self, columns: Iterable[str] = SORTABLE) -> None:
        """Build the index, the rows of each state in the default order, and the sort orders of `columns` (one
        column per hold of the lock, so a query asked meanwhile is answered between two of them)."""
        with self._lock:
            self._refresh()
            self._in_state("listing_id", False, LinkState.LINKED.value)  # every state's rows, in one pass
        for column in columns:
            with self._lock:
                self._refresh()
                self._order(column, False)
                self._order(column, True)

    def _head(self, count: int) -> Callable[[int, int], LinkPage] | None:
        summary = read_summary(self.repository.home) or {}
        counts = summary.get("links")
        ignored = self.repository.ignored()
        if not isinstance(counts, dict) or set(summary.get("ignored") or ()) != ignored:
            return None  # rows ignored or unignored since the links were stored: the counts must be taken
        rows = [self._shown(link, ignored) for link in self.repository.iter(limit=count)]
        total = sum(counts.values())

        def page(offset: int, limit: int) -> LinkPage:
            return LinkPage(rows=rows[offset : offset + limit], total=total, counts=dict(counts))

        return page

    def _refresh(self) -> None:
        """(Under the lock.) Re-read the links if the file changed; lay the ignores over them if those changed."""
        stamp = self.repository.stamp()
        if stamp != self._stamp:
            with paused_gc():  # 50k new objects at once: no collector passes over them meanwhile
                self._stored = list(self.repository.rows())
            self._stamp = stamp
            self._overlay = None
        generation = self.repository.store.generation
        if generation == self._overlay:
            return
        ignored = self.repository.ignored()
        with paused_gc():
            rows = [self._shown_values(values, ignored) for values in self._stored] if ignored else self._stored
            self._rows = rows
            self._haystack = fold_all([_searched(values) for values in rows])
        counts = {state.value: 0 for state in LinkState}  # every state, in §6 order (as count_by_state)
        for values in rows:
            counts[values[_STATE]] += 1
        self._counts = counts
        # The file is kept in the first sort's order (default_order): that order needs no sorting.
        self._sorted = {("listing_id", False): list(range(len(rows)))}
        self._filtered, self._last_search = {}, (None, [])
        self._states = [values[_STATE] for values in rows]
        self._overlay = generation
        self.generation += 1

    @staticmethod
    def _shown(link: Link, ignored: set[str]) -> Link:
        # An ignore takes effect at the next sync; the table shows it at once.
        if link.key in ignored and link.state != LinkState.IGNORED:
            return replace(link, state=LinkState.IGNORED, reason=IGNORED_REASON)
        return link

    @staticmethod
    def _shown_values(values: Row, ignored: set[str]) -> Row:
        variation = values[_VARIATION]
        key = f"{values[_LISTING]}:{variation}" if variation is not None else values[_LISTING]
        if key in ignored and values[_STATE] != LinkState.IGNORED.value:
            values = list(values)
            values[_STATE], values[_REASON] = LinkState.IGNORED.value, IGNORED_REASON.to_json()
        return values

    def _in_state(self, column: str, descending: bool, state: str | None) -> list[int]:
        """(Under the lock.) The rows in `state` (None: every row) in the order of `column`, kept until the rows
        change: a filter key answers from memory (issue 14: a filter is a pass over every row, ~5 ms at 50,000)."""
        order = self._order(column, descending)
        if state is None:
            return order
        cached = self._filtered.get((column, descending, state))
        if cached is None:
            # Every state's rows in one pass (~5 ms at 50,000, as long as one state's): the next filter key in
            # this order costs nothing.
            by_state: dict[str, list[int]] = {value.value: [] for value in LinkState}
            states = self._states
            for i in order:
                by_state[states[i]].append(i)
            for value, positions in by_state.items():
                self._filtered[(column, descending, value)] = positions
            cached = by_state[state]
        return cached

    def _order(self, column: str, descending: bool) -> list[int]:
        cached = self._sorted.get((column, descending))
        if cached is not None:
            return cached
        ascending = self._sorted.get((column, False))
        if ascending is None:
            ascending = self._sorted[(column, False)] = _sorted_positions(self._column(column))
        if not descending:
            return ascending
        # Descending is the ascending order reversed, the rows without a value staying last (no second sort).
        rows = self._rows
        at = _FIELD_AT.get(column)
        split = len(ascending)
        while split and _value(rows[ascending[split - 1]], column, at) is None:
            split -= 1
        cached = self._sorted[(column, True)] = ascending[:split][::-1] + ascending[split:][::-1]
        return cached

    def _column(self, column: str) -> list[Any]:
        """The sort key of every row in `column`: text without case, None where the row has no value."""
        at = _FIELD_AT.get(column)
        values = [_value(row, column, at) for row in self._rows]
        return [v.casefold() if isinstance(v, str) else v for v in values]


_FIELD_AT = {name: i for i, name in enumerate(_LINK_FIELDS)}
_LISTING, _VARIATION, _REASON = (_FIELD_AT[name] for name in ("listing_id", "variation_id", "reason"))
_ERP_STOCK, _ML_STOCK = _FIELD_AT["erp_stock"], _FIELD_AT["ml_stock"]
_SORT_CHUNK = 4096  # rows sorted at once: each sort is a few ms in which the interpreter is not let go


def _value(row: Row, column: str, at: int | None) -> Any:
    if at is not None:
        return row[at]
    # "difference" (Link.difference): the ERP's stock minus Mercado Livre's
    erp, ml = row[_ERP_STOCK], row[_ML_STOCK]
    return None if erp is None or ml is None else erp - ml


def _sorted_positions(keys: list[Any]) -> list[int]:
    """Positions of `keys` in ascending order, those without a value (None) last; ties keep the file's order
    (the sort is stable), so rows with the same value read by listing id. Sorted a chunk at a time, then once
    more (Timsort merges the sorted runs): a sort never holds the interpreter away from the UI for long."""
    present = [i for i, key in enumerate(keys) if key is not None]
    missing = [i for i, key in enumerate(keys) if key is None]
    by_key = keys.__getitem__
    runs: list[int] = []
    for start in range(0, len(present), _SORT_CHUNK):
        runs += sorted(present[start : start + _SORT_CHUNK], key=by_key)
    runs.sort(key=by_key)
    return runs + missing

"""The ERP's state as domain objects, and the bulk writes the catalogue needs (the rules live in
`services/erp/catalog.py`).

Where things are kept (`services/store/erp_files.py`): the catalogue by code with balances and count times in
the codes file, the stock ledger in `ledger.jsonl`, the customers in erp.json (TinyDB), which also names the
codes file and the ledger's committed length. An older erp.json that held every table itself is read as it
is, and converted by the first write (kept as `erp.json.v1`).

Memory is what this module is about (issue 16): the catalogue is read into compact objects a chunk at a
time (equal attribute tuples, prices and count times shared), the ledger never whole: only the keys of the
booked sales are kept. A batch of 50,000 products costs a few passes over dicts, one file write per table.
"""

from __future__ import annotations

import mmap
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.table import Document

from services.address import ERP_ADDRESS_FIELDS, Address
from services.erp.models import Composition, Customer, MovementKind, Product, StockMovement
from services.store import erp_files
from services.store.erp_files import FILES_ID, FILES_TABLE, LEDGER_FILE, Files
from services.store.generations import KEEP, generation_path
from services.store.storage import paused_gc
from services.text import one_copy

PRODUCTS, COMPOSITIONS, MOVEMENTS, BALANCES, CUSTOMERS, COUNTS = (
    "products",
    "compositions",
    "movements",
    "balances",
    "customers",
    "counts",
)
_SOURCE_FIELDS = ("order_id", "item_id", "variation_id", "run_id")


def product_doc(product: Product) -> dict[str, Any]:
    return {
        "code": product.code,
        "name": product.name,
        "price": str(product.price),
        "has_variations": product.has_variations,
    }


def _product(doc: dict[str, Any]) -> Product:
    return Product(doc["code"], doc["name"], Decimal(doc["price"]), bool(doc.get("has_variations")))


def composition_doc(composition: Composition) -> dict[str, Any]:
    return {
        "code": composition.code,
        "parent_code": composition.parent_code,
        "attributes": [[name, value] for name, value in composition.attributes],
    }


def _composition(doc: dict[str, Any]) -> Composition:
    return Composition(doc["code"], doc["parent_code"], tuple((n, v) for n, v in doc.get("attributes", ())))


def movement_doc(movement: StockMovement) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "code": movement.code,
        "kind": str(movement.kind),
        "quantity": movement.quantity,
        "time": movement.time.isoformat(),
        "reference": movement.reference,
        "key": movement.key,
    }
    doc.update({name: getattr(movement, name) for name in _SOURCE_FIELDS if getattr(movement, name) is not None})
    return doc


def _movement(doc: dict[str, Any]) -> StockMovement:
    return StockMovement(
        doc["code"],
        MovementKind(doc["kind"]),
        doc["quantity"],
        datetime.fromisoformat(doc["time"]),
        doc.get("reference", ""),
        doc.get("key"),
        **{name: doc.get(name) for name in _SOURCE_FIELDS},
    )


_CUSTOMER_FIELDS = ("buyer_id", "name", "doc_type", "doc_number")  # then its address, flat (ERP_ADDRESS_FIELDS)


def customer_doc(customer: Customer) -> dict[str, Any]:
    return {
        **{name: getattr(customer, name) for name in _CUSTOMER_FIELDS},
        **{name: getattr(customer.address, name) for name in ERP_ADDRESS_FIELDS},
    }


def _customer(doc: dict[str, Any]) -> Customer:
    address = Address(**{name: doc.get(name) for name in ERP_ADDRESS_FIELDS})
    fields: dict[str, Any] = {name: doc.get(name) for name in _CUSTOMER_FIELDS}
    return Customer(**fields, address=address)


_COUNT_KINDS = frozenset({str(MovementKind.IMPORT), str(MovementKind.ADJUSTMENT)})


OLD_TABLES = (PRODUCTS, COMPOSITIONS, MOVEMENTS, BALANCES, COUNTS)  # erp.json before issue 16 held them all
OLD_COPY = "erp.json.v1"  # an older erp.json, kept when it is converted


class _Codes:
    """The catalogue by code: products, compositions, balances, count times (dicts in the order first added)."""

    TABLES = ("products", "compositions", "balances", "counts")

    def __init__(self) -> None:
        self.products: dict[str, Product] = {}
        self.compositions: dict[str, Composition] = {}
        self.balances: dict[str, int] = {}
        self.counts: dict[str, datetime] = {}
        self._shared: set[str] = set()  # tables still the dicts of the codes copied: copied before a write

    def copy(self) -> _Codes:
        """The same tables, each copied only when first written (`writable`): a sale moves balances only, and a
        copy of the 150k codes of a 50k-listing seller costs ~5 MB a table (issue 16: memory per listing)."""
        codes = _Codes()
        codes.products, codes.compositions = self.products, self.compositions
        codes.balances, codes.counts = self.balances, self.counts
        codes._shared = set(self.TABLES)
        return codes

    def writable(self, table: str) -> dict[str, Any]:
        """The dict of `table` to write to: this copy's own (a reader holding the tables copied never sees a write)."""
        if table in self._shared:
            setattr(self, table, dict(getattr(self, table)))
            self._shared.discard(table)
        values: dict[str, Any] = getattr(self, table)
        return values

    @classmethod
    def read(cls, path: Path) -> _Codes:
        codes = cls()
        products, compositions, balances, counts = codes.products, codes.compositions, codes.balances, codes.counts
        shared: dict[Any, Any] = {}  # equal prices, attribute tuples and times: one object each

        def one(key: Any, make: Callable[[Any], Any], value: Any) -> Any:
            found = shared.get(key)
            if found is None:
                found = shared[key] = make(value)
            return found

        with paused_gc():
            for kind, text, a, b, c, balance, counted in erp_files.read_codes(path):
                code = one_copy(text) if isinstance(text, str) else text  # the listings' codes are the same texts
                try:
                    if kind == "p":
                        products[code] = Product(code, a, one(("$", b), Decimal, b), bool(c))
                    elif kind == "c":
                        parent = products.get(a)
                        attributes = one(repr(b), _attributes, b)
                        compositions[code] = Composition(code, parent.code if parent else a, attributes)
                    if balance is not None:
                        balances[code] = int(balance)
                    if counted is not None:
                        counts[code] = one(("@", counted), datetime.fromisoformat, counted)
                except (TypeError, ValueError, ArithmeticError):
                    raise erp_files.SideFileDamaged(path, f"the row of {code!r} is not a catalogue row") from None
        return codes

    def rows(self) -> Iterator[list[Any]]:
        times: dict[datetime, str] = {}

        def at(code: str) -> str | None:
            moment = self.counts.get(code)
            if moment is None:
                return None
            text = times.get(moment)
            if text is None:
                text = times[moment] = moment.isoformat()
            return text

        for code, p in self.products.items():
            yield ["p", code, p.name, str(p.price), p.has_variations, self.balances.get(code), at(code)]
        for code, c in self.compositions.items():
            attributes = [[n, v] for n, v in c.attributes]
            yield ["c", code, c.parent_code, attributes, None, self.balances.get(code), at(code)]
        for code in self.balances.keys() - self.products.keys() - self.compositions.keys():
            yield ["s", code, None, None, None, self.balances[code], at(code)]  # a stock record without its code

    @classmethod
    def from_old_tables(cls, db: TinyDB) -> _Codes:
        """An older erp.json's tables (in doc id order: the order records were first added)."""
        codes = cls()
        with paused_gc():
            for doc in _in_order(db, PRODUCTS):
                codes.products[doc["code"]] = _product(doc)
            for doc in _in_order(db, COMPOSITIONS):
                codes.compositions[doc["code"]] = _composition(doc)
            for doc in _in_order(db, BALANCES):
                codes.balances[doc["code"]] = doc["quantity"]
            for doc in _in_order(db, COUNTS):
                codes.counts[doc["code"]] = datetime.fromisoformat(doc["at"])
            # A file from before the counts table: the ledger says when each stock was last set.
            from_ledger: dict[str, datetime] = {}
            for doc in _in_order(db, MOVEMENTS):
                code = doc["code"]
                if code in codes.balances and code not in codes.counts and doc["kind"] in _COUNT_KINDS:
                    at = datetime.fromisoformat(doc["time"])
                    if code not in from_ledger or at > from_ledger[code]:
                        from_ledger[code] = at
            codes.counts.update(from_ledger)
        return codes


def _attributes(pairs: list[list[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(name), str(value)) for name, value in pairs)


def _in_order(db: TinyDB, table: str) -> list[Document]:
    return sorted(db.table(table).all(), key=lambda doc: doc.doc_id)


def is_old_format(db: TinyDB) -> bool:
    """erp.json as written before issue 16 (every table in the file, no `files` document)."""
    tables = db.tables()
    return FILES_TABLE not in tables and any(name in tables for name in OLD_TABLES)


class ErpTables:
    """One consistent state of the ERP, read from erp.json (`store.snapshot()`), or to write too (the database
    of `store.transaction()`; then `flush()` before the transaction ends).

    `base`: tables already read for the same committed state, shared by a reader instead of reading the files
    again, copied by a writer (a write never changes a dict a reader holds). Callers must not change the dicts
    handed out.
    """

    def __init__(self, db: TinyDB, home: Path, base: ErpTables | None = None, *, writing: bool = False):
        self._db = db
        self.writing = writing
        self.home = Path(home)
        self.old = is_old_format(db)
        self.files = Files() if self.old else Files.from_doc(db.table(FILES_TABLE).get(doc_id=int(FILES_ID)))
        self._base = base if base is not None and base.files == self.files and not base.old else None
        self._new: list[StockMovement] = []  # recorded in this transaction, not yet in the ledger file
        self._codes_changed = False

    @property
    def ledger_path(self) -> Path:
        return self.home / LEDGER_FILE

    # -- reads ------------------------------------------------------------------------------------------

    @cached_property
    def _codes(self) -> _Codes:
        if self._base is not None:
            return self._base._codes.copy() if self.writing else self._base._codes
        if self.old:
            return _Codes.from_old_tables(self._db)
        if self.files.codes is None:
            return _Codes()
        return _Codes.read(self.home / self.files.codes)

    def detach(self) -> None:
        """Forget the tables these were made from (a writer's: the reader it copied): each state would otherwise
        hold the one before it, and a long-running process (the TUI, `melisync watch`) every state it wrote.
        What was not read from them yet is read from the files."""
        base = self._base
        if base is not None and "children" in base.__dict__ and base.compositions is self.compositions:
            self.__dict__.setdefault("children", base.children)  # the same compositions: the same index
        self._base = None

    def load(self) -> None:
        """Read the catalogue now (a reader does it right after taking its snapshot: the files it names stay
        on disk for two more commits)."""
        _ = self._codes

    products = property(lambda self: self._codes.products, doc="Products by code.")
    compositions = property(lambda self: self._codes.compositions, doc="Compositions by their own code.")
    balances = property(
        lambda self: self._codes.balances,
        doc="Stock by code, for codes with a stock record (no record is not the same as zero).",
    )
    counted = property(
        lambda self: self._codes.counts,
        doc="When each code's stock was last set by a count (a CSV import or adjustment, an import from a "
        "listing): the stock is the truth at that moment (docs/internals.md, 'The count is the truth').",
    )

    @cached_property
    def children(self) -> dict[str, list[Composition]]:
        """Compositions by parent product code."""
        base = self._base
        if base is not None and base.compositions is self.compositions:
            return base.children  # the same compositions (a write copies them first): the same index
        by_parent: dict[str, list[Composition]] = {}
        for composition in self.compositions.values():
            by_parent.setdefault(composition.parent_code, []).append(composition)
        return by_parent

    def _ledger_docs(self) -> Iterator[dict[str, Any]]:
        """The committed ledger, oldest first, a line at a time (then this transaction's movements)."""
        if self.old:
            yield from _in_order(self._db, MOVEMENTS)
        else:
            path = self.ledger_path
            for line, number in erp_files.read_ledger(path, self.files.ledger_bytes):
                yield erp_files.parse_movement_line(path, line, number)

    @cached_property
    def movement_keys(self) -> set[str]:
        """The keys of the movements in the ledger (booked sales and cancellations): "already booked?"."""
        if self._base is not None and "movement_keys" in self._base.__dict__:
            return set(self._base.movement_keys) if self.writing else self._base.movement_keys
        keys: set[str] = set()
        if self.old:
            keys.update(doc["key"] for doc in self._ledger_docs() if doc.get("key"))
        else:
            path = self.ledger_path
            for line, number in erp_files.read_ledger(path, self.files.ledger_bytes):
                if b'"key":null' in line:  # most movements (counts, imports) have none: not parsed
                    continue
                key = erp_files.parse_movement_line(path, line, number).get("key")
                if key:
                    keys.add(key)
        keys.update(m.key for m in self._new if m.key)
        return keys

    @cached_property
    def _movement_counts(self) -> Counter[str]:
        if self._base is not None and "_movement_counts" in self._base.__dict__:
            shared = self._base._movement_counts
            return Counter(shared) if self.writing else shared
        counts: Counter[str] = Counter(doc["code"] for doc in self._ledger_docs())
        counts.update(m.code for m in self._new)
        return counts

    def movements(self, code: str | None = None) -> list[StockMovement]:
        """The ledger in the order it was recorded, for one code or all."""
        found = [_movement(doc) for doc in self._ledger_docs() if code is None or doc["code"] == code]
        return found + [m for m in self._new if code is None or m.code == code]

    def movement_count(self, code: str) -> int:
        return self._movement_counts[code]

    @cached_property
    def _customers(self) -> tuple[dict[int, Customer], dict[int, int]]:
        objects, ids = {}, {}
        with paused_gc():
            for doc in _in_order(self._db, CUSTOMERS):
                objects[doc["buyer_id"]] = _customer(doc)
                ids[doc["buyer_id"]] = doc.doc_id
        return objects, ids

    customers = property(lambda self: self._customers[0], doc="Customers by Mercado Livre buyer id.")

    # -- bulk writes (inside a transaction) ---------------------------------------------------------------

    def _put(self, table: str, entries: Iterable[tuple[str, Any]]) -> tuple[int, int]:
        """Set (key, value) entries in a catalogue table; returns (created, updated) (unchanged ones not counted).
        The table is copied from the one read (if still shared) only when an entry changes."""
        values: dict[str, Any] = getattr(self._codes, table)
        changes: dict[str, Any] = {}
        created = updated = 0
        for k, value in entries:
            old = changes.get(k, values.get(k))
            if old is None:
                created += 1
            elif old != value:
                updated += 1
            else:
                continue
            changes[k] = value
        if changes:
            self._codes.writable(table).update(changes)
            self._codes_changed = True
        return created, updated

    def put_products(self, products: Iterable[Product]) -> tuple[int, int]:
        return self._put("products", ((p.code, p) for p in products))

    def put_compositions(self, compositions: Iterable[Composition]) -> tuple[int, int]:
        self.__dict__.pop("children", None)  # rebuilt on next use
        return self._put("compositions", ((c.code, c) for c in compositions))

    def put_customers(self, customers: Iterable[Customer]) -> tuple[int, int]:
        """Insert new customers, replace changed ones (same doc ids, never changed in place: a reader holding
        the previous content keeps it), skip unchanged ones: one TinyDB call of each kind."""
        values, ids = self._customers
        new_docs: dict[int, dict[str, Any]] = {}
        changed: dict[int, dict[str, Any]] = {}
        for buyer_id, customer in ((c.buyer_id, c) for c in customers):
            if buyer_id in ids:
                if values[buyer_id] != customer:
                    changed[buyer_id] = customer_doc(customer)
            else:
                new_docs[buyer_id] = customer_doc(customer)
            values[buyer_id] = customer
        table = self._db.table(CUSTOMERS)
        if changed:
            table.remove(doc_ids=[ids[k] for k in changed])
            table.insert_multiple(Document(doc, doc_id=ids[k]) for k, doc in changed.items())
        if new_docs:
            ids.update(zip(new_docs, table.insert_multiple(new_docs.values()), strict=True))
        return len(new_docs), len(changed)

    def append_movements(
        self,
        movements: list[StockMovement],
        new_records: Iterable[str] = (),
        counted: dict[str, datetime] | None = None,
    ) -> None:
        """Add `movements` to the ledger and move each code's balance by their quantities, in the same write.
        `new_records` are codes that get a stock record (at zero) even without a movement. The codes of
        movements that set a count, and those of `counted` (a count equal to the balance: no movement),
        are counted at that time."""
        balances = self.balances
        moved: dict[str, int] = {code: 0 for code in new_records if code not in balances}
        counts = dict(counted or {})
        for movement in movements:
            moved[movement.code] = moved.get(movement.code, balances.get(movement.code, 0)) + movement.quantity
            if movement.sets_count and (movement.code not in counts or movement.time > counts[movement.code]):
                counts[movement.code] = movement.time
        self._put("counts", counts.items())
        self._put("balances", moved.items())
        if movements:
            self._new.extend(movements)
            if "movement_keys" in self.__dict__:
                self.movement_keys.update(m.key for m in movements if m.key)
            if "_movement_counts" in self.__dict__:
                self._movement_counts.update(m.code for m in movements)

    def flush(self) -> None:
        """Write this transaction's movements and catalogue beside erp.json and name them in it (erp.json's
        own commit, at the end of the transaction, makes them the committed state). Nothing when unchanged."""
        if not (self._new or self._codes_changed or self.old):
            return
        files = self.files
        named = [files.codes, *_named_by_copies(self.home)]
        erp_files.remove_unnamed_codes(self.home, named)
        if self.old:
            # The first write after an upgrade: the ledger and the catalogue leave erp.json (kept as it was).
            _keep_old_copy(self.home)
            docs = (*(dict(doc) for doc in _in_order(self._db, MOVEMENTS)), *map(movement_doc, self._new))
            ledger_bytes = erp_files.write_ledger(self.ledger_path, docs)
        elif self._new:
            ledger_bytes = erp_files.append_ledger(self.ledger_path, files.ledger_bytes, map(movement_doc, self._new))
        else:
            ledger_bytes = files.ledger_bytes
        codes = files.codes
        if self._codes_changed or self.old or codes is None:
            codes = erp_files.new_codes_name()
            erp_files.write_codes(self.home / codes, self._codes.rows())
        self.files = Files(codes, ledger_bytes)
        for name in OLD_TABLES:
            if name in self._db.tables():
                self._db.drop_table(name)
        table = self._db.table(FILES_TABLE)
        table.truncate()
        table.insert(Document(self.files.to_doc(), doc_id=int(FILES_ID)))
        self.old = False
        self._new = []
        self._codes_changed = False


_CODES_NAME = re.compile(rb'"codes":"(' + re.escape(erp_files.CODES_PREFIX.encode()) + rb'[0-9a-f]+\.jsonl)"')


def _named_by_copies(home: Path) -> list[str]:
    """The codes files erp.json's copies name (found in their bytes: an older copy may be large)."""
    names = []
    for number in range(1, KEEP + 1):
        try:
            with (
                open(generation_path(home / "erp.json", number), "rb") as fh,
                mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as content,
            ):
                names += [m.decode() for m in _CODES_NAME.findall(content)]
        except (OSError, ValueError):  # absent, or empty (ValueError: nothing to map)
            continue
    return names


def _keep_old_copy(home: Path) -> None:
    old, copy = home / "erp.json", home / OLD_COPY
    if copy.exists() or not old.exists():
        return
    try:
        os.link(old, copy)  # melisync never changes a file in place: the link keeps this content
    except OSError:
        import shutil

        shutil.copy2(old, copy)

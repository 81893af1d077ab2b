"""erp.json's tables as ERP domain objects, and the bulk writes the catalogue needs (the rules live in
`services/erp/catalog.py`).

Each table is read once into a dict keyed by code and written with one TinyDB call per table, so a
batch of 50,000 products costs a few passes over the table, not one pass per product.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, TypeVar

from tinydb import TinyDB
from tinydb.table import Document

from services.address import ERP_ADDRESS_FIELDS, Address
from services.erp.models import Composition, Customer, MovementKind, Product, StockMovement
from services.store.storage import paused_gc

PRODUCTS, COMPOSITIONS, MOVEMENTS, BALANCES, CUSTOMERS, COUNTS = (
    "products",
    "compositions",
    "movements",
    "balances",
    "customers",
    "counts",
)
_SOURCE_FIELDS = ("order_id", "item_id", "variation_id", "run_id")

V = TypeVar("V")


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


def _doc_id(doc: Document) -> int:
    return doc.doc_id


class ErpTables:
    """One consistent read of erp.json (from `store.db()`, or `store.transaction()` to write too).

    The dicts are built on first use and kept up to date by the `put_*`/`append_*` methods.
    Callers must not change them.
    """

    def __init__(self, db: TinyDB):
        self._db = db

    # -- reads ------------------------------------------------------------------------------------------

    def _indexed(self, table: str, key: str, build: Callable[[Document], V]) -> tuple[dict[Any, V], dict[Any, int]]:
        objects: dict[Any, V] = {}  # by code, or by buyer id (customers)
        ids: dict[Any, int] = {}
        with paused_gc():
            # In doc id order, i.e. the order records were first added (a replaced document keeps its id).
            for doc in sorted(self._db.table(table).all(), key=_doc_id):
                objects[doc[key]] = build(doc)
                ids[doc[key]] = doc.doc_id
        return objects, ids

    @cached_property
    def _products(self) -> tuple[dict[str, Product], dict[str, int]]:
        return self._indexed(PRODUCTS, "code", _product)

    @property
    def products(self) -> dict[str, Product]:
        """Products by code."""
        return self._products[0]

    @cached_property
    def _compositions(self) -> tuple[dict[str, Composition], dict[str, int]]:
        return self._indexed(COMPOSITIONS, "code", _composition)

    @property
    def compositions(self) -> dict[str, Composition]:
        """Compositions by their own code."""
        return self._compositions[0]

    @cached_property
    def children(self) -> dict[str, list[Composition]]:
        """Compositions by parent product code."""
        by_parent: dict[str, list[Composition]] = {}
        for composition in self.compositions.values():
            by_parent.setdefault(composition.parent_code, []).append(composition)
        return by_parent

    @cached_property
    def _balances(self) -> tuple[dict[str, int], dict[str, int]]:
        return self._indexed(BALANCES, "code", lambda doc: doc["quantity"])

    @property
    def balances(self) -> dict[str, int]:
        """Stock by code, for codes with a stock record (no record is not the same as zero)."""
        return self._balances[0]

    @cached_property
    def _counts(self) -> tuple[dict[str, datetime], dict[str, int]]:
        return self._indexed(COUNTS, "code", lambda doc: datetime.fromisoformat(doc["at"]))

    @cached_property
    def counted(self) -> dict[str, datetime]:
        """When each code's stock was last set by a count (a CSV import or adjustment, an import from a
        listing): the stock is the truth at that moment (docs/internals.md, "The count is the truth")."""
        counted = dict(self._counts[0])
        missing = {code for code in self.balances if code not in counted}
        if missing:  # a file from before the counts table: the ledger says when the stock was last set
            for doc in self._db.table(MOVEMENTS).all():
                if doc["code"] in missing and doc["kind"] in _COUNT_KINDS:
                    at = datetime.fromisoformat(doc["time"])
                    if doc["code"] not in counted or at > counted[doc["code"]]:
                        counted[doc["code"]] = at
        return counted

    @cached_property
    def movement_keys(self) -> set[str]:
        return {doc["key"] for doc in self._db.table(MOVEMENTS).all() if doc.get("key")}

    def movements(self, code: str | None = None) -> list[StockMovement]:
        """The ledger in the order it was recorded, for one code or all."""
        docs = self._db.table(MOVEMENTS).all()
        return [_movement(doc) for doc in docs if code is None or doc["code"] == code]

    def movement_count(self, code: str) -> int:
        return sum(1 for doc in self._db.table(MOVEMENTS).all() if doc["code"] == code)

    @cached_property
    def _customers(self) -> tuple[dict[int, Customer], dict[int, int]]:
        return self._indexed(CUSTOMERS, "buyer_id", _customer)

    @property
    def customers(self) -> dict[int, Customer]:
        """Customers by Mercado Livre buyer id."""
        return self._customers[0]

    # -- bulk writes (inside a transaction) ---------------------------------------------------------------

    def _put(
        self,
        table: str,
        index: tuple[dict[Any, Any], dict[Any, int]],
        entries: Iterable[tuple[Any, Any]],
        to_doc: Callable[[Any, Any], dict[str, Any]],
    ) -> tuple[int, int]:
        """Insert new (key, value) entries, replace changed ones, skip unchanged ones: one TinyDB call of
        each kind. Returns (created, updated)."""
        values, ids = index
        new_docs: dict[Any, dict[str, Any]] = {}
        changed: dict[Any, dict[str, Any]] = {}
        for k, value in entries:
            if k in ids:
                if values[k] != value:
                    changed[k] = to_doc(k, value)
            else:
                new_docs[k] = to_doc(k, value)
            values[k] = value
        if changed:
            # Replaced (same doc ids), never changed in place: a reader holding the previous content keeps it.
            self._db.table(table).remove(doc_ids=[ids[k] for k in changed])
            self._db.table(table).insert_multiple(Document(doc, doc_id=ids[k]) for k, doc in changed.items())
        if new_docs:
            new_ids = self._db.table(table).insert_multiple(new_docs.values())
            ids.update(zip(new_docs, new_ids, strict=True))
        return len(new_docs), len(changed)

    def put_products(self, products: Iterable[Product]) -> tuple[int, int]:
        return self._put(PRODUCTS, self._products, ((p.code, p) for p in products), lambda _, p: product_doc(p))

    def put_compositions(self, compositions: Iterable[Composition]) -> tuple[int, int]:
        self.__dict__.pop("children", None)  # rebuilt on next use
        return self._put(
            COMPOSITIONS, self._compositions, ((c.code, c) for c in compositions), lambda _, c: composition_doc(c)
        )

    def put_customers(self, customers: Iterable[Customer]) -> tuple[int, int]:
        return self._put(CUSTOMERS, self._customers, ((c.buyer_id, c) for c in customers), lambda _, c: customer_doc(c))

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
        if counts:
            self._put(COUNTS, self._counts, counts.items(), lambda code, at: {"code": code, "at": at.isoformat()})
            self.__dict__.pop("counted", None)  # rebuilt on next use
        if movements:
            self._db.table(MOVEMENTS).insert_multiple(movement_doc(m) for m in movements)
            if "movement_keys" in self.__dict__:
                self.movement_keys.update(m.key for m in movements if m.key)
        self._put(BALANCES, self._balances, moved.items(), lambda code, quantity: {"code": code, "quantity": quantity})

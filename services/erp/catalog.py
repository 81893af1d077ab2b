"""The local ERP catalogue (erp.json): products, compositions, the stock ledger with its balances, customers,
and the S8 conversion of a product into one with compositions.

Reads are cached until the file changes. Every write method is one locked, atomic write; group several in
`with catalog.transaction():` to make them one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from services.erp.models import Composition, Customer, MovementKind, Product, StockMovement
from services.errors import BadInput
from services.i18n import N_
from services.linking import CatalogueView
from services.store import ERP, Store, open_store
from services.store.erp_files import SideFileDamaged
from services.store.erp_tables import ErpTables, is_old_format


@dataclass(frozen=True)
class Upserted:
    """How many records a bulk write created and changed (unchanged ones are not counted)."""

    created: int = 0
    updated: int = 0


@dataclass(frozen=True)
class Recorded:
    """The outcome of recording stock movements: those written, and those whose key was already there."""

    recorded: tuple[StockMovement, ...] = ()
    duplicates: tuple[StockMovement, ...] = ()


@dataclass(frozen=True)
class Conversion:
    """S8: turning a product without variations into one with compositions (a preview, or what was done)."""

    product_code: str
    compositions: tuple[Composition, ...]
    movements_zeroed: int  # how many stock movements of the product the conversion zeroes
    balance_zeroed: int  # the product's stock before the conversion
    applied: bool = False
    reset: StockMovement | None = field(default=None)  # the `reset` movement written (when applied)


def now() -> datetime:
    return datetime.now(UTC)


class Catalog:
    """The ERP catalogue of one melisync home."""

    def __init__(self, store: Store | None = None, home: Path | None = None):
        self.store = store or open_store(ERP, home)
        self._cached: tuple[int, ErpTables] | None = None
        self._local = threading.local()  # the tables of this thread's open transaction

    # -- reads --------------------------------------------------------------------------------------------

    def _tables(self) -> ErpTables:
        writing: ErpTables | None = getattr(self._local, "writing", None)
        if writing is not None:
            return writing
        cached = self._cached
        if cached is None or cached[0] != self.store.generation:
            for attempt in range(3):
                generation, db = self.store.snapshot()
                tables = ErpTables(db, self.store.path.parent, base=cached[1] if cached else None)
                try:
                    tables.load()
                    break
                except SideFileDamaged:
                    # Two commits of other processes between our read of erp.json and of the codes file it
                    # names remove that file: read erp.json again. Damaged for real: the same error again.
                    if attempt == 2 or generation == self.store.generation:
                        raise
            cached = self._cached = (generation, tables)
        return cached[1]

    def products(self) -> Mapping[str, Product]:
        """Every product by code."""
        return MappingProxyType(self._tables().products)

    def compositions(self) -> Mapping[str, Composition]:
        """Every composition by its own code."""
        return MappingProxyType(self._tables().compositions)

    def compositions_of(self, product_code: str) -> list[Composition]:
        """The compositions under a product, in the order they were added."""
        return list(self._tables().children.get(product_code, ()))

    def compositions_by_parent(self) -> Mapping[str, list[Composition]]:
        return MappingProxyType(self._tables().children)

    def balances(self) -> Mapping[str, int]:
        """Stock by code, for codes with a stock record (no record is not the same as zero)."""
        return MappingProxyType(self._tables().balances)

    def balance(self, code: str) -> int | None:
        balance: int | None = self._tables().balances.get(code)
        return balance

    def counted_at(self) -> Mapping[str, datetime]:
        """When each code's stock was last set by a count (CSV import or adjustment, import from a listing):
        the count is the truth at that moment, so a sale closed after it is taken off and one closed
        before it is already in it. Codes without a stock record have none."""
        return MappingProxyType(self._tables().counted)

    def movements(self, code: str | None = None) -> list[StockMovement]:
        """The stock ledger in recording order, for one code or all."""
        return self._tables().movements(code)

    def movement_keys(self) -> frozenset[str]:
        """The idempotency keys already in the ledger."""
        return frozenset(self._tables().movement_keys)

    def customers(self) -> Mapping[int, Customer]:
        """Every customer by Mercado Livre buyer id."""
        return MappingProxyType(self._tables().customers)

    def view(self) -> CatalogueView:
        """What linking needs (services.linking.CatalogueView), from one consistent read."""
        tables = self._tables()
        return CatalogueView(tables.products.values(), tables.compositions.values(), tables.balances)

    def knows(self, code: str) -> bool:
        tables = self._tables()
        return code in tables.products or code in tables.compositions

    # -- writes -------------------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Catalog]:
        """Group writes into one locked, atomic file write; reads inside see the changes made so far.
        Nothing is written if the block raises."""
        if getattr(self._local, "writing", None) is not None:
            yield self
            return
        with self.store.transaction() as db:
            cached = self._cached
            base = cached[1] if cached else None
            self._local.writing = tables = ErpTables(db, self.store.path.parent, base=base, writing=True)
            try:
                yield self
                tables.flush()  # before erp.json is written: erp.json's commit makes them the committed state
            except BaseException:
                self._cached = None
                raise
            finally:
                self._local.writing = None
        # What was just committed, read from the transaction's tables instead of the files again.
        generation, db = self.store.snapshot()
        self._cached = (generation, ErpTables(db, self.store.path.parent, base=tables))
        tables.detach()  # the new reader starts from these tables: the ones before them can go

    def convert_older_file(self) -> bool:
        """Convert an erp.json written before issue 16 (the ledger and the whole catalogue inside it, parsed
        whole by every read) to the current layout, once (the old file is kept as erp.json.v1). False when
        there was nothing to convert. Writing commands call it; reading ones read an older file as it is."""
        if not is_old_format(self.store.db()):
            return False
        with self.transaction():
            pass  # the transaction's flush converts
        return True

    def add_products(self, products: Iterable[Product]) -> Upserted:
        """Create or update products by code. A product that has compositions keeps `has_variations`."""
        with self.transaction():
            tables = self._tables()
            fixed = []
            for product in products:
                if product.code in tables.compositions:
                    raise BadInput(N_("{code} is a composition code; it cannot also be a product"), code=product.code)
                if not product.has_variations and tables.children.get(product.code):
                    product = replace(product, has_variations=True)
                fixed.append(product)
            return Upserted(*tables.put_products(fixed))

    def add_compositions(self, compositions: Iterable[Composition]) -> Upserted:
        """Create or update compositions by code; each parent must be a product that already has variations
        or has no stock movements (otherwise use `convert_to_compositions`, rule S8)."""
        with self.transaction():
            tables = self._tables()
            compositions = list(compositions)
            parents: dict[str, Product] = {}
            for composition in compositions:
                parent = tables.products.get(composition.parent_code)
                if composition.code in tables.products:
                    raise BadInput(
                        N_("{code} is a product code; it cannot also be a composition"), code=composition.code
                    )
                if parent is None:
                    raise BadInput(
                        N_(
                            "composition {code}: its product {parent_code} is not in the catalogue; add the product first"
                        ),
                        code=composition.code,
                        parent_code=composition.parent_code,
                    )
                if not parent.has_variations:
                    zeroed = tables.movement_count(parent.code)
                    if zeroed:
                        raise BadInput(
                            N_(
                                "product {code} has no variations and {zeroed} stock movements; adding compositions zeroes them (rule S8): convert it with convert_to_compositions"
                            ),
                            code=parent.code,
                            zeroed=zeroed,
                        )
                    parents[parent.code] = replace(parent, has_variations=True)
            tables.put_products(parents.values())
            return Upserted(*tables.put_compositions(compositions))

    def record_movements(
        self,
        movements: Iterable[StockMovement],
        *,
        new_records: Iterable[str] = (),
        counted: Mapping[str, datetime] | None = None,
    ) -> Recorded:
        """Add stock movements and move the balances, in one write. A movement whose `key` is already in
        the ledger (or earlier in this call) is not recorded again: it comes back in `duplicates`.

        Each code must be a composition or a product without variations. `new_records`: codes that get a
        stock record at zero even if no movement is recorded for them (e.g. a first count of 0).
        `counted`: codes counted at a time with no movement (the count equals the balance); import and
        adjustment movements count their code at their own time.
        """
        with self.transaction():
            tables = self._tables()
            keys = tables.movement_keys
            seen: set[str] = set()
            recorded: list[StockMovement] = []
            duplicates: list[StockMovement] = []
            for movement in movements:
                self._check_stock_code(tables, movement.code)
                if movement.key and (movement.key in keys or movement.key in seen):
                    duplicates.append(movement)
                    continue
                if movement.key:
                    seen.add(movement.key)
                recorded.append(movement)
            new_records = list(new_records)
            counted = dict(counted or {})
            for code in [*new_records, *counted]:
                self._check_stock_code(tables, code)
            tables.append_movements(recorded, new_records, counted)
            return Recorded(tuple(recorded), tuple(duplicates))

    def record_movement(self, movement: StockMovement) -> bool:
        """Record one movement; False when its key was already in the ledger (nothing done)."""
        return bool(self.record_movements([movement]).recorded)

    @staticmethod
    def _check_stock_code(tables: ErpTables, code: str) -> None:
        product = tables.products.get(code)
        if product is None and code not in tables.compositions:
            raise BadInput(
                N_("no product or composition {code} in the ERP catalogue: a stock movement needs one"), code=code
            )
        if product is not None and product.has_variations:
            raise BadInput(N_("product {code} has compositions: its stock is kept per composition"), code=code)

    def upsert_customers(self, customers: Iterable[Customer]) -> Upserted:
        """Create or update customers by buyer id. A field the new data leaves empty (None) keeps its value."""
        with self.transaction():
            tables = self._tables()
            merged: dict[int, Customer] = {}
            for customer in customers:
                old = merged.get(customer.buyer_id) or tables.customers.get(customer.buyer_id)
                merged[customer.buyer_id] = customer.over(old)
            return Upserted(*tables.put_customers(merged.values()))

    def convert_to_compositions(
        self, product_code: str, compositions: Iterable[Composition], *, preview: bool = True, reference: str = ""
    ) -> Conversion:
        """Rule S8: give a product without variations its compositions. Its stock movements are zeroed by
        one `reset` movement that says how many there were. With `preview=True` nothing is written."""
        with self.transaction() if not preview else _nothing():
            tables = self._tables()
            product = tables.products.get(product_code)
            if product is None:
                raise BadInput(N_("no product {product_code} in the ERP catalogue"), product_code=product_code)
            if product.has_variations:
                raise BadInput(
                    N_("product {product_code} already has variations; add compositions instead"),
                    product_code=product_code,
                )
            compositions = tuple(replace(c, parent_code=product_code) for c in compositions)
            if not compositions:
                raise BadInput(
                    N_("converting {product_code} needs at least one composition"), product_code=product_code
                )
            for composition in compositions:
                if composition.code in tables.products or composition.code in tables.compositions:
                    raise BadInput(N_("code {code} is already in the ERP catalogue"), code=composition.code)
            if len({c.code for c in compositions}) != len(compositions):
                raise BadInput(N_("the compositions repeat a code"))
            count = tables.movement_count(product_code)
            balance = tables.balances.get(product_code, 0)
            conversion = Conversion(product_code, compositions, count, balance)
            if preview:
                return conversion
            reset = None
            if count:
                reset = StockMovement(
                    product_code,
                    MovementKind.RESET,
                    -balance,
                    now(),
                    reference or f"converted to compositions: {count} movements zeroed",
                )
                tables.append_movements([reset])
            tables.put_products([replace(product, has_variations=True)])
            tables.put_compositions(compositions)
            return replace(conversion, applied=True, reset=reset)


@contextmanager
def _nothing() -> Iterator[None]:
    yield

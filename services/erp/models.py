"""ERP domain objects. The ERP is the truth for stock (rule S4); its stock is a ledger of movements."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from services.address import Address, keep_known


@dataclass(frozen=True, slots=True)
class Product:
    """An ERP product; `code` is the internal code the listing's reference code must carry (S6)."""

    code: str
    name: str
    price: Decimal
    has_variations: bool = False


@dataclass(frozen=True, slots=True)
class Composition:
    """A product variation ("composição"): its own internal code, under a parent product (S7)."""

    code: str
    parent_code: str
    attributes: tuple[tuple[str, str], ...] = ()  # ("Cor", "Azul"), ("Tamanho", "M")

    @property
    def label(self) -> str:
        return " / ".join(f"{name}: {value}" for name, value in self.attributes)


class MovementKind(StrEnum):
    IMPORT = "import"  # stock brought in from a listing on the first sync (S5)
    ADJUSTMENT = "adjustment"  # CSV import or a manual correction: the difference to the new count
    SALE = "sale"  # a paid Mercado Livre order (negative); a cancellation compensates (positive)
    # A paid order closed before its code's stock was counted: its units are already out of the count, so
    # quantity 0. Recorded so that the ledger knows the sale (never taken off again) and a later
    # cancellation gives the units back once, as for any booked sale.
    SALE_COUNTED = "sale_counted"
    RESET = "reset"  # S8: movements zeroed when a product is converted to compositions


@dataclass(frozen=True, slots=True)
class StockMovement:
    """One line of the stock ledger. `key`, when set, makes the movement idempotent (one per key)."""

    code: str  # product code (no variations) or composition code
    kind: MovementKind
    quantity: int  # signed delta
    time: datetime
    reference: str = ""  # e.g. "order:2000003508897196", "csv import stock.csv"
    key: str | None = None  # e.g. "sale:2000003508897196:MLB123:174390848694"
    # Where a movement made by a sync comes from: the order (sales), the listing and variation, the run.
    order_id: int | None = None
    item_id: str | None = None
    variation_id: int | None = None
    run_id: int | None = None

    @property
    def sets_count(self) -> bool:
        """A movement that sets the stock to a counted figure (the count is the truth from its time on)."""
        return self.kind in (MovementKind.IMPORT, MovementKind.ADJUSTMENT)


@dataclass(frozen=True, slots=True)
class Customer:
    """A buyer imported from Mercado Livre orders."""

    buyer_id: int
    name: str | None = None
    doc_type: str | None = None  # CPF / CNPJ
    doc_number: str | None = None
    address: Address = field(default_factory=Address)  # no country: the ERP keeps none (ERP_ADDRESS_FIELDS)

    def over(self, known: Customer | None) -> Customer:
        """This customer's data laid over what the ERP `known`: a field left empty (None) keeps its value."""
        if known is None:
            return self
        return replace(keep_known(self, known), address=keep_known(self.address, known.address))

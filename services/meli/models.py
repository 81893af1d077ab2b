"""Domain objects for the Mercado Livre side, parsed from API payloads by `services.meli.parse`.

Ids follow docs/mercado-livre-api.md §12.11: listing ids and user product ids are strings ("MLB…", "MLBU…"),
variation ids and user ids are Python ints (arbitrary precision, so int64 is safe), family ids strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from services.address import Address

__all__ = ["Address", "BillingInfo"]  # Address: one shape for ML's billing info and the ERP's customer

SELLER_SKU = "SELLER_SKU"
KIT_TAG = "bundle"  # a listing that is one of Mercado Livre's kits ("Kits virtuais")
KIT_COMPONENT_TAG = "bundle_component"  # an order for one component of a kit sale


@dataclass(frozen=True)
class Account:
    """The connected seller (`GET /users/me`)."""

    user_id: int
    nickname: str
    site_id: str
    tags: tuple[str, ...] = ()

    @property
    def user_products(self) -> bool:
        """Seller on the User Products model (one listing per variant, stock shared per user product)."""
        return "user_product_seller" in self.tags

    @property
    def warehouse_management(self) -> bool:
        """Seller with multi-origin stock: `PUT /items` quantity is ignored; use the warehouse stock API."""
        return "warehouse_management" in self.tags


# slots (no __dict__ per object): a sync holds every listing and variation at once, 50k and 107k of them at 50k
# listings (issue 16: memory per listing).
@dataclass(frozen=True, slots=True)
class Variation:
    """A legacy variation inside a listing's `variations` array."""

    id: int
    attributes: tuple[tuple[str, str], ...]  # the attribute combination: (name, value) pairs in ML order
    reference_code: str | None  # SELLER_SKU attribute, else seller_custom_field
    available_quantity: int
    inventory_id: str | None = None
    user_product_id: str | None = None
    price: Decimal | None = None

    @property
    def label(self) -> str:
        """What a seller reads: "Cor: Azul / Tamanho: M"."""
        return combination_label(self.attributes)


@lru_cache(maxsize=4096)
def combination_label(attributes: tuple[tuple[str, str], ...]) -> str:
    # One text per combination, however many variations (and link rows) carry it: combinations repeat across
    # listings, and each row of the links table keeps its label.
    return " / ".join(f"{name}: {value}" for name, value in attributes)


@dataclass(frozen=True, slots=True)
class Listing:
    """A Mercado Livre listing ("anúncio"), with its variations when it has the legacy array."""

    id: str
    title: str
    price: Decimal
    currency_id: str
    available_quantity: int
    status: str
    sub_status: tuple[str, ...] = ()
    reference_code: str | None = None  # item-level SELLER_SKU, else seller_custom_field
    variations: tuple[Variation, ...] = ()
    logistic_type: str | None = None
    inventory_id: str | None = None
    user_product_id: str | None = None
    family_name: str | None = None
    family_id: str | None = None
    listing_type_id: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def is_fulfillment(self) -> bool:
        """Full: stock lives in Mercado Livre's warehouses and cannot be written (docs/mercado-livre-api.md §5, §6.5)."""
        return self.logistic_type == "fulfillment"

    @property
    def is_kit(self) -> bool:
        """Mercado Livre's own kit (tag `bundle`): its stock is computed from its components' stock."""
        return KIT_TAG in self.tags

    @property
    def in_user_products_model(self) -> bool:
        return self.family_name is not None

    def variation(self, variation_id: int) -> Variation | None:
        return next((v for v in self.variations if v.id == variation_id), None)


@dataclass(frozen=True)
class OrderItem:
    listing_id: str
    variation_id: int | None
    title: str
    quantity: int
    unit_price: Decimal
    reference_code: str | None = None  # seller_sku / seller_custom_field as the order carries them


@dataclass(frozen=True)
class Order:
    id: int
    status: str
    date_created: datetime
    date_last_updated: datetime
    buyer_id: int
    items: tuple[OrderItem, ...]
    billing_info_id: str | None = None
    shipping_id: int | None = None
    pack_id: int | None = None
    tags: tuple[str, ...] = ()
    # When the order was first confirmed/paid: the moment Mercado Livre took the units off the listing
    # (docs/mercado-livre-api.md §8.2). None while unpaid. A sale belongs to a stock count taken after this moment.
    date_closed: datetime | None = None

    @property
    def closed(self) -> datetime:
        return self.date_closed or self.date_created


@dataclass(frozen=True)
class BillingInfo:
    """Buyer fiscal data from `/orders/billing-info/MLB/{id}`; any field may be missing (still PROCESSING)."""

    name: str | None
    doc_type: str | None  # CPF, CNPJ, RG
    doc_number: str | None
    address: Address = field(default_factory=Address)


@dataclass(frozen=True)
class StockLocation:
    """One place a user product's stock is kept (`GET /user-products/{id}/stock`, docs/mercado-livre-api.md §6.5):
    `seller_warehouse` (with its store), `meli_facility` (Full: never written) or `selling_address`."""

    type: str
    quantity: int
    store_id: str | None = None
    network_node_id: str | None = None


@dataclass(frozen=True)
class UserProductStock:
    """The stock of one user product, per location."""

    user_product_id: str
    locations: tuple[StockLocation, ...] = ()

    def warehouse(self, store_id: str | None) -> StockLocation | None:
        return next((l for l in self.locations if l.type == "seller_warehouse" and l.store_id == store_id), None)


@dataclass(frozen=True)
class Warehouse:
    """A seller's own warehouse (`GET /users/{id}/stores/search?tags=stock_location`)."""

    store_id: str
    network_node_id: str | None = None
    description: str = ""

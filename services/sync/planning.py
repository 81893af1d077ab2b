"""Plan a whole sync from what was read: products, then the orders step, then stock (pure).

Later steps are planned against the ERP as the earlier steps will leave it (imported products,
recorded sales), so a dry run shows exactly what applying would do.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from services.erp.models import Customer
from services.input_rules import DEFAULT_MAX_STOCK
from services.linking import (
    MIGRATION_SOURCE,
    CatalogueView,
    Link,
    LinkState,
    Previous,
    build_links,
    count_by_state,
    held_rows,
    links_by_key,
)
from services.meli.models import BillingInfo, Listing, Order, UserProductStock
from services.reasons import Code, Reason
from services.sync.holds import holds_note, plan_holds
from services.sync.orders import plan_orders, rows_sold
from services.sync.plan import ActionStatus, Overlay, Plan, SyncKind, balances_after
from services.sync.products import catalogue_after, plan_products
from services.sync.stock import WAREHOUSE_TAG, WarehouseChoice, plan_stock, with_warehouse_stock

STEPS: dict[SyncKind, tuple[str, ...]] = {
    SyncKind.PRODUCTS: ("products",),
    SyncKind.CUSTOMERS: ("orders", "buyers"),
    SyncKind.STOCK: ("orders", "stock"),
    SyncKind.ALL: ("products", "orders", "buyers", "stock"),
    SyncKind.WATCH: ("orders", "stock"),
}


@dataclass
class Snapshot:
    """Everything a plan is computed from, read before planning (no I/O after this point)."""

    listings: list[Listing]
    catalogue: CatalogueView
    previous: Previous = field(default_factory=dict)  # the last sync's links (by key, or any rows)
    ignored: set[str] = field(default_factory=set)
    orders: list[Order] = field(default_factory=list)  # orders whose sales to record
    held_orders: list[Order] = field(default_factory=list)  # orders that took stock and are not paid yet (holds)
    buyer_orders: list[Order] | None = None  # orders whose buyers to record (None: the same as `orders`)
    recorded: Container[str] = frozenset()  # stock movement keys already in the ledger
    counted: Mapping[str, datetime] = field(default_factory=dict)  # when each code's stock was last counted
    read_at: datetime | None = None  # when the listings were read: the count of what this run imports
    customers: Mapping[int, Customer] = field(default_factory=dict)
    billing: Mapping[str, BillingInfo] = field(default_factory=dict)
    safety_stock: int = 0
    max_stock: int = DEFAULT_MAX_STOCK  # a larger target is skipped, never published
    account_tags: tuple[str, ...] = ()  # the seller's tags (user_product_seller, warehouse_management)
    warehouse: WarehouseChoice | None = None  # multi-origin sellers: the warehouse written (or why none)
    up_stock: Mapping[str, UserProductStock] = field(default_factory=dict)  # multi-origin: stock per user product

    @property
    def multi_origin(self) -> bool:
        return WAREHOUSE_TAG in self.account_tags

    def let_go(self) -> None:
        """Once the plan is made, what only planning reads is let go (issue 16: memory per listing): the last sync's
        links (~40 MB at 50k listings) and the ERP's tables as they were read, which an ERP write while applying
        would otherwise leave held twice (the writer's copy becomes the catalogue). Applying reads the ERP and the
        stored links afresh; the listings, orders, holds and warehouse facts stay."""
        self.previous = {}
        self.catalogue = CatalogueView.shared({}, {}, {}, {})
        self.counted = {}


def make_plan(kind: SyncKind, snapshot: Snapshot) -> tuple[Plan, list[Link]]:
    """The plan of a `kind` sync and the links as they stand once it is applied."""
    steps = STEPS[kind]
    plan = Plan(kind=kind)
    catalogue = snapshot.catalogue
    counted = snapshot.counted
    if "products" in steps:
        # The links are built once, below, against the catalogue as the imports will leave it; the rows kept
        # out of the imports (link lost, ignored) do not depend on the catalogue.
        held = held_rows(snapshot.listings, snapshot.previous, snapshot.ignored)
        imports = plan_products(snapshot.listings, catalogue, held)
        if snapshot.read_at is not None:
            # An imported stock is the listing's quantity when it was read: a count taken then.
            imports = [
                replace(a, data={**a.data, "time": snapshot.read_at.isoformat()}) if a.data else a for a in imports
            ]
            read_at = snapshot.read_at
            counted = Overlay(
                {a.code: read_at for a in imports if a.status == ActionStatus.PLANNED and "quantity" in a.data}, counted
            )
        plan.actions += imports
        catalogue = catalogue_after(catalogue, imports)
    links = build_links(
        snapshot.listings, catalogue, snapshot.previous, snapshot.ignored, multi_origin=snapshot.multi_origin
    )
    plan.notes += migration_notes(snapshot.listings, snapshot.previous, links)
    links = mark_migrated(snapshot.listings, links)
    if snapshot.multi_origin:
        # The rows show what the stock plan compares with: the chosen warehouse's own quantity.
        links = with_warehouse_stock(links, snapshot.warehouse, snapshot.up_stock)
    balances = catalogue.balances
    by_key = rows_sold(links, [*snapshot.orders, *snapshot.held_orders])
    if "orders" in steps:
        buyers = (
            (snapshot.orders if snapshot.buyer_orders is None else snapshot.buyer_orders) if "buyers" in steps else None
        )
        moves = plan_orders(
            snapshot.orders,
            by_key,
            snapshot.recorded,
            balances,
            snapshot.customers,
            snapshot.billing,
            buyer_orders=buyers,
            counted=counted,
        )
        plan.actions += moves
        balances = balances_after(balances, moves)
    if "stock" in steps:
        holds = plan_holds(snapshot.held_orders, by_key, counted, snapshot.recorded)
        plan.notes += holds_note(holds)
        writes, plan.unchanged = plan_stock(
            links,
            balances,
            snapshot.safety_stock,
            snapshot.account_tags,
            snapshot.warehouse,
            snapshot.up_stock,
            max_stock=snapshot.max_stock,
            holds=holds,
        )
        plan.actions += writes
    plan.link_counts = count_by_state(links)
    return plan, links


# The reasons on the rows of a migrated legacy listing.
MIGRATED = frozenset({Code.MIGRATED, Code.MIGRATED_NOWHERE, Code.MIGRATED_NO_CODE})


def _is_migrated(reason: Reason | None) -> bool:
    if reason is None:
        return False
    if reason.code == Code.TEXT:  # written by an older melisync
        return str(reason.values.get("text", "")).startswith("migrated to User Products")
    return reason.code in MIGRATED


def _moved_to(old_id: str, code: str, links: list[Link]) -> str:
    """The listings that carry `code` now (the new listings of a migration), or "" when none does yet."""
    return ", ".join(
        sorted(
            {
                l.listing_id
                for l in links
                if l.erp_code == code
                and l.listing_id != old_id
                and l.state in (LinkState.LINKED, LinkState.NOT_WRITABLE)
            }
        )
    )


def _moved(code: str, where: str, somewhere: Code, nowhere: Code) -> Reason:
    """Where a migrated listing's code went: the listings that carry it now, or none yet."""
    return Reason(somewhere, code=code, where=where) if where else Reason(nowhere, code=code)


def migration_notes(listings: list[Listing], previous: Previous, links: list[Link]) -> list[Reason]:
    """Say where the links of a listing migrated to User Products went (docs/mercado-livre-api.md §6.6): never silently.
    Said once the migration ended (the old listing closed), and once: rows already marked as migrated by an
    earlier run are not reported again."""
    migrated = _migrated(listings)
    if not migrated:
        return []
    rows = links_by_key(previous).values()
    notes = []
    for old_id in sorted(migrated):
        codes = sorted(
            {l.erp_code for l in rows if l.listing_id == old_id and l.erp_code and not _is_migrated(l.reason)}
        )
        if not codes:
            continue
        now = [_moved(code, _moved_to(old_id, code, links), Code.MOVED_TO, Code.MOVED_NOWHERE) for code in codes]
        notes.append(Reason(Code.MIGRATION, old=old_id, moves=Reason.join(*now) or now[0]))
    return notes


def _migrated(listings: list[Listing]) -> set[str]:
    return {l.id for l in listings if MIGRATION_SOURCE in l.tags and l.status == "closed"}


def mark_migrated(listings: list[Listing], links: list[Link]) -> list[Link]:
    """The rows of a migrated legacy listing stay (their history with them), never written, saying where
    their code went; the new listings' rows are linked by their own reference code. (While the migration
    runs, the rows are not_writable as "being migrated".)"""
    migrated = _migrated(listings)
    if not migrated:
        return links
    out = []
    for link in links:
        if link.listing_id in migrated and link.state in (LinkState.LINKED, LinkState.NOT_WRITABLE):
            if link.erp_code:
                where = _moved_to(link.listing_id, link.erp_code, links)
                reason = _moved(link.erp_code, where, Code.MIGRATED, Code.MIGRATED_NOWHERE)
            else:
                reason = Reason(Code.MIGRATED_NO_CODE)
            link = replace(link, state=LinkState.NOT_WRITABLE, reason=reason)
        out.append(link)
    return out

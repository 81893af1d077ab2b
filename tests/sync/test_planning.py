"""Pure planning: S5 import, the orders step (idempotent sales, compensation, customers), S4 stock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from services.erp.models import Customer
from services.linking import LinkState, build_links
from services.meli.models import Address, BillingInfo
from services.sync.orders import cancel_key, plan_orders, sale_key
from services.sync.plan import ActionKind as K
from services.sync.plan import ActionStatus as St
from services.sync.plan import SyncKind
from services.sync.planning import Snapshot, make_plan
from services.sync.products import catalogue_after, plan_products
from services.sync.stock import plan_stock
from tests.fixtures.sync import catalogue, listing, order, variation
from words.reasons import say


def rows(actions):
    return [(a.kind, a.item_id, a.erp_code, a.from_, a.to, a.status) for a in actions]


# --- products (S5) ---------------------------------------------------------------------------------


def test_unknown_codes_become_products_with_import_stock():
    cat = catalogue(products=["OLD"])
    actions = plan_products([listing("MLB1", "NEW", qty=4, price="19.90", title="Caneca"), listing("MLB2", "OLD")], cat)
    assert rows(actions) == [(K.IMPORT_PRODUCT, "MLB1", "NEW", None, 4, St.PLANNED)]
    assert (
        actions[0].key == "import:NEW" and actions[0].data["price"] == "19.90" and actions[0].data["name"] == "Caneca"
    )


def test_listings_without_code_are_reported_not_invented():
    actions = plan_products([listing("MLB1", None), listing("MLB2", None, variations=[variation("V1")])], catalogue())
    assert [(a.status, a.item_id) for a in actions] == [(St.SKIPPED, "MLB1"), (St.SKIPPED, "MLB2")]
    assert "no reference code" in say(actions[0].reason) and "no reference code of its own" in say(actions[1].reason)


def test_variations_become_compositions_under_the_imported_product():
    v1, v2, v3 = variation("P-1", qty=2, attrs=[("Cor", "Azul")]), variation("P-2", qty=0), variation(None)
    actions = plan_products([listing("MLB1", "P", variations=[v1, v2, v3])], catalogue())
    assert [(a.kind, a.erp_code, a.to, a.status) for a in actions] == [
        (K.IMPORT_PRODUCT, "P", None, St.PLANNED),
        (K.IMPORT_COMPOSITION, "P-1", 2, St.PLANNED),
        (K.IMPORT_COMPOSITION, "P-2", 0, St.PLANNED),
        (K.IMPORT_COMPOSITION, None, None, St.SKIPPED),
    ]
    assert actions[0].data["has_variations"] is True and actions[1].data["parent_code"] == "P"
    after = catalogue_after(catalogue(), actions)
    assert after.compositions["P-1"].attributes == (("Cor", "Azul"),) and after.balances == {"P-1": 2, "P-2": 0}
    links = build_links([listing("MLB1", "P", variations=[v1, v2, v3])], after)
    assert [l.state for l in links] == [LinkState.LINKED, LinkState.LINKED, LinkState.NO_REFERENCE]


def test_one_code_on_two_listings_is_imported_once_and_rerun_imports_nothing():
    listings = [listing("MLB1", "A", qty=3), listing("MLB2", "A", qty=3)]
    actions = plan_products(listings, catalogue())
    assert [a.status for a in actions] == [St.PLANNED, St.SKIPPED] and "MLB1" in say(actions[1].reason)
    assert plan_products(listings, catalogue_after(catalogue(), actions)) == []


# --- orders ----------------------------------------------------------------------------------------

# Every code's stock was counted long before the orders of these tests (2026-11-27).
COUNTED = {code: datetime(2026, 1, 1, tzinfo=UTC) for code in ("A", "P-1")}


def _links(cat, *listings):
    return {l.key: l for l in build_links(listings, cat)}


def test_paid_orders_become_sales_once():
    cat = catalogue(products=["A"], balances={"A": 10})
    links = _links(cat, listing("MLB1", "A"))
    o = order(1, ("MLB1", None, 2))
    # seen twice in one read
    sale, customer = plan_orders([o, o], links, recorded=set(), balances={"A": 10}, counted=COUNTED)
    assert customer.kind == K.CUSTOMER
    assert (sale.kind, sale.erp_code, sale.from_, sale.to, sale.key) == (K.SALE, "A", 10, 8, "sale:1:MLB1:-")
    assert [a.kind for a in plan_orders([o], links, recorded={sale.key}, balances={"A": 8})] == [K.CUSTOMER]


def test_kit_component_orders_are_booked_on_the_component_and_the_kit_itself_never():
    """A kit sale comes as one order per component (tag bundle_component, no SKU on the order): each is booked on
    the component's own link by listing id; an order naming the kit listing is not booked on the kit's code."""
    from dataclasses import replace

    cat = catalogue(products=["A", "B", "KIT"], balances={"A": 10, "B": 5, "KIT": 9})
    links = _links(cat, listing("MLB1", "A"), listing("MLB2", "B"), replace(listing("MLB3", "KIT"), tags=("bundle",)))
    components = [
        replace(order(7, ("MLB1", None, 2)), tags=("paid", "bundle_component"), pack_id=70),
        replace(order(8, ("MLB2", None, 1)), tags=("paid", "bundle_component"), pack_id=70),
    ]
    counted = dict.fromkeys(("A", "B", "KIT"), COUNTED["A"])
    sales = [
        a
        for a in plan_orders(
            components + [order(9, ("MLB3", None, 1))], links, set(), {"A": 10, "B": 5}, counted=counted
        )
        if a.kind == K.SALE
    ]
    assert [(a.erp_code, a.data["quantity"], a.status) for a in sales] == [
        ("A", -2, St.PLANNED),
        ("B", -1, St.PLANNED),
        ("KIT", -1, St.SKIPPED),
    ]
    assert "kit" in say(sales[2].reason)


def test_variation_sale_key_and_unlinked_item_reported():
    v = variation("P-1", vid=77)
    cat = catalogue(products=["P"], compositions=[("P-1", "P")], balances={"P-1": 5})
    links = _links(cat, listing("MLB1", "P", variations=[v]), listing("MLB9", None))
    actions = plan_orders([order(2, ("MLB1", 77, 1), ("MLB9", None, 1))], links, set(), {"P-1": 5}, counted=COUNTED)
    assert [(a.key, a.status) for a in actions if a.kind == K.SALE] == [
        ("sale:2:MLB1:77", St.PLANNED),
        ("sale:2:MLB9:-", St.SKIPPED),
    ]
    assert "no_reference" in say(actions[1].reason)


def test_cancel_after_import_compensates_once_and_unrecorded_cancel_does_nothing():
    cat = catalogue(products=["A"], balances={"A": 8})
    links = _links(cat, listing("MLB1", "A"))
    cancelled = order(1, ("MLB1", None, 2), status="cancelled")
    item = cancelled.items[0]
    [back] = plan_orders([cancelled], links, recorded={sale_key(1, item)}, balances={"A": 8}, counted=COUNTED)
    assert (back.kind, back.from_, back.to, back.key) == (K.SALE_CANCEL, 8, 10, cancel_key(1, item))
    assert plan_orders([cancelled], links, {sale_key(1, item), cancel_key(1, item)}, {"A": 10}) == []
    assert plan_orders([cancelled], links, set(), {"A": 8}, counted=COUNTED) == []
    assert plan_orders([order(3, ("MLB1", None, 1), status="payment_in_process")], links, set(), {}) == []


def test_buyers_become_customers_and_missing_fields_keep_what_was_known():
    cat = catalogue(products=["A"], balances={"A": 8})
    links = _links(cat, listing("MLB1", "A"))
    info = BillingInfo(name="Ana", doc_type="CPF", doc_number="12345678909", address=Address(city="Recife"))
    o = order(1, ("MLB1", None, 1), buyer=42, billing="B1")
    actions = plan_orders([o], links, set(), {"A": 8}, billing={"B1": info})
    [cust] = [a for a in actions if a.kind == K.CUSTOMER]
    assert cust.data["customer"] == Customer(
        buyer_id=42, name="Ana", doc_type="CPF", doc_number="12345678909", address=Address(city="Recife")
    )
    known = {42: cust.data["customer"]}
    processing = BillingInfo(name=None, doc_type=None, doc_number=None)
    assert [a for a in plan_orders([o], links, set(), {}, known, {"B1": processing}) if a.kind == K.CUSTOMER] == []
    moved = BillingInfo(name="Ana", doc_type="CPF", doc_number="12345678909", address=Address(city="Olinda"))
    [update] = [a for a in plan_orders([o], links, set(), {}, known, {"B1": moved}) if a.kind == K.CUSTOMER]
    assert update.data["customer"].address.city == "Olinda" and update.from_ == "Ana"
    # A field of the address left empty this time keeps what was known (never erased by a null).
    street = BillingInfo(name=None, doc_type=None, doc_number=None, address=Address(street="Rua B", country="BR"))
    [update] = [a for a in plan_orders([o], links, set(), {}, known, {"B1": street}) if a.kind == K.CUSTOMER]
    assert update.data["customer"] == Customer(
        buyer_id=42, name="Ana", doc_type="CPF", doc_number="12345678909", address=Address("Rua B", city="Recife")
    )


# --- stock (S4) ------------------------------------------------------------------------------------


def test_stock_targets_only_where_different_minus_safety_never_negative():
    cat = catalogue(products=["A", "B", "C", "D"], balances={"A": 10, "B": 5, "C": 1})
    links = build_links(
        [
            listing("MLB1", "A", qty=10),
            listing("MLB2", "B", qty=9),
            listing("MLB3", "C", qty=4),
            listing("MLB4", "D", qty=4),
        ],
        cat,
    )
    actions, unchanged = plan_stock(links, cat.balances, safety_stock=0)
    assert rows(actions) == [
        (K.STOCK, "MLB2", "B", 9, 5, St.PLANNED),
        (K.STOCK, "MLB3", "C", 4, 1, St.PLANNED),
        (K.STOCK, "MLB4", "D", 4, None, St.SKIPPED),
    ]
    assert unchanged == 1 and "no stock record" in say(actions[2].reason)
    actions, _ = plan_stock(links, cat.balances, safety_stock=2)
    assert [(a.item_id, a.to) for a in actions if a.status == St.PLANNED] == [("MLB1", 8), ("MLB2", 3), ("MLB3", 0)]


def test_stock_never_targets_unlinked_rows_and_reports_full():
    cat = catalogue(products=["A"], balances={"A": 3})
    links = build_links(
        [
            listing("MLB1", "A", qty=9, full=True),
            listing("MLB2", None),
            listing("MLB3", "ZZ"),
            listing("MLB4", "A", qty=9),
        ],
        cat,
        ignored={"MLB4"},
    )
    actions, unchanged = plan_stock(links, cat.balances)
    assert [(a.item_id, a.status) for a in actions] == [("MLB1", St.SKIPPED)] and "Full" in say(actions[0].reason)


def test_variation_targets_carry_the_variation_route():
    v = variation("P-1", qty=1, vid=5)
    cat = catalogue(products=["P"], compositions=[("P-1", "P")], balances={"P-1": 3})
    [a], _ = plan_stock(build_links([listing("MLB1", "P", variations=[v])], cat), cat.balances)
    assert (a.variation_id, a.to, a.data["route"]) == (5, 3, "variation")


# --- a whole plan ----------------------------------------------------------------------------------


def test_stock_plan_counts_the_sales_it_will_record_first():
    cat = catalogue(products=["A"], balances={"A": 10})
    snap = Snapshot(
        listings=[listing("MLB1", "A", qty=8)], catalogue=cat, orders=[order(1, ("MLB1", None, 2))], counted=COUNTED
    )
    plan, links = make_plan(SyncKind.STOCK, snap)
    # ML already took the 2 units off; the ERP learns the sale first, so nothing is re-inflated.
    assert [(a.kind, a.to) for a in plan.actions] == [(K.SALE, 8)] and plan.unchanged == 1
    assert plan.ml_writes == []
    # Buyers are the customers step's business (its own cursor; billing info costs a request per buyer).
    plan, _ = make_plan(SyncKind.CUSTOMERS, snap)
    assert [(a.kind, a.to) for a in plan.actions] == [(K.SALE, 8), (K.CUSTOMER, "5001")]


def test_all_imports_then_plans_stock_for_the_imported_codes():
    snap = Snapshot(
        listings=[listing("MLB1", "N", qty=6), listing("MLB2", None)], catalogue=catalogue(), safety_stock=1
    )
    plan, links = make_plan(SyncKind.ALL, snap)
    assert [(a.kind, a.status, a.to) for a in plan.actions] == [
        (K.IMPORT_PRODUCT, St.PLANNED, 6),
        (K.IMPORT_PRODUCT, St.SKIPPED, None),
        (K.STOCK, St.PLANNED, 5),
    ]
    assert plan.link_counts["linked"] == 1 and plan.link_counts["no_reference"] == 1
    counts = plan.counts()
    assert counts["planned"] == 2 and counts["skipped"] == 1 and counts["by_kind"]["stock"] == {"planned": 1}


def test_products_plan_writes_nothing_to_mercado_livre():
    plan, _ = make_plan(SyncKind.PRODUCTS, Snapshot(listings=[listing("MLB1", "N")], catalogue=catalogue()))
    assert plan.ml_writes == [] and [a.kind for a in plan.to_apply] == [K.IMPORT_PRODUCT]


def test_a_lost_or_ignored_row_is_not_imported_as_a_new_product():
    from services.linking import Link, LinkState

    held = Link("MLB1", None, LinkState.LINKED, "A", "A")
    snap = Snapshot(
        listings=[listing("MLB1", "TYPO"), listing("MLB2", "NEW2")],
        catalogue=catalogue(products=["A"]),
        previous=[held],
        ignored={"MLB2"},
    )
    plan, links = make_plan(SyncKind.PRODUCTS, snap)
    assert [(a.item_id, a.status) for a in plan.actions] == [("MLB1", St.SKIPPED), ("MLB2", St.SKIPPED)]
    assert "not imported: reference code changed from A to TYPO" == say(plan.actions[0].reason) and [
        l.state for l in links
    ] == [
        LinkState.LINK_LOST,
        LinkState.IGNORED,
    ]


def test_a_full_listing_sale_does_not_change_the_erp_stock():
    cat = catalogue(products=["A"], balances={"A": 10})
    links = _links(cat, listing("MLB1", "A", full=True))
    [sale] = [
        a
        for a in plan_orders([order(1, ("MLB1", None, 2))], links, set(), {"A": 10}, counted=COUNTED)
        if a.kind == K.SALE
    ]
    assert sale.status == St.SKIPPED and "Full" in say(sale.reason)


def test_a_stock_above_max_stock_is_never_published():
    cat = catalogue(products=["A", "B"], balances={"A": 10**22, "B": 1_000_000})
    links = build_links([listing("MLB1", "A", qty=5), listing("MLB2", "B", qty=5)], cat)
    actions, _ = plan_stock(links, cat.balances)
    assert [(a.item_id, a.status) for a in actions] == [("MLB1", St.SKIPPED), ("MLB2", St.SKIPPED)]
    assert "above max_stock (999,999)" in say(actions[0].reason) and "config set max_stock" in say(actions[0].reason)
    actions, _ = plan_stock(links, cat.balances, max_stock=2_000_000)
    assert [(a.item_id, a.to, a.status) for a in actions] == [
        ("MLB1", None, St.SKIPPED),
        ("MLB2", 1_000_000, St.PLANNED),
    ]


def test_the_count_decides_between_a_sale_and_a_sale_already_in_it():
    cat = catalogue(products=["A"], balances={"A": 10})
    links = _links(cat, listing("MLB1", "A"))
    closed = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    o = order(1, ("MLB1", None, 2), when=closed)
    [before] = plan_orders([o], links, set(), {"A": 10}, buyer_orders=None, counted={"A": closed})  # same moment
    assert (before.kind, before.data["quantity"], before.from_, before.to) == (K.SALE_COUNTED, 0, 10, 10)
    [after] = plan_orders(
        [o], links, set(), {"A": 10}, buyer_orders=None, counted={"A": datetime(2026, 11, 27, 9, 59, tzinfo=UTC)}
    )
    assert (after.kind, after.data["quantity"], after.to) == (K.SALE, -2, 8)
    [never] = plan_orders([o], links, set(), {}, buyer_orders=None)  # the ERP never counted A
    assert never.status == St.SKIPPED and "no stock count in the ERP for A" in say(never.reason)
    full = _links(cat, listing("MLB1", "A", full=True))
    [on_full] = plan_orders([o], full, set(), {}, buyer_orders=None)  # the row's own reason comes first
    assert on_full.status == St.SKIPPED and "Full" in say(on_full.reason)


def test_a_mercado_livre_kit_is_never_imported_as_an_erp_product():
    """A kit's units are its components' (ML computes them): importing it would make an ERP product that no sale
    ever moves. It is skipped with why, and a normal listing beside it is still imported."""
    kit = replace(listing("MLB3", "KIT-NEW", qty=4), tags=("bundle",))
    actions = plan_products([kit, listing("MLB1", "NEW", qty=2)], catalogue())
    assert [(a.item_id, a.status) for a in actions] == [("MLB3", St.SKIPPED), ("MLB1", St.PLANNED)]
    assert "kit" in say(actions[0].reason)

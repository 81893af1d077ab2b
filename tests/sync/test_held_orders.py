"""Units held by orders that took stock but are not paid yet (services/sync/holds.py, docs/internals.md): Mercado
Livre takes an order's units off the listing when it is confirmed; melisync books the sale only once paid. Until
then the units are kept off the target written to Mercado Livre (never booked in the ERP); paid, the sale booking
takes over (same target); cancelled, the units come back. A hold closed before the count is in the count."""

from __future__ import annotations

from datetime import datetime

import pytest

from sandbox.state import SandboxState
from services.erp.models import MovementKind
from services.linking import Link, LinkState
from services.meli.models import StockLocation, UserProductStock
from services.sync.holds import Hold
from services.sync.plan import ActionKind as K
from services.sync.plan import ActionStatus as St
from services.sync.plan import SyncKind
from services.sync.stock import WarehouseChoice, plan_stock
from tests.fixtures.sync import seed_erp
from tests.sync.test_stock_count import ago, backdate, of, run
from words.reasons import say


@pytest.fixture
def sandbox_state() -> SandboxState:
    state = SandboxState(listings=0, seed=0)
    state.add_listing("Caneca", quantity=9, sku="CAN")
    return state


def stock(result):
    return [(a.status, a.from_, a.to) for a in of(result, K.STOCK)]


def sales(catalog):
    return [(m.kind, m.quantity, m.order_id) for m in catalog.movements("CAN") if m.kind != MovementKind.ADJUSTMENT]


async def test_holds_lower_the_target_until_paid_or_cancelled(sandbox_state, make_engine):
    [caneca] = sandbox_state.listing_ids()
    catalog = seed_erp({"CAN": 12}, when=ago(minutes=5))  # counted 12 (3 more came in); ML still shows 9
    first = sandbox_state.create_order(caneca, quantity=2, status="confirmed")  # ML: 9 -> 7, not paid
    second = sandbox_state.create_order(caneca, quantity=1, status="confirmed")  # ML: 7 -> 6

    held = await run(make_engine(), SyncKind.STOCK)
    [write] = of(held, K.STOCK)
    assert (write.status, write.from_, write.to) == (St.DONE, 6, 9)  # 12 - the 3 held units, not 12
    assert say(write.reason) == (
        f"the ERP stock (12) less the units held by orders not paid yet (3, orders: {first['id']}, "
        f"{second['id']}) is what can be sold"
    )
    assert (
        "units held by orders confirmed but not paid yet are kept off the listings until paid (then recorded as "
        f"sales) or cancelled (units: 3, orders: 2); code: units (orders): CAN: 3 ({first['id']}, {second['id']})"
        in map(say, held.notes)
    )
    assert of(held, K.SALE) == [] and sales(catalog) == [] and catalog.balance("CAN") == 12  # not sales yet
    assert sandbox_state.item(caneca)["available_quantity"] == 9

    sandbox_state.cancel_order(second["id"])  # ML gives the unit back: 9 -> 10
    back = await run(make_engine(), SyncKind.STOCK)
    assert stock(back) == []
    assert sandbox_state.item(caneca)["available_quantity"] == 10  # 12 - 2 still held: no write back to 9
    assert catalog.balance("CAN") == 12 and sales(catalog) == []

    sandbox_state.set_order_status(first["id"], "paid")  # now a sale: the ERP goes down, the hold is gone
    paid = await run(make_engine(), SyncKind.STOCK)
    assert [(a.status, a.from_, a.to) for a in of(paid, K.SALE)] == [(St.DONE, 12, 10)]
    assert stock(paid) == [] and sandbox_state.item(caneca)["available_quantity"] == 10  # the same target
    assert not any("not paid yet" in note for note in map(say, paid.notes))
    again = await run(make_engine(), SyncKind.STOCK)
    assert of(again, K.SALE) == [] and sales(catalog) == [(MovementKind.SALE, -2, first["id"])]
    assert catalog.balance("CAN") == 10 and stock(again) == []


async def test_a_hold_closed_before_the_count_is_in_the_count(sandbox_state, make_engine):
    [caneca] = sandbox_state.listing_ids()
    early = sandbox_state.create_order(caneca, quantity=2, status="confirmed")  # ML: 9 -> 7
    backdate(sandbox_state, early, 600)  # confirmed 10 minutes ago
    catalog = seed_erp({"CAN": 8}, when=ago(minutes=5))  # then counted: 8 free units (the 2 are out already)
    result = await run(make_engine(), SyncKind.STOCK)
    assert stock(result) == [(St.DONE, 7, 8)]  # nothing subtracted: the count has the hold
    assert not any("not paid yet" in note for note in map(say, result.notes)) and catalog.balance("CAN") == 8


async def test_a_dry_run_shows_the_hold_and_writes_nothing(sandbox_state, make_engine):
    [caneca] = sandbox_state.listing_ids()
    seed_erp({"CAN": 10}, when=ago(minutes=5))
    order = sandbox_state.create_order(caneca, quantity=2, status="confirmed")  # ML: 9 -> 7
    dry = await run(make_engine(), SyncKind.STOCK, dry_run=True)
    [write] = of(dry, K.STOCK)
    assert (write.status, write.from_, write.to, write.data["held"]) == (
        St.PLANNED,
        7,
        8,
        {"units": 2, "orders": [order["id"]]},
    )
    assert sandbox_state.writes() == []


async def test_an_unpaid_order_that_has_not_taken_stock_holds_nothing(sandbox_state, make_engine):
    [caneca] = sandbox_state.listing_ids()
    seed_erp({"CAN": 10}, when=ago(minutes=5))
    sandbox_state.create_order(caneca, quantity=2, status="payment_required")  # no date_closed: ML still 9
    result = await run(make_engine(), SyncKind.STOCK)
    assert stock(result) == [(St.DONE, 9, 10)]


async def test_holds_are_read_again_each_run_with_the_lookback(sandbox_state, make_engine):
    """No file keeps a hold: each stock sync reads the orders in the unpaid statuses, back to the lookback."""
    [caneca] = sandbox_state.listing_ids()
    seed_erp({"CAN": 10}, when=ago(minutes=5))
    sandbox_state.create_order(caneca, quantity=2, status="confirmed")
    for _ in range(2):
        sandbox_state.clear_log()
        await run(make_engine(), SyncKind.STOCK)
        [read] = [
            r
            for r in sandbox_state.requests_to("/orders/search")
            if "paid" not in r.query.get("order.status", "").split(",")
        ]  # (not the sales reads)
        assert set(read.query["order.status"].split(",")) == {
            "confirmed",
            "payment_required",
            "payment_in_process",
            "partially_paid",
        }
        since = datetime.fromisoformat(read.query["order.date_last_updated.from"])
        assert ago(days=30, hours=1) < since <= ago(days=30)  # orders_lookback_days (30), at the hour
    assert sandbox_state.item(caneca)["available_quantity"] == 8


async def test_a_hold_that_lands_while_writing_is_kept_off(sandbox_state, make_engine):
    """An order confirmed between the plan and the write: the settling read after the writes sees it and the
    target is written again without its units (an absolute write had put them back on sale)."""
    [caneca] = sandbox_state.listing_ids()
    seed_erp({"CAN": 12}, when=ago(minutes=5))
    sandbox_state.sell_before_next_write(caneca, quantity=2, status="confirmed")
    result = await run(make_engine(), SyncKind.STOCK)
    assert sandbox_state.item(caneca)["available_quantity"] == 10, result.actions
    assert [a.to for a in of(result, K.STOCK) if a.status == St.DONE] == [12, 10]


def _link(route_kind: str) -> Link:
    variation = 7 if route_kind == "variation" else None
    family = "Caneca" if route_kind == "user_product" else None
    return Link(
        listing_id="MLB1",
        variation_id=variation,
        state=LinkState.LINKED,
        reference_code="CAN",
        erp_code="CAN",
        ml_stock=3,
        family_name=family,
        user_product_id="MLBU1",
    )


@pytest.mark.parametrize("route_kind", ["item", "variation", "user_product", "warehouse"])
def test_every_write_route_keeps_the_held_units_off(route_kind):
    hold = {"CAN": Hold("CAN", 2, (99,))}
    warehouse = route_kind == "warehouse"
    tags = ("warehouse_management",) if warehouse else ()
    up_stock = {"MLBU1": UserProductStock("MLBU1", (StockLocation("seller_warehouse", 3, "77", "N"),))}
    [action], _ = plan_stock(
        [_link(route_kind)],
        {"CAN": 10},
        0,
        tags,
        WarehouseChoice("77", "N") if warehouse else None,
        up_stock,
        holds=hold,
    )
    assert (action.data["route"], action.to, action.status) == (route_kind, 8, St.PLANNED)
    assert say(action.reason).startswith(
        "the ERP stock (10) less the units held by orders not paid yet (2, orders: 99)"
    )


async def test_a_hold_paid_or_cancelled_between_plan_and_write(sandbox_state, make_engine):
    """The late-sales read before the writes sees the order in its new state: paid -> booked once and the hold
    gone (the same target); cancelled -> the hold gone and its units back in the target."""
    [caneca] = sandbox_state.listing_ids()
    catalog = seed_erp({"CAN": 12}, when=ago(minutes=5))  # ML shows 9
    paid = sandbox_state.create_order(caneca, quantity=2, status="confirmed")  # ML 7
    cancelled = sandbox_state.create_order(caneca, quantity=1, status="confirmed")  # ML 6
    engine = make_engine()
    prepared = await engine.plan(SyncKind.STOCK)
    [planned] = of(prepared.plan, K.STOCK)
    assert (planned.from_, planned.to) == (6, 9)  # 12 - 3 held
    sandbox_state.set_order_status(paid["id"], "paid")  # ML stays 6
    sandbox_state.cancel_order(cancelled["id"])  # ML 6 -> 7
    result = await engine.apply(prepared)
    assert [(a.status, a.data["order_id"]) for a in of(result, K.SALE)] == [(St.DONE, paid["id"])]
    assert catalog.balance("CAN") == 10 and sales(catalog) == [(MovementKind.SALE, -2, paid["id"])]
    assert [(a.status, a.from_, a.to) for a in of(result, K.STOCK)] == [(St.DONE, 7, 10)]  # 12 - 2 sold, none held
    assert sandbox_state.item(caneca)["available_quantity"] == 10


async def test_an_unpaid_order_of_several_items_holds_per_item(sandbox_state, make_engine):
    [caneca] = sandbox_state.listing_ids()
    tapete = sandbox_state.add_listing("Tapete", quantity=5, sku="TAP")
    catalog = seed_erp({"CAN": 9, "TAP": 5}, when=ago(minutes=5))
    order = sandbox_state.create_order(lines=[(caneca, None, 2), (tapete, None, 1)], status="confirmed")
    result = await run(make_engine(), SyncKind.STOCK)
    assert stock(result) == [] and catalog.balance("CAN") == 9 and catalog.balance("TAP") == 5  # 7 and 4: right
    assert any(f"CAN: 2 ({order['id']}); TAP: 1 ({order['id']})" in note for note in map(say, result.notes))
    assert (sandbox_state.item(caneca)["available_quantity"], sandbox_state.item(tapete)["available_quantity"]) == (
        7,
        4,
    )

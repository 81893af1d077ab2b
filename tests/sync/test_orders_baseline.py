"""The first orders sync's baseline: sales already in the stock when melisync starts counting are never taken
off the ERP by the overlapping reads that follow; a later cancellation of one still gives the units back once."""

from __future__ import annotations

import pytest

from sandbox.state import SandboxState
from services.store.cursors import Baseline, Cursors
from services.store.journal import FINISHED
from services.sync.plan import ActionKind as K, ActionStatus as St, SyncKind
from tests.fixtures.sync import seed_erp


@pytest.fixture
def sandbox_state() -> SandboxState:
    state = SandboxState(listings=0, seed=0)
    state.add_listing("Caneca", quantity=9, sku="CAN")
    return state


async def run(engine, kind, dry_run=False):
    prepared = await engine.plan(kind, dry_run=dry_run)
    return engine.dry_result(prepared) if dry_run else await engine.apply(prepared)


def sales(catalog, kind="sale"):
    return [m for m in catalog.movements("CAN") if m.kind == kind]


def backdate(state: SandboxState, order: dict, days: float) -> None:
    """The order was created (and last updated) `days` ago."""
    raw = state.orders[order["id"]]
    raw["_created_at"] = raw["_updated_at"] = raw["_closed_at"] = raw["_created_at"] - days * 86400
    raw["date_created"] = raw["last_updated"] = raw["date_closed"] = state.iso(raw["_created_at"])


@pytest.mark.parametrize("first_kind", [SyncKind.STOCK, SyncKind.CUSTOMERS])  # with and without a stock step
async def test_a_sale_paid_right_before_the_first_sync_is_not_taken_off_the_erp_again(sandbox_state, make_engine,
                                                                                       first_kind):
    [caneca] = sandbox_state.listing_ids()
    before = sandbox_state.create_order(caneca, quantity=2)  # ML: 9 -> 7; the counted ERP stock already says 7
    catalog = seed_erp({"CAN": 7})
    first = await run(make_engine(), first_kind)
    assert first.status == FINISHED and [a for a in first.actions if a.kind == K.SALE] == []
    second = await run(make_engine(), SyncKind.STOCK)  # reads from the hour before the first sync's cursor
    assert second.status == FINISHED, second.errors
    assert [a for a in second.actions if a.kind == K.SALE] == [] and sales(catalog) == []
    assert catalog.balance("CAN") == 7 and sandbox_state.writes() == []
    # Updated later (shipping, feedback): read again, still already counted.
    sandbox_state.set_order_status(before["id"], "paid")
    third = await run(make_engine(), SyncKind.ALL)
    assert [a for a in third.actions if a.kind == K.SALE] == [] and catalog.balance("CAN") == 7
    assert any(f"order(s) {before['id']}" in n for n in first.notes)  # the plan says what it remembered


async def test_a_sale_paid_between_the_first_and_second_sync_is_recorded_once(sandbox_state, make_engine):
    [caneca] = sandbox_state.listing_ids()
    sandbox_state.create_order(caneca, quantity=1)  # before: in the baseline
    catalog = seed_erp({"CAN": 8})
    await run(make_engine(), SyncKind.STOCK)
    after = sandbox_state.create_order(caneca, quantity=3)  # ML: 8 -> 5
    second = await run(make_engine(), SyncKind.STOCK)
    [sale] = [a for a in second.actions if a.kind == K.SALE]
    assert (sale.status, sale.from_, sale.to, sale.data["order_id"]) == (St.DONE, 8, 5, after["id"])
    await run(make_engine(), SyncKind.ALL)
    assert [m.quantity for m in sales(catalog)] == [-3] and catalog.balance("CAN") == 5
    assert sandbox_state.writes() == []


async def test_a_baseline_sale_cancelled_later_gives_the_units_back_once(sandbox_state, make_engine):
    [caneca] = sandbox_state.listing_ids()
    before = sandbox_state.create_order(caneca, quantity=2)
    catalog = seed_erp({"CAN": 7})
    await run(make_engine(), SyncKind.STOCK)
    sandbox_state.cancel_order(before["id"])  # ML puts the 2 units back on the listing: 7 -> 9
    assert sandbox_state.item(caneca)["available_quantity"] == 9
    back = await run(make_engine(), SyncKind.STOCK)
    [comp] = [a for a in back.actions if a.kind == K.SALE_CANCEL]
    assert (comp.status, comp.from_, comp.to) == (St.DONE, 7, 9)
    assert "before melisync started counting" in comp.reason
    again = await run(make_engine(), SyncKind.CUSTOMERS)
    assert [a for a in again.actions if a.kind == K.SALE_CANCEL] == []
    assert [m.quantity for m in sales(catalog)] == [2] and catalog.balance("CAN") == 9
    assert sandbox_state.writes() == []  # ERP and ML agree: nothing to push


async def test_a_dry_first_sync_stores_no_baseline_and_the_real_one_still_does(sandbox_state, make_engine):
    [caneca] = sandbox_state.listing_ids()
    before = sandbox_state.create_order(caneca, quantity=2)
    catalog = seed_erp({"CAN": 7})
    await run(make_engine(), SyncKind.STOCK, dry_run=True)
    assert Cursors().get("orders") is None and Cursors().baseline("orders") == Baseline()
    await run(make_engine(), SyncKind.STOCK)
    assert Cursors().baseline("orders").keys == {f"sale:{before['id']}:{caneca}:-"}
    await run(make_engine(), SyncKind.STOCK)
    assert sales(catalog) == [] and catalog.balance("CAN") == 7


async def test_on_the_first_sync_only_sales_after_the_plan_are_recorded_before_the_writes(sandbox_state, make_engine):
    [caneca] = sandbox_state.listing_ids()
    sandbox_state.create_order(caneca, quantity=2)  # already counted: ERP 7
    catalog = seed_erp({"CAN": 7})
    engine = make_engine()
    prepared = await engine.plan(SyncKind.STOCK)
    late = sandbox_state.create_order(caneca, quantity=1)  # while the operator reads the plan
    result = await engine.apply(prepared)
    assert result.status == FINISHED, result.errors
    assert [(a.data["order_id"], a.status) for a in result.actions if a.kind == K.SALE] == [(late["id"], St.DONE)]
    assert catalog.balance("CAN") == 6 and sandbox_state.item(caneca)["available_quantity"] == 6


@pytest.mark.parametrize("days", [3, 30])  # in the first read's window, and older than it
async def test_a_sale_paid_days_before_the_first_sync_and_shipped_after_it_is_not_taken_off_again(
        sandbox_state, make_engine, days):
    [caneca] = sandbox_state.listing_ids()
    before = sandbox_state.create_order(caneca, quantity=2)
    backdate(sandbox_state, before, days)
    catalog = seed_erp({"CAN": 7})
    await run(make_engine(), SyncKind.STOCK)
    sandbox_state.set_order_status(before["id"], "paid")  # shipped: Mercado Livre updates the order
    second = await run(make_engine(), SyncKind.ALL)
    assert second.status == FINISHED, second.errors
    assert [a for a in second.actions if a.kind == K.SALE] == [] and sales(catalog) == []
    assert catalog.balance("CAN") == 7 and sandbox_state.writes() == []


async def test_an_order_older_than_the_first_read_cancelled_later_is_reported_not_given_back(
        sandbox_state, make_engine):
    [caneca] = sandbox_state.listing_ids()
    old = sandbox_state.create_order(caneca, quantity=2)
    backdate(sandbox_state, old, 30)
    catalog = seed_erp({"CAN": 7})
    await run(make_engine(), SyncKind.STOCK)
    sandbox_state.cancel_order(old["id"])
    result = await run(make_engine(), SyncKind.STOCK)
    [cancel] = [a for a in result.actions if a.kind == K.SALE_CANCEL]
    assert cancel.status == St.SKIPPED and "before melisync's first read" in cancel.reason
    assert sales(catalog) == [] and catalog.balance("CAN") == 7  # never more than counted (no oversell)

"""A sale that reaches Mercado Livre while the operator looks at the plan is recorded before the stock
writes, and the targets it moved are recomputed: the push never puts a sold unit back on sale."""

from __future__ import annotations

import pytest

from sandbox.state import SandboxState
from services.errors import OperationFailed
from services.store.journal import FINISHED, Journal
from services.sync.plan import ActionKind as K
from services.sync.plan import ActionStatus as St
from services.sync.plan import SyncKind
from tests.fixtures.sync import seed_erp
from words.reasons import say, say_stored


@pytest.fixture
def sandbox_state() -> SandboxState:
    state = SandboxState(listings=0, seed=0)
    state.add_listing("Caneca", quantity=9, sku="CAN")
    state.add_listing("Caneca premium", quantity=7, sku="CAN", listing_type="gold_pro")
    state.add_listing("Prato", quantity=4, sku="PRA")
    return state


async def first_sync(make_engine):
    engine = make_engine()
    result = await engine.apply(await engine.plan(SyncKind.STOCK))
    assert result.status == FINISHED, result.errors


async def test_a_sale_between_plan_and_apply_is_recorded_once_and_not_re_inflated(sandbox_state, make_engine):
    catalog = seed_erp({"CAN": 9, "PRA": 4})
    caneca, premium, prato = sandbox_state.listing_ids()
    sandbox_state.set_stock(premium, 9)
    await first_sync(make_engine)  # stores the orders cursor; everything already right
    catalog = seed_erp({"CAN": -2})  # a count: 7 left in the ERP
    engine = make_engine()
    prepared = await engine.plan(SyncKind.STOCK)
    assert {(a.item_id, a.to) for a in prepared.plan.to_apply} == {(caneca, 7), (premium, 7)}
    order = sandbox_state.create_order(caneca, quantity=2)  # while the operator reads the plan
    assert sandbox_state.item(caneca)["available_quantity"] == 7
    sandbox_state.clear_log()
    result = await engine.apply(prepared)
    assert result.status == FINISHED, result.errors
    assert catalog.balance("CAN") == 5
    assert sandbox_state.item(caneca)["available_quantity"] == 5  # not 7: the sold units stay sold
    assert sandbox_state.item(premium)["available_quantity"] == 5
    [sale] = [a for a in result.actions if a.kind == K.SALE]
    assert (sale.status, sale.key, sale.from_, sale.to) == (St.DONE, f"sale:{order['id']}:{caneca}:-", 7, 5)
    assert "after the plan" in say(sale.reason)
    writes = {a.item_id: a for a in result.actions if a.kind == K.STOCK}
    assert (writes[caneca].from_, writes[caneca].to, writes[caneca].status) == (7, 5, St.DONE)
    assert "target changed from the plan (9 -> 7)" in say(writes[caneca].reason)
    assert any(str(order["id"]) in n and "recomputed" in n for n in map(say, result.notes))
    journaled = {(a["item_id"], a["kind"]): a for a in Journal().actions(result.run_id)}
    assert "target changed" in say_stored(journaled[(caneca, "stock")]["reason"])
    assert journaled[(caneca, "sale")]["status"] == "done"
    # The next sync reads the same order again: recorded once, nothing written.
    sandbox_state.clear_log()
    again = await make_engine().apply(await make_engine().plan(SyncKind.STOCK))
    assert again.status == FINISHED and [a for a in again.actions if a.kind == K.SALE] == []
    assert len([m for m in catalog.movements("CAN") if m.kind == "sale"]) == 1 and catalog.balance("CAN") == 5
    assert sandbox_state.writes() == []


async def test_a_late_sale_on_a_row_the_plan_left_alone_writes_its_twin(sandbox_state, make_engine):
    catalog = seed_erp({"CAN": 9, "PRA": 4})
    caneca, premium, prato = sandbox_state.listing_ids()
    sandbox_state.set_stock(premium, 9)
    await first_sync(make_engine)
    engine = make_engine()
    prepared = await engine.plan(SyncKind.STOCK)
    assert prepared.plan.to_apply == []
    sandbox_state.create_order(caneca, quantity=1)
    result = await engine.apply(prepared)
    assert result.status == FINISHED, result.errors
    assert catalog.balance("CAN") == 8
    [write] = [a for a in result.actions if a.kind == K.STOCK and a.status == St.DONE]
    assert (write.item_id, write.from_, write.to) == (premium, 9, 8) and "not in the plan" in say(write.reason)
    assert sandbox_state.item(caneca)["available_quantity"] == 8
    assert [r.path for r in sandbox_state.requests_to("/items/", "PUT")] == [f"/items/{premium}"]


async def test_a_cancellation_between_plan_and_apply_gives_the_units_back_once(sandbox_state, make_engine):
    catalog = seed_erp({"CAN": 9, "PRA": 4})
    caneca, premium, prato = sandbox_state.listing_ids()
    sandbox_state.set_stock(premium, 9)
    await first_sync(make_engine)
    order = sandbox_state.create_order(prato, quantity=2)  # ML 4 -> 2
    seed_erp({"PRA": 1})  # a recount: 5 in the ERP before the sale is recorded
    engine = make_engine()
    prepared = await engine.plan(SyncKind.STOCK)
    assert [(a.kind, a.to) for a in prepared.plan.to_apply] == [(K.SALE, 3), (K.STOCK, 3)]
    sandbox_state.cancel_order(order["id"])  # the buyer cancels while the plan is on screen: ML 2 -> 4
    result = await engine.apply(prepared)
    assert result.status == FINISHED, result.errors
    assert catalog.balance("PRA") == 5 and sandbox_state.item(prato)["available_quantity"] == 5
    kinds = [(a.kind, a.status) for a in result.actions if a.item_id == prato]
    assert (K.SALE, St.DONE) in kinds and (K.SALE_CANCEL, St.DONE) in kinds
    again = await make_engine().apply(await make_engine().plan(SyncKind.STOCK))
    assert [a for a in again.actions if a.kind in (K.SALE, K.SALE_CANCEL)] == [] and catalog.balance("PRA") == 5


async def test_orders_that_cannot_be_read_before_the_writes_stop_the_run_before_any_write(sandbox_state, make_engine):
    seed_erp({"CAN": 9, "PRA": 4})
    await first_sync(make_engine)
    seed_erp({"CAN": -2})
    engine = make_engine()
    prepared = await engine.plan(SyncKind.STOCK)
    assert prepared.plan.ml_writes
    sandbox_state.fail_next(10, 500, path_prefix="/orders/search")
    sandbox_state.clear_log()
    with pytest.raises(OperationFailed, match="no stock was written"):
        await engine.apply(prepared)
    assert sandbox_state.writes() == []
    [run] = [r for r in Journal().runs() if r.id == prepared.run_id]
    assert run.status == "failed"

"""The count is the truth at the moment it was taken (docs/internals.md): a paid sale closed after a code's
stock count is taken off the ERP, on the first sync as on every other; one closed before it is already in the
count. The ledger alone says which sales are booked, so losing meli.json costs requests, never stock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandbox.state import SandboxState
from services.erp.csv_io import import_rows, read_rows
from services.erp.models import MovementKind
from services.store import close_stores
from services.store.cursors import Cursors
from services.store.journal import FINISHED
from services.sync.plan import ActionKind as K
from services.sync.plan import ActionStatus as St
from services.sync.plan import SyncKind
from tests.fixtures.sync import seed_erp
from words.reasons import say


@pytest.fixture
def sandbox_state() -> SandboxState:
    state = SandboxState(listings=0, seed=0)
    state.add_listing("Caneca", quantity=9, sku="CAN")
    return state


async def run(engine, kind, dry_run=False):
    prepared = await engine.plan(kind, dry_run=dry_run)
    return engine.dry_result(prepared) if dry_run else await engine.apply(prepared)


def ledger(catalog, code="CAN"):
    return [(m.kind, m.quantity) for m in catalog.movements(code) if m.kind != MovementKind.ADJUSTMENT]


def of(result, kind):
    return [a for a in result.actions if a.kind == kind]


def backdate(state: SandboxState, order: dict, seconds: float) -> None:
    """The order was created, closed and last updated `seconds` ago."""
    raw = state.orders[order["id"]]
    raw["_created_at"] = raw["_updated_at"] = raw["_closed_at"] = raw["_created_at"] - seconds
    raw["date_created"] = raw["last_updated"] = raw["date_closed"] = state.iso(raw["_created_at"])


def sales_reads(state: SandboxState) -> list:
    """The orders searches for sales (the holds of unpaid orders are read apart: services/sync/holds.py)."""
    return [r for r in state.requests_to("/orders/search") if "paid" in r.query.get("order.status", "").split(",")]


def ago(**delta) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


@pytest.mark.parametrize("kind", [SyncKind.STOCK, SyncKind.CUSTOMERS, SyncKind.ALL])
async def test_a_sale_closed_after_the_count_is_taken_off_on_the_first_sync(sandbox_state, make_engine, kind):
    [caneca] = sandbox_state.listing_ids()
    catalog = seed_erp({"CAN": 9}, when=ago(minutes=5))  # counted 9, as ML shows
    sold = sandbox_state.create_order(caneca, quantity=2)  # ML: 9 -> 7
    first = await run(make_engine(), kind)
    assert first.status == FINISHED, first.errors
    [sale] = of(first, K.SALE)
    assert (sale.status, sale.from_, sale.to, sale.data["order_id"]) == (St.DONE, 9, 7, sold["id"])
    assert catalog.balance("CAN") == 7 and sandbox_state.item(caneca)["available_quantity"] == 7
    assert sandbox_state.writes() == []  # ERP and ML agree: nothing pushed back
    again = await run(make_engine(), SyncKind.ALL)
    assert of(again, K.SALE) == [] and ledger(catalog) == [(MovementKind.SALE, -2)]
    [movement] = [m for m in catalog.movements("CAN") if m.kind == MovementKind.SALE]
    assert (movement.order_id, movement.item_id, movement.variation_id, movement.run_id) == (
        sold["id"],
        caneca,
        None,
        first.run_id,
    )


async def test_a_sale_closed_before_the_count_is_in_it_and_never_taken_off(sandbox_state, make_engine):
    [caneca] = sandbox_state.listing_ids()
    before = sandbox_state.create_order(caneca, quantity=2)  # ML: 9 -> 7
    backdate(sandbox_state, before, 600)
    catalog = seed_erp({"CAN": 7}, when=ago(minutes=5))  # the count already lacks the 2 units
    sandbox_state.set_order_status(before["id"], "paid")  # updated after the count (shipped): the read sees it
    first = await run(make_engine(), SyncKind.STOCK)
    assert first.status == FINISHED, first.errors
    assert of(first, K.SALE) == []
    [counted] = of(first, K.SALE_COUNTED)  # the ledger learns it, at 0
    assert (counted.status, counted.from_, counted.to, counted.data["order_id"]) == (St.DONE, 7, 7, before["id"])
    assert catalog.balance("CAN") == 7 and ledger(catalog) == [(MovementKind.SALE_COUNTED, 0)]
    sandbox_state.set_order_status(before["id"], "paid")  # delivered: updated, read again
    again = await run(make_engine(), SyncKind.ALL)
    assert of(again, K.SALE) == of(again, K.SALE_COUNTED) == [] and catalog.balance("CAN") == 7
    assert sandbox_state.writes() == []


async def test_the_dry_run_of_the_first_sync_shows_the_sale_and_writes_nothing(sandbox_state, make_engine):
    [caneca] = sandbox_state.listing_ids()
    catalog = seed_erp({"CAN": 9}, when=ago(minutes=5))
    sandbox_state.create_order(caneca, quantity=2)
    dry = await run(make_engine(), SyncKind.ALL, dry_run=True)
    assert [(a.status, a.from_, a.to) for a in of(dry, K.SALE)] == [(St.PLANNED, 9, 7)]
    assert [a.status for a in of(dry, K.CUSTOMER)] == [St.PLANNED]
    assert catalog.balance("CAN") == 9 and catalog.customers() == {} and Cursors().get("orders") is None
    real = await run(make_engine(), SyncKind.ALL)
    assert [a.status for a in of(real, K.SALE)] == [St.DONE] and catalog.balance("CAN") == 7


async def test_a_new_count_moves_the_moment_on(sandbox_state, make_engine):
    [caneca] = sandbox_state.listing_ids()
    catalog = seed_erp({"CAN": 9}, when=ago(hours=2))
    sold = sandbox_state.create_order(caneca, quantity=1)
    backdate(sandbox_state, sold, 1800)  # closed half an hour ago
    rows, errors = read_rows("code,name,price,stock\nCAN,Caneca,10.00,8\n")
    import_rows(rows, catalog, errors=errors)  # then counted again: 8, the sale already out
    sandbox_state.set_order_status(sold["id"], "paid")  # shipped since: updated after the count, so read
    result = await run(make_engine(), SyncKind.STOCK)
    assert of(result, K.SALE) == [] and [a.status for a in of(result, K.SALE_COUNTED)] == [St.DONE]
    assert catalog.balance("CAN") == 8


class TestCancellations:
    async def test_a_booked_sale_cancelled_later_comes_back_once(self, sandbox_state, make_engine):
        [caneca] = sandbox_state.listing_ids()
        catalog = seed_erp({"CAN": 9}, when=ago(minutes=5))
        sold = sandbox_state.create_order(caneca, quantity=2)
        await run(make_engine(), SyncKind.STOCK)
        sandbox_state.cancel_order(sold["id"])  # ML: 7 -> 9
        back = await run(make_engine(), SyncKind.STOCK)
        [comp] = of(back, K.SALE_CANCEL)
        assert (comp.status, comp.from_, comp.to) == (St.DONE, 7, 9)
        again = await run(make_engine(), SyncKind.ALL)
        assert of(again, K.SALE_CANCEL) == []
        assert ledger(catalog) == [(MovementKind.SALE, -2), (MovementKind.SALE, 2)] and catalog.balance("CAN") == 9
        assert sandbox_state.writes() == []

    async def test_a_counted_sale_cancelled_later_comes_back_once(self, sandbox_state, make_engine):
        [caneca] = sandbox_state.listing_ids()
        before = sandbox_state.create_order(caneca, quantity=2)
        backdate(sandbox_state, before, 600)
        catalog = seed_erp({"CAN": 7}, when=ago(minutes=5))
        sandbox_state.set_order_status(before["id"], "paid")  # shipped after the count: the first sync sees it
        await run(make_engine(), SyncKind.STOCK)
        sandbox_state.cancel_order(before["id"])  # ML puts the 2 units back: 7 -> 9
        back = await run(make_engine(), SyncKind.STOCK)
        [comp] = of(back, K.SALE_CANCEL)
        assert (comp.status, comp.from_, comp.to) == (St.DONE, 7, 9)
        await run(make_engine(), SyncKind.CUSTOMERS)
        assert catalog.balance("CAN") == 9 and sandbox_state.writes() == []

    async def test_a_sale_closed_before_the_count_and_first_seen_cancelled_is_reported(
        self, sandbox_state, make_engine
    ):
        [caneca] = sandbox_state.listing_ids()
        old = sandbox_state.create_order(caneca, quantity=2)
        backdate(sandbox_state, old, 600)
        catalog = seed_erp({"CAN": 7}, when=ago(minutes=5))
        sandbox_state.cancel_order(old["id"])  # when, relative to the count? unknown
        result = await run(make_engine(), SyncKind.STOCK)
        [cancel] = of(result, K.SALE_CANCEL)
        assert cancel.status == St.SKIPPED and "whether before or after the count is unknown" in say(cancel.reason)
        assert ledger(catalog) == [] and catalog.balance("CAN") == 7  # never more than counted (no oversell)

    async def test_closed_and_cancelled_before_the_count_or_never_booked_changes_nothing(
        self, sandbox_state, make_engine
    ):
        [caneca] = sandbox_state.listing_ids()
        early = sandbox_state.create_order(caneca, quantity=1)
        sandbox_state.cancel_order(early["id"])
        backdate(sandbox_state, early, 600)  # closed and cancelled ten minutes ago
        catalog = seed_erp({"CAN": 9}, when=ago(minutes=5))
        late = sandbox_state.create_order(caneca, quantity=1)
        sandbox_state.cancel_order(late["id"])  # sold and cancelled between two syncs: ML gave it back itself
        result = await run(make_engine(), SyncKind.STOCK)
        assert of(result, K.SALE) == of(result, K.SALE_CANCEL) == [] and catalog.balance("CAN") == 9


class TestLookback:
    async def test_the_first_read_goes_back_to_the_oldest_count(self, sandbox_state, make_engine):
        [caneca] = sandbox_state.listing_ids()
        catalog = seed_erp({"CAN": 9}, when=ago(days=3))
        sold = sandbox_state.create_order(caneca, quantity=2)
        backdate(sandbox_state, sold, 2 * 86400)  # two days after the count, before the first sync
        result = await run(make_engine(), SyncKind.STOCK)
        assert [a.data["order_id"] for a in of(result, K.SALE)] == [sold["id"]] and catalog.balance("CAN") == 7
        search = sales_reads(sandbox_state)[0]  # (the second: sales after the plan)
        since = datetime.fromisoformat(search.query["order.date_last_updated.from"])
        assert ago(days=3, hours=1) < since <= ago(days=3)  # the count's hour, not further

    async def test_past_the_bound_the_plan_names_the_products_not_covered(self, sandbox_state, make_engine):
        [caneca] = sandbox_state.listing_ids()
        sandbox_state.add_listing("Prato", quantity=4, sku="PRA")
        catalog = seed_erp({"CAN": 9}, when=ago(days=45))
        seed_erp({"PRA": 4}, when=ago(days=1))
        too_old = sandbox_state.create_order(caneca, quantity=1)
        backdate(sandbox_state, too_old, 40 * 86400)  # after CAN's count, before the 30-day bound
        recent = sandbox_state.create_order(caneca, quantity=2)
        result = await run(make_engine(), SyncKind.STOCK)
        assert [a.data["order_id"] for a in of(result, K.SALE)] == [recent["id"]]
        [note] = [n for n in map(say, result.notes) if n.startswith("not covered")]
        assert "not covered: 1 product counted before" in note and "a fresh count of it" in note
        assert "CAN" in note and "PRA" not in note and "orders_lookback_days 30" in note
        assert catalog.balance("CAN") == 7
        search = sales_reads(sandbox_state)[0]  # (the second: sales after the plan)
        since = datetime.fromisoformat(search.query["order.date_last_updated.from"])
        assert ago(days=30, hours=1) < since <= ago(days=30)

    async def test_the_bound_is_a_setting(self, sandbox_state, make_engine, connected):
        [caneca] = sandbox_state.listing_ids()
        catalog = seed_erp({"CAN": 9}, when=ago(days=45))
        sold = sandbox_state.create_order(caneca, quantity=1)
        backdate(sandbox_state, sold, 40 * 86400)
        engine = make_engine()
        engine.config = connected.with_(orders_lookback_days=60)
        result = await run(engine, SyncKind.STOCK)
        assert [a.data["order_id"] for a in of(result, K.SALE)] == [sold["id"]] and catalog.balance("CAN") == 8
        assert not [n for n in map(say, result.notes) if n.startswith("not covered")]


async def test_meli_json_lost_between_two_syncs_loses_or_doubles_no_sale(sandbox_state, make_engine, melisync_home):
    [caneca] = sandbox_state.listing_ids()
    before = sandbox_state.create_order(caneca, quantity=1)  # in the count
    backdate(sandbox_state, before, 60)
    catalog = seed_erp({"CAN": 8}, when=ago(seconds=30))
    sandbox_state.set_order_status(before["id"], "paid")  # shipped after the count: read, booked as counted
    first = sandbox_state.create_order(caneca, quantity=2)  # ML: 8 -> 6
    assert (await run(make_engine(), SyncKind.ALL)).status == FINISHED
    assert catalog.balance("CAN") == 6
    close_stores()
    (melisync_home / "meli.json").unlink()  # the cache is gone: cursors, links, listing cache
    second = sandbox_state.create_order(caneca, quantity=3)  # ML: 6 -> 3
    result = await run(make_engine(), SyncKind.ALL)
    assert result.status == FINISHED, result.errors
    assert [a.data["order_id"] for a in of(result, K.SALE)] == [second["id"]]
    assert of(result, K.SALE_COUNTED) == []
    assert ledger(catalog) == [(MovementKind.SALE_COUNTED, 0), (MovementKind.SALE, -2), (MovementKind.SALE, -3)]
    assert catalog.balance("CAN") == 3 and sandbox_state.item(caneca)["available_quantity"] == 3
    assert sandbox_state.writes() == []
    assert {m.order_id for m in catalog.movements("CAN") if m.order_id} == {before["id"], first["id"], second["id"]}


class TestCustomers:
    @pytest.mark.parametrize("kind", [SyncKind.CUSTOMERS, SyncKind.ALL])
    async def test_the_first_sync_imports_the_buyers_of_the_last_30_days_once(self, sandbox_state, make_engine, kind):
        [caneca] = sandbox_state.listing_ids()
        company = sandbox_state.create_order(
            caneca,
            buyer={"doc_type": "CNPJ", "doc_number": "11222333000181", "name": "Loja Exemplo Ltda", "city": "Recife"},
        )
        backdate(sandbox_state, company, 20 * 86400)
        person = sandbox_state.create_order(caneca)
        backdate(sandbox_state, person, 3600)
        too_old = sandbox_state.create_order(caneca)
        backdate(sandbox_state, too_old, 40 * 86400)
        catalog = seed_erp({"CAN": 6}, when=ago(minutes=5))  # all three sales already in the count
        first = await run(make_engine(), kind)
        assert first.status == FINISHED, first.errors
        buyers = {c.buyer_id: c for c in catalog.customers().values()}
        assert set(buyers) == {company["buyer"]["id"], person["buyer"]["id"]}
        firm = buyers[company["buyer"]["id"]]
        assert (firm.doc_type, firm.doc_number, firm.name, firm.address.city) == (
            "CNPJ",
            "11222333000181",
            "Loja Exemplo Ltda",
            "Recife",
        )
        buyer = buyers[person["buyer"]["id"]]
        assert (
            buyer.doc_type == "CPF" and len(buyer.doc_number) == 11 and buyer.address.street and buyer.address.zip_code
        )
        assert catalog.balance("CAN") == 6  # every sale was in the count
        close_stores()
        (melisync_home_of(make_engine) / "meli.json").unlink()  # even from scratch: no duplicate
        again = await run(make_engine(), kind)
        assert of(again, K.CUSTOMER) == [] and len(catalog.customers()) == 2 and catalog.balance("CAN") == 6


def melisync_home_of(make_engine):
    return make_engine().config.home

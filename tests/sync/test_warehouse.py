"""Multi-origin sellers (tag `warehouse_management`, docs/mercado-livre-api.md §6.5): stock goes through the user product's
seller_warehouse with x-version, once per user product, read back with the stock GET; PUT /items (which
Mercado Livre accepts and ignores for them) is never used; several warehouses -> the operator chooses."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sandbox.state import SandboxState
from services.run_facts import error_reason
from services.store.journal import FAILED, FINISHED
from services.sync.plan import ActionStatus as St
from services.sync.plan import SyncKind
from tests.fixtures.sync import seed_erp
from words.reasons import say

PUT_WAREHOUSE = "/stock/type/seller_warehouse"


@pytest.fixture
def sandbox_state(request) -> SandboxState:
    state = SandboxState(
        listings=0, user_products=True, warehouse_management=True, warehouses=getattr(request, "param", 1)
    )
    state.add_family(
        "Camiseta",
        [
            {"attributes": {"Cor": "Azul"}, "quantity": 2, "sku": "CAM-AZ"},
            {"attributes": {"Cor": "Verde"}, "quantity": 7, "sku": "CAM-VD"},
        ],
        listing_types=("gold_special", "gold_pro"),
    )
    state.add_family("Boné", [{"attributes": {"Cor": "Preto"}, "quantity": 4, "sku": "BON-PT"}], full=True)
    return state


async def run(engine, kind=SyncKind.STOCK):
    return await engine.apply(await engine.plan(kind))


def erp():
    return seed_erp({}, {"CAM-AZ": ("CAM", 5), "CAM-VD": ("CAM", 7), "BON-PT": ("BON", 9)})


def up_of(state, item_id):
    return state.item(item_id)["user_product_id"]


async def test_written_once_per_user_product_through_the_warehouse_with_x_version(sandbox_state, make_engine):
    erp()
    azul, azul_premium, verde, verde_premium, bone = sandbox_state.listing_ids()
    result = await run(make_engine())
    assert result.status == FINISHED, result.errors
    assert sandbox_state.requests_to("/items/", "PUT") == []
    write, full_write = sandbox_state.writes()
    assert write.path == f"/user-products/{up_of(sandbox_state, azul)}{PUT_WAREHOUSE}"
    assert write.headers.get("x-version") and write.status == 200
    assert write.body == {
        "locations": [
            {
                "store_id": sandbox_state.stores[0]["id"],
                "network_node_id": sandbox_state.stores[0]["network_node_id"],
                "quantity": 5,
            }
        ]
    }
    # read back through the stock GET after the write
    gets = [r for r in sandbox_state.requests_to(f"/user-products/{up_of(sandbox_state, azul)}/stock", "GET")]
    assert len(gets) == 3 and gets[-1].at >= write.at  # the plan's read, the write's x-version, the read-back
    done = {a.item_id: a for a in result.actions if a.status == St.DONE}
    assert set(done) == {azul, azul_premium, bone} and "written through" in say(done[azul_premium].reason)
    assert sandbox_state.item(azul_premium)["available_quantity"] == 5 == sandbox_state.item(azul)["available_quantity"]
    # Full + own stock: the seller's own warehouse gets the ERP balance (its location created by the PUT), the
    # Full units stay Mercado Livre's and are shown, never written
    assert full_write.path == f"/user-products/{up_of(sandbox_state, bone)}{PUT_WAREHOUSE}"
    assert full_write.body["locations"] == [
        {"store_id": sandbox_state.stores[0]["id"], "network_node_id": "BRSP01", "quantity": 9}
    ]
    [full] = [a for a in result.actions if a.item_id == bone]
    assert full.status == St.DONE and (full.from_, full.to) == (0, 9)
    assert "Full holds 4 (read, never written)" in say(full.reason) and "this write creates it" in say(full.reason)
    assert sandbox_state.item(bone)["available_quantity"] == 13  # 4 in Full + 9 in the seller's warehouse
    sandbox_state.clear_log()
    assert (await run(make_engine())).status == FINISHED and sandbox_state.writes() == []


@pytest.mark.parametrize("sandbox_state", [2], indirect=True)
async def test_several_warehouses_and_none_chosen_skips_every_target_and_says_how(sandbox_state, make_engine):
    erp()
    result = await run(make_engine())
    stock = [a for a in result.actions if a.erp_code in ("CAM-AZ",)]
    assert stock and all(a.status == St.SKIPPED for a in stock)
    for store in sandbox_state.stores:
        assert store["id"] in say(stock[0].reason)
    assert "melisync config set warehouse <store_id>" in say(stock[0].reason)
    assert any("melisync config set warehouse" in n for n in map(say, result.notes))
    assert sandbox_state.writes() == []


@pytest.mark.parametrize("sandbox_state", [2], indirect=True)
async def test_the_configured_warehouse_is_the_one_written(sandbox_state, make_engine):
    erp()
    azul = sandbox_state.listing_ids()[0]
    second = sandbox_state.stores[1]["id"]
    engine = make_engine()
    engine.config = replace(engine.config, warehouse=second)
    result = await run(engine)
    assert result.status == FINISHED, result.errors
    [write] = [w for w in sandbox_state.writes() if up_of(sandbox_state, azul) in w.path]
    assert write.body["locations"] == [{"store_id": second, "network_node_id": "BRSP02", "quantity": 5}]
    # The first warehouse keeps its 2 units (read, never written); the listing shows both.
    assert sandbox_state.item(azul)["available_quantity"] == 7
    [action] = [a for a in result.actions if a.item_id == azul]
    assert (action.from_, action.to) == (0, 5) and "other warehouses hold 2 (read, never written)" in say(action.reason)
    engine = make_engine()
    engine.config = replace(engine.config, warehouse="999")
    unknown = await run(engine)
    assert all(
        "999 is not one of the seller's warehouses" in say(a.reason) for a in unknown.actions if a.erp_code == "CAM-VD"
    )


@pytest.mark.parametrize("sandbox_state", [2], indirect=True)
async def test_the_links_show_the_chosen_warehouse_quantity_not_the_listing_total(sandbox_state, make_engine):
    """Issue 14: the ML column (and Diff) compares the ERP with what the plan compares, the chosen warehouse's
    own quantity. The listing's total also counts the other warehouse: shown, a synced row read "Diff -2"."""
    from services.store.links import LinkRepository

    erp()
    azul, azul_premium = sandbox_state.listing_ids()[:2]
    second = sandbox_state.stores[1]["id"]
    engine = make_engine()
    engine.config = replace(engine.config, warehouse=second)

    def shown() -> dict:
        return {l.listing_id: (l.erp_stock, l.ml_stock, l.difference) for l in LinkRepository().all()}

    prepared = await engine.plan(SyncKind.STOCK)
    [planned] = [a for a in prepared.plan.actions if a.item_id == azul and a.status == St.PLANNED]
    [row] = [l for l in prepared.links if l.listing_id == azul]
    # The plan's rows carry what it compares: the chosen warehouse holds nothing of it yet (the listing: 2).
    assert planned.from_ == row.ml_stock == 0 and row.difference == 5
    assert (await engine.apply(prepared)).status == FINISHED
    assert sandbox_state.item(azul)["available_quantity"] == 7  # 5 written here + 2 in the first warehouse
    # Right after the sync the row agrees with the ERP, on both listings sharing the user product.
    assert shown()[azul] == shown()[azul_premium] == (5, 5, 0)
    # A sync with nothing to write (the links stored from the listings as read again) still says so.
    again = await run(engine)
    assert [a for a in again.actions if a.status == St.PLANNED or a.status == St.DONE] == []
    assert shown()[azul] == (5, 5, 0)


async def test_a_sale_between_read_and_write_is_planned_again_not_re_sent(sandbox_state, make_engine):
    """A buyer pays between the writer's stock GET and its PUT: 409 (stale x-version). The quantity planned before
    the sale is not sent again: the sale is recorded, the stock read again, and the target written once more."""
    erp()
    azul, azul_premium, *_ = sandbox_state.listing_ids()
    up = up_of(sandbox_state, azul)
    sandbox_state.sell_before_next_write(azul_premium, path_prefix=f"/user-products/{up}/stock/type")
    result = await run(make_engine())
    assert result.status == FINISHED, result.errors
    puts = sandbox_state.requests_to(f"/user-products/{up}{PUT_WAREHOUSE}", "PUT")
    assert [p.status for p in puts] == [409, 200]
    assert [p.body["locations"][0]["quantity"] for p in puts] == [5, 4]  # ERP 5, minus the sale
    assert sandbox_state.item(azul)["available_quantity"] == 4 == seed_erp_balance("CAM-AZ")
    [sale] = [a for a in result.actions if a.kind.value == "sale"]
    assert sale.status == St.DONE and sale.item_id == azul_premium
    moved = [a for a in result.actions if a.item_id == azul and a.kind.value == "stock"]
    assert [a.status for a in moved] == [St.SKIPPED, St.DONE]
    assert "the stock moved while writing" in say(moved[0].reason) and "409" in say(moved[0].reason)
    assert "planned again from fresh facts" in say(moved[1].reason)


async def test_a_stock_that_keeps_moving_is_left_to_the_next_run(sandbox_state, make_engine):
    erp()
    azul = sandbox_state.listing_ids()[0]
    up = up_of(sandbox_state, azul)
    sandbox_state.fail_next(2, 409, path_prefix=f"/user-products/{up}/stock/type", method="PUT")
    result = await run(make_engine())
    moved = [a for a in result.actions if a.item_id == azul]
    assert [a.status for a in moved] == [St.SKIPPED, St.SKIPPED]
    assert "the next run settles it" in say(moved[1].reason)
    assert sandbox_state.item(azul)["available_quantity"] == 2  # nothing was re-sent blindly
    settled = await run(make_engine())
    assert settled.status == FINISHED and sandbox_state.item(azul)["available_quantity"] == 5


def seed_erp_balance(code):
    from services.erp.catalog import Catalog

    return Catalog().balance(code)


async def test_a_write_accepted_but_ignored_is_an_error_of_the_run(sandbox_state, make_engine, make_client):
    erp()

    class Ignoring:
        """Mercado Livre answering 200 and keeping the old quantity."""

        def __init__(self, real):
            self.real = real

        def __getattr__(self, name):
            return getattr(self.real, name)

        async def put_seller_warehouse_stock(self, up, locations, version):
            return await self.real.user_product_stock(up)

    result = await run(make_engine(client=Ignoring(make_client())))
    assert result.status == FAILED
    [failed] = [
        a for a in result.actions if a.status == St.FAILED and not a.data.get("follows") and a.erp_code == "CAM-AZ"
    ]
    assert "read-back" in say(failed.reason) and "did not keep it" in say(failed.reason)
    assert any("did not keep it" in say(error_reason(e)) for e in result.errors)


async def test_full_stock_stays_and_the_own_warehouse_location_is_created_by_the_put():
    """A user product with stock only in Mercado Livre's warehouse (meli_facility) and none yet in the chosen
    store: the PUT carries only that store (ML creates its location); the Full units are never in a write."""
    from services.meli.models import StockLocation, UserProductStock
    from services.sync.apply import StockWriter
    from services.sync.plan import Action, ActionKind

    class FullOnly:
        def __init__(self):
            self.puts = []
            self.locations = (StockLocation("meli_facility", 4),)

        async def user_product_stock(self, up):
            return UserProductStock(up, self.locations), 3 + len(self.puts)

        async def put_seller_warehouse_stock(self, up, locations, version):
            self.puts.append((up, locations, version))
            self.locations = self.locations + tuple(locations)
            return UserProductStock(up, self.locations), 4

    client = FullOnly()
    action = Action(
        kind=ActionKind.STOCK,
        item_id="MLB1",
        erp_code="X",
        from_=0,
        to=9,
        data={"route": "warehouse", "user_product_id": "MLBU1", "store_id": "77", "network_node_id": "N"},
    )
    [result] = await StockWriter(client, {}).write([action])
    assert result.status == St.DONE, say(result.reason)
    assert client.puts == [("MLBU1", [StockLocation("seller_warehouse", 9, "77", "N")], 3)]


async def test_orders_unreadable_after_the_writes_fail_the_run_and_say_to_run_again(
    sandbox_state, make_engine, make_client
):
    from services.errors import OperationFailed

    erp()
    azul = sandbox_state.listing_ids()[0]

    class OrdersGoneAfterWriting:
        def __init__(self, real):
            self.real, self.reads = real, 0

        def __getattr__(self, name):
            return getattr(self.real, name)

        def orders(self, *args, **kwargs):
            self.reads += 1
            # the plan's reads (holds of unpaid orders, sales), the late-sales read, then the read after the writes
            if self.reads == 4:
                raise OperationFailed("could not reach Mercado Livre")
            return self.real.orders(*args, **kwargs)

    engine = make_engine(client=OrdersGoneAfterWriting(make_client()))
    with pytest.raises(OperationFailed) as caught:
        await run(engine)
    assert "the stock was written" in str(caught.value) and "run the sync again" in str(caught.value)
    assert sandbox_state.item(azul)["available_quantity"] == 5  # the write stands
    from services.store.journal import Journal

    assert Journal().last_run("stock").status == FAILED

"""The multi-origin stock resources (ml-api.md §6.5): stock per location with x-version, the seller
warehouse write (a stale version is read again and retried, bounded), the warehouses, the 100 RPM limit."""

from __future__ import annotations

import pytest

from sandbox.state import SandboxState
from services.meli.errors import MeliApiError
from services.meli.models import StockLocation
from services.meli.throttle import WindowLimiter


@pytest.fixture
def sandbox_state() -> SandboxState:
    state = SandboxState(listings=0, user_products=True, warehouse_management=True, warehouses=2)
    state.add_family("Camiseta", [{"attributes": {"Cor": "Azul"}, "quantity": 6, "sku": "CAM-AZ"}],
                     listing_types=("gold_special", "gold_pro"))
    return state


def up_of(state):
    return state.item(state.listing_ids()[0])["user_product_id"]


async def test_stock_locations_and_versions(sandbox_state, connected, make_client):
    up = up_of(sandbox_state)
    async with make_client() as client:
        stores = await client.stock_locations()
        assert [s.store_id for s in stores] == [s["id"] for s in sandbox_state.stores]
        assert stores[0].network_node_id == "BRSP01" and stores[0].description
        stock, version = await client.user_product_stock(up)
    assert stock.user_product_id == up and isinstance(version, int)
    assert [(l.type, l.store_id, l.quantity) for l in stock.locations] == [
        ("seller_warehouse", stores[0].store_id, 6), ("seller_warehouse", stores[1].store_id, 0)]
    assert stock.warehouse(stores[0].store_id).quantity == 6 and stock.warehouse("nope") is None


async def test_a_stale_version_is_read_again_and_the_write_retried(sandbox_state, connected, make_client):
    up = up_of(sandbox_state)
    first = sandbox_state.listing_ids()[0]
    async with make_client() as client:
        stock, version = await client.user_product_stock(up)
        sandbox_state.create_order(first, quantity=1)  # a sale moves x-version on
        store = stock.locations[0]
        written, new_version = await client.put_seller_warehouse_stock(
            up, [StockLocation("seller_warehouse", 9, store.store_id, store.network_node_id)], version)
    assert written.warehouse(store.store_id).quantity == 9 and new_version > version + 1
    puts = sandbox_state.requests_to(f"/user-products/{up}/stock/type/seller_warehouse", "PUT")
    assert [r.status for r in puts] == [409, 200]
    assert [r.headers.get("x-version") for r in puts] == [str(version), str(version + 1)]
    assert {sandbox_state.item(i)["available_quantity"] for i in sandbox_state.listing_ids()} == {9}


async def test_the_stale_version_retry_is_bounded(sandbox_state, connected, make_client):
    up = up_of(sandbox_state)
    sandbox_state.fail_next(10, 409, path_prefix=f"/user-products/{up}/stock/type", method="PUT")
    async with make_client() as client:
        stock, version = await client.user_product_stock(up)
        store = stock.locations[0]
        with pytest.raises(MeliApiError) as caught:
            await client.put_seller_warehouse_stock(
                up, [StockLocation("seller_warehouse", 9, store.store_id, store.network_node_id)], version)
    assert caught.value.status == 409
    assert len(sandbox_state.requests_to(f"/user-products/{up}/stock/type", "PUT")) == 4  # 1 + 3 re-reads


async def test_window_limiter_lets_a_burst_through_then_waits_for_the_window():
    now = [0.0]
    waits = []

    async def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    limiter = WindowLimiter(3, 60.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        await limiter.acquire()
    assert waits == []
    now[0] = 10.0
    await limiter.acquire()
    assert waits == [50.0] and now[0] == 60.0


async def test_the_client_keeps_to_100_stock_calls_a_minute(sandbox_state, connected, make_client, sleeps,
                                                            monkeypatch):
    import services.meli.client as client_module

    monkeypatch.setattr(client_module, "UP_STOCK_RPM", 2)
    sandbox_state.up_stock_rpm = 2  # the sandbox would answer 429 to a third call within its minute
    up = up_of(sandbox_state)
    async with make_client() as client:
        await client.stock_locations()
        for _ in range(2):
            await client.user_product_stock(up)
        assert sleeps.delays == []
        sandbox_state.advance(60)  # the sandbox's minute passes while the client waits its own
        await client.user_product_stock(up)
    assert len(sleeps.delays) == 1 and 55 < sleeps.delays[0] <= 60
    assert [r.status for r in sandbox_state.requests_to(f"/user-products/{up}/stock")] == [200, 200, 200]

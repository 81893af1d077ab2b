"""The multi-origin stock resources (docs/mercado-livre-api.md §6.5): stock per location with x-version, the seller
warehouse write (a stale version is a 409 raised to the caller, never re-sent), the warehouses, the 100 RPM limit."""

from __future__ import annotations

import pytest

from sandbox.state import SandboxState
from services.meli.errors import MeliApiError
from services.meli.models import StockLocation
from services.meli.throttle import WindowLimiter


@pytest.fixture
def sandbox_state() -> SandboxState:
    state = SandboxState(listings=0, user_products=True, warehouse_management=True, warehouses=2)
    state.add_family(
        "Camiseta",
        [{"attributes": {"Cor": "Azul"}, "quantity": 6, "sku": "CAM-AZ"}],
        listing_types=("gold_special", "gold_pro"),
    )
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
    # only the first store holds the product: the second has no location until its first PUT
    assert [(l.type, l.store_id, l.quantity) for l in stock.locations] == [("seller_warehouse", stores[0].store_id, 6)]
    assert stock.warehouse(stores[0].store_id).quantity == 6 and stock.warehouse(stores[1].store_id) is None


async def test_a_stale_version_is_a_409_for_the_caller_never_the_same_quantities_again(
    sandbox_state, connected, make_client
):
    """A sale between the stock GET and the PUT: the stock moved, so the quantity planned before it is not sent
    again with a fresh version (that would put the sold unit back on sale); the caller plans again."""
    up = up_of(sandbox_state)
    first = sandbox_state.listing_ids()[0]
    async with make_client() as client:
        stock, version = await client.user_product_stock(up)
        sandbox_state.create_order(first, quantity=1)  # a sale moves x-version on
        store = stock.locations[0]
        with pytest.raises(MeliApiError) as caught:
            await client.put_seller_warehouse_stock(
                up, [StockLocation("seller_warehouse", 9, store.store_id, store.network_node_id)], version
            )
    assert caught.value.status == 409
    puts = sandbox_state.requests_to(f"/user-products/{up}/stock/type/seller_warehouse", "PUT")
    assert [r.status for r in puts] == [409]
    assert {sandbox_state.item(i)["available_quantity"] for i in sandbox_state.listing_ids()} == {5}


async def test_a_location_is_created_by_the_first_put_in_a_store(sandbox_state, connected, make_client):
    up = up_of(sandbox_state)
    second = sandbox_state.stores[1]
    async with make_client() as client:
        stock, version = await client.user_product_stock(up)
        written, _ = await client.put_seller_warehouse_stock(
            up, [StockLocation("seller_warehouse", 4, second["id"], second["network_node_id"])], version
        )
    assert written.warehouse(second["id"]).quantity == 4
    assert written.warehouse(sandbox_state.stores[0]["id"]).quantity == 6
    assert {sandbox_state.item(i)["available_quantity"] for i in sandbox_state.listing_ids()} == {10}


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


async def test_the_client_keeps_to_100_stock_calls_a_minute(sandbox_state, connected, make_client, sleeps, meli_config):
    from services.config import Config

    assert Config(home=meli_config.home).stock_requests_per_minute == 100  # Mercado Livre's documented limit
    sandbox_state.up_stock_rpm = 2  # the sandbox would answer 429 to a third call within its minute
    up = up_of(sandbox_state)
    async with make_client(config=meli_config.with_(stock_requests_per_minute=2)) as client:
        await client.stock_locations()
        for _ in range(2):
            await client.user_product_stock(up)
        assert sleeps.delays == []
        sandbox_state.advance(60)  # the sandbox's minute passes while the client waits its own
        await client.user_product_stock(up)
    assert len(sleeps.delays) == 1 and 55 < sleeps.delays[0] <= 60
    assert [r.status for r in sandbox_state.requests_to(f"/user-products/{up}/stock")] == [200, 200, 200]

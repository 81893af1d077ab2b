"""Orders by `date_last_updated` windows (hour precision, paging, windows split past the offset wall),
and the buyer's billing info."""

from datetime import UTC, datetime, timedelta

import pytest

from services.meli import client as client_module


def _sandbox_time(state) -> datetime:
    return datetime.fromtimestamp(state.now(), UTC)


def _sellable(state):
    return [
        i
        for i in state.listing_ids()
        if not state.item(i)["variations"]
        and state.item(i)["status"] == "active"
        and state.item(i)["available_quantity"] > 0
    ]


def _sell(state, count):
    made, stock = [], _sellable(state)
    for n in range(count):
        item_id = stock[n % len(stock)]
        state.set_stock(item_id, 1000)
        made.append(state.create_order(item_id)["id"])
    return made


async def test_orders_page_through_a_window_each_once(connected, make_client, sandbox_state):
    start = _sandbox_time(sandbox_state)
    made = _sell(sandbox_state, 120)
    async with make_client() as client:
        seen = [o.id async for o in client.orders(start, _sandbox_time(sandbox_state))]
    assert sorted(seen) == sorted(made)
    pages = sandbox_state.requests_to("/orders/search")
    assert len(pages) == 3 and all(int(r.query["limit"]) <= 50 for r in pages)


async def test_hour_precision_never_misses_the_last_minutes(connected, make_client, sandbox_state):
    now = sandbox_state.now()
    sandbox_state.advance(3600 - now % 3600 + 1800)  # HH:30 on the sandbox clock
    (order_id,) = _sell(sandbox_state, 1)
    moment = _sandbox_time(sandbox_state)
    async with make_client() as client:
        # ML drops minutes: asking up to HH:31 would mean "up to HH:00" and miss the HH:30 sale
        seen = [o.id async for o in client.orders(moment - timedelta(minutes=1), moment + timedelta(minutes=1))]
    assert seen == [order_id]
    (query,) = [r.query for r in sandbox_state.requests_to("/orders/search")]
    assert query["order.date_last_updated.from"].endswith(":00:00.000-00:00")
    assert query["order.date_last_updated.to"].endswith(":00:00.000-00:00")


async def test_windows_past_the_offset_wall_are_split(connected, make_client, sandbox_state, monkeypatch):
    monkeypatch.setattr(client_module, "ORDERS_MAX_OFFSET", 100)
    start = _sandbox_time(sandbox_state)
    made = []
    for _ in range(5):
        sandbox_state.advance(3600)
        made += _sell(sandbox_state, 50)
    async with make_client() as client:
        seen = [o.id async for o in client.orders(start, _sandbox_time(sandbox_state))]
    assert sorted(seen) == sorted(made)  # all of them, each once
    assert all(int(r.query["offset"]) < 100 for r in sandbox_state.requests_to("/orders/search"))


@pytest.mark.parametrize("sandbox_lenient", [(), ("billing_in_search",)])
async def test_order_fields_and_billing_info(connected, make_client, sandbox_state, sandbox_lenient):
    item_id = _sellable(sandbox_state)[0]
    sandbox_state.set_stock(item_id, 10)
    sandbox_state.create_order(
        item_id, quantity=2, buyer={"first_name": "Ana", "last_name": "Souza", "doc_number": "12345678909"}
    )
    async with make_client() as client:
        (order,) = [o async for o in client.orders()]
        # Search results may leave the billing info id out (strict); the order itself carries it.
        assert (order.billing_info_id is not None) == bool(sandbox_lenient)
        full = await client.order(order.id)
        assert full.billing_info_id and full.items == order.items
        info = await client.billing_info(full.billing_info_id)
    assert order.status == "paid" and order.items[0].listing_id == item_id and order.items[0].quantity == 2
    assert order.buyer_id > 0 and order.date_last_updated.tzinfo is not None
    assert info.doc_type == "CPF" and info.doc_number == "12345678909" and "Ana" in info.name

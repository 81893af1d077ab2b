"""The sandbox's Mercado Livre kits (stock computed from the components, a sale = one order per component),
the sandbox-only sale route (no token, left out of the log's writes, faults and rate limit) and the hook
that sells right before the next write lands; `melisync sandbox sell` over a real socket."""

from __future__ import annotations

import httpx
import pytest

from cli.main import main
from sandbox.app import create_app
from sandbox.state import SandboxState


@pytest.fixture
def kit_state() -> SandboxState:
    state = SandboxState()
    caneca = state.add_listing("Caneca", quantity=10, sku="CAN")
    tapete = state.add_listing("Tapete", quantity=3, sku="TAP")
    state.add_kit("Kit", [{"item_id": caneca, "quantity": 2}, {"item_id": tapete, "quantity": 1}], sku="KIT")
    return state


def ids(state):
    return state.listing_ids()


def test_a_kit_stock_is_computed_from_its_components(kit_state):
    caneca, tapete, kit = ids(kit_state)
    assert kit_state.item(kit)["available_quantity"] == 3 and "bundle" in kit_state.item(kit)["tags"]
    kit_state.set_stock(tapete, 9)
    assert kit_state.item(kit)["available_quantity"] == 5  # 10 // 2
    kit_state.create_order(caneca, quantity=3)
    assert kit_state.item(kit)["available_quantity"] == 3  # 7 // 2
    kit_state.set_stock(caneca, 0)
    assert kit_state.item(kit)["available_quantity"] == 0 and kit_state.item(kit)["status"] == "paused"
    with pytest.raises(ValueError):
        kit_state.add_kit("Kit de um", [{"item_id": caneca}])


def test_a_kit_sale_is_one_order_per_component_sharing_a_pack(kit_state):
    caneca, tapete, kit = ids(kit_state)
    orders = kit_state.sell(kit, quantity=2)
    assert [(o["order_items"][0]["item"]["id"], o["order_items"][0]["quantity"]) for o in orders] == [
        (caneca, 4),
        (tapete, 2),
    ]
    assert len({o["pack_id"] for o in orders}) == 1 and all("bundle_component" in o["tags"] for o in orders)
    assert all(o["order_items"][0]["item"]["seller_sku"] is None for o in orders)  # the harsher reading
    assert kit_state.item(caneca)["available_quantity"] == 6 and kit_state.item(kit)["available_quantity"] == 1
    kit_state.set_order_status(orders[0]["id"], "paid")
    assert "bundle_component" in kit_state.order(orders[0]["id"])["tags"]  # tags survive a status change
    with pytest.raises(ValueError):
        kit_state.create_order(kit)  # a kit is bought with sell()


async def test_a_kit_write_is_accepted_and_ignored(kit_state):
    kit = ids(kit_state)[2]
    token = kit_state.issue_tokens()["access_token"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(kit_state)),
        base_url="http://t",
        headers={"Authorization": f"Bearer {token}"},
    ) as http:
        answer = await http.put(f"/items/{kit}", json={"available_quantity": 50})
    assert answer.status_code == 200 and kit_state.item(kit)["available_quantity"] == 3


async def test_the_sale_route_needs_no_token_and_is_not_an_api_write(kit_state):
    caneca, tapete, kit = ids(kit_state)
    kit_state.rate, kit_state.burst = 1, 1
    kit_state.fail_next(5, 500)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(kit_state)), base_url="http://t") as http:
        sold = await http.post("/_sandbox/sell", json={"code": "TAP", "quantity": 2})
        kit_sold = await http.post("/_sandbox/sell", json={"item_id": kit})
        refused = await http.post("/_sandbox/sell", json={"item_id": caneca, "quantity": 99})
        neither = await http.post("/_sandbox/sell", json={"quantity": 1})
        unknown = await http.post("/_sandbox/sell", json={"item_id": "MLB1"})
    assert sold.status_code == 201 and sold.json()["orders"][0]["item_id"] == tapete
    assert [o["item_id"] for o in kit_sold.json()["orders"]] == [caneca, tapete]
    assert (refused.status_code, neither.status_code, unknown.status_code) == (400, 400, 404)
    assert "only 8 in stock" in refused.json()["message"]
    assert kit_state.writes() == [] and kit_state.item(tapete)["available_quantity"] == 0


async def test_a_sale_lands_right_before_the_next_write(kit_state):
    caneca = ids(kit_state)[0]
    kit_state.sell_before_next_write(caneca, quantity=1, path_prefix=f"/items/{caneca}")
    token = kit_state.issue_tokens()["access_token"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(kit_state)),
        base_url="http://t",
        headers={"Authorization": f"Bearer {token}"},
    ) as http:
        await http.get(f"/items/{caneca}")  # a read does not trigger it
        assert kit_state.orders == {}
        await http.put(f"/items/{caneca}", json={"available_quantity": 10})
    [order] = kit_state.orders.values()
    assert order["_created_at"] <= kit_state.requests_to(f"/items/{caneca}", "PUT")[0].at
    # ML has no conditional item write: the absolute quantity overwrote the sale's unit
    assert kit_state.item(caneca)["available_quantity"] == 10


def test_melisync_sandbox_sell_over_a_socket(live_sandbox, capsys):
    state = live_sandbox.state
    item = state.listing_ids()[0]
    before = state.item(item)["available_quantity"]
    assert main(["sandbox", "sell", item, "--qty", "2", "--url", live_sandbox.base_url]) == 0
    out = capsys.readouterr().out
    [order] = state.orders.values()
    assert f"order {order['id']}" in out and state.item(item)["available_quantity"] == before - 2
    assert main(["sandbox", "sell", item, "--before-next-write", "--url", live_sandbox.base_url]) == 0
    assert "right before the next write" in capsys.readouterr().out and len(state.orders) == 1


@pytest.mark.parametrize(
    "argv, code",
    [
        (["MLB1", "--code", "X"], 2),
        ([], 2),
        (["MLB1", "--qty", "0"], 2),
        (["--code", "X", "--variation", "3"], 2),
        (["MLB1", "--url", "https://api.mercadolibre.com"], 2),
        (["MLB1", "--url", "nope"], 2),
        (["MLB1", "--url", "http://127.0.0.1:9"], 1),
    ],
)
def test_sandbox_sell_bad_input(argv, code, capsys):
    assert main(["sandbox", "sell", *argv]) == code
    err = capsys.readouterr().err
    assert err.startswith("melisync: ") and "Traceback" not in err


def test_sandbox_sell_an_unpaid_order_then_pay_or_cancel_it(live_sandbox, capsys):
    """`sell --status confirmed`: the buyer has not paid; Mercado Livre holds the units (date_closed set) and the
    order is found by a search for that status. `sandbox order` moves it on: cancelled gives the units back."""
    state = live_sandbox.state
    item = state.listing_ids()[0]
    before = state.item(item)["available_quantity"]
    url = ["--url", live_sandbox.base_url]
    assert main(["sandbox", "sell", item, "--qty", "2", "--status", "confirmed", *url]) == 0
    [order] = state.orders.values()
    assert f"order {order['id']} (confirmed)" in capsys.readouterr().out
    assert order["status"] == "confirmed" and order["date_closed"] is not None and order["paid_amount"] == 0
    assert state.item(item)["available_quantity"] == before - 2
    seller = (state.seller["id"], "")
    found = state.search_orders(
        {"seller": str(state.seller["id"]), "order.status": "confirmed,partially_paid"}, seller
    )["results"]
    assert [o["id"] for o in found] == [order["id"]]
    assert state.search_orders({"seller": str(state.seller["id"]), "order.status": "paid"}, seller)["results"] == []

    assert main(["sandbox", "order", str(order["id"]), "--status", "cancelled", *url]) == 0
    assert "is now cancelled" in capsys.readouterr().out and state.item(item)["available_quantity"] == before
    assert main(["sandbox", "sell", item, "--status", "payment_required", *url]) == 0
    capsys.readouterr()
    waiting = max(state.orders)
    assert state.orders[waiting]["date_closed"] is None and state.item(item)["available_quantity"] == before
    assert main(["sandbox", "order", str(waiting), "--status", "paid", *url]) == 0
    assert state.orders[waiting]["date_closed"] is not None and state.item(item)["available_quantity"] == before - 1


@pytest.mark.parametrize(
    "argv, code",
    [
        (["sell", "MLB1", "--status", "shipped"], 2),
        (["order", "12", "--status", "paid", "--url", "nope"], 2),
        (["order", "x", "--status", "paid"], 2),
        (["order", "12"], 2),
    ],
)
def test_sandbox_order_bad_input(argv, code, capsys):
    assert main(["sandbox", *argv]) == code
    err = capsys.readouterr().err
    assert err.startswith("melisync: ") and "Traceback" not in err


def test_sandbox_order_unknown_order_is_refused(live_sandbox, capsys):
    assert main(["sandbox", "order", "5", "--status", "paid", "--url", live_sandbox.base_url]) == 2
    assert "Order 5 not found" in capsys.readouterr().err


def test_selling_a_code_no_listing_carries_says_so_in_one_sentence():
    from sandbox.errors import ApiError
    from sandbox.state import SandboxState

    state = SandboxState(listings=5, seed=0)
    with pytest.raises(ApiError) as caught:
        state.sell(code="NOPE-01")
    assert caught.value.message == "No listing carries the reference code NOPE-01"

"""Sandbox orders (docs/mercado-livre-api.md §8): sales decrement stock, cancelling gives it back, search limits and
hour-precision date filters, billing info."""

from __future__ import annotations

import pytest

from sandbox import SELLER_ID


async def test_sale_decrements_stock_and_shows_in_search(sandbox_state, seller_http):
    item_id = sandbox_state.add_listing("Vendido", quantity=3, sku="V-1", price=50)
    order = sandbox_state.create_order(item_id, quantity=2)
    assert sandbox_state.item(item_id)["available_quantity"] == 1
    assert sandbox_state.item(item_id)["sold_quantity"] == 2
    found = (await seller_http.get("/orders/search", params={"seller": SELLER_ID, "order.status": "paid"})).json()
    assert [o["id"] for o in found["results"]] == [order["id"]]
    line = found["results"][0]["order_items"][0]
    assert (line["item"]["id"], line["item"]["seller_sku"], line["quantity"], line["unit_price"]) == (
        item_id,
        "V-1",
        2,
        50,
    )
    assert set(found["results"][0]["buyer"]) == {"id"}  # search results: only the id (strict reading)
    got = (await seller_http.get(f"/orders/{order['id']}")).json()
    assert set(got["buyer"]) == {"id", "billing_info"}  # the order itself carries the billing info id
    assert order["id"] > 2**32


async def test_last_units_sold_pause_the_listing(sandbox_state):
    item_id = sandbox_state.add_listing("Último", quantity=1)
    sandbox_state.create_order(item_id)
    assert sandbox_state.item(item_id)["status"] == "paused"
    with pytest.raises(ValueError):
        sandbox_state.create_order(item_id)


async def test_variation_sale_and_cancel(sandbox_state, seller_http):
    item_id = sandbox_state.add_listing(
        "Variações",
        variations=[
            {"attributes": {"Cor": "Azul"}, "quantity": 2, "sku": "V-AZ"},
            {"attributes": {"Cor": "Preto"}, "quantity": 3},
        ],
    )
    azul, _ = sandbox_state.variation_ids(item_id)
    order = sandbox_state.create_order(item_id, azul, 2)
    assert [v["available_quantity"] for v in sandbox_state.item(item_id)["variations"]] == [0, 3]
    got = (await seller_http.get(f"/orders/{order['id']}")).json()
    assert got["order_items"][0]["item"]["variation_id"] == azul
    assert got["order_items"][0]["item"]["variation_attributes"][0]["value_name"] == "Azul"
    sandbox_state.cancel_order(order["id"])
    assert [v["available_quantity"] for v in sandbox_state.item(item_id)["variations"]] == [2, 3]
    default = (await seller_http.get("/orders/search", params={"seller": SELLER_ID})).json()
    assert default["results"] == []  # cancelled orders are left out unless asked for
    cancelled = await seller_http.get("/orders/search", params={"seller": SELLER_ID, "order.status": "cancelled"})
    assert [o["id"] for o in cancelled.json()["results"]] == [order["id"]]


async def test_payment_later_takes_stock_then(sandbox_state):
    item_id = sandbox_state.add_listing("Pendente", quantity=3)
    order = sandbox_state.create_order(item_id, status="payment_required")
    assert sandbox_state.item(item_id)["available_quantity"] == 3
    sandbox_state.set_order_status(order["id"], "paid")
    assert sandbox_state.item(item_id)["available_quantity"] == 2


async def test_search_limits_and_paging(sandbox_state, seller_http):
    item_id = sandbox_state.add_listing("Muitos", quantity=100)
    ids = [sandbox_state.create_order(item_id)["id"] for _ in range(5)]
    assert (await seller_http.get("/orders/search", params={"seller": SELLER_ID, "limit": 52})).status_code == 400
    assert (await seller_http.get("/orders/search", params={"seller": 1})).status_code == 403
    assert (await seller_http.get("/orders/search")).status_code == 400
    pages = [
        (await seller_http.get("/orders/search", params={"seller": SELLER_ID, "limit": 2, "offset": o})).json()
        for o in (0, 2, 4)
    ]
    assert [o["id"] for p in pages for o in p["results"]] == ids and pages[0]["paging"]["total"] == 5
    desc = (await seller_http.get("/orders/search", params={"seller": SELLER_ID, "sort": "date_desc"})).json()
    assert [o["id"] for o in desc["results"]] == ids[::-1]


async def test_date_filters_have_hour_precision(sandbox_state, seller_http):
    item_id = sandbox_state.add_listing("Datas", quantity=100)
    order = sandbox_state.create_order(item_id)
    created = order["date_created"]  # e.g. 2026-11-27T04:37:12.345-03:00
    hour = created[:13]
    query = {"seller": SELLER_ID}
    inside = (
        await seller_http.get(
            "/orders/search", params={**query, "order.date_created.from": f"{hour}:59:59.000{created[-6:]}"}
        )
    ).json()["results"]
    assert [o["id"] for o in inside] == [order["id"]]  # minutes dropped: from = the start of that hour
    sandbox_state.advance(3600)
    later = sandbox_state.iso()
    after = (await seller_http.get("/orders/search", params={**query, "order.date_last_updated.from": later})).json()
    assert after["results"] == []
    bad = await seller_http.get("/orders/search", params={**query, "order.date_created.from": "yesterday"})
    assert bad.status_code == 400


async def test_billing_info(sandbox_state, seller_http):
    item_id = sandbox_state.add_listing("Faturado", quantity=3)
    order = sandbox_state.create_order(
        item_id, buyer={"first_name": "Maria", "last_name": "Souza", "doc_number": "12345678909"}
    )
    billing = (await seller_http.get(f"/orders/billing-info/MLB/{order['buyer']['billing_info']['id']}")).json()
    info = billing["buyer"]["billing_info"]
    assert (info["name"], info["last_name"], info["identification"]) == (
        "Maria",
        "Souza",
        {"type": "CPF", "number": "12345678909"},
    )
    company = sandbox_state.create_order(
        item_id, buyer={"doc_type": "CNPJ", "doc_number": "11222333000181", "name": "Loja Exemplo Ltda"}
    )
    info = (await seller_http.get(f"/orders/billing-info/MLB/{company['buyer']['billing_info']['id']}")).json()
    assert info["buyer"]["billing_info"]["attributes"]["cust_type"] == "BU"
    pending = sandbox_state.create_order(item_id, buyer={"processing": True})
    info = (await seller_http.get(f"/orders/billing-info/MLB/{pending['buyer']['billing_info']['id']}")).json()
    assert info["buyer"]["billing_info"]["identification"]["number"] is None
    assert (await seller_http.get("/orders/billing-info/MLB/1")).status_code == 404
    assert (await seller_http.get(f"/orders/{order['id']}/billing_info")).status_code == 404  # the old path is gone
    assert (await seller_http.get("/orders/1")).json()["error"] == "order_not_found"


def test_fake_cpfs_are_valid(sandbox_state):
    from sandbox.orders import _check_digits

    cpf = sandbox_state.make_buyer()["doc_number"]
    assert len(cpf) == 11 and _check_digits([int(c) for c in cpf[:9]], 10) == [int(c) for c in cpf]


def test_sample_orders(sandbox_state):
    made = sandbox_state.create_sample_orders(10)
    assert len(made) == 10 and all(sandbox_state.order(i)["status"] == "paid" for i in made)


async def test_shipment_needs_the_new_format_and_hides_the_address_until_paid(sandbox_state, seller_http):
    item_id = sandbox_state.add_listing("Enviado", quantity=5)
    paid = sandbox_state.create_order(item_id, buyer={"first_name": "Ana", "last_name": "Lima"})
    path = f"/shipments/{paid['shipping']['id']}"
    assert (await seller_http.get(path)).status_code == 400
    shipment = (await seller_http.get(path, headers={"x-format-new": "true"})).json()
    assert shipment["destination"]["receiver_name"] == "Ana Lima"
    assert shipment["destination"]["shipping_address"]["street_name"] == "Rua das Flores"
    unpaid = sandbox_state.create_order(item_id, status="payment_required")
    hidden = (await seller_http.get(f"/shipments/{unpaid['shipping']['id']}", headers={"x-format-new": "true"})).json()
    assert hidden["destination"]["shipping_address"]["street_name"] is None

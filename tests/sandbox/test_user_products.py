"""Sandbox for the sellers of 2026 (issue 7 point 1, docs/mercado-livre-api.md §6.5/§6.6): User Products families with shared
stock, the UPtin migration, multi-origin stock with x-version and its 100 RPM limit."""

from __future__ import annotations

import httpx
import pytest

from sandbox import SELLER_ID
from sandbox.app import create_app
from sandbox.state import SandboxState


@pytest.fixture
def up_state() -> SandboxState:
    return SandboxState(user_products=True)


@pytest.fixture
def warehouse_state() -> SandboxState:
    return SandboxState(user_products=True, warehouse_management=True)


@pytest.fixture
async def client_for():
    """An authorized httpx.AsyncClient on any SandboxState."""
    made = []

    def make(state):
        token = state.issue_tokens()["access_token"]
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(state)),
            base_url="http://sandbox.test",
            headers={"Authorization": f"Bearer {token}"},
        )
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


async def test_seller_tags(client_for):
    assert "user_product_seller" in (await client_for(SandboxState(user_products=True)).get("/users/me")).json()["tags"]
    tags = (await client_for(SandboxState(warehouse_management=True, warehouses=2)).get("/users/me")).json()["tags"]
    assert {"warehouse_management", "multiwarehouse"} <= set(tags) and "user_product_seller" not in tags


async def test_family_listings_share_stock_per_user_product(up_state, client_for):
    http = client_for(up_state)
    ids = up_state.add_family(
        "Camiseta Lisa",
        [
            {"attributes": {"Cor": "Azul"}, "quantity": 5, "sku": "CL-AZ"},
            {"attributes": {"Cor": "Preto"}, "quantity": 2, "sku": "CL-PR"},
        ],
        price=59.9,
        listing_types=("gold_special", "gold_pro"),
    )
    azul_classic, azul_premium, preto_classic, preto_premium = ids
    items = [up_state.item(i) for i in ids]
    assert all(i["variations"] == [] and i["family_name"] == "Camiseta Lisa" for i in items)
    assert items[0]["user_product_id"] == items[1]["user_product_id"] != items[2]["user_product_id"]
    assert items[0]["title"] == "Camiseta Lisa Azul"
    answer = await http.put(f"/items/{azul_classic}", json={"available_quantity": 9})
    assert answer.status_code == 200
    assert up_state.item(azul_premium)["available_quantity"] == 9  # the sibling follows
    assert up_state.item(preto_classic)["available_quantity"] == 2  # another variant does not
    up_state.create_order(preto_premium, quantity=2)
    assert (
        up_state.item(preto_classic)["status"] == "paused" and up_state.item(preto_classic)["available_quantity"] == 0
    )
    search = await http.get(f"/users/{SELLER_ID}/items/search", params={"user_product_id": items[0]["user_product_id"]})
    assert sorted(search.json()["results"]) == sorted([azul_classic, azul_premium])
    family = (await http.get(f"/sites/MLB/user-products-families/{items[0]['family_id']}")).json()
    assert family["user_products_ids"] == [items[0]["user_product_id"], items[2]["user_product_id"]]
    assert int(items[0]["family_id"]) > 2**63
    up = (await http.get(f"/user-products/{items[0]['user_product_id']}")).json()
    assert up["family_id"] == items[0]["family_id"]


async def test_family_listings_refuse_variations_and_titles(up_state, client_for):
    http = client_for(up_state)
    item_id = up_state.add_family("Caneca", [{"attributes": {"Cor": "Azul"}, "quantity": 1}])[0]
    variations = await http.put(f"/items/{item_id}", json={"variations": [{"available_quantity": 1}]})
    assert variations.status_code == 400 and "invalid with family name" in variations.json()["message"]
    title = await http.put(f"/items/{item_id}", json={"title": "Outro"})
    assert title.status_code == 400 and title.json()["error"] == "item.title.not_modifiable"


async def test_uptin_migration(up_state, client_for):
    http = client_for(up_state)
    old = up_state.add_listing(
        "Tênis Legado",
        199.9,
        variations=[
            {"attributes": {"Cor": "Azul", "Tamanho": "40"}, "quantity": 3, "sku": "TL-AZ-40", "sold_quantity": 5},
            {"attributes": {"Cor": "Preto", "Tamanho": "41"}, "quantity": 0, "sku": "TL-PR-41"},
        ],
    )
    variation_ids = up_state.variation_ids(old)
    new_ids = up_state.migrate_listing(old, complete=False)
    assert len(new_ids) == 2
    for item_id in (old, *new_ids):
        assert (await http.put(f"/items/{item_id}", json={"available_quantity": 1})).status_code == 404
    pending = (await http.get(f"/items/{old}/migration_live_listing")).json()
    assert pending["migration_completed"] is False
    assert [(n["new_item_id"], n["variation_id"]) for n in pending["new_items"]] == list(
        zip(new_ids, variation_ids, strict=True)
    )
    new = up_state.item(new_ids[0])
    assert new["status"] == "paused" and {"variations_migration_uptin", "variations_migration_pending"} <= set(
        new["tags"]
    )
    up_state.complete_migration(old)
    done = (await http.get(f"/items/{old}/migration_live_listing")).json()
    assert done["migration_completed"] and {n["migration_status"] for n in done["new_items"]} == {"completed"}
    old_item = up_state.item(old)
    assert old_item["status"] == "closed" and "variations_migration_source" in old_item["tags"]
    first, second = (await http.get("/items", params={"ids": ",".join(new_ids), "include_attributes": "all"})).json()
    assert first["body"]["status"] == "active" and second["body"]["status"] == "paused"
    assert [a["value_name"] for a in first["body"]["attributes"] if a["id"] == "SELLER_SKU"] == ["TL-AZ-40"]
    assert first["body"]["family_name"] == "Tênis Legado" and first["body"]["variations"] == []
    assert (await http.put(f"/items/{new_ids[0]}", json={"available_quantity": 7})).status_code == 200
    assert (await http.put(f"/items/{old}", json={"available_quantity": 1})).status_code == 400  # closed now
    assert (await http.get(f"/items/{new_ids[0]}/migration_live_listing")).status_code == 404


async def test_warehouse_stock_with_x_version(warehouse_state, client_for):
    http = client_for(warehouse_state)
    ids = warehouse_state.add_family(
        "Garrafa", [{"attributes": {"Cor": "Azul"}, "quantity": 6}], listing_types=("gold_special", "gold_pro")
    )
    up_id = warehouse_state.item(ids[0])["user_product_id"]
    got = await http.get(f"/user-products/{up_id}/stock")
    version = got.headers["x-version"]
    [location] = got.json()["locations"]
    assert location["type"] == "seller_warehouse" and location["quantity"] == 6
    path = f"/user-products/{up_id}/stock/type/seller_warehouse"
    body = {
        "locations": [
            {"store_id": location["store_id"], "network_node_id": location["network_node_id"], "quantity": 10}
        ]
    }
    missing = await http.put(path, json=body)
    assert missing.status_code == 400 and missing.json()["message"] == "Missing X-Version"
    ok = await http.put(path, json=body, headers={"x-version": version})
    assert ok.status_code == 200 and int(ok.headers["x-version"]) == int(version) + 1
    assert [warehouse_state.item(i)["available_quantity"] for i in ids] == [10, 10]
    stale = await http.put(path, json=body, headers={"x-version": version})
    assert stale.status_code == 409
    facility = await http.put(
        f"/user-products/{up_id}/stock/type/meli_facility", json=body, headers={"x-version": ok.headers["x-version"]}
    )
    assert facility.status_code == 400
    # PUT /items answers 200 and changes nothing for a multi-origin seller
    ignored = await http.put(f"/items/{ids[0]}", json={"available_quantity": 1})
    assert ignored.status_code == 200 and warehouse_state.item(ids[0])["available_quantity"] == 10
    # a sale takes the unit from the warehouse and moves the version on
    warehouse_state.create_order(ids[1], quantity=3)
    after = await http.get(f"/user-products/{up_id}/stock")
    assert after.json()["locations"][0]["quantity"] == 7 and int(after.headers["x-version"]) > int(
        ok.headers["x-version"]
    )


async def test_warehouse_refusals(client_for):
    state = SandboxState(warehouse_management=True)
    http = client_for(state)
    full = state.add_listing("Full", quantity=4, full=True)
    up_id = state.item(full)["user_product_id"]
    got = await http.get(f"/user-products/{up_id}/stock")
    assert got.json()["locations"] == [{"type": "meli_facility", "quantity": 4}]
    # Full stock is Mercado Livre's; the seller's own warehouse gets a location next to it on the first PUT
    own = await http.put(
        f"/user-products/{up_id}/stock/type/seller_warehouse",
        headers={"x-version": got.headers["x-version"]},
        json={"locations": [{"store_id": state.stores[0]["id"], "quantity": 1}]},
    )
    assert own.status_code == 200 and state.item(full)["available_quantity"] == 5
    assert {l["type"]: l["quantity"] for l in own.json()["locations"]} == {"meli_facility": 4, "seller_warehouse": 1}
    stale = await http.put(
        f"/user-products/{up_id}/stock/type/seller_warehouse",
        headers={"x-version": got.headers["x-version"]},
        json={"locations": [{"store_id": state.stores[0]["id"], "quantity": 2}]},
    )
    assert stale.status_code == 409
    simple = state.add_listing("Simples", quantity=4)
    up_id = state.item(simple)["user_product_id"]
    version = (await http.get(f"/user-products/{up_id}/stock")).headers["x-version"]
    stranger = await http.put(
        f"/user-products/{up_id}/stock/type/seller_warehouse",
        headers={"x-version": version},
        json={"locations": [{"store_id": "999", "quantity": 1}]},
    )
    assert stranger.status_code == 400
    legacy = state.add_listing("Variações", variations=[{"attributes": {"Cor": "Azul"}, "quantity": 2}])
    vid = state.variation_ids(legacy)[0]
    answer = await http.put(f"/items/{legacy}/variations/{vid}", json={"available_quantity": 9})
    assert answer.status_code == 200 and state.item(legacy)["available_quantity"] == 2


async def test_stock_resource_limit_is_100_per_minute(warehouse_state, client_for):
    http = client_for(warehouse_state)
    up_id = warehouse_state.item(warehouse_state.add_listing("Simples", quantity=1))["user_product_id"]
    statuses = [(await http.get(f"/user-products/{up_id}/stock")).status_code for _ in range(101)]
    assert statuses[:100] == [200] * 100 and statuses[100] == 429
    warehouse_state.advance(60)
    assert (await http.get(f"/user-products/{up_id}/stock")).status_code == 200


async def test_stores_search(client_for):
    state = SandboxState(warehouse_management=True, warehouses=2)
    stores = (
        await client_for(state).get(f"/users/{SELLER_ID}/stores/search", params={"tags": "stock_location"})
    ).json()
    assert [s["network_node_id"] for s in stores["results"]] == ["BRSP01", "BRSP02"]
    plain = SandboxState()
    assert (await client_for(plain).get(f"/users/{SELLER_ID}/stores/search", params={"tags": "stock_location"})).json()[
        "results"
    ] == []


async def test_two_warehouses_write_one_or_both(client_for):
    state = SandboxState(warehouse_management=True, warehouses=2)
    http = client_for(state)
    up_id = state.item(state.add_listing("Simples", quantity=5))["user_product_id"]
    got = await http.get(f"/user-products/{up_id}/stock")
    assert [l["quantity"] for l in got.json()["locations"]] == [5]  # the second store: no location yet
    body = {"locations": [{"store_id": s["id"], "quantity": 3} for s in state.stores]}
    answer = await http.put(
        f"/user-products/{up_id}/stock/type/seller_warehouse",
        json=body,
        headers={"x-version": got.headers["x-version"]},
    )
    assert answer.status_code == 200 and state.item(state.listing_ids()[0])["available_quantity"] == 6


def test_user_products_catalogue_is_mixed():
    state = SandboxState(listings=60, user_products=True)
    items = [state.item(i) for i in state.listing_ids()]
    families = [i for i in items if i["family_name"] is not None]
    legacy = [i for i in items if i["variations"]]
    assert families and legacy  # a mixed account: UP listings and legacy listings not yet migrated
    kit = [i for i in items if any(a["value_name"] == "KIT-PANELAS-5" for a in i["attributes"])]
    assert len(kit) == 2 and kit[0]["user_product_id"] == kit[1]["user_product_id"]

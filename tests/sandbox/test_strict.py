"""The sandbox takes the harsher reading where the docs are unsure, and each `lenient` name brings back the
kinder one (sandbox/strictness.py); plus the faults that make a client's life hard (lost answers, partial
multigets, 429 without Retry-After, several items per order, packs)."""

from __future__ import annotations

import httpx
import pytest

from sandbox import SELLER_ID
from sandbox.state import SandboxState
from sandbox.strictness import LENIENT, lenient_names

SEARCH = f"/users/{SELLER_ID}/items/search"


def test_lenient_names_are_checked():
    assert lenient_names("attributes_merge,scroll_limit") == {"attributes_merge", "scroll_limit"}
    with pytest.raises(ValueError, match="unknown lenient behaviour"):
        SandboxState(lenient=["attribute_merge"])
    assert set(LENIENT) >= {
        "attributes_merge",
        "scroll_limit",
        "bulk_variation_attributes",
        "billing_in_search",
        "sort_date_created",
        "retry_after",
    }


@pytest.mark.parametrize("sandbox_lenient", [(), ("attributes_merge",)])
async def test_put_attributes_replaces_the_list_unless_lenient(sandbox_state, seller_http, sandbox_lenient):
    item_id = sandbox_state.add_listing("Atributos", sku="OLD", variations=None)
    answer = await seller_http.put(
        f"/items/{item_id}", json={"attributes": [{"id": "SELLER_SKU", "value_name": "NEW"}]}
    )
    assert answer.status_code == 200
    ids = [a["id"] for a in sandbox_state.item(item_id)["attributes"]]
    assert ids == (["BRAND", "SELLER_SKU"] if sandbox_lenient else ["SELLER_SKU"])  # strict: BRAND is gone


@pytest.mark.parametrize("sandbox_lenient", [(), ("attributes_merge",)])
async def test_variation_put_attributes_replaces_too(sandbox_state, seller_http, sandbox_lenient):
    item_id = sandbox_state.add_listing("V", variations=[{"attributes": {"Cor": "Azul"}, "quantity": 2, "sku": "A"}])
    vid = sandbox_state.variation_ids(item_id)[0]
    sandbox_state.items[item_id]["variations"][0]["attributes"].append(
        {"id": "GTIN", "name": "GTIN", "value_id": None, "value_name": "7891234567895"}
    )
    body = {"attributes": [{"id": "SELLER_SKU", "value_name": "B"}]}
    assert (await seller_http.put(f"/items/{item_id}/variations/{vid}", json=body)).status_code == 200
    ids = sorted(a["id"] for a in sandbox_state.find_variation(item_id, vid)["attributes"])
    assert ids == (["GTIN", "SELLER_SKU"] if sandbox_lenient else ["SELLER_SKU"])


@pytest.mark.parametrize("sandbox_lenient", [(), ("scroll_limit",)])
async def test_scroll_id_with_limit(sandbox_state, seller_http, sandbox_lenient):
    first = (await seller_http.get(SEARCH, params={"search_type": "scan", "limit": 15})).json()
    with_limit = await seller_http.get(
        SEARCH, params={"search_type": "scan", "scroll_id": first["scroll_id"], "limit": 15}
    )
    assert with_limit.status_code == (200 if sandbox_lenient else 400)
    alone = await seller_http.get(SEARCH, params={"search_type": "scan", "scroll_id": first["scroll_id"]})
    # the first call's page size (40 listings: after two pages of 15 in lenient mode, 10 are left)
    assert alone.status_code == 200 and len(alone.json()["results"]) == (10 if sandbox_lenient else 15)


@pytest.mark.parametrize("sandbox_lenient", [(), ("bulk_variation_attributes",)])
async def test_bulk_leaves_variation_attributes_out(sandbox_state, seller_http, sandbox_lenient):
    item_id = sandbox_state.add_listing("V", variations=[{"attributes": {"Cor": "Azul"}, "quantity": 2, "sku": "A"}])
    bulk = (await seller_http.get("/items/bulk", params={"ids": item_id, "include_attributes": "all"})).json()
    variation = bulk[0]["body"]["variations"][0]
    assert ("attributes" in variation) == bool(sandbox_lenient)
    assert bulk[0]["body"]["attributes"]  # the listing's own attributes are there either way
    # the variations resource gives them, strict or not
    listed = (await seller_http.get(f"/items/{item_id}/variations", params={"include_attributes": "all"})).json()
    assert listed[0]["attributes"][0]["value_name"] == "A"
    # the old multiget honours include_attributes=all (documented)
    old = (await seller_http.get("/items", params={"ids": item_id, "include_attributes": "all"})).json()
    assert old[0]["body"]["variations"][0]["attributes"][0]["value_name"] == "A"


async def test_multiget_entries_with_their_own_status_and_206(sandbox_state, seller_http):
    ids = sandbox_state.listing_ids()[:3]
    sandbox_state.fail_in_multiget(ids[0], 403)
    sandbox_state.fail_in_multiget(ids[2], 500)
    answer = await seller_http.get("/items/bulk", params={"ids": ",".join(ids)})
    assert answer.status_code == 206 and answer.headers["x-content-missing"] == f"{ids[0]},{ids[2]}"
    assert [e["status_code"] for e in answer.json()] == [403, 200, 500]
    again = await seller_http.get("/items/bulk", params={"ids": ",".join(ids)})
    assert again.status_code == 200 and [e["status_code"] for e in again.json()] == [200, 200, 200]


async def test_lost_answer_applies_then_drops(sandbox_state, seller_http):
    item_id = sandbox_state.add_listing("Perdido", quantity=3)
    sandbox_state.lose_answer_next(path_prefix=f"/items/{item_id}", method="PUT")
    with pytest.raises(httpx.RemoteProtocolError):
        await seller_http.put(f"/items/{item_id}", json={"available_quantity": 7})
    assert sandbox_state.item(item_id)["available_quantity"] == 7  # it happened
    assert sandbox_state.requests_to(f"/items/{item_id}", "PUT")[-1].lost


def test_lost_answer_over_a_real_socket(live_sandbox):
    state = live_sandbox.state
    tokens = state.issue_tokens()
    item_id = state.add_listing("Perdido", quantity=3)
    state.lose_answer_next(path_prefix=f"/items/{item_id}")
    with httpx.Client(
        base_url=live_sandbox.base_url, headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.put(f"/items/{item_id}", json={"available_quantity": 9})
        assert client.get(f"/items/{item_id}").json()["available_quantity"] == 9


async def test_lost_token_rotation(sandbox_state, sandbox_http, sandbox_tokens):
    import sandbox as demo

    sandbox_state.lose_answer_next(path_prefix="/oauth/token")
    form = {
        "grant_type": "refresh_token",
        "client_id": demo.DEMO_CLIENT_ID,
        "client_secret": demo.DEMO_CLIENT_SECRET,
        "refresh_token": sandbox_tokens["refresh_token"],
    }
    with pytest.raises(httpx.RemoteProtocolError):
        await sandbox_http.post("/oauth/token", data=form)
    again = await sandbox_http.post("/oauth/token", data=form)  # the old refresh token was used up
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("sandbox_lenient", [(), ("retry_after",)])
async def test_429_retry_after(sandbox_state, seller_http, sandbox_lenient):
    sandbox_state.rate, sandbox_state.burst = 1, 1
    await seller_http.get("/users/me")
    limited = await seller_http.get("/users/me")
    assert limited.status_code == 429
    assert limited.headers.get("retry-after") == ("1" if sandbox_lenient else None)
    sandbox_state.rate_retry_after = 3600
    if not sandbox_lenient:
        assert (await seller_http.get("/users/me")).headers["retry-after"] == "3600"


async def test_every_nth_request_fails(sandbox_state, seller_http):
    sandbox_state.fail_every(3, 429)
    statuses = [(await seller_http.get("/users/me")).status_code for _ in range(7)]
    assert statuses == [200, 200, 429, 200, 200, 429, 200]


@pytest.mark.parametrize("sandbox_lenient", [(), ("billing_in_search", "sort_date_created")])
async def test_orders_several_items_packs_sort_and_billing(sandbox_state, seller_http, sandbox_lenient):
    a = sandbox_state.add_listing("A", quantity=5)
    b = sandbox_state.add_listing("B", quantity=5)
    unpaid = sandbox_state.create_order(a, status="payment_required")
    two = sandbox_state.create_order(lines=[(a, None, 1), (b, None, 2)])
    pack = sandbox_state.create_pack([(a, None, 1), (b, None, 1)])
    assert sandbox_state.item(a)["available_quantity"] == 3 and sandbox_state.item(b)["available_quantity"] == 2
    assert len(two["order_items"]) == 2
    assert {o["pack_id"] for o in pack} == {pack[0]["pack_id"]} and pack[0]["pack_id"]
    sandbox_state.advance(60)
    sandbox_state.set_order_status(unpaid["id"], "paid")  # created first, closed last
    found = (await seller_http.get("/orders/search", params={"seller": SELLER_ID})).json()["results"]
    ids = [o["id"] for o in found]
    if "sort_date_created" in sandbox_lenient:
        assert ids == [unpaid["id"], two["id"], pack[0]["id"], pack[1]["id"]]
    else:
        assert ids == [two["id"], pack[0]["id"], pack[1]["id"], unpaid["id"]]
    assert all(("billing_info" in o["buyer"]) == bool(sandbox_lenient) for o in found)
    by_item = (await seller_http.get("/orders/search", params={"seller": SELLER_ID, "item": b})).json()["results"]
    assert [o["id"] for o in by_item] == [two["id"], pack[1]["id"]]

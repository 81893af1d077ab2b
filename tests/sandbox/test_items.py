"""Sandbox listing reads (docs/mercado-livre-api.md §3-§4): search with paging limits and scan, both multiget shapes,
field selection, variation SKUs only with include_attributes=all, error shape."""

from __future__ import annotations

import pytest

from sandbox import SELLER_ID

SEARCH = f"/users/{SELLER_ID}/items/search"


async def test_search_pages_through_every_listing(sandbox_state, seller_http):
    found = []
    for offset in range(0, 40, 15):
        page = (await seller_http.get(SEARCH, params={"limit": 15, "offset": offset})).json()
        assert page["paging"]["total"] == 40
        found += page["results"]
    assert found == sandbox_state.listing_ids()


@pytest.mark.parametrize("query", [{"limit": 101}, {"offset": 950, "limit": 51}, {"offset": 1000}])
async def test_search_limits(seller_http, query):
    answer = await seller_http.get(SEARCH, params=query)
    assert answer.status_code == 400
    assert set(answer.json()) == {"message", "error", "status", "cause"}


async def test_search_filters(sandbox_state, seller_http):
    paused = (await seller_http.get(SEARCH, params={"status": "paused"})).json()["results"]
    assert paused and all(sandbox_state.item(i)["status"] == "paused" for i in paused)
    by_sku = (await seller_http.get(SEARCH, params={"seller_sku": "KIT-PANELAS-5"})).json()["results"]
    assert len(by_sku) == 2
    assert {sandbox_state.item(i)["listing_type_id"] for i in by_sku} == {"gold_special", "gold_pro"}
    # `sku=` is the legacy seller_custom_field, unrelated to SELLER_SKU
    assert (await seller_http.get(SEARCH, params={"sku": "KIT-PANELAS-5"})).json()["results"] == []
    legacy = (await seller_http.get(SEARCH, params={"sku": "GAR-LEGADO-1"})).json()["results"]
    assert len(legacy) == 1 and sandbox_state.item(legacy[0])["seller_custom_field"] == "GAR-LEGADO-1"


async def test_search_is_the_seller_only(seller_http):
    assert (await seller_http.get("/users/123/items/search")).status_code == 403


async def test_scan_walks_past_the_offset_window_and_expires(sandbox_state, seller_http):
    state = sandbox_state
    for n in range(1100):
        state.add_listing(f"Produto extra {n}", sku=f"EXTRA-{n}")
    total = len(state.listing_ids())
    first = (await seller_http.get(SEARCH, params={"search_type": "scan", "limit": 100})).json()
    seen, scroll = list(first["results"]), first["scroll_id"]
    while True:
        page = (await seller_http.get(SEARCH, params={"search_type": "scan", "scroll_id": scroll})).json()
        if not page["results"]:
            break
        seen += page["results"]
    assert seen == state.listing_ids() and len(seen) == total
    state.advance(301)
    expired = await seller_http.get(SEARCH, params={"search_type": "scan", "scroll_id": scroll})
    assert expired.status_code == 400


async def test_multiget_verbose_shape_and_limit(sandbox_state, seller_http):
    ids = sandbox_state.listing_ids()[:3] + ["MLB1"]
    answer = (await seller_http.get("/items", params={"ids": ",".join(ids)})).json()
    assert [e["code"] for e in answer] == [200, 200, 200, 404]
    assert [e["body"].get("id") for e in answer[:3]] == ids[:3]
    assert answer[3]["body"]["error"] == "not_found"
    too_many = await seller_http.get("/items", params={"ids": ",".join(sandbox_state.listing_ids()[:21])})
    assert too_many.status_code == 400


async def test_bulk_shape_and_body_prefix(sandbox_state, seller_http):
    ids = sandbox_state.listing_ids()[:2]
    answer = (
        await seller_http.get("/items/bulk", params={"ids": ",".join(ids), "attributes": "body.id,body.price,title"})
    ).json()
    assert [(e["id"], e["status_code"]) for e in answer] == [(ids[0], 200), (ids[1], 200)]
    assert set(answer[0]["body"]) == {"id", "price"}  # `title` without `body.` selects nothing
    assert (
        await seller_http.get("/items/bulk", params={"ids": ",".join(sandbox_state.listing_ids()[:21])})
    ).status_code == 400


def _variation_listing(state) -> str:
    return next(i for i in state.listing_ids() if state.item(i)["title"] == "Camiseta Ação Social")


async def test_variation_sku_only_with_include_attributes_all(sandbox_state, seller_http):
    item_id = _variation_listing(sandbox_state)
    plain = (await seller_http.get(f"/items/{item_id}")).json()
    assert all("attributes" not in v and v["seller_custom_field"] is None for v in plain["variations"])
    full = (await seller_http.get(f"/items/{item_id}", params={"include_attributes": "all"})).json()
    skus = [a["value_name"] for v in full["variations"] for a in v["attributes"] if a["id"] == "SELLER_SKU"]
    assert len(skus) == len(full["variations"]) and all(s.startswith("CAMISETA AÇÃO-") for s in skus)
    assert all(v["id"] > 2**32 for v in full["variations"])
    multi = (await seller_http.get("/items", params={"ids": item_id, "attributes": "id,variations"})).json()
    assert set(multi[0]["body"]) == {"id", "variations"}
    assert all("attributes" not in v for v in multi[0]["body"]["variations"])


async def test_public_reads_get_placeholder_quantities(sandbox_state, sandbox_http):
    item_id = sandbox_state.add_listing("Estoque 37", quantity=37)
    assert (await sandbox_http.get(f"/items/{item_id}")).json()["available_quantity"] == 1
    assert sandbox_state.item(item_id)["available_quantity"] == 37


async def test_unknown_item_and_unknown_route(seller_http):
    missing = await seller_http.get("/items/MLB999")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    nowhere = await seller_http.get("/nope/at/all")
    assert nowhere.status_code == 404
    assert set(nowhere.json()) == {"message", "error", "status", "cause"} and nowhere.json()["status"] == 404


async def test_wrong_method_gets_the_error_shape(seller_http):
    answer = await seller_http.delete("/items/MLB1")
    assert answer.status_code == 405 and answer.json()["status"] == 405


async def test_legacy_multiget_can_be_switched_off(sandbox_state, seller_http):
    sandbox_state.items_ids_discontinued = True
    ids = ",".join(sandbox_state.listing_ids()[:2])
    assert (await seller_http.get("/items", params={"ids": ids})).status_code == 404
    assert (await seller_http.get("/items/bulk", params={"ids": ids})).status_code == 200

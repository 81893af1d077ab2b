"""Sandbox listing writes (docs/mercado-livre-api.md §6-§7): stock and status rules, the variations array replacing the
set, the per-variation endpoint, Full refusals, closed listings, request log."""

from __future__ import annotations

from sandbox import SELLER_ID


def _one(state, title: str) -> str:
    return next(i for i in state.listing_ids() if state.item(i)["title"] == title)


async def test_stock_zero_pauses_and_stock_back_reactivates(sandbox_state, seller_http):
    item_id = sandbox_state.add_listing("Simples", quantity=5, sku="S-1")
    answer = await seller_http.put(f"/items/{item_id}", json={"available_quantity": 0})
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["sub_status"]) == ("paused", ["out_of_stock"])
    back = (await seller_http.put(f"/items/{item_id}", json={"available_quantity": 4})).json()
    assert (back["status"], back["sub_status"], back["available_quantity"]) == ("active", [], 4)


async def test_paused_by_seller_stays_paused(sandbox_state, seller_http):
    item_id = sandbox_state.add_listing("Pausado", quantity=5)
    sandbox_state.pause_by_seller(item_id)
    answer = (await seller_http.put(f"/items/{item_id}", json={"available_quantity": 9})).json()
    assert answer["status"] == "paused" and answer["available_quantity"] == 9


async def test_variations_array_replaces_the_set(sandbox_state, seller_http):
    item_id = sandbox_state.add_listing(
        "Com variações",
        variations=[
            {"attributes": {"Cor": "Azul"}, "quantity": 2, "sku": "V-AZ", "sold_quantity": 7},
            {"attributes": {"Cor": "Preto"}, "quantity": 3, "sku": "V-PR", "sold_quantity": 4},
            {"attributes": {"Cor": "Verde"}, "quantity": 1, "sku": "V-VE"},
        ],
    )
    azul, preto, verde = sandbox_state.variation_ids(item_id)
    # one entry only: the two omitted variations are DELETED
    answer = await seller_http.put(f"/items/{item_id}", json={"variations": [{"id": azul, "available_quantity": 9}]})
    assert answer.status_code == 200
    assert sandbox_state.variation_ids(item_id) == [azul]
    assert sandbox_state.deleted_variations == [(item_id, preto), (item_id, verde)]
    assert sandbox_state.item(item_id)["available_quantity"] == 9
    # an entry without id creates a NEW variation (new id, no sales history)
    recreated = await seller_http.put(
        f"/items/{item_id}",
        json={
            "variations": [
                {"id": azul},
                {"attribute_combinations": [{"name": "Cor", "value_name": "Preto"}], "available_quantity": 3},
            ]
        },
    )
    assert recreated.status_code == 200
    ids = sandbox_state.variation_ids(item_id)
    assert ids[0] == azul and ids[1] not in (preto, verde) and ids[1] > 2**32
    assert sandbox_state.find_variation(item_id, ids[1])["sold_quantity"] == 0
    assert sandbox_state.find_variation(item_id, azul)["sold_quantity"] == 7


async def test_full_array_keeps_everything_and_unknown_ids_are_refused(sandbox_state, seller_http):
    item_id = sandbox_state.add_listing(
        "Variações",
        variations=[{"attributes": {"Cor": "Azul"}, "quantity": 2}, {"attributes": {"Cor": "Preto"}, "quantity": 3}],
    )
    a, b = sandbox_state.variation_ids(item_id)
    ok = await seller_http.put(
        f"/items/{item_id}",
        json={"variations": [{"id": a, "available_quantity": 0}, {"id": b, "available_quantity": 3}]},
    )
    assert ok.status_code == 200 and sandbox_state.variation_ids(item_id) == [a, b]
    bad = await seller_http.put(f"/items/{item_id}", json={"variations": [{"id": 1, "available_quantity": 1}]})
    assert bad.status_code == 400 and sandbox_state.variation_ids(item_id) == [a, b]  # all or nothing
    quantity = await seller_http.put(f"/items/{item_id}", json={"available_quantity": 5})
    assert quantity.status_code == 400


async def test_per_variation_endpoint_changes_only_that_variation(sandbox_state, seller_http):
    item_id = sandbox_state.add_listing(
        "Variações",
        variations=[{"attributes": {"Cor": "Azul"}, "quantity": 2}, {"attributes": {"Cor": "Preto"}, "quantity": 3}],
    )
    a, b = sandbox_state.variation_ids(item_id)
    answer = await seller_http.put(f"/items/{item_id}/variations/{b}", json={"available_quantity": 8})
    assert answer.status_code == 200 and answer.json()["available_quantity"] == 8
    item = sandbox_state.item(item_id)
    assert [v["available_quantity"] for v in item["variations"]] == [2, 8] and item["available_quantity"] == 10
    assert (await seller_http.put(f"/items/{item_id}/variations/99", json={"available_quantity": 1})).status_code == 404


async def test_all_variations_to_zero_pauses(sandbox_state, seller_http):
    item_id = sandbox_state.add_listing(
        "Variações",
        variations=[{"attributes": {"Cor": "Azul"}, "quantity": 2}, {"attributes": {"Cor": "Preto"}, "quantity": 0}],
    )
    a, _ = sandbox_state.variation_ids(item_id)
    await seller_http.put(f"/items/{item_id}/variations/{a}", json={"available_quantity": 0})
    assert sandbox_state.item(item_id)["sub_status"] == ["out_of_stock"]


async def test_full_listings_refuse_stock_writes(sandbox_state, seller_http):
    simple = _one(sandbox_state, "Fone Bluetooth Full")
    answer = await seller_http.put(f"/items/{simple}", json={"available_quantity": 3})
    assert answer.status_code == 400 and answer.json()["error"] == "item.available_quantity.not_modifiable"
    with_variations = _one(sandbox_state, "Tênis Corrida Full")
    vid = sandbox_state.variation_ids(with_variations)[0]
    per_variation = await seller_http.put(f"/items/{with_variations}/variations/{vid}", json={"available_quantity": 1})
    assert per_variation.json()["error"] == "variations.available_quantity.not_modifiable"
    array = await seller_http.put(
        f"/items/{with_variations}",
        json={"variations": [{"id": v, "available_quantity": 1} for v in sandbox_state.variation_ids(with_variations)]},
    )
    assert array.json()["error"] == "variations.available_quantity.not_modifiable"
    made_full = sandbox_state.add_listing("Vira Full", quantity=3)
    sandbox_state.make_full(made_full)
    assert (await seller_http.put(f"/items/{made_full}", json={"available_quantity": 1})).status_code == 400


async def test_closed_listing_cannot_be_written(sandbox_state, seller_http):
    item_id = sandbox_state.add_listing("Fechado", quantity=3)
    sandbox_state.close_listing(item_id)
    answer = await seller_http.put(f"/items/{item_id}", json={"available_quantity": 1})
    assert answer.status_code == 400 and sandbox_state.item(item_id)["available_quantity"] == 3


async def test_reference_code_writes_and_search_index(sandbox_state, seller_http):
    item_id = sandbox_state.add_listing("Código", quantity=3, sku="OLD-1")
    answer = await seller_http.put(
        f"/items/{item_id}",
        json={"attributes": [{"id": "BRAND", "value_name": "Genérica"}, {"id": "SELLER_SKU", "value_name": "NEW-1"}]},
    )
    assert answer.status_code == 200
    search = f"/users/{SELLER_ID}/items/search"
    assert (await seller_http.get(search, params={"seller_sku": "NEW-1"})).json()["results"] == [item_id]
    assert (await seller_http.get(search, params={"seller_sku": "OLD-1"})).json()["results"] == []
    # the seller edits it on the site
    sandbox_state.set_reference_code(item_id, "SITE-1")
    assert (await seller_http.get(search, params={"seller_sku": "SITE-1"})).json()["results"] == [item_id]
    brand = [a for a in sandbox_state.item(item_id)["attributes"] if a["id"] == "BRAND"]
    assert brand  # other attributes are kept


async def test_bad_bodies(sandbox_state, seller_http):
    item_id = sandbox_state.add_listing("Simples", quantity=3)
    for body in ({"available_quantity": -1}, {"available_quantity": "3"}, {}):
        answer = await seller_http.put(f"/items/{item_id}", json=body)
        assert answer.status_code == 400 and set(answer.json()) >= {"message", "error", "status", "cause"}
    raw = await seller_http.put(f"/items/{item_id}", content=b"{nope", headers={"content-type": "application/json"})
    assert raw.status_code == 400


async def test_writes_need_the_token(sandbox_state, sandbox_http):
    item_id = sandbox_state.add_listing("Simples", quantity=3)
    assert (await sandbox_http.put(f"/items/{item_id}", json={"available_quantity": 1})).status_code == 401


async def test_request_log(sandbox_state, seller_http):
    item_id = sandbox_state.add_listing("Simples", quantity=3)
    await seller_http.get(f"/items/{item_id}", params={"include_attributes": "all"})
    await seller_http.put(f"/items/{item_id}", json={"available_quantity": 2})
    get, put = sandbox_state.requests[-2:]
    assert (get.method, get.path, get.query, get.status) == (
        "GET",
        f"/items/{item_id}",
        {"include_attributes": "all"},
        200,
    )
    assert put.is_write and put.body == {"available_quantity": 2} and put.status == 200
    assert sandbox_state.writes() == [put]


async def test_refused_array_deletes_nothing(sandbox_state, seller_http):
    item_id = sandbox_state.add_listing(
        "Variações",
        variations=[{"attributes": {"Cor": "Azul"}, "quantity": 2}, {"attributes": {"Cor": "Preto"}, "quantity": 3}],
    )
    a, b = sandbox_state.variation_ids(item_id)
    refused = await seller_http.put(
        f"/items/{item_id}", json={"variations": [{"id": a, "price": 10.0}], "status": "bogus"}
    )
    assert refused.status_code == 400
    assert sandbox_state.variation_ids(item_id) == [a, b] and sandbox_state.deleted_variations == []

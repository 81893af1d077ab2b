"""Sync flows against the strict sandbox (issue 11), each also under the kinder reading where one exists:
reference codes that keep every other attribute, lost write answers settled by a read-back, variation codes
from the variations resource, orders of several items and packs, billing info from the order."""

from __future__ import annotations

import httpx
import pytest

from sandbox.state import SandboxState
from services.linking import LinkState
from services.store.journal import FINISHED
from services.store.links import LinkRepository
from services.sync.apply import LOST_APPLIED, LOST_RESENT
from services.sync.plan import ActionKind as K
from services.sync.plan import ActionStatus as St
from services.sync.plan import SyncKind
from tests.fixtures.sync import seed_erp
from tests.meli.test_client import FailingTransport
from words.reasons import say

GTIN = {"id": "GTIN", "name": "Código universal", "value_id": None, "value_name": "7891234567895"}


@pytest.fixture
def sandbox_state(sandbox_lenient) -> SandboxState:
    state = SandboxState(listings=0, seed=0, lenient=sandbox_lenient)
    caneca = state.add_listing("Caneca", quantity=9, sku="CAN")
    camiseta = state.add_listing(
        "Camiseta",
        sku="CAM",
        variations=[
            {"attributes": {"Cor": "Azul"}, "quantity": 2, "sku": "CAM-AZ"},
            {"attributes": {"Cor": "Verde"}, "quantity": 4, "sku": "CAM-VD"},
        ],
    )
    state.add_listing("Sem código", quantity=5)
    state.items[caneca]["attributes"].append(dict(GTIN))  # what a reference-code write must not lose
    state.items[camiseta]["variations"][1]["attributes"].append(dict(GTIN))
    return state


async def run(engine, kind):
    return await engine.apply(await engine.plan(kind))


def _ids(attributes):
    return sorted((a["id"], a["value_name"]) for a in attributes)


@pytest.mark.parametrize("sandbox_lenient", [(), ("attributes_merge",)])
async def test_reference_code_write_keeps_every_other_attribute(sandbox_state, make_engine, sandbox_lenient):
    caneca, camiseta, nocode = sandbox_state.listing_ids()
    before = sandbox_state.item(caneca)["attributes"]
    engine = make_engine()
    result = await engine.write_reference_code(await engine.reference_code_change(caneca, None, "CAN-2"))
    assert result.status == FINISHED, result.errors
    after = sandbox_state.item(caneca)["attributes"]
    assert _ids(after) == sorted([("BRAND", "Genérica"), ("GTIN", "7891234567895"), ("SELLER_SKU", "CAN-2")])
    assert _ids(before) != _ids(after)
    sent = sandbox_state.requests_to(f"/items/{caneca}", "PUT")[-1].body["attributes"]
    assert {a["id"] for a in sent} == {"BRAND", "GTIN", "SELLER_SKU"}  # the whole list, read just before
    # A variation: its own attribute list, GTIN kept; the other variation untouched.
    vid = sandbox_state.variation_ids(camiseta)[1]
    change = await engine.reference_code_change(camiseta, vid, "CAM-VERDE")
    assert (await engine.write_reference_code(change)).status == FINISHED
    assert _ids(sandbox_state.find_variation(camiseta, vid)["attributes"]) == [
        ("GTIN", "7891234567895"),
        ("SELLER_SKU", "CAM-VERDE"),
    ]
    # Without a code before: the code is added to the list
    assert (
        await engine.write_reference_code(await engine.reference_code_change(nocode, None, "NOVO"))
    ).status == FINISHED
    assert _ids(sandbox_state.item(nocode)["attributes"]) == [("BRAND", "Genérica"), ("SELLER_SKU", "NOVO")]


async def test_reference_code_write_that_lost_other_attributes_fails_the_read_back(
    sandbox_state, make_engine, monkeypatch
):
    caneca = sandbox_state.listing_ids()[0]
    engine = make_engine()
    change = await engine.reference_code_change(caneca, None, "CAN-2")
    real = engine.client.attributes
    calls = []

    async def first_read_without_gtin(item_id, variation_id=None):
        found = await real(item_id, variation_id)
        calls.append(item_id)
        return found if len(calls) > 1 else [a for a in found if a["id"] != "GTIN"]  # a stale/short read

    monkeypatch.setattr(engine.client, "attributes", first_read_without_gtin)
    result = await engine.write_reference_code(change)
    [action] = result.actions
    assert action.status == St.DONE  # what was read before is what is there after: nothing lost by this write
    monkeypatch.setattr(engine.client, "attributes", real)
    sandbox_state.items[caneca]["attributes"].append(dict(GTIN, id="MODEL", value_name="X1"))
    calls.clear()

    async def model_vanishes_after(item_id, variation_id=None):
        found = await real(item_id, variation_id)
        calls.append(item_id)
        return found if len(calls) == 1 else [a for a in found if a["id"] != "MODEL"]

    monkeypatch.setattr(engine.client, "attributes", model_vanishes_after)
    result = await engine.write_reference_code(await engine.reference_code_change(caneca, None, "CAN-3"))
    assert result.actions[0].status == St.FAILED and "gone: MODEL" in say(result.actions[0].reason)


async def test_a_stock_write_whose_answer_was_lost_is_read_back_not_resent(sandbox_state, make_engine):
    seed_erp({"CAN": 4}, {"CAM-AZ": ("CAM", 2), "CAM-VD": ("CAM", 1)})
    caneca, camiseta, _ = sandbox_state.listing_ids()
    sandbox_state.lose_answer_next(path_prefix=f"/items/{caneca}", method="PUT")
    sandbox_state.lose_answer_next(path_prefix=f"/items/{camiseta}/variations/", method="PUT")
    result = await run(make_engine(), SyncKind.STOCK)
    assert result.status == FINISHED, result.errors
    done = {(a.item_id, a.variation_id): a for a in result.actions if a.kind == K.STOCK}
    assert all(a.status == St.DONE and a.reason == LOST_APPLIED for a in done.values()) and len(done) == 2
    assert len(sandbox_state.requests_to(f"/items/{caneca}", "PUT")) == 1  # never sent twice
    assert sandbox_state.item(caneca)["available_quantity"] == 4
    assert [v["available_quantity"] for v in sandbox_state.item(camiseta)["variations"]] == [2, 1]


async def test_a_lost_write_that_never_arrived_is_sent_again_after_the_read_back(
    sandbox_state, make_engine, make_client, sandbox_app
):
    seed_erp({"CAN": 4})
    caneca = sandbox_state.listing_ids()[0]
    transport = FailingTransport(sandbox_app, f"/items/{caneca}", 0, error=httpx.ReadError)
    engine = make_engine(make_client(transport=transport))
    prepared = await engine.plan(SyncKind.STOCK)
    transport.times = 1  # the PUT dies before reaching ML
    result = await engine.apply(prepared)
    [action] = [a for a in result.actions if a.kind == K.STOCK]
    assert (action.status, action.reason) == (St.DONE, LOST_RESENT)
    assert sandbox_state.item(caneca)["available_quantity"] == 4


@pytest.mark.parametrize("sandbox_lenient", [(), ("bulk_variation_attributes",)])
async def test_variation_links_survive_a_bulk_answer_without_variation_attributes(
    sandbox_state, make_engine, sandbox_lenient
):
    seed_erp({"CAN": 9}, {"CAM-AZ": ("CAM", 5), "CAM-VD": ("CAM", 4)})
    camiseta = sandbox_state.listing_ids()[1]
    result = await run(make_engine(), SyncKind.STOCK)
    assert result.status == FINISHED
    links = {l.key: l for l in LinkRepository().all()}
    az, vd = sandbox_state.variation_ids(camiseta)
    assert links[f"{camiseta}:{az}"].state == LinkState.LINKED and links[f"{camiseta}:{vd}"].erp_code == "CAM-VD"
    assert sandbox_state.item(camiseta)["variations"][0]["available_quantity"] == 5
    reads = sandbox_state.requests_to(f"/items/{camiseta}/variations", "GET")
    assert len(reads) == (0 if sandbox_lenient else 1)


@pytest.mark.parametrize("sandbox_lenient", [(), ("billing_in_search", "sort_date_created")])
async def test_every_item_of_an_order_and_every_order_of_a_pack_is_booked(sandbox_state, make_engine, sandbox_lenient):
    from services.erp.catalog import Catalog

    catalog = seed_erp({"CAN": 9, "NOVO": 5}, {"CAM-AZ": ("CAM", 2), "CAM-VD": ("CAM", 4)})
    caneca, camiseta, _ = sandbox_state.listing_ids()
    az, vd = sandbox_state.variation_ids(camiseta)
    await run(make_engine(), SyncKind.ALL)  # the first orders sync: from now on
    buyer = {"doc_type": "CPF", "doc_number": "52998224725", "first_name": "Ana"}
    several = sandbox_state.create_order(lines=[(caneca, None, 2), (camiseta, az, 1)], buyer=buyer)
    pack = sandbox_state.create_pack([(caneca, None, 1), [(camiseta, vd, 2), (caneca, None, 1)]])
    result = await run(make_engine(), SyncKind.ALL)
    assert result.status == FINISHED, result.errors
    sales = sorted(a.key for a in result.actions if a.kind == K.SALE and a.status == St.DONE)
    assert sales == sorted(
        [
            f"sale:{several['id']}:{caneca}:-",
            f"sale:{several['id']}:{camiseta}:{az}",
            f"sale:{pack[0]['id']}:{caneca}:-",
            f"sale:{pack[1]['id']}:{camiseta}:{vd}",
            f"sale:{pack[1]['id']}:{caneca}:-",
        ]
    )
    assert (catalog.balance("CAN"), catalog.balance("CAM-AZ"), catalog.balance("CAM-VD")) == (5, 1, 2)
    # Billing info: from the order itself when the search left it out.
    customers = Catalog().customers()
    assert customers[several["buyer"]["id"]].doc_number == "52998224725"
    assert all(c.doc_number for c in customers.values()) and len(customers) == 2, customers
    assert len(sandbox_state.requests_to("/orders/billing-info")) == 2

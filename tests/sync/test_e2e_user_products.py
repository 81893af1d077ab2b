"""Issue 7 end to end over a real loopback socket: the CLI against sellers of 2026 (User Products
families, a UPtin migration between two syncs, multi-warehouse stock, a mixed catalogue)."""

from __future__ import annotations

import json

import pytest

from cli.main import main
from sandbox.state import SandboxState
from services.store import close_stores

pytestmark = pytest.mark.e2e

CSV = """code,name,price,stock,parent_code,attributes
CAM,Camiseta,49.90,,,
CAM-AZ,Camiseta Azul,49.90,5,CAM,Cor=Azul
CAM-VD,Camiseta Verde,49.90,7,CAM,Cor=Verde
BON,Boné,29.90,4,,
BON-PT,Boné Preto,29.90,1,BON,Cor=Preto
BON-BR,Boné Branco,29.90,3,BON,Cor=Branco
CAN,Caneca,19.90,4,,
"""


def build(kind: str) -> SandboxState:
    """The seller of each test: `up` (User Products), `legacy`, `warehouse` (two warehouses), `mixed`."""
    state = SandboxState(
        listings=0,
        user_products=kind in ("up", "warehouse", "mixed"),
        warehouse_management=kind == "warehouse",
        warehouses=2 if kind == "warehouse" else 1,
    )
    if kind in ("up", "warehouse", "mixed"):
        state.add_family(
            "Camiseta",
            [
                {"attributes": {"Cor": "Azul"}, "quantity": 2, "sku": "CAM-AZ"},
                {"attributes": {"Cor": "Verde"}, "quantity": 7, "sku": "CAM-VD"},
            ],
            listing_types=("gold_special", "gold_pro"),
        )
    if kind in ("legacy", "mixed"):  # a legacy listing with variations (not migrated yet)
        state.add_listing(
            "Boné",
            sku="BON",
            variations=[
                {"attributes": {"Cor": "Preto"}, "quantity": 2, "sku": "BON-PT"},
                {"attributes": {"Cor": "Branco"}, "quantity": 3, "sku": "BON-BR"},
            ],
        )
    if kind in ("up", "mixed"):
        state.add_family("Caneca", [{"attributes": {}, "quantity": 9, "sku": "CAN"}])
    return state


@pytest.fixture
def sandbox_state(request) -> SandboxState:
    return build(request.param)


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    close_stores()
    return code, out, err


def sync(capsys, kind="stock") -> dict:
    code, out, err = cli(capsys, "sync", kind, "--yes", "--json")
    result = json.loads(out)
    assert code == 0, (result["errors"], err)
    return result


def links(capsys) -> dict:
    rows = json.loads(cli(capsys, "links", "--json")[1])["links"]
    return {(l["listing_id"], l["variation_id"]): l for l in rows}


def by_title(state, title):
    return [i for i in state.listing_ids() if state.item(i)["title"] == title]


@pytest.fixture
def erp(live_home, capsys, tmp_path):
    csv = tmp_path / "erp.csv"
    csv.write_text(CSV, "utf-8")
    assert cli(capsys, "erp", "import", str(csv))[0] == 0


@pytest.mark.parametrize("sandbox_state", ["up"], indirect=True)
def test_user_products_seller_one_write_per_user_product(erp, live_sandbox, capsys):
    state = live_sandbox.state
    azul = by_title(state, "Camiseta Azul")
    assert len(azul) == 2 and len({state.item(i)["user_product_id"] for i in azul}) == 1
    [caneca] = by_title(state, "Caneca")
    result = sync(capsys)
    # azul 2 -> 5 once for its user product (two listings), caneca 9 -> 4; verde already 7.
    assert [r.path for r in state.writes()] == [f"/items/{azul[0]}", f"/items/{caneca}"]
    assert [state.item(i)["available_quantity"] for i in azul] == [5, 5]  # the sibling agrees
    assert state.item(caneca)["available_quantity"] == 4
    stock = {a["item_id"]: a for a in result["actions"] if a["kind"] == "stock"}
    assert {stock[i]["status"] for i in azul} == {"done"} and "written through" in stock[azul[1]]["reason"]
    state.clear_log()
    assert sync(capsys)["counts"]["done"] == 0 and state.writes() == []


@pytest.mark.parametrize("sandbox_state", ["legacy"], indirect=True)
def test_a_migration_between_two_syncs_moves_the_links_by_reference_code(erp, live_sandbox, capsys):
    state = live_sandbox.state
    [old] = by_title(state, "Boné")
    first = sync(capsys)
    assert first["errors"] == [] and links(capsys)[(old, state.variation_ids(old)[0])]["state"] == "linked"
    sale = state.create_order(old, state.variation_ids(old)[1], quantity=1)  # history on the old listing
    assert sync(capsys)["errors"] == []
    new = state.migrate_listing(old)  # the seller's listing is migrated on Mercado Livre
    state.set_stock(new[0], 6)  # and the seller edits a new listing's stock on the site
    state.clear_log()
    result = sync(capsys)
    [note] = [n for n in result["notes"] if old in n]
    assert "migrated to User Products" in note and f"BON-PT -> {new[0]}" in note and f"BON-BR -> {new[1]}" in note
    rows = links(capsys)
    for vid in state.variation_ids(old):
        assert rows[(old, vid)]["state"] == "not_writable" and "migrated" in rows[(old, vid)]["reason"]
    assert rows[(new[0], None)]["state"] == "linked" and rows[(new[0], None)]["erp_code"] == "BON-PT"
    assert rows[(new[1], None)]["state"] == "linked" and rows[(new[1], None)]["erp_code"] == "BON-BR"
    # BON-PT: ERP 1, the new listing shows 6 -> written on the new listing, never on the old one.
    assert [w.path for w in state.writes()] == [f"/items/{new[0]}"] and state.item(new[0])["available_quantity"] == 1
    # The history stays: the old listing's sale is recorded once, and the next sync says nothing more.
    from services.erp.catalog import Catalog

    assert [m.key for m in Catalog().movements("BON-BR") if m.kind == "sale"] == [
        f"sale:{sale['id']}:{old}:{state.variation_ids(old)[1]}"
    ]
    again = sync(capsys)
    assert not [n for n in again["notes"] if old in n]
    log = json.loads(cli(capsys, "log", "--run", str(result["run_id"]), "--json")[1])
    assert note in json.dumps(log)


@pytest.mark.parametrize("sandbox_state", ["warehouse"], indirect=True)
def test_multi_warehouse_seller_through_the_warehouse_api(erp, live_sandbox, capsys):
    state = live_sandbox.state
    azul = by_title(state, "Camiseta Azul")
    up = state.item(azul[0])["user_product_id"]
    # Two warehouses and none chosen: nothing written, and the run says how to choose.
    first = sync(capsys)
    reasons = {a["reason"] for a in first["actions"] if a["kind"] == "stock"}
    assert reasons and all("melisync config set warehouse <store_id>" in r for r in reasons)
    assert all(s["id"] in next(iter(reasons)) for s in state.stores) and state.writes() == []
    assert cli(capsys, "config", "set", "warehouse", state.stores[0]["id"])[0] == 0
    # A stale x-version (409) on the first write: read again and retried.
    state.fail_next(1, 409, path_prefix="/user-products/", method="PUT")
    state.clear_log()
    result = sync(capsys)
    assert state.requests_to("/items/", "PUT") == []  # PUT /items is never trusted for these sellers
    puts = state.requests_to(f"/user-products/{up}/stock/type/seller_warehouse", "PUT")
    assert [p.status for p in puts] == [409, 200] and all(p.headers.get("x-version") for p in puts)
    assert [w.path for w in state.writes()] == [p.path for p in puts]  # one user product to write, once
    assert [state.item(i)["available_quantity"] for i in azul] == [5, 5]
    done = [a for a in result["actions"] if a["status"] == "done"]
    assert {a["item_id"] for a in done} == set(azul)
    state.clear_log()
    assert sync(capsys)["counts"]["done"] == 0 and state.writes() == []


@pytest.mark.parametrize("sandbox_state", ["mixed"], indirect=True)
def test_a_mixed_catalogue_of_legacy_and_user_products_listings(erp, live_sandbox, capsys):
    state = live_sandbox.state
    [bone] = by_title(state, "Boné")
    azul = by_title(state, "Camiseta Azul")
    variation_ids = state.variation_ids(bone)
    result = sync(capsys)
    assert result["errors"] == []
    # The legacy listing is written per variation, the family once per user product, nothing else.
    [caneca] = by_title(state, "Caneca")
    assert sorted(r.path for r in state.writes()) == sorted(
        [f"/items/{azul[0]}", f"/items/{caneca}", f"/items/{bone}/variations/{variation_ids[0]}"]
    )
    assert state.variation_ids(bone) == variation_ids and state.deleted_variations == []
    assert state.find_variation(bone, variation_ids[0])["available_quantity"] == 1
    assert [state.item(i)["available_quantity"] for i in azul] == [5, 5]
    rows = links(capsys)
    assert rows[(azul[0], None)]["family_name"] == "Camiseta" and rows[(bone, variation_ids[0])]["state"] == "linked"
    state.clear_log()
    assert sync(capsys)["counts"]["done"] == 0 and state.writes() == []

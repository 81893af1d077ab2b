"""Issue 10, case 1, end to end over a real loopback socket: the ERP catalogue is imported (stock counted), the
seller connects, a buyer pays for 2 units on Mercado Livre before the first sync. The first `sync all` takes
the sale off the ERP (8), leaves Mercado Livre at 8 and records the buyer with the CPF from billing info; the
sale and the buyer are in the plan shown before (dry run), and in `erp movements` / `erp customers` after."""

from __future__ import annotations

import codecs
import json

import pytest

from sandbox.state import SandboxState
from services.erp.catalog import Catalog
from tests.fixtures.sync import cli

pytestmark = pytest.mark.e2e

CSV = "code,name,price,stock,parent_code,attributes\nCAN,Caneca,19.90,10,,\n"


@pytest.fixture
def sandbox_state() -> SandboxState:
    state = SandboxState(listings=0, seed=0)
    state.add_listing("Caneca", quantity=10, sku="CAN")
    return state


def imported(live_sandbox, capsys, tmp_path):
    """The ERP catalogue imported from CSV (CAN counted: 10) -> (the sandbox state, the listing)."""
    state = live_sandbox.state
    [caneca] = state.listing_ids()
    csv = tmp_path / "erp.csv"
    csv.write_text(CSV, "utf-8")
    assert cli(capsys, "erp", "import", str(csv))[0] == 0
    return state, caneca


def test_first_sync_after_a_sale_that_follows_the_csv_import(live_home, live_sandbox, capsys, tmp_path):
    state, caneca = imported(live_sandbox, capsys, tmp_path)
    sale = state.create_order(
        caneca,
        quantity=2,
        buyer={"first_name": "Joana", "last_name": "Prado", "doc_type": "CPF", "doc_number": "05212345678"},
    )  # ML: 10 -> 8
    buyer_id = sale["buyer"]["id"]

    code, out, _ = cli(capsys, "sync", "all", "--dry-run", "--json")
    assert code == 0, out
    preview = json.loads(out)
    assert [(a["kind"], a["from"], a["to"], a["status"]) for a in preview["actions"] if a["kind"] == "sale"] == [
        ("sale", 10, 8, "planned")
    ]
    assert [a["to"] for a in preview["actions"] if a["kind"] == "customer"] == ["Joana Prado"]
    assert Catalog().balance("CAN") == 10 and state.writes() == []  # a dry run writes nothing

    code, out, err = cli(capsys, "sync", "all", "--yes", "--json")
    assert code == 0, (out, err)
    result = json.loads(out)
    assert result["status"] == "finished"
    assert Catalog().balance("CAN") == 8
    assert state.item(caneca)["available_quantity"] == 8 and state.writes() == []  # never pushed back to 10
    [customer] = Catalog().customers().values()
    assert (customer.buyer_id, customer.name, customer.doc_type, customer.doc_number) == (
        buyer_id,
        "Joana Prado",
        "CPF",
        "05212345678",
    )

    code, out, _ = cli(capsys, "erp", "movements", "--code", "CAN")
    assert code == 0 and f"order {sale['id']} {caneca}" in out and "-2" in out
    code, out, _ = cli(capsys, "erp", "customers", "--json")
    assert json.loads(out)["customers"][0]["doc_number"] == "05212345678"
    exported = tmp_path / "clientes.csv"
    assert cli(capsys, "erp", "customers", "export", str(exported))[0] == 0
    raw = exported.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8) and "052.123.456-78" in raw.decode("utf-8")

    # A second sync changes nothing: the sale is booked once, the buyer recorded once.
    code, out, _ = cli(capsys, "sync", "all", "--yes", "--json")
    again = json.loads(out)
    assert [a for a in again["actions"] if a["kind"] in ("sale", "customer")] == []
    assert Catalog().balance("CAN") == 8 and len(Catalog().customers()) == 1 and state.writes() == []


def test_a_confirmed_unpaid_order_after_the_import_keeps_its_units_off(live_home, live_sandbox, capsys, tmp_path):
    """A buyer's order for 2 is confirmed after the import and not paid (Mercado Livre shows 8): `sync stock`
    leaves Mercado Livre at 8 and the ERP at 10 (not a sale yet), and the plan says why (services/sync/holds.py)."""
    state, caneca = imported(live_sandbox, capsys, tmp_path)
    order = state.create_order(caneca, quantity=2, status="confirmed")  # ML: 10 -> 8, the buyer has not paid

    code, out, err = cli(capsys, "sync", "stock", "--dry-run")
    assert code == 0, (out, err)
    assert "or cancelled (units: 2, orders: 1)" in out and f"CAN: 2 ({order['id']})" in out
    assert state.writes() == []

    code, out, err = cli(capsys, "sync", "stock", "--yes", "--json")
    assert code == 0, (out, err)
    result = json.loads(out)
    assert result["status"] == "finished"
    assert state.item(caneca)["available_quantity"] == 8  # never written back to 10 while the 2 are held
    assert state.writes() == [] and Catalog().balance("CAN") == 10  # not a sale yet: nothing booked

    state.set_order_status(order["id"], "paid")
    code, out, _ = cli(capsys, "sync", "stock", "--yes", "--json")
    assert code == 0 and [(a["kind"], a["from"], a["to"]) for a in json.loads(out)["actions"]] == [("sale", 10, 8)]
    assert Catalog().balance("CAN") == 8 and state.item(caneca)["available_quantity"] == 8 and state.writes() == []

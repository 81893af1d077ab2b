"""End to end over a real loopback socket: the CLI against the sandbox served by uvicorn (S2-S9).

Each test drives `melisync` as an operator would (in this process through `cli.main.main`, or as a
child process where a kill or a pipe matters) and checks the sandbox's request log and the local files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from cli.main import main
from sandbox.state import SandboxState
from services.erp.catalog import Catalog
from services.i18n import set_language
from services.store import close_stores

pytestmark = pytest.mark.e2e

CSV = """code,name,price,stock,parent_code,attributes
CAN,Caneca,19.90,4,,
CAM,Camiseta,49.90,6,,
CAM-AZ,Camiseta Azul,49.90,5,CAM,Cor=Azul
CAM-VD,Camiseta Verde,49.90,1,CAM,Cor=Verde
BON,Boné,29.90,8,,
"""


@pytest.fixture
def sandbox_state() -> SandboxState:
    state = SandboxState(listings=0, seed=0)
    state.add_listing("Caneca", quantity=9, sku="CAN")  # stock differs: ERP 4
    state.add_listing("Caneca Premium", quantity=9, sku="CAN", listing_type="gold_pro")  # same code, 2nd listing
    state.add_listing(
        "Camiseta",
        sku="CAM",
        variations=[
            {"attributes": {"Cor": "Azul"}, "quantity": 2, "sku": "CAM-AZ"},
            {"attributes": {"Cor": "Verde"}, "quantity": 1, "sku": "CAM-VD"},
        ],
    )
    state.add_listing(
        "Boné",
        quantity=3,
        sku="BON",
        variations=[  # S8: ERP BON has no compositions
            {"attributes": {"Cor": "Preto"}, "quantity": 2},
            {"attributes": {"Cor": "Branco"}, "quantity": 1},
        ],
    )
    state.add_listing("Caneca Full", quantity=6, sku="CAN", full=True)
    state.add_listing("Chaveiro", quantity=7, sku="CHV", price=9.9)  # unknown code: imported (S5)
    state.add_listing("Sem código", quantity=5)
    return state


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    close_stores()  # the next command reads the files as a new process would
    return code, out, err


def listing(state, title):
    return next(i for i in state.listing_ids() if state.item(i)["title"] == title)


def test_new_user_flow_s2_to_s9(live_home, live_sandbox, capsys, tmp_path):
    state = live_sandbox.state
    csv = tmp_path / "erp.csv"
    csv.write_text(CSV, "utf-8")
    assert cli(capsys, "erp", "import", str(csv))[0] == 0
    camiseta, caneca, premium = listing(state, "Camiseta"), listing(state, "Caneca"), listing(state, "Caneca Premium")
    variation_ids = state.variation_ids(camiseta)

    # S2 preview: the dry run plans writes but sends none, and writes nothing locally.
    code, out, _ = cli(capsys, "sync", "all", "--dry-run", "--json")
    preview = json.loads(out)
    assert code == 0 and preview["dry_run"] is True and state.writes() == []
    assert {a["item_id"] for a in preview["actions"] if a["kind"] == "stock" and a["status"] == "planned"} >= {
        caneca,
        premium,
    }
    assert Catalog().products().get("CHV") is None and cli(capsys, "links", "--json")[1].count('"state"') == 0

    # S2 apply: products (S5), orders, stock (S4); the JSON contract of docs/architecture.md §5.
    code, out, err = cli(capsys, "sync", "all", "--yes", "--json")
    result = json.loads(out)
    assert code == 0, (out, err)
    assert set(result) >= {"run_id", "dry_run", "actions", "counts", "errors"} and result["errors"] == []
    assert all(
        set(a) >= {"kind", "item_id", "variation_id", "erp_code", "from", "to", "status"} for a in result["actions"]
    )
    done = {(a["kind"], a["item_id"], a["variation_id"], a["to"]) for a in result["actions"] if a["status"] == "done"}
    # One ERP code feeds both listings; CHV was imported with its stock, so it needs no write.
    assert {
        ("stock", caneca, None, 4),
        ("stock", premium, None, 4),
        ("import_product", listing(state, "Chaveiro"), None, 7),
        ("stock", camiseta, variation_ids[0], 5),
    } <= done
    assert state.item(caneca)["available_quantity"] == 4 and state.item(premium)["available_quantity"] == 4
    assert state.variation_ids(camiseta) == variation_ids and state.deleted_variations == []  # S7: ids unchanged
    skipped = {a["item_id"]: a["reason"] for a in result["actions"] if a["status"] == "skipped"}
    assert (
        "Full" in skipped[listing(state, "Caneca Full")]
        and "no reference code" in skipped[listing(state, "Sem código")]
    )
    assert not state.requests_to(f"/items/{listing(state, 'Caneca Full')}", "PUT")
    assert Catalog().balance("CHV") == 7

    # S8: the listing with variations over an ERP product without them is reported, never written.
    links = json.loads(cli(capsys, "links", "--state", "structure_mismatch", "--json")[1])["links"]
    assert {l["listing_id"] for l in links} == {listing(state, "Boné")}
    assert not state.requests_to(f"/items/{listing(state, 'Boné')}", "PUT")

    # A second sync writes nothing.
    state.clear_log()
    code, out, _ = cli(capsys, "sync", "stock", "--yes", "--json")
    assert code == 0 and state.writes() == [] and json.loads(out)["counts"]["done"] == 0

    # S6: the seller changes a code on the site: the link is lost, never moved, and not written.
    state.set_reference_code(premium, "BON")
    state.set_stock(premium, 1)
    state.clear_log()
    code, out, _ = cli(capsys, "sync", "stock", "--yes", "--json")
    lost = json.loads(cli(capsys, "links", "--state", "link_lost", "--json")[1])["links"]
    assert [(l["listing_id"], l["erp_code"], l["reference_code"]) for l in lost] == [(premium, "CAN", "BON")]
    assert state.writes() == [] and state.item(premium)["available_quantity"] == 1

    # The log shows every run, newest first, the dry run included.
    runs = json.loads(cli(capsys, "log", "--json")[1])["runs"]
    assert [r["status"] for r in runs][-2:] == ["finished", "dry_run"]
    one = json.loads(cli(capsys, "log", "--run", str(result["run_id"]), "--json")[1])
    assert len(one["actions"]) == len(result["actions"])

    # S9: unlink revokes the grant, deletes the tokens, keeps the ERP, links and journal.
    code, out, _ = cli(capsys, "unlink", "--yes")
    assert code == 0 and "Revoked" in out
    assert state.requests_to("/users/", "DELETE")
    assert cli(capsys, "sync", "stock", "--yes")[0] == 3  # not connected
    status = json.loads(cli(capsys, "status", "--json")[1])
    assert status["connected"] is False and status["links"]["linked"] >= 3
    assert Catalog().balance("CAN") == 4 and json.loads(cli(capsys, "log", "--json")[1])["runs"]
    assert "APP_USR" not in "".join(p.read_text("utf-8", "replace") for p in live_home.home.glob("*.json"))


def test_order_seen_twice_decrements_once_and_stock_follows(live_home, live_sandbox, capsys, tmp_path):
    state = live_sandbox.state
    csv = tmp_path / "erp.csv"
    csv.write_text(CSV, "utf-8")
    cli(capsys, "erp", "import", str(csv))
    assert cli(capsys, "sync", "all", "--yes")[0] == 0  # first orders/customers sync: from now on
    caneca = listing(state, "Caneca")
    order = state.create_order(caneca, quantity=3)  # ML: 4 -> 1
    for _ in range(2):
        code, out, _ = cli(capsys, "sync", "stock", "--yes", "--json")
        assert code == 0
    assert Catalog().balance("CAN") == 1
    assert len([m for m in Catalog().movements("CAN") if m.kind == "sale"]) == 1
    # The premium listing (same code) now gets the lower quantity; nothing re-inflates the sold one.
    assert state.item(listing(state, "Caneca Premium"))["available_quantity"] == 1
    assert state.item(caneca)["available_quantity"] == 1
    buyer = state.order(order["id"])["buyer"]["id"]
    assert cli(capsys, "sync", "customers", "--yes")[0] == 0
    customer = Catalog().customers()[buyer]
    assert customer.doc_type == "CPF" and customer.doc_number and customer.address.city and customer.address.zip_code
    # Cancelled after it was recorded: one compensating movement, and the listings get the units back.
    state.cancel_order(order["id"])
    for _ in range(2):
        assert cli(capsys, "sync", "stock", "--yes")[0] == 0
    assert Catalog().balance("CAN") == 4 and state.item(listing(state, "Caneca Premium"))["available_quantity"] == 4


def test_usage_and_connection_exit_codes(live_home, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _, err = cli(capsys, "sync", "stock")
    assert code == 2 and "--yes" in err
    assert cli(capsys, "log", "--run", "999")[0] == 2
    monkeypatch.setenv("MELISYNC_HOME", str(live_home.home.parent / "elsewhere"))
    assert cli(capsys, "sync", "stock", "--dry-run")[0] == 3


def test_failed_writes_exit_1_and_name_ml_message(live_home, live_sandbox, capsys, tmp_path):
    csv = tmp_path / "erp.csv"
    csv.write_text(CSV, "utf-8")
    cli(capsys, "erp", "import", str(csv))
    state = live_sandbox.state
    state.fail_next(40, status=400, path_prefix=f"/items/{listing(state, 'Caneca')}", method="PUT")
    code, out, _ = cli(capsys, "sync", "stock", "--yes", "--json")
    result = json.loads(out)
    assert code == 1 and result["errors"] and "injected fault" in result["errors"][0]["message"]


def _wait(condition, what, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_kill_9_mid_sync_is_interrupted_and_the_next_run_finishes(live_home, live_sandbox, capsys, tmp_path):
    state = live_sandbox.state
    for n in range(60):
        state.add_listing(f"Extra {n}", quantity=50, sku=f"X{n}")
    rows = "".join(f"X{n},Extra {n},10.00,{n},,\n" for n in range(60))
    csv = tmp_path / "erp.csv"
    csv.write_text(CSV + rows, "utf-8")
    cli(capsys, "erp", "import", str(csv))
    state.latency_ms = 40
    env = {**os.environ, "MELISYNC_HOME": str(live_home.home)}
    child = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "sync", "stock", "--yes", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _wait(lambda: len(state.requests_to("/items/", "PUT")) >= 3, "the child's first writes")
        child.kill()
    finally:
        child.wait()
    state.latency_ms = 0
    runs = json.loads(cli(capsys, "log", "--json")[1])["runs"]
    assert runs[0]["status"] == "interrupted"
    code, out, _ = cli(capsys, "sync", "stock", "--yes", "--json")
    assert code == 0, out
    assert all(
        state.item(i)["available_quantity"] == int(state.item(i)["title"].split()[1])
        for i in state.listing_ids()
        if state.item(i)["title"].startswith("Extra ")
    )
    state.clear_log()
    assert cli(capsys, "sync", "stock", "--yes")[0] == 0 and state.writes() == []


def test_on_a_terminal_sync_shows_the_plan_and_asks(live_home, live_sandbox, capsys, tmp_path, monkeypatch):
    import io

    csv = tmp_path / "erp.csv"
    csv.write_text(CSV, "utf-8")
    cli(capsys, "erp", "import", str(csv))
    state = live_sandbox.state
    monkeypatch.setattr("cli.commands.sync.can_ask", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    code, out, err = cli(capsys, "sync", "stock")
    assert code == 0 and "Plan for `sync stock`" in out and "Apply" in err and state.writes() == []
    assert "not confirmed" in out and json.loads(cli(capsys, "log", "--json")[1])["runs"][0]["status"] == "cancelled"
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    code, out, _ = cli(capsys, "sync", "stock")
    assert code == 0 and "finished" in out and state.item(listing(state, "Caneca"))["available_quantity"] == 4


def test_unlink_when_revoke_fails_keeps_tokens_unless_local_only(live_home, live_sandbox, capsys):
    from services.secrets import SecretStore

    state = live_sandbox.state
    state.fail_next(1, status=400, path_prefix="/users/", method="DELETE")
    code, _, err = cli(capsys, "unlink", "--yes")
    assert code == 1 and "did not revoke" in err and "--local-only" in err
    assert SecretStore(live_home.home).load_tokens() is not None
    code, out, _ = cli(capsys, "--lang", "pt_BR", "unlink", "--yes", "--local-only")
    set_language("en")
    # In the operator's words (the reason and the kept data were English in pt_BR).
    assert code == 0 and "não tentado (--local-only)" in out and "Not revoked" not in out
    assert "catálogo do ERP e razão de estoque, vínculos, registro de sincronizações" in out
    assert SecretStore(live_home.home).load_tokens() is None
    assert json.loads(cli(capsys, "status", "--json")[1])["connected"] is False


def test_unlink_purge_removes_local_data(live_home, live_sandbox, capsys):
    assert cli(capsys, "sync", "products", "--yes")[0] == 0
    assert (live_home.home / "links.jsonl").exists() and (live_home.home / "journal").exists()
    code, out, _ = cli(capsys, "unlink", "--yes", "--purge")
    assert code == 0 and not (live_home.home / "meli.json").exists() and not (live_home.home / "erp.json").exists()
    assert not (live_home.home / "links.jsonl").exists() and not (live_home.home / "journal").exists()


def test_a_refused_variation_endpoint_falls_back_to_the_whole_array_over_http(
    live_home, live_sandbox, capsys, tmp_path
):
    csv = tmp_path / "erp.csv"
    csv.write_text(CSV, "utf-8")
    cli(capsys, "erp", "import", str(csv))
    state = live_sandbox.state
    camiseta = listing(state, "Camiseta")
    before = state.variation_ids(camiseta)
    state.fail_next(1, status=405, path_prefix=f"/items/{camiseta}/variations/", method="PUT")
    code, out, _ = cli(capsys, "sync", "stock", "--yes", "--json")
    assert code == 0, out
    [whole] = [r for r in state.requests_to(f"/items/{camiseta}", "PUT") if r.path == f"/items/{camiseta}"]
    assert whole.body == {
        "variations": [{"id": before[0], "available_quantity": 5}, {"id": before[1], "available_quantity": 1}]
    }
    assert state.variation_ids(camiseta) == before and state.deleted_variations == []


def test_unlink_json_is_one_document_and_purge_leaves_no_copy(live_home, live_sandbox, capsys, tmp_path):
    csv = tmp_path / "erp.csv"
    csv.write_text(CSV, "utf-8")
    cli(capsys, "erp", "import", str(csv))
    assert cli(capsys, "sync", "all", "--yes")[0] == 0
    assert (live_home.home / "erp.json.1").exists()  # generations exist
    code, out, err = cli(capsys, "unlink", "--yes", "--purge", "--json")
    assert code == 0 and json.loads(out)["revoked"] is True and "Unlink" in err
    left = sorted(p.name for p in live_home.home.iterdir())
    kept = ("erp.json", "erp-codes", "ledger", "meli.json", "journal.json", "tokens.pending")
    assert not [n for n in left if n.startswith(kept)], left

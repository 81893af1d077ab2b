"""The ERP's ledger and catalogue beside erp.json (issue 16): where they live, an older erp.json converted once,
a transaction killed before erp.json's commit leaves nothing seen, damage is reported, never read past."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.erp.catalog import Catalog
from services.erp.models import Composition, Customer, MovementKind, Product, StockMovement
from services.store import close_stores, erp_files
from services.store import storage as storage_module
from services.store.erp_files import LEDGER_FILE, SideFileDamaged

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _sale(code: str, quantity: int, key: str) -> StockMovement:
    return StockMovement(code, MovementKind.SALE, quantity, T0, reference="order:1", key=key, order_id=1)


def _count(code: str, quantity: int) -> StockMovement:
    return StockMovement(code, MovementKind.ADJUSTMENT, quantity, T0, reference="csv import")


@pytest.fixture
def catalog() -> Catalog:
    catalog = Catalog()
    with catalog.transaction():
        catalog.add_products([Product("CAM", "Camiseta", Decimal("59.90")), Product("CAN", "Caneca", Decimal("25"))])
        catalog.add_compositions([Composition("CAM-P", "CAM", (("Tamanho", "P"),))])
        catalog.record_movements([_count("CAN", 10), _count("CAM-P", 4)])
    catalog.record_movements([_sale("CAN", -2, "sale:1:MLB1:")])
    catalog.upsert_customers([Customer(7, "Ana")])
    return catalog


def _fresh() -> Catalog:
    close_stores()  # another process, as far as the cache goes
    return Catalog()


def test_the_ledger_and_the_catalogue_live_beside_erp_json(catalog, melisync_home):
    raw = json.loads((melisync_home / "erp.json").read_bytes())
    assert set(raw) == {"_melisync", "files", "customers"}  # no table that grows with the catalogue or the runs
    ledger = (melisync_home / LEDGER_FILE).read_bytes().splitlines()
    assert [json.loads(line)["code"] for line in ledger] == ["CAN", "CAM-P", "CAN"]
    assert raw["files"]["1"]["ledger_bytes"] == (melisync_home / LEDGER_FILE).stat().st_size
    assert (melisync_home / raw["files"]["1"]["codes"]).exists()
    again = _fresh()
    assert again.products()["CAN"] == Product("CAN", "Caneca", Decimal("25"))
    assert again.compositions()["CAM-P"].attributes == (("Tamanho", "P"),)
    assert dict(again.balances()) == {"CAN": 8, "CAM-P": 4}
    assert dict(again.counted_at()) == {"CAN": T0, "CAM-P": T0}
    assert again.movement_keys() == {"sale:1:MLB1:"}
    assert [m.quantity for m in again.movements("CAN")] == [10, -2]
    assert again.movements("CAN")[1].order_id == 1
    assert again.customers()[7].name == "Ana"


def test_reading_the_booked_sales_parses_only_the_lines_that_have_a_key(catalog, monkeypatch):
    catalog.record_movements([_count("CAN", 5) for _ in range(50)])
    parsed = []
    real = erp_files.parse_movement_line
    monkeypatch.setattr(erp_files, "parse_movement_line", lambda *a: parsed.append(a[2]) or real(*a))
    assert _fresh().movement_keys() == {"sale:1:MLB1:"}
    assert parsed == [3]  # the sale's line: the 52 counts were not parsed


def test_a_large_write_appends_the_ledger_a_batch_of_lines_at_a_time(catalog, melisync_home, monkeypatch):
    # issue 16: an import of 120k stock counts held every line of the ledger at once (joined in one payload)
    writes: list[int] = []
    real = erp_files.os.pwrite
    monkeypatch.setattr(
        erp_files.os, "pwrite", lambda fd, data, at: writes.append(data.count(b"\n")) or real(fd, data, at)
    )
    before = (melisync_home / LEDGER_FILE).stat().st_size
    catalog.record_movements([_count("CAN", n) for n in range(5000)])
    assert writes == [2000, 2000, 1000]
    lines = (melisync_home / LEDGER_FILE).read_bytes()[before:].splitlines()
    assert [json.loads(line)["quantity"] for line in lines] == list(range(5000))
    assert _fresh().balances()["CAN"] == 8 + sum(range(5000))  # counts move the balance by their quantity


def test_a_write_copies_only_the_tables_it_changes_and_a_reader_never_sees_it(catalog):
    # issue 16: every write copied the four tables of the catalogue (150k codes at 50k listings: ~20 MB)
    before = catalog._tables()
    products, balances, counted = catalog.products(), catalog.balances(), catalog.counted_at()
    catalog.compositions_by_parent()  # as a sync's catalogue view reads it
    catalog.record_movements([_sale("CAN", -1, "sale:2:MLB1:")])
    after = catalog._tables()
    copied = [
        name
        for name in ("products", "compositions", "balances", "counted")
        if getattr(after, name) is not getattr(before, name)
    ]
    assert copied == ["balances"]
    assert balances["CAN"] == 8 and catalog.balances()["CAN"] == 7  # what a reader held stays as it was read
    assert after.children is before.children  # the same compositions: the same index
    catalog.record_movements([_count("CAN", 3)])
    assert dict(counted) == {"CAN": T0, "CAM-P": T0} and catalog.counted_at()["CAN"] == T0
    catalog.add_products([Product("XIC", "Xícara", Decimal("9"))])
    # each state does not hold the ones before it (a long-running process would keep every state it wrote)
    held, tables = 0, catalog._tables()
    while tables._base is not None:
        held, tables = held + 1, tables._base
    assert held <= 1
    assert "XIC" not in products and "XIC" in catalog.products() and _fresh().products()["XIC"].name == "Xícara"


def test_only_the_codes_files_erp_json_and_its_copies_name_are_kept(catalog, melisync_home):
    for price in range(5):
        catalog.add_products([Product("CAN", "Caneca", Decimal(price))])
    named = set()
    for name in ("erp.json", "erp.json.1", "erp.json.2"):
        named.add(json.loads((melisync_home / name).read_bytes())["files"]["1"]["codes"])
    on_disk = {p.name for p in melisync_home.glob("erp-codes-*.jsonl")}
    assert named <= on_disk and len(on_disk - named) <= 1  # at most the one the last commit's copies stopped naming


def test_a_transaction_killed_before_erp_json_commits_leaves_nothing_seen(catalog, melisync_home, monkeypatch):
    ledger = melisync_home / LEDGER_FILE
    committed = ledger.stat().st_size
    real = storage_module.write_private

    def killed(path, data):
        if path.name == "erp.json":
            raise KeyboardInterrupt  # the process dies between the side files and erp.json's rename
        real(path, data)

    monkeypatch.setattr(storage_module, "write_private", killed)
    with pytest.raises(KeyboardInterrupt):
        catalog.record_movements([_sale("CAN", -3, "sale:2:MLB1:")])
    monkeypatch.setattr(storage_module, "write_private", real)
    assert ledger.stat().st_size > committed  # the uncommitted tail is there ...
    again = _fresh()
    assert again.balance("CAN") == 8 and "sale:2:MLB1:" not in again.movement_keys()  # ... and never read
    assert len(list(melisync_home.glob("erp-codes-*.jsonl"))) == 3  # a codes file nobody names
    again.record_movements([_sale("CAN", -1, "sale:3:MLB1:")])
    assert [json.loads(line)["key"] for line in ledger.read_bytes().splitlines()][-2:] == [
        "sale:1:MLB1:",
        "sale:3:MLB1:",
    ]  # the dead tail was cut off before the append
    assert _fresh().balance("CAN") == 7
    again.add_products([Product("CAN", "Caneca", Decimal("1"))])
    named = {json.loads((melisync_home / n).read_bytes())["files"]["1"]["codes"] for n in ("erp.json.1", "erp.json.2")}
    assert {p.name for p in melisync_home.glob("erp-codes-*.jsonl")} - named == {
        json.loads((melisync_home / "erp.json").read_bytes())["files"]["1"]["codes"]
    }  # the orphan went with the next commit


def test_a_damaged_ledger_is_reported_and_never_read_past(catalog, melisync_home):
    ledger = melisync_home / LEDGER_FILE
    lines = ledger.read_bytes().splitlines(keepends=True)
    ledger.write_bytes(lines[0] + b"#" * (len(lines[1]) - 1) + b"\n" + lines[2])  # same length, not JSON
    with pytest.raises(SideFileDamaged, match=r"ledger.jsonl is damaged: line 2 is not valid JSON.*melisync doctor"):
        _fresh().movements()
    ledger.write_bytes(lines[0])
    with pytest.raises(SideFileDamaged, match=r"it holds \d+ bytes where erp.json counts \d+"):
        _fresh().movement_keys()
    with pytest.raises(SideFileDamaged):  # and no write goes on over it
        _fresh().record_movements([_sale("CAN", -1, "sale:9:MLB1:")])


def _old_erp_json(home) -> bytes:
    """erp.json as melisync wrote it before issue 16 (schema 1, every table inside, no counts table)."""
    tables = {
        "_melisync": {"1": {"kind": "erp", "schema_version": 1}},
        "products": {
            "1": {"code": "CAN", "name": "Caneca", "price": "25", "has_variations": False},
            "2": {"code": "CAM", "name": "Camiseta", "price": "59.90", "has_variations": True},
        },
        "compositions": {"1": {"code": "CAM-P", "parent_code": "CAM", "attributes": [["Tamanho", "P"]]}},
        "movements": {
            "1": {"code": "CAN", "kind": "adjustment", "quantity": 10, "time": T0.isoformat(), "reference": "csv"},
            "2": {"code": "CAN", "kind": "sale", "quantity": -2, "time": T0.isoformat(), "key": "sale:1:MLB1:"},
        },
        "balances": {"1": {"code": "CAN", "quantity": 8}, "2": {"code": "CAM-P", "quantity": 0}},
        "customers": {"1": {"buyer_id": 7, "name": "Ana"}},
    }
    raw = json.dumps(tables).encode()
    home.mkdir(parents=True, exist_ok=True)
    (home / "erp.json").write_bytes(raw)
    return raw


def test_an_older_erp_json_is_read_as_it_is_and_converted_once(melisync_home):
    raw = _old_erp_json(melisync_home)
    catalog = Catalog()
    assert dict(catalog.balances()) == {"CAN": 8, "CAM-P": 0}
    assert catalog.counted_at()["CAN"] == T0  # from the ledger: the file had no counts table
    assert catalog.movement_keys() == {"sale:1:MLB1:"}
    assert (melisync_home / "erp.json").read_bytes() == raw and not (melisync_home / LEDGER_FILE).exists()
    assert catalog.convert_older_file() is True
    assert (melisync_home / "erp.json.v1").read_bytes() == raw  # kept as it was
    assert catalog.convert_older_file() is False
    again = _fresh()
    assert [c.code for c in again.compositions_of("CAM")] == ["CAM-P"] and list(again.products()) == ["CAN", "CAM"]
    assert dict(again.balances()) == {"CAN": 8, "CAM-P": 0} and again.counted_at()["CAN"] == T0
    assert [(m.kind, m.quantity, m.key) for m in again.movements()] == [
        (MovementKind.ADJUSTMENT, 10, None),
        (MovementKind.SALE, -2, "sale:1:MLB1:"),
    ]
    assert again.customers()[7].name == "Ana"
    assert set(json.loads((melisync_home / "erp.json").read_bytes())) == {"_melisync", "files", "customers"}
    assert json.loads((melisync_home / "erp.json").read_bytes())["_melisync"]["1"]["schema_version"] == 2


def test_a_sync_converts_an_older_erp_json_a_reading_command_does_not(melisync_home):
    from services.erp.reports import movement_rows

    raw = _old_erp_json(melisync_home)
    assert [row["quantity"] for row in movement_rows(Catalog())] == [10, -2]
    assert (melisync_home / "erp.json").read_bytes() == raw
    Catalog().record_movements([_sale("CAN", -1, "sale:2:MLB1:")])  # any write converts first
    assert (melisync_home / "erp.json.v1").read_bytes() == raw
    assert [m.quantity for m in _fresh().movements("CAN")] == [10, -2, -1] and _fresh().balance("CAN") == 7

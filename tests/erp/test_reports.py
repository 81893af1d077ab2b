"""`melisync erp customers` / `erp movements` and their CSV exports: text, JSON and a CSV a pt_BR spreadsheet
opens (UTF-8 with BOM, `;`, CRLF), with text cells a spreadsheet would run as formulas neutralized."""

from __future__ import annotations

import codecs
import csv
import io
import json
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.address import Address
from services.erp.catalog import Catalog
from services.erp.models import Composition, Customer, MovementKind, Product, StockMovement
from services.erp.reports import neutralized
from services.store import close_stores
from tests.fixtures.sync import cli

ORDER = 2000010000000123
WHEN = datetime(2026, 11, 30, 14, 5, 9, tzinfo=UTC)


@pytest.fixture
def catalog(melisync_home) -> Catalog:
    catalog = Catalog()
    with catalog.transaction():
        catalog.add_products(
            [
                Product("CAN", "Caneca", Decimal("19.90")),
                Product("CAM", "Camiseta", Decimal("49.90"), has_variations=True),
            ]
        )
        catalog.add_compositions([Composition("CAM-AZ", "CAM", (("Cor", "Azul"),))])
        catalog.record_movements(
            [
                StockMovement("CAN", MovementKind.ADJUSTMENT, 10, WHEN, "csv import erp.csv"),
                StockMovement(
                    "CAM-AZ",
                    MovementKind.IMPORT,
                    4,
                    WHEN,
                    "listing:MLB9",
                    key="import:CAM-AZ",
                    item_id="MLB9",
                    variation_id=190000000001,
                    run_id=3,
                ),
                StockMovement(
                    "CAN",
                    MovementKind.SALE,
                    -2,
                    WHEN,
                    f"order:{ORDER}",
                    key=f"sale:{ORDER}:MLB1:-",
                    order_id=ORDER,
                    item_id="MLB1",
                    run_id=4,
                ),
            ]
        )
        catalog.upsert_customers(
            [
                Customer(
                    buyer_id=1200000017,
                    name='=HYPERLINK("http://x")',
                    doc_type="CPF",
                    doc_number="05212345678",
                    address=Address(
                        street="Rua das Flores",
                        number="12",
                        neighborhood="Centro",
                        city="São Paulo",
                        state="SP",
                        zip_code="01310100",
                    ),
                ),
                Customer(
                    buyer_id=1200000034,
                    name="Loja Exemplo Ltda",
                    doc_type="CNPJ",
                    doc_number="11222333000181",
                    address=Address(street="@SUM(1)", city="Recife", zip_code="50010000"),
                ),
                Customer(buyer_id=1200000051),  # billing info still processing
            ]
        )
    close_stores()
    return catalog


def read_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)  # Excel reads it as UTF-8 only with the BOM
    text = raw[len(codecs.BOM_UTF8) :].decode("utf-8")
    assert "\r\n" in text
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


class TestMovements:
    def test_text_shows_kind_quantity_balance_after_and_source(self, catalog, capsys, monkeypatch):
        monkeypatch.setenv("TZ", "UTC")  # the times are local, in the user's format (the CSV keeps UTC)
        time.tzset()
        code, out, _ = cli(capsys, "erp", "movements")
        assert code == 0
        lines = out.splitlines()
        assert lines[0].split() == ["time", "code", "kind", "qty", "balance", "source"]
        assert lines[1].split() == [
            "2026-11-30",
            "14:05",
            "CAN",
            "adjustment",
            "10",
            "10",
            "CSV",
            "import",
            "erp.csv",
        ]
        assert lines[2].split()[2:7] == ["CAM-AZ", "import", "4", "4", "run"]
        assert lines[3].split()[2:] == ["CAN", "sale", "-2", "8", "order", str(ORDER), "MLB1", "(run", "4)"]

    def test_the_source_is_in_portuguese_too(self, catalog, capsys):
        """The ledger keeps its references in English (the CSV carries them as they are); the text says them in
        the operator's words ("csv import erp.csv" was shown as it is in pt_BR)."""
        from services.i18n import set_language

        try:
            code, out, _ = cli(capsys, "--lang", "pt_BR", "erp", "movements")
        finally:
            set_language("en")
        assert code == 0 and "importação do CSV erp.csv" in out and "csv import" not in out

    def test_json_and_the_code_filter(self, catalog, capsys):
        code, out, _ = cli(capsys, "erp", "movements", "--code", "CAN", "--json")
        rows = json.loads(out)["movements"]
        assert code == 0 and [(r["kind"], r["quantity"], r["balance_after"], r["source"]) for r in rows] == [
            ("adjustment", 10, 10, "import"),
            ("sale", -2, 8, "order"),
        ]
        assert (rows[1]["order_id"], rows[1]["item_id"], rows[1]["run_id"]) == (ORDER, "MLB1", 4)
        # a product with compositions: its compositions' lines
        _, out, _ = cli(capsys, "erp", "movements", "--code", "CAM", "--json")
        assert [r["code"] for r in json.loads(out)["movements"]] == ["CAM-AZ"]

    def test_an_unknown_code_is_bad_input(self, catalog, capsys):
        code, _, err = cli(capsys, "erp", "movements", "--code", "NOPE")
        assert code == 2 and "NOPE" in err and "Traceback" not in err

    def test_export_csv(self, catalog, capsys, tmp_path):
        path = tmp_path / "movimentos.csv"
        code, out, _ = cli(capsys, "erp", "movements", "--code", "CAN", "export", str(path))
        assert code == 0 and "2 movements written" in out
        rows = read_csv(path)
        assert list(rows[0]) == [
            "time",
            "code",
            "kind",
            "quantity",
            "balance_after",
            "source",
            "order_id",
            "item_id",
            "variation_id",
            "run_id",
            "reference",
        ]
        assert [
            (r["time"], r["kind"], r["quantity"], r["balance_after"], r["source"], r["order_id"]) for r in rows
        ] == [
            ("2026-11-30 14:05:09", "adjustment", "10", "10", "import", ""),
            ("2026-11-30 14:05:09", "sale", "-2", "8", "order", str(ORDER)),
        ]  # a number stays a number: -2


class TestCustomers:
    def test_text_and_json(self, catalog, capsys):
        code, out, _ = cli(capsys, "erp", "customers")
        assert code == 0 and "CPF 05212345678" in out and "São Paulo" in out and "no document yet" in out
        _, out, _ = cli(capsys, "erp", "customers", "--json")
        rows = json.loads(out)["customers"]
        assert [r["buyer_id"] for r in rows] == [1200000017, 1200000034, 1200000051]
        assert rows[1]["doc_type"] == "CNPJ" and rows[1]["doc_number"] == "11222333000181"

    def test_export_csv_for_a_pt_br_spreadsheet(self, catalog, capsys, tmp_path):
        path = tmp_path / "clientes.csv"
        code, out, _ = cli(capsys, "erp", "customers", "export", str(path))
        assert code == 0 and "3 customers written" in out
        person, company, processing = read_csv(path)
        assert person["doc_number"] == "052.123.456-78" and person["zip_code"] == "01310-100"  # leading zeros kept
        assert company["doc_number"] == "11.222.333/0001-81"
        assert person["city"] == "São Paulo"
        # formulas neutralized, as text
        assert person["name"] == '\'=HYPERLINK("http://x")' and company["street"] == "'@SUM(1)"
        assert processing["name"] == "" and processing["doc_number"] == ""

    def test_nothing_yet(self, melisync_home, capsys):
        code, out, _ = cli(capsys, "erp", "customers")
        assert code == 0 and "No customers yet" in out

    def test_an_unwritable_file_is_bad_input(self, catalog, capsys, tmp_path):
        code, _, err = cli(capsys, "erp", "customers", "export", str(tmp_path / "no" / "such" / "dir.csv"))
        assert code == 2 and "cannot write" in err


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_every_formula_start_is_neutralized(cell):
    assert neutralized(cell) == "'" + cell


def test_plain_values_are_left_alone():
    assert [neutralized(v) for v in ("Caneca", "a=b", "", -2, 10, None)] == ["Caneca", "a=b", "", -2, 10, None]

"""`melisync erp import/export`: all-or-nothing import, errors by line and column, Brazilian spreadsheets."""

from __future__ import annotations

import codecs
import os
from decimal import Decimal

import pytest

from cli.main import main
from services.erp.catalog import Catalog
from services.erp.csv_io import parse_price
from services.erp.models import MovementKind
from services.store import close_stores

CATALOGUE = """code,name,price,stock,parent_code,attributes
CAM,Camiseta básica,59.90,,,
CAM-P,,,5,CAM,Cor=Azul;Tamanho=P
CAM-M,,,0,CAM,Cor=Azul;Tamanho=M
CAN,Caneca,25.00,10,,
LIV,Livro,1234.56,,,
"""


def _write(tmp_path, text: str, name: str = "catalogue.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _import(path, *extra) -> int:
    return main(["erp", "import", str(path), *extra])


@pytest.fixture
def imported(tmp_path, capsys, melisync_home):
    assert _import(_write(tmp_path, CATALOGUE)) == 0
    capsys.readouterr()
    return melisync_home / "erp.json"


def test_import_creates_the_catalogue_and_prints_counts(tmp_path, capsys):
    assert _import(_write(tmp_path, CATALOGUE)) == 0
    out = capsys.readouterr().out
    assert "products: 3 created, 0 updated" in out
    assert "compositions: 2 created, 0 updated" in out
    assert "stock adjustments: 2" in out
    catalog = Catalog()
    assert catalog.products()["CAM"].has_variations and not catalog.products()["CAN"].has_variations
    assert catalog.products()["LIV"].price == Decimal("1234.56")
    assert catalog.compositions()["CAM-P"].attributes == (("Cor", "Azul"), ("Tamanho", "P"))
    assert catalog.balances() == {"CAM-P": 5, "CAM-M": 0, "CAN": 10}  # LIV: no stock record
    assert {(m.code, m.kind, m.quantity) for m in catalog.movements()} == {
        ("CAM-P", MovementKind.ADJUSTMENT, 5),
        ("CAN", MovementKind.ADJUSTMENT, 10),
    }


def test_reimporting_the_same_file_changes_no_stock_but_is_a_new_count(tmp_path, imported, capsys):
    first = dict(Catalog().counted_at())
    assert set(first) == {"CAM-P", "CAM-M", "CAN"}  # LIV has no stock cell: never counted
    assert _import(_write(tmp_path, CATALOGUE)) == 0
    out = capsys.readouterr().out
    assert "products: 0 created, 0 updated" in out and "stock adjustments: 0" in out
    catalog = Catalog()
    assert len(catalog.movements()) == 2 and catalog.balances() == {"CAM-P": 5, "CAM-M": 0, "CAN": 10}
    # The same figures counted again now: sales closed before this import are in them (docs/internals.md).
    assert all(catalog.counted_at()[code] > at for code, at in first.items())


def test_the_dry_run_of_an_import_counts_nothing(tmp_path, imported, capsys):
    stat_before = os.stat(imported)
    assert _import(_write(tmp_path, CATALOGUE), "--dry-run") == 0
    assert os.stat(imported).st_ino == stat_before.st_ino  # not even rewritten


def test_a_new_count_becomes_an_adjustment_of_the_difference(tmp_path, imported, capsys):
    assert _import(_write(tmp_path, "code,name,price,stock\nCAN,Caneca,25.00,7\n")) == 0
    assert "stock adjustments: 1" in capsys.readouterr().out
    catalog = Catalog()
    assert catalog.balance("CAN") == 7
    assert catalog.movements("CAN")[-1].quantity == -3


def test_export_round_trips(tmp_path, imported, capsys, monkeypatch):
    first = tmp_path / "out.csv"
    assert main(["erp", "export", str(first)]) == 0
    assert "5 rows written" in capsys.readouterr().out
    assert oct(first.stat().st_mode & 0o777) == "0o600"
    text = first.read_text("utf-8")
    assert text.splitlines()[0] == "code,name,price,stock,parent_code,attributes"
    assert "CAM-P,,,5,CAM,Cor=Azul;Tamanho=P" in text.splitlines()
    # into another home, then out again: the same file
    close_stores()
    monkeypatch.setenv("MELISYNC_HOME", str(tmp_path / "other-home"))
    assert _import(first) == 0
    second = tmp_path / "again.csv"
    assert main(["erp", "export", str(second)]) == 0
    assert second.read_text("utf-8") == text


BRAZILIAN = (
    "código;nome;preço;estoque;codigo_pai;atributos\r\n"
    "CAM;Camiseta básica;59,90;;;\r\n"
    'CAM-P;;;5;CAM;"Cor=Azul;Tamanho=P"\r\n'
    "LIV;Livro;1.234,56;1.200;;\r\n"
    "CAN;Caneca;R$ 25;10;;\r\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_brazilian_spreadsheet_files_are_read(tmp_path, encoding):
    assert _import(_write(tmp_path, BRAZILIAN, encoding=encoding)) == 0
    catalog = Catalog()
    products = catalog.products()
    assert products["CAM"].name == "Camiseta básica" and products["CAM"].price == Decimal("59.90")
    assert products["LIV"].price == Decimal("1234.56") and products["CAN"].price == Decimal("25")
    assert catalog.balances() == {"CAM-P": 5, "LIV": 1200, "CAN": 10}
    assert catalog.compositions()["CAM-P"].attributes == (("Cor", "Azul"), ("Tamanho", "P"))


def test_a_tab_separated_file_is_read(tmp_path):
    assert _import(_write(tmp_path, "code\tname\tprice\tstock\nA\tAlpha\t1.5\t2\n")) == 0
    assert Catalog().balance("A") == 2


@pytest.mark.parametrize(
    "cell, mark, expected",
    [
        ("12.50", ".", "12.50"),
        ("1,234.56", ".", "1234.56"),
        ("7", ".", "7"),
        ("12,50", ",", "12.50"),
        ("1.234,56", ",", "1234.56"),
        ("1.234", ",", "1234"),
        ("R$ 9,9", ",", "9.9"),
    ],
)
def test_prices_in_either_notation(cell, mark, expected):
    assert parse_price(cell, mark) == Decimal(expected)


@pytest.mark.parametrize("cell, mark", [("1.500", "."), ("12.50", ","), ("1,2,3", "."), ("12.505", "."), ("-1", ".")])
def test_ambiguous_or_wrong_prices_are_refused(cell, mark):
    with pytest.raises(ValueError):
        parse_price(cell, mark)


BAD_FILES = {
    "duplicate code": (
        "code,name,price,stock\nA,Alpha,1,1\nB,Beta,1,1\nA,Again,2,2\n",
        ["line 4, column code: A repeats line 2"],
    ),
    "parent missing": (
        "code,name,price,stock,parent_code,attributes\nX-1,,,1,GHOST,Cor=Azul\n",
        ["line 2, column parent_code: product GHOST is neither in the file nor in the catalogue"],
    ),
    "negative stock": (
        "code,name,price,stock\nA,Alpha,1,-3\n",
        ["line 2, column stock: '-3': stock cannot be negative"],
    ),
    "fractional stock": (
        "code,name,price,stock\nA,Alpha,1,2.5\n",
        ["line 2, column stock: '2.5' is not a whole number"],
    ),
    "bad price": ("code,name,price,stock\nA,Alpha,abc,1\n", ["line 2, column price: 'abc' is not a price"]),
    "empty price": ("code,name,price,stock\nA,Alpha,,1\n", ["line 2, column price: empty"]),
    "missing code": ("code,name,price,stock\n,Alpha,1,1\n", ["line 2, column code: empty"]),
    "missing columns": ("code,name,stock\nA,Alpha,1\n", ["line 1: missing column 'price'"]),
    "stock on a product with compositions that is not their sum": (
        "code,name,price,stock,parent_code,attributes\nP,Pai,1,4,,\nP-1,,,1,P,Cor=Azul\nP-2,,,2,P,Cor=Preto\n",
        ["line 2, column stock: product P has compositions", "leave this cell empty or write their sum (3), not 4"],
    ),
    "zero on a product whose compositions hold stock": (
        "code,name,price,stock,parent_code,attributes\nP,Pai,1,0,,\nP-1,,,1,P,Cor=Azul\n",
        ["line 2, column stock: product P has compositions", "their sum (1), not 0"],
    ),
    "a product of the catalogue: its compositions' sum counts the catalogue's stock too": (
        "code,name,price,stock,parent_code,attributes\nCAM,Camiseta básica,59.90,9,,\nCAM-M,,,1,CAM,Cor=Azul\n",
        ["line 2, column stock: product CAM", "their sum (6), not 9"],
    ),
    "composition of a composition": (
        "code,name,price,stock,parent_code,attributes\nP,Pai,1,,,\nP-1,,,1,P,Cor=Azul\nP-1-a,,,1,P-1,Cor=Azul\n",
        ["line 4, column parent_code: P-1 (line 3) is a composition, not a product"],
    ),
    "bad attributes": (
        "code,name,price,stock,parent_code,attributes\nP,Pai,1,,,\nP-1,,,1,P,Azul\n",
        ["line 3, column attributes: 'Azul' is not name=value"],
    ),
    "existing product becomes a composition": (
        "code,name,price,stock,parent_code,attributes\nCAN,,,1,CAM,Cor=Azul\n",
        ["line 2, column parent_code: CAN is a product in the catalogue"],
    ),
    "product with stock movements gets compositions": (
        "code,name,price,stock,parent_code,attributes\nCAN-AZ,,,1,CAN,Cor=Azul\n",
        [
            "line 2, column parent_code: product CAN has no variations in the catalogue and 1 stock movements",
            "--convert",
        ],
    ),
    "too many values": ("code,name,price,stock\nA,Alpha,1,5,0\n", ["line 2: 5 values but the header has 4 columns"]),
    "broken quotes": ('code,name,price,stock\nA,"Alpha,1,5\nB,Beta,1,1\n', ["line 2: unexpected end of data"]),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_malformed_file_exits_2_names_the_line_and_changes_nothing(tmp_path, imported, capsys, kind):
    text, expected = BAD_FILES[kind]
    before = imported.read_bytes()
    path = _write(tmp_path, text, name="bad.csv")
    assert _import(path) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "nothing was imported" in err
    for fragment in expected:
        assert fragment in err
    assert imported.read_bytes() == before


def test_every_error_is_reported_not_just_the_first(tmp_path, imported, capsys):
    rows = "".join(f"A{i},Alpha,x{i},1\n" for i in range(60))
    assert _import(_write(tmp_path, "code,name,price,stock\n" + rows)) == 2
    err = capsys.readouterr().err
    assert "60 errors" in err and "line 2, column price" in err and "line 51, column price" in err
    assert "line 52, column price" not in err and "and 10 more" in err


def test_a_file_that_is_not_text_is_refused(tmp_path, imported, capsys):
    path = tmp_path / "photo.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"code,name\n\x81\x8d\x90\n")
    assert _import(path) == 2
    assert "neither UTF-8 nor Windows-1252" in capsys.readouterr().err


def test_a_missing_file_is_bad_input(tmp_path, capsys):
    assert _import(tmp_path / "nope.csv") == 2
    assert "cannot read" in capsys.readouterr().err


def test_s8_conversion_through_the_import_with_convert(tmp_path, imported, capsys):
    text = "code,name,price,stock,parent_code,attributes\nCAN-AZ,,,4,CAN,Cor=Azul\nCAN-VM,,,2,CAN,Cor=Vermelho\n"
    path = _write(tmp_path, text)
    assert _import(path) == 2
    capsys.readouterr()
    assert _import(path, "--convert") == 0
    out = capsys.readouterr().out
    assert "converted to compositions (rule S8): CAN" in out and "stock movements zeroed: 1" in out
    catalog = Catalog()
    assert catalog.products()["CAN"].has_variations
    assert catalog.balance("CAN") == 0 and catalog.movements("CAN")[-1].kind is MovementKind.RESET
    assert catalog.balances()["CAN-AZ"] == 4 and catalog.balances()["CAN-VM"] == 2


def test_excel_separator_line_and_blank_lines_keep_line_numbers_right(tmp_path, capsys):
    text = "sep=;\r\ncode;name;price;stock\r\n\r\nA;Alpha;1,50;2\r\nB;Beta;2,50;x\r\n"
    assert _import(_write(tmp_path, text)) == 2
    assert "line 5, column stock: 'x' is not a whole number" in capsys.readouterr().err
    assert _import(_write(tmp_path, text.replace(";x", ";3"))) == 0
    assert Catalog().products()["B"].price == Decimal("2.50")


def test_line_errors_and_errors_across_lines_come_together_in_line_order(tmp_path, imported, capsys):
    text = (
        "code,name,price,stock,parent_code,attributes\nA,Alpha,10.00,5,,\nA,Alpha again,10.00,5,,\n"
        "B-1,,,3,NOPE,Cor=Azul\nC,Gamma,12;50,-2,,\nD,Delta,x,,,\nD-1,,,1,D,Cor=Azul\n"
    )
    assert _import(_write(tmp_path, text)) == 2
    lines = capsys.readouterr().err.splitlines()[1:]
    assert [line.split(":")[0].strip() for line in lines] == [
        "line 3, column code",
        "line 4, column parent_code",
        "line 5, column price",
        "line 5, column stock",
        "line 6, column price",
    ]  # D-1's parent D is in the file (with a bad price): not reported as missing


def test_a_dry_run_counts_and_writes_nothing(tmp_path, imported, capsys):
    before = imported.read_bytes()
    path = _write(tmp_path, "code,name,price,stock\nCAN,Caneca,25.00,4\nNEW,Novo,3,1\n")
    assert _import(path, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "dry run: nothing was written" in out
    assert "products: 1 created, 0 updated" in out and "stock adjustments: 2" in out
    assert imported.read_bytes() == before
    assert "NEW" not in Catalog().products() and Catalog().balance("CAN") == 10


@pytest.mark.parametrize("parent_stock", ["", "8"])
def test_a_product_row_may_carry_its_compositions_sum_as_erp_exports_write(tmp_path, capsys, parent_stock):
    text = (
        "code,name,price,stock,parent_code,attributes\n"
        f"P,Pai,1,{parent_stock},,\nP-1,,,3,P,Cor=Azul\nP-2,,,5,P,Cor=Preto\n"
    )
    assert _import(_write(tmp_path, text)) == 0
    catalog = Catalog()
    assert catalog.balances() == {"P-1": 3, "P-2": 5}  # the product's own figure is not stock of its own
    # and against the catalogue: P-2 not in the file keeps its 5, so the sum is 3 + 5 again after P-1 is 3
    assert (
        _import(
            _write(
                tmp_path,
                "code,name,price,stock,parent_code,attributes\nP,Pai,1,8,,\nP-1,,,3,P,Cor=Azul\n",
                name="again.csv",
            )
        )
        == 0
    )

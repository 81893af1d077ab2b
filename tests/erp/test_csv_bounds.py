"""Input bounds of the catalogue file: absurd stock and prices, control characters, and formula cells that a
spreadsheet would run when it opens an export."""

from __future__ import annotations

import pytest

from cli.main import main
from services.erp.catalog import Catalog
from services.input_rules import from_spreadsheet, spreadsheet_safe
from services.store import close_stores


def _import(tmp_path, text: str) -> int:
    path = tmp_path / "c.csv"
    path.write_text("code,name,price,stock,parent_code,attributes\n" + text, "utf-8")
    return main(["erp", "import", str(path)])


@pytest.mark.parametrize(
    "row, column",
    [
        ("A,Caneca,10.00,99999999999999999999999,,\n", "column stock"),
        ("A,Caneca,10.00,1000000,,\n", "column stock"),
        ("A,Caneca,999999999999.00,1,,\n", "column price"),
        ("A,Cane\x00ca,10.00,1,,\n", "column name"),
        ("A\x1b,Caneca,10.00,1,,\n", "column code"),
    ],
)
def test_absurd_values_and_control_characters_are_refused(tmp_path, capsys, melisync_home, row, column):
    assert _import(tmp_path, row) == 2
    err = capsys.readouterr().err
    assert f"line 2, {column}" in err
    assert not (melisync_home / "erp.json").exists()


def test_max_stock_is_a_setting(tmp_path, capsys, melisync_home):
    assert main(["config", "set", "max_stock", "5000000"]) == 0
    assert _import(tmp_path, "A,Caneca,10.00,1000000,,\n") == 0
    assert Catalog().balance("A") == 1_000_000


def test_formula_cells_are_neutralized_in_the_export_and_come_back_on_import(tmp_path, capsys, monkeypatch):
    rows = '"=HYPERLINK(""http://x"",""y"")",@SUM(1),10.00,3,,\n+CMD,-Menos,10.00,,,\n-CMD-1,,,2,+CMD,Cor=Azul\n'
    assert _import(tmp_path, rows) == 0
    out = tmp_path / "out.csv"
    assert main(["erp", "export", str(out)]) == 0
    text = out.read_text("utf-8")
    assert "'=HYPERLINK" in text and "'@SUM(1)" in text and "'+CMD" in text and "'-Menos" in text
    for line in text.splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.lstrip('"').startswith(("=", "+", "@")) and not cell.startswith("-C"), line
    close_stores()
    monkeypatch.setenv("MELISYNC_HOME", str(tmp_path / "other"))
    assert main(["erp", "import", str(out)]) == 0
    assert set(Catalog().products()) == {'=HYPERLINK("http://x","y")', "+CMD"}
    assert Catalog().products()["+CMD"].name == "-Menos"


def test_spreadsheet_safe_round_trips():
    for cell in ("=1+1", "+x", "-y", "@z", "\tq", "plain", "'quoted", "", "12.50"):
        assert from_spreadsheet(spreadsheet_safe(cell)) == cell
        assert not spreadsheet_safe(cell).startswith(("=", "+", "-", "@", "\t"))

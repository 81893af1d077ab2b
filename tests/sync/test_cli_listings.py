"""`links`, `log` and `sync --dry-run` for scripts and spreadsheets: `--csv` (formulas neutralized),
`--all` (no cut list), `log --errors` (issue 14), against a sandbox on a real loopback socket."""

from __future__ import annotations

import csv
import io
import json

import pytest

from cli.main import main
from sandbox.state import SandboxState
from services.csv_export import csv_text, spreadsheet_safe
from services.store import close_stores
from services.store.journal import Journal

pytestmark = pytest.mark.e2e

ERP = "code,name,price,stock,parent_code,attributes\n" + "".join(f"P{n:03d},Produto {n},10,{n},,\n" for n in range(60))


@pytest.fixture
def sandbox_state() -> SandboxState:
    state = SandboxState(listings=0, seed=0)
    for n in range(60):  # 60 stock writes: more than the 40 a dry run lists by default
        state.add_listing(f"Produto {n}", quantity=n + 5, sku=f"P{n:03d}")
    state.add_listing('=HYPERLINK("http://evil.example")', quantity=3, sku="@SUM(1)")
    return state


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    close_stores()
    return code, out, err


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_spreadsheet_safe_cells():
    assert spreadsheet_safe("=1+1") == "'=1+1" and spreadsheet_safe("+cmd") == "'+cmd"
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)" and spreadsheet_safe("Caneca") == "Caneca"
    assert spreadsheet_safe(-3) == -3  # numbers are numbers
    assert rows(csv_text(["a"], [["=x"]])) == [{"a": "'=x"}]


def test_dry_run_all_csv_links_and_log(live_home, live_sandbox, capsys, tmp_path):
    erp = tmp_path / "erp.csv"
    erp.write_text(ERP, "utf-8")
    assert run(capsys, "erp", "import", str(erp))[0] == 0

    code, out, _ = run(capsys, "sync", "stock", "--dry-run")
    assert code == 0 and "more to apply (--all lists every one)" in out
    code, out, _ = run(capsys, "sync", "stock", "--dry-run", "--all")
    assert code == 0 and out.count("  + stock") == 60 and "more to apply" not in out
    code, out, _ = run(capsys, "sync", "stock", "--dry-run", "--csv")
    plan = rows(out)
    assert code == 0 and sum(r["status"] == "planned" and r["kind"] == "stock" for r in plan) == 60
    assert set(plan[0]) == {"status", "kind", "item_id", "variation_id", "erp_code", "from", "to", "reason"}
    assert run(capsys, "sync", "stock", "--csv", "--yes")[0] == 2  # --csv lists a plan, never applies one
    assert live_sandbox.state.writes() == []

    assert run(capsys, "sync", "all", "--yes", "--json")[0] in (0, 1)
    code, out, _ = run(capsys, "links", "--csv")
    links = rows(out)
    assert code == 0 and len(links) == 61
    evil = next(r for r in links if "HYPERLINK" in r["title"])
    assert evil["title"].startswith("'=") and evil["reference_code"] == "'@SUM(1)"  # a spreadsheet shows text

    code, out, _ = run(capsys, "log", "--csv")
    runs = rows(out)
    assert code == 0 and [r["status"] for r in runs][:1] != [] and "took_seconds" in runs[0]

    # A run with an error: only it with --errors, and only its failed actions with --run.
    journal = Journal()
    bad = journal.start("stock", False)
    journal.record(
        bad,
        [
            {"kind": "stock", "item_id": "MLB1", "status": "failed", "reason": "ML said no", "from": 1, "to": 2},
            {"kind": "stock", "item_id": "MLB2", "status": "done", "reason": "", "from": 1, "to": 3},
        ],
        [{"message": "ML said no", "item_id": "MLB1"}],
    )
    journal.finish(bad, "failed", {"done": 1, "failed": 1})
    close_stores()
    code, out, _ = run(capsys, "log", "--errors")
    assert code == 0 and out.splitlines()[0].startswith(f"run {bad:>4}") and len(out.splitlines()) == 1
    assert "1 error" in out and "error(s)" not in out
    code, out, _ = run(capsys, "log", "--run", str(bad), "--errors", "--csv")
    assert [r["item_id"] for r in rows(out)] == ["MLB1"]
    doc = json.loads(run(capsys, "log", "--errors", "--json")[1])
    assert [r["id"] for r in doc["runs"]] == [bad]

"""`melisync doctor` checks the JSON Lines files of the home too (issue 16): the stock ledger and the catalogue
file beside erp.json, journal/ and links.jsonl, each with what is wrong, where, and what to do."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal

from cli.main import main
from services.doctor import check_home, restore
from services.erp.catalog import Catalog
from services.erp.models import MovementKind, Product, StockMovement
from services.store import close_stores
from services.store.journal import Journal
from services.store.run import RunStatus
from words.reasons import say

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _checks(home) -> dict:
    close_stores()
    return {c.name: c for c in check_home(home)}


def _seller(home) -> None:
    catalog = Catalog()
    catalog.add_products([Product("CAN", "Caneca", Decimal("25"))])
    catalog.record_movements(
        [StockMovement("CAN", MovementKind.ADJUSTMENT, 10, T0, "csv")]
        + [StockMovement("CAN", MovementKind.SALE, -1, T0, "order", key=f"sale:{i}:MLB1:") for i in range(3)]
    )
    journal = Journal(home=home)
    run = journal.start("stock", False)
    journal.record(run, [{"kind": "stock", "status": "done", "item_id": "MLB1"}])
    journal.finish(run, "finished", {"done": 1})
    (home / "links.jsonl").write_text(
        '{"fields": ["listing_id", "variation_id", "state"]}\n["MLB1", null, "linked"]\n["MLB2", null, "linked"]\n'
    )


def test_a_good_home_is_in_order_file_by_file(melisync_home):
    _seller(melisync_home)
    checks = _checks(melisync_home)
    assert {name: c.state for name, c in checks.items() if name in ("ledger.jsonl", "journal/", "links.jsonl")} == {
        "ledger.jsonl": "ok",
        "journal/": "ok",
        "links.jsonl": "ok",
    }
    assert [c.state for name, c in checks.items() if name.startswith("erp-codes-")] == ["ok"]


def test_a_damaged_ledger_line_is_named_with_what_to_do(melisync_home, capsys):
    _seller(melisync_home)
    ledger = melisync_home / "ledger.jsonl"
    lines = ledger.read_bytes().splitlines(keepends=True)
    lines[2] = b"x" * (len(lines[2]) - 1) + b"\n"
    ledger.write_bytes(b"".join(lines))
    check = _checks(melisync_home)["ledger.jsonl"]
    assert check.state == "damaged" and say(check.problem) == "1 damaged line (3)"
    assert "backup" in say(check.detail) and "record of the sales booked" in say(check.detail)
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"ledger.jsonl +damaged: 1 damaged line \(3\)", out)
    assert restore(melisync_home) and ledger.read_bytes() == b"".join(lines)  # never changed on its own


def test_a_ledger_shorter_than_erp_json_counts_and_a_lost_catalogue_are_damaged(melisync_home):
    _seller(melisync_home)
    ledger = melisync_home / "ledger.jsonl"
    ledger.write_bytes(ledger.read_bytes()[:-10])
    assert "where erp.json counts" in say(_checks(melisync_home)["ledger.jsonl"].problem)
    codes = next(melisync_home.glob("erp-codes-*.jsonl"))
    named = json.loads((melisync_home / "erp.json").read_bytes())["files"]["1"]["codes"]
    for path in melisync_home.glob("erp-codes-*.jsonl"):
        if path.name == named:
            codes = path
    codes.unlink()
    check = _checks(melisync_home)[codes.name]
    assert check.state == "damaged" and say(check.problem) == "it is missing"
    done = {c.name: c for c in restore(melisync_home)}  # the one copy that fits: before the ledger's first line
    assert done["ledger.jsonl"].state == "restored" and "erp.json.1" in say(done["ledger.jsonl"].detail)
    close_stores()
    assert Catalog().balance("CAN") is None and "CAN" in Catalog().products()


def test_an_interrupted_ledger_write_is_noted_not_damaged(melisync_home):
    _seller(melisync_home)
    with open(melisync_home / "ledger.jsonl", "ab") as fh:
        fh.write(b'{"code":"CAN","kind":"sale","quantity":-1,"ti')
    check = _checks(melisync_home)["ledger.jsonl"]
    assert check.state == "ok" and "the next write cuts them off" in say(check.detail)


def test_damaged_journal_lines_are_named_and_set_aside_by_restore(melisync_home):
    _seller(melisync_home)
    index = melisync_home / "journal" / "runs.jsonl"
    with open(index, "ab") as fh:
        fh.write(b"garbage\n")
    check = _checks(melisync_home)["journal/"]
    assert check.state == "damaged" and "runs.jsonl: 1 damaged line" in say(check.problem)
    assert "skipped" in say(check.detail) and "--restore" in say(check.detail)
    done = {c.name: c for c in restore(melisync_home)}["journal/"]
    assert done.state == "restored" and "runs.jsonl set aside" in say(done.detail)
    assert [p.read_bytes() for p in index.parent.glob("runs.jsonl.corrupt-*")] == [b"garbage\n"]
    assert _checks(melisync_home)["journal/"].state == "ok"
    assert Journal(home=melisync_home).runs()[0].status == RunStatus.FINISHED  # the good lines stayed


def test_a_missing_journal_index_is_damaged_with_what_to_do(melisync_home):
    _seller(melisync_home)
    (melisync_home / "journal" / "runs.jsonl").unlink()
    check = _checks(melisync_home)["journal/"]
    assert (
        check.state == "damaged"
        and "index runs.jsonl is missing" in say(check.problem)
        and "backup" in say(check.detail)
    )


def test_damaged_links_rows_and_header(melisync_home):
    _seller(melisync_home)
    links = melisync_home / "links.jsonl"
    links.write_bytes(links.read_bytes().replace(b'["MLB2"', b'["MLB2'))
    check = _checks(melisync_home)["links.jsonl"]
    assert check.state == "damaged" and say(check.problem) == "1 damaged line (3)"
    assert "sync stock" in say(check.detail)
    restore(melisync_home)
    assert links.read_text().splitlines()[1:] == ['["MLB1", null, "linked"]']
    links.write_text("not a header\n" + '["MLB1", null, "linked"]\n')
    check = _checks(melisync_home)["links.jsonl"]
    assert check.state == "damaged" and "no link can be read" in say(check.problem)
    done = {c.name: c for c in restore(melisync_home)}["links.jsonl"]
    assert done.state == "restored" and not links.exists()
    assert _checks(melisync_home)["links.jsonl"].state == "absent"


def test_restore_goes_back_to_the_newest_copy_the_shortened_ledger_still_holds(melisync_home):
    _seller(melisync_home)
    ledger = melisync_home / "ledger.jsonl"
    held = ledger.stat().st_size
    Catalog().record_movements([StockMovement("CAN", MovementKind.SALE, -1, T0, "order", key="sale:9:MLB1:")])
    with open(ledger, "r+b") as fh:
        fh.truncate(held)  # e.g. a ledger restored from a backup older than erp.json
    close_stores()
    done = {c.name: c for c in restore(melisync_home)}["ledger.jsonl"]
    assert done.state == "restored" and "erp.json.1" in say(done.detail), done
    close_stores()
    assert Catalog().balance("CAN") == 7 and "sale:9:MLB1:" not in Catalog().movement_keys()
    assert {c.state for c in check_home(melisync_home)} <= {"ok", "absent"}


def test_doctor_speaks_portuguese_and_its_json_stays_english(melisync_home, capsys):
    """Every sentence of the report goes through the catalogue (it was English in pt_BR), plurals included."""
    from services.i18n import set_language

    _seller(melisync_home)
    with open(melisync_home / "journal" / "runs.jsonl", "ab") as fh:
        fh.write(b"garbage\nmore garbage\n")
    try:
        assert main(["--lang", "pt_BR", "doctor"]) == 1
        out = capsys.readouterr().out
        assert "runs.jsonl: 2 linhas danificadas (" in out
        assert "as linhas que não podem ser lidas são puladas" in out
        assert "damaged line" not in out and "skipped" not in out
        assert main(["--lang", "pt_BR", "doctor", "--json"]) == 1
        [journal] = [f for f in json.loads(capsys.readouterr().out)["files"] if f["file"] == "journal/"]
        assert journal["problem"].startswith("runs.jsonl: 2 damaged lines (")
        assert main(["--lang", "pt_BR", "doctor", "--restore"]) == 0
        out = capsys.readouterr().out
        assert "2 linhas de runs.jsonl postas de lado em runs.jsonl.corrupt-" in out
    finally:
        set_language("en")


def test_doctor_lines_up_long_names_and_leaves_out_a_journal_json_there_never_was(melisync_home, capsys):
    _seller(melisync_home)
    names = [c.name for c in check_home(melisync_home)]
    assert "journal.json" not in names and "journal/" in names  # journal/ replaced it (issue 16)
    assert main(["doctor"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith(" ")][:-1]
    assert len({len(line) - len(line.split()[-1]) for line in lines}) == 1, lines  # one column for the states

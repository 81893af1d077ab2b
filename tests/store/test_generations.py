"""Store generations: every commit keeps the two previous ones; a damaged file is read from the newest good
one when that is safe (meli.json, journal.json), never for the ledger (erp.json); reads change no file."""

from __future__ import annotations

import json
from datetime import UTC

import pytest

from services.doctor import check_home, restore
from services.store import open_store
from services.store.cursors import Cursors
from services.store.storage import StoreDamaged, take_notes
from words.reasons import say


def _commit(kind: str, *codes: str) -> None:
    store = open_store(kind)
    for code in codes:
        with store.transaction() as db:
            db.table("things").insert({"code": code})


def _codes(kind: str) -> list[str]:
    return [doc["code"] for doc in open_store(kind).db().table("things").all()]


def _files(home) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(home.iterdir()) if p.is_file()}


def test_each_commit_keeps_the_two_previous_ones(melisync_home):
    _commit("erp", "A", "B", "C")

    def tables(name):
        return json.loads((melisync_home / name).read_text())["things"]

    assert [d["code"] for d in tables("erp.json").values()] == ["A", "B", "C"]
    assert [d["code"] for d in tables("erp.json.1").values()] == ["A", "B"]
    assert [d["code"] for d in tables("erp.json.2").values()] == ["A"]
    assert not (melisync_home / "erp.json.3").exists()


def test_a_damaged_ledger_stops_reads_and_writes_and_changes_nothing(melisync_home):
    _commit("erp", "A", "B")
    (melisync_home / "erp.json").write_text('{"things": {"1": {"code": "A"}', "utf-8")  # cut short
    before = _files(melisync_home)
    store = open_store("erp")
    with pytest.raises(StoreDamaged) as caught:
        store.db().table("things").all()
    message = str(caught.value)
    assert str(melisync_home / "erp.json") in message and str(melisync_home / "erp.json.1") in message
    assert "melisync doctor --restore" in message and "exit" not in message
    assert "erp.json.1 (saved " in message and ", good)" in message
    with pytest.raises(StoreDamaged):
        with store.transaction() as db:
            db.table("things").insert({"code": "X"})
    assert _files(melisync_home) == before  # nothing moved, replaced or written


def test_a_deleted_ledger_with_copies_is_damaged_not_empty(melisync_home):
    _commit("erp", "A", "B")
    (melisync_home / "erp.json").unlink()
    with pytest.raises(StoreDamaged, match="it is missing"):
        _codes("erp")


def test_a_damaged_cache_is_read_from_its_last_good_copy_and_put_back_at_the_next_write(melisync_home):
    _commit("meli", "A", "B", "C")
    (melisync_home / "meli.json").write_text("[]", "utf-8")  # valid JSON, wrong shape
    take_notes()
    before = _files(melisync_home)
    assert _codes("meli") == ["A", "B"]  # generation 1
    assert _files(melisync_home) == before  # a read changes nothing
    notes = take_notes()
    assert len(notes) == 1 and "meli.json.1" in say(notes[0]) and "put back" in say(notes[0])
    _commit("meli", "D")
    assert _codes("meli") == ["A", "B", "D"]
    aside = [p for p in melisync_home.iterdir() if p.name.startswith("meli.json.corrupt-")]
    assert len(aside) == 1 and aside[0].read_text() == "[]"


def test_a_damaged_file_without_a_good_copy_is_refused_with_what_to_do(melisync_home):
    _commit("journal", "A")
    (melisync_home / "journal.json").write_text("null", "utf-8")
    with pytest.raises(StoreDamaged, match="no good copy"):
        _codes("journal")


def test_doctor_restores_the_ledger_and_moves_the_orders_cursor_back(melisync_home):
    _commit("erp", "A", "B")
    Cursors().set("orders", "2099-01-01T00:00:00+00:00")
    (melisync_home / "erp.json").write_bytes(b"\x00" * 10)
    checks = {c.name: c for c in check_home(melisync_home)}
    assert checks["erp.json"].state == "damaged" and checks["meli.json"].state == "ok"
    done = {c.name: c for c in restore(melisync_home)}
    assert done["erp.json"].state == "restored" and "erp.json.1" in say(done["erp.json"].detail)
    assert _codes("erp") == ["A"]
    assert Cursors().get("orders") < "2099"
    assert {c.state for c in check_home(melisync_home)} <= {"ok", "absent"}


def test_before_any_sync_ended_the_doctor_reads_back_to_the_copys_oldest_count(melisync_home):
    from datetime import datetime

    from tests.fixtures.sync import seed_erp

    counted = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    seed_erp({"CAN": 5}, when=counted)  # the copy the doctor puts back: counted then, no sync yet
    seed_erp({"PRA": 3}, when=datetime(2026, 11, 20, tzinfo=UTC))
    Cursors().set("orders", "2099-01-01T00:00:00+00:00")
    (melisync_home / "erp.json").write_bytes(b"\x00" * 10)
    restore(melisync_home)
    assert datetime.fromisoformat(Cursors().get("orders")) == counted  # every sale after that count read again


def test_a_damaged_file_is_explained_in_portuguese_and_kept_english_for_json(melisync_home):
    from services.i18n import set_language

    _commit("erp", "A", "B")
    (melisync_home / "erp.json").write_text('{"things": {"1": {"code": "A"}', "utf-8")  # cut short
    set_language("pt_BR")
    try:
        with pytest.raises(StoreDamaged) as caught:
            open_store("erp").db().table("things").all()
    finally:
        set_language("en")
    message = str(caught.value)
    assert message.startswith(f"{melisync_home / 'erp.json'} está danificado: ") and "Nada foi alterado" in message
    assert "(salva em " in message and ", boa)" in message and "Execute `melisync doctor --restore`" in message
    assert caught.value.english.startswith(f"{melisync_home / 'erp.json'} is damaged: ")
    assert ", good)" in caught.value.english

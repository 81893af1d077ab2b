"""Journal runs as typed, frozen `Run`s; the journal's files and `melisync log --json` keep their format."""

from __future__ import annotations

import json
import socket
from dataclasses import FrozenInstanceError, replace
from datetime import UTC, datetime

import pytest

from cli.main import main
from services.store.journal import Journal
from services.store.run import Run, RunKind, RunStatus

HOST = socket.gethostname()
# runs.jsonl as a sync writes it: a run's start, then changes to it (the last value wins), and an error added.
INDEX = [
    {"id": 1, "kind": "stock", "dry_run": False, "status": "running", "started_at": "2026-11-30T10:00:00+00:00",
     "ended_at": None, "pid": 1, "host": HOST, "counts": {}, "errors": [], "notes": []},
    {"id": 1, "planned_at": "2026-11-30T10:00:05+00:00", "counts": {"planned": 2}},
    {"id": 1, "applied_at": "2026-11-30T10:01:00+00:00"},
    {"id": 1, "+errors": [{"message": "boom", "item_id": "MLB1"}]},
    {"id": 1, "status": "failed", "ended_at": "2026-11-30T10:01:30+00:00", "counts": {"done": 1, "failed": 1},
     "notes": ["a note"]},
    # a run whose process is gone (no process has that pid): `log` shows it interrupted without writing it
    {"id": 2, "kind": "reference_code", "dry_run": False, "status": "running",
     "started_at": "2026-11-30T11:00:00+00:00", "ended_at": None, "pid": 99999999, "host": HOST, "counts": {},
     "errors": [], "notes": []},
]  # fmt: skip


def write_index(home) -> bytes:
    folder = home / "journal"
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(row, separators=(",", ":")) + "\n" for row in INDEX).encode()
    (folder / "runs.jsonl").write_bytes(text)
    return text


def test_a_run_has_typed_fields(melisync_home):
    write_index(melisync_home)
    run = Journal(home=melisync_home).run(1)
    assert run is not None
    assert (run.id, run.kind, run.status, run.dry_run) == (1, RunKind.STOCK, RunStatus.FAILED, False)
    assert run.started_at == datetime(2026, 11, 30, 10, tzinfo=UTC)
    assert run.applied_at == datetime(2026, 11, 30, 10, 1, tzinfo=UTC)
    assert run.counts == {"done": 1, "failed": 1} and run.notes == ("a note",)
    assert run.errors == ({"message": "boom", "item_id": "MLB1"},) and run.has_errors and not run.waiting
    with pytest.raises(FrozenInstanceError):
        run.status = RunStatus.FINISHED  # type: ignore[misc]


def test_to_dict_gives_the_record_back_as_journaled():
    record = {**INDEX[0], "status": "finished", "skip_base": 1, "skipped_as_before": 0, "later_field": [1]}
    run = Run.from_record(record)
    assert json.dumps(run.to_dict()) == json.dumps(record)  # same keys, same order, same text
    changed = replace(run, status=RunStatus.INTERRUPTED).to_dict()
    assert list(changed) == list(record) and changed["status"] == "interrupted"


def test_a_newer_versions_kind_or_status_is_read_not_refused():
    run = Run.from_record({"id": 7, "kind": "future_kind", "status": "paused", "started_at": "not a time"})
    assert (run.kind, run.status, run.started_at) == (RunKind.UNKNOWN, RunStatus.UNKNOWN, None)
    assert run.to_dict() == {"id": 7, "kind": "future_kind", "status": "paused", "started_at": "not a time"}


def test_log_json_prints_the_journaled_records(melisync_home, capsys):
    on_disk = write_index(melisync_home)
    assert main(["log", "--json"]) == 0
    expected = {
        "runs": [
            {"id": 2, "errors": [], "notes": [], "counts": {}, "kind": "reference_code", "dry_run": False,
             "status": "interrupted", "started_at": "2026-11-30T11:00:00+00:00", "ended_at": None, "pid": 99999999,
             "host": HOST, "note_codes": []},
            {"id": 1, "errors": [{"message": "boom", "item_id": "MLB1", "reason_code": "text",
                                  "reason_values": {"text": "boom"}}], "notes": ["a note"],
             "counts": {"done": 1, "failed": 1}, "kind": "stock", "dry_run": False, "status": "failed",
             "started_at": "2026-11-30T10:00:00+00:00", "ended_at": "2026-11-30T10:01:30+00:00", "pid": 1,
             "host": HOST, "planned_at": "2026-11-30T10:00:05+00:00", "applied_at": "2026-11-30T10:01:00+00:00",
             "note_codes": [{"code": "text", "values": {"text": "a note"}}]},
        ]
    }  # fmt: skip
    # the journaled record as it is, plus the words/reasons.py fields (`reason_code`, `note_codes`)
    assert capsys.readouterr().out == json.dumps(expected, indent=2) + "\n"
    assert main(["log", "--run", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"run": expected["runs"][1], "actions": []}
    assert (melisync_home / "journal" / "runs.jsonl").read_bytes() == on_disk  # reading wrote nothing

"""The sync journal (issue 16): append-only per run, skipped rows counted as before, retention by size and age,
never an unfinished run dropped, an older journal.json converted, a line cut short by a crash ignored."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from services.store.journal import FINISHED, RUNNING, Journal, journal_exists


def action(n: int, reason: str = "no reference code", status: str = "skipped") -> dict:
    return {
        "kind": "stock",
        "item_id": f"MLB{n:06d}",
        "variation_id": None,
        "erp_code": None,
        "from": n,
        "to": None,
        "status": status,
        "reason": reason,
        "key": None,
    }


def one_run(journal: Journal, actions: int, kind: str = "stock") -> int:
    run_id = journal.start(kind, dry_run=False)
    for start in range(0, actions, 200):
        journal.record(run_id, [action(n, status="done") for n in range(start, min(actions, start + 200))])
    journal.finish(run_id, FINISHED, {"done": actions})
    return run_id


def test_writing_a_run_costs_its_own_actions_whatever_the_journal_holds(melisync_home):
    journal = Journal(home=melisync_home)
    costs = []
    for _ in range(30):
        before = journal.bytes_written
        one_run(journal, 300)
        costs.append(journal.bytes_written - before)
    # The 30th run writes what the first wrote (the old journal.json rewrote everything on every batch).
    assert max(costs) < min(costs) * 1.02, costs  # (only the run id's digits differ)
    assert journal.size() > 25 * costs[0]


def test_rows_skipped_for_the_same_reason_are_counted_not_listed_again(melisync_home):
    journal = Journal(home=melisync_home)
    rows = [action(n) for n in range(300)]
    first = journal.start("stock", dry_run=False)
    assert journal.list_skipped(first, "stock", rows) == []  # the first becomes the base: listed with its run
    journal.finish(first, FINISHED, {"skipped": 300})
    assert len(journal.actions(first)) == 300 and journal.run(first).skipped_as_before == 0

    second = journal.start("stock", dry_run=False)
    grown = journal.size()
    assert journal.list_skipped(second, "stock", rows) == []
    journal.finish(second, FINISHED, {"skipped": 300})
    assert journal.run(second).skipped_as_before == 300 and journal.actions(second) == []
    assert journal.size() - grown < 1000  # a no-change run adds a few hundred bytes, not 300 rows
    assert sorted(r["item_id"] for r in journal.skipped_as_before(second)) == sorted(r["item_id"] for r in rows)

    # One reason changed, one row new, one row no longer skipped: those are listed, the rest counted.
    third_rows = [action(0, "unknown code")] + rows[1:299] + [action(999)]
    third = journal.start("stock", dry_run=False)
    listed = journal.list_skipped(third, "stock", third_rows)
    assert sorted(r["item_id"] for r in listed) == ["MLB000000", "MLB000999"]
    journal.record(third, listed)
    journal.finish(third, FINISHED, {"skipped": 300})
    assert journal.run(third).skipped_as_before == 298
    before = {r["item_id"] for r in journal.skipped_as_before(third)}
    assert len(before) == 298 and not {"MLB000000", "MLB000299", "MLB000999"} & before

    # Another kind has its own base.
    other = journal.start("products", dry_run=False)
    assert journal.list_skipped(other, "products", rows[:5]) == []
    assert journal.run(other).skip_base == other


def test_a_run_that_differs_a_lot_becomes_the_new_base(melisync_home):
    journal = Journal(home=melisync_home)
    first = journal.start("stock", dry_run=False)
    journal.list_skipped(first, "stock", [action(n) for n in range(100)])
    second = journal.start("stock", dry_run=False)
    assert journal.list_skipped(second, "stock", [action(n) for n in range(500, 700)]) == []
    assert journal.run(second).skip_base == second and len(journal.actions(second)) == 200


def test_retention_keeps_the_journal_under_its_size_and_never_drops_an_unfinished_run(melisync_home):
    journal = Journal(home=melisync_home, max_bytes=60_000)
    unfinished = journal.start("stock", dry_run=False)  # this process is alive: it stays running
    journal.record(unfinished, [action(n, status="done") for n in range(100)])
    for _ in range(40):
        one_run(journal, 100)
    assert journal.size() < 60_000 + 25_000  # the limit, plus the run that started last
    ids = [r.id for r in journal.runs()]
    assert unfinished in ids and journal.run(unfinished).status == RUNNING
    assert len(journal.actions(unfinished)) == 100
    assert len(ids) < 20 and ids[0] == unfinished + 40  # the newest are kept
    assert not (melisync_home / "journal" / f"run-{unfinished + 1}.jsonl").exists()


def test_retention_by_age_and_the_skip_base_in_use_stays(melisync_home):
    journal = Journal(home=melisync_home, max_days=30)
    base = journal.start("stock", dry_run=False)
    journal.list_skipped(base, "stock", [action(n) for n in range(10)])
    journal.finish(base, FINISHED, {})
    old = one_run(journal, 5)
    long_ago = (datetime.now(UTC) - timedelta(days=45)).isoformat()
    for run_id in (base, old):
        journal.amend(run_id, started_at=long_ago, ended_at=long_ago)
    later = journal.start("stock", dry_run=False)
    assert journal.list_skipped(later, "stock", [action(n) for n in range(10)]) == []
    ids = [r.id for r in journal.runs()]
    assert old not in ids and base in ids  # the base is still named by a kept run
    assert len(journal.skipped_as_before(later)) == 10


def test_an_older_journal_json_is_read_in_place_then_converted_by_the_next_run(melisync_home):
    old = {
        "_melisync": {"1": {"kind": "journal", "schema_version": 1}},
        "runs": {
            "1": {
                "kind": "all",
                "dry_run": False,
                "status": "finished",
                "started_at": "2026-11-01T10:00:00+00:00",
                "ended_at": "2026-11-01T10:01:00+00:00",
                "pid": 1,
                "host": "x",
                "counts": {"done": 2},
                "errors": [{"message": "boom"}],
                "notes": ["first"],
            },
            "2": {
                "kind": "stock",
                "dry_run": True,
                "status": "dry_run",
                "started_at": "2026-11-02T10:00:00+00:00",
                "ended_at": "2026-11-02T10:00:05+00:00",
                "pid": 1,
                "host": "x",
                "counts": {},
                "errors": [],
                "notes": [],
            },
        },
        "actions": {
            "1": {"run_id": 1, "time": "t", **action(1, status="done")},
            "2": {"run_id": 1, "time": "t", **action(2, status="done")},
        },
    }
    melisync_home.mkdir(parents=True, exist_ok=True)
    (melisync_home / "journal.json").write_text(json.dumps(old))
    assert journal_exists(melisync_home)
    journal = Journal(home=melisync_home)
    assert [r.id for r in journal.runs()] == [2, 1]
    assert journal.run(1).errors == ({"message": "boom"},) and journal.run(1).notes == ("first",)
    assert [a["item_id"] for a in journal.actions(1)] == ["MLB000001", "MLB000002"]
    assert journal.last_run("stock", applied=False).status == "dry_run"
    assert (melisync_home / "journal.json").exists() and not (melisync_home / "journal").exists()  # read only
    assert journal.start("stock", dry_run=False) == 3
    assert [r.id for r in journal.runs()] == [3, 2, 1] and len(journal.actions(1)) == 2
    assert not (melisync_home / "journal.json").exists() and (melisync_home / "journal.json.migrated").exists()


def test_a_line_cut_short_by_a_crash_is_ignored_and_the_next_one_is_whole(melisync_home):
    journal = Journal(home=melisync_home)
    first = one_run(journal, 3)
    with open(melisync_home / "journal" / "runs.jsonl", "ab") as fh:
        fh.write(b'{"id": 99, "kind": "sto')  # kill -9 in the middle of a write
    with open(melisync_home / "journal" / f"run-{first}.jsonl", "ab") as fh:
        fh.write(b'{"run_id": 1, "ki')
    reader = Journal(home=melisync_home)
    assert [r.id for r in reader.runs()] == [first] and len(reader.actions(first)) == 3
    second = journal.start("stock", dry_run=False)
    journal.finish(second, FINISHED, {})
    assert [r.id for r in Journal(home=melisync_home).runs()] == [second, first]
    assert Journal(home=melisync_home).run(second).status == FINISHED


def test_reading_creates_nothing(melisync_home):
    journal = Journal(home=melisync_home)
    assert journal.runs() == [] and journal.actions(1) == [] and journal.last_run() is None
    assert not journal_exists(melisync_home) and not (melisync_home / "journal").exists()

"""The watcher's small parts: which rows a tick reads, when an ERP file is picked up, how the heartbeat is
reported, how ticks back off (issue 15). The whole loop is tested over a socket in test_watch_e2e.py."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta

import pytest

from services.errors import BadInput, OperationFailed
from services.linking import Link, LinkState
from services.sync.erp_watch import CsvPickup
from services.sync.late_sales import moved_rows
from services.sync.watch import FAILED_TICK, IDLE, MAX_BACKOFF_SECONDS, TickReport, Watcher
from services.watch_state import Heartbeat, WatchLock, WatchRunning, watch_report


def _link(key: str, code: str | None, erp: int | None, state=LinkState.LINKED) -> Link:
    return Link(key, None, state, code, code, erp_stock=erp, ml_stock=erp)


def test_a_tick_reads_only_the_rows_whose_balance_moved():
    rows = [
        _link("A", "X", 5),
        _link("B", "X", 5),
        _link("C", "Y", 3),
        _link("D", "Z", 1),
        _link("E", "X", 5, LinkState.NOT_WRITABLE),
        _link("F", None, None),
    ]
    moved = moved_rows(rows, {"X": 4, "Y": 3})  # Z has no stock record: not a zero, left alone
    assert [l.listing_id for l in moved] == ["A", "B"]


def test_an_erp_file_is_picked_up_once_settled_and_once_per_version(tmp_path):
    path = tmp_path / "stock.csv"
    path.write_text("x", "utf-8")
    now = [path.stat().st_mtime + 1]
    seen = []
    pickup = CsvPickup(path, lambda file, at: seen.append(at), stable_seconds=3, clock=lambda: now[0])
    assert not asyncio.run(pickup())  # written a second ago: maybe still being written
    now[0] += 5
    assert asyncio.run(pickup()) and seen == [datetime.fromtimestamp(path.stat().st_mtime, UTC)]
    assert not asyncio.run(pickup())  # the same version is not imported again
    path.write_text("xy", "utf-8")
    os.utime(path, (now[0] - 10, now[0] - 10))
    assert asyncio.run(pickup()) and len(seen) == 2
    path.unlink()
    assert not asyncio.run(pickup())  # the ERP is replacing it: looked at again next tick


def test_a_refused_erp_file_is_said_once_and_waits_for_a_new_version(tmp_path):
    path = tmp_path / "stock.csv"
    path.write_text("x", "utf-8")
    calls = []

    def refuse(file, at):
        calls.append(at)
        raise BadInput("line 2: stock 'abc' is not a whole number")

    pickup = CsvPickup(path, refuse, stable_seconds=0, clock=lambda: path.stat().st_mtime + 1)
    with pytest.raises(OperationFailed, match="was not imported: line 2"):
        asyncio.run(pickup())
    assert not asyncio.run(pickup()) and len(calls) == 1


def test_status_counts_the_errors_of_the_last_hour_and_trusts_the_lock_not_the_file(tmp_path):
    beat = Heartbeat(tmp_path, pid=999999, every=60)
    now = datetime.now(UTC)
    beat.errors = [
        {"at": (now - timedelta(hours=2)).isoformat(), "message": "old"},
        {"at": (now - timedelta(minutes=5)).isoformat(), "message": "recent"},
    ]
    beat.last_tick = now.isoformat()
    beat.write()
    report = watch_report(tmp_path)
    assert report["state"] == "stopped" and report["pid"] is None  # the file says running; nobody holds the lock
    assert report["errors_last_hour"] == 1 and report["last_error"] == "recent"
    lock = WatchLock(tmp_path)
    lock.acquire()
    try:
        with pytest.raises(WatchRunning, match="process 999999"):
            WatchLock(tmp_path).acquire()
    finally:
        lock.release()
    WatchLock(tmp_path).acquire()  # released: the next watcher starts


def test_failing_ticks_back_off_and_a_good_one_resumes_the_pace(tmp_path):
    class Config:
        home = tmp_path

    watcher = Watcher(Config(), None, every=10)
    failed = TickReport("now", FAILED_TICK)
    assert [watcher._delay(failed) for _ in range(3)] == [20, 40, 80]
    assert max(watcher._delay(failed) for _ in range(20)) == MAX_BACKOFF_SECONDS
    assert watcher._delay(TickReport("now", IDLE)) == 10

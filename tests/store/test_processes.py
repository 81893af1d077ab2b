"""The store across real processes: a writer killed with SIGKILL mid-write, and writers running at once."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from services.erp.catalog import Catalog
from services.store import Store

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 30.0  # seconds; generous for a loaded 2-core machine, never reached when things work


def _spawn(code: str, home: Path) -> subprocess.Popen:
    env = dict(os.environ, MELISYNC_HOME=str(home), PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _read_line(process: subprocess.Popen) -> str:
    """The child's next stdout line, waiting at most DEADLINE (fails with its stderr otherwise)."""
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    try:
        if not selector.select(timeout=DEADLINE):
            process.kill()
            pytest.fail("the child process said nothing in time")
    finally:
        selector.close()
    line = process.stdout.readline()
    if not line:
        process.wait(DEADLINE)
        pytest.fail(f"the child process ended: {process.stderr.read()}")
    return line.strip()


def _kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(DEADLINE)
    for stream in (process.stdin, process.stdout, process.stderr):
        stream.close()


STALL_IN_WRITE = """
    import os, sys
    from services.store import open_store
    store = open_store("erp")
    with store.transaction() as db:
        db.table("products").insert_multiple({"code": f"P{i}", "version": "old"} for i in range(20000))
    real_fsync = os.fsync
    def stall(fd):  # the new content is in the temp file, not yet renamed over erp.json
        real_fsync(fd)
        print("writing", flush=True)
        sys.stdin.read()
    os.fsync = stall
    with store.transaction() as db:
        db.table("products").update({"version": "new"})
        db.table("products").insert_multiple({"code": f"Q{i}", "version": "new"} for i in range(20000))
"""


def test_a_writer_killed_mid_write_leaves_the_old_content_and_no_lock(melisync_home):
    child = _spawn(STALL_IN_WRITE, melisync_home)
    assert _read_line(child) == "writing"
    leftovers = list(melisync_home.glob(".erp.json.*.tmp"))
    assert len(leftovers) == 1 and leftovers[0].stat().st_size > 0
    _kill(child)

    store = Store(melisync_home / "erp.json", "erp", lock_timeout=DEADLINE)
    docs = store.db().table("products").all()
    assert len(docs) == 20000 and {d["version"] for d in docs} == {"old"}
    with store.transaction() as db:  # the killed writer's lock is gone; its temp file is swept
        db.table("products").insert({"code": "after", "version": "new"})
    assert not list(melisync_home.glob(".erp.json.*.tmp"))
    assert len(store.db().table("products")) == 20001


WRITE_FOREVER = """
    from services.store import open_store
    store = open_store("erp")
    version = 0
    while True:
        version += 1
        with store.transaction() as db:
            db.table("products").truncate()
            db.table("products").insert_multiple(
                {"code": f"P{i}", "version": version} for i in range(5000 + version % 7))
        print(version, flush=True)
"""


@pytest.mark.parametrize("commits_before_kill", [1, 3])
def test_a_writer_killed_at_any_moment_leaves_a_whole_file(melisync_home, commits_before_kill):
    child = _spawn(WRITE_FOREVER, melisync_home)
    for _ in range(commits_before_kill):
        last = int(_read_line(child))
    _kill(child)  # the child is already busy with the next commit
    data = json.loads((melisync_home / "erp.json").read_bytes())  # whole JSON, never a torn file
    versions = {doc["version"] for doc in data["products"].values()}
    assert len(versions) == 1
    version = versions.pop()
    assert version >= last and len(data["products"]) == 5000 + version % 7


CONCURRENT_WRITER = """
    import sys
    from services.store import open_store
    store = open_store("journal")
    writer = sys.argv[1]
    sys.stdin.readline()  # start together
    for n in range(100):
        with store.transaction() as db:
            db.table("runs").insert({"writer": writer, "n": n})
            counter = db.table("counter")
            if counter.get(doc_id=1) is None:
                counter.insert({"value": 1})
            else:
                counter.update({"value": counter.get(doc_id=1)["value"] + 1}, doc_ids=[1])
    print("done", flush=True)
"""


def test_two_processes_writing_at_once_lose_no_write(melisync_home):
    melisync_home.mkdir(parents=True, exist_ok=True)
    children = []
    for writer in ("a", "b"):
        env = dict(os.environ, MELISYNC_HOME=str(melisync_home), PYTHONPATH=str(ROOT))
        children.append(
            subprocess.Popen(
                [sys.executable, "-c", textwrap.dedent(CONCURRENT_WRITER), writer],
                cwd=ROOT,
                env=env,
                text=True,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    for child in children:
        assert _read_line(child) == "done"
        child.wait(DEADLINE)
        _kill(child)
    store = Store(melisync_home / "journal.json", "journal")
    runs = store.db().table("runs").all()
    assert sorted((d["writer"], d["n"]) for d in runs) == sorted((w, n) for w in "ab" for n in range(100))
    assert len({d.doc_id for d in runs}) == 200
    assert store.db().table("counter").get(doc_id=1)["value"] == 200


SALES_WRITER = """
    import sys
    from datetime import datetime, timezone
    from services.erp.catalog import Catalog
    from services.erp.models import MovementKind, StockMovement
    catalog = Catalog()
    sys.stdin.readline()
    when = datetime(2026, 11, 27, tzinfo=timezone.utc)
    for order in range(60):  # both processes see the same 60 orders
        catalog.record_movement(StockMovement("CAN", MovementKind.SALE, -1, when, f"order:{order}",
                                              key=f"sale:{order}:MLB1:-"))
    print("done", flush=True)
"""


def test_two_processes_recording_the_same_orders_decrement_once(melisync_home):
    from decimal import Decimal

    from services.erp.models import Product

    Catalog().add_products([Product("CAN", "Caneca", Decimal("25"))])
    children = [_spawn(SALES_WRITER, melisync_home) for _ in range(2)]
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    for child in children:
        assert _read_line(child) == "done"
        _kill(child)
    catalog = Catalog(store=Store(melisync_home / "erp.json", "erp"))
    assert catalog.balance("CAN") == -60
    assert len(catalog.movements("CAN")) == 60

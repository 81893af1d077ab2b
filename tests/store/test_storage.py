"""The store's file handling: batched atomic writes, reads that follow other writers, damaged files."""

from __future__ import annotations

import errno
import json
import stat

import pytest
from filelock import FileLock

from services.errors import OperationFailed
from services.store import Store, open_store
from services.store import storage as storage_module


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_transaction_writes_the_file_once(melisync_home, monkeypatch):
    writes = []
    real = storage_module.write_private
    monkeypatch.setattr(storage_module, "write_private", lambda p, b: (writes.append(p), real(p, b)))
    store = open_store("erp")
    with store.transaction() as db:
        for i in range(50):
            db.table("products").insert({"code": f"P{i}"})
        db.table("balances").insert_multiple({"code": f"P{i}", "quantity": i} for i in range(50))
    assert writes == [melisync_home / "erp.json"]
    assert len(store.db().table("products")) == 50
    raw = json.loads((melisync_home / "erp.json").read_text())
    assert raw["_melisync"] == {"1": {"kind": "erp", "schema_version": 1}}


def test_nested_transactions_join_the_outer_one(monkeypatch):
    writes = []
    real = storage_module.write_private
    monkeypatch.setattr(storage_module, "write_private", lambda p, b: (writes.append(p), real(p, b)))
    store = open_store("journal")
    with store.transaction() as outer:
        outer.table("runs").insert({"id": 1})
        with store.transaction() as inner:
            inner.table("runs").insert({"id": 2})
        assert len(writes) == 0
    assert len(writes) == 1
    assert sorted(d["id"] for d in store.db().table("runs").all()) == [1, 2]


def test_writing_outside_a_transaction_is_refused(melisync_home):
    store = open_store("meli")
    with pytest.raises(RuntimeError, match="transaction"):
        store.db().table("links").insert({"key": "MLB1"})
    assert not (melisync_home / "meli.json").exists()


def test_a_failed_transaction_writes_nothing_and_leaves_reads_intact(melisync_home):
    store = open_store("erp")
    with store.transaction() as db:
        db.table("products").insert({"code": "A", "name": "old"})
    before = (melisync_home / "erp.json").read_bytes()
    with pytest.raises(ZeroDivisionError):
        with store.transaction() as db:
            db.table("products").update({"name": "new"})
            db.table("products").insert({"code": "B"})
            1 / 0  # noqa: B018 - the expression is the point: it raises inside the transaction
    assert (melisync_home / "erp.json").read_bytes() == before
    assert [d["name"] for d in store.db().table("products").all()] == ["old"]


def test_reads_see_another_writers_commits(melisync_home):
    ours = open_store("erp")
    theirs = Store(melisync_home / "erp.json", "erp")  # as another process would open it
    assert ours.db().table("products").all() == []
    with theirs.transaction() as db:
        db.table("products").insert({"code": "A"})
    assert [d["code"] for d in ours.db().table("products").all()] == ["A"]
    # and a transaction starts from the other writer's content, so nothing is lost
    with ours.transaction() as db:
        db.table("products").insert({"code": "B"})
    with theirs.transaction() as db:
        db.table("products").insert({"code": "C"})
    assert sorted(d["code"] for d in ours.db().table("products").all()) == ["A", "B", "C"]
    assert len({d.doc_id for d in ours.db().table("products").all()}) == 3


def test_files_are_private_in_a_private_home(melisync_home):
    for kind in ("erp", "meli", "journal"):
        with open_store(kind).transaction() as db:
            db.table("t").insert({"x": 1})
    assert _mode(melisync_home) == 0o700
    names = sorted(p.name for p in melisync_home.iterdir())
    assert names == ["erp.json", "erp.json.lock", "journal.json", "journal.json.lock", "meli.json", "meli.json.lock"]
    assert {p.name: _mode(p) for p in melisync_home.iterdir()} == {n: 0o600 for n in names}


@pytest.mark.parametrize(
    "content, expected",
    [
        ({"_melisync": {"1": {"kind": "erp", "schema_version": 99}}}, "newer melisync"),
        ({"_melisync": {"1": {"kind": "journal", "schema_version": 1}}}, "not 'erp'"),
        ({"_default": {"1": {"some": "tinydb file"}}}, "not written by melisync"),
    ],
)
def test_a_file_this_version_cannot_read_is_refused_and_left_untouched(melisync_home, content, expected):
    melisync_home.mkdir(parents=True)
    path = melisync_home / "erp.json"
    path.write_text(json.dumps(content), "utf-8")
    store = open_store("erp")
    with pytest.raises(OperationFailed, match=expected):
        store.db().table("products").all()
    with pytest.raises(OperationFailed, match=expected):
        with store.transaction():
            pass
    assert json.loads(path.read_text("utf-8")) == content


def test_a_full_disk_fails_cleanly_and_keeps_the_old_content(melisync_home, monkeypatch):
    store = open_store("erp")
    with store.transaction() as db:
        db.table("products").insert({"code": "A"})
    before = (melisync_home / "erp.json").read_bytes()

    def disk_full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage_module, "write_private", disk_full)
    with pytest.raises(OperationFailed, match="No space left on device; nothing was changed"):
        with store.transaction() as db:
            db.table("products").insert({"code": "B"})
    assert (melisync_home / "erp.json").read_bytes() == before
    assert [d["code"] for d in store.db().table("products").all()] == ["A"]


def test_a_lock_held_too_long_is_reported(melisync_home):
    store = Store(open_store("erp").path, "erp", lock_timeout=0.05)
    with FileLock(str(store.path) + ".lock"):
        with pytest.raises(OperationFailed, match="another melisync process"):
            with store.transaction():
                pass


def test_temp_files_left_by_a_killed_writer_are_swept(melisync_home):
    store = open_store("erp")
    leftover = melisync_home / ".erp.json.abc123.tmp"
    leftover.write_bytes(b'{"half": ')
    with store.transaction() as db:
        db.table("products").insert({"code": "A"})
    assert not leftover.exists()


def test_a_snapshot_keeps_its_content_after_later_commits(melisync_home):
    store = open_store("erp")
    with store.transaction() as db:
        db.table("products").insert({"code": "A"})
        db.table("balances").insert({"code": "A", "quantity": 1})
    generation, snapshot = store.snapshot()
    other = Store(store.path, "erp")  # another process
    with other.transaction() as db:
        db.table("balances").truncate()
        db.table("products").insert({"code": "B"})
    assert store.generation != generation
    assert [d["code"] for d in snapshot.table("products").all()] == ["A"]
    assert snapshot.table("balances").all() == [{"code": "A", "quantity": 1}]
    with pytest.raises(RuntimeError, match="read-only"):
        snapshot.table("products").insert({"code": "C"})


def test_threads_of_one_process_share_the_store_without_losing_writes(melisync_home):
    import threading

    store = open_store("journal")

    def writer(name: str) -> None:
        for n in range(40):
            with store.transaction() as db:
                db.table("runs").insert({"writer": name, "n": n})

    threads = [threading.Thread(target=writer, args=(name,)) for name in "abc"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted((d["writer"], d["n"]) for d in store.db().table("runs").all()) == [
        (w, n) for w in "abc" for n in range(40)
    ]


def test_a_home_that_cannot_be_created_is_reported(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MELISYNC_HOME", str(blocker / "home"))
    with pytest.raises(OperationFailed, match="cannot create the melisync home"):
        open_store("erp")


def test_a_home_created_too_open_is_made_private(melisync_home):
    melisync_home.mkdir(parents=True, mode=0o755)
    melisync_home.chmod(0o755)
    with open_store("erp").transaction() as db:
        db.table("products").insert({"code": "A"})
    assert _mode(melisync_home) == 0o700 and _mode(melisync_home / "erp.json") == 0o600

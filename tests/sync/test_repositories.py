"""The sync engine's repositories: links (with ignore / accept), cursors, the journal, the links query."""

from __future__ import annotations

import os
import subprocess
import sys

from services.linking import Link, LinkState, build_links
from services.store.cursors import Cursors
from services.store.journal import FINISHED, INTERRUPTED, RUNNING, Journal
from services.store.links import LinkRepository, LinkTable
from tests.fixtures.sync import catalogue, listing, variation

S = LinkState


def test_links_round_trip_and_counts():
    v = variation("P-1", vid=12345678901234)
    cat = catalogue(products=["A", "P"], compositions=[("P-1", "P")], balances={"A": 3})
    links = build_links([listing("MLB1", "A"), listing("MLB2", "P", variations=[v]), listing("MLB3", None)], cat)
    repo = LinkRepository()
    repo.replace_all(links)
    assert repo.all() == links
    assert repo.counts()["linked"] == 2 and repo.counts()["no_reference"] == 1


def test_ignore_unignore_and_accept_new_code():
    repo = LinkRepository()
    repo.replace_all([Link("MLB1", None, S.LINK_LOST, "B", "A")])
    repo.ignore(["MLB1", "MLB2"])
    repo.ignore(["MLB1"])  # twice is once
    assert repo.ignored() == {"MLB1", "MLB2"}
    repo.ignore(["MLB2"], ignored=False)
    assert repo.ignored() == {"MLB1"}
    repo.accept_new_code(["MLB1"])
    assert repo.previous() == {}
    repo.replace_all([Link("MLB1", None, S.LINKED, "B", "B")])
    assert [l.erp_code for l in repo.previous().values()] == ["B"]  # the acceptance was used up


def test_cursors():
    cursors = Cursors()
    assert cursors.get("orders") is None
    cursors.set("orders", "2026-11-27T10:00:00+00:00")
    cursors.set("orders", "2026-11-27T11:00:00+00:00")
    assert cursors.get("orders") == "2026-11-27T11:00:00+00:00"


def test_journal_run_actions_errors():
    journal = Journal()
    run_id = journal.start("stock", dry_run=False)
    assert journal.run(run_id).status == RUNNING
    journal.record(
        run_id,
        [{"kind": "stock", "item_id": "MLB1", "status": "done"}],
        errors=[{"message": "boom", "item_id": "MLB2"}],
    )
    journal.finish(run_id, FINISHED, {"done": 1})
    run = journal.run(run_id)
    assert (run.status, run.counts, run.errors[0]["message"]) == (FINISHED, {"done": 1}, "boom")
    assert [a["item_id"] for a in journal.actions(run_id)] == ["MLB1"]
    assert journal.last_run("stock").id == run_id and journal.last_run("products") is None


def test_a_run_whose_process_died_is_interrupted():
    journal = Journal()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    run_id = journal.start("stock", dry_run=False, pid=child.pid)
    mine = journal.start("stock", dry_run=False)
    assert [r.id for r in journal.running()] == [mine]
    assert journal.mark_interrupted() == [run_id]
    assert journal.run(run_id).status == INTERRUPTED and journal.run(mine).status == RUNNING


def _many(n):
    return [
        Link(
            f"MLB{i:06d}",
            None,
            [S.LINKED, S.NO_REFERENCE, S.UNKNOWN_CODE][i % 3],
            f"C{i}" if i % 3 != 1 else None,
            f"C{i}" if i % 3 == 0 else None,
            title=f"Caneca {'azul' if i % 2 else 'verde'} {i}",
            ml_stock=i % 7,
        )
        for i in range(n)
    ]


def test_link_table_filters_searches_sorts_and_pages():
    repo = LinkRepository()
    repo.replace_all(_many(3000))
    table = LinkTable(repo)
    page = table.query(state="linked", offset=0, limit=10)
    assert page.total == 1000 and len(page.rows) == 10 and all(r.state == S.LINKED for r in page.rows)
    assert page.counts["linked"] == 1000 and page.counts["no_reference"] == 1000
    found = table.query(search="AZUL 2999")
    assert [r.listing_id for r in found.rows] == ["MLB002999"]
    top = table.query(sort="ml_stock", descending=True, limit=3)
    assert [r.ml_stock for r in top.rows] == [6, 6, 6]
    codes = table.query(sort="reference_code", limit=3000).rows
    assert codes[-1].reference_code is None and codes[0].reference_code == "C0"  # None last
    assert table.query(offset=2990, limit=50).total == 3000 and len(table.query(offset=2990, limit=50).rows) == 10
    repo.ignore(["MLB000000"])  # shown at once
    assert table.query(state="ignored").rows[0].listing_id == "MLB000000"


def test_link_table_answers_typed_searches_and_filters_from_memory_as_a_fresh_pass_would():
    """Issue 14: the rows of a state are kept per order and each keystroke narrows the last search; every
    answer must be what a pass over every row gives, also when the text is shortened or changed, the filter
    or the order changes between two keystrokes, or rows are ignored meanwhile."""
    repo = LinkRepository()
    links = _many_links(900)
    repo.replace_all(links)
    table = LinkTable(repo)
    table.warm(["title"])

    def fresh(state, text, sort="listing_id", descending=False):
        return [
            l.key
            for l in LinkTable(repo).query(state=state, search=text, sort=sort, descending=descending, limit=10**6).rows
        ]

    def keys(state, text, sort="listing_id", descending=False):
        return [
            l.key for l in table.query(state=state, search=text, sort=sort, descending=descending, limit=10**6).rows
        ]

    steps = [
        (None, "t"),
        (None, "ti"),
        (None, "titulo 1"),
        (None, "titulo 12"),
        (None, "titulo 1"),
        ("linked", "titulo 1"),
        ("linked", "titulo 12"),
        (None, "titulo 12"),
        (None, "12"),
        ("link_lost", ""),
    ]
    for order in (("listing_id", False), ("title", True)):
        for state, text in steps:
            assert keys(state, text, *order) == fresh(state, text, *order), (state, text, order)
    narrowed = keys(None, "titulo 12")
    assert narrowed and all("12" in l.title for l in table.query(search="titulo 12", limit=10**6).rows)
    repo.ignore([links[12].key])  # the rows change: nothing kept from before may answer
    assert keys("linked", "titulo 12") == fresh("linked", "titulo 12")
    assert keys(None, "titulo 12") == fresh(None, "titulo 12")
    assert links[12].key in keys("ignored", "")


def test_link_table_rejects_an_unknown_column():
    import pytest

    with pytest.raises(ValueError):
        LinkTable(LinkRepository()).query(sort="nope")


def test_the_journal_keeps_the_newest_runs_only():
    journal = Journal(keep_runs=3)
    ids = []
    for n in range(5):
        run_id = journal.start("stock", dry_run=False)
        journal.record(run_id, [{"kind": "stock", "item_id": f"MLB{n}", "status": "done"}])
        journal.finish(run_id, FINISHED, {})
        ids.append(run_id)
    assert [r.id for r in journal.runs()] == ids[:1:-1]
    assert journal.actions(ids[0]) == [] and len(journal.actions(ids[-1])) == 1
    assert journal.start("stock", dry_run=False) > ids[-1]  # ids are never reused


def _many_links(count: int) -> list[Link]:
    states = list(S)
    return [
        Link(
            f"MLB{(i * 7919) % count:06d}",
            100 + i if i % 3 else None,
            states[i % len(states)],
            f"C{i % 50}" if i % 4 else None,
            f"C{i % 50}" if i % 2 else None,
            title=f"Título {i % 13}",
            ml_stock=i % 9 if i % 5 else None,
            erp_stock=i % 7,
        )
        for i in range(count)
    ]


def test_links_of_an_older_home_are_read_in_place_then_moved_by_the_next_sync(melisync_home):
    from services.store import MELI, close_stores, open_store
    from services.store.links import LINKS, link_to_doc

    links = _many_links(30)
    with open_store(MELI).transaction() as db:
        db.table(LINKS).insert_multiple(link_to_doc(l) for l in links)
        db.table("ignored").insert({"key": links[0].key})
    close_stores()
    repo = LinkRepository()
    assert sorted(repo.all(), key=lambda l: l.key) == sorted(links, key=lambda l: l.key)
    assert LinkTable(repo).query(limit=5).total == 30
    assert not (melisync_home / "links.jsonl").exists()  # reading changed nothing
    repo.replace_all(repo.all())
    assert (melisync_home / "links.jsonl").exists() and repo.ignored() == {links[0].key}
    close_stores()
    assert LINKS not in open_store(MELI).db().tables() and len(LinkRepository().all()) == 30


def test_a_sync_that_changed_nothing_rewrites_no_link(melisync_home):
    repo = LinkRepository()
    links = _many_links(50)
    assert repo.replace_all(links) == 50
    before = os.stat(melisync_home / "links.jsonl")
    assert repo.replace_all(list(reversed(links))) == 0
    assert os.stat(melisync_home / "links.jsonl").st_mtime_ns == before.st_mtime_ns
    changed = [links[0].__class__(**{**{f: getattr(links[0], f) for f in links[0].__slots__}, "ml_stock": 99})]
    assert repo.replace_all(changed + links[1:]) == 1


def test_the_first_page_comes_from_the_head_of_the_file_then_the_index_answers_every_sort():
    repo = LinkRepository()
    links = _many_links(400)
    first = sorted(links, key=lambda l: (l.listing_id.casefold(), l.key))[0]
    repo.ignore([first.key])  # ignored before the sync that stored the links (which shows it ignored)
    repo.replace_all(
        [Link(**{**{f: getattr(l, f) for f in l.__slots__}, "state": S.IGNORED}) if l == first else l for l in links]
    )
    table = LinkTable(LinkRepository())
    head = table.query(limit=20, wait=False)
    assert not table.ready  # answered without reading every link
    assert head.total == 400 and head.counts == repo.counts()  # the counts of the last sync (summary.json)
    assert head.rows[0].state == S.IGNORED
    table.warm(["title", "ml_stock", "difference"])
    assert table.ready
    full = table.query(limit=20)
    assert [l.key for l in full.rows] == [l.key for l in head.rows] and full.counts == head.counts
    shown = table.query(limit=400).rows
    for column in ("title", "ml_stock", "difference", "reference_code", "state", "variation_id"):
        for descending in (False, True):
            got = [l.key for l in table.query(sort=column, descending=descending, limit=400).rows]
            present = [l for l in shown if getattr(l, column) is not None]
            missing = [l for l in shown if getattr(l, column) is None]

            def key(l, column=column):
                value = getattr(l, column)
                return (value.casefold() if isinstance(value, str) else value, l.key)

            expected = sorted(present, key=key, reverse=descending) + sorted(
                missing, key=lambda l: l.key, reverse=descending
            )
            assert got == [l.key for l in expected], (column, descending)


def test_an_ignore_since_the_last_sync_takes_the_first_page_from_the_index():
    repo = LinkRepository()
    links = _many_links(100)
    repo.replace_all(links)
    repo.ignore([links[3].key])
    page = LinkTable(LinkRepository()).query(wait=False)  # the summary's counts no longer hold
    assert page.counts["ignored"] == repo.counts()["ignored"] + (links[3].state != S.IGNORED)

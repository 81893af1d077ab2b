"""No quadratic step (issue 16): the same syncs at 2,000 and 8,000 listings, counting operations (not time) in
linking (rows made), journaling (bytes appended) and link storage (rows encoded, bytes written, meli.json commits).
Four times the listings must cost about four times the operations (quadratic would be sixteen). And the raw item
bodies of the listings read are held a few batches at a time, however many listings, and what a sync holds once
per row is held once (memory per listing, counted: keys, indexes, copies)."""

from __future__ import annotations

import httpx
import pytest

import services.linking as linking
import services.meli.client as meli_client
import services.meli.parse as meli_parse
import services.store.links as stored_links
from sandbox.app import create_app
from sandbox.catalog import generate
from sandbox.state import SandboxState
from services.config import load_config
from services.erp.csv_io import import_csv
from services.meli.client import MeliClient
from services.store import close_stores
from services.store.storage import LockedJSONStorage
from services.sync.engine import SyncEngine
from tests.fixtures.meli import configure_home, connect_via_sandbox


class Counts:
    def __init__(self):
        self.links_made = 0
        self.lines_made = 0
        self.links_bytes = 0
        self.meli_commits = 0
        self.meli_bytes = 0
        self.raw_held = 0  # item bodies parsed out of a multiget answer, not yet turned into listings
        self.raw_most = 0
        self.keys_made = 0  # Link.key texts made (a dict of every row by key makes one per row)
        self.stored_rows_indexed = 0  # stored links.jsonl rows put in an index to compare with the new ones
        self.catalogue_copies = 0  # CatalogueViews made by copying the ERP's tables


@pytest.fixture
def counting(monkeypatch):
    counts = Counts()
    made = linking.Link.__init__

    def counted_link(self, *args, **kwargs):
        counts.links_made += 1
        made(self, *args, **kwargs)

    monkeypatch.setattr(linking.Link, "__init__", counted_link)
    to_line = stored_links._link_line

    def counted_line(link):
        counts.lines_made += 1
        return to_line(link)

    monkeypatch.setattr(stored_links, "_link_line", counted_line)
    write = stored_links.write_private

    def counted_write(path, data):
        write(path, data)
        counts.links_bytes += path.stat().st_size

    monkeypatch.setattr(stored_links, "write_private", counted_write)
    commit = LockedJSONStorage._commit

    def counted_commit(self, data):
        commit(self, data)
        if self.kind == "meli":
            counts.meli_commits += 1
            counts.meli_bytes += self.path.stat().st_size

    monkeypatch.setattr(LockedJSONStorage, "_commit", counted_commit)
    multiget, read_entries = meli_parse.multiget, meli_client._read_entries

    def counted_multiget(payload, requested):
        entries = multiget(payload, requested)
        counts.raw_held += len(entries)
        counts.raw_most = max(counts.raw_most, counts.raw_held)
        return entries

    def counted_read(entries):
        counts.raw_held -= len(entries)
        return read_entries(entries)

    monkeypatch.setattr(meli_parse, "multiget", counted_multiget)
    monkeypatch.setattr(meli_client, "_read_entries", counted_read)
    key = linking.Link.key.fget

    def counted_key(link):
        counts.keys_made += 1
        return key(link)

    monkeypatch.setattr(linking.Link, "key", property(counted_key))
    row_id = stored_links._row_id

    def counted_row_id(line):
        counts.stored_rows_indexed += 1
        return row_id(line)

    monkeypatch.setattr(stored_links, "_row_id", counted_row_id)
    view = linking.CatalogueView.__init__

    def counted_view(self, *args, **kwargs):
        counts.catalogue_copies += 1
        view(self, *args, **kwargs)

    monkeypatch.setattr(linking.CatalogueView, "__init__", counted_view)
    return counts


async def sync_counts(n: int, base, monkeypatch, counts: Counts) -> dict[str, int]:
    """A first sync (all), then two no-change stock syncs, in a fresh home, counting from the second one on."""
    home = base / f"home-{n}"
    monkeypatch.setenv("MELISYNC_HOME", str(home))
    close_stores()
    data = generate(n, 0)
    state = SandboxState(listings=data.listings, seed=0)
    transport = httpx.ASGITransport(app=create_app(state))
    configure_home(home)
    config = load_config(home)
    await connect_via_sandbox(config, state, transport)
    (base / f"erp-{n}.csv").write_text(data.erp_csv, "utf-8")
    import_csv(base / f"erp-{n}.csv")
    async with MeliClient(config, transport=transport) as client:
        first = SyncEngine(client, config=config)
        await first.apply(await first.plan("all"))
        figures = {}
        for _run in range(2):
            before = (counts.links_made, counts.lines_made, counts.meli_commits, counts.meli_bytes, counts.links_bytes)
            counts.raw_most = counts.keys_made = counts.stored_rows_indexed = counts.catalogue_copies = 0
            engine = SyncEngine(client, config=config)
            prepared = await engine.plan("stock")
            previous_held = len(prepared.snapshot.previous)
            await engine.apply(prepared)
            figures = {
                "links made": counts.links_made - before[0],
                "link lines encoded": counts.lines_made - before[1],
                "meli.json commits": counts.meli_commits - before[2],
                "meli.json bytes written": counts.meli_bytes - before[3],
                "links.jsonl bytes written": counts.links_bytes - before[4],
                "journal bytes appended": engine.journal.bytes_written,
                "rows": len(prepared.links),
                "raw item bodies held at most": counts.raw_most,
                "concurrency": config.concurrency,
                "row keys made": counts.keys_made,
                "stored rows indexed": counts.stored_rows_indexed,
                "catalogue copies": counts.catalogue_copies,
                "last links held after planning": previous_held,
            }
    close_stores()
    return figures


@pytest.mark.slow
async def test_a_sync_costs_operations_in_proportion_to_the_listings(tmp_path, monkeypatch, counting):
    small = await sync_counts(2000, tmp_path, monkeypatch, counting)
    large = await sync_counts(8000, tmp_path, monkeypatch, counting)
    growth = large["rows"] / small["rows"]
    assert 3.5 < growth < 4.5, (small, large)
    for name in ("links made", "link lines encoded", "meli.json bytes written", "journal bytes appended"):
        # Linear: about `growth` times as many; a quadratic step would be about growth**2 (16x).
        assert large[name] <= small[name] * growth * 1.25 + 2000, (name, small, large)
    # Per row and sync: one Link read back from links.jsonl (only what planning reads) and one built by the plan.
    assert large["links made"] <= large["rows"] * 2.05, large
    assert large["meli.json commits"] <= 1, large
    # A no-change sync rewrites no link (and meli.json holds cursors and choices only: a few hundred bytes).
    assert large["links.jsonl bytes written"] == 0 and large["meli.json bytes written"] < 5000, large
    # The listings are read a few batches at a time (two per request slot): their raw bodies do not grow with them
    # (before: every batch started at once, and the strict reading held all of them until its variations reads).
    most = 2 * large["concurrency"] * 20
    assert small["raw item bodies held at most"] <= most and large["raw item bodies held at most"] <= most, large
    # Memory per listing (issue 16: what a 50k sync held several times over). Row keys: the last links are read by key
    # (one per row) and a listing's variations sorted by key for the file; the rows the orders name are looked up
    # among those rows only - not in a dict of every row per step (sales, holds, late sales: five more per row).
    assert large["row keys made"] <= large["rows"] * 2, large
    # links.jsonl is compared along the new rows: an unchanged table puts no stored row in an index (before: all).
    assert large["stored rows indexed"] == 0, large
    # The ERP's tables are shared by the catalogue view, not copied; the last links are let go once planned.
    assert large["catalogue copies"] == 0 and large["last links held after planning"] == 0, large

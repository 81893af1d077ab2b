"""The one place the linking, mapping and sync flows call the services. It fetches and hands over; the rules
live in services/. Its plain methods block on files (the App runs them in thread workers); its coroutines talk
to Mercado Livre through the sync engine, which does its own file work off the loop (the App awaits them in
async workers on its loop: tui/sync_workers.py).

`transport` (an httpx transport) lets tests reach the sandbox in-process.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from dataclasses import replace
from pathlib import Path

from screens.sync_messages import LinkQuery
from services.config import Config
from services.errors import OperationFailed
from services.i18n import _
from services.mapping import MappingView, conversion_reference, family_of, variation_mapping, why_not_converting
from services.store.run import Run


class SyncServices:
    """Calls into the services for the linking and sync flows: plain methods from thread workers, coroutines
    from async workers."""

    def __init__(self, config: Config, *, transport=None) -> None:
        self.config = config
        self.transport = transport
        self._table = None
        self._frozen_at: int | None = None
        self._lock = threading.Lock()

    @property
    def home(self) -> Path:
        return Path(self.config.home)

    # -- links ------------------------------------------------------------------------------------------

    def _link_table(self):
        from services.store.links import LinkTable

        with self._lock:
            if self._table is None:
                self._table = LinkTable(self._repository())
            return self._table

    def _repository(self):
        from services.store.links import LinkRepository

        return LinkRepository(home=self.home)

    def find_listing(self, query: LinkQuery, text: str) -> tuple[LinkQuery, int | None]:
        """Where the listing `text` names is in `query`'s rows; when the filter or search hides it, in every
        link (the query returned is the one to show it under)."""
        from services.listing_url import find_listing

        for wanted in (query, replace(query, state=None, search="")):
            rows = (
                self._link_table()
                .query(
                    state=wanted.state,
                    search=wanted.search,
                    sort=wanted.sort,
                    descending=wanted.descending,
                    offset=0,
                    limit=10**9,
                )
                .rows
            )
            position = find_listing([link.listing_id for link in rows], text)
            if position is not None:
                return wanted, position
        return query, None

    def query_links(self, query: LinkQuery):
        """A page of links; before the index is built, the default first page comes from the head of the file
        (then call `warm_links()`, still off the UI thread)."""
        table = self._link_table()
        page = table.query(
            state=query.state,
            search=query.search,
            sort=query.sort,
            descending=query.descending,
            offset=query.offset,
            limit=query.limit,
            wait=False,
        )
        self._freeze_index(table)
        return page

    def warm_links(self, columns) -> None:
        """Build the links index and the sort orders of `columns` ahead of the keys that need them."""
        table = self._link_table()
        table.warm(columns)
        self._freeze_index(table)

    def _freeze_index(self, table) -> None:
        generation = table.generation
        if generation and generation != self._frozen_at:
            # The index of every link (50,000 rows and their search text) lives until the next sync. Left to
            # the cyclic GC, each full collection walks it and stalls the UI for ~100 ms; frozen, it is skipped
            # (the rows hold no cycles, so a replaced index is still freed by reference counting).
            gc.freeze()
            self._frozen_at = generation

    def forget_links(self) -> None:
        """Drop the cached link table: the next query reads the store again (it may have been purged)."""
        with self._lock:
            self._table = None

    def set_ignored(self, keys, ignored: bool) -> None:
        self._repository().ignore(keys, ignored)

    def accept_new_code(self, keys) -> None:
        self._repository().accept_new_code(keys)

    def listing_links(self, listing_id: str) -> list:
        page = self._link_table().query(search=listing_id, sort="listing_id", limit=10_000)
        return [link for link in page.rows if link.listing_id == listing_id]

    def family_links(self, family_name: str) -> list:
        """Every listing of a User Products family (by family name), in listing order."""
        table = self._link_table()
        everything = table.query(sort="listing_id", limit=0).total
        page = table.query(sort="listing_id", limit=everything)
        return [link for link in page.rows if link.family_name == family_name]

    def client(self):
        from services.meli.client import MeliClient

        return MeliClient(self.config, transport=self.transport)

    async def _client(self):
        """A client made off the loop: its TLS context reads the CA bundle from disk (~100 ms on a busy machine,
        benchmarks/bench_tui_sync.py)."""
        return await asyncio.to_thread(self.client)

    async def reference_code_change(self, link, code: str):
        """The change writing `code` would make, read from the live listing (an `Action`)."""
        async with await self._client() as client:
            engine = await self._engine_off_loop(client, None)
            return await engine.reference_code_change(link.listing_id, link.variation_id, code)

    async def write_reference_code(self, action):
        """Through the sync engine's one journaled write path (run kind `reference_code`)."""
        async with await self._client() as client:
            return await (await self._engine_off_loop(client, None)).write_reference_code(action)

    # -- variation mapping (S7, S8): services/mapping.py decides -----------------------------------------

    def _catalog(self):
        from services.erp.catalog import Catalog

        return Catalog(home=self.home)

    def mapping(self, listing_id: str) -> MappingView:
        links = self.listing_links(listing_id)
        family = family_of(links)
        if family:
            links = self.family_links(family)
        return variation_mapping(listing_id, links, self._catalog())

    def convert(self, listing_id: str, *, preview: bool):
        view = self.mapping(listing_id)
        why = why_not_converting(view)
        if why is not None:
            from screens.mapping import why_not_text

            raise OperationFailed(why_not_text(why))
        return self._catalog().convert_to_compositions(
            view.product_code, view.new_compositions, preview=preview, reference=conversion_reference(listing_id)
        )

    # -- sync -------------------------------------------------------------------------------------------

    def _engine(self, client, on_event):
        from services.sync.engine import SyncEngine

        return SyncEngine(client, config=self.config, on_event=on_event)

    async def _engine_off_loop(self, client, on_event):
        # Its stores are opened (paths resolved, files looked at) as it is made: off the App's loop.
        return await asyncio.to_thread(self._engine, client, on_event)

    async def plan(self, kind: str, on_event):
        async with await self._client() as client:
            return await (await self._engine_off_loop(client, on_event)).plan(kind)

    async def apply(self, prepared, on_event, cancelled):
        async with await self._client() as client:
            return await (await self._engine_off_loop(client, on_event)).apply(prepared, cancelled=cancelled)

    def decline(self, prepared):
        return self._engine(None, None).decline(prepared)

    # -- journal ----------------------------------------------------------------------------------------

    def _journal(self):
        from services.store.journal import Journal

        return Journal(home=self.home)

    def runs(self) -> list[Run]:
        from services.store.journal import journal_exists

        if not journal_exists(self.home):
            return []  # reading must not create the journal
        journal = self._journal()
        journal.mark_interrupted()
        return journal.runs(limit=500)

    def run_detail(self, run_id: int) -> tuple[Run, list[dict], list[dict]]:
        journal = self._journal()
        run = journal.run(run_id)
        if run is None:
            raise OperationFailed(_("There is no run {run_id} in the journal.", run_id=run_id))
        return run, journal.actions(run_id), journal.skipped_as_before(run_id)

"""The App's workers for linking and sync: the links table, variation mapping (S7, S8), sync plan ->
apply (with progress and cancel), and the journal for the logs.

`SyncServices` is the one place these flows call the services (blocking calls, run in thread workers);
`SyncWorkers` is mixed into the App: intents from the screens -> named workers -> results as messages.
Workers belong to the App, so a sync keeps going while the operator moves between screens.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.markup import escape
from textual import work
from textual.signal import Signal
from textual.worker import get_current_worker

from screens.sync_messages import (
    AcceptCodeRequested,
    ConversionDone,
    ConversionPreviewed,
    ConversionRequested,
    IgnoreRequested,
    LinkQuery,
    LinksChanged,
    LinksLoaded,
    LinksQueryRequested,
    MappingLoaded,
    MappingLoadRequested,
    MappingRequested,
    ReferenceCodePreviewed,
    ReferenceCodePreviewRequested,
    ReferenceCodeWriteRequested,
    RunDetailLoaded,
    RunDetailRequested,
    RunsLoaded,
    RunsRequested,
    SellerEditSimulationRequested,
    SyncApplyRequested,
    SyncCancelRequested,
    SyncDeclineRequested,
    SyncFinished,
    SyncPlanned,
    SyncProgress,
    SyncRequested,
)
from services.config import Config
from services.errors import OperationFailed
from services.i18n import N_, _, _n, known

# What the engine says it is reading (event messages), listed so each gets a translation.
READING = (N_("listings"), N_("orders"), N_("account"))

# How often progress reaches the screen: a message per action would flood the UI on a big catalogue.
PROGRESS_EVERY = 0.1  # seconds


# -- what the screens are given -------------------------------------------------------------------------


@dataclass(frozen=True)
class MappingPair:
    """One line of the variation mapping: a variation on Mercado Livre and the ERP composition it feeds
    (either side may be missing), with the link state."""

    variation: Any  # services.linking.Link, None for an ERP composition no variation carries
    composition: Any  # services.erp.models.Composition or None
    erp_stock: int | None
    state: str  # a LinkState value, or "not_on_ml"
    erp_product: str | None = None  # families: the ERP product (no compositions) a listing feeds instead


@dataclass(frozen=True)
class MappingView:
    """One listing's variations beside its ERP product's compositions (S7), and whether S8 applies."""

    listing_id: str
    title: str = ""
    product_code: str | None = None
    product_name: str | None = None
    pairs: tuple[MappingPair, ...] = ()
    convertible: bool = False  # S8: the ERP product can be converted to these variations
    why_not: str = ""  # why converting is not offered (when there is a structure mismatch)
    new_compositions: tuple[Any, ...] = ()  # what converting would create
    family_name: str | None = None  # User Products: the pairs are the family's listings, not variations
    products: tuple[str, ...] = ()  # families fed by plain ERP products (one per listing), not compositions


NOT_ON_ML = "not_on_ml"


@dataclass
class SyncState:
    """The App's view of the sync in progress (one at a time). Published on `sync_signal` when it changes."""

    phase: str = "idle"  # idle, planning, planned, applying, finished
    kind: str = ""
    run_id: int | None = None
    done: int = 0
    total: int = 0
    counts: dict = field(default_factory=dict)
    message: str = ""
    cancel_requested: bool = False
    seconds_left: float | None = None  # the ETA while applying, once it is stable (services.sync.eta)
    prepared: Any = None  # services.sync.engine.Prepared while a plan waits for the operator
    result: Any = None  # services.sync.engine.SyncResult once finished

    @property
    def busy(self) -> bool:
        return self.phase in ("planning", "planned", "applying")


def parse_label(label: str) -> tuple[tuple[str, str], ...]:
    """"Cor: Azul / Tamanho: M" (Variation.label) -> (("Cor", "Azul"), ("Tamanho", "M"))."""
    pairs = []
    for part in label.split(" / ") if label else ():
        name, sep, value = part.partition(": ")
        pairs.append((name, value) if sep else ("", part))
    return tuple(pairs)


class SyncServices:
    """Calls into the services for the linking and sync flows. Blocking: call it from thread workers.

    `transport` (an httpx transport) lets tests reach the sandbox in-process.
    """

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

    def query_links(self, query: LinkQuery):
        table = self._link_table()
        page = table.query(state=query.state, search=query.search, sort=query.sort,
                           descending=query.descending, offset=query.offset, limit=query.limit)
        generation = table.repository.store.generation
        if generation != self._frozen_at:
            # The index of every link (50,000 rows and their search text) lives until the next sync. Left to
            # the cyclic GC, each full collection walks it and stalls the UI for ~100 ms; frozen, it is skipped
            # (the rows hold no cycles, so a replaced index is still freed by reference counting).
            gc.freeze()
            self._frozen_at = generation
        return page

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

    async def reference_code_change(self, link, code: str):
        """The change writing `code` would make, read from the live listing (an `Action`)."""
        async with self.client() as client:
            return await self._engine(client, None).reference_code_change(link.listing_id, link.variation_id, code)

    async def write_reference_code(self, action):
        """Through the sync engine's one journaled write path (run kind `reference_code`)."""
        async with self.client() as client:
            return await self._engine(client, None).write_reference_code(action)

    # -- variation mapping (S7, S8) --------------------------------------------------------------------

    def _catalog(self):
        from services.erp.catalog import Catalog

        return Catalog(home=self.home)

    def mapping(self, listing_id: str) -> MappingView:
        from services.linking import LinkState

        links = self.listing_links(listing_id)
        # A User Products family is mapped like one listing with variations: its listings are the variants.
        family = next((link.family_name for link in links if link.family_name), None)
        if family:
            links = self.family_links(family)
        catalog = self._catalog()
        products, compositions = catalog.products(), catalog.compositions()
        product_code = None
        for link in links:
            code = link.erp_code or link.reference_code
            if code in compositions:
                product_code = compositions[code].parent_code
                break
            if code in products and not family:  # a family may feed one plain product per listing
                product_code = code
                break
        product = products.get(product_code) if product_code else None
        children = catalog.compositions_of(product_code) if product_code else []
        by_code = {c.code: c for c in children}
        pairs, used = [], set()
        for link in links:
            code = link.erp_code if link.erp_code in by_code else link.reference_code
            composition = by_code.get(code) if code else None
            if composition is not None:
                used.add(composition.code)
            stock = catalog.balance(composition.code) if composition else link.erp_stock
            plain_product = link.erp_code if family and composition is None and link.erp_code in products else None
            pairs.append(MappingPair(link, composition, stock, link.state.value, erp_product=plain_product))
        for composition in children:
            if composition.code not in used:
                pairs.append(MappingPair(None, composition, catalog.balance(composition.code), NOT_ON_ML))
        fed = tuple(dict.fromkeys(p.erp_product for p in pairs if p.erp_product))
        view = MappingView(listing_id, title=links[0].title if links else "", product_code=product_code,
                           product_name=product.name if product else None, pairs=tuple(pairs),
                           family_name=family, products=fed)
        mismatch = any(l.state == LinkState.STRUCTURE_MISMATCH for l in links)
        if not mismatch:
            return view
        return self._convertibility(view, links, catalog)

    @staticmethod
    def _convertibility(view: MappingView, links: list, catalog) -> MappingView:
        from dataclasses import replace

        from services.erp.models import Composition
        from services.linking import LinkState

        variations = [l for l in links if l.variation_id is not None]
        product = catalog.products().get(view.product_code) if view.product_code else None
        why = ""
        if product is None:
            why = N_("The listing's ERP product is not in the catalogue.")
        elif not variations:
            why = N_("The listing has no variations: add them on Mercado Livre, or link it to one composition.")
        elif product.has_variations or catalog.compositions_of(product.code):
            mine = {c.code for c in catalog.compositions_of(product.code)}
            codes = [l.reference_code for l in variations]
            if len(set(codes)) == len(codes) and all(c in mine for c in codes):
                why = N_("The ERP product has these compositions now: run a sync to link the variations.")
            else:  # not S8's case: say what linking found (a repeated code, a product code on a variation...)
                why = next(l.reason for l in links if l.state == LinkState.STRUCTURE_MISMATCH)
        else:
            codes = [l.reference_code for l in variations]
            if any(not c for c in codes):
                why = N_("Every variation needs its own reference code first (r on the linked products screen).")
            elif len(set(codes)) != len(codes) or any(catalog.knows(c) for c in codes):
                why = N_("The variations' reference codes repeat or are already used in the ERP.")
        if why:
            return replace(view, why_not=why)
        new = tuple(Composition(code=l.reference_code, parent_code=product.code,
                                attributes=parse_label(l.variation_label)) for l in variations)
        return replace(view, convertible=True, new_compositions=new)

    def convert(self, listing_id: str, *, preview: bool):
        view = self.mapping(listing_id)
        if not view.convertible:
            raise OperationFailed(_(view.why_not or N_("Nothing to convert: there is no structure mismatch.")))
        reference = f"S8: converted to the variations of listing {listing_id}"
        return self._catalog().convert_to_compositions(view.product_code, view.new_compositions,
                                                        preview=preview, reference=reference)

    # -- sync -------------------------------------------------------------------------------------------

    def _engine(self, client, on_event):
        from services.sync.engine import SyncEngine

        return SyncEngine(client, config=self.config, on_event=on_event)

    async def plan(self, kind: str, on_event):
        async with self.client() as client:
            return await self._engine(client, on_event).plan(kind)

    async def apply(self, prepared, on_event, cancelled):
        async with self.client() as client:
            return await self._engine(client, on_event).apply(prepared, cancelled=cancelled)

    def decline(self, prepared):
        return self._engine(None, None).decline(prepared)

    # -- journal ----------------------------------------------------------------------------------------

    def _journal(self):
        from services.store.journal import Journal

        return Journal(home=self.home)

    def runs(self) -> list[dict]:
        if not (self.home / "journal.json").exists():
            return []  # reading must not create the journal
        journal = self._journal()
        journal.mark_interrupted()
        return journal.runs(limit=500)

    def run_detail(self, run_id: int) -> tuple[dict, list[dict]]:
        journal = self._journal()
        run = journal.run(run_id)
        if run is None:
            raise OperationFailed(_("There is no run {run_id} in the journal.", run_id=run_id))
        return run, journal.actions(run_id)


def _still_wanted() -> bool:
    """False when the thread worker running this was cancelled (a newer query replaced it)."""
    return not get_current_worker().is_cancelled


class SyncWorkers:
    """Mixed into the App. Screens subscribe to `links_signal` (links changed: reload) and `sync_signal`
    (the `SyncState` changed)."""

    # -- set-up -----------------------------------------------------------------------------------------

    @property
    def sync_services(self) -> SyncServices:
        services = getattr(self, "_sync_services", None)
        if services is None:
            services = SyncServices(self.config, transport=getattr(self.gateway, "transport", None))
            self._sync_services = services
        return services

    @sync_services.setter
    def sync_services(self, services: SyncServices) -> None:
        self._sync_services = services

    @property
    def sync_state(self) -> SyncState:
        state = getattr(self, "_sync_state", None)
        if state is None:
            state = self._sync_state = SyncState()
        return state

    @property
    def links_signal(self) -> Signal:
        if getattr(self, "_links_signal", None) is None:
            self._links_signal = Signal(self, "links-changed")
        return self._links_signal

    @property
    def sync_signal(self) -> Signal:
        if getattr(self, "_sync_signal", None) is None:
            self._sync_signal = Signal(self, "sync-changed")
        return self._sync_signal

    def _publish_sync(self) -> None:
        self.sync_signal.publish(self.sync_state)

    # -- links table ------------------------------------------------------------------------------------

    def on_links_query_requested(self, message: LinksQueryRequested) -> None:
        self._query_links(message.query, message.serial, message.reply_to)

    @work(thread=True, group="links-query", exclusive=True, exit_on_error=False,
          description=N_("Reading the linked products"))
    def _query_links(self, query: LinkQuery, serial: int, reply_to) -> None:
        page = self.sync_services.query_links(query)
        if _still_wanted():
            reply_to.post_message(LinksLoaded(serial, query, page))

    def on_ignore_requested(self, message: IgnoreRequested) -> None:
        self._ignore(message.keys, message.ignored)

    @work(thread=True, group="links-write", exclusive=False, exit_on_error=False,
          description=N_("Saving the ignored rows"))
    def _ignore(self, keys: tuple[str, ...], ignored: bool) -> None:
        self.sync_services.set_ignored(keys, ignored)
        note = _n("{count} row ignored.", "{count} rows ignored.", len(keys)) if ignored else \
            _n("{count} row no longer ignored.", "{count} rows no longer ignored.", len(keys))
        self.post_message(LinksChanged(note))

    def on_accept_code_requested(self, message: AcceptCodeRequested) -> None:
        self._accept_code(message.keys)

    @work(thread=True, group="links-write", exclusive=False, exit_on_error=False,
          description=N_("Accepting the new reference code"))
    def _accept_code(self, keys: tuple[str, ...]) -> None:
        self.sync_services.accept_new_code(keys)
        self.post_message(LinksChanged(_("New code accepted: the row is linked by it at the next sync.")))

    def on_reference_code_preview_requested(self, message: ReferenceCodePreviewRequested) -> None:
        self._preview_reference_code(message.link, message.code, message.reply_to)

    @work(thread=True, group="reference-code", exclusive=True, exit_on_error=False,
          description=N_("Reading the listing's reference code"))
    def _preview_reference_code(self, link, code: str, reply_to) -> None:
        action = asyncio.run(self.sync_services.reference_code_change(link, code))
        reply_to.post_message(ReferenceCodePreviewed(link, action))

    def on_reference_code_write_requested(self, message: ReferenceCodeWriteRequested) -> None:
        self._write_reference_code(message.action)

    @work(thread=True, group="reference-code", exclusive=True, exit_on_error=False,
          description=N_("Writing the reference code"))
    def _write_reference_code(self, action) -> None:
        result = asyncio.run(self.sync_services.write_reference_code(action))
        [done] = result.actions
        if done.status.value == "done":
            note = _("Reference code {code} written to {row} (run {run_id}); the row is linked by it at the next "
                     "sync.", code=done.to, row=done.link_key, run_id=result.run_id)
        else:
            note = _("Reference code not written to {row}: {reason}", row=done.link_key, reason=known(done.reason))
        self.post_message(LinksChanged(note, error=done.status.value == "failed"))

    def on_seller_edit_simulation_requested(self, message: SellerEditSimulationRequested) -> None:
        if getattr(self.gateway, "can_simulate", False):  # only the demo's gateway can play the seller
            self._simulate_seller_edit(message.link)

    @work(thread=True, group="demo", exclusive=True, exit_on_error=False,
          description=N_("Simulating the seller's edit"))
    def _simulate_seller_edit(self, link) -> None:
        old, new = self.gateway.simulate_seller_edit(link.listing_id, link.variation_id, link.reference_code)
        self.post_message(LinksChanged(_(
            "Demo: the seller changed the reference code of {row} on Mercado Livre from {old} to {new}. "
            "Run a sync (S) to see the row as a lost link, then fix it with r or c.",
            row=link.key, old=old or "—", new=new)))

    def links_changed_elsewhere(self) -> None:
        """The stored links changed outside a sync (unlink, purge): forget the cached table, reload screens."""
        if getattr(self, "_sync_services", None) is not None:
            self._sync_services.forget_links()
        self.links_signal.publish("")

    def on_links_changed(self, message: LinksChanged) -> None:
        if message.note:
            self.notify(escape(message.note), severity="error" if message.error else "information",
                        timeout=10 if message.error else 6)
        self.links_signal.publish(message.note)

    # -- variation mapping ------------------------------------------------------------------------------

    def on_mapping_requested(self, message: MappingRequested) -> None:
        # The mapping screen shows `mapping_listing` whenever it is mounted or resumed.
        self.mapping_listing = message.listing_id
        self.switch_mode("mapping")

    def on_mapping_load_requested(self, message: MappingLoadRequested) -> None:
        self._load_mapping(message.listing_id, message.reply_to)

    @work(thread=True, group="mapping", exclusive=True, exit_on_error=False,
          description=N_("Reading the variation mapping"))
    def _load_mapping(self, listing_id: str, reply_to) -> None:
        mapping = self.sync_services.mapping(listing_id)
        if _still_wanted():
            reply_to.post_message(MappingLoaded(mapping))

    def on_conversion_requested(self, message: ConversionRequested) -> None:
        self._convert(message.listing_id, message.preview, message.reply_to)

    @work(thread=True, group="conversion", exclusive=True, exit_on_error=False,
          description=N_("Converting the ERP product to compositions"))
    def _convert(self, listing_id: str, preview: bool, reply_to) -> None:
        conversion = self.sync_services.convert(listing_id, preview=preview)
        if preview:
            reply_to.post_message(ConversionPreviewed(listing_id, conversion))
            return
        reply_to.post_message(ConversionDone(listing_id, conversion))

    # -- sync: plan -> apply ----------------------------------------------------------------------------

    def on_sync_requested(self, message: SyncRequested) -> None:
        state = self.sync_state
        if state.busy:
            self.notify(_("A sync is already under way; wait for it to end."), severity="warning")
            return
        self._sync_state = SyncState(phase="planning", kind=message.kind, message=_("Reading listings…"))
        self._sync_cancel = threading.Event()
        self._publish_sync()
        from screens.sync_progress import SyncProgressScreen

        self.push_screen(SyncProgressScreen())
        self._plan_sync(message.kind)

    def _events(self, phase: str):
        """The engine's event callback (in the worker's thread): throttled progress messages."""
        from services.sync import events

        last = [0.0]

        def on_event(event) -> None:
            if event.kind == events.PLANNED or event.kind == events.FINISHED:
                return  # the worker posts the plan and the result itself
            now = time.monotonic()
            final = event.total and event.done >= event.total
            if now - last[0] < PROGRESS_EVERY and not final:
                return
            last[0] = now
            self.post_message(SyncProgress(phase, event.done, event.total, dict(event.counts), event.message))

        return on_event

    @work(thread=True, group="sync-plan", exclusive=True, exit_on_error=False,
          description=N_("Computing the sync plan"))
    def _plan_sync(self, kind: str) -> None:
        worker, stop = get_current_worker(), self._sync_cancel
        try:
            prepared = asyncio.run(_stoppable(self.sync_services.plan(kind, self._events("reading")),
                                              lambda: stop.is_set() or worker.is_cancelled))
        except asyncio.CancelledError:
            # Planning only reads: stopping it is safe at any point (the engine journals the run cancelled).
            self.post_message(SyncFinished(None))
            return
        except BaseException:
            self.post_message(SyncFinished(None))
            raise
        self.post_message(SyncPlanned(prepared))

    def on_sync_planned(self, message: SyncPlanned) -> None:
        from screens.sync_plan import SyncPlanScreen
        from screens.sync_progress import SyncProgressScreen

        prepared = message.prepared
        state = self.sync_state
        state.phase, state.prepared, state.run_id = "planned", prepared, prepared.run_id
        state.total = len(prepared.plan.to_apply)
        if isinstance(self.screen, SyncProgressScreen):
            self.pop_screen()
        self.push_screen(SyncPlanScreen(prepared))
        self._publish_sync()

    def on_sync_apply_requested(self, message: SyncApplyRequested) -> None:
        from screens.sync_progress import SyncProgressScreen

        state = self.sync_state
        if state.phase != "planned":
            return
        state.phase, state.done, state.counts = "applying", 0, {}
        state.message = _("Applying…")
        from services.sync.eta import Eta

        self._eta = Eta()
        self._sync_cancel = threading.Event()
        self.push_screen(SyncProgressScreen())
        self._publish_sync()
        self._apply_sync(state.prepared)

    @work(thread=True, group="sync-apply", exclusive=True, exit_on_error=False,
          description=N_("Applying the sync"))
    def _apply_sync(self, prepared) -> None:
        worker = get_current_worker()
        stop = self._sync_cancel

        def cancelled() -> bool:
            # The operator's cancel, or the App closing: in-flight writes finish, the rest are skipped.
            return stop.is_set() or worker.is_cancelled

        try:
            result = asyncio.run(self.sync_services.apply(prepared, self._events("applying"), cancelled))
        except BaseException:
            self.post_message(SyncFinished(None))
            raise
        self.post_message(SyncFinished(result))

    def on_sync_decline_requested(self, message: SyncDeclineRequested) -> None:
        state = self.sync_state
        if state.phase != "planned":
            return
        self._decline_sync(state.prepared)
        self._sync_state = SyncState()
        self._publish_sync()

    @work(thread=True, group="sync-decline", exclusive=True, exit_on_error=False,
          description=N_("Dropping the sync plan"))
    def _decline_sync(self, prepared) -> None:
        self.sync_services.decline(prepared)
        self.post_message(LinksChanged(_("Plan dropped: nothing was written.")))

    def on_sync_cancel_requested(self, message: SyncCancelRequested) -> None:
        state = self.sync_state
        if state.phase not in ("planning", "applying") or state.cancel_requested:
            return
        state.cancel_requested = True
        state.message = _("Cancelling: the writes under way finish, the rest are not made…") \
            if state.phase == "applying" else _("Cancelling: nothing was written.")
        self._sync_cancel.set()
        self._publish_sync()

    async def action_quit(self) -> None:
        """`q` while a sync is being applied asks first, then stops it and leaves once it is journaled."""
        if self.sync_state.phase != "applying":
            await super().action_quit()
            return
        from screens.confirm import ConfirmModal

        def answered(yes: bool | None) -> None:
            if yes:
                self._quit_after_sync = True
                self.post_message(SyncCancelRequested())

        body = _("A sync is being applied. Quit anyway? The writes under way finish, the rest are not made, "
                 "and the run is journaled as cancelled before melisync closes.")
        self.push_screen(ConfirmModal(_("Quit during a sync?"), body, yes=_("Quit")), answered)

    def on_sync_progress(self, message: SyncProgress) -> None:
        state = self.sync_state
        if not state.busy:
            return
        state.done, state.counts = message.done, message.counts
        if message.phase == "reading":
            state.total = message.total
            state.message = _("Reading {what}: {done} of {total}", what=_(message.message or "listings"),
                              done=message.done, total=message.total) if message.total else \
                _("Reading {what}…", what=_(message.message or "listings"))
        else:
            eta = getattr(self, "_eta", None)
            if eta is not None and message.total:
                state.seconds_left = eta.update(time.monotonic(), message.done, message.total)
            if not state.cancel_requested:
                state.message = _("Applying…")
        self._publish_sync()

    def on_sync_finished(self, message: SyncFinished) -> None:
        from screens.sync_progress import SyncProgressScreen

        result = message.result
        kind, total = self.sync_state.kind, self.sync_state.total
        cancelled_plan = self.sync_state.phase == "planning" and self.sync_state.cancel_requested
        self._sync_state = SyncState(phase="finished" if result else "idle", kind=kind, result=result,
                                     run_id=result.run_id if result else None,
                                     counts=result.counts if result else {})
        if isinstance(self.screen, SyncProgressScreen):
            self.pop_screen()
        self._publish_sync()
        self.links_signal.publish("")
        if hasattr(self, "refresh_status"):
            self.refresh_status()
        if getattr(self, "_quit_after_sync", False):
            self.exit()
            return
        if result is None:
            if cancelled_plan:
                self.notify(_("Sync cancelled while planning: nothing was written."), severity="warning")
            return  # otherwise the worker failed: the App's error handler says why
        if result.status == "cancelled":
            made = result.counts.get("done", 0) + result.counts.get("failed", 0)
            self.notify(escape(_("Cancelled after {done} of {total} actions; the rest were not made.",
                                 done=made, total=total) + " " + sync_summary(result)),
                        title=_("Sync cancelled"), severity="warning", timeout=10)
            return
        self.notify(escape(sync_summary(result)), title=_("Sync finished"),
                    severity="information" if result.ok else "warning", timeout=10)

    # -- export of the table on screen ------------------------------------------------------------------

    def export_table(self, name: str, header, make_rows) -> None:
        """Write `make_rows()` (called in a thread) as CSV to the working directory, else the home."""
        self._export(name, tuple(header), make_rows)

    @work(thread=True, group="export", exclusive=False, exit_on_error=False, description=N_("Exporting to CSV"))
    def _export(self, name: str, header, make_rows) -> None:
        from services.csv_export import export_path, write_csv

        rows = make_rows()
        for folder in (Path.cwd(), Path(self.config.home)):
            path = export_path(name, folder)
            try:
                count = write_csv(path, header, rows)
            except OSError:
                continue
            self.call_from_thread(self.notify, escape(_n("{count} row exported to {path}", "{count} rows exported "
                                                         "to {path}", count, path=str(path))), timeout=10)
            return
        raise OperationFailed(_("Could not write the CSV in the working directory nor in the home."))

    # -- journal ----------------------------------------------------------------------------------------

    def on_runs_requested(self, message: RunsRequested) -> None:
        self._load_runs(message.reply_to)

    @work(thread=True, group="runs", exclusive=True, exit_on_error=False, description=N_("Reading the sync logs"))
    def _load_runs(self, reply_to) -> None:
        runs = self.sync_services.runs()
        if _still_wanted():
            reply_to.post_message(RunsLoaded(runs))

    def on_run_detail_requested(self, message: RunDetailRequested) -> None:
        self._load_run(message.run_id, message.reply_to)

    @work(thread=True, group="run-detail", exclusive=True, exit_on_error=False,
          description=N_("Reading a sync run"))
    def _load_run(self, run_id: int, reply_to) -> None:
        run, actions = self.sync_services.run_detail(run_id)
        if _still_wanted():
            reply_to.post_message(RunDetailLoaded(run, actions))


async def _stoppable(coroutine, stop):
    """Run `coroutine`, cancelling it as soon as `stop()` is true (checked ten times a second)."""
    task = asyncio.ensure_future(coroutine)
    while not task.done():
        if stop():
            task.cancel()
        await asyncio.wait({task}, timeout=0.1)
    return task.result()


def sync_summary(result) -> str:
    """One sentence for the end-of-sync notification."""
    counts = result.counts
    from screens.connection import status_label

    text = _("Run {run_id} ({kind}) {status}: {done} done, {failed} failed, {skipped} skipped, {unchanged} unchanged.",
             run_id=result.run_id, kind=_(result.kind.value), status=status_label(result.status),
             done=counts.get("done", 0), failed=counts.get("failed", 0), skipped=counts.get("skipped", 0),
             unchanged=counts.get("unchanged", 0))
    if result.errors:
        text += " " + _("First error: {error}", error=known(result.errors[0].get("message", "")))
    return text

"""Run a sync: read, plan, (ask,) apply, journal. What the CLI and the TUI call.

    engine = SyncEngine(client)
    prepared = await engine.plan(SyncKind.STOCK, dry_run=False)   # reads only; journaled as running
    result = await engine.apply(prepared)                          # or engine.decline(prepared)

`--dry-run` stops after `plan`: nothing is written to Mercado Livre, the ERP or the links; the journal
records that a dry run happened (status `dry_run`, its counts, no action rows).

One async model (docs/internals.md, "Async model"): the engine's coroutines run on the caller's event loop (the
TUI's own, or the CLI's one `asyncio.run`); the file and CPU work between the requests (the journal, the ERP
store, the links, the plan itself) goes through `asyncio.to_thread`, so the loop never waits on it. Work that
must happen while the task is being cancelled (journaling a cancelled or failed run) stays in the task.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from services.config import Config, load_config
from services.erp.catalog import Catalog
from services.errors import BadInput, MelisyncError, NotConnected, OperationFailed
from services.i18n import N_, local_time
from services.linking import IGNORED_REASON, Link, LinkState, build_links, clean_code, links_by_key
from services.meli.client import floor_hour
from services.meli.models import BillingInfo, Listing, Order, UserProductStock, Variation
from services.reasons import Code, Reason, cut_list
from services.store.cursors import Cursors
from services.store.journal import CANCELLED, DRY_RUN, FAILED, FINISHED, Journal, now_iso
from services.store.links import LinkRepository
from services.store.run_lock import sync_start_lock
from services.store.storage import take_notes
from services.sync import events
from services.sync.apply import RE_PLANNED, STILL_MOVING, StockWriter
from services.sync.erp_side import apply_erp_actions, catalogue_view
from services.sync.events import Event, OnEvent
from services.sync.holds import HELD_STATUSES, Hold, holds_note, plan_holds
from services.sync.late_sales import affected_links, merge_targets, moved_rows, new_movements, with_live_stock
from services.sync.orders import CANCELLED_STATUSES, SOLD_STATUSES, plan_orders, rows_sold
from services.sync.plan import Action, ActionKind, ActionStatus, Plan, SyncKind, balances_after, count_actions
from services.sync.planning import STEPS, Snapshot, make_plan, mark_migrated
from services.sync.reference_code import reference_code_action, write_reference_code
from services.sync.stock import SHARED_ROUTES, choose_warehouse, plan_stock, with_warehouse_stock
from services.watch_state import refuse_if_watching

if TYPE_CHECKING:
    from services.meli.client import ListingFailure, MeliClient

# Runs this process is planning or applying right now (a `running` run of this process not in here was
# abandoned after its plan was shown).
_BUSY: set[int] = set()

ORDERS_CURSOR = "orders"  # how far sales were recorded
CUSTOMERS_CURSOR = "customers"  # how far buyers were recorded
CURSORS = {ORDERS_CURSOR: "orders", CUSTOMERS_CURSOR: "buyers"}
# The next read starts a little before this run's end (then at the hour, as ML filters): a clock that runs
# ahead of Mercado Livre's must not skip an order. Re-read orders cost nothing: their keys are recorded.
CURSOR_MARGIN = timedelta(minutes=15)  # cursor -> the plan step it belongs to
# Without a cursor (the first sync, or meli.json lost) buyers are read this far back at least (issue: the first
# customers sync brings the recent buyers), sales back to the oldest stock count among the linked codes; both
# never further than the `orders_lookback_days` setting (docs/internals.md, "The count is the truth").
BUYERS_LOOKBACK = timedelta(days=30)
_PRODUCT_KINDS = frozenset({ActionKind.IMPORT_PRODUCT, ActionKind.IMPORT_COMPOSITION})
_ORDER_KINDS = frozenset({ActionKind.SALE, ActionKind.SALE_COUNTED, ActionKind.SALE_CANCEL, ActionKind.CUSTOMER})


@dataclass
class Prepared:
    """A plan ready to apply, with what it was made from."""

    run_id: int
    kind: SyncKind
    dry_run: bool
    plan: Plan
    links: list[Link]
    listings: dict[str, Listing]
    snapshot: Snapshot
    orders_until: datetime | None  # the orders cursor to store once the orders step is applied
    unread: list[str] = field(default_factory=list)  # listings Mercado Livre could not return
    partial: bool = False  # a watch tick: only the listings read are stored again, the other links stay


@dataclass
class SyncResult:
    run_id: int
    kind: SyncKind | str
    dry_run: bool
    status: str
    actions: list[Action]
    counts: dict[str, Any]
    errors: list[dict[str, Any]]  # journaled form: `reason` (code and values) or `message` (an exception's words)
    notes: list[Reason]

    @property
    def ok(self) -> bool:
        return self.status in (FINISHED, DRY_RUN)

    def to_dict(self) -> dict[str, Any]:
        """The `sync --json` document (docs/architecture.md §5)."""
        return {
            "run_id": self.run_id,
            "kind": str(self.kind),
            "dry_run": self.dry_run,
            "status": self.status,
            "actions": [a.to_dict() for a in self.actions],
            "counts": self.counts,
            "errors": self.errors,
            "notes": [note.to_json() for note in self.notes],
        }


class SyncEngine:
    """One account's sync. `client` is a `MeliClient` (or anything with its read/write methods)."""

    def __init__(
        self,
        client: MeliClient,
        *,
        config: Config | None = None,
        catalog: Catalog | None = None,
        links: LinkRepository | None = None,
        journal: Journal | None = None,
        cursors: Cursors | None = None,
        on_event: OnEvent | None = None,
    ):
        self.client = client
        self.config = config or load_config()
        home = self.config.home
        self.catalog = catalog or Catalog(home=home)
        self.links = links or LinkRepository(home=home)
        self.journal = journal or Journal.for_config(self.config)
        self.cursors = cursors or Cursors(home=home)
        self.on_event = on_event or events.ignore

    # -- plan --------------------------------------------------------------------------------------------

    async def plan(self, kind: SyncKind | str, *, dry_run: bool = False) -> Prepared:
        kind = SyncKind(kind)
        return await self._planned(kind, dry_run, lambda run_id: self._prepare(run_id, kind, dry_run))

    async def _planned(self, kind: SyncKind, dry_run: bool, prepare: Callable[[int], Awaitable[Prepared]]) -> Prepared:
        """Record the run (refused if another writes), `prepare` its plan, journal a failure or a dry run."""
        run_id = await asyncio.to_thread(self._begin, kind, dry_run)
        try:
            if not dry_run:
                self.catalog.convert_older_file()  # an older erp.json, read whole by every sync until converted
            prepared = await prepare(run_id)
        except BaseException as exc:
            self._abort(run_id, exc)
            raise
        finally:
            _BUSY.discard(run_id)
        self.on_event(
            Event(
                events.PLANNED,
                run_id,
                plan=prepared.plan,
                total=len(prepared.plan.to_apply),
                counts=prepared.plan.counts(),
            )
        )
        if dry_run:
            await asyncio.to_thread(
                self.journal.finish, run_id, DRY_RUN, prepared.plan.counts(), _stored(prepared.plan.notes)
            )
        else:
            # From here the run waits for the operator: the logs say so instead of "running".
            await asyncio.to_thread(self.journal.mark, run_id, planned_at=now_iso(), counts=prepared.plan.counts())
        return prepared

    def _begin(self, kind: SyncKind, dry_run: bool) -> int:
        """Record the run, refused if another one writes (file work: called off the event loop)."""
        # Checking for a running sync and recording this one is one step for every process of the home.
        with sync_start_lock(self.config.home):
            self._check_free(dry_run)
            run_id = self.journal.start(kind.value, dry_run)
            _BUSY.add(run_id)
        return run_id

    def _check_free(self, dry_run: bool) -> None:
        """Refuse to start a run that writes while another one runs, or while another process watches this
        home (`melisync watch` writes by itself). Called under the sync-start lock."""
        self.journal.mark_interrupted()
        self._drop_abandoned()
        if dry_run:
            return
        refuse_if_watching(self.config.home)
        busy = [run for run in self.journal.running() if run.pid != os.getpid() or run.id in _BUSY]
        if busy:
            run = busy[0]
            raise OperationFailed(
                N_("another sync is running (run {id}, {kind}, process {pid}, since {since}); wait for it to end"),
                id=run.id,
                kind=run.kind.value,
                pid=run.pid,
                since=local_time(run.started_at),
            )

    # -- a watch tick (docs/internals.md, "The watcher") -------------------------------------------------

    async def plan_tick(self, *, dry_run: bool = False) -> Prepared | None:
        """A `melisync watch` tick: the orders updated since the cursor (usually one request), their new sales
        and cancellations planned as a sync plans them, and a stock target for every linked row whose ERP
        balance moved since it was last written (sales on any listing, ERP movements, an import), planned
        against just those listings read live. None when there is nothing to do: no run is journaled."""
        if self.cursors.get(ORDERS_CURSOR) is None:
            raise OperationFailed(N_("no stock sync has run on this home yet: the watcher starts with one"))
        with sync_start_lock(self.config.home):
            self._check_free(dry_run)
        stored = self.links.all()
        catalogue = catalogue_view(self.catalog)
        snapshot = Snapshot(
            listings=[],
            catalogue=catalogue,
            previous=stored,
            ignored=self.links.ignored(),
            recorded=self.catalog.movement_keys(),
            safety_stock=self.config.safety_stock,
            max_stock=self.config.max_stock,
            counted=self.catalog.counted_at(),
        )
        until = datetime.now(UTC)
        notes: list[Reason] = []
        await self._read_orders(0, STEPS[SyncKind.WATCH], snapshot, until, notes)
        moves = plan_orders(
            snapshot.orders,
            rows_sold(stored, snapshot.orders),
            snapshot.recorded,
            catalogue.balances,
            buyer_orders=None,
            counted=snapshot.counted,
        )
        balances = balances_after(catalogue.balances, moves)
        moved = moved_rows(stored, balances)
        if not moved and not any(a.status == ActionStatus.PLANNED for a in moves):
            return None
        return await self._planned(
            SyncKind.WATCH,
            dry_run,
            lambda run_id: self._prepare_tick(run_id, dry_run, snapshot, moves, moved, balances, until, notes),
        )

    async def _prepare_tick(
        self,
        run_id: int,
        dry_run: bool,
        snapshot: Snapshot,
        moves: list[Action],
        moved: list[Link],
        balances: Mapping[str, int],
        until: datetime,
        notes: list[Reason],
    ) -> Prepared:
        ids = list(dict.fromkeys(link.listing_id for link in moved))
        self.on_event(Event(events.READING, run_id, message="listings"))
        failures: list[ListingFailure] = []
        live = await self.client.listings(ids, failures=failures) if ids else []
        if failures:
            unread = ", ".join(f.item_id for f in failures[:10])
            notes.append(Reason(Code.LISTINGS_UNREAD, count=len(failures), ids=unread))
        snapshot.listings = live
        writes: list[Action] = []
        unchanged = 0
        if live:
            # The seller's model can change (User Products, warehouses): asked whenever the tick writes.
            account = await self.client.me()
            snapshot.account_tags = tuple(account.tags)
            # The rows as the listings stand now (a reference code changed since is never written: S6).
            rows = [
                l
                for l in build_links(
                    live, snapshot.catalogue, snapshot.previous, snapshot.ignored, multi_origin=snapshot.multi_origin
                )
                if l.state == LinkState.LINKED
            ]
            if account.warehouse_management:
                snapshot.warehouse = choose_warehouse(await self.client.stock_locations(), self.config.warehouse)
                if snapshot.warehouse.problem:
                    notes.append(Reason(Code.STOCK_NOT_WRITTEN, problem=snapshot.warehouse.problem))
                else:
                    snapshot.up_stock = await self._read_up_stock(rows, notes)
            # Units held by unpaid orders stay off the target, as in a sync (services/sync/holds.py): read only
            # when the tick writes, so an idle tick stays one request.
            booked = {o.id for o in snapshot.orders}
            snapshot.held_orders = [o for o in await self._held_orders(until) if o.id not in booked]
            holds = plan_holds(
                snapshot.held_orders, links_by_key(snapshot.previous), snapshot.counted, snapshot.recorded
            )
            notes += holds_note(holds)
            writes, unchanged = plan_stock(
                rows,
                balances,
                snapshot.safety_stock,
                snapshot.account_tags,
                snapshot.warehouse,
                snapshot.up_stock,
                max_stock=snapshot.max_stock,
                holds=holds,
            )
        plan = Plan(kind=SyncKind.WATCH, actions=moves + writes, notes=take_notes() + notes, unchanged=unchanged)
        fresh = {l.key: l for l in with_live_stock(links_by_key(snapshot.previous).values(), {l.id: l for l in live})}
        return Prepared(
            run_id,
            SyncKind.WATCH,
            dry_run,
            plan,
            list(fresh.values()),
            {l.id: l for l in live},
            snapshot,
            until,
            [f.item_id for f in failures],
            partial=True,
        )

    def _drop_abandoned(self) -> None:
        """A run of this process that was planned but neither applied nor declined (a screen closed on its
        plan) would block every later sync: it is journaled as cancelled."""
        for run in self.journal.running():
            if run.pid == os.getpid() and run.id not in _BUSY:
                self.journal.finish(
                    run.id,
                    CANCELLED,
                    dict(run.counts),
                    _stored([Reason(Code.NEVER_APPLIED)]),
                )

    async def _prepare(self, run_id: int, kind: SyncKind, dry_run: bool) -> Prepared:
        steps = STEPS[kind]
        # The seller's model can change between syncs (User Products rollout, multi-warehouse): ask each time.
        self.on_event(Event(events.READING, run_id, message="account"))  # the screen says what is read
        account = await self.client.me()
        self.on_event(Event(events.READING, run_id, message="listings"))
        read_at = datetime.now(UTC)  # before the read: a sale during it is taken off, never missed
        failures: list[ListingFailure] = []
        listings = await self.client.all_listings(
            progress=lambda done, total: self.on_event(Event(events.READING, run_id, "listings", done, total)),
            failures=failures,
        )
        notes: list[Reason] = []
        if failures:
            unread = ", ".join(f.item_id for f in failures[:10])
            notes.append(Reason(Code.LISTINGS_UNREAD, count=len(failures), ids=unread))
        snapshot = await asyncio.to_thread(self._snapshot, listings, tuple(account.tags), read_at)
        if account.warehouse_management and "stock" in steps:
            snapshot.warehouse = choose_warehouse(await self.client.stock_locations(), self.config.warehouse)
            if snapshot.warehouse.problem:
                notes.append(Reason(Code.STOCK_NOT_WRITTEN, problem=snapshot.warehouse.problem))
            else:
                # The target is compared with the chosen warehouse's own quantity: read each user product's stock.
                rows = await asyncio.to_thread(
                    build_links, listings, snapshot.catalogue, snapshot.previous, snapshot.ignored, multi_origin=True
                )
                # an unknown code may be linked by this run's products step; otherwise only linked rows are written
                wanted = {LinkState.LINKED, LinkState.UNKNOWN_CODE} if "products" in steps else {LinkState.LINKED}
                self.on_event(Event(events.READING, run_id, message="stock locations"))
                snapshot.up_stock = await self._read_up_stock([l for l in rows if l.state in wanted], notes)
        until = None
        if "orders" in steps:
            until = datetime.now(UTC)
            # Holds first: an order paid between the two reads is then seen paid by the sales read (and its
            # hold dropped), never missed by both.
            held = await self._held_orders(until) if "stock" in steps else []
            await self._read_orders(run_id, steps, snapshot, until, notes)
            booked = {o.id for o in snapshot.orders}
            snapshot.held_orders = [o for o in held if o.id not in booked]
        plan, links = await asyncio.to_thread(make_plan, kind, snapshot)
        snapshot.let_go()
        # A damaged cache or journal read from its last good copy (put back at the next write) is said here.
        plan.notes = take_notes() + notes + plan.notes
        return Prepared(
            run_id,
            kind,
            dry_run,
            plan,
            links,
            {l.id: l for l in listings},
            snapshot,
            until,
            [f.item_id for f in failures],
        )

    def _snapshot(self, listings: list[Listing], account_tags: tuple[str, ...], read_at: datetime) -> Snapshot:
        """What the ERP and the stored links say, beside the listings read (file work: called off the event loop)."""
        return Snapshot(
            listings=listings,
            catalogue=catalogue_view(self.catalog),
            previous=self.links.previous(),
            ignored=self.links.ignored(),
            recorded=self.catalog.movement_keys(),
            customers=dict(self.catalog.customers()),
            safety_stock=self.config.safety_stock,
            max_stock=self.config.max_stock,
            account_tags=account_tags,
            counted=self.catalog.counted_at(),
            read_at=read_at,
        )

    async def _read_up_stock(self, rows: list[Link], notes: list[Reason]) -> dict[str, UserProductStock]:
        """The stock per location of the user products of `rows` (one GET each, at Mercado Livre's 100 a minute);
        one that can't be read leaves its rows unwritten this run (said in a note)."""
        wanted = sorted({l.user_product_id for l in rows if l.user_product_id})
        found: dict[str, UserProductStock] = {}
        unread: list[str] = []

        async def one(up: str) -> None:
            try:
                found[up], _ = await self.client.user_product_stock(up)
            except NotConnected:
                raise
            except MelisyncError:
                unread.append(up)

        await asyncio.gather(*(one(up) for up in wanted))
        if unread:
            ids = ", ".join(sorted(unread)[:10])
            notes.append(Reason(Code.UP_STOCK_UNREAD, count=len(unread), ids=ids))
        return found

    async def _read_orders(
        self, run_id: int, steps: tuple[str, ...], snapshot: Snapshot, until: datetime, notes: list[Reason]
    ) -> None:
        """Orders since each step's cursor (sales: `orders`; buyers: `customers`), read once for both.

        The cursors (meli.json) only save requests: which sales are booked is the ledger's to say (movement
        keys; the counts). Without a cursor - the first sync, or meli.json lost - sales are read back to the
        oldest stock count among the linked codes and buyers at least BUYERS_LOOKBACK back, never further
        than `orders_lookback_days`; the plan names the codes counted before that bound."""
        bound = until - timedelta(days=self.config.orders_lookback_days)
        starts: dict[str, datetime] = {}
        cursors = await asyncio.to_thread(lambda: {name: self.cursors.get(name) for name in CURSORS})
        for name, step in CURSORS.items():
            if step not in steps:
                continue
            cursor = cursors[name]
            if cursor:
                starts[name] = datetime.fromisoformat(cursor)
            elif name == ORDERS_CURSOR:
                starts[name] = self._first_sales_read(snapshot, until, bound, notes)
            else:
                starts[name] = max(bound, min(until - BUYERS_LOOKBACK, starts.get(ORDERS_CURSOR, until)))
                notes.append(Reason(Code.FIRST_CUSTOMERS, since=starts[name].isoformat()))
        self.on_event(Event(events.READING, run_id, message="orders"))
        # Seller searches leave cancelled orders out unless asked (docs/mercado-livre-api.md §8.1): ask for both.
        statuses = SOLD_STATUSES | CANCELLED_STATUSES
        read = [o async for o in self.client.orders(min(starts.values()), until, status=",".join(sorted(statuses)))]

        def since(name: str) -> list[Order]:
            if name not in starts:
                return []
            floor = floor_hour(starts[name])  # ML filters by the hour: keep the overlap
            return [o for o in read if o.date_last_updated >= floor]

        snapshot.orders = since(ORDERS_CURSOR)
        snapshot.buyer_orders = since(CUSTOMERS_CURSOR) if "buyers" in steps else []
        snapshot.billing = await self._billing(snapshot.buyer_orders, snapshot)

    async def _held_orders(self, until: datetime) -> list[Order]:
        """The orders that may hold units before payment (services/sync/holds.py), read again at every stock
        sync - no file keeps them - as far back as `orders_lookback_days`: one more orders search per run."""
        since = until - timedelta(days=self.config.orders_lookback_days)
        return [o async for o in self.client.orders(since, until, status=",".join(sorted(HELD_STATUSES)))]

    def _first_sales_read(self, snapshot: Snapshot, until: datetime, bound: datetime, notes: list[Reason]) -> datetime:
        """Where a sales read without a cursor starts: the oldest count among the codes on the listings (a
        sale closed after its code's count is taken off), or the bound; the codes counted before the bound
        are named in a note (their sales between the count and the bound are not read)."""
        codes: set[str | None] = set()
        for listing in snapshot.listings:
            codes.add(clean_code(listing.reference_code))
            codes.update(clean_code(v.reference_code) for v in listing.variations)
        counts = {code: snapshot.counted[code] for code in codes if code is not None and code in snapshot.counted}
        start = max(bound, min(counts.values(), default=until))
        notes.append(Reason(Code.FIRST_ORDERS, since=start.isoformat()))
        early = sorted(code for code, at in counts.items() if at < bound)
        if early:
            notes.append(
                Reason(
                    Code.NOT_COVERED,
                    count=len(early),
                    since=bound.isoformat(),
                    days=self.config.orders_lookback_days,
                    codes=cut_list([str(code) for code in early]),
                )
            )
        return start

    async def _billing(self, orders: list[Order], snapshot: Snapshot) -> dict[str, BillingInfo]:
        """Billing info once per buyer the ERP does not know yet (or knows without a document). A search result
        may leave the billing info id out (docs/mercado-livre-api.md §8.2-8.3): then it is read from the order itself."""
        first: dict[int, Order] = {}
        for o in orders:
            known = snapshot.customers.get(o.buyer_id)
            if o.status in SOLD_STATUSES and not (known and known.doc_number):
                if o.buyer_id not in first or (o.billing_info_id and not first[o.buyer_id].billing_info_id):
                    first[o.buyer_id] = o
        found, chosen = {}, {}

        async def one(buyer_id: int) -> None:
            try:
                billing_id = (
                    first[buyer_id].billing_info_id or (await self.client.order(first[buyer_id].id)).billing_info_id
                )
                if billing_id:
                    found[billing_id] = await self.client.billing_info(billing_id)
                    chosen[buyer_id] = billing_id
            except NotConnected:
                raise
            except MelisyncError:
                pass  # the customer is still created from the buyer id; fiscal data comes next time

        await asyncio.gather(*(one(b) for b in sorted(first)))
        # The customer step looks the billing info up by the id its buyer's orders carry (a pack has several).
        orders[:] = [replace(o, billing_info_id=chosen[o.buyer_id]) if o.buyer_id in chosen else o for o in orders]
        return found

    # -- apply -------------------------------------------------------------------------------------------

    def decline(self, prepared: Prepared) -> SyncResult:
        """The operator did not confirm: nothing is written; the run is journaled as cancelled."""
        notes = prepared.plan.notes + [NOT_CONFIRMED]
        self.journal.finish(prepared.run_id, CANCELLED, prepared.plan.counts(), _stored(notes))
        return self._result(prepared, CANCELLED, prepared.plan.actions, [], notes)

    def dry_result(self, prepared: Prepared) -> SyncResult:
        return self._result(prepared, DRY_RUN, prepared.plan.actions, [], prepared.plan.notes)

    async def apply(self, prepared: Prepared, *, cancelled: Callable[[], bool] | None = None) -> SyncResult:
        """Apply the plan: ERP imports, then the orders step, then stock writes; journal as it goes."""
        if prepared.dry_run:
            raise OperationFailed(N_("a dry run is never applied"))
        run_id = prepared.run_id
        _BUSY.add(run_id)
        try:
            # "Took" is the time spent applying, not the time the plan waited for a yes.
            await asyncio.to_thread(self.journal.mark, run_id, applied_at=now_iso())
            return await self._apply(prepared, cancelled or (lambda: False))
        finally:
            _BUSY.discard(run_id)

    async def _apply(self, prepared: Prepared, cancelled: Callable[[], bool]) -> SyncResult:
        run_id = prepared.run_id
        actions = list(prepared.plan.actions)
        total = len(prepared.plan.to_apply)
        progress = _Progress(self, run_id, total)
        # What the plan reports but does not do (Full, no code, ...) is journaled with the run too.
        # Rows skipped for the same reason as the last runs are counted, not listed again (issue 16).
        skipped = [a.to_dict() for a in actions if a.status == ActionStatus.SKIPPED]
        progress.pending += await asyncio.to_thread(self.journal.list_skipped, run_id, prepared.kind.value, skipped)
        self.on_event(Event(events.APPLYING, run_id, total=total))
        status = FINISHED
        try:
            for kinds in (_PRODUCT_KINDS, _ORDER_KINDS):
                todo = [i for i, a in enumerate(actions) if a.kind in kinds and a.status == ActionStatus.PLANNED]
                if cancelled() and todo:
                    status = CANCELLED
                    break
                if todo:
                    done = await asyncio.to_thread(apply_erp_actions, self.catalog, [actions[i] for i in todo], run_id)
                    for i, result in zip(todo, done, strict=True):
                        actions[i] = result
                        progress.finished(result)
                    await progress.flushed()
                failed = any(actions[i].status == ActionStatus.FAILED for i in todo)
                if kinds is _ORDER_KINDS and prepared.orders_until is not None and not failed:
                    # A failed movement keeps the cursor where it was: its order is read again next time.
                    await asyncio.to_thread(self._move_cursors, prepared)
            if status != CANCELLED and prepared.orders_until is not None and "stock" in STEPS[prepared.kind]:
                actions = await self._late_sales(prepared, actions, progress)
            stock = [
                i for i, a in enumerate(actions) if a.kind == ActionKind.STOCK and a.status == ActionStatus.PLANNED
            ]
            if stock and status != CANCELLED:
                writer = self._stock_writer(prepared, progress, cancelled)
                for i, result in zip(stock, await writer.write([actions[i] for i in stock]), strict=True):
                    actions[i] = result
                if cancelled():
                    status = CANCELLED
                else:
                    actions = await self._settle(prepared, actions, progress, cancelled)
        except asyncio.CancelledError:
            self._close(prepared, actions, progress, CANCELLED)
            raise
        except BaseException as exc:
            progress.error(_error_reason(exc), kind=type(exc).__name__)
            self._close(prepared, actions, progress, FAILED)
            raise
        if status != CANCELLED and (progress.errors or any(a.status == ActionStatus.FAILED for a in actions)):
            status = FAILED
        return self._finished(await asyncio.to_thread(self._closed, prepared, actions, progress, status), progress)

    def _move_cursors(self, prepared: Prepared) -> None:
        assert prepared.orders_until is not None
        for name, step in CURSORS.items():
            if step in STEPS[prepared.kind]:
                self.cursors.set(name, (prepared.orders_until - CURSOR_MARGIN).isoformat())

    def _stock_writer(
        self,
        prepared: Prepared,
        progress: _Progress,
        cancelled: Callable[[], bool],
        after_conflict: Reason = RE_PLANNED,
    ) -> StockWriter:
        """The one writer of a run's stock (first writes and the settling of a 409 alike): progress and cancel follow
        the run; `after_conflict` says what a second 409 leads to."""
        return StockWriter(
            self.client,
            prepared.listings,
            concurrency=self.config.concurrency * 2,
            on_done=progress.finished,
            cancelled=cancelled,
            on_start=progress.started,
            after_conflict=after_conflict,
        )

    async def _late_sales(self, prepared: Prepared, actions: list[Action], progress: _Progress) -> list[Action]:
        """Sales (and cancellations) that reached Mercado Livre after the plan was made: recorded through the
        same idempotent path, and the targets of the codes they moved recomputed against the fresh ERP
        balance and the live listing (read again now), so the push does not put sold units back on sale."""
        late, note, codes, order_ids = await self._record_late(prepared, actions, progress)
        if not late and not codes:
            return actions
        actions = actions + late
        if codes:
            rows = affected_links(prepared.links, codes)
            fresh, _ = await self._replan(prepared, rows)
            why = Reason(Code.SALES_AFTER_PLAN if late else Code.HOLDS_AFTER_PLAN, orders=order_ids)
            actions, changed = merge_targets(actions, fresh, {link.key for link in rows}, why)
            recorded = len([a for a in late if a.status == ActionStatus.DONE])
            if late:
                note = Reason.join(note, Reason(Code.LATE_RECORDED, recorded=recorded, changed=changed))
        if note:
            prepared.plan.notes.append(note)
        return actions

    async def _record_late(
        self, prepared: Prepared, actions: list[Action], progress: _Progress, written: bool = False
    ) -> tuple[list[Action], Reason | None, set[str], str]:
        """The orders updated since the plan's orders read that this run has not seen: recorded in the ERP
        (idempotent by key) -> (their actions, a note, the codes they moved, their order ids). `written`: the
        stock writes are done (the settling read after them)."""
        # Orders confirmed, paid or cancelled meanwhile: a new hold keeps its units off too (services/sync/holds.py).
        wanted = ",".join(sorted(SOLD_STATUSES | CANCELLED_STATUSES | HELD_STATUSES))
        try:
            orders = [o async for o in self.client.orders(prepared.orders_until, status=wanted)]
        except NotConnected:
            raise
        except MelisyncError as exc:
            if written:
                raise OperationFailed(
                    N_(
                        "the stock was written, but the orders that arrived while writing could not be read ({exc}): a sale made meanwhile may be back on sale; run the sync again to settle it"
                    ),
                    exc=exc,
                ) from None
            raise OperationFailed(
                N_(
                    "no stock was written: the orders that arrived after the plan could not be read, and writing without them could put sold units back on sale ({exc}); run the sync again"
                ),
                exc=exc,
            ) from None
        late, (hold_codes, hold_ids) = await asyncio.to_thread(self._late_moves, prepared, actions, orders)
        if not late:
            if hold_codes:
                ids = ", ".join(str(i) for i in hold_ids)
                return [], Reason(Code.HOLDS_CHANGED, orders=ids), hold_codes, ids
            return [], None, set(), ""
        todo = [a for a in late if a.status == ActionStatus.PLANNED]
        results = (await asyncio.to_thread(apply_erp_actions, self.catalog, todo, prepared.run_id) if todo else []) + [
            a for a in late if a.status != ActionStatus.PLANNED
        ]
        progress.total += len(results)
        for result in results:
            progress.finished(result)
        await progress.flushed()
        order_ids = ", ".join(str(i) for i in sorted({a.data["order_id"] for a in late}))
        note = Reason(Code.LATE_SALES, count=len(late), orders=order_ids)
        # a counted sale (quantity 0) moves no balance: no target to plan again for it
        codes = {a.erp_code for a in results if a.status == ActionStatus.DONE and a.erp_code and a.data.get("quantity")}
        return results, note, codes | hold_codes, order_ids

    def _late_moves(
        self, prepared: Prepared, actions: list[Action], orders: list[Order]
    ) -> tuple[list[Action], tuple[set[str], list[int]]]:
        """The late orders' movements this run has not seen, and what they change in the held units (reads the
        ERP: called off the event loop)."""
        moves = plan_orders(
            orders,
            rows_sold(prepared.links, orders),
            self.catalog.movement_keys(),
            self.catalog.balances(),
            buyer_orders=None,
            counted=self.catalog.counted_at(),
        )
        return new_movements(moves, {a.key for a in actions if a.key}), self._late_holds(prepared, orders)

    def _late_holds(self, prepared: Prepared, orders: list[Order]) -> tuple[set[str], list[int]]:
        """The run's held orders as they stand after the late read (an order seen again there is in its new
        state: still held, or paid or cancelled and no longer held) -> the codes whose held units changed, and
        those orders."""
        snapshot = prepared.snapshot
        before = self._holds(prepared)
        seen = {o.id for o in orders}
        snapshot.held_orders = [o for o in snapshot.held_orders if o.id not in seen] + [
            o for o in orders if o.status in HELD_STATUSES
        ]
        after = self._holds(prepared)
        codes = {code for code in set(before) | set(after) if before.get(code) != after.get(code)}
        ids = sorted({o for code in codes for h in (before.get(code), after.get(code)) if h for o in h.orders})
        return codes, ids

    def _holds(self, prepared: Prepared) -> dict[str, Hold]:
        held = prepared.snapshot.held_orders
        links = rows_sold(prepared.links, held)
        return plan_holds(held, links, self.catalog.counted_at(), self.catalog.movement_keys())

    async def _replan(self, prepared: Prepared, rows: list[Link]) -> tuple[list[Action], int]:
        """Stock targets of `rows` from fresh facts: the ERP balance now, the listings read again now and, for a
        multi-origin seller, each user product's stock read again."""
        ids = list(dict.fromkeys(link.listing_id for link in rows))
        live = {listing.id: listing for listing in await self.client.listings(ids)} if ids else {}
        prepared.listings.update(live)
        snapshot = prepared.snapshot
        up_stock = snapshot.up_stock
        if snapshot.multi_origin and snapshot.warehouse and not snapshot.warehouse.problem:
            # kept in the snapshot: the stored links show these fresher quantities (_in_warehouse)
            up_stock = snapshot.up_stock = {**up_stock, **await self._read_up_stock(rows, prepared.plan.notes)}

        def targets() -> tuple[list[Action], int]:  # reads the ERP: run off the event loop
            return plan_stock(
                with_live_stock(rows, live),
                self.catalog.balances(),
                snapshot.safety_stock,
                snapshot.account_tags,
                snapshot.warehouse,
                up_stock,
                max_stock=snapshot.max_stock,
                holds=self._holds(prepared),
            )

        return await asyncio.to_thread(targets)

    async def _settle(
        self, prepared: Prepared, actions: list[Action], progress: _Progress, cancelled: Callable[[], bool]
    ) -> list[Action]:
        """After the writes: a 409 (the stock moved between read and write) or a sale that landed while writing
        (an absolute write put its units back) is settled from fresh facts - orders read again and recorded,
        the live listing and stock read again, the target planned again and written once more. What still can't
        be settled is skipped with the reason; the next run settles it (its orders read sees the sale)."""
        if prepared.orders_until is None:
            return actions
        conflicts = [a for a in actions if a.kind == ActionKind.STOCK and a.data.get("conflict")]
        moved = {a.link_key for a in conflicts}
        # listings sharing a moved user product's stock are planned again with it (one write, they follow)
        shared = {a.data.get("user_product_id") for a in conflicts if a.data.get("route") in SHARED_ROUTES} - {None}
        late, note, codes, order_ids = await self._record_late(prepared, actions, progress, written=True)
        actions = actions + late
        rows = [
            l
            for l in prepared.links
            if l.state == LinkState.LINKED and (l.key in moved or l.erp_code in codes or l.user_product_id in shared)
        ]
        if not rows:
            if note:
                prepared.plan.notes.append(Reason(Code.NOTHING_TO_WRITE_AGAIN, why=note))
            return actions
        fresh, _ = await self._replan(prepared, rows)
        whys = Reason.join(
            Reason(Code.CONFLICTS, count=len(moved)) if moved else None,
            Reason(Code.SALES_WHILE_WRITING if late else Code.HOLDS_WHILE_WRITING, orders=order_ids)
            if order_ids
            else None,
        )
        reason = Reason(Code.REPLANNED_AFTER_WRITES, why=whys or Reason.text(""))
        todo = [replace(a, reason=Reason.join(a.reason, reason)) for a in fresh if a.status == ActionStatus.PLANNED]
        if todo and not cancelled():
            progress.total += len(todo)
            writer = self._stock_writer(prepared, progress, cancelled, after_conflict=STILL_MOVING)
            actions = actions + await writer.write(todo)
        prepared.plan.notes.append(Reason(Code.REWRITTEN, why=whys or Reason.text(""), count=len(todo)))
        return actions

    def _close(self, prepared: Prepared, actions: list[Action], progress: _Progress, status: str) -> SyncResult:
        """Journal the run's end (on a cancel or an error: at once, in the task being stopped)."""
        return self._finished(self._closed(prepared, actions, progress, status), progress)

    def _closed(self, prepared: Prepared, actions: list[Action], progress: _Progress, status: str) -> SyncResult:
        """The links stored and the run journaled as ended (file work: run off the event loop when it can be)."""
        why = Reason(Code.NOT_APPLIED_CANCELLED if status == CANCELLED else Code.NOT_APPLIED_STOPPED)
        for i, action in enumerate(actions):
            if action.status == ActionStatus.PLANNED:
                actions[i] = action.skipped(why)
                progress.pending.append(actions[i].to_dict())
        try:
            progress.flush()
        finally:
            progress.close()
        self._store_links(prepared, actions)
        notes = list(prepared.plan.notes)
        counts = count_actions(actions, prepared.plan.unchanged)
        self.journal.finish(prepared.run_id, status, counts, _stored(notes))
        return self._result(prepared, status, actions, progress.errors, notes)

    def _finished(self, result: SyncResult, progress: _Progress) -> SyncResult:
        self.on_event(
            Event(
                events.FINISHED,
                result.run_id,
                done=progress.done,
                total=progress.total,
                counts=result.counts,
                result=result,
            )
        )
        return result

    def _store_links(self, prepared: Prepared, actions: list[Action]) -> None:
        """The links as the ERP and Mercado Livre now stand; refused writes stay not_writable (not retried).

        The plan's links are reused (built once per sync, issue 16): only the stock figures that moved (writes,
        sales, late reads) and refused rows change. Only when a planned import did not happen are they built
        again, since the plan counted on those ERP codes."""
        # A warehouse write set one location: the listing shows it plus what the other warehouses and Full hold.
        written = {
            a.link_key: a.to + a.data.get("others", 0) + a.data.get("full", 0)
            for a in actions
            if a.kind == ActionKind.STOCK and a.status == ActionStatus.DONE and a.link_key is not None
        }
        refused = {
            a.link_key: a.reason
            for a in actions
            if a.kind == ActionKind.STOCK
            and a.status == ActionStatus.SKIPPED
            and a.reason
            and a.reason.has(Code.ML_REFUSED)
            and a.link_key is not None
        }
        if prepared.partial:
            # A watch tick read some listings only: their rows are built again as they now stand (a code changed
            # since shows as lost), the other links stay as stored.
            listings = [_with_stock(listing, written) for listing in prepared.listings.values()]
            links = self._refused(
                refused,
                mark_migrated(
                    listings,
                    build_links(
                        listings,
                        catalogue_view(self.catalog),
                        prepared.snapshot.previous,
                        self.links.ignored(),
                        multi_origin=prepared.snapshot.multi_origin,
                    ),
                ),
            )
            # A row whose write failed keeps the balance it was last written with: the next tick tries it again.
            failed = {a.link_key for a in actions if a.kind == ActionKind.STOCK and a.status == ActionStatus.FAILED}
            before = links_by_key(prepared.snapshot.previous)
            links = [before[l.key] if l.key in failed and l.key in before else l for l in links]
            if listings:
                self.links.replace_listings({l.id for l in listings}, self._in_warehouse(prepared, actions, links))
            return
        planned_imports = [
            i
            for i, a in enumerate(prepared.plan.actions)
            if a.kind in _PRODUCT_KINDS and a.status == ActionStatus.PLANNED
        ]
        if any(actions[i].status != ActionStatus.DONE for i in planned_imports):
            listings = [_with_stock(listing, written) for listing in prepared.listings.values()]
            links = mark_migrated(
                listings,
                build_links(
                    listings,
                    catalogue_view(self.catalog),
                    self.links.previous(),  # the file is unchanged since the plan: no other sync ran meanwhile
                    self.links.ignored(),
                    multi_origin=prepared.snapshot.multi_origin,
                ),
            )
        else:
            links = _restocked(prepared.links, prepared.listings, written, self.catalog.balances())
            ignored = self.links.ignored() - prepared.snapshot.ignored  # ignored while the plan was shown
            if ignored:
                links = [
                    replace(l, state=LinkState.IGNORED, reason=IGNORED_REASON) if l.key in ignored else l for l in links
                ]
        links = self._refused(refused, links)
        if prepared.unread:
            # Listings Mercado Livre did not return keep their stored rows, whole (the plan's copy keeps only what
            # planning reads), except those whose new code the operator accepted: the next read links them anew.
            accepted = self.links.accepted()
            links += [l for l in self.links.rows_of(set(prepared.unread)) if l.key not in accepted]
        self.links.replace_all(self._in_warehouse(prepared, actions, links))

    @staticmethod
    def _in_warehouse(prepared: Prepared, actions: list[Action], links: list[Link]) -> list[Link]:
        """A multi-origin seller's rows with the chosen warehouse's own quantity (what the next plan compares
        with), as the writes left it; the listing's quantity also counts the other warehouses and Full."""
        snapshot = prepared.snapshot
        if not snapshot.multi_origin:
            return links
        written = {
            a.data["user_product_id"]: a.to
            for a in actions
            if a.kind == ActionKind.STOCK
            and a.status == ActionStatus.DONE
            and a.data.get("route") == "warehouse"
            and a.data.get("user_product_id")
            and a.to is not None
        }
        return with_warehouse_stock(links, snapshot.warehouse, snapshot.up_stock, written)

    @staticmethod
    def _refused(refused: Mapping[str, Reason], links: list[Link]) -> list[Link]:
        """Rows whose write Mercado Livre refused stay not_writable with its reason (not retried every run)."""
        if not refused:
            return links
        return [
            replace(l, state=LinkState.NOT_WRITABLE, reason=refused[l.key]) if l.key in refused else l for l in links
        ]

    # -- the operator's reference-code fix (TUI) ---------------------------------------------------------

    async def reference_code_change(self, item_id: str, variation_id: int | None, code: str) -> Action:
        """What writing `code` would change, read from the live listing (show it, ask, then write it)."""
        try:
            return reference_code_action(await self.client.listing(item_id), variation_id, code)
        except ValueError as exc:
            raise BadInput(str(exc)) from None

    async def write_reference_code(self, action: Action) -> SyncResult:
        """Write a reference code through the journaled path (run kind `reference_code`). Once written, the
        row is linked by its new code at the next sync, even if it was `link_lost` (the operator chose it)."""
        run_id = await asyncio.to_thread(self.journal.start, ActionKind.REFERENCE_CODE.value, False)
        result = action
        try:
            if action.status == ActionStatus.PLANNED:
                result = await write_reference_code(self.client, action)
        finally:
            # Journaled here, in the task even when it is being cancelled: two short appends.
            errors = (
                [{"reason": _json(result.reason), "item_id": result.item_id, "variation_id": result.variation_id}]
                if result.status == ActionStatus.FAILED
                else []
            )
            self.journal.record(run_id, [result.to_dict()], errors)
            status = FAILED if errors or result.status == ActionStatus.PLANNED else FINISHED
            self.journal.finish(run_id, status, count_actions([result]))
        if result.status == ActionStatus.DONE and result.link_key is not None:
            await asyncio.to_thread(self.links.accept_new_code, [result.link_key])
        return SyncResult(
            run_id, ActionKind.REFERENCE_CODE.value, False, status, [result], count_actions([result]), errors, []
        )

    def _abort(self, run_id: int, exc: BaseException) -> None:
        if isinstance(exc, asyncio.CancelledError):
            # The operator's cancel (or the App closing) while the plan was read: no error, nothing written.
            self.journal.finish(run_id, CANCELLED, {}, _stored([Reason(Code.CANCELLED_WHILE_PLANNING)]))
            return
        self.journal.record(run_id, [], [{"reason": _error_reason(exc).to_json(), "kind": type(exc).__name__}])
        self.journal.finish(run_id, FAILED, {}, _stored([Reason(Code.STOPPED_WHILE_READING, error=str(exc))]))

    def _result(
        self, prepared: Prepared, status: str, actions: list[Action], errors: list[dict[str, Any]], notes: list[Reason]
    ) -> SyncResult:
        return SyncResult(
            prepared.run_id,
            prepared.kind,
            prepared.dry_run,
            status,
            actions,
            count_actions(actions, prepared.plan.unchanged),
            errors,
            notes,
        )


class _Progress:
    """Counts finished actions, sends events, and journals them in batches (one file write per batch).

    A full batch is handed to one journal thread of its own (an fsynced append must not hold the event loop while
    the writes go on), which writes the batches in the order handed over; `flush()` waits for them, then writes
    what is still pending: once it returns, every finished action is journaled."""

    BATCH = 200

    def __init__(self, engine: SyncEngine, run_id: int, total: int):
        self.engine, self.run_id, self.total = engine, run_id, total
        self.done = 0
        self.pending: list[dict[str, Any]] = []
        self.pending_errors: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}
        self._writer: ThreadPoolExecutor | None = None
        self._handed: list[Future[None]] = []

    def finished(self, action: Action) -> None:
        self.done += 1
        self.counts[action.status.value] = self.counts.get(action.status.value, 0) + 1
        self.pending.append(action.to_dict())
        if action.status == ActionStatus.FAILED:
            self.error(
                action.reason,
                item_id=action.item_id,
                variation_id=action.variation_id,
                action=action.kind.value,
                ml_error=action.data.get("error"),
            )
        self.engine.on_event(
            Event(events.ACTION, self.run_id, done=self.done, total=self.total, action=action, counts=dict(self.counts))
        )
        if len(self.pending) >= self.BATCH:
            self._hand_over()

    def started(self, action: Action) -> None:
        self.engine.on_event(
            Event(
                events.STARTED, self.run_id, done=self.done, total=self.total, action=action, counts=dict(self.counts)
            )
        )

    def error(self, reason: Reason | None, **where: Any) -> None:
        entry = {"reason": _json(reason), **{k: v for k, v in where.items() if v is not None}}
        self.errors.append(entry)
        self.pending_errors.append(entry)

    def _hand_over(self) -> Future[None]:
        """The pending rows to the journal thread (written after the batches handed over before)."""
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="melisync-journal")
        pending, errors = self.pending, self.pending_errors
        self.pending, self.pending_errors = [], []
        handed = self._writer.submit(self.engine.journal.record, self.run_id, pending, errors)
        self._handed.append(handed)
        return handed

    def flush(self) -> None:
        """Every finished action journaled: the batches handed over written (their errors raised), then the rest."""
        handed, self._handed = self._handed, []
        for batch in handed:
            batch.result()
        self.engine.journal.record(self.run_id, self.pending, self.pending_errors)
        self.pending, self.pending_errors = [], []

    async def flushed(self) -> None:
        """`flush` awaited on the event loop: the journal thread writes."""
        await asyncio.wrap_future(self._hand_over())

    def close(self) -> None:
        """After the last `flush`: the journal thread ends."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)


NOT_CONFIRMED = Reason(Code.NOT_CONFIRMED)


def _stored(notes: list[Reason]) -> list[dict[str, Any]]:
    """Notes as the journal keeps them: code and values (docs/architecture.md, "Reasons")."""
    return [note.to_json() for note in notes]


def _error_reason(exc: BaseException) -> Reason:
    """An exception as a run's error: its reason when it carries one, else its own words (as they are)."""
    found = getattr(exc, "reason", None)
    return found if isinstance(found, Reason) else Reason.text(str(exc) or type(exc).__name__)


def _json(reason: Reason | None) -> dict[str, Any] | None:
    return reason.to_json() if reason else None


def _restocked(
    links: list[Link], listings: dict[str, Listing], written: dict[str, int], balances: Mapping[str, int]
) -> list[Link]:
    """The plan's links with the quantities as they stand after applying: Mercado Livre's from the writes (or
    the listing as last read) and the ERP's from its balances now (sales recorded, imports made)."""
    out = []
    for link in links:
        # The listing's own figure, looked up through it (a dict of every row's key would cost ~17 MB at 50k).
        listing = listings.get(link.listing_id)
        if listing is None:
            found: Listing | Variation | None = None
        elif link.variation_id is not None:
            found = listing.variation(link.variation_id)
        else:
            found = None if listing.variations else listing
        quantity = found.available_quantity if found is not None else link.ml_stock
        ml = written.get(link.key, quantity) if written else quantity
        erp = balances.get(link.erp_code) if link.erp_code is not None else None
        if ml != link.ml_stock or erp != link.erp_stock:
            link = replace(link, ml_stock=ml, erp_stock=erp)
        out.append(link)
    return out


def _with_stock(listing: Listing, written: dict[str, int]) -> Listing:
    if not listing.variations:
        return replace(listing, available_quantity=written.get(listing.id, listing.available_quantity))
    variations = tuple(
        replace(v, available_quantity=written.get(f"{listing.id}:{v.id}", v.available_quantity))
        for v in listing.variations
    )
    return replace(listing, variations=variations, available_quantity=sum(v.available_quantity for v in variations))

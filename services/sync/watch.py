"""`melisync watch`: near-real-time stock, one watcher per home (docs/internals.md, "The watcher").

Every tick reads the orders updated since the cursor (usually one request); when there is something to do
(a new sale or cancellation, an ERP balance that moved since it was last written) it runs a `watch` run
through the engine's own plan -> apply -> journal path, writing only the listings whose target moved.
Every `reconcile_every` a full stock sync catches what ticks cannot see (a manual edit on Mercado Livre).

The loop knows nothing about terminals or signals: the command asks it to `stop()` or `reload()` and reads
what each tick did from the facts it returns (`TickReport`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from services.errors import MelisyncError, NotConnected
from services.meli.errors import MeliApiError
from services.sync.engine import ORDERS_CURSOR, SyncEngine, SyncResult
from services.sync.plan import Action, ActionKind, ActionStatus, SyncKind
from services.watch_state import REAUTHORIZE, Heartbeat

if TYPE_CHECKING:
    from services.config import Config
    from services.meli.client import MeliClient

MAX_BACKOFF_SECONDS = 600.0  # a Mercado Livre outage is retried at least every 10 minutes

# What a tick did (reason codes: the edge chooses the words).
IDLE, ACTED, PREVIEW, FAILED_TICK = "idle", "acted", "preview", "failed"


@dataclass
class TickReport:
    """The facts of one tick, for the log line and the heartbeat."""

    at: str
    outcome: str  # IDLE | ACTED | PREVIEW | FAILED_TICK
    reconcile: bool = False  # this tick was the periodic full stock sync
    run_id: int | None = None
    status: str | None = None
    sales: int = 0  # sales and cancellations booked
    writes: int = 0  # stock written to Mercado Livre
    failed: int = 0
    error: str | None = None
    result: SyncResult | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "outcome": self.outcome,
            "kind": "stock" if self.reconcile else "watch",
            "run_id": self.run_id,
            "status": self.status,
            "sales": self.sales,
            "writes": self.writes,
            "failed": self.failed,
            "error": self.error,
        }


class Watcher:
    """The watch loop of one home. `open_client(config)` gives an async context manager of a MeliClient."""

    def __init__(
        self,
        config: Config,
        open_client: Callable[[Config], AbstractAsyncContextManager[MeliClient]],
        *,
        every: float = 60.0,
        reconcile_every: float = 6.0,
        dry_run: bool = False,
        on_tick: Callable[[TickReport], None] | None = None,
        reload_config: Callable[[], Any] | None = None,
        before_tick: Callable[[], Awaitable[object]] | None = None,
    ):
        self.config = config
        self.open_client = open_client
        self.every = every
        self.reconcile_every = timedelta(hours=reconcile_every)
        self.dry_run = dry_run
        self.on_tick = on_tick or (lambda report: None)
        self.reload_config = reload_config
        self.before_tick = before_tick  # e.g. the ERP CSV pick-up (runs before each tick)
        self.heartbeat = Heartbeat.resume(config.home, every=every)
        self._stop = asyncio.Event()
        self._reload = False
        self._failures = 0
        self._slow = 1.0  # > 1 after a 429: Mercado Livre asked to slow down

    # -- asked from outside (signal handlers) --------------------------------------------------------

    def stop(self) -> None:
        """Finish the tick in flight (its writes and journal), then end."""
        self._stop.set()

    def reload(self) -> None:
        self._reload = True
        self._stop_sleep()

    def _stop_sleep(self) -> None:
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # -- the loop --------------------------------------------------------------------------------------

    async def run(self, *, once: bool = False) -> int:
        """Tick until stopped (or once). 0 when stopped cleanly; 3 when Mercado Livre needs re-authorization."""
        self._wake = asyncio.Event()
        self.heartbeat.write()
        try:
            while True:
                async with self.open_client(self.config) as client:
                    code = await self._ticks(client, once)
                if code is not None:
                    return code
                self._reload = False
                if self.reload_config is not None:
                    self.config = self.reload_config()
        finally:
            if self.heartbeat.state != REAUTHORIZE:
                self.heartbeat.state = "stopped"
            self.heartbeat.next_reconcile = None
            self.heartbeat.write()

    async def _ticks(self, client: MeliClient, once: bool) -> int | None:
        """Ticks with one client; None when the config is to be reloaded (a new client follows)."""
        engine = SyncEngine(client, config=self.config)
        while not self.stopping:
            report = await self._one(engine)
            if report.outcome == REAUTHORIZE:
                return 3
            if once:
                return 0
            await self._sleep(self._delay(report))
            if self._reload:
                return None
        return 0

    def _delay(self, report: TickReport) -> float:
        if report.outcome != FAILED_TICK:
            self._failures = 0
            self._slow = max(1.0, self._slow / 2)  # back to the asked pace, gently
            return self.every * self._slow
        self._failures += 1
        return min(MAX_BACKOFF_SECONDS, self.every * self._slow * 2.0 ** min(self._failures, 10))

    async def _sleep(self, seconds: float) -> None:
        self._wake.clear()
        stop = asyncio.ensure_future(self._stop.wait())
        wake = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({stop, wake}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            wake.cancel()

    def reconcile_due(self, engine: SyncEngine, now: datetime) -> bool:
        if engine.cursors.get(ORDERS_CURSOR) is None or not self.heartbeat.last_reconcile:
            return True
        return now - datetime.fromisoformat(self.heartbeat.last_reconcile) >= self.reconcile_every

    async def _one(self, engine: SyncEngine) -> TickReport:
        now = datetime.now(UTC)
        at = now.isoformat(timespec="seconds")
        reconcile = self.reconcile_due(engine, now)
        picked = None
        if self.before_tick is not None:
            try:
                await self.before_tick()
            except MelisyncError as exc:  # a bad ERP file is said; the ticks go on with the stock as it was
                picked = str(exc)
                self.heartbeat.error(picked)
        try:
            report = await (self._reconcile(engine, at) if reconcile else self._tick(engine, at))
        except NotConnected as exc:
            # A refresh token Mercado Livre no longer accepts: a person must connect again. Said in `status`.
            self.heartbeat.state = REAUTHORIZE
            self.heartbeat.error(str(exc))
            report = TickReport(at, REAUTHORIZE, reconcile, error=str(exc))
        except MelisyncError as exc:
            if isinstance(exc, MeliApiError) and exc.status == 429:
                self._slow = min(self._slow * 2, 16.0)
            self.heartbeat.error(str(exc))
            report = TickReport(at, FAILED_TICK, reconcile, error=str(exc))
        if picked and not report.error:
            report.error = picked  # the log line says it, even on an idle tick
        self.heartbeat.last_tick = at
        self.heartbeat.ticks += 1
        if report.outcome == ACTED:
            self._remember(report, at)
        if reconcile and report.outcome in (ACTED, IDLE) and not self.dry_run:
            self.heartbeat.last_reconcile = at
        last = self.heartbeat.last_reconcile
        self.heartbeat.next_reconcile = (
            (datetime.fromisoformat(last) + self.reconcile_every).isoformat(timespec="seconds") if last else at
        )
        self.heartbeat.write()
        self.on_tick(report)
        return report

    async def _tick(self, engine: SyncEngine, at: str) -> TickReport:
        prepared = await engine.plan_tick(dry_run=self.dry_run)
        if prepared is None:
            return TickReport(at, IDLE)
        if self.dry_run:
            result = engine.dry_result(prepared)
            return _report(at, PREVIEW, False, result)
        return _report(at, ACTED, False, await engine.apply(prepared))

    async def _reconcile(self, engine: SyncEngine, at: str) -> TickReport:
        prepared = await engine.plan(SyncKind.STOCK, dry_run=self.dry_run)
        if self.dry_run:
            return _report(at, PREVIEW, True, engine.dry_result(prepared))
        return _report(at, ACTED, True, await engine.apply(prepared))

    def _remember(self, report: TickReport, at: str) -> None:
        actions = report.result.actions if report.result else []
        sales = [a for a in actions if _booked(a)]
        if sales:
            last = sales[-1]
            self.heartbeat.last_sale = {
                "at": at,
                "order_id": last.data.get("order_id"),
                "erp_code": last.erp_code,
                "run_id": report.run_id,
            }
        if report.writes:
            self.heartbeat.last_write = {"at": at, "run_id": report.run_id, "writes": report.writes}


def _booked(action: Action) -> bool:
    return action.kind in (ActionKind.SALE, ActionKind.SALE_CANCEL) and action.status == ActionStatus.DONE


def _report(at: str, outcome: str, reconcile: bool, result: SyncResult) -> TickReport:
    actions = result.actions
    if outcome == PREVIEW:
        sales = sum(
            1
            for a in actions
            if a.kind in (ActionKind.SALE, ActionKind.SALE_CANCEL) and a.status == ActionStatus.PLANNED
        )
        writes = sum(1 for a in actions if a.kind == ActionKind.STOCK and a.status == ActionStatus.PLANNED)
    else:
        sales = sum(1 for a in actions if _booked(a))
        writes = sum(1 for a in actions if a.kind == ActionKind.STOCK and a.status == ActionStatus.DONE)
    failed = sum(1 for a in actions if a.status == ActionStatus.FAILED)
    return TickReport(at, outcome, reconcile, result.run_id, result.status, sales, writes, failed, result=result)

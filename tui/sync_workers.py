"""The App's sync workers: plan -> apply (with progress and cancel), as named async workers that belong to
the App, so a sync keeps going while the operator moves between screens. The engine runs on the App's event
loop and does its file work off it (services/sync/engine.py); the operator's cancel is the worker's own
(`Worker.cancel()`). The links, mapping and journal workers are in tui/link_workers.py; the calls into the
services in tui/sync_services.py.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from rich.markup import escape
from textual import work
from textual.signal import Signal
from textual.worker import Worker, get_current_worker

from screens.sync_messages import (
    LinksChanged,
    SyncApplyRequested,
    SyncCancelRequested,
    SyncDeclineRequested,
    SyncFinished,
    SyncPlanned,
    SyncProgress,
    SyncRequested,
)
from services.i18n import N_, _, _n
from tui.link_workers import LinkWorkers
from tui.sync_services import SyncServices
from tui.sync_state import ProgressPhase, SyncPhase, SyncState
from tui.sync_summary import READING, sync_summary

if TYPE_CHECKING:
    from services.sync.engine import Prepared
    from services.sync.eta import Eta

__all__ = ["READING", "SyncServices", "SyncState", "SyncWorkers", "sync_summary"]

# How often progress reaches the screen: a message per action would flood the UI on a big catalogue.
PROGRESS_EVERY = 0.1  # seconds


class SyncWorkers(LinkWorkers):
    """Mixed into the App. Screens subscribe to `sync_signal` (the `SyncState` changed)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._sync_state = SyncState()
        self.sync_signal: Signal[SyncState] = Signal(self, "sync-changed")
        self._sync_worker: Worker[None] | None = None  # the plan or apply worker under way: cancel stops it
        self._eta: Eta | None = None  # while applying
        self._quit_after_sync = False  # q during an apply: leave once the run is journaled

    @property
    def sync_state(self) -> SyncState:
        return self._sync_state

    def _publish_sync(self) -> None:
        self.sync_signal.publish(self.sync_state)

    # -- sync: plan -> apply ----------------------------------------------------------------------------

    def on_sync_requested(self, message: SyncRequested) -> None:
        state = self.sync_state
        if state.busy:
            self.notify(_("A sync is already under way; wait for it to end."), severity="warning")
            return
        self._sync_state = SyncState(phase=SyncPhase.PLANNING, kind=message.kind, message=_("Reading listings…"))
        self._publish_sync()
        from screens.sync_progress import SyncProgressScreen

        self.push_screen(SyncProgressScreen())
        self._sync_worker = self._plan_sync(message.kind)

    def _events(self, phase: ProgressPhase):
        """The engine's event callback: throttled progress messages (posting is safe from any thread)."""
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

    @work(group="sync-plan", exclusive=True, exit_on_error=False, description=N_("Computing the sync plan"))
    async def _plan_sync(self, kind: str) -> None:
        try:
            prepared = await self.sync_services.plan(kind, self._events(ProgressPhase.READING))
        except asyncio.CancelledError:
            # The worker was cancelled. Planning only reads: stopping it at any await is safe (the engine
            # journals the run cancelled).
            self.post_message(SyncFinished(None))
            raise
        except BaseException:
            self.post_message(SyncFinished(None))
            raise
        self.post_message(SyncPlanned(prepared))

    def on_sync_planned(self, message: SyncPlanned) -> None:
        from screens.sync_plan import SyncPlanScreen
        from screens.sync_progress import SyncProgressScreen

        prepared = message.prepared
        state = self.sync_state
        state.phase, state.prepared, state.run_id = SyncPhase.PLANNED, prepared, prepared.run_id
        state.total = len(prepared.plan.to_apply)
        if isinstance(self.screen, SyncProgressScreen):
            self.pop_screen()
        self.push_screen(SyncPlanScreen(prepared))
        self._publish_sync()

    def on_sync_apply_requested(self, message: SyncApplyRequested) -> None:
        from screens.sync_progress import SyncProgressScreen

        state = self.sync_state
        if state.phase != SyncPhase.PLANNED:
            return
        state.phase, state.done, state.counts = SyncPhase.APPLYING, 0, {}
        state.message = _("Applying…")
        from services.sync.eta import Eta

        self._eta = Eta()
        self.push_screen(SyncProgressScreen())
        self._publish_sync()
        self._sync_worker = self._apply_sync(state.prepared)

    @work(group="sync-apply", exclusive=True, exit_on_error=False, description=N_("Applying the sync"))
    async def _apply_sync(self, prepared: Prepared) -> None:
        worker = get_current_worker()
        # The engine checks `worker.is_cancelled` before each write. It runs as its own task, shielded from the
        # worker's cancel: cancelling must not cut the writes under way, which finish and are journaled.
        applying = asyncio.ensure_future(
            self.sync_services.apply(prepared, self._events(ProgressPhase.APPLYING), lambda: worker.is_cancelled)
        )
        result = None
        try:
            try:
                result = await asyncio.shield(applying)
            except asyncio.CancelledError:
                # The operator's cancel (or the App closing): the engine sees it before its next write.
                result = await applying
        finally:
            self.post_message(SyncFinished(result))

    def on_sync_decline_requested(self, message: SyncDeclineRequested) -> None:
        state = self.sync_state
        if state.phase != SyncPhase.PLANNED:
            return
        self._decline_sync(state.prepared)
        self._sync_state = SyncState()
        self._publish_sync()

    @work(
        thread=True, group="sync-decline", exclusive=True, exit_on_error=False, description=N_("Dropping the sync plan")
    )
    def _decline_sync(self, prepared: Prepared) -> None:  # journal work only: a thread worker
        self.sync_services.decline(prepared)
        self.post_message(LinksChanged(_("Plan dropped: nothing was written.")))

    def on_sync_cancel_requested(self, message: SyncCancelRequested) -> None:
        state = self.sync_state
        if state.phase not in (SyncPhase.PLANNING, SyncPhase.APPLYING) or state.cancel_requested:
            return
        state.cancel_requested = True
        state.message = (
            _("Cancelling: the writes under way finish, the rest are not made…")
            if state.phase == SyncPhase.APPLYING
            else _("Cancelling: nothing was written.")
        )
        if self._sync_worker is not None:
            self._sync_worker.cancel()
        self._publish_sync()

    async def action_quit(self) -> None:
        """`q` while a sync is being applied asks first, then stops it and leaves once it is journaled."""
        if self.sync_state.phase != SyncPhase.APPLYING:
            await super().action_quit()
            return
        from screens.confirm import ConfirmModal

        def answered(yes: bool | None) -> None:
            if yes:
                self._quit_after_sync = True
                self.post_message(SyncCancelRequested())

        body = _(
            "A sync is being applied. Quit anyway? The writes under way finish, the rest are not made, "
            "and the run is journaled as cancelled before melisync closes."
        )
        self.push_screen(ConfirmModal(_("Quit during a sync?"), body, yes=_("Quit")), answered)

    def on_sync_progress(self, message: SyncProgress) -> None:
        state = self.sync_state
        if not state.busy:
            return
        state.done, state.counts = message.done, message.counts
        if message.phase == ProgressPhase.READING:
            state.total = message.total
            state.message = (
                _(
                    "Reading {what}: {done} of {total}",
                    what=_(message.message or "listings"),
                    done=message.done,
                    total=message.total,
                )
                if message.total
                else _("Reading {what}…", what=_(message.message or "listings"))
            )
        else:
            eta = self._eta
            if eta is not None and message.total:
                state.seconds_left = eta.update(time.monotonic(), message.done, message.total)
            if not state.cancel_requested:
                state.message = _("Applying…")
        self._publish_sync()

    def on_sync_finished(self, message: SyncFinished) -> None:
        from screens.sync_progress import SyncProgressScreen

        result = message.result
        kind, total = self.sync_state.kind, self.sync_state.total
        cancelled_plan = self.sync_state.phase == SyncPhase.PLANNING and self.sync_state.cancel_requested
        self._sync_state = SyncState(
            phase=SyncPhase.FINISHED if result else SyncPhase.IDLE,
            kind=kind,
            result=result,
            run_id=result.run_id if result else None,
            counts=result.counts if result else {},
        )
        if isinstance(self.screen, SyncProgressScreen):
            self.pop_screen()
        self._publish_sync()
        self.links_signal.publish("")
        self.refresh_status()
        if self._quit_after_sync:
            self.exit()
            return
        if result is None:
            if cancelled_plan:
                self.notify(_("Sync cancelled while planning: nothing was written."), severity="warning")
            return  # otherwise the worker failed: the App's error handler says why
        if result.status == "cancelled":
            made = result.counts.get("done", 0) + result.counts.get("failed", 0)
            self.notify(
                escape(
                    _n(
                        "Cancelled after {done} of {count} action; the rest were not made.",
                        "Cancelled after {done} of {count} actions; the rest were not made.",
                        total,
                        done=made,
                    )
                    + " "
                    + sync_summary(result)
                ),
                title=_("Sync cancelled"),
                severity="warning",
                timeout=10,
            )
            return
        self.notify(
            escape(sync_summary(result)),
            title=_("Sync finished"),
            severity="information" if result.ok else "warning",
            timeout=10,
        )

"""The sync under way: what it is reading or writing, a progress bar with counts and ETA, and `c` to
cancel (the writes in flight finish, the rest are not made; the run is journaled as cancelled).

It follows the App's `SyncState` (published on `app.sync_signal`); leaving it (Esc) does not stop the
sync, which belongs to the App: the end is announced by a notification on whatever screen is open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, ProgressBar, Static

from screens import BaseScreen, KeysFooter
from screens.sync_messages import SyncCancelRequested
from services.i18n import N_, _, _n
from services.sync.eta import say_duration
from words.counts import outcome_counts

if TYPE_CHECKING:
    from tui.sync_state import SyncState

PHASES = {
    "planning": N_("Computing the plan (reading only)"),
    "planned": N_("Plan ready"),
    "applying": N_("Applying the plan"),
    "finished": N_("Finished"),
    "idle": N_("No sync under way"),
}


class SyncProgressScreen(BaseScreen):
    """Progress of the App's sync."""

    DEFAULT_CSS = """
    #progress-box { height: auto; margin: 1 2; }
    #progress-bar { margin: 1 0; }
    """

    TITLE_TEXT = N_("Sync")
    BINDINGS = [
        Binding("c", "cancel_sync", N_("Cancel sync"), id="progress.cancel"),
        Binding("escape", "leave", N_("Hide (keeps running)"), id="progress.hide"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="progress-box", classes="panel"):
            yield Label(id="progress-phase", classes="section -first")
            yield ProgressBar(id="progress-bar", show_eta=False)
            yield Static(id="progress-counts")
            yield Static(id="progress-message", classes="dim")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#progress-box").border_title = _("Sync")
        self.app.sync_signal.subscribe(self, self.show_state)
        self.show_state(self.app.sync_state)

    def show_state(self, state: SyncState) -> None:
        kind = _(state.kind) if state.kind else ""
        phase = _(PHASES.get(state.phase, state.phase))
        self.query_one("#progress-phase", Label).update(Text(f"{phase}: {kind}" if kind else phase))
        bar = self.query_one("#progress-bar", ProgressBar)
        if state.total:
            bar.update(total=state.total, progress=state.done)
        else:
            bar.update(total=None)
        line = ""
        if state.phase == "applying":
            line = _n(
                "{done} of {count:,} action: {counts}",
                "{done} of {count:,} actions: {counts}",
                state.total,
                done=f"{state.done:,}",
                counts=outcome_counts(state.counts, ("done", "failed", "skipped")),
            )
            if state.seconds_left is not None and not state.cancel_requested:
                minutes, seconds = say_duration(state.seconds_left)
                left = (
                    _("about {minutes} min {seconds} s left", minutes=minutes, seconds=seconds)
                    if minutes
                    else _("about {seconds} s left", seconds=seconds)
                )
                line += "  " + left
        self.query_one("#progress-counts", Static).update(Text(line))
        self.query_one("#progress-message", Static).update(Text(state.message))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_sync":
            state = self.app.sync_state
            return (state.phase in ("planning", "applying") and not state.cancel_requested) or None
        return True

    def action_cancel_sync(self) -> None:
        self.app.post_message(SyncCancelRequested())

    def action_leave(self) -> None:
        self.dismiss()

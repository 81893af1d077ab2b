"""Sync logs screen: every run of the journal (time, kind, status, duration, counts, errors), newest
first; Enter drills into a run's actions and errors (`RunDetailScreen`); `e` shows errors only.
`S` starts a sync (or shows the one under way)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Label, Static

from screens import BaseScreen, KeysFooter, ModeBar, PaletteCommand
from screens.connection import status_label
from screens.sync_messages import RunDetailLoaded, RunDetailRequested, RunsLoaded, RunsRequested
from screens.sync_plan import ActionsScreen, counts_line, open_sync, sync_commands
from screens.tables import ID, NUMBER, TEXT, FixedColumnsTable, plain
from services.i18n import N_, _, _n, local_time, local_time_short
from services.run_facts import error_reason, shown_status, took_seconds
from services.store.run import Run
from words.reasons import say, say_stored

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tui.sync_state import SyncState

RUN_COLUMNS = (
    ("id", N_("Run"), 3, NUMBER),
    ("started", N_("Started"), 11, ID),
    ("kind", N_("Kind"), 9, ID),
    ("status", N_("Status"), 11, TEXT),
    ("duration", N_("Took"), 5, NUMBER),
    ("done", N_("Done"), 5, NUMBER),
    ("failed", N_("Failed"), 5, NUMBER),
    ("errors", N_("Errors"), 5, NUMBER),
    ("skipped", N_("Skipped"), 6, NUMBER),
)
# Run kinds besides the sync kinds (those are translated by their own name).
RUN_KINDS = {"reference_code": N_("ref. code")}
STATUS_STYLES = {
    "finished": "green",
    "failed": "bold red",
    "cancelled": "yellow",
    "interrupted": "bold red",
    "running": "bold cyan",
    "dry_run": "dim",
    "waiting": "bold yellow",
}


def run_year(run: Run | None) -> int | None:
    """The year of `run`'s start (in this machine's time zone), the one the runs table does not repeat."""
    if run is None or run.started_at is None:
        return None
    return run.started_at.astimezone().year


def when_text(run: Run, year: int | None = None) -> str:
    # Without the newest run's year: at 80 columns every count and the status fit (the run's details
    # show the full time).
    return local_time_short(run.started_at, year) if run.started_at else "?"


def duration_text(run: Run) -> str:
    """The time spent applying (a plan waiting for its yes is not counted)."""
    seconds = took_seconds(run)
    if seconds is None:
        return ""
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes}:{seconds:02d}" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}"


def kind_text(run: Run) -> str:
    return _(RUN_KINDS.get(run.kind, run.kind.value))


def run_cells(run: Run, year: int | None = None) -> list:
    counts = run.counts
    status = shown_status(run)
    errors = len(run.errors)

    def number(value: int | None, style: str = "") -> Text:
        return Text(str(value or 0), justify="right", style=style if value else "dim")

    return [
        Text(str(run.id), justify="right"),
        plain(when_text(run, year)),
        plain(kind_text(run)),
        Text(status_label(status), style=STATUS_STYLES.get(status, "")),
        Text(duration_text(run), justify="right"),
        number(counts.get("done")),
        number(counts.get("failed"), "bold red"),
        number(errors, "bold red"),
        number(counts.get("skipped")),
    ]


class SyncLogsScreen(BaseScreen):
    """The journal's runs."""

    DEFAULT_CSS = """
    #logs-status { height: 1; padding: 0 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    #runs-table { height: 1fr; }
    """

    TITLE_TEXT = N_("Sync logs")
    BINDINGS = [
        Binding("S", "sync", N_("Sync…"), id="logs.sync"),
        Binding("e", "errors_only", N_("Errors only"), id="logs.errors_only"),
        Binding("r", "refresh", N_("Refresh"), id="logs.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[Run] = []
        self.shown: list[Run] = []
        self.errors_only = False
        self.loaded = False
        self._phase = ""

    def compose(self) -> ComposeResult:
        yield ModeBar("sync_logs")
        yield Static(id="logs-status")
        yield FixedColumnsTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one(FixedColumnsTable)
        table.add_fixed_columns(RUN_COLUMNS)
        self.app.links_signal.subscribe(self, lambda _note: self.action_refresh())
        self.app.sync_signal.subscribe(self, self._sync_moved)
        self.action_refresh()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def _sync_moved(self, state: SyncState) -> None:
        # Only when a run starts or ends: progress ticks would re-read the journal ten times a second.
        if state.phase != self._phase:
            self._phase = state.phase
            self.action_refresh()

    def action_refresh(self) -> None:
        self.post_message(RunsRequested(self))

    @on(RunsLoaded)
    def _loaded(self, message: RunsLoaded) -> None:
        self.runs = message.runs
        self.loaded = True
        self._show()

    def _show(self) -> None:
        table = self.query_one(FixedColumnsTable)
        row = table.cursor_row
        self.shown = [r for r in self.runs if r.has_errors] if self.errors_only else list(self.runs)
        year = run_year(self.runs[0]) if self.runs else None
        table.show_rows(run_cells(run, year) for run in self.shown)
        if self.shown:
            table.move_cursor(row=min(max(row, 0), len(self.shown) - 1), animate=False)
        if not self.runs:
            line = _("No sync yet: press S to plan one (nothing is written before you confirm).")
        elif self.errors_only:
            line = _n(
                "{shown} of {count} run: only those with errors (e shows all)",
                "{shown} of {count} runs: only those with errors (e shows all)",
                len(self.runs),
                shown=len(self.shown),
            )
        else:
            line = _n(
                "{count} run. Enter shows its actions and errors.",
                "{count} runs, newest first. Enter shows a run's actions and errors.",
                len(self.runs),
            )
        self.query_one("#logs-status", Static).update(Text(line, no_wrap=True, overflow="ellipsis"))

    def action_errors_only(self) -> None:
        self.errors_only = not self.errors_only
        self._show()

    @on(DataTable.RowSelected, "#runs-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.shown):
            self.app.push_screen(RunDetailScreen(self.shown[event.cursor_row].id, errors_only=self.errors_only))

    def action_sync(self) -> None:
        open_sync(self.app)

    def palette_commands(self) -> Iterator[PaletteCommand]:
        yield from super().palette_commands()
        yield from sync_commands(self.app)


class RunDetailScreen(ActionsScreen):
    """One run: its counts, notes and errors, and its actions (`e`: failed ones only; `b`: the rows it skipped as the
    runs before it did, which the journal counts instead of listing again)."""

    TITLE_TEXT = N_("Sync run")
    BINDINGS = [
        Binding("e", "errors_only", N_("Errors only"), id="run.errors_only"),
        Binding("X", "export", N_("Export to CSV"), id="run.export"),
        Binding("b", "as_before", N_("Skipped as before"), id="run.as_before"),
        Binding("escape", "back", N_("Back"), id="run.back"),
    ]

    def __init__(self, run_id: int, *, errors_only: bool = False) -> None:
        super().__init__()
        self.run_id = run_id
        self.errors_only = errors_only
        self.run: Run | None = None
        self.actions: list[dict] = []
        self.as_before: list[dict] = []
        self.showing_as_before = False

    def compose(self) -> ComposeResult:
        title = Label(_("Run {run_id}", run_id=self.run_id), id="run-title", classes="screen-title", markup=False)
        yield from self.compose_actions(title, Static(id="actions-summary"))

    def on_mount(self) -> None:
        self.post_message(RunDetailRequested(self.run_id, self))

    @on(RunDetailLoaded)
    async def _loaded(self, message: RunDetailLoaded) -> None:
        self.run, self.actions, self.as_before = message.run, message.actions, list(message.as_before)
        run = self.run
        self.query_one("#run-title", Label).update(
            _(
                "Run {run_id}: {kind}, {status}, {when} ({took})",
                run_id=self.run_id,
                kind=kind_text(run),
                status=status_label(shown_status(run)),
                when=local_time(run.started_at),
                took=duration_text(run) or "—",
            )
        )
        text = Text(counts_line(dict(run.counts)))
        if run.skipped_as_before:
            text.append(
                "\n"
                + _n(
                    "{count} skipped as before (as in run {run_id}): b lists it",
                    "{count} skipped as before (as in run {run_id}): b lists them",
                    run.skipped_as_before,
                    run_id=run.skip_base,
                ),
                style="dim",
            )
        for note in run.notes:
            text.append("\n• " + say_stored(note), style="yellow")
        for error in run.errors:
            where = " ".join(str(error[k]) for k in ("item_id", "variation_id") if error.get(k))
            text.append("\n✗ " + (f"{where}: " if where else "") + say(error_reason(error)), style="bold red")
        self.query_one("#actions-summary", Static).update(text)
        self.refresh_bindings()
        await self._fill()

    async def _fill(self) -> None:
        if self.showing_as_before:
            await self.show_actions(
                self.as_before, len(self.as_before), "  " + _("(skipped as before: b shows the run's own)")
            )
            return
        rows = [a for a in self.actions if a.get("status") == "failed"] if self.errors_only else self.actions
        await self.show_actions(rows, len(rows), "  " + _("(failed only: e shows all)") if self.errors_only else "")

    async def action_errors_only(self) -> None:
        self.errors_only = not self.errors_only
        self.showing_as_before = False
        if self.run is not None:
            await self._fill()

    def action_export(self) -> None:
        from services.csv_export import ACTION_FIELDS, action_row

        rows = (
            self.as_before
            if self.showing_as_before
            else ([a for a in self.actions if a.get("status") == "failed"] if self.errors_only else self.actions)
        )
        self.app.export_table(f"run-{self.run_id}", ACTION_FIELDS, lambda: [action_row(a, say) for a in rows])

    async def action_as_before(self) -> None:
        self.showing_as_before = not self.showing_as_before
        if self.run is not None:
            await self._fill()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "as_before":
            return bool(self.as_before)  # hidden unless the run counted rows as before
        return super().check_action(action, parameters)

    def action_back(self) -> None:
        self.dismiss()

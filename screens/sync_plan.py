"""Choosing a sync (`SyncKindModal`) and reviewing its plan before anything is written (`SyncPlanScreen`):
the counts, the notes and the list of actions; `a` applies (after a y/n), Esc drops the plan.

`ActionsTable` is the list of actions shared with the sync logs: it loads at most `MAX_ROWS` rows,
in chunks with an await between so a plan of 50,000 actions never freezes the screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, Static

from screens import BaseModal, BaseScreen, KeysFooter, PaletteCommand
from screens.confirm import ConfirmModal
from screens.sync_messages import SyncApplyRequested, SyncDeclineRequested, SyncRequested
from screens.tables import ID, TEXT, FixedColumnsTable, plain
from services.i18n import N_, _, _n
from services.sync.plan import SyncKind
from words.counts import outcome_counts
from words.reasons import say, say_stored

if TYPE_CHECKING:
    from services.sync.engine import Prepared
    from tui.app import MelisyncApp

MAX_ROWS = 2_000
CHUNK = 500

KINDS = (
    ("p", "products", N_("Products: listings whose code the ERP lacks become ERP products")),
    ("s", "stock", N_("Stock: record new sales, then send ERP stock to Mercado Livre")),
    ("c", "customers", N_("Customers: record new sales and their buyers")),
    ("a", "all", N_("All: products, then sales and customers, then stock")),
)

ACTION_KINDS = {
    "import_product": N_("import product"),
    "import_composition": N_("import variation"),
    "sale": N_("sale"),
    "sale_counted": N_("counted sale"),
    "sale_cancel": N_("sale cancelled"),
    "customer": N_("customer"),
    "stock": N_("stock"),
    "reference_code": N_("reference code"),
}
ACTION_STATUSES = {"planned": N_("to do"), "skipped": N_("skipped"), "done": N_("done"), "failed": N_("FAILED")}
ACTION_STYLES = {"planned": "bold", "skipped": "dim", "done": "green", "failed": "bold red"}

# (key, title, share of the room, role: see screens/tables.py)
ACTION_COLUMNS = (
    ("status", N_("Status"), 7, ID),
    ("kind", N_("Action"), 16, TEXT),
    ("item_id", N_("Listing"), 13, ID),
    ("variation_id", N_("Variation"), 12, ID),
    ("change", N_("Change"), 12, TEXT),
    ("erp_code", N_("ERP code"), 14, ID),
    ("reason", N_("Why"), 60, TEXT),
)


def action_cells(row: dict) -> list:
    status = row.get("status", "")
    change = (
        ""
        if row.get("from") is None and row.get("to") is None
        else f"{_blank(row.get('from'))} → {_blank(row.get('to'))}"
    )
    return [
        Text(_(ACTION_STATUSES.get(status, status)), style=ACTION_STYLES.get(status, "")),
        plain(_(ACTION_KINDS.get(row.get("kind", ""), row.get("kind", "")))),
        plain(row.get("item_id")),
        plain(row.get("variation_id")),
        plain(change),
        plain(row.get("erp_code")),
        plain(say_stored(row.get("reason"))),
    ]


def _blank(value: object) -> str:
    return "—" if value is None else str(value)


def _writes_and_changes(ml: int, erp: int) -> dict[str, str]:
    """A plan's writes to Mercado Livre and changes in the ERP, each count with its own plural form."""
    return {
        "ml": _n("{count} write to Mercado Livre", "{count} writes to Mercado Livre", ml),
        "erp": _n("{count} change in the ERP", "{count} changes in the ERP", erp),
    }


def counts_line(counts: dict) -> str:
    return outcome_counts(counts, ("planned", "done", "failed", "skipped", "unchanged"))


class ActionsTable(FixedColumnsTable):
    """Actions (as journaled dicts), capped at `MAX_ROWS`, added in chunks."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.shown = 0
        self.rows_shown: list[dict] = []
        self._generation = 0

    def on_mount(self) -> None:
        self.add_fixed_columns(ACTION_COLUMNS)

    async def show(self, rows: list[dict]) -> None:
        """Replace the rows; a later call supersedes one still loading."""
        self._generation += 1
        generation = self._generation
        self.clear()
        self.shown = 0
        self.rows_shown = rows[:MAX_ROWS]
        # Columns sized to every row on show (measuring is cheap; adding rows is what is chunked).
        self._cells = [action_cells(row) for row in self.rows_shown]
        self._widths = self.widths_for(self._cells)
        self._laid_out_for = self.room
        self._set_widths(self._widths)
        for start in range(0, len(self._cells), CHUNK):
            if generation != self._generation:
                return
            chunk = self._cells[start : start + CHUNK]
            self.add_rows(self.cut_row(cells) for cells in chunk)
            self.shown += len(chunk)
            await asyncio.sleep(0)  # let keys and paints through between chunks

    def detail(self) -> Text:
        """The highlighted action in full (the table cuts the reason at 80 columns)."""
        if not (0 <= self.cursor_row < len(self.rows_shown)):
            return Text()
        row = self.rows_shown[self.cursor_row]
        text = Text()
        where = " ".join(str(row[k]) for k in ("item_id", "variation_id") if row.get(k))
        text.append(where or "—", style="bold")
        kind = row.get("kind", "")
        text.append(f" · {_(ACTION_KINDS.get(kind, kind))}")
        if row.get("erp_code"):
            text.append(f" · {row['erp_code']}")
        if row.get("from") is not None or row.get("to") is not None:
            text.append(f" · {_blank(row.get('from'))} → {_blank(row.get('to'))}")
        if row.get("reason"):
            text.append(f" · {say_stored(row['reason'])}", style=ACTION_STYLES.get(row.get("status", ""), ""))
        return text


class ActionDetail(Static):
    """The line under an `ActionsTable` that shows its highlighted action in full."""

    DEFAULT_CSS = "ActionDetail { height: 2; padding: 0 1; }"

    def follow(self, table: ActionsTable) -> None:
        self.update(table.detail())


def sync_commands(app: MelisyncApp) -> Iterator[PaletteCommand]:
    """Palette commands that plan a sync of each kind straight away (the plan still comes first)."""

    def plan(kind: str) -> Callable[[], object]:
        return lambda: app.post_message(SyncRequested(kind))

    for _key, kind, description in KINDS:
        yield (_("Sync: {kind}", kind=_(kind)), _(description), plan(kind))


def open_sync(app: MelisyncApp) -> None:
    """`S` on any screen: choose a sync, or show the one under way."""
    state = app.sync_state
    if state.phase in ("planning", "applying"):
        from screens.sync_progress import SyncProgressScreen

        app.push_screen(SyncProgressScreen())
    elif state.phase == "planned":
        app.notify(_("A plan is waiting for you: apply it or drop it first."), severity="warning")
    else:

        def chosen(kind: SyncKind | None) -> None:
            if kind is not None:
                app.post_message(SyncRequested(kind))  # the plan comes first

        app.push_screen(SyncKindModal(), chosen)


class SyncKindModal(BaseModal[SyncKind]):
    """Which sync: p, s, c or a; dismissed with the kind, or None (Esc)."""

    BINDINGS = [
        *(Binding(key, f"choose('{kind}')", N_(kind), id=f"sync.kind.{kind}") for key, kind, _text in KINDS),
        Binding("escape", "cancel", N_("Cancel"), id="sync.kind.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(_("Sync what?"), classes="dialog-title")
            grid = Table.grid(padding=(0, 1))
            grid.add_column(no_wrap=True)
            grid.add_column(ratio=1)  # a long description wraps under itself, not under the key
            for key, _kind, description in KINDS:
                grid.add_row(Text(f" {key} ", style="bold reverse"), Text(_(description)))
            yield Static(grid, classes="dialog-body")
            yield Static(_("You see the plan before anything is written. Esc cancels."), classes="dim")

    def action_choose(self, kind: str) -> None:
        self.dismiss(SyncKind(kind))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ActionsScreen(BaseScreen):
    """What the plan and a run's detail share: a title, a summary, "N of M actions shown", the actions table
    and the highlighted action's details."""

    DEFAULT_CSS = """
    ActionsScreen .screen-title { height: 1; width: 100%; background: $panel; text-style: bold; padding: 0 1; }
    #actions-summary { height: auto; max-height: 8; padding: 0 1; }
    #actions-shown { height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    #actions-table { height: 1fr; }
    """

    def compose_actions(self, title: Label, summary: Static) -> ComposeResult:
        yield title
        yield summary
        yield Static(id="actions-shown", classes="dim")
        yield ActionsTable(id="actions-table")
        yield ActionDetail()
        yield KeysFooter()

    async def show_actions(self, rows: list[dict], total: int, after: str = "") -> None:
        """Show `rows` (of `total` chosen) in the table; `after` ends the "shown" line."""
        table = self.query_one(ActionsTable)
        await table.show(rows)
        self.query_one(ActionDetail).follow(table)
        line = _n(
            "{shown} of {count:,} action shown", "{shown} of {count:,} actions shown", total, shown=f"{table.shown:,}"
        )
        self.query_one("#actions-shown", Static).update(line + after)

    @on(ActionsTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.query_one(ActionDetail).follow(self.query_one(ActionsTable))


class SyncPlanScreen(ActionsScreen):
    """The plan of one sync, before anything is written."""

    TITLE_TEXT = N_("Sync plan")
    BINDINGS = [
        Binding("a", "apply", N_("Apply"), id="plan.apply"),
        Binding("escape", "drop", N_("Drop plan"), id="plan.drop"),
        Binding("t", "toggle_todo", N_("Only to do"), id="plan.only_todo"),
        Binding("X", "export", N_("Export to CSV"), id="plan.export"),
    ]

    def __init__(self, prepared: Prepared) -> None:
        super().__init__()
        self.prepared = prepared
        self.only_todo = False
        self.total = 0

    @property
    def rows(self) -> list[dict]:
        """What the table lists: the actions to do first, then the rest (as dicts, only as many as shown)."""
        actions = self.prepared.plan.actions
        todo = [a for a in actions if a.status.value == "planned"]
        chosen = todo if self.only_todo else todo + [a for a in actions if a.status.value != "planned"]
        self.total = len(chosen)
        return [a.to_dict() for a in chosen[:MAX_ROWS]]

    def compose(self) -> ComposeResult:
        plan = self.prepared.plan
        title = Label(
            _(
                "Sync plan: {kind} (run {run_id}) — nothing written yet",
                kind=_(plan.kind.value),
                run_id=self.prepared.run_id,
            ),
            classes="screen-title",
            markup=False,
        )
        yield from self.compose_actions(title, Static(self._summary(), id="actions-summary"))

    def _summary(self) -> Text:
        plan = self.prepared.plan
        todo = plan.to_apply
        ml = len(plan.ml_writes)
        text = Text()
        text.append(
            _("{todo} to do: {ml}, {erp}", todo=len(todo), **_writes_and_changes(ml, len(todo) - ml)),
            style="bold",
        )
        # Nothing is done or failed before the plan is applied, and "to do" is the line above.
        text.append("\n" + outcome_counts(plan.counts(), ("skipped", "unchanged")))
        for note in plan.notes:
            text.append("\n• " + say(note), style="yellow")
        return text

    async def on_mount(self) -> None:
        await self._fill()

    async def _fill(self) -> None:
        rows = self.rows
        await self.show_actions(rows, self.total)

    async def action_toggle_todo(self) -> None:
        self.only_todo = not self.only_todo
        await self._fill()

    def action_export(self) -> None:
        from services.csv_export import ACTION_FIELDS, action_row

        actions = self.prepared.plan.actions
        chosen = [a for a in actions if a.status.value == "planned"] if self.only_todo else actions
        self.app.export_table(
            f"plan-{self.prepared.run_id}", ACTION_FIELDS, lambda: [action_row(a.to_dict(), say) for a in chosen]
        )

    def action_apply(self) -> None:
        plan = self.prepared.plan
        todo = len(plan.to_apply)
        body = _(
            "Apply run {run_id}: {ml} and {erp}. Every write is journaled; you can cancel while it runs.",
            run_id=self.prepared.run_id,
            **_writes_and_changes(len(plan.ml_writes), todo - len(plan.ml_writes)),
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss()
                self.app.post_message(SyncApplyRequested())

        self.app.push_screen(ConfirmModal(_("Apply this plan?"), body, yes=_("Apply")), answered)

    def action_drop(self) -> None:
        self.dismiss()
        self.app.post_message(SyncDeclineRequested())

"""Connection screen: who is connected, token expiry, where secrets live, capabilities,
the last run of each sync kind; `c` connects, `u` unlinks (typed confirmation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from screens import BaseScreen, KeysFooter, ModeBar
from screens.confirm import Confirmation, TypedConfirmModal
from screens.messages import ConnectRequested, StatusRefreshRequested, UnlinkRequested
from services.connection import store_label
from services.i18n import N_, _, _n, local_time
from services.reasons import Reason
from words.counts import outcome_counts
from words.reasons import say
from words.states import RUN_STATUSES

SYNC_KINDS = (N_("products"), N_("stock"), N_("customers"), N_("all"))  # watch runs: the Watch panel


def status_label(status: str) -> str:
    """A run status in the seller's words ("dry run", never the journal's `dry_run`)."""
    return _(RUN_STATUSES.get(status, status))


CAPABILITY_NAMES = {
    "user_product_seller": N_("User products (one listing per variant)"),
    "warehouse_management": N_("Warehouse management (stock per warehouse)"),
    "multiwarehouse": N_("Several warehouses"),
    "test_user": N_("Test user"),
}


@dataclass(frozen=True)
class RunSummary:
    """The last run of one sync kind, as the journal records it."""

    kind: str
    started_at: datetime
    status: str  # finished, failed, cancelled, interrupted, dry_run, waiting...
    done: int = 0
    skipped: int = 0
    failed: int = 0
    reason: Reason | None = None  # why it failed or stopped (words chosen here: words/reasons.py)


@dataclass(frozen=True)
class WatchSummary:
    """What `melisync watch` did last (its heartbeat; `services.watch_state.watch_report`)."""

    state: str  # running, stopped, reauthorization_needed
    pid: int | None = None
    every: float | None = None
    last_tick: datetime | None = None
    last_sale: tuple[datetime, str, str] | None = None  # when, order id, ERP code
    last_write: tuple[datetime, int, int] | None = None  # when, run id, listings written
    next_reconcile: datetime | None = None
    errors_last_hour: int = 0
    last_error: str | None = None

    @property
    def running(self) -> bool:
        return self.state == "running"


@dataclass(frozen=True)
class ConnectionView:
    """Everything the connection screen shows; built by the App's status worker, never by the screen."""

    now: datetime
    connected: bool = False
    needs_reauthorization: bool = False
    nickname: str | None = None
    user_id: int | None = None
    site_id: str | None = None
    token_expires_at: datetime | None = None
    secret_store: str | None = None  # where the tokens are
    client_secret_store: str | None = None  # where the client secret is
    capabilities: tuple[str, ...] = ()
    last_runs: tuple[RunSummary, ...] = ()
    api_url: str = ""
    client_configured: bool = True
    demo: bool = False
    notes: tuple[str, ...] = field(default=())  # things the worker could not read, already translated
    watch: WatchSummary | None = None  # None: `melisync watch` never ran on this home


def format_when(when: datetime) -> str:
    """A timestamp in the machine's time zone, in the operator's language."""
    return local_time(when)


def format_moment(when: datetime) -> str:
    """A timestamp to the second (a watcher ticks every minute)."""
    return _("{when:%Y-%m-%d %H:%M:%S}", when=when.astimezone())


def format_remaining(until: datetime, now: datetime) -> str:
    seconds = int((until - now).total_seconds())
    if seconds <= 0:
        return _("expired")
    hours, minutes = divmod(seconds // 60, 60)
    if hours >= 48:
        return _("in {days} days", days=hours // 24)
    if hours:
        return _("in {hours} h {minutes} min", hours=hours, minutes=minutes)
    return _("in {minutes} min", minutes=minutes)


def capabilities_text(tags: tuple[str, ...]) -> Text:
    """The two account models that change how stock is written, always said yes or no, then other tags."""
    text = Text()
    for tag in ("user_product_seller", "warehouse_management"):
        answer = _("yes") if tag in tags else _("no")
        text.append(f"{_(CAPABILITY_NAMES[tag])}: ")
        text.append(answer, style="bold" if tag in tags else "")
        text.append("\n")
    others = [
        _(CAPABILITY_NAMES.get(tag, tag)) for tag in tags if tag not in ("user_product_seller", "warehouse_management")
    ]
    if others:
        text.append(", ".join(others) + "\n")
    text.rstrip()
    return text


def _grid() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    return table


def account_table(view: ConnectionView) -> Table:
    table = _grid()
    if view.connected and view.needs_reauthorization:
        state = Text(_("Authorization expired: press c to connect again"), style="bold yellow")
    elif view.connected:
        state = Text(_("Connected"), style="bold green")
    else:
        state = Text(_("Not connected: press c to connect"), style="bold yellow")
    table.add_row(_("Status"), state)
    if view.connected:
        table.add_row(
            _("Account"), Text(_("{nickname} (id {user_id})", nickname=view.nickname or "?", user_id=view.user_id))
        )
        table.add_row(_("Site"), Text(view.site_id or "?"))
        if view.token_expires_at is not None:
            remaining = format_remaining(view.token_expires_at, view.now)
            table.add_row(_("Token expires"), Text(f"{format_when(view.token_expires_at)} ({remaining})"))
        table.add_row(_("Capabilities"), capabilities_text(view.capabilities))
    table.add_row(_("Secrets stored in"), secrets_text(view))
    server = view.api_url + (" " + _("(demo sandbox)") if view.demo else "")
    table.add_row(_("Mercado Livre"), Text(server))
    if view.demo and not view.connected:
        table.add_row(_("Demo"), Text(_("press c, then ctrl+o to approve on the sandbox, then Enter"), style="bold"))
    if not view.client_configured:
        table.add_row(
            _("Set-up"),
            Text(
                _(
                    "No client id yet: set the application's client id, redirect address "
                    "and client secret (see the README's server set-up)."
                ),
                style="yellow",
            ),
        )
    for note in view.notes:
        table.add_row("", Text(note, style="yellow"))
    return table


def secrets_text(view: ConnectionView) -> Text:
    """Where each secret lives: the client secret and the tokens may be in different places."""
    where: dict[str, list[str]] = {}
    if view.client_secret_store:
        where.setdefault(view.client_secret_store, []).append(_("client secret"))
    if view.secret_store:
        where.setdefault(view.secret_store, []).append(_("tokens"))
    if not where:
        return Text(_("nothing stored yet"))
    return Text(
        "\n".join(
            _("{what}: {store}", what=_(" and ").join(what), store=store_label(store)) for store, what in where.items()
        )
    )


def runs_table(view: ConnectionView) -> Table:
    table = _grid()
    by_kind = {run.kind: run for run in view.last_runs}
    for kind in SYNC_KINDS:
        run = by_kind.get(kind)
        if run is None:
            table.add_row(_(kind), Text(_("never"), style="dim"))
            continue
        if run.status in ("waiting", "running"):
            line = f"{format_when(run.started_at)}  {status_label(run.status)}"
        else:
            line = _(
                "{when}  {status}: {counts}",
                when=format_when(run.started_at),
                status=status_label(run.status),
                counts=outcome_counts(
                    {"done": run.done, "skipped": run.skipped, "failed": run.failed}, ("done", "skipped", "failed")
                ),
            )
        bad = run.failed or run.status in ("failed", "interrupted")
        if run.reason and run.status in ("failed", "interrupted", "cancelled"):
            line += "\n" + say(run.reason)
        table.add_row(_(kind), Text(line, style="red" if bad else ""))
    return table


def watch_table(view: ConnectionView) -> Table:
    """`melisync watch` at a glance: running or not, its last tick, sale booked and write, the next full sync."""
    table = _grid()
    watch = view.watch
    if watch is None:
        table.add_row(
            _("Status"),
            Text(_("Not running: stock moves only when you sync (S)"), style="dim"),
        )
        return table
    if watch.running:
        state = Text(
            _("Running (process {pid}, every {every} s)", pid=watch.pid, every=f"{watch.every or 0:g}"),
            style="bold green",
        )
    elif watch.state == "reauthorization_needed":
        state = Text(
            _("Stopped: Mercado Livre needs a new authorization (press c), then start it again"), style="bold yellow"
        )
    else:
        state = Text(_("Stopped"), style="bold yellow")
    table.add_row(_("Status"), state)
    never = Text(_("never"), style="dim")
    table.add_row(_("Last tick"), Text(format_moment(watch.last_tick)) if watch.last_tick else never)
    if watch.last_sale:
        when, order, code = watch.last_sale
        sale = Text(_("{when} (order {order}, {code})", when=format_moment(when), order=order, code=code))
    else:
        sale = never
    table.add_row(_("Last sale booked"), sale)
    if watch.last_write:
        when, run, writes = watch.last_write
        write = Text(
            _n(
                "{when} (run {run}, {writes} listing)",
                "{when} (run {run}, {writes} listings)",
                writes,
                when=format_moment(when),
                run=run,
                writes=writes,
            )
        )
    else:
        write = never
    table.add_row(_("Last write"), write)
    if watch.running and watch.next_reconcile:
        table.add_row(_("Next full sync"), Text(format_moment(watch.next_reconcile)))
    if watch.errors_last_hour:
        table.add_row(
            _("Errors (last hour)"),
            Text(
                _("{count} (last: {error})", count=watch.errors_last_hour, error=watch.last_error or "?"), style="red"
            ),
        )
    return table


WATCH_REFRESH_SECONDS = 5.0  # while a watcher runs, the screen reads its heartbeat again this often


class ConnectionScreen(BaseScreen):
    """The account at a glance, and the two things done here: connect and unlink."""

    TITLE_TEXT = N_("Connection")
    BINDINGS = [
        Binding("c", "connect", N_("Connect"), id="connection.connect"),
        Binding("u", "unlink", N_("Unlink"), id="connection.unlink"),
        Binding("S", "sync", N_("Sync…"), id="connection.sync"),
        Binding("s", "app.settings", N_("Settings"), id="connection.settings"),
        Binding("r", "refresh", N_("Refresh"), id="connection.refresh", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield ModeBar("connection")
        with VerticalScroll(id="connection-body"):
            yield Static(id="account", classes="panel")
            yield Static(id="runs", classes="panel")
            yield Static(id="watch", classes="panel")
            with Horizontal(id="connection-actions"):
                yield Button(_("Connect (c)"), id="connect", variant="primary")
                yield Button(_("Unlink (u)"), id="unlink", variant="error")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#account").border_title = _("Account")
        self.query_one("#runs").border_title = _("Last runs")
        self.query_one("#watch").border_title = _("Stock watch")
        # The App owns the status; the screen only follows it.
        self.watch(self.app, "status", self._show, init=True)
        self.set_interval(WATCH_REFRESH_SECONDS, self._follow_watch)

    def _follow_watch(self) -> None:
        view = self.app.status
        if view is None or view.watch is None or not view.watch.running:
            return
        # A read still under way is not replaced (the status worker is exclusive): a big journal read slower
        # than the refresh would otherwise never finish.
        if any(worker.group == "status" and not worker.is_finished for worker in self.app.workers):
            return
        self.post_message(StatusRefreshRequested())

    def _show(self, view: ConnectionView | None) -> None:
        if view is None:
            self.query_one("#account", Static).update(_("Reading the connection…"))
            self.query_one("#runs", Static).update("")
            self.query_one("#watch", Static).update("")
            return
        self.query_one("#account", Static).update(account_table(view))
        self.query_one("#runs", Static).update(runs_table(view))
        self.query_one("#watch", Static).update(watch_table(view))
        self.query_one("#unlink", Button).disabled = not view.connected
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "unlink":
            view = self.app.status
            return bool(view and view.connected)
        return True

    @on(Button.Pressed, "#connect")
    def action_connect(self) -> None:
        self.post_message(ConnectRequested())

    def action_refresh(self) -> None:
        self.post_message(StatusRefreshRequested())

    def action_sync(self) -> None:
        from screens.sync_plan import open_sync

        open_sync(self.app)

    @on(Button.Pressed, "#unlink")
    def action_unlink(self) -> None:
        view = self.app.status
        if not (view and view.connected):
            return
        self.app.push_screen(UnlinkModal(view.nickname or ""), self._unlink_confirmed)

    def _unlink_confirmed(self, confirmation: Confirmation | None) -> None:
        if confirmation is not None:
            self.post_message(UnlinkRequested(purge=confirmation.option))


class UnlinkModal(TypedConfirmModal):
    """The red button: says what goes and what stays, and wants the nickname typed."""

    def __init__(self, nickname: str) -> None:
        super().__init__(
            _("Unlink the Mercado Livre account"),
            "",
            nickname or _("UNLINK"),
            confirm=_("Unlink"),
            option=_("Also delete the local data (purge)"),
        )
        self.add_class("unlink")

    def describe(self, option: bool) -> str:
        removed = [
            _("the authorization on Mercado Livre (the grant is revoked)"),
            _("the access and refresh tokens stored here"),
        ]
        kept = [_("your listings on Mercado Livre: nothing there is changed or deleted")]
        local = [_("the ERP catalogue and its stock movements"), _("the links"), _("the sync journal")]
        (removed if option else kept).extend(local)
        lines = [_("This will remove:")] + [f"  • {item}" for item in removed]
        lines += [_("This will keep:")] + [f"  • {item}" for item in kept]
        return "\n".join(lines)

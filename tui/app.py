"""The melisync Textual App: modes (one per screen), keys, palette, help, state, and the workers.

Screens post intents; the App starts named workers (`tui.workers`) that call the services and post
results back. Workers belong to the App, so switching screens never stops a sync. A new screen is
one line in `SCREENS` (its key is its position: 1, 2, ... and F1, F2, ...).
"""

from __future__ import annotations

import asyncio
import queue
import signal
import sys
import termios
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from rich.markup import escape
from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.reactive import var
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from screens import BaseScreen, PaletteCommand, binding_commands
from screens.connection import ConnectionScreen, ConnectionView
from screens.help import HelpScreen
from screens.links import LinksScreen
from screens.mapping import MappingScreen
from screens.sync_logs import SyncLogsScreen
from services.config import Config
from services.errors import MelisyncError
from services.i18n import N_, _, set_language
from tui.sync_workers import SyncWorkers
from tui.workers import ConnectionWorkers, Gateway, ServiceGateway
from words.reasons import in_the_app, say

if TYPE_CHECKING:
    from screens.settings import SettingsModal, SettingsSaveRequested

# mode name -> screen class, in key order. The other screens plug in here.
SCREENS: dict[str, type[BaseScreen]] = {
    "connection": ConnectionScreen,
    "links": LinksScreen,
    "mapping": MappingScreen,
    "sync_logs": SyncLogsScreen,
}

KEYMAP_FILE = "keymap.toml"

_SCREENS_GROUP = Binding.Group(N_("Screens"), compact=True)


def _mode_bindings() -> list[Binding]:
    bindings = []
    for index, (mode, screen_class) in enumerate(SCREENS.items(), start=1):
        # Not in the footer: the mode bar at the top shows each screen with its key, and the footer
        # keeps its room for the screen's own keys (at 80 columns it cut them).
        bindings.append(
            Binding(
                f"{index},f{index}",
                f"app.switch_mode('{mode}')",
                screen_class.TITLE_TEXT,
                id=f"mode.{mode}",
                group=_SCREENS_GROUP,
                show=False,
            )
        )
    return bindings


class ScreenCommands(Provider):
    """The palette's commands follow the screen: its own actions, then going to the other screens."""

    def _commands(self) -> list[PaletteCommand]:
        app = cast(MelisyncApp, self.app)  # the palette opens only in the melisync App
        commands = list(getattr(self.screen, "palette_commands", lambda: binding_commands(self.screen))())
        # The global actions, wherever the palette is opened (typing "sync" finds every kind).
        titles = {title for title, _help, _callback in commands}
        commands += [command for command in global_commands(app) if command[0] not in titles]
        for mode, screen_class in SCREENS.items():
            if mode != app.current_mode:
                title = _("Go to: {screen}", screen=_(screen_class.TITLE_TEXT))
                commands.append((title, "", lambda mode=mode: app.switch_mode(mode)))
        commands.append((_("Help: list every key"), "", app.action_help))
        commands.append((_("Quit"), "", app.action_quit))
        return commands

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text or None)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text or None)


def global_commands(app: MelisyncApp) -> list[PaletteCommand]:
    """Actions offered by the palette on every screen: the sync kinds, connect, unlink, settings."""
    from screens.sync_plan import sync_commands

    def on_connection(action: str) -> Callable[[], object]:
        def run() -> None:
            app.switch_mode("connection")
            app.call_after_refresh(app.screen.run_action, action)

        return run

    commands = list(sync_commands(app))
    commands.append((_("Connect the Mercado Livre account"), "", on_connection("connect")))
    commands.append((_("Unlink the Mercado Livre account"), "", on_connection("unlink")))
    commands.append((_("Settings: safety stock, warehouse, rate"), "", app.action_settings))
    return commands


class MelisyncApp(ConnectionWorkers, SyncWorkers, App[int]):
    """melisync's terminal UI. `gateway` is how workers reach the services (tests pass a fake)."""

    CSS_PATH = "app.tcss"
    TITLE = "melisync"
    MODES: ClassVar[dict[str, str | Callable[[], Screen]]] = dict(SCREENS)
    DEFAULT_MODE = "connection"
    COMMANDS: ClassVar[set] = {ScreenCommands}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        *_mode_bindings(),
        # Shown at the top right by the mode bar (the footer keeps its room for the screen's keys).
        Binding("question_mark", "help", N_("Help"), id="app.help", show=False),
        Binding("q", "quit", N_("Quit"), id="app.quit", show=False),
    ]

    #: What the connection screen shows; set only by the App (from worker results).
    status: var[ConnectionView | None] = var(None, init=False)

    def __init__(
        self,
        config: Config,
        *,
        gateway: Gateway | None = None,
        lang: str | None = None,
        demo: bool = False,
        watch_terminal: bool = True,
    ) -> None:
        if lang is not None:
            set_language(lang)
        super().__init__()
        self.config = config
        self.gateway = gateway or ServiceGateway(config)
        self.demo = demo
        self._watch_terminal = watch_terminal

    # -- start-up and shut-down ---------------------------------------------------------------------

    def on_mount(self) -> None:
        in_the_app(True)  # reasons name the app's keys, not commands (words/reasons.py)
        self._load_keymap()
        if self._watch_terminal and not self.is_headless:
            self._install_hangup_handling()
        self.refresh_status()
        # Once the first screen is painted: the links index, built ahead of the linked products screen.
        self.call_after_refresh(self.warm_links_index)

    def on_unmount(self) -> None:
        in_the_app(False)

    def _load_keymap(self) -> None:
        """`keymap.toml` in the home: `"binding.id" = "keys"` lines (ids are listed in the help)."""
        path = self.keymap_path
        if not path.exists():
            return
        try:
            data = tomllib.loads(path.read_text("utf-8"))
            keymap = {str(k): str(v) for k, v in (data.get("keymap", data)).items() if isinstance(v, str)}
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            self.notify(_("Ignoring {path}: {error}", path=path, error=exc), severity="warning", markup=False)
            return
        self.set_keymap(keymap)

    @property
    def keymap_path(self) -> Path:
        return Path(self.config.home) / KEYMAP_FILE

    def _install_hangup_handling(self) -> None:
        # SSH dropped or the terminal closed: leave through the normal exit path so workers stop
        # and every store write (atomic by design) finishes or never starts, instead of dying mid-way.
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGHUP, self.terminal_gone)
            loop.add_signal_handler(signal.SIGTERM, self.exit, None, 143)  # the terminal is still there
        except (NotImplementedError, RuntimeError, ValueError):  # pragma: no cover - not the main thread
            pass
        self.set_interval(2.0, self._check_terminal)

    def _check_terminal(self) -> None:
        # No SIGHUP arrives when the pty is simply gone (e.g. the parent died): ask the tty itself.
        try:
            termios.tcgetattr(sys.__stdin__.fileno())  # type: ignore[union-attr]  # no stdin: AttributeError below
        except (termios.error, OSError, ValueError, AttributeError):
            self.terminal_gone()

    def terminal_gone(self) -> None:
        """Exit cleanly (status 129, like a hang-up) without waiting for the operator."""
        self._drop_terminal_output()
        self.exit(return_code=129)

    def _drop_terminal_output(self) -> None:
        # Textual's output thread dies on its first write to a terminal that hung up, and its bounded
        # queue then blocks the next writes, and the shutdown's final `put`, forever (seen as a demo that
        # never exits after the SSH session drops). Nobody can read the output any more: drop it, and
        # empty the queue so the shutdown's stop message fits.
        writer = getattr(self._driver, "_writer_thread", None)
        pending = getattr(writer, "_queue", None)
        if writer is None or pending is None:
            return
        writer.write = lambda text: None
        while True:
            try:
                pending.get_nowait()
            except queue.Empty:
                break

    # -- keys ---------------------------------------------------------------------------------------

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen, keymap_path=str(self.keymap_path)))

    # -- settings -----------------------------------------------------------------------------------

    def action_settings(self) -> None:
        from screens.settings import SettingsModal

        if not isinstance(self.screen, SettingsModal):
            self.push_screen(SettingsModal(self.config), self._settings_closed)

    def on_settings_save_requested(self, message: SettingsSaveRequested) -> None:
        self._save_settings(message.changes, message.reply_to)

    @work(thread=True, group="settings", exclusive=True, exit_on_error=False, description=N_("Saving the settings"))
    def _save_settings(self, changes: dict[str, str], reply_to: SettingsModal) -> None:
        from services.config import load_config, set_settings

        try:
            set_settings(changes, self.config.home)  # validated like `config set`; all or nothing
        except MelisyncError as exc:
            self.call_from_thread(reply_to.refused, _(str(exc)))
            return
        config = load_config(self.config.home)
        self.call_from_thread(self._settings_saved, config, changes, reply_to)

    def _settings_saved(self, config: Config, changes: dict[str, str], reply_to: SettingsModal) -> None:
        # Every later worker reads the new values; the screens showing settings-derived facts reload.
        self.config = config
        self.gateway.config = config
        self._sync_services = None
        reply_to.saved(changes)
        self.refresh_status()
        self.links_signal.publish("")

    def _settings_closed(self, changes: dict[str, str] | None) -> None:
        if changes:  # None: cancelled; {}: nothing changed
            self.notify(
                _("Settings saved: {keys}.", keys=", ".join(f"{k} = {v}" for k, v in changes.items())), markup=False
            )

    # -- errors from any worker ---------------------------------------------------------------------

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """The one place worker errors become something the operator sees."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        what = _(event.worker.description) if event.worker.description else event.worker.name
        if isinstance(error, MelisyncError):
            # A reason (code and values) in the operator's words; else the message, which may have a translation.
            message = say(error.reason) if error.reason else _(str(error))
        else:
            message = _("Unexpected error ({kind}). Nothing was written by this step.", kind=type(error).__name__)
        if event.worker.group == "connect" and hasattr(self.screen, "show_error"):
            self.screen.show_error(message)  # the connect modal stays open with the reason in place
        self.notify(escape(message), title=_("{what} failed", what=what), severity="error", timeout=10)

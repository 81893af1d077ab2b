"""Help (`?`): every key of the screen it was opened from and of the whole app, with the binding
ids a keymap file can remap."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, Static

from screens import BaseModal
from services.i18n import N_, _

# One row of the help: keys as shown, what they do, the id to remap them, enabled right now.
KeyRow = tuple[str, str, str, bool]


def key_rows(screen: Screen) -> tuple[list[KeyRow], list[KeyRow]]:
    """(this screen's keys, the app's keys), keys of one action joined ("1 / f1")."""
    app = screen.app
    grouped: dict[tuple[int, str], list] = {}
    for node, binding, enabled, _tooltip in screen.active_bindings.values():
        if node is not screen and node is not app:
            continue  # a focused widget's own editing keys (Input, Button) are not ours to list
        if not binding.description or binding.system:
            continue
        entry = grouped.setdefault((id(node), binding.action), [node, binding, enabled, []])
        if binding.id and not entry[1].id:
            entry[1] = binding  # show the id a keymap can use
        entry[3].append(app.get_key_display(binding))
    own: list[KeyRow] = []
    everywhere: list[KeyRow] = []
    for node, binding, enabled, keys in grouped.values():
        row = (" / ".join(keys), binding.description, binding.id or "", bool(enabled))
        (everywhere if node is app else own).append(row)
    return own, everywhere


def keys_table(rows: list[KeyRow]) -> Table:
    table = Table(box=None, padding=(0, 1), show_header=True, header_style="bold")
    table.add_column(_("Key"), no_wrap=True, style="bold")
    table.add_column(_("Does"))
    table.add_column(_("Id (for keymap.toml)"), no_wrap=True, style="dim")
    for keys, description, binding_id, enabled in rows:
        does = (
            Text(description) if enabled else Text(_("{action} (not available now)", action=description), style="dim")
        )
        table.add_row(Text(keys), does, Text(binding_id))
    return table


class HelpScreen(BaseModal[None]):
    """Lists the keys; Esc, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "close", N_("Close"), id="help.close")]

    def __init__(self, screen: Screen, keymap_path: str = "") -> None:
        super().__init__()
        self.own, self.everywhere = key_rows(screen)
        self.screen_title = _(getattr(screen, "TITLE_TEXT", "") or screen.__class__.__name__)
        self.keymap_path = keymap_path

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help-dialog"):
            yield Label(_("Keys"), classes="dialog-title")
            with VerticalScroll():
                yield Label(
                    _("On this screen ({title})", title=self.screen_title), classes="section -first", markup=False
                )
                yield Static(keys_table(self.own) if self.own else _("(no keys of its own)"))
                yield Label(_("Everywhere"), classes="section")
                yield Static(keys_table(self.everywhere))
                hint = _(
                    'ctrl+p opens the command palette. To change a key, write the id and the new keys in {path}, e.g. "connection.connect" = "c,ctrl+k".',
                    path=self.keymap_path or "keymap.toml",
                )
                yield Static(hint, markup=False, classes="dim")

    def action_close(self) -> None:
        self.dismiss(None)

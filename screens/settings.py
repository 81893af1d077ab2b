"""Settings (`s` on the connection screen, or the palette): the operator's non-secret settings (safety
stock, warehouse, rate, concurrency), each validated like `melisync config set`; nothing is saved unless
every value is valid. Secrets and the application's ids stay on the command line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from screens import BaseModal, KeysFooter
from services.config import OPERATOR_SETTINGS, SETTINGS
from services.i18n import N_, _

if TYPE_CHECKING:
    from services.config import Config

LABELS = {
    "safety_stock": N_("Safety stock (units kept back from every listing)"),
    "warehouse": N_("Warehouse to write (store id; multi-warehouse sellers)"),
    "requests_per_second": N_("Requests per second to Mercado Livre"),
    "concurrency": N_("Requests in flight at once"),
}


@dataclass
class SettingsSaveRequested(Message):
    """Validate and save these settings ({key: text}); the answer goes to `reply_to.saved()` / `.refused()`."""

    changes: dict[str, str]
    reply_to: SettingsModal


class SettingsModal(BaseModal[dict[str, str]]):
    """Edit the operator's settings; ctrl+s (or Enter in the last field) saves, Esc leaves unchanged.
    The App validates and saves the changed fields (services.config.set_settings) and answers; the modal is
    dismissed with the changes saved ({} when nothing changed), or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), id="settings.save"),
        Binding("escape", "cancel", N_("Cancel"), id="settings.cancel"),
    ]

    def __init__(self, config: Config) -> None:
        super().__init__()
        # As the operator would type them: 500, not 500.0 (a float setting holding a whole number).
        self.current = {key: _as_typed(getattr(config, key)) for key in OPERATOR_SETTINGS}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="settings-dialog"):
            yield Label(_("Settings"), classes="dialog-title")
            for key in OPERATOR_SETTINGS:
                yield Label(_(LABELS.get(key, SETTINGS[key][2])), markup=False)
                yield Input(self.current[key], id=f"setting-{key}", compact=True, select_on_focus=False)
            yield Label("", id="settings-error", classes="problem", markup=False)
            yield Static(_("Enter in the last field or ctrl+s saves; Esc leaves everything as it was."), classes="dim")
        yield KeysFooter()

    def changes(self) -> dict[str, str]:
        changed = {}
        for key in OPERATOR_SETTINGS:
            text = self.query_one(f"#setting-{key}", Input).value.strip()
            if text != self.current[key]:
                changed[key] = text
        return changed

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == f"setting-{OPERATOR_SETTINGS[-1]}":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        changes = self.changes()
        if not changes:
            self.dismiss({})
            return
        self.app.post_message(SettingsSaveRequested(changes, self))

    def refused(self, reason: str) -> None:
        """The App's worker found a value invalid: nothing was saved; the reason stays in place."""
        self.query_one("#settings-error", Label).update(reason)

    def saved(self, changes: dict[str, str]) -> None:
        self.dismiss(changes)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _as_typed(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)

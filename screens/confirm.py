"""Confirmation modals: `ConfirmModal` (y/n; s/n too in Portuguese, where the buttons say Sim/Não) and
`TypedConfirmModal` (type a word to confirm a destructive action, with an optional extra choice such as
"also purge")."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Static

from screens import BaseModal
from services.i18n import N_, _, language

# The key that answers yes in each language, as its buttons read ("Sim" -> s); `y` always works too.
YES_KEYS = {"pt_BR": "s"}


class ConfirmModal(BaseModal[bool]):
    """Ask a yes/no question; dismisses with True (y, or the language's yes key) or False (n, escape).
    The buttons show their keys."""

    BINDINGS = [
        Binding("y", "answer(True)", N_("Yes"), id="confirm.yes"),
        # The language's own yes key ("s" for "sim"), active only in that language (check_action).
        Binding("s", "local_yes", N_("Yes"), show=False),
        Binding("n,escape", "answer(False)", N_("No"), id="confirm.no"),
    ]

    def __init__(self, title: str, body: str, *, yes: str | None = None, danger: bool = False) -> None:
        super().__init__()
        self._title, self._body, self._yes, self._danger = title, body, yes, danger
        self.yes_key = YES_KEYS.get(language(), "y")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog" + (" -danger" if self._danger else "")):
            yield Label(self._title, classes="dialog-title")
            yield Static(self._body, markup=False, classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yes = _("{label} ({key})", label=self._yes or _("Yes"), key=self.yes_key)
                yield Button(Text(yes), id="yes", variant="error" if self._danger else "primary", compact=True)
                yield Button(Text(_("{label} ({key})", label=_("No"), key="n")), id="no", compact=True)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def action_local_yes(self) -> None:
        self.dismiss(True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "local_yes":
            return self.yes_key == "s"
        return True

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


@dataclass(frozen=True)
class Confirmation:
    """What the operator confirmed: `option` is the extra checkbox (False when there is none)."""

    option: bool = False


class TypedConfirmModal(BaseModal[Confirmation]):
    """Confirm a destructive action by typing `expected` exactly (case and outer spaces ignored).

    Dismisses with a `Confirmation`, or None when cancelled. Subclasses override `describe(option)`
    to say what will and will not happen for the current state of the checkbox.
    """

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="confirm.cancel")]

    def __init__(self, title: str, body: str, expected: str, *, confirm: str, option: str | None = None) -> None:
        super().__init__()
        self._title, self._body, self.expected = title, body, expected
        self._confirm, self._option = confirm, option

    def describe(self, option: bool) -> str:
        return self._body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -danger"):
            yield Label(self._title, classes="dialog-title")
            yield Static(self.describe(False), markup=False, id="consequences", classes="dialog-body")
            if self._option:
                yield Checkbox(self._option, id="option")
            yield Label(_("Type {word} to confirm:", word=self.expected), markup=False)
            yield Input(id="typed", select_on_focus=False, compact=True)
            yield Label("", id="typed-error", classes="problem", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(self._confirm, id="confirm", variant="error", disabled=True, compact=True)
                yield Button(_("Cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#typed", Input).focus()

    def _matches(self) -> bool:
        typed = self.query_one("#typed", Input).value
        return typed.strip().casefold() == self.expected.strip().casefold()

    def _option_value(self) -> bool:
        return bool(self._option) and self.query_one("#option", Checkbox).value

    @on(Checkbox.Changed, "#option")
    def _option_changed(self, event: Checkbox.Changed) -> None:
        self.query_one("#consequences", Static).update(self.describe(event.value))

    @on(Input.Changed, "#typed")
    def _typed(self) -> None:
        self.query_one("#confirm", Button).disabled = not self._matches()
        self.query_one("#typed-error", Label).update("")

    @on(Input.Submitted, "#typed")
    def _submitted(self) -> None:
        self._finish()

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self._finish()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def _finish(self) -> None:
        if not self._matches():
            self.query_one("#typed-error", Label).update(
                _("That is not {word}. Type it exactly, or press Esc to cancel.", word=self.expected)
            )
            return
        self.dismiss(Confirmation(option=self._option_value()))

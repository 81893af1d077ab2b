"""The modal that asks for a listing's or variation's new reference code (S6, S7), and the sentence
that states the exact change before it is confirmed."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from screens import BaseModal
from services.i18n import N_, _


def describe_change(link, action) -> str:
    """Listing, variation, old code -> new code (as the live listing has it), and what is (not) touched."""
    lines = [_("Listing: {listing} {title}", listing=link.listing_id, title=link.title)]
    if link.variation_id is not None:
        lines.append(_("Variation: {variation} ({label})", variation=link.variation_id, label=link.variation_label))
    lines.append(_("Reference code: {old} -> {new}", old=action.from_ or "—", new=action.to))
    lines.append("")
    lines.append(
        _(
            "Written to Mercado Livre as the reference code (SELLER_SKU) of this listing or variation "
            "only; its other variations, stock and price are not changed."
        )
    )
    return "\n".join(lines)


class ReferenceCodeModal(BaseModal[str]):
    """Type the new code; dismisses with it (blanks stripped), or None on Esc."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="reference.cancel")]

    def __init__(self, link, suggested: str = "") -> None:
        super().__init__()
        self.link, self.suggested = link, suggested

    def compose(self) -> ComposeResult:
        link = self.link
        where = link.listing_id if link.variation_id is None else f"{link.listing_id} · {link.variation_label}"
        with Vertical(classes="dialog"):
            yield Label(_("Write a reference code"), classes="dialog-title")
            yield Static(where, markup=False, classes="dialog-body")
            yield Label(_("Now on Mercado Livre: {code}", code=link.reference_code or "—"), markup=False)
            yield Label(_("New reference code (the ERP code), then Enter:"), markup=False)
            yield Input(self.suggested, id="new-code", compact=True)
            yield Label("", id="code-error", classes="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Next"), id="next", variant="primary", compact=True)
                yield Button(_("Cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#new-code", Input).focus()

    @on(Input.Submitted, "#new-code")
    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        code = self.query_one("#new-code", Input).value.strip()
        if not code:
            self.query_one("#code-error", Label).update(_("Type a code, or press Esc to cancel."))
            return
        if code == (self.link.reference_code or ""):
            self.query_one("#code-error", Label).update(_("That is the code it already has."))
            return
        self.dismiss(code)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

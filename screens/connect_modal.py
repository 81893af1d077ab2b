"""Connect modal (S1 over SSH): the full authorization URL, shown wrapped and selectable, copied
with OSC 52 on request, and a field for the redirect URL (or bare code); errors explained in place."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Static, TextArea

from screens import BaseModal, KeysFooter
from screens.messages import AuthorizationPasted, DemoApprovalRequested
from services.i18n import N_, _


class ConnectModal(BaseModal[bool]):
    """Step 1: open the URL and authorize. Step 2: paste where the browser ended up.

    The App posts the outcome back: `show_error()` keeps the modal open with the reason,
    `fill()` (demo) puts a redirect URL in the field; on success the App dismisses it.
    """

    BINDINGS = [
        Binding("ctrl+y", "copy_url", N_("Copy URL"), id="connect.copy_url"),
        Binding(
            "f2",
            "url_alone",
            N_("URL alone"),
            id="connect.url_alone",
            tooltip=N_("Show the URL by itself in the terminal, as one line to select"),
        ),
        Binding("ctrl+o", "demo_approve", N_("Approve (demo)"), id="connect.demo_approve"),
        Binding("escape", "cancel", N_("Cancel"), id="connect.cancel"),
    ]

    def __init__(self, url: str, *, demo: bool = False) -> None:
        super().__init__()
        self.url = url
        self.demo = demo

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="connect-dialog"):
            yield Label(_("Connect a Mercado Livre account"), classes="dialog-title")
            yield Static(
                _(
                    '1. Open this address in a browser signed in to the seller account (the administrator) and press "Autorizar este aplicativo":'
                ),
                markup=False,
            )
            yield TextArea(
                self.url,
                id="auth-url",
                read_only=True,
                soft_wrap=True,
                show_cursor=False,
                compact=True,
            )
            yield Static(
                _("2. Paste the address the browser ended on (or just the code) and press Enter:"),
                markup=False,
            )
            yield Input(placeholder=_("https://…?code=TG-…&state=…"), id="pasted", select_on_focus=False)
            yield Label("", id="connect-error", classes="problem", markup=False)
            yield Label("", id="connect-progress", classes="dim", markup=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#pasted", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "demo_approve":
            return self.demo
        return True

    def action_copy_url(self) -> None:
        # OSC 52: works in most terminals, also over SSH; the URL stays on screen regardless.
        self.app.copy_to_clipboard(self.url)
        self.notify(_("Authorization URL copied to the clipboard (if your terminal allows it)."))

    def action_url_alone(self) -> None:
        """The URL printed on the plain terminal, unwrapped by us: the terminal's own selection copies it
        as one line (inside the app, a long URL is cut into rows by the layout)."""
        from textual.app import SuspendNotSupported

        try:
            with self.app.suspend():
                print("\n" + self.url + "\n", flush=True)
                input(_("Press Enter to come back to melisync."))
        except SuspendNotSupported:
            self.notify(
                _("This terminal cannot show the URL alone; select it above or press ctrl+y."), severity="warning"
            )

    def action_demo_approve(self) -> None:
        if self.demo:
            self._progress(_("Approving on the sandbox…"))
            self.post_message(DemoApprovalRequested())

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Input.Submitted, "#pasted")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.show_error(_("Paste the address from the browser (or the code) first."))
            return
        self.show_error("")
        self._progress(_("Checking the authorization with Mercado Livre…"))
        self.post_message(AuthorizationPasted(text))

    @on(Input.Changed, "#pasted")
    def _changed(self) -> None:
        self.query_one("#connect-error", Label).update("")

    def show_error(self, reason: str) -> None:
        """The App calls this when the pasted text was refused: the reason stays under the field."""
        self._progress("")
        self.query_one("#connect-error", Label).update(reason)
        self.query_one("#pasted", Input).focus()

    def fill(self, redirect_url: str) -> None:
        """Demo: the sandbox approved; put its redirect URL where the operator would paste it."""
        self._progress(_("Approved on the sandbox. Press Enter to connect."))
        field = self.query_one("#pasted", Input)
        field.value = redirect_url
        field.focus()

    def _progress(self, text: str) -> None:
        self.query_one("#connect-progress", Label).update(text)

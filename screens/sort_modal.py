"""Choose the column a table is sorted by, directly (`o` on the linked products screen): one key per
column (1-9, 0), or the arrows and Enter; Esc leaves the order as it is."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.strip import Strip
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from screens import BaseModal
from services.i18n import N_, _

KEYS = "1234567890"


class SortModal(BaseModal[str]):
    """Dismisses with the chosen column key, or None."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="sort.cancel"),
        *(Binding(key, f"choose({n})", show=False) for n, key in enumerate(KEYS)),
    ]

    def __init__(self, columns: list[tuple[str, str]], current: str) -> None:
        super().__init__()
        self.columns = columns[: len(KEYS)]  # (key, translated title)
        self.current = current
        self._backdrop: dict[int, Strip] = {}
        self._backdrop_size = Size(0, 0)

    def render_line(self, y: int) -> Strip:
        # The screen below, dimmed, is this screen's background: Textual blends every cell of it again whenever
        # this screen is refreshed (mounting, focusing, ~9 ms a time at 160x48, issue 14). The table below does
        # not change while the choice is open: its lines are blended once.
        if self.size != self._backdrop_size:
            self._backdrop, self._backdrop_size = {}, self.size
        line = self._backdrop.get(y)
        if line is None:
            line = self._backdrop[y] = super().render_line(y)
        return line

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="sort-dialog"):
            yield Label(_("Sort by"), classes="dialog-title")
            yield OptionList(
                *(
                    Option(f"{KEYS[n]}  {title}" + ("  ●" if key == self.current else ""), id=key)
                    for n, (key, title) in enumerate(self.columns)
                ),
                id="sort-columns",
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = next((n for n, (key, _t) in enumerate(self.columns) if key == self.current), 0)
        options.focus()

    def action_choose(self, index: int) -> None:
        if index < len(self.columns):
            self.dismiss(self.columns[index][0])

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)

"""Choose the column a table is sorted by, directly (`o` on the linked products screen): one key per column
(1-9, 0), or the arrows and Enter; Esc leaves the order as it is.

A list drawn over the table, not a modal, and not focused: pushing a screen (a screen switch each way, the
whole screen below blended as its backdrop) or moving the focus (the table, its scrollbars and the footer
styled and drawn again) cost 30-45 ms at 160x48 against a 50 ms goal per key (issue 14). The screen sends it
the keys while it is open (`LinksScreen`: its bindings run once the table's skip).
"""

from __future__ import annotations

from textual import on
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from services.i18n import _

KEYS = "1234567890"


class SortChoice(OptionList, can_focus=False):
    """Hidden until `open()`; says `Chosen(column key or None)` as it hides again."""

    DEFAULT_CSS = """
    SortChoice {
        display: none;
        overlay: screen;
        position: absolute;
        offset: 2 5;
        width: auto;
        min-width: 24;
        height: auto;
        border: round $primary;
        border-title-color: $primary;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    """

    class Chosen(Message):
        """`column`: the key of the column chosen, None when the choice was left."""

        def __init__(self, column: str | None) -> None:
            super().__init__()
            self.column = column

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns: list[tuple[str, str]] = []

    @property
    def is_open(self) -> bool:
        return bool(self.display)

    def open(self, columns: list[tuple[str, str]], current: str) -> None:
        """Show `columns` ((key, translated title), the first ten) with `current` marked and highlighted."""
        self.columns = columns[: len(KEYS)]
        self.border_title = _("Sort by")
        self.set_options(
            Option(f"{KEYS[n]}  {title}" + ("  ●" if key == current else ""), id=key)
            for n, (key, title) in enumerate(self.columns)
        )
        self.highlighted = next((n for n, (key, _t) in enumerate(self.columns) if key == current), 0)
        self.display = True

    def move(self, step: int) -> None:
        self.action_cursor_down() if step > 0 else self.action_cursor_up()

    def pick(self, index: int | None = None) -> None:
        """Choose the column at `index` (None: the highlighted one)."""
        index = self.highlighted if index is None else index
        if index is not None and index < len(self.columns):
            self.close(self.columns[index][0])

    def close(self, column: str | None = None) -> None:
        if self.display:
            self.display = False
            self.post_message(self.Chosen(column))

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.close(event.option.id)

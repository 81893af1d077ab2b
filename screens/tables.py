"""Tables with fixed-width columns, for the big lists (links, actions, runs, variations).

DataTable measures every new cell to size auto-width columns, which is most of the cost of adding
rows; with every column given a width (wide enough for its translated title) that work is skipped.
Cells are `Text`, never `str`: DataTable parses a `str` cell as markup, and titles and codes come
from Mercado Livre and the ERP (a "[b]" in a title must show as typed).
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

from services.i18n import _

# (column key, untranslated title, width in cells)
Column = tuple[str, str, int]


def plain(value: object, **style) -> Text:
    """A cell showing `value` as typed (None -> empty)."""
    return Text("" if value is None else str(value), **style)


class FixedColumnsTable(DataTable):
    """A DataTable whose columns all have fixed widths (`add_fixed_columns`)."""

    def add_fixed_columns(self, columns: tuple[Column, ...]) -> None:
        for key, title, width in columns:
            shown = _(title)
            self.add_column(shown, width=max(width, cell_len(shown)), key=key)

    def _update_column_widths(self, updated_cells) -> None:
        # Only auto-width columns use the measured content width (textual is pinned, see pyproject).
        if any(column.auto_width for column in self.columns.values()):
            super()._update_column_widths(updated_cells)

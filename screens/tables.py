"""Fixed-width table columns: DataTable measures every cell of an auto-width column on each add, so the
big tables give every column a width (wide enough for its translated title)."""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import DataTable

from services.i18n import _

# (column key, untranslated title, width in cells)
Column = tuple[str, str, int]


def add_fixed_columns(table: DataTable, columns: tuple[Column, ...]) -> None:
    for key, title, width in columns:
        shown = _(title)
        table.add_column(shown, width=max(width, cell_len(shown)), key=key)

"""Tables whose columns are sized by us, for the big lists (links, actions, runs, variations).

DataTable measures every new cell to size auto-width columns, which is most of the cost of adding
rows; here every column is given a width, computed from the rows on show and the room there is:
identifiers (codes, listing ids) and numbers get their longest value (never cut while there is room;
at 80 columns they win over descriptive ones), descriptive columns share what is left and a cut text
ends in "…" (the full value is in the row's details line). Cells are `Text`, never `str`: DataTable
parses a `str` cell as markup, and titles and codes come from Mercado Livre and the ERP (a "[b]" in a
title must show as typed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import DataTable

from services.i18n import _

# (column key, untranslated title, width in cells[, role]); role "id" or "number": never cut while there
# is room (sized to the longest value); "text" (default): shares the rest, cut with "…"; the width given
# is then the text column's share and its smallest size is `MIN_TEXT`.
Column = tuple

ID, NUMBER, TEXT = "id", "number", "text"
MIN_TEXT = 8  # a descriptive column never gets narrower than this (the table scrolls sideways instead)
MAX_ID = 40  # an identifier wider than this is cut anyway (and shown whole in the details)
CELL_PADDING = 2  # DataTable pads each cell by one on each side


def plain(value: object, **style) -> Text:
    """A cell showing `value` as typed (None -> empty)."""
    return Text("" if value is None else str(value), **style)


def cut(cell: Text, width: int) -> Text:
    """`cell` fitting `width` cells, ending in "…" when it had to be cut."""
    if cell.cell_len <= width:
        return cell
    cut_cell = cell.copy()
    cut_cell.truncate(max(1, width), overflow="ellipsis")
    return cut_cell


def _role(column: Column) -> str:
    return column[3] if len(column) > 3 else TEXT


def fit_widths(
    columns: Sequence[Column], rows: Iterable[Sequence[Text]], room: int, shown_titles: Sequence[str] | None = None
) -> list[int]:
    """The width of each column for `rows` in `room` cells (see the module docstring); `shown_titles`: the titles
    as shown, when not the columns' own (translated)."""
    shown = shown_titles if shown_titles is not None else [_(c[1]) for c in columns]
    titles = [cell_len(title) for title in shown]
    longest = list(titles)
    for row in rows:
        for i, cell in enumerate(row):
            length = cell.cell_len if isinstance(cell, Text) else cell_len(str(cell))
            if length > longest[i]:
                longest[i] = length
    widths = [0] * len(columns)
    text_columns = []
    for i, column in enumerate(columns):
        if _role(column) == TEXT:
            text_columns.append(i)
        else:
            widths[i] = min(max(longest[i], 1), MAX_ID)
    left = room - sum(widths) - CELL_PADDING * len(columns)
    # Descriptive columns: their smallest size first, then the rest shared by their given width, never
    # wider than their longest value.
    for i in text_columns:
        widths[i] = min(longest[i], max(MIN_TEXT, min(titles[i], columns[i][2])))
    left -= sum(widths[i] for i in text_columns)
    wanting = [i for i in text_columns if widths[i] < longest[i]]
    while left > 0 and wanting:
        share = sum(columns[i][2] for i in wanting)
        given = 0
        for i in wanting:
            extra = max(1, left * columns[i][2] // share)
            extra = min(extra, longest[i] - widths[i], left - given)
            widths[i] += extra
            given += extra
        left -= given
        wanting = [i for i in wanting if widths[i] < longest[i]]
        if not given:
            break
    return widths


def room_of(table: Widget) -> int:
    """Cells available to a table's columns (the vertical scrollbar takes two)."""
    width = table.size.width or (table.app.size.width if table.is_attached else 80)
    return max(20, width - 2)


class FixedColumnsTable(DataTable):
    """A DataTable whose columns are sized to the rows on show and the room (`show_rows`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.column_specs: tuple[Column, ...] = ()
        self._cells: list[list[Text]] = []
        self._widths: list[int] = []
        self._laid_out_for = 0

    def add_fixed_columns(self, columns: tuple[Column, ...]) -> None:
        self.column_specs = tuple(columns)
        for key, title, width, *_role in columns:
            shown = _(title)
            self.add_column(shown, width=max(width, cell_len(shown)), key=key)

    @property
    def room(self) -> int:
        return room_of(self)

    def show_rows(self, rows: Iterable[Sequence[Text]]) -> None:
        """Replace the rows, sizing the columns to them and to the room."""
        self._cells = [list(row) for row in rows]
        self._layout()

    def widths_for(self, rows: Sequence[Sequence[Text]]) -> list[int]:
        return fit_widths(self.column_specs, rows, self.room)

    def _layout(self) -> None:
        self._widths = self.widths_for(self._cells)
        self._laid_out_for = self.room
        self._set_widths(self._widths)
        self.clear()
        self.add_rows(self.cut_row(row) for row in self._cells)

    def _set_widths(self, widths: Sequence[int]) -> None:
        for (key, title, *_rest), width in zip(self.column_specs, widths, strict=True):
            column = self.columns.get(key) if hasattr(self.columns, "get") else None
            if column is None:
                continue
            column.label = cut(Text(_(title)), width)
            column.width = width
            column.auto_width = False
        self._require_update_dimensions = True
        self.refresh()

    def cut_row(self, row: Sequence[Text]) -> list[Text]:
        return [
            cut(cell, width) if isinstance(cell, Text) else cell for cell, width in zip(row, self._widths, strict=True)
        ]

    def on_resize(self) -> None:
        if self._cells and self.room != self._laid_out_for:
            row, column = self.cursor_row, self.cursor_column
            self._layout()
            if self.row_count:
                self.move_cursor(row=min(row, self.row_count - 1), column=column, animate=False)

    def _update_dimensions(self, new_rows) -> None:
        # DataTable measures every cell of the new rows (for auto-width columns and auto-height rows), then sets
        # the scrollable size. Here every column has its width from `show_rows` and every row is one line: the
        # 1,000 measures of a 100-row page were most of its cost after the rows were on show (issue 14).
        if any(column.auto_width for column in self.columns.values()) or any(
            row.auto_height for row in self.rows.values()
        ):
            super()._update_dimensions(new_rows)
            return
        width = sum(column.get_render_width(self) for column in self.columns.values()) + self._row_label_column_width
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(width, self._total_row_height + header)

    def _update_column_widths(self, updated_cells) -> None:
        # Only auto-width columns use the measured content width (textual is pinned, see pyproject).
        if any(column.auto_width for column in self.columns.values()):
            super()._update_column_widths(updated_cells)

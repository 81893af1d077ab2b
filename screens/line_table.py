"""A light table for a page of a big list (the linked products: 50,000 links, issue 14), drawn with Textual's
Line API instead of DataTable.

Why: DataTable renders every visible cell through Rich (a Padding in a Styled, split and cropped into lines)
whenever the rows change, ~450 cells at 160x48: that was most of each key's time on the linked products
screen (a new page, a filter, a sort), and a cursor move re-rendered whole rows too. Here a row's line is
built once from its cells cut to the column widths (one Segment per cell, no Rich rendering) and kept until
the rows, the widths, the styles or the cursor on that row change; only the lines on show are built; a cursor
move redraws the two lines it leaves and reaches. The look is DataTable's (the same component styles), the
columns are sized as in `FixedColumnsTable` (`fit_widths`, screens/tables.py), and the first `fixed_columns`
stay in view when the table scrolls sideways. The table holds one page: the screen pages through the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from screens.tables import Column, cut, fit_widths, room_of
from services.i18n import _

_CONTROL = {code: " " for code in (*range(32), 127)}  # a tab or line break in a title must not break the line


@lru_cache(maxsize=256)
def _parsed(style: str) -> Style:
    return Style.parse(style) if style else Style.null()


class LineTable(ScrollView, can_focus=True):
    """One page of rows, a row cursor, a header that sorts when clicked (the screen decides how)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "line-table--header",
        "line-table--fixed",
        "line-table--fixed-cursor",
        "line-table--even-row",
        "line-table--odd-row",
        "line-table--cursor",
    }
    # DataTable's look (textual/widgets/_data_table.py), for the classes this table draws.
    DEFAULT_CSS = """
    LineTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        &:focus {
            background-tint: $foreground 5%;
            & > .line-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .line-table--header { background-tint: $foreground 5%; }
            & > .line-table--fixed-cursor {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
            }
        }
        &:dark > .line-table--even-row { background: $surface-darken-1 40%; }
        & > .line-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .line-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .line-table--fixed { background: $secondary-muted; color: $foreground; }
        & > .line-table--even-row { background: $surface-lighten-1 50%; }
        & > .line-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .line-table--fixed-cursor { background: $block-cursor-blurred-background; color: $foreground; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("ctrl+home", "scroll_top", "Top", show=False),
        Binding("ctrl+end", "scroll_bottom", "Bottom", show=False),
        Binding("home", "scroll_home", "Home", show=False),
        Binding("end", "scroll_end", "End", show=False),
        Binding("left", "scroll_left", "Scroll left", show=False),
        Binding("right", "scroll_right", "Scroll right", show=False),
    ]

    class _RowMessage(Message):
        def __init__(self, table: LineTable, cursor_row: int) -> None:
            super().__init__()
            self.table = table
            self.cursor_row = cursor_row

        @property
        def control(self) -> LineTable:
            return self.table

    # Two classes beside each other, not one deriving from the other: a handler of a message class is also
    # called for the classes that derive from it.
    class RowHighlighted(_RowMessage):
        """The cursor is on row `cursor_row` (of the page on show)."""

    class RowSelected(_RowMessage):
        """Enter on the row under the cursor, or a click on it."""

    class HeaderSelected(Message):
        """A click on the title of the column `column_key`."""

        def __init__(self, table: LineTable, column_key: str) -> None:
            super().__init__()
            self.table = table
            self.column_key = column_key

        @property
        def control(self) -> LineTable:
            return self.table

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None, zebra_stripes: bool = True
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.zebra_stripes = zebra_stripes
        self.column_specs: tuple[Column, ...] = ()
        self.fixed_columns = 0
        self.sort_indicator: tuple[str, bool] | None = None  # (column key, descending): an arrow in its title
        self.cursor_row = 0
        self._cells: list[list[Text]] = []
        self._widths: list[int] = []
        self._laid_out_for = 0
        self._lines: dict[int, Strip] = {}  # row -> its line as shown (scrolled sideways, fitted to the width)
        self._header: Strip | None = None
        self._styles: dict[str, Style] | None = None

    # -- content -------------------------------------------------------------------------------------------

    def add_fixed_columns(self, columns: Sequence[Column]) -> None:
        self.column_specs = tuple(columns)
        self._layout()

    @property
    def row_count(self) -> int:
        return len(self._cells)

    def get_row_at(self, row: int) -> list[Text]:
        """The cells of `row` as given (uncut)."""
        return list(self._cells[row])

    @property
    def room(self) -> int:
        return room_of(self)

    def show_rows(self, rows: Iterable[Sequence[Text]]) -> None:
        """Replace the rows, sizing the columns to them and to the room."""
        self._cells = [list(row) for row in rows]
        self.cursor_row = max(0, min(self.cursor_row, len(self._cells) - 1))
        self._layout()

    def set_sort_indicator(self, column: str | None, descending: bool = False) -> None:
        wanted = (column, descending) if column else None
        if wanted != self.sort_indicator:
            self.sort_indicator = wanted
            self._layout()

    def _titles(self) -> list[str]:
        titles = [_(title) for _key, title, *_rest in self.column_specs]
        if self.sort_indicator:
            key, descending = self.sort_indicator
            for i, spec in enumerate(self.column_specs):
                if spec[0] == key:
                    titles[i] += " ↓" if descending else " ↑"
        return titles

    def _layout(self) -> None:
        """Column widths for the rows and the room; every line drawn again (only those on show are built)."""
        self._widths = fit_widths(self.column_specs, self._cells, self.room, shown_titles=self._titles())
        self._laid_out_for = self.room
        self._lines.clear()
        self._header = None
        size = Size(sum(width + 2 for width in self._widths), len(self._cells) + 1)
        if size != self.virtual_size:
            self.virtual_size = size  # a layout of the screen only when the table's size changed
        self.refresh()

    def on_resize(self) -> None:
        if self.room != self._laid_out_for:
            self._layout()
        self._scroll_cursor_into_view()

    # -- the cursor ------------------------------------------------------------------------------------------

    def move_cursor(self, *, row: int, animate: bool = False, scroll: bool = True) -> None:
        """Put the cursor on `row` (within the rows on show) and say so (`RowHighlighted`)."""
        row = max(0, min(row, len(self._cells) - 1))
        old, self.cursor_row = self.cursor_row, row
        if old != row:
            for line in (old, row):
                self._lines.pop(line, None)
                self.refresh_line(line + 1)  # + the header
        if scroll:
            self._scroll_cursor_into_view()
        if self._cells:
            self.post_message(self.RowHighlighted(self, row))

    @property
    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_cursor_into_view(self) -> None:
        top, visible = round(self.scroll_y), self._visible_rows
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, force=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, force=True)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_page_down(self) -> None:
        visible = self._visible_rows
        self.scroll_to(y=self.scroll_y + visible, animate=False, force=True)
        self.move_cursor(row=self.cursor_row + visible)

    def action_page_up(self) -> None:
        visible = self._visible_rows
        self.scroll_to(y=self.scroll_y - visible, animate=False, force=True)
        self.move_cursor(row=self.cursor_row - visible)

    def action_scroll_top(self) -> None:
        self.move_cursor(row=0)

    def action_scroll_bottom(self) -> None:
        self.move_cursor(row=len(self._cells) - 1)

    def action_scroll_home(self) -> None:
        self.scroll_to(x=0, animate=False)

    def action_scroll_end(self) -> None:
        self.scroll_to(x=self.max_scroll_x, animate=False)

    def action_select_cursor(self) -> None:
        if self._cells:
            self.post_message(self.RowSelected(self, self.cursor_row))

    # -- the mouse -------------------------------------------------------------------------------------------

    def column_x(self, key: str) -> int:
        """Where the column `key` starts, in cells from the table's left edge as it is scrolled now."""
        x = 0
        for i, (spec, width) in enumerate(zip(self.column_specs, self._widths, strict=True)):
            if spec[0] == key:
                return x if i < self.fixed_columns else x - round(self.scroll_x)
            x += width + 2
        raise KeyError(key)

    def _column_at(self, x: int) -> str | None:
        if x >= self._fixed_width:
            x += round(self.scroll_x)
        start = 0
        for spec, width in zip(self.column_specs, self._widths, strict=True):
            if start <= x < start + width + 2:
                return str(spec[0])
            start += width + 2
        return None

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        event.stop()
        if offset.y == 0:
            column = self._column_at(offset.x)
            if column is not None:
                self.post_message(self.HeaderSelected(self, column))
            return
        row = offset.y - 1 + round(self.scroll_y)
        if row >= len(self._cells):
            return
        if row == self.cursor_row:
            self.post_message(self.RowSelected(self, row))
        else:
            self.move_cursor(row=row)

    # -- drawing ---------------------------------------------------------------------------------------------

    @property
    def _fixed_width(self) -> int:
        return sum(width + 2 for width in self._widths[: self.fixed_columns])

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._lines.clear()
        self._header = None

    def _on_focus(self, event: events.Focus) -> None:
        self.notify_style_update()  # the cursor's colours follow the focus
        self.refresh()

    def _on_blur(self, event: events.Blur) -> None:
        self.notify_style_update()
        self.refresh()

    def _style(self, name: str) -> Style:
        if self._styles is None:
            component = self.get_component_rich_style
            self._styles = {
                "base": self.rich_style,
                "header": self.get_component_styles("line-table--header").rich_style,
                "fixed": self.get_component_styles("line-table--fixed").rich_style,
                "even": self.get_component_styles("line-table--even-row").rich_style,
                "odd": self.get_component_styles("line-table--odd-row").rich_style,
                "cursor": component("line-table--cursor"),
                "fixed-cursor": component("line-table--cursor") + component("line-table--fixed-cursor"),
            }
        return self._styles[name]

    def _line(self, row: int) -> Strip:
        """The line of `row` (-1: the header) as shown: its columns, scrolled sideways, fitted to the width."""
        line = self._header if row < 0 else self._lines.get(row)
        if line is not None:
            return line
        if row < 0:
            header = self._style("header")
            titles = [Text(title) for title in self._titles()]
            line = self._header = self._fit(self._segments(titles, header, header, Style.null(), Style.null()), header)
            return line
        on_cursor = row == self.cursor_row
        row_style = self._style("even" if self.zebra_stripes and not row % 2 else "odd")
        if not self.zebra_stripes:
            row_style = self._style("base")
        cursor = self._style("cursor") if on_cursor else Style.null()
        fixed_cursor = self._style("fixed-cursor") if on_cursor else Style.null()
        segments = self._segments(self._cells[row], row_style, self._style("fixed"), cursor, fixed_cursor)
        line = self._lines[row] = self._fit(segments, row_style + cursor)
        return line

    def _segments(
        self, cells: Sequence[Text], row_style: Style, fixed_style: Style, cursor: Style, fixed_cursor: Style
    ) -> list[Segment]:
        """`cells` cut to the column widths, padded by one cell each side, styled as DataTable styles them: the
        row's style, the cell's own, then the cursor's colours over both."""
        segments: list[Segment] = []
        for i, (cell, width) in enumerate(zip(cells, self._widths, strict=True)):
            component = fixed_cursor if i < self.fixed_columns else cursor
            pre = (fixed_style if i < self.fixed_columns else row_style) + component
            post = Style.from_color(component.color, component.bgcolor) if component else Style.null()
            text = cut(cell, width) if isinstance(cell, Text) else Text(str(cell))
            room = width - text.cell_len
            left = room if text.justify == "right" else room // 2 if text.justify == "center" else 0
            edge = pre + post
            segments.append(Segment(" " * (left + 1), edge))
            if text.spans:
                for piece in text.render(self.app.console, end=""):
                    if piece.text:
                        segments.append(Segment(piece.text, pre + (piece.style or Style.null()) + post))
            elif text.plain:
                plain = text.plain if text.plain.isprintable() else text.plain.translate(_CONTROL)
                own = text.style if isinstance(text.style, Style) else _parsed(text.style)
                segments.append(Segment(plain, pre + own + post))
            segments.append(Segment(" " * (room - left + 1), edge))
        return segments

    def _fit(self, segments: list[Segment], after: Style) -> Strip:
        """The line of `segments` (every column) as shown: the fixed columns, then the others from the sideways
        scroll, cut or filled (`after`) to the width. Neighbours of one style become one segment: fewer for every
        later pass (a modal's backdrop blends each). One Strip made where it can (each costs, issue 14)."""
        # The width seen: without the vertical scrollbar's columns, under which a line's end would be hidden.
        width, scroll_x, length = self.scrollable_content_region.width, round(self.scroll_x), self._line_length
        if not scroll_x and length <= width:
            if length < width:
                segments.append(Segment(" " * (width - length), after))
            return Strip(Segment.simplify(segments), width)
        whole = Strip(Segment.simplify(segments), length)
        line, end = whole, width  # `end`: where the right edge of the view falls in the whole line
        if scroll_x:
            fixed_width = self._fixed_width
            start = fixed_width + scroll_x
            end = start + width - fixed_width
            line = Strip.join([whole.crop(0, fixed_width), whole.crop(start, end)])
        line = line.crop(0, width).extend_cell_length(width, after)
        # A text cut by an edge of the view (the table scrolls sideways) is marked "…" there, like every cut text
        # (issue 14); the row's details line holds it whole.
        if end < length and self._cut_at(whole, end):
            line = self._marked(line, width - 1)
        if scroll_x and self._cut_at(whole, fixed_width + scroll_x):
            line = self._marked(line, fixed_width)
        return line

    @staticmethod
    def _marked(line: Strip, x: int) -> Strip:
        """`line` with "…" in its cell `x`, in that cell's style."""
        style = next((segment.style for segment in line.crop(x, x + 1) if segment.text), None)
        return Strip.join([line.crop(0, x), Strip([Segment("…", style)], 1), line.crop(x + 1, line.cell_length)])

    def _cut_at(self, whole: Strip, at: int) -> bool:
        """Whether an edge of the view at `at` (in the whole line) cuts a column's text: text on both sides of it
        within that column (a column of which only the padding shows is left unmarked)."""
        left = 0
        for width in self._widths:
            right = left + width + 2
            if left < at <= right:
                return bool(whole.crop(left, at).text.strip() and whole.crop(at, right).text.strip())
            left = right
        return False

    @property
    def _line_length(self) -> int:
        return sum(width + 2 for width in self._widths)

    def watch_scroll_x(self, old_value: float, new_value: float) -> None:
        if round(old_value) != round(new_value):
            self._lines.clear()  # the lines are kept as shown, scrolled
            self._header = None
        super().watch_scroll_x(old_value, new_value)

    def render_line(self, y: int) -> Strip:
        row = -1 if y == 0 else y - 1 + round(self.scroll_y)
        if row >= len(self._cells):
            return Strip.blank(self.size.width, self._style("base"))
        return self._line(row)

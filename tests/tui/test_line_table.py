"""Pilot tests of the light table of the linked products screen (screens/line_table.py, issue 14): its cursor,
its keys, the mouse, the header and how its columns are cut, on a small App holding only the table."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from screens.line_table import LineTable
from screens.tables import ID, NUMBER, TEXT, plain

COLUMNS = (
    ("code", "Code", 10, ID),
    ("stock", "Stock", 5, NUMBER),
    ("title", "Title", 30, TEXT),
)


def rows(count: int) -> list[list[Text]]:
    return [
        [plain(f"CODE-{n:04d}-LONG"), Text(str(n), justify="right"), plain(f"A rather long title number {n}")]
        for n in range(count)
    ]


class TableApp(App):
    def __init__(self, count: int = 60) -> None:
        super().__init__()
        self.count = count
        self.seen: list[LineTable.RowHighlighted | LineTable.RowSelected | LineTable.HeaderSelected] = []

    def compose(self) -> ComposeResult:
        yield LineTable(id="table")

    def on_mount(self) -> None:
        table = self.query_one(LineTable)
        table.add_fixed_columns(COLUMNS)
        table.fixed_columns = 1
        table.show_rows(rows(self.count))
        table.focus()

    def on_line_table_row_highlighted(self, message: LineTable.RowHighlighted) -> None:
        self.seen.append(message)

    def on_line_table_row_selected(self, message: LineTable.RowSelected) -> None:
        self.seen.append(message)

    def on_line_table_header_selected(self, message: LineTable.HeaderSelected) -> None:
        self.seen.append(message)


def shown(table: LineTable) -> list[str]:
    """The table's lines as drawn (header first)."""
    return [table.render_line(y).text for y in range(table.size.height)]


async def test_the_cursor_moves_scrolls_into_view_and_says_where_it_is():
    app = TableApp()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(LineTable)
        await pilot.press("down", "down")
        await pilot.pause()
        assert table.cursor_row == 2
        assert [m.cursor_row for m in app.seen if isinstance(m, LineTable.RowHighlighted)][-2:] == [1, 2]
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert table.cursor_row == 59
        assert "CODE-0059-LONG" in shown(table)[-1]  # the last row is on screen, on the last line
        assert "Code" in shown(table)[0]  # the header stays
        await pilot.press("pageup")
        await pilot.pause()
        visible = table.size.height - 1
        assert table.cursor_row == 59 - visible
        assert any(f"CODE-{table.cursor_row:04d}-LONG" in line for line in shown(table))
        await pilot.press("ctrl+home", "up")  # stays on the first row
        await pilot.pause()
        assert table.cursor_row == 0 and "CODE-0000-LONG" in shown(table)[1]


async def test_a_cursor_move_redraws_the_rows_it_leaves_and_reaches():
    app = TableApp()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(LineTable)
        await pilot.pause()
        cursor_style = table.render_line(1).crop(2, 3)._segments[0].style
        other_style = table.render_line(3).crop(2, 3)._segments[0].style
        assert cursor_style.bgcolor != other_style.bgcolor
        await pilot.press("down", "down")
        await pilot.pause()
        assert table.render_line(3).crop(2, 3)._segments[0].style.bgcolor == cursor_style.bgcolor
        assert table.render_line(1).crop(2, 3)._segments[0].style.bgcolor != cursor_style.bgcolor


async def test_enter_and_a_click_on_the_cursor_row_select_it_a_click_elsewhere_moves_the_cursor():
    app = TableApp()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(LineTable)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert [m.cursor_row for m in app.seen if isinstance(m, LineTable.RowSelected)] == [1]
        await pilot.click(LineTable, offset=(20, 4))  # the line of row 3
        await pilot.pause()
        assert table.cursor_row == 3
        assert len([m for m in app.seen if isinstance(m, LineTable.RowSelected)]) == 1
        await pilot.click(LineTable, offset=(20, 4))
        await pilot.pause()
        assert [m.cursor_row for m in app.seen if isinstance(m, LineTable.RowSelected)] == [1, 3]


async def test_a_click_on_a_title_asks_for_its_column_and_the_sorted_one_has_an_arrow():
    app = TableApp()
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.query_one(LineTable)
        await pilot.click(LineTable, offset=(table.column_x("stock") + 1, 0))
        await pilot.click(LineTable, offset=(table.column_x("title") + 3, 0))
        await pilot.pause()
        assert [m.column_key for m in app.seen if isinstance(m, LineTable.HeaderSelected)] == ["stock", "title"]
        assert table.cursor_row == 0  # a title click moves no cursor
        table.set_sort_indicator("stock", descending=True)
        await pilot.pause()
        assert "Stock ↓" in shown(table)[0]
        table.set_sort_indicator("stock")
        await pilot.pause()
        assert "Stock ↑" in shown(table)[0] and "↓" not in shown(table)[0]


async def test_codes_stay_whole_and_titles_are_cut_with_an_ellipsis_when_room_is_short():
    app = TableApp(count=5)
    async with app.run_test(size=(50, 8)) as pilot:
        table = app.query_one(LineTable)
        await pilot.pause()
        line = shown(table)[1]
        assert "CODE-0000-LONG" in line and "A rather long" in line and "…" in line
        assert "A rather long title number 0" not in line
    app = TableApp(count=5)
    async with app.run_test(size=(100, 8)) as pilot:
        await pilot.pause()
        assert "A rather long title number 0" in shown(app.query_one(LineTable))[1]  # room enough: whole


async def test_scrolling_sideways_keeps_the_fixed_column_in_view():
    app = TableApp(count=5)
    async with app.run_test(size=(28, 8)) as pilot:
        table = app.query_one(LineTable)
        await pilot.press("end")
        await pilot.pause()
        assert table.scroll_x > 0
        line = shown(table)[1]
        assert line.startswith(" CODE-0000-LONG") and "Stock" not in shown(table)[0]


async def test_a_text_going_on_past_the_right_edge_ends_in_an_ellipsis_there():
    """At 80 columns the links table scrolls sideways: a title cut by the view's edge read "Tit", "Kit"."""
    app = TableApp(count=5)
    async with app.run_test(size=(28, 8)) as pilot:
        table = app.query_one(LineTable)
        await pilot.pause()
        header, first = shown(table)[:2]
        assert header.rstrip().endswith("…") and first.rstrip().endswith("…")
        assert "CODE-0000-LONG" in first  # the identifier is whole; only the text at the edge is marked
        await pilot.press("end")  # scrolled to the end: nothing goes on past the right edge, "Stock" is cut by
        await pilot.pause()  # the left one (after the fixed code column)
        header = shown(table)[0]
        assert header.rstrip().endswith("Title") and header[len(" CODE-0000-LONG ")] == "…"
    app = TableApp(count=60)  # rows enough for a vertical scrollbar: the edge is left of it, not under it
    async with app.run_test(size=(28, 8)) as pilot:
        table = app.query_one(LineTable)
        await pilot.pause()
        assert app.query_one(LineTable).scrollable_content_region.width == 26
        assert [len(line) for line in shown(table)[:2]] == [26, 26] and shown(table)[1].endswith("…")

"""Linked products screen: one row per listing or variation with its link state, filtered by state
(one key each), searched (`/`), sorted (`o`, or click a header), a page at a time from the store.

The table never holds more than one page (`PAGE` rows): the App's worker queries the stored links
(filter, search, sort, offset) and the screen replaces the rows, so 50,000 links stay responsive.
Actions on the row under the cursor: open its variation mapping (enter), write its reference code (r),
accept a changed code (c, for `link lost`), ignore / stop ignoring (g).
"""

from __future__ import annotations

from dataclasses import replace

from rich.markup import escape
from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Static

from screens import BaseScreen, KeysFooter, ModeBar
from screens.confirm import ConfirmModal
from screens.line_table import LineTable
from screens.reference_code import ReferenceCodeModal, describe_change
from screens.sort_choice import KEYS as SORT_KEYS
from screens.sort_choice import SortChoice
from screens.sync_messages import (
    AcceptCodeRequested,
    IgnoreRequested,
    LinkQuery,
    LinksLoaded,
    LinksQueryRequested,
    ListingJumpFound,
    ListingJumpRequested,
    MappingRequested,
    ReferenceCodePreviewed,
    ReferenceCodePreviewRequested,
    ReferenceCodeWriteRequested,
    SellerEditSimulationRequested,
)
from screens.sync_plan import open_sync, sync_commands
from screens.tables import ID, NUMBER, TEXT, plain
from services.i18n import N_, _
from words.reasons import say

PAGE = 100  # rows in the table at once

# state value -> (filter key, short label for the table and the filter bar)
STATES: dict[str, tuple[str, str]] = {
    "linked": ("l", N_("linked")),
    "no_reference": ("n", N_("no ref.")),
    "unknown_code": ("u", N_("unknown")),
    "link_lost": ("x", N_("lost")),
    "structure_mismatch": ("s", N_("structure")),
    "not_writable": ("w", N_("not writ.")),
    "ignored": ("i", N_("ignored")),
}
# What each filter key does, for the help and the palette.
FILTER_HELP = {
    "linked": N_("Show linked rows"),
    "no_reference": N_("Show rows without a reference code"),
    "unknown_code": N_("Show codes the ERP does not know"),
    "link_lost": N_("Show lost links (code changed)"),
    "structure_mismatch": N_("Show structure mismatches"),
    "not_writable": N_("Show rows whose stock cannot be written"),
    "ignored": N_("Show ignored rows"),
    "": N_("Show every row"),
}
STATE_STYLES = {
    "linked": "green",
    "no_reference": "yellow",
    "unknown_code": "yellow",
    "link_lost": "bold red",
    "structure_mismatch": "magenta",
    "not_writable": "cyan",
    "ignored": "dim",
}

# (column key = LinkTable sort key, title, share of the room, role: see screens/tables.py)
COLUMNS: tuple[tuple[str, str, int, str], ...] = (
    ("state", N_("State"), 10, ID),
    ("listing_id", N_("Listing"), 13, ID),
    ("variation_label", N_("Variation"), 13, TEXT),
    ("erp_code", N_("ERP code"), 13, ID),
    ("erp_stock", N_("ERP"), 5, NUMBER),
    ("ml_stock", N_("ML"), 5, NUMBER),
    ("difference", N_("Diff"), 5, NUMBER),
    ("title", N_("Title / family"), 28, TEXT),
    ("erp_name", N_("ERP name"), 20, TEXT),
    ("reference_code", N_("Reference code"), 16, ID),
)
FIXED_COLUMNS = 2  # state and listing stay in view when the table scrolls sideways

_FILTER = Binding.Group(N_("Filter"), compact=True)


def short_variation(label: str) -> str:
    """ "Cor: Azul / Tamanho: M" -> "Azul / M" (the full label is in the row's details)."""
    return " / ".join(part.partition(": ")[2] or part for part in label.split(" / ")) if label else ""


def family_variant(link) -> str:
    """What sets a User Products listing apart in its family: its title minus the family name
    ("Luminária LED Verde GG" in family "Luminária LED" -> "Verde GG"); a title that does not start
    with the family name is shown whole."""
    title, family = link.title or "", link.family_name or ""
    if family and title.casefold().startswith(family.casefold()):
        return title[len(family) :].strip(" -–·,")
    return title


def in_family(link) -> bool:
    """A User Products listing (one variant of a family), shown like a variation of a listing."""
    return bool(link.family_name) and link.variation_id is None


def _number(value: int | None) -> Text:
    return Text("" if value is None else str(value), justify="right")


def row_cells(link) -> list:
    state = link.state.value
    diff = link.difference
    # A family's listings read like one listing's variations: the family as the title, the variant beside it.
    family = in_family(link)
    return [
        Text(_(STATES[state][1]), style=STATE_STYLES[state]),
        plain(link.listing_id),
        plain(family_variant(link) if family else short_variation(link.variation_label)),
        plain(link.erp_code),
        _number(link.erp_stock),
        _number(link.ml_stock),
        Text("" if diff is None else f"{diff:+d}" if diff else "0", justify="right", style="bold" if diff else "dim"),
        plain(link.family_name if family else link.title),
        plain(link.erp_name),
        plain(link.reference_code),
    ]


class PagedTable(LineTable):
    """A table that asks for the next or previous page when the cursor runs off either end."""

    # Enter (the table's own key) opens the row's mapping: shown in the footer so it is found.
    BINDINGS = [
        Binding(
            "enter", "select_cursor", N_("Mapping"), id="links.mapping", tooltip=N_("Open the row's variation mapping")
        )
    ]

    class PageWanted(Message):
        """`step` +1: the page after this one; -1: the page before."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def move_cursor(self, *, row: int, animate: bool = False, scroll: bool = True) -> None:
        super().move_cursor(row=row, animate=animate, scroll=scroll)
        # The row's details now, not on `RowHighlighted`: Textual paints the table as soon as it is idle, and a
        # details line asked for by that message came a frame later (~30 ms after the key, issue 14).
        screen = self.screen
        if isinstance(screen, LinksScreen):
            screen._show_detail()

    def _keys_to_sort_choice(self) -> None:
        """While the sort choice is open, the screen takes the arrows and Enter (its bindings)."""
        if any(choice.is_open for choice in self.screen.query(SortChoice)):
            raise SkipAction()

    def action_select_cursor(self) -> None:
        self._keys_to_sort_choice()
        super().action_select_cursor()

    def action_cursor_down(self) -> None:
        self._keys_to_sort_choice()
        if self.cursor_row >= self.row_count - 1:
            self.post_message(self.PageWanted(1))
        else:
            super().action_cursor_down()

    def action_page_down(self) -> None:
        self._keys_to_sort_choice()
        if self.cursor_row >= self.row_count - 1:
            self.post_message(self.PageWanted(1))
        else:
            super().action_page_down()

    def action_cursor_up(self) -> None:
        self._keys_to_sort_choice()
        if self.cursor_row <= 0:
            self.post_message(self.PageWanted(-1))
        else:
            super().action_cursor_up()

    def action_page_up(self) -> None:
        self._keys_to_sort_choice()
        if self.cursor_row <= 0:
            self.post_message(self.PageWanted(-1))
        else:
            super().action_page_up()


class LinksScreen(BaseScreen):
    """The linking triage: what is linked, what is not and why, and the fixes."""

    DEFAULT_CSS = """
    #links-filters { height: auto; padding: 0 1; }
    #links-status { height: 1; padding: 0 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    #links-table { height: 1fr; }
    #links-detail { height: 3; padding: 0 1; }
    """

    TITLE_TEXT = N_("Linked products")
    BINDINGS = [
        # The filter keys are on the screen's filter bar (with the counts), so not in the footer too.
        *(
            Binding(
                key, f"filter('{state}')", FILTER_HELP[state], id=f"links.filter.{state}", group=_FILTER, show=False
            )
            for state, (key, _label) in STATES.items()
        ),
        Binding("a", "filter('')", FILTER_HELP[""], id="links.filter.all", group=_FILTER, show=False),
        Binding("slash", "search", N_("Search"), id="links.search"),
        Binding("S", "sync", N_("Sync…"), id="links.sync"),
        Binding("o", "sort", N_("Sort"), id="links.sort", tooltip=N_("Choose the column to sort by")),
        Binding("O", "reverse", N_("Reverse order"), id="links.reverse", show=False),
        # The sort choice's keys, taken only while it is open (`_sort_choice`).
        Binding("up", "sort_move(-1)", show=False),
        Binding("down", "sort_move(1)", show=False),
        Binding("enter", "sort_pick", show=False),
        *(Binding(key, f"sort_pick({n})", show=False) for n, key in enumerate(SORT_KEYS)),
        Binding("r", "write_code", N_("Write code"), id="links.write_code"),
        # Demo only (hidden elsewhere by check_action): lets a new user produce a lost link from the keyboard;
        # next to r, which fixes it, so it stays in the footer at 80 columns.
        Binding(
            "E",
            "simulate_seller_edit",
            N_("Demo: edit code"),
            id="links.demo_seller_edit",
            tooltip=N_(
                "Demo only: the seller edits this row's reference code on Mercado Livre; the next "
                "sync shows it as a lost link"
            ),
        ),
        Binding("c", "accept_code", N_("Accept new code"), id="links.accept_code", show=False),
        Binding("g", "ignore", N_("Ignore"), id="links.ignore", tooltip=N_("Ignore / unignore")),
        Binding("pagedown", "page(1)", N_("Next rows"), id="links.page_down", show=False),
        Binding("pageup", "page(-1)", N_("Previous rows"), id="links.page_up", show=False),
        Binding("escape", "clear_search", N_("Clear search"), id="links.clear_search", show=False),
        Binding(
            "X",
            "export",
            N_("Export to CSV"),
            id="links.export",
            show=False,
            tooltip=N_("Every row of this filter and search, to a CSV file"),
        ),
        Binding("y", "copy_listing", N_("Copy listing id"), id="links.copy", show=False),
        Binding(
            "j",
            "jump",
            N_("Go to listing"),
            id="links.jump",
            show=False,
            tooltip=N_("Type a listing id, or part of it: the cursor moves to its row"),
        ),
        Binding(
            "b",
            "listing_url",
            N_("Listing address"),
            id="links.url",
            show=False,
            tooltip=N_("Show the listing's address on Mercado Livre on a line of its own and copy it"),
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        # Opening a mode's screen the first time makes Textual parse every stylesheet again and restyle every
        # widget of the App (`App.refresh_css`: most of the time to the first page, issue 14). This screen brings
        # no stylesheet beyond DEFAULT_CSS, which Textual adds and parses alone as its widgets are registered, so
        # it is marked as styled with the App's CSS as it stands (textual is pinned exactly: pyproject.toml).
        if not self.CSS and not self.CSS_PATH:
            self._css_update_count = self.app._css_update_count
        self.query_state = LinkQuery(limit=PAGE)
        self.rows: list = []  # the Links of the page on show, in table order
        self.total = 0  # rows matching the filter and search
        self.counts: dict[str, int] = {}  # every stored link by state
        self.loaded = False
        self._serial = 0
        self.shown_serial = 0  # the query whose page is on show (== `_serial` once the last answer is in)
        self._cursor_after_load = 0
        self._url_for: str | None = None  # the row whose address is on show (b), by Link.key
        self._filters_shown: Text | None = None  # the filter bar as last shown
        self._row_facts: tuple[bool, bool] | None = None  # what the row's keys depend on (`_show_detail`)

    def compose(self) -> ComposeResult:
        yield ModeBar("links")
        yield Static(id="links-filters")
        yield Static(id="links-status")
        table = PagedTable(id="links-table", zebra_stripes=True)
        yield table
        yield Static(id="links-detail")
        yield SortChoice(id="links-sort")
        yield Input(placeholder=_("Search: listing, code, title…"), id="links-search", compact=True)
        yield Input(placeholder=_("Go to listing: its id or part of it, then Enter"), id="links-jump", compact=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one(PagedTable)
        table.add_fixed_columns(COLUMNS)
        table.fixed_columns = FIXED_COLUMNS
        self.query_one("#links-search", Input).display = False
        self.query_one("#links-jump", Input).display = False
        self.app.links_signal.subscribe(self, lambda _note: self.reload())
        self.reload()

    # -- loading --------------------------------------------------------------------------------------

    @property
    def settled(self) -> bool:
        """The page on show answers the latest query (tests and the benchmark wait on this)."""
        return self.loaded and self.shown_serial == self._serial

    def reload(self, *, cursor: int | None = None) -> None:
        """Ask for the page described by `query_state`; answers to older requests are dropped."""
        self._serial += 1
        table = self.query_one(PagedTable)
        self._cursor_after_load = table.cursor_row if cursor is None else cursor
        self.post_message(LinksQueryRequested(self.query_state, self._serial, self))

    def _query(self, **changes) -> None:
        self.query_one(SortChoice).close()  # another key than the choice's: the choice is left
        self.query_state = replace(self.query_state, **changes)
        self.reload(cursor=0)

    @on(LinksLoaded)
    def _loaded(self, message: LinksLoaded) -> None:
        if message.serial != self._serial:
            return  # a newer query is on its way
        page = message.page
        if not page.rows and self.query_state.offset and page.total:
            # The rows after this offset went away (ignored, synced): show the last page there is.
            self.query_state = replace(self.query_state, offset=(page.total - 1) // PAGE * PAGE)
            self.reload(cursor=PAGE - 1)
            return
        self.shown_serial = message.serial
        self.rows, self.total, self.counts = list(page.rows), page.total, dict(page.counts)
        self.loaded = True
        table = self.query_one(PagedTable)
        table.set_sort_indicator(self.query_state.sort, self.query_state.descending)
        table.show_rows(row_cells(link) for link in self.rows)
        if self.rows:
            table.move_cursor(row=max(0, min(self._cursor_after_load, len(self.rows) - 1)), animate=False)
        self._show_filters()
        self._show_status()
        self._show_detail()

    def _show_filters(self) -> None:
        """One entry per state with its key and count; wrapped between entries, never inside one."""
        bar = self.query_one("#links-filters", Static)
        width = max(20, (bar.size.width or self.app.size.width) - 2)
        current = self.query_state.state or ""
        entries = [(key, state, label) for state, (key, label) in STATES.items()] + [("a", "", N_("all"))]
        text, used = Text(), 0
        for key, state, label in entries:
            count = sum(self.counts.values()) if not state else self.counts.get(state, 0)
            entry = Text()
            entry.append(key, style="bold")
            entry.append(f" {_(label)} {count:,}", style="bold reverse" if state == current else "")
            if used and used + 2 + entry.cell_len > width:
                text.append("\n")
                used = 0
            elif used:
                text.append("  ")
                used += 2
            text.append_text(entry)
            used += entry.cell_len
        shown = self._filters_shown
        if shown is None or text != shown:  # most pages leave it as it was (paging, sorting)
            # Its height follows its lines (it wraps at 80 columns): a layout only when their number changes.
            bar.update(text, layout=shown is None or text.plain.count("\n") != shown.plain.count("\n"))
            self._filters_shown = text

    def on_resize(self) -> None:
        if self.loaded:
            self._show_filters()

    def _show_status(self) -> None:
        everything = sum(self.counts.values())
        q = self.query_state
        if not self.loaded:
            line = _("Reading the linked products…")
        elif not everything:
            line = _("No links yet: run a sync (S) to read your listings.")
        else:
            first = q.offset + 1 if self.rows else 0
            line = _("{total} of {everything} links", total=f"{self.total:,}", everything=f"{everything:,}")
            line += "  " + _("rows {first}–{last}", first=f"{first:,}", last=f"{q.offset + len(self.rows):,}")
            title = {column[0]: column[1] for column in COLUMNS}[q.sort]
            arrow = "↓" if q.descending else "↑"
            line += "  " + _("sorted by {column} {arrow}", column=_(title), arrow=arrow)
            if q.search:
                line += "  " + _("search: {text}", text=q.search)
            if not self.total:
                line = self._empty_hint()
        # One row high whatever it says: no layout of the screen (a layout repaints every widget, issue 14).
        self.query_one("#links-status", Static).update(Text(line, no_wrap=True, overflow="ellipsis"), layout=False)

    def _empty_hint(self) -> str:
        """Why the table is empty while links exist: which filter or search hides them, and the key that clears it."""
        q = self.query_state
        state = _(STATES[q.state][1]) if q.state in STATES else ""
        if q.state and q.search:
            return _(
                'No row is {state} and matches "{text}": Esc clears the search, a shows every state.',
                state=state,
                text=q.search,
            )
        if q.search:
            return _('No row matches "{text}": Esc clears the search.', text=q.search)
        return _("No row is {state} now: a shows every row.", state=state)

    def _show_detail(self) -> None:
        link = self.current_link()
        # The row's keys (write, ignore, accept) are offered by `check_action`: the footer asks again when
        # what it decides on changes, not on every cursor move.
        facts = (link is not None, link is not None and link.state.value == "link_lost")
        if facts != self._row_facts:
            self._row_facts = facts
            self.refresh_bindings()
        detail = self.query_one("#links-detail", Static)
        if link is None:
            detail.update("", layout=False)
            return
        if self._url_for == link.key:
            # Alone on its line, unbordered: a mouse selection over SSH takes exactly the address.
            from services.listing_url import listing_url

            text = Text(no_wrap=True, overflow="ellipsis")
            text.append(link.listing_id, style="bold")
            text.append(" · " + _("address on Mercado Livre (copied, if your terminal allows it):") + "\n")
            text.append(listing_url(link.listing_id))
            detail.update(text, layout=False)
            return
        text = Text(no_wrap=False, overflow="ellipsis")
        text.append(link.listing_id, style="bold")
        if link.variation_id is not None:
            text.append(" · " + _("variation") + f" {link.variation_id} ({link.variation_label})")
        elif in_family(link):
            text.append(" · " + _("family {family}", family=link.family_name))
            if link.user_product_id:
                text.append(" · " + _("user product {id}", id=link.user_product_id))
        text.append(" · " + _("code on Mercado Livre") + ": ")
        text.append(link.reference_code or "—", style="bold")
        if link.erp_code:
            text.append(" · " + _("ERP code") + ": ")
            text.append(link.erp_code, style="bold")
        if link.title:
            text.append(f" · {link.title}")
        if link.erp_name:
            text.append(" · " + _("ERP") + f": {link.erp_name}")
        if link.reason:
            text.append(f" · {say(link.reason)}", style=STATE_STYLES[link.state.value])
        detail.update(text, layout=False)  # three rows high (the CSS): no layout of the screen on a cursor move

    def current_link(self):
        table = self.query_one(PagedTable)
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    # -- paging ---------------------------------------------------------------------------------------

    @on(PagedTable.PageWanted)
    def _page(self, event: PagedTable.PageWanted) -> None:
        q = self.query_state
        if event.step > 0 and q.offset + len(self.rows) < self.total:
            self.query_state = replace(q, offset=q.offset + PAGE)
            self.reload(cursor=0)
        elif event.step < 0 and q.offset > 0:
            self.query_state = replace(q, offset=max(0, q.offset - PAGE))
            self.reload(cursor=PAGE - 1)

    # -- filter, search, sort -------------------------------------------------------------------------

    def action_filter(self, state: str) -> None:
        self._query(state=state or None, offset=0)

    def action_search(self) -> None:
        field = self.query_one("#links-search", Input)
        field.display = True
        field.focus()

    @on(Input.Changed, "#links-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._query(search=event.value, offset=0)

    @on(Input.Submitted, "#links-search")
    def _search_done(self) -> None:
        self.query_one(PagedTable).focus()

    def action_jump(self) -> None:
        field = self.query_one("#links-jump", Input)
        field.value = ""
        field.display = True
        field.focus()

    @on(Input.Submitted, "#links-jump")
    def _jump_entered(self, event: Input.Submitted) -> None:
        event.input.display = False
        self.query_one(PagedTable).focus()
        if event.value.strip():
            self.post_message(ListingJumpRequested(self.query_state, event.value.strip(), self))

    @on(ListingJumpFound)
    def _jump_found(self, message: ListingJumpFound) -> None:
        if message.position is None:
            self.notify(escape(_('No listing matches "{text}".', text=message.text)), severity="warning")
            return
        if (message.query.state, message.query.search) != (self.query_state.state, self.query_state.search):
            self.notify(escape(_('"{text}" is hidden by the filter or search: every row is shown.', text=message.text)))
            field = self.query_one("#links-search", Input)
            with field.prevent(Input.Changed):
                field.value = ""
            field.display = False
        page = message.position // PAGE * PAGE
        self.query_state = replace(message.query, offset=page)
        self.reload(cursor=message.position - page)

    def action_clear_search(self) -> None:
        choice = self.query_one(SortChoice)
        if choice.is_open:
            choice.close()
            return
        jump = self.query_one("#links-jump", Input)
        if jump.display:
            jump.display = False
            self.query_one(PagedTable).focus()
            return
        field = self.query_one("#links-search", Input)
        if field.display or field.value or self.query_state.search:
            field.value = ""
            field.display = False
            self.query_one(PagedTable).focus()
            if self.query_state.search:
                self._query(search="", offset=0)

    def action_sort(self) -> None:
        columns = [(column[0], _(column[1])) for column in COLUMNS]
        self.query_one(SortChoice).open(columns, self.query_state.sort)

    # While the sort choice is open the table skips its keys (`PagedTable`) and these take them; closed, they are
    # off (`check_action`): the digits open the screens again, and help and palette list those.
    def action_sort_move(self, step: int) -> None:
        self.query_one(SortChoice).move(step)

    def action_sort_pick(self, index: int | None = None) -> None:
        self.query_one(SortChoice).pick(index)

    @on(SortChoice.Chosen)
    def _sort_chosen(self, message: SortChoice.Chosen) -> None:
        if message.column and message.column != self.query_state.sort:
            self._query(sort=message.column, descending=False, offset=0)

    def action_reverse(self) -> None:
        self._query(descending=not self.query_state.descending, offset=0)

    @on(PagedTable.HeaderSelected)
    def _header(self, event: PagedTable.HeaderSelected) -> None:
        column = event.column_key
        if column == self.query_state.sort:
            self._query(descending=not self.query_state.descending, offset=0)
        else:
            self._query(sort=column, descending=False, offset=0)

    # -- actions on the row -----------------------------------------------------------------------------

    @on(PagedTable.RowSelected)
    def _open_mapping(self) -> None:
        link = self.current_link()
        if link is not None:
            self.post_message(MappingRequested(link.listing_id))

    def action_page(self, step: int) -> None:
        table = self.query_one(PagedTable)
        table.action_page_down() if step > 0 else table.action_page_up()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("sort_move", "sort_pick"):
            return self.query_one(SortChoice).is_open
        if action in ("write_code", "ignore", "copy_listing", "listing_url"):
            return self.current_link() is not None or None
        if action == "simulate_seller_edit":
            if not (getattr(self.app, "demo", False) and getattr(self.app.gateway, "can_simulate", False)):
                return False  # not a real-account action: never shown outside `melisync demo`
            return True
        if action == "accept_code":
            link = self.current_link()
            return bool(link and link.state.value == "link_lost") or None
        return True

    def action_write_code(self) -> None:
        link = self.current_link()
        if link is None:
            return
        # A lost link is usually fixed by putting the ERP code back on the listing.
        suggested = link.erp_code if link.state.value == "link_lost" else (link.reference_code or link.erp_code or "")
        self.app.push_screen(ReferenceCodeModal(link, suggested or ""), lambda code: self._code_entered(link, code))

    def _code_entered(self, link, code: str | None) -> None:
        if code:
            # The change shown is read from the live listing, not from the table (it may be stale).
            self.post_message(ReferenceCodePreviewRequested(link, code, self))

    @on(ReferenceCodePreviewed)
    def _code_previewed(self, message: ReferenceCodePreviewed) -> None:
        action = message.action
        if action.status.value != "planned":
            self.notify(escape(_("Nothing to write: {reason}", reason=say(action.reason))), severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.post_message(ReferenceCodeWriteRequested(action))

        body = describe_change(message.link, action)
        self.app.push_screen(ConfirmModal(_("Write this reference code?"), body, yes=_("Write")), answered)

    def action_accept_code(self) -> None:
        link = self.current_link()
        if link is None or link.state.value != "link_lost":
            return
        body = _(
            "{row}: Mercado Livre now carries {new} instead of {old}. Link the row by {new} at the next "
            "sync? Nothing is written to Mercado Livre.",
            row=link.key,
            new=link.reference_code or "—",
            old=link.erp_code or "—",
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.post_message(AcceptCodeRequested((link.key,)))

        self.app.push_screen(ConfirmModal(_("Accept the new reference code?"), body), answered)

    def action_simulate_seller_edit(self) -> None:
        link = self.current_link()
        if link is None:
            return
        if link.state.value != "linked":
            self.notify(
                _("Demo: choose a linked row (l shows them); only a linked row can lose its link."), severity="warning"
            )
            return
        self.post_message(SellerEditSimulationRequested(link))

    def action_ignore(self) -> None:
        link = self.current_link()
        if link is not None:
            self.post_message(IgnoreRequested((link.key,), ignored=link.state.value != "ignored"))

    def action_export(self) -> None:
        from services.csv_export import LINK_FIELDS, link_row

        query, services = replace(self.query_state, offset=0, limit=10**9), self.app.sync_services
        self.app.export_table(
            "links", LINK_FIELDS, lambda: [link_row(link, say) for link in services.query_links(query).rows]
        )

    def action_copy_listing(self) -> None:
        link = self.current_link()
        if link is not None:
            # OSC 52: the terminal puts it on the clipboard (over SSH too, where it allows it).
            self.app.copy_to_clipboard(link.listing_id)
            self.notify(_("Copied {listing} (if your terminal allows it).", listing=link.listing_id))

    def action_listing_url(self) -> None:
        from services.listing_url import listing_url

        link = self.current_link()
        if link is None:
            return
        # Never opened from here: over SSH the browser is on the operator's machine. OSC 52 copies it there.
        self.app.copy_to_clipboard(listing_url(link.listing_id))
        self._url_for = link.key
        self._show_detail()

    def action_sync(self) -> None:
        open_sync(self.app)

    def palette_commands(self):
        yield from super().palette_commands()
        yield from sync_commands(self.app)

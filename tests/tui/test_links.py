"""Pilot tests of the linked products screen: filter by state, search, sort, page through the store,
ignore / unignore, and fix a `link_lost` row by writing the reference code back (through the sync
engine's journaled write path, against the in-process sandbox)."""

from __future__ import annotations

from screens.confirm import ConfirmModal
from screens.links import PAGE, LinksScreen, PagedTable
from screens.reference_code import ReferenceCodeModal
from services.linking import LinkState
from services.store.journal import FINISHED, Journal
from services.store.links import LinkRepository
from tests.fixtures.tui import screen_text
from tests.fixtures.tui_sync import listing_titled, seed_links, settle, type_text, wait_until


async def open_links(app, pilot) -> LinksScreen:
    await settle(app, pilot)
    await pilot.press("2")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, LinksScreen)
    await wait_until(app, pilot, lambda: screen.loaded, "the first page")
    return screen


async def test_filter_search_sort_and_page(make_sync_app, demo_home):
    links = seed_links(demo_home.home, 500)
    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_links(app, pilot)
        table = screen.query_one(PagedTable)
        assert screen.total == 500 and table.row_count == PAGE  # never more than a page in the table
        assert "500 of 500 links" in screen_text(app)

        lost = [l for l in links if l.state == LinkState.LINK_LOST]
        await pilot.press("x")
        await settle(app, pilot)
        assert screen.total == len(lost) and {l.state for l in screen.rows} == {LinkState.LINK_LOST}
        assert f"{len(lost)} of 500 links" in screen_text(app)

        await pilot.press("slash")
        await type_text(pilot, "caneca")
        await settle(app, pilot)
        wanted = [l for l in lost if "caneca" in l.title.casefold()]
        assert wanted and screen.total == len(wanted)
        assert {l.key for l in screen.rows} == {l.key for l in wanted}
        assert "search: caneca" in screen_text(app)
        await pilot.press("escape")  # clears the search, keeps the filter
        await settle(app, pilot)
        assert screen.total == len(lost)

        await pilot.press("a")
        await settle(app, pilot)
        assert screen.total == 500
        await pilot.press("o", "3")  # the sort key lets the column be chosen: 3 = Variation
        await settle(app, pilot)
        assert screen.query_state.sort == "variation_label"
        await pilot.press("o", "down", "enter")  # or with the arrows: the next one, ERP code
        await settle(app, pilot)
        assert screen.query_state.sort == "erp_code"
        await pilot.press("o", "3")
        await settle(app, pilot)
        await pilot.press("O")
        await settle(app, pilot)
        labels = [l.variation_label for l in screen.rows]
        assert screen.query_state.descending and labels[0].startswith("Cor: Verde")

        # Paging: running off the last row loads the next page from the store.
        await pilot.press("ctrl+end")
        await pilot.press("down")
        await settle(app, pilot)
        assert screen.query_state.offset == PAGE and table.cursor_row == 0
        assert "rows 101–200" in screen_text(app)
        await pilot.press("up")
        await settle(app, pilot)
        assert screen.query_state.offset == 0 and table.cursor_row == PAGE - 1


async def test_ignore_and_unignore_a_row(make_sync_app, demo_home):
    seed_links(demo_home.home, 30)
    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_links(app, pilot)
        await pilot.press("l")
        await settle(app, pilot)
        key = screen.current_link().key
        await pilot.press("g")
        await settle(app, pilot)
        assert key in LinkRepository(home=demo_home.home).ignored()
        assert key not in {l.key for l in screen.rows}  # no longer linked: it shows under ignored
        await pilot.press("i")
        await settle(app, pilot)
        row = next(i for i, l in enumerate(screen.rows) if l.key == key)
        screen.query_one(PagedTable).move_cursor(row=row)
        await pilot.press("g")
        await settle(app, pilot)
        assert key not in LinkRepository(home=demo_home.home).ignored()


async def test_fix_a_lost_link_by_writing_the_code_back(make_sync_app, make_engine, synced_home, sandbox_state):
    # The seller changed a variation's code on Mercado Livre after the first sync: the link is lost (S6).
    item = listing_titled(sandbox_state, "Camiseta Ação Social")
    variation = sandbox_state.item(item)["variations"][0]
    old = next(a["value_name"] for a in variation["attributes"] if a["id"] == "SELLER_SKU")
    sandbox_state.set_reference_code(item, "TYPO-123", variation_id=variation["id"])
    engine = make_engine()
    await engine.apply(await engine.plan("stock"))
    sandbox_state.clear_log()

    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_links(app, pilot)
        await pilot.press("x")
        await settle(app, pilot)
        [lost] = screen.rows
        assert (lost.listing_id, lost.variation_id, lost.erp_code) == (item, variation["id"], old)
        assert "TYPO-123" in screen_text(app)

        await pilot.press("r")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ReferenceCodeModal)
        assert modal.query_one("#new-code").value == old  # the ERP code is offered back
        await pilot.press("enter")
        await wait_until(app, pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirmation")
        text = screen_text(app)
        assert f"Reference code: TYPO-123 -> {old}" in text and str(variation["id"]) in text
        assert sandbox_state.writes() == []  # nothing written before the yes
        await pilot.press("y")
        await settle(app, pilot)

    live = sandbox_state.item(item)["variations"][0]
    assert next(a["value_name"] for a in live["attributes"] if a["id"] == "SELLER_SKU") == old
    assert [v["id"] for v in sandbox_state.item(item)["variations"]] == sandbox_state.variation_ids(item)
    assert sandbox_state.deleted_variations == []
    run = Journal(home=synced_home.home).last_run("reference_code")
    assert run.status == FINISHED
    # The next sync links the row again.
    engine = make_engine()
    await engine.apply(await engine.plan("stock"))
    [row] = [l for l in LinkRepository(home=synced_home.home).all() if l.key == lost.key]
    assert row.state == LinkState.LINKED


async def test_cancelling_the_code_modal_writes_nothing(make_sync_app, demo_home, sandbox_state):
    seed_links(demo_home.home, 10)
    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_links(app, pilot)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReferenceCodeModal)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, LinksScreen)
    assert sandbox_state.writes() == []


def test_cells_show_titles_and_codes_as_typed():
    """Titles come from Mercado Livre: a "[b]" in one is text, not markup."""
    from screens.links import row_cells
    from services.linking import Link

    link = Link("MLB1", None, LinkState.LINKED, "A[1]", "A[1]", title="Kit [b]Promo[/b] [red]", erp_stock=3, ml_stock=1)
    cells = [cell.plain for cell in row_cells(link)]
    assert "Kit [b]Promo[/b] [red]" in cells and "A[1]" in cells and "+2" in cells


async def test_clicking_a_header_sorts_by_it_and_again_reverses(make_sync_app, demo_home):
    links = seed_links(demo_home.home, 60)
    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_links(app, pilot)
        table = screen.query_one(PagedTable)
        x = table.column_x("erp_code") + 2
        await pilot.click(PagedTable, offset=(x, 0))
        await settle(app, pilot)
        assert screen.query_state.sort == "erp_code" and not screen.query_state.descending
        codes = [l.erp_code for l in screen.rows if l.erp_code]
        assert codes == sorted(l.erp_code for l in links if l.erp_code)
        await pilot.click(PagedTable, offset=(x, 0))
        await settle(app, pilot)
        assert screen.query_state.descending


async def test_accepting_a_lost_links_new_code_is_asked_then_remembered(make_sync_app, demo_home, sandbox_state):
    seed_links(demo_home.home, 30)
    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_links(app, pilot)
        await pilot.press("x")
        await settle(app, pilot)
        lost = screen.current_link()
        assert lost.state == LinkState.LINK_LOST
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert "Accept the new reference code?" in screen_text(app)
        await pilot.press("y")
        await settle(app, pilot)
    # The next sync links the row by its current code instead of reporting it lost (S6, on purpose).
    assert lost.key not in LinkRepository(home=demo_home.home).previous()
    assert sandbox_state.writes() == []


async def test_jump_to_a_listing_on_another_page_and_past_the_filter(make_sync_app, demo_home):
    seed_links(demo_home.home, 500)
    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_links(app, pilot)
        await pilot.press("j")
        await type_text(pilot, "mlb-4100000200")  # as an operator may write it: case and a dash
        await pilot.press("enter")
        await wait_until(app, pilot, lambda: screen.settled and screen.query_state.offset == 4 * PAGE, "page 5")
        assert screen.current_link().listing_id == "MLB4100000200"
        assert screen.query_one(PagedTable).has_focus

        await pilot.press("x")  # only lost links: the listing below is linked, so hidden by the filter
        await wait_until(app, pilot, lambda: screen.settled and screen.query_state.state == "link_lost", "lost")
        await pilot.press("j")
        await type_text(pilot, "4100000003")  # part of an id
        await pilot.press("enter")
        await wait_until(app, pilot, lambda: screen.settled and screen.query_state.state is None, "every row")
        assert screen.current_link().listing_id == "MLB4100000003"
        assert any("is hidden by the filter or search" in n.message for n in app._notifications)

        await pilot.press("j")
        await type_text(pilot, "MLB999")
        await pilot.press("enter")
        await wait_until(
            app,
            pilot,
            lambda: any('No listing matches "MLB999"' in n.message for n in app._notifications),
            "the warning",
        )
        assert screen.current_link().listing_id == "MLB4100000003"  # the cursor stays where it was


async def test_listing_address_is_shown_alone_and_copied(make_sync_app, demo_home):
    seed_links(demo_home.home, 30)
    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_links(app, pilot)
        listing = screen.current_link().listing_id
        await pilot.press("b")
        await settle(app, pilot)
        url = f"https://produto.mercadolivre.com.br/MLB-{listing[3:]}"
        assert app.clipboard == url
        lines = str(screen.query_one("#links-detail").content).splitlines()
        assert lines[-1] == url  # on a line of its own, for a mouse selection over SSH
        await pilot.press("down")
        await settle(app, pilot)
        assert url not in str(screen.query_one("#links-detail").content)


async def test_the_links_index_is_built_at_start_up_before_the_screen_is_opened(make_sync_app, demo_home):
    """Issue 14: the index (rows, search text, every sort) is built in a thread once the App is up, so the
    linked products screen answers its first keys from memory."""
    seed_links(demo_home.home, 300)
    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await app.workers.wait_for_complete()
        assert not isinstance(app.screen, LinksScreen)
        table = app.sync_services._link_table()
        assert table.ready and {column for column, _descending in table._sorted} >= {"title", "ml_stock", "state"}
        screen = await open_links(app, pilot)
        assert screen.total == 300 and table.ready


async def test_the_footer_shows_the_rows_keys_as_they_are_after_another_screen(make_sync_app, demo_home):
    """The footer of a screen out of sight is not composed again (issue 14: ~8 ms each time); what changed
    meanwhile shows once the screen is back."""
    from dataclasses import replace

    from textual.widgets._footer import FooterKey

    def write_key_enabled() -> bool:
        [key] = [k for k in screen.query(FooterKey) if k.key == "r"]
        return not key.has_class("-disabled")

    seed_links(demo_home.home, 30)
    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_links(app, pilot)
        assert write_key_enabled()
        await pilot.press("4")
        await settle(app, pilot)
        assert app.screen is not screen
        screen.query_state = replace(screen.query_state, search="nothing matches this")
        screen.reload(cursor=0)  # as a reload after a sync would, while another screen is on show
        await wait_until(app, pilot, lambda: screen.settled and not screen.rows, "the empty page")
        await pilot.press("2")
        await settle(app, pilot)
        assert app.screen is screen
        assert not write_key_enabled()  # no row: nothing to write a code to


async def test_the_sort_choice_takes_its_keys_only_while_it_is_open(make_sync_app, demo_home):
    """`o` shows the columns over the table (not a modal: issue 14); while it is open the digits, arrows, Enter
    and Esc are its own, and once it is closed they do what they do on the screen again."""
    from screens.sort_choice import SortChoice
    from screens.sync_logs import SyncLogsScreen

    seed_links(demo_home.home, 300)
    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_links(app, pilot)
        table, choice = screen.query_one(PagedTable), screen.query_one(SortChoice)
        await pilot.press("o")
        await settle(app, pilot)
        assert choice.display and "Sort by" in screen_text(app) and "8  Title / family" in screen_text(app)
        await pilot.press("down", "down", "escape")  # the arrows move in the choice; Esc leaves it
        await settle(app, pilot)
        assert not choice.display and screen.query_state.sort == "listing_id" and table.cursor_row == 0
        await pilot.press("o", "up", "enter")  # Enter takes the highlighted column: the one before Listing
        await settle(app, pilot)
        assert not choice.display and screen.query_state.sort == "state" and table.cursor_row == 0
        await pilot.press("o", "l")  # another key leaves the choice and does its own job
        await settle(app, pilot)
        assert not choice.display and screen.query_state.state == "linked"
        await pilot.press("down", "down")  # closed: the arrows move the cursor again
        await settle(app, pilot)
        assert table.cursor_row == 2
        await pilot.press("4")  # and a digit opens its screen, as everywhere
        await settle(app, pilot)
        assert isinstance(app.screen, SyncLogsScreen)

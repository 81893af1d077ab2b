"""The demo's "simulate the seller" key (E on the linked products screen): it changes the highlighted row's
reference code on the in-process sandbox, so the next sync shows a lost link the operator fixes with `r`.
Outside the demo the key does not exist (not in the footer, the help or the palette; pressing it does nothing)."""

from __future__ import annotations

from dataclasses import replace

from cli.commands.demo import demo_gateway
from screens.confirm import ConfirmModal
from screens.links import LinksScreen
from screens.reference_code import ReferenceCodeModal
from screens.sync_plan import SyncKindModal, SyncPlanScreen
from services.linking import LinkState
from services.store.links import LinkRepository
from tests.fixtures.tui import screen_text
from tests.fixtures.tui_sync import settle, wait_until
from tests.tui.test_links import open_links


def sku(state, item_id: str, variation_id: int | None) -> str | None:
    item = state.item(item_id)
    target = item if variation_id is None else next(v for v in item["variations"] if v["id"] == variation_id)
    return next((a["value_name"] for a in target.get("attributes", []) if a["id"] == "SELLER_SKU"), None)


async def open_linked_rows(app, pilot) -> LinksScreen:
    screen = await open_links(app, pilot)
    await pilot.press("l")
    await wait_until(app, pilot, lambda: screen.settled and screen.rows, "the linked rows")
    return screen


async def sync_all(app, pilot) -> None:
    await pilot.press("S")
    await wait_until(app, pilot, lambda: isinstance(app.screen, SyncKindModal), "the sync chooser")
    await pilot.press("a")
    await wait_until(app, pilot, lambda: isinstance(app.screen, SyncPlanScreen), "the plan")
    await pilot.press("a")
    await wait_until(app, pilot, lambda: isinstance(app.screen, ConfirmModal), "the apply confirmation")
    await pilot.press("y")
    await wait_until(app, pilot, lambda: app.sync_state.phase == "finished", "the sync to finish")
    await settle(app, pilot)


async def test_demo_simulates_the_seller_then_the_lost_link_is_fixed(
    synced_home, sandbox_state, asgi_transport, frozen_tz
):
    from tui.app import MelisyncApp

    config = replace(synced_home)
    app = MelisyncApp(
        config,
        gateway=demo_gateway(config, sandbox_state, transport=asgi_transport),
        lang="en",
        demo=True,
        watch_terminal=False,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_linked_rows(app, pilot)
        assert "E Demo: edit code" in screen_text(app)  # in the footer, in the demo only
        row = screen.current_link()
        old = row.reference_code
        assert sku(sandbox_state, row.listing_id, row.variation_id) == old
        sandbox_state.clear_log()

        await pilot.press("E")
        await wait_until(
            app,
            pilot,
            lambda: sku(sandbox_state, row.listing_id, row.variation_id) != old,
            "the seller's edit on the sandbox",
        )
        assert sku(sandbox_state, row.listing_id, row.variation_id) == f"{old}-V2"
        assert sandbox_state.writes() == []  # melisync wrote nothing: the "seller" did
        assert any("Run a sync (S) to see the row as a lost link" in n.message for n in app._notifications)

        await sync_all(app, pilot)
        assert app.sync_state.result.ok, app.sync_state.result.errors
        [stored] = [l for l in LinkRepository(home=config.home).all() if l.key == row.key]
        assert stored.state == LinkState.LINK_LOST and stored.erp_code == old

        await wait_until(app, pilot, lambda: isinstance(app.screen, LinksScreen), "back on the links")
        await pilot.press("x")
        await wait_until(
            app, pilot, lambda: screen.settled and [l.key for l in screen.rows] == [row.key], "the lost row"
        )
        await pilot.press("r")
        await wait_until(app, pilot, lambda: isinstance(app.screen, ReferenceCodeModal), "the code modal")
        assert app.screen.query_one("#new-code").value == old  # the ERP code is offered back
        await pilot.press("enter")
        await wait_until(app, pilot, lambda: isinstance(app.screen, ConfirmModal), "the write confirmation")
        await pilot.press("y")
        await wait_until(
            app, pilot, lambda: sku(sandbox_state, row.listing_id, row.variation_id) == old, "the code written back"
        )

        await sync_all(app, pilot)
        [stored] = [l for l in LinkRepository(home=config.home).all() if l.key == row.key]
        assert stored.state == LinkState.LINKED


async def test_outside_the_demo_there_is_no_simulation(make_sync_app, synced_home, sandbox_state):
    from screens.help import HelpScreen

    app = make_sync_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_linked_rows(app, pilot)
        row = screen.current_link()
        before = sku(sandbox_state, row.listing_id, row.variation_id)
        assert "Demo: edit code" not in screen_text(app)
        assert not any("Demo: edit code" in title for title, _help, _call in screen.palette_commands())
        await pilot.press("E")
        await settle(app, pilot)
        assert sku(sandbox_state, row.listing_id, row.variation_id) == before
        await pilot.press("question_mark")
        await wait_until(app, pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        assert "Demo: edit code" not in screen_text(app)

"""Pilot tests of the variation mapping screen (S7, S8) on the in-process sandbox: Enter on a row opens
its listing's variations beside the ERP compositions; a structure mismatch is converted only after the
operator saw how many stock movements it zeroes."""

from __future__ import annotations

from screens.confirm import ConfirmModal
from screens.links import LinksScreen
from screens.mapping import MappingScreen
from services.erp.catalog import Catalog
from services.erp.models import MovementKind
from services.store.links import LinkRepository
from tests.fixtures.tui import screen_text
from tests.fixtures.tui_sync import listing_titled, settle, wait_until


async def open_mapping(app, pilot, filter_key: str, listing_id: str) -> MappingScreen:
    await settle(app, pilot)
    await pilot.press("2")
    await settle(app, pilot)
    links = app.screen
    assert isinstance(links, LinksScreen)
    await pilot.press(filter_key)
    await settle(app, pilot)
    row = next(i for i, link in enumerate(links.rows) if link.listing_id == listing_id)
    links.query_one("#links-table").move_cursor(row=row)
    await pilot.press("enter")
    await wait_until(app, pilot, lambda: isinstance(app.screen, MappingScreen) and app.screen.mapping, "the mapping")
    return app.screen


async def test_variations_beside_compositions(make_sync_app, synced_home, sandbox_state):
    item = listing_titled(sandbox_state, "Mochila Com Variação Nova")
    stored = [l for l in LinkRepository(home=synced_home.home).all() if l.listing_id == item]
    compositions = {c.code for c in Catalog(home=synced_home.home).compositions_of("MOC-NOVA")}
    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_mapping(app, pilot, "a", item)
        pairs = screen.mapping.pairs
        # One line per variation, in listing order, each with its state and the composition of its code...
        assert [(p.variation.key, p.state) for p in pairs[: len(stored)]] == [(l.key, l.state.value) for l in stored]
        for pair in pairs[: len(stored)]:
            code = pair.variation.reference_code
            assert (pair.composition.code if pair.composition else None) == (code if code in compositions else None)
        # ...then the ERP compositions no variation carries.
        carried = {l.reference_code for l in stored}
        assert {p.composition.code for p in pairs[len(stored) :]} == compositions - carried
        assert {p.state for p in pairs[len(stored) :]} <= {"not_on_ml"}
        assert screen.mapping.product_code == "MOC-NOVA" and not screen.mapping.convertible
        assert "MOC-NOVA" in screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, LinksScreen)


async def test_structure_mismatch_is_converted_after_showing_the_movements_zeroed(
    make_sync_app, synced_home, sandbox_state
):
    item = listing_titled(sandbox_state, "Luminária de Mesa LED Articulada")
    catalog = Catalog(home=synced_home.home)
    movements = len(catalog.movements("LUM-ART"))
    balance = catalog.balance("LUM-ART")
    codes = sorted(v["sku"] for v in _variations(sandbox_state, item))
    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_mapping(app, pilot, "s", item)
        assert screen.mapping.convertible and screen.mapping.product_code == "LUM-ART"
        assert {p.state for p in screen.mapping.pairs} == {"structure_mismatch"}
        assert "Structure mismatch:" in screen_text(app) and "(S8)" not in screen_text(app)

        await pilot.press("v")
        await wait_until(app, pilot, lambda: isinstance(app.screen, ConfirmModal), "the S8 confirmation")
        text = screen_text(app)
        noun = "stock movement" if movements == 1 else "stock movements"  # "1 stock movement", never "1 ... movements"
        assert f"zeroes its {movements} {noun} (stock {balance} -> 0)" in text
        assert Catalog(home=synced_home.home).compositions_of("LUM-ART") == []  # only a preview so far
        await pilot.press("n")
        await settle(app, pilot)
        assert Catalog(home=synced_home.home).compositions_of("LUM-ART") == []

        await pilot.press("v")
        await wait_until(app, pilot, lambda: isinstance(app.screen, ConfirmModal), "the S8 confirmation")
        await pilot.press("y")
        await settle(app, pilot)
        await wait_until(app, pilot, lambda: not screen.mapping.convertible, "the mapping to reload")
        assert "run a sync to link the variations" in str(screen.query_one("#mapping-s8").content)

    catalog = Catalog(home=synced_home.home)
    assert sorted(c.code for c in catalog.compositions_of("LUM-ART")) == codes
    assert catalog.products()["LUM-ART"].has_variations
    assert catalog.balance("LUM-ART") == 0
    assert catalog.movements("LUM-ART")[-1].kind == MovementKind.RESET
    attributes = {c.code: dict(c.attributes) for c in catalog.compositions_of("LUM-ART")}
    for variation in _variations(sandbox_state, item):
        assert set(attributes[variation["sku"]]) == {"Cor", "Tamanho"}


def _variations(state, item):
    out = []
    for variation in state.item(item)["variations"]:
        sku = next(a["value_name"] for a in variation.get("attributes", []) if a["id"] == "SELLER_SKU")
        out.append({**variation, "sku": sku})
    return out

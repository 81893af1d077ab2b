"""User Products families in the screens (issue 7): on a UP seller the linked products table shows each
family's listings like a listing's variations (family as the title, the variant beside it), and the
variation mapping of any listing of a family lists the whole family beside the ERP compositions."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sandbox.catalog import generate
from sandbox.state import SandboxState
from screens.mapping import MappingScreen
from screens.sync_messages import MappingRequested
from services.erp.catalog import Catalog
from services.erp.csv_io import import_csv
from tests.fixtures.tui import screen_text
from tests.fixtures.tui_sync import settle, type_text, wait_until
from tests.tui.test_links import open_links

VARIANTS = [
    {"attributes": {"Cor": "Azul", "Tamanho": "M"}, "quantity": 4, "sku": "CAM-BAS-AZ-M"},
    {"attributes": {"Cor": "Preto", "Tamanho": "G"}, "quantity": 2, "sku": "CAM-BAS-PR-G"},
    {"attributes": {"Cor": "Verde", "Tamanho": "P"}, "quantity": 1, "sku": "CAM-BAS-VE-P"},
]
ERP_CSV = (
    "code,name,price,stock,parent_code,attributes\n"
    "CAM-BAS,Camiseta Básica,49.90,,,\n"
    "CAM-BAS-AZ-M,,,5,CAM-BAS,Cor=Azul;Tamanho=M\n"
    "CAM-BAS-PR-G,,,3,CAM-BAS,Cor=Preto;Tamanho=G\n"
    "CAM-BAS-VE-P,,,0,CAM-BAS,Cor=Verde;Tamanho=P\n"
    "CAM-BAS-BR-GG,,,7,CAM-BAS,Cor=Branco;Tamanho=GG\n"
    "GAR-AZ,Garrafa Azul,30.00,4,,\n"
    "GAR-VE,Garrafa Verde,30.00,6,,\n"
)


@pytest.fixture
def sandbox_state():
    state = SandboxState(user_products=True, listings=12)
    state.family_ids = state.add_family("Camiseta Básica", VARIANTS, 49.9, listing_types=("gold_special", "gold_pro"))
    # A family whose variants the ERP keeps as separate products (no compositions).
    state.bottle_ids = state.add_family(
        "Garrafa Colorida",
        [
            {"attributes": {"Cor": "Azul"}, "quantity": 4, "sku": "GAR-AZ"},
            {"attributes": {"Cor": "Verde"}, "quantity": 6, "sku": "GAR-VE"},
        ],
    )
    return state


@pytest.fixture
async def up_home(connected, sandbox_state, tmp_path, make_engine):
    """Connected to the UP seller, the demo ERP catalogue plus the family's product, after a `sync all`."""
    for name, text in (("demo.csv", generate(12, 0).erp_csv), ("family.csv", ERP_CSV)):
        path = tmp_path / name
        path.write_text(text, "utf-8")
        import_csv(path, Catalog(home=connected.home))
    engine = make_engine()
    await engine.apply(await engine.plan("all"))
    return connected


def make_app(config, asgi_transport):
    from tui.app import MelisyncApp
    from tui.workers import ServiceGateway

    return MelisyncApp(
        config, gateway=ServiceGateway(config, transport=asgi_transport), lang="en", watch_terminal=False
    )


async def test_a_family_reads_like_a_listing_with_variations(up_home, sandbox_state, asgi_transport, frozen_tz):
    family = sandbox_state.family_ids
    items = {i: sandbox_state.item(i) for i in family}
    app = make_app(replace(up_home), asgi_transport)
    async with app.run_test(size=(160, 48)) as pilot:
        links = await open_links(app, pilot)
        await pilot.press("slash")
        await type_text(pilot, "CAM-BAS")
        await pilot.press("enter")
        await wait_until(app, pilot, lambda: links.settled and len(links.rows) == len(family), "the family's rows")
        assert [l.listing_id for l in links.rows] == family
        assert {l.family_name for l in links.rows} == {"Camiseta Básica"}
        table = links.query_one("#links-table")
        for index, link in enumerate(links.rows):
            cells = [str(c) for c in table.get_row_at(index)]
            # The family as the title, the variant (here "Azul M" ...) where a variation would be.
            assert cells[7] == "Camiseta Básica"
            assert cells[2] == items[link.listing_id]["title"].removeprefix("Camiseta Básica ")
        table.move_cursor(row=1)
        await pilot.pause()
        detail = str(links.query_one("#links-detail").content)
        assert f"family Camiseta Básica · user product {items[family[1]]['user_product_id']}" in detail

        await pilot.press("enter")  # the mapping of one listing shows the whole family
        await wait_until(
            app, pilot, lambda: isinstance(app.screen, MappingScreen) and app.screen.mapping, "the mapping"
        )
        await settle(app, pilot)
        mapping = app.screen.mapping
        assert mapping.family_name == "Camiseta Básica" and mapping.product_code == "CAM-BAS"
        on_ml = [p for p in mapping.pairs if p.variation is not None]
        assert [p.variation.listing_id for p in on_ml] == family
        for pair in on_ml:
            item = items[pair.variation.listing_id]
            sku = next(a["value_name"] for a in item["attributes"] if a["id"] == "SELLER_SKU")
            assert pair.composition.code == sku and pair.state == "linked"
            assert pair.variation.user_product_id == item["user_product_id"]
            assert pair.variation.ml_stock == item["available_quantity"]
        # The composition no listing of the family carries, like a variation missing on Mercado Livre.
        assert [(p.composition.code, p.state) for p in mapping.pairs if p.variation is None] == [
            ("CAM-BAS-BR-GG", "not_on_ml")
        ]
        text = screen_text(app)
        assert "Family: Camiseta Básica  6 listings, 3 user products" in text
        assert "Listing in the family" in text and "User product" in text
        assert f"{family[0]} Azul M" in text and items[family[0]]["user_product_id"] in text


async def test_a_family_of_plain_erp_products(up_home, sandbox_state, asgi_transport, frozen_tz):
    app = make_app(replace(up_home), asgi_transport)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        app.post_message(MappingRequested(sandbox_state.bottle_ids[1]))
        await wait_until(
            app, pilot, lambda: isinstance(app.screen, MappingScreen) and app.screen.mapping, "the mapping"
        )
        await settle(app, pilot)
        mapping = app.screen.mapping
        assert mapping.family_name == "Garrafa Colorida" and mapping.product_code is None
        assert mapping.products == ("GAR-AZ", "GAR-VE")
        assert [(p.variation.listing_id, p.erp_product, p.erp_stock, p.state) for p in mapping.pairs] == [
            (sandbox_state.bottle_ids[0], "GAR-AZ", 4, "linked"),
            (sandbox_state.bottle_ids[1], "GAR-VE", 6, "linked"),
        ]
        text = screen_text(app)
        assert "ERP products: GAR-AZ, GAR-VE (one per listing, without compositions)" in text
        assert "GAR-VE" in text and "Garrafa Verde" in text

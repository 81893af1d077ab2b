"""The demo's Mercado Livre has issue 10's cases on by default: a two-warehouse seller (units in the other store,
Full next to the seller's own stock) and Mercado Livre kits; a stock plan over it shows them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cli.commands.demo import DEMO_KITS, demo_state
from sandbox.catalog import generate
from services.erp.csv_io import import_csv
from services.linking import KIT_REASON
from services.sync.plan import ActionStatus as St


@pytest.fixture
def sandbox_state():
    return demo_state(60, 0)


async def test_the_demo_plan_shows_kits_other_warehouses_and_full(sandbox_state, make_engine, tmp_path):
    assert sandbox_state.warehouse_management and len(sandbox_state.stores) == 2 and len(sandbox_state.kits) == 2
    csv = tmp_path / "erp.csv"
    csv.write_text(generate(60, 0, DEMO_KITS).erp_csv, "utf-8")
    import_csv(csv)
    engine = make_engine()
    engine.config = replace(engine.config, warehouse=sandbox_state.stores[0]["id"])
    prepared = await engine.plan("stock", dry_run=True)
    stock = [a for a in prepared.plan.actions if a.kind.value == "stock"]
    kits = {link.listing_id: link for link in prepared.links if link.reason == KIT_REASON}
    assert set(kits) == set(sandbox_state.kits)
    assert any(a.data.get("others") for a in stock)  # some products also sit in the second store
    assert any(a.data.get("full") and a.status == St.PLANNED for a in stock)  # own stock next to Full, written
    assert not any(a.item_id in kits and a.status == St.PLANNED for a in stock)

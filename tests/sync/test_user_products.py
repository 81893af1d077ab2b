"""Sellers of 2026 (issue 7, the part the sync engine owns today): User Products listings get one stock
write per user product (multi-origin sellers: tests/sync/test_warehouse.py)."""

from __future__ import annotations

import pytest

from sandbox.state import SandboxState
from services.store.journal import FINISHED, Journal
from services.sync.plan import ActionStatus as St
from services.sync.plan import SyncKind
from tests.fixtures.sync import seed_erp
from words.reasons import say


@pytest.fixture
def sandbox_state(request) -> SandboxState:
    param = getattr(request, "param", None)
    state = SandboxState(listings=0, seed=0, user_products=param != "legacy", warehouse_management=param == "warehouse")
    if param == "legacy":
        return state
    state.add_family(
        "Camiseta",
        [
            {"attributes": {"Cor": "Azul"}, "quantity": 2, "sku": "CAM-AZ"},
            {"attributes": {"Cor": "Verde"}, "quantity": 7, "sku": "CAM-VD"},
        ],
        listing_types=("gold_special", "gold_pro"),
    )
    return state


async def run(engine, kind):
    return await engine.apply(await engine.plan(kind))


async def test_one_write_per_user_product_and_siblings_agree(sandbox_state, make_engine):
    seed_erp({}, {"CAM-AZ": ("CAM", 5), "CAM-VD": ("CAM", 7)})
    azul_classic, azul_premium, verde_classic, verde_premium = sandbox_state.listing_ids()
    result = await run(make_engine(), SyncKind.STOCK)
    assert result.status == FINISHED, result.errors
    puts = [r.path for r in sandbox_state.requests_to("/items/", "PUT")]
    assert puts == [f"/items/{azul_classic}"]
    done = {a.item_id: a for a in result.actions if a.status == St.DONE}
    assert set(done) == {azul_classic, azul_premium} and "written through" in say(done[azul_premium].reason)
    assert sandbox_state.item(azul_premium)["available_quantity"] == 5  # read back on the sibling too
    sandbox_state.clear_log()
    assert (await run(make_engine(), SyncKind.STOCK)).status == FINISHED and sandbox_state.writes() == []


async def test_siblings_with_different_codes_are_not_written(sandbox_state, make_engine):
    seed_erp({"OTHER": 9}, {"CAM-AZ": ("CAM", 5), "CAM-VD": ("CAM", 7)})
    azul_classic, azul_premium, *_ = sandbox_state.listing_ids()
    sandbox_state.set_reference_code(azul_premium, "OTHER")
    result = await run(make_engine(), SyncKind.STOCK)
    skipped = [a for a in result.actions if a.item_id in (azul_classic, azul_premium)]
    assert [a.status for a in skipped] == [St.SKIPPED, St.SKIPPED] and "share one stock" in say(skipped[0].reason)
    assert sandbox_state.writes() == []


@pytest.mark.parametrize("sandbox_state", ["legacy"], indirect=True)
async def test_a_migrated_listing_links_follow_the_codes_and_the_run_says_so(sandbox_state, make_engine):
    from services.linking import LinkState
    from services.store.links import LinkRepository

    old = sandbox_state.add_listing(
        "Boné",
        sku="BON",
        variations=[
            {"attributes": {"Cor": "Preto"}, "quantity": 2, "sku": "BON-PT"},
            {"attributes": {"Cor": "Branco"}, "quantity": 3, "sku": "BON-BR"},
        ],
    )
    seed_erp({}, {"BON-PT": ("BON", 2), "BON-BR": ("BON", 3)})
    assert (await run(make_engine(), SyncKind.STOCK)).status == FINISHED
    new = sandbox_state.migrate_listing(old, complete=False)
    during = await run(make_engine(), SyncKind.STOCK)
    assert sandbox_state.writes() == [] and during.status == FINISHED
    states = {l.listing_id: l.state for l in LinkRepository().all()}
    assert states[new[0]] == LinkState.NOT_WRITABLE
    sandbox_state.complete_migration(old)
    seed_erp({}, {"BON-PT": ("BON", 1)})  # one more unit in the ERP: the new listing is written, the old one never
    after = await run(make_engine(), SyncKind.STOCK)
    note = next(n for n in after.notes if old in say(n))
    assert "BON-PT -> " + new[0] in say(note) and "BON-BR -> " + new[1] in say(note)
    assert {a.item_id for a in after.actions if a.status == St.DONE} == {new[0]}
    assert all("migrated to User Products" in say(a.reason) for a in after.actions if a.item_id == old)
    assert not sandbox_state.requests_to(f"/items/{old}", "PUT")
    # The stored links follow: the old rows stay (history), never written, saying where the code went.
    stored = {(l.listing_id, l.erp_code): l for l in LinkRepository().all()}
    for code, now in (("BON-PT", new[0]), ("BON-BR", new[1])):
        was = stored[(old, code)]
        assert (
            was.state == LinkState.NOT_WRITABLE
            and "migrated to User Products" in say(was.reason)
            and now in say(was.reason)
        )
        assert stored[(now, code)].state == LinkState.LINKED and stored[(now, code)].reference_code == code
    assert note.to_json() in Journal().run(after.run_id).notes
    # Said once: the next run does not report the same migration again.
    again = await run(make_engine(), SyncKind.STOCK)
    assert not [n for n in map(say, again.notes) if old in n] and again.status == FINISHED
    assert {l.listing_id: say(l.reason) for l in LinkRepository().all()}[old].startswith("migrated to User Products")


async def test_a_seller_switched_to_multi_origin_after_connecting_is_seen_at_the_next_sync(sandbox_state, make_engine):
    seed_erp({}, {"CAM-AZ": ("CAM", 5), "CAM-VD": ("CAM", 7)})
    sandbox_state.warehouse_management = True  # Mercado Livre moved the seller; melisync connected before
    result = await run(make_engine(), SyncKind.STOCK)
    assert result.status == FINISHED, result.errors
    assert sandbox_state.requests_to("/items/", "PUT") == []  # accepted and ignored for these sellers
    [write] = sandbox_state.writes()
    assert write.path.endswith("/stock/type/seller_warehouse") and write.headers.get("x-version")
    assert {sandbox_state.item(a.item_id)["available_quantity"] for a in result.actions if a.erp_code == "CAM-AZ"} == {
        5
    }

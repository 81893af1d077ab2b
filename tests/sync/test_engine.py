"""The sync engine against the in-process sandbox: plan, apply, read back, journal, dry run."""

from __future__ import annotations

import pytest

from sandbox.state import SandboxState
from services.linking import LinkState
from services.run_facts import error_reason
from services.store.journal import DRY_RUN, FAILED, FINISHED, INTERRUPTED, Journal
from services.store.links import LinkRepository
from services.sync.plan import ActionKind as K
from services.sync.plan import ActionStatus as St
from services.sync.plan import SyncKind
from tests.fixtures.sync import cli, seed_erp
from words.reasons import say


@pytest.fixture
def sandbox_state() -> SandboxState:
    """A small, known account: a simple listing, one with variations, a Full one, one without code."""
    state = SandboxState(listings=0, seed=0)
    state.add_listing("Caneca", quantity=9, sku="CAN")
    state.add_listing(
        "Camiseta",
        sku="CAM",
        variations=[
            {"attributes": {"Cor": "Azul"}, "quantity": 2, "sku": "CAM-AZ"},
            {"attributes": {"Cor": "Verde"}, "quantity": 4, "sku": "CAM-VD"},
            {"attributes": {"Cor": "Preta"}, "quantity": 1, "sku": "CAM-PT"},
        ],
    )
    state.add_listing("Caneca Full", quantity=3, sku="CAN", full=True)
    state.add_listing("Sem código", quantity=5)
    return state


def ids(state):
    caneca, camiseta, full, nocode = state.listing_ids()
    return caneca, camiseta, full, nocode


async def run(engine, kind, dry_run=False):
    prepared = await engine.plan(kind, dry_run=dry_run)
    return engine.dry_result(prepared) if dry_run else await engine.apply(prepared)


async def test_stock_sync_writes_differences_keeps_variation_ids_then_writes_nothing(sandbox_state, make_engine):
    seed_erp({"CAN": 7}, {"CAM-AZ": ("CAM", 2), "CAM-VD": ("CAM", 10), "CAM-PT": ("CAM", 0)})
    caneca, camiseta, full, nocode = ids(sandbox_state)
    before = sandbox_state.variation_ids(camiseta)
    result = await run(make_engine(), SyncKind.STOCK)
    assert result.status == FINISHED, result.errors
    writes = [(a.item_id, a.variation_id, a.from_, a.to) for a in result.actions if a.status == St.DONE]
    vd, pt = before[1], before[2]
    assert sorted(writes, key=str) == sorted(
        [(caneca, None, 9, 7), (camiseta, vd, 4, 10), (camiseta, pt, 1, 0)], key=str
    )
    assert sandbox_state.item(caneca)["available_quantity"] == 7
    assert [v["available_quantity"] for v in sandbox_state.item(camiseta)["variations"]] == [2, 10, 0]
    assert sandbox_state.variation_ids(camiseta) == before and sandbox_state.deleted_variations == []
    # The Full listing is skipped and reported, never written.
    [skipped] = [a for a in result.actions if a.item_id == full]
    assert skipped.status == St.SKIPPED and "Full" in say(skipped.reason)
    assert not sandbox_state.requests_to(f"/items/{full}", "PUT")
    sandbox_state.clear_log()
    again = await run(make_engine(), SyncKind.STOCK)
    assert again.status == FINISHED and sandbox_state.writes() == []
    assert again.counts["unchanged"] == 4


async def test_dry_run_writes_nothing_anywhere(sandbox_state, make_engine):
    catalog = seed_erp({"CAN": 1})
    erp_before = (dict(catalog.products()), dict(catalog.balances()))
    engine = make_engine()
    result = await run(engine, SyncKind.ALL, dry_run=True)
    assert result.dry_run and [a.kind for a in result.actions if a.status == St.PLANNED].count(K.STOCK) >= 1
    assert sandbox_state.writes() == []
    assert (dict(catalog.products()), dict(catalog.balances())) == erp_before
    assert LinkRepository().all() == []
    run_row = Journal().run(result.run_id)
    assert run_row.status == DRY_RUN and run_row.dry_run and Journal().actions(result.run_id) == []


async def test_products_import_once_then_stock_push_and_no_duplicates(sandbox_state, make_engine):
    catalog = seed_erp()
    caneca, camiseta, full, nocode = ids(sandbox_state)
    result = await run(make_engine(), SyncKind.PRODUCTS)
    assert result.status == FINISHED, result.errors
    done = {(a.kind, a.erp_code) for a in result.actions if a.status == St.DONE}
    assert done == {
        (K.IMPORT_PRODUCT, "CAN"),
        (K.IMPORT_PRODUCT, "CAM"),
        (K.IMPORT_COMPOSITION, "CAM-AZ"),
        (K.IMPORT_COMPOSITION, "CAM-VD"),
        (K.IMPORT_COMPOSITION, "CAM-PT"),
    }
    assert catalog.balances() == {"CAN": 9, "CAM-AZ": 2, "CAM-VD": 4, "CAM-PT": 1}
    assert catalog.products()["CAN"].name == "Caneca" and catalog.products()["CAM"].has_variations
    [no_code] = [a for a in result.actions if a.item_id == nocode]
    assert no_code.status == St.SKIPPED and "no reference code" in say(no_code.reason)
    assert sandbox_state.writes() == []
    links = {l.key: l for l in LinkRepository().all()}
    assert links[caneca].state == LinkState.LINKED and links[nocode].state == LinkState.NO_REFERENCE
    again = await run(make_engine(), SyncKind.PRODUCTS)
    assert [a for a in again.actions if a.status != St.SKIPPED] == [] and len(catalog.movements()) == 4


async def test_full_refused_at_write_time_is_skipped_with_ml_reason_and_not_retried(sandbox_state, make_engine):
    seed_erp({"CAN": 4})
    caneca = ids(sandbox_state)[0]
    engine = make_engine()
    prepared = await engine.plan(SyncKind.STOCK)
    sandbox_state.make_full(caneca)  # became Full between plan and apply
    result = await engine.apply(prepared)
    [refused] = [a for a in result.actions if a.item_id == caneca]
    assert refused.status == St.SKIPPED and "not_modifiable" in say(refused.reason)
    link = {l.key: l for l in LinkRepository().all()}[caneca]
    assert link.state == LinkState.NOT_WRITABLE and "not_modifiable" in say(link.reason)
    sandbox_state.clear_log()
    await run(make_engine(), SyncKind.STOCK)
    assert sandbox_state.writes() == []


async def test_refused_variation_endpoint_falls_back_to_the_whole_array(sandbox_state, make_engine):
    seed_erp({}, {"CAM-AZ": ("CAM", 5), "CAM-VD": ("CAM", 4), "CAM-PT": ("CAM", 8)})
    camiseta = ids(sandbox_state)[1]
    before = sandbox_state.variation_ids(camiseta)
    sandbox_state.fail_next(1, status=404, path_prefix=f"/items/{camiseta}/variations/", method="PUT")
    result = await run(make_engine(), SyncKind.STOCK)
    assert result.status == FINISHED, result.errors
    [array_put] = [r for r in sandbox_state.requests_to(f"/items/{camiseta}", "PUT") if r.path == f"/items/{camiseta}"]
    assert array_put.body == {
        "variations": [
            {"id": before[0], "available_quantity": 5},
            {"id": before[1], "available_quantity": 4},
            {"id": before[2], "available_quantity": 8},
        ]
    }
    assert sandbox_state.variation_ids(camiseta) == before and sandbox_state.deleted_variations == []
    assert all("variations array" in say(a.reason) for a in result.actions if a.status == St.DONE)


async def test_a_write_that_does_not_stick_is_an_error(sandbox_state, make_engine, make_client):
    seed_erp({"CAN": 4})
    caneca = ids(sandbox_state)[0]

    class Ignoring:  # Mercado Livre answering 200 and changing nothing (multi-origin sellers, docs/mercado-livre-api.md §6.5)
        def __init__(self, real):
            self.real = real

        def __getattr__(self, name):
            return getattr(self.real, name)

        async def put_item(self, item_id, body, **options):
            return {}

    result = await run(make_engine(client=Ignoring(make_client())), SyncKind.STOCK)
    [bad] = [a for a in result.actions if a.item_id == caneca]
    assert result.status == FAILED and bad.status == St.FAILED and "read-back shows 9, expected 4" in say(bad.reason)
    assert result.errors and Journal().run(result.run_id).errors[0]["item_id"] == caneca


async def test_network_down_fails_the_run_and_the_next_run_picks_up(sandbox_state, make_engine):
    seed_erp({"CAN": 4})
    caneca = ids(sandbox_state)[0]
    sandbox_state.fail_next(50, status=503, path_prefix=f"/items/{caneca}", method="PUT")
    failed = await run(make_engine(), SyncKind.STOCK)
    assert failed.status == FAILED and "503" in say(error_reason(failed.errors[0]))
    sandbox_state._faults.clear()
    fixed = await run(make_engine(), SyncKind.STOCK)
    assert fixed.status == FINISHED and sandbox_state.item(caneca)["available_quantity"] == 4


async def test_a_run_left_running_by_a_dead_process_is_interrupted_and_the_next_run_goes_on(sandbox_state, make_engine):
    import subprocess
    import sys

    seed_erp({"CAN": 4})
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = Journal().start("stock", dry_run=False, pid=child.pid)
    result = await run(make_engine(), SyncKind.STOCK)
    assert result.status == FINISHED and Journal().run(dead).status == INTERRUPTED


async def test_journal_has_every_action_with_before_after_and_result(sandbox_state, make_engine):
    seed_erp({"CAN": 4})
    seen = []
    result = await run(make_engine(on_event=lambda e: seen.append(e.kind)), SyncKind.STOCK)
    assert seen[0] == "reading" and seen[-1] == "finished"
    assert seen.index("planned") < seen.index("applying") < seen.index("started") < seen.index("action")
    journal = Journal()
    rows = journal.actions(result.run_id)
    assert len(rows) == len(result.actions)
    caneca = ids(sandbox_state)[0]
    [row] = [r for r in rows if r["item_id"] == caneca]
    assert (row["from"], row["to"], row["status"]) == (9, 4, "done")
    run_row = journal.run(result.run_id)
    assert run_row.kind == "stock" and run_row.ended_at and run_row.counts["done"] == 1


async def test_orders_before_stock_once_each_and_cancel_compensates(sandbox_state, make_engine):
    catalog = seed_erp({"CAN": 9})
    caneca = ids(sandbox_state)[0]
    first = await run(make_engine(), SyncKind.ALL)
    assert any("first orders sync" in n for n in map(say, first.notes)) and any(
        "first customers sync" in n for n in map(say, first.notes)
    )
    assert sandbox_state.writes() == []
    order = sandbox_state.create_order(caneca, quantity=2, buyer={"doc_type": "CNPJ", "doc_number": "11222333000181"})
    assert sandbox_state.item(caneca)["available_quantity"] == 7  # ML took the units off itself
    sandbox_state.clear_log()
    result = await run(make_engine(), SyncKind.STOCK)
    # The sale reaches the ERP first (9 -> 7), so the push has nothing to re-inflate: no write.
    [sale] = [a for a in result.actions if a.kind == K.SALE]
    assert (sale.status, sale.from_, sale.to, sale.key) == (St.DONE, 9, 7, f"sale:{order['id']}:{caneca}:-")
    assert catalog.balance("CAN") == 7 and sandbox_state.writes() == [] and catalog.customers() == {}
    buyers = await run(make_engine(), SyncKind.CUSTOMERS)  # its own cursor: the buyer is still ahead
    [customer] = catalog.customers().values()
    assert (customer.doc_type, customer.doc_number) == ("CNPJ", "11222333000181")
    assert [a.kind for a in buyers.actions if a.status == St.DONE] == [K.CUSTOMER]
    assert len(sandbox_state.requests_to("/orders/billing-info")) == 1
    # The same order read again (overlapping window) is not recorded twice.
    again = await run(make_engine(), SyncKind.STOCK)
    assert [a for a in again.actions if a.kind == K.SALE] == [] and catalog.balance("CAN") == 7
    assert len([m for m in catalog.movements("CAN") if m.kind == "sale"]) == 1
    sandbox_state.cancel_order(order["id"])
    back = await run(make_engine(), SyncKind.CUSTOMERS)
    [comp] = [a for a in back.actions if a.kind == K.SALE_CANCEL]
    assert (comp.status, comp.to) == (St.DONE, 9) and catalog.balance("CAN") == 9
    assert [a for a in (await run(make_engine(), SyncKind.STOCK)).actions if a.kind == K.SALE_CANCEL] == []


async def test_reference_code_fix_on_a_listing_and_a_variation_through_the_journal(sandbox_state, make_engine):
    seed_erp({"CAN": 9, "NOVO": 5}, {"CAM-AZ": ("CAM", 2), "CAM-VD": ("CAM", 4), "CAM-PT": ("CAM", 1)})
    caneca, camiseta, full, nocode = ids(sandbox_state)
    engine = make_engine()
    change = await engine.reference_code_change(nocode, None, " NOVO ")
    assert (change.from_, change.to, change.status) == (None, "NOVO", St.PLANNED)
    result = await engine.write_reference_code(change)
    assert result.status == FINISHED and result.actions[0].status == St.DONE
    assert [a["kind"] for a in Journal().actions(result.run_id)] == ["reference_code"]
    # A variation: the per-variation endpoint refused, so the whole array goes, every id kept, one code changed.
    before = sandbox_state.variation_ids(camiseta)
    sandbox_state.fail_next(1, status=404, path_prefix=f"/items/{camiseta}/variations/", method="PUT")
    change = await engine.reference_code_change(camiseta, before[2], "CAM-VD")
    assert change.from_ == "CAM-PT"
    assert (await engine.write_reference_code(change)).status == FINISHED
    assert sandbox_state.variation_ids(camiseta) == before and sandbox_state.deleted_variations == []
    codes = [v["attributes"] for v in sandbox_state.item(camiseta)["variations"]]
    assert [next(a["value_name"] for a in attrs if a["id"] == "SELLER_SKU") for attrs in codes] == [
        "CAM-AZ",
        "CAM-VD",
        "CAM-VD",
    ]
    await run(make_engine(), SyncKind.PRODUCTS)
    links = {l.key: l for l in LinkRepository().all()}
    assert links[nocode].state == LinkState.LINKED and links[nocode].erp_code == "NOVO"
    assert links[f"{camiseta}:{before[2]}"].state == LinkState.STRUCTURE_MISMATCH  # now a duplicate code: reported


async def test_a_chosen_new_code_on_a_lost_link_is_linked_at_the_next_sync(sandbox_state, make_engine):
    seed_erp({"CAN": 9, "NOVO": 5})
    caneca = ids(sandbox_state)[0]
    await run(make_engine(), SyncKind.PRODUCTS)
    sandbox_state.set_reference_code(caneca, "OUTRO")
    await run(make_engine(), SyncKind.PRODUCTS)
    assert {l.key: l for l in LinkRepository().all()}[caneca].state == LinkState.LINK_LOST
    engine = make_engine()
    await engine.write_reference_code(await engine.reference_code_change(caneca, None, "NOVO"))
    await run(make_engine(), SyncKind.PRODUCTS)
    link = {l.key: l for l in LinkRepository().all()}[caneca]
    assert (link.state, link.erp_code) == (LinkState.LINKED, "NOVO")


async def test_a_plan_left_unanswered_in_this_process_does_not_block_the_next_sync(sandbox_state, make_engine):
    seed_erp({"CAN": 4})
    abandoned = await make_engine().plan(SyncKind.STOCK)  # a screen showed it, then closed
    result = await run(make_engine(), SyncKind.STOCK)
    assert result.status == FINISHED
    assert Journal().run(abandoned.run_id).status == "cancelled"
    # Its note is a reason (words at the edge), not an English sentence stored in the journal.
    [note] = Journal().run(abandoned.run_id).notes
    assert note == {"code": "never_applied", "values": {}}


async def test_cancelling_while_planning_is_journaled_cancelled_not_as_an_error(sandbox_state, make_engine, capsys):
    """The operator's cancel while the plan is read (the worker's task cancelled at its next await) is no error:
    the run is cancelled, with the cancel's reason and no error counted."""
    import asyncio

    from services.i18n import set_language
    from services.run_facts import failure_reason
    from services.store.journal import CANCELLED
    from services.sync import events

    seed_erp({"CAN": 4})
    reading: asyncio.Event = asyncio.Event()

    def on_event(event: events.Event) -> None:
        if event.kind == events.READING and event.message == "listings":
            reading.set()

    task = asyncio.create_task(make_engine(on_event=on_event).plan(SyncKind.STOCK))
    await reading.wait()  # the engine is about to read the listings: the cancel lands on that read
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    run_ = Journal().last_run("stock", applied=False)
    assert run_.status == CANCELLED
    assert not run_.errors and not run_.has_errors
    assert say(failure_reason(run_)) == "cancelled while planning: nothing was written"
    assert sandbox_state.writes() == []
    # `melisync log` shows it cancelled, with its reason and no error, in both languages.
    _code, out, _err = cli(capsys, "log")
    assert "cancelled" in out and "error" not in out
    _code, out, _err = cli(capsys, "log", "--run", str(run_.id))
    assert "cancelled while planning: nothing was written" in out and "error" not in out.lower()
    _code, out, _err = cli(capsys, "log", "--errors")
    assert "No run with errors." in out
    _code, out, _err = cli(capsys, "--lang", "pt_BR", "log", "--run", str(run_.id))
    assert "cancelada durante o planejamento: nada foi gravado" in out and "erro" not in out.lower()
    set_language("en")


async def test_another_live_process_applying_blocks_a_sync_but_not_a_dry_run(sandbox_state, make_engine):
    import subprocess
    import sys

    from services.errors import OperationFailed

    seed_erp({"CAN": 4})
    other = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        Journal().start("stock", dry_run=False, pid=other.pid)
        with pytest.raises(OperationFailed, match="another sync is running"):
            await make_engine().plan(SyncKind.STOCK)
        assert (await run(make_engine(), SyncKind.STOCK, dry_run=True)).status == DRY_RUN
    finally:
        other.stdin.close()
        other.wait()


async def test_cancelling_mid_run_is_journaled_and_the_rest_is_not_applied(sandbox_state, make_engine):
    from services.store.journal import CANCELLED
    from services.sync.events import ACTION

    for n in range(30):
        sandbox_state.add_listing(f"Extra {n}", quantity=50, sku=f"X{n}")
    seed_erp({f"X{n}": n for n in range(30)})
    seen = []
    engine = make_engine(on_event=lambda e: seen.append(e) if e.kind == ACTION else None)
    prepared = await engine.plan(SyncKind.STOCK)
    result = await engine.apply(prepared, cancelled=lambda: len(sandbox_state.requests_to("/items/", "PUT")) >= 5)
    assert result.status == CANCELLED
    statuses = [a.status for a in result.actions if a.kind == K.STOCK and a.erp_code.startswith("X")]
    assert St.DONE in statuses and St.SKIPPED in statuses and St.PLANNED not in statuses
    written = len(sandbox_state.requests_to("/items/", "PUT"))
    assert written < 30 and Journal().run(result.run_id).status == CANCELLED
    assert len(Journal().actions(result.run_id)) == len(result.actions)
    assert seen and seen[-1].total == len(prepared.plan.to_apply) and seen[-1].done == len(seen)


async def test_cancel_stops_the_writes_between_the_variations_of_one_listing(sandbox_state, make_engine):
    from services.store.journal import CANCELLED

    colours = [f"C{n:02d}" for n in range(12)]
    sandbox_state.add_listing(
        "Many variations", variations=[{"attributes": {"Cor": c}, "quantity": 50, "sku": f"MV-{c}"} for c in colours]
    )
    seed_erp(compositions={f"MV-{c}": ("MV", n) for n, c in enumerate(colours)})
    engine = make_engine()
    prepared = await engine.plan(SyncKind.STOCK)

    def puts() -> int:
        return len(sandbox_state.requests_to("/items/", "PUT"))

    result = await engine.apply(prepared, cancelled=lambda: puts() >= 1)
    assert result.status == CANCELLED
    # The one write under way finished; none after the cancel, not even on the same listing.
    assert puts() == 1
    mine = [a for a in result.actions if a.kind == K.STOCK and (a.erp_code or "").startswith("MV-")]
    assert sum(a.status == St.DONE for a in mine) == 1 and sum(a.status == St.SKIPPED for a in mine) == 11
    assert len(Journal().actions(result.run_id)) == len(result.actions)


async def test_a_failed_write_is_journaled_as_a_reason_and_shown_in_portuguese(sandbox_state, make_engine, capsys):
    """ML's refusal is kept as a code and values (our words around ML's message), so the logs say it in the
    language they are read in."""
    seed_erp({"CAN": 4})
    caneca = ids(sandbox_state)[0]
    sandbox_state.fail_next(50, status=503, path_prefix=f"/items/{caneca}", method="PUT")
    failed = await run(make_engine(), SyncKind.STOCK)
    stored = Journal().run(failed.run_id).errors[0]["reason"]
    assert stored["code"] in ("ml_answered", "ml_answered_saying"), stored
    _code, out, _err = cli(capsys, "--lang", "pt_BR", "log", "--run", str(failed.run_id))
    assert "o Mercado Livre respondeu 503" in out and "Mercado Livre answered" not in out
    _code, out, _err = cli(capsys, "log", "--run", str(failed.run_id))
    assert "Mercado Livre answered 503" in out

"""Pilot tests of the sync flow on the in-process sandbox: choose a kind, review the plan (nothing written),
apply with progress, read the run in the logs; cancel while applying; drop a plan."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest

from screens.confirm import ConfirmModal
from screens.sync_logs import RunDetailScreen, SyncLogsScreen
from screens.sync_messages import SyncFinished, SyncPlanned, SyncProgress, SyncRequested
from screens.sync_plan import ActionsTable, SyncKindModal, SyncPlanScreen
from screens.sync_progress import SyncProgressScreen
from services.store.journal import CANCELLED, FINISHED, Journal
from services.store.links import LinkRepository
from tests.fixtures.tui import screen_text
from tests.fixtures.tui_sync import settle, wait_until
from words.reasons import say


async def plan_sync(app, pilot, kind_key: str) -> SyncPlanScreen:
    await pilot.press("4")
    await settle(app, pilot)
    assert isinstance(app.screen, SyncLogsScreen)
    await pilot.press("S")
    await pilot.pause()
    assert isinstance(app.screen, SyncKindModal)
    await pilot.press(kind_key)
    await wait_until(app, pilot, lambda: isinstance(app.screen, SyncPlanScreen), "the plan screen")
    await settle(app, pilot)
    return app.screen


async def test_plan_then_apply_then_read_the_run_in_the_logs(make_sync_app, sandbox_state, demo_home):
    messages = []
    app = make_sync_app()
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        await settle(app, pilot)
        plan_screen = await plan_sync(app, pilot, "a")
        plan = plan_screen.prepared.plan
        # The plan is on show and nothing has been written anywhere yet.
        assert sandbox_state.writes() == []
        assert LinkRepository(home=demo_home.home).all() == []
        text = screen_text(app)
        assert "nothing written yet" in text and "writes to Mercado Livre" in text
        ml_writes = {(a.item_id, a.variation_id, a.to) for a in plan.ml_writes}
        assert ml_writes, "the demo catalogue has stock differences to write"
        assert plan_screen.query_one(ActionsTable).row_count == len(plan.actions)

        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await wait_until(app, pilot, lambda: app.sync_state.phase == "finished", "the sync to finish")
        await settle(app, pilot)

        result = app.sync_state.result
        assert result.status == FINISHED, result.errors
        [note] = [n for n in app._notifications if n.title == "Sync finished"]
        assert f"Run {result.run_id} (all) finished" in note.message
        assert sandbox_state.writes()
        for item_id, variation_id, quantity in ml_writes:  # Mercado Livre now holds the ERP quantities
            item = sandbox_state.item(item_id)
            if variation_id is None:
                assert item["available_quantity"] == quantity
            else:
                [variation] = [v for v in item["variations"] if v["id"] == variation_id]
                assert variation["available_quantity"] == quantity
        assert {
            (a.item_id, a.variation_id, a.to)
            for a in result.actions
            if a.kind.value == "stock" and a.status.value == "done"
        } == ml_writes
        assert sandbox_state.deleted_variations == []
        # Back on the logs screen, the run is listed; Enter opens its actions.
        assert isinstance(app.screen, SyncLogsScreen)
        logs = app.screen
        await wait_until(app, pilot, lambda: logs.runs and logs.runs[0].status == FINISHED, "the run in the logs")
        assert f"{result.run_id}" in screen_text(app)
        await pilot.press("enter")
        await wait_until(app, pilot, lambda: isinstance(app.screen, RunDetailScreen) and app.screen.run, "run detail")
        detail = app.screen
        await settle(app, pilot)
        assert detail.query_one(ActionsTable).row_count == len(Journal(home=demo_home.home).actions(result.run_id))
        await pilot.press("e")  # failed only: none in this run
        await settle(app, pilot)
        assert detail.query_one(ActionsTable).row_count == 0
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SyncLogsScreen)

    kinds = [type(m) for m in messages if isinstance(m, (SyncRequested, SyncPlanned, SyncProgress, SyncFinished))]
    assert kinds[0] is SyncRequested and SyncPlanned in kinds and kinds[-1] is SyncFinished
    assert kinds.index(SyncPlanned) < kinds.index(SyncFinished)


async def test_dropping_a_plan_writes_nothing_and_journals_it_as_cancelled(make_sync_app, sandbox_state, demo_home):
    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        plan_screen = await plan_sync(app, pilot, "s")
        run_id = plan_screen.prepared.run_id
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, SyncPlanScreen)
        assert app.sync_state.phase == "idle"
    assert sandbox_state.writes() == []
    assert Journal(home=demo_home.home).run(run_id).status == CANCELLED


async def wait_for(pilot, condition, what: str, deadline: float = 20.0) -> None:
    """Like `wait_until`, without waiting for the workers (a sync worker here is held on purpose): a fixed number
    of pauses flaked under load, the condition itself is what the test needs."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for: {what}")
        await pilot.pause(0.01)


class HeldWrites(httpx.AsyncBaseTransport):
    """The sandbox, except that requests of `method` (writes by default) wait until the test lets them through."""

    def __init__(self, inner: httpx.AsyncBaseTransport, method: str = "PUT", path: str = "/"):
        self.inner, self.method, self.path = inner, method, path
        self.first_write = threading.Event()  # the first held request arrived
        self.release = threading.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == self.method and request.url.path.startswith(self.path):
            self.first_write.set()
            await asyncio.to_thread(self.release.wait, 30)
        return await self.inner.handle_async_request(request)


async def test_cancel_while_applying_stops_the_writes_and_journals_cancelled(
    make_sync_app, sandbox_state, demo_home, asgi_transport
):
    held = HeldWrites(asgi_transport)
    app = make_sync_app(transport=held, concurrency=1)  # at most two listings written at once
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        plan_screen = await plan_sync(app, pilot, "s")
        planned = len(plan_screen.prepared.plan.ml_writes)
        assert planned > 3
        await pilot.press("a", "y")
        await wait_until(app, pilot, held.first_write.is_set, "the first write to start")
        assert isinstance(app.screen, SyncProgressScreen)
        assert "Applying the plan" in screen_text(app)
        # The sync belongs to the App: hiding its screen and moving around does not stop it...
        await pilot.press("escape", "2", "1", "4")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "SyncLogsScreen", "the sync logs screen")
        assert app.sync_state.phase == "applying" and not isinstance(app.screen, SyncProgressScreen)
        # ...and S on any screen brings its progress back.
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SyncProgressScreen), "the progress screen back")
        await pilot.press("c")
        await wait_for(pilot, lambda: app.sync_state.cancel_requested, "the cancel to be requested")
        assert "Cancelling" in screen_text(app)
        held.release.set()
        await wait_until(app, pilot, lambda: app.sync_state.phase == "finished", "the cancelled sync to end")
        result = app.sync_state.result
        # The toast says it was cancelled and how far it got, never "Sync finished".
        [toast] = [n for n in app._notifications if n.title in ("Sync cancelled", "Sync finished")]
        assert toast.title == "Sync cancelled"
        made = result.counts.get("done", 0) + result.counts.get("failed", 0)
        assert f"Cancelled after {made} of {len(plan_screen.prepared.plan.to_apply)} actions" in toast.message
    assert result.status == CANCELLED
    run = Journal(home=demo_home.home).run(result.run_id)
    assert run.status == CANCELLED
    done = [a for a in result.actions if a.kind.value == "stock" and a.status.value == "done"]
    not_made = [a for a in result.actions if "cancelled" in say(a.reason)]
    assert 1 <= len(done) < planned and not_made
    assert len({r.path for r in sandbox_state.writes()}) == len({a.link_key for a in done})


async def test_a_plan_that_cannot_be_made_is_explained_and_nothing_is_left_running(
    make_sync_app, sandbox_state, demo_home
):
    sandbox_state.revoke()  # the seller removed the app on Mercado Livre: every token is dead
    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("4", "S", "a")
        await settle(app, pilot)
        assert app.sync_state.phase == "idle"
        assert not isinstance(app.screen, (SyncPlanScreen, SyncProgressScreen))
        [note] = [n for n in app._notifications if n.title == "Computing the sync plan failed"]
        assert "connect" in note.message.lower()  # says what to do
        run = Journal(home=demo_home.home).last_run()
        assert run.status != "running"
    assert sandbox_state.writes() == []


async def test_quitting_during_a_sync_asks_then_cancels_and_leaves_once_journaled(
    make_sync_app, sandbox_state, demo_home, asgi_transport
):
    held = HeldWrites(asgi_transport)
    app = make_sync_app(transport=held, concurrency=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await plan_sync(app, pilot, "s")
        await pilot.press("a", "y")
        await wait_until(app, pilot, held.first_write.is_set, "the first write to start")
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the quit confirmation")
        assert app.is_running
        await pilot.press("y")
        await wait_for(pilot, lambda: app.sync_state.cancel_requested, "the cancel to be requested")
        assert app.is_running  # still waiting for the writes under way
        held.release.set()
        await wait_until(app, pilot, lambda: not app.is_running, "the app to close")
    assert Journal(home=demo_home.home).last_run("stock").status == CANCELLED


CANCELLED_WHILE_PLANNING = {
    # (the toast, the logs' status word, the run's note) in each language
    "en": ("Sync cancelled while planning: nothing was written.", "cancelled", "cancelled while planning"),
    "pt_BR": (
        "Sincronização cancelada durante o planejamento: nada foi gravado.",
        "cancelada",
        "cancelada durante o planejamento",
    ),
}


@pytest.mark.parametrize("lang", ["en", "pt_BR"])
async def test_cancel_while_planning_stops_reading_and_writes_nothing(
    make_sync_app, sandbox_state, demo_home, asgi_transport, lang
):
    toast, status_word, note = CANCELLED_WHILE_PLANNING[lang]
    held = HeldWrites(asgi_transport, method="GET", path="/items")  # reading the listings' details
    app = make_sync_app(transport=held, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("4", "S", "s")
        await wait_until(app, pilot, held.first_write.is_set, "the plan to start reading listings")
        assert isinstance(app.screen, SyncProgressScreen) and app.sync_state.phase == "planning"
        await pilot.press("c")
        # The worker's cancel stops the read under way at once: no need to wait for the held request.
        await wait_for(pilot, lambda: app.sync_state.phase == "idle", "the plan to stop")
        assert not held.release.is_set()
        assert not isinstance(app.screen, (SyncPlanScreen, SyncProgressScreen))
        assert any(toast in n.message for n in app._notifications)
        # A cancel is no error: no "failed" toast, and the logs list the run as cancelled with no error count.
        assert not [n for n in app._notifications if n.severity == "error"]
        await wait_until(app, pilot, lambda: isinstance(app.screen, SyncLogsScreen), "the logs screen")
        await settle(app, pilot)
        logs = app.screen
        run = Journal(home=demo_home.home).last_run("stock", applied=False)
        [row] = [r for r in logs.shown if r.id == run.id]
        assert not row.has_errors
        assert status_word in screen_text(app)
        await pilot.press("e")  # errors only: the cancelled run is not among them
        await settle(app, pilot)
        assert run.id not in [r.id for r in logs.shown]
        await pilot.press("e", "enter")
        await wait_until(app, pilot, lambda: isinstance(app.screen, RunDetailScreen), "the run's detail")
        await settle(app, pilot)
        assert note in screen_text(app)
        held.release.set()
    run = Journal(home=demo_home.home).last_run("stock", applied=False)
    assert run.status == CANCELLED and not run.errors
    assert sandbox_state.writes() == []


async def test_the_palette_plans_a_sync_of_a_kind(make_sync_app, sandbox_state):
    from tests.fixtures.tui_sync import type_text
    from tui.app import ScreenCommands

    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        titles = [title for title, _help, _cb in ScreenCommands(app.screen)._commands()]
        assert {"Sync: products", "Sync: stock", "Sync: customers", "Sync: all"} <= set(titles)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "sync: stock")
        await settle(app, pilot)
        await pilot.press("enter")
        await wait_until(app, pilot, lambda: isinstance(app.screen, SyncPlanScreen), "the plan screen")
        assert app.screen.prepared.kind.value == "stock"
    assert sandbox_state.writes() == []


async def test_a_run_shows_its_rows_skipped_as_before_one_key_away(make_sync_app, demo_home):
    journal = Journal(home=demo_home.home)
    rows = [
        {
            "kind": "stock",
            "item_id": f"MLB{n}",
            "variation_id": None,
            "erp_code": None,
            "from": 1,
            "to": None,
            "status": "skipped",
            "reason": "no_reference: no reference code (SELLER_SKU) on Mercado Livre",
            "key": None,
        }
        for n in range(60)
    ]
    for _ in range(2):
        run_id = journal.start("stock", False)
        journal.record(run_id, journal.list_skipped(run_id, "stock", rows))
        journal.finish(run_id, FINISHED, {"skipped": 60})
    app = make_sync_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        logs = app.screen
        await wait_until(app, pilot, lambda: logs.runs and logs.runs[0].id == run_id, "the runs")
        await pilot.press("enter")
        await wait_until(app, pilot, lambda: isinstance(app.screen, RunDetailScreen) and app.screen.run, "run detail")
        detail = app.screen
        await settle(app, pilot)
        assert detail.query_one(ActionsTable).row_count == 0  # nothing listed again...
        assert f"60 skipped as before (as in run {run_id - 1}): b lists them" in screen_text(app)
        await pilot.press("b")  # ...and the rows one key away
        await settle(app, pilot)
        assert detail.query_one(ActionsTable).row_count == 60
        await pilot.press("b")
        await settle(app, pilot)
        assert detail.query_one(ActionsTable).row_count == 0

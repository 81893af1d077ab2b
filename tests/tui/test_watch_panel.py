"""The connection screen's `melisync watch` panel (issue 15): running/stopped, last tick, sale booked, write,
next full sync, recent errors, in both languages; it reads the heartbeat again while a watcher runs."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from screens.connection import WatchSummary
from tests.fixtures.tui import CONNECTED, screen_text, settle
from tests.tui.test_snapshots import SMALL, WIDE, run_before

WATCHING = replace(
    CONNECTED,
    watch=WatchSummary(
        state="running",
        pid=4242,
        every=60.0,
        last_tick=datetime(2026, 11, 27, 8, 59, 30, tzinfo=UTC),
        last_sale=(datetime(2026, 11, 27, 8, 58, 30, tzinfo=UTC), "2000010000000001", "CAM-AZ-M"),
        last_write=(datetime(2026, 11, 27, 8, 58, 31, tzinfo=UTC), 17, 2),
        next_reconcile=datetime(2026, 11, 27, 14, 0, tzinfo=UTC),
        errors_last_hour=1,
        last_error="could not reach Mercado Livre (ConnectTimeout)",
    ),
)


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "160x48"])
@pytest.mark.parametrize("lang", ["en", "pt_BR"])
def test_connection_with_a_running_watch(snap_compare, make_app, size, lang):
    app, _ = make_app(WATCHING, lang=lang)
    assert snap_compare(app, terminal_size=size, run_before=run_before())


async def test_the_panel_says_what_the_watcher_did(make_app):
    app, _ = make_app(WATCHING)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        for words in (
            "Running (process 4242, every 60 s)",
            "2026-11-27 08:58:30 (order 2000010000000001, CAM-AZ-M)",
            "(run 17, 2 listings)",
            "Next full sync",
            "1 (last: could not reach Mercado Livre",
        ):
            assert words in text, words


async def test_the_panel_says_a_watch_never_ran_or_needs_authorization(make_app):
    app, gateway = make_app(CONNECTED)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        assert "Not running: stock moves only when you sync (S)" in screen_text(app)
        gateway.view = replace(CONNECTED, watch=WatchSummary(state="reauthorization_needed"))
        await pilot.press("r")
        await settle(app, pilot)
        assert "needs a new authorization" in screen_text(app)


async def test_a_running_watch_is_followed(make_app, monkeypatch):
    import screens.connection

    monkeypatch.setattr(screens.connection, "WATCH_REFRESH_SECONDS", 0.02)
    app, gateway = make_app(WATCHING)
    async with app.run_test(size=WIDE) as pilot:
        deadline = time.monotonic() + 30  # bounds, not timings: the refreshes come by themselves
        while gateway.calls.count("status") < 3 and time.monotonic() < deadline:
            await pilot.pause(0.01)
        assert gateway.calls.count("status") >= 3  # read again and again while it runs
        stopped = replace(WATCHING, watch=replace(WATCHING.watch, state="stopped", pid=None))
        gateway.view = stopped  # the watcher ends: the next read shows it without a key pressed
        while app.status is not stopped and time.monotonic() < deadline:
            await pilot.pause(0.01)
        await settle(app, pilot)
        assert app.status is stopped and "Stopped" in screen_text(app)
        reads = gateway.calls.count("status")
        for _ in range(10):
            await pilot.pause(0.01)
        assert gateway.calls.count("status") == reads  # nothing running: no more reading


def test_the_watchers_state_agrees_in_gender_in_the_cli_and_the_tui():
    """pt_BR: "o vigia" (the watcher, as every text names it) is "parado" in `melisync status` and on the
    connection screen alike, whether it never ran or stopped."""
    from rich.console import Console

    from cli.commands.status import render_watch
    from screens.connection import watch_table
    from services.i18n import set_language

    def tui(view) -> str:
        console = Console(width=160, record=True)
        console.print(watch_table(view))
        return console.export_text()

    set_language("pt_BR")
    try:
        never = tui(CONNECTED)
        stopped = tui(replace(WATCHING, watch=replace(WATCHING.watch, state="stopped", pid=None)))
        head, _rows = render_watch(
            {"state": "stopped", "last_tick": None, "last_sale": None, "last_write": None, "errors_last_hour": 0}
        )
    finally:
        set_language("en")
    assert head == "parado"
    assert "Parado: o estoque só muda quando você sincroniza (S)" in never
    assert "Parado" in stopped
    assert "Parada" not in never + stopped

"""SVG snapshots of the screens this area owns, at 80x24 and 160x48, on fixed data (frozen clock,
fixed ids, UTC, no cursor blink). Update with `pytest tests/tui --snapshot-update` and look at them."""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea

from tests.fixtures.tui import CONNECTED, DISCONNECTED, SNAPSHOT_HOME, settle

SMALL, WIDE = (80, 24), (160, 48)


def run_before(*keys: str):
    """Wait for the status worker, press `keys`, wait again, then stop every cursor from blinking."""

    async def steps(pilot) -> None:
        app = pilot.app
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
        for widget in app.screen.query(Input):
            widget.cursor_blink = False
        for widget in app.screen.query(TextArea):
            widget.cursor_blink = False

    return steps


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "160x48"])
@pytest.mark.parametrize("lang", ["en", "pt_BR"])
def test_connection_connected(snap_compare, make_app, size, lang):
    app, _ = make_app(CONNECTED, lang=lang)
    assert snap_compare(app, terminal_size=size, run_before=run_before())


@pytest.mark.parametrize("lang", ["en", "pt_BR"])
def test_connection_not_connected(snap_compare, make_app, lang):
    app, _ = make_app(DISCONNECTED, lang=lang)
    assert snap_compare(app, terminal_size=SMALL, run_before=run_before())


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "160x48"])
def test_connect_modal(snap_compare, make_app, size):
    app, _ = make_app(DISCONNECTED, can_approve=True)
    assert snap_compare(app, terminal_size=size, run_before=run_before("c"))


def test_connect_modal_explains_a_wrong_paste(snap_compare, make_app):
    app, _ = make_app(DISCONNECTED, lang="pt_BR")

    async def steps(pilot):
        await run_before("c")(pilot)
        pilot.app.screen.query_one("#pasted", Input).value = "https://example.com/melisync/callback?code=TG-1&state=X"
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SMALL, run_before=steps)


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "160x48"])
def test_unlink_modal(snap_compare, make_app, size):
    app, _ = make_app(CONNECTED)
    assert snap_compare(app, terminal_size=size, run_before=run_before("u"))


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "160x48"])
def test_help(snap_compare, make_app, size):
    app, _ = make_app(CONNECTED, home=SNAPSHOT_HOME)
    assert snap_compare(app, terminal_size=size, run_before=run_before("question_mark"))


def test_palette(snap_compare, make_app):
    app, _ = make_app(CONNECTED)
    assert snap_compare(app, terminal_size=SMALL, run_before=run_before("ctrl+p"))

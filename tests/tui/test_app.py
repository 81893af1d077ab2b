"""Pilot tests of the App shell and the connection screen on fixed data (a fake gateway):
modes, help, palette, keymap, connect (wrong paste explained in place), unlink (typed confirmation),
worker errors, leaving on hang-up. Waits on workers or explicit conditions, never on time."""

from __future__ import annotations

import asyncio

from textual.widgets import Button, Checkbox, Input, Label, Static

from screens.confirm import ConfirmModal, TypedConfirmModal
from screens.connect_modal import ConnectModal
from screens.help import HelpScreen
from screens.messages import Unlinked, UnlinkRequested
from services.errors import BadInput
from tests.fixtures.tui import AUTH_URL, CONNECTED, screen_text, settle
from tui.app import ScreenCommands


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in text])


async def test_connection_screen_shows_the_account(make_app):
    app, gateway = make_app(CONNECTED)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        for shown in (
            "LOJA_AZUL_DEMO (id 2123456789012)",
            "MLB",
            "2026-11-27 14:55",
            "User products",
            "secrets.json",
            "failed: 310 done, 12 skipped, 2 failed",
            "never",
        ):
            assert shown in text
        assert gateway.calls == ["status"]


async def test_last_runs_say_each_count_with_its_plural_in_portuguese(make_app):
    from dataclasses import replace

    run = replace(CONNECTED.last_runs[0], done=1, skipped=12, failed=1)
    app, _ = make_app(replace(CONNECTED, last_runs=(run, *CONNECTED.last_runs[1:])), lang="pt_BR")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "1 feita, 12 puladas, 1 com falha" in screen_text(app)


async def test_connect_explains_a_wrong_paste_in_place_then_connects(make_app):
    app, gateway = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "Not connected" in screen_text(app)
        await pilot.press("c")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, ConnectModal)
        assert modal.query_one("#auth-url").text == AUTH_URL  # the whole URL, not a shortened one
        assert app.focused is modal.query_one("#pasted", Input)

        await type_text(pilot, "https://x")  # typing reaches the field; the rest is pasted at once
        modal.query_one("#pasted", Input).insert_text_at_cursor("/melisync/callback?code=TG-x&state=WRONG")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is modal  # still open, with the reason under the field
        assert "does not belong to this connect attempt" in str(modal.query_one("#connect-error", Label).content)

        modal.query_one("#pasted", Input).value = gateway.good_paste
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConnectModal)
        assert app.status.connected and app.status.nickname == "LOJA_AZUL_DEMO"
        assert "LOJA_AZUL_DEMO" in screen_text(app)
        assert ("complete", gateway.good_paste) in gateway.calls


async def test_empty_paste_is_explained_without_calling_anything(make_app):
    app, gateway = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "first" in str(app.screen.query_one("#connect-error", Label).content)
        assert not any(isinstance(call, tuple) for call in gateway.calls)


async def test_copy_url_uses_the_clipboard(make_app):
    app, _gateway = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press("ctrl+y")
        assert app.clipboard == AUTH_URL


async def test_demo_key_only_in_demo_and_fills_the_redirect(make_app):
    app, gateway = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        assert "approve" not in gateway.calls
        assert "Approve (demo)" not in screen_text(app)

    app, gateway = make_app(can_approve=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert "Approve (demo)" in screen_text(app)
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        assert app.screen.query_one("#pasted", Input).value == gateway.good_paste
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.status.connected


async def test_unlink_wants_the_nickname_typed_and_says_what_stays(make_app):
    app, gateway = make_app(CONNECTED)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("u")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, TypedConfirmModal)
        body = str(modal.query_one("#consequences", Static).content)
        assert "tokens" in body and "This will keep:" in body and "the sync journal" in body.split("This will keep:")[1]

        await type_text(pilot, "LOJA_AZUL")
        assert modal.query_one("#confirm", Button).disabled
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is modal and "not LOJA_AZUL_DEMO" in str(modal.query_one("#typed-error", Label).content)
        assert not any(call[0] == "unlink" for call in gateway.calls if isinstance(call, tuple))

        # the purge box moves the local data to "will remove"
        modal.query_one("#option", Checkbox).value = True
        await pilot.pause()
        body = str(modal.query_one("#consequences", Static).content)
        assert "the sync journal" in body.split("This will keep:")[0]
        modal.query_one("#option", Checkbox).value = False
        await pilot.pause()

        modal.query_one("#typed", Input).focus()
        await type_text(pilot, "_demo")  # case does not matter: LOJA_AZUL_demo
        assert not modal.query_one("#confirm", Button).disabled
        await pilot.press("enter")
        await settle(app, pilot)
        assert ("unlink", False, False) in gateway.calls
        assert not app.status.connected
        assert "Not connected" in screen_text(app)


async def test_unlink_escape_cancels_and_disconnected_has_no_unlink(make_app):
    app, gateway = make_app(CONNECTED)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("u", "escape")
        await settle(app, pilot)
        assert gateway.calls == ["status"]
    app, gateway = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("u")
        await pilot.pause()
        assert not isinstance(app.screen, TypedConfirmModal)
        assert app.screen.query_one("#unlink", Button).disabled


async def test_a_failed_revoke_offers_to_remove_the_local_tokens(make_app):
    from services.unlink import RevokeFailed

    app, gateway = make_app(CONNECTED)

    async def refusing_unlink(purge, local_only):
        gateway.calls.append(("unlink", purge, local_only))
        if not local_only:
            raise RevokeFailed("network unreachable")
        return Unlinked(revoked=False, purged=purge)

    gateway.unlink = refusing_unlink
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.post_message(UnlinkRequested())
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert "network unreachable" in screen_text(app)
        await pilot.press("y")
        await settle(app, pilot)
        assert gateway.calls[-2:] == [("unlink", False, True), "status"]  # then the screen is refreshed


async def test_number_keys_switch_screens_and_a_running_worker_survives(make_app):
    app, gateway = make_app()
    release = asyncio.Event()

    async def slow_complete(pasted):
        await release.wait()
        return "LOJA_AZUL_DEMO"

    gateway.complete_connect = slow_complete
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        app.screen.query_one("#pasted", Input).value = "anything"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")  # leave the modal while the worker runs
        for key, mode in (("2", "links"), ("f3", "mapping"), ("4", "sync_logs"), ("1", "connection")):
            await pilot.press(key)
            await pilot.pause()
            assert app.current_mode == mode
        running = [w for w in app.workers if w.group == "connect"]
        assert running and running[0].is_running  # owned by the App: switching did not cancel it
        release.set()
        await settle(app, pilot)
        assert running[0].is_finished and not running[0].is_cancelled


async def test_help_lists_the_screen_keys_and_the_app_keys(make_app):
    app, _gateway = make_app(CONNECTED)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        own = {row[2]: row for row in help_screen.own}
        everywhere = {row[2]: row for row in help_screen.everywhere}
        assert {"connection.connect", "connection.unlink", "connection.refresh"} <= set(own)
        assert {"mode.connection", "mode.links", "mode.mapping", "mode.sync_logs", "app.help", "app.quit"} <= set(
            everywhere
        )
        assert everywhere["mode.links"][0] == "2 / f2"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_palette_follows_the_screen(make_app):
    app, _gateway = make_app(CONNECTED)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        titles = [title for title, _help, _cb in ScreenCommands(app.screen)._commands()]
        assert "Connect" in titles and "Unlink" in titles and "Go to: Linked products" in titles
        assert "Go to: Connection" not in titles

        await pilot.press("2")
        await pilot.pause()
        titles = [title for title, _help, _cb in ScreenCommands(app.screen)._commands()]
        assert "Connect" not in titles and "Go to: Connection" in titles

        await pilot.press("1", "ctrl+p")
        await pilot.pause()
        await type_text(pilot, "connect")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConnectModal)


async def test_keymap_file_remaps_a_binding(make_app, melisync_home):
    melisync_home.mkdir(parents=True, exist_ok=True)
    (melisync_home / "keymap.toml").write_text('"connection.connect" = "k"\n', "utf-8")
    app, _gateway = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConnectModal)
        await pilot.press("k")
        await settle(app, pilot)
        assert isinstance(app.screen, ConnectModal)


async def test_a_broken_keymap_is_reported_not_fatal(make_app, melisync_home):
    melisync_home.mkdir(parents=True, exist_ok=True)
    (melisync_home / "keymap.toml").write_text("this is = = not toml", "utf-8")
    app, _gateway = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert any("keymap.toml" in n.message for n in app._notifications)


async def test_a_worker_error_becomes_a_notification(make_app):
    app, gateway = make_app()

    def refusing_begin():
        raise BadInput("no client_id configured: run `melisync config set client_id <APP ID>` first")

    gateway.begin_connect = refusing_begin
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        notes = list(app._notifications)
        assert notes and notes[-1].severity == "error" and "client_id" in notes[-1].message
        assert notes[-1].title == "Starting the authorization failed"


async def test_hangup_exits_cleanly(make_app):
    app, _gateway = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.terminal_gone()
        await pilot.pause()
    assert app.return_code == 129


async def test_q_quits(make_app):
    app, _gateway = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_a_reason_names_the_apps_key_inside_the_app_and_the_command_outside(make_app):
    """No command-line hint inside the app: an unchosen warehouse says where to choose it in the app."""
    from services.reasons import Code, Reason
    from words.reasons import say

    problem = Reason(Code.WAREHOUSE_NOT_CHOSEN, count=2, choices="7700000 (Depósito 1), 7700001 (Depósito 2)")
    app, _ = make_app(CONNECTED)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        inside = say(problem)
    assert "choose one in the settings (s on the connection screen)" in inside and "melisync config" not in inside
    assert "run `melisync config set warehouse <store_id>`" in say(problem)  # the CLI again once the app is gone

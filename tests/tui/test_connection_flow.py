"""The connection screen on the real services against the sandbox (in-process ASGI): connect with
a wrong paste, a refusal and the demo approval, then unlink with the typed confirmation."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from textual.widgets import Input, Label

import sandbox
from screens.confirm import TypedConfirmModal
from screens.connect_modal import ConnectModal
from services.connection import load_connection
from services.secrets import SecretStore
from tests.fixtures.tui import screen_text, settle
from tui.app import MelisyncApp
from tui.workers import ServiceGateway


@pytest.fixture
def real_app(meli_config, sandbox_state, asgi_transport, frozen_tz):
    gateway = ServiceGateway(meli_config, transport=asgi_transport, approver=sandbox_state.approve, demo=True)
    return MelisyncApp(meli_config, gateway=gateway, lang="en", demo=True, watch_terminal=False)


async def paste(app, pilot, text: str) -> str:
    field = app.screen.query_one("#pasted", Input)
    field.value = text
    field.focus()
    await pilot.press("enter")
    await settle(app, pilot)
    return str(app.screen.query_one("#connect-error", Label).content)


async def test_connect_then_unlink_against_the_sandbox(real_app, meli_config, sandbox_state):
    app = real_app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, ConnectModal)
        query = parse_qs(urlsplit(modal.url).query)
        assert modal.url.startswith("http://sandbox.test/authorization?")
        assert query["code_challenge_method"] == ["S256"] and query["client_id"] == [sandbox.DEMO_CLIENT_ID]

        # a redirect from another attempt: refused in place, nothing stored
        approved = sandbox_state.approve(modal.url)
        foreign = approved.replace(query["state"][0], "someone-elses-state")
        assert "does not belong to this connect attempt" in await paste(app, pilot, foreign)
        assert isinstance(app.screen, ConnectModal)
        assert SecretStore(meli_config.home).load_tokens() is None

        # the seller pressed "deny" on the page
        assert "access_denied" in await paste(app, pilot, sandbox_state.deny(modal.url))

        # the demo key approves on the sandbox and fills the field; Enter connects
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        assert modal.query_one("#pasted", Input).value.startswith(sandbox.DEMO_REDIRECT_URI + "?code=TG-")
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConnectModal)
        assert app.status.connected and app.status.nickname == sandbox.SELLER_NICKNAME
        text = screen_text(app)
        assert f"{sandbox.SELLER_NICKNAME} (id {sandbox.SELLER_ID})" in text
        # the `fail` keyring: the tokens live in the 0600 file, and the screen says so
        assert app.status.secret_store.startswith("file (") and "client secret and tokens: file" in text
        assert sandbox_state.grants

        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, TypedConfirmModal)
        app.screen.query_one("#typed", Input).value = sandbox.SELLER_NICKNAME.lower()
        await pilot.press("enter")
        await settle(app, pilot)
        assert not sandbox_state.grants  # revoked on Mercado Livre
        assert SecretStore(meli_config.home).load_tokens() is None
        assert not load_connection(meli_config.home).connected
        assert "Not connected" in screen_text(app)

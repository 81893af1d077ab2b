"""`melisync demo`: a throw-away home with the demo catalogue, pointed at an in-process sandbox on a
real loopback socket; the connect modal's demo key approves for you; the home is gone afterwards."""

from __future__ import annotations

import argparse
import asyncio
import os

import keyring
from textual.widgets import Input

import sandbox
from cli.commands import demo
from screens.connect_modal import ConnectModal
from services.config import load_config
from services.erp.catalog import Catalog
from tests.fixtures.tui import screen_text


def demo_args(**overrides) -> argparse.Namespace:
    values = {"listings": 20, "seed": 0, "orders": 2, "user_products": False, "lang": "en"}
    return argparse.Namespace(**(values | overrides))


def test_demo_connects_in_seconds_and_leaves_nothing_behind(monkeypatch, melisync_home):
    seen = {}

    async def walk(app):
        async with app.run_test(size=(80, 24)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("c")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, ConnectModal)
            await pilot.press("ctrl+o")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.screen.query_one("#pasted", Input).value.startswith(sandbox.DEMO_REDIRECT_URI)
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            seen["text"] = screen_text(app)
            await pilot.press("q")
        return app.return_code

    def open_app(home, state):
        config = load_config(home)
        seen.update(
            home=home,
            config=config,
            env_home=os.environ["MELISYNC_HOME"],
            products=len(Catalog().products()),
            backend=type(keyring.get_keyring()).__name__,
        )
        # The demo's sales come after the ERP count, so its first sync takes them off the ERP.
        counted = max(Catalog().counted_at().values()).timestamp()
        seen["sales_after_count"] = [o["_closed_at"] >= counted for o in state.orders.values()]
        from tui.app import MelisyncApp
        from tui.workers import ServiceGateway

        app = MelisyncApp(
            config, gateway=ServiceGateway(config, approver=state.approve, demo=True), demo=True, watch_terminal=False
        )
        return asyncio.run(walk(app)) or 0

    monkeypatch.setattr(demo, "open_app", open_app)
    assert demo.run(demo_args()) == 0

    config = seen["config"]
    assert config.api_url == config.auth_url and config.api_url.startswith("http://127.0.0.1:")
    assert config.client_id == sandbox.DEMO_CLIENT_ID and config.redirect_uri == sandbox.DEMO_REDIRECT_URI
    assert seen["env_home"] == str(seen["home"]) and seen["products"] > 0
    assert seen["sales_after_count"] == [True, True]
    assert seen["backend"] == "Keyring"  # keyring.backends.fail: nothing reaches a real keyring
    assert f"{sandbox.SELLER_NICKNAME} (id {sandbox.SELLER_ID})" in seen["text"]
    assert "(demo sandbox)" in seen["text"]
    assert not seen["home"].exists()  # the throw-away home is removed
    assert os.environ["MELISYNC_HOME"] == str(melisync_home)  # and the environment restored


def test_demo_refuses_bad_numbers():
    import pytest

    from services.errors import BadInput

    with pytest.raises(BadInput, match="--listings"):
        demo.run(demo_args(listings=0))

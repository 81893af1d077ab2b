"""Secrets never reach a traceback, even one that prints every frame's locals (Textual's crash screen does)."""

import io

import httpx
import pytest
from rich.console import Console
from rich.traceback import Traceback

import sandbox
from services.errors import MelisyncError
from services.meli import oauth
from services.secrets import SecretStore


def rendered(exc: BaseException) -> str:
    console = Console(record=True, width=250, file=io.StringIO())
    console.print(
        Traceback.from_exception(
            type(exc), exc, exc.__traceback__, show_locals=True, locals_max_length=1000, locals_max_string=100_000
        )
    )
    return console.export_text()


def every_secret(state, home) -> set[str]:
    with state.lock:
        found = set(state._access) | set(state._refresh)
    return found | {sandbox.DEMO_CLIENT_SECRET}


class Broken(httpx.ASGITransport):
    """The sandbox, except that requests to `path` blow up with `error` (after auth has been applied)."""

    def __init__(self, app, path, error):
        super().__init__(app=app)
        self.path, self.error = path, error

    async def handle_async_request(self, request):
        if request.url.path.startswith(self.path):
            raise self.error
        return await super().handle_async_request(request)


async def _raised(awaitable) -> BaseException:
    with pytest.raises(BaseException) as caught:
        await awaitable
    return caught.value


async def test_network_error_during_refresh(connected, make_client, sandbox_app, sandbox_state):
    sandbox_state.advance(7 * 3600)
    async with make_client(transport=Broken(sandbox_app, "/oauth/token", httpx.ConnectError("down"))) as client:
        exc = await _raised(client.me())
    assert isinstance(exc, MelisyncError)
    text = rendered(exc)
    assert "_refresh_grant" in text and not [s for s in every_secret(sandbox_state, connected.home) if s in text]


async def test_unexpected_crash_inside_an_authenticated_request(connected, make_client, sandbox_app, sandbox_state):
    async with make_client(transport=Broken(sandbox_app, "/users/me", RuntimeError("boom"))) as client:
        exc = await _raised(client.me())
    assert isinstance(exc, MelisyncError) and "RuntimeError" in str(exc)
    text = rendered(exc)
    assert "_request" in text and not [s for s in every_secret(sandbox_state, connected.home) if s in text]


async def test_disk_full_while_saving_a_rotated_pair(connected, make_client, sandbox_state, monkeypatch):
    def disk_full(path, data):
        raise OSError(28, "No space left on device")

    sandbox_state.advance(7 * 3600)
    monkeypatch.setattr("services.secrets.write_private", disk_full)
    async with make_client() as client:
        exc = await _raised(client.me())
    assert "no space left on the disk" in str(exc)  # the OS error in our words (services/os_errors.py)
    text = rendered(exc)
    assert not [s for s in every_secret(sandbox_state, connected.home) if s in text]


async def test_network_error_during_the_code_exchange(meli_config, sandbox_app, sandbox_state):
    url, pending = oauth.begin_authorization(meli_config)
    redirect = sandbox_state.approve(url)
    transport = Broken(sandbox_app, "/oauth/token", RuntimeError("boom"))
    exc = await _raised(oauth.complete_authorization(meli_config, redirect, transport=transport))
    assert isinstance(exc, MelisyncError)
    text = rendered(exc)
    assert "exchange_code" in text
    assert sandbox.DEMO_CLIENT_SECRET not in text and pending.code_verifier not in text
    assert SecretStore(meli_config.home).load_tokens() is None

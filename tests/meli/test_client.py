"""MeliClient against the in-process sandbox: auth and refresh, retries, listings, writes, revoke."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest

import sandbox
from services.connection import load_connection
from services.errors import BadInput, NotConnected, OperationFailed, ReauthorizationNeeded
from services.meli.errors import MeliApiError
from services.secrets import SecretStore


def _grants(state, kind="refresh_token"):
    return [r for r in state.requests_to("/oauth/token") if r.grant_type == kind]


class FailingTransport(httpx.ASGITransport):
    """The sandbox, except that requests to `path` fail at the network level `times` times."""

    def __init__(self, app, path, times, error=httpx.ConnectError):
        super().__init__(app=app)
        self.path, self.times, self.error = path, times, error

    async def handle_async_request(self, request):
        if request.url.path.startswith(self.path) and self.times > 0:
            self.times -= 1
            raise self.error("simulated network failure", request=request)
        return await super().handle_async_request(request)


async def test_not_connected_is_exit_3(meli_config, make_client):
    async with make_client() as client:
        with pytest.raises(NotConnected) as caught:
            await client.me()
    assert caught.value.exit_code == 3


async def test_me_and_capabilities(connected, make_client, sandbox_state):
    sandbox_state.warehouse_management = True
    async with make_client() as client:
        account = await client.me()
    assert account.user_id == sandbox.SELLER_ID and account.warehouse_management
    # the capability appeared after connecting: reading the account keeps the stored facts current
    assert "warehouse_management" in load_connection(connected.home).capabilities


async def test_twenty_concurrent_401s_make_exactly_one_refresh(connected, make_client, sandbox_state):
    sandbox_state.advance(7 * 3600)  # the sandbox's token expired; the client does not know yet
    async with make_client(replace(connected, concurrency=20)) as client:
        accounts = await asyncio.gather(*(client.me() for _ in range(20)))
    assert {a.user_id for a in accounts} == {sandbox.SELLER_ID}
    assert len(_grants(sandbox_state)) == 1
    me_calls = sandbox_state.requests_to("/users/me")
    assert sum(r.status == 401 for r in me_calls) >= 2 and sum(r.status == 200 for r in me_calls) == 20


async def test_refresh_ahead_of_expiry(connected, make_client, sandbox_state):
    store = SecretStore(connected.home)
    tokens = store.load_tokens()
    now = datetime.now(UTC)
    store.save_tokens(replace(tokens, expires_at=now + timedelta(minutes=2), issued_at=now - timedelta(hours=6)))
    async with make_client() as client:
        await client.me()
    assert [(r.path, r.status) for r in sandbox_state.requests] == [("/oauth/token", 200), ("/users/me", 200)]
    fresh = store.load_tokens()
    assert fresh.refresh_token != tokens.refresh_token and not fresh.expires_within(3600)
    assert load_connection(connected.home).token_expires_at == fresh.expires_at


async def test_short_lived_tokens_are_not_refreshed_before_every_request(
    meli_config, sandbox_state, asgi_transport, make_client
):
    from tests.fixtures.meli import connect_via_sandbox

    sandbox_state.token_ttl = 240  # shorter than the 5-minute refresh-ahead margin
    await connect_via_sandbox(meli_config, sandbox_state, asgi_transport)
    async with make_client() as client:
        for _ in range(5):
            await client.me()
    assert _grants(sandbox_state) == []


async def test_rotated_pair_is_persisted_before_it_is_used(connected, make_client, sandbox_state, monkeypatch):
    sandbox_state.advance(7 * 3600)

    def disk_full(self, tokens):
        raise OSError("no space left on device")

    monkeypatch.setattr(SecretStore, "save_tokens", disk_full)
    async with make_client() as client:
        with pytest.raises(OSError):
            await client.me()
    # the refreshed token was never sent: the last request is the refresh itself
    assert [(r.path, r.status) for r in sandbox_state.requests] == [("/users/me", 401), ("/oauth/token", 200)]


async def test_revoked_grant_needs_reauthorization_and_keeps_tokens(connected, make_client, sandbox_state):
    store = SecretStore(connected.home)
    before = store.load_tokens()
    sandbox_state.revoke()
    async with make_client() as client:
        with pytest.raises(ReauthorizationNeeded) as caught:
            await client.me()
    assert caught.value.exit_code == 3 and "connect" in str(caught.value)
    assert len(_grants(sandbox_state)) == 1  # one attempt, no loop
    assert store.load_tokens() == before  # kept for inspection
    assert load_connection(connected.home).needs_reauthorization
    # a later run fails fast, without asking Mercado Livre again
    async with make_client() as client:
        with pytest.raises(ReauthorizationNeeded):
            await client.me()
    assert len(_grants(sandbox_state)) == 1


async def test_connecting_again_after_a_revoked_grant(connected, make_client, sandbox_state, asgi_transport):
    from tests.fixtures.meli import connect_via_sandbox

    sandbox_state.revoke()
    async with make_client() as client:
        with pytest.raises(ReauthorizationNeeded):
            await client.me()
    await connect_via_sandbox(connected, sandbox_state, asgi_transport)
    assert not load_connection(connected.home).needs_reauthorization
    async with make_client() as client:
        assert (await client.me()).user_id == sandbox.SELLER_ID


async def test_network_error_during_refresh_keeps_the_tokens(connected, make_client, sandbox_app, sandbox_state):
    store = SecretStore(connected.home)
    before = store.load_tokens()
    sandbox_state.advance(7 * 3600)
    async with make_client(transport=FailingTransport(sandbox_app, "/oauth/token", times=100)) as client:
        with pytest.raises(OperationFailed, match="could not reach"):
            await client.me()
    assert store.load_tokens() == before and not load_connection(connected.home).needs_reauthorization
    async with make_client() as client:  # the network is back: the kept refresh token still works
        assert (await client.me()).user_id == sandbox.SELLER_ID


async def test_renewed_client_secret_is_reported_as_such(connected, make_client, sandbox_state, monkeypatch):
    sandbox_state.advance(7 * 3600)
    monkeypatch.setenv("MELISYNC_CLIENT_SECRET", "an-old-secret")
    async with make_client() as client:
        with pytest.raises(BadInput, match="set-secret"):
            await client.me()
    assert not load_connection(connected.home).needs_reauthorization


async def test_timeouts_and_5xx_bursts_are_retried(connected, make_client, sandbox_app, sandbox_state, sleeps):
    sandbox_state.fail_next(3, status=503, path_prefix="/users/me")
    transport = FailingTransport(sandbox_app, "/users/me", times=1, error=httpx.ReadTimeout)
    async with make_client(transport=transport) as client:
        assert (await client.me()).user_id == sandbox.SELLER_ID
    assert len(sleeps.delays) == 4 and all(0 <= d <= 0.5 * 2**i for i, d in enumerate(sleeps.delays))


async def test_429_storm_honours_retry_after(connected, make_client, sandbox_state, sleeps):
    sandbox_state.fail_next(4, status=429, path_prefix="/users/me", retry_after=3)
    async with make_client() as client:
        await client.me()
    assert sleeps.delays == [3, 3, 3, 3]


async def test_permanent_500_gives_up_after_bounded_retries(connected, make_client, sandbox_state, sleeps):
    sandbox_state.fail_next(1000, status=500, path_prefix="/users/me")
    async with make_client() as client:
        with pytest.raises(MeliApiError) as caught:
            await client.me()
    error = caught.value
    assert error.status == 500 and "after 6 attempts" in str(error) and error.exit_code == 1
    assert len(sandbox_state.requests_to("/users/me")) == 6 and len(sleeps.delays) == 5


async def test_listings_both_multiget_endpoints_agree(connected, make_client, sandbox_state):
    async with make_client() as client:
        bulk = await client.all_listings()
    async with make_client(multiget_endpoint="items") as client:
        legacy = await client.all_listings()
    assert bulk == legacy and len(bulk) == len(sandbox_state.listing_ids())
    assert sandbox_state.requests_to("/items/bulk") and sandbox_state.requests_to("/items", "GET")
    assert all(r.query.get("include_attributes") == "all" for r in sandbox_state.requests_to("/items"))
    # variation reference codes only come with include_attributes=all: they are there
    assert any(v.reference_code for listing in bulk for v in listing.variations)


async def test_listing_the_api_did_not_return_is_reported(connected, make_client, sandbox_state):
    known = sandbox_state.listing_ids()[:2]
    asked = [known[0], "MLB999999999", known[1]]
    async with make_client() as client:
        failures = []
        found = await client.listings(asked, failures=failures)
        assert [listing.id for listing in found] == known
        assert [(f.item_id, f.status) for f in failures] == [("MLB999999999", 404)]
        with pytest.raises(MeliApiError, match="MLB999999999"):
            await client.listings(asked)


async def test_an_unreadable_listing_is_reported_not_fatal(connected, make_client, sandbox_state):
    known = sandbox_state.listing_ids()[:3]
    with sandbox_state.lock:
        sandbox_state.items[known[1]]["variations"] = [{"available_quantity": 1}]  # a variation without id
    async with make_client() as client:
        failures = []
        found = await client.listings(known, failures=failures)
    assert [listing.id for listing in found] == [known[0], known[2]]
    assert [(f.item_id, f.error) for f in failures] == [(known[1], "unreadable")]


async def test_write_one_variation_and_read_back(connected, make_client, sandbox_state):
    item_id = next(
        i
        for i in sandbox_state.listing_ids()
        if sandbox_state.item(i)["variations"] and sandbox_state.item(i)["shipping"]["logistic_type"] != "fulfillment"
    )
    before = {v["id"]: v["available_quantity"] for v in sandbox_state.item(item_id)["variations"]}
    target = next(iter(before))
    async with make_client() as client:
        answer = await client.put_variation(item_id, target, {"available_quantity": 17})
        listing = await client.listing(item_id)
    assert answer["available_quantity"] == 17
    after = {v.id: v.available_quantity for v in listing.variations}
    assert after == before | {target: 17}


async def test_revoke_grant_kills_the_tokens(connected, make_client, sandbox_state):
    async with make_client() as client:
        answer = await client.revoke_grant(sandbox.SELLER_ID, sandbox.DEMO_CLIENT_ID)
        assert answer["msg"] == "Autorización eliminada"
        with pytest.raises(ReauthorizationNeeded):
            await client.me()


class OneBatchHangs(httpx.ASGITransport):
    """The sandbox, except that multigets not asking for `first` never answer."""

    def __init__(self, app, first):
        super().__init__(app=app)
        self.first = first

    async def handle_async_request(self, request):
        if request.url.path == "/items/bulk" and self.first not in request.url.params["ids"]:
            await asyncio.Event().wait()
        return await super().handle_async_request(request)


async def test_a_failing_batch_stops_the_others(connected, make_client, sandbox_app, sandbox_state):
    ids = sandbox_state.listing_ids()
    sandbox_state.fail_next(1000, status=500, path_prefix="/items/bulk")
    async with make_client(transport=OneBatchHangs(sandbox_app, ids[0])) as client:
        with pytest.raises(MeliApiError) as caught:
            await client.listings(ids)
        # no batch keeps running behind the raised error (it would outlive the client)
        assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
    assert caught.value.status == 500


async def test_refresh_lock_held_elsewhere_gives_up_clearly(connected, make_client, sandbox_state, monkeypatch):
    from filelock import FileLock

    from services.meli import tokens

    monkeypatch.setattr(tokens, "LOCK_TIMEOUT_SECONDS", 0.1)
    sandbox_state.advance(7 * 3600)
    before = SecretStore(connected.home).load_tokens()
    held = FileLock(str(connected.home / tokens.LOCK_FILE))
    held.acquire()
    try:
        async with make_client() as client:
            with pytest.raises(OperationFailed, match="another melisync process"):
                await client.me()
    finally:
        held.release()
    assert _grants(sandbox_state) == [] and SecretStore(connected.home).load_tokens() == before

"""A large account: 5,000 listings through scan (never offset past 1,000) and a token expiring mid-scan."""

import httpx
import pytest

from sandbox.state import SandboxState

LISTINGS = 5000


@pytest.fixture
def sandbox_state():
    return SandboxState(listings=LISTINGS, seed=3)


class ClockJump(httpx.ASGITransport):
    """The sandbox, moving its clock forward just before the `at`-th search page is served."""

    def __init__(self, app, state, at, seconds):
        super().__init__(app=app)
        self.state, self.at, self.seconds, self.pages = state, at, seconds, 0

    async def handle_async_request(self, request):
        if request.url.path.endswith("/items/search"):
            self.pages += 1
            if self.pages == self.at:
                self.state.advance(self.seconds)
        return await super().handle_async_request(request)


async def test_scan_pages_through_5000_listings(connected, make_client, sandbox_state):
    progress = []
    async with make_client() as client:
        listings = await client.all_listings(progress=lambda done, total: progress.append((done, total)))
    assert [listing.id for listing in listings] == sandbox_state.listing_ids()
    searches = sandbox_state.requests_to("/users/")
    assert all(r.query["search_type"] == "scan" and "offset" not in r.query for r in searches)
    assert len(searches) == LISTINGS // 100 + 1  # 50 full pages, then the empty one that ends the scan
    bulk = sandbox_state.requests_to("/items/bulk")
    assert len(bulk) == LISTINGS // 20 and all(len(r.query["ids"].split(",")) <= 20 for r in bulk)
    assert progress[0] == (0, LISTINGS) and progress[-1] == (LISTINGS, LISTINGS)


async def test_token_expiring_in_the_middle_of_a_scan(connected, make_client, sandbox_app, sandbox_state):
    sandbox_state.scroll_ttl = 10 * 86400  # only the token expires, not the scroll
    transport = ClockJump(sandbox_app, sandbox_state, at=20, seconds=7 * 3600)
    async with make_client(transport=transport) as client:
        ids = await client.listing_ids()
    assert ids == sandbox_state.listing_ids()
    searches = sandbox_state.requests_to("/users/")
    assert [r.status for r in searches].count(401) == 1
    assert [r.grant_type for r in sandbox_state.requests_to("/oauth/token")] == ["refresh_token"]


async def test_an_expired_scroll_starts_the_scan_again_once(connected, make_client, sandbox_app, sandbox_state):
    transport = ClockJump(sandbox_app, sandbox_state, at=10, seconds=sandbox_state.scroll_ttl + 1)
    async with make_client(transport=transport) as client:
        ids = await client.listing_ids()
    assert ids == sandbox_state.listing_ids()
    statuses = [r.status for r in sandbox_state.requests_to("/users/")]
    assert statuses.count(400) == 1 and len(statuses) == 9 + 1 + LISTINGS // 100 + 1

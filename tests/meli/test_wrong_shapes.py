"""Every answer of Mercado Livre is checked at the parsing boundary: valid JSON of a shape the resource never
has (null, an array, a string, a number, an object without the fields) is a clear error naming the resource
(exit 1), never a raw Python exception. Sweeps every client method with every wrong shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.errors import MelisyncError
from services.meli.models import StockLocation

WRONG = [None, [], [1, "x"], "text", 42, {}, {"results": "x", "paging": []}, {"id": None}, {"id": {"a": 1}}]


class WrongShape(httpx.ASGITransport):
    """The sandbox, except that answers to `path` (GET and PUT/DELETE) carry `payload` as their JSON body."""

    def __init__(self, app, path: str, payload):
        super().__init__(app=app)
        self.path, self.payload = path, payload

    async def handle_async_request(self, request):
        if request.url.path.startswith(self.path):
            return httpx.Response(
                200,
                headers={"content-type": "application/json", "x-version": "1"},
                content=json.dumps(self.payload).encode(),
            )
        return await super().handle_async_request(request)


def _calls(state):
    """(name, path prefix, call): one per client method that reads an answer."""
    item = state.listing_ids()[0]
    variated = next(i for i in state.listing_ids() if state.variation_ids(i))
    since = datetime.now(UTC) - timedelta(days=2)

    async def orders(client):
        return [o async for o in client.orders(since)]

    return [
        ("me", "/users/me", lambda c: c.me()),
        ("listing_ids", "/users/", lambda c: c.listing_ids()),
        ("listings", "/items", lambda c: c.listings([item])),
        ("all_listings", "/items", lambda c: c.all_listings(failures=None)),
        ("listing", f"/items/{item}", lambda c: c.listing(item)),
        ("orders", "/orders/search", orders),
        ("billing_info", "/orders/billing-info", lambda c: c.billing_info("123")),
        ("user_product_stock", "/user-products/", lambda c: c.user_product_stock("MLBU1")),
        ("stock_locations", "/users/", lambda c: c.stock_locations()),
        ("put_item", f"/items/{item}", lambda c: c.put_item(item, {"available_quantity": 3})),
        (
            "put_variation",
            f"/items/{variated}/variations",
            lambda c: c.put_variation(variated, state.variation_ids(variated)[0], {"available_quantity": 1}),
        ),
        (
            "put_seller_warehouse_stock",
            "/user-products/",
            lambda c: c.put_seller_warehouse_stock("MLBU1", [StockLocation("seller_warehouse", 1, "1", "n")], 1),
        ),
        ("revoke_grant", "/users/", lambda c: c.revoke_grant(1, "2")),
    ]


@pytest.mark.parametrize("payload", WRONG, ids=lambda p: json.dumps(p)[:30])
async def test_every_client_method_turns_a_wrong_shape_into_a_clear_error(
    connected, sandbox_state, sandbox_app, make_client, payload
):
    sandbox_state.create_order(sandbox_state.listing_ids()[1])
    outcomes = {}
    for name, path, call in _calls(sandbox_state):
        async with make_client(transport=WrongShape(sandbox_app, path, payload)) as client:
            await client.user_id()  # the seller id is known before the answers go wrong (like a real run)
            try:
                await call(client)
                outcomes[name] = "ok"
            except MelisyncError as exc:
                assert exc.exit_code == 1, (name, exc)
                outcomes[name] = str(exc)
            # anything else (TypeError, AttributeError, KeyError...) fails the test with its traceback
    readers = ("me", "listing", "billing_info", "user_product_stock", "stock_locations")
    for name in readers:
        assert outcomes[name] != "ok", (name, payload)
        assert "Mercado Livre" in outcomes[name], outcomes[name]

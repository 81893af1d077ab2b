"""Sandbox-only control routes, under `/_sandbox/` (the real API has nothing there): anyone who can reach the
sandbox can make a buyer buy, without a seller token, so a sale can be watched flowing through melisync
(`melisync sandbox sell`). They are left out of the rate limit, the injected faults and `writes()`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox import ORDER_STATUSES, SALE_STATUSES
from sandbox.errors import ApiError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from sandbox.state import SandboxState

CONTROL_PREFIX = "/_sandbox/"


def control_routes(state: SandboxState, json_body: Callable[[Request], Awaitable[Any]]) -> list[Route]:
    async def sell(request: Request) -> Response:
        """`POST /_sandbox/sell {"item_id", "variation_id", "code", "quantity", "status", "before_next_write"}` ->
        201 `{"orders": [{"id", "item_id", "variation_id", "quantity", "status", "pack_id", "tags"}]}` (a kit: one
        per component). `status` (default paid) may be one of SALE_STATUSES: an order confirmed but not paid yet
        holds its units. With `before_next_write: true` the sale is made right before the next write reaches the
        sandbox."""
        body = await json_body(request)
        if not isinstance(body, dict):
            raise ApiError(400, "bad_request", "the body must be a JSON object")
        item_id, code = body.get("item_id"), body.get("code")
        if bool(item_id) == bool(code):
            raise ApiError(400, "bad_request", "give either item_id or code")
        variation_id = body.get("variation_id")
        if variation_id is not None and (isinstance(variation_id, bool) or not isinstance(variation_id, int)):
            raise ApiError(400, "bad_request", "variation_id must be a number")
        quantity = body.get("quantity", 1)
        status = body.get("status", "paid")
        if status not in SALE_STATUSES:
            raise ApiError(400, "bad_request", f"status must be one of {', '.join(SALE_STATUSES)}")
        if body.get("before_next_write"):
            state.sell_before_next_write(item_id, variation_id, quantity, code=code, status=status)
            return JSONResponse({"orders": [], "pending": True}, status_code=202)
        orders = state.sell(item_id, variation_id, quantity, code=code, status=status)
        return JSONResponse({"orders": [_summary(o) for o in orders]}, status_code=201)

    async def order_status(request: Request) -> Response:
        """`POST /_sandbox/order {"order_id", "status"}` -> 200 the order's summary: the buyer pays (paid), or the
        order is cancelled; the stock follows as on Mercado Livre (sandbox/orders.py)."""
        body = await json_body(request)
        if not isinstance(body, dict):
            raise ApiError(400, "bad_request", "the body must be a JSON object")
        order_id, status = body.get("order_id"), body.get("status")
        if isinstance(order_id, bool) or not isinstance(order_id, int):
            raise ApiError(400, "bad_request", "order_id must be a number")
        if status not in ORDER_STATUSES:
            raise ApiError(400, "bad_request", f"status must be one of {', '.join(ORDER_STATUSES)}")
        if order_id not in state.orders:
            raise ApiError(404, "order_not_found", f"Order {order_id} not found")
        return JSONResponse(_summary(state.set_order_status(order_id, status)))

    return [
        Route(CONTROL_PREFIX + "sell", sell, methods=["POST"]),
        Route(CONTROL_PREFIX + "order", order_status, methods=["POST"]),
    ]


def _summary(order: dict) -> dict:
    line = order["order_items"][0]
    return {
        "id": order["id"],
        "item_id": line["item"]["id"],
        "variation_id": line["item"]["variation_id"],
        "title": line["item"]["title"],
        "quantity": line["quantity"],
        "status": order["status"],
        "pack_id": order["pack_id"],
        "tags": order["tags"],
    }

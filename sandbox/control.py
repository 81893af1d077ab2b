"""Sandbox-only control routes, under `/_sandbox/` (the real API has nothing there): anyone who can reach the
sandbox can make a buyer buy, without a seller token, so a sale can be watched flowing through melisync
(`melisync sandbox sell`). They are left out of the rate limit, the injected faults and `writes()`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.errors import ApiError

CONTROL_PREFIX = "/_sandbox/"


def control_routes(state, json_body) -> list[Route]:
    async def sell(request: Request):
        """`POST /_sandbox/sell {"item_id", "variation_id", "code", "quantity", "before_next_write"}` -> 201
        `{"orders": [{"id", "item_id", "variation_id", "quantity", "pack_id", "tags"}]}` (a kit: one per component).
        With `before_next_write: true` the sale is made right before the next write reaches the sandbox."""
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
        if body.get("before_next_write"):
            state.sell_before_next_write(item_id, variation_id, quantity, code=code)
            return JSONResponse({"orders": [], "pending": True}, status_code=202)
        orders = state.sell(item_id, variation_id, quantity, code=code)
        return JSONResponse({"orders": [_summary(o) for o in orders]}, status_code=201)

    return [Route(CONTROL_PREFIX + "sell", sell, methods=["POST"])]


def _summary(order: dict) -> dict:
    line = order["order_items"][0]
    return {"id": order["id"], "item_id": line["item"]["id"], "variation_id": line["item"]["variation_id"],
            "title": line["item"]["title"], "quantity": line["quantity"], "status": order["status"],
            "pack_id": order["pack_id"], "tags": order["tags"]}

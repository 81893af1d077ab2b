"""Routes for orders, shipments and the User Products / multi-origin stock resources (the rest: app.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from sandbox.state import SandboxState


def extra_routes(
    state: SandboxState,
    caller: Callable[[Request], tuple[int, str]],
    params: Callable[[Request], dict[str, str]],
    json_body: Callable[[Request], Awaitable[Any]],
) -> list[Route]:
    """`caller(request)` authenticates (401 otherwise); `json_body(request)` parses and logs a JSON body."""

    async def orders_search(request: Request) -> Response:
        return JSONResponse(state.search_orders(params(request), caller(request)))

    async def order_get(request: Request) -> Response:
        return JSONResponse(state.get_order(request.path_params["order_id"], caller(request)))

    async def billing_info(request: Request) -> Response:
        return JSONResponse(
            state.billing_info(request.path_params["site_id"], request.path_params["billing_id"], caller(request))
        )

    async def migration_live_listing(request: Request) -> Response:
        caller(request)
        return JSONResponse(state.migration_live_listing(request.path_params["item_id"]))

    async def user_product(request: Request) -> Response:
        return JSONResponse(state.user_product(request.path_params["up_id"], caller(request)))

    async def family(request: Request) -> Response:
        caller(request)
        return JSONResponse(state.family(request.path_params["family_id"]))

    async def up_stock_get(request: Request) -> Response:
        who = caller(request)
        state.count_stock_call(who[1])
        body, version = state.user_product_stock(request.path_params["up_id"], who)
        return JSONResponse(body, headers={"x-version": str(version)})

    async def up_stock_put(request: Request) -> Response:
        who = caller(request)
        state.count_stock_call(who[1])
        body = await json_body(request)
        answer, version = state.put_warehouse_stock(
            request.path_params["up_id"], request.path_params["kind"], body, request.headers.get("x-version"), who
        )
        return JSONResponse(answer, headers={"x-version": str(version)})

    async def stores_search(request: Request) -> Response:
        return JSONResponse(state.stores_search(request.path_params["user_id"], caller(request), params(request)))

    async def shipment(request: Request) -> Response:
        return JSONResponse(
            state.shipment(request.path_params["shipment_id"], caller(request), request.headers.get("x-format-new"))
        )

    return [
        Route("/shipments/{shipment_id:int}", shipment, methods=["GET"]),
        Route("/items/{item_id}/migration_live_listing", migration_live_listing, methods=["GET"]),
        Route("/user-products/{up_id}", user_product, methods=["GET"]),
        Route("/user-products/{up_id}/stock", up_stock_get, methods=["GET"]),
        Route("/user-products/{up_id}/stock/type/{kind}", up_stock_put, methods=["PUT"]),
        Route("/sites/MLB/user-products-families/{family_id}", family, methods=["GET"]),
        Route("/users/{user_id:int}/stores/search", stores_search, methods=["GET"]),
        Route("/orders/search", orders_search, methods=["GET"]),
        Route("/orders/{order_id:int}", order_get, methods=["GET"]),
        Route("/orders/billing-info/{site_id}/{billing_id}", billing_info, methods=["GET"]),
    ]

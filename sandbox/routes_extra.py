"""Routes for orders and the User Products / multi-origin stock resources."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def extra_routes(state, caller, optional_caller, params, json_body) -> list[Route]:
    async def orders_search(request: Request):
        return JSONResponse(state.search_orders(params(request), caller(request)))

    async def order_get(request: Request):
        return JSONResponse(state.get_order(request.path_params["order_id"], caller(request)))

    async def billing_info(request: Request):
        return JSONResponse(state.billing_info(request.path_params["site_id"], request.path_params["billing_id"],
                                               caller(request)))

    return [
        Route("/orders/search", orders_search, methods=["GET"]),
        Route("/orders/{order_id:int}", order_get, methods=["GET"]),
        Route("/orders/billing-info/{site_id}/{billing_id}", billing_info, methods=["GET"]),
    ]

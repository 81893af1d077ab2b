"""The sandbox as an ASGI app: Starlette routes over a `SandboxState`, behind a front door that adds the
emulated network (latency), the per-app rate limit, injected faults and the request log."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import anyio
import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.authpage import consent_page, error_page
from sandbox.control import CONTROL_PREFIX, control_routes
from sandbox.errors import ApiError
from sandbox.oauth import AuthPageError
from sandbox.routes_extra import extra_routes
from sandbox.state import LoggedRequest, SandboxState

LOGGED_HEADERS = ("x-version", "content-type")


def _error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


class FrontDoor:
    """ASGI middleware: latency, rate limit, faults, then the routes; logs every request with its status."""

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        state = self.state
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        entry = LoggedRequest(
            scope["method"], scope["path"], query, headers={k: headers[k] for k in LOGGED_HEADERS if k in headers}
        )
        scope.setdefault("state", {})["sandbox_entry"] = entry
        try:
            if state.latency_ms:
                await anyio.sleep(state.latency_ms / 1000)  # the emulated network
            error = None
            if not entry.path.startswith(("/authorization", CONTROL_PREFIX)):
                app_id = state.app_of(headers.get("authorization")) or "anonymous"
                entry.client_id = entry.client_id or (app_id if app_id != "anonymous" else None)
                if not state.take_token(app_id):
                    error = state.rate_limited()
                else:
                    error = state.injected_fault(entry.method, entry.path)
            if error is not None:
                entry.status = error.status
                return await _error_response(error)(scope, receive, send)

            try:
                state.before_write(entry.method, entry.path)  # a sale made to land right before this write
            except ApiError as exc:  # that sale was not possible: the write goes on, and the log says why
                entry.query["_sandbox_sale_refused"] = exc.message
            lost = state.answer_lost(entry.method, entry.path)

            async def record_status(message: Message) -> None:
                if message["type"] == "http.response.start":
                    entry.status = message["status"]
                    if lost:  # the head leaves (uvicorn then has to close the connection), the body never does
                        await send(message)
                if not lost:
                    await send(message)

            await self.app(scope, receive, record_status)
            if lost:
                entry.lost = True
                # Applied, answer lost: in-process the client sees the same error a dropped socket gives it.
                raise httpx.RemoteProtocolError("the sandbox dropped the connection after applying the request")
        finally:
            state.log(entry)


def _multiget_response(entries: list[dict], missing: list[str]) -> JSONResponse:
    """A multiget where some entries failed (403, 500) is a partial answer: 206 with X-Content-Missing."""
    if not missing:
        return JSONResponse(entries)
    return JSONResponse(entries, status_code=206, headers={"X-Content-Missing": ",".join(missing)})


def _text(value: object) -> str | None:
    """A form field as text for the request log (the token form is urlencoded: a file part is no field)."""
    return value if isinstance(value, str) else None


def _entry(request: Request) -> LoggedRequest:
    return request.scope["state"]["sandbox_entry"]


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        raise ApiError(400, "bad_request", "The body is not valid JSON") from None
    _entry(request).body = body
    return body


def create_app(state: SandboxState) -> Starlette:
    """The ASGI app serving `state` (API and authorization page on one base URL)."""

    def caller(request: Request) -> tuple[int, str]:
        found = state.authenticate(request.headers.get("authorization"))
        _entry(request).client_id = found[1]
        return found

    def optional_caller(request: Request) -> tuple[int, str] | None:
        # Item reads are public on ML: without a token they work, with placeholder quantities.
        return caller(request) if request.headers.get("authorization") else None

    def params(request: Request) -> dict:
        return dict(request.query_params)

    # -- OAuth -------------------------------------------------------------------------------------

    async def authorization(request: Request) -> Response:
        try:
            kind, value = state.begin_authorization(params(request))
        except AuthPageError as exc:
            return HTMLResponse(error_page(str(exc)), status_code=400)
        if kind == "redirect":
            return RedirectResponse(value, status_code=302)
        page = consent_page(
            nickname=state.seller["nickname"],
            client_id=request.query_params["client_id"],
            tx=value,
            decision_url=str(request.base_url).rstrip("/") + "/authorization/decision",
        )
        return HTMLResponse(page)

    async def decision(request: Request) -> Response:
        form = await request.form()
        try:
            url = state.decide(str(form.get("tx", "")), form.get("decision") == "allow")
        except AuthPageError as exc:
            return HTMLResponse(error_page(str(exc)), status_code=400)
        return RedirectResponse(url, status_code=302)

    async def token(request: Request) -> Response:
        form = dict(await request.form())
        entry = _entry(request)
        entry.grant_type = _text(form.get("grant_type"))
        entry.client_id = _text(form.get("client_id"))
        return JSONResponse(state.token(form))

    # -- users -------------------------------------------------------------------------------------

    async def users_me(request: Request) -> Response:
        user_id, _ = caller(request)
        return JSONResponse(state.user_me(user_id))

    async def user(request: Request) -> Response:
        user_id, _ = caller(request)
        if request.path_params["user_id"] != user_id:
            raise ApiError(403, "forbidden", "access to the requested resource is forbidden")
        return JSONResponse(state.user_me(user_id))

    async def items_search(request: Request) -> Response:
        return JSONResponse(state.search(request.path_params["user_id"], caller(request), params(request)))

    async def user_applications(request: Request) -> Response:
        return JSONResponse(state.user_applications(request.path_params["user_id"], caller(request)))

    async def app_grants(request: Request) -> Response:
        return JSONResponse(state.list_grants(request.path_params["app_id"], caller(request)))

    async def revoke_application(request: Request) -> Response:
        return JSONResponse(
            state.revoke_application(request.path_params["user_id"], caller(request), request.path_params["app_id"])
        )

    # -- items -------------------------------------------------------------------------------------

    async def items_multiget(request: Request) -> Response:
        if state.items_ids_discontinued:
            raise ApiError(404, "not_found", "/items?ids= was discontinued: use /items/bulk?ids=")
        return _multiget_response(*state.multiget(params(request), optional_caller(request), bulk=False))

    async def items_bulk(request: Request) -> Response:
        return _multiget_response(*state.multiget(params(request), optional_caller(request), bulk=True))

    async def item_get(request: Request) -> Response:
        return JSONResponse(state.get_item(request.path_params["item_id"], optional_caller(request), params(request)))

    async def item_put(request: Request) -> Response:
        who = caller(request)
        body = await _json_body(request)
        return JSONResponse(state.update_item(request.path_params["item_id"], body, who))

    async def variations_get(request: Request) -> Response:
        return JSONResponse(
            state.get_variations(request.path_params["item_id"], optional_caller(request), params(request))
        )

    async def variation_get(request: Request) -> Response:
        return JSONResponse(
            state.get_variations(
                request.path_params["item_id"],
                optional_caller(request),
                params(request),
                request.path_params["variation_id"],
            )
        )

    async def variation_put(request: Request) -> Response:
        who = caller(request)
        body = await _json_body(request)
        return JSONResponse(
            state.update_variation(request.path_params["item_id"], request.path_params["variation_id"], body, who)
        )

    routes = [
        Route("/authorization", authorization, methods=["GET"]),
        Route("/authorization/decision", decision, methods=["POST"]),
        Route("/oauth/token", token, methods=["POST"]),
        Route("/users/me", users_me, methods=["GET"]),
        Route("/users/{user_id:int}", user, methods=["GET"]),
        Route("/users/{user_id:int}/items/search", items_search, methods=["GET"]),
        Route("/users/{user_id:int}/applications", user_applications, methods=["GET"]),
        Route("/users/{user_id:int}/applications/{app_id}", revoke_application, methods=["DELETE"]),
        Route("/applications/{app_id}/grants", app_grants, methods=["GET"]),
        Route("/items", items_multiget, methods=["GET"]),
        Route("/items/bulk", items_bulk, methods=["GET"]),
        Route("/items/{item_id}", item_get, methods=["GET"]),
        Route("/items/{item_id}", item_put, methods=["PUT"]),
        Route("/items/{item_id}/variations", variations_get, methods=["GET"]),
        Route("/items/{item_id}/variations/{variation_id:int}", variation_get, methods=["GET"]),
        Route("/items/{item_id}/variations/{variation_id:int}", variation_put, methods=["PUT"]),
    ]
    routes += extra_routes(state, caller, params, _json_body)  # orders, user products, shipments
    routes += control_routes(state, _json_body)  # sandbox-only (no token): make a buyer buy

    async def api_error(request: Request, exc: ApiError) -> Response:
        return _error_response(exc)

    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = "resource not found" if exc.status_code == 404 else (exc.detail or "error")
        return _error_response(ApiError(exc.status_code, message=f"{message}: {request.method} {request.url.path}"))

    async def crash(request: Request, exc: Exception) -> Response:
        return _error_response(ApiError(500, message="internal error in the sandbox"))

    app = Starlette(
        routes=routes,
        # Starlette types every handler as taking any Exception; each of these is registered for its own class.
        exception_handlers={ApiError: api_error, HTTPException: http_error, Exception: crash},  # type: ignore[dict-item]
    )
    app.state.sandbox = state
    app.add_middleware(FrontDoor, state=state)
    return app

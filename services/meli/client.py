"""The Mercado Livre HTTP client: one `httpx.AsyncClient` with auth and refresh, bounded retries, a rate
limit and bounded concurrency; typed methods that return domain objects (`services.meli.models`).

Write methods (`put_item`, `put_variation`) are low level and meant only for the sync engine's single,
journaled write path. No token ever reaches a log line, an exception or a repr.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, AsyncIterator, Callable

import httpx

from services.config import Config, load_config
from services.connection import load_connection, update_connection
from services.errors import BadInput, OperationFailed, ReauthorizationNeeded
from services.meli import parse
from services.meli.errors import MeliApiError
from services.meli.models import Account, BillingInfo, Listing, Order, StockLocation, UserProductStock, Warehouse
from services.meli.throttle import RETRYABLE_STATUS, RateLimiter, RetryPolicy, Sleep, WindowLimiter
from services.meli.tokens import TokenKeeper
from services.secrets import Hidden, SecretStore, TokenSet

if TYPE_CHECKING:
    from services.meli.oauth import PendingAuthorization

log = logging.getLogger("melisync.meli")

MULTIGET_BATCH = 20  # ml-api.md §4: at most 20 ids per multiget
SCAN_PAGE = 100  # ml-api.md §3: at most 100 ids per search page
ORDERS_PAGE = 50  # ml-api.md §8.1: limit <= 51
ORDERS_RESOURCE = "the orders search (GET /orders/search)"
ORDERS_MAX_OFFSET = 10_000  # beyond this ML refuses the offset: split the time window instead
MULTIGET_ENDPOINTS = {"bulk": "/items/bulk", "items": "/items"}
UP_STOCK_RPM = 100  # ml-api.md §6.5: the /user-products/{id}/stock resource allows 100 requests per minute

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ListingFailure:
    """A listing a multiget could not return (deleted, not owned, ...), in Mercado Livre's words."""

    item_id: str
    status: int
    error: str
    message: str


class MeliClient:
    """Async client for one connected account. Use as `async with open_client() as client: ...`.

    `transport` is injectable (tests pass `httpx.ASGITransport(app=sandbox_app)`); `sleep` and `retry`
    let tests make backoff instant.
    """

    def __init__(
        self,
        config: Config,
        store: SecretStore | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Sleep = asyncio.sleep,
        timeout: float = 30.0,
        multiget_endpoint: str | None = None,
    ):
        self.config = config
        self.store = store or SecretStore(config.home)
        endpoint = multiget_endpoint or config.multiget_endpoint or "bulk"
        if endpoint not in MULTIGET_ENDPOINTS:
            raise BadInput(f"multiget_endpoint must be one of {', '.join(MULTIGET_ENDPOINTS)}, got {endpoint!r}")
        self.multiget_endpoint = endpoint
        self._http = httpx.AsyncClient(
            base_url=config.api_url,
            transport=transport,
            timeout=timeout,
            headers={"Accept": "application/json", "User-Agent": "melisync"},
        )
        self._retry = retry
        self._sleep = sleep
        self._limiter = RateLimiter(config.requests_per_second)
        self._slots = asyncio.Semaphore(max(1, int(config.concurrency)))
        self._tokens = TokenKeeper(self.store, self._refresh_grant)
        self._user_id: int | None = None
        self._up_stock_limiter = WindowLimiter(max(1, int(config.stock_requests_per_minute or UP_STOCK_RPM)), 60.0,
                                               sleep=sleep)

    def __repr__(self) -> str:
        return f"MeliClient(api_url={self.config.api_url!r}, home={str(self.config.home)!r})"

    async def __aenter__(self) -> "MeliClient":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- account -------------------------------------------------------------------------------------

    async def me(self) -> Account:
        """The connected seller, with the tags that say how to write stock (ml-api.md §2)."""
        account = parse.account(await self._json("GET", "/users/me"))
        self._user_id = account.user_id
        known = load_connection(self.config.home)
        if known.connected and known.user_id == account.user_id and (
                known.tags, known.nickname, known.site_id) != (account.tags, account.nickname, account.site_id):
            # Capabilities change over time (User Products rollout, multi-warehouse): keep status current.
            await asyncio.to_thread(update_connection, self.config.home, tags=account.tags,
                                    nickname=account.nickname, site_id=account.site_id)
        return account

    async def user_id(self) -> int:
        if self._user_id is None:
            known = load_connection(self.config.home).user_id or (await self._tokens.current()).user_id
            self._user_id = int(known) if known else (await self.me()).user_id
        return self._user_id

    # -- listings ------------------------------------------------------------------------------------

    async def listing_ids(self, status: str | None = None) -> list[str]:
        """Every listing id of the seller, by scan (works past the 1,000-offset wall; ml-api.md §3)."""
        path = f"/users/{await self.user_id()}/items/search"
        first = {"search_type": "scan", "limit": SCAN_PAGE} | ({"status": status} if status else {})
        params = dict(first)
        ids: dict[str, None] = {}
        restarted = False
        previous: list = []
        while True:
            try:
                page = await self._json("GET", path, params=params)
            except MeliApiError as exc:
                # The scroll lives 5 minutes: after a long 429 back-off it may be gone. Start over once
                # (ids already seen are kept; the set absorbs the overlap).
                if exc.status != 400 or "scroll_id" not in params or restarted:
                    raise
                log.warning("the listing scan expired (%s); starting it again", exc.message)
                restarted, params = True, dict(first)
                continue
            results, _ = parse.page(page, "the listings scan (GET /users/{id}/items/search)")
            ids.update((str(i), None) for i in results)
            scroll_id = page.get("scroll_id")
            # An empty page ends the scan; so does the same page twice (never loop on a stuck scroll).
            if not results or not scroll_id or results == previous:
                return list(ids)
            previous = results
            params = first | {"scroll_id": scroll_id}

    async def listings(self, ids: list[str], *, failures: list[ListingFailure] | None = None,
                       progress: Progress | None = None) -> list[Listing]:
        """Details of `ids` (batches of 20, `include_attributes=all`), in the order asked.

        A listing ML could not return is never dropped silently: it goes to `failures` when given,
        otherwise the call raises MeliApiError naming it.
        """
        ids = list(dict.fromkeys(str(i) for i in ids))
        batches = [ids[i:i + MULTIGET_BATCH] for i in range(0, len(ids), MULTIGET_BATCH)]
        done = 0

        async def one(batch: list[str]) -> list[parse.MultigetEntry]:
            nonlocal done
            entries = await self._multiget(batch)
            done += len(batch)
            if progress:
                progress(done, len(ids))
            return entries

        found: list[Listing] = []
        missing: list[ListingFailure] = []
        for entries in await _all_or_cancel([one(b) for b in batches]):
            for entry in entries:
                if not entry.ok:
                    missing.append(ListingFailure(entry.item_id, entry.status, str(entry.body.get("error") or ""),
                                                  str(entry.body.get("message") or "")))
                    continue
                try:
                    found.append(parse.listing(entry.body))
                except (KeyError, TypeError, ValueError) as exc:
                    # One odd listing must not hide the others: it is reported like one ML did not return.
                    missing.append(ListingFailure(entry.item_id, entry.status, "unreadable",
                                                  f"melisync could not read this listing ({type(exc).__name__}: {exc})"))
        if missing:
            for failure in missing:
                log.warning("listing %s not returned: %s %s", failure.item_id, failure.status, failure.message)
            if failures is None:
                first = missing[0]
                names = ", ".join(f.item_id for f in missing[:5]) + (" ..." if len(missing) > 5 else "")
                raise MeliApiError(first.status, first.error or "not_returned",
                                   f"{len(missing)} listing(s) could not be read: {names}", where="multiget")
            failures.extend(missing)
        return found

    async def all_listings(self, progress: Progress | None = None, *, status: str | None = None,
                           failures: list[ListingFailure] | None = None) -> list[Listing]:
        """Every listing with its variations: scan the ids, then multiget the details."""
        ids = await self.listing_ids(status)
        if progress:
            progress(0, len(ids))
        return await self.listings(ids, failures=failures, progress=progress)

    async def listing(self, item_id: str) -> Listing:
        """One listing, read live (used to read back after a write)."""
        return parse.listing(await self._json("GET", f"/items/{item_id}", params={"include_attributes": "all"}))

    async def _multiget(self, batch: list[str]) -> list[parse.MultigetEntry]:
        params = {"ids": ",".join(batch), "include_attributes": "all"}
        payload = await self._json("GET", MULTIGET_ENDPOINTS[self.multiget_endpoint], params=params)
        return parse.multiget(payload, batch)

    # -- writes (only through the sync engine's journaled path) ----------------------------------------

    async def put_item(self, item_id: str, body: dict, *, conflict_retry: bool = True) -> dict:
        """`PUT /items/{id}`: the raw answer (the full item). A `variations` array must list them all.
        `conflict_retry=False` (stock writes): a 409 is raised, not retried - the item changed since it was
        read (a sale, most often), so the same absolute quantity must not be sent again."""
        return await self._json("PUT", f"/items/{item_id}", json=body, retry_statuses=_retry(conflict_retry))

    async def put_variation(self, item_id: str, variation_id: int, body: dict, *,
                            conflict_retry: bool = True) -> dict:
        """`PUT /items/{id}/variations/{variation_id}` (ml-api.md §6.4): touches that variation only."""
        return await self._json("PUT", f"/items/{item_id}/variations/{variation_id}", json=body,
                                retry_statuses=_retry(conflict_retry))

    # -- multi-origin stock (sellers tagged warehouse_management, ml-api.md §6.5) ----------------------

    async def user_product_stock(self, user_product_id: str) -> tuple[UserProductStock, int | None]:
        """`GET /user-products/{id}/stock`: its locations and the `x-version` a write must carry."""
        response = await self._request("GET", f"/user-products/{user_product_id}/stock",
                                       limiter=self._up_stock_limiter)
        return parse.user_product_stock(_body(response), user_product_id), _version(response)

    async def put_seller_warehouse_stock(self, user_product_id: str, locations: list[StockLocation],
                                         x_version: int | None) -> tuple[UserProductStock, int | None]:
        """`PUT /user-products/{id}/stock/type/seller_warehouse` with `x-version`: sets these warehouses'
        quantities (absolute). A 409 means the version moved (a sale, another tool): it is raised, never
        retried with the same quantities - the caller plans the target again from fresh facts."""
        path = f"/user-products/{user_product_id}/stock/type/seller_warehouse"
        body = {"locations": [{"store_id": l.store_id, "network_node_id": l.network_node_id, "quantity": l.quantity}
                              for l in locations]}
        response = await self._request("PUT", path, json=body, headers={"x-version": str(x_version or "")},
                                       retry_statuses=_retry(False), limiter=self._up_stock_limiter)
        # The PUT's own answer may be empty: the writer reads the stock back with a GET anyway.
        answer = _body(response)
        stock = (parse.user_product_stock(answer, user_product_id) if answer
                 else UserProductStock(user_product_id, ()))
        return stock, _version(response)

    async def stock_locations(self) -> list[Warehouse]:
        """The seller's warehouses (`GET /users/{id}/stores/search?tags=stock_location`)."""
        payload = await self._json("GET", f"/users/{await self.user_id()}/stores/search",
                                   params={"tags": "stock_location"})
        return parse.warehouses(payload)

    # -- orders and buyers ---------------------------------------------------------------------------

    async def orders(self, updated_from: datetime | None = None, updated_to: datetime | None = None,
                     *, status: str | None = None) -> AsyncIterator[Order]:
        """Orders whose `date_last_updated` falls in [from, to], each once.

        ML filters by the hour (minutes are dropped), so `from` is rounded down and `to` up: windows
        overlap rather than miss an order. Windows with more than 10,000 orders are split in two.
        """
        seller = await self.user_id()
        start = _floor_hour(updated_from) if updated_from else None
        end = _ceil_hour(updated_to) if updated_to else None
        seen: set[int] = set()
        async for raw in self._order_window(seller, start, end, status):
            try:
                found = parse.order(raw)
            except (KeyError, TypeError, ValueError) as exc:
                # Not skipped: a sale left out would let a stock push oversell. Stop and say which.
                raise OperationFailed(f"order {raw.get('id') if isinstance(raw, dict) else '?'} from Mercado Livre "
                                      f"could not be read ({type(exc).__name__}: {exc})") from None
            if found.id not in seen:
                seen.add(found.id)
                yield found

    async def _order_window(self, seller: int, start: datetime | None, end: datetime | None,
                            status: str | None) -> AsyncIterator[dict]:
        params: dict = {"seller": seller, "sort": "date_asc", "limit": ORDERS_PAGE, "offset": 0}
        if start:
            params["order.date_last_updated.from"] = _ml_time(start)
        if end:
            params["order.date_last_updated.to"] = _ml_time(end)
        if status:
            params["order.status"] = status
        page = await self._json("GET", "/orders/search", params=params)
        results, paging = parse.page(page, ORDERS_RESOURCE)
        total = parse.count(paging.get("total"), "the orders search's paging.total")
        if total > ORDERS_MAX_OFFSET and start and end and end - start > timedelta(hours=1):
            middle = _floor_hour(start + (end - start) / 2)
            async for raw in self._order_window(seller, start, middle, status):
                yield raw
            async for raw in self._order_window(seller, middle, end, status):
                yield raw
            return
        if total > ORDERS_MAX_OFFSET:
            log.warning("more than %d orders in one window; only the first %d are read", total, ORDERS_MAX_OFFSET)
        while True:
            for raw in results:
                yield raw
            params["offset"] += len(results)
            if not results or params["offset"] >= min(total, ORDERS_MAX_OFFSET):
                return
            results, _ = parse.page(await self._json("GET", "/orders/search", params=params), ORDERS_RESOURCE)

    async def billing_info(self, billing_info_id: str) -> BillingInfo:
        """Buyer fiscal data (`/orders/billing-info/{site}/{id}`, ml-api.md §8.3)."""
        site = self.config.site or "MLB"
        return parse.billing_info(await self._json("GET", f"/orders/billing-info/{site}/{billing_info_id}"))

    # -- grant -----------------------------------------------------------------------------------------

    async def revoke_grant(self, user_id: int, app_id: str) -> dict:
        """Revoke the seller's authorization of this app (S9); ML then kills every token of the grant."""
        return await self._json("DELETE", f"/users/{user_id}/applications/{app_id}")

    async def _client_secret(self) -> Hidden:
        secret = await asyncio.to_thread(self.store.hidden_client_secret)
        if not secret.value:
            raise BadInput("no client secret: run `melisync config set-secret` (it reads the secret from stdin)")
        return secret

    async def exchange_code(self, code: str, pending: PendingAuthorization) -> TokenSet:
        """Trade an authorization code (and the attempt's PKCE verifier) for a token pair, persisted before use."""
        secret = await self._client_secret()
        form = Hidden({
            "grant_type": "authorization_code",
            "client_id": self.config.client_id,
            "client_secret": secret.value,
            "code": code,
            "redirect_uri": self.config.redirect_uri,
            "code_verifier": pending.code_verifier,
        })
        try:
            tokens = TokenSet.from_grant(await self._json("POST", "/oauth/token", data=form, auth=False))
        except MeliApiError as exc:
            raise _code_error(exc) from None
        await self._tokens.adopt(tokens)
        return tokens

    async def _refresh_grant(self, base: TokenSet) -> TokenSet:
        secret = await self._client_secret()
        form = Hidden({
            "grant_type": "refresh_token",
            "client_id": self.config.client_id,
            "client_secret": secret.value,
            "refresh_token": base.refresh_token,
        })
        try:
            return TokenSet.from_grant(await self._json("POST", "/oauth/token", data=form, auth=False))
        except MeliApiError as exc:
            if exc.error == "invalid_client":  # a renewed client secret: the operator must set the new one
                raise _code_error(exc) from None
            raise

    # -- the one request path ------------------------------------------------------------------------

    async def _json(self, method: str, path: str, **kwargs):
        response = await self._request(method, path, **kwargs)
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise OperationFailed(f"Mercado Livre sent something that is not JSON ({method} {path})") from None

    async def _request(self, method: str, path: str, *, params: dict | None = None, json: object = None,
                       data: Hidden | None = None, auth: bool = True, headers: dict | None = None,
                       retry_statuses: frozenset[int] = RETRYABLE_STATUS,
                       limiter: WindowLimiter | None = None) -> httpx.Response:
        """Send with auth, rate limit and concurrency bound; 401 -> one refresh + one retry;
        429/409/5xx/network -> bounded retries with backoff (Retry-After honoured).

        Secrets stay wrapped (`Hidden`, `TokenSet`, `_Bearer`) in every frame here: a traceback that prints
        locals shows none of them."""
        where = f"{method} {path}"
        retries = 0
        refreshed = False
        while True:
            tokens = await self._tokens.valid() if auth else None
            await self._limiter.acquire()
            if limiter is not None:  # a resource with its own limit (the 100 RPM of user-product stock)
                await limiter.acquire()
            try:
                async with self._slots:
                    request = self._http.build_request(method, path, params=params, json=json, headers=headers,
                                                       data=data.value if data is not None else None)
                    response = await self._http.send(
                        request, auth=_Bearer(tokens) if tokens is not None else httpx.USE_CLIENT_DEFAULT)
            except httpx.TransportError as exc:  # connection refused/reset, timeouts
                if retries >= self._retry.attempts:
                    raise OperationFailed(f"could not reach Mercado Livre at {self.config.api_url} "
                                          f"({type(exc).__name__}, {where}, {retries + 1} attempts): "
                                          "check the network and try again") from None
                retries += 1
                delay = self._retry.delay(retries)
                log.warning("%s: %s; retry %d/%d in %.1fs", where, type(exc).__name__, retries,
                            self._retry.attempts, delay)
                await self._sleep(delay)
                continue
            except Exception as exc:
                # Anything else raised inside httpx: re-raised from here so that the library's frames (whose
                # locals may hold the request body or headers) never reach a traceback that prints locals.
                log.debug("%s failed inside the HTTP library", where, exc_info=True)
                raise OperationFailed(f"unexpected error talking to Mercado Livre ({where}): "
                                      f"{type(exc).__name__}") from None
            status = response.status_code
            log.debug("%s -> %s", where, status)
            if status == 401 and auth:
                if refreshed:
                    raise ReauthorizationNeeded("Mercado Livre refuses even a freshly refreshed token "
                                                f"({where}): run `melisync connect` to authorize again")
                await self._tokens.refresh(rejected=tokens)
                refreshed = True
                continue
            if status in retry_statuses and retries < self._retry.attempts:
                retries += 1
                delay = self._retry.delay(retries, response.headers.get("Retry-After"))
                log.warning("%s answered %s; retry %d/%d in %.1fs", where, status, retries, self._retry.attempts,
                            delay)
                await self._sleep(delay)
                continue
            if status >= 400:
                suffix = f", after {retries + 1} attempts" if retries else ""
                raise MeliApiError.from_payload(status, _body(response), where=where + suffix)
            return response


class _Bearer(httpx.Auth):
    """`Authorization: Bearer <access token>` set on the request itself (httpx masks it in reprs)."""

    def __init__(self, tokens: TokenSet):
        self._tokens = tokens

    def __repr__(self) -> str:
        return "_Bearer(***)"

    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = f"Bearer {self._tokens.access_token}"
        yield request


def open_client(config: Config | None = None, **kwargs) -> MeliClient:
    """A client for the account connected in `config.home` (default: the current home's config).

    Use `async with open_client() as client:`; kwargs go to MeliClient (transport=, retry=, sleep=).
    """
    config = config or load_config()
    return MeliClient(config, SecretStore(config.home), **kwargs)


async def _all_or_cancel(coroutines: list) -> list:
    """Like gather, but when one fails the others are cancelled (not left running after the client closes)."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _code_error(exc: MeliApiError) -> Exception:
    if exc.error == "invalid_grant":
        return BadInput("Mercado Livre refused the authorization code: it expired (codes last minutes), was "
                        "already used, or belongs to another redirect URI. Run `melisync connect` again")
    if exc.error in ("invalid_client", "unauthorized_client"):
        return BadInput(f"Mercado Livre refused the application credentials ({exc.error}): check "
                        "`melisync config set client_id` and `melisync config set-secret`")
    return exc


def _body(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return response.text[:300]


def _retry(conflict: bool) -> frozenset[int]:
    """Statuses retried as they are; a stock write leaves 409 out (the stock moved: plan again;
    docs/mercado-livre-api.md §10)."""
    return RETRYABLE_STATUS if conflict else RETRYABLE_STATUS - {409}


def _version(response: httpx.Response) -> int | None:
    value = response.headers.get("x-version")
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _floor_hour(moment: datetime) -> datetime:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)


def _ceil_hour(moment: datetime) -> datetime:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    floor = _floor_hour(moment)
    return floor if floor == moment else floor + timedelta(hours=1)


def _ml_time(moment: datetime) -> str:
    """ML's query format: `2015-07-01T00:00:00.000-00:00` (UTC)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000-00:00")

"""The Mercado Livre HTTP client: one `httpx.AsyncClient` with auth and refresh, bounded retries, a rate
limit and bounded concurrency; typed methods that return domain objects (`services.meli.models`).

Write methods (`put_item`, `put_variation`) are low level and meant only for the sync engine's single,
journaled write path. No token ever reaches a log line, an exception or a repr.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from services.config import Config, load_config
from services.connection import load_connection, update_connection
from services.errors import BadInput, MelisyncError, OperationFailed, ReauthorizationNeeded
from services.i18n import N_, Phrase, _, _n, plural
from services.meli import parse
from services.meli.errors import AnswerLost, MeliApiError
from services.meli.models import Account, BillingInfo, Listing, Order, StockLocation, UserProductStock, Warehouse
from services.meli.throttle import (
    RETRYABLE_STATUS,
    RateLimiter,
    RetryPolicy,
    Sleep,
    WindowLimiter,
    parse_retry_after,
)
from services.meli.tokens import DEAD_GRANT_ERRORS, TokenKeeper
from services.secrets import Hidden, SecretStore, TokenSet

if TYPE_CHECKING:
    from services.meli.oauth import PendingAuthorization

log = logging.getLogger("melisync.meli")

MULTIGET_BATCH = 20  # docs/mercado-livre-api.md §4: at most 20 ids per multiget
SCAN_PAGE = 100  # docs/mercado-livre-api.md §3: at most 100 ids per search page
ORDERS_PAGE = 50  # docs/mercado-livre-api.md §8.1: limit <= 51
ORDERS_RESOURCE = Phrase(N_("the orders search (GET /orders/search)"))
ORDERS_MAX_OFFSET = 10_000  # beyond this ML refuses the offset: split the time window instead
MULTIGET_ENDPOINTS = {"bulk": "/items/bulk", "items": "/items"}
UP_STOCK_RPM = (
    100  # docs/mercado-livre-api.md §6.5: the /user-products/{id}/stock resource allows 100 requests per minute
)

FRESH_TOKEN_RETRIES = 3  # a token a refresh just produced, refused again: retried this often, with backoff
REFUSED_NEW_TOKEN = N_("Mercado Livre refused the new token; try again")
RATE_LIMITED_PAUSE = 1.0  # a 429 without Retry-After: at least one refill of a per-second bucket
DEFAULT_RETRY = RetryPolicy()  # frozen, so one instance serves every client
# Errors raised before the request left this machine: re-sending cannot apply anything twice.
T = TypeVar("T")

NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

ROTATION_LOST = N_(
    "the answer to the token refresh was lost on the way back, and Mercado Livre had already "
    "replaced the refresh token (it is single-use), so the one melisync holds is no longer valid: "
    "run `melisync connect` to authorize again"
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ListingFailure:
    """A listing a multiget could not return (deleted, not owned, ...), in Mercado Livre's words."""

    item_id: str
    status: int
    error: str
    message: str


def _read_entries(entries: list[parse.MultigetEntry]) -> tuple[list[Listing], list[ListingFailure]]:
    """One multiget answer -> its listings and the ids ML did not return (or melisync could not read)."""
    found: list[Listing] = []
    missing: list[ListingFailure] = []
    for entry in entries:
        if not entry.ok:
            missing.append(
                ListingFailure(
                    entry.item_id,
                    entry.status,
                    str(entry.body.get("error") or ""),
                    str(entry.body.get("message") or ""),
                )
            )
            continue
        try:
            found.append(parse.listing(entry.body))
        except (KeyError, TypeError, ValueError) as exc:
            # One odd listing must not hide the others: it is reported like one ML did not return.
            missing.append(
                ListingFailure(
                    entry.item_id,
                    entry.status,
                    "unreadable",
                    f"melisync could not read this listing ({type(exc).__name__}: {exc})",
                )
            )
    return found, missing


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
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Sleep = asyncio.sleep,
        timeout: float = 30.0,
        multiget_endpoint: str | None = None,
        clock: Callable[[], float] | None = None,
    ):
        self.config = config
        self.store = store or SecretStore(config.home)
        endpoint = multiget_endpoint or config.multiget_endpoint or "bulk"
        if endpoint not in MULTIGET_ENDPOINTS:
            raise BadInput(
                N_("multiget_endpoint must be one of {multiget_endpoints}, got {endpoint!r}"),
                multiget_endpoints=", ".join(MULTIGET_ENDPOINTS),
                endpoint=endpoint,
            )
        self.multiget_endpoint = endpoint
        self._http = httpx.AsyncClient(
            base_url=config.api_url,
            transport=transport,
            timeout=timeout,
            headers={"Accept": "application/json", "User-Agent": "melisync"},
        )
        self._retry = retry
        self._sleep = sleep
        # `clock` (with `sleep`) lets a test run the rate limit on the sandbox's clock instead of waiting.
        # Evenly paced (bursts of 1): with Mercado Livre counting at the same rate, a burst of the client's
        # meets a bucket its own earlier requests (or a refresh's wait) already emptied, and costs 429s.
        self._limiter = (
            RateLimiter(config.requests_per_second, burst=1, clock=clock, sleep=sleep)
            if clock
            else RateLimiter(config.requests_per_second, burst=1)
        )
        self._slots_count = max(1, int(config.concurrency))
        self._slots = asyncio.Semaphore(self._slots_count)
        self._now = (lambda: datetime.fromtimestamp(clock(), UTC)) if clock else None
        self._tokens = TokenKeeper(self.store, self._refresh_grant, now=self._now)
        self._user_id: int | None = None
        stock_rpm = max(1, int(config.stock_requests_per_minute or UP_STOCK_RPM))
        self._up_stock_limiter = (
            WindowLimiter(stock_rpm, 60.0, clock=clock, sleep=sleep)
            if clock
            else WindowLimiter(stock_rpm, 60.0, sleep=sleep)
        )

    def __repr__(self) -> str:
        return f"MeliClient(api_url={self.config.api_url!r}, home={str(self.config.home)!r})"

    async def __aenter__(self) -> MeliClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- account -------------------------------------------------------------------------------------

    async def me(self) -> Account:
        """The connected seller, with the tags that say how to write stock (docs/mercado-livre-api.md §2)."""
        account = parse.account(await self._json("GET", "/users/me"))
        self._user_id = account.user_id
        known = load_connection(self.config.home)
        if (
            known.connected
            and known.user_id == account.user_id
            and (known.tags, known.nickname, known.site_id) != (account.tags, account.nickname, account.site_id)
        ):
            # Capabilities change over time (User Products rollout, multi-warehouse): keep status current.
            await asyncio.to_thread(
                update_connection,
                self.config.home,
                tags=account.tags,
                nickname=account.nickname,
                site_id=account.site_id,
            )
        return account

    async def user_id(self) -> int:
        if self._user_id is None:
            known = load_connection(self.config.home).user_id or (await self._tokens.current()).user_id
            self._user_id = int(known) if known else (await self.me()).user_id
        return self._user_id

    # -- listings ------------------------------------------------------------------------------------

    async def listing_ids(self, status: str | None = None) -> list[str]:
        """Every listing id of the seller, by scan (works past the 1,000-offset wall; docs/mercado-livre-api.md §3)."""
        path = f"/users/{await self.user_id()}/items/search"
        first = {"search_type": "scan", "limit": SCAN_PAGE} | ({"status": status} if status else {})
        params = dict(first)
        ids: dict[str, None] = {}
        restarted = False
        previous: list[Any] = []
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
            results, _ = parse.page(page, Phrase(N_("the listings scan (GET /users/{id}/items/search)")))
            ids.update((str(i), None) for i in results)
            scroll_id = page.get("scroll_id")
            # An empty page ends the scan; so does the same page twice (never loop on a stuck scroll).
            if not results or not scroll_id or results == previous:
                return list(ids)
            previous = results
            # Later pages send only the scroll (the scan FAQ: never limit or offset next to scroll_id).
            params = {"search_type": "scan", "scroll_id": scroll_id}

    async def listings(
        self,
        ids: list[str],
        *,
        failures: list[ListingFailure] | None = None,
        progress: Progress | None = None,
        codes: bool = True,
    ) -> list[Listing]:
        """Details of `ids` (batches of 20, `include_attributes=all`), in the order asked. `codes=False` (a
        read-back of quantities) skips the extra read of variation reference codes that /items/bulk may lack.

        A listing ML could not return is never dropped silently: it goes to `failures` when given,
        otherwise the call raises MeliApiError naming it.
        """
        ids = list(dict.fromkeys(str(i) for i in ids))
        batches = [ids[i : i + MULTIGET_BATCH] for i in range(0, len(ids), MULTIGET_BATCH)]
        read: list[tuple[list[Listing], list[ListingFailure]]] = [([], [])] * len(batches)
        done = 0
        waiting = iter(range(len(batches)))

        async def worker() -> None:
            # A few batches in flight, each parsed as soon as it is complete: only their raw item bodies (all their
            # attributes and pictures) are held at a time. With every batch started at once, the strict reading's
            # variations reads queued behind all the multigets and every raw answer was held until then (issue 16:
            # 37 MB at 5k listings, all of it raw JSON).
            nonlocal done
            for index in waiting:
                batch = batches[index]
                read[index] = _read_entries(await self._multiget(batch, codes))
                done += len(batch)
                if progress:
                    progress(done, len(ids))

        # Twice the request slots: a batch being parsed leaves its slot to another one's request.
        await _all_or_cancel([worker() for _ in range(min(len(batches), 2 * self._slots_count))])
        found: list[Listing] = []
        missing: list[ListingFailure] = []
        for listings, failed in read:
            found += listings
            missing += failed
        if missing:
            for failure in missing:
                log.warning("listing %s not returned: %s %s", failure.item_id, failure.status, failure.message)
            if failures is None:
                first = missing[0]
                names = ", ".join(f.item_id for f in missing[:5]) + (" ..." if len(missing) > 5 else "")
                raise MeliApiError(
                    first.status,
                    first.error or "not_returned",
                    _n(
                        "{count} listing could not be read: {names}",
                        "{count} listings could not be read: {names}",
                        len(missing),
                        names=names,
                    ),
                    where="multiget",
                )
            failures.extend(missing)
        return found

    async def all_listings(
        self,
        progress: Progress | None = None,
        *,
        status: str | None = None,
        failures: list[ListingFailure] | None = None,
    ) -> list[Listing]:
        """Every listing with its variations: scan the ids, then multiget the details."""
        ids = await self.listing_ids(status)
        if progress:
            progress(0, len(ids))
        return await self.listings(ids, failures=failures, progress=progress)

    async def listing(self, item_id: str) -> Listing:
        """One listing, read live (used to read back after a write)."""
        return parse.listing(await self._json("GET", f"/items/{item_id}", params={"include_attributes": "all"}))

    async def attributes(self, item_id: str, variation_id: int | None = None) -> list[dict[str, Any]]:
        """The live attribute list of a listing (or of one of its variations), as Mercado Livre sends it: a PUT
        of `attributes` must carry all of them again, or the ones left out may be lost (docs/mercado-livre-api.md §7)."""
        if variation_id is None:
            body = await self._json("GET", f"/items/{item_id}", params={"include_attributes": "all"})
        else:
            body = await self._json(
                "GET", f"/items/{item_id}/variations/{variation_id}", params={"include_attributes": "all"}
            )
        found = body.get("attributes") if isinstance(body, dict) else None
        if not isinstance(found, list):
            raise OperationFailed(
                N_("Mercado Livre did not send the attributes of {listing}"),
                listing=item_id if variation_id is None else f"{item_id} / {variation_id}",
            )
        return [a for a in found if isinstance(a, dict) and a.get("id")]

    async def _multiget(self, batch: list[str], codes: bool = True) -> list[parse.MultigetEntry]:
        """One batch; entries ML failed to produce this time (5xx inside a 206) are asked again, a bounded number
        of times; variations without their attributes are completed from the variations resource."""
        entries = {e.item_id: e for e in await self._multiget_once(batch)}
        for attempt in range(1, self._retry.attempts + 1):
            again = [i for i, e in entries.items() if e.status in RETRYABLE_STATUS]
            if not again:
                break
            delay = self._retry.delay(attempt)
            log.warning(
                plural(
                    len(again),
                    "multiget: %d listing answered %s; asking again in %.1fs",
                    "multiget: %d listings answered %s; asking again in %.1fs",
                ),
                len(again),
                sorted({entries[i].status for i in again}),
                delay,
            )
            await self._sleep(delay)
            entries.update((e.item_id, e) for e in await self._multiget_once(again))
        if not codes:
            return [entries[i] for i in batch]
        # The batch's variations reads go out together (the strict reading needs one per listing with variations).
        return await _all_or_cancel([self._with_variation_attributes(entries[i]) for i in batch])

    async def _multiget_once(self, batch: list[str]) -> list[parse.MultigetEntry]:
        params = {"ids": ",".join(batch), "include_attributes": "all"}
        payload = await self._json("GET", MULTIGET_ENDPOINTS[self.multiget_endpoint], params=params)
        return parse.multiget(payload, batch)

    async def _with_variation_attributes(self, entry: parse.MultigetEntry) -> parse.MultigetEntry:
        """/items/bulk may leave variation attributes out whatever include_attributes says (docs/mercado-livre-api.md §4): then
        their reference codes come from `/items/{id}/variations?include_attributes=all`, for that listing only.
        If that read fails the listing is reported unread, never linked as if it had no codes."""
        variations = entry.body.get("variations") if entry.ok else None
        if not variations or all(not isinstance(v, dict) or "attributes" in v for v in variations):
            return entry
        try:
            full = await self._json("GET", f"/items/{entry.item_id}/variations", params={"include_attributes": "all"})
        except MeliApiError as exc:
            return parse.MultigetEntry(
                entry.item_id,
                exc.status,
                {
                    "error": exc.error or "variations_unread",
                    "message": f"its variations' reference codes could not be read ({exc.message})",
                },
            )
        if not isinstance(full, list):
            return parse.MultigetEntry(
                entry.item_id,
                502,
                {"error": "variations_unread", "message": "its variations' reference codes could not be read"},
            )
        return parse.MultigetEntry(entry.item_id, entry.status, {**entry.body, "variations": full})

    # -- writes (only through the sync engine's journaled path) ----------------------------------------

    async def put_item(self, item_id: str, body: dict[str, Any], *, conflict_retry: bool = True) -> object:
        """`PUT /items/{id}`: the raw answer (the full item). A `variations` array must list them all.
        `conflict_retry=False` (stock writes): a 409 is raised, not retried - the item changed since it was
        read (a sale, most often), so the same absolute quantity must not be sent again."""
        return await self._json("PUT", f"/items/{item_id}", json=body, retry_statuses=_retry(conflict_retry))

    async def put_variation(
        self, item_id: str, variation_id: int, body: dict[str, Any], *, conflict_retry: bool = True
    ) -> object:
        """`PUT /items/{id}/variations/{variation_id}` (docs/mercado-livre-api.md §6.4): touches that variation only."""
        return await self._json(
            "PUT", f"/items/{item_id}/variations/{variation_id}", json=body, retry_statuses=_retry(conflict_retry)
        )

    # -- multi-origin stock (sellers tagged warehouse_management, docs/mercado-livre-api.md §6.5) ----------------------

    async def user_product_stock(self, user_product_id: str) -> tuple[UserProductStock, int | None]:
        """`GET /user-products/{id}/stock`: its locations and the `x-version` a write must carry."""
        response = await self._request("GET", f"/user-products/{user_product_id}/stock", limiter=self._up_stock_limiter)
        return parse.user_product_stock(_body(response), user_product_id), _version(response)

    async def put_seller_warehouse_stock(
        self, user_product_id: str, locations: list[StockLocation], x_version: int | None
    ) -> tuple[UserProductStock, int | None]:
        """`PUT /user-products/{id}/stock/type/seller_warehouse` with `x-version`: sets these warehouses'
        quantities (absolute). A 409 means the version moved (a sale, another tool): it is raised, never
        retried with the same quantities - the caller plans the target again from fresh facts."""
        path = f"/user-products/{user_product_id}/stock/type/seller_warehouse"
        body = {
            "locations": [
                {"store_id": l.store_id, "network_node_id": l.network_node_id, "quantity": l.quantity}
                for l in locations
            ]
        }
        response = await self._request(
            "PUT",
            path,
            json=body,
            headers={"x-version": str(x_version or "")},
            retry_statuses=_retry(False),
            limiter=self._up_stock_limiter,
        )
        # The PUT's own answer may be empty: the writer reads the stock back with a GET anyway.
        answer = _body(response)
        stock = parse.user_product_stock(answer, user_product_id) if answer else UserProductStock(user_product_id, ())
        return stock, _version(response)

    async def stock_locations(self) -> list[Warehouse]:
        """The seller's warehouses (`GET /users/{id}/stores/search?tags=stock_location`)."""
        payload = await self._json(
            "GET", f"/users/{await self.user_id()}/stores/search", params={"tags": "stock_location"}
        )
        return parse.warehouses(payload)

    # -- orders and buyers ---------------------------------------------------------------------------

    async def orders(
        self, updated_from: datetime | None = None, updated_to: datetime | None = None, *, status: str | None = None
    ) -> AsyncIterator[Order]:
        """Orders whose `date_last_updated` falls in [from, to], each once.

        ML filters by the hour (minutes are dropped), so `from` is rounded down and `to` up: windows
        overlap rather than miss an order. Windows with more than 10,000 orders are split in two.
        """
        seller = await self.user_id()
        start = floor_hour(updated_from) if updated_from else None
        end = _ceil_hour(updated_to) if updated_to else None
        seen: set[int] = set()
        async for raw in self._order_window(seller, start, end, status):
            try:
                found = parse.order(raw)
            except (KeyError, TypeError, ValueError) as exc:
                # Not skipped: a sale left out would let a stock push oversell. Stop and say which.
                raise OperationFailed(
                    N_("order {order} from Mercado Livre could not be read ({name}: {exc})"),
                    order=raw.get("id") if isinstance(raw, dict) else "?",
                    name=type(exc).__name__,
                    exc=exc,
                ) from None
            if found.id not in seen:
                seen.add(found.id)
                yield found

    async def _order_window(
        self, seller: int, start: datetime | None, end: datetime | None, status: str | None
    ) -> AsyncIterator[dict[str, Any]]:
        params: dict[str, Any] = {"seller": seller, "sort": "date_asc", "limit": ORDERS_PAGE, "offset": 0}
        if start:
            params["order.date_last_updated.from"] = _ml_time(start)
        if end:
            params["order.date_last_updated.to"] = _ml_time(end)
        if status:
            params["order.status"] = status
        page = await self._json("GET", "/orders/search", params=params)
        results, paging = parse.page(page, ORDERS_RESOURCE)
        total = parse.count(paging.get("total"), Phrase(N_("the orders search's paging.total")))
        if total > ORDERS_MAX_OFFSET and start and end and end - start > timedelta(hours=1):
            middle = floor_hour(start + (end - start) / 2)
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

    async def order(self, order_id: int) -> Order:
        """`GET /orders/{id}`: the order itself, which carries `buyer.billing_info.id` even when a search
        result did not (docs/mercado-livre-api.md §8.2)."""
        return parse.order(await self._json("GET", f"/orders/{order_id}"))

    async def billing_info(self, billing_info_id: str) -> BillingInfo:
        """Buyer fiscal data (`/orders/billing-info/{site}/{id}`, docs/mercado-livre-api.md §8.3)."""
        site = self.config.site or "MLB"
        return parse.billing_info(await self._json("GET", f"/orders/billing-info/{site}/{billing_info_id}"))

    # -- grant -----------------------------------------------------------------------------------------

    async def revoke_grant(self, user_id: int, app_id: str) -> object:
        """Revoke the seller's authorization of this app (S9); ML then kills every token of the grant."""
        return await self._json("DELETE", f"/users/{user_id}/applications/{app_id}")

    async def _client_secret(self) -> Hidden[str | None]:
        secret = await asyncio.to_thread(self.store.hidden_client_secret)
        if not secret.value:
            raise BadInput(N_("no client secret: run `melisync config set-secret` (it reads the secret from stdin)"))
        return secret

    async def exchange_code(self, code: str, pending: PendingAuthorization) -> TokenSet:
        """Trade an authorization code (and the attempt's PKCE verifier) for a token pair, persisted before use."""
        secret = await self._client_secret()
        form = Hidden(
            {
                "grant_type": "authorization_code",
                "client_id": self.config.client_id,
                "client_secret": secret.value,
                "code": code,
                "redirect_uri": self.config.redirect_uri,
                "code_verifier": pending.code_verifier,
            }
        )
        try:
            tokens = TokenSet.from_grant(await self._json("POST", "/oauth/token", data=form, auth=False))
        except MeliApiError as exc:
            raise _code_error(exc) from None
        await self._tokens.adopt(tokens)
        return tokens

    async def _refresh_grant(self, base: TokenSet) -> TokenSet:
        secret = await self._client_secret()
        form = Hidden(
            {
                "grant_type": "refresh_token",
                "client_id": self.config.client_id,
                "client_secret": secret.value,
                "refresh_token": base.refresh_token,
            }
        )
        lost = False
        while True:
            try:
                return TokenSet.from_grant(
                    await self._json("POST", "/oauth/token", data=form, auth=False),
                    now=self._now() if self._now else None,
                )
            except AnswerLost:
                if lost:
                    raise
                # Rotated or not? Asking once more tells: a refresh token ML already replaced is refused.
                lost = True
                log.warning("the answer to the token refresh was lost; asking once more")
            except MeliApiError as exc:
                if exc.error == "invalid_client":  # a renewed client secret: the operator must set the new one
                    raise _code_error(exc) from None
                if lost and exc.error in DEAD_GRANT_ERRORS:
                    await asyncio.to_thread(update_connection, self.config.home, needs_reauthorization=True)
                    raise ReauthorizationNeeded(ROTATION_LOST) from None
                raise

    # -- the one request path ------------------------------------------------------------------------

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        # Any: the untyped edge. The answer's shape is checked where it is read (services/meli/parse.py).
        response = await self._request(method, path, **kwargs)
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise OperationFailed(
                N_("Mercado Livre sent something that is not JSON ({method} {path})"), method=method, path=path
            ) from None

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: object = None,
        data: Hidden[dict[str, Any]] | None = None,
        auth: bool = True,
        headers: dict[str, str] | None = None,
        retry_statuses: frozenset[int] = RETRYABLE_STATUS,
        limiter: WindowLimiter | None = None,
    ) -> httpx.Response:
        """Send with auth, rate limit and concurrency bound; 401 -> refresh (once per token) and retry, a
        fresh token refused again is retried with backoff a few times; 429/409/5xx/network -> bounded retries
        with backoff (Retry-After honoured). A write whose answer was lost raises `AnswerLost` (never re-sent).

        Secrets stay wrapped (`Hidden`, `TokenSet`, `_Bearer`) in every frame here: a traceback that prints
        locals shows none of them."""
        where = f"{method} {path}"
        retries = 0
        refused_fresh = 0  # 401s on a token a refresh had just produced
        unauthorized = 0
        fresh: TokenSet | None = None
        while True:
            try:
                # The token endpoint skips the slots and the queue: a refresh runs while requests that already
                # hold a slot and had their turn wait for its answer.
                async with self._slots if auth else contextlib.nullcontext():
                    # The turn is taken inside the slot, so the request leaves right after it (a turn taken
                    # before waiting for a slot would let requests bunch up past Mercado Livre's own count).
                    if auth:
                        await self._limiter.acquire()
                    if limiter is not None:  # a resource with its own limit (the 100 RPM of user-product stock)
                        await limiter.acquire()
                    # Taken only now, right before sending: a token taken before the queue could expire in it.
                    tokens = await self._tokens.valid() if auth else None
                    request = self._http.build_request(
                        method,
                        path,
                        params=params,
                        json=json,
                        headers=headers,
                        data=data.value if data is not None else None,
                    )
                    response = await self._http.send(
                        request, auth=_Bearer(tokens) if tokens is not None else httpx.USE_CLIENT_DEFAULT
                    )
            except httpx.TransportError as exc:  # connection refused/reset, timeouts
                if method != "GET" and not isinstance(exc, NOT_SENT_ERRORS):
                    # The request may have been applied: re-sending could rotate a token twice or write on top
                    # of a newer value. The caller reads back first (docs/internals.md, "Lost answers").
                    log.warning("%s: %s after sending; the answer is lost", where, type(exc).__name__)
                    raise AnswerLost(where, type(exc).__name__) from None
                if retries >= self._retry.attempts:
                    raise OperationFailed(
                        N_(
                            "could not reach Mercado Livre at {api_url} ({name}, {where}, {attempts} attempts): check the network and try again"
                        ),
                        api_url=self.config.api_url,
                        name=type(exc).__name__,
                        where=where,
                        attempts=retries + 1,
                    ) from None
                retries += 1
                delay = self._retry.delay(retries)
                log.warning(
                    "%s: %s; retry %d/%d in %.1fs", where, type(exc).__name__, retries, self._retry.attempts, delay
                )
                await self._sleep(delay)
                continue
            except MelisyncError:
                raise  # from the token keeper (not connected, authorize again): already in the operator's words
            except Exception as exc:
                # Anything else raised inside httpx: re-raised from here so that the library's frames (whose
                # locals may hold the request body or headers) never reach a traceback that prints locals.
                log.debug("%s failed inside the HTTP library", where, exc_info=True)
                raise OperationFailed(
                    N_("unexpected error talking to Mercado Livre ({where}): {name}"),
                    where=where,
                    name=type(exc).__name__,
                ) from None
            status = response.status_code
            log.debug("%s -> %s", where, status)
            if status == 401 and auth:
                unauthorized += 1
                if unauthorized > 2 * FRESH_TOKEN_RETRIES + 2:  # other requests kept refreshing under this one
                    raise OperationFailed(
                        N_("{refused_new_token} ({where}, {unauthorized} attempts)"),
                        refused_new_token=_(REFUSED_NEW_TOKEN),
                        where=where,
                        unauthorized=unauthorized,
                    )
                assert tokens is not None  # an authenticated request was sent with a token
                if fresh is None or tokens.access_token != fresh.access_token:
                    # Expired or revoked: refresh (a no-op when another request already did). Only a refused
                    # refresh means the seller must authorize again (TokenKeeper raises that).
                    fresh = await self._tokens.refresh(rejected=tokens)
                    continue
                # The token a refresh just produced was refused: ML may not know it everywhere yet.
                refused_fresh += 1
                if refused_fresh > FRESH_TOKEN_RETRIES:
                    raise OperationFailed(
                        N_("{refused_new_token} ({where}, {refused_fresh} attempts)"),
                        refused_new_token=_(REFUSED_NEW_TOKEN),
                        where=where,
                        refused_fresh=refused_fresh,
                    )
                delay = self._retry.delay(refused_fresh)
                log.warning(
                    "%s: the new token was refused; retry %d/%d in %.1fs",
                    where,
                    refused_fresh,
                    FRESH_TOKEN_RETRIES,
                    delay,
                )
                await self._sleep(delay)
                continue
            if status in retry_statuses and retries < self._retry.attempts:
                asked = parse_retry_after(response.headers.get("Retry-After"))
                if asked is not None and asked > self._retry.max_retry_after:
                    raise MeliApiError(
                        status,
                        "too_many_requests" if status == 429 else str(status),
                        _(
                            "Mercado Livre asks to wait {seconds:.0f} s before the next request; run it again later",
                            seconds=asked,
                        ),
                        where=where,
                    )
                retries += 1
                delay = self._retry.delay(retries, response.headers.get("Retry-After"))
                if status == 429 and asked is None:
                    delay = max(delay, RATE_LIMITED_PAUSE)  # no Retry-After: at least one bucket refill
                log.warning("%s answered %s; retry %d/%d in %.1fs", where, status, retries, self._retry.attempts, delay)
                if status == 429:
                    # Every other request of this client waits too: they would only spend their own retries.
                    await self._limiter.hold(delay, self._sleep)
                else:
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

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._tokens.access_token}"
        yield request


def open_client(config: Config | None = None, **kwargs: Any) -> MeliClient:
    """A client for the account connected in `config.home` (default: the current home's config).

    Use `async with open_client() as client:`; kwargs go to MeliClient (transport=, retry=, sleep=).
    """
    config = config or load_config()
    return MeliClient(config, SecretStore(config.home), **kwargs)


async def _all_or_cancel(coroutines: list[Awaitable[T]]) -> list[T]:
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
        return BadInput(
            N_(
                "Mercado Livre refused the authorization code: it expired (codes last minutes), was "
                "already used, or belongs to another redirect URI. Run `melisync connect` again"
            )
        )
    if exc.error in ("invalid_client", "unauthorized_client"):
        return BadInput(
            N_(
                "Mercado Livre refused the application credentials ({error}): check "
                "`melisync config set client_id` and `melisync config set-secret`"
            ),
            error=exc.error,
        )
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


def floor_hour(moment: datetime) -> datetime:
    """The hour `moment` falls in (UTC): ML filters orders by the hour (a naive time is taken as UTC)."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _ceil_hour(moment: datetime) -> datetime:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    floor = floor_hour(moment)
    return floor if floor == moment else floor + timedelta(hours=1)


def _ml_time(moment: datetime) -> str:
    """ML's query format: `2015-07-01T00:00:00.000-00:00` (UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000-00:00")

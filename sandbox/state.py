"""The emulated Mercado Livre world: one seller, the demo app, listings, orders, grants and tokens,
plus the knobs tests turn (clock, latency, rate limit, injected faults) and the request log.

Every public method takes `self.lock`: the uvicorn server thread and the test thread share one state.
The behaviour lives in mixins, one module per area (oauth, items, item_writes, orders, user_products).
"""

from __future__ import annotations

import gc
import random
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REDIRECT_URI, SELLER_ID, SELLER_NICKNAME, SITE_ID
from sandbox.errors import ApiError
from sandbox.item_writes import ItemWritesMixin
from sandbox.items import ItemsMixin
from sandbox.kits import KitsMixin
from sandbox.oauth import OAuthMixin
from sandbox.orders import OrdersMixin
from sandbox.strictness import SHORT_RETRY_AFTER, lenient_names
from sandbox.user_products import UserProductsMixin

BRT = timezone(timedelta(hours=-3))  # Mercado Livre Brasil answers in Brasília time


@dataclass
class LoggedRequest:
    """One request as the sandbox saw it (for tests to inspect)."""

    method: str
    path: str
    query: dict[str, str]
    status: int = 0
    grant_type: str | None = None  # only for POST /oauth/token
    client_id: str | None = None  # the app behind the token (or the form's client_id)
    body: object = None  # parsed JSON body of a write (never the token form: it holds secrets)
    headers: dict[str, str] = field(default_factory=dict)  # selected request headers (x-version, ...)
    at: float = 0.0  # sandbox clock
    lost: bool = False  # applied, then the connection dropped before the answer (lose_answer_next)

    @property
    def is_write(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS") and not self.path.startswith(
            ("/oauth", "/authorization", "/_sandbox")
        )


@dataclass
class _Fault:
    count: int
    status: int
    path_prefix: str | None
    method: str | None
    retry_after: float | None


class SandboxState(OAuthMixin, UserProductsMixin, ItemWritesMixin, ItemsMixin, OrdersMixin, KitsMixin):
    """The whole emulated Mercado Livre; create one per test (fixture `sandbox_state`)."""

    def __init__(
        self,
        *,
        listings: int | list[dict] = 0,
        seed: int = 0,
        token_ttl: float = 21600,
        scroll_ttl: float = 300,
        latency_ms: float = 0,
        rate: float | None = None,
        burst: float | None = None,
        error_rate: float = 0.0,
        auto_approve: bool = False,
        user_products: bool = False,
        warehouse_management: bool = False,
        warehouses: int = 1,
        require_pkce: bool = False,
        items_ids_discontinued: bool = False,
        kits: int = 0,
        up_stock_rpm: int | None = None,
        lenient: Iterable[str] | str | None = (),
        rate_retry_after: float | None = None,
    ):
        self.lock = threading.RLock()
        self.seed = seed
        self._offset = 0.0
        # knobs (plain attributes: tests may change them at any time)
        self.token_ttl = token_ttl
        self.scroll_ttl = scroll_ttl
        self.latency_ms = latency_ms
        self.rate = rate
        self.burst = burst
        self.error_rate = error_rate
        self.auto_approve = auto_approve
        self.user_products = user_products
        self.warehouse_management = warehouse_management
        self.warehouses = warehouses  # seller_warehouse stores (> 1: tag multiwarehouse)
        self.require_pkce = require_pkce  # the app has "PKCE" switched on in DevCenter
        self.items_ids_discontinued = items_ids_discontinued  # /items?ids= gone (announced for 25/10/2026)
        self.lenient = lenient_names(lenient)  # kinder readings of unsure docs (sandbox/strictness.py)
        self.rate_retry_after = rate_retry_after  # Retry-After on rate-limit 429s (None: no header)
        self._every: tuple[int, int, float | None] | None = None  # (n, status, retry_after): every n-th request
        self._seen = 0  # API requests seen by the front door (for fail_every)
        self._lost: list[_Fault] = []  # requests applied whose answer is then lost (the connection drops)
        self._multiget_faults: dict[str, list[int]] = {}  # item id -> statuses its next multiget entries get
        self._random = random.Random(seed)
        self._faults: list[_Fault] = []
        self._buckets: dict[str, tuple[float, float]] = {}  # app -> (tokens, at)
        self.requests: list[LoggedRequest] = []
        self.seller = {"id": SELLER_ID, "nickname": SELLER_NICKNAME, "site_id": SITE_ID}
        self.apps = {DEMO_CLIENT_ID: {"secret": DEMO_CLIENT_SECRET, "redirect_uris": [DEMO_REDIRECT_URI]}}
        self._init_oauth()
        self._init_items()
        self._init_orders()
        self._init_user_products()
        self._init_kits()
        if up_stock_rpm is not None:
            self.up_stock_rpm = up_stock_rpm
        self._load(listings, kits)

    def _load(self, listings: int | list[dict], kits: int = 0) -> None:
        # Hundreds of thousands of small dicts: the cyclic GC would rescan them over and over (3x slower).
        collecting = gc.isenabled()
        gc.disable()
        try:
            if isinstance(listings, int):
                from sandbox.catalog import generate

                catalog = generate(listings, self.seed, kits) if listings else None
                listings = catalog.listings if catalog else []
                kit_specs = catalog.kits if catalog else []
            else:
                kit_specs = []
            for spec in listings:
                spec = dict(spec)
                legacy = spec.pop("legacy", False)  # stays a legacy listing even for a User Products seller
                if self.user_products and not legacy:
                    self._add_as_user_products(spec)
                else:
                    self.add_listing(**spec)
            for kit in kit_specs:
                parts = [
                    dict(zip(("item_id", "variation_id"), self.find_by_code(code), strict=True), quantity=units)
                    for code, units in kit["components"]
                ]
                self.add_kit(kit["title"], parts, sku=kit["sku"])
        finally:
            if collecting:
                gc.enable()

    # -- clock ---------------------------------------------------------------------------------------

    def now(self) -> float:
        """Sandbox time (epoch seconds): real time plus whatever `advance` added."""
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the sandbox clock forward (token and scroll expiry without sleeping)."""
        with self.lock:
            self._offset += seconds

    def iso(self, at: float | None = None) -> str:
        """A Mercado Livre timestamp: `2026-11-27T04:00:00.000-03:00`."""
        moment = datetime.fromtimestamp(self.now() if at is None else at, BRT)
        return moment.isoformat(timespec="milliseconds")

    # -- seller --------------------------------------------------------------------------------------

    def seller_tags(self) -> list[str]:
        tags = ["normal", "test_user", "user_info_verified"]
        if self.user_products:
            tags.append("user_product_seller")
        if self.warehouse_management:
            tags.append("warehouse_management")
            if self.warehouses > 1:
                tags.append("multiwarehouse")
        return tags

    def user_me(self, user_id: int) -> dict:
        with self.lock:
            return {
                "id": self.seller["id"],
                "nickname": self.seller["nickname"],
                "registration_date": "2019-03-14T10:22:31.000-04:00",
                "first_name": "Loja",
                "last_name": "Teste",
                "country_id": "BR",
                "email": "loja.teste@melisync.example",
                "user_type": "normal",
                "tags": self.seller_tags(),
                "site_id": self.seller["site_id"],
                "permalink": "http://perfil.mercadolivre.com.br/" + self.seller["nickname"],
                "seller_reputation": {"level_id": "5_green", "power_seller_status": None},
                "status": {"site_status": "active"},
            }

    # -- fault injection and rate limit (used by the app's front door) --------------------------------

    def fail_next(
        self,
        count: int = 1,
        status: int = 500,
        path_prefix: str | None = None,
        retry_after: float | None = None,
        method: str | None = None,
    ) -> None:
        """The next `count` requests (matching `path_prefix` and `method`, if given) get `status`."""
        with self.lock:
            self._faults.append(_Fault(count, status, path_prefix, method and method.upper(), retry_after))

    def fail_every(self, n: int | None, status: int = 429, retry_after: float | None = None) -> None:
        """Every `n`-th API request from now on gets `status` (None stops it)."""
        with self.lock:
            self._every = (int(n), status, retry_after) if n else None
            self._seen = 0

    def lose_answer_next(self, count: int = 1, path_prefix: str | None = None, method: str | None = None) -> None:
        """The next `count` matching requests are applied (a write is kept, a token rotated) and then the
        connection drops before the answer: the client cannot know whether they happened."""
        with self.lock:
            self._lost.append(_Fault(count, 0, path_prefix, method and method.upper(), None))

    def answer_lost(self, method: str, path: str) -> bool:
        with self.lock:
            return self._take(self._lost, method, path) is not None

    def fail_in_multiget(self, item_id: str, status: int = 500, count: int = 1) -> None:
        """The next `count` multigets that ask for `item_id` carry `status` for it (403, 500...) while the
        others come back: the answer is then 206 with X-Content-Missing (docs/mercado-livre-api.md §4)."""
        with self.lock:
            self._multiget_faults.setdefault(item_id, []).extend([status] * count)

    def multiget_fault(self, item_id: str) -> int | None:
        with self.lock:
            queued = self._multiget_faults.get(item_id)
            if not queued:
                return None
            status = queued.pop(0)
            if not queued:
                del self._multiget_faults[item_id]
            return status

    def rate_limited(self) -> ApiError:
        """The 429 of the per-app bucket: no Retry-After unless asked for (ML's FAQ promises none)."""
        wait = SHORT_RETRY_AFTER if "retry_after" in self.lenient else self.rate_retry_after
        return ApiError(
            429,
            "too_many_requests",
            "Too Many Requests",
            headers={"Retry-After": f"{wait:g}"} if wait is not None else {},
        )

    @staticmethod
    def _take(faults: list[_Fault], method: str, path: str) -> _Fault | None:
        for fault in faults:
            if fault.path_prefix and not path.startswith(fault.path_prefix):
                continue
            if fault.method and fault.method != method:
                continue
            fault.count -= 1
            if fault.count <= 0:
                faults.remove(fault)
            return fault
        return None

    def injected_fault(self, method: str, path: str) -> ApiError | None:
        """The fault this request must get, if any (queued faults first, then every n-th, then the random
        5xx fraction)."""
        with self.lock:
            self._seen += 1
            fault = self._take(self._faults, method, path)
            if fault is None and self._every and self._seen % self._every[0] == 0:
                fault = _Fault(1, self._every[1], None, None, self._every[2])
            if fault is not None:
                headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
                if fault.status == 429:
                    return (
                        self.rate_limited()
                        if fault.retry_after is None
                        else ApiError(429, "too_many_requests", "Too Many Requests", headers=headers)
                    )
                if fault.status == 409:
                    return ApiError(409, "conflict", "item optimistic locking error: conflict", headers=headers)
                return ApiError(fault.status, message="injected fault", headers=headers)
            if self.error_rate and self._random.random() < self.error_rate:
                return ApiError(self._random.choice((500, 502, 503, 504)), message="random fault")
        return None

    def take_token(self, app: str) -> bool:
        """Token bucket per app: False means this request gets 429 too_many_requests."""
        if not self.rate:
            return True
        with self.lock:
            capacity = self.burst or max(1.0, self.rate)
            tokens, at = self._buckets.get(app, (capacity, self.now()))
            now = self.now()
            tokens = min(capacity, tokens + (now - at) * self.rate)
            if tokens < 1:
                self._buckets[app] = (tokens, now)
                return False
            self._buckets[app] = (tokens - 1, now)
            return True

    # -- request log ---------------------------------------------------------------------------------

    def log(self, entry: LoggedRequest) -> None:
        with self.lock:
            entry.at = self.now()
            self.requests.append(entry)

    def writes(self) -> list[LoggedRequest]:
        """Every non-GET API request (PUT/POST/DELETE), OAuth excluded, in order."""
        with self.lock:
            return [r for r in self.requests if r.is_write]

    def requests_to(self, path_prefix: str, method: str | None = None) -> list[LoggedRequest]:
        with self.lock:
            return [
                r
                for r in self.requests
                if r.path.startswith(path_prefix) and (method is None or r.method == method.upper())
            ]

    def clear_log(self) -> None:
        with self.lock:
            self.requests.clear()

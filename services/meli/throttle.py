"""Politeness towards Mercado Livre (docs/mercado-livre-api.md §10): a client-side token bucket, and how long to wait
before retrying (exponential backoff with full jitter, or what `Retry-After` asks)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

Sleep = Callable[[float], Awaitable[None]]

RETRYABLE_STATUS = frozenset({409, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: `attempts` retries after the first try, waits of up to base * 2**n (capped)."""

    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    max_retry_after: float = 120.0

    def delay(self, retry: int, retry_after: str | None = None, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number `retry` (1-based). Retry-After wins when ML sends one."""
        asked = parse_retry_after(retry_after)
        if asked is not None:
            return min(asked, self.max_retry_after)
        ceiling = min(self.cap, self.base * (2 ** (retry - 1)))
        return (rng or random).uniform(0, ceiling)


def parse_retry_after(value: str | None) -> float | None:
    """`Retry-After` as seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class RateLimiter:
    """A token bucket: at most `rate` requests per second on average, bursts of up to `burst` (default `rate`,
    at least 1).

    A rate of 0 (or less) means no client-side limit.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ):
        self.rate = float(rate)
        self.capacity = max(1.0, burst if burst is not None else self.rate)
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._lock = asyncio.Lock()

    async def hold(self, seconds: float, sleep: Sleep) -> None:
        """Nobody gets a turn for `seconds` (Mercado Livre said 429: the others would only spend retries)."""
        async with self._lock:
            await sleep(seconds)

    async def acquire(self) -> None:
        async with self._lock:  # first come, first served: waiters queue on the lock
            while True:
                if self.rate <= 0:
                    return
                now = self._clock()
                self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
                self._last = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await self._sleep((1 - self._tokens) / self.rate)


class WindowLimiter:
    """At most `calls` requests in any `period` seconds (a resource's "N requests per minute", such as the
    100 RPM of `/user-products/{id}/stock`): bursts go through at once, the call over the limit waits."""

    def __init__(
        self,
        calls: int,
        period: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ):
        self.calls, self.period = int(calls), float(period)
        self._clock, self._sleep = clock, sleep
        self._sent: list[float] = []
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:  # first come, first served
            now = self._clock()
            self._sent = [t for t in self._sent if t > now - self.period]
            if len(self._sent) >= self.calls:
                wait = self._sent[0] + self.period - now
                await self._sleep(wait)
                del self._sent[0]  # the oldest call's window has passed
                now = max(self._clock(), now + wait)
            self._sent.append(now)

"""Backoff delays and the client-side rate limit, on a fake clock (no real waiting)."""

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from services.meli.throttle import RateLimiter, RetryPolicy, parse_retry_after


def test_backoff_is_exponential_with_full_jitter_and_capped():
    policy = RetryPolicy(attempts=5, base=0.5, cap=4)
    rng = random.Random(1)
    for retry, ceiling in ((1, 0.5), (2, 1), (3, 2), (4, 4), (5, 4), (9, 4)):
        delays = [policy.delay(retry, rng=rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # full jitter spreads over the whole range


def test_retry_after_is_honoured_and_bounded():
    policy = RetryPolicy(max_retry_after=60)
    assert policy.delay(1, "7") == 7
    assert policy.delay(1, "3600") == 60
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= parse_retry_after(soon) <= 30
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


async def test_rate_limiter_spaces_requests_on_a_fake_clock():
    now = [0.0]
    waited = []

    async def sleep(seconds):
        waited.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(12):
        await limiter.acquire()
    # a burst of 4, then one every 0.25 s: 8 more requests need 2 s of waiting
    assert abs(now[0] - 2.0) < 1e-9 and len(waited) == 8


async def test_zero_rate_means_no_limit():
    async def sleep(seconds):
        raise AssertionError("must not wait")

    limiter = RateLimiter(0, sleep=sleep)
    for _ in range(100):
        await limiter.acquire()

"""Time left for a run, from a moving average of recent throughput; said only once it is stable (a
first guess from two seconds of work jumped between 11 s and 56 s)."""

from __future__ import annotations

from collections import deque

WINDOW = 10.0  # seconds of recent progress the throughput is averaged over
MIN_SPAN = 3.0  # seconds of progress before any estimate is given
MIN_SAMPLES = 4
STABLE = 0.25  # an estimate is shown once it moves less than this fraction between two updates
WEIGHT = 0.2  # once shown, each new estimate moves the one shown by this much (bursts of read-backs)


class Eta:
    """Feed `update(now, done, total)`; `seconds_left` is None until the estimate is stable."""

    def __init__(self) -> None:
        self._samples: deque[tuple[float, int]] = deque()
        self._last: float | None = None
        self._shown_at = 0.0
        self.seconds_left: float | None = None

    def update(self, now: float, done: int, total: int) -> float | None:
        samples = self._samples
        if samples and done < samples[-1][1]:
            samples.clear()  # a new phase started counting again
            self._last = self.seconds_left = None
        samples.append((now, done))
        while len(samples) > MIN_SAMPLES and now - samples[0][0] > WINDOW:
            samples.popleft()
        first_time, first_done = samples[0]
        span, progressed = now - first_time, done - first_done
        if len(samples) < MIN_SAMPLES or span < MIN_SPAN or progressed <= 0 or total <= 0:
            return self.seconds_left
        estimate = max(0, total - done) / (progressed / span)
        previous, self._last = self._last, estimate
        steady = previous is not None and abs(estimate - previous) <= STABLE * max(previous, 1.0)
        if self.seconds_left is not None:
            carried = max(0.0, self.seconds_left - (now - self._shown_at))
            self.seconds_left = (1 - WEIGHT) * carried + WEIGHT * estimate
        elif steady:
            self.seconds_left = estimate
        self._shown_at = now
        return self.seconds_left


def say_duration(seconds: float) -> tuple[int, int]:
    """(minutes, seconds), rounded to 5 s above a minute so the figure does not flicker."""
    whole = int(round(seconds))
    if whole >= 60:
        whole = int(round(whole / 5.0) * 5)
    return divmod(whole, 60)

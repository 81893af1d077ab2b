"""How long the UI could not answer during a benchmark of the App (bench_links_table, bench_tui_sync)."""

from __future__ import annotations

import time


class StallMeter:
    """The longest gap between ticks of a 10 ms interval: how long the UI could not answer."""

    def __init__(self, app) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0
        app.set_interval(0.01, self.tick)

    def tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last - 0.01)
        self.last = now

    def reset(self) -> None:
        self.last, self.worst = time.perf_counter(), 0.0

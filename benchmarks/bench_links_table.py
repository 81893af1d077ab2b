"""Linked products screen with 50,000 stored links (issue 6 point 3): drives the real App headless
(`run_test`) and prints, per keystroke, the time until the new page is on show and the longest stall
of the UI's event loop meanwhile and during the paint after it (a 10 ms ticker measures it).
Keys are posted as the terminal driver posts them. Figures only, no assertions.

    python benchmarks/bench_links_table.py                  # 50,000 links
    python benchmarks/bench_links_table.py --links 10000 --repeat 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path


def make_links(count: int) -> list:
    from services.linking import Link, LinkState

    states = list(LinkState)
    words = ("Caneca", "Camiseta", "Tênis", "Mochila", "Luminária", "Panela", "Garrafa", "Boné")
    links = []
    for i in range(count):
        state = LinkState.LINKED if i % 3 == 0 else states[i % len(states)]
        variation = i % 4 != 0
        links.append(Link(
            listing_id=f"MLB{4100000000 + i // 3}", variation_id=180000000000 + i if variation else None,
            state=state, reference_code=None if state == LinkState.NO_REFERENCE else f"COD-{i:06d}",
            erp_code=f"COD-{i:06d}" if state in (LinkState.LINKED, LinkState.LINK_LOST) else None,
            title=f"{words[i % len(words)]} {i:06d} modelo {i % 97}",
            variation_label=f"Cor: C{i % 11} / Tamanho: T{i % 5}" if variation else "",
            erp_name=f"Produto {i:06d}" if state == LinkState.LINKED else None,
            erp_stock=(i * 7) % 41 if state == LinkState.LINKED else None, ml_stock=(i * 5) % 37,
        ))
    return links


class StallMeter:
    """The longest gap between ticks of a 10 ms interval: how long the UI could not answer."""

    def __init__(self, app):
        self.app = app
        self.last = time.perf_counter()
        self.worst = 0.0
        app.set_interval(0.01, self.tick)

    def tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last - 0.01)
        self.last = now

    def reset(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0


def press(app, key: str) -> None:
    """A keystroke as the terminal driver delivers it (Pilot's own waits for idle would be timed too)."""
    from textual import events

    character = {"space": " ", "slash": "/"}.get(key, key if len(key) == 1 else None)
    app.post_message(events.Key(key, character))


async def timed(app, screen, meter, key: str) -> tuple[float, float]:
    """Seconds from the key press to the page (or cursor) on show, and the worst UI stall meanwhile."""
    meter.reset()
    serial, row = screen._serial, screen.query_one("#links-table").cursor_row
    start = time.perf_counter()
    press(app, key)
    # Done when a new page is on show (or, for a move inside the page, when the cursor moved).
    while not ((screen._serial != serial and screen.settled) or screen.query_one("#links-table").cursor_row != row):
        await asyncio.sleep(0.001)
    elapsed = time.perf_counter() - start
    await asyncio.sleep(0.05)  # the paint that follows counts as a stall too
    return elapsed, meter.worst


async def run(count: int, repeat: int) -> None:
    from screens.links import LinksScreen
    from services.config import load_config
    from services.store.links import LinkRepository
    from tui.app import MelisyncApp

    start = time.perf_counter()
    LinkRepository().replace_all(make_links(count))
    print(f"stored {count:,} links in {time.perf_counter() - start:.2f} s")
    app = MelisyncApp(load_config(), lang="en", watch_terminal=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        meter = StallMeter(app)
        start = time.perf_counter()
        await pilot.press("2")
        screen = app.screen
        assert isinstance(screen, LinksScreen)
        while not screen.settled:
            await asyncio.sleep(0.001)
        print(f"first page (reads and indexes the links once): {time.perf_counter() - start:.3f} s, "
              f"worst UI stall {meter.worst * 1000:.0f} ms\n")
        results: dict[str, list[tuple[float, float]]] = {}

        def record(name: str, figures: tuple[float, float]) -> None:
            results.setdefault(name, []).append(figures)

        for _ in range(repeat):
            for key in ("l", "x", "a"):
                record(f"filter key {key!r}", await timed(app, screen, meter, key))
            record("open search '/'", (0.0, 0.0))
            await pilot.press("slash")
            for ch in "caneca 0":
                record("search, per typed character", await timed(app, screen, meter, {" ": "space"}.get(ch, ch)))
            await pilot.press("escape")
            while not screen.settled:
                await asyncio.sleep(0.001)
            record("sort 'o' (new column)", await timed(app, screen, meter, "o"))
            record("reverse 'O'", await timed(app, screen, meter, "O"))
            await pilot.press("ctrl+end")
            record("page down past the last row", await timed(app, screen, meter, "down"))
            record("page up past the first row", await timed(app, screen, meter, "up"))
            record("cursor down within the page", await timed(app, screen, meter, "down"))
        print(f"{'keystroke':34} {'median':>8} {'max':>8} {'worst UI stall':>15}   (n)")
        for name, figures in results.items():
            if name.startswith("open search"):
                continue
            latencies = [f[0] * 1000 for f in figures]
            stalls = [f[1] * 1000 for f in figures]
            print(f"{name:34} {statistics.median(latencies):7.1f}ms {max(latencies):7.1f}ms "
                  f"{max(stalls):13.1f}ms   ({len(figures)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="melisync-bench-") as scratch:
        os.environ["MELISYNC_HOME"] = str(Path(scratch) / "home")
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
        asyncio.run(run(args.links, args.repeat))


if __name__ == "__main__":
    main()

"""Linked products screen with 50,000 stored links (issues 6, 14, 16): drives the real App headless (`run_test`)
in a fresh process per terminal size (80x24 and 160x48: nothing read or indexed before), and prints the time from
opening the screen to its first page, then per keystroke the time until the new page is on show and the longest
stall of the UI's event loop meanwhile and during the paint after it (a 10 ms ticker measures it), and the
process's peak RSS. Keys are posted as the terminal driver posts them.

Goals (issue 14) beside each figure: first page <= 0.5 s; every key answered <= 50 ms; no UI stall > 50 ms.
Exits 1 when a figure misses its goal.

    python benchmarks/bench_links_table.py                  # 50,000 links
    python benchmarks/bench_links_table.py --links 10000 --repeat 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIRST_PAGE_GOAL = 0.5  # seconds
KEY_GOAL = 0.050
STALL_GOAL = 0.050
SIZES = ((80, 24), (160, 48))


def make_links(count: int) -> list:
    from services.linking import Link, LinkState

    states = list(LinkState)
    words = ("Caneca", "Camiseta", "Tênis", "Mochila", "Luminária", "Panela", "Garrafa", "Boné")
    links = []
    for i in range(count):
        state = LinkState.LINKED if i % 3 == 0 else states[i % len(states)]
        variation = i % 4 != 0
        links.append(
            Link(
                listing_id=f"MLB{4100000000 + i // 3}",
                variation_id=180000000000 + i if variation else None,
                state=state,
                reference_code=None if state == LinkState.NO_REFERENCE else f"COD-{i:06d}",
                erp_code=f"COD-{i:06d}" if state in (LinkState.LINKED, LinkState.LINK_LOST) else None,
                title=f"{words[i % len(words)]} {i:06d} modelo {i % 97}",
                variation_label=f"Cor: C{i % 11} / Tamanho: T{i % 5}" if variation else "",
                erp_name=f"Produto {i:06d}" if state == LinkState.LINKED else None,
                erp_stock=(i * 7) % 41 if state == LinkState.LINKED else None,
                ml_stock=(i * 5) % 37,
            )
        )
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


async def run(size: tuple[int, int], repeat: int) -> dict:
    """In this (fresh) process: open the screen on the stored links, press the keys; the figures as a dict."""
    from screens.links import LinksScreen
    from services.config import load_config
    from tui.app import MelisyncApp

    app = MelisyncApp(load_config(), lang="en", watch_terminal=False)
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        meter = StallMeter(app)
        start = time.perf_counter()
        await pilot.press("2")
        screen = app.screen
        assert isinstance(screen, LinksScreen)
        while not screen.settled:
            await asyncio.sleep(0.001)
        first = (time.perf_counter() - start, meter.worst)
        await asyncio.sleep(0.05)
        first = (first[0], max(first[1], meter.worst))
        results: dict[str, list[tuple[float, float]]] = {}

        def record(name: str, figures: tuple[float, float]) -> None:
            results.setdefault(name, []).append(figures)

        for _ in range(repeat):
            for key in ("l", "x", "a"):
                record(f"filter key {key!r}", await timed(app, screen, meter, key))
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
    return {"first": first, "keys": results, "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def report(size: tuple[int, int], figures: dict, misses: list[str]) -> None:
    def verdict(ok: bool, what: str) -> str:
        if not ok:
            misses.append(f"{size[0]}x{size[1]} {what}")
        return "ok" if ok else "MISSED"

    seconds, stall = figures["first"]
    print(f"\n{size[0]}x{size[1]}, a fresh process: peak RSS {figures['rss_mib']:.0f} MiB")
    print(
        f"  first page (opening the screen): {seconds:.3f} s (goal <= {FIRST_PAGE_GOAL} s: "
        f"{verdict(seconds <= FIRST_PAGE_GOAL, f'first page {seconds:.2f} s')}), worst UI stall {stall * 1000:.0f} ms "
        f"(goal <= {STALL_GOAL * 1000:.0f} ms: {verdict(stall <= STALL_GOAL, f'stall {stall * 1000:.0f} ms on opening')})"
    )
    print(
        f"  {'keystroke':32} {'median':>8} {'max':>8} {'worst stall':>12}   (n)  goals: key <= {KEY_GOAL * 1000:.0f} ms, "
        f"stall <= {STALL_GOAL * 1000:.0f} ms"
    )
    for name, rows in figures["keys"].items():
        latencies = [r[0] for r in rows]
        stalls = [r[1] for r in rows]
        ok = verdict(max(latencies) <= KEY_GOAL, f"{name} {max(latencies) * 1000:.0f} ms")
        ok_stall = verdict(max(stalls) <= STALL_GOAL, f"{name} stall {max(stalls) * 1000:.0f} ms")
        print(
            f"  {name:32} {statistics.median(latencies) * 1000:6.1f}ms {max(latencies) * 1000:6.1f}ms "
            f"{max(stalls) * 1000:10.1f}ms   ({len(rows)})  {ok}/{ok_stall}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--case", help=argparse.SUPPRESS)  # WxH: one size, in this process (the child)
    args = parser.parse_args()
    if args.case:
        width, height = (int(x) for x in args.case.split("x"))
        print(json.dumps(asyncio.run(run((width, height), args.repeat))))
        return 0
    with tempfile.TemporaryDirectory(prefix="melisync-bench-") as scratch:
        env = {
            **os.environ,
            "MELISYNC_HOME": str(Path(scratch) / "home"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        os.environ.update(env)
        from services.store.links import LinkRepository

        start = time.perf_counter()
        LinkRepository().replace_all(make_links(args.links))
        print(
            f"stored {args.links:,} links in {time.perf_counter() - start:.2f} s "
            f"(python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}: "
            "a shared machine slows every figure)"
        )
        misses: list[str] = []
        for size in SIZES:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--case",
                    f"{size[0]}x{size[1]}",
                    "--links",
                    str(args.links),
                    "--repeat",
                    str(args.repeat),
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            if out.returncode:
                print(out.stderr)
                return 1
            report(size, json.loads(out.stdout.strip().splitlines()[-1]), misses)
    if misses:
        print("\nMISSED: " + "; ".join(misses))
        return 1
    print("\nevery goal met")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Linked products screen with 50,000 stored links (issues 6, 14, 16): drives the real App headless (`run_test`)
in a fresh process per terminal size (80x24 and 160x48: nothing read or indexed before the App starts; the App
builds the links index in a thread at start-up, the bench waits for it), and prints the time from
opening the screen to its first page painted, then per keystroke the time until the new page is painted and the longest
stall of the UI's event loop meanwhile and during the paint after it (a 10 ms ticker measures it), and the
process's peak RSS. Keys are posted as the terminal driver posts them. Beside them, not goals: the start-up floor
measured in another fresh process (importing Textual, an empty App's first frame, melisync's App's first frame).

Goals (issue 14) beside each figure: first page <= 0.5 s; every key answered <= 50 ms; no UI stall > 50 ms.
Exits 1 when a figure misses its goal. The CPU time of the process over the same interval is printed beside each
(what the work costs, whatever share of the machine the process got: on a shared machine the wall times stretch).

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

from stall_meter import StallMeter  # a sibling: benchmarks run as scripts from their folder

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


def press(app, key: str) -> None:
    """A keystroke as the terminal driver delivers it (Pilot's own waits for idle would be timed too)."""
    from textual import events

    character = {"space": " ", "slash": "/"}.get(key, key if len(key) == 1 else None)
    app.post_message(events.Key(key, character))


class Paints:
    """The frames the app sends to the terminal (headless: composed and dropped, as late). `showing(done)` then
    `shown()`: the time of the first frame sent once `done()` holds, i.e. the first frame that can show the
    change (checked as each frame is sent: a waiting loop that polls may wake a frame or two late on a busy
    machine and time a later frame)."""

    def __init__(self, app):
        self.count = 0
        self.last = 0.0
        self._done = None
        self.hit: float | None = None
        display = app._display

        def counted(screen, renderable) -> None:
            display(screen, renderable)
            if renderable is not None:
                self.count += 1
                self.last = time.perf_counter()
                if self.hit is None and self._done is not None and self._done():
                    self.hit = self.last

        app._display = counted

    def showing(self, done) -> None:
        self._done, self.hit = done, None

    async def shown(self, timeout: float = 2.0) -> float:
        waited = time.perf_counter()
        while self.hit is None and time.perf_counter() - waited < timeout:
            await asyncio.sleep(0.001)
        self._done = None
        return self.hit if self.hit is not None else float("inf")

    async def after(self, seen: int) -> float:
        """The time of the first frame after frame number `seen` (or of the last frame if none follows)."""
        waited = time.perf_counter()
        while self.count == seen and time.perf_counter() - waited < 0.25:
            await asyncio.sleep(0.001)
        return self.last


async def timed(app, screen, meter, key: str) -> tuple[float, float, float]:
    """Seconds from the key press to the new page (or cursor) painted, the worst UI stall meanwhile, CPU."""
    meter.reset()
    table = screen.query_one("#links-table")  # once: a query every frame would be timed too
    serial, row = screen._serial, table.cursor_row
    # Done when a new page is on show (or, for a move inside the page, when the cursor moved).
    app.paints.showing(lambda: (screen._serial != serial and screen.settled) or table.cursor_row != row)
    start, cpu = time.perf_counter(), time.process_time()
    press(app, key)
    elapsed = await app.paints.shown() - start
    cpu = time.process_time() - cpu
    await asyncio.sleep(0.05)  # the paint that follows counts as a stall too
    return elapsed, meter.worst, cpu


async def opened(app, meter, key: str, shown) -> tuple[float, float, float]:
    """Seconds from the key press to what it opens (`shown()` true) painted, the worst UI stall meanwhile, CPU."""
    meter.reset()
    app.paints.showing(shown)
    start, cpu = time.perf_counter(), time.process_time()
    press(app, key)
    elapsed = await app.paints.shown() - start
    cpu = time.process_time() - cpu
    await asyncio.sleep(0.05)
    return elapsed, meter.worst, cpu


async def floor(size: tuple[int, int]) -> dict:
    """Start-up alone, in this fresh process: importing Textual and an empty App's first frame; then melisync's
    App (its home screen) the same way. Not goals: the floor the screen's figures stand on."""
    start = time.perf_counter()
    from textual.app import App

    imported = time.perf_counter() - start

    async def first_frame(app) -> float:
        begun = time.perf_counter()
        async with app.run_test(size=size):
            paints = Paints(app)
            await paints.after(0)
            return paints.last - begun

    empty = await first_frame(App())
    start = time.perf_counter()
    from services.config import load_config
    from tui.app import MelisyncApp

    melisync_import = time.perf_counter() - start
    home = await first_frame(MelisyncApp(load_config(), lang="en", watch_terminal=False))
    return {"textual_import": imported, "empty_app": empty, "melisync_import": melisync_import, "melisync_app": home}


async def run(size: tuple[int, int], repeat: int) -> dict:
    """In this (fresh) process: open the screen on the stored links, press the keys; the figures as a dict."""
    from screens.links import LinksScreen
    from services.config import load_config
    from tui.app import MelisyncApp

    app = MelisyncApp(load_config(), lang="en", watch_terminal=False)
    started = time.perf_counter()
    async with app.run_test(size=size) as pilot:
        # The links index, built at start-up in a thread once the first screen is painted (an App without
        # that worker: nothing to wait for after a second).
        while not any(w.group == "links-warm" for w in app.workers) and time.perf_counter() - started < 1:
            await asyncio.sleep(0.01)
        await app.workers.wait_for_complete()
        index_ready = time.perf_counter() - started
        meter = StallMeter(app)
        app.paints = Paints(app)
        await asyncio.sleep(0.05)
        meter.reset()
        app.paints.showing(lambda: isinstance(app.screen, LinksScreen) and app.screen.settled)
        start, cpu = time.perf_counter(), time.process_time()
        press(app, "2")  # as the terminal delivers it (Pilot.press also waits for the app to be idle)
        first = (await app.paints.shown() - start, meter.worst, time.process_time() - cpu)
        screen = app.screen
        await asyncio.sleep(0.05)
        first = (first[0], max(first[1], meter.worst), first[2])
        results: dict[str, list[tuple[float, float, float]]] = {}
        sort_choice = screen.query_one("#links-sort")

        def record(name: str, figures: tuple[float, float, float]) -> None:
            results.setdefault(name, []).append(figures)

        for n in range(repeat):
            for key in ("l", "x", "a"):
                record(f"filter key {key!r}", await timed(app, screen, meter, key))
            await pilot.press("slash")
            for ch in "caneca 0":
                record("search, per typed character", await timed(app, screen, meter, {" ": "space"}.get(ch, ch)))
            await pilot.press("escape")
            while not screen.settled:
                await asyncio.sleep(0.001)
            record("'o' opens the sort choice", await opened(app, meter, "o", lambda: sort_choice.display))
            record(
                "sort: a new column chosen", await timed(app, screen, meter, "842"[n % 3])
            )  # title, ERP code, listing
            record("reverse 'O'", await timed(app, screen, meter, "O"))
            await pilot.press("ctrl+end")
            record("page down past the last row", await timed(app, screen, meter, "down"))
            record("page up past the first row", await timed(app, screen, meter, "up"))
            # The cursor is on the page's last row: one row up first, or "down" would load the next page.
            await pilot.press("up")
            record("cursor down within the page", await timed(app, screen, meter, "down"))
            record("cursor up within the page", await timed(app, screen, meter, "up"))
    return {
        "first": first,
        "keys": results,
        "index_ready": index_ready,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def report(size: tuple[int, int], figures: dict, misses: list[str]) -> None:
    def verdict(ok: bool, what: str) -> str:
        if not ok:
            misses.append(f"{size[0]}x{size[1]} {what}")
        return "ok" if ok else "MISSED"

    seconds, stall, cpu = figures["first"]
    print(f"\n{size[0]}x{size[1]}, a fresh process: peak RSS {figures['rss_mib']:.0f} MiB")
    base = figures["floor"]
    print(
        f"  start-up floor (not goals; another fresh process): import textual {base['textual_import']:.3f} s, an "
        f"empty App's first frame {base['empty_app']:.3f} s; import melisync's App {base['melisync_import']:.3f} s, "
        f"its first frame {base['melisync_app']:.3f} s; links index built {figures['index_ready']:.2f} s after start"
    )
    print(
        f"  first page (opening the screen): {seconds:.3f} s, CPU {cpu:.3f} s (goal <= {FIRST_PAGE_GOAL} s: "
        f"{verdict(seconds <= FIRST_PAGE_GOAL, f'first page {seconds:.2f} s')}), worst UI stall {stall * 1000:.0f} ms "
        f"(goal <= {STALL_GOAL * 1000:.0f} ms: {verdict(stall <= STALL_GOAL, f'stall {stall * 1000:.0f} ms on opening')})"
    )
    print(
        f"  {'keystroke':32} {'median':>8} {'max':>8} {'CPU med':>8} {'worst stall':>12}   (n)  goals: key <= "
        f"{KEY_GOAL * 1000:.0f} ms, stall <= {STALL_GOAL * 1000:.0f} ms"
    )
    for name, rows in figures["keys"].items():
        latencies = [r[0] for r in rows]
        stalls = [r[1] for r in rows]
        cpus = [r[2] for r in rows]
        ok = verdict(max(latencies) <= KEY_GOAL, f"{name} {max(latencies) * 1000:.0f} ms")
        ok_stall = verdict(max(stalls) <= STALL_GOAL, f"{name} stall {max(stalls) * 1000:.0f} ms")
        print(
            f"  {name:32} {statistics.median(latencies) * 1000:6.1f}ms {max(latencies) * 1000:6.1f}ms "
            f"{statistics.median(cpus) * 1000:6.1f}ms {max(stalls) * 1000:10.1f}ms   ({len(rows)})  {ok}/{ok_stall}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--case", help=argparse.SUPPRESS)  # WxH: one size, in this process (the child)
    parser.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)  # the child measures start-up
    args = parser.parse_args()
    if args.case:
        width, height = (int(x) for x in args.case.split("x"))
        measure = floor((width, height)) if args.floor else run((width, height), args.repeat)
        print(json.dumps(asyncio.run(measure)))
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
            figures: dict = {}
            for extra in (["--floor"], []):
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
                        *extra,
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                )
                if out.returncode:
                    print(out.stderr)
                    return 1
                figures["floor" if extra else "run"] = json.loads(out.stdout.strip().splitlines()[-1])
            report(size, {**figures["run"], "floor": figures["floor"]}, misses)
    if misses:
        print("\nMISSED: " + "; ".join(misses))
        return 1
    print("\nevery goal met")
    return 0


if __name__ == "__main__":
    sys.exit(main())

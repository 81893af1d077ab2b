"""The UI while a sync runs (issue 13, one async model): drives the real App headless (`run_test`) through a
stock sync - plan, then apply - against the sandbox served over loopback HTTP from another process (its work
is not ours to measure), and prints the longest stall of the App's event loop (a 10 ms ticker) while planning
and while applying, beside the same measure with the App idle for as long (the baseline of this machine, now).

The engine runs on the App's loop and does its file and CPU work off it (docs/internals.md, "Async model"):
reading the ERP and the links, making the plan, journaling, storing the links. To say whose work a stall is,
a sampler thread looks at the loop's stack every 5 ms while it is held over 50 ms and counts where: the
innermost frame of melisync's code (or Textual's own work: mounting a screen, painting). Goal: no stall
sampled in the file work (the stores, the ERP, the journal). Exits 1 when one is.

    python benchmarks/bench_tui_sync.py                     # 5,000 listings
    python benchmarks/bench_tui_sync.py --listings 20000
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

from stall_meter import StallMeter  # a sibling: benchmarks run as scripts from their folder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STALL_GOAL = 0.050  # seconds the loop may be held
# Where the file work is: the stores, the ERP, the journal. A stall sampled inside them is file work on the loop.
FILE_WORK = ("/services/store/", "/services/erp/", "/services/summary.py", "/services/home.py")
PROJECT = ("/services/", "/tui/", "/screens/")


class StallSampler(threading.Thread):
    """Every 5 ms, when the loop has not ticked for over 50 ms, the loop thread's stack: the innermost frame of
    melisync's own code says whose work holds it (none: Textual's own, mounting or painting)."""

    def __init__(self, meter: StallMeter, loop_thread: int) -> None:
        super().__init__(daemon=True)
        self.meter, self.loop_thread = meter, loop_thread
        self.samples: Counter[str] = Counter()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.005):
            if time.perf_counter() - self.meter.last < STALL_GOAL:
                continue
            frame = sys._current_frames().get(self.loop_thread)
            if frame is None:
                continue
            stack = traceback.extract_stack(frame)
            ours = [f for f in stack if any(part in f.filename for part in PROJECT)]
            where = ours[-1] if ours else stack[-1]
            root = str(Path(__file__).resolve().parent.parent)
            key = f"{where.filename.replace(root, '').lstrip('/')}:{where.lineno} {where.name}"
            if "-v" in sys.argv:  # the path through melisync's code, and the innermost frame
                chain = " < ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(ours[:-1][-4:]))
                key += f"  [< {chain}; innermost {Path(stack[-1].filename).name}:{stack[-1].lineno}]"
            self.samples[key] += 1


def serve(listings: int, seed: int, ready) -> None:
    """The sandbox in its own process (auto-approving the demo app), until killed."""
    from sandbox.server import SandboxServer
    from sandbox.state import SandboxState

    state = SandboxState(listings=listings, seed=seed, auto_approve=True)
    state.create_sample_orders(5)
    with SandboxServer(state) as server:
        ready.put(server.base_url)
        while True:
            time.sleep(3600)


async def connect(home: Path, base_url: str, listings: int, seed: int) -> None:
    import httpx

    import sandbox
    from sandbox.catalog import generate
    from services.config import load_config, set_setting
    from services.erp.csv_io import import_csv
    from services.meli import oauth
    from services.secrets import SecretStore

    for key, value in (
        ("client_id", sandbox.DEMO_CLIENT_ID),
        ("redirect_uri", sandbox.DEMO_REDIRECT_URI),
        ("api_url", base_url),
        ("auth_url", base_url),
        ("requests_per_second", "1000"),
    ):
        set_setting(key, value, home)
    SecretStore(home).set_client_secret(sandbox.DEMO_CLIENT_SECRET)
    csv = home.parent / "erp.csv"
    csv.write_text(generate(listings, seed).erp_csv, "utf-8")
    import_csv(csv)
    config = load_config(home)
    url, _ = oauth.begin_authorization(config)
    async with httpx.AsyncClient() as http:
        redirect = (await http.get(url)).headers["location"]  # auto-approved: straight to the redirect URI
    await oauth.complete_authorization(config, redirect)


async def run(home: Path, samples: Counter[str]) -> dict[str, tuple[float, float]]:
    """{phase: (seconds, worst stall)} for idle, planning and applying; `samples` gets where the stalls were."""
    from screens.sync_messages import SyncApplyRequested, SyncRequested
    from services.config import load_config
    from services.sync.plan import SyncKind
    from tui.app import MelisyncApp
    from tui.sync_state import SyncPhase
    from tui.workers import ServiceGateway

    config = load_config(home)
    app = MelisyncApp(config, gateway=ServiceGateway(config), watch_terminal=False)
    figures: dict[str, tuple[float, float]] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.5)
        meter = StallMeter(app)
        sampler = StallSampler(meter, threading.get_ident())
        sampler.start()

        async def until(done) -> tuple[float, float]:
            meter.reset()
            start = time.perf_counter()
            while not done():
                await asyncio.sleep(0.005)
            return time.perf_counter() - start, meter.worst

        app.post_message(SyncRequested(SyncKind.STOCK))
        figures["planning"] = await until(lambda: app.sync_state.phase == SyncPhase.PLANNED)
        await pilot.pause(0.5)
        app.post_message(SyncApplyRequested())
        figures["applying"] = await until(lambda: app.sync_state.phase in (SyncPhase.FINISHED, SyncPhase.IDLE))
        result = app.sync_state.result
        assert result is not None and result.ok, result
        longest = max(figures["planning"][0], figures["applying"][0])
        end = time.perf_counter() + longest
        figures["idle"] = await until(lambda: time.perf_counter() >= end)
        sampler.done.set()
    samples.update(sampler.samples)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-v", action="store_true", help="list every place a stall was sampled")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="melisync-bench-tui-sync-"))
    home = scratch / "home"
    os.environ["MELISYNC_HOME"] = str(home)
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    ready: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(args.listings, args.seed, ready), daemon=True)
    server.start()
    try:
        base_url = ready.get(timeout=600)
        asyncio.run(connect(home, base_url, args.listings, args.seed))
        samples: Counter[str] = Counter()
        figures = asyncio.run(run(home, samples))
    finally:
        server.kill()
    idle = figures["idle"][1]
    print(f"Stock sync of {args.listings:,} listings in the App (80x24), sandbox in another process")
    print(f"  idle App for {figures['idle'][0]:.1f} s: worst stall {idle * 1000:.0f} ms (the baseline)")
    for phase in ("planning", "applying"):
        seconds, stall = figures[phase]
        print(f"  {phase:9} {seconds:6.1f} s: worst stall {stall * 1000:5.0f} ms ({(stall - idle) * 1000:+.0f} ms)")
    print(f"  where the loop was held over {STALL_GOAL * 1000:.0f} ms (5 ms samples, most first):")
    for where, count in samples.most_common(8 if "-v" not in sys.argv else None):
        print(f"    {count * 5:6d} ms  {where}")
    files = sum(count for where, count in samples.items() if any(part[1:] in where for part in FILE_WORK))
    print(f"  goal: no stall in the file work: {files * 5} ms sampled there: {'ok' if not files else 'MISSED'}")
    return 1 if files else 0


if __name__ == "__main__":
    sys.exit(main())

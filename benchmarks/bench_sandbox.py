"""Sandbox speed (issue 2): `melisync sandbox --listings 50000` starts in under 10 s and answers a 20-id
multiget in under 50 ms. Prints figures; asserts nothing. Run: `python benchmarks/bench_sandbox.py [N]`."""

from __future__ import annotations

import gc
import signal
import statistics
import subprocess
import sys
import time

import httpx

from sandbox import SELLER_ID
from sandbox.server import SandboxServer
from sandbox.state import SandboxState


def main(listings: int = 50_000, rounds: int = 50) -> None:
    started = time.perf_counter()
    state = SandboxState(listings=listings)
    gc.freeze()  # as `melisync sandbox` does: the catalogue is long-lived, keep full collections off it
    built = time.perf_counter()
    with SandboxServer(state) as server:
        serving = time.perf_counter()
        print(f"listings:            {listings}")
        print(f"catalogue built:     {built - started:.2f} s")
        print(f"startup (to socket): {serving - started:.2f} s   (goal < 10 s)")
        token = state.issue_tokens()["access_token"]
        with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}) as client:
            ids = client.get(f"/users/{SELLER_ID}/items/search", params={"limit": 100}).json()["results"]
            client.get("/items", params={"ids": ",".join(ids[:20])})  # warm the connection
            for shape, path in (("/items?ids=", "/items"), ("/items/bulk?ids=", "/items/bulk")):
                times = []
                for n in range(rounds):
                    chunk = ids[(n * 20) % 80 : (n * 20) % 80 + 20]
                    t0 = time.perf_counter()
                    answer = client.get(path, params={"ids": ",".join(chunk), "include_attributes": "all"})
                    times.append((time.perf_counter() - t0) * 1000)
                    assert answer.status_code == 200
                times.sort()
                print(
                    f"20-id multiget {shape:<17} median {statistics.median(times):.1f} ms, "
                    f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms, max {times[-1]:.1f} ms   (goal < 50 ms)"
                )
            t0 = time.perf_counter()
            scanned, scroll = 0, None
            while True:
                query = {"search_type": "scan", "limit": 100, **({"scroll_id": scroll} if scroll else {})}
                page = client.get(f"/users/{SELLER_ID}/items/search", params=query).json()
                if not page["results"]:
                    break
                scroll, scanned = page["scroll_id"], scanned + len(page["results"])
            print(f"scan of all ids:     {time.perf_counter() - t0:.2f} s ({scanned} ids)")


def cli_startup(listings: int) -> None:
    """The operator's view: `melisync sandbox --listings N` until it answers over HTTP."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "sandbox", "--port", "0", "--listings", str(listings)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline()
        base_url = first.split(": ", 1)[1].strip()
        httpx.get(f"{base_url}/users/me")
        print(
            f"`melisync sandbox --listings {listings}` answering after {time.perf_counter() - started:.2f} s"
            "   (goal < 10 s)"
        )
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    cli_startup(count)
    main(count)

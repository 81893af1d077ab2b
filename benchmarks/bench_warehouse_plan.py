"""What comparing with the chosen warehouse costs (issue 10): a stock plan (dry run) for the same catalogue on a
plain seller and on a two-warehouse seller, over real HTTP with latency. The warehouse seller's plan reads each
linked user product's stock once (GET /user-products/{id}/stock); Mercado Livre allows 100 of those a minute,
so the script prints the measured time (the sandbox's limit lifted) and the time that limit imposes. Asserts
nothing.

    python benchmarks/bench_warehouse_plan.py                  # 300 listings, 20 ms
    python benchmarks/bench_warehouse_plan.py --listings 1000 --latency-ms 30
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

import sandbox
from sandbox.catalog import generate
from sandbox.server import SandboxServer
from sandbox.state import SandboxState
from services.config import load_config, set_setting
from services.erp.csv_io import import_csv
from services.meli import oauth
from services.meli.client import UP_STOCK_RPM, open_client
from services.secrets import SecretStore
from services.store import close_stores
from services.sync.engine import SyncEngine

UNLIMITED = 1_000_000


async def plan_once(n: int, seed: int, latency_ms: float, warehouses: bool) -> dict:
    home = Path(tempfile.mkdtemp(prefix="melisync-bench-")) / "home"
    os.environ["MELISYNC_HOME"] = str(home)
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    close_stores()
    data = generate(n, seed)
    state = SandboxState(
        listings=data.listings,
        seed=seed,
        warehouse_management=warehouses,
        warehouses=2 if warehouses else 1,
        up_stock_rpm=UNLIMITED,
    )
    state.demo_warehouse_cases()
    with SandboxServer(state) as server:
        settings = {
            "client_id": sandbox.DEMO_CLIENT_ID,
            "redirect_uri": sandbox.DEMO_REDIRECT_URI,
            "api_url": server.base_url,
            "auth_url": server.base_url,
            "requests_per_second": "1000",
            "stock_requests_per_minute": str(UNLIMITED),
            "warehouse": state.stores[0]["id"],
        }
        for key, value in settings.items():
            set_setting(key, value, home)
        SecretStore(home).set_client_secret(sandbox.DEMO_CLIENT_SECRET)
        config = load_config(home)
        csv_path = home.parent / "erp.csv"
        csv_path.write_text(data.erp_csv, "utf-8")
        import_csv(csv_path)
        url, _ = oauth.begin_authorization(config)
        await oauth.complete_authorization(config, state.approve(url))
        state.latency_ms = latency_ms
        state.clear_log()
        async with open_client(config) as client:
            started = time.perf_counter()
            prepared = await SyncEngine(client, config=config).plan("stock", dry_run=True)
            took = time.perf_counter() - started
        kinds = Counter("stock GET" if "/user-products/" in r.path else "other" for r in state.requests)
        return {
            "took": took,
            "requests": len(state.requests),
            "stock_gets": kinds["stock GET"],
            "writes": len(prepared.plan.ml_writes),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=300)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    plain = asyncio.run(plan_once(args.listings, args.seed, args.latency_ms, warehouses=False))
    multi = asyncio.run(plan_once(args.listings, args.seed, args.latency_ms, warehouses=True))
    print(f"{args.listings} listings, latency {args.latency_ms:g} ms, stock plan (dry run):")
    for name, run in (("plain seller", plain), ("two-warehouse seller", multi)):
        print(
            f"  {name:22} {run['took']:6.2f} s  {run['requests']:5} requests "
            f"({run['stock_gets']} user product stock reads), {run['writes']} writes planned"
        )
    floor = multi["stock_gets"] / UP_STOCK_RPM * 60
    print(
        f"  ratio warehouse/plain: {multi['took'] / plain['took']:.1f}x measured; at Mercado Livre's "
        f"{UP_STOCK_RPM} stock reads a minute the reads alone take at least {floor:.0f} s"
    )


if __name__ == "__main__":
    main()

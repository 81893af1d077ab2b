"""Issue 11 acceptance: a stock sync of 10,000 listings against the strict sandbox with tokens that live 3
seconds, a rate limit of 5 requests a second and a 429 on every 17th request finishes with every target right.

The sandbox's clock stands in for the wall clock: the client's rate limiter and its back-off sleep move it
forward instead of waiting, so the run's ~40 minutes of Mercado Livre time take about a minute of CPU."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from sandbox.app import create_app
from sandbox.catalog import generate
from sandbox.state import SandboxState
from services.config import load_config, set_setting
from services.erp.catalog import Catalog
from services.erp.csv_io import import_csv
from services.erp.models import MovementKind, StockMovement
from services.meli.client import MeliClient
from services.store.journal import FINISHED
from services.sync.engine import SyncEngine
from services.sync.plan import ActionKind, ActionStatus, SyncKind
from tests.fixtures.meli import configure_home, connect_via_sandbox

N = int(__import__("os").environ.get("MELISYNC_SCALE_LISTINGS", "10000"))


@pytest.mark.slow
async def test_ten_thousand_listings_3s_tokens_rate_5_and_429_every_17th(melisync_home, tmp_path):
    data = generate(N, 0)
    state = SandboxState(listings=data.listings, seed=0, token_ttl=3, rate=5, burst=5)
    transport = httpx.ASGITransport(app=create_app(state))
    configure_home(melisync_home)
    set_setting("requests_per_second", "5", melisync_home)
    set_setting("concurrency", "4", melisync_home)
    config = load_config(melisync_home)
    await connect_via_sandbox(config, state, transport)
    csv_path = tmp_path / "erp.csv"
    csv_path.write_text(data.erp_csv, "utf-8")
    catalog = Catalog()
    import_csv(csv_path, catalog)
    # A recount of one code in 20: those listings (or variations) need a write.
    codes = sorted(catalog.balances())[::20]
    catalog.record_movements(StockMovement(c, MovementKind.ADJUSTMENT, 3, datetime.now(UTC), "recount") for c in codes)
    state.fail_every(17, 429)
    state.clear_log()

    async def sandbox_sleep(seconds: float) -> None:
        state.advance(seconds)
        await asyncio.sleep(0)

    started = state.now()
    async with MeliClient(config, transport=transport, clock=state.now, sleep=sandbox_sleep) as client:
        engine = SyncEngine(client, config=config)
        prepared = await engine.plan(SyncKind.STOCK)
        result = await engine.apply(prepared)
    elapsed = state.now() - started
    requests = list(state.requests)
    targets = [a for a in result.actions if a.kind == ActionKind.STOCK and a.status != ActionStatus.SKIPPED]
    assert result.status == FINISHED, result.errors[:5]  # exit 0
    assert len(targets) >= len(codes) // 2 and all(a.status == ActionStatus.DONE for a in targets)
    grants = [r for r in requests if r.grant_type == "refresh_token"]
    throttled = sum(r.status == 429 for r in requests)
    print(
        f"\n{N} listings: {len(requests)} requests in {elapsed:.0f} s of sandbox time "
        f"({len(requests) / elapsed:.2f}/s), {len(targets)} targets written, {throttled} answered 429, "
        f"{sum(r.status == 401 for r in requests)} answered 401, {len(grants)} token refreshes"
    )
    assert throttled >= len(requests) // 17 - 1 and len(grants) >= elapsed / 3 - 1
    # Every target right: a fresh plan read live finds nothing left to write.
    state.fail_every(None)
    async with MeliClient(config, transport=transport, clock=state.now, sleep=sandbox_sleep) as client:
        again = await SyncEngine(client, config=config).plan(SyncKind.STOCK, dry_run=True)
    assert [a for a in again.plan.actions if a.kind == ActionKind.STOCK and a.status == ActionStatus.PLANNED] == []

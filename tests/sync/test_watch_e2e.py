"""`melisync watch` over a real socket (issue 15): a sale on one listing reaches the sibling listing of the
same code; an idle tick costs one request and journals nothing; one watcher per home (a second one and a
`sync` are refused with its pid); SIGTERM finishes the run in flight and exits 0; a watcher killed at any
file commit step loses and doubles nothing (the next tick settles it).

No test sleeps for correctness: the watcher runs with a tiny tick and the test waits on conditions with a
bounded timeout, or runs `watch --once`."""

from __future__ import annotations

import json
import signal
import subprocess
from datetime import UTC

import pytest

from services.store import close_stores
from services.store.journal import Journal
from services.store.run import Run
from services.watch_state import read_heartbeat
from tests.faults.world import World, clean, wait_for

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def sandbox_state():
    from sandbox.state import SandboxState

    return SandboxState(listings=0, seed=0)


def _world(live_sandbox, live_home, tmp_path) -> tuple[World, str, str]:
    """A small seller whose code S0 is on two listings (classic and premium): (world, sold, sibling)."""
    world = World(live_sandbox.state, live_home.home, tmp_path, simple=3, variated=1)
    state = world.state
    sold = next(item for (item, vid), code in world.codes.items() if code == "S0")
    sibling = state.add_listing("Simples 0 premium", quantity=40, sku="S0", listing_type="gold_pro")
    world.codes[(sibling, None)] = "S0"
    assert world.cli("watch", "--once", "--json")[0] == 0  # the first tick is the full stock sync
    assert state.item(sibling)["available_quantity"] == world.counted["S0"]
    return world, sold, sibling


def _runs(home) -> list[Run]:
    runs = Journal(home=home).runs()
    close_stores()
    return runs


def _watcher(world: World, *extra: str) -> subprocess.Popen:
    child = world.spawn("watch", "--every", "0.05", "--json", *extra)
    wait_for(
        lambda: read_heartbeat(world.home).get("pid") == child.pid and read_heartbeat(world.home).get("last_tick"),
        "the watcher's first tick",
        60,
    )
    return child


def test_a_sale_reaches_the_sibling_listing_and_sigterm_exits_clean(live_sandbox, live_home, tmp_path):
    world, sold, sibling = _world(live_sandbox, live_home, tmp_path)
    state = world.state
    child = _watcher(world)
    try:
        # one watcher per home, and no sync by hand while it runs: both refused naming its pid
        code, out, err = world.cli("watch", "--once")
        assert code == 1 and f"process {child.pid}" in err, err
        code, out, err = world.cli("sync", "stock", "--yes", "--json")
        assert code == 1 and f"process {child.pid}" in err and json.loads(out)["status"] == "failed", err
        before = len(_runs(world.home))
        state.sell(sold, None, 3)
        world.sold["S0"] += 3
        expected = world.counted["S0"] - 3
        wait_for(lambda: state.item(sibling)["available_quantity"] == expected, "the sibling listing's new stock")
        wait_for(lambda: len(_runs(world.home)) > before, "the watch run to be journaled")
    finally:
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert "Traceback" not in err
    ticks = [json.loads(line) for line in out.splitlines()]
    acted = [t for t in ticks if t["kind"] == "watch"]
    assert acted and acted[0]["sales"] == 1 and acted[0]["writes"] == 1 and acted[0]["status"] == "finished"
    runs = _runs(world.home)
    assert runs[0].kind == "watch" and runs[0].status == "finished"
    assert clean(world.check())
    assert read_heartbeat(world.home)["state"] == "stopped"
    code, out, _ = world.cli("status", "--json")
    watch = json.loads(out)["watch"]
    assert watch["state"] == "stopped" and watch["last_sale"]["erp_code"] == "S0"
    assert watch["last_write"]["run_id"] == runs[0].id


def test_sigterm_during_a_tick_finishes_its_writes_and_journals_them(live_sandbox, live_home, tmp_path):
    world, sold, sibling = _world(live_sandbox, live_home, tmp_path)
    state = world.state
    child = _watcher(world)
    state.latency_ms = 150  # the tick lasts long enough to be stopped inside it
    state.sell(sold, None, 2)
    world.sold["S0"] += 2
    wait_for(
        lambda: any(r.kind == "watch" and r.status == "running" for r in _runs(world.home)),
        "a watch run under way",
    )
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    run = _runs(world.home)[0]
    assert run.kind == "watch" and run.status == "finished", run
    assert state.item(sibling)["available_quantity"] == world.counted["S0"] - 2
    assert clean(world.check())


def test_an_idle_tick_costs_one_request_and_journals_nothing(live_sandbox, live_home, tmp_path):
    world, _, _ = _world(live_sandbox, live_home, tmp_path)
    state = world.state
    before = _runs(world.home)
    state.clear_log()
    assert world.cli("watch", "--once")[0] == 0
    assert [r.path for r in state.requests] == ["/orders/search"]
    assert _runs(world.home) == before and state.writes() == []


def test_dry_run_previews_the_tick_and_writes_nothing(live_sandbox, live_home, tmp_path):
    world, sold, sibling = _world(live_sandbox, live_home, tmp_path)
    state = world.state
    state.sell(sold, None, 1)
    state.clear_log()
    code, out, _ = world.cli("watch", "--once", "--dry-run")
    assert code == 0 and "dry run" in out and "sale" in out, out
    assert state.writes() == [] and state.item(sibling)["available_quantity"] == world.counted["S0"]
    assert _runs(world.home)[0].status == "dry_run"
    assert world.cli("watch", "--once")[0] == 0
    assert state.item(sibling)["available_quantity"] == world.counted["S0"] - 1


def test_a_watcher_killed_at_any_commit_step_loses_and_doubles_nothing(live_sandbox, live_home, tmp_path):
    world, sold, sibling = _world(live_sandbox, live_home, tmp_path)
    state = world.state
    count = tmp_path / "steps"
    state.sell(sold, None, 1)
    world.sold["S0"] += 1
    child = world.spawn("watch", "--once", FAULT_COUNT_FILE=str(count))
    _, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    steps = int(count.read_text())
    print(f"\nwatch --once of one sale: {steps} commit steps")
    assert clean(world.check())
    points = sorted({1 + (n * (steps - 1)) // 19 for n in range(20)})  # every step, or 20 spread over them
    for n, kill_at in enumerate(points):
        state.sell((sold, sibling)[n % 2], None, 1)  # a sale on either listing of S0 (30 units in stock)
        world.sold["S0"] += 1
        code, err = world.killed_run(kill_at=kill_at, argv=("watch", "--once"))
        assert code == -signal.SIGKILL, (kill_at, code, err)
        assert world.cli("watch", "--once")[0] == 0  # the next start settles it
        figures = world.check()
        assert clean(figures), (kill_at, figures)


def _erp_file(world: World, tmp_path, stock: int):
    """The ERP's stock export, written now: S0 at `stock`, the other simple codes as they stand."""
    rows = ["code,name,price,stock,parent_code,attributes"]  # the grade codes are not in it: left alone
    rows += [
        f"{code},Simples {code[1:]},10.00,{stock if code == 'S0' else world.counted[code] - world.sold[code]},,"
        for code in sorted(world.counted)
        if code.startswith("S")
    ]
    path = tmp_path / "estoque.csv"
    path.write_text("\n".join(rows) + "\n", "utf-8")
    return path


def test_an_erp_file_counted_before_a_sale_does_not_put_it_back(live_sandbox, live_home, tmp_path):
    world, sold, sibling = _world(live_sandbox, live_home, tmp_path)
    state = world.state
    counted = world.counted["S0"]
    export = _erp_file(world, tmp_path, counted)  # the ERP's export, counted before the sale
    state.advance(60)  # the buyer pays a minute later (no sleep: the sandbox's clock moves)
    state.sell(sold, None, 3)
    world.sold["S0"] += 3
    assert world.cli("watch", "--once")[0] == 0
    assert state.item(sibling)["available_quantity"] == counted - 3
    code, out, err = world.cli("watch", "--once", "--erp-csv", str(export), "--erp-csv-settle", "0")
    assert code == 0, err
    assert "3 stocks counted at" in err, err
    for item in (sold, sibling):
        assert state.item(item)["available_quantity"] == counted - 3  # not re-inflated to the file's figure
    assert clean(world.check())


def test_erp_import_stock_only_takes_later_sales_off_again(live_sandbox, live_home, tmp_path):
    from datetime import datetime

    from services.erp.catalog import Catalog

    world, sold, sibling = _world(live_sandbox, live_home, tmp_path)
    state = world.state
    counted = world.counted["S0"]
    export = _erp_file(world, tmp_path, counted)
    state.advance(60)
    state.sell(sold, None, 2)
    assert world.cli("watch", "--once")[0] == 0
    code, out, _ = world.cli("erp", "import", "--stock-only", str(export))
    assert code == 0 and "units sold after the count taken off again: 2" in out, out
    assert Catalog(home=world.home).balance("S0") == counted - 2
    close_stores()
    # a count taken after the sale is the truth: its figure goes to both listings at the next tick
    after = datetime.fromtimestamp(state.now() + 60, UTC).isoformat()
    code, out, _ = world.cli(
        "erp", "import", "--stock-only", str(_erp_file(world, tmp_path, 20)), "--counted-at", after
    )
    assert code == 0, out
    assert world.cli("watch", "--once")[0] == 0
    for item in (sold, sibling):
        assert state.item(item)["available_quantity"] == 20


def test_an_outage_is_waited_out_and_a_revoked_grant_stops_with_exit_3(live_sandbox, live_home, tmp_path):
    world, sold, sibling = _world(live_sandbox, live_home, tmp_path)
    state = world.state
    state.fail_next(12, status=503, path_prefix="/orders")  # Mercado Livre down for a while
    child = _watcher(world)
    try:
        wait_for(lambda: read_heartbeat(world.home).get("errors"), "the outage to be seen")
        state.sell(sold, None, 1)
        world.sold["S0"] += 1
        wait_for(
            lambda: state.item(sibling)["available_quantity"] == world.counted["S0"] - 1, "the sale after the outage"
        )  # it kept going
        code, out, _ = world.cli("status", "--json")
        assert json.loads(out)["watch"]["errors_last_hour"] >= 1
        state.revoke()  # the seller removed the app's grant: only a new authorization helps
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 3, err
    assert "Traceback" not in err
    code, out, _ = world.cli("status")
    assert "Watch:         stopped: Mercado Livre needs you to authorize melisync again" in out, out


def test_a_tick_keeps_units_held_by_an_unpaid_order_off_the_listings(live_sandbox, live_home, tmp_path):
    world, sold, sibling = _world(live_sandbox, live_home, tmp_path)
    state = world.state
    state.sell(sibling, None, 2, status="confirmed")  # Mercado Livre holds 2 units until the buyer pays
    state.sell(sold, None, 1)
    world.sold["S0"] += 1
    assert world.cli("watch", "--once")[0] == 0
    # the sale moved S0: the sold listing's twin is written without the held units (ERP 29, 2 held)
    assert state.item(sibling)["available_quantity"] == world.counted["S0"] - 1 - 2
    assert state.item(sold)["available_quantity"] == world.counted["S0"] - 1 - 2


def test_sighup_reloads_the_config(live_sandbox, live_home, tmp_path):
    world, sold, sibling = _world(live_sandbox, live_home, tmp_path)
    state = world.state
    child = _watcher(world)
    try:
        assert world.cli("config", "set", "safety_stock", "5")[0] == 0
        ticks = read_heartbeat(world.home)["ticks"]
        child.send_signal(signal.SIGHUP)
        wait_for(lambda: read_heartbeat(world.home)["ticks"] > ticks + 1, "ticks after the reload")
        state.sell(sold, None, 1)
        # the new safety stock is kept back on the listing the tick writes
        wait_for(
            lambda: state.item(sibling)["available_quantity"] == world.counted["S0"] - 1 - 5,
            "the sibling written with the reloaded safety stock",
        )
    finally:
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=60)
    assert child.returncode == 0, err

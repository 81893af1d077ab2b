"""The local commands read what a sync stored: `links` and `log`, as text and as JSON."""

from __future__ import annotations

import json
import re

import pytest

from sandbox.state import SandboxState
from services.i18n import set_language
from services.store import close_stores
from services.sync.plan import SyncKind
from tests.fixtures.sync import seed_erp
from tui.cli import main


@pytest.fixture
def sandbox_state() -> SandboxState:
    state = SandboxState(listings=0, seed=0)
    state.add_listing("Caneca", quantity=9, sku="CAN")
    state.add_listing("Sem código", quantity=5)
    state.add_listing("Caneca Full", quantity=3, sku="CAN", full=True)
    return state


def cli(capsys, *argv):
    close_stores()
    code = main(list(argv))
    return code, capsys.readouterr().out


async def test_links_and_log_show_what_the_sync_did(sandbox_state, make_engine, capsys):
    seed_erp({"CAN": 4})
    engine = make_engine()
    result = await engine.apply(await engine.plan(SyncKind.STOCK))
    caneca, nocode, full = sandbox_state.listing_ids()

    code, out = cli(capsys, "links")
    assert code == 0 and "linked" in out and caneca in out and "no_reference" in out and "3 of 3 links" in out
    code, out = cli(capsys, "links", "--state", "not_writable")
    assert full in out and caneca not in out.split("\n", 1)[1] and "Full" in out
    doc = json.loads(cli(capsys, "links", "--json")[1])
    assert doc["counts"]["linked"] == 1 and {l["listing_id"] for l in doc["links"]} == {caneca, nocode, full}

    code, out = cli(capsys, "log")
    line = next(l for l in out.splitlines() if l.startswith(f"run {result.run_id:>4}  "))
    # Local time to the minute in the user's format, no microseconds, no stray comma.
    assert re.search(r"  \d{4}-\d\d-\d\d \d\d:\d\d  stock +finished", line) and ",," not in line
    assert "  , " not in line and "." not in line.split("stock")[0]
    try:
        out = cli(capsys, "--lang", "pt_BR", "log")[1]
    finally:
        set_language("en")
    assert re.search(rf"run {result.run_id:>4}  \d\d/\d\d/\d{{4}} \d\d:\d\d  stock", out)
    code, out = cli(capsys, "log", "--run", str(result.run_id))
    assert "done     stock" in out and "9 -> 4" in out and "skipped  stock" in out and "Full" in out
    doc = json.loads(cli(capsys, "log", "--run", str(result.run_id), "--json")[1])
    assert doc["run"]["status"] == "finished" and len(doc["actions"]) == len(result.actions)


async def test_links_before_any_sync(capsys):
    code, out = cli(capsys, "links")
    assert code == 0 and "No links yet" in out
    assert cli(capsys, "log")[1].startswith("No sync has run yet")

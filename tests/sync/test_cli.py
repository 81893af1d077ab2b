"""The local commands read what a sync stored: `links` and `log`, as text and as JSON."""

from __future__ import annotations

import json
import re

import pytest

from cli.main import main
from sandbox.state import SandboxState
from services.i18n import set_language
from services.store import close_stores
from services.sync.plan import SyncKind
from tests.fixtures.sync import seed_erp
from words.reasons import say


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
    assert re.search(rf"execução {result.run_id:>4}  \d\d/\d\d/\d{{4}} \d\d:\d\d  estoque", out)
    code, out = cli(capsys, "log", "--run", str(result.run_id))
    assert "done     stock" in out and "9 -> 4" in out and "skipped  stock" in out and "Full" in out
    doc = json.loads(cli(capsys, "log", "--run", str(result.run_id), "--json")[1])
    assert doc["run"]["status"] == "finished" and len(doc["actions"]) == len(result.actions)


async def test_links_before_any_sync(capsys):
    code, out = cli(capsys, "links")
    assert code == 0 and "No links yet" in out
    assert cli(capsys, "log")[1].startswith("No sync has run yet")


async def test_a_second_run_counts_the_rows_skipped_as_before_and_log_lists_them(sandbox_state, make_engine, capsys):
    seed_erp({"CAN": 4})
    first = make_engine()
    await first.apply(await first.plan(SyncKind.STOCK))
    again = make_engine()
    result = await again.apply(await again.plan(SyncKind.STOCK))
    skipped = [a for a in result.actions if a.status.value == "skipped"]
    assert len(skipped) == 1 and "Full" in say(skipped[0].reason)  # as in the first run, for the same reason

    code, out = cli(capsys, "log")
    assert "skipped 1, unchanged 1, 1 skipped as before" in out
    code, out = cli(capsys, "log", "--run", str(result.run_id))
    assert "skipped  stock" not in out and f"1 skipped as before (as in run {result.run_id - 1})" in out
    code, out = cli(capsys, "log", "--run", str(result.run_id), "--as-before")
    assert code == 0 and out.count("skipped  stock") == 1 and "Full" in out
    doc = json.loads(cli(capsys, "log", "--run", str(result.run_id), "--json")[1])
    assert doc["run"]["skipped_as_before"] == 1 and doc["actions"] == []


async def test_status_counts_links_from_the_summary_the_sync_wrote(sandbox_state, make_engine, capsys, melisync_home):
    seed_erp({"CAN": 4})
    engine = make_engine()
    await engine.apply(await engine.plan(SyncKind.STOCK))
    expected = {"linked": 1, "no_reference": 1, "not_writable": 1}
    counts = json.loads(cli(capsys, "status", "--json")[1])["links"]
    assert {k: v for k, v in counts.items() if v} == expected
    # status never parses meli.json: the summary answers even with the link table unreadable...
    real = (melisync_home / "meli.json").read_bytes()
    (melisync_home / "meli.json").write_text("{not json")
    assert {k: v for k, v in json.loads(cli(capsys, "status", "--json")[1])["links"].items() if v} == expected
    # ...and an older home without a summary is counted from the links (status writes nothing: the next sync does).
    (melisync_home / "meli.json").write_bytes(real)
    (melisync_home / "summary.json").unlink()
    assert {k: v for k, v in json.loads(cli(capsys, "status", "--json")[1])["links"].items() if v} == expected
    assert not (melisync_home / "summary.json").exists()

"""A damaged home never oversells: every file of the home corrupted in every way, every command run on it
(no traceback, one JSON document with --json, read-only commands change no file); a truncated ledger stops
every writing command until `melisync doctor --restore` puts its last good generation back, after which the
next sync ends right."""

from __future__ import annotations

import json

import pytest

from tests.faults.world import World, clean

pytestmark = [pytest.mark.faults, pytest.mark.e2e]

HOME_FILES = (
    "erp.json",
    "meli.json",
    "journal.json",
    "connection.json",
    "secrets.json",
    "tokens.pending.json",
    "oauth_pending.json",
    "config.toml",
)
PAYLOADS = {
    "truncated": None,
    "null": b"null",
    "list": b"[1, 2]",
    "string": b'"text"',
    "number": b"42",
    "object": b'{"x": [1]}',
    "garbage": b"\x00\xff{[",
    "empty": b"",
}
READ_ONLY = (
    ("status",),
    ("status", "--json"),
    ("links",),
    ("links", "--json"),
    ("log",),
    ("log", "--json"),
    ("doctor",),
)
WRITING = (
    ("sync", "stock", "--dry-run", "--json"),
    ("sync", "all", "--yes", "--json"),
    ("config", "set", "site", "MLB"),
    ("erp", "export", "{tmp}/out.csv"),
    ("doctor", "--json"),
)


@pytest.fixture
def sandbox_state():
    from sandbox.state import SandboxState

    return SandboxState(listings=0, seed=0)


@pytest.fixture
def world(live_home, live_sandbox, tmp_path) -> World:
    world = World(live_sandbox.state, live_home.home, tmp_path, simple=6, variated=2)
    world.sell(3)
    assert world.cli("sync", "all", "--yes", "--json")[0] == 0
    return world


def _snapshot(home) -> dict:
    return {p.name: p.read_bytes() for p in sorted(home.iterdir()) if p.is_file() and not p.name.endswith(".lock")}


def _one_document(out: str) -> dict:
    return json.loads(out)  # raises if stdout holds nothing, two documents, or anything else


def test_every_home_file_damaged_every_way_gives_clear_answers(world, tmp_path):
    home = world.home
    unexpected = []
    for name in HOME_FILES:
        path = home / name
        original = path.read_bytes() if path.exists() else None
        for label, payload in PAYLOADS.items():
            if payload is None:
                payload = (original or b'{"a": 1}')[: max(1, len(original or b"") // 2)]
            path.write_bytes(payload)
            before = _snapshot(home)
            for argv in READ_ONLY:
                code, out, err = world.cli(*argv)
                assert "Traceback" not in err and code in (0, 1, 2, 3), (name, label, argv, err)
                if "unexpected error" in err:
                    unexpected.append((name, label, argv, err))
                if "--json" in argv:
                    _one_document(out)
                assert _snapshot(home) == before, (name, label, argv)  # read-only: nothing moved or changed
            for argv in WRITING:
                code, out, err = world.cli(*(a.format(tmp=tmp_path) for a in argv))
                assert "Traceback" not in err and code in (0, 1, 2, 3), (name, label, argv, err)
                if "unexpected error" in err:
                    unexpected.append((name, label, argv, err))
                if "--json" in argv:
                    _one_document(out)
                if name == "erp.json" and argv[:2] == ("sync", "all"):
                    assert code == 1 and "doctor --restore" in err  # never over a damaged ledger
            # put the file back as it was (the damaged copy a write may have set aside goes too)
            if original is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(original)
            for aside in home.glob(f"{name}.corrupt-*"):
                aside.unlink()
    assert unexpected == []
    world.sell(2)
    code, out, err = world.cli("sync", "all", "--yes", "--json")
    assert code == 0, (out, err)
    assert clean(world.check())


def test_a_truncated_ledger_stops_every_writing_command_until_doctor_restores_it(world):
    home, state = world.home, world.state
    world.sell(4)
    assert world.cli("sync", "stock", "--yes", "--json")[0] == 0  # these sales are in erp.json's last commit only
    ledger = home / "erp.json"
    ledger.write_bytes(ledger.read_bytes()[: ledger.stat().st_size // 2])
    world.sell(2)
    state.clear_log()
    before = _snapshot(home)
    for argv in (("sync", "all", "--yes", "--json"), ("sync", "stock", "--yes"), ("sync", "products", "--yes")):
        code, out, err = world.cli(*argv)
        assert code == 1 and str(ledger) in err and "erp.json.1" in err and "doctor --restore" in err, (argv, err)
    code, out, err = world.cli("erp", "import", str(world.tmp / "erp.csv"))
    assert code == 1 and "doctor --restore" in err
    assert state.writes() == []  # nothing was written to Mercado Livre
    assert {k: v for k, v in _snapshot(home).items() if k != "journal.json" and not k.startswith("journal.json.")} == {
        k: v for k, v in before.items() if k != "journal.json" and not k.startswith("journal.json.")
    }
    code, out, err = world.cli("doctor", "--json")
    report = _one_document(out)
    assert code == 1 and report["status"] == "damaged"
    code, out, err = world.cli("doctor", "--restore")
    assert code == 0, out + err
    assert "erp.json.1" in out and "put back" in out
    code, out, err = world.cli("sync", "all", "--yes", "--json")
    assert code == 0, (out, err)
    figures = world.check()
    assert clean(figures), figures

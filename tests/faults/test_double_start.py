"""Two `sync` processes started at the same instant: exactly one applies; the other is refused naming the
first one's run id and process id, with one JSON document on stdout (issue 12's acceptance: 50 double starts,
`MELISYNC_FAULT_DOUBLE_STARTS=50`; the default keeps CI quick)."""

from __future__ import annotations

import json
import os
import re

import pytest

from tests.faults.world import World, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.e2e]


@pytest.fixture
def sandbox_state():
    from sandbox.state import SandboxState

    return SandboxState(listings=0, seed=0)


def test_two_syncs_started_at_once_apply_once(live_home, live_sandbox, tmp_path):
    world = World(live_sandbox.state, live_home.home, tmp_path, simple=6, variated=0)
    state = world.state
    items = [item for item, _ in world.codes]
    state.latency_ms = 20  # a run lasts long enough for the other process to start inside it
    refused = 0
    for trial in range(int(os.environ.get("MELISYNC_FAULT_DOUBLE_STARTS") or 8)):
        for item in items[:3]:  # three listings the seller changed on the site: three writes to make
            state.set_stock(item, state.item(item)["available_quantity"] + 1)
        state.clear_log()
        go = tmp_path / f"go-{trial}"
        ready = [tmp_path / f"ready-{trial}-{n}" for n in range(2)]
        children = [
            world.spawn("sync", "stock", "--yes", "--json", FAULT_READY=str(r), FAULT_GO=str(go)) for r in ready
        ]
        wait_for(lambda ready=ready: all(r.exists() for r in ready), "both processes to be ready")
        go.touch()
        results = [child.communicate(timeout=120) for child in children]
        writes = [r for r in state.writes() if r.method == "PUT"]
        assert len(writes) == 3, (trial, [r.path for r in writes], results)
        codes = [child.returncode for child in children]
        for (out, err), child in zip(results, children, strict=True):
            assert "Traceback" not in err
            document = json.loads(out)  # exactly one JSON document, refused or not
            if child.returncode == 1:
                refused += 1
                other = next(c for c in children if c is not child)
                found = re.search(r"another sync is running \(run (\d+), stock, process (\d+)", err)
                assert found and int(found.group(2)) == other.pid, err
                assert document["status"] == "failed" and found.group(0) in document["errors"][0]["message"]
        assert sorted(codes) in ([0, 0], [0, 1]), (codes, results)
    print(f"\n{trial + 1} double starts: one applied each time ({refused} refused while the other ran)")

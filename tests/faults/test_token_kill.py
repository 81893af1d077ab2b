"""A process killed at any instant after Mercado Livre rotated the token pair: the next process finds the new
pair and uses it (the old refresh token is dead), 0 forced re-authorizations in 20 trials; `unlink` then leaves
no copy of a token anywhere in the home."""

from __future__ import annotations

import pytest

from services.connection import load_connection
from services.secrets import SecretStore
from tests.faults.world import World

pytestmark = [pytest.mark.faults, pytest.mark.e2e]


@pytest.fixture
def sandbox_state():
    from sandbox.state import SandboxState

    return SandboxState(listings=3, seed=0)


def _refreshes(state) -> int:
    return sum(r.grant_type == "refresh_token" for r in state.requests_to("/oauth/token"))


def test_a_kill_right_after_a_refresh_never_forces_a_new_authorization(live_home, live_sandbox, tmp_path):
    state = live_sandbox.state
    world = World.__new__(World)  # only its process helpers: no catalogue needed here
    world.state, world.home, world.tmp = state, live_home.home, tmp_path
    count = tmp_path / "steps"
    state.advance(7 * 3600)  # the stored access token has expired: the next call refreshes first
    child = world.spawn("sync", "stock", "--dry-run", "--json", FAULT_ARM_ON_REFRESH="1", FAULT_COUNT_FILE=str(count))
    child.communicate(timeout=120)
    assert child.returncode == 0
    steps = int(count.read_text())  # file steps from the refresh answer to the end of that run
    assert steps >= 6
    forced, killed, seen_steps = 0, 0, set()
    for trial in range(20):
        state.advance(7 * 3600)
        step = 1 + trial % min(steps, 10)  # the save of the pair and what follows it
        before = _refreshes(state)
        code, err = world.killed_run(
            kill_at=step,
            when=("before", "after")[trial % 2],
            argv=("sync", "stock", "--dry-run", "--json"),
            FAULT_ARM_ON_REFRESH="1",
        )
        assert "Traceback" not in err
        killed += code == -9
        seen_steps.add(step)
        assert _refreshes(state) == before + 1  # the child's refresh happened: the old refresh token is dead
        code, out, err = world.cli("sync", "stock", "--dry-run", "--json")
        assert "Traceback" not in err
        if code != 0 or load_connection(world.home).needs_reauthorization:
            forced += 1
            break  # the seller would have to authorize again: the trials cannot go on
        assert _refreshes(state) == before + 1  # the next process used the rotated pair as it was
    assert forced == 0 and killed == 20
    print(f"\n20 kills after a refresh (steps {sorted(seen_steps)}): {forced} forced re-authorizations")


def test_unlink_leaves_no_copy_of_a_token(live_home, live_sandbox, tmp_path):
    state = live_sandbox.state
    world = World.__new__(World)
    world.state, world.home, world.tmp = state, live_home.home, tmp_path
    state.advance(7 * 3600)
    # killed with the new pair in the write-ahead record and in a temp file of secrets.json
    code, _ = world.killed_run(
        kill_at=5, when="before", argv=("sync", "stock", "--dry-run", "--json"), FAULT_ARM_ON_REFRESH="1"
    )
    assert code == -9
    tokens = SecretStore(world.home).load_tokens()
    assert tokens is not None
    assert world.cli("unlink", "--local-only", "--purge", "--yes")[0] == 0
    for path in world.home.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert tokens.refresh_token.encode() not in content and tokens.access_token.encode() not in content, path

"""Syncs killed at any moment (kill -9) and run again: 0 unreadable files, 0 lost or doubled sales, final
stocks right, and no traceback (issue 12's acceptance). `MELISYNC_FAULT_TRIALS=100` runs the 100 random kills
of the acceptance figure; the default keeps CI quick."""

from __future__ import annotations

import time

import pytest

from tests.faults.world import World, clean, trials

pytestmark = [pytest.mark.faults, pytest.mark.e2e]


@pytest.fixture
def world(live_home, live_sandbox, tmp_path) -> World:
    from sandbox.state import SandboxState  # noqa: F401 (the live sandbox's state is the seller)

    return World(live_sandbox.state, live_home.home, tmp_path)


@pytest.fixture
def sandbox_state():
    from sandbox.state import SandboxState

    return SandboxState(listings=0, seed=0)


def _second_run(world: World) -> None:
    code, out, err = world.cli("sync", "all", "--yes", "--json")
    assert code == 0, (out, err)
    assert "Traceback" not in err


def test_a_sync_killed_at_each_commit_step_then_run_again_ends_right(world):
    world.sell(3)
    steps = world.commit_steps()  # sells booked, stocks pushed: the reference run
    world.check()
    assert steps > 5
    failures, killed = [], 0
    for step in range(1, steps + 1):
        # Before the step on odd ones, right after it on even ones: every step is a kill point once, and each
        # "after" is the "before" of the step that follows.
        when = "before" if step % 2 else "after"
        world.sell(2)
        code, err = world.killed_run(kill_at=step, when=when)
        killed += code == -9
        assert "Traceback" not in err
        _second_run(world)
        figures = world.check()
        if not clean(figures):
            failures.append((step, when, figures))
    assert failures == []
    assert killed >= steps - 2  # the run's last steps may move with the sales made meanwhile
    print(f"\nkilled at each of {steps} commit steps: 0 unreadable files, 0 lost or doubled sales, stocks right")


def test_random_kills_during_sync_all_then_a_second_run_end_right(world):
    world.sell(3)
    world.state.latency_ms = 5  # requests a little slower, so kills land in the middle of the run
    started = time.monotonic()
    world.killed_run()  # not killed: how long a process running a sync takes here
    took = time.monotonic() - started
    failures, killed = [], 0
    for trial in range(trials(6)):
        world.sell(world.random.randint(0, 3))
        code, err = world.killed_run(delay=world.random.uniform(0.4 * took, took))
        killed += code == -9
        assert code in (0, -9), err
        assert "Traceback" not in err
        _second_run(world)
        figures = world.check()
        if not clean(figures):
            failures.append((trial, figures))
    assert failures == []
    print(
        f"\n{trials(6)} random kills ({killed} landed before the run ended): 0 unreadable files, "
        "0 lost or doubled sales, stocks right"
    )

"""Two melisync processes refreshing at the same moment: both keep working, Mercado Livre sees one refresh."""

import os
import subprocess
import sys
import time
from pathlib import Path

import sandbox
from services.config import load_config
from services.meli.client import open_client
from tests.fixtures.meli import configure_home, connect_via_sandbox

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(paths, seconds=30):
    deadline = time.monotonic() + seconds
    while not all(p.exists() for p in paths):
        assert time.monotonic() < deadline, "the workers did not get ready"
        time.sleep(0.005)


async def test_two_processes_refresh_once_and_both_keep_working(live_sandbox, melisync_home, tmp_path):
    configure_home(melisync_home, live_sandbox.base_url)
    config = load_config(melisync_home)
    await connect_via_sandbox(config, live_sandbox.state, None)
    live_sandbox.state.advance(7 * 3600)  # the pair both processes load is already dead at the sandbox
    live_sandbox.state.clear_log()
    env = {**os.environ, "MELISYNC_HOME": str(melisync_home)}
    go = tmp_path / "go"
    ready = [tmp_path / "ready-a", tmp_path / "ready-b"]
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.meli.refresh_worker", str(r), str(go)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in ready
    ]
    try:
        _wait_for(ready)
        go.touch()
        results = [w.communicate(timeout=60) for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
    assert [w.returncode for w in workers] == [0, 0], [err for _, err in results]
    assert [out.strip() for out, _ in results] == [str(sandbox.SELLER_ID)] * 2
    refreshes = [r for r in live_sandbox.state.requests_to("/oauth/token") if r.grant_type == "refresh_token"]
    assert len(refreshes) == 1
    assert sum(r.status == 401 for r in live_sandbox.state.requests_to("/users/me")) == 2
    async with open_client(config) as client:  # the stored pair is the live one
        await client.me()
    assert len([r for r in live_sandbox.state.requests_to("/oauth/token")]) == 1

"""Sandbox knobs: injected faults, random 5xx, the per-app token bucket, latency, and a real socket."""

from __future__ import annotations

import httpx

from sandbox import SELLER_ID
from sandbox.state import SandboxState


async def test_fail_next_then_recovers(sandbox_state, seller_http):
    sandbox_state.fail_next(2, status=503, path_prefix="/users/me", retry_after=2)
    for _ in range(2):
        answer = await seller_http.get("/users/me")
        assert answer.status_code == 503 and answer.headers["retry-after"] == "2"
        assert answer.json()["error"] == "service_not_available"
    assert (await seller_http.get("/items/MLB1")).status_code == 404  # other paths untouched
    assert (await seller_http.get("/users/me")).status_code == 200
    assert [r.status for r in sandbox_state.requests_to("/users/me")] == [503, 503, 200]


async def test_injected_429_has_the_documented_body(sandbox_state, seller_http):
    sandbox_state.fail_next(status=429)
    answer = await seller_http.get("/users/me")
    assert answer.json() == {"message": "Too Many Requests", "error": "too_many_requests", "status": 429, "cause": []}


async def test_token_bucket_per_app(sandbox_state, seller_http):
    sandbox_state.rate, sandbox_state.burst = 1, 3
    statuses = [(await seller_http.get("/users/me")).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
    sandbox_state.advance(2)  # the bucket refills with the sandbox clock
    assert (await seller_http.get("/users/me")).status_code == 200


async def test_random_faults_are_seeded():
    def run(seed):
        state = SandboxState(seed=seed, error_rate=0.5)
        return [state.injected_fault("GET", "/x") is not None for _ in range(50)]

    assert run(3) == run(3) and any(run(3)) and not all(run(3))


def test_real_loopback_socket(live_sandbox):
    tokens = live_sandbox.state.issue_tokens()
    assert live_sandbox.base_url.startswith("http://127.0.0.1:")
    with httpx.Client(
        base_url=live_sandbox.base_url, headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ) as client:
        assert client.get("/users/me").json()["id"] == SELLER_ID
        ids = client.get(f"/users/{SELLER_ID}/items/search", params={"limit": 20}).json()["results"]
        answer = client.get("/items", params={"ids": ",".join(ids), "include_attributes": "all"})
        assert [e["code"] for e in answer.json()] == [200] * 20
        live_sandbox.state.latency_ms = 5
        assert client.get("/users/me").status_code == 200


def test_state_changes_while_the_server_thread_answers(live_sandbox):
    import threading

    state = live_sandbox.state
    item_id = state.add_listing("Concorrido", quantity=200)
    token = state.issue_tokens()["access_token"]
    reads_ok = []

    def read():
        with httpx.Client(base_url=live_sandbox.base_url, headers={"Authorization": f"Bearer {token}"}) as client:
            reads_ok.extend(client.get(f"/items/{item_id}").status_code == 200 for _ in range(40))

    reader = threading.Thread(target=read)
    reader.start()
    for _ in range(60):
        state.create_order(item_id)
    reader.join(timeout=30)
    assert reads_ok == [True] * 40
    assert state.item(item_id)["available_quantity"] == 140 and state.item(item_id)["sold_quantity"] == 60

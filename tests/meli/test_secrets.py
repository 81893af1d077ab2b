"""Where secrets live: environment (client secret) -> keyring -> the 0600 file, said as such."""

from datetime import UTC, datetime, timedelta

import pytest

from services.connection import load_connection
from services.errors import OperationFailed
from services.secrets import SECRETS_FILE, SecretStore, TokenSet

TOKENS = TokenSet("APP_USR-zq81-access", "TG-zq81-refresh", datetime.now(UTC) + timedelta(hours=6), 42)


def test_fail_backend_uses_the_private_file_and_says_so(melisync_home):
    store = SecretStore(melisync_home)
    where = store.save_tokens(TOKENS)
    path = melisync_home / SECRETS_FILE
    assert where == f"file ({path})" and path.stat().st_mode & 0o777 == 0o600
    assert store.load_tokens() == TOKENS
    facts = load_connection(melisync_home)
    assert facts.secret_store == where and facts.token_expires_at == TOKENS.expires_at and facts.user_id == 42
    assert "zq81" not in (melisync_home / "connection.json").read_text()
    assert store.set_client_secret("the-client-secret") == where
    assert store.client_secret() == "the-client-secret" and store.client_secret_store() == where
    store.delete_tokens()
    assert store.load_tokens() is None and store.client_secret() == "the-client-secret"


def test_working_keyring_keeps_secrets_out_of_the_home(melisync_home, memory_keyring):
    store = SecretStore(melisync_home)
    assert store.save_tokens(TOKENS).startswith("keyring (")
    assert store.set_client_secret("the-client-secret").startswith("keyring (")
    assert not (melisync_home / SECRETS_FILE).exists()
    assert store.load_tokens() == TOKENS and store.client_secret() == "the-client-secret"
    for path in melisync_home.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert "zq81" not in text and "the-client-secret" not in text, path
    store.delete_tokens()
    assert store.load_tokens() is None and len(memory_keyring.entries) == 1  # the client secret stays


def test_environment_wins_for_the_client_secret(melisync_home, monkeypatch):
    store = SecretStore(melisync_home)
    store.set_client_secret("from-file")
    monkeypatch.setenv("MELISYNC_CLIENT_SECRET", "from-env")
    assert store.client_secret() == "from-env" and store.client_secret_store() == "environment"


def test_a_hanging_keyring_times_out_and_the_rotated_pair_is_not_lost(melisync_home, hanging_keyring):
    store = SecretStore(melisync_home)
    where = store.save_tokens(TOKENS)  # would block forever without the timeout
    assert where.startswith("file (") and store.load_tokens() == TOKENS
    # one stall per run: later calls do not wait for it again
    assert hanging_keyring.calls == 1
    assert store.set_client_secret("s").startswith("file (") and hanging_keyring.calls == 1


def test_tokens_recorded_in_a_keyring_that_stops_answering_are_not_replaced_by_the_file(
    melisync_home, memory_keyring, monkeypatch
):
    store = SecretStore(melisync_home)
    store.save_tokens(TOKENS)
    import keyring

    from tests.fixtures.meli import HangingKeyring

    monkeypatch.setenv("MELISYNC_KEYRING_TIMEOUT", "0.2")
    hung = HangingKeyring()
    keyring.set_keyring(hung)
    try:
        with pytest.raises(OperationFailed, match="did not answer") as caught:
            store.load_tokens()
        assert "zq81" not in str(caught.value)
    finally:
        hung.release.set()


def test_reprs_hide_secrets(melisync_home):
    assert "zq81" not in repr(TOKENS) and "zq81" not in str(TOKENS)


def test_damaged_file_is_reported_without_its_content(melisync_home):
    melisync_home.mkdir(parents=True, exist_ok=True)
    (melisync_home / SECRETS_FILE).write_text('{"tokens": {"access_token": "APP_USR-zq81')
    with pytest.raises(OperationFailed) as caught:
        SecretStore(melisync_home).load_tokens()
    assert "zq81" not in str(caught.value) and "damaged" in str(caught.value)


def test_a_keyring_that_keeps_nothing_is_not_trusted(melisync_home):
    import keyring

    from tests.fixtures.meli import MemoryKeyring

    class Forgetful(MemoryKeyring):
        def set_password(self, service, username, password):
            pass  # accepted, not kept (an empty chainer backend does this)

    keyring.set_keyring(Forgetful())
    store = SecretStore(melisync_home)
    assert store.save_tokens(TOKENS).startswith("file (")
    assert store.load_tokens() == TOKENS


def _pair(n: int):
    from datetime import datetime, timedelta

    from services.secrets import TokenSet

    issued = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=n)
    return TokenSet(f"APP_USR-access-{n}", f"TG-refresh-{n}", issued + timedelta(hours=6), 1, issued)


def test_saving_a_pair_leaves_no_write_ahead_record(melisync_home):
    store = SecretStore(melisync_home)
    store.save_tokens(_pair(1))
    assert not (melisync_home / "tokens.pending.json").exists()
    assert store.load_tokens().refresh_token == "TG-refresh-1"


def test_a_pair_whose_save_was_interrupted_is_found(melisync_home):
    import json

    from services.home import write_private

    store = SecretStore(melisync_home)
    store.save_tokens(_pair(1))
    # killed after the write-ahead record: the newer pair is there, the store still has the old one
    write_private(melisync_home / "tokens.pending.json", json.dumps(_pair(2).to_dict()).encode())
    assert store.load_tokens().refresh_token == "TG-refresh-2"
    # killed between fsync and rename of secrets.json: its complete temp file holds the newest pair
    content = json.loads((melisync_home / "secrets.json").read_text())
    content["tokens"] = _pair(3).to_dict()
    (melisync_home / ".secrets.json.abc123.tmp").write_text(json.dumps(content))
    (melisync_home / ".tokens.pending.json.def.tmp").write_text('{"access_token": "APP_USR-half')  # cut short
    assert store.load_tokens().refresh_token == "TG-refresh-3"
    store.save_tokens(_pair(4))  # the next save sweeps every leftover
    assert sorted(p.name for p in melisync_home.iterdir() if "tmp" in p.name or "pending" in p.name) == []
    assert store.load_tokens().refresh_token == "TG-refresh-4"


def test_deleting_the_tokens_removes_every_copy(melisync_home):
    import json

    store = SecretStore(melisync_home)
    store.save_tokens(_pair(1))
    (melisync_home / "tokens.pending.json").write_text(json.dumps(_pair(2).to_dict()))
    (melisync_home / ".tokens.pending.json.x.tmp").write_text(json.dumps(_pair(3).to_dict()))
    store.delete_tokens()
    assert store.load_tokens() is None
    for path in melisync_home.iterdir():
        assert b"TG-refresh" not in path.read_bytes(), path

"""`config`, `connect` and `status` as an operator uses them, against a sandbox on a real loopback socket."""

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import sandbox
from cli.main import main
from services.config import load_config
from services.meli.client import open_client
from services.secrets import SECRETS_FILE
from tests.fixtures.meli import configure_home

ROOT = Path(__file__).resolve().parents[2]
URL_LINE = re.compile(r"^(http\S+/authorization\?\S+)$", re.M)


def approve_like_curl(auth_url: str) -> str:
    """What the operator does in a browser (or with `curl -si`): open the page, press Authorize,
    and read the Location the sandbox redirects to."""
    with httpx.Client(follow_redirects=False) as http:
        page = http.get(auth_url)
        if page.status_code == 302:  # already authorized: ML goes straight back with a code
            return page.headers["location"]
        assert page.status_code == 200, page.text
        tx = re.search(r'name="tx" value="([^"]+)"', page.text).group(1)
        decision = re.search(r'action="([^"]+)"', page.text).group(1)
        answer = http.post(decision, data={"tx": tx, "decision": "allow"})
        assert answer.status_code == 302
        return answer.headers["location"]


class PastingStdin(io.StringIO):
    """stdin for an in-process `connect`: when read, approve the URL printed so far and 'paste' the redirect."""

    def __init__(self, capsys, mangle=lambda url: url):
        super().__init__()
        self.capsys, self.mangle, self.printed = capsys, mangle, ""

    def isatty(self):
        return False

    def readline(self, *args):
        self.printed = self.capsys.readouterr().out
        return self.mangle(approve_like_curl(URL_LINE.search(self.printed).group(1))) + "\n"


def test_config_set_and_refusals(melisync_home, capsys):
    assert main(["config", "set", "client_id", "123"]) == 0
    assert load_config().client_id == "123"
    assert main(["config", "set", "nope", "1"]) == 2
    assert main(["config", "set", "client_secret", "x"]) == 2
    assert "set-secret" in capsys.readouterr().err


def test_set_secret_from_a_pipe_never_echoes(melisync_home, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("pipe-secret-77\n"))
    assert main(["config", "set-secret"]) == 0
    out = capsys.readouterr().out
    assert "pipe-secret-77" not in out and f"file ({melisync_home / SECRETS_FILE})" in out
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["config", "set-secret"]) == 2


def test_set_secret_on_a_terminal_uses_getpass(melisync_home, monkeypatch, capsys):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdin", Terminal(""))
    monkeypatch.setattr("getpass.getpass", lambda prompt: "typed-secret-55")
    assert main(["config", "set-secret"]) == 0
    assert "typed-secret-55" not in capsys.readouterr().out
    from services.secrets import SecretStore

    assert SecretStore(melisync_home).client_secret() == "typed-secret-55"


async def test_status_after_a_revoked_grant_says_reauthorize(connected, make_client, sandbox_state, capsys):
    from services.errors import ReauthorizationNeeded

    sandbox_state.revoke()
    async with make_client() as client:
        with pytest.raises(ReauthorizationNeeded):
            await client.me()
    assert main(["status", "--json"]) == 3
    report = json.loads(capsys.readouterr().out)
    assert report["needs_reauthorization"] and not report["connected"] and report["user_id"] == sandbox.SELLER_ID
    assert main(["status"]) == 3
    assert "re-authorization needed" in capsys.readouterr().out


def test_status_when_not_connected_is_exit_3(melisync_home, capsys):
    assert main(["status", "--json"]) == 3
    report = json.loads(capsys.readouterr().out)
    assert report["connected"] is False and report["links"] == {} and report["secret_store"] is None


def test_connect_then_status_through_the_file_store(live_sandbox, melisync_home, capsys, monkeypatch):
    configure_home(melisync_home, live_sandbox.base_url)
    monkeypatch.setattr(sys, "stdin", PastingStdin(capsys))
    assert main(["connect"]) == 0
    out = capsys.readouterr().out
    assert sandbox.SELLER_NICKNAME in out and str(sandbox.SELLER_ID) in out and "site MLB" in out
    assert main(["status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["connected"] and report["user_id"] == sandbox.SELLER_ID and report["site_id"] == "MLB"
    assert report["secret_store"] == f"file ({melisync_home / SECRETS_FILE})"
    assert report["token_expires_at"] and report["nickname"] == sandbox.SELLER_NICKNAME
    assert main(["status"]) == 0
    assert "Tokens in:     file (" in capsys.readouterr().out
    assert (melisync_home / SECRETS_FILE).stat().st_mode & 0o777 == 0o600


def test_connect_in_two_steps_for_scripts(live_sandbox, melisync_home, capsys):
    configure_home(melisync_home, live_sandbox.base_url)
    assert main(["connect", "--print-url"]) == 0
    url = capsys.readouterr().out.strip()
    assert URL_LINE.fullmatch(url)  # only the URL on stdout: `url=$(melisync connect --print-url)`
    assert main(["connect", "--redirect", approve_like_curl(url)]) == 0
    assert sandbox.SELLER_NICKNAME in capsys.readouterr().out
    assert main(["connect", "--redirect", "TG-0123456789-1"]) == 2  # the attempt was single-use
    assert "no connect attempt" in capsys.readouterr().err


def test_a_malformed_paste_is_called_malformed(live_sandbox, melisync_home, capsys, monkeypatch):
    configure_home(melisync_home, live_sandbox.base_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO("garbage\n"))
    assert main(["connect"]) == 2
    err = capsys.readouterr().err
    assert "malformed" in err and "expired" not in err and "already used" not in err


def test_connect_with_a_wrong_state_is_refused_and_changes_nothing(live_sandbox, melisync_home, capsys, monkeypatch):
    configure_home(melisync_home, live_sandbox.base_url)
    monkeypatch.setattr(sys, "stdin", PastingStdin(capsys))
    assert main(["connect"]) == 0
    capsys.readouterr()
    before = {p.name: p.read_bytes() for p in melisync_home.iterdir() if p.is_file()}
    monkeypatch.setattr(sys, "stdin", PastingStdin(capsys, mangle=lambda u: re.sub(r"state=[^&]+", "state=old", u)))
    assert main(["connect"]) == 2
    assert "state" in capsys.readouterr().err
    after = {p.name: p.read_bytes() for p in melisync_home.iterdir() if p.is_file()}
    assert after == before  # same tokens, same facts, no pending attempt left behind


async def test_no_token_leaks_into_other_files_logs_or_output(live_sandbox, melisync_home, capsys, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    configure_home(melisync_home, live_sandbox.base_url)
    monkeypatch.setattr(sys, "stdin", PastingStdin(capsys))
    await _in_thread(main, ["connect"])
    assert main(["status", "--json"]) == 0 and main(["status"]) == 0
    live_sandbox.state.advance(7 * 3600)  # force a refresh during the sync: rotated tokens count too
    async with open_client() as client:
        assert await client.all_listings()
    main(["status", "--json"])
    secrets = _every_secret(live_sandbox.state, melisync_home)
    assert len(secrets) >= 5
    printed = capsys.readouterr()
    for path in melisync_home.rglob("*"):
        if path.is_file():
            assert path.stat().st_mode & 0o777 == 0o600, path  # lock files included
        if path.is_file() and path.name != SECRETS_FILE:
            text = path.read_text(errors="replace")
            assert not [s for s in secrets if s in text], path
    for where in (caplog.text, printed.out, printed.err):
        assert not [s for s in secrets if s in where]


async def _in_thread(func, *args):
    import asyncio

    # `connect` runs its own event loop (as the CLI does): keep it off this test's loop.
    return await asyncio.to_thread(func, *args)


def _every_secret(state, home) -> set[str]:
    stored = json.loads((home / SECRETS_FILE).read_text())
    found = {stored["client_secret"], stored["tokens"]["access_token"], stored["tokens"]["refresh_token"]}
    with state.lock:
        found |= set(state._access) | set(state._refresh)  # every token the sandbox ever issued
    return found


def test_connect_as_a_separate_process_with_stdin_a_pipe(live_sandbox, melisync_home):
    """The new user's path: `melisync connect` in a shell, the redirect URL pasted into its stdin."""
    configure_home(melisync_home, live_sandbox.base_url)
    env = {**os.environ, "MELISYNC_HOME": str(melisync_home)}
    command = [sys.executable, "-m", "cli.main"]
    with subprocess.Popen(
        command + ["connect"],
        cwd=ROOT,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        url = proc.stdout.readline().strip()
        assert URL_LINE.match(url), url
        out, err = proc.communicate(approve_like_curl(url) + "\n", timeout=60)
    assert proc.returncode == 0, err
    assert sandbox.SELLER_NICKNAME in out
    status = subprocess.run(
        command + ["status", "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["connected"] and report["secret_store"].startswith("file (")


@pytest.mark.parametrize("paste", ["", "https://melisync.example/callback?error=access_denied"])
def test_connect_bad_paste_exit_2(live_sandbox, melisync_home, monkeypatch, paste, capsys):
    configure_home(melisync_home, live_sandbox.base_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(paste + "\n"))
    assert main(["connect"]) == 2
    assert "melisync:" in capsys.readouterr().err
    assert not (melisync_home / "oauth_pending.json").exists()


def test_status_counts_links_by_state(connected, capsys):
    from services.linking import Link, LinkState
    from services.store.links import LinkRepository

    LinkRepository(home=connected.home).replace_all(
        [
            Link("MLB1", None, LinkState.LINKED, "A", "A"),
            Link("MLB2", None, LinkState.LINKED, "B", "B"),
            Link("MLB3", None, LinkState.UNKNOWN_CODE, "Z", None),
        ]
    )
    assert main(["status", "--json"]) == 0
    links = json.loads(capsys.readouterr().out)["links"]
    assert links["linked"] == 2 and links["unknown_code"] == 1
    main(["status"])
    assert "linked 2" in capsys.readouterr().out

"""Connecting (S1): the authorization URL, what a pasted answer may be, and the code exchange."""

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

import sandbox
from services.connection import load_connection
from services.errors import BadInput
from services.meli import oauth
from services.secrets import SecretStore
from tests.fixtures.meli import connect_via_sandbox


def _query(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_authorization_url_has_state_and_pkce_s256(meli_config):
    url, pending = oauth.begin_authorization(meli_config)
    assert url.startswith("http://sandbox.test/authorization?")
    q = _query(url)
    assert q["response_type"] == "code" and q["client_id"] == sandbox.DEMO_CLIENT_ID
    assert q["redirect_uri"] == sandbox.DEMO_REDIRECT_URI and q["code_challenge_method"] == "S256"
    digest = hashlib.sha256(pending.code_verifier.encode()).digest()
    assert q["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert q["state"] == pending.state and pending.code_verifier not in url
    stored = meli_config.home / oauth.PENDING_FILE
    assert stored.stat().st_mode & 0o777 == 0o600
    assert pending.code_verifier not in repr(pending)
    # every attempt gets its own state
    _, again = oauth.begin_authorization(meli_config)
    assert again.state != pending.state and oauth.load_pending(meli_config.home).state == again.state


def test_missing_settings_are_bad_input(melisync_home):
    from services.config import load_config, set_setting

    with pytest.raises(BadInput, match="client_id"):
        oauth.begin_authorization(load_config(melisync_home))
    set_setting("client_id", "1", melisync_home)
    set_setting("redirect_uri", "https://x.example/cb", melisync_home)
    with pytest.raises(BadInput, match="set-secret"):
        oauth.begin_authorization(load_config(melisync_home))
    assert not (melisync_home / oauth.PENDING_FILE).exists()


@pytest.fixture
def pending(meli_config):
    return oauth.begin_authorization(meli_config)[1]


def test_paste_full_url_or_bare_code(pending):
    url = f"{sandbox.DEMO_REDIRECT_URI}?code=TG-abc123-1&state={pending.state}"
    assert oauth.code_from_paste(f"  {url}\n", pending) == "TG-abc123-1"
    assert oauth.code_from_paste("TG-abc123-1\n", pending) == "TG-abc123-1"
    assert oauth.code_from_paste(f"location: {url}\r\n", pending) == "TG-abc123-1"  # a line of `curl -si`
    # trailing slash and upper-case host are the same endpoint
    same = f"https://MELISYNC.example/callback/?state={pending.state}&code=X-123456"
    assert oauth.code_from_paste(same, pending) == "X-123456"


@pytest.mark.parametrize(
    "paste,message",
    [
        ("https://melisync.example/callback?code=TG-1&state=someone-elses", "state"),
        ("https://melisync.example/callback?code=TG-1", "no state"),
        ("https://melisync.example/callback?error=access_denied&error_description=no&state={state}", "refused"),
        ("https://evil.example/callback?code=TG-1&state={state}", "redirect URI"),
        ("http://melisync.example/callback?code=TG-1&state={state}", "redirect URI"),
        ("https://melisync.example/other?code=TG-1&state={state}", "redirect URI"),
        ("https://melisync.example/callback?state={state}", "no code"),
        ("", "nothing was pasted"),
        ("not a code!", "malformed"),
        ("garbage", "malformed"),  # `echo garbage | melisync connect`: never sent as a code
    ],
)
def test_wrong_pastes_are_refused_with_a_reason(pending, paste, message):
    with pytest.raises(BadInput, match=message):
        oauth.code_from_paste(paste.format(state=pending.state), pending)


def test_stale_or_absent_attempt(pending):
    url = f"{sandbox.DEMO_REDIRECT_URI}?code=TG-1&state={pending.state}"
    later = datetime.now(UTC) + timedelta(minutes=31)
    with pytest.raises(BadInput, match="30 minutes"):
        oauth.code_from_paste(url, pending, now=later)
    with pytest.raises(BadInput, match="no connect attempt"):
        oauth.code_from_paste(url, None)


async def test_connect_stores_tokens_and_account(meli_config, sandbox_state, asgi_transport):
    account = await connect_via_sandbox(meli_config, sandbox_state, asgi_transport)
    assert (account.user_id, account.nickname) == (sandbox.SELLER_ID, sandbox.SELLER_NICKNAME)
    connection = load_connection(meli_config.home)
    assert connection.connected and connection.site_id == "MLB" and connection.app_id == sandbox.DEMO_CLIENT_ID
    tokens = SecretStore(meli_config.home).load_tokens()
    assert tokens.user_id == sandbox.SELLER_ID and tokens.refresh_token
    assert not (meli_config.home / oauth.PENDING_FILE).exists()  # the verifier is gone after use
    grants = [r.grant_type for r in sandbox_state.requests_to("/oauth/token")]
    assert grants == ["authorization_code"]


async def test_wrong_state_leaves_the_stored_connection_untouched(connected, sandbox_state, asgi_transport):
    store = SecretStore(connected.home)
    before_tokens, before_facts = store.load_tokens(), (connected.home / "connection.json").read_bytes()
    url, _ = oauth.begin_authorization(connected)
    redirect = sandbox_state.approve(url).replace("state=", "state=x")
    with pytest.raises(BadInput, match="state"):
        await oauth.complete_authorization(connected, redirect, transport=asgi_transport)
    assert store.load_tokens() == before_tokens
    assert (connected.home / "connection.json").read_bytes() == before_facts
    assert sandbox_state.requests_to("/oauth/token") == []  # nothing was even sent


async def test_used_code_and_refused_authorization(meli_config, sandbox_state, asgi_transport):
    url, _ = oauth.begin_authorization(meli_config)
    redirect = sandbox_state.approve(url)
    await oauth.complete_authorization(meli_config, redirect, transport=asgi_transport)
    tokens = SecretStore(meli_config.home).load_tokens()
    # the same code again (a new attempt, the old URL's code pasted bare): single-use
    oauth.begin_authorization(meli_config)
    code = _query(redirect)["code"]
    with pytest.raises(BadInput, match="expired|already used"):
        await oauth.complete_authorization(meli_config, code, transport=asgi_transport)
    assert SecretStore(meli_config.home).load_tokens() == tokens
    url, _ = oauth.begin_authorization(meli_config)
    with pytest.raises(BadInput, match="access_denied"):
        await oauth.complete_authorization(meli_config, sandbox_state.deny(url), transport=asgi_transport)


def test_a_huge_paste_is_refused_before_parsing(meli_config):
    from services.meli.oauth import MAX_PASTE, begin_authorization, code_from_paste, load_pending

    begin_authorization(meli_config)
    with pytest.raises(BadInput, match="characters long"):
        code_from_paste("x" * (MAX_PASTE + 1), load_pending(meli_config.home))


def test_the_url_is_found_in_a_long_paste(meli_config):
    from services.meli.oauth import MAX_PASTE, begin_authorization, code_from_paste, load_pending

    _, pending = begin_authorization(meli_config)
    url = f"{pending.redirect_uri}?code=TG-abc123&state={pending.state}"
    noise = "HTTP/1.1 302 Found " + "x" * (MAX_PASTE - 200 - len(url))
    assert code_from_paste(f"{noise} location: {url}\r\n", load_pending(meli_config.home)) == "TG-abc123"

"""Connecting an account (S1): the authorization URL with a single-use `state` and PKCE S256, reading back
the pasted redirect URL (or bare code), and exchanging the code for tokens (docs/mercado-livre-api.md §1.1, §1.2).

Works over SSH: nothing listens for the redirect; the operator pastes the address the browser ended on.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from services.config import Config
from services.connection import update_connection
from services.errors import BadInput
from services.home import ensure_home, write_private
from services.i18n import N_
from services.meli.client import MeliClient
from services.meli.models import Account
from services.secrets import SecretStore

PENDING_FILE = "oauth_pending.json"
PENDING_MAX_AGE = timedelta(minutes=30)
_BARE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{5,}$")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
# A redirect URL is a few hundred characters; a paste far longer than this is something else (and the
# parsing below must stay quick whatever is pasted).
MAX_PASTE = 8192


@dataclass(frozen=True)
class PendingAuthorization:
    """One connect attempt: its state and PKCE verifier (kept 0600 in the home until the code is used)."""

    state: str
    code_verifier: str = field(repr=False)
    client_id: str
    redirect_uri: str
    created_at: datetime

    @property
    def code_challenge(self) -> str:
        digest = hashlib.sha256(self.code_verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def begin_authorization(config: Config, now: datetime | None = None) -> tuple[str, PendingAuthorization]:
    """Start an attempt (replacing any earlier one) and return the URL the operator opens."""
    if not config.client_id:
        raise BadInput(N_("no client_id configured: run `melisync config set client_id <APP ID>` first"))
    if not config.redirect_uri:
        raise BadInput(
            N_(
                "no redirect_uri configured: run `melisync config set redirect_uri <URL>` "
                "(exactly the one registered on your Mercado Livre application)"
            )
        )
    if not SecretStore(config.home).hidden_client_secret().value:
        # Checked now, not after the operator has been through the browser.
        raise BadInput(N_("no client secret: run `melisync config set-secret` first (it reads the secret from stdin)"))
    pending = PendingAuthorization(
        state=secrets.token_urlsafe(24),
        code_verifier=secrets.token_urlsafe(64),
        client_id=config.client_id,
        redirect_uri=config.redirect_uri,
        created_at=now or datetime.now(UTC),
    )
    data = asdict(pending) | {"created_at": pending.created_at.isoformat()}
    write_private(ensure_home(config.home) / PENDING_FILE, json.dumps(data).encode("utf-8"))
    return authorization_url(config, pending), pending


def authorization_url(config: Config, pending: PendingAuthorization) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": pending.client_id,
            "redirect_uri": pending.redirect_uri,
            "state": pending.state,
            "code_challenge": pending.code_challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{config.auth_url.rstrip('/')}/authorization?{query}"


def load_pending(home: Path) -> PendingAuthorization | None:
    try:
        data = json.loads((Path(home) / PENDING_FILE).read_text("utf-8"))
        data["created_at"] = datetime.fromisoformat(data["created_at"])
        return PendingAuthorization(**data)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError):
        return None


def discard_pending(home: Path) -> None:
    """The verifier is single-use: removed once a code is exchanged (or the attempt is abandoned)."""
    (Path(home) / PENDING_FILE).unlink(missing_ok=True)


def code_from_paste(text: str, pending: PendingAuthorization | None, now: datetime | None = None) -> str:
    """The authorization code from what the operator pasted: the full redirect URL, or just the code.

    Refuses (BadInput, nothing stored) a URL for another redirect URI, a refusal (`error=access_denied`),
    a missing or foreign `state`, a missing code, and an attempt older than 30 minutes.
    """
    if pending is None:
        raise BadInput(N_("no connect attempt is in progress: run `melisync connect` and paste the URL it leads to"))
    now = now or datetime.now(UTC)
    if now - pending.created_at > PENDING_MAX_AGE:
        raise BadInput(N_("this connect attempt is more than 30 minutes old: run `melisync connect` again"))
    text = (text or "").strip().strip("'\"<>").strip()
    if len(text) > MAX_PASTE:
        raise BadInput(
            N_(
                "the pasted text is {count:,} characters long; the address to paste is much shorter: copy only the address your browser ended on after authorizing"
            ),
            count=len(text),
        )
    embedded = _embedded_url(text)
    if embedded:  # e.g. the whole `location: https://...` line copied from `curl -si`
        text = embedded.rstrip("'\">")
    if not text:
        raise BadInput(
            N_("nothing was pasted: paste the address your browser ended on after authorizing (or the code)")
        )
    if not _looks_like_url(text):
        # A code is letters, digits and dashes, with a digit and a dash in it ("TG-61828b7f...-314029626",
        # docs/ml-api.md): a stray word ("garbage") is a malformed paste, never sent as a code (it was
        # answered "expired or already used", which sent the operator looking for the wrong problem).
        if not (_BARE_CODE.match(text) and "-" in text and any(c.isdigit() for c in text)):
            raise BadInput(
                N_(
                    "the pasted text is malformed: it is neither the redirect URL nor an authorization "
                    "code; paste the whole address your browser ended on after you clicked to authorize"
                )
            )
        return text
    parts = urlsplit(text)
    if parts.scheme and not _same_endpoint(text, pending.redirect_uri):
        raise BadInput(
            N_(
                "the pasted URL does not go to the configured redirect URI ({redirect_uri}); paste the address Mercado Livre sent your browser to"
            ),
            redirect_uri=pending.redirect_uri,
        )
    params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    error = params.get("error")
    if error == "access_denied":
        raise BadInput(
            N_(
                "the authorization was refused on Mercado Livre (access_denied); run `melisync connect` "
                "again and choose to allow melisync, logged in as the account's administrator"
            )
        )
    if error:
        detail = params.get("error_description") or ""
        raise BadInput(
            N_("Mercado Livre did not authorize: {error}; check client_id and redirect_uri, then connect again"),
            error=f"{error} {detail}".rstrip(),
        )
    state = params.get("state")
    if not state:
        raise BadInput(N_("the pasted URL has no state: paste the complete address, including everything after '?'"))
    if not secrets.compare_digest(state, pending.state):
        raise BadInput(
            N_(
                "the state in the pasted URL does not belong to this connect attempt (an older link, or "
                "someone else's): open the URL printed by this `melisync connect` and paste where it leads"
            )
        )
    code = params.get("code")
    if not code:
        raise BadInput(N_("the pasted URL has no code: paste the address after authorizing, including `code=...`"))
    return code


async def complete_authorization(
    config: Config, pasted: str, *, store: SecretStore | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> Account:
    """Check the paste, exchange the code (PKCE), store the tokens and the account facts; the Account."""
    store = store or SecretStore(config.home)
    pending = load_pending(config.home)
    code = code_from_paste(pasted, pending, now=None)
    assert pending is not None  # code_from_paste refused a paste with no connect attempt in progress
    if pending.redirect_uri != config.redirect_uri or pending.client_id != config.client_id:
        raise BadInput(
            N_("client_id or redirect_uri changed since this connect attempt began: run `melisync connect` again")
        )
    async with MeliClient(config, store, transport=transport) as client:
        discard_pending(config.home)  # single-use, whatever the token endpoint answers
        await client.exchange_code(code, pending)
        account = await client.me()
    update_connection(
        config.home,
        connected=True,
        needs_reauthorization=False,
        user_id=account.user_id,
        nickname=account.nickname,
        site_id=account.site_id,
        tags=account.tags,
        connected_at=datetime.now(UTC),
        app_id=config.client_id,
    )
    return account


def _embedded_url(text: str) -> str | None:
    """The first `scheme://...` in `text` up to the next whitespace, found in one pass (a regex searching for
    a scheme at every position was quadratic on a long paste)."""
    start = 0
    while True:
        mark = text.find("://", start)
        if mark < 0:
            return None
        begin = mark
        while begin > 0 and text[begin - 1] in _SCHEME_CHARS:
            begin -= 1
        while begin < mark and not text[begin].isalpha():  # a scheme starts with a letter
            begin += 1
        end = mark + 3
        while end < len(text) and not text[end].isspace():
            end += 1
        if begin < mark and text[begin].isascii() and end > mark + 3:
            return text[begin:end]
        start = mark + 3


def _looks_like_url(text: str) -> bool:
    return "://" in text or text.startswith(("?", "/")) or "code=" in text or "error=" in text or "state=" in text


def _same_endpoint(pasted: str, configured: str) -> bool:
    """Scheme, host, port and path equal (query and fragment are the redirect's own)."""
    a, b = urlsplit(pasted), urlsplit(configured)
    try:
        ports = (a.port or _default_port(a.scheme), b.port or _default_port(b.scheme))
    except ValueError:
        return False
    return (
        a.scheme.lower() == b.scheme.lower()
        and (a.hostname or "").lower() == (b.hostname or "").lower()
        and ports[0] == ports[1]
        and (a.path or "/").rstrip("/") == (b.path or "/").rstrip("/")
    )


def _default_port(scheme: str) -> int | None:
    return {"http": 80, "https": 443}.get(scheme.lower())

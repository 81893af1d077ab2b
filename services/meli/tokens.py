"""The token pair a client uses: refreshed ahead of expiry and after a 401, once, for every coroutine and
every process of the same home (docs/mercado-livre-api.md §1.3, §12.1: the refresh token is single-use)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from services.connection import load_connection, update_connection
from services.errors import NotConnected, OperationFailed, ReauthorizationNeeded
from services.i18n import N_, _
from services.meli.errors import MeliApiError
from services.secrets import SecretStore, TokenSet

log = logging.getLogger("melisync.meli")

REFRESH_AHEAD_SECONDS = 300  # refresh 5 minutes before expiry
LOCK_FILE = ".refresh.lock"
LOCK_TIMEOUT_SECONDS = 120

REAUTHORIZE = N_(
    "Mercado Livre no longer accepts this connection (the authorization was revoked, expired or "
    "replaced): run `melisync connect` to authorize again; the old tokens are kept"
)

RefreshGrant = Callable[[TokenSet], Awaitable[TokenSet]]

# What Mercado Livre answers on a refresh token it will never accept again.
DEAD_GRANT_ERRORS = frozenset({"invalid_grant", "invalid_token", "unauthorized_client", "unauthorized_application"})


class TokenKeeper:
    """Hands out a valid access token; refreshes under an asyncio lock and a file lock in the home.

    After taking the file lock it re-reads the stored pair: another process may have refreshed already,
    and refreshing again with the same (single-use) refresh token would disconnect the seller.
    """

    def __init__(self, store: SecretStore, refresh_grant: RefreshGrant, now: Callable[[], datetime] | None = None):
        self._now = now or (lambda: datetime.now(UTC))  # tests run it on the sandbox's clock
        self._store = store
        self._refresh_grant = refresh_grant
        self._tokens: TokenSet | None = None
        self._lock = asyncio.Lock()
        self._lock_path = Path(store.home) / LOCK_FILE

    def __repr__(self) -> str:
        expires = self._tokens.expires_at.isoformat() if self._tokens else None
        return f"TokenKeeper(home={str(self._store.home)!r}, expires_at={expires!r})"

    async def valid(self) -> TokenSet:
        """A pair whose access token is not about to expire (refreshing first if it is)."""
        tokens = await self.current()
        if tokens.due_for_refresh(REFRESH_AHEAD_SECONDS, self._now()):
            tokens = await self.refresh(rejected=tokens)
        return tokens

    async def current(self) -> TokenSet:
        if self._tokens is None:
            async with self._lock:
                if self._tokens is None:
                    if load_connection(self._store.home).needs_reauthorization:
                        # Mercado Livre already refused the refresh token: asking again cannot help.
                        raise ReauthorizationNeeded(REAUTHORIZE)
                    loaded = await asyncio.to_thread(self._store.load_tokens)
                    if loaded is None:
                        raise NotConnected(N_("no Mercado Livre account is connected: run `melisync connect`"))
                    self._tokens = loaded
        return self._tokens

    async def adopt(self, tokens: TokenSet) -> None:
        """Use a pair obtained elsewhere (the code exchange): persisted first, then used."""
        async with self._lock:
            await asyncio.to_thread(self._store.save_tokens, tokens)
            self._tokens = tokens

    async def refresh(self, rejected: TokenSet) -> TokenSet:
        """A pair newer than `rejected` (refused or about to expire); refreshes only if nobody else has."""
        async with self._lock:
            if self._tokens is not None and self._tokens.access_token != rejected.access_token:
                return self._tokens  # another coroutine of this process refreshed meanwhile
            lock = FileLock(str(self._lock_path), thread_local=False, mode=0o600)
            await _acquire(lock)
            try:
                return await self._refresh_locked(rejected)
            finally:
                lock.release()

    async def _refresh_locked(self, rejected: TokenSet) -> TokenSet:
        stored = await asyncio.to_thread(self._store.load_tokens)
        if (
            stored is not None
            and stored.access_token != rejected.access_token
            and not stored.due_for_refresh(REFRESH_AHEAD_SECONDS, self._now())
        ):
            log.info("using the token pair another process just refreshed")
            self._tokens = stored
            return stored
        base = stored or self._tokens
        if base is None or not base.refresh_token:
            raise ReauthorizationNeeded(N_("there is no refresh token: run `melisync connect` to authorize again"))
        try:
            fresh = await self._refresh_grant(base)
        except MeliApiError as exc:
            if exc.status in (400, 401, 403) and exc.error in DEAD_GRANT_ERRORS:
                # Keep the tokens (for inspection); no retry loop: only the seller can fix this.
                await asyncio.to_thread(update_connection, self._store.home, needs_reauthorization=True)
                raise ReauthorizationNeeded(
                    N_("{reauthorize} ({error})"), reauthorize=_(REAUTHORIZE), error=exc.error
                ) from None
            raise
        if fresh.user_id is None:
            fresh = replace(fresh, user_id=base.user_id)
        # Persist before use: if this process dies now, the next one finds the rotated pair.
        await asyncio.to_thread(self._store.save_tokens, fresh)
        await asyncio.to_thread(update_connection, self._store.home, needs_reauthorization=False)
        self._tokens = fresh
        log.info("access token refreshed; valid until %s", fresh.expires_at.isoformat())
        return fresh


async def _acquire(lock: FileLock) -> None:
    """Take the cross-process refresh lock without blocking the event loop (and cancellable: nothing is
    left holding it). Another process refreshing holds it for one HTTP round trip."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LOCK_TIMEOUT_SECONDS
    while True:
        try:
            lock.acquire(blocking=False)
            return
        except Timeout:
            if loop.time() > deadline:
                raise OperationFailed(
                    N_(
                        "another melisync process has held {lock_file} for {lock_timeout_seconds}s while refreshing the token; try again"
                    ),
                    lock_file=lock.lock_file,
                    lock_timeout_seconds=LOCK_TIMEOUT_SECONDS,
                ) from None
            await asyncio.sleep(0.02)

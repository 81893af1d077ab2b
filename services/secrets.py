"""Where the client secret and the tokens live (architecture.md §4): environment (client secret only) ->
system keyring -> `secrets.json` (0600) in the home, used only when no keyring backend works, and said so.

Keyring calls run in a helper thread with a timeout (a locked Secret Service can hang forever).
Nothing here puts a secret into a repr, a log line or an exception message.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.errors
from keyring.backends.chainer import ChainerBackend
from filelock import FileLock

from services.connection import load_connection, update_connection
from services.errors import OperationFailed
from services.home import ensure_home, write_private

log = logging.getLogger("melisync.secrets")

CLIENT_SECRET_ENV = "MELISYNC_CLIENT_SECRET"
KEYRING_SERVICE = "melisync"
SECRETS_FILE = "secrets.json"
KEYRING_TIMEOUT_ENV = "MELISYNC_KEYRING_TIMEOUT"


@dataclass(frozen=True)
class TokenSet:
    """An access/refresh token pair with its expiry. The repr shows neither token."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    user_id: int | None = None
    issued_at: datetime | None = None

    @classmethod
    def from_grant(cls, payload: dict, now: datetime | None = None) -> "TokenSet":
        """From the `/oauth/token` answer (ml-api.md §1.2): `expires_in` seconds from now."""
        now = now or datetime.now(timezone.utc)
        return cls(
            access_token=str(payload["access_token"]),
            refresh_token=str(payload.get("refresh_token") or ""),
            expires_at=now + timedelta(seconds=int(payload.get("expires_in") or 0)),
            user_id=int(payload["user_id"]) if payload.get("user_id") is not None else None,
            issued_at=now,
        )

    def expires_within(self, seconds: float, now: datetime | None = None) -> bool:
        now = now or datetime.now(timezone.utc)
        return self.expires_at - now <= timedelta(seconds=seconds)

    def due_for_refresh(self, ahead: float, now: datetime | None = None) -> bool:
        """Within `ahead` seconds of expiry, or past half its life if it was issued shorter than that
        (a short-lived token must not be refreshed before every request)."""
        if self.issued_at is not None:
            ahead = min(ahead, (self.expires_at - self.issued_at).total_seconds() / 2)
        return self.expires_within(ahead, now)

    def to_dict(self) -> dict:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.isoformat(),
            "user_id": self.user_id,
            "issued_at": self.issued_at.isoformat() if self.issued_at else None,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "TokenSet":
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=str(data.get("refresh_token") or ""),
            expires_at=datetime.fromisoformat(data["expires_at"]),
            user_id=data.get("user_id"),
            issued_at=datetime.fromisoformat(data["issued_at"]) if data.get("issued_at") else None,
        )


class KeyringUnavailable(Exception):
    """No keyring backend works here (none installed, the `fail` backend, an error, or no answer in time)."""


def keyring_timeout() -> float:
    try:
        return float(os.environ.get(KEYRING_TIMEOUT_ENV, "10"))
    except ValueError:
        return 10.0


def keyring_backend_name() -> str:
    """The backend keyring chose here, as `status` names it ("SecretService Keyring", ...)."""
    return backend_label(keyring.get_keyring())


_silent_backends: "weakref.WeakSet" = weakref.WeakSet()


def _keyring_call(method: str, *args: str):
    """Call `keyring.<method>(*args)` in a daemon thread; KeyringUnavailable if it fails or hangs."""
    backend = keyring.get_keyring()
    if isinstance(backend, keyring.backends.fail.Keyring) or (
            isinstance(backend, ChainerBackend) and not backend.backends):
        raise KeyringUnavailable("no keyring backend is available")
    if backend in _silent_backends:
        raise KeyringUnavailable(f"the keyring ({backend_label(backend)}) did not answer earlier in this run")
    outcome: list = []

    def call() -> None:
        try:
            outcome.append(("ok", getattr(backend, method)(*args)))
        except keyring.errors.PasswordDeleteError:
            outcome.append(("ok", None))  # nothing to delete is fine
        except Exception as exc:  # any backend failure (D-Bus, locked, ...) means "not usable"
            outcome.append(("error", type(exc).__name__))

    # A daemon thread, not an executor: a hung Secret Service must not keep the process alive at exit.
    worker = threading.Thread(target=call, name="melisync-keyring", daemon=True)
    worker.start()
    worker.join(keyring_timeout())
    if not outcome:
        _silent_backends.add(backend)  # one stall per run is enough: later calls go straight to the fallback
        raise KeyringUnavailable(f"the keyring ({backend_label(backend)}) did not answer in {keyring_timeout():g}s")
    kind, value = outcome[0]
    if kind == "error":
        raise KeyringUnavailable(f"the keyring ({backend_label(backend)}) failed: {value}")
    return value


def _keyring_store(key: str, value: str) -> None:
    """Write and read back: a backend that accepts a write and keeps nothing (an empty chainer) must not
    swallow a single-use refresh token."""
    _keyring_call("set_password", KEYRING_SERVICE, key, value)
    if _keyring_call("get_password", KEYRING_SERVICE, key) != value:
        raise KeyringUnavailable(f"the keyring ({keyring_backend_name()}) did not keep what was written")


def backend_label(backend) -> str:
    return str(getattr(backend, "name", type(backend).__name__))


class SecretStore:
    """The client secret and the token pair of one melisync home."""

    def __init__(self, home: Path):
        self.home = Path(home)
        self.file = self.home / SECRETS_FILE
        self._user = str(self.home.resolve())

    def __repr__(self) -> str:
        return f"SecretStore(home={str(self.home)!r})"

    # -- client secret -------------------------------------------------------------------------------

    def client_secret(self) -> str | None:
        """Environment, then keyring, then the file."""
        if os.environ.get(CLIENT_SECRET_ENV):
            return os.environ[CLIENT_SECRET_ENV]
        try:
            value = _keyring_call("get_password", KEYRING_SERVICE, self._key("client_secret"))
            if value:
                return value
        except KeyringUnavailable as exc:
            log.debug("client secret: %s; trying %s", exc, self.file)
        return self._read_file().get("client_secret")

    def client_secret_store(self) -> str | None:
        """Where the client secret in force comes from, for `status` (None when there is none)."""
        if os.environ.get(CLIENT_SECRET_ENV):
            return "environment"
        try:
            if _keyring_call("get_password", KEYRING_SERVICE, self._key("client_secret")):
                return f"keyring ({keyring_backend_name()})"
        except KeyringUnavailable:
            pass
        return f"file ({self.file})" if self._read_file().get("client_secret") else None

    def set_client_secret(self, value: str) -> str:
        """Store the client secret: keyring if one works, else the 0600 file. Returns where it went."""
        value = value.strip()
        try:
            _keyring_store(self._key("client_secret"), value)
        except KeyringUnavailable as exc:
            log.info("client secret goes to %s: %s", self.file, exc)
            self._update_file(client_secret=value)
            return f"file ({self.file})"
        self._update_file(client_secret=None)
        return f"keyring ({keyring_backend_name()})"

    # -- tokens --------------------------------------------------------------------------------------

    def load_tokens(self) -> TokenSet | None:
        """The stored pair, read from where it was last saved (recorded in connection.json)."""
        recorded = load_connection(self.home).secret_store or ""
        if not recorded.startswith("file"):
            try:
                raw = _keyring_call("get_password", KEYRING_SERVICE, self._key("tokens"))
            except KeyringUnavailable as exc:
                if recorded.startswith("keyring"):
                    # The tokens are in the keyring: falling back to the file would find nothing (or old ones).
                    raise OperationFailed(f"{exc}; the tokens are stored there. Unlock the keyring and try again")
                raw = None
            if raw:
                return TokenSet.from_dict(json.loads(raw))
        data = self._read_file().get("tokens")
        return TokenSet.from_dict(data) if data else None

    def save_tokens(self, tokens: TokenSet) -> str:
        """Persist the pair (keyring, else the file) and record where and until when. Returns where."""
        try:
            _keyring_store(self._key("tokens"), json.dumps(tokens.to_dict()))
            where = f"keyring ({keyring_backend_name()})"
            if "tokens" in self._read_file():
                self._update_file(tokens=None)
        except KeyringUnavailable as exc:
            # Never lose a rotated pair: the refresh token is single-use.
            log.info("tokens go to %s: %s", self.file, exc)
            self._update_file(tokens=tokens.to_dict())
            where = f"file ({self.file})"
        changes: dict = {"secret_store": where, "token_expires_at": tokens.expires_at}
        if tokens.user_id is not None:
            changes["user_id"] = tokens.user_id
        update_connection(self.home, **changes)
        return where

    def delete_tokens(self) -> None:
        """Remove the pair from every store (unlink). The client secret stays."""
        try:
            _keyring_call("delete_password", KEYRING_SERVICE, self._key("tokens"))
        except KeyringUnavailable:
            pass
        if "tokens" in self._read_file():
            self._update_file(tokens=None)

    # -- the 0600 file -------------------------------------------------------------------------------

    def _key(self, what: str) -> str:
        # One keyring entry per home: the demo and tests use throw-away homes next to the real one.
        return f"{what}:{self._user}"

    def _read_file(self) -> dict:
        try:
            data = json.loads(self.file.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            raise OperationFailed(f"{self.file} is damaged; remove it and run `melisync connect` again") from None
        return data if isinstance(data, dict) else {}

    def _update_file(self, **changes) -> None:
        ensure_home(self.home)
        with FileLock(str(self.home / ".secrets.lock"), mode=0o600):
            data = self._read_file()
            for key, value in changes.items():
                if value is None:
                    data.pop(key, None)
                else:
                    data[key] = value
            if data:
                write_private(self.file, json.dumps(data, indent=2).encode("utf-8"))
            else:
                self.file.unlink(missing_ok=True)

"""Where the client secret and the tokens live (docs/architecture.md §4): environment (client secret only) ->
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
from filelock import FileLock
from keyring.backends.chainer import ChainerBackend

from services.connection import CLIENT_SECRET_ENV, load_connection, record_client_secret_store, update_connection
from services.errors import OperationFailed
from services.home import ensure_home, write_private
from services.i18n import N_
from services.os_errors import os_problem

log = logging.getLogger("melisync.secrets")

KEYRING_SERVICE = "melisync"
SECRETS_FILE = "secrets.json"
PENDING_FILE = "tokens.pending.json"  # write-ahead record of a pair being saved (see SecretStore.save_tokens)
KEYRING_TIMEOUT_ENV = "MELISYNC_KEYRING_TIMEOUT"

T = TypeVar("T")


@dataclass(frozen=True)
class TokenSet:
    """An access/refresh token pair with its expiry. The repr shows neither token."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    user_id: int | None = None
    issued_at: datetime | None = None

    @classmethod
    def from_grant(cls, payload: dict[str, Any] | Hidden[Any], now: datetime | None = None) -> TokenSet:
        """From the `/oauth/token` answer (docs/mercado-livre-api.md §1.2): `expires_in` seconds from now."""
        payload = payload if isinstance(payload, Hidden) else Hidden(payload)  # no plain secret in this frame
        now = now or datetime.now(UTC)
        try:
            return cls(
                access_token=str(payload.value["access_token"]),
                refresh_token=str(payload.value.get("refresh_token") or ""),
                expires_at=now + timedelta(seconds=int(payload.value.get("expires_in") or 0)),
                user_id=int(payload.value["user_id"]) if payload.value.get("user_id") is not None else None,
                issued_at=now,
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise OperationFailed(
                N_("Mercado Livre's token answer is incomplete (no access_token); try again")
            ) from None

    def expires_within(self, seconds: float, now: datetime | None = None) -> bool:
        now = now or datetime.now(UTC)
        return self.expires_at - now <= timedelta(seconds=seconds)

    def due_for_refresh(self, ahead: float, now: datetime | None = None) -> bool:
        """Within `ahead` seconds of expiry, or past half its life if it was issued shorter than that
        (a short-lived token must not be refreshed before every request)."""
        if self.issued_at is not None:
            ahead = min(ahead, (self.expires_at - self.issued_at).total_seconds() / 2)
        return self.expires_within(ahead, now)

    def to_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.isoformat(),
            "user_id": self.user_id,
            "issued_at": self.issued_at.isoformat() if self.issued_at else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | Hidden[Any]) -> TokenSet:
        data = data if isinstance(data, Hidden) else Hidden(data)  # no plain secret in this frame
        try:
            return cls(
                access_token=str(data.value["access_token"]),
                refresh_token=str(data.value.get("refresh_token") or ""),
                expires_at=datetime.fromisoformat(data.value["expires_at"]),
                user_id=data.value.get("user_id"),
                issued_at=datetime.fromisoformat(data.value["issued_at"]) if data.value.get("issued_at") else None,
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise OperationFailed(N_("the stored tokens are damaged: run `melisync connect` again")) from None


class Hidden(Generic[T]):
    """A secret value that never shows itself: repr/str are masked, so a traceback that prints locals
    (Textual's crash screen does) or a log line cannot reveal it. Unwrap with `.value` at the point of use."""

    __slots__ = ("value",)

    def __init__(self, value: T):
        self.value = value

    def __repr__(self) -> str:
        return "Hidden(***)"

    __str__ = __repr__


class KeyringUnavailable(OperationFailed):
    """No keyring backend works here (none installed, the `fail` backend, an error, or no answer in time)."""


def keyring_timeout() -> float:
    try:
        return float(os.environ.get(KEYRING_TIMEOUT_ENV, "10"))
    except ValueError:
        return 10.0


def keyring_backend_name() -> str:
    """The backend keyring chose here, as `status` names it ("SecretService Keyring", ...)."""
    return backend_label(keyring.get_keyring())


_silent_backends: weakref.WeakSet[keyring.backend.KeyringBackend] = weakref.WeakSet()


def _keyring_call(method: str, *args: str | Hidden[str]) -> Hidden[Any]:
    """Call `keyring.<method>(*args)` in a daemon thread; the answer comes back Hidden.
    KeyringUnavailable if the backend fails or hangs (the message names the error type, never a value)."""
    backend = keyring.get_keyring()
    if isinstance(backend, keyring.backends.fail.Keyring) or (
        isinstance(backend, ChainerBackend) and not backend.backends
    ):
        raise KeyringUnavailable(N_("no keyring backend is available"))
    if backend in _silent_backends:
        raise KeyringUnavailable(
            N_("the keyring ({backend}) did not answer earlier in this run"), backend=backend_label(backend)
        )
    outcome: list[Hidden[Any] | str] = []  # the answer, or the name of the error the backend raised

    def call() -> None:
        try:
            outcome.append(Hidden(getattr(backend, method)(*(a.value if isinstance(a, Hidden) else a for a in args))))
        except keyring.errors.PasswordDeleteError:
            outcome.append(Hidden(None))  # nothing to delete is fine
        except Exception as exc:  # any backend failure (D-Bus, locked, ...) means "not usable"
            outcome.append(type(exc).__name__)

    # A daemon thread, not an executor: a hung Secret Service must not keep the process alive at exit.
    worker = threading.Thread(target=call, name="melisync-keyring", daemon=True)
    worker.start()
    worker.join(keyring_timeout())
    if not outcome:
        _silent_backends.add(backend)  # one stall per run is enough: later calls go straight to the fallback
        raise KeyringUnavailable(
            N_("the keyring ({backend}) did not answer in {seconds:g} s"),
            backend=backend_label(backend),
            seconds=keyring_timeout(),
        )
    if not isinstance(outcome[0], Hidden):
        raise KeyringUnavailable(
            N_("the keyring ({backend}) failed: {error}"), backend=backend_label(backend), error=outcome[0]
        )
    return outcome[0]


def _keyring_store(key: str, value: Hidden[str]) -> None:
    """Write and read back: a backend that accepts a write and keeps nothing (an empty chainer) must not
    swallow a single-use refresh token."""
    _keyring_call("set_password", KEYRING_SERVICE, key, value)
    if _keyring_call("get_password", KEYRING_SERVICE, key).value != value.value:
        raise KeyringUnavailable(
            N_("the keyring ({backend}) did not keep what was written"), backend=keyring_backend_name()
        )


def backend_label(backend: keyring.backend.KeyringBackend) -> str:
    return str(getattr(backend, "name", type(backend).__name__))


class SecretStore:
    """The client secret and the token pair of one melisync home.

    Inside, secrets travel as `Hidden` values so that no frame of a traceback holds one in plain sight.
    """

    def __init__(self, home: Path):
        self.home = Path(home)
        self.file = self.home / SECRETS_FILE
        self._user = str(self.home.resolve())

    def __repr__(self) -> str:
        return f"SecretStore(home={str(self.home)!r})"

    # -- client secret -------------------------------------------------------------------------------

    def client_secret(self) -> str | None:
        """Environment, then keyring, then the file."""
        return self.hidden_client_secret().value

    def hidden_client_secret(self) -> Hidden[str | None]:
        """The same, wrapped: for code that must not hold it in a plain local."""
        if os.environ.get(CLIENT_SECRET_ENV):
            return Hidden(os.environ[CLIENT_SECRET_ENV])
        try:
            found = _keyring_call("get_password", KEYRING_SERVICE, self._key("client_secret"))
            if found.value:
                return found
        except KeyringUnavailable as exc:
            log.debug("client secret: %s; trying %s", exc, self.file)
        return Hidden(self._read_file().value.get("client_secret"))

    def client_secret_store(self) -> str | None:
        """Where the client secret in force comes from, for `status` (None when there is none)."""
        if os.environ.get(CLIENT_SECRET_ENV):
            return "environment"
        try:
            if _keyring_call("get_password", KEYRING_SERVICE, self._key("client_secret")).value:
                return f"keyring ({keyring_backend_name()})"
        except KeyringUnavailable:
            pass
        return f"file ({self.file})" if self._read_file().value.get("client_secret") else None

    def set_client_secret(self, value: str) -> str:
        """Store the client secret: keyring if one works, else the 0600 file. Returns where it went."""
        secret = Hidden(value.strip())
        del value
        try:
            _keyring_store(self._key("client_secret"), secret)
        except KeyringUnavailable as exc:
            log.info("client secret goes to %s: %s", self.file, exc)
            self._update_file(client_secret=secret)
            where = f"file ({self.file})"
        else:
            self._update_file(client_secret=None)
            where = f"keyring ({keyring_backend_name()})"
        record_client_secret_store(self.home, where)
        return where

    # -- tokens --------------------------------------------------------------------------------------

    def load_tokens(self) -> TokenSet | None:
        """The newest pair: where it was last saved (recorded in connection.json), or a rotated pair whose save
        a crash interrupted (the write-ahead record or a finished temp file, see `_unsaved_pairs`)."""
        stored = self._load_saved_tokens()
        unsaved = self._unsaved_pairs()
        if unsaved and (stored is None or _issued(unsaved[0]) > _issued(stored)):
            log.info("using a rotated token pair whose save was interrupted")
            return unsaved[0]
        return stored

    def _load_saved_tokens(self) -> TokenSet | None:
        recorded = load_connection(self.home).secret_store or ""
        if not recorded.startswith("file"):
            try:
                found = _keyring_call("get_password", KEYRING_SERVICE, self._key("tokens"))
            except KeyringUnavailable as exc:
                if recorded.startswith("keyring"):
                    # The tokens are in the keyring: falling back to the file would find nothing (or old ones).
                    raise OperationFailed(
                        N_("{exc}; the tokens are stored there. Unlock the keyring and try again"), exc=exc
                    ) from None
                found = Hidden(None)
            if found.value:
                return TokenSet.from_dict(json.loads(found.value))
        stored = self._read_file()
        return TokenSet.from_dict(stored.value["tokens"]) if stored.value.get("tokens") else None

    def save_tokens(self, tokens: TokenSet) -> str:
        """Persist the pair (keyring, else the file) and record where and until when. Returns where.

        The pair is first written to a write-ahead record (`tokens.pending.json`, 0600, fsynced), removed once
        the pair is in its store: a process killed at any instant of the save leaves the rotated pair where the
        next process finds it (the refresh token is single-use: the old one no longer works)."""
        ensure_home(self.home)
        try:
            write_private(self.pending_file, json.dumps(tokens.to_dict()).encode("utf-8"))
        except OSError as exc:
            raise OperationFailed(
                N_("could not write {pending_file}: {why}; free some disk space and run again"),
                pending_file=self.pending_file,
                why=os_problem(exc),
            ) from None
        try:
            _keyring_store(self._key("tokens"), Hidden(json.dumps(tokens.to_dict())))
            where = f"keyring ({keyring_backend_name()})"
            if "tokens" in self._read_file().value:
                self._update_file(tokens=None)
        except KeyringUnavailable as exc:
            # Never lose a rotated pair: the refresh token is single-use.
            log.info("tokens go to %s: %s", self.file, exc)
            self._update_file(tokens=Hidden(tokens.to_dict()))
            where = f"file ({self.file})"
        changes: dict[str, object] = {"secret_store": where, "token_expires_at": tokens.expires_at}
        if tokens.user_id is not None:
            changes["user_id"] = tokens.user_id
        update_connection(self.home, **changes)
        self._drop_unsaved()
        return where

    def delete_tokens(self) -> None:
        """Remove the pair from every store and every copy a crash may have left (unlink). The client secret
        stays."""
        try:
            _keyring_call("delete_password", KEYRING_SERVICE, self._key("tokens"))
        except KeyringUnavailable:
            pass
        if "tokens" in self._read_file().value:
            self._update_file(tokens=None)
        self._drop_unsaved()

    # -- pairs whose save was interrupted ------------------------------------------------------------

    @property
    def pending_file(self) -> Path:
        return self.home / PENDING_FILE

    def _leftovers(self) -> list[Path]:
        """The write-ahead record and the temp files a killed write leaves (`services.home.write_private`)."""
        found = [self.pending_file] if self.pending_file.exists() else []
        for name in (PENDING_FILE, SECRETS_FILE):
            found += sorted(self.home.glob(f".{name}.*.tmp"))
        return found

    def _unsaved_pairs(self) -> list[TokenSet]:
        """Complete token pairs found in leftovers, newest first (a half-written one is not JSON: ignored)."""
        pairs: list[TokenSet] = []
        for path in self._leftovers():
            try:
                content = Hidden(json.loads(path.read_text("utf-8")))
                if isinstance(content.value, dict) and isinstance(content.value.get("tokens"), dict):
                    content = Hidden(content.value["tokens"])  # a temp file of secrets.json
                pairs.append(TokenSet.from_dict(content))
            except (OSError, ValueError, OperationFailed):
                continue
        return sorted(pairs, key=_issued, reverse=True)

    def _drop_unsaved(self) -> None:
        # Under the file's lock: a temp file of secrets.json being written right now (set-secret in another
        # process) is not a leftover.
        with FileLock(str(self.home / ".secrets.lock"), mode=0o600):
            for path in self._leftovers():
                try:
                    path.unlink()
                except OSError:
                    pass

    # -- the 0600 file -------------------------------------------------------------------------------

    def _key(self, what: str) -> str:
        # One keyring entry per home: the demo and tests use throw-away homes next to the real one.
        return f"{what}:{self._user}"

    def _read_file(self) -> Hidden[dict[str, Any]]:
        """The file's content as a Hidden dict ({} when there is no file)."""
        try:
            content = Hidden(json.loads(self.file.read_text("utf-8")))
        except FileNotFoundError:
            return Hidden({})
        except OSError as exc:  # not damage: the file or its folder cannot be read (a permission, a file as folder)
            raise OperationFailed(N_("cannot read {file}: {why}"), file=self.file, why=os_problem(exc)) from None
        except ValueError:
            raise OperationFailed(
                N_("{file} is damaged; remove it and run `melisync connect` again"), file=self.file
            ) from None
        if not isinstance(content.value, dict):
            raise OperationFailed(
                N_(
                    "{file} is damaged (it holds no JSON object); remove it and run `melisync connect` again (and `melisync config set-secret`)"
                ),
                file=self.file,
            )
        return content

    def _update_file(self, **changes: Hidden[Any] | None) -> None:
        """Set (a Hidden value) or remove (None) entries, atomically and under a lock."""
        ensure_home(self.home)
        with FileLock(str(self.home / ".secrets.lock"), mode=0o600):
            content = self._read_file()
            for key, change in changes.items():
                if change is None:
                    content.value.pop(key, None)
                else:
                    content.value[key] = change.value
            try:
                if content.value:
                    write_private(self.file, json.dumps(content.value, indent=2).encode("utf-8"))
                else:
                    self.file.unlink(missing_ok=True)
            except OSError as exc:
                # Re-raised from here so the failing frames (holding the bytes) are not in the traceback.
                raise OperationFailed(
                    N_("could not write {file}: {why}; the previous content is intact"),
                    file=self.file,
                    why=os_problem(exc),
                ) from None


def _issued(tokens: TokenSet) -> datetime:
    """When a pair was issued (a pair saved before issued_at was recorded counts as the oldest)."""
    return tokens.issued_at or datetime.min.replace(tzinfo=UTC)

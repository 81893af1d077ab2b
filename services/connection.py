"""The connected account's non-secret facts (`connection.json` in the home, 0600): who, which site,
capabilities, token expiry, where the secrets live. Status and the TUI read it without touching a secret."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from services.home import ensure_home, write_private
from services.i18n import N_, _

if TYPE_CHECKING:
    from services.config import Config

CONNECTION_FILE = "connection.json"
# Where the client secret was put (no secret in it): `status` reads it instead of importing and asking the
# keyring (issue 16: status under 0.3 s). Homes without it are asked the slow way.
CLIENT_SECRET_RECORD = "client_secret_store"
CLIENT_SECRET_ENV = "MELISYNC_CLIENT_SECRET"


@dataclass(frozen=True)
class Connection:
    connected: bool = False
    user_id: int | None = None
    nickname: str | None = None
    site_id: str | None = None
    tags: tuple[str, ...] = ()
    token_expires_at: datetime | None = None
    secret_store: str | None = None  # "keyring (<backend>)" or "file (<path>)": where the tokens are
    needs_reauthorization: bool = False
    connected_at: datetime | None = None
    app_id: str | None = None  # the client_id the grant belongs to (for revoking it)

    @property
    def capabilities(self) -> list[str]:
        """The account tags that change how melisync writes (docs/mercado-livre-api.md §2)."""
        wanted = ("user_product_seller", "warehouse_management", "multiwarehouse", "test_user")
        return [t for t in wanted if t in self.tags]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tags"] = list(self.tags)
        for key in ("token_expires_at", "connected_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def load_connection(home: Path) -> Connection:
    path = Path(home) / CONNECTION_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return Connection()
    except (OSError, ValueError):
        # A damaged facts file must not hide the tokens: it is rebuilt on the next connect or refresh.
        return Connection()
    if not isinstance(data, dict):
        return Connection()  # valid JSON of another shape is as damaged as invalid JSON
    known = {f for f in Connection.__dataclass_fields__}
    values = {k: v for k, v in data.items() if k in known}
    try:
        values["tags"] = tuple(str(t) for t in values.get("tags") or ())
        for key in ("token_expires_at", "connected_at"):
            values[key] = datetime.fromisoformat(values[key]) if values.get(key) else None
        for key in ("connected", "needs_reauthorization"):
            values[key] = values.get(key) is True
        if values.get("user_id") is not None:
            values["user_id"] = int(values["user_id"])
        for key in ("nickname", "site_id", "secret_store", "app_id"):
            if values.get(key) is not None and not isinstance(values[key], str):
                raise TypeError(key)
    except (TypeError, ValueError):
        return Connection()
    return Connection(**values)


def save_connection(home: Path, connection: Connection) -> None:
    home = ensure_home(Path(home))
    write_private(home / CONNECTION_FILE, json.dumps(connection.as_dict(), indent=2).encode("utf-8"))


def update_connection(home: Path, **changes: Any) -> Connection:
    """Read, change some fields, write back (callers that refresh tokens hold the refresh lock)."""
    connection = replace(load_connection(home), **changes)
    save_connection(home, connection)
    return connection


def forget_connection(home: Path) -> None:
    """Remove the facts file (unlink); the tokens are removed by `services.secrets`."""
    (Path(home) / CONNECTION_FILE).unlink(missing_ok=True)


def status_report(config: Config) -> dict[str, Any]:
    """What `status` (and the TUI's connection screen) shows; reads no secret and calls no API.

    `links` comes from `services.status_info.link_counts(home)` when the link store provides it.
    """

    connection = load_connection(config.home)
    expires = connection.token_expires_at
    connected = connection.connected and not connection.needs_reauthorization and bool(connection.secret_store)
    return {
        "connected": connected,
        "needs_reauthorization": connection.needs_reauthorization,
        "user_id": connection.user_id,
        "nickname": connection.nickname,
        "site_id": connection.site_id,
        "capabilities": connection.capabilities,
        "tags": list(connection.tags),
        "token_expires_at": expires.isoformat() if expires else None,
        "token_expired": bool(expires and expires <= datetime.now(UTC)),
        "secret_store": connection.secret_store,
        "client_secret_store": client_secret_store(config.home),
        "client_id": config.client_id or None,
        "api_url": config.api_url,
        "home": str(config.home),
        "links": link_counts(config.home),
        "unknown_settings": list(config.unknown_settings),  # keys of config.toml that are no setting
        "watch": _watch_report(config.home),
    }


def _watch_report(home: Path) -> dict[str, Any]:
    from services.watch_state import watch_report  # imported late: only status needs it

    return watch_report(home)


def record_client_secret_store(home: Path, where: str) -> None:
    write_private(Path(home) / CLIENT_SECRET_RECORD, where.encode("utf-8"))


def client_secret_store(home: Path) -> str | None:
    """Where the client secret in force comes from: the environment, else where `config set-secret` put it."""
    if os.environ.get(CLIENT_SECRET_ENV):
        return "environment"
    try:
        where = (Path(home) / CLIENT_SECRET_RECORD).read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        where = ""
    if where.startswith("keyring"):
        return where
    if where.startswith("file"):
        # The file is ours to read without the keyring: say so only while it still holds the secret.
        try:
            return where if json.loads((Path(home) / "secrets.json").read_text("utf-8")).get("client_secret") else None
        except (OSError, ValueError, AttributeError):
            return None
    from services.secrets import SecretStore  # no record (older home): ask the keyring, the slow way

    return SecretStore(home).client_secret_store()


def link_counts(home: Path) -> dict[str, int]:
    """Counts of links by state from the link store (`services.status_info`), or {} while it is not there."""
    try:
        from services import status_info  # the link store's part; imported late (it loads the store)
    except ImportError:
        return {}
    counter = getattr(status_info, "link_counts", None)
    return dict(counter(home)) if callable(counter) else {}


# The services name a secret's place by a plain word first ("file (/home/x/secrets.json)"); the screens and the
# CLI show the word in the seller's language, the path as it is.
STORE_KINDS = {"environment": N_("environment variable"), "file": N_("file"), "keyring": N_("system keyring")}


def store_label(store: str) -> str:
    """Where a secret lives, in the seller's language ("arquivo (/home/x/secrets.json)")."""
    kind, _sep, rest = store.partition(" ")
    return f"{_(STORE_KINDS[kind])} {rest}".strip() if kind in STORE_KINDS else store

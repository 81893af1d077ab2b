"""Non-secret settings: config.toml in the home, with environment overrides (architecture.md §4).

Secrets never live here: `services.secrets` owns the client secret and the tokens.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

import tomli_w

from services.errors import BadInput
from services.home import ensure_home, home_dir, write_private

CONFIG_FILE = "config.toml"

# key -> (type, default, help). Only these keys may be set; anything else is a typo to report.
SETTINGS: dict[str, tuple[type, object, str]] = {
    "client_id": (str, "", "the APP ID of your Mercado Livre application"),
    "redirect_uri": (str, "", "the redirect URI registered on the application (exact match)"),
    "site": (str, "MLB", "the Mercado Livre site"),
    "api_url": (str, "https://api.mercadolibre.com", "base URL of the API"),
    "auth_url": (str, "https://auth.mercadolivre.com.br", "base URL of the authorization page"),
    "safety_stock": (int, 0, "units kept back from every listing's stock"),
    "requests_per_second": (float, 8.0, "client-side rate limit towards Mercado Livre"),
    "concurrency": (int, 4, "requests in flight at once"),
    "warehouse": (str, "", "store_id of the seller_warehouse to write (multi-warehouse sellers)"),
    "multiget_endpoint": (str, "bulk", "listing details from /items/bulk (bulk) or the deprecated /items?ids= (items)"),
}

ENV_OVERRIDES = {
    "client_id": "MELISYNC_CLIENT_ID",
    "redirect_uri": "MELISYNC_REDIRECT_URI",
    "api_url": "MELISYNC_API_URL",
    "auth_url": "MELISYNC_AUTH_URL",
}


@dataclass(frozen=True)
class Config:
    home: Path
    client_id: str = ""
    redirect_uri: str = ""
    site: str = "MLB"
    api_url: str = "https://api.mercadolibre.com"
    auth_url: str = "https://auth.mercadolivre.com.br"
    safety_stock: int = 0
    requests_per_second: float = 8.0
    concurrency: int = 4
    warehouse: str = ""
    multiget_endpoint: str = "bulk"  # /items?ids= is discontinued on 25/10/2026 (ml-api.md §4)

    def with_(self, **changes) -> "Config":
        return replace(self, **changes)


def _coerce(key: str, raw: object) -> object:
    kind = SETTINGS[key][0]
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        raise BadInput(f"config: {key} must be a {kind.__name__}, got {raw!r}") from None
    if kind in (int, float) and value < 0:
        raise BadInput(f"config: {key} must not be negative, got {raw!r}")
    if key in ("api_url", "auth_url", "redirect_uri") and value and not str(value).startswith(("http://", "https://")):
        raise BadInput(f"config: {key} must be an http(s) URL, got {raw!r}")
    if isinstance(value, str):
        value = value.strip().rstrip("/") if key in ("api_url", "auth_url") else value.strip()
    return value


def read_file_settings(home: Path) -> dict[str, object]:
    path = home / CONFIG_FILE
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path} is not valid TOML ({exc}); fix or remove it") from None
    return {k: v for k, v in data.items() if k in SETTINGS}


def load_config(home: Path | None = None) -> Config:
    """The settings in force: defaults < config.toml < environment."""
    home = home or home_dir()
    values: dict[str, object] = {}
    for key, raw in read_file_settings(home).items():
        values[key] = _coerce(key, raw)
    for key, env in ENV_OVERRIDES.items():
        if os.environ.get(env):
            values[key] = _coerce(key, os.environ[env])
    return Config(home=home, **values)


def set_setting(key: str, raw: str, home: Path | None = None) -> object:
    """Validate and write one setting to config.toml (atomic, 0600). Returns the stored value."""
    if key in ("client_secret", "access_token", "refresh_token"):
        raise BadInput("secrets are not settings: use `melisync config set-secret` (reads stdin)")
    if key not in SETTINGS:
        known = ", ".join(sorted(SETTINGS))
        raise BadInput(f"unknown setting {key!r}; known settings: {known}")
    home = ensure_home(home or home_dir())
    value = _coerce(key, raw)
    data = read_file_settings(home)
    data[key] = value
    write_private(home / CONFIG_FILE, tomli_w.dumps(data).encode("utf-8"))
    return value


CONFIG_KEYS = tuple(f.name for f in fields(Config) if f.name != "home")

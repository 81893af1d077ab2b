"""Non-secret settings: config.toml in the home, with environment overrides (docs/architecture.md §4).

Secrets never live here: `services.secrets` owns the client secret and the tokens.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from services.errors import BadInput
from services.home import ensure_home, home_dir, write_private
from services.i18n import N_, _, _n
from services.input_rules import DEFAULT_MAX_STOCK, control_character

CONFIG_FILE = "config.toml"

# key -> (type, default, help). Only these keys may be set; anything else is a typo to report.
SETTINGS: dict[str, tuple[type, object, str]] = {
    "client_id": (str, "", N_("the APP ID of your Mercado Livre application")),
    "redirect_uri": (str, "", N_("the redirect URI registered on the application (exact match)")),
    "site": (str, "MLB", N_("the Mercado Livre site")),
    "api_url": (str, "https://api.mercadolibre.com", N_("base URL of the API")),
    "auth_url": (str, "https://auth.mercadolivre.com.br", N_("base URL of the authorization page")),
    "safety_stock": (int, 0, N_("units kept back from every listing's stock")),
    "requests_per_second": (
        float,
        5.0,
        N_("client-side rate limit towards Mercado Livre (5 = the documented 18,000 requests an hour)"),
    ),
    "concurrency": (int, 4, N_("requests in flight at once")),
    "warehouse": (str, "", N_("store_id of the seller_warehouse to write (multi-warehouse sellers)")),
    "stock_requests_per_minute": (
        int,
        100,
        N_("calls a minute to /user-products/{id}/stock (Mercado Livre allows 100)"),
    ),
    "orders_lookback_days": (
        int,
        30,
        N_(
            "how far back (days, 30-365) a sync without an orders cursor reads sales and "
            "buyers; stock counted before that is named in the plan"
        ),
    ),
    "multiget_endpoint": (
        str,
        "bulk",
        N_("listing details from /items/bulk (bulk) or the deprecated /items?ids= (items)"),
    ),
    "max_stock": (
        int,
        DEFAULT_MAX_STOCK,
        N_("the most units one product may hold (a larger count is refused as a typo)"),
    ),
    "journal_max_mb": (float, 50.0, N_("the sync journal keeps at most this many MB (oldest runs go first)")),
    "journal_max_days": (float, 90.0, N_("runs older than this many days leave the sync journal")),
}

# Mercado Livre's sites (docs/mercado-livre-api.md §2: the site_id of /users/me).
SITES = frozenset(
    {
        "MLA",
        "MLB",
        "MLM",
        "MLC",
        "MCO",
        "MLU",
        "MPE",
        "MLV",
        "MEC",
        "MBO",
        "MPA",
        "MPY",
        "MRD",
        "MCR",
        "MGT",
        "MHN",
        "MNI",
        "MSV",
        "MCU",
        "MPT",
    }
)
CHOICES = {"multiget_endpoint": ("bulk", "items"), "site": tuple(sorted(SITES))}
URL_KEYS = ("api_url", "auth_url", "redirect_uri")
# Numbers that must be above zero (0 would stop every request, or write nothing ever).
POSITIVE = ("requests_per_second", "concurrency", "max_stock", "journal_max_mb", "journal_max_days")
UPPER = {
    "requests_per_second": 1000.0,
    "concurrency": 64,
    "safety_stock": 1_000_000,
    "max_stock": 10**12,
    "orders_lookback_days": 365,
}  # Mercado Livre keeps orders 12 months (docs/mercado-livre-api.md §8.1)
# At least the 30 days of buyers the first customers sync brings (docs/internals.md, "Orders").
LOWER = {"orders_lookback_days": 30}

ENV_OVERRIDES = {
    "client_id": "MELISYNC_CLIENT_ID",
    "redirect_uri": "MELISYNC_REDIRECT_URI",
    "api_url": "MELISYNC_API_URL",
    "auth_url": "MELISYNC_AUTH_URL",
}


def _default(key: str) -> Any:
    """The default of `key`: the one table of defaults is SETTINGS (Any: each default is of its own setting's
    kind, which the table's type cannot say per key)."""
    return SETTINGS[key][1]


@dataclass(frozen=True)
class Config:
    home: Path
    client_id: str = _default("client_id")
    redirect_uri: str = _default("redirect_uri")
    site: str = _default("site")
    api_url: str = _default("api_url")
    auth_url: str = _default("auth_url")
    safety_stock: int = _default("safety_stock")
    requests_per_second: float = _default(
        "requests_per_second"
    )  # docs/mercado-livre-api.md §10: max_requests_per_hour 18000
    concurrency: int = _default("concurrency")
    warehouse: str = _default("warehouse")
    stock_requests_per_minute: int = _default("stock_requests_per_minute")  # docs/mercado-livre-api.md §6.5
    multiget_endpoint: str = _default("multiget_endpoint")  # /items?ids= ends 25/10/2026 (docs/mercado-livre-api.md §4)
    max_stock: int = _default("max_stock")
    # Bounds the first orders read (docs/internals.md, "The count is the truth"); at least the 30 days of buyers
    # the first customers sync brings, at most the 12 months Mercado Livre keeps orders (docs/mercado-livre-api.md §8.1).
    orders_lookback_days: int = _default("orders_lookback_days")
    journal_max_mb: float = _default("journal_max_mb")  # retention of the sync journal (services/store/journal.py)
    journal_max_days: float = _default("journal_max_days")
    # Keys of config.toml that are no setting (a typo): not applied, and reported (`status`, stderr).
    unknown_settings: tuple[str, ...] = ()

    def with_(self, **changes: Any) -> Config:
        return replace(self, **changes)


def _coerce(key: str, raw: object) -> object:
    """The value of setting `key` from `raw` (text from the command line or the environment, or a TOML value),
    or BadInput saying what the setting accepts."""
    kind = SETTINGS[key][0]
    if isinstance(raw, bool) or (kind is str and not isinstance(raw, str)) or isinstance(raw, (list, dict)):
        raise BadInput(
            N_("config: {key} must be {kind_words}, got {raw!r}"), key=key, kind_words=_(_KIND_WORDS[kind]), raw=raw
        )
    if isinstance(raw, str):
        found = control_character(raw.strip())
        if found:
            raise BadInput(
                N_("config: {key} must not contain control characters (found {found}, e.g. a newline)"),
                key=key,
                found=found,
            )
        raw = raw.strip()
    try:
        value = kind(raw)
    except (TypeError, ValueError, OverflowError):
        raise BadInput(
            N_("config: {key} must be {kind_words}, got {raw!r}"), key=key, kind_words=_(_KIND_WORDS[kind]), raw=raw
        ) from None
    if kind is float and not math.isfinite(value):
        raise BadInput(N_("config: {key} must be a finite number, got {raw!r}"), key=key, raw=raw)
    if kind in (int, float):
        if key in POSITIVE and value <= 0:
            raise BadInput(N_("config: {key} must be above 0, got {raw!r}"), key=key, raw=raw)
        if value < 0:
            raise BadInput(N_("config: {key} must be 0 or more, got {raw!r}"), key=key, raw=raw)
        if key in UPPER and value > UPPER[key]:
            raise BadInput(
                N_("config: {key} must be at most {upper:g}, got {raw!r}"), key=key, upper=UPPER[key], raw=raw
            )
        if key in LOWER and value < LOWER[key]:
            raise BadInput(
                N_("config: {key} must be at least {lower:g}, got {raw!r}"), key=key, lower=LOWER[key], raw=raw
            )
        return value
    if key in URL_KEYS:
        return _url(key, value)
    if key == "site":
        value = value.upper()
    if key in CHOICES and value not in CHOICES[key]:
        raise BadInput(
            N_("config: {key} must be one of {choices}, got {raw!r}"), key=key, choices=", ".join(CHOICES[key]), raw=raw
        )
    if key == "client_id" and (not value or any(c.isspace() for c in value)):
        raise BadInput(N_("config: client_id must be the APP ID of your application (DevCenter), got {raw!r}"), raw=raw)
    if key == "warehouse" and any(c.isspace() for c in value):
        raise BadInput(
            N_("config: warehouse must be a store_id (`melisync sync` lists the choices), got {raw!r}"), raw=raw
        )
    return value


_KIND_WORDS = {str: N_("a text"), int: N_("a whole number"), float: N_("a number")}


def _url(key: str, value: str) -> str:
    """An http(s) URL with a host and no spaces; api_url and auth_url lose a trailing slash."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        raise BadInput(
            N_("config: {key} must be an http(s) URL such as https://example.com, got {value!r}"), key=key, value=value
        )
    try:
        _ = parts.port  # reading the port is what checks it: a port that is not a number raises ValueError
    except ValueError:
        raise BadInput(N_("config: {key} has a port that is not a number: {value!r}"), key=key, value=value) from None
    return value.rstrip("/") if key in ("api_url", "auth_url") else value


def _file_data(home: Path) -> dict[str, object]:
    """Everything config.toml holds, settings or not ({} when there is no file)."""
    path = home / CONFIG_FILE
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(N_("{path} is not valid TOML ({exc}); fix or remove it"), path=path, exc=exc) from None


def read_file_settings(home: Path) -> dict[str, object]:
    return {k: v for k, v in _file_data(home).items() if k in SETTINGS}


def _write_settings(home: Path, values: dict[str, object]) -> None:
    """config.toml with `values` set: the keys that are no setting stay in the file as they were (they are
    reported, not dropped: a typo the operator has not fixed yet, or a newer melisync's setting)."""
    data = _file_data(home)
    data.update(values)
    write_private(home / CONFIG_FILE, tomli_w.dumps(data).encode("utf-8"))


def unknown_settings(home: Path) -> tuple[str, ...]:
    """Keys of config.toml that are no setting, sorted; () when there is no file or it is not valid TOML
    (reading the settings reports that)."""
    try:
        data = tomllib.loads((home / CONFIG_FILE).read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return ()
    return tuple(sorted(k for k in data if k not in SETTINGS))


def unknown_settings_warning(unknown: tuple[str, ...]) -> str:
    """The line CLI commands print on stderr for keys of config.toml that are no setting."""
    return _n(
        "config.toml: unknown setting {names} ignored (a typo?); known settings: {known}",
        "config.toml: unknown settings {names} ignored (a typo?); known settings: {known}",
        len(unknown),
        names=", ".join(unknown),
        known=", ".join(sorted(SETTINGS)),
    )


def load_config(home: Path | None = None) -> Config:
    """The settings in force: defaults < config.toml < environment."""
    home = home or home_dir()
    values: dict[str, Any] = {}  # each value of its setting's kind (`_coerce`)
    for key, raw in read_file_settings(home).items():
        values[key] = _coerce(key, raw)
    for key, env in ENV_OVERRIDES.items():
        if os.environ.get(env):
            values[key] = _coerce(key, os.environ[env])
    return Config(home=home, **values, unknown_settings=unknown_settings(home))


def set_setting(key: str, raw: str, home: Path | None = None) -> object:
    """Validate and write one setting to config.toml (atomic, 0600). Returns the stored value."""
    if key in ("client_secret", "access_token", "refresh_token"):
        raise BadInput(N_("secrets are not settings: use `melisync config set-secret` (reads stdin)"))
    if key not in SETTINGS:
        known = ", ".join(sorted(SETTINGS))
        raise BadInput(N_("unknown setting {key!r}; known settings: {known}"), key=key, known=known)
    home = ensure_home(home or home_dir())
    value = _coerce(key, raw)
    _write_settings(home, {key: value})
    return value


def set_settings(changes: dict[str, str], home: Path | None = None) -> dict[str, object]:
    """Several settings at once (the TUI's settings screen): each validated like `config set`, and written
    only when every one is valid (one file write: nothing half-saved). Returns the stored values."""
    for key in changes:
        if key in ("client_secret", "access_token", "refresh_token") or key not in SETTINGS:
            raise BadInput(
                N_("unknown setting {key!r}; known settings: {settings}"), key=key, settings=", ".join(sorted(SETTINGS))
            )
    values = {key: _coerce(key, raw) for key, raw in changes.items()}
    home = ensure_home(home or home_dir())
    _write_settings(home, values)
    return values


# What an operator tunes from the TUI (no secret, nothing that changes which account is reached).
OPERATOR_SETTINGS = ("safety_stock", "warehouse", "requests_per_second", "concurrency")

CONFIG_KEYS = tuple(f.name for f in fields(Config) if f.name not in ("home", "unknown_settings"))

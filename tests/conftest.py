"""Shared fixtures: every test runs in a throw-away melisync home, away from the developer's own
config, keyring and environment. Area fixtures live in `tests/fixtures/` (loaded as plugins)."""

from __future__ import annotations

import pytest

pytest_plugins = [
    # each area adds its fixture module here (one line each, to keep merges trivial)
    "tests.fixtures.store",
    "tests.fixtures.sandbox",
    "tests.fixtures.meli",
    "tests.fixtures.sync",
    "tests.fixtures.tui",
    "tests.fixtures.tui_sync",
]

_OWN_ENV = (
    "MELISYNC_HOME",
    "MELISYNC_CLIENT_ID",
    "MELISYNC_CLIENT_SECRET",
    "MELISYNC_REDIRECT_URI",
    "MELISYNC_API_URL",
    "MELISYNC_AUTH_URL",
)


@pytest.fixture(autouse=True)
def melisync_home(tmp_path_factory, monkeypatch):
    """A fresh, empty melisync home for each test; the real one is never touched."""
    for name in _OWN_ENV:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("home") / "melisync"
    monkeypatch.setenv("MELISYNC_HOME", str(home))
    # No test may reach the developer's keyring: the default is the `fail` backend (file fallback);
    # tests of the keyring path install an in-memory backend themselves.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    return home

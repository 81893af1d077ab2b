import pytest

from services.config import load_config, set_setting, set_settings
from services.errors import BadInput


def test_defaults_then_file_then_environment(melisync_home, monkeypatch):
    assert load_config().site == "MLB"
    set_setting("client_id", "123", melisync_home)
    set_setting("safety_stock", "2", melisync_home)
    cfg = load_config()
    assert (cfg.client_id, cfg.safety_stock) == ("123", 2)
    monkeypatch.setenv("MELISYNC_CLIENT_ID", "999")
    assert load_config().client_id == "999"
    assert (melisync_home / "config.toml").stat().st_mode & 0o777 == 0o600
    assert melisync_home.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize(
    "key,value",
    [
        ("nope", "1"),
        ("client_secret", "s"),
        ("safety_stock", "-1"),
        ("safety_stock", "x"),
        ("api_url", "ftp://x"),
        ("orders_lookback_days", "29"),
        ("orders_lookback_days", "366"),
    ],
)
def test_bad_settings_are_refused(melisync_home, key, value):
    with pytest.raises(BadInput):
        set_setting(key, value, melisync_home)
    assert not (melisync_home / "config.toml").exists()


@pytest.mark.parametrize(
    "key,value",
    [
        ("requests_per_second", "nan"),
        ("requests_per_second", "inf"),
        ("requests_per_second", "0"),
        ("concurrency", "0"),
        ("concurrency", "1.5"),
        ("max_stock", "0"),
        ("site", "XXX"),
        ("client_id", ""),
        ("client_id", "12 34"),
        ("api_url", "https://api.mercadolibre.com\nX-Injected: 1"),
        ("api_url", "https://"),
        ("redirect_uri", "not a url"),
        ("multiget_endpoint", "foo"),
        ("auth_url", "http://h:port"),
        ("warehouse", "a b"),
    ],
)
def test_every_key_is_validated(melisync_home, key, value):
    with pytest.raises(BadInput) as caught:
        set_setting(key, value, melisync_home)
    assert key in str(caught.value)
    assert not (melisync_home / "config.toml").exists()


def test_good_values_are_kept_normalized(melisync_home):
    assert set_setting("site", "mla", melisync_home) == "MLA"
    assert set_setting("api_url", " https://api.example.com/ ", melisync_home) == "https://api.example.com"
    assert set_setting("requests_per_second", "2.5", melisync_home) == 2.5
    assert set_setting("multiget_endpoint", "items", melisync_home) == "items"


def test_a_home_that_is_a_file_is_a_clear_error(tmp_path, monkeypatch, capsys):
    from cli.main import main

    home = tmp_path / "home"
    home.write_text("not a directory")
    monkeypatch.setenv("MELISYNC_HOME", str(home))
    assert main(["config", "set", "site", "MLB"]) == 1
    err = capsys.readouterr().err
    assert "not a directory" in err and "MELISYNC_HOME" in err and "Traceback" not in err


def test_the_orders_lookback_is_30_days_unless_set(melisync_home):
    assert load_config(melisync_home).orders_lookback_days == 30
    assert set_setting("orders_lookback_days", "90", melisync_home) == 90
    assert load_config(melisync_home).orders_lookback_days == 90


def test_every_default_comes_from_the_one_table_of_settings(tmp_path):
    from services.config import CONFIG_KEYS, SETTINGS, Config

    assert set(CONFIG_KEYS) == set(SETTINGS)
    assert {key: getattr(Config(home=tmp_path), key) for key in CONFIG_KEYS} == {
        key: default for key, (_kind, default, _help) in SETTINGS.items()
    }


def test_unknown_keys_in_config_toml_are_reported_not_dropped_silently(melisync_home, capsys):
    from cli.main import main

    set_setting("safety_stock", "2", melisync_home)
    with (melisync_home / "config.toml").open("a", encoding="utf-8") as file:
        file.write('safty_stock = 5\nwarehous = "X"\n')  # typos of real settings
    config = load_config()
    assert config.safety_stock == 2 and config.unknown_settings == ("safty_stock", "warehous")

    assert main(["status"]) == 3  # not connected
    out, err = capsys.readouterr()
    assert "warning: config.toml: unknown settings safty_stock, warehous ignored" in err
    assert "Config:        config.toml: unknown settings safty_stock, warehous ignored" in out
    assert main(["status", "--json"]) == 3
    import json

    assert json.loads(capsys.readouterr().out)["unknown_settings"] == ["safty_stock", "warehous"]

    (melisync_home / "config.toml").write_text("safety_stock = 2\n", "utf-8")
    assert main(["status"]) == 3
    out, err = capsys.readouterr()
    assert "unknown setting" not in err + out


def test_config_set_keeps_the_keys_that_are_no_setting_and_warns_once(melisync_home, capsys):
    from cli.main import main

    (melisync_home).mkdir(parents=True, exist_ok=True)
    (melisync_home / "config.toml").write_text(
        "safty_stock = 5\nsafety_stock = 1\n\n[newer]\nfeature = true\n", "utf-8"
    )  # a typo of a real setting, and a table a newer melisync may write
    assert main(["config", "set", "safety_stock", "3"]) == 0
    out, err = capsys.readouterr()
    assert out == "safety_stock = 3\n"
    assert err.count("warning: config.toml: unknown settings newer, safty_stock ignored") == 1
    import tomllib

    data = tomllib.loads((melisync_home / "config.toml").read_text("utf-8"))
    assert data == {"safty_stock": 5, "safety_stock": 3, "newer": {"feature": True}}  # nothing dropped
    set_settings({"concurrency": "4"}, melisync_home)  # the TUI's settings screen: the same
    data = tomllib.loads((melisync_home / "config.toml").read_text("utf-8"))
    assert data["safty_stock"] == 5 and data["newer"] == {"feature": True} and data["concurrency"] == 4
    assert load_config().unknown_settings == ("newer", "safty_stock")

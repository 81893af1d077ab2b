import pytest

from services.config import load_config, set_setting
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
    [("nope", "1"), ("client_secret", "s"), ("safety_stock", "-1"), ("safety_stock", "x"), ("api_url", "ftp://x")],
)
def test_bad_settings_are_refused(melisync_home, key, value):
    with pytest.raises(BadInput):
        set_setting(key, value, melisync_home)
    assert not (melisync_home / "config.toml").exists()

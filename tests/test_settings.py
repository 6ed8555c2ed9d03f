"""Settings: file, environment and --db in the right order; every mistake is one line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import DEFAULT_REGIONS, DEFAULT_THEMES, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:SECRET-TOKEN-VALUE"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    import os

    for key in list(os.environ):
        if key.startswith("SOLIDARITY"):
            monkeypatch.delenv(key)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_embedded_demo_is_used_when_nothing_is_given():
    settings = load_settings()
    assert settings.network_name == "Demo Solidarity Network"
    assert settings.admins == ["console:amina"]
    assert settings.themes == DEFAULT_THEMES and settings.regions == DEFAULT_REGIONS
    assert not settings.open_registration
    assert settings.source == "embedded demo settings"


def test_example_config_documents_a_valid_configuration():
    settings = load_settings(ROOT / "config.example.toml")
    assert settings.themes == DEFAULT_THEMES
    assert settings.platforms_with_tokens() == []


def test_solidarity_config_is_honoured_and_an_explicit_path_beats_it(tmp_path, monkeypatch):
    env_file = write(tmp_path, 'network_name = "From env"\n')
    other = tmp_path / "other.toml"
    other.write_text('network_name = "Explicit"\n')
    monkeypatch.setenv("SOLIDARITY_CONFIG", str(env_file))
    assert load_settings().network_name == "From env"
    assert load_settings(other).network_name == "Explicit"


def test_environment_overrides_the_file_and_db_flag_overrides_both(tmp_path, monkeypatch):
    path = write(tmp_path, 'open_registration = false\ndatabase = "a.db"\n[telegram]\nport = 9000\n')
    monkeypatch.setenv("SOLIDARITY__OPEN_REGISTRATION", "true")
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__PORT", "9001")
    monkeypatch.setenv("SOLIDARITY__DATABASE", "b.db")
    settings = load_settings(path)
    assert settings.open_registration and settings.telegram.port == 9001
    assert settings.database == Path("b.db")
    assert load_settings(path, database=Path("c.db")).database == Path("c.db")


@pytest.mark.parametrize(("text", "key"), [
    ('colour = "red"\n', "colour: unknown key"),
    ('[telegram]\nport = "x"\n', "telegram.port"),
    ('[telegram]\nport = 70000\n', "telegram.port"),
    ('[telegram]\nmode = "webhook"\n', "telegram.webhook_url"),
    ('[telegram]\nmode = "webhook"\nwebhook_url = "https://x.org/h"\n', "telegram.secret_token"),
    ('admins = ["amina"]\n', "admins"),
    ('themes = ["Data", "data"]\n', "themes"),
    ('themes = []\n', "themes"),
    ('[invites]\ndefault_uses = 0\n', "invites.default_uses"),
])
def test_a_bad_setting_is_one_line_naming_the_key(tmp_path, text, key):
    with pytest.raises(SettingsError) as err:
        load_settings(write(tmp_path, text))
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("config error: ") and key in message


def test_missing_file_and_broken_toml_are_clear(tmp_path):
    with pytest.raises(SettingsError, match="file not found"):
        load_settings(tmp_path / "nope.toml")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(write(tmp_path, "network_name = \n"))


def test_a_token_never_appears_in_errors_or_representations(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__TOKEN", TOKEN)
    with pytest.raises(SettingsError) as err:
        load_settings(write(tmp_path, '[telegram]\nport = "x"\n'))
    assert TOKEN not in str(err.value)
    bad_token_type = write(tmp_path, f'[discord]\ntoken = ["{TOKEN}"]\n')
    with pytest.raises(SettingsError) as err:
        load_settings(bad_token_type)
    assert TOKEN not in str(err.value)
    settings = load_settings(write(tmp_path, ""))
    assert settings.platforms_with_tokens() == ["telegram"]
    for shown in (repr(settings), str(settings), str(settings.model_dump()), settings.model_dump_json()):
        assert TOKEN not in shown

"""Settings: file, environment and --db in the right order; every mistake is one line naming the key, never a token."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.settings import (
    DEFAULT_REGIONS,
    DEFAULT_THEMES,
    DiscordSettings,
    Settings,
    SettingsError,
    TelegramSettings,
    load_settings,
)

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:SECRET-TOKEN-VALUE"
OTHER_TOKEN = "DISCORD-SECRET-TOKEN-VALUE"
SECRET = "webhook-secret-VALUE_42"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    # A developer's own SOLIDARITY_CONFIG or token must not change what these tests see.
    for key in list(os.environ):
        if key.upper().startswith("SOLIDARITY"):
            monkeypatch.delenv(key)


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_for(path: Path) -> str:
    with pytest.raises(SettingsError) as err:
        load_settings(path)
    message = str(err.value)
    assert "\n" not in message and message.startswith("config error: ")
    return message


def test_a_newcomer_with_no_config_gets_the_embedded_demo():
    settings = load_settings()
    assert settings.network_name == "Demo Solidarity Network"
    assert settings.database == "solidarity.db"
    assert settings.admins == ["console:amina"]
    assert not settings.open_registration
    assert settings.themes == DEFAULT_THEMES and settings.regions == DEFAULT_REGIONS
    assert settings.invites.default_uses == 10 and settings.invites.default_days == 14
    assert settings.platforms_with_tokens() == []
    assert settings.source == "embedded demo"


def test_the_default_themes_are_the_twelve_compact_areas_then_two_more():
    assert len(DEFAULT_THEMES) == 14 and len(set(DEFAULT_THEMES)) == 14
    assert DEFAULT_THEMES[:2] == ["Overarching frameworks and principles", "Vulnerability"]
    assert DEFAULT_THEMES[11:] == ["Data", "Countering online hate speech", "Positive narrative campaigns"]
    assert DEFAULT_REGIONS[-1] == "Global / online" and len(DEFAULT_REGIONS) == 16


def test_the_example_config_documents_a_valid_configuration():
    settings = load_settings(ROOT / "config.example.toml")
    assert settings.themes == DEFAULT_THEMES and settings.regions == DEFAULT_REGIONS
    assert settings.admins == ["console:amina", "telegram:123456", "discord:987654"]
    assert settings.telegram.mode == "polling" and settings.telegram.port == 8443
    # its tokens are left empty, so nothing starts until the environment provides one
    assert settings.platforms_with_tokens() == []
    assert settings.source == str(ROOT / "config.example.toml")


def test_an_operator_points_solidarity_config_at_their_file(tmp_path, monkeypatch):
    path = write(tmp_path, 'network_name = "From env"\n')
    monkeypatch.setenv("SOLIDARITY_CONFIG", str(path))
    settings = load_settings()
    assert settings.network_name == "From env"
    assert settings.source == str(path)


def test_an_explicit_config_path_beats_solidarity_config(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLIDARITY_CONFIG", str(write(tmp_path, 'network_name = "From env"\n', "env.toml")))
    explicit = write(tmp_path, 'network_name = "Explicit"\n', "explicit.toml")
    settings = load_settings(explicit)
    assert settings.network_name == "Explicit"
    assert settings.source == str(explicit)


def test_an_environment_variable_overrides_a_top_level_key(tmp_path, monkeypatch):
    path = write(tmp_path, 'open_registration = false\nlog_level = "INFO"\n')
    monkeypatch.setenv("SOLIDARITY__OPEN_REGISTRATION", "true")
    monkeypatch.setenv("SOLIDARITY__ADMINS", '["telegram:42"]')
    settings = load_settings(path)
    assert settings.open_registration is True
    assert settings.admins == ["telegram:42"]
    assert settings.log_level == "INFO"


def test_an_environment_variable_overrides_a_key_in_a_section_and_keeps_the_rest(tmp_path, monkeypatch):
    path = write(tmp_path, '[telegram]\nport = 9000\nlisten = "0.0.0.0"\n')
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__PORT", "9001")
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__TOKEN", TOKEN)
    settings = load_settings(path)
    assert settings.telegram.port == 9001
    assert settings.telegram.listen == "0.0.0.0"
    assert settings.telegram.token is not None and settings.telegram.token.get_secret_value() == TOKEN


def test_the_db_flag_beats_the_environment_and_the_file(tmp_path, monkeypatch):
    path = write(tmp_path, 'database = "file.db"\n')
    assert load_settings(path).database == "file.db"
    monkeypatch.setenv("SOLIDARITY__DATABASE", "env.db")
    assert load_settings(path).database == "env.db"
    assert load_settings(path, database="flag.db").database == "flag.db"
    assert load_settings(database=Path("flag.db")).database == "flag.db"


def test_a_postgresql_url_names_the_database_and_the_flag_takes_one_too(tmp_path):
    url = "postgresql://bot@db.example.org:5433/solidarity"
    assert load_settings(write(tmp_path, f'database = "{url}"\n')).database == url
    assert load_settings(database=url).database == url  # kept whole: a path would fold its "//"


def test_a_relative_database_path_stays_relative_to_the_working_directory(tmp_path):
    settings = load_settings(write(tmp_path, 'database = "data/bot.db"\n'))
    assert settings.database == "data/bot.db" and not Path(settings.database).is_absolute()


def test_a_token_pasted_as_a_key_is_not_echoed(tmp_path):
    message = error_for(write(tmp_path, f'[telegram]\n"{TOKEN}" = 1\n'))
    assert message.startswith("config error: telegram: unknown key (not shown") and TOKEN not in message


def test_a_misspelt_key_is_named_as_unknown(tmp_path):
    assert error_for(write(tmp_path, 'colour = "red"\n')) == "config error: colour: unknown key"
    assert error_for(write(tmp_path, '[telegram]\ntokn = "x"\n')) == "config error: telegram.tokn: unknown key"
    assert error_for(write(tmp_path, '[telegramm]\nport = 1\n')) == "config error: telegramm: unknown key"


def test_a_wrong_type_names_the_nested_key(tmp_path):
    message = error_for(write(tmp_path, '[telegram]\nport = "x"\n'))
    assert message.startswith("config error: telegram.port: ")
    assert error_for(write(tmp_path, '[telegram]\nport = 70000\n')) == (
        "config error: telegram.port: Input should be less than or equal to 65535")


@pytest.mark.parametrize(("text", "key"), [
    ('[telegram]\nmode = "webhook"\nsecret_token = "abc"\n', "telegram.webhook_url"),
    ('[telegram]\nmode = "webhook"\nwebhook_url = "https://bot.example.org/tg"\n', "telegram.secret_token"),
    ('[telegram]\nmode = "webhook"\nwebhook_url = "http://bot.example.org/tg"\nsecret_token = "abc"\n',
     "telegram.webhook_url"),
    ('[telegram]\nmode = "webhook"\nwebhook_url = "https://bot.example.org/tg"\nsecret_token = "no spaces"\n',
     "telegram.secret_token"),
    ('[telegram]\nmode = "push"\n', "telegram.mode"),
])
def test_webhook_mode_without_an_https_url_or_a_valid_secret_names_the_key(tmp_path, text, key):
    assert error_for(write(tmp_path, text)).startswith(f"config error: {key}: ")


def test_webhook_mode_with_an_https_url_and_a_secret_loads(tmp_path):
    path = write(tmp_path, '[telegram]\nmode = "webhook"\nwebhook_url = "https://bot.example.org/tg"\n'
                           f'secret_token = "{SECRET}"\n')
    telegram = load_settings(path).telegram
    assert telegram.mode == "webhook" and telegram.secret_token is not None
    assert telegram.secret_token.get_secret_value() == SECRET


def test_an_admin_that_is_not_platform_colon_id_is_rejected(tmp_path):
    message = error_for(write(tmp_path, 'admins = ["console:amina", "amina"]\n'))
    assert message.startswith("config error: admins[1]: ")
    assert error_for(write(tmp_path, 'admins = ["signal:123"]\n')).startswith("config error: admins[0]: ")


def test_themes_that_repeat_ignoring_case_are_rejected(tmp_path):
    message = error_for(write(tmp_path, 'themes = ["Data", "Detention", " data "]\n'))
    assert message == "config error: themes: entry 3 repeats entry 1 (case is ignored)"
    assert error_for(write(tmp_path, 'regions = ["Oceania", "OCEANIA"]\n')).startswith("config error: regions: ")


@pytest.mark.parametrize(("text", "key"), [
    ("themes = []\n", "themes"),
    ('themes = ["   "]\n', "themes[0]"),
    (f'regions = ["Oceania", "{"x" * 61}"]\n', "regions[1]"),
    ("regions = [" + ", ".join(f'"r{i}"' for i in range(101)) + "]\n", "regions"),
    ('network_name = ""\n', "network_name"),
    (f'network_name = "{"n" * 65}"\n', "network_name"),
    ('database = ""\n', "database"),
    ('database = "postgresql://bot@db.example.org"\n', "database"),
    ('database = "postgresql:solidarity"\n', "database"),
    ('log_level = "LOUD"\n', "log_level"),
    ("[invites]\ndefault_uses = 0\n", "invites.default_uses"),
    ("[invites]\ndefault_days = 366\n", "invites.default_days"),
    ('[discord]\nguild_ids = ["general"]\n', "discord.guild_ids[0]"),
    ("[discord]\nshards = 0\n", "discord.shards"),
])
def test_an_out_of_range_setting_is_one_line_naming_the_key(tmp_path, text, key):
    assert error_for(write(tmp_path, text)).startswith(f"config error: {key}: ")


def test_labels_are_trimmed(tmp_path):
    settings = load_settings(write(tmp_path, 'themes = ["  Housing "]\nregions = ["Lagos"]\n'))
    assert settings.themes == ["Housing"] and settings.regions == ["Lagos"]


def test_several_mistakes_still_make_one_line(tmp_path):
    message = error_for(write(tmp_path, 'colour = 1\nlog_level = "LOUD"\n[invites]\ndefault_uses = 0\n'))
    assert message.startswith("config error: log_level: ") and message.endswith("(and 2 more)")


def test_a_missing_file_is_one_clear_line(tmp_path):
    missing = tmp_path / "nope.toml"
    assert error_for(missing) == f"config error: {missing}: file not found"
    assert error_for(tmp_path) == f"config error: {tmp_path}: not a file"


def test_a_missing_solidarity_config_file_is_reported_too(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLIDARITY_CONFIG", str(tmp_path / "gone.toml"))
    with pytest.raises(SettingsError, match="gone.toml: file not found"):
        load_settings()


def test_broken_toml_is_one_clear_line_with_the_line_number(tmp_path):
    path = write(tmp_path, 'network_name = "ok"\n\nadmins = [\n')
    assert error_for(path) == f"config error: {path}: not valid TOML (end of file)"
    path = write(tmp_path, 'network_name = "ok"\n\nadmins = ]\n')
    assert error_for(path) == f"config error: {path}: not valid TOML (line 3)"
    path = write(tmp_path, "network_name = \n")
    assert error_for(path) == f"config error: {path}: not valid TOML (line 1)"
    path.write_bytes(b'network_name = "\xff"\n')
    assert error_for(path) == f"config error: {path}: not valid TOML (not UTF-8)"


def test_a_broken_json_environment_variable_is_one_line(monkeypatch):
    monkeypatch.setenv("SOLIDARITY__THEMES", '["Data", ')
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert str(err.value).startswith("config error: themes: ") and "\n" not in str(err.value)


def test_a_token_from_the_environment_never_reaches_an_error_line(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__TOKEN", TOKEN)
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__SECRET_TOKEN", TOKEN)  # ':' is not allowed in a secret token
    message = error_for(write(tmp_path, '[telegram]\nport = "x"\n'))
    assert TOKEN not in message and "SECRET-TOKEN" not in message
    assert message.startswith("config error: telegram.")


def test_a_token_in_a_badly_typed_file_value_never_reaches_an_error_line(tmp_path):
    for text in (f'[discord]\ntoken = ["{TOKEN}"]\n', f'[telegram]\ntoken = {{ value = "{TOKEN}" }}\n',
                 f'[telegram]\nsecret_token = "{TOKEN}"\n', f'[telegram]\nmode = "{TOKEN}"\n',
                 f'admins = ["{TOKEN}"]\n', f'"{TOKEN}" = 1\n'):
        message = error_for(write(tmp_path, text))
        assert TOKEN not in message and "SECRET-TOKEN" not in message


def test_a_token_never_shows_in_repr_str_or_dumps(monkeypatch):
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__TOKEN", TOKEN)
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__SECRET_TOKEN", SECRET)
    monkeypatch.setenv("SOLIDARITY__DISCORD__TOKEN", OTHER_TOKEN)
    settings = load_settings()
    assert settings.telegram.token is not None and settings.telegram.token.get_secret_value() == TOKEN
    shown = [repr(settings), str(settings), str(settings.model_dump()), str(settings.model_dump(mode="json")),
             settings.model_dump_json(), repr(settings.telegram), str(settings.discord), f"{settings!r}"]
    for text in shown:
        for secret in (TOKEN, SECRET, OTHER_TOKEN):
            assert secret not in text


def test_platforms_with_tokens_lists_those_that_can_start(monkeypatch):
    assert load_settings().platforms_with_tokens() == []
    monkeypatch.setenv("SOLIDARITY__DISCORD__TOKEN", OTHER_TOKEN)
    assert load_settings().platforms_with_tokens() == ["discord"]
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__TOKEN", TOKEN)
    assert load_settings().platforms_with_tokens() == ["telegram", "discord"]


def test_an_empty_or_blank_token_counts_as_no_token(monkeypatch):
    # compose files and CI unset a secret by leaving the variable empty
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__TOKEN", "")
    monkeypatch.setenv("SOLIDARITY__DISCORD__TOKEN", "  \n")
    settings = load_settings()
    assert settings.telegram.token is None and settings.discord.token is None
    assert settings.platforms_with_tokens() == []
    assert TelegramSettings(token=f" {TOKEN}\n").token.get_secret_value() == TOKEN
    assert DiscordSettings(token="").token is None


def test_settings_built_directly_read_no_file_but_honour_the_environment(monkeypatch):
    monkeypatch.setenv("SOLIDARITY__NETWORK_NAME", "Direct")
    settings = Settings()
    assert settings.network_name == "Direct" and settings.admins == []
    assert Settings(network_name="Kwarg").network_name == "Kwarg"


def test_no_dotenv_file_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SOLIDARITY__NETWORK_NAME=From dotenv\n")
    assert load_settings().network_name == "Demo Solidarity Network"


def test_a_secret_can_come_from_a_file_named_by_the_variable_with_file_after_it(tmp_path, monkeypatch):
    token_file, secret_file = tmp_path / "telegram_token", tmp_path / "webhook_secret"
    token_file.write_text(f"{TOKEN}\n")  # as `echo` and editors leave it: the line break is not part of it
    secret_file.write_text("from-a-file_123")
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__TOKEN_FILE", str(token_file))
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__SECRET_TOKEN_FILE", str(secret_file))
    monkeypatch.setenv("SOLIDARITY__DISCORD__TOKEN_FILE", str(token_file))
    settings = load_settings()
    assert settings.telegram.token.get_secret_value() == TOKEN
    assert settings.telegram.secret_token.get_secret_value() == "from-a-file_123"
    assert settings.discord.token.get_secret_value() == TOKEN
    monkeypatch.setenv("SOLIDARITY__DISCORD__TOKEN", "from-the-variable")  # the variable itself wins
    assert load_settings().discord.token.get_secret_value() == "from-the-variable"


def test_a_secret_file_that_cannot_be_read_is_one_line_naming_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).startswith("config error: SOLIDARITY__TELEGRAM__TOKEN_FILE: cannot read ")
    bad = tmp_path / "secret"
    bad.write_text("has spaces, not allowed")
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__TOKEN_FILE", str(tmp_path / "token"))
    (tmp_path / "token").write_text(TOKEN)
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__SECRET_TOKEN_FILE", str(bad))
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "telegram.secret_token" in str(raised.value) and "has spaces" not in str(raised.value)


def test_only_secret_settings_come_from_files(tmp_path, monkeypatch):
    (tmp_path / "name").write_text("Elsewhere")
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__BASE_URL_FILE", str(tmp_path / "name"))
    with pytest.raises(SettingsError, match="telegram.base_url_file"):
        load_settings()

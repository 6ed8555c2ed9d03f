"""Settings: a TOML file (``--config`` or ``SOLIDARITY_CONFIG``, else the embedded demo), overridden by environment
variables such as ``SOLIDARITY__TELEGRAM__TOKEN``. Every failure becomes one line that names the key and never
shows the value, so a token cannot leak into an error message or a log.
"""

from __future__ import annotations

import os
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

DEFAULT_THEMES = [
    "Overarching frameworks and principles",
    "Vulnerability",
    "Irregular migration",
    "Human rights in migration management",
    "Detention",
    "Social inclusion and cohesion",
    "Access to health",
    "Access to education",
    "Labour rights",
    "Public perception and discourse",
    "Discrimination, racism, xenophobia and intolerance",
    "Data",
    "Countering online hate speech",
    "Positive narrative campaigns",
]

DEFAULT_REGIONS = [
    "Northern Africa",
    "Sub-Saharan Africa",
    "North America",
    "Central America and the Caribbean",
    "South America",
    "Central Asia",
    "Eastern Asia",
    "South-eastern Asia",
    "Southern Asia",
    "Western Asia and the Middle East",
    "Eastern Europe",
    "Northern Europe",
    "Southern Europe",
    "Western Europe",
    "Oceania",
    "Global / online",
]

_ADMIN = re.compile(r"^(console|telegram|discord):[A-Za-z0-9_.-]{1,64}$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
EMBEDDED = "embedded demo settings"


class SettingsError(Exception):
    """A setting is missing or invalid; `str()` is one line naming the key, never its value."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TelegramSettings(_Section):
    """The Telegram bot."""

    token: SecretStr | None = None
    mode: Literal["polling", "webhook"] = "polling"
    base_url: str | None = None
    webhook_url: str | None = None
    listen: str = "127.0.0.1"
    port: int = Field(8443, ge=1, le=65535)
    secret_token: SecretStr | None = None

    @model_validator(mode="after")
    def _webhook_needs_url_and_secret(self) -> TelegramSettings:
        if self.mode == "webhook":
            if not self.webhook_url or not self.webhook_url.startswith("https://"):
                raise ValueError("webhook_url: webhook mode needs an https:// URL")
            if self.secret_token is None or not _SECRET_TOKEN.match(self.secret_token.get_secret_value()):
                raise ValueError("secret_token: webhook mode needs 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return self


class DiscordSettings(_Section):
    """The Discord bot."""

    token: SecretStr | None = None
    guild_ids: list[int] = []


class InviteSettings(_Section):
    """Defaults for /invite."""

    default_uses: int = Field(10, ge=1, le=1000)
    default_days: int = Field(14, ge=1, le=365)


def _check_labels(values: list[str], what: str) -> list[str]:
    cleaned = [" ".join(v.split()) for v in values]
    if not cleaned:
        raise ValueError(f"at least one {what} is needed")
    if len(cleaned) > 100:
        raise ValueError(f"at most 100 {what}s")
    seen: set[str] = set()
    for label in cleaned:
        if not 1 <= len(label) <= 60:
            raise ValueError(f"each {what} needs 1-60 characters")
        if label.casefold() in seen:
            raise ValueError(f"a {what} is listed twice")
        seen.add(label.casefold())
    return cleaned


class Settings(BaseSettings):
    """Everything the bot can be told."""

    model_config = SettingsConfigDict(env_prefix="SOLIDARITY__", env_nested_delimiter="__", extra="forbid",
                                      case_sensitive=False)

    network_name: str = Field("Solidarity Network", min_length=1, max_length=64)
    database: Path = Path("solidarity.db")
    open_registration: bool = False
    admins: list[str] = []
    default_language: str = "en"
    themes: list[str] = Field(default_factory=lambda: list(DEFAULT_THEMES))
    regions: list[str] = Field(default_factory=lambda: list(DEFAULT_REGIONS))
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    invites: InviteSettings = InviteSettings()
    telegram: TelegramSettings = TelegramSettings()
    discord: DiscordSettings = DiscordSettings()

    _source: str = PrivateAttr(default=EMBEDDED)
    _toml_file: Path | None = None  # set by load_settings for the duration of one construction

    @field_validator("admins")
    @classmethod
    def _admins(cls, value: list[str]) -> list[str]:
        for entry in value:
            if not _ADMIN.match(entry):
                raise ValueError("each admin is platform:id, e.g. console:amina, telegram:123456, discord:987654")
        return value

    @field_validator("themes")
    @classmethod
    def _themes(cls, value: list[str]) -> list[str]:
        return _check_labels(value, "theme")

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: list[str]) -> list[str]:
        return _check_labels(value, "region")

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if cls._toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls._toml_file))
        return tuple(sources)

    @property
    def source(self) -> str:
        """Which file the settings came from."""
        return self._source

    def platforms_with_tokens(self) -> list[str]:
        """The platforms that have a token, in start order."""
        return [name for name, section in (("telegram", self.telegram), ("discord", self.discord))
                if section.token is not None and section.token.get_secret_value()]


def _one_line(error: ValidationError) -> str:
    first = error.errors(include_input=False, include_url=False)[0]
    location = ".".join(str(part) for part in first["loc"])
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "value_error":
        message = message.removeprefix("Value error, ")
        # a model-level check names its field first: "webhook_url: …"
        if ": " in message and not location.endswith(message.split(": ")[0]):
            field, _, message = message.partition(": ")
            location = f"{location}.{field}" if location else field
    return f"config error: {location or 'settings'}: {message}"


def load_settings(config_path: Path | None = None, *, database: Path | None = None) -> Settings:
    """Read the settings: `config_path`, else $SOLIDARITY_CONFIG, else the embedded demo; `database` overrides."""
    if config_path is None and os.environ.get("SOLIDARITY_CONFIG"):
        config_path = Path(os.environ["SOLIDARITY_CONFIG"])
    if config_path is None:
        path = Path(str(resources.files("bot") / "default.toml"))
        source = EMBEDDED
    else:
        path = config_path
        source = str(config_path)
        if not path.is_file():
            raise SettingsError(f"config error: {path}: file not found")
    try:
        with path.open("rb") as fh:
            tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config error: {source}: not valid TOML ({exc})") from None
    overrides: dict[str, Any] = {"database": database} if database is not None else {}
    Settings._toml_file = path
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None
    finally:
        Settings._toml_file = None
    settings._source = source
    return settings

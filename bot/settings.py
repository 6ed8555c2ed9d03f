"""Settings: a TOML file (``--config``, else ``SOLIDARITY_CONFIG``, else the embedded demo), overridden by
environment variables such as ``SOLIDARITY__TELEGRAM__TOKEN``, overridden in turn by ``--db``.

Every failure becomes one ``SettingsError`` line that names the key and never shows the value, so a token cannot
leak into an error message or a log. A relative ``database`` path is relative to the directory the bot is started
from, not to the config file.
"""

from __future__ import annotations

import os
import re
import tomllib
from contextlib import ExitStack
from contextvars import ContextVar
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import pydantic_settings
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from handlers import invites
from handlers.i18n import N_
from storage.sealing import MIN_SECRET

DEFAULT_THEMES = [
    N_("Overarching frameworks and principles"),
    N_("Vulnerability"),
    N_("Irregular migration"),
    N_("Human rights in migration management"),
    N_("Detention"),
    N_("Social inclusion and cohesion"),
    N_("Access to health"),
    N_("Access to education"),
    N_("Labour rights"),
    N_("Public perception and discourse"),
    N_("Discrimination, racism, xenophobia and intolerance"),
    N_("Data"),
    N_("Countering online hate speech"),
    N_("Positive narrative campaigns"),
]

DEFAULT_REGIONS = [
    N_("Northern Africa"),
    N_("Sub-Saharan Africa"),
    N_("North America"),
    N_("Central America and the Caribbean"),
    N_("South America"),
    N_("Central Asia"),
    N_("Eastern Asia"),
    N_("South-eastern Asia"),
    N_("Southern Asia"),
    N_("Western Asia and the Middle East"),
    N_("Eastern Europe"),
    N_("Northern Europe"),
    N_("Southern Europe"),
    N_("Western Europe"),
    N_("Oceania"),
    N_("Global / online"),
]

EMBEDDED = "embedded demo"

_ADMIN = re.compile(r"^(console|telegram|discord):[A-Za-z0-9_.-]{1,64}$")
FEED_PATH = "/feed/"  # members' calendar feeds, under http.public_url (bot/http.py serves them)
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_TOML_LINE = re.compile(r"\(at line (\d+)")
_KEY_LIKE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,39}$")
_SOURCE_FIELD = re.compile(r'field "([^"]+)"')

# The TOML file for the Settings being built in this context. A context variable rather than a class attribute,
# so that Settings() outside load_settings reads no file and two loads in different threads or tasks cannot mix.
_toml_file: ContextVar[Path | None] = ContextVar("solidarity_toml_file", default=None)


class SettingsError(Exception):
    """A setting is missing or invalid; `str()` is one line naming the key, never its value."""


def _blank_is_unset(value: Any) -> Any:
    # An empty variable (`SOLIDARITY__TELEGRAM__TOKEN=`) is how compose files and CI unset a secret, and a pasted
    # token often carries a trailing newline; neither should count as a token.
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _admin(entry: str) -> str:
    if not _ADMIN.match(entry):
        raise PydanticCustomError(
            "admin", "should be platform:id, e.g. console:amina, telegram:123456 or discord:987654")
    return entry


def _no_duplicates(labels: list[str]) -> list[str]:
    first_seen: dict[str, int] = {}
    for number, label in enumerate(labels, start=1):
        earlier = first_seen.setdefault(label.casefold(), number)
        if earlier != number:
            raise PydanticCustomError(
                "duplicate", "entry {number} repeats entry {earlier} (case is ignored)",
                {"number": number, "earlier": earlier})
    return labels


_Secret = Annotated[SecretStr | None, BeforeValidator(_blank_is_unset)]
_Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
_Labels = Annotated[list[_Label], Field(min_length=1, max_length=100), AfterValidator(_no_duplicates)]


class TelegramSettings(BaseModel):
    """The Telegram bot: token, and polling or a webhook behind a TLS proxy."""

    model_config = ConfigDict(extra="forbid")

    token: _Secret = None
    mode: Literal["polling", "webhook"] = "polling"
    base_url: str | None = None
    webhook_url: str | None = None
    listen: str = "127.0.0.1"
    port: int = Field(8443, ge=1, le=65535)
    secret_token: _Secret = None

    @field_validator("webhook_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme != "https" or not parts.netloc:
                raise PydanticCustomError("https_url", "should be an https:// URL (Telegram calls only https)")
        return value

    @field_validator("secret_token")
    @classmethod
    def _telegram_charset(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_TOKEN.match(value.get_secret_value()):
            raise PydanticCustomError("secret_token", "should be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_url_and_secret(self) -> TelegramSettings:
        if self.mode == "webhook":
            # A model-level error has no key of its own; "key" in the context tells SettingsError which to name.
            if self.webhook_url is None:
                raise PydanticCustomError("webhook", "webhook mode needs an https:// URL", {"key": "webhook_url"})
            if self.secret_token is None:
                raise PydanticCustomError("webhook", "webhook mode needs a secret token", {"key": "secret_token"})
        return self


class DiscordSettings(BaseModel):
    """The Discord bot."""

    model_config = ConfigDict(extra="forbid")

    token: _Secret = None
    guild_ids: list[int] = []
    # Gateway shards, for a bot in more than a thousand servers (Discord's limit for one shard): the process holding
    # the gateway then runs discord.py's AutoShardedClient with this many. None: one connection.
    shards: int | None = Field(None, ge=1, le=1000)


class InviteSettings(BaseModel):
    """What `/invite` makes when given no numbers."""

    model_config = ConfigDict(extra="forbid")

    default_uses: int = Field(10, ge=1, le=invites.MAX_USES)
    default_days: int = Field(14, ge=1, le=invites.MAX_DAYS)


class PartnerSettings(BaseModel):
    """Partner searches and introductions."""

    model_config = ConfigDict(extra="forbid")

    follow_up_days: int = Field(7, ge=1, le=90)
    searches_per_day: int = Field(5, ge=1, le=100)


class SessionSettings(BaseModel):
    """The agenda: when subscribers are reminded of a session and asked about it afterwards."""

    model_config = ConfigDict(extra="forbid")

    reminder_minutes: int = Field(15, ge=1, le=1440)
    follow_up_minutes: int = Field(10, ge=0, le=7 * 24 * 60)


class BroadcastSettings(BaseModel):
    """Organisers' broadcasts: the safety limits, and where announcements may also be posted."""

    model_config = ConfigDict(extra="forbid")

    approval_above: int = Field(100, ge=0, le=10_000_000)
    daily_quota: int = Field(5, ge=1, le=1000)
    telegram_channels: list[Annotated[str, StringConstraints(pattern=r"^(-\d{1,20}|@[A-Za-z0-9_]{5,32})$")]] = []
    discord_channels: list[Annotated[str, StringConstraints(pattern=r"^\d{15,21}$")]] = []

    def channels(self) -> tuple[tuple[str, str], ...]:
        """(platform, id) of every announcement channel; a Discord channel id is marked '#' (not a person)."""
        return (tuple(("telegram", c) for c in self.telegram_channels)
                + tuple(("discord", "#" + c) for c in self.discord_channels))


class ReportSettings(BaseModel):
    """Organisers' reports."""

    model_config = ConfigDict(extra="forbid")

    # A count of fewer members than this is shown as "fewer than N" in every chart, table and report.
    fewer_than: int = Field(3, ge=1, le=100)


class MembershipSettings(BaseModel):
    """Who is a full member."""

    model_config = ConfigDict(extra="forbid")

    # A closed network: a new member is a newcomer until this many members have vouched for them (/vouch); 0: off.
    vouches: int = Field(0, ge=0, le=10)


class RetentionSettings(BaseModel):
    """How long the bot keeps what a feature no longer needs, in days; the clock sweeps it away after that."""

    model_config = ConfigDict(extra="forbid")

    # /partners stops showing an introduction's contact lines this long after it was made.
    contact_days: int = Field(90, ge=1, le=3650)
    # Done and dropped commitments, with their notes, go this long after they were closed.
    closed_commitments_days: int = Field(365, ge=1, le=3650)
    # Partner searches (with their notes) and introductions that were not made go this long after the search;
    # introductions made lose their note then.
    requests_days: int = Field(180, ge=1, le=3650)
    # Audit rows (what organisers did) go this long after.
    audit_days: int = Field(730, ge=30, le=3650)
    # A guided question left unanswered this long is dropped.
    conversations_days: int = Field(30, ge=1, le=3650)
    # Answers to a session's registration questions (interpretation, access needs) go this long after it ends.
    registration_answers_days: int = Field(7, ge=0, le=3650)


class HttpSettings(BaseModel):
    """The HTTP endpoint for health checks and metrics (/healthz, /readyz, /metrics); off until a port is set.

    With Telegram in webhook mode on the same address and port, one server answers both."""

    model_config = ConfigDict(extra="forbid")

    listen: str = "127.0.0.1"
    port: int | None = Field(None, ge=1, le=65535)
    # /readyz says "not ready" when the oldest due item has waited longer than this for the clock (seconds) …
    ready_clock_lag: int = Field(120, ge=10, le=86_400)
    # … or when messages due to go have waited longer than this while none was sent for as long (seconds).
    ready_outbox_wait: int = Field(300, ge=10, le=86_400)
    # The address the world reaches this server at, through a TLS proxy: members' calendar feeds are served under
    # it (`/agenda feed`). None: no feeds. http:// only for this machine (trying it out).
    public_url: str | None = None
    # How often one calendar feed may be fetched, per hour (calendar programs look every 15 minutes to a day).
    feed_requests_per_hour: int = Field(60, ge=1, le=3600)

    @field_validator("public_url")
    @classmethod
    def _public(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        local = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if not parts.netloc or parts.query or parts.fragment or not (
                parts.scheme == "https" or (parts.scheme == "http" and local)):
            raise PydanticCustomError(
                "public_url", "should be an https:// address such as https://bot.example.org (http:// only for "
                              "127.0.0.1 or localhost): a feed's address is its secret")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _feeds_need_a_port(self) -> HttpSettings:
        if self.public_url is not None and self.port is None:
            raise PydanticCustomError("http", "public_url needs a port: the feeds are served by this HTTP server",
                                      {"key": "port"})
        return self

    def feed_url(self) -> str | None:
        """Where members' calendar feeds are, a token and ".ics" after it; None when there are none."""
        return f"{self.public_url}{FEED_PATH}" if self.public_url else None


class BackupSettings(BaseModel):
    """Backups of an SQLite database: the passphrase that encrypts them, and copies taken on a schedule."""

    model_config = ConfigDict(extra="forbid")

    # Encrypts every backup (age format, scrypt) when set; prefer SOLIDARITY__BACKUP__PASSPHRASE_FILE.
    passphrase: _Secret = None
    # Where scheduled copies go; every_hours = 0 takes none.
    directory: str = "backups"
    every_hours: int = Field(0, ge=0, le=24 * 365)
    keep: int = Field(7, ge=1, le=1000)

    @field_validator("passphrase")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 12:
            raise PydanticCustomError("passphrase", "should be at least 12 characters (a few random words)")
        return value


class Settings(BaseSettings):
    """Everything the bot can be told; build it with `load_settings`."""

    model_config = SettingsConfigDict(env_prefix="SOLIDARITY__", env_nested_delimiter="__", extra="forbid")

    network_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] = (
        "Solidarity Network")
    # A file path (or sqlite:///path) for SQLite, or a postgresql://user@host/dbname URL for PostgreSQL.
    database: str = "solidarity.db"
    # Seals contact lines, notes and account ids in the database (storage/sealing.py); prefer
    # SOLIDARITY__SECRET_KEY_FILE. Unset with SQLite: a key file beside the database, made on first start.
    # Required with PostgreSQL. `solidarity-bot new-key` prints a new one.
    secret_key: _Secret = None
    open_registration: bool = False
    admins: list[Annotated[str, AfterValidator(_admin)]] = []
    default_language: str = "en"
    themes: _Labels = Field(default_factory=lambda: list(DEFAULT_THEMES))
    regions: _Labels = Field(default_factory=lambda: list(DEFAULT_REGIONS))
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # "text": one readable line per event; "json": one JSON object per line, for a log collector.
    log_format: Literal["text", "json"] = "text"
    invites: InviteSettings = InviteSettings()
    partners: PartnerSettings = PartnerSettings()
    sessions: SessionSettings = SessionSettings()
    broadcasts: BroadcastSettings = BroadcastSettings()
    reports: ReportSettings = ReportSettings()
    retention: RetentionSettings = RetentionSettings()
    membership: MembershipSettings = MembershipSettings()
    telegram: TelegramSettings = TelegramSettings()
    discord: DiscordSettings = DiscordSettings()
    http: HttpSettings = HttpSettings()
    backup: BackupSettings = BackupSettings()

    _source: str = PrivateAttr(default=EMBEDDED)

    @field_validator("secret_key")
    @classmethod
    def _key_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET:
            raise PydanticCustomError("secret_key", "should be at least {n} random characters; "
                                      "`solidarity-bot new-key` prints one", {"n": MIN_SECRET})
        return value

    @field_validator("database", mode="before")
    @classmethod
    def _database_named(cls, value: Any) -> Any:
        if isinstance(value, Path):
            value = str(value)
        if isinstance(value, str):
            value = value.strip()
            # "" would be the current directory, which SQLite cannot open as a file.
            if not value or value == "sqlite:///":
                raise PydanticCustomError("database", "should name a file, e.g. solidarity.db, or a PostgreSQL "
                                          "database, e.g. postgresql://bot@db.example.org/solidarity")
            if value.startswith(("postgresql:", "postgres:")):
                parts = urlsplit(value)
                if not value.startswith(("postgresql://", "postgres://")) or not parts.path.strip("/"):
                    raise PydanticCustomError("database", "should be a PostgreSQL URL with a database name, e.g. "
                                              "postgresql://bot@db.example.org/solidarity")
        return value

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Init kwargs (``--db``) > environment > secrets read from the files ``…_FILE`` variables name > TOML
        file > defaults; no .env files, no secrets dir."""
        sources = (init_settings, _EnvironmentWithoutFiles(settings_cls, env_settings), _SecretFiles(settings_cls))
        toml_file = _toml_file.get()
        if toml_file is None:
            return sources
        return (*sources, TomlConfigSettingsSource(settings_cls, toml_file=toml_file))

    @property
    def source(self) -> str:
        """The config file these settings came from, or 'embedded demo'."""
        return self._source

    def secret_key_text(self) -> str | None:
        """The secret key that seals the database, if the settings give one."""
        return self.secret_key.get_secret_value() if self.secret_key is not None else None

    def platforms_with_tokens(self) -> list[str]:
        """The platforms that have a token, in start order."""
        return [name for name, section in (("telegram", self.telegram), ("discord", self.discord))
                if section.token is not None]


# The secret settings, which may also come from a file (Docker secrets, systemd credentials): the variable named
# like the setting's, with _FILE after it, holds the file's path.
# ("", key) is a top-level setting.
SECRET_SETTINGS = (("telegram", "token"), ("telegram", "secret_token"), ("discord", "token"),
                   ("backup", "passphrase"), ("", "secret_key"))


def _file_variable(section: str, key: str) -> str:
    return f"SOLIDARITY__{section.upper()}__{key.upper()}_FILE" if section else f"SOLIDARITY__{key.upper()}_FILE"


class _SecretFiles(PydanticBaseSettingsSource):
    """`SOLIDARITY__TELEGRAM__TOKEN_FILE=/run/secrets/telegram_token` gives telegram.token the file's content (its
    last line break dropped). The variable without _FILE, when set too, wins."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # the values are read whole in __call__

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for section, key in SECRET_SETTINGS:
            variable = _file_variable(section, key)
            path = os.environ.get(variable)
            if not path:
                continue
            try:
                value = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                raise SettingsError(f"config error: {variable}: {path} is not UTF-8 text") from None
            except OSError as exc:
                raise SettingsError(f"config error: {variable}: cannot read {path} ({exc.strerror})") from None
            (found.setdefault(section, {}) if section else found)[key] = value
        return found


class _EnvironmentWithoutFiles(PydanticBaseSettingsSource):
    """The environment as pydantic-settings reads it, less the secret settings' _FILE variables (read by
    `_SecretFiles`; any other unknown variable is still refused)."""

    def __init__(self, settings_cls: type[BaseSettings], environment: PydanticBaseSettingsSource) -> None:
        super().__init__(settings_cls)
        self.environment = environment

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values = self.environment()
        for section, key in SECRET_SETTINGS:
            if not section:
                values.pop(f"{key}_file", None)
            elif isinstance(values.get(section), dict):
                values[section].pop(f"{key}_file", None)
        return values


def _key(loc: tuple[int | str, ...]) -> str:
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else f".{part}" if key else str(part)
    return key


def _one_line(error: ValidationError) -> str:
    # Only loc and msg: pydantic's full text, and each error's "input", would carry the offending value.
    problems = error.errors(include_url=False, include_input=False)
    first = problems[0]
    loc = first["loc"]
    key = first.get("ctx", {}).get("key")
    if isinstance(key, str):
        loc = (*loc, key)
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown key"
        # A key is user input too: a pasted token (quoted as a key) must not be echoed back.
        if not _KEY_LIKE.match(str(loc[-1])):
            loc, message = loc[:-1], "unknown key (not shown: it does not look like a setting name)"
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"config error: {_key(loc) or 'settings'}: {message}{more}"


def _not_toml(where: str, error: ValueError) -> SettingsError:
    # tomllib's message can quote a character of the file, so keep only the line number.
    line = _TOML_LINE.search(str(error))
    where_in_file = f" (line {line[1]})" if line else " (end of file)" if "end of document" in str(error) else ""
    return SettingsError(f"config error: {where}: not valid TOML{where_in_file}")


def load_settings(config_path: Path | None = None, *, database: str | Path | None = None) -> Settings:
    """Read `config_path`, else $SOLIDARITY_CONFIG, else the embedded demo; the environment and `database` win.

    A relative `database` (from the file, the environment or `database`) is relative to the current directory.
    Raises SettingsError, one line naming the key, for a missing file, bad TOML or an invalid setting.
    """
    if config_path is None and os.environ.get("SOLIDARITY_CONFIG"):
        config_path = Path(os.environ["SOLIDARITY_CONFIG"])
    overrides: dict[str, Any] = {} if database is None else {"database": database}
    with ExitStack() as stack:
        if config_path is None:
            # as_file gives a real path even when the package is installed as a zip.
            path = stack.enter_context(resources.as_file(resources.files("bot") / "default.toml"))
            source = EMBEDDED
        else:
            path = Path(config_path)
            source = str(path)
            if not path.exists():
                raise SettingsError(f"config error: {source}: file not found")
            if not path.is_file():
                raise SettingsError(f"config error: {source}: not a file")
        reset = _toml_file.set(path)
        try:
            settings = Settings(**overrides)
        except ValidationError as exc:
            raise SettingsError(_one_line(exc)) from None
        except tomllib.TOMLDecodeError as exc:
            raise _not_toml(source, exc) from None
        except UnicodeDecodeError:
            raise SettingsError(f"config error: {source}: not valid TOML (not UTF-8)") from None
        except OSError as exc:
            raise SettingsError(f"config error: {source}: cannot read ({exc.strerror})") from None
        except pydantic_settings.SettingsError as exc:
            # An environment variable for a list or a section must be JSON; the message names only the field.
            field = _SOURCE_FIELD.search(str(exc))
            name = field[1] if field else "environment"
            raise SettingsError(f"config error: {name}: an environment variable SOLIDARITY__{name.upper()}* "
                                "is not valid JSON (lists and sections are given as JSON)") from None
        finally:
            _toml_file.reset(reset)
    settings._source = source
    return settings

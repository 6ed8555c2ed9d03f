"""The command line: `solidarity-bot console | run | migrate` (also `python -m bot …`)."""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import signal
import sys
from pathlib import Path

from pythonjsonlogger.json import JsonFormatter

from bot.agenda import import_agenda
from bot.app import App, open_app
from bot.console import ConsoleAdapter
from bot.discord_adapter import DiscordAdapter
from bot.http import Feeds, Health, Servers, Watched
from bot.platforms import Platform, TokenRejected, run_platforms
from bot.redaction import (
    Redactor,
    redact_logging,
    redact_uncaught,
    report_asyncio_error,
)
from bot.settings import Settings, SettingsError, load_settings
from bot.telegram_adapter import telegram_adapter
from storage import backup
from storage.copying import copy_database, opened
from storage.database import (
    DatabaseError,
    connect,
    is_postgresql,
    key_file,
    latest_version,
    sqlite_path,
    write_key_file,
)
from storage.sealing import Keyring

EXIT_CONFIG = 2
EXIT_FAILED = 1
STOP_WITHIN = 8.0  # seconds a stopping bot gives its work in flight, inside the 10 s a service manager waits
SUPPORTED_PLATFORMS = ("telegram", "discord")

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, help="TOML settings file (default: $SOLIDARITY_CONFIG, "
                        "else the embedded demo settings)")
    common.add_argument("--db", metavar="FILE|URL", help="SQLite database file, or a postgresql://user@host/dbname "
                        "URL (overrides the settings)")
    parser = argparse.ArgumentParser(prog="solidarity-bot", description="Solidarity Bot: helps a network "
                                     "countering hate keep its commitments.")
    sub = parser.add_subparsers(dest="command", required=True,
                                metavar="{console,run,migrate,backup,restore,copy-db,new-key,sync-commands,agenda}")
    console = sub.add_parser("console", parents=[common],
                             help="talk to the bot in this terminal, as any number of people")
    console.add_argument("--files", type=Path, metavar="DIR", help="save the files the bot sends (exports, charts) "
                         "in this folder")
    sub.add_parser("run", parents=[common], help="start every platform that has a token in the settings")
    sub.add_parser("migrate", parents=[common], help="create or upgrade the database, then exit")
    take = sub.add_parser("backup", parents=[common], help="copy the SQLite database into FILE, also while the "
                          "bot runs (encrypted when backup.passphrase is set)")
    take.add_argument("file", type=Path, metavar="FILE", help="the backup file to write")
    restore = sub.add_parser("restore", parents=[common], help="replace the SQLite database with a backup, once "
                             "the backup is checked (stop the bot first)")
    restore.add_argument("file", type=Path, metavar="FILE", help="the backup file to restore")
    restore.add_argument("--yes", action="store_true", help="do not ask before replacing the database")
    copy = sub.add_parser("copy-db", help="copy a whole network into a new, empty database (SQLite to "
                          "PostgreSQL, or back), checking every table's row count")
    copy.add_argument("source", metavar="FROM", help="the database to copy: a file or a postgresql:// URL")
    copy.add_argument("target", metavar="TO", help="the empty database to fill: a file or a postgresql:// URL")
    sync = sub.add_parser("sync-commands", parents=[common],
                          help="register the Discord slash commands (globally, or in the configured servers)")
    sync.add_argument("--guild", type=int, action="append", metavar="ID",
                      help="register in this server only (repeatable; default: discord.guild_ids, else globally)")
    sub.add_parser("new-key", help="print a new random secret key (for secret_key, or SOLIDARITY__SECRET_KEY_FILE)")
    agenda = sub.add_parser("agenda", help="the agenda of sessions: agenda import FILE")
    agenda_sub = agenda.add_subparsers(dest="agenda_command", required=True, metavar="{import}")
    agenda_import = agenda_sub.add_parser(
        "import", parents=[common], help="add or update sessions from a .toml or .ics file (matched by uid; "
        "subscribers are told of a new time or place)")
    agenda_import.add_argument("file", type=Path, help="the agenda file, .toml or .ics")
    agenda_import.add_argument("--on", metavar="DATE", help="hold the agenda on this day instead (YYYY-MM-DD, "
                               "today or tomorrow): each session keeps its clock time")
    return parser


def _configure_logging(settings: Settings, *, quiet: bool) -> None:
    level = logging.WARNING if quiet and settings.log_level in ("DEBUG", "INFO") else settings.log_level
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        # One object a line: when (UTC, ISO 8601), how grave, which part of the bot, what happened (and, after a
        # failure, its traceback). What a log line may say is the same in either format: never a token, a message
        # or a contact (the redaction below applies to the whole line).
        handler.setFormatter(JsonFormatter("{levelname}{name}{message}", style="{", timestamp=True,
                                           rename_fields={"levelname": "level", "name": "logger",
                                                          "message": "event"}))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    # No token and no webhook secret ever reaches stderr or the log: not in a message, a traceback, nor a crash.
    redact = Redactor(s.get_secret_value() for s in (settings.telegram.token, settings.telegram.secret_token,
                                                     settings.discord.token, settings.backup.passphrase,
                                                     settings.secret_key)
                      if s is not None)
    redact_logging(redact)
    redact_uncaught(redact)
    # Libraries log what passes through them at DEBUG: request URLs (a Telegram URL holds the token), request
    # bodies and SQL parameters (what people wrote). Whatever level the bot runs at, they stay above that.
    for name, floor in (("httpx", logging.WARNING), ("httpcore", logging.WARNING), ("aiosqlite", logging.WARNING),
                        ("psycopg", logging.WARNING),
                        ("telegram", logging.INFO), ("discord", logging.INFO), ("aiohttp", logging.WARNING),
                        ("apscheduler", logging.INFO), ("tornado", logging.WARNING)):
        logging.getLogger(name).setLevel(max(floor, logging.getLogger().level))


def serve_feeds(app: App, settings: Settings, servers: Servers) -> None:
    """Members' calendar feeds on the HTTP server, when the settings give its public address."""
    if settings.http.public_url is not None and settings.http.port is not None:
        Feeds(app, settings.http.feed_requests_per_hour).serve_on(servers.at(settings.http.listen, settings.http.port))


async def _listen(servers: Servers, command: str, hint: str) -> bool:
    """Start the HTTP servers; False, having said why in one line, when an address cannot be listened on."""
    try:
        await servers.start()
    except OSError as exc:
        print(f"solidarity-bot {command}: cannot listen for HTTP ({exc.strerror}); {hint}", file=sys.stderr)
        return False
    return True


async def _console(settings: Settings, files: Path | None = None) -> int:
    app = await open_app(settings)
    servers = Servers()  # calendar feeds, when set up: tried from the console as from a chat
    try:
        serve_feeds(app, settings, servers)
        # A console next to a running bot (the same settings, its port taken) goes on without serving feeds.
        await _listen(servers, "console", "calendar feeds are not served from this console")
        adapter = ConsoleAdapter(app.core, echo=not sys.stdin.isatty(), files=files)
        app.delivery.register(adapter)
        await app.start()
        await adapter.run()
    finally:
        await servers.stop()
        await app.close()
    return 0


async def _migrate(settings: Settings) -> int:
    db = connect(settings.database, secret_key=settings.secret_key_text())
    await db.open(migrate=False)
    try:
        before = await db.schema_version()
        applied = await db.migrate()
        after = await db.schema_version()
    finally:
        await db.close()
    if applied:
        print(f"{db.name}: schema upgraded from version {before} to {after}.")
    else:
        print(f"{db.name}: schema is up to date (version {after} of {latest_version(db.dialect)}).")
    return 0


async def _run(settings: Settings) -> int:
    wanted = settings.platforms_with_tokens()
    if not wanted:
        print("solidarity-bot run: no platform has a token. Set telegram.token or discord.token in the settings "
              "(or SOLIDARITY__TELEGRAM__TOKEN / SOLIDARITY__DISCORD__TOKEN), or try `solidarity-bot console`.",
              file=sys.stderr)
        return EXIT_CONFIG
    missing = [p for p in wanted if p not in SUPPORTED_PLATFORMS]
    if missing:
        print(f"solidarity-bot run: this version cannot start {', '.join(missing)} yet "
              f"(supported: {', '.join(SUPPORTED_PLATFORMS)}).", file=sys.stderr)
        if len(missing) == len(wanted):
            return EXIT_CONFIG
    app = await open_app(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    platforms: list[Platform] = []
    servers = Servers()  # the HTTP endpoint and Telegram's webhook, one server where they share an address
    try:
        if "telegram" in wanted:
            webhook = settings.telegram.mode == "webhook"
            telegram = telegram_adapter(
                app, servers.at(settings.telegram.listen, settings.telegram.port) if webhook else None)
            # Long polling is one connection among all the processes; a webhook is served by each of them.
            platforms.append(Platform("telegram", telegram, telegram.start, role=None if webhook else "telegram"))
        if "discord" in wanted:
            discord_adapter = DiscordAdapter(app.core, settings.discord, metrics=app.metrics)
            assert settings.discord.token is not None
            token = settings.discord.token.get_secret_value()
            platforms.append(Platform("discord", discord_adapter, lambda: discord_adapter.start(token),
                                      role="discord"))
        for platform in platforms:
            # Messages are queued for a platform from the start, and wait until it is connected.
            app.delivery.register(platform.adapter, connected=False)
            if platform.role:
                app.cluster.want(platform.role)
        if settings.http.port is not None:
            Health(app, [Watched(p.name, p.adapter.is_connected, p.role) for p in platforms]).serve_on(
                servers.at(settings.http.listen, settings.http.port))
        serve_feeds(app, settings, servers)
        if not await _listen(servers, "run", "check http.listen and http.port, or telegram.listen and telegram.port"):
            return EXIT_CONFIG
        await app.start()
        log.info("running; stop with Ctrl-C")
        if not await run_platforms(platforms, app.delivery, stop, app.cluster):
            return EXIT_CONFIG  # every platform rejected its token (each said so in one line)
        log.info("stopping")
    finally:
        await _shut_down(app, platforms, servers)
    return 0


async def _shut_down(app: App, platforms: list[Platform], servers: Servers) -> None:
    """Stop within STOP_WITHIN seconds: take no more updates, let the replies in flight finish, stop sending
    what the outbox holds (it stays there for the next start), then close the connections and the database.
    Whatever is still running at the deadline is cut off (a message then cut off goes again at the next start)."""
    clock = asyncio.get_running_loop().time
    begun = clock()
    try:
        async with asyncio.timeout(STOP_WITHIN):
            await app.scheduler.stop()  # the senders first: nothing more goes through adapters about to stop
            for platform in reversed(platforms):
                await platform.adapter.stop()  # no more updates; those being handled finish
    except TimeoutError:
        log.warning("stopping took longer than %g s; what was still running was cut off", STOP_WITHIN)
        for platform in platforms:  # a last, quick close of whatever the deadline interrupted
            try:
                async with asyncio.timeout(1):
                    await platform.adapter.stop()
            except Exception as exc:
                log.info("%s did not close cleanly (%s)", platform.name, type(exc).__name__)
    await servers.stop()
    await app.close()
    log.info("stopped in %.1f s", clock() - begun)


async def _sync_commands(settings: Settings, guilds: list[int] | None, *, client=None) -> int:
    """Register the slash commands; `client` is a discord.Client to use instead of a new one (tests)."""
    if settings.discord.token is None:
        print("solidarity-bot sync-commands: discord.token is not set (or SOLIDARITY__DISCORD__TOKEN).",
              file=sys.stderr)
        return EXIT_CONFIG
    app = await open_app(settings)
    try:
        adapter = DiscordAdapter(app.core, settings.discord, client=client)
        async with adapter.client:
            try:
                await adapter.login(settings.discord.token.get_secret_value())
            except TokenRejected as exc:
                print(f"solidarity-bot sync-commands: {exc}", file=sys.stderr)
                return EXIT_CONFIG
            where = await adapter.sync_commands(guilds or settings.discord.guild_ids or None)
        print(f"Registered {len(adapter.tree.get_commands())} slash commands {', '.join(where)}. "
              "Global commands can take up to an hour to appear; server commands appear at once.")
    finally:
        await app.close()
    return 0


async def _copy_db(settings: Settings, source: str, target: str) -> int:
    """Copy FROM into the empty TO, both sealed with the same key (the settings' secret_key, else FROM's key
    file); print what was copied, table by table. A new SQLite TO gets FROM's key file beside it."""
    if source == target:
        print("solidarity-bot copy-db: FROM and TO are the same database", file=sys.stderr)
        return EXIT_CONFIG
    secret = settings.secret_key_text()
    from_key = None if is_postgresql(source) else key_file(sqlite_path(source))
    if secret is None and from_key is not None and from_key.is_file():
        secret = from_key.read_text(encoding="utf-8").strip()
    with_key = functools.partial(connect, secret_key=secret)
    async with opened(source, with_key) as from_db, opened(target, with_key) as to_db:
        print(f"Copying {from_db.name} to {to_db.name} …", flush=True)
        copied = await copy_database(from_db, to_db)
    to_key = None if is_postgresql(target) else key_file(sqlite_path(target))
    if secret is not None and settings.secret_key is None and to_key is not None and not to_key.exists():
        write_key_file(to_key, secret)
        print(f"{to_key} holds the secret key of the copy (the same as {from_key}).")
    width = max(len(table) for table in copied.rows)
    for table, rows in copied.rows.items():
        print(f"  {table:<{width}}  {rows:>12,}")
    print(f"{sum(copied.rows.values()):,} rows in {len(copied.rows)} tables copied in {copied.seconds:.1f} s; "
          f"every table's count matches {from_db.name}.")
    return 0


def _sqlite_file(settings: Settings, command: str) -> Path | None:
    """The SQLite file the settings name; None (after one line saying what to do instead) for PostgreSQL."""
    if is_postgresql(settings.database):
        print(f"solidarity-bot {command}: the database is PostgreSQL; back it up with pg_dump and restore it with "
              "pg_restore (the README's \"Backups\" gives the commands)", file=sys.stderr)
        return None
    return Path(settings.database.removeprefix("sqlite://") if settings.database.startswith("sqlite:///")
                else settings.database)


def _key_fingerprint(settings: Settings, database: Path) -> str | None:
    """The fingerprint of the key the bot would open this SQLite file with, if there is one yet."""
    secret = settings.secret_key_text()
    if secret is None and key_file(database).is_file():
        secret = key_file(database).read_text(encoding="utf-8").strip()
    return Keyring(secret).fingerprint if secret else None


def _passphrase(settings: Settings) -> str | None:
    secret = settings.backup.passphrase
    return secret.get_secret_value() if secret is not None else None


def _backup(settings: Settings, target: Path) -> int:
    database = _sqlite_file(settings, "backup")
    if database is None:
        return EXIT_CONFIG
    try:
        copy = backup.take(database, target, _passphrase(settings))
    except (backup.BackupError, OSError) as exc:
        print(f"solidarity-bot backup: {_reason(exc)}", file=sys.stderr)
        return EXIT_FAILED
    how = "encrypted with backup.passphrase" if copy.encrypted else "not encrypted: keep it where only you can read it"
    key = "secret_key" if settings.secret_key is not None else str(key_file(database))
    print(f"Backed up {database} to {copy.path}: {copy.members:,} members, schema version {copy.schema_version}, "
          f"{copy.size:,} bytes, {how}. The secret key is not in it: keep a copy of {key} apart from it.")
    return 0


def _restore(settings: Settings, source: Path, *, yes: bool) -> int:
    database = _sqlite_file(settings, "restore")
    if database is None:
        return EXIT_CONFIG
    passphrase = _passphrase(settings)
    try:
        found = backup.inspect(source, passphrase)
        key = _key_fingerprint(settings, database)
        backup.check_key(source, passphrase, key, database)
        if not yes:
            question = (f"Replace everything in {database} with {source} ({found.members:,} members, schema "
                        f"version {found.schema_version})? What the database holds now is lost. [y/N] ")
            if not sys.stdin.isatty():
                print(f"solidarity-bot restore: this replaces everything in {database}; add --yes to confirm",
                      file=sys.stderr)
                return EXIT_CONFIG
            if input(question).strip().lower() not in ("y", "yes"):
                print("Nothing was changed.")
                return 0
        copy = backup.restore(source, database, passphrase, key=key)
    except (backup.BackupError, OSError) as exc:
        print(f"solidarity-bot restore: {_reason(exc)}", file=sys.stderr)
        return EXIT_FAILED
    upgrade = (" The bot upgrades its schema when it next starts." if copy.schema_version < latest_version("sqlite")
               else "")
    print(f"Restored {source} into {database}: {copy.members:,} members, schema version "
          f"{copy.schema_version}.{upgrade}")
    return 0


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return f"{exc.strerror or type(exc).__name__}" + (f" ({exc.filename})" if exc.filename else "")
    return str(exc)


async def _agenda(settings: Settings, args: argparse.Namespace) -> int:
    return await import_agenda(settings, args.file, on=args.on)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = _parser().parse_args(argv)
    if args.command == "new-key":  # needs no settings: it is how a deployment makes its first
        print(Keyring.new_secret())
        return 0
    try:
        settings = load_settings(getattr(args, "config", None), database=getattr(args, "db", None))
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    _configure_logging(settings, quiet=args.command in ("console", "agenda", "copy-db", "backup", "restore"))
    if args.command == "backup":
        return _backup(settings, args.file)
    if args.command == "restore":
        return _restore(settings, args.file, yes=args.yes)
    commands = {"console": lambda s: _console(s, args.files), "run": _run, "migrate": _migrate,
                "copy-db": lambda s: _copy_db(s, args.source, args.target),
                "sync-commands": lambda s: _sync_commands(s, args.guild),
                "agenda": lambda s: _agenda(s, args)}
    try:
        with asyncio.Runner() as runner:
            runner.get_loop().set_exception_handler(report_asyncio_error)
            return runner.run(commands[args.command](settings))
    except DatabaseError as exc:
        print(f"solidarity-bot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    except Exception:
        log.critical("solidarity-bot stopped on an unexpected error", exc_info=True)  # redacted like any log
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())

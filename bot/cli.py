"""The command line: `solidarity-bot console | run | migrate` (also `python -m bot …`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from pythonjsonlogger.json import JsonFormatter

from bot.agenda import import_agenda
from bot.app import open_app
from bot.console import ConsoleAdapter
from bot.discord_adapter import DiscordAdapter
from bot.platforms import Platform, TokenRejected, run_platforms
from bot.redaction import (
    Redactor,
    redact_logging,
    redact_uncaught,
    report_asyncio_error,
)
from bot.settings import Settings, SettingsError, load_settings
from bot.telegram_adapter import telegram_adapter
from storage.copying import copy_database, opened
from storage.database import DatabaseError, connect, latest_version

EXIT_CONFIG = 2
EXIT_FAILED = 1
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
                                metavar="{console,run,migrate,copy-db,sync-commands,agenda}")
    sub.add_parser("console", parents=[common], help="talk to the bot in this terminal, as any number of people")
    sub.add_parser("run", parents=[common], help="start every platform that has a token in the settings")
    sub.add_parser("migrate", parents=[common], help="create or upgrade the database, then exit")
    copy = sub.add_parser("copy-db", help="copy a whole network into a new, empty database (SQLite to "
                          "PostgreSQL, or back), checking every table's row count")
    copy.add_argument("source", metavar="FROM", help="the database to copy: a file or a postgresql:// URL")
    copy.add_argument("target", metavar="TO", help="the empty database to fill: a file or a postgresql:// URL")
    sync = sub.add_parser("sync-commands", parents=[common],
                          help="register the Discord slash commands (globally, or in the configured servers)")
    sync.add_argument("--guild", type=int, action="append", metavar="ID",
                      help="register in this server only (repeatable; default: discord.guild_ids, else globally)")
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
                                                     settings.discord.token) if s is not None)
    redact_logging(redact)
    redact_uncaught(redact)
    # Libraries log what passes through them at DEBUG: request URLs (a Telegram URL holds the token), request
    # bodies and SQL parameters (what people wrote). Whatever level the bot runs at, they stay above that.
    for name, floor in (("httpx", logging.WARNING), ("httpcore", logging.WARNING), ("aiosqlite", logging.WARNING),
                        ("psycopg", logging.WARNING),
                        ("telegram", logging.INFO), ("discord", logging.INFO), ("aiohttp", logging.WARNING),
                        ("apscheduler", logging.INFO), ("tornado", logging.WARNING)):
        logging.getLogger(name).setLevel(max(floor, logging.getLogger().level))


async def _console(settings: Settings) -> int:
    app = await open_app(settings)
    try:
        adapter = ConsoleAdapter(app.core, echo=not sys.stdin.isatty())
        app.delivery.register(adapter)
        await app.start()
        await adapter.run()
    finally:
        await app.close()
    return 0


async def _migrate(settings: Settings) -> int:
    db = connect(settings.database)
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
    try:
        if "telegram" in wanted:
            telegram = telegram_adapter(app)
            # Long polling is one connection among all the processes; a webhook is served by each of them.
            single = "telegram" if settings.telegram.mode == "polling" else None
            platforms.append(Platform("telegram", telegram, telegram.start, role=single))
        if "discord" in wanted:
            discord_adapter = DiscordAdapter(app.core, settings.discord)
            assert settings.discord.token is not None
            token = settings.discord.token.get_secret_value()
            platforms.append(Platform("discord", discord_adapter, lambda: discord_adapter.start(token),
                                      role="discord"))
        for platform in platforms:
            # Messages are queued for a platform from the start, and wait until it is connected.
            app.delivery.register(platform.adapter, connected=False)
            if platform.role:
                app.cluster.want(platform.role)
        await app.start()
        log.info("running; stop with Ctrl-C")
        if not await run_platforms(platforms, app.delivery, stop, app.cluster):
            return EXIT_CONFIG  # every platform rejected its token (each said so in one line)
    finally:
        await app.scheduler.stop()  # nothing more is sent through adapters about to stop
        for platform in reversed(platforms):
            await platform.adapter.stop()
        await app.close()
    return 0


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


async def _copy_db(source: str, target: str) -> int:
    """Copy FROM into the empty TO; print what was copied, table by table."""
    if source == target:
        print("solidarity-bot copy-db: FROM and TO are the same database", file=sys.stderr)
        return EXIT_CONFIG
    async with opened(source, connect) as from_db, opened(target, connect) as to_db:
        print(f"Copying {from_db.name} to {to_db.name} …", flush=True)
        copied = await copy_database(from_db, to_db)
    width = max(len(table) for table in copied.rows)
    for table, rows in copied.rows.items():
        print(f"  {table:<{width}}  {rows:>12,}")
    print(f"{sum(copied.rows.values()):,} rows in {len(copied.rows)} tables copied in {copied.seconds:.1f} s; "
          f"every table's count matches {from_db.name}.")
    return 0


async def _agenda(settings: Settings, args: argparse.Namespace) -> int:
    return await import_agenda(settings, args.file, on=args.on)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(getattr(args, "config", None), database=getattr(args, "db", None))
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    _configure_logging(settings, quiet=args.command in ("console", "agenda", "copy-db"))
    commands = {"console": _console, "run": _run, "migrate": _migrate,
                "copy-db": lambda s: _copy_db(args.source, args.target),
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

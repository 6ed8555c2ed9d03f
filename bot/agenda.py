"""`solidarity-bot agenda import FILE`: put a whole agenda (.toml or .ics) into the database.

The file is read and checked completely first; if anything is wrong, every problem is printed and nothing is
stored. Sessions are matched by uid: new ones are added, known ones updated, and the subscribers of a session whose
time or place changed (or that was cancelled) are told through the outbox, which the running bot sends.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.app import network_from, open_app
from bot.settings import Settings
from handlers import localtime
from handlers.agenda_files import Draft, read_agenda
from handlers.events import Person, Reply
from handlers.sessions import import_drafts

MAX_FILE = 5 * 1024 * 1024


class _Queued:
    """Stands for a platform while importing: messages for it wait in the outbox for the running bot."""

    def __init__(self, platform: str) -> None:
        self.platform = platform

    async def send(self, person: Person, reply: Reply) -> None:  # never called: the import does not send
        raise RuntimeError("the import only queues messages")


def parse_day(text: str, today: date) -> date:
    """'2027-05-13', 'today' or 'tomorrow'."""
    word = text.strip().lower()
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    return date.fromisoformat(word)


def move_to_day(drafts: list[Draft], day: date) -> list[Draft]:
    """The agenda held on another day: the first session's local date becomes `day`, every session keeps its
    clock times (in its own zone) and its distance in days from the first."""
    if not drafts:
        return drafts
    first = min(drafts, key=lambda d: d.values["starts_at"])
    shift = day - localtime.wall(first.values["starts_at"], first.values["zone"]).date()
    moved = []
    for draft in drafts:
        zone, values = draft.values["zone"], dict(draft.values)
        for key in ("starts_at", "ends_at"):
            values[key] = localtime.to_utc(localtime.wall(values[key], zone) + shift, zone)
        moved.append(replace(draft, values=values))
    return moved


async def import_agenda(settings: Settings, path: Path, *, on: str | None = None, out=None) -> int:
    """Import the file; the exit code (0, or 1 when the file was refused)."""
    out = out or sys.stdout

    if not path.is_file():
        print(f"agenda import: {path}: no such file", file=sys.stderr)
        return 1
    if path.stat().st_size > MAX_FILE:
        print(f"agenda import: {path}: larger than {MAX_FILE // (1024 * 1024)} MB", file=sys.stderr)
        return 1
    reading = read_agenda(path.name, path.read_bytes(), network_from(settings))
    if reading.problems:
        print(f"agenda import: {path}: nothing was imported:", file=sys.stderr)
        for problem in reading.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    app = await open_app(settings)
    try:
        now = int(app.core.services.clock().timestamp())
        drafts = reading.drafts
        if on is not None:
            try:
                day = parse_day(on, datetime.now().date())
            except ValueError:
                print(f"agenda import: --on {on[:20]!r}: give a date such as 2027-05-13, today or tomorrow",
                      file=sys.stderr)
                return 1
            drafts = move_to_day(drafts, day)
        # Messages for subscribers wait in the outbox until the running bot sends them.
        platforms = {"console", *settings.platforms_with_tokens()}
        for platform in sorted(platforms):
            app.delivery.register(_Queued(platform))
        result = await import_drafts(app.core.services, drafts, now)
    finally:
        await app.close()
    for warning in reading.warnings:
        print(f"warning: {warning}", file=out)
    print(f"{path.name}: {_count(len(drafts), 'session')}: {result.created} new, {result.updated} updated, "
          f"{result.unchanged} unchanged; {_count(result.told, 'change notice')} queued for subscribers.", file=out)
    if result.moved_to_past:
        print(f"note: {_count(result.moved_to_past, 'session')} that {'was' if result.moved_to_past == 1 else 'were'}"
              " still to come moved into the past, to the dates in the file, and their subscribers were told. If the "
              "agenda was imported with --on before, import it again with the same --on.", file=out)
    if result.past:
        print(f"note: {result.past} of them {'is' if result.past == 1 else 'are'} already over, so /agenda (which "
              "shows sessions still to come) will not list them. To hold this agenda on another day: "
              "--on YYYY-MM-DD (or today, tomorrow).", file=out)
    return 0


def _count(n: int, noun: str) -> str:
    """'1 session', '4 sessions' (the command line speaks English only)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"

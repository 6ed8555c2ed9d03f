"""Writing sessions as an .ics file that calendar programs import."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar

from handlers import localtime
from handlers.network import Network


def to_ics(sessions: list, network: Network, *, now: int | None, host: str = "solidarity-bot",
           alarm_minutes: int | None = None) -> bytes:
    """The sessions as an iCalendar file (one VEVENT each, in each session's own time zone). Each event is stamped
    `now`, or with its session's last change when `now` is None (a feed: the same sessions give the same bytes, so
    a calendar program asking again is told nothing changed). `alarm_minutes`: an alarm that long before each
    session still on."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Solidarity Bot//agenda//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", network.name)
    for session in sessions:
        tz = localtime.zone(session.zone)
        event = icalendar.Event()
        event.add("uid", f"{session.uid or f'session-{session.id}'}@{host}")
        event.add("dtstamp", datetime.fromtimestamp(now if now is not None else session.updated_at, UTC))
        event.add("dtstart", datetime.fromtimestamp(session.starts_at, tz))
        event.add("dtend", datetime.fromtimestamp(session.ends_at, tz))
        event.add("summary", session.title)
        event.add("sequence", session.sequence)
        event.add("last-modified", datetime.fromtimestamp(session.updated_at, UTC))
        event.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
        # Never the call link: an agenda file travels (it is forwarded, synced to shared calendars); the link goes
        # only to members going, 15 minutes before the start.
        if session.venue:
            event.add("location", session.venue)
        elif session.link:
            event.add("location", "online")
        details = [session.description or ""]
        if session.moderator:
            details.append(f"Moderator: {session.moderator}")
        if session.speakers:
            details.append(f"Speakers: {session.speakers}")
        text = "\n\n".join(d for d in details if d)
        if text:
            event.add("description", text)
        labels = [c.label for c in (network.theme(t) for t in session.themes) if c is not None]
        if labels:
            event.add("categories", labels)
        if alarm_minutes is not None and not session.cancelled:
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", session.title)
            alarm.add("trigger", timedelta(minutes=-alarm_minutes))
            event.add_component(alarm)
        calendar.add_component(event)
    try:
        calendar.add_missing_timezones()
    except Exception:  # an older icalendar: the events still carry their TZID
        pass
    return calendar.to_ical()

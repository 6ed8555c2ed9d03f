"""Reading an agenda exported as iCalendar (.ics) from a calendar program."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from typing import Any

import icalendar

from handlers import localtime
from handlers.agenda_files.common import (
    MAX_DAYS,
    MAX_DESCRIPTION,
    MAX_LINK,
    MAX_SESSIONS,
    MAX_THEMES,
    MAX_TITLE,
    MAX_VENUE,
    Draft,
    Reading,
    check_text,
    link_problem,
    whole_minute,
    zone_problem,
)
from handlers.agenda_files.reading_toml import read_toml
from handlers.network import Network
from handlers.timezones import exact_timezone


def _ics_moment(value: Any, zone: str) -> tuple[int | None, str]:
    """An .ics DTSTART/DTEND: UTC epoch seconds and the zone it was given in (floating times: `zone`)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return localtime.to_utc(value, zone), zone
        key = getattr(value.tzinfo, "key", None) or (exact_timezone(str(value.tzname() or "")) or None)
        return int(value.timestamp()), key if key and not zone_problem(key) else "UTC"
    if isinstance(value, date):
        return localtime.to_utc(datetime.combine(value, time(0)), zone), zone
    return None, zone


def read_ics(content: bytes, network: Network, *, zone: str = "UTC") -> Reading:
    """An agenda in iCalendar: one session per VEVENT (SUMMARY, DTSTART, DTEND or DURATION, LOCATION, URL,
    DESCRIPTION, CATEGORIES as themes, STATUS:CANCELLED). Times without a zone are read in `zone`."""
    reading = Reading()
    try:
        calendar = icalendar.Calendar.from_ical(content)
    except Exception:  # the library raises ValueError and friends for anything malformed
        reading.problems.append("not a valid iCalendar (.ics) file")
        return reading
    events = list(calendar.walk("VEVENT"))
    if not events:
        reading.problems.append("no event (VEVENT) in the file")
    if len(events) > MAX_SESSIONS:
        reading.problems.append(f"{len(events)} events; at most {MAX_SESSIONS} in one file")
        return reading
    seen: set[str] = set()
    for number, event in enumerate(events, start=1):
        title_raw = str(event.get("SUMMARY", "") or "")
        where = f"event {number}" + (f" ({title_raw[:40]!r})" if title_raw else "")
        problems: list[str] = []
        values: dict[str, Any] = {}
        values["title"], problem = check_text("title", title_raw, MAX_TITLE)
        if problem:
            problems.append(problem)
        if values["title"] is None:
            problems.append("a title (SUMMARY) is needed")
        start = event.get("DTSTART")
        starts_at, session_zone = _ics_moment(start.dt if start is not None else None, zone)
        if starts_at is None:
            problems.append("a start (DTSTART) is needed")
        end = event.get("DTEND")
        if end is not None:
            ends_at, _zone = _ics_moment(end.dt, session_zone)
        elif event.get("DURATION") is not None and starts_at is not None:
            duration = event.get("DURATION").dt
            ends_at = starts_at + int(duration.total_seconds()) if isinstance(duration, timedelta) else None
        else:
            ends_at = None
        starts_at, ends_at = whole_minute(starts_at), whole_minute(ends_at)
        if ends_at is None:
            problems.append("an end (DTEND or DURATION) is needed")
        elif starts_at is not None and ends_at <= starts_at:
            problems.append("end is not after start")
        elif starts_at is not None and ends_at - starts_at > MAX_DAYS * 86400:
            problems.append(f"a session lasts at most {MAX_DAYS} days")
        values.update(starts_at=starts_at, ends_at=ends_at, zone=session_zone)
        location, problem = check_text("location", str(event.get("LOCATION", "") or ""), MAX_VENUE)
        if problem:
            problems.append(problem)
        link, problem = check_text("url", str(event.get("URL", "") or ""), MAX_LINK)
        if problem:
            problems.append(problem)
        if location and not link and link_problem(location) is None:
            location, link = None, location  # an online session: the call link given as its location
        if link and link_problem(link):
            # Calendars made elsewhere may carry any web address: the session is still worth importing.
            reading.warnings.append(f"{where}: URL left out: {link_problem(link)}")
            link = None
        values["venue"], values["link"] = location, link
        values["description"], problem = check_text("description", str(event.get("DESCRIPTION", "") or ""),
                                                    MAX_DESCRIPTION)
        if problem:
            problems.append(problem)
        values["moderator"] = values["speakers"] = None
        values["themes"] = []
        categories = event.get("CATEGORIES")
        labels: list[str] = []
        for item in categories if isinstance(categories, list) else [categories] if categories else []:
            labels += [str(c) for c in getattr(item, "cats", [item])]
        for label in labels:
            choice = network.find("theme", label[:100])
            if choice is None:
                reading.warnings.append(f"{where}: category {label[:60]!r} is not one of the network's themes; "
                                        "left out")
            elif choice.id not in values["themes"] and len(values["themes"]) < MAX_THEMES:
                values["themes"].append(choice.id)
        uid = str(event.get("UID", "") or "").strip()
        if not uid:
            basis = f"{values['title']}|{starts_at}".encode()
            uid = "ics-" + hashlib.sha256(basis).hexdigest()[:16]
            reading.warnings.append(f"{where}: no UID; identified by its title and start instead")
        if len(uid) > 200:
            uid = "ics-" + hashlib.sha256(uid.encode()).hexdigest()[:16]
        if uid in seen:
            problems.append("its UID is used twice")
        seen.add(uid)
        status = "cancelled" if str(event.get("STATUS", "")).upper() == "CANCELLED" else "scheduled"
        reading.problems += [f"{where}: {p}" for p in problems]
        if not problems:
            reading.drafts.append(Draft(uid, values, status, where))
    return reading


def read_agenda(name: str, content: bytes, network: Network) -> Reading:
    """A .toml or .ics agenda, by its file name."""
    lower = name.lower()
    if lower.endswith(".toml"):
        return read_toml(content, network)
    if lower.endswith((".ics", ".ical", ".ifb", ".icalendar")):
        return read_ics(content, network)
    return Reading(problems=["an agenda file ends in .toml or .ics"])

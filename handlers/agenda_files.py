"""Agenda files: reading a whole agenda from TOML or iCalendar (.ics), and writing sessions as .ics.

Reading checks everything first and returns either the sessions or every problem found, so an import never
stores half a file. Each session has a stable `uid` (given in the file; for an .ics event without UID, one made
from its title and start), by which importing the same file again updates the sessions instead of adding them
twice. Only what the agenda needs is read from an .ics: organisers and attendees (people's addresses) are
ignored.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

import icalendar

from handlers.network import Network
from handlers.sanitise import clean_line
from handlers.timezones import exact_timezone

MAX_TITLE = 120
MAX_VENUE = 200
MAX_LINK = 500
MAX_PERSON = 200
MAX_SPEAKERS = 1000
MAX_DESCRIPTION = 2000
MAX_THEMES = 6
MAX_DAYS = 7  # the longest a session may last
MAX_SESSIONS = 500  # in one file
_UID = re.compile(r"^[A-Za-z0-9@._:+-]{1,200}$")


@dataclass
class Draft:
    """A session read from a file, not yet stored: its uid, editable values (as `Session.values()`), status."""

    uid: str
    values: dict[str, Any]
    status: str = "scheduled"
    where: str = ""  # "session 2 (“Title”)", for messages


@dataclass
class Reading:
    """What a file held: sessions, or problems (one line each); warnings do not stop the import."""

    drafts: list[Draft] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def link_problem(text: str) -> str | None:
    """Why `text` is not a usable call link, or None: only https:// links (a call link sent in clear could be
    read or changed on the way)."""
    if any(ch.isspace() for ch in text):
        return "a link has no spaces"
    parts = urlsplit(text)
    if parts.scheme.lower() != "https" or not parts.netloc:
        return "a link starts with https://"
    return None


def whole_minute(at: int | None) -> int | None:
    """A session time without its seconds: sessions start and end on whole minutes, in every zone (all offsets
    from UTC have been whole minutes since 1972)."""
    return None if at is None else at - at % 60


def zone_problem(zone: str) -> str | None:
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {zone[:60]!r}"
    return None


def check_text(name: str, value: Any, limit: int) -> tuple[str | None, str | None]:
    """A text field cleaned to one line: (text or None when empty, problem)."""
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, f"{name} should be text"
    checked = clean_line(value, limit)
    if checked.problem == "empty":
        return None, None
    if checked.problem == "too_long":
        return None, f"{name} is {checked.length} characters long; the most is {limit}"
    return checked.text, None


# --- TOML ------------------------------------------------------------------------------------------------------


def _local_moment(value: Any, day: date | None, zone: str, name: str) -> tuple[int | None, str | None]:
    """A TOML time: an offset date-time, a local date-time, a local time (on the agenda's `date`), or a string of
    one of these; UTC epoch seconds."""
    if isinstance(value, str):
        text = value.strip()
        try:
            if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", text):
                value = time.fromisoformat(text.zfill(5) if len(text) == 4 else text)
            else:
                value = datetime.fromisoformat(text)
        except ValueError:
            return None, f"{name} {text[:40]!r} is not a date and time (2027-05-11T09:30, or 09:30 with a date)"
    if isinstance(value, time) and not isinstance(value, datetime):
        if day is None:
            return None, f"{name} is a time of day, but the agenda has no date"
        value = datetime.combine(day, value.replace(tzinfo=None))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zoneinfo.ZoneInfo(zone), fold=0)
        return int(value.timestamp()), None
    return None, f"{name} should be a date and time"


def read_toml(content: bytes, network: Network) -> Reading:
    """An agenda in TOML: an optional [agenda] table (date, zone, venue, link, themes shared by its sessions) and
    one [[session]] table per session (uid, title, start, end, zone, venue, link, moderator, speakers,
    description, themes, cancelled)."""
    reading = Reading()
    try:
        data = tomllib.loads(content.decode("utf-8"))
    except UnicodeDecodeError:
        reading.problems.append("the file is not UTF-8 text")
        return reading
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"\(at line (\d+)", str(exc))
        reading.problems.append(f"not valid TOML{f' (line {line[1]})' if line else ''}")
        return reading
    agenda = data.get("agenda", {})
    sessions = data.get("session", [])
    if not isinstance(agenda, dict) or not isinstance(sessions, list) or not all(isinstance(s, dict)
                                                                                 for s in sessions):
        reading.problems.append("expected an [agenda] table and [[session]] tables")
        return reading
    unknown = set(data) - {"agenda", "session"}
    if unknown:
        reading.problems.append(f"unknown top-level keys: {', '.join(sorted(unknown))}")
    if not sessions:
        reading.problems.append("no [[session]] in the file")
    if len(sessions) > MAX_SESSIONS:
        reading.problems.append(f"{len(sessions)} sessions; at most {MAX_SESSIONS} in one file")
        return reading
    day = agenda.get("date")
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            reading.problems.append("agenda.date should be a date such as 2027-05-11")
            day = None
    if day is not None and not isinstance(day, date):
        reading.problems.append("agenda.date should be a date such as 2027-05-11")
        day = None
    known = {"uid", "title", "start", "end", "zone", "venue", "link", "moderator", "speakers", "description",
             "themes", "cancelled"}
    seen: set[str] = set()
    for number, raw in enumerate(sessions, start=1):
        where = f"session {number}"
        if isinstance(raw.get("title"), str):
            where += f" ({raw['title'][:40]!r})"
        problems: list[str] = []
        extra = set(raw) - known
        if extra:
            problems.append(f"unknown keys: {', '.join(sorted(extra))}")
        uid = raw.get("uid")
        if not isinstance(uid, str) or not _UID.match(uid):
            problems.append("uid is needed: letters, digits and . _ : @ + - (it identifies the session when the "
                            "file is imported again)")
        elif uid in seen:
            problems.append(f"uid {uid!r} is used twice")
        else:
            seen.add(uid)
        zone = raw.get("zone", agenda.get("zone", "UTC"))
        if not isinstance(zone, str) or zone_problem(zone):
            problems.append(f"unknown time zone {str(zone)[:60]!r}")
            zone = "UTC"
        zone = exact_timezone(zone) or zone
        values: dict[str, Any] = {"zone": zone}
        for name, limit, default in (("title", MAX_TITLE, None), ("venue", MAX_VENUE, agenda.get("venue")),
                                     ("link", MAX_LINK, agenda.get("link")), ("moderator", MAX_PERSON, None),
                                     ("description", MAX_DESCRIPTION, None)):
            text, problem = check_text(name, raw.get(name, default), limit)
            if problem:
                problems.append(problem)
            values[name] = text
        if values["title"] is None:
            problems.append("title is needed")
        if values["link"] and link_problem(values["link"]):
            problems.append(link_problem(values["link"]) or "")
        speakers = raw.get("speakers")
        if isinstance(speakers, list) and all(isinstance(s, str) for s in speakers):
            speakers = "; ".join(" ".join(s.split()) for s in speakers if s.strip())
        text, problem = check_text("speakers", speakers, MAX_SPEAKERS)
        if problem:
            problems.append(problem)
        values["speakers"] = text
        starts_at, problem = _local_moment(raw.get("start"), day, zone, "start") if "start" in raw else \
            (None, "start is needed")
        if problem:
            problems.append(problem)
        ends_at, problem = _local_moment(raw.get("end"), day, zone, "end") if "end" in raw else \
            (None, "end is needed")
        if problem:
            problems.append(problem)
        starts_at, ends_at = whole_minute(starts_at), whole_minute(ends_at)
        values["starts_at"], values["ends_at"] = starts_at, ends_at
        if starts_at is not None and ends_at is not None:
            if ends_at <= starts_at:
                problems.append("end is not after start")
            elif ends_at - starts_at > MAX_DAYS * 86400:
                problems.append(f"a session lasts at most {MAX_DAYS} days")
        themes = raw.get("themes", agenda.get("themes", []))
        if isinstance(themes, str):
            themes = [themes]
        values["themes"] = []
        if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
            problems.append("themes should be a list of the network's themes")
        else:
            for label in themes:
                choice = network.find("theme", label[:100])
                if choice is None:
                    problems.append(f"the network has no theme {label[:60]!r}")
                elif choice.id not in values["themes"]:
                    values["themes"].append(choice.id)
            if len(values["themes"]) > MAX_THEMES:
                problems.append(f"at most {MAX_THEMES} themes")
        cancelled = raw.get("cancelled", False)
        if not isinstance(cancelled, bool):
            problems.append("cancelled should be true or false")
        reading.problems += [f"{where}: {p}" for p in problems]
        if not problems:
            reading.drafts.append(Draft(uid, values, "cancelled" if cancelled else "scheduled", where))
    return reading


# --- iCalendar -----------------------------------------------------------------------------------------------


def _ics_moment(value: Any, zone: str) -> tuple[int | None, str]:
    """An .ics DTSTART/DTEND: UTC epoch seconds and the zone it was given in (floating times: `zone`)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zoneinfo.ZoneInfo(zone))
            return int(value.timestamp()), zone
        key = getattr(value.tzinfo, "key", None) or (exact_timezone(str(value.tzname() or "")) or None)
        return int(value.timestamp()), key if key and not zone_problem(key) else "UTC"
    if isinstance(value, date):
        return int(datetime.combine(value, time(0), tzinfo=zoneinfo.ZoneInfo(zone)).timestamp()), zone
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


# --- writing .ics -------------------------------------------------------------------------------------------


def to_ics(sessions: list, network: Network, *, now: int, host: str = "solidarity-bot") -> bytes:
    """The sessions as an iCalendar file (one VEVENT each, in each session's own time zone)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Solidarity Bot//agenda//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", network.name)
    stamp = datetime.fromtimestamp(now, UTC)
    for session in sessions:
        try:
            tz = zoneinfo.ZoneInfo(session.zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            tz = zoneinfo.ZoneInfo("UTC")
        event = icalendar.Event()
        event.add("uid", f"{session.uid or f'session-{session.id}'}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", datetime.fromtimestamp(session.starts_at, tz))
        event.add("dtend", datetime.fromtimestamp(session.ends_at, tz))
        event.add("summary", session.title)
        event.add("sequence", session.sequence)
        event.add("last-modified", datetime.fromtimestamp(session.updated_at, UTC))
        event.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
        if session.venue:
            event.add("location", session.venue)
        elif session.link:
            event.add("location", session.link)
        if session.link:
            event.add("url", session.link)
        details = [session.description or ""]
        if session.moderator:
            details.append(f"Moderator: {session.moderator}")
        if session.speakers:
            details.append(f"Speakers: {session.speakers}")
        if session.link:
            details.append(f"Join: {session.link}")
        text = "\n\n".join(d for d in details if d)
        if text:
            event.add("description", text)
        labels = [c.label for c in (network.theme(t) for t in session.themes) if c is not None]
        if labels:
            event.add("categories", labels)
        calendar.add_component(event)
    try:
        calendar.add_missing_timezones()
    except Exception:  # an older icalendar: the events still carry their TZID
        pass
    return calendar.to_ical()

"""Reading an agenda written as TOML: a table per session, times in the file's time zone."""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, time
from typing import Any

from handlers import localtime
from handlers.agenda_files.common import (
    _UID,
    MAX_DAYS,
    MAX_DESCRIPTION,
    MAX_LINK,
    MAX_PERSON,
    MAX_SESSIONS,
    MAX_SPEAKERS,
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
from handlers.network import Network
from handlers.timezones import exact_timezone


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
        return (localtime.to_utc(value, zone) if value.tzinfo is None else int(value.timestamp())), None
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

"""An agenda file's sessions as drafts, the limits every field keeps, and a call link's checks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from handlers import localtime
from handlers.sanitise import clean_line

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
    return None if localtime.known_zone(zone) else f"unknown time zone {zone[:60]!r}"


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

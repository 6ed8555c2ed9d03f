"""Agenda files: reading a whole agenda from TOML or iCalendar (.ics), and writing sessions as .ics.

Reading checks everything first and returns either the sessions or every problem found, so an import never
stores half a file. Each session has a stable `uid` (given in the file; for an .ics event without UID, one made
from its title and start), by which importing the same file again updates the sessions instead of adding them
twice. Only what the agenda needs is read from an .ics: organisers and attendees (people's addresses) are
ignored.
"""

from handlers.agenda_files.common import (
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
from handlers.agenda_files.reading_ical import read_agenda
from handlers.agenda_files.writing_ics import to_ics

__all__ = [
    "MAX_DAYS",
    "MAX_DESCRIPTION",
    "MAX_LINK",
    "MAX_PERSON",
    "MAX_SESSIONS",
    "MAX_SPEAKERS",
    "MAX_THEMES",
    "MAX_TITLE",
    "MAX_VENUE",
    "Draft",
    "Reading",
    "check_text",
    "link_problem",
    "read_agenda",
    "to_ics",
    "whole_minute",
    "zone_problem",
]

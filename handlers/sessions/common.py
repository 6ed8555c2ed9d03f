"""What every part of the sessions capability shares: its router, the draft's fields and limits."""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.agenda_files import (
    MAX_DESCRIPTION,
    MAX_LINK,
    MAX_PERSON,
    MAX_SPEAKERS,
    MAX_TITLE,
    MAX_VENUE,
)
from handlers.arguments import MAX_ID, Param
from handlers.core import Role, Router
from handlers.core.questions import Flow, answered
from handlers.data_rights import iso
from handlers.i18n import N_

router = Router("sessions")

FLOW = "session"
def _values(values: dict) -> dict:
    return {key: iso(value) if key.endswith("_at") else value for key, value in values.items()}


draft_flow = Flow(router, FLOW, stale=N_("That question has already been answered or was cancelled."),
                  role=Role.ORGANISER,
                  exported=lambda data: answered(data, session_number="session", values=("values", _values)))
REQUIRED = ("title", "start", "end")
FIELDS = ("title", "start", "end", "zone", "venue", "link", "moderator", "speakers", "description", "themes", "places",
          "closes", "interpretation", "access")
OPTIONAL = ("venue", "link", "moderator", "speakers", "description", "themes", "places", "closes", "interpretation",
            "access")
# A field kept in the draft under another name than its own.
VALUE_OF = {"closes": "signups_close_at", "access": "asks_access"}
MAX_PLACES = 100_000
MAX_INTERPRETATION = 6  # languages a session may offer interpretation into
MAX_ACCESS = 300  # characters of a member's access needs
YES_WORDS = ("yes", "y", "oui", "sí", "si", "да", "نعم", "是", "ask")
NO_WORDS = ("no", "n", "not", "non", "нет", "لا", "不", "不去", "否")
AGENDA_PAGE = 8  # sessions per page of /agenda: two Follow buttons a row, four rows, and a row for the rest
LEADS = (5, 15, 30, 60)  # reminder leads offered as buttons (any 1-1440 may be typed)
MAX_LEAD = 1440
CLOCK = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))$", re.IGNORECASE)
# A length, "2 hours 30", "90 minutes", "1h30", in the bot's six languages ("2 heures", "90 минут", "2小时").
DURATION = re.compile(r"^(?:for\s+)?(?:(\d{1,3})\s*(?:h|hr|hrs|hours?|heures?|horas?|час(?:а|ов)?|ساعات|ساعة|小时|钟头))?"
                      r"\s*(?:(\d{1,4})\s*(m|min|mins|minutes?|minutos?|минут[аы]?|دقيقة|دقائق|分钟)?)?$", re.IGNORECASE)

FIELD_LABELS = {"title": N_("Title"), "start": N_("Start"), "end": N_("End"), "zone": N_("Time zone"),
                "venue": N_("Venue"), "link": N_("Call link"), "moderator": N_("Moderator"),
                "speakers": N_("Speakers"), "description": N_("Description"), "themes": N_("Themes"),
                "places": N_("Places"), "closes": N_("Sign-ups close"), "interpretation": N_("Interpretation"),
                "access": N_("Access needs")}
FIELD_LIMITS = {"title": MAX_TITLE, "venue": MAX_VENUE, "link": MAX_LINK, "moderator": MAX_PERSON,
                "speakers": MAX_SPEAKERS, "description": MAX_DESCRIPTION}

# A session's number, and its fields as a command names them (/newsession start:… venue:…); the core asks for what
# is missing.
SESSION_NUMBER = Param("number", N_("the session's number, from /agenda"), number=True, required=True, low=1,
                       high=MAX_ID)
SESSION_FIELDS = (
    Param("title", N_("what the session is called"), longest=MAX_TITLE),
    Param("start", N_("when it starts: 10 December 9:30"), named=True),
    Param("end", N_("when it ends: 11:00, 90 minutes, or a date and time"), named=True),
    Param("zone", N_("the time zone it is held in: a city or a zone name"), named=True, suggest="timezone"),
    Param("venue", N_("where it takes place"), named=True, longest=MAX_VENUE),
    Param("link", N_("the call link, https://…"), named=True, longest=MAX_LINK),
    Param("moderator", N_("who moderates it"), named=True, longest=MAX_PERSON),
    Param("speakers", N_("speakers or discussion starters"), named=True, longest=MAX_SPEAKERS),
    Param("themes", N_("its themes, separated by commas"), named=True, aliases=("theme",)),
    Param("description", N_("what it is about"), named=True, longest=MAX_DESCRIPTION),
    Param("places", N_("how many places it has (none: no limit)"), named=True),
    Param("closes", N_("when sign-ups close: a date and time before the start"), named=True),
    Param("interpretation", N_("the languages it offers interpretation into: French, Arabic"), named=True),
    Param("access", N_("“yes” to ask those going about their access needs"), named=True),
)


# What the capability's buttons carry.
@dataclass(frozen=True)
class SessionRef:
    """One session: edit it, cancel it (and confirm), register a commitment from it, or not."""

    session: int


@dataclass(frozen=True)
class Follow:
    """Follow (`on`) or unfollow a session."""

    session: int
    on: bool


@dataclass(frozen=True)
class ThemeFollow:
    theme: str
    on: bool


@dataclass(frozen=True)
class AgendaView:
    """The agenda as shown: on one theme, only the sessions followed, which page."""

    theme: str | None
    mine: bool
    page: int = 0


@dataclass(frozen=True)
class Lead:
    minutes: int


@dataclass(frozen=True)
class Attended:
    session: int
    attended: bool

"""What every part of the sessions capability shares: its router, the draft's fields and limits."""

from __future__ import annotations

import re

from handlers.agenda_files import (
    MAX_DESCRIPTION,
    MAX_LINK,
    MAX_PERSON,
    MAX_SPEAKERS,
    MAX_TITLE,
    MAX_VENUE,
)
from handlers.core import Router
from handlers.i18n import N_

router = Router("sessions")

FLOW = "session"
REQUIRED = ("title", "start", "end")
FIELDS = ("title", "start", "end", "zone", "venue", "link", "moderator", "speakers", "description", "themes")
OPTIONAL = ("venue", "link", "moderator", "speakers", "description", "themes")
AGENDA_PAGE = 8  # sessions per page of /agenda: two Follow buttons a row, four rows, and a row for the rest
LEADS = (5, 15, 30, 60)  # reminder leads offered as buttons (any 1-1440 may be typed)
MAX_LEAD = 1440
CLOCK = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))$", re.IGNORECASE)
DURATION = re.compile(r"^(?:for\s+)?(?:(\d{1,3})\s*(?:h|hr|hrs|hours?))?\s*(?:(\d{1,4})\s*(m|min|mins|minutes?)?)?$",
                       re.IGNORECASE)

FIELD_LABELS = {"title": N_("Title"), "start": N_("Start"), "end": N_("End"), "zone": N_("Time zone"),
                "venue": N_("Venue"), "link": N_("Call link"), "moderator": N_("Moderator"),
                "speakers": N_("Speakers"), "description": N_("Description"), "themes": N_("Themes")}
FIELD_LIMITS = {"title": MAX_TITLE, "venue": MAX_VENUE, "link": MAX_LINK, "moderator": MAX_PERSON,
                "speakers": MAX_SPEAKERS, "description": MAX_DESCRIPTION}

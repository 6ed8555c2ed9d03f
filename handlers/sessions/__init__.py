"""Sessions and the agenda: organisers make and change sessions; members see the agenda, follow sessions or
themes, get a reminder before a session starts, hear when it moves or is cancelled, and are asked afterwards.

Organisers: /newsession and /editsession fill a draft (title, start, end, time zone, venue or call link,
moderator, speakers, description, themes) question by question or from named parts
(`/newsession Opening start:10 December 9:30 end:11:00 zone:Geneva`), shown as a summary with a button per field;
nothing is stored before Create (or Save). /cancelsession asks first. `solidarity-bot agenda import FILE` does the
same from a .toml or .ics file (see handlers.agenda_files).

Members: /agenda lists sessions still to come in their own time zone with Follow buttons (and as an .ics file),
/next the next one, /session N one in full; /subscribe and /unsubscribe take a number or `theme:…`;
/subscriptions lists what they follow and sets how long before a session they are reminded.

What falls due is in the schedule, one row per subscriber (see storage.sessions): the reminder goes at the time
the member chose, whatever their quiet hours (they asked for it); the question after the session waits for the
end of their quiet hours. A change of time or place, or a cancellation, is told to the subscribers at once, in
the transaction that makes the change.
"""

from handlers.sessions import (  # noqa: F401  (their handlers)
    agenda,
    attendance,
    cancelling,
    data,
    due,
    feed,
    following,
    questions,
    signing_up,
    steps,
)
from handlers.sessions.common import router
from handlers.sessions.notices import (
    ImportResult,
    cancel_session,
    import_drafts,
    save_session,
)

__all__ = ["ImportResult", "cancel_session", "import_drafts", "router", "save_session"]

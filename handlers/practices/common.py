"""What every part of the toolbox shares: its router and flows, limits, the words for its states, the buttons'
payloads, and how one practice is found for the person asking (one they may not see reads like one that does not
exist)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from handlers.arguments import number
from handlers.core import Context, Role, Router
from handlers.core.questions import Flow, answered
from handlers.i18n import N_, _, _n
from storage.practices import Practice

router = Router("practices")

FLOW = "practice"  # sharing a practice (or changing one: its author after a review, or an organiser)
NOTE_FLOW = "practice_note"  # a note with a report, or an organiser's note to the author
FEEDBACK_FLOW = "meeting_feedback"  # what a future meeting should address
practice_flow = Flow(router, FLOW, stale=N_("That question has already been answered or was cancelled. Send "
                                            "/practice to share a practice."),
                     exported=lambda data: answered(data, title="title", what="what", region="region", place="place",
                                                    themes="themes", actor_kind="actor", worked="worked",
                                                    not_worked="not_worked", needs="needs", link="link",
                                                    visibility="visibility", anonymous="anonymous"))
note_flow = Flow(router, NOTE_FLOW, stale=N_("That question has already been answered or was cancelled."),
                 exported=lambda data: answered(data, practice_number="practice"))
feedback_flow = Flow(router, FEEDBACK_FLOW, stale=N_("That question has already been answered or was cancelled."),
                     exported=lambda data: answered(data, text="text", theme="theme", session_number="session"))

SKIP = ""  # Skip among a question's choices (no region, theme or kind has it)
DONE = "."  # Done under the themes (no theme has it)
STEPS = ("title", "what", "where", "themes", "actor", "worked", "not_worked", "needs", "link", "visibility",
         "name")
LIMITS = {"title": 120, "what": 1500, "worked": 800, "not_worked": 800, "needs": 400, "link": 300, "where": 60}
MAX_NOTE = 300
MAX_FEEDBACK = 500
RESULTS = 5  # practices on one page of /practices
CHOICE_PAGE = 20
NOTES_SHOWN = 3

VISIBILITY_LABELS = {"network": N_("The network"), "organisers": N_("Organisers only")}
STATUS_LABELS = {
    "pending": N_("waiting for an organiser's review"),
    "changes": N_("changes asked for"),
    "approved": N_("published"),
    "declined": N_("declined"),
    "retired": N_("retired: organisers marked it outdated"),
    "merged": N_("merged into another practice"),
}


# What the capability's buttons carry.
@dataclass(frozen=True)
class PracticeRef:
    """One practice: open it, report on it, try it, ask its author, review it."""

    practice: int


@dataclass(frozen=True)
class ResultsPage:
    """A page of /practices' results: the search, kept as it was asked."""

    theme: str
    region: str
    words: str
    page: int


@dataclass(frozen=True)
class SessionRef:
    """A session just ended: share a practice from it, or say what a future meeting should address."""

    session: int


def practice_number(text: str) -> int | None:
    """'12' or '#12' (in any script's digits) as a practice's number."""
    return number(text.strip().removeprefix("#"))


def no_such(practice_id: int | str) -> Markup:
    return _("There is no practice #{id}. Send /practices to find practices.", id=practice_id)


async def visible(ctx: Context, practice_id: int) -> Practice | None:
    """The practice, if the person asking may see it (else None, exactly as for one that does not exist)."""
    practice = await ctx.repos.practices.get(practice_id)
    if practice is None or ctx.member is None:
        return None
    return practice if practice.shown_to(ctx.member_id, organiser=is_organiser(ctx)) else None


def is_organiser(ctx: Context) -> bool:
    return ctx.role >= Role.ORGANISER


def too_long(length: int, most: int) -> Markup:
    return _n("That is {n} character; the most is {max}. Please say it in fewer words.",
              "That is {n} characters; the most is {max}. Please say it in fewer words.", length, max=most)

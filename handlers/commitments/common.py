"""What every part of the commitments capability shares: its router, limits, and the words for statuses and answers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.core import Router
from handlers.core.questions import Flow, answered
from handlers.data_rights import iso
from handlers.i18n import N_

router = Router("commitments")

FLOW = "commit"  # registering a new commitment
EDIT_FLOW = "commitment_change"  # a new date or a note for an existing one
commit_flow = Flow(router, FLOW, stale=N_("That question has already been answered or was cancelled. Send "
                                          "/commitments to see yours."),
                   exported=lambda data: answered(
                       data, what="what", due_at=("due", iso), theme="theme", region="region",
                       visible_to="visibility", joint_commitment=("joint", bool), from_session_number="session",
                       trying_practice_number="practice"))
edit_flow = Flow(router, EDIT_FLOW, stale=N_("That question has already been answered or was cancelled. Send "
                                             "/commitments to see yours."),
                 exported=lambda data: answered(data, commitment_number="commitment"))
SKIP = ""  # the value of Skip among a question's choices (no theme or region has it)
STEPS = ("what", "due", "theme", "region", "visibility")
MAX_WHAT = 500
MAX_NOTE = 500
DEFAULT_HOUR = 10  # a date typed without a time, or a quick choice, falls due at 10:00 local time
DAY = 24 * 3600
HALFWAY_AFTER = 14 * DAY  # commitments due further away than this get a check-in halfway too
NUDGE_AFTER = 2 * DAY
STALE_AFTER = 2 * DAY
ASK_AGAIN_AFTER = 7 * DAY  # "on track" once the due date has come: the next check-in
LIST_PAGE = 5  # commitments per page of /commitments: 4 buttons each stays within Discord's 25 per message
CHOICE_PAGE = 20  # themes or regions offered at once (with Skip, paging and Cancel, still under 25 buttons)
ORGANISER_LIMIT = 30
BY = re.compile(r"\s+by\s+", re.IGNORECASE)
LEADING_BY = re.compile(r"^by\s+", re.IGNORECASE)

VISIBILITY_LABELS = {"network": N_("The network"), "organisers": N_("Organisers only"), "private": N_("Just me")}
VISIBILITY_WORDS = {"network": "network", "everyone": "network", "organisers": "organisers",
                    "organizers": "organisers", "organiser": "organisers", "organizer": "organisers",
                    "private": "private", "me": "private", "just me": "private", "only me": "private"}
STATUS_LABELS = {"open": N_("open"), "done": N_("done"), "dropped": N_("dropped")}
CHECKIN_ANSWERS = ("done", "on_track", "help", "new_date", "drop")
CHECKIN_NOTE_LABELS = {"done": N_("done"), "on_track": N_("on track"), "help": N_("needs help"),
                       "new_date": N_("a new date")}
NOTES_SHOWN = 15  # the latest notes of one commitment shown in full; /export holds them all


# What the capability's buttons carry.
@dataclass(frozen=True)
class CommitmentRef:
    """One commitment: Done, Progress, New date, Drop (and its confirmation), Find a partner for it."""

    commitment: int


@dataclass(frozen=True)
class CheckinAnswer:
    commitment: int
    answer: str  # one of CHECKIN_ANSWERS


@dataclass(frozen=True)
class ListPage:
    page: int


@dataclass(frozen=True)
class Filters:
    """Organisers' (or the network's) list narrowed down: `scope` is "all" or "network"."""

    scope: str
    filters: dict[str, str]
    overdue: bool
    page: int = 0

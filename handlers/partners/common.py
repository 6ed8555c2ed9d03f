"""What every part of the partners capability shares: its router, limits and timings."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.core import Router
from handlers.core.questions import Flow, answered
from handlers.i18n import N_

router = Router("partners")

FLOW = "partner"
partner_flow = Flow(router, FLOW, stale=N_("That question has already been answered or was cancelled. Send /partner "
                                           "to start again."),
                    exported=lambda data: answered(data, theme="theme", region="region", language="language",
                                                   note="note", search_number="request",
                                                   people_ticked=("picked", len)))
ANY = ""  # the value of Any theme, Any region, Any language and Skip among a question's choices
STEPS = ("theme", "region", "language", "note")
MAX_NOTE = 300
SHOWN = 5  # people a search proposes, at most
POOL = 60  # candidates a search reads and ranks
DAY = 24 * 3600
EXPIRE_AFTER = 7 * DAY  # an introduction not made by then lapses, and the searcher hears "not available"
ASK_AGAIN_AFTER = 3 * DAY  # after "Not now"
AFTER_ASKING_AGAIN = 4 * DAY  # asked again: how long before it lapses
GAP_DAYS = 90
CHOICE_PAGE = 20
LIST_INCOMING = 5
LIST_INTRODUCED = 10
LIST_SEARCHES = 5
LIST_ARRANGED = 5
MAX_WHAT_SHOWN = 80
UNANSWERED_PAUSE = 3  # introduction requests left to lapse in a row before a member is no longer proposed
ANSWERS = {"accept": "accepted", "later": "not_now", "decline": "declined", "block": "declined"}


# What the capability's buttons carry.
@dataclass(frozen=True)
class IntroRef:
    """One introduction: show its request again, register a joint commitment."""

    intro: int


@dataclass(frozen=True)
class IntroAnswer:
    intro: int
    answer: str  # one of ANSWERS


@dataclass(frozen=True)
class FollowUp:
    """"Did you connect?": `first` is False when it is asked the second time (no "Not yet" then)."""

    intro: int
    answer: str
    first: bool

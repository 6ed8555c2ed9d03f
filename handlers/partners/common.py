"""What every part of the partners capability shares: its router, limits and timings."""

from __future__ import annotations

import asyncio
import random
from typing import Any
from markupsafe import Markup
from handlers import languages as langs
from handlers import profile, when
from handlers.arguments import keyword_args
from handlers.commitments import joint_partner, start_joint
from handlers.core import Context, Fire, Role, Router
from handlers.data_rights import iso
from handlers.events import Button, Reply
from handlers.i18n import N_, _, _n, current_language, join_lines, language, pick_language, plain
from handlers.roles import resolve_member
from handlers.paging import page_of
from handlers.sanitise import clean_line
from storage.conversations import Conversation, ConversationRepository
from storage.members import Member
from storage.partners import Candidate, Introduction, PartnerRepository
from storage.schedule import DueItem


router = Router("partners")

FLOW = "partner"
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
ANSWERS = {"accept": "accepted", "later": "not_now", "decline": "declined", "block": "declined"}

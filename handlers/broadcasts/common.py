"""What every part of the broadcasts capability shares: its router and limits."""

from __future__ import annotations

from handlers.core import Router

router = Router("broadcasts")

FLOW = "broadcast"
MAX_TEXT = 1500  # one message on every platform, with the header and the footer (Discord allows 2000)
PAGE = 24
ROLES = ("member", "organiser")
DAY = 24 * 3600
STATUS_LIMIT = 5

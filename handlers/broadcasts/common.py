"""What every part of the broadcasts capability shares: its router and limits."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.core import Role, Router
from handlers.core.questions import Flow, answered
from handlers.data_rights import iso
from handlers.i18n import N_

router = Router("broadcasts")

FLOW = "broadcast"
draft_flow = Flow(router, FLOW, stale=N_("This draft is no longer open. Send /broadcast to write a new one."),
                  role=Role.ORGANISER,
                  exported=lambda data: answered(data, message="text", audience="audience", urgent="urgent",
                                                 announcement_channels="channels", send_at=("send_at", iso)))
AUDIENCES = ("themes", "regions", "roles", "sessions", "practices")  # the lists an audience is chosen from
BACK = ""  # "Back to the preview" under an audience list (no theme, region, role or session has it)
MAX_TEXT = 1500  # one message on every platform, with the header and the footer (Discord allows 2000)
PAGE = 24
ROLES = ("member", "organiser", "newcomer")
DAY = 24 * 3600
STATUS_LIMIT = 5


@dataclass(frozen=True)
class BroadcastRef:
    """One broadcast: approve or reject it, stop it (and confirm), or let it carry on."""

    broadcast: int

"""What every part of the profile capability shares: its router, steps, limits and labels."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.core import Router
from handlers.core.questions import Flow, answered
from handlers.i18n import N_

router = Router("profile")

FLOW = "profile"
def _chosen(values: list[str]) -> list:
    """Ticked themes, regions or languages; a place the member typed is marked as such, as in the profile."""
    return [{"name": v[1:], "typed_by_you": True} if v.startswith("~") else v for v in values]


profile_flow = Flow(router, FLOW, stale=N_("That question has already been answered. Send /profile to see or change "
                                           "your profile."),
                    exported=lambda data: answered(data, ticked_so_far=("picked", _chosen)))
SKIP = ""  # Skip (or Remove it) among a question's choices
DONE = "."  # Done under a list of toggles (no theme, region or language has it)
STEPS = ("name", "organisation", "kind", "themes", "regions", "languages", "timezone", "contact")
OPTIONAL = {"organisation", "contact"}
LIMITS = {"name": 64, "organisation": 100, "contact": 200, "region": 60}
MAX_FREE_REGIONS = 5
PAGE = 24  # choices shown at once: Telegram allows 100 buttons a message, a Discord menu 25 options
FIELD_LABELS = {
    "name": N_("Name"),
    "organisation": N_("Organisation"),
    "kind": N_("Kind of actor"),
    "themes": N_("Themes"),
    "regions": N_("Regions"),
    "languages": N_("Languages"),
    "timezone": N_("Time zone"),
    "contact": N_("Contact for partners"),
    "quiet": N_("Quiet hours"),
}
EDIT_ONLY = ("quiet",)  # parts of the profile not asked during set-up
COLUMN = {"name": "display_name", "organisation": "organisation", "contact": "contact", "timezone": "timezone",
          "kind": "actor_kind"}


@dataclass(frozen=True)
class Part:
    """A part of the profile to change (one of STEPS or EDIT_ONLY)."""

    part: str

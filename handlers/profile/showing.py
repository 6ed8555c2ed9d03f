"""The profile in words: its summary with a button per part, and quiet hours as the member reads them."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from handlers import languages as langs
from handlers import quiet, timezones
from handlers.accounts import describe_notify
from handlers.core import Context, Role
from handlers.events import Reply
from handlers.formatting import labels
from handlers.i18n import N_, _, current_language, join_lines, plain
from handlers.profile.common import EDIT_ONLY, FIELD_LABELS, STEPS, Part

HOURS = re.compile(r"^(\d{1,2})(?:[:h.](\d{2}))?\s*(?:-|–|—|to)\s*(\d{1,2})(?:[:h.](\d{2}))?$", re.IGNORECASE)


def quiet_text(start: int | None, end: int | None) -> Markup:
    if start is not None and start == end:
        return _("none")
    return _("{window} your time", window=quiet.format_window(start, end))




ROLE_NAMES = {Role.ADMIN: N_("admin"), Role.ORGANISER: N_("organiser"), Role.MEMBER: N_("member")}

# The profile's lines as one message, so that a translator sees them together.
SUMMARY = N_("<b>Name:</b> {name}\n"
             "<b>Organisation:</b> {organisation}\n"
             "<b>Kind of actor:</b> {kind}\n"
             "<b>Themes:</b> {themes}\n"
             "<b>Regions:</b> {regions}\n"
             "<b>Languages:</b> {languages}\n"
             "<b>Time zone:</b> {timezone}\n"
             "<b>Contact for partners:</b> {contact} <i>(shown to a partner only after you both agree)</i>\n"
             "<b>Notifications:</b> {notify} <i>(change with /notify)</i>\n"
             "<b>Quiet hours:</b> {quiet}\n"
             "<b>Role:</b> {role}")


async def summary(ctx: Context) -> Markup:
    """The member's profile as lines of text."""
    return _(SUMMARY, **summary_values(ctx))


def summary_values(ctx: Context) -> dict[str, Any]:
    """What the profile's lines show, each value ready to be placed in one."""
    member = ctx.member
    assert member is not None
    dash = "—"
    network = ctx.network
    kind = network.actor_kind(member.actor_kind or "")
    themes = [network.theme(t).label if network.theme(t) else t for t in member.themes]
    regions = [network.region(r.name).label if not r.free and network.region(r.name) else r.name
               for r in member.regions]
    zone = member.timezone
    role = _(ROLE_NAMES.get(ctx.role, ROLE_NAMES[Role.MEMBER]))
    return dict(
        name=member.display_name or dash,
        organisation=member.organisation or dash,
        kind=kind.label if kind else dash,
        themes=labels(themes) or dash,
        regions=labels(regions) or dash,
        languages=", ".join(langs.language_name(c, current_language()) for c in member.languages) or dash,
        timezone=_("{zone}, now {time}", zone=zone, time=timezones.now_in(zone, ctx.now_dt)) if zone else dash,
        contact=member.contact or dash,
        notify=describe_notify(member),
        quiet=quiet_text(member.quiet_start, member.quiet_end),
        role=role,
    )


async def view(ctx: Context) -> Reply:
    """The profile with a button for each part."""
    buttons = [await ctx.button(plain(FIELD_LABELS[step]), "profile.edit", Part(step))
               for step in (*STEPS, *EDIT_ONLY)]
    rows = tuple(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2))
    return Reply(join_lines(_("<b>Your profile</b>"), await summary(ctx), "",
                            _("Tap a button to change that part.")), buttons=rows)

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
from handlers.i18n import _, join_lines, plain
from handlers.profile.common import EDIT_ONLY, FIELD_LABELS, STEPS, Part

HOURS = re.compile(r"^(\d{1,2})(?:[:h.](\d{2}))?\s*(?:-|–|—|to)\s*(\d{1,2})(?:[:h.](\d{2}))?$", re.IGNORECASE)


def quiet_text(start: int | None, end: int | None) -> Markup:
    if start is not None and start == end:
        return _("none")
    return _("{window} your time", window=quiet.format_window(start, end))




SUMMARY_FIELDS = ("name", "organisation", "kind", "themes", "regions", "languages", "timezone")


async def summary(ctx: Context) -> Markup:
    """The member's profile as lines of text."""
    values = summary_values(ctx)
    return join_lines(
        *(_("<b>{label}:</b> {value}", label=plain(FIELD_LABELS[f]), value=values[f]) for f in SUMMARY_FIELDS),
        _("<b>{label}:</b> {value} <i>(shown to a partner only after you both agree)</i>",
          label=plain(FIELD_LABELS["contact"]), value=values["contact"]),
        _("<b>Notifications:</b> {notify} <i>(change with /notify)</i>", notify=values["notify"]),
        _("<b>Quiet hours:</b> {quiet}", quiet=values["quiet"]),
        _("<b>Role:</b> {role}", role=values["role"]),
    )


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
    role = {Role.ADMIN: _("admin"), Role.ORGANISER: _("organiser")}.get(ctx.role, _("member"))
    return dict(
        name=member.display_name or dash,
        organisation=member.organisation or dash,
        kind=_(kind.label) if kind else dash,
        themes=labels(themes) or dash,
        regions=labels(regions) or dash,
        languages=", ".join(langs.language_name(c) for c in member.languages) or dash,
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

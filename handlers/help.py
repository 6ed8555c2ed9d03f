"""/help: the commands this person may use, by role, each with only the options they may use."""

from __future__ import annotations

from handlers.core import Args, Context, Role, Router
from handlers.events import Reply
from handlers.i18n import N_, _, join_lines, plain

router = Router("help")


def _line(spec, role: Role) -> object:
    usage = spec.usage_for(role)
    return _("{usage} — {summary}", usage=plain(usage) if usage else f"/{spec.name}", summary=plain(spec.summary))


@router.command("help", Role.STRANGER, N_("what you can do here"), private=False, when_blocked=True, order=1)
async def help_command(ctx: Context, args: Args) -> Reply:
    """List the commands, grouped by the role that unlocks them."""
    blocked = ctx.member is not None and ctx.member.blocked
    specs = ctx.routes.commands_for(ctx.role, blocked=blocked)
    headings = {
        Role.STRANGER: _("<b>Commands</b>"),
        Role.MEMBER: _("<b>Commands</b>") if ctx.role == Role.MEMBER else _("<b>For everyone</b>"),
        Role.ORGANISER: _("<b>For organisers</b>"),
        Role.ADMIN: _("<b>For admins</b>"),
    }
    lines: list = [_("<b>{network}</b>", network=ctx.network.name)]
    current = None
    for spec in specs:
        group = Role.MEMBER if spec.role == Role.STRANGER and ctx.role >= Role.MEMBER else spec.role
        if group != current:
            lines += ["", headings[group]]
            current = group
        lines.append(_line(spec, ctx.role))
    if ctx.role == Role.STRANGER:
        lines += ["", _("This network is for people countering hate and anti-migrant narratives. "
                        "Send /start to join.")]
    elif blocked:
        lines += ["", _("Your access is suspended by the organisers.")]
    elif ctx.member and not ctx.member.profile_complete:
        lines += ["", _("Your profile is not finished yet: send /profile to continue.")]
    return Reply(join_lines(*lines))

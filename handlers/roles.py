"""Roles and blocking: admins make and unmake organisers; organisers block and unblock members.

Invite codes an organiser made stop working when they are no longer one (demoted, blocked, or gone). A member
who is blocked or unblocked is told so, in neutral words that do not say who did it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from markupsafe import Markup

from handlers.arguments import MEMBER, Param, number
from handlers.core import Args, Context, Role, Router, role_of
from handlers.events import Reply
from handlers.i18n import N_, _, _n, join_lines
from handlers.sanitise import visible
from storage.audit import AuditRepository
from storage.database import Connection
from storage.invites import InviteRepository
from storage.members import Member, MemberRepository

router = Router("roles")

_IDENTITY = re.compile(r"^(console|telegram|discord):(\S{1,64})$")
LIST_LIMIT = 20


async def role_of_member(ctx: Context, member: Member) -> Role:
    return role_of(member, any(a in ctx.network.admins for a in member.accounts))


def _label(member: Member) -> Markup:
    if not member.display_name:
        return _("#{id} {name}", id=member.id, name=_("(no name yet)"))
    if not visible(member.display_name):  # given before names had to show
        return _("#{id} {name}", id=member.id, name=_("(no visible name)"))
    return _("#{id} {name}", id=member.id, name=member.display_name)


async def resolve_member(ctx: Context, text: str, usage: Markup) -> Member | Reply:
    """The member named by '#12', '12', 'platform:id' or an exact display name; else a reply saying why not."""
    text = text.strip()
    if not text:
        return Reply(usage)
    member_id = number(text.removeprefix("#"))
    if member_id is not None:
        member = await ctx.repos.members.get(member_id)
    elif _IDENTITY.match(text):
        platform, external = text.split(":", 1)
        member = await ctx.repos.members.by_identity(platform, external)
    else:
        found = await ctx.repos.members.find_by_name(text)
        if len(found) > 1:
            return Reply(_("Several members are called {name}: {ids}. Use the number, for example #{first}.",
                           name=text, ids=", ".join(f"#{m.id}" for m in found), first=found[0].id))
        member = found[0] if found else None
    if member is None:
        return Reply(_("No member matches “{text}”. Send /members to list them with their numbers.",
                       text=text[:64]))
    return member


async def organisers_besides(ctx: Context, besides: int) -> list[int]:
    """Every organiser and configured admin who can act (not blocked), but `besides`: whom to tell of something
    waiting for an organiser (a broadcast to approve, a practice to review)."""
    ids = set(await ctx.repos.members.organiser_ids(besides=besides))
    for key in ctx.network.admins:
        platform, _sep, external_id = key.partition(":")
        member = await ctx.repos.members.by_identity(platform, external_id)
        if member is not None and member.id != besides and not member.blocked:
            ids.add(member.id)
    return sorted(ids)


@router.command("members", Role.ORGANISER, N_("list members, or find them by name, theme or region"),
                usage=N_("/members [part of a name] [theme:…] [region:…]"), order=20,
                params=(Param("name", N_("part of a name to look for")),
                        Param("theme", N_("only members working on this theme"), named=True, suggest="theme"),
                        Param("region", N_("only members working in this region or place"), named=True,
                              suggest="region")))
async def members(ctx: Context, args: Args) -> Reply:
    """Members with their numbers, roles and whether they are blocked."""
    text, named = args.text, args.values
    query = text[:64]
    theme = ctx.network.find("theme", named["theme"]) if named.get("theme") else None
    if named.get("theme") and theme is None:
        return Reply(_("The network has no theme “{theme}”. Its themes: {themes}.", theme=named["theme"][:64],
                       themes=", ".join(c.label for c in ctx.network.themes)))
    region_text = named.get("region", "")[:64]
    region = ctx.network.find("region", region_text) if region_text else None
    found = await ctx.repos.members.search(query, limit=LIST_LIMIT + 1, theme=theme.id if theme else None,
                                           region=region.id if region else region_text or None)
    if not found:
        if query or named:
            return Reply(_("No member matches “{text}”.", text=" ".join(
                [query, *(f"{k}:{v}" for k, v in named.items())]).strip()))
        return Reply(_("The network has no members yet."))
    lines = []
    for member in found[:LIST_LIMIT]:
        role = await role_of_member(ctx, member)
        tags = [{Role.ADMIN: _("admin"), Role.ORGANISER: _("organiser")}.get(role, _("member"))]
        if member.blocked:
            tags.append(_("blocked"))
        if not member.profile_complete:
            tags.append(_("profile unfinished"))
        lines.append(_("{label} — {tags}", label=_label(member), tags=Markup(", ").join(tags)))
    total = await ctx.repos.members.count()
    if query or named:
        matching = await ctx.repos.members.count_matching(query, theme=theme.id if theme else None,
                                                          region=region.id if region else region_text or None)
        head = _n("<b>Members matching “{text}”:</b> {n} of {total}",
                  "<b>Members matching “{text}”:</b> {n} of {total}", matching, total=total,
                  text=" ".join([query, *(f"{k}:{v}" for k, v in named.items())]).strip())
    else:
        matching = total
        head = _n("<b>Members</b> ({n} in all)", "<b>Members</b> ({n} in all)", total)
    more = _n("Only the first {n} is shown; add part of a name to narrow it down.",
              "Only the first {n} are shown; add part of a name to narrow it down.", LIST_LIMIT) \
        if matching > LIST_LIMIT else None
    return Reply(join_lines(head, *lines, more))


async def _act_on(ctx: Context, target: Member, action: str,
                  change: Callable[[Connection], Awaitable[None]]) -> None:
    """Apply a privileged change and its audit row in one transaction."""
    async with ctx.repos.db.transaction() as conn:
        await change(conn)
        await AuditRepository.record_in(conn, action, actor_id=ctx.member_id, subject_id=target.id, now=ctx.now)


async def _change_role(ctx: Context, args: str, *, promote: bool) -> Reply:
    usage = _("Usage: {command} — a number such as #12, or an exact name.",
              command="/promote <member>" if promote else "/demote <member>")
    target = await resolve_member(ctx, args, usage)
    if isinstance(target, Reply):
        return target
    role = await role_of_member(ctx, target)
    if role == Role.ADMIN:
        return Reply(_("{label} is an admin; admins are set in the configuration file.", label=_label(target)))
    if promote and target.blocked:
        return Reply(_("{label} is blocked. Unblock them first with /unblock #{id}.", label=_label(target),
                       id=target.id))
    wanted = "organiser" if promote else "member"
    if target.role == wanted:
        return Reply(_("{label} is already an organiser.", label=_label(target)) if promote else
                     _("{label} is not an organiser.", label=_label(target)))
    stopped: list[int] = []

    async def change(conn: Connection) -> None:
        await MemberRepository.set_role_in(conn, target.id, wanted, ctx.now)
        if not promote:
            stopped.append(await InviteRepository.revoke_made_by_in(conn, target.id, ctx.now))

    await _act_on(ctx, target, "member.promote" if promote else "member.demote", change)
    await ctx.services.role_changed(target.id)
    await ctx.tell(target.id, lambda: _("You are now an organiser of {network}. Send /help to see what organisers "
                                        "can do.", network=ctx.network.name) if promote else
                   _("You are no longer an organiser of {network}.", network=ctx.network.name))
    return Reply(join_lines(
        _("{label} is now an organiser.", label=_label(target)) if promote else
        _("{label} is no longer an organiser.", label=_label(target)),
        _invites_stopped(sum(stopped))))


def _invites_stopped(count: int) -> Markup | None:
    if not count:
        return None
    return _n("The invite code they made that still worked no longer works.",
              "The {n} invite codes they made that still worked no longer work.", count)


@router.command("promote", Role.ADMIN, N_("make a member an organiser"), usage=N_("/promote <member>"),
                params=(MEMBER,))
async def promote(ctx: Context, args: Args) -> Reply:
    """Make a member an organiser."""
    return await _change_role(ctx, args.text, promote=True)


@router.command("demote", Role.ADMIN, N_("make an organiser a plain member again"), usage=N_("/demote <member>"),
                params=(MEMBER,))
async def demote(ctx: Context, args: Args) -> Reply:
    """Make an organiser a member again."""
    return await _change_role(ctx, args.text, promote=False)


async def _set_blocked(ctx: Context, args: str, *, block: bool) -> Reply:
    usage = _("Usage: {command} — a number such as #12, or an exact name.",
              command="/block <member>" if block else "/unblock <member>")
    if block:
        usage = join_lines(usage, _("A blocked member can use no command except /export and /forget, and gets no "
                                    "introductions or broadcasts."))
    target = await resolve_member(ctx, args, usage)
    if isinstance(target, Reply):
        return target
    if target.id == ctx.member_id:
        return Reply(_("You cannot block or unblock yourself."))
    role = await role_of_member(ctx, target)
    if role >= ctx.role:
        return Reply(_("Only someone with a higher role can block or unblock {label}.", label=_label(target)))
    if target.blocked == block:
        return Reply(_("{label} is already blocked.", label=_label(target)) if block else
                     _("{label} is not blocked.", label=_label(target)))
    stopped: list[int] = []

    async def change(conn: Connection) -> None:
        await MemberRepository.set_blocked_in(conn, target.id, block, ctx.now)
        if block:
            stopped.append(await InviteRepository.revoke_made_by_in(conn, target.id, ctx.now))

    await _act_on(ctx, target, "member.block" if block else "member.unblock", change)
    # Neutral words: what changed for them and what they can still do, never who did it.
    await ctx.tell(target.id, lambda: suspended_notice(ctx) if block else
                   _("Your access to {network} is restored. Send /help to see what you can do.",
                     network=ctx.network.name))
    return Reply(join_lines(
        _("{label} is blocked.", label=_label(target)) if block else _("{label} is unblocked.", label=_label(target)),
        _("They can no longer use the bot, apart from /export and /forget.") if block else None,
        _("They are told that their access is suspended, not by whom.") if block else
        _("They are told that their access is restored."),
        _invites_stopped(sum(stopped)),
    ))


def suspended_notice(ctx: Context) -> Markup:
    """What a blocked member is told: what changed and what they can still do, never who did it."""
    return _("Your access to {network} is suspended by its organisers. You can still use /export to get a copy "
             "of your data, /forget to erase it, and /help.", network=ctx.network.name)


@router.command("block", Role.ORGANISER, N_("block a member"), usage=N_("/block <member>"), order=30,
                params=(MEMBER,))
async def block(ctx: Context, args: Args) -> Reply:
    """Block a member: no commands, no matching, no broadcasts."""
    return await _set_blocked(ctx, args.text, block=True)


@router.command("unblock", Role.ORGANISER, N_("unblock a member"), usage=N_("/unblock <member>"), order=31,
                params=(MEMBER,))
async def unblock(ctx: Context, args: Args) -> Reply:
    """Lift a block."""
    return await _set_blocked(ctx, args.text, block=False)

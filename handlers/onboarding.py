"""Joining the network: /start, the privacy notice, and consent before anything about the person is stored."""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, replace

from handlers import profile
from handlers.arguments import Param
from handlers.core import Args, Context, Role, Router
from handlers.events import Reply
from handlers.i18n import (
    N_,
    _,
    available_languages,
    current_language,
    join_lines,
    language,
    pick_language,
)
from handlers.languages import own_name
from handlers.lockdown import locked
from storage.audit import AuditRepository
from storage.invites import InviteRepository, normalise_code
from storage.members import MemberRepository
from storage.vouching import VouchRepository


@dataclass(frozen=True)
class Consent:
    """"I understand": join, with the invite the code named (None where the network is open), in the language
    the welcome was read in ("" for the one the person's app is set to)."""

    invite: int | None
    language: str = ""


@dataclass(frozen=True)
class Welcome:
    """The welcome again, in another language; with the same invite."""

    invite: int | None
    language: str


router = Router("onboarding")

PLATFORM_NAMES = {"telegram": "Telegram", "discord": "Discord", "console": N_("this console")}
# A /start payload that runs a command: the "open a private chat" button under a command sent in a group opens
# the private chat with "/start _<command>". It begins with an underscore, which an invite code never does (codes
# are letters and digits), so the one is never taken for the other.
RESUME_PREFIX = "_"
NOT_RESUMED = frozenset({"start", "join"})  # they take an invite code, which never goes into a link of this kind
_CODE_OPTION = re.compile(r"^code:\s*", re.IGNORECASE)  # Discord's wording, "/join code:ABCD2345EF", typed elsewhere


def resume_payload(command: str, commands: Container[str]) -> str | None:
    """The /start payload that runs `command` (one of `commands`, those the bot has) in the private chat: its name
    only, never what followed it (that may be private, and a link is not); None for a command not run this way."""
    if command in NOT_RESUMED or command not in commands:
        return None
    return RESUME_PREFIX + command


def join_command(ctx: Context, code: str) -> str:
    """How to join with `code` on the platform this person reads it on ("/start CODE", "/join code:CODE")."""
    links = ctx.services.links.get(ctx.person.platform)
    return links.join_command(code) if links is not None else f"/start {code}"


def privacy_notice(ctx: Context) -> Reply:
    """What the bot stores, who can see it, and how to take it back."""
    platform = _(PLATFORM_NAMES.get(ctx.person.platform, ctx.person.platform))
    return Reply(join_lines(
        _("<b>Welcome to {network}.</b>", network=ctx.network.name),
        "",
        _("Before we start, here is how this bot treats your data:"),
        _("• It keeps only what you choose to put in your profile (a pseudonym is fine), the account id it needs "
          "to reach you here, and what you later register, such as commitments and reminders."),
        _("• Your contact details go to another member only after you have both agreed to be introduced."),
        _("• Chats with a bot are not end-to-end encrypted: {platform} and the people who run this bot could "
          "read them. Do not send anything that would put you or others at risk.",
          platform=platform),
        _("• At any time, /export shows you everything the bot holds about you and /forget erases it."),
        "",
        _("Nothing about you is stored until you press “I understand”."),
    ))


@router.command("start", Role.STRANGER, N_("join the network, or pick up where you left off"),
                usage=N_("/start [invite code]"), order=0,
                params=(Param("code", N_("the invite code you were given")),))
async def start(ctx: Context, args: Args) -> Reply | list[Reply]:
    """Welcome a stranger with the privacy notice, or a member back; run a command sent in a group."""
    if args.text.startswith(RESUME_PREFIX):
        return await _resume(ctx, args.text[len(RESUME_PREFIX):])
    if ctx.member is not None:
        if not ctx.member.profile_complete:
            return [Reply(_("Welcome back! Let's finish your profile.")), await profile.resume(ctx)]
        return Reply(_("Welcome back, {name}. Send /help to see what you can do.", name=ctx.member.display_name))
    if not ctx.is_configured_admin and await locked(ctx):
        return _closed_for_now(ctx)
    code = normalise_code(_CODE_OPTION.sub("", args.text))
    if args.text and not code:
        return Reply(_("That doesn't look like an invite code. Send it like this: {example}",
                       example=join_command(ctx, "ABCD2345EF")))
    consent = Consent(None)  # what the consent button carries: the invite's id, never the code itself
    if code:
        invite = await ctx.repos.invites.find_valid(code, ctx.now)
        if invite is None:
            return Reply(_("That invite code is not valid any more (it may have expired or been used up). "
                           "Ask the organiser who gave it to you for a new one. Nothing about you was stored."))
        consent = Consent(invite.id)
    elif not (ctx.network.open_registration or ctx.is_configured_admin):
        return Reply(join_lines(
            _("<b>{network}</b> is invite-only.", network=ctx.network.name),
            _("If an organiser gave you an invite code, send it like this: {example}", example=join_command(
                ctx, "ABCD2345EF")),
            _("Nothing about you has been stored."),
        ))
    return await _welcome(ctx, consent)


def _closed_for_now(ctx: Context) -> Reply:
    """A lockdown: nobody joins, whatever code they have."""
    return Reply(_("<b>{network}</b> is not taking new members right now. Nothing about you has been stored.",
                   network=ctx.network.name))


async def _welcome(ctx: Context, consent: Consent) -> Reply:
    """The privacy notice in the language spoken now, its two answers, and the other languages to read it in."""
    notice = privacy_notice(ctx)
    agree = await ctx.button(str(_("I understand — set up my profile")), "onboarding.consent",
                             Consent(consent.invite, current_language()), single_use=True)
    later = await ctx.button(str(_("Not now")), "onboarding.later", single_use=True)
    others = [await ctx.button(own_name(code), "onboarding.language", Welcome(consent.invite, code))
              for code in available_languages() if code != current_language()]
    return Reply(notice.text, buttons=((agree,), (later,), *(tuple(others[i:i + 5]) for i in range(0, len(others), 5))))


@router.action("onboarding.language", Role.STRANGER, payload=Welcome)
async def read_in(ctx: Context, press: Welcome) -> Reply:
    """The welcome in the language the person chose; nothing is stored until they press "I understand"."""
    if ctx.member is not None:
        return Reply(_("You have already joined. Send /language to change the language I write in."), edit=True)
    with language(pick_language((press.language,), current_language())):
        return replace(await _welcome(ctx, Consent(press.invite)), edit=True)


@router.action("onboarding.consent", Role.STRANGER, payload=Consent)
async def consent(ctx: Context, press: Consent) -> Reply | list[Reply]:
    """The person agreed: create the member (using up one invite use) and start the guided profile."""
    if ctx.member is not None:
        return Reply(_("You have already joined. Send /profile to see your profile."), edit=True)
    if not ctx.is_configured_admin and await locked(ctx):
        return replace(_closed_for_now(ctx), edit=True)
    invited = press.invite
    open_door = ctx.network.open_registration or ctx.is_configured_admin
    async with ctx.repos.db.transaction() as conn:
        invite_id = None
        if invited is not None:
            invite_id = await InviteRepository.consume_in(conn, int(invited), ctx.now)
            if invite_id is None and not open_door:
                return Reply(_("Sorry, that invite code was used up or expired in the meantime. "
                               "Ask an organiser for a new one. Nothing about you was stored."), edit=True)
        elif not open_door:
            return Reply(_("This network is invite-only. Nothing about you was stored."), edit=True)
        member_id = await ctx.repos.members.create_in(conn, ctx.person.platform, ctx.person.external_id, ctx.now)
        brought_by = await InviteRepository.maker_in(conn, invite_id) if invite_id else None
        await VouchRepository.joined_in(conn, member_id, brought_by,
                                        newcomer=ctx.network.vouches > 0 and not ctx.is_configured_admin)
        chosen = pick_language((press.language,), current_language())
        await MemberRepository.set_languages_in(conn, member_id, [chosen], ctx.now)  # the profile's first answer
        detail = f"invite={invite_id}" if invite_id else ("admin" if ctx.is_configured_admin else "open")
        await AuditRepository.record_in(conn, "member.join", actor_id=member_id, detail=detail, now=ctx.now)
    ctx.member = await ctx.repos.members.get(member_id)
    ctx.role = Role.ADMIN if ctx.is_configured_admin else Role.MEMBER
    await ctx.services.role_changed(member_id)  # a member's menu (Telegram), in place of a stranger's
    with language(chosen):
        return [Reply(_("Thank you. Let's set up your profile — it takes a minute, and you can change any of it "
                        "later with /profile."), edit=True),
                await profile.begin(ctx)]


async def _resume(ctx: Context, name: str) -> Reply | list[Reply]:
    """The private chat was opened from a group's button: run the command the person sent there (without what
    followed it). A payload that names no such command, or one the person may not use, is a plain /start."""
    spec = ctx.routes.commands.get(name)
    if spec is None or name in NOT_RESUMED or ctx.role < spec.role:
        return await start(ctx, Args())
    return await spec.handler(ctx, Args())


@router.action("onboarding.later", Role.STRANGER)
async def later(ctx: Context, _press: None) -> Reply:
    """The person is not ready: nothing is stored."""
    return Reply(_("No problem — nothing about you was stored. Send /start whenever you are ready."), edit=True)

"""One member across platforms: /link joins an account on another platform to a member, /unlink detaches one,
/notify chooses where notifications go, and /join is /start with an invite code (Discord has no deep links).

`/link` on one platform gives a one-time code; `/link <code>` on another platform, after a confirmation, makes
that account part of the member who asked for the code. If the account was a member of its own, that separate
member is erased (after a plain warning) and the code's member is kept. Codes are stored as hashes, work once,
for ten minutes, and only on another platform; an account gets a few wrong codes an hour, then must wait.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from handlers import onboarding
from handlers.accounts import (
    ALL,
    PLATFORM_LABELS,
    describe_notify,
    labels,
    platform_label,
    platforms_of,
)
from handlers.arguments import Param
from handlers.core import Args, Context, Role, Router
from handlers.data_rights import iso
from handlers.events import Person, Reply
from handlers.i18n import N_, _, _n, join_lines, plain
from storage.links import (
    ATTEMPT_WINDOW,
    CODE_LENGTH,
    CODE_LIFETIME,
    MAX_WRONG_ATTEMPTS,
    LinkCode,
    well_formed,
)
from storage.members import Member


@dataclass(frozen=True)
class LinkConfirm:
    """Link this account with the code behind `code_hash`; `replaces` is this account's own member then, if any
    (pressed as another member, nothing happens)."""

    code_hash: str
    replaces: int | None


@dataclass(frozen=True)
class Unlink:
    platform: str


@dataclass(frozen=True)
class Notify:
    where: str  # a platform, or "all"


router = Router("linking")

def _match_platform(text: str, platforms: list[str]) -> str | None:
    """The platform named by `text` ("discord", "Discord"), among these and the known ones."""
    wanted = text.strip().casefold()
    for platform in [*platforms, *PLATFORM_LABELS]:
        if wanted in (platform.casefold(), platform_label(platform).casefold()):
            return platform
    return None


def _member_label(member: Member) -> Markup:
    return _("#{id} {name}", id=member.id, name=member.display_name or _("(no name yet)"))


# --- /join -------------------------------------------------------------------------------------------------


@router.command("join", Role.STRANGER, N_("join the network with an invite code"),
                usage=N_("/join <invite code>"), order=2,
                params=(Param("code", N_("the invite code you were given"), required=True),))
async def join(ctx: Context, args: Args) -> Reply | list[Reply]:
    """The same as /start <code>, for platforms whose links cannot carry a code."""
    return await onboarding.start(ctx, args)


# --- /link -------------------------------------------------------------------------------------------------


@router.command("link", Role.STRANGER, N_("use one profile from your accounts on several platforms"),
                usage=N_("/link [code]"), order=3,
                params=(Param("code", N_("the code /link gave you on your other platform")),))
async def link(ctx: Context, args: Args) -> Reply:
    """Without a code: a code for this member. With one: offer to link this account to the code's member."""
    if args.text.strip():
        return await _enter(ctx, args.text)
    if ctx.member is None:
        return Reply(join_lines(
            _("To use your profile from another platform here, send /link there: you get a code. Then send "
              "/link followed by that code here."),
            _("To join the network, send /start, or /join with an invite code."),
        ))
    code, _record = await ctx.repos.links.create(ctx.member_id, ctx.person.platform, ctx.now)
    return Reply(join_lines(
        _("<b>Link code:</b> <code>{code}</code>", code=code),
        _n("From your account on another platform, send <code>/link {code}</code> to this bot within {n} "
           "minute. The code works once. Your profile here is the one that is kept.",
           "From your account on another platform, send <code>/link {code}</code> to this bot within {n} "
           "minutes. The code works once. Your profile here is the one that is kept.",
           CODE_LIFETIME // 60, code=code),
        _("Linked now: {platforms}.", platforms=labels(platforms_of(ctx.member))),
        _("Share this code with nobody: whoever enters it gets your profile on their account."),
    ))


async def _enter(ctx: Context, args: str) -> Reply:
    if not well_formed(args):
        return Reply(_n("That doesn't look like a link code: it has {n} letter or digit, for example "
                        "/link ABCD2345EF. Send /link on your other account to get one. Nothing was changed.",
                        "That doesn't look like a link code: it has {n} letters and digits, for example "
                        "/link ABCD2345EF. Send /link on your other account to get one. Nothing was changed.",
                        CODE_LENGTH))
    key = ctx.person.key
    wrong = await ctx.repos.links.wrong_attempts(key, ctx.now)
    if len(wrong) >= MAX_WRONG_ATTEMPTS:
        # Allowed again once enough of the wrong tries have left the window.
        again = wrong[len(wrong) - MAX_WRONG_ATTEMPTS] + ATTEMPT_WINDOW
        minutes = max(1, -(-(again - ctx.now) // 60))
        return Reply(_n("Too many wrong link codes from this account. Please try again in {n} minute.",
                        "Too many wrong link codes from this account. Please try again in {n} minutes.", minutes))
    code = await ctx.repos.links.find(args)
    if code is None:
        count = await ctx.repos.links.record_wrong(key, ctx.now)
        left = MAX_WRONG_ATTEMPTS - count
        return Reply(join_lines(
            _("That link code is not valid. Check it, or send /link on your other account for a new one. "
              "Nothing was changed."),
            _n("You can try {n} more time this hour.", "You can try {n} more times this hour.", left) if left
            else _("That was the last try for this hour."),
        ))
    issuer = await _check(ctx, code)
    if isinstance(issuer, Reply):
        return issuer
    here = platform_label(ctx.person.platform)
    yes_label = _("Yes, link this account") if ctx.member is None else _("Erase it and link")
    yes = await ctx.button(str(yes_label), "link.confirm",
                           LinkConfirm(code.code_hash, ctx.member.id if ctx.member else None), single_use=True)
    no = await ctx.button(str(_("Cancel")), "link.cancel", single_use=True)
    if ctx.member is None:
        text = join_lines(
            _("<b>Link this {platform} account to member {member}?</b>", platform=here,
              member=_member_label(issuer)),
            _("It will use that profile, with everything attached to it, just like your accounts on {platforms}. "
              "The bot keeps this account's id, to reach you here.", platforms=labels(platforms_of(issuer))),
            _("Chats with a bot are not end-to-end encrypted: {platform} and the people who run this bot could "
              "read them.", platform=here),
        )
    else:
        others = [p for p in platforms_of(ctx.member) if p != ctx.person.platform]
        text = join_lines(
            _("<b>This account already has its own profile: {member}.</b>", member=_member_label(ctx.member)),
            _("If you link it, that separate profile and everything attached to it (its role, its invites, what "
              "it is in the middle of) will be erased for good, and this account will use the profile of "
              "{kept} instead.", kept=_member_label(issuer)),
            _("Its other accounts ({platforms}) will be linked too.", platforms=labels(others)) if others else None,
            _("You may want to /export it first."),
        )
    return Reply(text, buttons=((yes,), (no,)))


async def _check(ctx: Context, code: LinkCode) -> Member | Reply:
    """The member who issued the code, if this account may be linked to it now; else why not."""
    state = code.state(ctx.now)
    if state == "expired":
        return Reply(_n("That link code has expired: codes work for {n} minute. Send /link on your other "
                        "account for a new one. Nothing was changed.",
                        "That link code has expired: codes work for {n} minutes. Send /link on your other "
                        "account for a new one. Nothing was changed.", CODE_LIFETIME // 60))
    if state == "used":
        return Reply(_("That link code has already been used. Send /link on your other account for a new one. "
                       "Nothing was changed."))
    if code.platform == ctx.person.platform:
        return Reply(_("That code was made on {platform}: send it from your account on another platform. A member "
                       "has one account per platform. Nothing was changed.",
                       platform=platform_label(code.platform)))
    if ctx.member is not None and ctx.member.id == code.member_id:
        return Reply(_("This account is already linked to that profile. Nothing was changed."))
    issuer = await ctx.repos.members.get(code.member_id)
    if issuer is None:
        return Reply(_("That link code is not valid any more. Nothing was changed."))
    if issuer.blocked:
        return Reply(_("The member who made that code is suspended by the organisers, so no account can be linked "
                       "to it. Nothing was changed."))
    taken = set(platforms_of(issuer))
    moving = platforms_of(ctx.member) if ctx.member is not None else [ctx.person.platform]
    clash = next((p for p in moving if p in taken), None)
    if clash == ctx.person.platform:
        return Reply(_("That profile already has a {platform} account, and a member has one account per platform. "
                       "To link this one instead, first send /unlink {name} from that profile's other account. "
                       "Nothing was changed.", platform=platform_label(clash), name=clash))
    if clash is not None:
        return Reply(_("This account's profile has a {platform} account, and so does the profile of that code. A "
                       "member has one account per platform: to link them, first send /unlink {name} here. Nothing "
                       "was changed.", platform=platform_label(clash), name=clash))
    return issuer


@router.action("link.confirm", Role.STRANGER, payload=LinkConfirm)
async def link_confirmed(ctx: Context, press: LinkConfirm) -> Reply | list[Reply]:
    """Join this account to the code's member, erasing this account's own member if it had one."""
    replaced = ctx.member.id if ctx.member is not None else None
    if replaced != press.replaces:
        return Reply(_("This account has changed since the code was entered. Send /link with the code again. "
                       "Nothing was changed."), edit=True)
    code = await ctx.repos.links.by_hash(press.code_hash)
    if code is None:
        return Reply(_("That link code is not valid any more. Nothing was changed."), edit=True)
    issuer = await _check(ctx, code)
    if isinstance(issuer, Reply):
        return Reply(issuer.text, edit=True)
    audiences = [await ctx.repos.buttons.audience(f"member:{replaced}")] if replaced is not None else []
    result = await ctx.repos.links.join(
        code.code_hash, kept_member_id=issuer.id, platform=ctx.person.platform,
        external_id=ctx.person.external_id, replaced_member_id=replaced, forget_audiences=audiences, now=ctx.now,
    )
    if result != "linked":
        # Something changed between the check and the transaction (a second confirmation, a block, …).
        code = await ctx.repos.links.by_hash(code.code_hash)
        again = await _check(ctx, code) if code is not None else None
        reason = again.text if isinstance(again, Reply) else _("Something changed in the meantime. Send /link with "
                                                                "a new code. Nothing was changed.")
        return Reply(reason, edit=True)
    ctx.member = await ctx.repos.members.get(issuer.id)
    await ctx.services.role_changed(issuer.id)
    here = platform_label(ctx.person.platform)
    await ctx.notify(issuer.id, Reply(_(
        "A {platform} account was just linked to your profile. If that was not you, send /unlink {name} at once.",
        platform=here, name=ctx.person.platform)))
    return Reply(join_lines(
        _("<b>Linked.</b> This {platform} account now uses the profile of {member}.", platform=here,
          member=_member_label(issuer)),
        _("Your separate profile #{id} was erased.", id=replaced) if replaced is not None else None,
        _("Send /profile to see it, or /notify to choose where notifications go."),
    ), edit=True)


@router.action("link.cancel", Role.STRANGER)
async def link_cancelled(ctx: Context, _press: None) -> Reply:
    """Leave both accounts as they are."""
    return Reply(_("Nothing was linked."), edit=True)


# --- /unlink -----------------------------------------------------------------------------------------------


@router.command("unlink", Role.MEMBER, N_("detach your account on one platform"),
                usage=N_("/unlink <platform>"), order=21,
                params=(Param("platform", N_("telegram or discord"), required=True),))
async def unlink(ctx: Context, args: Args) -> Reply:
    """Ask before detaching the member's account on a platform."""
    platforms = platforms_of(ctx.member)
    accounts = _("Your accounts: {platforms}.", platforms=labels(platforms))
    if not args.text.strip():
        return Reply(join_lines(
            _("Usage: {command} — for example /unlink discord.", command="/unlink <platform>"), accounts))
    platform = _match_platform(args.text, platforms)
    if platform not in platforms:
        return Reply(join_lines(
            _("You have no {platform} account linked. Nothing was changed.",
              platform=platform_label(platform) if platform else args.text.strip()[:32]),
            accounts,
        ))
    if len(platforms) == 1:
        return Reply(_only_account(platform_label(platform)))
    label = platform_label(platform)
    yes = await ctx.button(str(_("Yes, unlink {platform}", platform=label)), "unlink.confirm", Unlink(platform),
                           single_use=True)
    no = await ctx.button(str(_("No, keep it")), "unlink.keep", single_use=True)
    return Reply(join_lines(
        _("<b>Unlink your {platform} account?</b>", platform=label),
        _("It will no longer use your profile: there, the bot will treat it like a stranger's until you send "
          "/start or /link from it again. Your profile stays, with your other accounts ({platforms}).",
          platforms=labels([p for p in platforms if p != platform])),
    ), buttons=((yes,), (no,)))


def _only_account(label: str) -> Markup:
    return _("Your {platform} account is your only one, so it cannot be unlinked. To leave the network and erase "
             "your data, send /forget.", platform=label)


@router.action("unlink.confirm", Role.MEMBER, payload=Unlink)
async def unlink_confirmed(ctx: Context, press: Unlink) -> Reply:
    """Detach the account, unless it is gone or has become the member's last one."""
    platform = press.platform
    label = platform_label(platform)
    member_id, preferred = ctx.member_id, ctx.member.notify_on
    identities = await ctx.repos.members.identities(member_id)
    audiences = [await ctx.repos.buttons.audience(i.key) for i in identities if i.platform == platform]
    result = await ctx.repos.links.unlink(member_id, platform, forget_audiences=audiences, now=ctx.now)
    if result == "missing":
        return Reply(_("You have no {platform} account linked any more. Nothing was changed.", platform=label),
                     edit=True)
    if result == "last":
        return Reply(_only_account(label), edit=True)
    await ctx.services.accounts_left([Person(i.platform, i.external_id) for i in identities if i.platform == platform])
    kept = await ctx.repos.members.get(member_id)
    assert kept is not None
    ctx.member = None if ctx.person.platform == platform else kept
    return Reply(join_lines(
        _("Done: your {platform} account is unlinked. There, send /start or /link to come back.", platform=label),
        _("Notifications now go to {where}.", where=describe_notify(kept)) if preferred == platform else None,
    ), edit=True)


@router.action("unlink.keep", Role.MEMBER)
async def unlink_kept(ctx: Context, _press: None) -> Reply:
    """Keep the account."""
    return Reply(_("Nothing was unlinked."), edit=True)


# --- /notify -----------------------------------------------------------------------------------------------


@router.command("notify", Role.MEMBER, N_("choose where the bot sends you notifications"),
                usage=N_("/notify [platform | all]"), order=20,
                params=(Param("platform", N_("telegram, discord, or all of them")),))
async def notify(ctx: Context, args: Args) -> Reply:
    """Offer the member's platforms and "All of them"; with an argument, set it at once."""
    member = ctx.member
    platforms = platforms_of(member)
    if args.text.strip():
        wanted = args.text.strip().casefold()
        choice = ALL if wanted in (ALL, plain(N_("all")).casefold()) else _match_platform(args.text, platforms)
        return await _set_notify(ctx, choice, args.text.strip()[:32], edit=False)
    options = [(platform_label(p), p) for p in platforms] + [(plain(N_("All of them")), ALL)]
    current = member.notify_on if member.notify_on in platforms else ALL
    rows = []
    for label, value in options:
        rows.append((await ctx.button(("✓ " if value == current else "") + label, "notify.set", Notify(value)),))
    return Reply(join_lines(
        _("<b>Where should the bot send you notifications?</b>"),
        _("Now: {where}.", where=describe_notify(member)),
        _("If the platform you choose cannot be reached, they go to your other accounts.") if len(platforms) > 1
        else _("You have one account. To add one on another platform, send /link."),
    ), buttons=tuple(rows))


@router.action("notify.set", payload=Notify)
async def notify_pressed(ctx: Context, press: Notify) -> Reply:
    """Set the preference from a button."""
    value = press.where
    return await _set_notify(ctx, value, platform_label(value), edit=True)


async def _set_notify(ctx: Context, choice: str | None, typed: str, *, edit: bool) -> Reply:
    platforms = platforms_of(ctx.member)
    if choice != ALL and choice not in platforms:
        return Reply(join_lines(
            _("You have no {platform} account linked. Nothing was changed.",
              platform=platform_label(choice) if choice else typed),
            _("Your accounts: {platforms}. Send /notify to choose among them.", platforms=labels(platforms)),
        ), edit=edit)
    await ctx.repos.members.set_notify_on(ctx.member_id, choice, ctx.now)
    member = await ctx.refresh_member()
    return Reply(_("Notifications will go to {where}.", where=describe_notify(member)), edit=edit)


# --- export ------------------------------------------------------------------------------------------------


@router.export("notifications")
async def _notifications(ctx: Context, member_id: int) -> dict:
    member = await ctx.repos.members.get(member_id)
    assert member is not None
    return {"send_to": member.notify_on}


@router.export("link_codes")
async def _link_codes(ctx: Context, member_id: int) -> dict:
    identities = await ctx.repos.members.identities(member_id)
    wrong = 0
    for identity in identities:
        wrong += len(await ctx.repos.links.wrong_attempts(identity.key, ctx.now))
    return {
        "codes_you_asked_for": [{"made_on": c.platform, "made_at": iso(c.created_at),
                                 "expires_at": iso(c.expires_at), "used_at": iso(c.used_at)}
                                for c in await ctx.repos.links.for_member(member_id)],
        "wrong_codes_entered_in_the_last_hour": wrong,
    }

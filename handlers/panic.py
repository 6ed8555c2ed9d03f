"""/panic: one command, one button, and the member is gone: erased as with /forget, every account unlinked, and
the messages the bot sent them deleted where the platform still lets it (Telegram: those of the last 48 hours;
Discord: its direct messages). A trusted contact chosen in advance, among the members they were introduced to, is
told through the bot.

Nothing is left on the person's screen by the bot afterwards: the answer to the button is a passing notice, and
the confirmation itself is among the messages deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers import data_rights
from handlers.arguments import Param
from handlers.core import Args, Context, Role, Router
from handlers.events import Person, Reply
from handlers.i18n import N_, _, join_lines

router = Router("panic")

CONTACT_CHOICES = 10  # introduced members offered as trusted contact


@dataclass(frozen=True)
class Contact:
    """A trusted contact chosen (0: nobody)."""

    member: int


@router.command("panic", Role.MEMBER, N_("erase yourself at once, with the bot's messages to you"), when_blocked=True,
                usage=N_("/panic · /panic contact"), order=80,
                params=(Param("what", N_("contact: choose who is told if you use it"), longest=20),))
async def panic(ctx: Context, args: Args) -> Reply:
    what = args.values.get("what", args.text).strip().casefold()
    if what == "contact":
        return await _choose_contact(ctx)
    if what:
        return Reply(_("Send /panic to erase yourself at once, or /panic contact to choose who is told if you do."))
    contact = await _contact(ctx)
    erase = await ctx.button(str(_("Erase me now")), "panic.erase", single_use=True)
    cancel = await ctx.button(str(_("Cancel")), "panic.cancel", single_use=True)
    return Reply(join_lines(
        _("<b>Erase yourself now?</b> One press erases everything the bot holds about you and unlinks all your "
          "accounts, at once and for good, and the bot deletes the messages it sent you wherever it still can."),
        _("{name} will be told that you did.", name=contact[1]) if contact else
        _("Nobody will be told. /panic contact chooses someone who will be."),
    ), buttons=((erase, cancel),))


async def _contact(ctx: Context) -> tuple[int, str] | None:
    """The member's trusted contact, with their name, while they are still a member."""
    chosen = await ctx.repos.members.panic_contact(ctx.member_id)
    member = await ctx.repos.members.get(chosen) if chosen is not None else None
    return (member.id, member.display_name or f"#{member.id}") if member is not None else None


@router.action("panic.erase", Role.MEMBER, when_blocked=True)
async def erase_pressed(ctx: Context, _press: None) -> Reply:
    identities = await ctx.repos.members.identities(ctx.member_id)
    kept = {i.key: await ctx.repos.sent.recent(i.platform, i.external_id, ctx.now) for i in identities}
    contact = await _contact(ctx)
    name = ctx.member.display_name if ctx.member is not None else None
    await data_rights.erase_member(ctx, keep_practices=False)
    for identity in identities:
        await ctx.services.wipe_messages(Person(identity.platform, identity.external_id), kept[identity.key])
    if contact is not None:
        await ctx.tell(contact[0], lambda: _("{name} used the panic command: everything the bot held about them "
                                             "is erased. You may want to check on them, in the way you agreed.",
                                             name=name or _("A member")), quiet=False)
    return Reply(_("Erased."), toast=str(_("Erased.")), toast_only=True)


@router.action("panic.cancel", Role.MEMBER, when_blocked=True)
async def cancel_pressed(ctx: Context, _press: None) -> Reply:
    return Reply(_("Nothing was erased."), edit=True)


async def _choose_contact(ctx: Context) -> Reply:
    """Offer the members this one was introduced to (both agreed): only people they already know through the bot,
    so that choosing reveals nobody new."""
    introduced = []
    for intro in await ctx.repos.partners.for_member(ctx.member_id):
        other = intro.b_id if intro.a_id == ctx.member_id else intro.a_id
        if intro.status == "introduced" and other is not None and other not in introduced:
            introduced.append(other)
    found = await ctx.repos.members.get_many(introduced[:CONTACT_CHOICES]) if introduced else {}
    people = [found[i] for i in introduced[:CONTACT_CHOICES] if i in found]
    current = await _contact(ctx)
    rows = [(await ctx.button(m.display_name or f"#{m.id}", "panic.contact", Contact(m.id), single_use=True),)
            for m in people]
    if current is not None:
        rows.append((await ctx.button(str(_("Nobody")), "panic.contact", Contact(0), single_use=True),))
    head = _("If you use /panic, {name} is told.", name=current[1]) if current else \
        _("If you use /panic, nobody is told.")
    if not people:
        return Reply(join_lines(head, _("You can choose someone you were introduced to through /partner.")),
                     buttons=tuple(rows))
    return Reply(join_lines(head, _("Who should be told? You can choose among the members you were introduced "
                                    "to.")), buttons=tuple(rows))


@router.action("panic.contact", Role.MEMBER, payload=Contact)
async def contact_chosen(ctx: Context, press: Contact) -> Reply:
    if press.member == 0:
        await ctx.repos.members.set_panic_contact(ctx.member_id, None, ctx.now)
        return Reply(_("Nobody will be told if you use /panic."), edit=True)
    still = any(intro.status == "introduced" and press.member in (intro.a_id, intro.b_id)
                for intro in await ctx.repos.partners.for_member(ctx.member_id))
    member = await ctx.repos.members.get(press.member) if still else None
    if member is None:
        return Reply(_("That member is no longer in the network."), edit=True)
    await ctx.repos.members.set_panic_contact(ctx.member_id, member.id, ctx.now)
    name = member.display_name or f"#{member.id}"
    return Reply(_("If you use /panic, {name} will be told.", name=name), edit=True)


@router.export("panic")
async def _export(ctx: Context, member_id: int) -> dict:
    chosen = await ctx.repos.members.panic_contact(member_id)
    kept = 0
    for identity in await ctx.repos.members.identities(member_id):
        kept += len(await ctx.repos.sent.recent(identity.platform, identity.external_id, ctx.now))
    return {"trusted_contact_member_number": chosen, "messages_to_you_kept_for_panic_to_delete": kept}

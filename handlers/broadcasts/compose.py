"""/broadcast: writing the message and the draft with its audience, shown with the number of recipients per platform."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers import when
from handlers.accounts import platform_label
from handlers.arguments import Param
from handlers.broadcasts.common import BACK, MAX_TEXT, PAGE, draft_flow, router
from handlers.broadcasts.status import _status, cancel_asked
from handlers.broadcasts.view import describe_audience, render
from handlers.core import MAX_INPUT, Args, Context, Role
from handlers.core.questions import Answer, Choice, Question
from handlers.events import Reply
from handlers.i18n import N_, _, _n, grouped, join_lines
from handlers.sanitise import clean_line
from handlers.lockdown import locked, paused
from storage.broadcasts import clean_audience
from storage.conversations import Conversation


@router.command("broadcast", Role.ORGANISER, N_("send a message to the network or part of it"),
                usage=N_("/broadcast [message] · /broadcast status [number] · /broadcast cancel <number>"),
                order=30, params=(Param("message", N_("the message, or: status [number], cancel <number>"),
                                        longest=MAX_INPUT),))
async def broadcast_command(ctx: Context, args: Args) -> Reply | list[Reply]:
    words = args.text.split(maxsplit=1)
    first = words[0].lower() if words else ""
    rest = words[1] if len(words) > 1 else ""
    if first == "status":
        return await _status(ctx, rest.strip())
    if first == "cancel":
        return await cancel_asked(ctx, rest.strip())
    if await locked(ctx):
        return paused()
    if not args.text.strip():
        return await draft_flow.ask(ctx, "text", {})
    return await _with_text(ctx, args.text)


@draft_flow.step("text")
async def text_question(ctx: Context, conversation: Conversation) -> Question:
    return Question(_n("Write the message to broadcast (at most {n} character). You choose who receives it next, "
                       "and see a preview before anything is sent.",
                       "Write the message to broadcast (at most {n} characters). You choose who receives it next, "
                       "and see a preview before anything is sent.", MAX_TEXT), typed=N_("Message"))


@draft_flow.typed("text")
async def text_typed(ctx: Context, answer: Answer) -> Reply:
    return await _with_text(ctx, answer.value)


async def _with_text(ctx: Context, text: str) -> Reply:
    lines = [clean_line(line, MAX_TEXT + 1).text for line in text.strip().splitlines()]
    text = "\n".join(lines).strip()
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    if not text:
        return Reply(_("The message is empty. Write what you want to tell the network."))
    if len(text) > MAX_TEXT:
        return Reply(_n("That message is {n} character long; a broadcast can hold at most {max}, so that it "
                        "arrives as one message everywhere. Shorten it and send it again.",
                        "That message is {n} characters long; a broadcast can hold at most {max}, so that it "
                        "arrives as one message everywhere. Shorten it and send it again.", len(text),
                        max=MAX_TEXT), asks=str(_("Message")))
    return await draft_flow.ask(ctx, "compose", {"text": text, "audience": {}, "urgent": False, "channels": False,
                                                 "send_at": None})


async def _sessions(ctx: Context) -> dict[int, str]:
    """Upcoming sessions (number: title) to offer as audiences."""
    return await ctx.repos.sessions.upcoming_titles(ctx.now, limit=48)


async def _tried(ctx: Context) -> dict[int, str]:
    """Practices members registered commitments to try (number: title), to offer as audiences."""
    return await ctx.repos.practices.tried_titles(limit=48)


async def preview_counts(ctx: Context, audience: dict[str, list[Any]]) -> tuple[int, dict[str, int], int]:
    """How many members a broadcast would reach, how many accounts per running platform, and how many members
    of the audience have muted it."""
    running = set(ctx.services.delivery.running())
    per_platform: dict[str, int] = {}
    total = everyone = 0
    # A page of members at a time, read from committed data without holding up anyone's write.
    admin_ids = await ctx.repos.members.member_ids_of(ctx.network.admins)
    async for recipients, unmuted in ctx.repos.broadcasts.audience_pages(audience, admin_ids=admin_ids):
        total += len(recipients)
        everyone += unmuted
        reachable = await ctx.repos.members.reachable_accounts([r.member_id for r in recipients])
        for notify_on, accounts in reachable.values():
            platforms = [p for p, _external_id in accounts if p in running]
            chosen = [p for p in platforms if p == notify_on] if notify_on != "all" else []
            for platform in chosen or platforms:
                per_platform[platform] = per_platform.get(platform, 0) + 1
    return total, per_platform, everyone - total


@draft_flow.step("audience")
async def audience_question(ctx: Context, conversation: Conversation) -> Question:
    """One of the lists the audience is chosen from, with what is ticked."""
    data = conversation.data
    view = data.get("view")
    if view == "themes":
        options = [(c.id, c.label) for c in ctx.network.themes]
        text = _("Which themes? Members working on any of the ones you tick receive it.")
    elif view == "regions":
        options = [(c.id, c.label) for c in ctx.network.regions]
        text = _("Which regions? Members working in any of the ones you tick receive it.")
    elif view == "roles":
        options = [("member", str(_("Members"))), ("organiser", str(_("Organisers")))]
        text = _("Which roles? A role takes in the roles above it: members are everyone, and organisers "
                 "include the admins.")
        if ctx.network.vouches:
            options.append(("newcomer", str(_("Newcomers"))))
            text = join_lines(text, _("Newcomers, not yet vouched for, receive only what names them."))
    elif view == "practices":
        options = [(str(k), f"#{k} {v}") for k, v in (await _tried(ctx)).items()]
        text = _("Members who tried which practices? Those who registered a commitment to try any of the ones you "
                 "tick receive it.") if options else _("Nobody has registered a commitment to try a practice yet.")
    else:
        options = [(str(k), v) for k, v in (await _sessions(ctx)).items()]
        text = _("The subscribers of which sessions?") if options else _("There are no upcoming sessions.")
    chosen = [str(v) for v in clean_audience(data.get("audience", {})).get(view, [])]
    return Question(text, choices=tuple(Choice(value, label[:60], ticked=value in chosen) for value, label in options),
                    page_size=PAGE, more=((Choice(BACK, str(_("Back to the preview"))),),), cancel=False)


@draft_flow.step("compose")
async def draft_question(ctx: Context, conversation: Conversation) -> Question:
    """The draft with its audience, preview counts and choices."""
    data = conversation.data
    audience = clean_audience(data.get("audience", {}))
    total, per_platform, muted = await preview_counts(ctx, audience)
    sessions = await _sessions(ctx) if audience.get("sessions") else {}
    tried = await _tried(ctx) if audience.get("practices") else {}
    send_at = data.get("send_at")
    zone = ctx.member.timezone or "UTC"
    counts = " · ".join(f"{platform_label(p)} {n:,}" for p, n in sorted(per_platform.items())) or _("no accounts")
    lines = [
        _("<b>Broadcast preview</b> — this is what members will see:"),
        Markup("<blockquote>{}</blockquote>").format(render(ctx, 0, data["text"], audience).text),
        _("<b>To:</b> {audience}", audience=describe_audience(ctx, audience, sessions, tried)),
        _n("<b>Reaches:</b> {n} member ({counts})", "<b>Reaches:</b> {n} members ({counts})", total, n=grouped(total),
           counts=counts),
    ]
    if muted:
        lines.append(_n("<i>Muted by {n} more in this audience, who will not receive it.</i>",
                        "<i>Muted by {n} more in this audience, who will not receive it.</i>", muted))
    lines.append(_("<b>When:</b> {when}", when=when.describe_moment(send_at, zone) if send_at else _("now")))
    lines.append(_("<b>Urgent:</b> yes — sent even during people's quiet hours") if data.get("urgent") else
                 _("<b>Urgent:</b> no — waits for the end of each member's quiet hours"))
    channels = ctx.network.announcement_channels
    if channels:
        lines.append(_("<b>Announcement channels:</b> {answer}",
                       answer=_("yes ({n})", n=len(channels)) if data.get("channels") else _("no")))
    threshold = ctx.network.broadcast_approval_above
    if total > threshold:
        lines.append(_n("<i>More than {n} member: a second organiser must approve it before it goes.</i>",
                        "<i>More than {n} members: a second organiser must approve it before it goes.</i>",
                        threshold, n=grouped(threshold)))

    def count(view: str, label: Markup) -> Choice:
        return Choice(view, str(label))

    rows = [(count("themes", _("Themes ({n})", n=len(audience.get("themes", [])))),
             count("regions", _("Regions ({n})", n=len(audience.get("regions", []))))),
            (count("roles", _("Roles ({n})", n=len(audience.get("roles", [])))),
             count("sessions", _("Sessions ({n})", n=len(audience.get("sessions", []))))),
            (count("practices", _("Tried a practice ({n})", n=len(audience.get("practices", [])))),)]
    flags = [Choice("urgent", str(_("Urgent: on") if data.get("urgent") else _("Urgent: off")))]
    if channels:
        flags.append(Choice("channels", str(_("Channels: on") if data.get("channels") else _("Channels: off"))))
    rows.append(tuple(flags))
    timing = [Choice("later", str(_("Send later…") if not send_at else _("Another time…")))]
    if send_at:
        timing.append(Choice("now", str(_("Send now instead"))))
    rows.append(tuple(timing))
    confirm = _("Send to {n}", n=grouped(total)) if not send_at else _("Schedule for {n}", n=grouped(total))
    rows.append((Choice("send", str(confirm), once=True), Choice("discard", str(_("Discard")))))
    return Question(join_lines(*lines), more=tuple(rows), cancel=False)


@draft_flow.step("when")
async def when_question(ctx: Context, conversation: Conversation) -> Question:
    return Question(_("When should it go? For example “tomorrow 9:00”, “in 2 hours” or “15 March 18:00” (your time "
                      "zone: {zone}).", zone=ctx.member.timezone or "UTC"), typed=N_("When"))


@draft_flow.when_cancelled
async def discarded(ctx: Context, conversation: Conversation) -> Reply:
    return Reply(_("Draft discarded; nothing was sent."))

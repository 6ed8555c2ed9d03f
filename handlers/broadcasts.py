"""Organisers' broadcasts (/broadcast) and members' mutes (/mute, /unmute).

An organiser writes the message, picks the audience with buttons (themes, regions, roles, a session's
subscribers; within one kind any choice matches, across kinds all must; nothing chosen is everyone), sees a
preview with the number of recipients per platform, and confirms, now or for a later moment. A broadcast that
reaches more members than the network's approval threshold waits for a second organiser; each organiser has a
daily quota; every step is in the audit log.

Broadcasts go through the outbox one row per account, after personal messages (a big broadcast never holds up a
reminder for long), and wait for each member's quiet hours unless marked urgent. A mute stops everything it
covers from the moment it is made, even of a broadcast already under way; `/broadcast cancel` stops what is not
yet sent.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers import when
from handlers.arguments import number
from handlers.core import Context, Fire, Role, Router
from handlers.events import Button, Outgoing, Reply
from handlers.i18n import N_, _, _n, current_language, join_lines, plain
from handlers.paging import page_of
from handlers.quiet import quiet_until
from handlers.sanitise import clean_line
from storage.broadcasts import OPEN, Broadcast, BroadcastRepository, audience_in, clean_audience
from storage.conversations import Conversation
from storage.schedule import DueItem

router = Router("broadcasts")

FLOW = "broadcast"
MAX_TEXT = 1500  # one message on every platform, with the header and the footer (Discord allows 2000)
PAGE = 24
ROLES = ("member", "organiser")
DAY = 24 * 3600
STATUS_LIMIT = 5


# --- what recipients see ---------------------------------------------------------------------------------


def _about(ctx: Context, audience: dict[str, list[Any]]) -> list[str]:
    labels = [_label(ctx, "theme", t) for t in audience.get("themes", [])]
    labels += [_label(ctx, "region", r) for r in audience.get("regions", [])]
    return labels


def _label(ctx: Context, kind: str, value: str) -> str:
    choice = ctx.network.theme(value) if kind == "theme" else ctx.network.region(value)
    return choice.label if choice is not None else value


def render(ctx: Context, broadcast_id: int, text: str, audience: dict[str, list[Any]], *,
           channel: bool = False) -> Reply:
    """The message as it reaches members (or an announcement channel): every bit of the organiser's text escaped."""
    about = _about(ctx, audience)
    lines = [_("📣 <b>{network}</b> · message from the organisers", network=ctx.network.name), Markup.escape(text)]
    if about:
        lines.append(_("<i>About: {topics}</i>", topics=", ".join(about)))
    if not channel:
        if audience.get("themes"):
            lines.append(_("<i>Send /mute to stop broadcasts, or /mute {theme} for this theme only.</i>",
                           theme=_label(ctx, "theme", audience["themes"][0])))
        else:
            lines.append(_("<i>Send /mute to stop broadcasts.</i>"))
    return Reply(join_lines(*lines))


def describe_audience(ctx: Context, audience: dict[str, list[Any]], sessions: dict[int, str] | None = None
                      ) -> Markup:
    parts = []
    if audience.get("themes"):
        parts.append(_("themes: {list}", list=", ".join(_label(ctx, "theme", t) for t in audience["themes"])))
    if audience.get("regions"):
        parts.append(_("regions: {list}", list=", ".join(_label(ctx, "region", r) for r in audience["regions"])))
    if audience.get("roles"):
        names = {"member": _("members"), "organiser": _("organisers and admins")}
        parts.append(_("roles: {list}", list=", ".join(str(names[r]) for r in audience["roles"] if r in names)))
    if audience.get("sessions"):
        titles = [(sessions or {}).get(int(s)) or f"#{s}" for s in audience["sessions"]]
        parts.append(_("subscribers of: {list}", list="; ".join(titles)))
    if not parts:
        return _("everyone in the network")
    return Markup(_(" and ")).join(parts)


# --- composing -------------------------------------------------------------------------------------------


@router.command("broadcast", Role.ORGANISER, N_("send a message to the network or part of it"),
                usage=N_("/broadcast [message] · /broadcast status [number] · /broadcast cancel <number>"),
                order=30)
async def broadcast_command(ctx: Context, args: str) -> Reply | list[Reply]:
    words = args.split(maxsplit=1)
    first = words[0].lower() if words else ""
    rest = words[1] if len(words) > 1 else ""
    if first == "status":
        return await _status(ctx, rest.strip())
    if first == "cancel":
        return await _cancel_asked(ctx, rest.strip())
    if not args.strip():
        await ctx.repos.conversations.put(ctx.member_id, FLOW, "broadcast.text", {}, ctx.now)
        return Reply(join_lines(
            _n("Write the message to broadcast (at most {n} character). You choose who receives it next, and "
               "see a preview before anything is sent.",
               "Write the message to broadcast (at most {n} characters). You choose who receives it next, and "
               "see a preview before anything is sent.", MAX_TEXT),
            _("Send /cancel to stop.")), asks=str(_("Message")))
    return await _with_text(ctx, args)


@router.text_step(FLOW, "broadcast.text")
async def text_typed(ctx: Context, conversation: Conversation, text: str) -> Reply | list[Reply]:
    return await _with_text(ctx, text)


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
    conversation = await ctx.repos.conversations.put(
        ctx.member_id, FLOW, "broadcast.compose",
        {"text": text, "audience": {}, "urgent": False, "channels": False, "send_at": None, "view": "main"},
        ctx.now)
    return await _draft(ctx, conversation)


async def _sessions(ctx: Context) -> dict[int, str]:
    """Upcoming sessions (number: title) to offer as audiences."""
    rows = await ctx.repos.db.fetch_all(
        "SELECT id, title FROM sessions WHERE status = 'scheduled' AND ends_at > ? ORDER BY starts_at, id LIMIT 48",
        (ctx.now,))
    return {int(r[0]): str(r[1]) for r in rows}


async def preview_counts(ctx: Context, audience: dict[str, list[Any]]) -> tuple[int, dict[str, int], int]:
    """How many members a broadcast would reach, how many accounts per running platform, and how many members
    of the audience have muted it."""
    async with ctx.repos.db.transaction() as conn:
        recipients = await audience_in(conn, audience, admins=ctx.network.admins)
        everyone = await audience_in(conn, audience, mutes=False, admins=ctx.network.admins)
    ids = [r.member_id for r in recipients]
    running = set(ctx.services.delivery.running())
    per_platform: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = await ctx.repos.db.fetch_all(
            f"SELECT m.id, m.notify_on, i.platform FROM members m JOIN identities i ON i.member_id = m.id "
            f"WHERE m.id IN ({','.join('?' * len(chunk))}) AND i.unreachable_since IS NULL", chunk)
        accounts: dict[int, tuple[str, list[str]]] = {}
        for member_id, notify_on, platform in rows:
            if platform in running:
                accounts.setdefault(member_id, (notify_on, []))[1].append(platform)
        for notify_on, platforms in accounts.values():
            chosen = [p for p in platforms if p == notify_on] if notify_on != "all" else []
            for platform in chosen or platforms:
                per_platform[platform] = per_platform.get(platform, 0) + 1
    return len(recipients), per_platform, len(everyone) - len(recipients)


def _platform_name(platform: str) -> str:
    return {"telegram": "Telegram", "discord": "Discord", "console": str(_("console"))}.get(platform, platform)


async def _draft(ctx: Context, conversation: Conversation, *, edit: bool = False, note: Any = None) -> Reply:
    """The draft with its audience, preview counts and choices, or one of the audience lists."""
    data, nonce = conversation.data, conversation.nonce
    audience = clean_audience(data.get("audience", {}))
    view = data.get("view", "main")

    async def btn(label: Any, action: str, selected: bool | None = None, **payload: Any) -> Button:
        return await ctx.button(str(label), action, {"n": nonce, **payload}, selected=selected)

    rows: list[tuple[Button, ...]] = []
    if view in ("themes", "regions", "roles", "sessions"):
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
        else:
            options = [(str(k), v) for k, v in (await _sessions(ctx)).items()]
            text = _("The subscribers of which sessions?") if options else _("There are no upcoming sessions.")
        chosen = [str(v) for v in audience.get(view, [])]
        page_rows, page_line = await page_of(
            options, data.get("page", 0), PAGE,
            lambda o: btn(("✓ " if o[0] in chosen else "") + o[1][:60], "broadcast.toggle", o[0] in chosen, v=o[0]),
            lambda label, page: btn(label, "broadcast.page", p=page))
        rows += page_rows
        text = join_lines(text, page_line)
        rows.append((await btn(_("Back to the preview"), "broadcast.view", v="main"),))
        return Reply(join_lines(note, text), buttons=tuple(rows), edit=edit)

    total, per_platform, muted = await preview_counts(ctx, audience)
    sessions = await _sessions(ctx) if audience.get("sessions") else {}
    send_at = data.get("send_at")
    zone = ctx.member.timezone or "UTC"
    counts = " · ".join(f"{_platform_name(p)} {n:,}" for p, n in sorted(per_platform.items())) or _("no accounts")
    lines = [
        _("<b>Broadcast preview</b> — this is what members will see:"),
        Markup("<blockquote>{}</blockquote>").format(render(ctx, 0, data["text"], audience).text),
        _("<b>To:</b> {audience}", audience=describe_audience(ctx, audience, sessions)),
        _n("<b>Reaches:</b> {n} member ({counts})", "<b>Reaches:</b> {n} members ({counts})", total, n=f"{total:,}",
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
                        threshold, n=f"{threshold:,}"))
    rows.append((await btn(_("Themes ({n})", n=len(audience.get("themes", []))), "broadcast.view", v="themes"),
                 await btn(_("Regions ({n})", n=len(audience.get("regions", []))), "broadcast.view", v="regions")))
    rows.append((await btn(_("Roles ({n})", n=len(audience.get("roles", []))), "broadcast.view", v="roles"),
                 await btn(_("Sessions ({n})", n=len(audience.get("sessions", []))), "broadcast.view",
                           v="sessions")))
    options = [await btn(_("Urgent: on") if data.get("urgent") else _("Urgent: off"), "broadcast.flag", v="urgent")]
    if channels:
        options.append(await btn(_("Channels: on") if data.get("channels") else _("Channels: off"),
                                 "broadcast.flag", v="channels"))
    rows.append(tuple(options))
    timing = [await btn(_("Send later…") if not send_at else _("Another time…"), "broadcast.later")]
    if send_at:
        timing.append(await btn(_("Send now instead"), "broadcast.now"))
    rows.append(tuple(timing))
    confirm = _("Send to {n}", n=f"{total:,}") if not send_at else _("Schedule for {n}", n=f"{total:,}")
    rows.append((await ctx.button(str(confirm), "broadcast.send", {"n": nonce}, single_use=True),
                 await btn(_("Discard"), "broadcast.discard")))
    return Reply(join_lines(note, *lines), buttons=tuple(rows), edit=edit)


async def _current(ctx: Context, payload: dict) -> Conversation | None:
    conversation = await ctx.conversation()
    if conversation is None or conversation.flow != FLOW or conversation.nonce != payload.get("n"):
        return None
    return conversation


def _stale() -> Reply:
    text = _("This draft is no longer open. Send /broadcast to write a new one.")
    return Reply(text, toast=str(text), toast_only=True)


async def _save(ctx: Context, conversation: Conversation, step: str = "broadcast.compose", **changes: Any) -> Conversation:
    return await ctx.repos.conversations.put(ctx.member_id, FLOW, step, {**conversation.data, **changes}, ctx.now,
                                             keep_nonce=conversation.nonce)


@router.action("broadcast.view", Role.ORGANISER)
async def view_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    view = payload.get("v")
    if conversation is None or view not in ("main", "themes", "regions", "roles", "sessions"):
        return _stale()
    conversation = await _save(ctx, conversation, view=view, page=0)
    return await _draft(ctx, conversation, edit=True)


@router.action("broadcast.page", Role.ORGANISER)
async def page_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    if conversation is None:
        return _stale()
    conversation = await ctx.turn_page(conversation, payload.get("p", 0))
    return _stale() if conversation is None else await _draft(ctx, conversation, edit=True)


@router.action("broadcast.toggle", Role.ORGANISER)
async def toggle_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    if conversation is None:
        return _stale()
    view, value = conversation.data.get("view"), str(payload.get("v", ""))
    valid = ((view == "themes" and ctx.network.theme(value) is not None)
             or (view == "regions" and ctx.network.region(value) is not None)
             or (view == "roles" and value in ROLES)
             or (view == "sessions" and number(value) in await _sessions(ctx)))
    if not valid:
        return Reply(_("That choice is no longer offered."), toast=str(_("No longer offered")), toast_only=True)
    audience = {k: list(v) for k, v in conversation.data.get("audience", {}).items()}
    chosen = audience.setdefault(view, [])
    stored: Any = number(value) if view == "sessions" else value
    if stored in chosen:
        chosen.remove(stored)
    else:
        chosen.append(stored)
    conversation = await _save(ctx, conversation, audience=clean_audience(audience))
    return await _draft(ctx, conversation, edit=True)


@router.action("broadcast.flag", Role.ORGANISER)
async def flag_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    flag = payload.get("v")
    if conversation is None or flag not in ("urgent", "channels"):
        return _stale()
    conversation = await _save(ctx, conversation, **{flag: not conversation.data.get(flag)})
    return await _draft(ctx, conversation, edit=True)


@router.action("broadcast.later", Role.ORGANISER)
async def later_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    if conversation is None:
        return _stale()
    await _save(ctx, conversation, step="broadcast.when")
    return Reply(_("When should it go? For example “tomorrow 9:00”, “in 2 hours” or “15 March 18:00” (your time "
                   "zone: {zone}).", zone=ctx.member.timezone or "UTC"), asks=str(_("When")))


@router.text_step(FLOW, "broadcast.when")
async def when_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    moment = await when.parse_moment_async(text, ctx.member.timezone or "UTC", ctx.now)
    if isinstance(moment, when.Problem):
        messages = {
            "past": _("That time has already passed: {when}. Give a time in the future.",
                      when=when.describe_moment(moment.at, ctx.member.timezone or "UTC", locale=current_language())),
            "too_far": _("That is more than five years away. Give a nearer time."),
        }
        return Reply(messages.get(moment.code, _("I couldn't read a time in that. Try “tomorrow 9:00”, “in 2 hours” "
                                                  "or “15 March 18:00”.")), asks=str(_("When")))
    conversation = await _save(ctx, conversation, send_at=moment.at, view="main")
    return await _draft(ctx, conversation)


@router.action("broadcast.now", Role.ORGANISER)
async def now_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    if conversation is None:
        return _stale()
    conversation = await _save(ctx, conversation, send_at=None)
    return await _draft(ctx, conversation, edit=True)


@router.action("broadcast.discard", Role.ORGANISER)
async def discard_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    if conversation is None:
        return _stale()
    await ctx.repos.conversations.clear(ctx.member_id)
    return Reply(_("Draft discarded; nothing was sent."), edit=True)


@router.action("broadcast.send", Role.ORGANISER)
async def send_pressed(ctx: Context, payload: dict) -> Reply | list[Reply]:
    """Confirm: check the quota, then send, schedule, or ask a second organiser to approve."""
    conversation = await _current(ctx, payload)
    if conversation is None or conversation.step != "broadcast.compose":
        return _stale()
    data = conversation.data
    audience = clean_audience(data.get("audience", {}))
    quota = ctx.network.broadcast_daily_quota
    if await ctx.repos.broadcasts.count_since(ctx.member_id, ctx.now - DAY) >= quota:
        return await _draft(ctx, conversation, note=_n(
            "You have already started {n} broadcast in the last 24 hours, the most an organiser may. Your draft "
            "is kept: send it later, or ask another organiser to send it.",
            "You have already started {n} broadcasts in the last 24 hours, the most an organiser may. Your draft "
            "is kept: send it later, or ask another organiser to send it.", quota))
    send_at = data.get("send_at")
    if send_at is not None and send_at <= ctx.now:
        send_at = None  # the chosen moment passed while the draft was open: it goes now
    total, _platforms, _muted = await preview_counts(ctx, audience)
    if total == 0 and not (data.get("channels") and ctx.network.announcement_channels):
        return await _draft(ctx, conversation, note=_(
            "Nobody is in this audience (or everyone in it muted broadcasts like this). Choose another audience."))
    needs_approval = total > ctx.network.broadcast_approval_above
    status = "awaiting_approval" if needs_approval else "scheduled"
    broadcast_id = await ctx.repos.broadcasts.create(
        ctx.member_id, data["text"], audience, urgent=bool(data.get("urgent")),
        channels=bool(data.get("channels")) and bool(ctx.network.announcement_channels), status=status,
        send_at=send_at or ctx.now, recipients=total, now=ctx.now)
    await ctx.repos.conversations.clear(ctx.member_id)
    if needs_approval:
        asked = await _ask_approval(ctx, broadcast_id, total)
        if not asked:
            return Reply(_n("Broadcast #{id} reaches {n} member, so a second organiser must approve it, but there "
                            "is no other organiser yet. Ask an admin to /promote someone, or send it to a smaller "
                            "audience.",
                            "Broadcast #{id} reaches {n} members, so a second organiser must approve it, but there "
                            "is no other organiser yet. Ask an admin to /promote someone, or send it to a smaller "
                            "audience.", total, id=broadcast_id, n=f"{total:,}"), edit=True)
        return Reply(Markup(" ").join([
            _n("Broadcast #{id} reaches {n} member, so it waits for a second organiser's approval.",
               "Broadcast #{id} reaches {n} members, so it waits for a second organiser's approval.", total,
               id=broadcast_id, n=f"{total:,}"),
            _n("I asked {n} organiser; I will tell you when they answer.",
               "I asked {n} organisers; I will tell you when one answers.", asked)]), edit=True)
    return Reply(await _go(ctx, broadcast_id), edit=True)


async def _go(ctx: Context, broadcast_id: int) -> Markup:
    """Send a scheduled-or-approved broadcast now, or schedule it for its moment; what to tell the organiser."""
    broadcast = await ctx.repos.broadcasts.get(broadcast_id)
    assert broadcast is not None
    if broadcast.send_at > ctx.now:
        await ctx.schedule("broadcast", broadcast_id, broadcast.send_at)
        return _("Broadcast #{id} is scheduled for {when}. /broadcast cancel {id} stops it.", id=broadcast_id,
                 when=when.describe_moment(broadcast.send_at, ctx.member.timezone or "UTC"))
    async with ctx.repos.db.transaction() as conn:
        queued = await queue_in(conn, ctx, broadcast, ctx.now)
    ctx.services.delivery.wake()
    if queued is None:
        return _("Broadcast #{id} was cancelled before it went.", id=broadcast_id)
    return _n("Broadcast #{id} is on its way to {n} member. /broadcast status {id} shows how it goes; "
              "/broadcast cancel {id} stops what is not yet sent.",
              "Broadcast #{id} is on its way to {n} members. /broadcast status {id} shows how it goes; "
              "/broadcast cancel {id} stops what is not yet sent.", queued, id=broadcast_id, n=f"{queued:,}")


async def queue_in(conn: Any, ctx: Context, broadcast: Broadcast, now: int) -> int | None:
    """Put a broadcast in the outbox (one row per account), within an open transaction; how many members it
    went to, or None when it was no longer waiting to go."""
    if not await BroadcastRepository.move_in(conn, broadcast.id, ("scheduled",), "sending", now):
        return None
    recipients = await audience_in(conn, broadcast.audience, admins=ctx.network.admins)
    text = broadcast.body or ""
    reply = render(ctx, broadcast.id, text, broadcast.audience)
    ctx.repos.broadcasts.gate.know(broadcast.id, broadcast.audience.get("themes", []))
    outgoing = [Outgoing(r.member_id, reply, "broadcast",
                         None if broadcast.urgent else quiet_until(r.timezone, r.quiet_start, r.quiet_end, now),
                         broadcast_id=broadcast.id, ready_at=None if broadcast.urgent else now) for r in recipients]
    await ctx.services.delivery.deliver_in(conn, outgoing, now)
    if broadcast.channels:
        await ctx.services.delivery.post_in(conn, list(ctx.network.announcement_channels),
                                            render(ctx, broadcast.id, text, broadcast.audience, channel=True),
                                            kind="announcement", now=now, broadcast_id=broadcast.id)
    await conn.execute("UPDATE broadcasts SET recipients = ? WHERE id = ?", (len(recipients), broadcast.id))
    await conn.execute("INSERT INTO audit (at, actor_id, action, subject_id, detail) VALUES (?, ?, 'broadcast_sent', "
                       "NULL, ?)", (now, broadcast.author_id, f"broadcast #{broadcast.id}, {len(recipients)} "
                                                              f"recipients"))
    return len(recipients)


async def _load(repos: Any, ids: list[int]) -> dict[int, Broadcast]:
    found = {}
    for broadcast_id in ids:
        broadcast = await repos.broadcasts.get(broadcast_id)
        if broadcast is not None:
            found[broadcast_id] = broadcast
    return found


@router.due("broadcast", load=_load)
async def broadcast_due(ctx: Context, item: DueItem) -> Fire | None:
    """A scheduled broadcast's moment: it goes into the outbox with the removal of its due row."""
    broadcast: Broadcast | None = item.subject
    if broadcast is None or broadcast.status != "scheduled":
        return None
    queued: list[int | None] = []

    async def queue(conn: Any) -> None:
        queued.append(await queue_in(conn, ctx, broadcast, ctx.now))

    return Fire(changes=(queue,))


# --- approval --------------------------------------------------------------------------------------------


async def _organisers(ctx: Context, besides: int) -> list[int]:
    rows = await ctx.repos.db.fetch_all(
        "SELECT id FROM members WHERE role = 'organiser' AND blocked = 0 AND id != ? ORDER BY id", (besides,))
    ids = {int(r[0]) for r in rows}
    for key in ctx.network.admins:
        platform, _sep, external_id = key.partition(":")
        member = await ctx.repos.members.by_identity(platform, external_id)
        if member is not None and member.id != besides and not member.blocked:
            ids.add(member.id)
    return sorted(ids)


async def _ask_approval(ctx: Context, broadcast_id: int, total: int) -> int:
    broadcast = await ctx.repos.broadcasts.get(broadcast_id)
    assert broadcast is not None
    others = await _organisers(ctx, ctx.member_id)
    author = ctx.member.display_name or _("an organiser")
    for organiser in others:
        approve = await ctx.button(str(_("Approve")), "broadcast.approve", {"b": broadcast_id},
                                   single_use=True, for_member=organiser)
        reject = await ctx.button(str(_("Reject")), "broadcast.reject", {"b": broadcast_id},
                                  single_use=True, for_member=organiser)
        await ctx.notify(organiser, Reply(join_lines(
            _n("<b>Broadcast #{id} needs a second organiser.</b> {author} wants to send this to {n} member "
               "({audience}):",
               "<b>Broadcast #{id} needs a second organiser.</b> {author} wants to send this to {n} members "
               "({audience}):", total, id=broadcast_id, author=author, n=f"{total:,}",
               audience=describe_audience(ctx, broadcast.audience)),
            Markup("<blockquote>{}</blockquote>").format(broadcast.body or ""),
        ), buttons=((approve, reject),)), kind="approval", quiet=False, about=(ctx.member_id,))
    return len(others)


@router.action("broadcast.approve", Role.ORGANISER)
async def approve_pressed(ctx: Context, payload: dict) -> Reply:
    return await _decide(ctx, payload, approve=True)


@router.action("broadcast.reject", Role.ORGANISER)
async def reject_pressed(ctx: Context, payload: dict) -> Reply:
    return await _decide(ctx, payload, approve=False)


async def _decide(ctx: Context, payload: dict, *, approve: bool) -> Reply:
    broadcast = await ctx.repos.broadcasts.get(int(payload.get("b", 0)))
    if broadcast is None:
        return Reply(_("That broadcast no longer exists."), toast_only=True, toast=str(_("No longer exists")))
    if broadcast.author_id == ctx.member_id:
        text = _("You wrote this broadcast; another organiser must approve it.")
        return Reply(text, toast=str(text), toast_only=True)
    status = "scheduled" if approve else "rejected"
    async with ctx.repos.db.transaction() as conn:
        moved = await BroadcastRepository.move_in(conn, broadcast.id, ("awaiting_approval",), status, ctx.now,
                                                  approved_by=ctx.member_id if approve else None)
        if moved:
            await conn.execute(
                "INSERT INTO audit (at, actor_id, action, subject_id, detail) VALUES (?, ?, ?, ?, ?)",
                (ctx.now, ctx.member_id, "broadcast_approved" if approve else "broadcast_rejected",
                 broadcast.author_id, f"broadcast #{broadcast.id}"))
    if not moved:
        text = _("Broadcast #{id} was already decided ({status}).", id=broadcast.id,
                 status=_status_name(broadcast.status))
        return Reply(text, toast=str(text), edit=True)
    name = ctx.member.display_name or _("An organiser")
    if approve:
        outcome = await _go(ctx, broadcast.id)
        if broadcast.author_id is not None:
            await ctx.notify(broadcast.author_id, Reply(join_lines(
                _("{name} approved broadcast #{id}.", name=name, id=broadcast.id), outcome)), kind="approval",
                quiet=False, about=(ctx.member_id,))
        return Reply(join_lines(_("You approved broadcast #{id}.", id=broadcast.id), outcome), edit=True)
    if broadcast.author_id is not None:
        await ctx.notify(broadcast.author_id, Reply(_("{name} did not approve broadcast #{id}; it will not be sent.",
                                                      name=name, id=broadcast.id)), kind="approval", quiet=False,
                                about=(ctx.member_id,))
    return Reply(_("You rejected broadcast #{id}; nothing was sent.", id=broadcast.id), edit=True)


# --- status and cancel -----------------------------------------------------------------------------------


def _status_name(status: str) -> str:
    return str({"awaiting_approval": _("awaiting approval"), "scheduled": _("scheduled"), "sending": _("sending"),
                "done": _("done"), "cancelled": _("cancelled"), "rejected": _("rejected")}.get(status, status))


_REASONS = {
    "unreachable": N_("cannot reach them (blocked the bot or closed messages)"),
    "failed": N_("refused or failed"),
    "uncertain": N_("no answer from the platform (may have arrived)"),
}

# Why what is pending has not gone yet (see BroadcastRepository.outcomes), in the order they are listed.
_WAITING = {
    "quiet hours": N_("waiting for the end of quiet hours"),
    "scheduled": N_("waiting for its moment"),
    "retrying": N_("retrying after a platform error"),
    "": N_("in the queue, going out now"),
    "sending": N_("being sent"),
}


def _outcome_lines(outcomes: dict[str, dict[str, int]]) -> list[Markup]:
    lines = []
    for platform, counts in sorted(outcomes.items()):
        total = {"sent": 0, "pending": 0, "skipped": 0, "cancelled": 0}
        failures: dict[str, int] = {}
        waiting: dict[str, int] = {}
        for key, n in counts.items():
            state, _sep, reason = key.partition(": ")
            if state in ("sent",):
                total["sent"] += n
            elif state in ("pending", "sending"):
                total["pending"] += n
                why = "sending" if state == "sending" else reason if reason in _WAITING else ""
                waiting[why] = waiting.get(why, 0) + n
            elif state in ("skipped", "cancelled"):
                total[state] += n
            else:
                label = str(_(_REASONS.get(state, state)))
                if reason and state == "failed":
                    label = f"{label}: {reason}"
                failures[label] = failures.get(label, 0) + n
        parts = [_("delivered {n}", n=total["sent"]), _("pending {n}", n=total["pending"]),
                 _("failed {n}", n=sum(failures.values()))]
        if total["skipped"]:
            parts.append(_("muted {n}", n=total["skipped"]))
        if total["cancelled"]:
            parts.append(_("cancelled {n}", n=total["cancelled"]))
        lines.append(Markup("{}: {}").format(_platform_name(platform), Markup(" · ").join(parts)))
        lines += [Markup("    {} ({})").format(plain(_WAITING[why]), waiting[why])
                  for why in _WAITING if why in waiting]
        lines += [Markup("    {} ({})").format(reason, n) for reason, n in failures.items()]
    return lines


async def _status(ctx: Context, args: str) -> Reply:
    repo = ctx.repos.broadcasts
    await repo.finish(ctx.now)
    zone = ctx.member.timezone or "UTC"
    if args:
        broadcast = await _numbered(ctx, args)
        if broadcast is None:
            return _no_such_broadcast(args)
        chosen = [broadcast]
    else:
        chosen = await repo.recent(STATUS_LIMIT)
        if not chosen:
            return Reply(_("No broadcasts yet. Send /broadcast to write one."))
    blocks = []
    rows = []
    for broadcast in chosen:
        head = _n("<b>#{id}</b> · {status} · {when} · to {audience} · {n} member",
                  "<b>#{id}</b> · {status} · {when} · to {audience} · {n} members", broadcast.recipients or 0,
                  id=broadcast.id, status=_status_name(broadcast.status),
                  when=when.describe_moment(broadcast.send_at, zone),
                  audience=describe_audience(ctx, broadcast.audience), n=f"{broadcast.recipients or 0:,}")
        outcomes = await repo.outcomes(broadcast.id, ctx.now)
        why = _("Cancelled because its author left the network.") if broadcast.cancel_reason == "author_left" \
            else None
        blocks.append(join_lines(head, why, *_outcome_lines(outcomes)))
        if broadcast.status in OPEN:
            rows.append((await ctx.button(str(_("Cancel #{id}", id=broadcast.id)), "broadcast.cancel",
                                          {"b": broadcast.id}),))
    return Reply(Markup("\n\n").join(blocks), buttons=tuple(rows[:5]))


async def _numbered(ctx: Context, typed: str) -> Broadcast | None:
    """The broadcast a typed number ("12" or "#12") names, if there is one."""
    broadcast_id = number(typed.removeprefix("#"))
    return await ctx.repos.broadcasts.get(broadcast_id) if broadcast_id is not None else None


def _no_such_broadcast(typed: str) -> Reply:
    return Reply(_("There is no broadcast #{n}. /broadcast status lists the recent ones.",
                   n=clean_line(typed.removeprefix("#"), 20).text[:20]))


async def _cancel_asked(ctx: Context, args: str) -> Reply:
    if not args.removeprefix("#"):
        return Reply(_("Which broadcast? For example /broadcast cancel 12 (numbers are in /broadcast status)."))
    broadcast = await _numbered(ctx, args)
    if broadcast is None:
        return _no_such_broadcast(args)
    return await cancel_pressed(ctx, {"b": broadcast.id})


@router.action("broadcast.cancel", Role.ORGANISER)
async def cancel_pressed(ctx: Context, payload: dict) -> Reply:
    broadcast = await ctx.repos.broadcasts.get(int(payload.get("b", 0)))
    if broadcast is None or broadcast.status not in OPEN:
        status = _status_name(broadcast.status) if broadcast else _("gone")
        return Reply(_("Broadcast #{id} cannot be stopped: it is {status}.", id=payload.get("b"), status=status))
    counts = await ctx.repos.broadcasts.outcomes(broadcast.id)
    waiting = sum(n for c in counts.values() for k, n in c.items() if k.partition(":")[0] in ("pending", "sending"))
    question = _n("Stop broadcast #{id}? {n} message is not yet sent; those already delivered stay delivered.",
                  "Stop broadcast #{id}? {n} messages are not yet sent; those already delivered stay delivered.",
                  waiting, id=broadcast.id) if broadcast.status == "sending" else \
        _("Stop broadcast #{id} ({status})? Nothing of it has been sent.", id=broadcast.id,
          status=_status_name(broadcast.status))
    yes = await ctx.button(str(_("Stop it")), "broadcast.cancel_yes", {"b": broadcast.id}, single_use=True)
    no = await ctx.button(str(_("Keep it")), "broadcast.cancel_no", {"b": broadcast.id})
    return Reply(question, buttons=((yes, no),))


@router.action("broadcast.cancel_yes", Role.ORGANISER)
async def cancel_confirmed(ctx: Context, payload: dict) -> Reply:
    broadcast_id = int(payload.get("b", 0))
    stopped = await ctx.repos.broadcasts.cancel(broadcast_id, ctx.member_id, ctx.now)
    if stopped is None:
        return Reply(_("Broadcast #{id} had already finished or been stopped.", id=broadcast_id), edit=True)
    return Reply(_n("Broadcast #{id} is stopped: {n} message that was not yet sent will not go.",
                    "Broadcast #{id} is stopped: {n} messages that were not yet sent will not go.", stopped,
                    id=broadcast_id), edit=True)


@router.action("broadcast.cancel_no", Role.ORGANISER)
async def cancel_declined(ctx: Context, payload: dict) -> Reply:
    return Reply(_("Broadcast #{id} carries on.", id=payload.get("b")), edit=True)


# --- mutes -----------------------------------------------------------------------------------------------


def _mutes_text(ctx: Context, mutes: list[str]) -> Markup:
    if not mutes:
        return _("You receive every broadcast meant for you.")
    if "" in mutes:
        return _("You have muted all broadcasts. /unmute to receive them again.")
    return _("You have muted broadcasts about: {themes}. /unmute to receive them all again.",
             themes=", ".join(_label(ctx, "theme", t) for t in mutes))


def _theme_from(ctx: Context, args: str) -> str | None:
    choice = ctx.network.match("theme", args)
    return choice.id if choice is not None else None


def _unknown_theme(ctx: Context, args: str) -> Reply:
    return Reply(_("“{typed}” is not one of the network's themes: {themes}.", typed=clean_line(args, 60).text[:60],
                   themes=", ".join(c.label for c in ctx.network.themes)))


@router.command("mute", Role.MEMBER, N_("stop receiving broadcasts, all or on one theme"),
                usage=N_("/mute [theme]"), order=60)
async def mute_command(ctx: Context, args: str) -> Reply:
    theme = ""
    if args.strip():
        found = _theme_from(ctx, args)
        if found is None:
            return _unknown_theme(ctx, args)
        theme = found
    await ctx.repos.broadcasts.mute(ctx.member_id, theme, ctx.now)
    mutes = await ctx.repos.broadcasts.mutes(ctx.member_id)
    done = _("Muted: no more broadcasts reach you, including any under way.") if not theme else \
        _("Muted: no more broadcasts about {theme} reach you, including any under way.",
          theme=_label(ctx, "theme", theme))
    return Reply(join_lines(done, _("Reminders, check-ins and session notices you asked for still come."),
                            _mutes_text(ctx, mutes)))


@router.command("unmute", Role.MEMBER, N_("receive broadcasts again"), usage=N_("/unmute [theme]"), order=61)
async def unmute_command(ctx: Context, args: str) -> Reply:
    theme: str | None = None
    if args.strip():
        theme = _theme_from(ctx, args)
        if theme is None:
            return _unknown_theme(ctx, args)
    removed = await ctx.repos.broadcasts.unmute(ctx.member_id, theme)
    mutes = await ctx.repos.broadcasts.mutes(ctx.member_id)
    if not removed:
        return Reply(join_lines(_("That was not muted."), _mutes_text(ctx, mutes)))
    return Reply(join_lines(_("Unmuted."), _mutes_text(ctx, mutes)))


# --- data rights -----------------------------------------------------------------------------------------


@router.export("broadcasts")
async def _export(ctx: Context, member_id: int) -> dict:
    return await ctx.repos.broadcasts.export(member_id)

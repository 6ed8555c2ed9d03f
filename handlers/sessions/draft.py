"""The organisers' draft of a session: /newsession and /editsession, the question for each field, the summary."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers.agenda_files import (
    MAX_TITLE,
)
from handlers import when
from handlers.arguments import first_word
from handlers.core import Args, Context, Role
from handlers.core.questions import Choice, Question
from handlers.events import Reply
from handlers.formatting import labels
from handlers.i18n import N_, _, _n, current_language, grouped, join_lines, plain
from handlers.sessions.common import (
    FIELD_LABELS,
    FIELD_LIMITS,
    FIELDS,
    MAX_PLACES,
    OPTIONAL,
    REQUIRED,
    SESSION_FIELDS,
    SESSION_NUMBER,
    SessionRef,
    draft_flow,
    router,
)

CLEAR, BACK, SAVE, ASK = "clear", "back", "save", "ask"  # besides the fields' names, the values of the draft's buttons
from handlers.sessions.fields import apply_field, draft_zone
from handlers.sessions.showing import interpretation_names, session_arg, span, theme_labels, zone_for
from storage.conversations import Conversation


async def _start_draft(ctx: Context, values: dict[str, Any], session_id: int | None, args: Args, *,
                       note: Markup | None = None) -> Reply:
    """Fill the draft from the command's values and ask what is missing, or show the summary."""
    text, named = args.text, {name: value for name, value in args.values.items() if name in FIELDS}
    notes: list[Markup] = [note] if note else []
    if text:
        named = {"title": text, **named}
    for name in ("zone", "title", "start", "end", "venue", "link", "moderator", "speakers", "description",
                 "themes", "places", "closes", "interpretation", "access"):
        if name in named:
            problem = await apply_field(ctx, values, name, named[name])
            if problem is not None:
                notes.append(_("{field}: {problem}", field=plain(FIELD_LABELS[name]), problem=problem))
    return await _next(ctx, values, session_id, join_lines(*notes) if notes else None)


def _missing(values: dict[str, Any]) -> str | None:
    if not values.get("title"):
        return "title"
    if values.get("starts_at") is None:
        return "start"
    if values.get("ends_at") is None:
        return "end"
    return None


async def _next(ctx: Context, values: dict[str, Any], session_id: int | None, note: Markup | None = None,
                *, edit: bool = False) -> Reply:
    """Ask for the first of title, start and end still missing, or show the summary to save."""
    return await draft_flow.ask(ctx, _missing(values) or "confirm", {"values": values, "session": session_id},
                                note=note, edit=edit)


async def ask_field(ctx: Context, conversation: Conversation, name: str, note: Markup | None = None) -> Reply:
    return await draft_flow.ask(ctx, "field", {**conversation.data, "field": name}, note=note)


def _prompt(ctx: Context, name: str, values: dict[str, Any]) -> Markup:
    zone = draft_zone(ctx, values)
    if name == "title":
        return _n("What is the session called? (at most {n} character)",
                  "What is the session called? (at most {n} characters)", MAX_TITLE)
    if name == "start":
        return _("When does it start? A date and time such as “10 December 9:30”, read in {zone} (change the time "
                 "zone from the summary, or add zone:… to the command).", zone=zone)
    if name == "end":
        return _("When does it end? A time (“11:00”), a length (“90 minutes”) or a date and time, in {zone}.",
                 zone=zone)
    if name == "zone":
        return _("In which time zone is it held? A city (“Geneva”) or a zone name (“Europe/Zurich”). The start and "
                 "end keep their clock times.")
    if name == "themes":
        return _("Which themes? Type them separated by commas. The network's themes: {themes}.",
                 themes=labels(c.label for c in ctx.network.themes))
    if name == "link":
        return _("The call link, starting with https://")
    if name == "closes":
        return _("When do sign-ups close? A date and time before the start, read in {zone}; Clear to keep them "
                 "open until it starts.", zone=zone)
    if name == "interpretation":
        return _("Which languages does it offer interpretation into? Type them separated by commas (“French, "
                 "Arabic”); those going are asked whether they need one. Clear for none.")
    if name == "access":
        return _("Ask those going about their access needs (step-free access, captions, sign language, a quiet "
                 "room…)? Only organisers see the answers.")
    if name == "places":
        return _("How many places does it have? A number from 1 to {max}; Clear for no limit. Those who come "
                 "after it is full join a waiting list.", max=grouped(MAX_PLACES))
    return _n("Type the {field} (at most {n} character).", "Type the {field} (at most {n} characters).",
              FIELD_LIMITS[name], field=plain(FIELD_LABELS[name]).lower())


def summary(ctx: Context, values: dict[str, Any]) -> Markup:
    zone = draft_zone(ctx, values)
    start, end = values.get("starts_at"), values.get("ends_at")
    own = zone_for(ctx.member, zone)
    when_text = span(start, end, zone) if start is not None and end is not None else "—"
    return join_lines(
        _("<b>Title:</b> {title}", title=values.get("title") or "—"),
        _("<b>When:</b> {span}", span=when_text),
        _("<i>For you, in {zone}: {span}</i>", zone=own, span=span(start, end, own))
        if own != zone and start is not None and end is not None else None,
        _("<b>Venue:</b> {venue}", venue=values.get("venue") or "—"),
        _("<b>Call link:</b> {link}", link=values.get("link") or "—"),
        _("<b>Moderator:</b> {name}", name=values.get("moderator") or "—"),
        _("<b>Speakers:</b> {names}", names=values.get("speakers") or "—"),
        _("<b>Themes:</b> {themes}", themes=theme_labels(ctx.network, values.get("themes") or []) or "—"),
        _("<b>Description:</b> {text}", text=values.get("description") or "—"),
        _("<b>Places:</b> {n}", n=values.get("places") or "—"),
        _("<b>Sign-ups close:</b> {when}", when=when.describe_moment(values["signups_close_at"], zone,
                                                                     locale=current_language())
          if values.get("signups_close_at") else "—"),
        _("<b>Interpretation into:</b> {languages}",
          languages=interpretation_names(values.get("interpretation")) or "—"),
        _("<b>Access needs:</b> those going are asked") if values.get("asks_access") else
        _("<b>Access needs:</b> not asked"),
    )


@draft_flow.step("title")
@draft_flow.step("start")
@draft_flow.step("end")
async def required_question(ctx: Context, conversation: Conversation) -> Question:
    """Title, start or end; the ones still missing after it are asked next, and one form may take them all."""
    step, values = conversation.step, conversation.data.get("values", {})
    later = [name for name in REQUIRED[REQUIRED.index(step) + 1:]
             if (values.get("starts_at") if name == "start" else values.get("ends_at")) is None]
    return Question(_prompt(ctx, step, values), typed=FIELD_LABELS[step],
                    form=tuple(FIELD_LABELS[name] for name in later))


@draft_flow.step("field")
async def field_question(ctx: Context, conversation: Conversation) -> Question:
    name = conversation.data.get("field", "title")
    if name == "access":  # a yes or a no: two buttons
        return Question(_prompt(ctx, name, conversation.data.get("values", {})), cancel=False,
                        more=((Choice(ASK, str(_("Ask them"))), Choice(CLEAR, str(_("Don't ask")))),
                              (Choice(BACK, str(_("Back"))),)))
    back = (Choice(CLEAR, str(_("Clear"))),) if name in OPTIONAL else ()
    return Question(_prompt(ctx, name, conversation.data.get("values", {})), typed=FIELD_LABELS[name],
                    more=((*back, Choice(BACK, str(_("Back")))),), cancel=False)


@draft_flow.step("confirm")
async def confirm_question(ctx: Context, conversation: Conversation) -> Question:
    session_id = conversation.data.get("session")
    heading = _("<b>Session #{id}: save these changes?</b>", id=session_id) if session_id else \
        _("<b>Create this session?</b>")
    fields = [Choice(f, plain(FIELD_LABELS[f])) for f in FIELDS]
    rows = tuple(tuple(fields[i:i + 4]) for i in range(0, len(fields), 4))
    done = Choice(SAVE, str(_("Save") if session_id else _("Create")), once=True)
    return Question(join_lines(heading, summary(ctx, conversation.data.get("values", {})),
                               _("<i>Tap a field to change it.</i>")), more=(*rows, (done,)))


@router.command("newsession", Role.ORGANISER, N_("add a session to the agenda"),
                usage=N_("/newsession [title] [start:…] [end:…] [zone:…] [venue:…] [link:…] [moderator:…] "
                         "[speakers:…] [themes:…] [description:…] [places:…] [closes:…] [interpretation:…] "
                         "[access:…]"), order=60, params=SESSION_FIELDS)
async def newsession_command(ctx: Context, args: Args) -> Reply:
    values: dict[str, Any] = {"zone": (ctx.member.timezone if ctx.member else None) or "UTC", "themes": []}
    return await _start_draft(ctx, values, None, args)


@router.command("editsession", Role.ORGANISER,
                N_("change a session; its subscribers are told of a new time or place"),
                usage=N_("/editsession <number> [start:…] [end:…] [venue:…] …"), order=61,
                params=(SESSION_NUMBER, *SESSION_FIELDS[1:]))
async def editsession_command(ctx: Context, args: Args) -> Reply:
    session = await session_arg(ctx, args.text, plain("/editsession <number> [start:…] [end:…] [venue:…] …"))
    if isinstance(session, Reply):
        return session
    # The number names the session; words after it are a new title, the named values the other fields.
    return await _edit(ctx, session.id, Args(first_word(args.text)[1], args.values))


async def _edit(ctx: Context, session_id: int, args: Args) -> Reply:
    session = await ctx.repos.sessions.get(session_id)
    if session is None:
        return Reply(_("There is no session #{id}. Send /agenda to see the sessions.", id=session_id))
    if session.ends_at <= ctx.now:
        return Reply(_("Session #{id} is already over; it can no longer be changed.", id=session.id))
    note = _("<i>Session #{id} is cancelled; saving it puts it back on, and its subscribers are told.</i>",
             id=session.id) if session.cancelled else None
    return await _start_draft(ctx, session.values(), session.id, args, note=note)


@router.action("session.edit", Role.ORGANISER, payload=SessionRef)
async def edit_pressed(ctx: Context, press: SessionRef) -> Reply:
    return await _edit(ctx, press.session, Args())


async def _typed(ctx: Context, conversation: Conversation, name: str, text: str) -> Reply:
    values = dict(conversation.data.get("values", {}))
    problem = await apply_field(ctx, values, name, text)
    if problem is not None:
        return await draft_flow.ask(ctx, conversation.step, conversation.data, note=problem)
    return await _next(ctx, values, conversation.data.get("session"))

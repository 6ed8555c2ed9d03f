"""Commitments: what members promise the network, and the check-ins that follow them up.

/commit registers one, guided question by question (what, by when, theme, region, who may see it, then a summary
to Register or Cancel); `/commit Run a workshop in Lyon by 15 March theme:Detention` fills what it can and asks
the rest. Nothing is stored before Register. Dates are read in the member's time zone and always echoed back as
an exact local date and time. /commitments lists the member's own with buttons (Done, Progress, New date, Drop);
`/commitments all` gives organisers everyone's but the private ones, with filters and totals. /progress notes
progress.

A commitment with a due date gets a check-in at that moment (and one halfway when it is more than two weeks
away). An unanswered check-in is followed by one nudge two days later, and two days after that the commitment is
marked stale, silently. Each step is a schedule row handled by `Core.run_due`, which applies its changes in the
transaction that queues its message.

Questions of the guided flows carry the conversation's nonce, so a button from a question already answered
changes nothing; Register, check-in answers and the Drop confirmation are single-use buttons.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from handlers import profile, when
from handlers.arguments import first_word, keyword_args, number
from handlers.core import Context, Fire, Role, Router
from handlers.events import Button, Reply
from handlers.i18n import N_, _, _n, current_language, join_lines, language, pick_language, plain
from handlers.paging import page_of
from handlers.sanitise import clean_line
from storage.commitments import FOLLOW_UPS, Commitment, CommitmentRepository, Note
from storage.conversations import Conversation
from storage.members import Member
from storage.schedule import DueItem, ScheduleRepository

router = Router("commitments")

FLOW = "commit"  # registering a new commitment
EDIT_FLOW = "commitment"  # a new date or a note for an existing one
STEPS = ("what", "due", "theme", "region", "visibility")
MAX_WHAT = 500
MAX_NOTE = 500
DEFAULT_HOUR = 10  # a date typed without a time, or a quick choice, falls due at 10:00 local time
DAY = 24 * 3600
HALFWAY_AFTER = 14 * DAY  # commitments due further away than this get a check-in halfway too
NUDGE_AFTER = 2 * DAY
STALE_AFTER = 2 * DAY
ASK_AGAIN_AFTER = 7 * DAY  # "on track" once the due date has come: the next check-in
LIST_PAGE = 5  # commitments per page of /commitments: 4 buttons each stays within Discord's 25 per message
CHOICE_PAGE = 20  # themes or regions offered at once (with Skip, paging and Cancel, still under 25 buttons)
ORGANISER_LIMIT = 30
_BY = re.compile(r"\s+by\s+", re.IGNORECASE)
_LEADING_BY = re.compile(r"^by\s+", re.IGNORECASE)

VISIBILITY_LABELS = {"network": N_("The network"), "organisers": N_("Organisers only"), "private": N_("Just me")}
VISIBILITY_WORDS = {"network": "network", "everyone": "network", "organisers": "organisers",
                    "organizers": "organisers", "organiser": "organisers", "organizer": "organisers",
                    "private": "private", "me": "private", "just me": "private", "only me": "private"}
STATUS_LABELS = {"open": N_("open"), "done": N_("done"), "dropped": N_("dropped")}
CHECKIN_ANSWERS = ("done", "on_track", "help", "new_date", "drop")
CHECKIN_NOTE_LABELS = {"done": N_("done"), "on_track": N_("on track"), "help": N_("needs help"),
                       "new_date": N_("a new date")}
NOTES_SHOWN = 15  # the latest notes of one commitment shown in full; /export holds them all


# --- dates ---------------------------------------------------------------------------------------------------


def _zone(ctx: Context) -> str:
    return (ctx.member.timezone if ctx.member else None) or "UTC"


def _tz(zone: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _when(at: int, zone: str) -> str:
    """An exact local date and time, with its time zone, in the current language."""
    return when.describe_moment(at, zone, locale=current_language())


def _due_text(at: int | None, zone: str) -> Markup:
    return _("no due date") if at is None else _("due {when}", when=_when(at, zone))


def _quick_date(ctx: Context, choice: str) -> int | None:
    """'week' or 'month' from today, at 10:00 local time; 'none': no date."""
    if choice == "none":
        return None
    zone = _tz(_zone(ctx))
    today = ctx.now_dt.astimezone(zone).date()
    day = today + (timedelta(days=7) if choice == "week" else relativedelta(months=1))
    return int(datetime.combine(day, time(DEFAULT_HOUR), tzinfo=zone).timestamp())


async def _parse(ctx: Context, text: str) -> when.Moment | when.Problem:
    languages = tuple(dict.fromkeys([*(ctx.member.languages if ctx.member else ()), "en"]))
    return await when.parse_moment_async(text, _zone(ctx), ctx.now, default_hour=DEFAULT_HOUR,
                                         languages=languages)


def _problem(problem: when.Problem, text: str) -> Markup:
    """Why a typed date was not taken, in words."""
    shown = text.strip()[:60]
    if problem.code == "past":
        return _("“{text}” is in the past. Please give a date still to come.", text=shown)
    if problem.code == "too_far":
        return _("“{text}” is too far ahead. Please give a nearer date.", text=shown)
    if problem.code == "empty":
        return _("Please type a date, or tap one of the buttons.")
    if problem.code == "bad_zone":
        return _("Your time zone is not one I know; set it with /timezone, then try again.")
    if problem.code == "bad_time":
        return _("“{time}” is not a time of day. Use the 24-hour clock, from 00:00 to 23:59, or am and pm.",
                 time=problem.detail)
    if problem.code == "too_long":
        return _("That is too long for a date. Try something like “15 March”, “in two weeks” or "
                 "“next Friday 10:00”.")
    return _("I could not read “{text}” as a date. Try something like “15 March”, “in two weeks” or "
             "“next Friday 10:00”.", text=shown)


def checkins_for(due_at: int | None, now: int, zone: str) -> list[tuple[int, str]]:
    """The check-ins a commitment due at `due_at` gets: at the due moment, and halfway when it is far away (on
    the middle day, at the due moment's time of day, so it does not come in the night)."""
    if due_at is None:
        return []
    found = [(due_at, "due")]
    if due_at - now > HALFWAY_AFTER:
        tz = _tz(zone)
        middle = datetime.fromtimestamp(now + (due_at - now) // 2, tz).date()
        halfway = int(datetime.combine(middle, datetime.fromtimestamp(due_at, tz).time(), tzinfo=tz).timestamp())
        found.insert(0, (halfway, "halfway"))
    return found


def _checkins_line(checkins: list[tuple[int, str]], zone: str) -> Markup | None:
    halfway = [at for at, detail in checkins if detail == "halfway"]
    if halfway:
        return _("I will check in with you halfway, on {halfway}, and when it falls due.",
                 halfway=_when(halfway[0], zone))
    if checkins:
        return _("I will check in with you when it falls due.")
    return None


# --- choices -------------------------------------------------------------------------------------------------


def _theme_label(ctx: Context, theme: str | None) -> str:
    choice = ctx.network.theme(theme) if theme else None
    return choice.label if choice else (theme or "—")


def _region_label(ctx: Context, region: str | None) -> str:
    choice = ctx.network.region(region) if region else None
    return choice.label if choice else (region or "—")


def _visibility(text: str) -> str | None:
    """The visibility named by a word ('network', 'organisers', 'private', 'just me') or a shown label."""
    wanted = " ".join(text.split()).casefold()
    if wanted in VISIBILITY_WORDS:
        return VISIBILITY_WORDS[wanted]
    return next((v for v, label in VISIBILITY_LABELS.items() if plain(label).casefold() == wanted), None)


def _options(ctx: Context, kind: str) -> list[tuple[str, str]]:
    """The network's themes or regions as (id, label), the member's own first."""
    choices = ctx.network.themes if kind == "theme" else ctx.network.regions
    member = ctx.member
    own = set(member.themes) if kind == "theme" else {r.name for r in member.regions if not r.free}
    return [(c.id, c.label) for c in choices if c.id in own] + [(c.id, c.label) for c in choices if c.id not in own]


# --- what other capabilities start a commitment from ------------------------------------------------------------------


async def joint_partner(ctx: Context, intro_id: Any) -> Member | None:
    """The other member of an introduction the member is part of and that was made, if they are still here."""
    try:
        intro = await ctx.repos.partners.introduction(int(intro_id))
    except (TypeError, ValueError):
        return None
    side = intro.side(ctx.member_id) if intro is not None else None
    if intro is None or side is None or intro.status != "introduced" or intro.other(side) is None:
        return None
    other = await ctx.repos.members.get(intro.other(side))
    return None if other is None or other.blocked else other


async def link_commitment(ctx: Context, commitment_id: int, session_id: Any) -> None:
    """Note that a commitment came from a session (called when it is registered)."""
    try:
        session = await ctx.repos.sessions.get(int(session_id))
    except (TypeError, ValueError):
        return
    if session is not None:
        await ctx.repos.sessions.link_commitment(commitment_id, session.id)


# --- registering: the guided flow ----------------------------------------------------------------------------


@router.command("commit", Role.MEMBER, N_("register something you commit to doing"),
                usage=N_("/commit [what] [by when] [theme:…] [region:…] [visibility:…]"), order=40)
async def commit_command(ctx: Context, args: str) -> Reply | list[Reply]:
    """Start registering a commitment, filling what the command already says."""
    if not ctx.member.profile_complete:
        return [Reply(_("Let's finish setting up your profile first.")), await profile.resume(ctx)]
    text, named = keyword_args(args, ("theme", "region", "visibility"))
    data: dict[str, Any] = {}
    notes: list[Markup] = []
    wrong: dict[str, str] = {}  # named parts not understood: their question comes first, saying so
    for kind in ("theme", "region"):
        if kind in named:
            choice = ctx.network.find(kind, named[kind])
            if choice is not None:
                data[kind] = choice.id
            else:
                wrong[kind] = named[kind][:64]
    if "visibility" in named:
        visibility = _visibility(named["visibility"])
        if visibility is not None:
            data["visibility"] = visibility
        else:
            wrong["visibility"] = named["visibility"][:64]
    if wrong:
        data["wrong"] = wrong
    first = None
    if text:
        what = clean_line(text, len(text) + 1).text
        head, tail, meant = _date_part(what)
        if tail is not None:
            moment = await _parse(ctx, tail)
            if isinstance(moment, when.Moment):
                what, data["due"] = head, moment.at
            elif meant or moment.code in ("past", "too_far", "bad_time"):
                what, first = head, "due"
                notes.append(_problem(moment, tail))
        checked = clean_line(what, MAX_WHAT)
        if checked.problem == "too_long":
            notes.append(_too_long(checked.length))
        elif checked.problem is None:
            data["what"] = checked.text
    if "due" in data:
        notes.append(_("By when: <b>{when}</b>.", when=_when(data["due"], _zone(ctx))))
    return await _next(ctx, data, join_lines(*notes) if notes else None, first=first)


def _date_part(text: str) -> tuple[str, str | None, bool]:
    """Split "Run a workshop by 15 March" into what, the date typed, and whether that is surely meant as a date
    (so that a date not understood is said to be so). "by tomorrow" and "tomorrow" alone are a date with nothing
    before it; a last "by …" that does not look like a date ("written by and for migrants") is part of what."""
    leading = _LEADING_BY.match(text)
    if leading:
        return "", text[leading.end():], True
    pieces = list(_BY.finditer(text))
    if pieces:
        tail = text[pieces[-1].end():]
        return text[:pieces[-1].start()], tail, when.looks_like_date(tail)
    if when.looks_like_date(text):
        return "", text, False  # taken as a date only when it reads as one ("Monday meeting" is what)
    return text, None, False


def _too_long(length: int) -> Markup:
    return _n("That is {n} character; the most is {max}. Please say it in fewer words.",
              "That is {n} characters; the most is {max}. Please say it in fewer words.", length, max=MAX_WHAT)


async def _next(ctx: Context, data: dict[str, Any], note: Markup | None = None, *,
                first: str | None = None) -> Reply:
    """Ask `first` (a question whose typed answer was not understood), else a question named in the command but
    not understood, else the first question still unanswered; or show the summary to register."""
    data = dict(data)
    for kind, choices in (("theme", ctx.network.themes), ("region", ctx.network.regions)):
        if not choices:
            data.setdefault(kind, None)  # nothing to choose from: no question
    wrong = {kind: typed for kind, typed in data.pop("wrong", {}).items() if kind not in data}
    if wrong:
        data["wrong"] = wrong
    step = next((s for s in STEPS if s not in data and (s == first or s in wrong)), None) or \
        next((s for s in STEPS if s not in data), "confirm")
    return await _ask(ctx, step, data, note=note)


async def _ask(ctx: Context, step: str, data: dict[str, Any], *, note: Markup | None = None,
               edit: bool = False) -> Reply:
    conversation = await ctx.repos.conversations.put(ctx.member_id, FLOW, "commit." + step, data, ctx.now)
    return await _question(ctx, conversation, note=note, edit=edit)


async def _question(ctx: Context, conversation: Conversation, *, note: Markup | None = None,
                    edit: bool = False) -> Reply:
    step = conversation.step.removeprefix("commit.")
    data = conversation.data
    zone = _zone(ctx)
    rows: list[tuple[Button, ...]] = []
    asks: str | None = None

    async def btn(label: Any, action: str, *, single_use: bool = False, **payload: str) -> Button:
        return await ctx.button(str(label), action, {"n": conversation.nonce, "s": step, **payload},
                                single_use=single_use)

    if step == "what":
        text = _n("What do you commit to doing? One sentence is enough (at most {n} character).",
                  "What do you commit to doing? One sentence is enough (at most {n} characters).", MAX_WHAT)
        asks = plain(N_("Your commitment"))
    elif step == "due":
        text = join_lines(
            _("By when will you do it? Tap a button, or type a date such as “15 March”, “in two weeks” or "
              "“next Friday 10:00”."),
            _("<i>Dates are read in your time zone, {zone}.</i>", zone=zone))
        rows.append((await btn(_("In a week"), "commit.when", v="week"),
                     await btn(_("In a month"), "commit.when", v="month")))
        rows.append((await btn(_("No date"), "commit.when", v="none"),))
        asks = plain(N_("Date"))
    elif step in ("theme", "region"):
        text = _("Which theme is it about? Tap one, or Skip.") if step == "theme" else \
            _("Which region is it about? Tap one, or Skip.")
        options = _options(ctx, step)
        pages = max(1, -(-len(options) // CHOICE_PAGE))
        page = min(max(int(data.get("page", 0)), 0), pages - 1)
        choices = [await btn(label, "commit.pick", v=value)
                   for value, label in options[page * CHOICE_PAGE:(page + 1) * CHOICE_PAGE]]
        rows += [tuple(choices[i:i + 2]) for i in range(0, len(choices), 2)]
        if pages > 1:
            text = join_lines(text, _("<i>Page {page} of {pages}.</i>", page=page + 1, pages=pages))
            turn = []
            if page > 0:
                turn.append(await btn(_("‹ Previous"), "commit.page", p=str(page - 1)))
            if page + 1 < pages:
                turn.append(await btn(_("More ›"), "commit.page", p=str(page + 1)))
            rows.append(tuple(turn))
        rows.append((await btn(_("Skip"), "commit.skip"),))
    elif step == "visibility":
        text = join_lines(
            _("Who may see this commitment?"),
            _("<b>The network</b>: members and organisers. <b>Organisers only</b>: the organisers, to follow up "
              "and help. <b>Just me</b>: nobody else; organisers only count it, and if you ask for help with it "
              "they learn that you need help, not what it says."))
        rows.append(tuple([await btn(plain(label), "commit.pick", v=value)
                           for value, label in VISIBILITY_LABELS.items()]))
    else:
        text = join_lines(_("<b>Register this commitment?</b>"), _summary(ctx, data, zone))
        rows.append((await btn(_("Register"), "commit.register", single_use=True),))
    rows.append((await btn(_("Cancel"), "commit.cancel"),))
    return Reply(join_lines(note, _not_understood(step, data.get("wrong", {}).get(step)), text),
                 buttons=tuple(rows), edit=edit, asks=asks)


def _not_understood(step: str, typed: str | None) -> Markup | None:
    """What the command named for this question and the network does not offer."""
    if typed is None:
        return None
    if step == "theme":
        return _("The network has no theme “{text}”.", text=typed)
    if step == "region":
        return _("The network has no region “{text}”.", text=typed)
    return _("“{text}” is not a choice of who may see it.", text=typed)


def _summary(ctx: Context, data: dict[str, Any], zone: str) -> Markup:
    due = data.get("due")
    return join_lines(
        _("<b>Together with:</b> {name}", name=data.get("jn", "")) if data.get("joint") else None,
        _("<b>From session:</b> {title}", title=data.get("sn", "")) if data.get("session") else None,
        _("<b>What:</b> {what}", what=data.get("what", "")),
        _("<b>By when:</b> {when}", when=_when(due, zone) if due is not None else _("no date")),
        _("<b>Theme:</b> {theme}", theme=_theme_label(ctx, data.get("theme"))),
        _("<b>Region:</b> {region}", region=_region_label(ctx, data.get("region"))),
        _("<b>Visible to:</b> {who}", who=plain(VISIBILITY_LABELS.get(data.get("visibility", ""), "—"))),
    )


async def _current(ctx: Context, payload: dict, flow: str) -> Conversation | None:
    """The conversation, if the pressed button belongs to the question being asked now."""
    conversation = await ctx.conversation()
    if conversation is None or conversation.flow != flow or conversation.nonce != payload.get("n"):
        return None
    if conversation.step.partition(".")[2] != payload.get("s"):
        return None
    return conversation


def _stale() -> Reply:
    return Reply(_("That question has already been answered or was cancelled. Send /commitments to see yours."),
                 toast=plain(N_("Already answered")), toast_only=True)


@router.text_step(FLOW, "commit.what")
async def what_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    """The member typed what they commit to."""
    checked = clean_line(text, MAX_WHAT)
    if checked.problem == "empty":
        return Reply(_("Please type what you commit to, or send /cancel to stop."))
    if checked.problem == "too_long":
        return Reply(_too_long(checked.length))
    return await _next(ctx, {**conversation.data, "what": checked.text})


@router.text_step(FLOW, "commit.due")
async def due_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    """The member typed a date: take it if it is one still to come, and say exactly which moment it is."""
    moment = await _parse(ctx, text)
    if isinstance(moment, when.Problem):
        return await _ask(ctx, "due", conversation.data, note=_problem(moment, text))
    return await _next(ctx, {**conversation.data, "due": moment.at},
                       _("By when: <b>{when}</b>.", when=_when(moment.at, _zone(ctx))))


@router.text_step(FLOW, "commit.theme")
async def theme_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    """A theme typed by name."""
    return await _choice_typed(ctx, conversation, "theme", text)


@router.text_step(FLOW, "commit.region")
async def region_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    """A region typed by name."""
    return await _choice_typed(ctx, conversation, "region", text)


async def _choice_typed(ctx: Context, conversation: Conversation, kind: str, text: str) -> Reply:
    choice = ctx.network.match(kind, text[:100])
    data = {k: v for k, v in conversation.data.items() if k != "page"}
    if choice is None:
        shown = " ".join(text.split())[:64]
        data["wrong"] = {k: v for k, v in data.get("wrong", {}).items() if k != kind}
        return await _ask(ctx, kind, data, note=_("None of the network's themes matches “{text}”.", text=shown)
                          if kind == "theme" else
                          _("None of the network's regions matches “{text}”.", text=shown))
    return await _next(ctx, {**data, kind: choice.id})


@router.text_step(FLOW, "commit.visibility")
@router.text_step(FLOW, "commit.confirm")
async def buttons_only(ctx: Context, conversation: Conversation, text: str) -> Reply:
    """These questions are answered with buttons."""
    return Reply(_("Please choose one of the buttons above, or send /cancel to stop."))


@router.action("commit.when")
async def when_pressed(ctx: Context, payload: dict) -> Reply:
    """In a week, in a month, or no date."""
    conversation = await _current(ctx, payload, FLOW)
    choice = payload.get("v")
    if conversation is None or conversation.step != "commit.due" or choice not in ("week", "month", "none"):
        return _stale()
    due = _quick_date(ctx, choice)
    note = _("By when: <b>{when}</b>.", when=_when(due, _zone(ctx))) if due is not None else _("No due date.")
    return await _next(ctx, {**conversation.data, "due": due}, note)


@router.action("commit.pick")
async def pick_pressed(ctx: Context, payload: dict) -> Reply:
    """A theme, a region or a visibility."""
    conversation = await _current(ctx, payload, FLOW)
    if conversation is None:
        return _stale()
    step, value = conversation.step.removeprefix("commit."), str(payload.get("v", ""))
    valid = ((step == "theme" and ctx.network.theme(value)) or (step == "region" and ctx.network.region(value))
             or (step == "visibility" and value in VISIBILITY_LABELS))
    if not valid:
        return Reply(_("That choice is no longer offered."), toast=plain(N_("No longer offered")), toast_only=True)
    data = {k: v for k, v in conversation.data.items() if k != "page"}
    return await _next(ctx, {**data, step: value})


@router.action("commit.skip")
async def skip_pressed(ctx: Context, payload: dict) -> Reply:
    """No theme, or no region."""
    conversation = await _current(ctx, payload, FLOW)
    if conversation is None or conversation.step not in ("commit.theme", "commit.region"):
        return _stale()
    data = {k: v for k, v in conversation.data.items() if k != "page"}
    return await _next(ctx, {**data, conversation.step.removeprefix("commit."): None})


@router.action("commit.page")
async def page_pressed(ctx: Context, payload: dict) -> Reply:
    """Another page of themes or regions."""
    conversation = await _current(ctx, payload, FLOW)
    if conversation is None or conversation.step not in ("commit.theme", "commit.region"):
        return _stale()
    conversation = await ctx.turn_page(conversation, payload.get("p", 0))
    if conversation is None:
        return _stale()
    return await _question(ctx, conversation, edit=True)


@router.action("commit.cancel")
async def cancel_pressed(ctx: Context, payload: dict) -> Reply:
    """Stop registering; nothing is stored."""
    if await _current(ctx, payload, FLOW) is None:
        return _stale()
    await ctx.repos.conversations.clear(ctx.member_id)
    return Reply(_("Cancelled. Nothing was registered."), edit=True)


@router.action("commit.register")
async def register_pressed(ctx: Context, payload: dict) -> Reply:
    """Store the commitment and schedule its check-ins."""
    conversation = await _current(ctx, payload, FLOW)
    if conversation is None or conversation.step != "commit.confirm":
        return _stale()
    data, zone, now = conversation.data, _zone(ctx), ctx.now
    due = data.get("due")
    if due is not None and due <= now:
        return await _ask(ctx, "due", data, note=_(
            "The date you chose, {when}, has passed in the meantime. Please choose another.", when=_when(due, zone)))
    visibility = data.get("visibility") if data.get("visibility") in VISIBILITY_LABELS else "network"
    await ctx.repos.conversations.clear(ctx.member_id)
    checkins = checkins_for(due, now, zone)
    joint = None
    if data.get("joint"):
        partner = await joint_partner(ctx, data["joint"])
        if partner is None:
            return Reply(_("That introduction is no longer open for a joint commitment. Nothing was registered."),
                         edit=True)
        theirs = checkins_for(due, now, partner.timezone or "UTC")
        commitment_id, joint = await ctx.repos.commitments.create_joint(
            (ctx.member_id, partner.id), data["what"], due_at=due, theme=data.get("theme"), region=data.get("region"),
            visibility=visibility, now=now, checkins=(checkins, theirs))
        await _tell_partner(ctx, partner, joint, {**data, "visibility": visibility}, due)
    else:
        commitment_id = await ctx.repos.commitments.create(
            ctx.member_id, data["what"], due_at=due, theme=data.get("theme"), region=data.get("region"),
            visibility=visibility, now=now, checkins=checkins)
        if data.get("session"):
            await link_commitment(ctx, commitment_id, data["session"])
    for at, _detail in checkins:
        ctx.services.scheduled(at)
    note = await ctx.button(_("Add a note"), "commitment.note", {"c": commitment_id})
    return Reply(join_lines(
        _("<b>Registered: commitment #{id}.</b>", id=commitment_id),
        _summary(ctx, {**data, "visibility": visibility}, zone),
        _("It is also in {name}'s commitments, as #{id}.", name=data.get("jn", ""), id=joint) if joint else None,
        "",
        _checkins_line(checkins, zone),
        _("Send /commitments to see yours, or /progress {id} and a few words to note how it goes.", id=commitment_id),
    ), buttons=((note,),), edit=True)


async def start_joint(ctx: Context, intro_id: int, partner: Member, *, theme: str | None,
                      region: str | None) -> Reply:
    """Register a commitment together with a member one was introduced to (one row each, naming the other)."""
    data: dict[str, Any] = {"joint": intro_id, "jn": partner.display_name or plain(N_("(no name yet)"))}
    if theme and ctx.network.theme(theme):
        data["theme"] = theme
    if region and ctx.network.region(region):
        data["region"] = region
    return await _next(ctx, data, _("<b>A joint commitment with {name}.</b> It will appear in both your lists, with "
                                    "check-ins for each of you.", name=data["jn"]))


async def start_from_session(ctx: Context, session_id: int, title: str, *, themes: tuple[str, ...] = ()) -> Reply:
    """Register a commitment that came out of a session (the /commit questions, the session named and linked)."""
    data: dict[str, Any] = {"session": session_id, "sn": title}
    theme = next((t for t in themes if ctx.network.theme(t)), None)
    if theme is not None:
        data["theme"] = theme
    return await _next(ctx, data, _("<b>A commitment from session #{id}:</b> {title}", id=session_id, title=title))


async def _tell_partner(ctx: Context, partner: Member, commitment_id: int, data: dict[str, Any],
                        due: int | None) -> None:
    """Tell the other member of a joint commitment that it is now in their list too."""
    zone = partner.timezone or "UTC"
    with language(pick_language(partner.languages, ctx.network.default_language)):
        text = join_lines(
            _("<b>{name} registered a joint commitment with you:</b> #{id}", id=commitment_id,
              name=ctx.member.display_name or plain(N_("(no name yet)"))),
            _("{what}", what=data.get("what", "")),
            _("<i>{due} · visible to: {who}</i>", due=_due_text(due, zone),
              who=plain(VISIBILITY_LABELS[data["visibility"]])),
            _("It is in your /commitments, where you can mark it done, give it a new date or drop your part."))
    await ctx.notify(partner.id, Reply(text), kind="commitment", about=(ctx.member_id,))


# --- one's own commitments -----------------------------------------------------------------------------------


async def _own(ctx: Context, commitment_id: int | str, *, must_be_open: bool = True) -> Commitment | Reply:
    """The member's commitment with this number (from a button, or as typed); else a reply saying why it cannot
    be changed. Someone else's commitment gets the same reply as one that does not exist, so that nobody learns
    which numbers belong to others' private commitments."""
    wanted = commitment_id if isinstance(commitment_id, int) else number(str(commitment_id))
    commitment = await ctx.repos.commitments.get(wanted) if wanted is not None else None
    if commitment is None or commitment.member_id != ctx.member_id:
        shown = commitment_id if isinstance(commitment_id, int) else clean_line(str(commitment_id), 20).text[:20]
        return Reply(_("You have no commitment #{id}. Send /commitments to see yours.", id=shown))
    if must_be_open and commitment.status != "open":
        return Reply(_("Commitment #{id} is already done.", id=commitment.id) if commitment.status == "done" else
                     _("Commitment #{id} was dropped.", id=commitment.id))
    return commitment


def _line(ctx: Context, commitment: Commitment, zone: str, *, owner: bool, partner: str | None = None,
          latest: Note | None = None) -> Markup:
    tags: list[Markup | str] = [plain(STATUS_LABELS[commitment.status])]
    if partner is not None:
        tags.append(_("together with {name}", name=partner))
    if commitment.status == "open":
        tags.append(_due_text(commitment.due_at, zone))
        if commitment.overdue(ctx.now):
            tags.append(plain(N_("overdue")))
        if commitment.help_wanted:
            tags.append(plain(N_("needs help")))
        if commitment.stale:
            tags.append(plain(N_("check-ins unanswered")))
    if commitment.theme:
        tags.append(_theme_label(ctx, commitment.theme))
    if commitment.region:
        tags.append(_region_label(ctx, commitment.region))
    if owner:
        tags.append(_("visible to: {who}", who=plain(VISIBILITY_LABELS[commitment.visibility])))
    elif commitment.visibility == "organisers":
        tags.append(plain(N_("organisers only")))
    joined = Markup(" · ").join(tags)
    title = _("<b>#{id}</b> {what}", id=commitment.id, what=commitment.what)
    last = _("<i>Latest note:</i> {note}", note=_note_text(latest, zone)) if latest is not None else None
    if owner:
        return join_lines(title, _("<i>{tags}</i>", tags=joined), last)
    return join_lines(title, _("<i>{name} (#{member}) · {tags}</i>", member=commitment.member_id, tags=joined,
                               name=commitment.member_name or plain(N_("(no name yet)"))), last)


def _note_text(note: Note, zone: str) -> Markup:
    """A note as one line: its day, and what it says (a progress note, a new date and its reason, or the answer
    to a check-in)."""
    day = when.describe_day(note.created_at, zone, locale=current_language())
    if note.kind == "reschedule":
        return _("{day}: new date, because: {reason}", day=day, reason=note.text) if note.text else \
            _("{day}: new date", day=day)
    if note.kind == "checkin":
        label = CHECKIN_NOTE_LABELS.get(note.text)
        return _("{day}: check-in answered: {answer}", day=day, answer=plain(label) if label else note.text)
    return _("{day}: {note}", day=day, note=note.text)


async def my_commitments(ctx: Context, page: int = 0, *, edit: bool = False) -> Reply:
    """The member's commitments, open ones first, a page at a time, with buttons for each open one."""
    everything = await ctx.repos.commitments.for_member(ctx.member_id)
    if not everything:
        return Reply(_("You have no commitments yet. Send /commit to register one."), edit=edit)
    zone = _zone(ctx)
    pages = -(-len(everything) // LIST_PAGE)
    page = min(max(page, 0), pages - 1)
    shown = everything[page * LIST_PAGE:(page + 1) * LIST_PAGE]
    open_count = sum(1 for c in everything if c.status == "open")
    lines: list[Any] = [_("<b>Your commitments</b> ({open} open, {total} in all)", open=open_count,
                          total=len(everything))]
    rows: list[tuple[Button, ...]] = []
    partners = await ctx.repos.members.get_many(sorted({c.joint_with for c in shown if c.joint_with}))
    latest = await ctx.repos.commitments.latest_notes([c.id for c in shown])
    for commitment in shown:
        lines += ["", _line(ctx, commitment, zone, owner=True, partner=_together(commitment, partners),
                            latest=latest.get(commitment.id))]
        if commitment.status == "open":
            rows.append(await _own_buttons(ctx, commitment))
    if pages > 1:
        lines += ["", _("<i>Page {page} of {pages}.</i>", page=page + 1, pages=pages)]
        turn = []
        if page > 0:
            turn.append(await ctx.button(str(_("‹ Previous")), "commitment.page", {"p": page - 1}))
        if page + 1 < pages:
            turn.append(await ctx.button(str(_("More ›")), "commitment.page", {"p": page + 1}))
        rows.append(tuple(turn))
    lines += ["", _("<i>Send /commitments and a number to see one with all its notes. Dates in your time zone, "
                    "{zone}.</i>", zone=zone)]
    return Reply(join_lines(*lines), buttons=tuple(rows), edit=edit)


def _together(commitment: Commitment, partners: dict[int, Member]) -> str | None:
    """Whom a joint commitment is kept with, as its member sees it."""
    partner = partners.get(commitment.joint_with) if commitment.joint_with else None
    if partner is not None:
        return partner.display_name or plain(N_("(no name yet)"))
    return plain(N_("a former member")) if commitment.partner_left else None


async def _own_buttons(ctx: Context, commitment: Commitment) -> tuple[Button, ...]:
    payload = {"c": commitment.id}
    return (
        await ctx.button(str(_("Done #{id}", id=commitment.id)), "commitment.done", payload),
        await ctx.button(str(_("Progress #{id}", id=commitment.id)), "commitment.note", payload),
        await ctx.button(str(_("New date #{id}", id=commitment.id)), "commitment.newdate", payload),
        await ctx.button(str(_("Drop #{id}", id=commitment.id)), "commitment.drop", payload),
    )


async def _detail(ctx: Context, commitment_id: int) -> Reply:
    """One commitment in full, with its notes: for its member, and for organisers unless it is private. Other
    members see one shared with the network, without its notes; anything else reads as not there."""
    commitment = await ctx.repos.commitments.get(commitment_id)
    own = commitment is not None and commitment.member_id == ctx.member_id
    organiser = commitment is not None and ctx.role >= Role.ORGANISER and commitment.visibility != "private"
    if commitment is None or not (own or organiser or commitment.visibility == "network"):
        return Reply(_("There is no commitment #{id}. Send /commitments to see yours.", id=commitment_id))
    zone = _zone(ctx)
    if own:
        partners = await ctx.repos.members.get_many([commitment.joint_with] if commitment.joint_with else [])
        lines: list[Any] = [_line(ctx, commitment, zone, owner=True, partner=_together(commitment, partners))]
    else:
        member = await ctx.repos.members.get(commitment.member_id)
        named = replace(commitment, member_name=member.display_name if member else None)
        lines = [_line(ctx, named, zone, owner=False)]
    if own or organiser:
        notes = await ctx.repos.commitments.notes(commitment.id)
        lines += ["", _("<b>Notes</b>")]
        if not notes:
            lines.append(_("No notes yet."))
        if len(notes) > NOTES_SHOWN:
            lines.append(_n("… {n} earlier note (all are in /export for its member).",
                            "… {n} earlier notes (all are in /export for its member).", len(notes) - NOTES_SHOWN,
                            n=len(notes) - NOTES_SHOWN))
        lines += [_note_text(note, zone) for note in notes[-NOTES_SHOWN:]]
    lines += ["", _("<i>Dates in your time zone, {zone}.</i>", zone=zone)]
    rows = (await _own_buttons(ctx, commitment),) if own and commitment.status == "open" else ()
    return Reply(join_lines(*lines), buttons=rows)


@router.command("commitments", Role.MEMBER, N_("see your commitments and mark them done"),
                usage=N_("/commitments [number | network [theme:…] [region:…] [status:open|done|dropped] "
                         "[overdue]]"),
                usage_from={Role.ORGANISER: N_("/commitments [number | network|all [theme:…] [region:…] "
                                               "[status:open|done|dropped] [overdue]]")}, order=41)
async def commitments_command(ctx: Context, args: str) -> Reply:
    """The member's own commitments; a number: that one with its notes; `network`: those shared with the
    network; `all`: everyone's, for organisers."""
    first, _sep, rest = args.strip().partition(" ")
    if not first:
        return await my_commitments(ctx)
    wanted = number(first.removeprefix("#"))
    if wanted is not None and not rest.strip():
        return await _detail(ctx, wanted)
    if first.casefold() == "network":
        return await _everyone(ctx, rest, network_only=True)
    if first.casefold() != "all":
        if ctx.role < Role.ORGANISER:
            return Reply(_("Send /commitments to see yours, /commitments and a number to see one with its notes, "
                           "/commitments network for those shared with the network, with theme:…, region:…, "
                           "status:open, done or dropped, and overdue to narrow it down."))
        return Reply(_("Send /commitments to see yours, /commitments and a number to see one with its notes, "
                       "/commitments network for those shared with the network. Organisers: /commitments all, "
                       "with theme:…, region:…, status:open, done or dropped, and overdue to narrow it down."))
    if ctx.role < Role.ORGANISER:
        return Reply(_("Only organisers can see everyone's commitments. Send /commitments to see yours."))
    return await _everyone(ctx, rest)


async def _everyone(ctx: Context, args: str, *, network_only: bool = False, page: Any = 0,
                    edit: bool = False) -> Reply:
    words = args.split()
    overdue = any(w.casefold() == "overdue" for w in words)
    text, named = keyword_args(" ".join(w for w in words if w.casefold() != "overdue"), ("theme", "region", "status"))
    theme = region = None
    for kind in ("theme", "region"):
        if named.get(kind) and ctx.network.find(kind, named[kind]) is None:
            return await _offer_filter(ctx, kind, named, overdue, network_only=network_only, page=page, edit=edit)
    if named.get("theme"):
        theme = ctx.network.find("theme", named["theme"])
    if named.get("region"):
        region = ctx.network.find("region", named["region"])
    status = named.get("status", "").casefold() or None
    if status is not None and status not in STATUS_LABELS:
        return Reply(_("A status is open, done or dropped, not “{status}”.", status=named["status"][:20]))
    if text:
        return Reply(_("I don't understand “{text}”. Use /commitments all with theme:…, region:…, status:open, "
                       "done or dropped, and overdue.", text=text[:64]))
    now = ctx.now
    found, totals = await ctx.repos.commitments.for_organisers(
        now=now, theme=theme.id if theme else None, region=region.id if region else None, status=status,
        overdue=overdue, network_only=network_only, limit=ORGANISER_LIMIT + 1)
    zone = _zone(ctx)
    filters = [f for f in (
        _("theme: {theme}", theme=theme.label) if theme else None,
        _("region: {region}", region=region.label) if region else None,
        _("status: {status}", status=plain(STATUS_LABELS[status])) if status else None,
        _("overdue") if overdue else None) if f is not None]
    title = _("<b>Commitments shared with the network</b>") if network_only else _("<b>Everyone's commitments</b>")
    lines: list[Any] = [title if not filters else
                        _("{title} ({filters})", title=title, filters=Markup(", ").join(filters))]
    lines.append(_("Open {open} · done {done} · dropped {dropped} · overdue {overdue} · stale {stale} · "
                   "need help {help}", open=totals.open, done=totals.done, dropped=totals.dropped,
                   overdue=totals.overdue, stale=totals.stale, help=totals.help_wanted))
    if totals.private and not network_only:
        lines.append(_("… and {n} private, which only their members see (never listed nor filtered).",
                       n=totals.private))
    if not found:
        lines += ["", _("No commitment matches.")]
    shown = found[:ORGANISER_LIMIT]
    # Notes are for the organisers, who plan with them; members see what was shared, not its notes.
    latest = {} if network_only else await ctx.repos.commitments.latest_notes([c.id for c in shown])
    for commitment in shown:
        lines += ["", _line(ctx, commitment, zone, owner=False, latest=latest.get(commitment.id))]
    if len(found) > ORGANISER_LIMIT:
        lines += ["", _("Only the first {n} are shown; narrow it down with theme:, region:, status: or overdue.",
                        n=ORGANISER_LIMIT)]
    if not network_only:
        lines += ["", _("<i>Send /commitments and a number to see one with all its notes.</i>")]
    lines += ["", _("<i>Dates in your time zone, {zone}.</i>", zone=zone)]
    return Reply(join_lines(*lines), edit=edit)


async def _offer_filter(ctx: Context, kind: str, named: dict[str, str], overdue: bool, *, network_only: bool,
                        page: Any, edit: bool) -> Reply:
    """A theme or region the network does not have: say so, and offer the ones it has as buttons."""
    scope = "network" if network_only else "all"
    choices = ctx.network.themes if kind == "theme" else ctx.network.regions

    def filters(value: str) -> str:
        given = {**named, kind: value}
        return " ".join([*(f"{name}:{given[name]}" for name in given), *(["overdue"] if overdue else [])])

    typed = named[kind]
    rows, page_line = await page_of(
        [(c.id, c.label) for c in choices], page, CHOICE_PAGE,
        lambda c: ctx.button(c[1], "commitment.filter", {"w": scope, "a": filters(c[0])}),
        lambda label, p: ctx.button(str(label), "commitment.filter", {"w": scope, "a": filters(typed), "p": p}))
    text = _("The network has no theme “{theme}”. Choose one of its themes:", theme=typed[:64]) if kind == "theme" \
        else _("The network has no region “{region}”. Choose one of its regions:", region=typed[:64])
    return Reply(join_lines(text, page_line), buttons=tuple(rows), edit=edit)


@router.action("commitment.filter")
async def filter_pressed(ctx: Context, payload: dict) -> Reply:
    """A theme or region chosen (or another page of them) after one the network does not have."""
    network_only = payload.get("w") == "network"
    if not network_only and ctx.role < Role.ORGANISER:
        return Reply(_("Only organisers can see everyone's commitments. Send /commitments to see yours."))
    return await _everyone(ctx, str(payload.get("a", "")), network_only=network_only, page=payload.get("p", 0),
                           edit=True)


@router.action("commitment.page")
async def list_page_pressed(ctx: Context, payload: dict) -> Reply:
    """Another page of the member's commitments."""
    try:
        page = int(payload.get("p", 0))
    except (TypeError, ValueError):
        page = 0
    return await my_commitments(ctx, page, edit=True)


@router.action("commitment.done")
async def done_pressed(ctx: Context, payload: dict) -> Reply:
    """Mark a commitment done."""
    return await _close(ctx, payload.get("c"), "done")


async def _close(ctx: Context, commitment_id: Any, status: str, *, note: str | None = None) -> Reply:
    commitment = await _own(ctx, commitment_id)
    if isinstance(commitment, Reply):
        return commitment
    if not await ctx.repos.commitments.set_status(commitment.id, ctx.member_id, status, ctx.now, note=note):
        return Reply(_("Commitment #{id} is no longer open.", id=commitment.id))
    if status == "done":
        return Reply(_("Well done! Commitment #{id} is marked done: {what}", id=commitment.id, what=commitment.what))
    return Reply(_("Commitment #{id} is dropped. Thank you for saying so; that helps others plan.",
                   id=commitment.id), edit=True)


@router.action("commitment.drop")
async def drop_pressed(ctx: Context, payload: dict) -> Reply:
    """Ask before dropping a commitment."""
    commitment = await _own(ctx, payload.get("c"))
    if isinstance(commitment, Reply):
        return commitment
    return _drop_question(await _drop_buttons(ctx, commitment), commitment)


async def _drop_buttons(ctx: Context, commitment: Commitment) -> tuple[tuple[Button, ...], ...]:
    payload = {"c": commitment.id}
    yes = await ctx.button(str(_("Yes, drop it")), "commitment.drop_yes", payload, single_use=True)
    no = await ctx.button(str(_("No, keep it")), "commitment.keep", payload, single_use=True)
    return ((yes, no),)


def _drop_question(buttons: tuple[tuple[Button, ...], ...], commitment: Commitment) -> Reply:
    return Reply(join_lines(_("<b>Drop commitment #{id}?</b>", id=commitment.id), _("{what}", what=commitment.what),
                            _("It stays in your list as dropped, and the check-ins stop.")), buttons=buttons)


@router.action("commitment.drop_yes")
async def drop_confirmed(ctx: Context, payload: dict) -> Reply:
    """Drop it."""
    return await _close(ctx, payload.get("c"), "dropped")


@router.action("commitment.keep")
async def drop_cancelled(ctx: Context, payload: dict) -> Reply:
    """Keep it."""
    return Reply(_("Kept. Nothing was changed."), edit=True)


# --- notes and new dates -------------------------------------------------------------------------------------


@router.command("progress", Role.MEMBER, N_("note how one of your commitments is going"),
                usage=N_("/progress <number> <note>"), order=42)
async def progress_command(ctx: Context, args: str) -> Reply:
    """Add a progress note to one of the member's commitments."""
    typed, note = first_word(args)
    if not typed.removeprefix("#"):
        return Reply(_("Usage: {usage}, for example “/progress 12 Venue booked”. Send /commitments to see the "
                       "numbers.", usage="/progress <number> <note>"))
    commitment = await _own(ctx, typed.removeprefix("#"))
    if isinstance(commitment, Reply):
        return commitment
    if not note:
        return await _ask_note(ctx, commitment)
    return (await _save_note(ctx, commitment, note))[0]


@router.action("commitment.note")
async def note_pressed(ctx: Context, payload: dict) -> Reply:
    """Ask for a progress note."""
    commitment = await _own(ctx, payload.get("c"))
    if isinstance(commitment, Reply):
        return commitment
    return await _ask_note(ctx, commitment)


async def _ask_note(ctx: Context, commitment: Commitment) -> Reply:
    conversation = await ctx.repos.conversations.put(ctx.member_id, EDIT_FLOW, "commitment.note",
                                                     {"c": commitment.id}, ctx.now)
    cancel = await ctx.button(str(_("Cancel")), "commitment.cancel", {"n": conversation.nonce, "s": "note"})
    return Reply(join_lines(_("<b>#{id}</b> {what}", id=commitment.id, what=commitment.what),
                            _n("How is it going? Type a short note (at most {n} character).",
                               "How is it going? Type a short note (at most {n} characters).", MAX_NOTE)),
                 buttons=((cancel,),), asks=plain(N_("Note")))


async def _save_note(ctx: Context, commitment: Commitment, text: str) -> tuple[Reply, bool]:
    """Add the note if it is fit to keep: the answer, and whether it was saved."""
    checked = clean_line(text, MAX_NOTE)
    if checked.problem == "empty":
        return Reply(_("Please type a few words, or send /cancel to stop.")), False
    if checked.problem == "too_long":
        return Reply(_n("That is {n} character; the most is {max}. Please send a shorter note.",
                        "That is {n} characters; the most is {max}. Please send a shorter note.",
                        checked.length, max=MAX_NOTE)), False
    if not await ctx.repos.commitments.add_note(commitment.id, ctx.member_id, "progress", checked.text, ctx.now):
        return Reply(_("Commitment #{id} is no longer open.", id=commitment.id)), True
    return Reply(_("Noted on #{id}. Thank you!", id=commitment.id)), True


@router.text_step(EDIT_FLOW, "commitment.note")
async def note_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    """The progress note typed after Progress or /progress <number>."""
    commitment = await _own(ctx, conversation.data.get("c"))
    if isinstance(commitment, Reply):
        await ctx.repos.conversations.clear(ctx.member_id)
        return commitment
    reply, finished = await _save_note(ctx, commitment, text)
    if finished:
        await ctx.repos.conversations.clear(ctx.member_id)
    return reply


@router.action("commitment.newdate")
async def newdate_pressed(ctx: Context, payload: dict) -> Reply:
    """Ask for a new date."""
    commitment = await _own(ctx, payload.get("c"))
    if isinstance(commitment, Reply):
        return commitment
    return await _ask_date(ctx, commitment)


async def _ask_date(ctx: Context, commitment: Commitment, note: Markup | None = None) -> Reply:
    conversation = await ctx.repos.conversations.put(ctx.member_id, EDIT_FLOW, "commitment.date",
                                                     {"c": commitment.id}, ctx.now)
    zone = _zone(ctx)

    async def btn(label: Markup, action: str, **payload: str) -> Button:
        return await ctx.button(str(label), action, {"n": conversation.nonce, "s": "date", **payload})

    rows = (
        (await btn(_("In a week"), "commitment.when", v="week"), await btn(_("In a month"), "commitment.when",
                                                                          v="month")),
        (await btn(_("No date"), "commitment.when", v="none"), await btn(_("Cancel"), "commitment.cancel")),
    )
    return Reply(join_lines(
        note,
        _("<b>#{id}</b> {what}", id=commitment.id, what=commitment.what),
        _("Now {due}.", due=_due_text(commitment.due_at, zone)),
        _("What is the new date? Tap a button, or type a date such as “15 March”, “in two weeks” or "
          "“next Friday 10:00” (read in your time zone, {zone}).", zone=zone),
    ), buttons=rows, asks=plain(N_("Date")))


@router.text_step(EDIT_FLOW, "commitment.date")
async def date_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    """A new date typed: saved at once."""
    commitment = await _own(ctx, conversation.data.get("c"))
    if isinstance(commitment, Reply):
        await ctx.repos.conversations.clear(ctx.member_id)
        return commitment
    moment = await _parse(ctx, text)
    if isinstance(moment, when.Problem):
        return await _ask_date(ctx, commitment, note=_problem(moment, text))
    return await _reschedule(ctx, commitment, moment.at)


@router.action("commitment.when")
async def new_when_pressed(ctx: Context, payload: dict) -> Reply:
    """In a week, in a month, or no date, as the new date: saved at once."""
    conversation = await _current(ctx, payload, EDIT_FLOW)
    choice = payload.get("v")
    if conversation is None or conversation.step != "commitment.date" or choice not in ("week", "month", "none"):
        return _stale()
    commitment = await _own(ctx, conversation.data.get("c"))
    if isinstance(commitment, Reply):
        await ctx.repos.conversations.clear(ctx.member_id)
        return commitment
    return await _reschedule(ctx, commitment, _quick_date(ctx, choice))


async def _reschedule(ctx: Context, commitment: Commitment, due: int | None) -> Reply:
    """Save the new date and its check-ins, then ask why it changed (an answer the member may skip)."""
    now, zone = ctx.now, _zone(ctx)
    if due is not None and due <= now:
        return await _ask_date(ctx, commitment, note=_(
            "The date you chose, {when}, has passed in the meantime. Please choose another.", when=_when(due, zone)))
    checkins = checkins_for(due, now, zone)
    note_id = await ctx.repos.commitments.set_due(commitment.id, ctx.member_id, due, now, checkins=checkins)
    if note_id is None:
        await ctx.repos.conversations.clear(ctx.member_id)
        return Reply(_("Commitment #{id} is no longer open.", id=commitment.id))
    for at, _detail in checkins:
        ctx.services.scheduled(at)
    conversation = await ctx.repos.conversations.put(ctx.member_id, EDIT_FLOW, "commitment.reason",
                                                     {"c": commitment.id, "note": note_id}, now)
    skip = await ctx.button(str(_("Skip")), "commitment.reason_skip", {"n": conversation.nonce, "s": "reason"})
    return Reply(join_lines(
        _new_date_saved(commitment.id, due, zone),
        _checkins_line(checkins, zone),
        "",
        _("What changed? A few words help the organisers plan. Type them, or tap Skip."),
    ), buttons=((skip,),), asks=plain(N_("Reason")))


def _new_date_saved(commitment_id: int, due: int | None, zone: str) -> Markup:
    if due is None:
        return _("Saved: commitment #{id} no longer has a due date.", id=commitment_id)
    return _("Saved: commitment #{id} is now due <b>{when}</b>.", id=commitment_id, when=_when(due, zone))


@router.text_step(EDIT_FLOW, "commitment.reason")
async def reason_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    """Why the date changed (the date itself is already saved)."""
    checked = clean_line(text, MAX_NOTE)
    if checked.problem == "empty":
        return Reply(_("Please type a few words, or tap Skip."))
    if checked.problem == "too_long":
        return Reply(_n("That is {n} character; the most is {max}. Please send a shorter reason.",
                        "That is {n} characters; the most is {max}. Please send a shorter reason.",
                        checked.length, max=MAX_NOTE))
    await ctx.repos.conversations.clear(ctx.member_id)
    commitment_id = conversation.data.get("c")
    if not await ctx.repos.commitments.set_reason(int(conversation.data.get("note", 0)), ctx.member_id,
                                                  checked.text):
        return Reply(_("There is no commitment #{id}. Send /commitments to see yours.", id=commitment_id))
    return Reply(_("Thank you: the reason is noted with commitment #{id}.", id=commitment_id))


@router.action("commitment.reason_skip")
async def reason_skipped(ctx: Context, payload: dict) -> Reply:
    """No reason given: the new date stays as saved."""
    conversation = await _current(ctx, payload, EDIT_FLOW)
    if conversation is None or conversation.step != "commitment.reason":
        return _stale()
    await ctx.repos.conversations.clear(ctx.member_id)
    commitment = await ctx.repos.commitments.get(int(conversation.data.get("c", 0)))
    if commitment is None:
        return _stale()
    return Reply(join_lines(_new_date_saved(commitment.id, commitment.due_at, _zone(ctx)), _("No reason noted.")),
                 edit=True)


@router.action("commitment.cancel")
async def edit_cancelled(ctx: Context, payload: dict) -> Reply:
    """Leave a new date or a note unfinished; nothing changes."""
    if await _current(ctx, payload, EDIT_FLOW) is None:
        return _stale()
    await ctx.repos.conversations.clear(ctx.member_id)
    return Reply(_("Cancelled. Nothing was changed."), edit=True)


# --- check-ins -----------------------------------------------------------------------------------------------


async def _checkin_buttons(ctx: Context, commitment: Commitment) -> tuple[tuple[Button, ...], ...]:
    async def btn(label: Markup, answer: str) -> Button:
        return await ctx.button(str(label), "checkin.answer", {"c": commitment.id, "a": answer}, single_use=True)

    return (
        (await btn(_("Done"), "done"), await btn(_("On track"), "on_track")),
        (await btn(_("Need help"), "help"), await btn(_("New date"), "new_date"), await btn(_("Drop"), "drop")),
    )


@router.due("checkin")
async def checkin_due(ctx: Context, item: DueItem) -> Fire | None:
    """Ask how an open commitment is going (halfway, at its due moment, or again after it was said to be on
    track when it fell due)."""
    commitment = await ctx.repos.commitments.get(item.subject_id)
    if commitment is None or commitment.status != "open" or commitment.due_at is None:
        return None
    now = ctx.now
    if item.detail == "halfway" and commitment.due_at <= now:
        return None  # came too late to be halfway: the check-in at the due moment asks instead
    zone = _zone(ctx)
    if item.detail == "halfway":
        opening = _("<b>Halfway there:</b> how is commitment #{id} going?", id=commitment.id)
    elif item.detail == "overdue":
        opening = _("<b>Check-in:</b> commitment #{id} was due on {day}. How is it going now?", id=commitment.id,
                    day=when.describe_day(commitment.due_at, zone, locale=current_language()))
    else:
        opening = _("<b>Check-in:</b> commitment #{id} falls due now. How did it go?", id=commitment.id)
    text = join_lines(opening, _("{what}", what=commitment.what), _("<i>{due}</i>",
                                                                      due=_due_text(commitment.due_at, zone)))
    buttons = await _checkin_buttons(ctx, commitment)
    commitment_id, member_id = commitment.id, commitment.member_id

    async def pending(conn: Any) -> None:
        await CommitmentRepository.mark_checkin_pending_in(conn, commitment_id, now)
        await ScheduleRepository.cancel_in(conn, FOLLOW_UPS, commitment_id)
        await ScheduleRepository.add_in(conn, "nudge", commitment_id, member_id, now + NUDGE_AFTER)

    return Fire(Reply(text, buttons=buttons), quiet=True, kind="check-in", changes=(pending,))


@router.due("nudge")
async def nudge_due(ctx: Context, item: DueItem) -> Fire | None:
    """Remind once about a check-in still unanswered."""
    commitment = await ctx.repos.commitments.get(item.subject_id)
    if commitment is None or commitment.status != "open" or not commitment.checkin_pending:
        return None
    text = join_lines(_("<b>A gentle reminder:</b> how is commitment #{id} going?", id=commitment.id),
                      _("{what}", what=commitment.what),
                      _("<i>{due}</i>", due=_due_text(commitment.due_at, _zone(ctx))))
    buttons = await _checkin_buttons(ctx, commitment)
    commitment_id, member_id, now = commitment.id, commitment.member_id, ctx.now

    async def follow(conn: Any) -> None:
        await ScheduleRepository.add_in(conn, "stale", commitment_id, member_id, now + STALE_AFTER)

    return Fire(Reply(text, buttons=buttons), quiet=True, kind="check-in", changes=(follow,))


@router.due("stale")
async def stale_due(ctx: Context, item: DueItem) -> Fire | None:
    """A check-in and its nudge went unanswered: mark the commitment stale, without a message."""
    commitment = await ctx.repos.commitments.get(item.subject_id)
    if commitment is None or commitment.status != "open" or not commitment.checkin_pending:
        return None
    commitment_id, now = commitment.id, ctx.now

    async def mark(conn: Any) -> None:
        await CommitmentRepository.mark_stale_in(conn, commitment_id, now)

    return Fire(None, changes=(mark,))


@router.action("checkin.answer")
async def checkin_answered(ctx: Context, payload: dict) -> Reply | list[Reply]:
    """Done, on track, need help, a new date, or drop."""
    answer = payload.get("a")
    commitment = await _own(ctx, payload.get("c"))
    if isinstance(commitment, Reply):
        return commitment
    if answer not in CHECKIN_ANSWERS:
        return _stale()
    if answer == "done":
        return await _close(ctx, commitment.id, "done", note="done")
    repos, now = ctx.repos, ctx.now
    # Still under way once its date has come: it is asked about again later, whatever else happens.
    come = answer == "on_track" and commitment.due_at is not None and commitment.due_at <= now
    again_at = now + ASK_AGAIN_AFTER if come else None
    if not await repos.commitments.answer_checkin(commitment.id, ctx.member_id, answer, now,
                                                  help_wanted=True if answer == "help" else
                                                  False if answer == "on_track" else None, again_at=again_at):
        return Reply(_("Commitment #{id} is no longer open.", id=commitment.id))
    if again_at is not None:
        ctx.services.scheduled(again_at)
        return await _ask_date(ctx, commitment, note=_(
            "Good to hear, thank you! Its date has come: by when do you now expect to finish it? If the date "
            "stays as it is, I will check in again on {again}.", again=_when(again_at, _zone(ctx))))
    if answer == "on_track":
        note = await ctx.button(str(_("Add a note")), "commitment.note", {"c": commitment.id})
        return Reply(_("Good to hear, thank you! Add a note on where you are, if you like."), buttons=((note,),))
    if answer == "new_date":
        return await _ask_date(ctx, commitment)
    if answer == "drop":
        return _drop_question(await _drop_buttons(ctx, commitment), commitment)
    told = await _tell_organisers(ctx, commitment)
    lines = [_("Thank you for saying so.")]
    if told:
        lines.append(_("The organisers have been told that you need help with commitment #{id}, and may get in "
                       "touch with you.", id=commitment.id))
    else:
        lines.append(_("There is no organiser to tell right now; your request is kept with the commitment, and "
                       "organisers will see it in their list."))
    lines.append(_("A partner in the network may help too: I can look for members working on the same theme and "
                   "region. You choose whom to ask, and contacts are exchanged only if you both agree."))
    find = await ctx.button(str(_("Find a partner")), "partner.from_commitment", {"c": commitment.id})
    return Reply(join_lines(*lines), buttons=((find,),))


async def _tell_organisers(ctx: Context, commitment: Commitment) -> int:
    """Tell every organiser and admin (but the member themselves) that the member needs help; how many."""
    repos = ctx.repos
    ids = {identity.member_id for identity in await repos.members.with_role("organiser")}
    for account in ctx.network.admins:
        platform, _sep, external = account.partition(":")
        identity = await repos.members.identity(platform, external)
        if identity is not None:
            ids.add(identity.member_id)
    ids.discard(ctx.member_id)
    member = ctx.member
    organisers = await repos.members.get_many(sorted(ids))
    for organiser in organisers.values():
        zone = organiser.timezone or "UTC"
        with language(pick_language(organiser.languages, ctx.network.default_language)):
            who = _("{name} (#{id})", name=member.display_name or plain(N_("(no name yet)")), id=member.id)
            if commitment.visibility == "private":
                text = _("<b>{who} asks for help</b> with commitment #{id}, which they keep private (what it says "
                         "is not shown).", who=who, id=commitment.id)
            else:
                text = join_lines(
                    _("<b>{who} asks for help</b> with commitment #{id}:", who=who, id=commitment.id),
                    _("{what}", what=commitment.what),
                    _("<i>{due} · theme: {theme} · region: {region}</i>", due=_due_text(commitment.due_at, zone),
                      theme=_theme_label(ctx, commitment.theme), region=_region_label(ctx, commitment.region)),
                    _("Send /commitments all to see everyone's."))
        await ctx.notify(organiser.id, Reply(text), kind="help", about=(member.id,))
    return len(organisers)

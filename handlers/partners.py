"""Partners: members look for partners by theme and region, and are introduced only when both agree.

/partner asks for a theme and/or a region, optionally a language and a short note, guided with buttons when they are
missing (`/partner theme:Detention region:Western Europe language:French note:…` does it in one line). It proposes
at most five members, each by pseudonym, kind of actor and why they match (the theme, the region, languages
shared, an open commitment of theirs shared with the network on that theme or region), never their contact
details. They are ranked by how much they match, then by shared languages and a related commitment, then whoever
was asked least recently, then at random. A member makes at most `partner_searches_per_day` searches in any 24
hours, so nobody can page through the member list.

The searcher picks one or more; each picked member gets an introduction request (quiet hours respected) with the
searcher's pseudonym and kind of actor, the reason and the note: Accept / Not now / Decline / Decline and block.
Only when both sides have agreed (the searcher by picking) does each receive the contact line the other wrote in
their profile. A decline is never announced: the searcher hears, when the request lapses (7 days after it was
sent, whatever happened), that the person is not available; "Not now" asks once more 3 days later. A week after an
introduction (`partner_follow_up_days`) both are asked "Did you connect?", and Yes offers a joint commitment.

Organisers see where searches found nobody (/partners gaps) and can introduce two members themselves
(/introduce), with the same consent on both sides. Members pause being proposed with /matching off. Nothing a
searcher is told depends on whether someone declined, blocked them, paused, left the network or was blocked: an
introduction that cannot be sent is recorded as withheld and lapses like any other.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from markupsafe import Markup

from handlers import languages as langs
from handlers import profile, when
from handlers.arguments import keyword_args
from handlers.commitments import joint_partner, start_joint
from handlers.core import Context, Fire, Role, Router
from handlers.data_rights import iso
from handlers.events import Button, Reply
from handlers.i18n import N_, _, _n, current_language, join_lines, language, pick_language, plain
from handlers.roles import resolve_member
from handlers.paging import page_of
from handlers.sanitise import clean_line
from storage.conversations import Conversation, ConversationRepository
from storage.members import Member
from storage.partners import Candidate, Introduction, PartnerRepository
from storage.schedule import DueItem

router = Router("partners")

FLOW = "partner"
STEPS = ("theme", "region", "language", "note")
MAX_NOTE = 300
SHOWN = 5  # people a search proposes, at most
POOL = 60  # candidates a search reads and ranks
DAY = 24 * 3600
EXPIRE_AFTER = 7 * DAY  # an introduction not made by then lapses, and the searcher hears "not available"
ASK_AGAIN_AFTER = 3 * DAY  # after "Not now"
AFTER_ASKING_AGAIN = 4 * DAY  # asked again: how long before it lapses
GAP_DAYS = 90
CHOICE_PAGE = 20
LIST_INCOMING = 5
LIST_INTRODUCED = 10
LIST_SEARCHES = 5
LIST_ARRANGED = 5
MAX_WHAT_SHOWN = 80
ANSWERS = {"accept": "accepted", "later": "not_now", "decline": "declined", "block": "declined"}


# --- small pieces ----------------------------------------------------------------------------------------------


def _name(member: Member | None) -> str:
    if member is None or not member.display_name:
        return plain(N_("(no name yet)"))
    return member.display_name


def _named(*members: Member | None) -> tuple[int, ...]:
    """The members a message names, to queue it with (erasing one of them withdraws it)."""
    return tuple(m.id for m in members if m is not None)


def _kind(ctx: Context, member: Member | None) -> str:
    kind = ctx.network.actor_kind(member.actor_kind or "") if member else None
    return plain(kind.label) if kind else plain(N_("kind of actor not given"))


def _theme(ctx: Context, theme: str | None) -> str:
    choice = ctx.network.theme(theme) if theme else None
    return choice.label if choice else (theme or plain(N_("any theme")))


def _region(ctx: Context, region: str | None) -> str:
    choice = ctx.network.region(region) if region else None
    return choice.label if choice else (region or plain(N_("any region")))


def _language(code: str | None) -> str:
    return langs.language_name(code, current_language()) if code else plain(N_("any language"))


def _subject(ctx: Context, theme: str | None, region: str | None, language_code: str | None = None) -> Markup:
    """'Detention · Western Europe' (· 'French' when a language was asked for)."""
    parts = [_theme(ctx, theme), _region(ctx, region)]
    if language_code:
        parts.append(_language(language_code))
    return Markup(" · ").join(parts)


def _day(ctx: Context, at: int) -> str:
    return when.describe_day(at, (ctx.member.timezone if ctx.member else None) or "UTC", current_language())


def _short(text: str, limit: int = MAX_WHAT_SHOWN) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _in_language_of(ctx: Context, member: Member):
    return language(pick_language(member.languages, ctx.network.default_language))


async def _limit_reached(ctx: Context) -> Reply | None:
    """A clear refusal when the member already made today's searches."""
    most = ctx.network.partner_searches_per_day
    if await ctx.repos.partners.searches_since(ctx.member_id, ctx.now - DAY) < most:
        return None
    return Reply(_n("You have made {n} partner search in the last 24 hours, the most a member may make. Please "
                    "try again tomorrow; /partners shows the searches you made and where they stand.",
                    "You have made {n} partner searches in the last 24 hours, the most a member may make. Please "
                    "try again tomorrow; /partners shows the searches you made and where they stand.", most))


# --- asking: the guided search ---------------------------------------------------------------------------------


@router.command("partner", Role.MEMBER, N_("find partners by theme or region; introduced only if you both agree"),
                usage=N_("/partner [theme:…] [region:…] [language:…] [note:…]"), order=50)
async def partner_command(ctx: Context, args: str) -> Reply | list[Reply]:
    """Start a search, filling what the command already says; search at once when it names a theme or region."""
    if not ctx.member.profile_complete:
        return [Reply(_("Let's finish setting up your profile first.")), await profile.resume(ctx)]
    refused = await _limit_reached(ctx)
    if refused is not None:
        return refused
    text, named = keyword_args(args, ("theme", "region", "language", "note"))
    data: dict[str, Any] = {}
    notes: list[Markup] = []
    asked: set[str] = set()  # given, but not something the network knows: asked again
    for kind in ("theme", "region"):
        if named.get(kind):
            choice = ctx.network.find(kind, named[kind][:100])
            if choice is not None:
                data[kind] = choice.id
                continue
            asked.add(kind)
            if kind == "theme":
                notes.append(_("The network has no theme “{text}”; please choose one below.",
                               text=named[kind][:64]))
            else:
                notes.append(_("The network has no region “{text}”; please choose one below.",
                               text=named[kind][:64]))
    if named.get("language"):
        codes, _unknown = await asyncio.to_thread(langs.parse_languages, named["language"][:100])
        if codes:
            data["language"] = codes[0]
        else:
            asked.add("language")
            notes.append(_("I don't know the language “{text}”; please choose below, or type its name.",
                           text=named["language"][:64]))
    typed_note = " ".join(t for t in (text, named.get("note", "")) if t)
    if typed_note:
        checked = clean_line(typed_note, MAX_NOTE)
        if checked.problem == "too_long":
            return Reply(_n("Your note is {n} character; the most is {max}. Please say it in fewer words.",
                            "Your note is {n} characters; the most is {max}. Please say it in fewer words.",
                            checked.length, max=MAX_NOTE))
        if checked.problem is None:
            data["note"] = checked.text
    if named:  # one line: what it leaves out is "any"; only what could not be read is asked
        names_place = "theme" in named or "region" in named
        for step in STEPS:
            if step not in data and step not in asked and (names_place or step not in ("theme", "region")):
                data[step] = "" if step == "note" else None
        if not asked and (data.get("theme") or data.get("region")):
            return await _search(ctx, data, checked=True)
    return await _next(ctx, data, join_lines(*notes) if notes else None)


async def start_search(ctx: Context, *, theme: str | None, region: str | None) -> Reply | list[Reply]:
    """A search for a theme and region chosen elsewhere (a commitment's): at once, or guided when neither is set."""
    args = " ".join(f"{kind}:{value}" for kind, value in (("theme", theme), ("region", region)) if value)
    return await partner_command(ctx, args)


async def _next(ctx: Context, data: dict[str, Any], note: Markup | None = None) -> Reply | list[Reply]:
    """Ask the first question still unanswered, or search."""
    if "theme" in data and "region" in data and not data["theme"] and not data["region"]:
        data = {k: v for k, v in data.items() if k not in ("theme", "region")}
        note = join_lines(note, _("Please choose at least a theme or a region."))
    for kind, choices in (("theme", ctx.network.themes), ("region", ctx.network.regions)):
        if not choices:
            data.setdefault(kind, None)
    step = next((s for s in STEPS if s not in data), None)
    if step is None:
        return await _search(ctx, data)
    conversation = await ctx.repos.conversations.put(ctx.member_id, FLOW, "partner." + step, data, ctx.now)
    return await _question(ctx, conversation, note=note)


async def _question(ctx: Context, conversation: Conversation, *, note: Markup | None = None,
                    edit: bool = False) -> Reply:
    step = conversation.step.removeprefix("partner.")
    data = conversation.data
    rows: list[tuple[Button, ...]] = []
    asks: str | None = None

    async def btn(label: Any, action: str, **payload: Any) -> Button:
        return await ctx.button(str(label), action, {"n": conversation.nonce, "s": step, **payload})

    if step in ("theme", "region"):
        text = _("<b>Find a partner.</b> Which theme should they work on? Tap one, or Any theme.") \
            if step == "theme" else _("Which region should they work in? Tap one, or Any region.")
        member = ctx.member
        own = set(member.themes) if step == "theme" else {r.name for r in member.regions if not r.free}
        choices = ctx.network.themes if step == "theme" else ctx.network.regions
        options = [c for c in choices if c.id in own] + [c for c in choices if c.id not in own]
        page_rows, page_line = await page_of(options, data.get("page", 0), CHOICE_PAGE,
                                             lambda c: btn(c.label, "partner.pick", v=c.id),
                                             lambda label, page: btn(label, "partner.page", p=page))
        rows += page_rows
        text = join_lines(text, page_line)
        rows.append((await btn(_("Any theme") if step == "theme" else _("Any region"), "partner.any"),))
    elif step == "language":
        text = _("Should they speak a particular language? Tap one, type its name, or tap Any language.")
        picks = [await btn(langs.language_name(code, current_language()), "partner.pick", v=code)
                 for code in ctx.member.languages[:10]]
        rows += [tuple(picks[i:i + 2]) for i in range(0, len(picks), 2)]
        rows.append((await btn(_("Any language"), "partner.any"),))
        asks = plain(N_("Language"))
    else:
        text = _n("Add a short note for the people you will ask, such as “looking for a journalist in the Sahel to "
                  "co-run a fact-checking workshop” (at most {n} character), or tap Skip.",
                  "Add a short note for the people you will ask, such as “looking for a journalist in the Sahel to "
                  "co-run a fact-checking workshop” (at most {n} characters), or tap Skip.", MAX_NOTE)
        rows.append((await btn(_("Skip"), "partner.any"),))
        asks = plain(N_("Note"))
    rows.append((await btn(_("Cancel"), "partner.cancel"),))
    return Reply(join_lines(note, text), buttons=tuple(rows), edit=edit, asks=asks)


async def _current(ctx: Context, payload: dict, *steps: str) -> Conversation | None:
    """The conversation, if the pressed button belongs to the question being asked now."""
    conversation = await ctx.conversation()
    if conversation is None or conversation.flow != FLOW or conversation.nonce != payload.get("n"):
        return None
    step = conversation.step.removeprefix("partner.")
    if step != payload.get("s") or (steps and step not in steps):
        return None
    return conversation


def _stale() -> Reply:
    return Reply(_("That question has already been answered or was cancelled. Send /partner to start again."),
                 toast=plain(N_("Already answered")), toast_only=True)


def _without_page(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "page"}


@router.action("partner.pick")
async def pick_pressed(ctx: Context, payload: dict) -> Reply | list[Reply]:
    """A theme, a region or a language."""
    conversation = await _current(ctx, payload, "theme", "region", "language")
    if conversation is None:
        return _stale()
    step, value = conversation.step.removeprefix("partner."), str(payload.get("v", ""))
    valid = ((step == "theme" and ctx.network.theme(value)) or (step == "region" and ctx.network.region(value))
             or (step == "language" and value in ctx.member.languages))
    if not valid:
        return Reply(_("That choice is no longer offered."), toast=plain(N_("No longer offered")), toast_only=True)
    return await _next(ctx, {**_without_page(conversation.data), step: value})


@router.action("partner.any")
async def any_pressed(ctx: Context, payload: dict) -> Reply | list[Reply]:
    """Any theme, any region, any language, or no note."""
    conversation = await _current(ctx, payload)
    if conversation is None:
        return _stale()
    step = conversation.step.removeprefix("partner.")
    return await _next(ctx, {**_without_page(conversation.data), step: "" if step == "note" else None})


@router.action("partner.page")
async def page_pressed(ctx: Context, payload: dict) -> Reply:
    """Another page of themes or regions."""
    conversation = await _current(ctx, payload, "theme", "region")
    if conversation is None:
        return _stale()
    conversation = await ctx.turn_page(conversation, payload.get("p", 0))
    if conversation is None:
        return _stale()
    return await _question(ctx, conversation, edit=True)


@router.action("partner.cancel")
async def cancel_pressed(ctx: Context, payload: dict) -> Reply:
    """Stop; nobody is asked anything."""
    conversation = await _current(ctx, payload)
    if conversation is None:
        return _stale()
    await ctx.repos.conversations.clear(ctx.member_id)
    if "r" in conversation.data:
        await ctx.repos.partners.close_request(int(conversation.data["r"]), ctx.member_id, ctx.now)
    return Reply(_("Cancelled. Nobody was asked anything."), edit=True)


@router.text_step(FLOW, "partner.theme")
async def theme_typed(ctx: Context, conversation: Conversation, text: str) -> Reply | list[Reply]:
    """A theme typed by name."""
    return await _choice_typed(ctx, conversation, "theme", text)


@router.text_step(FLOW, "partner.region")
async def region_typed(ctx: Context, conversation: Conversation, text: str) -> Reply | list[Reply]:
    """A region typed by name."""
    return await _choice_typed(ctx, conversation, "region", text)


async def _choice_typed(ctx: Context, conversation: Conversation, kind: str, text: str) -> Reply | list[Reply]:
    choice = ctx.network.match(kind, text[:100])
    if choice is None:
        return Reply(_("None of the network's themes matches that. Tap one above, or Any theme.") if kind == "theme"
                     else _("None of the network's regions matches that. Tap one above, or Any region."))
    return await _next(ctx, {**_without_page(conversation.data), kind: choice.id})


@router.text_step(FLOW, "partner.language")
async def language_typed(ctx: Context, conversation: Conversation, text: str) -> Reply | list[Reply]:
    """A language typed by name or code."""
    codes, _unknown = await asyncio.to_thread(langs.parse_languages, text[:100])
    if not codes:
        return Reply(_("I don't know that language. Try its English name or a code such as “wo” for Wolof, or tap "
                       "Any language."))
    return await _next(ctx, {**conversation.data, "language": codes[0]})


@router.text_step(FLOW, "partner.note")
async def note_typed(ctx: Context, conversation: Conversation, text: str) -> Reply | list[Reply]:
    """The note for the people who will be asked."""
    checked = clean_line(text, MAX_NOTE)
    if checked.problem == "empty":
        return Reply(_("Please type a few words, or tap Skip."))
    if checked.problem == "too_long":
        return Reply(_n("Your note is {n} character; the most is {max}. Please say it in fewer words.",
                        "Your note is {n} characters; the most is {max}. Please say it in fewer words.",
                        checked.length, max=MAX_NOTE))
    return await _next(ctx, {**conversation.data, "note": checked.text})


@router.text_step(FLOW, "partner.pick")
async def pick_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    """People are picked with buttons."""
    return Reply(_("Please tap the people you would like to be introduced to, then Send; or Cancel."))


# --- searching and picking -------------------------------------------------------------------------------------


def rank(candidates: list[Candidate], shuffle: random.Random | None = None) -> list[Candidate]:
    """Most matching first (theme and region), then more shared languages, then a related commitment, then who was
    asked least recently; ties at random, so member numbers never show through the order."""
    shuffle = shuffle or random.Random()
    keyed = [((-c.strength, -len(c.languages), c.commitment is None, c.last_asked or 0, shuffle.random()), c)
             for c in candidates]
    return [c for _key, c in sorted(keyed, key=lambda pair: pair[0])]


def _reason(candidate: Candidate, *, theme: str | None, region: str | None, language_code: str | None,
            own: tuple[str, ...]) -> dict[str, Any]:
    """Why someone matches, as ids and codes (stored, and shown to them if asked)."""
    return {"t": theme if candidate.theme else None, "r": region if candidate.region else None,
            "l": [code for code in own if code in candidate.languages],
            "w": language_code, "c": candidate.commitment}


async def _search(ctx: Context, data: dict[str, Any], *, checked: bool = False) -> Reply:
    """Run the search and show who it found, with buttons to pick (`checked`: the daily limit was just checked)."""
    refused = None if checked else await _limit_reached(ctx)
    if refused is not None:
        await ctx.repos.conversations.clear(ctx.member_id)
        return refused
    member = ctx.member
    theme, region = data.get("theme") or None, data.get("region") or None
    language_code, note = data.get("language") or None, data.get("note") or ""
    found = await ctx.repos.partners.candidates(
        member.id, theme=theme, region=region, language=language_code, languages=tuple(member.languages),
        pivot=random.random(), limit=POOL, wanted=SHOWN)
    chosen = rank(found)[:SHOWN]
    reasons = [_reason(c, theme=theme, region=region, language_code=language_code, own=tuple(member.languages))
               for c in chosen]
    subject = _subject(ctx, theme, region, language_code)
    if not chosen:
        await ctx.repos.partners.create_request(member.id, theme=theme, region=region, language=language_code,
                                                note=note, proposals=[], now=ctx.now)
        await ctx.repos.conversations.clear(ctx.member_id)  # a question left open would now be out of place
        return Reply(join_lines(
            _("<b>Nobody in the network matches {subject} right now.</b>", subject=subject),
            _("Organisers see the searches that found nobody (with your note), so they know where the network has "
              "gaps and may introduce you to someone themselves, with your agreement."),
            _("You can also search again with fewer conditions: /partner.")))
    people = await ctx.repos.members.get_many([c.member_id for c in chosen])
    lines: list[Any] = [_("<b>People who may partner with you</b> ({subject})", subject=subject)]
    if note:
        lines.append(_("<i>Your note: {note}</i>", note=note))
    labels = []
    for n, (candidate, reason) in enumerate(zip(chosen, reasons), start=1):
        person = people.get(candidate.member_id)
        labels.append(f"{n}. {_name(person)}")
        why = await _why_for_searcher(ctx, reason)
        lines += ["", _("{n}. <b>{name}</b> — {kind}", n=n, name=_name(person), kind=_kind(ctx, person)),
                  _("<i>{why}</i>", why=why)]
    lines += ["", _("Tap the people you would like to be introduced to, then Send. Each is sent your pseudonym, "
                    "your kind of actor, why they match and your note, never your contact. Contacts are exchanged "
                    "only with those who accept.")]
    async with ctx.repos.db.transaction() as conn:  # the search, whom it proposed, and the question: together
        request_id = await PartnerRepository.create_request_in(
            conn, member.id, theme=theme, region=region, language=language_code, note=note,
            proposals=[(c.member_id, reason) for c, reason in zip(chosen, reasons)], now=ctx.now)
        conversation = await ConversationRepository.put_in(
            conn, member.id, FLOW, "partner.pick", {"r": request_id, "text": str(join_lines(*lines)),
                                                    "labels": labels, "sel": []}, ctx.now)
    return await _pick_reply(ctx, conversation)


async def _why_for_searcher(ctx: Context, reason: dict[str, Any]) -> Markup:
    pieces: list[Markup] = []
    if reason.get("t"):
        pieces.append(_("works on {theme}", theme=_theme(ctx, reason["t"])))
    if reason.get("r"):
        pieces.append(_("works in {region}", region=_region(ctx, reason["r"])))
    spoken = list(dict.fromkeys([*([reason["w"]] if reason.get("w") else []), *reason.get("l", [])]))
    if spoken:
        pieces.append(_("speaks {languages}", languages=", ".join(_language(code) for code in spoken)))
    if reason.get("c"):
        commitment = await ctx.repos.commitments.get(int(reason["c"]))
        if commitment is not None and commitment.status == "open" and commitment.visibility == "network":
            pieces.append(_("has an open commitment on this: “{what}”", what=_short(commitment.what)))
    return Markup(" · ").join(pieces)


def _why_for_partner(ctx: Context, reason: dict[str, Any]) -> Markup | None:
    pieces: list[Markup] = []
    if reason.get("t"):
        pieces.append(_("you work on {theme}", theme=_theme(ctx, reason["t"])))
    if reason.get("r"):
        pieces.append(_("you work in {region}", region=_region(ctx, reason["r"])))
    if reason.get("l"):
        pieces.append(_("you both speak {languages}", languages=", ".join(_language(c) for c in reason["l"])))
    if reason.get("w") and reason["w"] not in reason.get("l", []):
        pieces.append(_("you speak {language}", language=_language(reason["w"])))
    if reason.get("c"):
        pieces.append(_("you have an open commitment on this"))
    return Markup(" · ").join(pieces) if pieces else None


async def _pick_reply(ctx: Context, conversation: Conversation, *, edit: bool = False) -> Reply:
    data = conversation.data
    chosen = set(data.get("sel", []))
    rows: list[tuple[Button, ...]] = []
    for n, label in enumerate(data.get("labels", [])):
        picked = n in chosen
        rows.append((await ctx.button(("✓ " if picked else "") + label, "partner.toggle",
                                      {"n": conversation.nonce, "s": "pick", "i": n}, selected=picked),))
    send = _("Send ({n} chosen)", n=len(chosen))
    rows.append((await ctx.button(str(send), "partner.send", {"n": conversation.nonce, "s": "pick"}),
                 await ctx.button(str(_("Cancel")), "partner.cancel", {"n": conversation.nonce, "s": "pick"})))
    return Reply(Markup(data.get("text", "")), buttons=tuple(rows), edit=edit)


@router.action("partner.toggle")
async def toggle_pressed(ctx: Context, payload: dict) -> Reply:
    """Pick someone, or unpick them; the list is redrawn in place."""
    conversation = await _current(ctx, payload, "pick")
    if conversation is None:
        return _stale()
    try:
        index = int(payload.get("i", -1))
    except (TypeError, ValueError):
        return _stale()
    if not 0 <= index < len(conversation.data.get("labels", [])):
        return _stale()
    chosen = [i for i in conversation.data.get("sel", []) if i != index]
    if len(chosen) == len(conversation.data.get("sel", [])):
        chosen.append(index)
    conversation = await ctx.repos.conversations.put(ctx.member_id, FLOW, conversation.step,
                                                     {**conversation.data, "sel": sorted(chosen)}, ctx.now,
                                                     keep_nonce=conversation.nonce)
    return await _pick_reply(ctx, conversation, edit=True)


@router.action("partner.send")
async def send_pressed(ctx: Context, payload: dict) -> Reply:
    """Send an introduction request to each person picked."""
    conversation = await _current(ctx, payload, "pick")
    if conversation is None:
        return _stale()
    chosen = sorted(set(conversation.data.get("sel", [])))
    if not chosen:
        return Reply(_("Tap at least one person first."), toast=plain(N_("Tap at least one person first")),
                     toast_only=True)
    repo, me, now = ctx.repos.partners, ctx.member_id, ctx.now
    request_id = int(conversation.data["r"])
    request = await repo.request(request_id)
    proposals = {p.position: p for p in await repo.proposals(request_id)}
    eligible = await repo.eligible(me, [p.member_id for p in proposals.values()])
    picks: list[tuple[int | None, dict, bool]] = []
    for index in chosen:
        proposal = proposals.get(index)
        if proposal is None:  # erased since: the introduction lapses like any other
            picks.append((None, {}, False))
        else:
            picks.append((proposal.member_id, proposal.reason, proposal.member_id in eligible))
    expires_at = now + EXPIRE_AFTER
    intro_ids = await repo.send(request_id, me, picks, note=request.note if request else "", now=now,
                                expires_at=expires_at)
    await ctx.repos.conversations.clear(me)
    if intro_ids is None:
        return _stale()
    ctx.services.scheduled(expires_at)
    others = await ctx.repos.members.get_many([m for m, _r, ask in picks if m is not None and ask])
    for intro_id, (member_id, _reason, ask) in zip(intro_ids, picks):
        if ask and member_id in others:
            await _send_request(ctx, intro_id, others[member_id])
    labels = conversation.data.get("labels", [])
    names = ", ".join(labels[i].partition(". ")[2] for i in chosen if i < len(labels))
    return Reply(join_lines(
        _("<b>Introduction requests sent to {names}.</b>", names=names),
        _("Each sees your pseudonym, your kind of actor, why they match and your note, never your contact. If "
          "someone accepts, you each receive the other's contact line. If someone is not available, I will tell "
          "you within a week."),
        _("/partners shows where your searches and introductions stand.")), edit=True)


# --- introduction requests -------------------------------------------------------------------------------------


async def _send_request(ctx: Context, intro_id: int, viewer: Member) -> None:
    """Ask `viewer` (in their language, after their quiet hours) whether they agree to an introduction."""
    intro = await ctx.repos.partners.introduction(intro_id)
    if intro is None:
        return
    side = intro.side(viewer.id)
    other = await ctx.repos.members.get(intro.other(side)) if side else None
    if other is None:
        return
    organiser = await ctx.repos.members.get(intro.organiser_id) if intro.organiser_id else None
    with _in_language_of(ctx, viewer):
        reply = await _request_message(ctx, intro, side, viewer, other, organiser)
    await ctx.notify(viewer.id, reply, kind="introduction", about=_named(other, organiser))


async def _request_message(ctx: Context, intro: Introduction, side: str, viewer: Member, other: Member,
                           organiser: Member | None, *, again: bool = False) -> Reply:
    """The request to `viewer` with Accept / Not now / Decline / Decline and block (Not now only once)."""
    lines: list[Any] = []
    if again:
        lines.append(_("<i>You asked me to ask you again later.</i>"))
    if intro.organiser_id is None:
        lines.append(_("<b>Introduction request</b>"))
        lines.append(_("{name} ({kind}) would like to be introduced to you.", name=_name(other),
                       kind=_kind(ctx, other)))
        why = _why_for_partner(ctx, intro.reason)
        if why is not None:
            lines.append(_("<b>Why you:</b> {why}", why=why))
        if intro.note:
            lines.append(_("<b>Their note:</b> {note}", note=intro.note))
        lines.append(_("If you accept, you and {name} each receive the contact line the other wrote in their "
                       "profile. Until then neither of you learns anything more about the other. If you decline, "
                       "{name} is not told so: only, later, that you are not available.", name=_name(other)))
    else:
        lines.append(_("<b>Introduction suggested by an organiser</b>"))
        lines.append(_("{organiser}, an organiser of {network}, suggests that you meet {name} ({kind}).",
                       organiser=_name(organiser) if organiser else plain(N_("An organiser")),
                       network=ctx.network.name, name=_name(other), kind=_kind(ctx, other)))
        if intro.note:
            lines.append(_("<b>Note:</b> {note}", note=intro.note))
        lines.append(_("If you both accept, each of you receives the contact line the other wrote in their profile. "
                       "Until then neither of you learns anything more about the other. If you decline, nobody is "
                       "told so: {name} only hears, later, that you are not available.", name=_name(other)))

    async def btn(label: Markup, answer: str) -> Button:
        return await ctx.button(str(label), "intro.answer", {"i": intro.id, "a": answer}, single_use=True,
                                for_member=viewer.id)

    first = [await btn(_("Accept"), "accept")]
    if not again and not intro.asked_again(side) and intro.answer(side) == "pending":
        first.append(await btn(_("Not now"), "later"))
    rows = (tuple(first), (await btn(_("Decline"), "decline"), await btn(_("Decline and block"), "block")))
    return Reply(join_lines(*lines), buttons=rows)


def _no_longer_open() -> Reply:
    return Reply(_("This introduction request is no longer open."), edit=True)


async def _open_for(ctx: Context, intro_id: Any) -> tuple[Introduction, str, Member] | Reply:
    """The pending introduction, the presser's side, and the other member; or why it cannot be answered."""
    try:
        intro = await ctx.repos.partners.introduction(int(intro_id))
    except (TypeError, ValueError):
        intro = None
    side = intro.side(ctx.member_id) if intro is not None else None
    if intro is None or side is None or intro.status != "pending" or intro.answer(side) not in ("pending", "not_now"):
        return _no_longer_open()
    other = await ctx.repos.members.get(intro.other(side)) if intro.other(side) else None
    if other is None or other.blocked:
        return _no_longer_open()
    return intro, side, other


@router.action("intro.answer")
async def answer_pressed(ctx: Context, payload: dict) -> Reply:
    """Accept, Not now, Decline, or Decline and block."""
    choice = payload.get("a")
    if choice not in ANSWERS:
        return _no_longer_open()
    found = await _open_for(ctx, payload.get("i"))
    if isinstance(found, Reply):
        return found
    intro, side, other = found
    now = ctx.now
    if choice == "later":
        if intro.asked_again(side) or intro.answer(side) == "not_now":
            return Reply(_("I already asked you a second time; please Accept or Decline."))
        ask_at = now + ASK_AGAIN_AFTER
        updated = await ctx.repos.partners.answer(intro.id, side, "not_now", now, ask_again_at=ask_at,
                                                  expires_at=ask_at + AFTER_ASKING_AGAIN)
        if updated is None:
            return _no_longer_open()
        ctx.services.scheduled(ask_at)
        return Reply(_n("All right: I will ask you once more in {n} day.",
                        "All right: I will ask you once more in {n} days.", ASK_AGAIN_AFTER // DAY), edit=True)
    if choice in ("decline", "block"):
        updated = await ctx.repos.partners.answer(intro.id, side, "declined", now, block=choice == "block")
        if updated is None:
            return _no_longer_open()
        lines = [_("Declined. {name} is not told that you declined: only, later, that you are not available.",
                   name=_name(other))]
        if choice == "block":
            lines.append(_("You and {name} will never be proposed to each other again. Nobody is told.",
                           name=_name(other)))
        return Reply(join_lines(*lines), edit=True)
    updated = await ctx.repos.partners.answer(
        intro.id, side, "accepted", now, follow_up_at=now + ctx.network.partner_follow_up_days * DAY)
    if updated is None:
        return _no_longer_open()
    if updated.status != "introduced":
        return Reply(_("Thank you. {name} has been asked too; if they accept, you each receive the other's contact "
                       "line.", name=_name(other)), edit=True)
    ctx.services.scheduled(now + ctx.network.partner_follow_up_days * DAY)
    return await _introduced(ctx, updated, other)


def _contact_text(ctx: Context, viewer: Member, other: Member) -> Markup:
    """What `viewer` is told once introduced to `other` (in the current language)."""
    lines = [_("<b>You and {name} ({kind}) are introduced.</b>", name=_name(other), kind=_kind(ctx, other))]
    if other.contact:
        lines.append(_("How to reach {name}: {contact}", name=_name(other), contact=other.contact))
    else:
        lines.append(_("{name} has no contact line in their profile yet, so I have none to pass on; they have "
                       "been asked to add one.", name=_name(other)) if viewer.contact else
                     _("{name} has no contact line in their profile yet, so I have none to pass on.",
                       name=_name(other)))
    if viewer.contact:
        lines.append(_("{name} has received yours: {contact}", name=_name(other), contact=viewer.contact))
    else:
        lines.append(_("You have no contact line in your profile, so {name} could not be given a way to reach you. "
                       "Please add one with /profile (Contact for partners).", name=_name(other)))
    lines.append(_n("In {n} day I will ask you both whether you connected.",
                    "In {n} days I will ask you both whether you connected.", ctx.network.partner_follow_up_days))
    return join_lines(*lines)


async def _introduced(ctx: Context, intro: Introduction, other: Member) -> Reply:
    """Both agreed: each receives the other's contact line; the organiser who suggested it hears it happened."""
    me = await ctx.refresh_member()
    other = await ctx.repos.members.get(other.id) or other
    with _in_language_of(ctx, other):
        text = _contact_text(ctx, other, me)
    await ctx.notify(other.id, Reply(text), kind="introduction", about=(me.id,))
    if intro.organiser_id is not None and intro.organiser_id not in (me.id, other.id):
        organiser = await ctx.repos.members.get(intro.organiser_id)
        if organiser is not None:
            with _in_language_of(ctx, organiser):
                told = _("<b>Introduction made:</b> {a} and {b} both accepted the introduction you suggested; "
                         "they now have each other's contact lines.", a=_name(other), b=_name(me))
            await ctx.notify(organiser.id, Reply(told), kind="introduction", about=(other.id, me.id))
    return Reply(_contact_text(ctx, me, other), edit=True)


@router.action("intro.show")
async def show_pressed(ctx: Context, payload: dict) -> Reply:
    """Show a request waiting for the member's answer again (from /partners)."""
    found = await _open_for(ctx, payload.get("i"))
    if isinstance(found, Reply):
        return found
    intro, side, other = found
    organiser = await ctx.repos.members.get(intro.organiser_id) if intro.organiser_id else None
    return await _request_message(ctx, intro, side, ctx.member, other, organiser)


# --- what falls due --------------------------------------------------------------------------------------------


async def _load(repos: Any, ids: list[int]) -> dict[int, Introduction]:
    return await repos.partners.introductions_many(ids)


@router.due("intro.expire", load=_load)
async def expire_due(ctx: Context, item: DueItem) -> Fire | None:
    """An introduction not made in time lapses: whoever had agreed hears the other is not available (the same
    words whether they declined, did not answer, paused, blocked or left); the organiser who suggested it hears it
    did not happen."""
    intro: Introduction | None = item.subject
    if intro is None or intro.status not in ("pending", "void"):
        return None
    intro_id, now, me = intro.id, ctx.now, ctx.member_id

    async def lapse(conn: Any) -> None:
        await PartnerRepository.lapse_in(conn, intro_id, now)

    side = intro.side(me)
    reply, about = None, ()
    if side is not None and intro.answer(side) == "accepted":
        if intro.organiser_id is None:
            reply = Reply(join_lines(
                _("<b>Not available this time:</b> one of the people you asked to be introduced to for {subject} is "
                  "not available.", subject=_subject(ctx, intro.theme, intro.region)),
                _("You can look for someone else with /partner.")))
        else:
            reply = Reply(_("<b>Not available this time:</b> the other person in the introduction an organiser "
                            "suggested to you is not available."))
    elif side is None and me == intro.organiser_id:
        people = await ctx.repos.members.get_many([m for m in (intro.a_id, intro.b_id) if m is not None])
        reply = Reply(_("<b>Introduction not made:</b> the introduction you suggested between {a} and {b} was not "
                        "accepted by both in time.", a=_name(people.get(intro.a_id)), b=_name(people.get(intro.b_id))))
        about = tuple(people)
    return Fire(reply, quiet=True, kind="introduction", changes=(lapse,), about=about)


@router.due("intro.ask", load=_load)
async def ask_due(ctx: Context, item: DueItem) -> Fire | None:
    """Ask once more someone who answered Not now."""
    intro: Introduction | None = item.subject
    side = intro.side(ctx.member_id) if intro is not None else None
    if intro is None or side is None or intro.status != "pending" or intro.answer(side) != "not_now":
        return None
    other = await ctx.repos.members.get(intro.other(side)) if intro.other(side) else None
    if other is None or other.blocked:
        return None
    organiser = await ctx.repos.members.get(intro.organiser_id) if intro.organiser_id else None
    reply = await _request_message(ctx, intro, side, ctx.member, other, organiser, again=True)
    intro_id, now = intro.id, ctx.now

    async def asked(conn: Any) -> None:
        await PartnerRepository.asked_again_in(conn, intro_id, side, now)

    return Fire(reply, quiet=True, kind="introduction", changes=(asked,), about=_named(other, organiser))


@router.due("intro.follow_up", load=_load)
async def follow_up_due(ctx: Context, item: DueItem) -> Fire | None:
    """Did you connect? Yes / Not yet (the first time) / No."""
    intro: Introduction | None = item.subject
    side = intro.side(ctx.member_id) if intro is not None else None
    if intro is None or side is None or intro.status != "introduced" or intro.follow_up(side) in ("yes", "no"):
        return None
    other = await ctx.repos.members.get(intro.other(side)) if intro.other(side) else None
    if other is None:
        return None
    first = item.detail != "again"

    async def btn(label: Markup, answer: str) -> Button:
        return await ctx.button(str(label), "intro.follow_up", {"i": intro.id, "a": answer, "f": first},
                                single_use=True)

    row = [await btn(_("Yes"), "yes")]
    if first:
        row.append(await btn(_("Not yet"), "not_yet"))
    row.append(await btn(_("No"), "no"))
    text = _("<b>Did you connect?</b> You were introduced to {name} on {day}. Did you get in touch?",
             name=_name(other), day=_day(ctx, intro.introduced_at or intro.created_at))
    return Fire(Reply(text, buttons=(tuple(row),)), quiet=True, kind="follow-up", about=(other.id,))


@router.action("intro.follow_up")
async def follow_up_answered(ctx: Context, payload: dict) -> Reply:
    """Yes (and offer a joint commitment), not yet (asked once more), or no."""
    answer = payload.get("a")
    try:
        intro = await ctx.repos.partners.introduction(int(payload.get("i")))
    except (TypeError, ValueError):
        intro = None
    side = intro.side(ctx.member_id) if intro is not None else None
    if intro is None or side is None or answer not in ("yes", "not_yet", "no") or intro.status != "introduced":
        return Reply(_("That question is no longer open."), edit=True)
    days = ctx.network.partner_follow_up_days
    again_at = ctx.now + days * DAY if answer == "not_yet" and payload.get("f") else None
    if not await ctx.repos.partners.set_follow_up(intro.id, side, answer, ctx.now, again_at=again_at):
        return Reply(_("That question is no longer open."), edit=True)
    if again_at is not None:
        ctx.services.scheduled(again_at)
        return Reply(_n("All right: I will ask once more in {n} day.", "All right: I will ask once more in {n} days.",
                        days), edit=True)
    if answer == "no":
        return Reply(_("Thank you for telling me. You can look for someone else with /partner."), edit=True)
    if answer == "not_yet":
        return Reply(_("Thank you for telling me."), edit=True)
    other = await ctx.repos.members.get(intro.other(side)) if intro.other(side) else None
    if other is None:
        return Reply(_("Glad to hear it!"), edit=True)
    joint = await ctx.button(str(_("Register a joint commitment")), "intro.joint", {"i": intro.id})
    return Reply(_("Glad to hear it! Would you like to register something you will do together with {name}? A joint "
                   "commitment appears in both your /commitments, with check-ins for each of you.", name=_name(other)),
                 buttons=((joint,),), edit=True)


@router.action("intro.joint")
async def joint_pressed(ctx: Context, payload: dict) -> Reply | list[Reply]:
    """Register a commitment together with the member one was introduced to."""
    other = await joint_partner(ctx, payload.get("i"))
    if other is None:
        return Reply(_("That introduction is no longer open for a joint commitment."))
    intro = await ctx.repos.partners.introduction(int(payload["i"]))
    return await start_joint(ctx, intro.id, other, theme=intro.theme, region=intro.region)


# --- /partners, /matching --------------------------------------------------------------------------------------


@router.command("partners", Role.MEMBER, N_("your partner searches and introductions"),
                usage=N_("/partners"), usage_from={Role.ORGANISER: N_("/partners [gaps]")}, order=51)
async def partners_command(ctx: Context, args: str) -> Reply:
    """The member's searches, introductions and requests waiting for them; `gaps` for organisers."""
    word = args.strip().casefold()
    if word == "gaps":
        if ctx.role < Role.ORGANISER:
            return Reply(_("Only organisers can see where searches found nobody. Send /partners to see yours."))
        return await _gaps(ctx)
    if word:
        return Reply(_("Send /partners to see your searches and introductions (organisers: /partners gaps).")
                     if ctx.role >= Role.ORGANISER else
                     _("Send /partners to see your searches and introductions."))
    return await _overview(ctx)


async def _overview(ctx: Context) -> Reply:
    repo, me = ctx.repos.partners, ctx.member_id
    intros = await repo.for_member(me)
    searches = await repo.requests_for(me, limit=LIST_SEARCHES)
    arranged = await repo.arranged_by(me, limit=LIST_ARRANGED) if ctx.role >= Role.ORGANISER else []
    involved = {m for i in [*intros, *arranged] for m in (i.a_id, i.b_id) if m is not None and m != me}
    people = await ctx.repos.members.get_many(sorted(involved))
    used = await repo.searches_since(me, ctx.now - DAY)
    lines: list[Any] = [_("<b>Your partner searches and introductions</b>")]
    if await repo.matching(me):
        lines.append(_("Matching is on: you may be proposed to members looking for partners. Send /matching off to "
                       "pause it."))
    else:
        lines.append(_("Matching is paused: nobody is proposed you. Send /matching on to resume."))
    lines.append(_("Searches in the last 24 hours: {used} of {most}.", used=used,
                   most=ctx.network.partner_searches_per_day))
    rows: list[tuple[Button, ...]] = []

    waiting = [i for i in intros if i.status == "pending" and i.answer(i.side(me)) in ("pending", "not_now")
               and people.get(i.other(i.side(me))) is not None
               and not people[i.other(i.side(me))].blocked][:LIST_INCOMING]
    if waiting:
        lines += ["", _("<b>Waiting for your answer</b>")]
        for intro in waiting:
            other = people[intro.other(intro.side(me))]
            lines.append(_("• {name} ({kind}), suggested by an organiser", name=_name(other), kind=_kind(ctx, other))
                         if intro.organiser_id else
                         _("• {name} ({kind}) would like to be introduced to you", name=_name(other),
                           kind=_kind(ctx, other)))
            rows.append((await ctx.button(str(_("Answer {name}", name=_name(other))), "intro.show", {"i": intro.id}),))

    made = [i for i in intros if i.status == "introduced"][:LIST_INTRODUCED]
    if made:
        lines += ["", _("<b>Your introductions</b>")]
        for intro in made:
            other = people.get(intro.other(intro.side(me)))
            if other is None:
                lines.append(_("• a member who has since left — introduced on {day}",
                               day=_day(ctx, intro.introduced_at or intro.created_at)))
                continue
            lines.append(_("• {name} ({kind}) — introduced on {day} — contact: {contact}", name=_name(other),
                           kind=_kind(ctx, other), day=_day(ctx, intro.introduced_at or intro.created_at),
                           contact=other.contact or plain(N_("none in their profile"))))

    if searches:
        counts = await repo.request_counts([s.id for s in searches])
        lines += ["", _("<b>Your searches</b>")]
        for search in searches:
            subject = _subject(ctx, search.theme, search.region, search.language)
            tally = counts.get(search.id, {})
            if search.found == 0:
                state = _("nobody found")
            elif search.status in ("proposed", "closed") and not tally:
                state = _n("{n} proposed, nobody asked", "{n} proposed, nobody asked", search.found)
            else:
                state = _("{introduced} introduced · {waiting} waiting · {unavailable} not available",
                          introduced=tally.get("introduced", 0), waiting=tally.get("pending", 0),
                          unavailable=tally.get("lapsed", 0))
            lines.append(_("• {day}: {subject} — {state}", day=_day(ctx, search.created_at), subject=subject,
                           state=state))

    if arranged:
        lines += ["", _("<b>Introductions you suggested</b>")]
        for intro in arranged:
            state = {"introduced": _("introduced"), "lapsed": _("not made")}.get(intro.status, _("waiting"))
            lines.append(_("• {day}: {a} and {b} — {state}", day=_day(ctx, intro.created_at),
                           a=_name(people.get(intro.a_id)), b=_name(people.get(intro.b_id)), state=state))
    if not (waiting or made or searches or arranged):
        lines += ["", _("No searches or introductions yet. Send /partner to look for partners.")]
    return Reply(join_lines(*lines), buttons=tuple(rows))


async def _gaps(ctx: Context) -> Reply:
    counts, latest = await ctx.repos.partners.gaps(ctx.now - GAP_DAYS * DAY)
    if not counts:
        return Reply(_n("No partner search found nobody in the last {n} day.",
                        "No partner search found nobody in the last {n} days.", GAP_DAYS))
    lines: list[Any] = [
        _("<b>Where the network has gaps</b>"),
        _n("Searches in the last {n} day that found nobody, or nobody who accepted in time:",
           "Searches in the last {n} days that found nobody, or nobody who accepted in time:", GAP_DAYS)]
    for theme, region, n in counts[:20]:
        lines.append(_("• {subject}: {n}", subject=_subject(ctx, theme, region), n=n))
    people = await ctx.repos.members.get_many(sorted({r.member_id for r in latest}))
    lines += ["", _("<b>The latest</b>")]
    for search in latest:
        person = people.get(search.member_id)
        lines.append(_("• {day}: {name} (#{id}) — {subject}", day=_day(ctx, search.created_at), name=_name(person),
                       id=search.member_id, subject=_subject(ctx, search.theme, search.region, search.language)))
        if search.note:
            lines.append(_("  <i>{note}</i>", note=search.note))
    lines += ["", _("Introduce two members yourself with {command}: both are asked, and contacts are passed on only "
                    "if both accept.", command="/introduce <member> <member> [note]")]
    return Reply(join_lines(*lines))


@router.command("matching", Role.MEMBER, N_("pause or resume being proposed as a partner"),
                usage=N_("/matching [on|off]"), order=52)
async def matching_command(ctx: Context, args: str) -> Reply:
    """Pause or resume being proposed to members who search for partners."""
    word = args.strip().casefold()
    if word in ("off", "pause", "stop"):
        await ctx.repos.partners.set_matching(ctx.member_id, False, ctx.now)
        return Reply(_("Matching is paused: you will not be proposed to anyone looking for partners. Requests already "
                       "sent to you stay open. Send /matching on to resume."))
    if word in ("on", "resume", "start"):
        await ctx.repos.partners.set_matching(ctx.member_id, True, ctx.now)
        return Reply(_("Matching is on: you may be proposed to members looking for partners, and introduced if you "
                       "both agree."))
    if word:
        return Reply(_("Send /matching off to pause being proposed as a partner, /matching on to resume."))
    if await ctx.repos.partners.matching(ctx.member_id):
        return Reply(_("Matching is on: you may be proposed to members looking for partners. Send /matching off to "
                       "pause it."))
    return Reply(_("Matching is paused: nobody is proposed you. Send /matching on to resume."))


# --- organisers' introductions ---------------------------------------------------------------------------------


@router.command("introduce", Role.ORGANISER, N_("introduce two members to each other, if both agree"),
                usage=N_("/introduce <member> <member> [note]"), order=25)
async def introduce_command(ctx: Context, args: str) -> Reply:
    """Suggest an introduction between two members: both are asked; contacts only if both accept."""
    usage = _("Usage: {command} — each member by number (#12) or platform:id, then a note saying why, if you like.",
              command="/introduce <member> <member> [note]")
    parts = args.split(maxsplit=2)
    if len(parts) < 2:
        return Reply(usage)
    first = await resolve_member(ctx, parts[0], usage)
    if isinstance(first, Reply):
        return first
    second = await resolve_member(ctx, parts[1], usage)
    if isinstance(second, Reply):
        return second
    note = ""
    if len(parts) > 2:
        checked = clean_line(parts[2], MAX_NOTE)
        if checked.problem == "too_long":
            return Reply(_n("Your note is {n} character; the most is {max}. Please say it in fewer words.",
                            "Your note is {n} characters; the most is {max}. Please say it in fewer words.",
                            checked.length, max=MAX_NOTE))
        note = checked.text
    if first.id == second.id:
        return Reply(_("Those are the same member."))
    if ctx.member_id in (first.id, second.id):
        return Reply(_("To find a partner for yourself, send /partner."))
    for member in (first, second):
        if member.blocked:
            return Reply(_("#{id} {name} is blocked.", id=member.id, name=_name(member)))
        if not member.profile_complete:
            return Reply(_("#{id} {name} has not finished their profile yet.", id=member.id, name=_name(member)))
    now = ctx.now
    send = await ctx.repos.partners.may_meet(first.id, second.id)
    expires_at = now + EXPIRE_AFTER
    intro_id = await ctx.repos.partners.arrange(ctx.member_id, first.id, second.id, note=note, send=send, now=now,
                                                expires_at=expires_at)
    ctx.services.scheduled(expires_at)
    if send:
        for member in (first, second):
            await _send_request(ctx, intro_id, member)
    return Reply(join_lines(
        _("<b>Introduction requests sent to {a} and {b}.</b>", a=_name(first), b=_name(second)),
        _("Each sees your name, the other's pseudonym and kind of actor, and your note. Contacts are passed on only "
          "if both accept. I will tell you how it turns out; /partners lists the introductions you suggested.")))


# --- a commitment's "Need help" --------------------------------------------------------------------------------


@router.action("partner.from_commitment")
async def from_commitment_pressed(ctx: Context, payload: dict) -> Reply | list[Reply]:
    """Look for partners on one of the member's commitments' theme and region."""
    try:
        commitment = await ctx.repos.commitments.get(int(payload.get("c")))
    except (TypeError, ValueError):
        commitment = None
    if commitment is None or commitment.member_id != ctx.member_id:
        return Reply(_("There is no such commitment. Send /partner to look for partners."))
    return await start_search(ctx, theme=commitment.theme, region=commitment.region)


# --- data rights -----------------------------------------------------------------------------------------------


def _seen_status(intro: Introduction) -> str:
    """An introduction's state as its sides may know it (never the other side's answer)."""
    return {"introduced": "introduced", "lapsed": "not_available"}.get(intro.status, "waiting")


@router.export("partners")
async def _export(ctx: Context, member_id: int) -> dict:
    repo = ctx.repos.partners
    searches = await repo.requests_for(member_id, limit=10_000)
    counts = await repo.request_counts([s.id for s in searches])
    intros = await repo.for_member(member_id, limit=10_000)
    arranged = await repo.arranged_by(member_id, limit=10_000)
    blocks = await repo.blocked_by(member_id)
    introduced = [i.other(i.side(member_id)) for i in intros if i.status == "introduced"]
    people = await ctx.repos.members.get_many(sorted({m for m in [*introduced, *(b for b, _at in blocks),
                                                                   *(x for i in arranged for x in (i.a_id, i.b_id))]
                                                      if m is not None}))

    def name(who: int | None) -> str | None:
        member = people.get(who) if who is not None else None
        return member.display_name if member else None

    return {
        "matching_on": await repo.matching(member_id),
        "searches": [{"search_number": s.id, "theme": s.theme, "region": s.region, "language": s.language,
                      "note": s.note, "people_proposed": s.found, "status": s.status,
                      "introductions": {"introduced": counts.get(s.id, {}).get("introduced", 0),
                                        "waiting": counts.get(s.id, {}).get("pending", 0),
                                        "not_available": counts.get(s.id, {}).get("lapsed", 0)},
                      "at": iso(s.created_at)} for s in searches],
        "introductions": [{"introduction_number": i.id, "suggested_by_an_organiser": i.organiser_id is not None,
                           "you_searched": i.organiser_id is None and i.side(member_id) == "a",
                           "your_answer": i.answer(i.side(member_id)), "status": _seen_status(i),
                           "with": name(i.other(i.side(member_id))) if i.status == "introduced" else None,
                           "note": i.note, "introduced_at": iso(i.introduced_at),
                           "did_you_connect": i.follow_up(i.side(member_id)), "at": iso(i.created_at)}
                          for i in intros],
        "introductions_you_suggested": [{"introduction_number": i.id, "between": [name(i.a_id), name(i.b_id)],
                                         "note": i.note, "status": _seen_status(i), "at": iso(i.created_at)}
                                        for i in arranged],
        "members_you_blocked": [{"name": name(b), "since": iso(at)} for b, at in blocks],
    }


@router.erase
async def _erase(conn: Any, member_id: int) -> None:
    await PartnerRepository.forget_in(conn, member_id)

"""Small pieces the partners capability words its messages with (names, themes, regions, languages, dates, why
someone matches), and the guided search's conversation."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers import languages as langs
from handlers import when
from handlers.core import Context
from handlers.events import Reply
from handlers.i18n import N_, _, _n, current_language, language, pick_language, plain
from handlers.partners.common import DAY, MAX_WHAT_SHOWN
from storage.members import Member


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


def in_language_of(ctx: Context, member: Member):
    return language(pick_language(member.languages, ctx.network.default_language))


async def limit_reached(ctx: Context) -> Reply | None:
    """A clear refusal when the member already made today's searches."""
    most = ctx.network.partner_searches_per_day
    if await ctx.repos.partners.searches_since(ctx.member_id, ctx.now - DAY) < most:
        return None
    return Reply(_n("You have made {n} partner search in the last 24 hours, the most a member may make. Please "
                    "try again tomorrow; /partners shows the searches you made and where they stand.",
                    "You have made {n} partner searches in the last 24 hours, the most a member may make. Please "
                    "try again tomorrow; /partners shows the searches you made and where they stand.", most))




async def why_for_searcher(ctx: Context, reason: dict[str, Any]) -> Markup:
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
    if reason.get("p"):
        pieces.append(_("shared practice #{id}", id=reason["p"]))
    return Markup(" · ").join(pieces)


def why_for_partner(ctx: Context, reason: dict[str, Any]) -> Markup | None:
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
    if reason.get("p"):
        pieces.append(_("they ask about your practice #{id}", id=reason["p"]))
    return Markup(" · ").join(pieces) if pieces else None

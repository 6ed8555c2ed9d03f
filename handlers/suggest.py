"""Completions offered while someone types a command's option (Discord's autocomplete).

The adapter asks for a kind of value and gets (label, value) pairs; who may see which suggestions is decided
here, like every other rule: member names only for organisers, the network's themes and regions only for
members, time zones for anyone (they are public knowledge).
"""

from __future__ import annotations

from handlers import timezones
from handlers.core import Core, Role
from handlers.events import Person
from handlers.i18n import language, pick_language

KINDS = ("member", "theme", "region", "timezone")
MAX_SUGGESTIONS = 25  # Discord shows at most 25 choices


async def suggestions(core: Core, person: Person, kind: str, text: str,
                      limit: int = MAX_SUGGESTIONS) -> list[tuple[str, str]]:
    """What `person` may be offered for `text` typed so far, as (label, value) pairs."""
    text = text.strip()[:100]
    if kind == "timezone":
        return [(f"{m.name} ({m.place})" if m.place else m.name, m.name)
                for m in await timezones.suggest_timezones(text, limit)]
    ctx = await core.context_for(person, True)
    if ctx.member is None or ctx.member.blocked:
        return []
    if kind in ("theme", "region"):
        with language(pick_language(ctx.member.languages, ctx.network.default_language)):
            return [(c.label, c.id) for c in ctx.network.suggest(kind, text, limit)]
    if kind == "member" and ctx.role >= Role.ORGANISER:
        found = await ctx.repos.members.search(text, limit=limit)
        return [(f"{m.display_name or '?'} (#{m.id})", f"#{m.id}") for m in found]
    return []

"""The choices a commitment offers: themes, regions and who may see it."""

from __future__ import annotations

from handlers.commitments.common import VISIBILITY_LABELS, VISIBILITY_WORDS
from handlers.core import Context
from handlers.i18n import plain


def theme_label(ctx: Context, theme: str | None) -> str:
    choice = ctx.network.theme(theme) if theme else None
    return choice.label if choice else (theme or "—")


def region_label(ctx: Context, region: str | None) -> str:
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

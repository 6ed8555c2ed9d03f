"""/practices [theme:…] [region:…] [words]: find practices in the toolbox, best first (see storage/practices.py
for the ranking), a page at a time, each opened in full with its button or /practice N."""

from __future__ import annotations

from markupsafe import Markup

from handlers.arguments import Param
from handlers.core import Args, Context, Role
from handlers.events import Reply
from handlers.i18n import N_, _, _n, grouped, join_lines
from handlers.practices.common import RESULTS, PracticeRef, ResultsPage, is_organiser, router
from handlers.practices.view import one_line
from handlers.sanitise import clean_line
from storage.practices import Query

MAX_WORDS = 200


@router.command("practices", Role.MEMBER, N_("find practices that worked, by theme, region or words"),
                usage=N_("/practices [words] [theme:…] [region:…]"), order=59,
                params=(Param("words", N_("words to look for: workshop, radio"), longest=MAX_WORDS),
                        Param("theme", N_("the theme they are about"), named=True, suggest="theme"),
                        Param("region", N_("the region they were done in"), named=True, suggest="region")))
async def practices_command(ctx: Context, args: Args) -> Reply:
    found, unknown = ctx.network.named(args.values)
    if unknown is not None:
        kind, typed = unknown
        return Reply(_("The network has no theme “{text}”. /practices theme:… takes one of the network's themes.",
                       text=typed) if kind == "theme" else
                     _("The network has no region “{text}”. /practices region:… takes one of the network's regions.",
                       text=typed))
    words = args.values.get("words", args.text)
    checked = clean_line(words, MAX_WORDS) if words.strip() else None
    if checked is not None and checked.problem == "too_long":
        return Reply(_n("That is {n} character to look for; the most is {max}.",
                        "That is {n} characters to look for; the most is {max}.", checked.length, max=MAX_WORDS))
    return await results(ctx, ResultsPage(found.get("theme", ""), found.get("region", ""),
                                          checked.text if checked and not checked.problem else "", 0))


async def results(ctx: Context, page: ResultsPage, *, edit: bool = False) -> Reply:
    query = Query(theme=page.theme or None, region=page.region or None, words=page.words,
                  organiser=is_organiser(ctx))
    found, total = await ctx.repos.practices.find(query, limit=RESULTS, offset=page.page * RESULTS)
    asked = _asked(ctx, page)
    if not found and page.page == 0:
        return Reply(join_lines(
            _("No practice found for {asked}.", asked=asked) if asked else _("The toolbox is empty so far."),
            _("Try other words, or fewer; /practice shares one you know."), ), edit=edit)
    pages = -(-total // RESULTS)
    number = min(page.page, pages - 1)
    head = _n("<b>{n} practice found</b>", "<b>{n} practices found</b>", total, n=grouped(total))
    if asked:
        head = head + Markup(" ") + _("for {asked}", asked=asked)
    lines = [head + Markup(":"), *(one_line(ctx, f.practice) for f in found)]
    if pages > 1:
        lines.append(_("Page {page} of {pages}", page=number + 1, pages=pages))
    rows = [tuple([await ctx.button(str(_("Open #{id}", id=f.practice.id)), "practice.open",
                                    PracticeRef(f.practice.id)) for f in found[i:i + 3]])
            for i in range(0, len(found), 3)]
    turns = []
    if number > 0:
        turns.append(await ctx.button(str(_("◀ Previous")), "practice.results",
                                      ResultsPage(page.theme, page.region, page.words, number - 1)))
    if number + 1 < pages:
        turns.append(await ctx.button(str(_("Next ▶")), "practice.results",
                                      ResultsPage(page.theme, page.region, page.words, number + 1)))
    if turns:
        rows.append(tuple(turns))
    return Reply(join_lines(*lines), buttons=tuple(rows), edit=edit)


def _asked(ctx: Context, page: ResultsPage) -> Markup | None:
    parts: list[Markup] = []
    theme = ctx.network.theme(page.theme) if page.theme else None
    region = ctx.network.region(page.region) if page.region else None
    if theme:
        parts.append(_("theme {theme}", theme=theme.label))
    if region:
        parts.append(_("region {region}", region=region.label))
    if page.words:
        parts.append(_("“{words}”", words=page.words))
    return Markup(", ").join(parts) if parts else None


@router.action("practice.results", payload=ResultsPage)
async def results_turned(ctx: Context, press: ResultsPage) -> Reply:
    return await results(ctx, press, edit=True)

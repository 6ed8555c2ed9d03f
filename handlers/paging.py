"""One page of a long list of choices as buttons, two a row, with ‹ Previous and More › between pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from markupsafe import Markup

from handlers.events import Button
from handlers.i18n import _

T = TypeVar("T")


async def page_of(options: Sequence[T], page: Any, size: int, make: Callable[[T], Awaitable[Button]],
                  turn: Callable[[Any, int], Awaitable[Button]], *, per_row: int = 2
                  ) -> tuple[list[tuple[Button, ...]], Markup | None]:
    """The button rows for `page` (clamped to the pages there are) of `options`: `make(option)` makes an option's
    button, `turn(label, page)` a page-turning one. Also a "Page 2 of 3" line when there is more than one page."""
    pages = max(1, -(-len(options) // size))
    try:
        page = min(max(int(page), 0), pages - 1)
    except (TypeError, ValueError):
        page = 0
    picks = [await make(option) for option in options[page * size:(page + 1) * size]]
    rows = [tuple(picks[i:i + per_row]) for i in range(0, len(picks), per_row)]
    if pages == 1:
        return rows, None
    turning = []
    if page > 0:
        turning.append(await turn(_("‹ Previous"), page - 1))
    if page + 1 < pages:
        turning.append(await turn(_("More ›"), page + 1))
    rows.append(tuple(turning))
    return rows, _("<i>Page {page} of {pages}.</i>", page=page + 1, pages=pages)

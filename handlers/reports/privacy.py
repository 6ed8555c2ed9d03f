"""Small numbers protect people: a report never shows that one or two members did something in a small region or
on a rare theme. Every count a report shows, in a chart, a table or a document, passes through `shown`, and every
column of a table through `hide_small`."""

from __future__ import annotations

from enum import Enum

from handlers.i18n import N_, plain


def hidden_label(fewer_than: int) -> str:
    """What a report shows instead of a count the rule hides, in the language spoken: "fewer than 3"."""
    return plain(N_("fewer than {n}")).format(n=fewer_than)


def labels(fewer_than: int) -> dict[Hidden, str]:
    """What a report shows instead of each kind of hidden count, in the language spoken."""
    return {Hidden.FEW: hidden_label(fewer_than),
            Hidden.FEW_MEMBERS: plain(N_("from fewer than {n} members")).format(n=fewer_than),
            Hidden.WITHHELD: plain(N_("withheld"))}


def shown(count: int, fewer_than: int) -> int | None:
    """The count as a report may show it: None when it is fewer than `fewer_than` but not none (a zero reveals
    nobody, and says something true: that nothing happened)."""
    return None if 0 < count < fewer_than else count


def as_text(count: int, fewer_than: int, hidden: str) -> str:
    """The count in a table or a sentence: its digits, or `hidden` ("fewer than 3")."""
    value = shown(count, fewer_than)
    return hidden if value is None else str(value)


class Hidden(Enum):
    """Why a count is not shown: it is small (`FEW`); it comes from fewer members than the rule allows
    (`FEW_MEMBERS`); or it is `WITHHELD` with a hidden one so that the hidden one cannot be worked out by
    subtraction."""

    FEW = "few"
    FEW_MEMBERS = "few_members"
    WITHHELD = "withheld"


def hide_small(counts: list[int], fewer_than: int, hidden_rows: set[int] | frozenset[int] = frozenset(), *,
               total_shown: bool = True) -> list[int | Hidden]:
    """A column of counts as a report may show it. Small counts are hidden, and so are the rows in
    `hidden_rows` (counts that come from too few members). When exactly one count of a column is hidden and the
    column's total is shown elsewhere in the report (`total_shown`), the smallest other count that is not zero is
    withheld with it: otherwise the total would give the hidden one away."""
    kept: list[int | Hidden] = [Hidden.FEW if shown(c, fewer_than) is None else
                                Hidden.FEW_MEMBERS if i in hidden_rows and c else c for i, c in enumerate(counts)]
    if total_shown and sum(1 for k in kept if isinstance(k, Hidden)) == 1:
        others = [i for i, k in enumerate(kept) if not isinstance(k, Hidden) and k]
        if others:
            kept[min(others, key=lambda i: counts[i])] = Hidden.WITHHELD
    return kept

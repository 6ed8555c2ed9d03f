"""Small numbers protect people: a report never shows that one or two members did something in a small region or
on a rare theme. Every count a report shows, in a chart, a table or a document, passes through `shown`."""

from __future__ import annotations


def shown(count: int, fewer_than: int) -> int | None:
    """The count as a report may show it: None when it is fewer than `fewer_than` but not none (a zero reveals
    nobody, and says something true: that nothing happened)."""
    return None if 0 < count < fewer_than else count


def as_text(count: int, fewer_than: int, hidden: str) -> str:
    """The count in a table or a sentence: its digits, or `hidden` ("fewer than 3")."""
    value = shown(count, fewer_than)
    return hidden if value is None else str(value)

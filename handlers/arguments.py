"""Reading a command's text: free words, named parts such as `theme:detention region:West Africa`, and numbers."""

from __future__ import annotations

import re
import unicodedata

# The largest integer SQLite stores: a number past it could never name anything, and must never reach a query
# (sqlite3 raises OverflowError for it).
MAX_NUMBER = 2**63 - 1


def keyword_args(text: str, names: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """Split '/members ali theme:Access to health' into ('ali', {'theme': 'Access to health'}).

    A named part runs to the next named part or the end, so values may hold spaces. A name given twice keeps
    its last value. Names are matched in any case; anything else stays in the free text.
    """
    pattern = re.compile(r"(?:^|\s)(" + "|".join(map(re.escape, names)) + r"):", re.IGNORECASE)
    parts = pattern.split(text)
    free = parts[0].strip()
    named: dict[str, str] = {}
    for i in range(1, len(parts) - 1, 2):
        named[parts[i].lower()] = " ".join(parts[i + 1].split())
    return free, named


def first_word(text: str) -> tuple[str, str]:
    """Split '#12 Venue booked' into ('#12', 'Venue booked'); ('', '') for blank text."""
    words = text.split(maxsplit=1)
    return (words[0], words[1] if len(words) > 1 else "") if words else ("", "")


def number(text: str, low: int = 1, high: int = MAX_NUMBER) -> int | None:
    """The whole number `text` spells, if it lies from `low` to `high`; None for anything else.

    Every number people type is read here. Decimal digits of any script count at their value: "12", "١٢"
    (Arabic-Indic), "۱۲" (Persian), "１２" (full width, as Chinese and Japanese keyboards type them), since the
    bot speaks the languages of people who type those. Nothing else is a number: no sign, space, separator,
    superscript ("²", which `str.isdigit` accepts and `int` refuses) or fraction. The answer for a number out of
    range is the answer for no number, so a number past what SQLite stores never reaches a query.

    The patterns that read dates and times (`\\d` in handlers.when, the quiet hours, a session's end) match the
    same digits, Unicode's decimal digits, and take at most a few: what they read agrees with this.
    """
    if not text:
        return None
    value = 0
    for character in text:
        digit = unicodedata.decimal(character, None)
        if digit is None:
            return None
        value = value * 10 + digit
        if value > high:
            return None
    return value if value >= low else None

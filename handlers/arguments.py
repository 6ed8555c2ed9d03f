"""What commands take (`Param`, declared once for every platform) and how what came with one is read: free words,
named parts such as `theme:detention region:West Africa` (`Args`), and numbers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from handlers.i18n import N_

# The largest integer SQLite stores: a number past it could never name anything, and must never reach a query
# (sqlite3 raises OverflowError for it).
MAX_NUMBER = 2**63 - 1


def keyword_args(text: str, names: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """Split '/members ali theme:Access to health' into ('ali', {'theme': 'Access to health'}).

    A named part runs to the next named part or the end, so values may hold spaces. A name given twice keeps
    its last value. Names are matched in any case; anything else stays in the free text.
    """
    pattern = re.compile(r"(?:^|\s)(" + "|".join(map(re.escape, names)) + r")[:：]", re.IGNORECASE)  # ： full-width
    parts = pattern.split(text)
    free = parts[0].strip()
    named: dict[str, str] = {}
    for i in range(1, len(parts) - 1, 2):
        named[parts[i].lower()] = " ".join(parts[i + 1].split())
    return free, named


@dataclass(frozen=True)
class Param:
    """One value a command takes, declared once for every platform.

    Where commands have typed options (Discord) each param is an option of its own, with this description,
    these limits and these suggestions. In text (Telegram, the console) a `named` param is written `name:value`
    anywhere after the command, and the params that are not named share the free words. `default` names the
    network setting that says what the command does without the value (the description shows it as {default}).
    """

    name: str
    description: str
    number: bool = False  # a whole number from `low` to `high`; otherwise text of at most `longest` characters
    required: bool = False
    named: bool = False
    low: int | None = None
    high: int | None = None
    longest: int = 1000
    suggest: str | None = None  # what autocomplete offers: "member", "theme", "region" or "timezone"
    default: str | None = None
    aliases: tuple[str, ...] = ()  # other names it may be written with in text (theme: for themes:)


@dataclass(frozen=True)
class Args:
    """What came with a command: `text`, the free words, and `values`, each param given by name.

    From text (`from_text`) the values are the named params (`theme:Detention`) and `text` is the rest. From
    typed options (`from_values`) every option given is a value, and `text` is the params that are not named,
    joined in their declared order, for handlers that read free words either way. A handler that needs two
    params that are not named kept apart (/commit's what and when) reads `values` first.
    """

    text: str = ""
    values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_text(cls, text: str, params: tuple[Param, ...]) -> Args:
        names = {alias: p.name for p in params if p.named for alias in (p.name, *p.aliases)}
        if not names:
            return cls(text.strip())
        free, named = keyword_args(text, tuple(names))
        return cls(free, {names[written]: value for written, value in named.items()})

    def positional(self, *names: str) -> list[str]:
        """Params that are not named, in order: as typed options gave them, or else from the free words, a word
        each and the last one taking the rest ("" for each one missing)."""
        if any(name in self.values for name in names):
            return [self.values.get(name, "") for name in names]
        words = self.text.split(maxsplit=len(names) - 1)
        return words + [""] * (len(names) - len(words))

    @classmethod
    def from_values(cls, values: dict[str, Any], params: tuple[Param, ...]) -> Args:
        given = {p.name: str(values[p.name]).strip() for p in params if values.get(p.name) is not None}
        given = {name: value for name, value in given.items() if value}
        free = " ".join(given[p.name] for p in params if not p.named and p.name in given)
        return cls(free, given)


# The highest number a typed option takes for a record's number (/session 12): far past any network's records.
MAX_ID = 10**9
# What a command with a usage but no params of its own takes: the words after it.
DETAILS = (Param("details", N_("what to add after the command")),)
# Who a command is about, on the commands that name one member.
MEMBER = Param("member", N_("the member: a name, or #number from /members"), required=True, suggest="member")


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

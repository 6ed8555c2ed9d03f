"""The languages a member speaks: recognised from codes, English names or their own names, via Babel's data."""

from __future__ import annotations

import functools
import re

from babel import Locale, UnknownLocaleError
from babel.localedata import locale_identifiers

COMMON_LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "ar", "ru", "pt", "de", "it", "tr", "zh", "sw", "fa")
MAX_LANGUAGES = 10
MAX_INPUT = 300
_SPLIT = re.compile(r"\s*(?:[,;/]|\band\b|\bet\b|\by\b)\s*", re.IGNORECASE)


@functools.cache
def _names() -> dict[str, str]:
    """Every way of naming a language Babel knows → its code: codes, English names, own names."""
    english = Locale("en").languages
    table: dict[str, str] = {}
    for identifier in locale_identifiers():
        code = identifier.split("_")[0]
        if len(code) not in (2, 3):
            continue
        table.setdefault(code.casefold(), code)
        if code in english:
            table.setdefault(english[code].casefold(), code)
        try:
            own = Locale.parse(code).languages.get(code)
        except (UnknownLocaleError, ValueError):
            own = None
        if own:
            table.setdefault(own.casefold(), code)
    return table


def _lookup(item: str) -> str | None:
    key = item.strip().casefold()
    names = _names()
    if key in names:
        return names[key]
    base = re.split(r"[-_]", key)[0]  # a tag such as pt-BR counts as its language
    return names.get(base) if base != key and len(base) in (2, 3) else None


def parse_languages(text: str) -> tuple[list[str], list[str]]:
    """(codes recognised, in order and without duplicates; items not recognised, as typed)."""
    if len(text) > MAX_INPUT:
        return [], [text[:40] + "…"]
    codes: list[str] = []
    unknown: list[str] = []
    for chunk in _SPLIT.split(text):
        chunk = chunk.strip()
        if not chunk:
            continue
        code = _lookup(chunk)
        items = [(chunk, code)] if code else [(w, _lookup(w)) for w in chunk.split()]
        for item, found in items:
            if found is None:
                unknown.append(item)
            elif found not in codes:
                if len(codes) >= MAX_LANGUAGES:
                    unknown.append(item)
                else:
                    codes.append(found)
    return codes, unknown


def language_name(code: str, locale: str = "en") -> str:
    """The language's name in `locale`, or the code itself if Babel does not know it."""
    try:
        name = Locale.parse(locale).languages.get(code)
    except (UnknownLocaleError, ValueError):
        name = None
    return name or code

"""The languages a member speaks, recognised from what they type: codes, or names in English, in the language
itself, or in one of the languages the bot offers ("anglais", "العربية", "İngilizce").

Names come from Babel's CLDR data, plus a handful of everyday ones it lacks ("Farsi"). The lookup tables take
under a second to build, once: the bot builds them at start (`prepare`), in a thread, so that no member's first
request waits for them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.localedata import locale_identifiers

COMMON_LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "ar", "ru", "pt", "de", "it", "tr", "zh", "sw", "fa")
MAX_LANGUAGES = 10
MAX_INPUT = 300
_NOT_LANGUAGES = frozenset({"und", "mul", "zxx", "mis"})  # CLDR's codes for "unknown", "several", "none", "uncoded"
# Connectors count only between two words, so "et" (Estonian), "ve" (Venda), "na" (Nauru) still work alone;
# they cover "and" in the bot's common languages, where "français et anglais" would otherwise add Estonian.
_SEPARATORS = re.compile(r"[,;/|&+\n،؛、，]|(?<=\s)(?:and|et|y|e|und|и|ve|na|و)(?=\s)", re.IGNORECASE)
# Everyday English names CLDR does not carry; members type them more often than CLDR's own choice.
_ENGLISH_EXTRA = {"farsi": "fa", "mandarin": "zh", "romani": "rom", "sorani": "ckb", "kurmanji": "ku"}
_TAG = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]{1,8})+")  # pt-BR, zh_Hant_TW, es-419: the language part counts


@dataclass(frozen=True)
class _Tables:
    codes: dict[str, str]  # folded code or ISO 639 alias ("fra") → code
    names: dict[str, str]  # folded name (English, its own, or in a common language; or a variant's) → code
    longest: int  # most words in any name


def _fold(text: str) -> str:
    # Typed and stored names differ in Unicode form, case, spacing and apostrophe ("N’Ko").
    return " ".join(unicodedata.normalize("NFKC", text).casefold().replace("’", "'").split())


def _trim(text: str) -> str:
    # Not str.strip(string.punctuation): that misses "«»“”" and a \W regex would eat Indic vowel signs.
    start, end = 0, len(text)
    while start < end and unicodedata.category(text[start])[0] in "PSZC":
        start += 1
    while end > start and unicodedata.category(text[end - 1])[0] in "PSZC":
        end -= 1
    return text[start:end]


def prepare() -> None:
    """Build the lookup tables now (blocking: call it in a thread)."""
    _tables()


@functools.cache
def _tables() -> _Tables:
    english = Locale("en").languages
    codes: dict[str, str] = {}
    for key in english:
        if key.isascii() and key.isalpha() and len(key) in (2, 3) and key not in _NOT_LANGUAGES:
            codes[key] = key
    # ISO 639-2/3 codes people and other systems use for languages CLDR files under a two-letter code ("fra").
    for alias, target in get_global("language_aliases").items():
        base = target.split("_")[0]
        if len(alias) == 3 and alias.isalpha() and base in codes:
            codes.setdefault(alias, base)

    names: dict[str, str] = {}

    def add(name: str, code: str) -> None:
        # "kurdî (kurmancî)" is also typed as plain "kurdî".
        for form in (name, re.sub(r"\s*\(.*?\)", "", name)):
            key = _fold(form)
            if key:
                names.setdefault(key, code)

    # Plain languages before regional variants, so a variant's name never takes a language's own.
    for key in sorted(english, key=lambda k: "_" in k):
        base = key.split("_")[0]
        if base in codes:
            add(english[key], base)
    for base in sorted({identifier.split("_")[0] for identifier in locale_identifiers()}):
        if base not in codes:
            continue
        try:
            own = Locale.parse(base).languages
        except (UnknownLocaleError, ValueError):
            continue
        for key, name in own.items():
            if key.split("_")[0] == base:
                add(name, base)
    for name, code in _ENGLISH_EXTRA.items():
        add(name, code)
    # Members also name languages in the language they write in: "français et anglais", "русский и английский".
    for locale in COMMON_LANGUAGES:
        for key, name in Locale(locale).languages.items():
            if key.split("_")[0] in codes:
                add(name, key.split("_")[0])
    return _Tables(codes, names, max(len(name.split()) for name in names))


def _lookup(item: str, tables: _Tables, *, codes_too: bool) -> str | None:
    key = _fold(_trim(item))
    if codes_too:
        if key in tables.codes:
            return tables.codes[key]
        tag = _TAG.fullmatch(key)
        if tag and tag[1] in tables.codes:
            return tables.codes[tag[1]]
    return tables.names.get(key)


def _read(chunk: str, tables: _Tables) -> list[tuple[str | None, str]]:
    """(code, as typed) for each language in one item; code None for what was not recognised."""
    typed = _trim(chunk)
    if not any(ch.isalnum() for ch in typed):
        return []
    whole = _lookup(typed, tables, codes_too=True)
    if whole is not None:
        return [(whole, typed)]
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", chunk)]
    # "en fr es": a run of codes and names. But in a sentence, short words are codes by accident ("my" is
    # Burmese, "it" Italian), so unless every word is a language, only names are taken from it.
    found = _segment(chunk, words, tables, codes_too=True)
    if all(code is not None for code, _ in found):
        return found
    return _segment(chunk, words, tables, codes_too=False)


def _segment(chunk: str, words: list[tuple[int, int]], tables: _Tables, *, codes_too: bool
             ) -> list[tuple[str | None, str]]:
    found: list[tuple[str | None, str]] = []
    unknown_from: int | None = None
    i = 0
    while i < len(words):
        for n in range(min(tables.longest, len(words) - i), 0, -1):
            phrase = chunk[words[i][0]:words[i + n - 1][1]]
            code = _lookup(phrase, tables, codes_too=codes_too and n == 1)
            if code is not None:
                break
        else:
            if unknown_from is None:
                unknown_from = words[i][0]
            i += 1
            continue
        if unknown_from is not None:
            found.append((None, _trim(chunk[unknown_from:words[i - 1][1]])))
            unknown_from = None
        found.append((code, _trim(phrase)))
        i += n
    if unknown_from is not None:
        found.append((None, _trim(chunk[unknown_from:words[-1][1]])))
    return [(code, typed) for code, typed in found if code is not None or any(ch.isalnum() for ch in typed)]


def parse_languages(text: str) -> tuple[list[str], list[str]]:
    """(codes recognised, in order and without duplicates; items not recognised, as typed)."""
    if len(text) > MAX_INPUT:
        return [], [text[:40] + "…"]
    tables = _tables()
    codes: list[str] = []
    unknown: list[str] = []
    for chunk in _SEPARATORS.split(text):
        for code, typed in _read(chunk, tables):
            if code is None or (code not in codes and len(codes) >= MAX_LANGUAGES):
                unknown.append(typed)
            elif code not in codes:
                codes.append(code)
    return codes, unknown


@functools.lru_cache(maxsize=64)
def _names_in(locale: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(locale.replace("-", "_")).languages)
    except (UnknownLocaleError, ValueError, TypeError):
        return {}


def language_name(code: str, locale: str = "en") -> str:
    """The language's name in `locale` (else in English, else the code itself), from Babel."""
    return _names_in(locale).get(code) or _names_in("en").get(code) or code


def own_name(code: str) -> str:
    """The language's name in itself, as a menu of languages shows it ("Français", "Русский", "العربية")."""
    name = language_name(code, code)
    return name[:1].upper() + name[1:]

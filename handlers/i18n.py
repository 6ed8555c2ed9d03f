"""Every user-visible string goes through `_` (or `_n` for plurals), in the language of the person addressed.

The active language lives in a ContextVar, so concurrent conversations in different languages never clash.
Catalogues are gettext `.po` files under `handlers/locale/<lang>/LC_MESSAGES/messages.po`, read with Babel when a
language is first spoken (see the README's translation section). English is the source language and needs no
catalogue.

`_` returns safe markup: the message itself is trusted (it comes from this program or a translator), and every
value substituted into it is escaped here, which is the one place user content is escaped.
"""

from __future__ import annotations

import contextlib
import functools
import gettext
import io
from collections.abc import Iterator
from contextvars import ContextVar
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from markupsafe import Markup, escape

DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
FSI, PDI = "\u2068", "\u2069"  # Unicode's first strong isolate and pop directional isolate
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "yi", "dv", "ku", "sd", "ug"})

_translations: ContextVar[gettext.NullTranslations] = ContextVar("translations", default=gettext.NullTranslations())
_language: ContextVar[str] = ContextVar("language", default=SOURCE_LANGUAGE)
_extra: dict[str, gettext.NullTranslations] = {}


@functools.cache
def _shipped_languages() -> frozenset[str]:
    # The catalogues installed with the package; they cannot change while the bot runs, and looking on disk for
    # every incoming message was a measurable part of handling one.
    root = resources.files("handlers") / "locale"
    if not root.is_dir():
        return frozenset()
    return frozenset(entry.name for entry in root.iterdir() if (entry / "LC_MESSAGES" / f"{DOMAIN}.po").is_file())


def available_languages() -> list[str]:
    """Languages the bot can speak: English plus every shipped or registered catalogue."""
    return sorted({SOURCE_LANGUAGE, *_shipped_languages(), *_extra})


def catalogue_path(language: str) -> Traversable:
    """Where the catalogue of `language` is shipped."""
    return resources.files("handlers") / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def _load(language: str) -> gettext.NullTranslations:
    # The .po file is the one source: Babel reads it and writes it as a .mo in memory for gettext, which takes
    # a few milliseconds once per language. Fuzzy and empty entries are left out, so they read as English.
    po = catalogue_path(language)
    if not po.is_file():
        return gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def register_catalogue(language: str, translations: gettext.NullTranslations) -> None:
    """Add a catalogue at run time (tests, or a network's own wording)."""
    _extra[language] = translations


def translations_for(language: str) -> gettext.NullTranslations:
    """The catalogue for a language, or the source language's."""
    if language in _extra:
        return _extra[language]
    return _load(language)


def pick_language(preferred: list[str] | tuple[str, ...], default: str = SOURCE_LANGUAGE) -> str:
    """The first of a member's languages the bot can speak, else the network's default."""
    speakable = {SOURCE_LANGUAGE, *_shipped_languages(), *_extra}
    for lang in preferred:
        if lang in speakable:
            return lang
    return default if default in speakable else SOURCE_LANGUAGE


def from_locale(tag: str | None) -> str | None:
    """The language the bot speaks that an app's locale names ("fr", "es-419", "zh-CN", "pt_BR"), or None."""
    if not tag:
        return None
    code = tag.replace("_", "-").split("-")[0].casefold()
    return code if code in {SOURCE_LANGUAGE, *_shipped_languages(), *_extra} else None


@contextlib.contextmanager
def language(lang: str) -> Iterator[None]:
    """Speak `lang` inside the block."""
    t1 = _translations.set(translations_for(lang))
    t2 = _language.set(lang)
    try:
        yield
    finally:
        _translations.reset(t1)
        _language.reset(t2)


def current_language() -> str:
    """The language being spoken now."""
    return _language.get()


def is_rtl() -> bool:
    """Whether the current language is written right to left."""
    return current_language().split("_")[0] in RTL_LANGUAGES


def _safe(value: Any) -> Any:
    # The checks markupsafe's escape makes, cheapest first: markup passes as it is, numbers keep their format
    # specs ({n:,}) and cannot carry markup, everything else is escaped (bool is not int here: it is escaped).
    kind = type(value)
    if kind is Markup or kind is int or kind is float:
        return value
    return escape(value)


def _fill(template: str, values: dict[str, Any]) -> Markup:
    # markupsafe's escape (C) on every value, then the C str.format: the same result as Markup.format, which
    # runs Python's pure-Python Formatter and was the costliest step of rendering a reply.
    if is_rtl():
        return Markup(str.format_map(template, {k: _isolated(v) for k, v in values.items()}))
    return Markup(str.format_map(template, {k: _safe(v) for k, v in values.items()}))


def _isolated(value: Any) -> Any:
    # In a right-to-left message, text filled in (a Latin name, a title, a link, a date) is set apart with
    # Unicode's first-strong isolate, so its own direction cannot reorder the words around it.
    safe = _safe(value)
    if type(value) is Markup or type(value) is int or type(value) is float:
        return safe
    return Markup(FSI + safe + PDI)


# (catalogue, message) -> the translated message as Markup. Messages and catalogues are fixed while the bot runs
# (a re-registered catalogue is a new object, so it gets new entries; keys hold the catalogue, so an old one
# cannot be collected and its id reused); a reply uses the same few dozen strings
# again and again, and building the Markup each time was a visible part of rendering one.
_constant: dict[tuple[gettext.NullTranslations, str], Markup] = {}


def _(message: str, /, **values: Any) -> Markup:
    """Translate `message` and fill in `{name}` placeholders, escaping every value that is not already markup."""
    translations = _translations.get()
    if values:
        return _fill(translations.gettext(message), values)
    key = (translations, message)
    found = _constant.get(key)
    if found is None:
        if len(_constant) > 10_000:
            _constant.clear()
        found = _constant[key] = Markup(translations.gettext(message))
    return found


def plain(message: str, /) -> str:
    """Translate `message` as plain text (not markup): for labels and for text that will itself be escaped."""
    return _translations.get().gettext(message)


def _n(singular: str, plural: str, n: int, /, **values: Any) -> Markup:
    """Translate with a plural form chosen by `n` (available to the message as `{n}`)."""
    translated = _translations.get().ngettext(singular, plural, n)
    return _fill(translated, {"n": n, **values})


def N_(message: str, /) -> str:
    """Mark a message for extraction without translating it yet (translated later, where it is shown)."""
    return message


def N_n(singular: str, plural: str, /) -> tuple[str, str]:
    """Mark a message with plural forms for extraction, to be translated later with `plain_n`."""
    return singular, plural


def plain_n(singular: str, plural: str, n: int, /) -> str:
    """`plain` with the plural form that `n` takes in the language spoken now (still to be filled in)."""
    return _translations.get().ngettext(singular, plural, n)


def grouped(n: int) -> str:
    """A count with the thousands grouped as the language spoken writes them: 12,500 · 12 500 · 12.500."""
    return format_decimal(n, locale="en_GB" if current_language() == SOURCE_LANGUAGE else current_language())


def join_lines(*parts: Markup | str | None) -> Markup:
    """Join pieces with newlines, escaping any plain string; None is skipped and "" makes a blank line."""
    return Markup("\n").join(p for p in parts if p is not None)

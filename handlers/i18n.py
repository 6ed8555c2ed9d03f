"""Every user-visible string goes through `_` (or `_n` for plurals), in the language of the person addressed.

The active language lives in a ContextVar, so concurrent conversations in different languages never clash.
Catalogues are gettext `.mo` files under `handlers/locale/<lang>/LC_MESSAGES/messages.mo` (Babel extracts and
compiles them; see the README). English is the source language and needs no catalogue.

`_` returns safe markup: the message itself is trusted (it comes from this program or a translator), and every
value substituted into it is escaped here, which is the one place user content is escaped.
"""

from __future__ import annotations

import contextlib
import functools
import gettext
from collections.abc import Iterator
from contextvars import ContextVar
from importlib import resources
from typing import Any

from markupsafe import Markup, escape

DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "yi", "dv", "ku", "sd", "ug"})

_translations: ContextVar[gettext.NullTranslations] = ContextVar("translations", default=gettext.NullTranslations())
_language: ContextVar[str] = ContextVar("language", default=SOURCE_LANGUAGE)
_extra: dict[str, gettext.NullTranslations] = {}


def available_languages() -> list[str]:
    """Languages the bot can speak: English plus every shipped or registered catalogue."""
    found = {SOURCE_LANGUAGE, *_extra}
    root = resources.files("handlers") / "locale"
    if root.is_dir():
        for entry in root.iterdir():
            if (entry / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file():
                found.add(entry.name)
    return sorted(found)


@functools.cache
def _load(language: str) -> gettext.NullTranslations:
    mo = resources.files("handlers") / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if mo.is_file():
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    return gettext.NullTranslations()


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
    speakable = set(available_languages())
    for lang in preferred:
        if lang in speakable:
            return lang
    return default if default in speakable else SOURCE_LANGUAGE


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


def _fill(template: str, values: dict[str, Any]) -> Markup:
    # markupsafe's escape (C) on every value, then the C str.format: the same result as Markup.format, which
    # runs Python's pure-Python Formatter and was the costliest step of rendering a reply. Numbers cannot carry
    # markup and keep their format specs ({n:,}).
    safe = {k: v if isinstance(v, (int, float)) and not isinstance(v, bool) else escape(v) for k, v in values.items()}
    return Markup(template.format(**safe))


def _(message: str, /, **values: Any) -> Markup:
    """Translate `message` and fill in `{name}` placeholders, escaping every value that is not already markup."""
    translated = _translations.get().gettext(message)
    return _fill(translated, values) if values else Markup(translated)


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


def join_lines(*parts: Markup | str | None) -> Markup:
    """Join pieces with newlines, escaping any plain string; None is skipped and "" makes a blank line."""
    return Markup("\n").join(p for p in parts if p is not None)

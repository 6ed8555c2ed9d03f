"""Checking free text that members type before it is stored: length, control characters, direction overrides,
and that something in it shows."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Direction overrides and isolates can make a name display as something else (a spoofing trick); the text's
# own script still decides its direction, so Arabic or Hebrew names read correctly without them.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), None)


def readable(text: str) -> str:
    """`text` as valid Unicode: half of a surrogate pair arriving alone (from a JSON escape or an undecodable
    byte) becomes U+FFFD, which can be stored and sent; pairs arriving as two halves become their character."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


# Letters and symbols that draw nothing: Hangul fillers and the blank Braille pattern are favourite stand-ins for an
# empty name, as are the invisible format characters (zero-width space, joiners, word joiner …: category Cf) and
# combining marks with nothing to combine with.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_DRAWS_NOTHING = ("Cc", "Cf", "Cs", "Mn", "Me", "Zs", "Zl", "Zp")


def visible(text: str) -> bool:
    """Whether `text` has at least one character that shows (so it cannot pass for empty, or for nothing at all,
    where a name or a title is shown)."""
    return any(ch not in _BLANK_LETTERS and unicodedata.category(ch) not in _DRAWS_NOTHING for ch in text)


@dataclass(frozen=True)
class Checked:
    """The cleaned text, or why it was refused (`problem` is 'empty' or 'too_long')."""

    text: str
    problem: str | None = None
    length: int = 0


def clean_line(text: str, max_length: int) -> Checked:
    """One line of text: NFC, no control or direction-override characters, spaces collapsed, within the limit;
    'empty' also when nothing in it would show (only zero-width or blank characters)."""
    text = unicodedata.normalize("NFC", text).translate(_BIDI_CONTROLS)
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    text = " ".join(text.split())
    if not visible(text):
        return Checked("", "empty")
    if len(text) > max_length:
        return Checked(text, "too_long", len(text))
    return Checked(text, None, len(text))

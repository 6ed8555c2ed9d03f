"""Words for full-text search, the same on both engines and in every language the bot speaks.

The database engines split text into words and find them (SQLite's FTS5, PostgreSQL's text search). What they
cannot do alike is read the text first: FTS5 folds case and drops accents, PostgreSQL's `simple` configuration
folds case only where the database's locale knows the letters, and neither splits Chinese, which has no spaces
between words. So the text is prepared here, once, before it is indexed and before it is searched:

- Unicode-normalised (NFKC), case-folded, and stripped of accents and other marks (é → e, Arabic vowel marks);
- every run of Chinese or Japanese characters becomes its overlapping pairs of characters ("反仇恨" → "反仇 仇恨"),
  the usual way to search a language without spaces without a dictionary: a word of two or more characters is
  found as the pairs it is made of;
- a search's words are matched as word beginnings ("workshop" finds "workshops").
"""

from __future__ import annotations

import re
import unicodedata

MAX_TERMS = 8  # words of a search looked for; more only slow the search down
MAX_TERM = 40  # characters of one word looked for
_WORD = re.compile(r"\w+")
# Chinese, Japanese kana and CJK compatibility ideographs: written without spaces between words.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.category(c).startswith("M")))


def _pairs(run: str) -> list[str]:
    return [run] if len(run) < 3 else [run[i:i + 2] for i in range(len(run) - 1)]


def words(text: str) -> list[str]:
    """The words of `text` as the index holds them."""
    found: list[str] = []
    for word in _WORD.findall(_folded(text)):
        pieces = _UNSPACED.split(word)
        runs = _UNSPACED.findall(word)
        for n, piece in enumerate(pieces):
            if piece:
                found.append(piece)
            if n < len(runs):
                found.extend(_pairs(runs[n]))
    return found


def index_text(text: str) -> str:
    """`text` ready to be indexed: its words, separated by spaces."""
    return " ".join(words(text))


def terms(query: str) -> list[str]:
    """The words a search looks for (each as a word's beginning), without repeats, at most MAX_TERMS."""
    return list(dict.fromkeys(word[:MAX_TERM] for word in words(query)))[:MAX_TERMS]


def fts5_query(found: list[str]) -> str:
    """An FTS5 MATCH expression that wants every term, each as a word's beginning."""
    return " ".join('"' + term.replace('"', '""') + '"*' for term in found)


def tsquery(found: list[str]) -> str:
    """A PostgreSQL to_tsquery('simple', …) text that wants every term, each as a word's beginning."""
    return " & ".join("'" + term.replace("'", "''") + "':*" for term in found)

"""The shipped translations: complete, faithful to each message's placeholders and markup, and in step with the code.

Run one language's checks with `python -m pytest tests/test_catalogues.py -k fr`.
"""

from __future__ import annotations

import re
import string
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from handlers.formatting import ALLOWED_TAGS
from handlers.when import Problem, split_reminder

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = sorted(p.name for p in (ROOT / "handlers" / "locale").iterdir() if (p / "LC_MESSAGES").is_dir())
KEYWORDS = {"_": None, "_n": (1, 2), "N_": None, "N_n": (1, 2), "plain": None, "plain_n": (1, 2)}
COMMAND = re.compile(r"(?<![\w/<])/[a-z_]+\b")  # /commit, not a/b or </b>


def catalogue(language: str) -> Catalog:
    with (ROOT / "handlers" / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=language)


def extracted() -> set[str]:
    """Every message id the code holds, as `pybabel extract -F babel.cfg` finds them."""
    ids: set[str] = set()
    for folder in ("handlers", "bot"):
        for _file, _line, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


def placeholders(text: str) -> set[str]:
    return {field for _literal, field, _spec, _conv in string.Formatter().parse(text) if field is not None}


class _Tags(HTMLParser):
    """The tags of a message in order, and whether they nest correctly."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.seen: list[str] = []
        self.open: list[str] = []
        self.broken = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.seen.append(tag)
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.broken = True


def tags(text: str) -> tuple[list[str], bool]:
    parser = _Tags()
    parser.feed(text)
    parser.close()
    return sorted(parser.seen), not parser.broken and not parser.open


def translations(message) -> list[tuple[str, str]]:
    """(source, translation) for each form of a message. Every plural form is held against the English plural: a
    form may stand for counts other than one (Chinese has one form for all, Russian's first is 1, 21, 31 …), so
    it may say {n} even where the English singular says "once"."""
    if isinstance(message.id, tuple):
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        return [(message.id[1], form) for form in forms]
    return [(message.id, message.string)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_the_code_holds_is_in_the_catalogue_and_nothing_else(language):
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue(language) if m.id}
    code = extracted()
    assert not code - ids, f"missing from {language}: {sorted(code - ids)[:5]} (run pybabel update, see README)"
    assert not ids - code, f"no longer in the code: {sorted(ids - code)[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_every_plural_form(language):
    cat = catalogue(language)
    assert cat.num_plurals == get_plural(language).num_plurals  # gettext's count, from CLDR (ar 6, ru 3, zh 1)
    untranslated = []
    for message in cat:
        if not message.id:
            continue
        if message.fuzzy or any(not form.strip() for _source, form in translations(message)):
            untranslated.append(message.id)
        if isinstance(message.id, tuple):
            assert isinstance(message.string, tuple) and len(message.string) == cat.num_plurals, message.id
    assert not untranslated, f"{len(untranslated)} untranslated in {language}, e.g. {untranslated[:3]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_and_the_markup_of_their_message(language):
    problems = []
    for message in catalogue(language):
        if not message.id:
            continue
        plural = isinstance(message.id, tuple)
        for source, form in translations(message):
            if not form:
                continue
            wanted, found = placeholders(source), placeholders(form)
            # A plural form may leave the number out ("une minute", "دقيقة واحدة"); nothing else may differ.
            if found != wanted and not (plural and found == wanted - {"n"}):
                problems.append(f"placeholders {sorted(found)} for {sorted(wanted)}: {form!r}")
            if "</" in source:  # markup: the same tags, well nested, and only those the platforms take
                source_tags, _ok = tags(source)
                form_tags, well_formed = tags(form)
                if form_tags != source_tags or not well_formed or set(form_tags) - ALLOWED_TAGS:
                    problems.append(f"markup {form_tags} for {source_tags}: {form!r}")
            elif form.count("<") != source.count("<") or "</" in form:  # plain text: "/join <invite code>"
                problems.append(f"plain text with {source.count('<')} '<' made other: {form!r}")
            commands = set(COMMAND.findall(source))
            if not commands <= set(COMMAND.findall(form)):
                problems.append(f"command names {sorted(commands)} must stay as they are: {form!r}")
    assert not problems, f"{len(problems)} in {language}:\n" + "\n".join(problems[:20])


@pytest.mark.parametrize("language", LANGUAGES)
def test_babel_finds_nothing_wrong_in_the_catalogue(language):
    errors = [(message.id, [str(e) for e in found]) for message, found in catalogue(language).check()]
    assert not errors, errors[:5]


# ---------------------------------------------------------------------------------------------------- example dates

_QUOTED = re.compile(r"“([^”]+)”|«\s*([^»]+?)\s*»|”([^“”]+)“|\"([^\"]+)\"|「([^」]+)」")
_NOW, _ZONE = 1795424400, "Europe/Paris"  # Monday 23 November 2026, 10:00 in Paris


def _date_examples(text: str) -> list[str]:
    """The quoted pieces of a message and what follows each /remind in it, with a trailing "…" taken off."""
    pieces = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(text)]
    pieces += [re.split(r"\s+—|\n", after)[0] for after in text.split("/remind ")[1:]]
    return [p.rstrip(" …,.،，、。") for p in pieces]


def _reads(example: str, code: str) -> bool:
    found = split_reminder(example + " x", _ZONE, _NOW, languages=(code,))
    return not isinstance(found, Problem)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dates_a_message_gives_as_examples_are_read_in_that_language(language):
    """An example the bot gives ("type a date such as “next Friday 10:00”") works when a member types it: a message
    with N examples the bot reads in English has N that it reads in the translation."""
    problems = []
    for message in catalogue(language):
        for source, form in translations(message) if message.id else ():
            wanted = [example for example in _date_examples(source) if _reads(example, "en")]
            read = [example for example in _date_examples(form) if _reads(example, language)]
            if len(read) < len(wanted):
                problems.append(f"{len(read)} of {len(wanted)} examples read: {form!r}")
    assert not problems, f"{len(problems)} in {language}:\n" + "\n".join(problems[:20])

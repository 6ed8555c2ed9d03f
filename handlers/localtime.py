"""Local time. The bot stores moments as whole seconds since the epoch (UTC) and shows them in a time zone: every
conversion between the two goes through here, with one rule for daylight-saving changes (PEP 495's fold=0):

- a wall-clock time that does not exist that day (the clocks jumped forward over it) is moved forward by the
  gap: 02:30 on the night Paris goes from 02:00 to 03:00 is 03:30;
- a wall-clock time that happens twice (the clocks went back) is the first, earlier, of the two.

A zone that is not set, or that this machine does not know, is UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def known_zone(name: str | None) -> ZoneInfo | None:
    """The zone of this IANA name, or None when it is not one."""
    try:
        return ZoneInfo(name) if name else None
    except (KeyError, ValueError, OSError, TypeError):  # not found, malformed key, a directory, not a string
        return None


def zone(name: str | None) -> ZoneInfo:
    """The zone of this name; UTC when unset or unknown."""
    return known_zone(name) or ZoneInfo("UTC")


def to_utc(wall: datetime, zone_name: str | None) -> int:
    """The moment (epoch seconds) a wall-clock time in the zone stands for; a time zone already on `wall` is
    replaced, not converted."""
    return int(wall.replace(tzinfo=zone(zone_name), fold=0).timestamp())


def local(at: float, zone_name: str | None) -> datetime:
    """A moment as the zone's clock shows it (aware)."""
    return datetime.fromtimestamp(at, zone(zone_name))


def wall(at: float, zone_name: str | None) -> datetime:
    """A moment as the zone's clock shows it, without the zone (for arithmetic on dates and wall times)."""
    return local(at, zone_name).replace(tzinfo=None)


def in_zone(moment: datetime, zone_name: str | None) -> datetime:
    """An aware moment as the zone's clock shows it; a naive one is taken as UTC (the bot keeps time in UTC, and a
    naive value must never become the server's own zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(zone_name))

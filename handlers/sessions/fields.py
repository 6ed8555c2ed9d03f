"""The organisers' draft of a session: reading each field as typed (times in the draft's zone)."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from handlers import localtime, when
from handlers.agenda_files import (
    MAX_DAYS,
    MAX_THEMES,
    link_problem,
    whole_minute,
)
from handlers.core import Context
from handlers.formatting import labels
from handlers.i18n import _, _n, current_language, grouped, plain
from handlers.sanitise import clean_line
from handlers.arguments import number
from handlers.languages import parse_languages
from handlers.sessions.common import (
    CLOCK,
    DURATION,
    FIELD_LABELS,
    FIELD_LIMITS,
    MAX_INTERPRETATION,
    MAX_PLACES,
    NO_WORDS,
    YES_WORDS,
)
from handlers.sessions.showing import span
from handlers.timezones import exact_timezone, find_timezones


def draft_zone(ctx: Context, values: dict[str, Any]) -> str:
    return values.get("zone") or (ctx.member.timezone if ctx.member else None) or "UTC"


async def _parse_start(ctx: Context, text: str, zone: str) -> int | Markup:
    moment = await when.parse_moment_async(text, zone, ctx.now, languages=ctx.reading_languages)
    shown = text.strip()[:60]
    if isinstance(moment, when.Problem):
        if moment.code == "past":
            return _("“{text}” is in the past: {when}. A session must start later than now.", text=shown,
                     when=when.describe_moment(moment.at, zone, locale=current_language()))
        if moment.code == "too_far":
            return _("“{text}” is too far ahead.", text=shown)
        return _("I could not read “{text}” as a date and time. Try “10 December 9:30” or “2027-05-11 09:30”.",
                 text=shown)
    if not moment.has_time:
        return _("“{text}” has no time of day. Please give one too, e.g. “10 December 9:30”.", text=shown)
    return whole_minute(moment.at)  # “in 2 minutes” would keep the seconds of now


async def _parse_end(ctx: Context, text: str, zone: str, start: int | None) -> int | Markup:
    if start is None:
        return _("Please give the start first.")
    stripped = " ".join(text.split())
    clock = CLOCK.match(stripped)
    duration = DURATION.match(stripped) if stripped and not clock else None
    if clock:
        hour, minute = int(clock.group(1)), int(clock.group(2))
        if hour > 23 or minute > 59:
            return _("“{text}” is not a time of day.", text=stripped[:60])
        end = localtime.to_utc(localtime.wall(start, zone).replace(hour=hour, minute=minute, second=0), zone)
    elif duration and (duration.group(1) or duration.group(3)):
        end = start + 3600 * int(duration.group(1) or 0) + 60 * int(duration.group(2) or 0)
    else:
        moment = await when.parse_moment_async(stripped, zone, start, languages=ctx.reading_languages)
        if isinstance(moment, when.Problem):
            if moment.code == "past":
                return _("The end must come after the start ({start}).",
                         start=span(start, start + 60, zone).rsplit("–", 1)[0])
            return _("I could not read “{text}” as an end. Give a time (“11:00”), a length (“90 minutes”, "
                     "“2 hours”) or a date and time.", text=stripped[:60])
        end = whole_minute(moment.at)
    if end <= start:
        return _("The end must come after the start ({start}).",
                 start=span(start, start + 60, zone).rsplit("–", 1)[0])
    if end - start > MAX_DAYS * 86400:
        return _n("A session lasts at most {n} day.", "A session lasts at most {n} days.", MAX_DAYS)
    return end


def _rezone(at: int, old: str, new: str) -> int:
    """The same wall-clock time in another zone."""
    return localtime.to_utc(localtime.wall(at, old), new)


async def apply_field(ctx: Context, values: dict[str, Any], name: str, text: str) -> Markup | None:
    """Put what the organiser typed for one field into the draft; why not, or None when taken."""
    zone = draft_zone(ctx, values)
    if name == "start":
        at = await _parse_start(ctx, text, zone)
        if isinstance(at, Markup):
            return at
        if values.get("starts_at") is not None and values.get("ends_at") is not None:
            values["ends_at"] = at + (values["ends_at"] - values["starts_at"])  # the same length, moved
        values["starts_at"] = at
        return None
    if name == "end":
        at = await _parse_end(ctx, text, zone, values.get("starts_at"))
        if isinstance(at, Markup):
            return at
        values["ends_at"] = at
        return None
    if name == "zone":
        wanted = " ".join(text.split())[:100]
        found = exact_timezone(wanted)
        if found is None:
            matches = await find_timezones(wanted, limit=1)
            found = matches[0].name if matches else None
        if found is None:
            return _("I don't know the time zone “{text}”. Try a city (“Geneva”) or a zone name "
                     "(“Europe/Zurich”).", text=wanted[:60])
        for key in ("starts_at", "ends_at"):
            if values.get(key) is not None:
                values[key] = _rezone(values[key], zone, found)
        values["zone"] = found
        return None
    if name == "closes":
        at = await _parse_start(ctx, text, zone)
        if isinstance(at, Markup):
            return at
        if values.get("starts_at") is not None and at >= values["starts_at"]:
            return _("Sign-ups must close before the session starts ({start}).",
                     start=span(values["starts_at"], values["starts_at"] + 60, zone).rsplit("–", 1)[0])
        values["signups_close_at"] = at
        return None
    if name == "places":
        places = number(" ".join(text.split()), 1, MAX_PLACES)
        if places is None:
            return _("Places: a whole number from 1 to {max}, such as 40.", max=grouped(MAX_PLACES))
        values["places"] = places
        return None
    if name == "interpretation":
        codes, unknown = parse_languages(text)
        if unknown:
            return _("I don't know the language “{name}”. Type languages separated by commas, such as “French, "
                     "Arabic”.", name=unknown[0][:60])
        if not codes:
            return _("Type the languages separated by commas, such as “French, Arabic”; Clear for none.")
        if len(codes) > MAX_INTERPRETATION:
            return _n("At most {n} language, please.", "At most {n} languages, please.", MAX_INTERPRETATION)
        values["interpretation"] = ",".join(codes)
        return None
    if name == "access":
        word = " ".join(text.split()).casefold()
        if word not in YES_WORDS + NO_WORDS:
            return _("Type “yes” to ask those going about their access needs, or “no”.")
        values["asks_access"] = int(word in YES_WORDS)
        return None
    if name == "themes":
        chosen: list[str] = []
        for part in re.split(r"[,;\n，、；،؛]", text):  # the commas of Chinese and Arabic too
            if not part.strip():
                continue
            choice = ctx.network.match("theme", part.strip()[:100])
            if choice is None:
                return _("The network has no theme “{theme}”. Its themes: {themes}.", theme=part.strip()[:64],
                         themes=labels(c.label for c in ctx.network.themes))
            if choice.id not in chosen:
                chosen.append(choice.id)
        if len(chosen) > MAX_THEMES:
            return _n("At most {n} theme, please.", "At most {n} themes, please.", MAX_THEMES)
        values["themes"] = chosen
        return None
    limit = FIELD_LIMITS[name]
    checked = clean_line(text, limit)
    if checked.problem == "empty":
        return _("Please type some text with at least one visible character.")
    if checked.problem == "too_long":
        return _n("That is {n} character; the most for {field} is {max}.",
                  "That is {n} characters; the most for {field} is {max}.", checked.length, max=limit,
                  field=plain(FIELD_LABELS[name]).lower())
    if name == "link" and link_problem(checked.text):
        return _("A call link starts with https:// and has no spaces, e.g. https://meet.example.org/solidarity.")
    values[name] = checked.text
    return None

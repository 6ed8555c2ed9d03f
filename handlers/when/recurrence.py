"""Repeating reminders in words (every day, every other Tuesday, the first Monday of the month) read into a rule."""

from __future__ import annotations

import re
from datetime import date

from handlers.arguments import number
from handlers.when.common import (
    DAY_CODES,
    DAYS,
    MAX_INTERVAL,
    MONTHS,
    RECURRING_TIME,
)
from handlers.when.moment import CLOCK_WORDS, twelve_hour
from handlers.when.words import english_tokens

# The "every ..." grammar. Words are English (`words.py` gives a reminder in another language as English words); rrule parts are the standard RFC 5545 ones (the day and month
# names above are shared with reading one moment).
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
            "eleven": 11, "twelve": 12}
_UNITS = {"day": "DAILY", "days": "DAILY", "week": "WEEKLY", "weeks": "WEEKLY", "month": "MONTHLY",
          "months": "MONTHLY", "year": "YEARLY", "years": "YEARLY"}
_NUMBERED_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?")
_TIME_TOKEN = re.compile(r"(\d{1,2})(?:(?::|h|\.)(\d{2})|h)?((?:a|p)\.?m\.?)?")
_HALF_DAY = re.compile(r"([ap])\.?m\.?")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")


def starts_recurring(text: str) -> bool:
    """Whether a reminder opens with "every" (or "chaque", "каждый", "cada", "كل", "每" …)."""
    first = english_tokens(text[:40])[:1]
    return bool(first) and first[0][0] == "every"


class RecurrenceReader:
    """Reads "every <days> [at <time>]" from the start of a reminder; `end` is where its last word ends."""

    def __init__(self, text: str, today: date) -> None:
        self.tokens = english_tokens(text)  # in any of the bot's languages, as English words
        self.i = 0
        self.end = 0
        self.today = today

    def peek(self, ahead: int = 0) -> str | None:
        index = self.i + ahead
        return self.tokens[index][0] if index < len(self.tokens) else None

    def take(self, *words: str) -> str | None:
        word = self.peek()
        if word is None or (words and word not in words):
            return None
        self.end = self.tokens[self.i][1]
        self.i += 1
        return word

    def read(self) -> tuple[str, tuple[int, int], int] | None:
        self.take("every")
        parts = self._days()
        if parts is None:
            return None
        clock = self._clock() or RECURRING_TIME
        return ";".join(parts), clock, self.end

    # -- which days

    def _days(self) -> list[str] | None:
        interval = 1
        if self.take("other"):
            interval = 2
        elif (n := self._number(self.peek())) is not None and self.peek(1) in _UNITS:
            self.take()
            interval = n
        word = self.peek()
        if word in _UNITS:
            self.take()
            return self._unit(_UNITS[word], interval)
        if interval == 1 and word in ("weekday", "weekdays"):
            self.take()
            return ["FREQ=WEEKLY", "BYDAY=" + ",".join(WEEKDAYS)]
        if word in ("weekend", "weekends"):
            self.take()
            return self._freq("WEEKLY", interval) + ["BYDAY=SA,SU"]
        if word in DAYS:
            return self._freq("WEEKLY", interval) + ["BYDAY=" + ",".join(self._day_list())]
        if interval == 1 and word in _ORDINALS:
            return self._ordinal_of_month()
        if interval == 1 and (day_month := self._day_and_month()):
            return ["FREQ=YEARLY", f"BYMONTH={day_month[1]}", f"BYMONTHDAY={day_month[0]}"]
        if interval == 1 and word is not None and (day := self._month_day(word)) is not None:
            self.take()
            # A bare number needs "of the month": "every 15 minutes" is not the 15th of each month.
            if not self._of_the_month() and number(word) is not None:
                return None
            return ["FREQ=MONTHLY", f"BYMONTHDAY={day}"]
        return None

    @staticmethod
    def _number(word: str | None) -> int | None:
        if word is None:
            return None
        n = number(word, high=MAX_INTERVAL) or _NUMBERS.get(word)
        return n if n is not None and 1 <= n <= MAX_INTERVAL else None

    @staticmethod
    def _freq(freq: str, interval: int) -> list[str]:
        return [f"FREQ={freq}"] + ([f"INTERVAL={interval}"] if interval > 1 else [])

    def _unit(self, freq: str, interval: int) -> list[str] | None:
        parts = self._freq(freq, interval)
        if freq == "DAILY":
            return parts
        on = self.take("on")
        if freq == "WEEKLY":
            if on and self.peek() in DAYS:
                return parts + ["BYDAY=" + ",".join(self._day_list())]
            return None if on else parts + ["BYDAY=" + DAY_CODES[self.today.weekday()]]
        if freq == "MONTHLY":
            if not on:
                return parts + [f"BYMONTHDAY={self.today.day}"]
            self.take("the")
            word = self.peek()
            if word in _ORDINALS and self.peek(1) in DAYS:
                ordinal = _ORDINALS[word]
                self.take()
                return parts + [f"BYDAY={ordinal:+d}{DAYS[self.take() or '']}"]
            if word == "last" and self.peek(1) == "day":
                self.take(), self.take()
                return parts + ["BYMONTHDAY=-1"]
            if word is not None and (day := self._month_day(word)) is not None:
                self.take()
                return parts + [f"BYMONTHDAY={day}"]
            return None
        # YEARLY
        if not on:
            return parts + [f"BYMONTH={self.today.month}", f"BYMONTHDAY={self.today.day}"]
        day_month = self._day_and_month()
        return parts + [f"BYMONTH={day_month[1]}", f"BYMONTHDAY={day_month[0]}"] if day_month else None

    def _day_list(self) -> list[str]:
        days = {DAYS[self.take() or ""]}
        while True:
            if self.peek() in (",", "and") and self.peek(1) in DAYS:
                self.take()
            elif self.peek() == "," and self.peek(1) == "and" and self.peek(2) in DAYS:
                self.take(), self.take()
            else:
                break
            days.add(DAYS[self.take() or ""])
        return [code for code in DAY_CODES if code in days]

    def _ordinal_of_month(self) -> list[str] | None:
        ordinal = _ORDINALS[self.peek() or ""]
        if self.peek(1) in DAYS:
            self.take()
            code = DAYS[self.take() or ""]
            self._of_the_month()
            return ["FREQ=MONTHLY", f"BYDAY={ordinal:+d}{code}"]
        if self.peek(1) == "day" and ordinal in (1, -1):  # "every first day / last day of the month"
            self.take(), self.take()
            self._of_the_month()
            return ["FREQ=MONTHLY", f"BYMONTHDAY={ordinal}"]
        return None

    def _of_the_month(self) -> bool:
        if self.peek() == "of" and self.peek(1) in ("the", "every", "each") and self.peek(2) == "month":
            self.take(), self.take(), self.take()
            return True
        return False

    @staticmethod
    def _month_day(word: str) -> int | None:
        match = _NUMBERED_DAY.fullmatch(word)
        return int(match[1]) if match and 1 <= int(match[1]) <= 31 else None

    def _day_and_month(self) -> tuple[int, int] | None:
        """"29 February", "the 29th of February", "February 29" -> (29, 2), for a date that exists in some year."""
        start, end = self.i, self.end
        self.take("the")
        first = self.peek()
        day = month = None
        if first is not None and (day := self._month_day(first)) is not None:
            self.take()
            self.take("of")
            month = MONTHS.get(self.peek() or "")
        elif first in MONTHS:
            self.take()
            month = MONTHS[first]
            day = self._month_day(self.peek() or "")
        if day is not None and month is not None:
            try:
                date(2000, month, day)  # a leap year: 29 February is allowed
            except ValueError:
                pass
            else:
                self.take()
                return day, month
        self.i, self.end = start, end
        return None

    # -- what time

    def _clock(self) -> tuple[int, int] | None:
        start, end = self.i, self.end
        at = self.take("at") is not None
        word = self.peek()
        if word in CLOCK_WORDS:
            self.take()
            return CLOCK_WORDS[word]
        match = _TIME_TOKEN.fullmatch(word or "")
        if match:
            hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
            has_minutes = match[2] is not None or word.endswith("h")  # type: ignore[union-attr]
            if half is None and (m := _HALF_DAY.fullmatch(self.peek(1) or "")):
                half = m[0]
                self.take()
            if half is not None or has_minutes or at:
                clock = twelve_hour(hour, minute, half[0] if half else None)
                if clock is not None:
                    self.take()
                    return clock
        self.i, self.end = start, end
        return None

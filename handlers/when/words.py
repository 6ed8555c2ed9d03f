"""The words of a repeating reminder in the bot's six languages, read as the English grammar's words.

The "every …" grammar (`recurrence.py`) reads English words. A reminder written in French, Russian, Spanish,
Arabic or Chinese ("chaque lundi 9h", "каждый понедельник в 9:00", "cada lunes a las 9", "كل يوم اثنين الساعة 9",
"每周一9点") is first cut into the same English words, each remembering where its original ends in the text, so
that what follows the rule stays exactly as the member typed it. A word none of the tables know is passed on as
it is: English words are read as before, and anything else ends the rule there.

One moment is read by dateparser in the member's language first; what it cannot read there ("vendredi
prochain", "el viernes que viene", "بعد أسبوعين", "两周后") is cut the same way, with a few more words
(`english_moment`), and read as English.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from handlers.when.common import MONTH_NAMES

Token = tuple[str, int]  # (English word, where the original ends in the text)
Reading = str | Callable[[re.Match[str], list[Token]], str]

_TOKEN = re.compile(r"\d{1,2}:\d{2}|[^\s,:、，]+|[,:、，]")
_END = r"(?![^\W\d_])"  # a word of a spaced script ends here (digits may follow in "9h")

_DAY_WORDS = {
    "monday": r"lundis?|понедельник(?:и|ам)?|lunes|(?:ال)?(?:اثنين|إثنين)",
    "tuesday": r"mardis?|вторник(?:и|ам)?|martes|(?:ال)?ثلاثاء",
    "wednesday": r"mercredis?|сред(?:а|у|ы|ам)|mi[ée]rcoles|(?:ال)?(?:أربعاء|اربعاء)",
    "thursday": r"jeudis?|четверг(?:и|ам)?|jueves|(?:ال)?خميس",
    "friday": r"vendredis?|пятниц(?:а|у|ы|ам)|viernes|(?:ال)?جمعة",
    "saturday": r"samedis?|суббот(?:а|у|ы|ам)|s[áa]bados?|(?:ال)?سبت",
    "sunday": r"dimanches?|воскресень(?:е|я|ям)|domingos?|(?:ال)?(?:أحد|احد)",
}
_CHINESE_DAYS = {"一": "monday", "二": "tuesday", "三": "wednesday", "四": "thursday", "五": "friday",
                 "六": "saturday", "日": "sunday", "天": "sunday", "1": "monday", "2": "tuesday", "3": "wednesday",
                 "4": "thursday", "5": "friday", "6": "saturday", "7": "sunday"}
_CHINESE_NUMBERS = {"两": "2", "二": "2", "三": "3", "四": "4", "第一": "first", "第二": "second", "第三": "third",
                    "第四": "fourth", "最后一": "last", "第1": "first", "第2": "second", "第3": "third", "第4": "fourth"}
_CHINESE_UNITS = {"天": "days", "周": "weeks", "星期": "weeks", "礼拜": "weeks", "月": "months", "年": "years"}
_WEEKDAY_AFTER = r"(?=\s+(?:ال)?(?:اثنين|إثنين|ثلاثاء|أربعاء|اربعاء|خميس|جمعة|سبت|أحد|احد))"  # "يوم الجمعة"
_WEEK = r"(?:周|星期|礼拜)"


def _clock(hour: str, minute: str | None, later: bool = False) -> str:
    """ "at H:MM" as the grammar reads it; an evening hour ("в 7 вечера") is p.m. An hour no clock shows is
    passed on as typed, for the grammar to refuse."""
    h, m = int(hour) + (12 if later and int(hour) < 12 else 0), int(minute or 0)
    return f"at {h}:{m:02d}"


def _chinese_clock(m: re.Match[str], _tokens: list[Token]) -> str:
    return _clock(m[2], "30" if m[4] else m[3], later=m[1] in ("下午", "晚上"))


def _months_or_of_the_month(_m: re.Match[str], tokens: list[Token]) -> str:
    # "каждые 2 месяца" (every 2 months), but "каждый первый понедельник месяца" (… of the month)
    counted = bool(tokens) and (tokens[-1][0].isdigit() or tokens[-1][0] in ("two", "three", "four"))
    return "months" if counted else "of the month"


# (pattern, English words); tried in order at each word, so longer phrases come first.
_TABLE: list[tuple[str, Reading]] = [
    # French
    (r"tous les jours|chaque jour", "every day"),
    (r"(?:tous les |chaque )?jours? (?:ouvrables?|ouvrés?|de semaine)|en semaine", "weekday"),
    (r"(?:tous les |chaque )?(?:week-?ends?|fins? de semaine)", "weekend"),
    (r"tous les|toutes les|chaque", "every"),
    (r"premi(?:er|ère)|1er|1re", "first"), (r"deuxième|second(?:e)?", "second"), (r"troisième", "third"),
    (r"quatrième", "fourth"), (r"cinquième", "fifth"), (r"derni(?:er|ère)", "last"),
    (r"du mois", "of the month"), (r"jours?", "days"), (r"semaines?", "weeks"), (r"mois", "months"),
    (r"ans|années?", "years"), (r"jusqu'(?:au|à|en)|jusqu’(?:au|à|en)", "until"),
    (r"(?:à|vers)\s+(\d{1,2})\s*(?:h(?:eures?)?)\s*(\d{2})?", lambda m, t: _clock(m[1], m[2])),
    (r"(\d{1,2})\s*heures?(?:\s*(\d{2}))?", lambda m, t: _clock(m[1], m[2])),
    (r"à midi", "at noon"), (r"à minuit", "at midnight"), (r"à", "at"), (r"le", "on"), (r"et", "and"),
    (r"deux", "two"), (r"trois", "three"), (r"quatre", "four"),
    # Russian
    (r"ежедневно", "every day"),
    (r"по будням|в будни|по рабочим дням", "every weekday"), (r"по выходным", "every weekend"),
    (r"кажд(?:ый|ое|ые) (?:будн(?:ий|ие)|рабоч(?:ий|ие)) д(?:ень|ни)", "every weekday"),
    (r"кажд(?:ый|ую|ое|ые|ого)", "every"), (r"будн(?:ий|ие) д(?:ень|ни)|будни", "weekday"),
    (r"выходные", "weekend"), (r"по", "every"),
    (r"перв(?:ый|ую|ое|ого)", "first"), (r"втор(?:ой|ую|ое|ого)", "second"),
    (r"трет(?:ий|ью|ье|ьего)", "third"), (r"четв[её]рт(?:ый|ую|ое|ого)", "fourth"), (r"пят(?:ый|ую|ое|ого)", "fifth"),
    (r"последн(?:ий|юю|ее|его)", "last"), (r"месяца", _months_or_of_the_month),
    (r"д(?:ень|ня|ней)", "days"), (r"недел(?:я|ю|и|ь)", "weeks"), (r"месяц(?:ев)?", "months"),
    (r"год(?:а)?|лет", "years"),
    (r"в\s+(\d{1,2})(?::(\d{2}))?\s*(?:вечера|дня)", lambda m, t: _clock(m[1], m[2], later=True)),
    (r"в\s+(\d{1,2})(?::(\d{2}))?(?:\s*(?:час(?:а|ов)?|утра))?", lambda m, t: _clock(m[1], m[2])),
    (r"в полдень", "at noon"), (r"в полночь", "at midnight"), (r"до", "until"), (r"и", "and"),
    (r"в(?=\s+(?:понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье))", "on"),
    (r"(\d{1,2})(?:-?го)?\s+числа", lambda m, t: f"on {m[1]}"),
    (r"два|две", "two"), (r"три", "three"), (r"четыре", "four"),
    # Spanish
    (r"(?:todos los |cada )?d[íi]as? (?:laborables?|hábiles?|habiles?)|entre semana", "every weekday"),
    (r"todos los días|todos los dias|cada día|cada dia|diariamente|a diario", "every day"),
    (r"(?:todos los |cada )?fines? de semana", "every weekend"),
    (r"todos los|todas las|cada", "every"),
    (r"primer(?:o|a)?", "first"), (r"segund(?:o|a)", "second"), (r"tercer(?:o|a)?", "third"),
    (r"cuart(?:o|a)", "fourth"), (r"quint(?:o|a)", "fifth"), (r"[úu]ltim(?:o|a)", "last"),
    (r"del mes", "of the month"), (r"d[íi]as?", "days"), (r"semanas?", "weeks"), (r"mes(?:es)?", "months"),
    (r"a[ñn]os?", "years"), (r"hasta(?: el)?", "until"),
    (r"a\s+las?\s+(\d{1,2})(?::(\d{2}))?\s*de la (?:tarde|noche)", lambda m, t: _clock(m[1], m[2], later=True)),
    (r"a\s+las?\s+(\d{1,2})(?::(\d{2}))?(?:\s*(?:horas?|de la mañana))?", lambda m, t: _clock(m[1], m[2])),
    (r"al? mediod[íi]a", "at noon"), (r"a medianoche", "at midnight"), (r"el", "on"), (r"y", "and"),
    (r"dos", "two"), (r"tres", "three"), (r"cuatro", "four"),
    # Arabic
    (r"يومياً|يوميا", "every day"),
    (r"كل\s+يوم" + _WEEKDAY_AFTER, "every"),
    (r"أيام العمل|ايام العمل|أيام الأسبوع", "weekday"), (r"عطلة نهاية الأسبوع|نهاية الأسبوع", "weekend"),
    (r"كل", "every"), (r"يوم", "day"), (r"أيام|ايام", "days"), (r"أسبوعين|اسبوعين", "2 weeks"),
    (r"أسبوع|اسبوع", "week"), (r"شهرين", "2 months"), (r"شهر", "month"), (r"سنة|عام", "year"),
    (r"أول|اول", "first"), (r"ثاني", "second"), (r"ثالث", "third"), (r"رابع", "fourth"), (r"آخر|اخر", "last"),
    (r"من (?:كل )?(?:ال)?شهر", "of the month"), (r"حتى", "until"),
    (r"(?:في\s+)?(?:ال)?ساعة\s*(\d{1,2})(?::(\d{2}))?\s*(?:مساءً|مساء)", lambda m, t: _clock(m[1], m[2], later=True)),
    (r"(?:في\s+)?(?:ال)?ساعة\s*(\d{1,2})(?::(\d{2}))?(?:\s*(?:صباحاً|صباحا))?", lambda m, t: _clock(m[1], m[2])),
    (r"و(?=ال|يوم)", "and"),
]
_TABLE += [(pattern, day) for day, pattern in _DAY_WORDS.items()]
# Chinese is written without spaces: these match wherever a word begins, with no end of word to wait for.
_CHINESE: list[tuple[str, Reading]] = [
    (r"每天|每日|天天", "every day"), (r"每个?工作日|工作日", "every weekday"), (r"每个?周末|周末", "weekend"),
    (r"每个?" + _WEEK + r"([一二三四五六日天1-7])", lambda m, t: "every " + _CHINESE_DAYS[m[1]]),
    (r"每隔?(\d{1,2}|两|二|三|四)个?(天|周|星期|礼拜|月|年)",
     lambda m, t: f"every {_CHINESE_NUMBERS.get(m[1], m[1])} {_CHINESE_UNITS[m[2]]}"),
    (r"每个?月的?(第[一二三四1-4]|最后一)个?" + _WEEK + r"([一二三四五六日天1-7])",
     lambda m, t: f"every month on {_CHINESE_NUMBERS[m[1]]} {_CHINESE_DAYS[m[2]]}"),
    (r"每个?月的?(\d{1,2})[号日]", lambda m, t: f"every month on {m[1]}"),
    (r"每个?月", "every month"), (r"每年", "every year"), (r"每个?" + _WEEK, "every week"),
    (_WEEK + r"([一二三四五六日天1-7])", lambda m, t: _CHINESE_DAYS[m[1]]),
    (r"(上午|早上|中午|下午|晚上)?(\d{1,2})[点點时時](?:(\d{1,2})分?|(半))?", _chinese_clock),
    (r"和|、", "and"), (r"直到|到", "until"),
]
_READINGS = [(re.compile(f"(?:{p}){_END}", re.IGNORECASE), r) for p, r in _TABLE] + \
            [(re.compile(p), r) for p, r in _CHINESE]

# One moment ("vendredi prochain", "dentro de dos semanas", "в следующую пятницу", "بعد أسبوعين", "两周后"): the
# phrases dateparser does not read in those languages, as the English it reads. Tried before the table above.
_NUMBERS = {"un": 1, "une": 1, "uno": 1, "una": 1, "deux": 2, "dos": 2, "два": 2, "две": 2, "trois": 3, "tres": 3,
            "три": 3, "quatre": 4, "cuatro": 4, "четыре": 4, "cinq": 5, "cinco": 5, "пять": 5, "seis": 6,
            "шесть": 6, "huit": 8, "ocho": 8, "восемь": 8, "dix": 10, "diez": 10, "десять": 10, "quinze": 15,
            "quince": 15, "ثلاثة": 3, "ثلاث": 3, "أربعة": 4, "أربع": 4, "خمسة": 5, "خمس": 5, "عشرة": 10}
_CHINESE_DIGITS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CHINESE_MOMENT_UNITS = {**_CHINESE_UNITS, "分钟": "minutes", "小时": "hours", "钟头": "hours", "日": "days"}


def _chinese_number(text: str) -> int:
    """ "3", "三", "十", "十五", "二十" as a number."""
    if text.isdigit():
        return int(text)
    tens, _ten, units = text.rpartition("十")
    if not _ten:
        return _CHINESE_DIGITS[text]
    return _CHINESE_DIGITS.get(tens, 1) * 10 + _CHINESE_DIGITS.get(units, 0)


def _hours_or_clock(m: re.Match[str], tokens: list[Token]) -> str:
    """ "dans 2 heures" is a while, "vers 2 heures" a time of day."""
    return f"{m[1]} hours" if tokens and tokens[-1][0] == "in" else _clock(m[1], m[2])


_MOMENT_TABLE: list[tuple[str, Reading]] = [
    (r"après-demain|pasado mañana|послезавтра|بعد غد", "in 2 days"), (r"demain|mañana|завтра|غدًا|غداً|غدا", "tomorrow"),
    (r"aujourd'hui|aujourd’hui|hoy|сегодня|اليوم", "today"),
    (r"dans|dentro de|en|через|بعد|خلال|في غضون", "in"),
    (r"prochaine?s?|pr[óo]xim[oa]s?|que viene|следующ(?:ий|ую|ее|ая|ей|его)|(?:ال)?(?:مقبلة?|قادمة?)", "next"),
    # Words that only frame the date: "le 15 mars", "el viernes", "в следующую пятницу", "يوم الجمعة".
    (r"le|la|l'|l’|d'ici|d’ici|el|para el|para|в(?=\s+следующ)|на(?=\s+следующ)|к|до|قبل|بحلول", ""),
    (r"يوم" + _WEEKDAY_AFTER, ""),
    (r"(\d{1,3})\s*heures?(?:\s*(\d{2}))?", _hours_or_clock), (r"heures?|horas?|час(?:а|ов)|ساعات", "hours"),
    (r"час|ساعة(?!\s*\d)", "1 hour"), (r"ساعتين", "2 hours"), (r"يومين", "2 days"), (r"شهرين", "2 months"),
    (r"minutes?|minutos?|минут[уы]?|دقيقة|دقائق", "minutes"), (r"semaine|semana|неделе|الأسبوع|الاسبوع", "week"),
    (r"неделю|أسبوع|اسبوع", "1 week"), (r"أسابيع|اسابيع", "weeks"), (r"mois(?=\s+prochain)|mes|الشهر", "month"),
    (r"месяц|شهر", "1 month"), (r"أشهر|شهور", "months"), (r"день", "1 day"),
    ("|".join(sorted(_NUMBERS, key=len, reverse=True)), lambda m, t: str(_NUMBERS[m[0].casefold()])),
]
_CHINESE_NUMBER = r"(\d{1,3}|[一两二三四五六七八九十]{1,3})"
_CHINESE_MOMENT: list[tuple[str, Reading]] = [
    (r"后天", "in 2 days"), (r"明天|明日", "tomorrow"), (r"今天|今日", "today"),
    (_CHINESE_NUMBER + r"个?(分钟|小时|钟头|天|日|周|星期|礼拜|月|年)(?:后|以后|之后)",
     lambda m, t: f"in {_chinese_number(m[1])} {_CHINESE_MOMENT_UNITS[m[2]]}"),
    (r"下个?" + _WEEK + r"([一二三四五六日天1-7])", lambda m, t: "next " + _CHINESE_DAYS[m[1]]),
    (r"下个?" + _WEEK, "next week"), (r"下个?月", "next month"), (r"明年", "next year"),
    (r"(\d{1,2})月(\d{1,2})[日号]", lambda m, t: f"{m[2]} {MONTH_NAMES[int(m[1]) - 1]}" if 1 <= int(m[1]) <= 12
     else m[0]),
]
_MOMENT_READINGS = [(re.compile(f"(?:{p}){_END}", re.IGNORECASE), r) for p, r in _MOMENT_TABLE] + \
                   [(re.compile(p), r) for p, r in _CHINESE_MOMENT]
_NEXT_AFTER = frozenset({*_DAY_WORDS, "week", "month", "year"})


def ascii_digits(text: str) -> str:
    """Digits of any script as ASCII ones, one character for one: "٩:٣٠" and "９:３０" read as 9:30."""
    return "".join(str(unicodedata.digit(c)) if not c.isascii() and c.isdecimal() else c for c in text)


def english_moment(text: str) -> str:
    """One moment typed in any of the bot's languages as English words ("vendredi prochain à 10h" -> "next friday
    at 10:00"), for dateparser to read when it cannot read the original. Words no table knows stay as typed."""
    words = [word for word, _end in english_tokens(text, readings=_MOMENT_READINGS + _READINGS)]
    for i in range(1, len(words)):
        if words[i] == "next" and words[i - 1] in _NEXT_AFTER:  # "vendredi prochain": "next friday"
            words[i - 1], words[i] = words[i], words[i - 1]
    return " ".join(words)


def english_tokens(text: str, readings: list[tuple[re.Pattern[str], Reading]] = _READINGS) -> list[Token]:
    """The words of `text` as the English "every …" grammar reads them, each with where its original ends."""
    text = ascii_digits(text)
    tokens: list[Token] = []
    at = 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return tokens
        for pattern, reading in readings:
            found = pattern.match(text, at)
            if found:
                words = reading if isinstance(reading, str) else reading(found, tokens)
                tokens += [(word, found.end()) for word in words.split()]
                at = found.end()
                break
        else:
            word = _TOKEN.match(text, at)
            assert word is not None  # at a character that is not a space, one of its branches matches
            tokens.append((word[0].casefold(), word.end()))
            at = word.end()

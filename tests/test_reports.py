"""Organisers' reports as an organiser meets them in the console: /report (a summary, then a chart a message with its
figures in words), /report csv, and /report meeting (one HTML document for outsiders), over a known data set. The
numbers behind each chart are checked against that data set; the small-numbers rule in every output; nobody named
in the meeting's outcome; every bad input answered, and nothing shown to members."""

from __future__ import annotations

import csv
import io
import re
import struct
import warnings
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.reports import charts, report
from handlers.reports.privacy import Hidden, hide_small
from storage.practices import Draft
from tests.conftest import plain
from tests.storage.test_sessions import new_session

DAY = 86400
PNG = b"\x89PNG\r\n\x1a\n"
NAMES = ("Zora Quill", "Yusuf Tamarind", "Xenia Larkspur", "Wim Juniper", "Vera Solstice", "Ugo Marble")
SYNC = {"default_lead": 15, "followup_after": 600}


class Moment:
    """The console's clock as the storage tests' helpers read it: now in seconds, and a later moment."""

    def __init__(self, bot) -> None:
        self.now = int(bot.clock.now.timestamp())

    def later(self, *, hours: float = 0, days: float = 0) -> int:
        return int(self.now + hours * 3600 + days * DAY)


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG)
    return struct.unpack(">II", png[16:24])


def ids(bot, kind: str, label: str) -> str:
    return bot.core.services.network.find(kind, label).id


async def seed(bot) -> dict:
    """A network whose figures are known: Amina (organiser) and six members, in the week of 16 November 2026
    (the console's clock reads Monday 23 November 2026, 09:00 UTC)."""
    await bot.join("admin", name="Amina")
    now = Moment(bot).now
    members = []
    for handle, name in zip(("m1", "m2", "m3", "m4", "m5", "m6"), NAMES, strict=True):
        member = await bot.repos.members.create("console", handle, now=now)
        await bot.repos.members.set_field(member.id, "display_name", name, now=now)
        members.append(member.id)
    at = now - 5 * DAY  # Wednesday 18 November
    detention, health, data = (ids(bot, "theme", t) for t in ("Detention", "Access to health",
                                                               "Countering online hate speech"))
    west, north = ids(bot, "region", "Western Europe"), ids(bot, "region", "Northern Africa")
    commitments = bot.repos.commitments

    async def commit(member: int, theme: str | None, region: str | None, visibility: str = "network") -> int:
        return await commitments.create(member, "something", due_at=at + 2 * DAY, theme=theme, region=region,
                                        visibility=visibility, now=at)

    # Detention in Western Europe: four members, four commitments, three of them done.
    made = [await commit(m, detention, west) for m in members[:4]]
    for number, member in zip(made[:3], members[:3], strict=True):
        await commitments.set_status(number, member, "done", at + DAY)
    # Online hate speech in Northern Africa: one member, one commitment: a small number.
    await commit(members[4], data, north)
    # Access to health: one member made five (too few members behind them to show them).
    for _ in range(5):
        await commit(members[5], health, west)
    # "Just me": three, counted in the totals only.
    for m in members[:3]:
        await commit(m, detention, west, visibility="private")
    return {"members": members, "at": at, "detention": detention, "health": health, "data": data, "west": west,
            "north": north}


@pytest.fixture
async def seeded(bot, monkeypatch):
    data = await seed(bot)
    drawn: list = []
    real = charts.table_chart

    def watching(table, **kwargs):
        png = real(table, **kwargs)
        drawn.append((table, png))
        return png

    monkeypatch.setattr(charts, "table_chart", watching)
    data["drawn"] = drawn
    return bot, data


def table(drawn, name: str):
    return next(t for t, _png in drawn if t.name == name)


def cells(found) -> dict[str, tuple]:
    return {row.label: row.values for row in found.rows}


async def test_the_report_summarises_then_sends_a_chart_a_message_drawn_from_the_data(seeded):
    bot, data = seeded
    replies = await bot.say("admin", "/report")
    summary = plain(replies[:1]).replace("\u2009", " ")
    assert "Oct 26 – Nov 23, 2026" in summary
    # 4 + 1 + 5 + 3 private = 13 made, 3 done; every one made on the 18th, due on the 20th: 10 overdue now.
    assert "Commitments made: 13 · done: 3 · dropped: 0 · overdue now: 10" in summary
    assert "Of those made, 3 are kept to their members" in summary
    assert [b.label for b in replies[0].button_list()] == ["CSV files"]
    pictures = [r.attachment for r in replies[1:]]
    assert all(p is not None and p.mime == "image/png" for p in pictures)
    assert {p.filename for p in pictures} == {"commitments-over-time.png", "commitments-by-theme.png",
                                              "commitments-by-region.png"}  # no searches, sessions nor practices
    for picture in pictures:
        assert png_size(picture.content) == (800, 450) and 10_000 < len(picture.content) < 500_000
    drawn = data["drawn"]
    weeks = table(drawn, "commitments-over-time")
    assert [row.key for row in weeks.rows] == ["2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]
    assert weeks.rows[3].values == (13, 3, 0, 10, 0) and all(v == 0 for r in weeks.rows[:3] for v in r.values)
    by_theme = cells(table(drawn, "commitments-by-theme"))
    # Private ones are in no theme; access to health comes from one member: hidden whole; online hate speech is a
    # single commitment: fewer than 3; detention's one overdue too. 3 of 4 done is 75%.
    assert by_theme["Detention"] == (4, 3, 0, "fewer than 3", 75)
    assert by_theme["Access to health"] == ("from fewer than 3 members", 0, 0, "from fewer than 3 members", "–")
    assert by_theme["Countering online hate speech"] == ("fewer than 3", 0, 0, "fewer than 3", "–")
    by_region = cells(table(drawn, "commitments-by-region"))
    # Northern Africa's single commitment is hidden; as the total and the private ones are shown, Western Europe's
    # 9 would give it away (13 - 3 - 9): it is withheld with it.
    assert by_region["Western Europe"] == ("withheld", 3, 0, "withheld", "–")
    assert by_region["Northern Africa"] == ("fewer than 3", 0, 0, "fewer than 3", "–")
    # Each chart comes with its figures in words: the text alternative.
    words = {r.attachment.filename: plain([r]) for r in replies[1:]}
    assert "Western Europe: Made withheld, Done 3, Dropped 0, Overdue now withheld, Done (%) –" in \
        words["commitments-by-region.png"]
    assert "Countering online hate speech: Made fewer than 3" in words["commitments-by-theme.png"]


async def test_narrowed_to_a_theme_private_commitments_count_nowhere(seeded):
    bot, data = seeded
    summary = plain((await bot.say("admin", "/report quarter theme:Detention"))[:1])
    assert "theme Detention" in summary
    assert "Commitments made: 4 · done: 3" in summary  # the three "just me" ones are not in a theme's total
    assert "kept to their members" not in summary
    weeks = table(data["drawn"], "commitments-over-time")
    assert len(weeks.rows) == 13  # a quarter: this week and the twelve before, week by week


async def test_csv_files_parse_back_to_the_figures_with_the_rule_applied(seeded):
    bot, data = seeded
    await bot.say("admin", "/report")
    replies = await bot.press("admin", "CSV files")
    files = {r.attachment.filename: r.attachment for r in replies if r.attachment is not None}
    assert set(files) == {"commitments-over-time.csv", "commitments-by-theme.csv", "commitments-by-region.csv",
                          "partner-searches.csv", "sessions.csv", "toolbox.csv"}
    charted = {t.name: t for t, _png in data["drawn"]}
    for name, file in files.items():
        assert file.mime == "text/csv"
        rows = list(csv.reader(io.StringIO(file.content.decode("utf-8-sig"))))
        assert len(set(map(len, rows))) == 1  # a header row, and as many cells in every row
        if name.removesuffix(".csv") in charted:  # the same figures as the chart's
            drawn = charted[name.removesuffix(".csv")]
            assert rows[0] == [drawn.heading, *drawn.columns]
            assert rows[1:] == [[row.key, *(str(v) for v in row.values)] for row in drawn.rows]
        else:  # no search, session nor practice: a header, and nothing under it
            assert len(rows) == 1
    weeks = list(csv.DictReader(io.StringIO(files["commitments-over-time.csv"].content.decode("utf-8-sig"))))
    assert [w["Week of"] for w in weeks] == ["2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]
    assert weeks[3]["Made"] == "13"
    by_region = {r["Region"]: r for r in csv.DictReader(io.StringIO(
        files["commitments-by-region.csv"].content.decode("utf-8-sig")))}
    assert by_region["Northern Africa"]["Made"] == "fewer than 3"
    assert (await bot.text("admin", "/report csv year")).count("CSV") >= 1  # typed, too


async def test_the_rule_is_configurable_and_one_shows_every_count(bot):
    import dataclasses

    bot.core.services.network = dataclasses.replace(bot.core.services.network, report_fewer_than=1)
    await seed(bot)
    text = await bot.text("admin", "/report")
    assert "fewer than" not in text and "withheld" not in text and "–" not in text.split("Commitments by theme")[1]
    assert "Countering online hate speech: Made 1" in text


async def test_members_cannot_see_reports_and_bad_input_changes_nothing(seeded):
    bot, _data = seeded
    code = (await bot.text("admin", "/invite")).split("Invite code: ")[1].split()[0]
    await bot.join("bob", code=code, name="Bob")
    assert await bot.text("bob", "/report") == "Only organisers can do that."
    assert await bot.text("bob", "/report meeting 1") == "Only organisers can do that."
    assert "I don't understand “decade”" in await bot.text("admin", "/report decade")
    assert "I don't understand" in await bot.text("admin", "/report month year")
    assert "no theme “Nope”" in await bot.text("admin", "/report theme:Nope")
    assert "no region “<b>x</b>”" in await bot.text("admin", "/report region:<b>x</b>")
    assert "Which sessions made the meeting?" in await bot.text("admin", "/report meeting")
    assert "There is no session #999." in await bot.text("admin", "/report meeting 999")
    assert "I don't understand “99999999999999999999”" in await bot.text("admin",
                                                                          "/report meeting 99999999999999999999")
    assert "I don't understand “2026-13-45”" in await bot.text("admin", "/report meeting 2026-13-45")
    assert "No session was held on 2026-11-01" in await bot.text("admin", "/report meeting 2026-11-01")
    long = await bot.text("admin", "/report " + "x" * 3000)
    assert "I don't understand" in long and len(long) < 600
    assert "too long" in await bot.text("admin", "/report " + "x" * 10_000)


async def test_the_csv_button_is_the_organisers_own(seeded):
    bot, _data = seeded
    code = (await bot.text("admin", "/invite")).split("Invite code: ")[1].split()[0]
    await bot.join("bob", code=code, name="Bob")
    await bot.say("admin", "/report")
    pressed_by_bob = await bot.press("admin", "CSV files", presser="bob")
    assert all(r.attachment is None for r in pressed_by_bob)
    first = await bot.press("admin", "CSV files")
    again = await bot.press("admin", "CSV files")  # pressed twice: the same files again, nothing else changes
    assert [r.attachment.filename for r in first if r.attachment] == \
        [r.attachment.filename for r in again if r.attachment]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.parts.append(data)


async def meeting_data(bot, data) -> list[int]:
    """Two sessions of one day, followed and attended, with commitments, an introduction, a practice, and what
    participants want next (some before the question said it may be quoted)."""
    members, clock, repos = data["members"], Moment(bot), bot.repos
    opening = await new_session(repos, clock, "Opening <script>alert(1)</script>", starts_in_hours=-48,
                                themes=(data["detention"],))
    clinic = await new_session(repos, clock, "Legal clinic", starts_in_hours=-45)
    for member in members:
        await repos.sessions.subscribe(opening, member, clock.now, **SYNC)
        await repos.sessions.record_attendance(opening, member, True, clock.now)
    for member in members[:4]:
        number = await repos.commitments.create(member, "x", due_at=None, theme=data["detention"],
                                                region=data["west"], visibility="network", now=clock.now)
        await repos.sessions.link_commitment(number, opening)
    private = await repos.commitments.create(members[4], "x", due_at=None, theme=data["health"],
                                             region=data["north"], visibility="private", now=clock.now)
    await repos.sessions.link_commitment(private, clinic)
    search = await repos.partners.create_request(members[0], theme=data["detention"], region=data["west"],
                                                 language=None, note="", proposals=[(members[1], {})],
                                                 now=clock.now)
    first, = await repos.partners.send(search, members[0], [(members[1], {}, True)], note="", now=clock.now,
                                       expires_at=clock.now + 7 * DAY)
    await repos.partners.answer(first, "b", "accepted", clock.now, follow_up_at=clock.now + 8 * DAY)
    practice = await repos.practices.create(members[0], Draft("Myth-busting cards", "Cards.",
                                                              themes=(data["detention"],), session_id=opening),
                                            clock.now)
    await repos.practices.review(practice, "approved", members[0], None, clock.now)
    for member, text in zip(members[:3], ("More on detention centres", "Legal aid for families",
                                          "Visits to detention"), strict=True):
        await repos.practices.add_feedback(opening, member, data["detention"], text, clock.now)
    await repos.practices.add_feedback(clinic, members[3], data["health"], "Clinics for people without papers",
                                       clock.now)
    await repos.db.execute("UPDATE session_feedback SET quotable = 0 WHERE text = ?", ("Visits to detention",))
    return [opening, clinic]


async def test_the_meeting_outcome_is_one_html_document_with_the_figures_and_no_names(seeded):
    bot, data = seeded
    opening, clinic = await meeting_data(bot, data)
    replies = await bot.say("admin", f"/report meeting {opening} {clinic}")
    assert "as one HTML document" in plain(replies)
    document = next(r.attachment for r in replies if r.attachment is not None)
    assert document.mime == "text/html" and document.filename == "meeting-outcome-2026-11-21.html"
    html = document.content.decode("utf-8")
    parsed = _Text()
    parsed.feed(html)
    text = " ".join(" ".join(parsed.parts).split())
    assert "script" not in parsed.tags and "Opening <script>alert(1)</script>" in text  # escaped, shown as text
    for name in (*NAMES, "Amina", "Ada"):  # members, and the sessions' moderator
        assert name not in html
    assert "Legal clinic" in text and "Myth-busting cards" in text
    # Commitments from the sessions: four on detention in Western Europe (four members), one "just me".
    assert "In all: 5." in text
    assert re.search(r"Detention 4 0 0 0 0", text)
    assert "Access to health" not in text.split("Commitments made at or after the sessions")[1].split(
        "Partnerships formed")[0]  # a private commitment is in the total only
    # Six followers and six who took part in the opening; one introduction: fewer than 3.
    assert re.search(r"#1 Opening <script>alert\(1\)</script> 6 6 0 withheld", text)  # the clinic's one
    assert re.search(r"#2 Legal clinic 0 0 0 fewer than 3", text)  # private commitment is fewer than 3
    assert re.search(r"Detention · Western Europe fewer than 3 0", text)
    # Wishes: three on detention (shown and quoted where allowed), one on health (fewer than 3, never quoted).
    assert re.search(r"Detention 3", text) and "Access to health fewer than 3" in text
    assert "More on detention centres" in text and "Legal aid for families" in text
    assert "Visits to detention" not in text  # given before the question said it may be quoted
    assert "Clinics for people without papers" not in text  # its theme counts fewer than 3
    assert html.count("data:image/png;base64,") == 2  # by theme and by region, inside the one file
    # A day names the sessions held on it (in the organiser's time zone).
    by_day = await bot.say("admin", "/report meeting 2026-11-21")
    assert any(r.attachment is not None for r in by_day)


async def test_the_meeting_document_is_written_in_the_organisers_language(seeded):
    bot, data = seeded
    opening, _clinic = await meeting_data(bot, data)
    await bot.say("admin", "/language ar")
    replies = await bot.say("admin", f"/report meeting {opening}")
    html = next(r.attachment for r in replies if r.attachment is not None).content.decode("utf-8")
    assert '<html lang="ar" dir="rtl">' in html


def test_charts_draw_every_un_language_without_missing_glyphs():
    from handlers.reports.charts import Series

    labels = ["拘留", "الاحتجاز", "Задержание", "Détention", "Detención", "Detention"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns of every glyph its fonts lack
        png = charts.bars("承诺 · التزامات · Обязательства", labels, [Series("已做", (3, 4, 5, 6, 7, 8))],
                          y_label="عدد", hidden_label="少于3")
    assert png_size(png) == (800, 450)


@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=12), st.integers(min_value=1, max_value=5))
def test_a_hidden_count_cannot_be_worked_out_from_a_column_and_its_total(counts, fewer_than):
    kept = hide_small(counts, fewer_than)
    hidden = [c for c, k in zip(counts, kept, strict=True) if isinstance(k, Hidden)]
    for count, k in zip(counts, kept, strict=True):
        if isinstance(k, int):
            assert k == count and (k == 0 or k >= fewer_than)
        elif k is Hidden.FEW:
            assert 0 < count < fewer_than
    # With the total known, the hidden ones add up to total - shown: when there is only one it is given away,
    # unless it is the only count that is not zero (then the total itself is the small number, hidden too).
    if len(hidden) == 1:
        assert sum(1 for c in counts if c) == 1


def test_a_period_covers_whole_weeks_or_months_up_to_now():
    now = 1_795_424_400  # Monday 23 November 2026, 09:00 UTC
    scope, bucket = report.period_scope(report.ReportRef("month"), now)
    assert bucket == "week" and scope.since == now - 9 * 3600 - 28 * DAY and scope.until == now + 1
    scope, bucket = report.period_scope(report.ReportRef("year"), now)
    assert bucket == "month" and scope.since == 1_764_547_200  # 1 December 2025


async def test_a_report_of_a_quiet_period_says_there_is_nothing_to_draw(bot):
    await bot.join("admin", name="Amina")
    replies = await bot.say("admin", "/report")
    assert len(replies) == 1 and "there is no chart to draw" in plain(replies)
    assert "Charts follow" not in plain(replies)

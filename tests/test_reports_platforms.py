"""Reports on Telegram and Discord: charts as photos with their figures as captions, CSV files and the meeting's
document as documents on Telegram; on Discord, every chart and file in an ephemeral reply that only the organiser
sees. Every call checked against the platform's pinned spec (sendPhoto's size and shape too)."""

from __future__ import annotations

import csv
import io

from tests.conftest import make_network
from tests.telegram_fake import png_size, visible_text
from tests.test_discord_adapter import discord_session
from tests.test_telegram_adapter import ADMIN, tg  # noqa: F401  (the fixture)

DAY = 86400


async def some_commitments(bot, member_ids: list[int], now: int) -> None:
    network = bot.core.services.network
    detention, west = network.find("theme", "Detention").id, network.find("region", "Western Europe").id
    for member in member_ids:
        for _ in range(3):
            await bot.repos.commitments.create(member, "x", due_at=None, theme=detention, region=west,
                                               visibility="network", now=now - DAY)


async def test_charts_go_as_photos_and_figures_as_documents_on_telegram(tg):  # noqa: F811
    await tg.join(ADMIN, "Amina")
    now = int(tg.bot.clock.now.timestamp())
    members = [(await tg.bot.repos.members.create("console", f"m{i}", now=now)).id for i in range(3)]
    await some_commitments(tg.bot, members, now)
    before = len(tg.api.calls)
    await tg.say(ADMIN, "/report")
    photos = [p for m, p in tg.api.calls[before:] if m == "sendPhoto"]
    assert len(photos) == 3  # over time, by theme, by region
    for photo in photos:
        assert png_size(photo["_content"]) == (800, 450)
        assert photo["_filename"].endswith(".png")
    captions = [visible_text(p["caption"], p.get("parse_mode"))[0] for p in photos]
    assert any("Detention: Made 9" in c for c in captions)  # the chart's figures in words, under it
    summary = [t for t in tg.api.texts(ADMIN) if "How the network keeps its word" in t]
    assert summary and "Commitments made: 9" in summary[-1]
    before = len(tg.api.calls)
    await tg.press(ADMIN, "CSV files")
    documents = [p for m, p in tg.api.calls[before:] if m == "sendDocument"]
    assert sorted(d["_filename"] for d in documents) == sorted(
        ["commitments-over-time.csv", "commitments-by-theme.csv", "commitments-by-region.csv",
         "partner-searches.csv", "sessions.csv", "toolbox.csv"])
    by_theme = next(d for d in documents if d["_filename"] == "commitments-by-theme.csv")
    rows = list(csv.reader(io.StringIO(by_theme["_content"].decode("utf-8-sig"))))
    assert rows[1][:3] == ["Detention", "9", "0"]


async def test_reports_are_ephemeral_attachments_on_discord(db_path):
    async with discord_session(db_path) as s:
        amina = s.person("amina", manages_server=True)
        s.bot.core.services.network = make_network(admins=frozenset({f"discord:{amina.id}"}), open_registration=True)
        await s.onboard(amina, "Amina")
        now = int(s.bot.clock.now.timestamp())
        members = [(await s.bot.repos.members.create("console", f"m{i}", now=now)).id for i in range(3)]
        await some_commitments(s.bot, members, now)
        shown = await amina.slash("report", what="month")
        assert "How the network keeps its word" in shown and "Detention: Made 9" in shown
        result = amina.results[-1]
        messages = [m for m in [result.response, *result.followups] if m is not None]
        assert messages and all(m.ephemeral for m in messages)  # in a server, only the organiser sees it
        files = [a.filename for m in messages for a in m.attachments]
        assert {"commitments-over-time.png", "commitments-by-theme.png", "commitments-by-region.png"} <= set(files)
        await amina.click("CSV files")
        result = amina.results[-1]
        messages = [m for m in [result.response, *result.followups] if m is not None]
        assert all(m.ephemeral for m in messages)
        assert "toolbox.csv" in [a.filename for m in messages for a in m.attachments]

"""A member's calendar feed, fetched over HTTP on 127.0.0.1 the way a calendar program does and parsed back with
icalendar: the sessions they follow or are going to, with an alarm at their reminder time, updated after a move
and a cancellation (SEQUENCE, STATUS:CANCELLED), answered 304 when nothing changed, rate-limited, holding nothing
about anyone else; a reset address stops the old one, /forget ends it, and the console serves it too."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import sys
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import aiohttp
import icalendar
import pytest

from bot.http import Feeds, HttpServer, RateLimit
from bot.settings import DEFAULT_THEMES, HttpSettings
from tests.conftest import build_bot, make_network
from tests.test_console import ONBOARDING, ROOT, run_console
from tests.test_discord_adapter import discord_session
from tests.test_sessions import make_session
from tests.test_telegram_adapter import ADMIN, tg  # noqa: F401  (the fixture)

ADDRESS = re.compile(r"http://127\.0\.0\.1:\d+/feed/[A-Za-z0-9_-]+\.ics")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def served(db_path):
    """A bot whose network serves feeds at 127.0.0.1, its HTTP server running."""
    port = _free_port()
    bot, db = await build_bot(db_path, make_network(themes=DEFAULT_THEMES, open_registration=True,
                                                    feed_url=f"http://127.0.0.1:{port}/feed/"))
    server = HttpServer("127.0.0.1", port)
    feeds = Feeds(SimpleNamespace(core=bot.core), requests_per_hour=60)
    feeds.serve_on(server)
    await server.start()
    try:
        yield bot, feeds
    finally:
        await server.stop()
        await db.close()


async def _fetch(url: str, **headers: str) -> tuple[int, dict, bytes]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        return response.status, response.headers.copy(), await response.read()


def _events(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["summary"]): e for e in calendar.walk("VEVENT")}


async def test_the_feed_follows_a_session_through_a_move_and_a_cancellation(served):
    bot, _feeds = served
    await bot.join("admin", name="Amina")
    await bot.join("ada", name="Ada")
    await bot.join("bob", name="Bob")
    link = "https://meet.example.org/secret-room"
    radio = await make_session(bot, extra=f"places:10 link:{link}")
    await bot.text("admin", "/newsession Legal clinic start:26 November 2026 10:00 end:11:00 zone:Geneva")
    await bot.press("admin", "Create")
    clinic = radio + 1
    await bot.text("ada", f"/rsvp {radio}")  # going (and following)
    await bot.text("ada", "/subscriptions remind:60")
    await bot.text("bob", f"/subscribe {clinic}")  # Bob's, not Ada's

    given = await bot.text("ada", "/agenda feed")
    assert "Your calendar feed's address" in given
    (url,) = ADDRESS.findall(given)
    status, headers, body = await _fetch(url)
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    assert headers["Cache-Control"] == "private, max-age=900" and headers["ETag"]
    events = _events(body)
    assert list(events) == ["Radio workshop"]  # hers only: nothing of Bob's clinic
    event = events["Radio workshop"]
    uid = event["uid"]
    assert event.decoded("dtstart").hour == 14 and int(event["sequence"]) == 0 and event["status"] == "CONFIRMED"
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("trigger") == timedelta(minutes=-60)  # her reminder time
    for other in (b"Bob", b"Amina", link.encode(), b"secret-room", b"Signal"):
        assert other not in body
    # Asked again with its ETag: nothing changed.
    assert (await _fetch(url, **{"If-None-Match": headers["ETag"]}))[0] == 304

    # Moved: the same event, a later SEQUENCE, the new time.
    await bot.text("admin", f"/editsession {radio} start:25 November 2026 16:00")
    await bot.press("admin", "Save")
    status, moved_headers, body = await _fetch(url, **{"If-None-Match": headers["ETag"]})
    assert status == 200 and moved_headers["ETag"] != headers["ETag"]
    event = _events(body)["Radio workshop"]
    assert event.decoded("dtstart").hour == 16 and int(event["sequence"]) == 1
    assert event["uid"] == uid  # the same event, moved: calendars update it rather than add another
    # A proxy that compressed the body hands the tag back weak: still nothing changed.
    assert (await _fetch(url, **{"If-None-Match": f'W/{moved_headers["ETag"]}'}))[0] == 304

    # Cancelled: still there, so that calendars take it off, with no alarm.
    await bot.text("admin", f"/cancelsession {radio}")
    await bot.press("admin", "Yes, cancel")
    event = _events((await _fetch(url))[2])["Radio workshop"]
    assert event["status"] == "CANCELLED" and int(event["sequence"]) == 2 and not event.walk("VALARM")

    # The address is shown once; a reset makes a new one and the old stops working; off ends it.
    again = await bot.text("ada", "/agenda feed")
    assert "You have a calendar feed since" in again and not ADDRESS.findall(again)
    (new,) = ADDRESS.findall(await bot.text("ada", "/agenda feed reset"))
    assert new != url and (await _fetch(url))[0] == 404 and (await _fetch(new))[0] == 200
    assert "Your calendar feed is ended" in await bot.text("ada", "/agenda feed off")
    assert (await _fetch(new))[0] == 404
    assert "You have no calendar feed" in await bot.text("ada", "/agenda feed off")


async def test_export_shows_the_feed_and_forget_ends_it(served):
    bot, _feeds = served
    await bot.join("ada", name="Ada")
    (url,) = ADDRESS.findall(await bot.text("ada", "/agenda feed"))
    exported = json.loads((await bot.say("ada", "/export"))[0].attachment.content)
    assert exported["calendar_feed"]["exists"] is True
    assert url.rsplit("/", 1)[1].removesuffix(".ics") not in json.dumps(exported)  # the token is not kept
    raw = await bot.repos.db.fetch_all("SELECT token_hash FROM calendar_feeds")
    assert [row[0] for row in raw] != [] and url.rsplit("/", 1)[1].removesuffix(".ics") not in raw[0][0]
    await bot.say("ada", "/forget")
    await bot.press("ada", "Yes, erase")
    assert (await _fetch(url))[0] == 404
    assert await bot.repos.db.fetch_all("SELECT token_hash FROM calendar_feeds") == []


async def test_an_unknown_address_a_bad_request_and_too_many_requests(served):
    bot, feeds = served
    await bot.join("ada", name="Ada")
    (url,) = ADDRESS.findall(await bot.text("ada", "/agenda feed"))
    base = url.rsplit("/", 1)[0]
    made_up = await _fetch(f"{base}/{'x' * 43}.ics")
    assert made_up[0] == 404 and made_up[2] == b"not found\n"  # like any path that does not exist
    assert (await _fetch(url.removesuffix(".ics")))[0] == 404
    assert (await _fetch(url + "/more"))[0] == 404
    assert "Use /agenda feed for your feed's address" in await bot.text("ada", "/agenda feed now please")
    feeds.limit = RateLimit(3)
    assert [(await _fetch(url))[0] for _ in range(3)] == [200, 200, 200]
    status, headers, _body = await _fetch(url)
    assert status == 429 and 1 <= int(headers["Retry-After"]) <= 3601


def test_the_rate_limit_frees_a_feed_after_an_hour_and_forgets_the_oldest_feeds():
    now = [0.0]
    limit = RateLimit(2, keys=3, clock=lambda: now[0])
    assert [limit.wait("a"), limit.wait("a")] == [0, 0] and limit.wait("a") > 0
    now[0] = 3601
    assert limit.wait("a") == 0
    for key in ("b", "c", "d", "e"):
        limit.wait(key)
    assert len(limit._seen) == 3


async def test_without_a_public_address_the_feed_is_not_set_up(db_path):
    bot, db = await build_bot(db_path, make_network(open_registration=True))
    try:
        await bot.join("ada")
        said = await bot.text("ada", "/agenda feed")
        assert "Calendar feeds are not set up on this network" in said
        assert await bot.repos.db.fetch_all("SELECT member_id FROM calendar_feeds") == []
    finally:
        await db.close()


def test_the_public_address_is_checked():
    assert HttpSettings(port=8080, public_url="https://bot.example.org/").feed_url() == \
        "https://bot.example.org/feed/"
    for bad in ("http://bot.example.org", "ftp://bot.example.org", "https://", "https://bot.example.org/?a=1"):
        with pytest.raises(ValueError, match="https:// address"):
            HttpSettings(port=8080, public_url=bad)
    with pytest.raises(ValueError, match="public_url needs a port"):
        HttpSettings(public_url="https://bot.example.org")


async def test_the_console_serves_the_feed(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLIDARITY")}
    env.update(PYTHONPATH=str(ROOT), SOLIDARITY__HTTP__PORT=str(port),
               SOLIDARITY__HTTP__PUBLIC_URL=f"http://127.0.0.1:{port}")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "console", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, cwd=tmp_path, env=env)
    try:
        process.stdin.write((ONBOARDING + "/agenda feed\n").encode())
        await process.stdin.drain()
        seen = b""
        async with asyncio.timeout(60):
            while not ADDRESS.search(seen.decode(errors="replace")):
                chunk = await process.stdout.read(4096)
                assert chunk, seen.decode(errors="replace")[-2000:]
                seen += chunk
        url = ADDRESS.search(seen.decode()).group(0)
        status, headers, body = await _fetch(url)
        assert status == 200 and b"BEGIN:VCALENDAR" in body and _events(body) == {}
        process.stdin.close()
        async with asyncio.timeout(30):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_the_address_reaches_a_member_whole_on_telegram(tg):  # noqa: F811
    tg.bot.core.services.network = replace(tg.bot.core.services.network, feed_url="https://bot.example.org/feed/")
    await tg.join(ADMIN, "Amina")
    (shown,) = [t for t in await tg.say(ADMIN, "/agenda feed") if "feed's address" in t]
    (token,) = re.findall(r"https://bot\.example\.org/feed/([A-Za-z0-9_-]+)\.ics", shown)
    member = await tg.bot.member(f"telegram:{ADMIN}")
    assert await tg.bot.repos.feeds.member_of(token) == member.id
    # No preview: Telegram's servers would fetch the address (and the member's sessions) to make one.
    (sent,) = [p for m, p in tg.api.calls if m == "sendMessage" and token in p["text"]]
    assert sent["link_preview_options"] == {"is_disabled": True}


async def test_the_address_reaches_a_member_whole_on_discord(db_path):
    async with discord_session(db_path, feed_url="https://bot.example.org/feed/") as s:
        ada = s.person("ada")
        await s.onboard(ada, "Ada")
        shown = await ada.slash("agenda", which="feed")
        (token,) = re.findall(r"https://bot\.example\.org/feed/([A-Za-z0-9_-]+)\.ics", shown)
        member = await s.bot.member(f"discord:{ada.id}")
        assert await s.bot.repos.feeds.member_of(token) == member.id
        assert f"<https://bot.example.org/feed/{token}.ics>" in shown  # in <…>: Discord makes no preview of it


def test_a_console_beside_a_running_bot_goes_on_without_serving_feeds(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_console("/as ada\n/help\n", "console", cwd=tmp_path, env={
            "SOLIDARITY__HTTP__PORT": str(port), "SOLIDARITY__HTTP__PUBLIC_URL": f"http://127.0.0.1:{port}"})
    assert result.returncode == 0 and "Commands" in result.stdout  # the console works
    assert "cannot listen for HTTP" in result.stderr and "feeds are not served from this console" in result.stderr
    assert "Traceback" not in result.stderr

"""Start-up loads what a member's first request would otherwise wait for."""

from __future__ import annotations

from bot.app import open_app
from bot.settings import Settings
from handlers import languages, timezones


async def test_start_up_builds_the_language_and_place_tables_before_any_request(tmp_path, monkeypatch):
    languages._tables.cache_clear()
    monkeypatch.setattr(timezones, "_PLACES", None)
    app = await open_app(Settings(database=str(tmp_path / "solidarity.db")))
    try:
        # The first "/partner language:Wolof" or "/timezone Lyon" finds them built (about two seconds otherwise).
        assert languages._tables.cache_info().currsize == 1
        assert timezones._PLACES is not None
    finally:
        await app.close()

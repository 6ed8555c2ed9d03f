"""A member's calendar feed: `/agenda feed` gives a secret address that calendar programs subscribe to, listing
the sessions the member follows or is going to, with an alarm at their reminder time, and kept up to date (a
session moved keeps its UID and raises its SEQUENCE; a cancelled one stays, with STATUS:CANCELLED, so calendars
take it off).

The address is `[http] public_url` + /feed/ + a token of 256 random bits; only its hash is kept (storage/feeds.py),
so the address is shown once. `/agenda feed reset` makes a new one (the old stops working), `/agenda feed off`
ends the feed; /forget ends it too. The bot's HTTP server (bot/http.py) serves it through `calendar_for`.
"""

from __future__ import annotations

from handlers import when
from handlers.agenda_files import to_ics
from handlers.core import Context, Services
from handlers.data_rights import iso
from handlers.events import Reply
from handlers.i18n import _, current_language, join_lines
from handlers.sessions.common import router
from handlers.sessions.showing import zone_for

PAST_DAYS = 30  # sessions over for this long leave the feed (a calendar keeps what it already has)
MOST = 500  # sessions in one feed


def _address(ctx: Context, token: str) -> str:
    return f"{ctx.network.feed_url}{token}.ics"


async def feed_command(ctx: Context, words: set[str]) -> Reply:
    """/agenda feed [reset | off]."""
    if ctx.network.feed_url is None:
        return Reply(_("Calendar feeds are not set up on this network. /agenda ics sends the agenda as a calendar "
                       "file instead."))
    if words - {"reset", "off"} or len(words) > 1:
        return Reply(_("Use /agenda feed for your feed's address, /agenda feed reset for a new address (the old one "
                       "stops working), or /agenda feed off to end it."))
    made = await ctx.repos.feeds.made_at(ctx.member_id)
    if "off" in words:
        if made is None or not await ctx.repos.feeds.remove(ctx.member_id):
            return Reply(_("You have no calendar feed."))
        return Reply(_("Your calendar feed is ended: its address no longer works. You can remove the subscription "
                       "from your calendar."))
    if made is not None and "reset" not in words:
        return Reply(join_lines(
            _("You have a calendar feed since {when}. Its address was shown to you then and is not kept, so that "
              "nobody can read it back.", when=when.describe_moment(made, zone_for(ctx.member, "UTC"),
                                                                    locale=current_language())),
            _("/agenda feed reset gives you a new address (the old one stops working); /agenda feed off ends "
              "it.")))
    token = await ctx.repos.feeds.create(ctx.member_id, ctx.now)
    return Reply(join_lines(
        _("<b>Your new calendar feed's address</b> (the old one no longer works):") if made is not None else
        _("<b>Your calendar feed's address:</b>"),
        _("{address}", address=_address(ctx, token)),
        _("Add it to your calendar program as a subscription (“From URL”, “Subscribe to calendar”). It lists the "
          "sessions you follow or are going to, with an alarm at your reminder time, and changes when they do."),
        _("<i>Keep it to yourself: whoever has it sees which sessions you follow. It is shown only now; "
          "/agenda feed reset makes a new one.</i>")))


async def calendar_for(services: Services, token: str, now: int) -> bytes | None:
    """The calendar a feed's token opens; None when it opens none (reset, ended, erased, or never made)."""
    repos = services.repos
    member_id = await repos.feeds.member_of(token)
    member = await repos.members.get(member_id) if member_id is not None else None
    if member is None or member.blocked:
        return None
    sessions = await repos.sessions.upcoming(now - PAST_DAYS * 86400, member_id=member.id, include_cancelled=True,
                                             limit=MOST)
    lead = await repos.sessions.lead(member.id)
    return to_ics(sessions, services.network, now=None,
                  alarm_minutes=lead if lead is not None else services.network.session_reminder_minutes)


@router.export("calendar_feed")
async def _export(ctx: Context, member_id: int) -> dict:
    made = await ctx.repos.feeds.made_at(member_id)
    if made is None:
        return {"exists": False}
    return {"exists": True, "made_at": iso(made),
            "address": "not kept: only a hash of it is stored; /agenda feed reset makes a new one"}

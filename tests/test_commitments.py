"""Commitments: members register what they will do, keep it up to date, and are checked in with; organisers see
everyone's but the private ones. The clock starts on Monday 23 November 2026, 09:00 UTC (10:00 in Paris)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from handlers.formatting import to_plain
from storage.commitments import Commitment
from tests.conftest import build_bot, make_network, plain

DAY = 24 * 3600


async def _code(bot) -> str:
    return (await bot.text("admin", "/invite 5")).split("Invite code: ")[1].split()[0]


async def _network(bot, *others: str) -> None:
    """The admin and members who joined with an invite."""
    await bot.join("admin", name="Amina")
    for who in others:
        await bot.join(who, code=await _code(bot), name=who.capitalize())


async def _commitments(bot) -> list[Commitment]:
    """Every member's commitments, in the order they were made."""
    found = []
    for member in await bot.repos.members.search("", limit=1000):
        found += await bot.repos.commitments.for_member(member.id)
    return sorted(found, key=lambda c: c.id)


async def _scheduled(bot, commitment_id: int) -> list[tuple[str, str | None, int]]:
    items = await bot.repos.schedule.for_subject(("checkin", "nudge", "stale"), commitment_id)
    return [(i.kind, i.detail, i.due_at) for i in items]


def _utc(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


async def _commit(bot, who: str, text: str, *, visibility: str = "The network") -> int:
    """Register a commitment in one line, skipping what is not given; its number."""
    await bot.say(who, f"/commit {text}")
    labels = bot.labels(who)
    if "Skip" in labels:
        await bot.press(who, "Skip")
        if "Skip" in bot.labels(who):
            await bot.press(who, "Skip")
    await bot.press(who, visibility)
    registered = await bot.press_text(who, "Register")
    assert "Registered: commitment #" in registered, registered
    return int(registered.split("commitment #")[1].split(".")[0])


async def _run_due(bot, **advance: float) -> list:
    """Move the clock, run what fell due, and return what the bot queued on its own meanwhile."""
    before = len(bot.recorder.queued)
    bot.clock.advance(**advance)
    await bot.core.run_due()
    return bot.recorder.queued[before:]


async def test_guided_commit_asks_each_question_and_stores_nothing_before_register(bot):
    await _network(bot)
    assert "What do you commit to doing?" in await bot.text("admin", "/commit")
    text = await bot.text("admin", "Run a media-literacy workshop")
    assert "By when" in text
    assert bot.labels("admin") == ["In a week", "In a month", "No date", "Cancel"]
    text = await bot.text("admin", "15 January 2027")
    assert "By when: Friday 15 January 2027, 10:00 (Europe/Paris, UTC+01:00)" in text
    assert "Which theme" in text
    assert bot.labels("admin")[0] == "Access to health"  # the member's own theme first
    await bot.press("admin", "Detention")
    assert "Which region" in plain([bot.last["admin"]])
    await bot.press("admin", "Western Europe")
    assert bot.labels("admin") == ["The network", "Organisers only", "Just me", "Cancel"]
    summary = await bot.press_text("admin", "Organisers only")
    for expected in ("Register this commitment?", "What: Run a media-literacy workshop",
                     "By when: Friday 15 January 2027, 10:00 (Europe/Paris, UTC+01:00)", "Theme: Detention",
                     "Region: Western Europe", "Visible to: Organisers only"):
        assert expected in summary
    assert await _commitments(bot) == []
    text = await bot.press_text("admin", "Register")
    assert "Registered: commitment #1" in text
    assert "halfway, on Saturday 19 December 2026, 10:00 (Europe/Paris, UTC+01:00)" in text
    row = (await _commitments(bot))[0]
    assert (row.what, row.theme, row.region, row.visibility, row.status) == (
        "Run a media-literacy workshop", "detention", "western-europe", "organisers", "open")
    assert row.due_at == _utc(2027, 1, 15, 9)
    assert await bot.repos.conversations.get((await bot.member("admin")).id) is None


async def test_quick_date_buttons_and_skipping(bot):
    await _network(bot)
    await bot.say("admin", "/commit")
    await bot.say("admin", "Write to the city council")
    text = await bot.press_text("admin", "In a week")
    assert "By when: Monday 30 November 2026, 10:00 (Europe/Paris" in text
    await bot.press("admin", "Skip")
    await bot.press("admin", "Skip")
    summary = await bot.press_text("admin", "The network")
    assert "Theme: —" in summary and "Region: —" in summary
    await bot.press("admin", "Register")
    commitment = (await _commitments(bot))[0]
    assert commitment.due_at == _utc(2026, 11, 30, 9) and commitment.theme is None
    assert await _scheduled(bot, commitment.id) == [("checkin", "due", _utc(2026, 11, 30, 9))]


async def test_no_date_means_no_check_ins(bot):
    await _network(bot)
    await bot.say("admin", "/commit Keep the contact list tidy theme:Detention region:Western Europe "
                           "visibility:network")
    text = await bot.press_text("admin", "No date")
    assert "By when: no date" in text
    await bot.press("admin", "Register")
    assert await _scheduled(bot, 1) == []


async def test_one_line_commit_fills_what_and_date_and_echoes_the_exact_moment(bot):
    await _network(bot)
    text = await bot.text("admin", "/commit Run a media-literacy workshop in Lyon by 15 March theme:Detention")
    assert "By when: Monday 15 March 2027, 10:00 (Europe/Paris, UTC+01:00)" in text
    assert "Which region" in text  # the theme was given, so the next question is the region
    await bot.press("admin", "Western Europe")
    summary = await bot.press_text("admin", "The network")
    assert "What: Run a media-literacy workshop in Lyon" in summary
    await bot.press("admin", "Register")
    row = (await _commitments(bot))[0]
    assert row.what == "Run a media-literacy workshop in Lyon"
    assert row.due_at == _utc(2027, 3, 15, 9)
    assert row.theme == "detention"


async def test_a_by_that_is_no_date_stays_part_of_what(bot):
    await _network(bot)
    text = await bot.text("admin", "/commit Publish a guide written by and for migrants")
    assert "By when" in text and "I could not read" not in text
    data = (await bot.repos.conversations.get((await bot.member("admin")).id)).data
    assert data["what"] == "Publish a guide written by and for migrants"


async def test_past_and_unreadable_dates_are_refused_and_nothing_is_stored(bot):
    await _network(bot)
    text = await bot.text("admin", "/commit Write the report by 3 March 2025")
    assert "“3 March 2025” is in the past" in text
    assert "By when" in text  # asked again
    assert (await bot.repos.conversations.get((await bot.member("admin")).id)).data == {"what": "Write the report"}
    assert "is in the past" in await bot.text("admin", "yesterday")
    assert "I could not read “blurfday next” as a date" in await bot.text("admin", "blurfday next")
    assert "too far ahead" in await bot.text("admin", "1 January 2300")
    assert await _commitments(bot) == []


async def test_a_date_that_passes_before_register_is_refused_then(bot):
    await _network(bot)
    await bot.say("admin", "/commit Call the lawyer theme:Detention region:Western Europe visibility:me")
    assert "By when: Monday 23 November 2026, 15:00" in await bot.text("admin", "today 15:00")
    bot.clock.advance(hours=7)
    text = await bot.press_text("admin", "Register")
    assert "has passed in the meantime" in text and "By when" in text
    assert await _commitments(bot) == []
    await bot.say("admin", "tomorrow 15:00")
    assert "Registered" in await bot.press_text("admin", "Register")


async def test_an_overlong_what_is_refused(bot):
    await _network(bot)
    assert "too long (10008 characters)" in await bot.text("admin", "/commit " + "x" * 10_000)
    await bot.say("admin", "/commit")
    assert "too long (10000 characters)" in await bot.text("admin", "y" * 10_000)
    assert "That is 501 characters; the most is 500" in await bot.text("admin", "y" * 501)
    text = await bot.text("admin", "/commit " + "z" * 600 + " by 15 March")
    assert "That is 600 characters; the most is 500" in text and "What do you commit to" in text
    assert await _commitments(bot) == []
    assert "Which theme" in await bot.text("admin", "  " + "w" * 500 + "  ")  # the date was read already


async def test_markup_in_what_is_shown_literally(bot):
    await _network(bot)
    what = "<b>Big</b> & <a href='x'>workshop</a>"
    await bot.say("admin", f"/commit {what} theme:Detention region:Western Europe visibility:network")
    replies = await bot.press("admin", "No date")
    assert "&lt;b&gt;Big&lt;/b&gt; &amp; &lt;a href=&#39;x&#39;&gt;" in str(replies[-1].text)
    assert f"What: {what}" in plain(replies)
    replies = await bot.press("admin", "Register")
    assert "<b>Big</b>" not in str(replies[0].text) and f"What: {what}" in plain(replies)
    assert (await _commitments(bot))[0].what == what
    listed = await bot.say("admin", "/commitments")
    assert "&lt;b&gt;Big" in str(listed[0].text) and what in plain(listed)


async def test_register_pressed_twice_registers_once(bot):
    await _network(bot)
    await bot.say("admin", "/commit Hold a press conference theme:Detention region:Western Europe visibility:me")
    confirm = (await bot.press("admin", "In a month"))[-1]
    assert "Register" in [b.label for b in confirm.button_list()]
    assert "Registered" in await bot.press_text("admin", "Register")
    bot.last["admin"] = confirm
    again = await bot.press_text("admin", "Register")
    assert "already pressed" in again
    bot.last["admin"] = confirm
    assert "already been answered" in await bot.press_text("admin", "Cancel")
    assert len(await _commitments(bot)) == 1


async def test_buttons_of_an_answered_question_change_nothing(bot):
    await _network(bot)
    await bot.say("admin", "/commit Map the shelters by 15 March")
    theme_question = bot.last["admin"]
    await bot.press("admin", "Detention")
    bot.last["admin"] = theme_question
    assert "already been answered" in await bot.press_text("admin", "Access to health")
    assert (await bot.repos.conversations.get((await bot.member("admin")).id)).data["theme"] == "detention"


async def test_cancel_stores_nothing(bot):
    await _network(bot)
    await bot.say("admin", "/commit Map the shelters by 15 March")
    assert "Nothing was registered" in await bot.press_text("admin", "Cancel")
    assert await _commitments(bot) == [] and await bot.repos.schedule.count() == 0


async def test_my_commitments_are_listed_with_status_due_date_and_buttons(bot):
    await _network(bot)
    assert "no commitments yet" in await bot.text("admin", "/commitments")
    first = await _commit(bot, "admin", "Run a workshop by 15 March theme:Detention region:Western Europe")
    second = await _commit(bot, "admin", "Translate the leaflet by 1 December 18:30", visibility="Just me")
    text = await bot.text("admin", "/commitments")
    assert "Your commitments (2 open, 2 in all)" in text
    assert f"#{second} Translate the leaflet" in text
    assert "open · due Tuesday 1 December 2026, 18:30 (Europe/Paris, UTC+01:00) · visible to: Just me" in text
    assert text.index(f"#{second} ") < text.index(f"#{first} ")  # soonest first
    assert "Detention · Western Europe · visible to: The network" in text
    assert bot.labels("admin") == [f"Done #{second}", f"Progress #{second}", f"New date #{second}",
                                   f"Drop #{second}", f"Done #{first}", f"Progress #{first}",
                                   f"New date #{first}", f"Drop #{first}"]


async def test_long_lists_are_paged(bot):
    await _network(bot)
    for n in range(7):
        await _commit(bot, "admin", f"Task {n} by {n + 1} December theme:Detention region:Western Europe")
    text = await bot.text("admin", "/commitments")
    assert "Page 1 of 2" in text and "Task 0" in text and "Task 6" not in text
    assert len(bot.labels("admin")) == 5 * 4 + 1
    text = await bot.press_text("admin", "More")
    assert "Task 6" in text and "Task 0" not in text


async def test_done_drop_new_date_and_progress(bot):
    await _network(bot)
    workshop = await _commit(bot, "admin", "Run a workshop by 15 March theme:Detention region:Western Europe")
    leaflet = await _commit(bot, "admin", "Print leaflets by 10 December theme:Detention region:Western Europe")
    report = await _commit(bot, "admin", "Write a report by 20 December theme:Detention region:Western Europe")

    await bot.say("admin", "/commitments")
    assert f"Well done! Commitment #{leaflet} is marked done" in await bot.press_text("admin", f"Done #{leaflet}")
    assert await _scheduled(bot, leaflet) == []

    await bot.say("admin", "/commitments")
    text = await bot.press_text("admin", f"Drop #{report}")
    assert f"Drop commitment #{report}?" in text
    assert "Kept" in await bot.press_text("admin", "No, keep it")
    assert (await bot.repos.commitments.get(report)).status == "open"
    await bot.say("admin", "/commitments")
    await bot.press("admin", f"Drop #{report}")
    assert "is dropped" in await bot.press_text("admin", "Yes, drop it")
    assert (await bot.repos.commitments.get(report)).status == "dropped"
    assert await _scheduled(bot, report) == []

    await bot.say("admin", "/commitments")
    text = await bot.press_text("admin", f"New date #{workshop}")
    assert "Now due Monday 15 March 2027, 10:00" in text
    text = await bot.text("admin", "20 April 2027 14:00")
    assert f"Saved: commitment #{workshop} is now due Tuesday 20 April 2027, 14:00 (Europe/Paris, UTC+02:00)" in text
    assert "What changed?" in text
    assert (await bot.repos.commitments.get(workshop)).due_at == _utc(2027, 4, 20, 12)
    scheduled = await _scheduled(bot, workshop)
    assert [(k, d) for k, d, _ in scheduled] == [("checkin", "halfway"), ("checkin", "due")]
    assert scheduled[1][2] == _utc(2027, 4, 20, 12)
    assert "reason is noted with commitment" in await bot.text("admin", "The venue moved")

    await bot.say("admin", "/commitments")
    await bot.press("admin", f"New date #{workshop}")
    assert "is now due Monday 30 November 2026, 10:00" in await bot.press_text("admin", "In a week")
    assert "No reason noted" in await bot.press_text("admin", "Skip")

    assert f"Noted on #{workshop}" in await bot.text("admin", f"/progress {workshop} Booked the room")
    await bot.say("admin", "/commitments")
    assert "How is it going?" in await bot.press_text("admin", f"Progress #{workshop}")
    assert "Noted" in await bot.text("admin", "Speakers confirmed")
    notes = [(n.kind, n.text) for n in await bot.repos.commitments.notes(workshop)]
    assert notes == [("reschedule", "The venue moved"), ("reschedule", ""), ("progress", "Booked the room"),
                     ("progress", "Speakers confirmed")]
    assert "already done" in await bot.text("admin", f"/progress {leaflet} More")
    assert "Usage" in await bot.text("admin", "/progress")


async def test_someone_elses_commitment_is_not_theirs_to_change(bot):
    await _network(bot, "bob")
    mine = await _commit(bot, "admin", "Run a workshop by 15 March theme:Detention region:Western Europe")
    assert f"You have no commitment #{mine}." in await bot.text("bob", f"/progress {mine} Hijacked")
    assert "You have no commitment #99." in await bot.text("bob", "/progress 99 Hello")
    await bot.say("admin", "/commitments")
    bot.last["bob"] = bot.last["admin"]
    assert "not meant for you" in await bot.press_text("bob", f"Done #{mine}")
    assert (await bot.repos.commitments.get(mine)).status == "open"
    assert await bot.repos.commitments.notes(mine) == []


async def test_organisers_see_everyones_commitments_with_filters_and_totals_but_never_private_ones(bot):
    await _network(bot, "bob", "carla")
    bob_id = (await bot.member("bob")).id
    health = await _commit(bot, "bob", "Visit the clinic by 30 November theme:Access to health "
                                       "region:Western Europe")
    detention = await _commit(bot, "bob", "Visit the detention centre by 1 December theme:Detention "
                                          "region:Northern Africa", visibility="Organisers only")
    done = await _commit(bot, "bob", "Write a letter by 2 December theme:Detention region:Northern Africa")
    await bot.say("bob", "/commitments")
    await bot.press("bob", f"Done #{done}")
    await _commit(bot, "carla", "Secret plan by 5 December theme:Detention region:Northern Africa",
                  visibility="Just me")

    assert "Only organisers" in await bot.text("bob", "/commitments all")
    # Members see what was shared with the whole network, and nothing kept for organisers or private.
    shared = await bot.text("carla", "/commitments network")
    assert "Commitments shared with the network" in shared and f"#{health} Visit the clinic" in shared
    assert f"#{detention} " not in shared and "Secret plan" not in shared and "private" not in shared

    text = await bot.text("admin", "/commitments all")
    assert "Open 2 · done 1 · dropped 0 · overdue 0 · stale 0 · need help 0" in text
    assert "and 1 private" in text and "Secret plan" not in text
    assert f"#{health} Visit the clinic" in text and f"Bob (#{bob_id}) · open · due Monday 30 November" in text
    assert "Detention · Northern Africa · organisers only" in text

    text = await bot.text("admin", "/commitments all theme:Detention")
    assert f"#{detention} " in text and f"#{done} " in text and f"#{health} " not in text
    assert "Open 1 · done 1" in text and "and 1 private" in text

    text = await bot.text("admin", "/commitments all region:Northern Africa status:done")
    assert f"#{done} " in text and f"#{detention} " not in text

    bot.clock.advance(days=7, hours=1)  # Monday 30 November, 11:00 in Paris
    text = await bot.text("admin", "/commitments all overdue")
    assert f"#{health} " in text and f"#{detention} " not in text and f"#{done} " not in text
    assert "overdue 1" in text

    assert "no theme “Cooking”" in await bot.text("admin", "/commitments all theme:Cooking")
    assert "A status is open, done or dropped" in await bot.text("admin", "/commitments all status:later")


async def test_check_ins_at_halfway_and_at_the_due_moment(bot):
    await _network(bot)
    far = await _commit(bot, "admin", "Run a workshop by 15 January 2027 theme:Detention region:Western Europe")
    near = await _commit(bot, "admin", "Call the lawyer by 30 November theme:Detention region:Western Europe")
    assert [d for _, d, _ in await _scheduled(bot, far)] == ["halfway", "due"]
    assert [d for _, d, _ in await _scheduled(bot, near)] == ["due"]

    queued = await _run_due(bot, days=7)  # Monday 30 November, 10:00 in Paris
    assert [(q.kind, q.member_id) for q in queued] == [("check-in", (await bot.member("admin")).id)]
    assert f"commitment #{near} falls due now" in to_plain(queued[0].reply.text)
    assert [b.label for b in queued[0].reply.button_list()] == ["Done", "On track", "Need help", "New date", "Drop"]
    assert queued[0].not_before is None
    assert (await bot.repos.commitments.get(near)).checkin_pending

    to_halfway = _utc(2026, 12, 19, 9) - bot.clock.now.timestamp()  # Saturday 19 December, 10:00 in Paris
    queued = await _run_due(bot, seconds=to_halfway)
    halfway = [q for q in queued if f"#{far}" in to_plain(q.reply.text)]
    assert len(halfway) == 1 and "Halfway there" in to_plain(halfway[0].reply.text)
    bot.last["admin"] = halfway[0].reply
    await bot.press("admin", "On track")

    queued = await _run_due(bot, seconds=_utc(2027, 1, 15, 9) - bot.clock.now.timestamp())
    texts = [to_plain(q.reply.text) for q in queued if f"#{far}" in to_plain(q.reply.text)]
    assert len(texts) == 1 and "falls due now" in texts[0]


async def test_a_check_in_due_late_at_night_waits_for_the_morning(bot):
    await _network(bot)
    late = await _commit(bot, "admin", "Send the newsletter by 15 December 23:00 theme:Detention "
                                       "region:Western Europe")
    assert (await bot.repos.commitments.get(late)).due_at == _utc(2026, 12, 15, 22)
    queued = await _run_due(bot, seconds=_utc(2026, 12, 15, 22) - bot.clock.now.timestamp())
    assert len(queued) == 1
    assert queued[0].not_before == _utc(2026, 12, 16, 7)  # 08:00 in Paris


async def _checked_in(bot, who: str, what: str) -> int:
    """A commitment due tomorrow at 10:00, and its check-in, come a day later, as the latest message."""
    commitment = await _commit(bot, who, f"{what} by tomorrow theme:Detention region:Western Europe")
    queued = await _run_due(bot, days=1)
    bot.last[who] = [q for q in queued if q.kind == "check-in"][-1].reply
    return commitment


async def test_check_in_answered_on_track_clears_it_and_cancels_the_nudge(bot):
    await _network(bot)
    commitment = await _checked_in(bot, "admin", "Call the lawyer")
    assert [k for k, _, _ in await _scheduled(bot, commitment)] == ["nudge"]
    text = await bot.press_text("admin", "On track")
    assert "Good to hear" in text
    assert not (await bot.repos.commitments.get(commitment)).checkin_pending
    assert [k for k, _, _ in await _scheduled(bot, commitment)] == ["checkin"]  # the nudge is gone
    await bot.press("admin", "Cancel")
    assert "Noted" in await bot.text("admin", f"/progress {commitment} Waiting for her answer")
    notes = [(n.kind, n.text) for n in await bot.repos.commitments.notes(commitment)]
    assert notes == [("checkin", "on_track"), ("progress", "Waiting for her answer")]


async def test_on_track_when_the_date_has_come_asks_for_a_new_one_and_checks_in_again(bot):
    await _network(bot)
    commitment = await _checked_in(bot, "admin", "Call the lawyer")  # due Tuesday 24 November, 10:00
    bot.clock.advance(hours=3)
    text = await bot.press_text("admin", "On track")
    assert "by when do you now expect to finish it?" in text
    assert "I will check in again on Tuesday 1 December 2026, 13:00" in text
    assert "In a week" in bot.labels("admin")
    # Left as it is, the commitment is not forgotten: a week later it is asked about again.
    assert await _scheduled(bot, commitment) == [("checkin", "overdue", _utc(2026, 12, 1, 12))]
    queued = await _run_due(bot, days=7)
    assert len(queued) == 1 and queued[0].kind == "check-in"
    assert f"commitment #{commitment} was due on Tuesday 24 November 2026" in to_plain(queued[0].reply.text)
    assert [k for k, _, _ in await _scheduled(bot, commitment)] == ["nudge"]
    # Answered with a date this time: the date is saved and its check-in replaces the rest.
    bot.last["admin"] = queued[0].reply
    await bot.press("admin", "On track")
    assert "Saved: commitment" in await bot.text("admin", "15 December")
    assert await _scheduled(bot, commitment) == [("checkin", "due", _utc(2026, 12, 15, 9))]


async def test_on_track_halfway_asks_nothing_more(bot):
    await _network(bot)
    commitment = await _commit(bot, "admin", "Run a workshop by 15 January 2027 theme:Detention "
                                             "region:Western Europe")
    queued = await _run_due(bot, seconds=_utc(2026, 12, 19, 9) - bot.clock.now.timestamp())
    bot.last["admin"] = queued[-1].reply
    text = await bot.press_text("admin", "On track")
    assert "Good to hear" in text and "new date" not in text and bot.labels("admin") == ["Add a note"]
    assert await _scheduled(bot, commitment) == [("checkin", "due", _utc(2027, 1, 15, 9))]


async def test_check_in_buttons_done_new_date_and_drop(bot):
    await _network(bot)
    first = await _checked_in(bot, "admin", "Call the lawyer")
    check_in = bot.last["admin"]
    assert "marked done" in await bot.press_text("admin", "Done")
    assert (await bot.repos.commitments.get(first)).status == "done"
    bot.last["admin"] = check_in
    assert "already pressed" in await bot.press_text("admin", "On track")

    second = await _checked_in(bot, "admin", "Book the hall")
    text = await bot.press_text("admin", "New date")
    assert "What is the new date?" in text
    await bot.say("admin", "in two weeks")
    await bot.text("admin", "The hall was taken")
    assert await _scheduled(bot, second) == [("checkin", "due", (await bot.repos.commitments.get(second)).due_at)]

    third = await _checked_in(bot, "admin", "Phone the mayor")
    assert "Drop commitment" in await bot.press_text("admin", "Drop")
    await bot.press("admin", "Yes, drop it")
    assert (await bot.repos.commitments.get(third)).status == "dropped"
    assert await _scheduled(bot, third) == []


async def test_unanswered_check_in_is_nudged_once_then_marked_stale_and_never_more(bot):
    await _network(bot)
    commitment = await _checked_in(bot, "admin", "Call the lawyer")
    nudges = await _run_due(bot, days=2)
    assert len(nudges) == 1 and "gentle reminder" in to_plain(nudges[0].reply.text)
    assert nudges[0].kind == "check-in" and nudges[0].reply.button_list()
    assert [k for k, _, _ in await _scheduled(bot, commitment)] == ["stale"]
    assert await _run_due(bot, days=2) == []
    stored = await bot.repos.commitments.get(commitment)
    assert stored.stale and stored.status == "open"
    assert await _scheduled(bot, commitment) == []
    assert await _run_due(bot, days=20) == []
    assert "check-ins unanswered" in await bot.text("admin", "/commitments")
    assert "stale 1" in await bot.text("admin", "/commitments all")
    # answering the nudge late still counts: the commitment is no longer stale
    bot.last["admin"] = nudges[0].reply
    await bot.press("admin", "On track")
    assert not (await bot.repos.commitments.get(commitment)).stale


async def test_need_help_tells_every_organiser_and_admin(bot):
    await _network(bot, "bob", "carla", "dan")
    await bot.text("admin", f"/promote #{(await bot.member('bob')).id}")
    ids = {who: (await bot.member(who)).id for who in ("admin", "bob", "carla", "dan")}
    commitment = await _checked_in(bot, "carla", "Visit the detention centre")
    before = len(bot.recorder.queued)
    text = await bot.press_text("carla", "Need help")
    assert "organisers have been told" in text and "partner" in text and "later version" not in text
    assert bot.labels("carla") == ["Find a partner"]
    help_messages = [q for q in bot.recorder.queued[before:] if q.kind == "help"]
    assert sorted(q.member_id for q in help_messages) == sorted([ids["admin"], ids["bob"]])
    shown = to_plain(help_messages[0].reply.text)
    assert f"Carla (#{ids['carla']}) asks for help with commitment #{commitment}" in shown
    assert "Visit the detention centre" in shown
    assert (await bot.repos.commitments.get(commitment)).help_wanted
    assert "need help 1" in await bot.text("admin", "/commitments all")


async def test_need_help_with_a_private_commitment_does_not_show_its_text(bot):
    await _network(bot, "carla")
    commitment = await _commit(bot, "carla", "Secret plan by 30 November theme:Detention region:Western Europe",
                               visibility="Just me")
    bot.last["carla"] = (await _run_due(bot, days=7))[-1].reply
    before = len(bot.recorder.queued)
    await bot.press("carla", "Need help")
    help_messages = [q for q in bot.recorder.queued[before:] if q.kind == "help"]
    assert len(help_messages) == 1
    shown = to_plain(help_messages[0].reply.text)
    assert f"commitment #{commitment}, which they keep private" in shown and "Secret plan" not in shown


async def test_someone_else_cannot_answer_a_check_in(bot):
    await _network(bot, "bob")
    commitment = await _checked_in(bot, "admin", "Call the lawyer")
    bot.last["bob"] = bot.last["admin"]
    assert "not meant for you" in await bot.press_text("bob", "Done")
    assert (await bot.repos.commitments.get(commitment)).status == "open"


async def test_export_holds_commitments_and_their_notes(bot):
    await _network(bot)
    commitment = await _commit(bot, "admin", "Run a workshop by 15 March theme:Detention region:Western Europe")
    await bot.say("admin", f"/progress {commitment} Booked the room")
    data = json.loads((await bot.say("admin", "/export"))[0].attachment.content)
    exported = data["commitments"]
    assert len(exported) == 1
    assert exported[0]["what"] == "Run a workshop" and exported[0]["due_at"] == "2027-03-15T09:00:00+00:00"
    assert exported[0]["visible_to"] == "network" and exported[0]["status"] == "open"
    assert [(n["kind"], n["text"]) for n in exported[0]["notes"]] == [("progress", "Booked the room")]


async def test_forget_leaves_no_commitment_note_or_check_in(bot):
    await _network(bot, "bob")
    bob = await bot.member("bob")
    commitment = await _commit(bot, "bob", "Bob's unique plan by 15 March theme:Detention region:Western Europe")
    await bot.say("bob", f"/progress {commitment} Bob's unique note")
    kept = await _commit(bot, "admin", "Run a workshop by 15 March theme:Detention region:Western Europe")
    assert await _scheduled(bot, commitment)
    await bot.say("bob", "/forget")
    await bot.press("bob", "Yes, erase")
    assert await bot.repos.commitments.get(commitment) is None
    assert await bot.repos.commitments.for_member(bob.id) == []
    assert await bot.repos.commitments.notes(commitment) == []
    assert await bot.repos.schedule.for_member(bob.id) == [] and await _scheduled(bot, commitment) == []
    assert await bot.repos.commitments.get(kept) is not None
    assert await _run_due(bot, days=200) != []  # the admin's own check-ins still come


async def test_a_theme_or_region_may_be_typed_and_buttons_only_questions_say_so(bot):
    await _network(bot)
    await bot.say("admin", "/commit Map the shelters by 15 March")
    assert "None of the network's themes matches" in await bot.text("admin", "Cooking")
    assert "Which region" in await bot.text("admin", "detention")
    assert "Who may see" in await bot.text("admin", "northern africa")
    assert "Please choose one of the buttons" in await bot.text("admin", "everyone")
    summary = await bot.press_text("admin", "Just me")
    assert "Theme: Detention" in summary and "Region: Northern Africa" in summary and "Visible to: Just me" in summary


async def test_a_long_list_of_themes_is_offered_a_page_at_a_time(tmp_path):
    themes = [f"Theme {n:02d}" for n in range(1, 31)]
    bot, db = await build_bot(tmp_path / "many.db", make_network(themes=["Access to health", *themes]))
    try:
        await bot.join("admin")
        await bot.say("admin", "/commit Map the shelters by 15 March")
        assert bot.labels("admin")[0] == "Access to health"
        assert "Page 1 of 2" in plain([bot.last["admin"]]) and len(bot.labels("admin")) == 20 + 3
        text = await bot.press_text("admin", "More")
        assert "Page 2 of 2" in text and "Theme 30" in bot.labels("admin")
        assert "Which region" in await bot.press_text("admin", "Theme 30")
    finally:
        await db.close()


async def test_a_new_date_is_saved_at_once_and_the_reason_is_an_optional_extra(bot):
    await _network(bot)
    workshop = await _commit(bot, "admin", "Run a workshop by 15 March theme:Detention region:Western Europe")
    await bot.say("admin", "/commitments")
    await bot.press("admin", f"New date #{workshop}")
    text = await bot.text("admin", "16 December")
    assert f"Saved: commitment #{workshop} is now due Wednesday 16 December 2026, 10:00" in text
    assert bot.labels("admin") == ["Skip"]
    # Another command instead of a reason loses nothing.
    assert "due Wednesday 16 December 2026, 10:00" in await bot.text("admin", "/commitments")
    assert (await bot.repos.commitments.get(workshop)).due_at == _utc(2026, 12, 16, 9)
    assert await _scheduled(bot, workshop) == [("checkin", "halfway", _utc(2026, 12, 4, 9)),
                                               ("checkin", "due", _utc(2026, 12, 16, 9))]
    assert [(n.kind, n.text) for n in await bot.repos.commitments.notes(workshop)] == [("reschedule", "")]
    await bot.say("admin", "/commitments")
    await bot.press("admin", f"New date #{workshop}")
    await bot.say("admin", "17 December")
    assert "The new date is kept, without a reason" in await bot.text("admin", "/cancel")
    assert (await bot.repos.commitments.get(workshop)).due_at == _utc(2026, 12, 17, 9)


async def test_progress_notes_and_reasons_are_shown_to_the_member_and_the_organisers(bot):
    await _network(bot, "bob", "carla")
    bob_id = (await bot.member("bob")).id
    shared = await _commit(bot, "bob", "Visit the clinic by 30 November theme:Access to health "
                                       "region:Western Europe")
    private = await _commit(bot, "bob", "Secret plan by 5 December theme:Detention region:Western Europe",
                            visibility="Just me")
    await bot.say("bob", f"/progress {shared} Called the director")
    await bot.say("bob", f"/progress {private} Private <b>detail</b>")
    await bot.say("bob", "/commitments")
    await bot.press("bob", f"New date #{shared}")
    await bot.say("bob", "10 December")
    await bot.say("bob", "The director is away")

    own = await bot.text("bob", "/commitments")
    assert "Latest note: Monday 23 November 2026: new date, because: The director is away" in own
    assert "Latest note: Monday 23 November 2026: Private <b>detail</b>" in own

    listed = await bot.text("admin", "/commitments all")
    assert "new date, because: The director is away" in listed and "Private" not in listed

    detail = await bot.text("admin", f"/commitments {shared}")
    assert f"Bob (#{bob_id})" in detail
    assert "Monday 23 November 2026: Called the director" in detail
    assert "Monday 23 November 2026: new date, because: The director is away" in detail
    assert "There is no commitment" in await bot.text("admin", f"/commitments {private}")

    # Other members see what was shared, never its notes; anything else is not there for them.
    assert "The director is away" not in await bot.text("carla", "/commitments network")
    seen = await bot.text("carla", f"/commitments {shared}")
    assert "Visit the clinic" in seen and "Called the director" not in seen and "Notes" not in seen
    hidden = await bot.text("carla", f"/commitments {private}")
    assert hidden == (await bot.text("carla", "/commitments 999")).replace("999", str(private))

    mine = await bot.say("bob", f"/commitments {private}")
    assert "Private <b>detail</b>" in plain(mine) and "&lt;b&gt;detail" in str(mine[0].text)
    assert bot.labels("bob") == [f"Done #{private}", f"Progress #{private}", f"New date #{private}",
                                 f"Drop #{private}"]


async def test_an_unreadable_date_is_said_to_be_so_and_a_date_alone_is_a_date(bot):
    await _network(bot)
    text = await bot.text("admin", "/commit Write the report by 31 February")
    assert "I could not read “31 February” as a date" in text and "By when will you do it?" in text
    assert (await bot.repos.conversations.get((await bot.member("admin")).id)).data == {"what": "Write the report"}

    text = await bot.text("admin", "/commit by tomorrow")
    assert "By when: Tuesday 24 November 2026, 10:00" in text and "What do you commit to doing?" in text
    data = (await bot.repos.conversations.get((await bot.member("admin")).id)).data
    assert "what" not in data and data["due"] == _utc(2026, 11, 24, 9)

    text = await bot.text("admin", "/commit next Friday")
    assert "By when: Friday 27 November 2026, 10:00" in text and "What do you commit to doing?" in text
    text = await bot.text("admin", "/commit by 25:00")
    assert "“25:00” is not a time of day" in text and "By when will you do it?" in text
    assert "“25:00” is not a time of day" in await bot.text("admin", "/commit Call Sara by tomorrow 25:00")


async def test_an_unknown_theme_or_region_is_answered_with_the_choices(bot):
    await _network(bot)
    text = await bot.text("admin", "/commit Map the shelters by 15 March theme:Astrology region:Mars")
    assert "The network has no theme “Astrology”." in text and "Which theme" in text
    assert "Mars" not in text and "Detention" in bot.labels("admin") and "In a week" not in bot.labels("admin")
    text = await bot.press_text("admin", "Detention")
    assert "The network has no region “Mars”." in text and "Which region" in text
    assert "Western Europe" in bot.labels("admin")
    assert "Who may see" in await bot.press_text("admin", "Western Europe")

    await bot.say("admin", "/commit Map the shelters by 15 March")
    text = await bot.text("admin", "Cooking")
    assert "None of the network's themes matches “Cooking”." in text and "Which theme" in text
    assert "Detention" in bot.labels("admin")

    await bot.say("admin", "/commit Map the shelters by 15 March visibility:friends")
    text = await bot.text("admin", "/commit Map the shelters visibility:friends")
    assert "“friends” is not a choice of who may see it." in text and "Who may see" in text


async def test_commitments_filtered_by_an_unknown_theme_offer_the_themes(bot):
    await _network(bot, "bob")
    await _commit(bot, "bob", "Visit the clinic by 30 November theme:Access to health region:Western Europe")
    text = await bot.text("admin", "/commitments all theme:Health care overdue")
    assert "The network has no theme “Health care”" in text
    assert bot.labels("admin")[:2] == ["Access to health", "Detention"]
    text = await bot.press_text("admin", "Access to health")
    assert "Everyone's commitments (theme: Access to health, overdue)" in text
    text = await bot.text("bob", "/commitments network region:Atlantis")
    assert "The network has no region “Atlantis”" in text and "Western Europe" in bot.labels("bob")
    assert "Visit the clinic" in await bot.press_text("bob", "Western Europe")

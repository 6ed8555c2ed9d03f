"""Reminders: set in natural language in the member's time zone, echoed back, fired on time with Snooze and Done."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import plain


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def fire(bot) -> list:
    """Run what is due now; the messages the bot sent on its own since the last call."""
    before = len(bot.recorder.queued)
    await bot.core.run_due()
    return bot.recorder.queued[before:]


async def test_member_sets_a_reminder_confirms_the_exact_time_and_gets_it_on_time(bot):
    await bot.join("admin", name="Amina")  # Europe/Paris; the clock says Monday 23 Nov 2026, 10:00 in Paris
    text = await bot.text("admin", "/remind tomorrow 9:00 call the <b>town hall</b>")
    assert "Reminder: call the <b>town hall</b>" in text  # markup shown as typed, never interpreted
    assert "24" in text and "09:00" in text and "Europe/Paris" in text
    assert await bot.repos.reminders.active((await bot.member("admin")).id) == []  # nothing before confirming
    created = await bot.press_text("admin", "Set reminder")
    assert "Reminder #1 set" in created
    again = await bot.press_text("admin", "Set reminder")  # pressed twice: still one reminder
    assert "already" in again.lower()
    member = await bot.member("admin")
    assert len(await bot.repos.reminders.active(member.id)) == 1
    bot.clock.now = at(2026, 11, 24, 7, 59)
    assert await fire(bot) == []
    bot.clock.now = at(2026, 11, 24, 8, 0)  # 09:00 in Paris
    sent = await fire(bot)
    assert [m.kind for m in sent] == ["reminder"] and sent[0].not_before is None
    assert "Reminder: call the <b>town hall</b>" in plain([sent[0].reply])
    assert "Late" not in plain([sent[0].reply])
    assert await fire(bot) == []  # once only


async def test_snooze_and_done(bot):
    await bot.join("admin", name="Amina")
    await bot.say("admin", "/remind in 10 minutes stretch")
    await bot.press("admin", "Set reminder")
    bot.clock.advance(minutes=10)
    sent = await fire(bot)
    bot.last["admin"] = sent[0].reply
    assert [b.label for b in sent[0].reply.button_list()] == ["Snooze 10 min", "1 hour", "Tomorrow", "Done"]
    snoozed = await bot.press_text("admin", "1 hour")
    assert "Snoozed until" in snoozed and "11:10" in snoozed
    assert "already" in (await bot.press_text("admin", "Snooze 10 min")).lower()  # one answer per message
    bot.clock.advance(minutes=59)
    assert await fire(bot) == []
    bot.clock.advance(minutes=1)
    sent = await fire(bot)
    assert len(sent) == 1 and "stretch" in plain([sent[0].reply])
    bot.last["admin"] = sent[0].reply
    assert "Done: stretch" in await bot.press_text("admin", "Done")
    bot.clock.advance(days=2)
    assert await fire(bot) == []


async def test_recurring_reminder_keeps_local_time_across_daylight_saving_and_can_be_cancelled(bot):
    await bot.join("admin", name="Amina")
    bot.clock.now = at(2027, 3, 22, 9, 0)  # Monday 22 March 2027; clocks go forward on Sunday 28 March
    text = await bot.text("admin", "/remind every Monday 9:00 team call")
    assert "every Monday" in text and "09:00" in text
    await bot.press("admin", "Set reminder")
    bot.clock.now = at(2027, 3, 29, 6, 59)
    assert await fire(bot) == []
    bot.clock.now = at(2027, 3, 29, 7, 0)  # 09:00 in Paris, now UTC+2
    assert len(await fire(bot)) == 1
    listed = await bot.text("admin", "/reminders")
    assert "#1 team call" in listed and "every Monday" in listed and "5 April" in listed
    assert "is cancelled" in await bot.press_text("admin", "Cancel #1")
    assert "no reminders" in await bot.text("admin", "/reminders")
    bot.clock.now = at(2027, 4, 5, 7, 0)
    assert await fire(bot) == []


async def test_a_reminder_due_while_the_bot_was_down_is_sent_once_and_marked_late(bot):
    await bot.join("admin", name="Amina")
    await bot.say("admin", "/remind every day 9:00 water the plants")
    await bot.press("admin", "Set reminder")
    bot.clock.now = at(2026, 11, 27, 12, 0)  # three days of 09:00 missed
    sent = await fire(bot)
    assert len(sent) == 1 and "Late: this was due" in plain([sent[0].reply])
    assert await fire(bot) == []
    bot.clock.now = at(2026, 11, 28, 8, 0)  # the next one comes on time
    assert len(await fire(bot)) == 1


async def test_bad_reminders_get_a_clear_answer_and_nothing_is_stored(bot):
    await bot.join("admin", name="Amina")
    assert "Usage: /remind" in await bot.text("admin", "/remind")
    assert "already passed" in await bot.text("admin", "/remind yesterday 9:00 call")
    assert "couldn't read a time" in await bot.text("admin", "/remind whenever you like call")
    assert "too long" in (await bot.text("admin", "/remind tomorrow 9:00 " + "x" * 10_000)).lower()
    member = await bot.member("admin")
    assert await bot.repos.reminders.active(member.id) == []
    assert await bot.repos.schedule.count() == 0


async def test_an_impossible_time_is_refused_not_moved_to_nine(bot):
    await bot.join("admin", name="Amina")
    replies = await bot.say("admin", "/remind every day at 25:00 call mum")
    assert "“25:00” is not a time of day" in plain(replies) and "09:00" not in plain(replies)
    assert not any(reply.buttons for reply in replies)  # nothing to confirm
    assert "“25:00” is not a time of day" in await bot.text("admin", "/remind tomorrow at 25:00 call mum")
    assert await bot.repos.reminders.for_member((await bot.member("admin")).id) == []


async def test_words_that_are_not_the_time_stay_in_the_reminder(bot):
    await bot.join("admin", name="Amina")
    text = await bot.text("admin", "/remind in 2 hours at the office check mail")
    assert "Reminder: at the office check mail" in text
    assert "Monday 23 November 2026, 12:00 (Europe/Paris, UTC+01:00)" in text


async def test_a_past_time_is_shown_like_every_other_date(bot):
    await bot.join("admin", name="Amina")
    text = await bot.text("admin", "/remind yesterday 9:00 call")
    assert "already passed: Sunday 22 November 2026, 09:00 (Europe/Paris, UTC+01:00)." in text
    assert "2026-11-22T" not in text


async def test_an_end_date_already_gone_is_named_as_the_end_not_as_the_time(bot):
    await bot.join("admin", name="Amina")
    text = await bot.text("admin", "/remind every first Thursday 18:30 meet until 1 June 2020")
    assert "would end on Monday 1 June 2020, before it first comes" in text
    assert "already passed" not in text and "23:00" not in text
    assert "before it first comes" in await bot.text("admin", "/remind every Monday 9:00 until yesterday call")
    assert "You have no reminders" in await bot.text("admin", "/reminders")


async def test_a_snoozed_reminder_is_listed_and_can_be_cancelled(bot):
    await bot.join("admin", name="Amina")
    await bot.say("admin", "/remind in 10 minutes call the lawyer")
    await bot.press("admin", "Set reminder")
    bot.clock.advance(minutes=10)
    bot.last["admin"] = (await fire(bot))[0].reply
    await bot.press("admin", "1 hour")
    listed = await bot.text("admin", "/reminders")
    assert "#1 call the lawyer — snoozed until Monday 23 November 2026, 11:10 (Europe/Paris" in listed
    assert "is cancelled" in await bot.press_text("admin", "Cancel #1")
    bot.clock.advance(hours=2)
    assert await fire(bot) == []  # it does not come back
    assert "no reminders" in await bot.text("admin", "/reminders")


async def test_a_snoozed_repeating_reminder_shows_both_times(bot):
    await bot.join("admin", name="Amina")
    await bot.say("admin", "/remind every day 10:30 water the plants")
    await bot.press("admin", "Set reminder")
    bot.clock.advance(minutes=30)
    bot.last["admin"] = (await fire(bot))[0].reply
    await bot.press("admin", "Snooze 10 min")
    listed = await bot.text("admin", "/reminders")
    assert "next Tuesday 24 November 2026, 10:30" in listed
    assert "snoozed until Monday 23 November 2026, 10:40" in listed


async def test_someone_else_cannot_use_my_reminder_buttons(bot):
    await bot.join("admin", name="Amina")
    await bot.say("admin", "/remind in 10 minutes stretch")
    replies = await bot.press("admin", "Set reminder", presser="joe")
    assert "not meant for you" in plain(replies)
    assert await bot.repos.schedule.count() == 0


async def test_export_holds_reminders_and_what_is_scheduled_and_forget_erases_them(bot):
    import json

    await bot.join("admin", name="Amina")
    await bot.say("admin", "/remind every Monday 9:00 team call")
    await bot.press("admin", "Set reminder")
    replies = await bot.say("admin", "/export")
    data = json.loads(next(r.attachment for r in replies if r.attachment).content)
    assert data["reminders"][0]["what"] == "team call" and data["reminders"][0]["at_local_time"] == "09:00"
    assert data["scheduled"][0]["what"] == "reminder"
    admin = (await bot.member("admin")).id
    await bot.say("admin", "/forget")
    await bot.press("admin", "Yes, erase")
    assert await bot.repos.reminders.for_member(admin) == []
    assert await bot.repos.schedule.count() == 0 and await bot.repos.outbox.counts() == {}

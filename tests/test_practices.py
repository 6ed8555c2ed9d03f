"""The toolbox as members and organisers go through it in the console: share a practice, have it reviewed
(changes asked, changed, approved; declined), find it by theme and by words, report on it, try it (a linked
commitment), ask its author (consent both ways, no contact before), retire and merge, and everything an organiser
did in the audit log. What a member may not see reads exactly like what does not exist."""

from __future__ import annotations

import pytest

from tests.conftest import plain


async def _code(bot) -> str:
    return (await bot.text("admin", "/invite")).split("Invite code: ")[1].split()[0]


@pytest.fixture
async def network(bot):
    await bot.join("admin", name="Amina")
    await bot.join("bob", code=await _code(bot), name="Bob", contact="Signal: +1 555 0100")
    await bot.join("carla", code=await _code(bot), name="Carla", contact="carla@example.org")
    return bot


async def inbox_of(bot, who: str) -> str:
    """The latest message the bot sent `who` on its own; its buttons become the ones `press` finds."""
    member = await bot.member(who)
    for sent_to, reply in reversed(bot.recorder.sent):
        if sent_to == member.id:
            bot.last[who] = reply
            return plain([reply])
    raise AssertionError(f"nothing sent to {who}")


async def share(bot, who: str, title: str, *, what: str = "Cards answering the ten commonest rumours.",
                where: str = "Western Europe", theme: str = "Detention", anonymous: bool = False) -> int:
    await bot.say(who, f"/practice {title}")
    await bot.say(who, what)
    await bot.press(who, where)
    await bot.press(who, theme)
    await bot.press(who, "Done")
    await bot.press(who, "Journalist")
    await bot.say(who, "Short answers with sources")
    await bot.press(who, "Skip")  # what did not work
    await bot.say(who, "A designer")
    await bot.press(who, "Skip")  # link
    await bot.press(who, "The network")
    await bot.press(who, "Stay anonymous" if anonymous else "Show my name")
    said = await bot.press_text(who, "Submit")
    assert "is sent for review" in said
    return int(said.split("practice #")[1].split()[0])


async def approve(bot, number: int) -> None:
    await bot.say("admin", f"/practice {number}")
    assert "is published" in await bot.press_text("admin", "Approve")


async def test_a_practice_is_shared_reviewed_changed_and_published_and_nobody_sees_it_before(network):
    bot = network
    number = await share(bot, "bob", "Myth-busting <b>cards</b>")
    assert "Practice #1 waits for review" in await inbox_of(bot, "admin")
    # Before it is approved, a member reads what they would read for a practice that does not exist.
    unknown = await bot.text("carla", "/practice 99")
    assert await bot.text("carla", f"/practice {number}") == unknown.replace("99", str(number))
    assert "No practice found" in await bot.text("carla", "/practices rumours")
    # The organiser asks for changes, with a note the author receives.
    listed = await bot.text("admin", "/review")
    assert "1 practice waits for review" in listed and "Myth-busting <b>cards</b>" in listed  # as text, not markup
    await bot.press("admin", f"Review #{number}")
    await bot.press("admin", "Ask for changes")
    assert "Its author has your note" in await bot.text("admin", "Please say what it cost")
    told = await inbox_of(bot, "bob")
    assert "asks for changes" in told and "Please say what it cost" in told
    await bot.press("bob", "Change it and send it again")
    await bot.press("bob", "What it needs")
    await bot.say("bob", "A designer and 200 EUR for printing")
    assert "sent for review again" in await bot.press_text("bob", "Submit")
    # Approved: the author is told, members find it.
    await bot.say("admin", f"/practice {number}")
    assert "is published" in await bot.press_text("admin", "Approve")
    assert "Your practice #1 is published" in await inbox_of(bot, "bob")
    shown = await bot.text("carla", f"/practice {number}")
    assert "200 EUR for printing" in shown and "Bob (Journalist or media)" in shown
    assert bot.labels("carla") == ["Worked for us too", "Did not work for us", "Try this", "Ask the author"]
    audit = await bot.repos.db.fetch_all("SELECT action, detail FROM audit WHERE action LIKE 'practice.%' ORDER BY id")
    assert [tuple(row) for row in audit] == [("practice.changes", "practice #1"), ("practice.approved", "practice #1")]


async def test_a_review_button_counts_once_and_only_for_organisers(network):
    bot = network
    number = await share(bot, "bob", "Radio show")
    await bot.say("admin", f"/practice {number}")
    await bot.press("admin", "Approve", presser="carla")  # a member pressing an organiser's button
    assert (await bot.repos.practices.get(number)).status == "pending"
    await bot.press("admin", "Approve")
    again = await bot.press_text("admin", "Approve")
    assert "already" in again
    assert "No practice waits for review" in await bot.text("admin", "/review")


async def test_a_declined_practice_is_never_shown_to_members_and_its_author_hears_why(network):
    bot = network
    number = await share(bot, "bob", "Leaflets naming the smugglers")
    await bot.say("admin", f"/practice {number}")
    await bot.press("admin", "Decline")
    await bot.say("admin", "It names people: we cannot publish it")
    told = await inbox_of(bot, "bob")
    assert "was not published" in told and "It names people" in told
    assert "There is no practice #1" in await bot.text("carla", "/practice 1")
    assert "No practice found" in await bot.text("carla", "/practices smugglers")
    assert "declined" in await bot.text("bob", "/practice 1")  # its author still sees it, and where it stands


async def test_members_find_practices_by_theme_by_words_and_in_chinese(network):
    bot = network
    cards = await share(bot, "bob", "Myth-busting cards")
    radio = await share(bot, "bob", "反仇恨言论电台节目", what="每周一次的电台节目。", theme="Access to health",
                        where="Northern Africa")
    for number in (cards, radio):
        await approve(bot, number)
    by_theme = await bot.text("carla", "/practices theme:Detention")
    assert "1 practice found for theme Detention" in by_theme and "Myth-busting cards" in by_theme
    assert "Myth-busting cards" in await bot.text("carla", "/practices rumour")
    assert "反仇恨言论电台节目" in await bot.text("carla", "/practices 仇恨言论")
    # Words must be there; the theme ranks what has them: the practice on Detention first.
    on_radio = await share(bot, "carla", "Community radio in detention centres", what="A radio show.")
    await approve(bot, on_radio)
    ranked = await bot.text("carla", "/practices 电台 theme:Detention")
    assert "1 practice found" in ranked and "反仇恨言论电台节目" in ranked
    health = await share(bot, "carla", "Cards for clinics", what="Cards for waiting rooms.", theme="Access to health")
    await approve(bot, health)
    ranked = await bot.text("carla", "/practices cards theme:Detention")  # both have "cards": Detention's first
    assert "2 practices found" in ranked and ranked.index("Myth-busting cards") < ranked.index("Cards for clinics")
    ranked = await bot.text("carla", "/practices cards theme:Access to health")
    assert ranked.index("Cards for clinics") < ranked.index("Myth-busting cards")
    refused = await bot.text("carla", "/practices theme:Gardening")
    assert "no theme “Gardening”" in refused
    assert "characters to look for" in await bot.text("carla", "/practices " + "x" * 300)
    assert "too long" in await bot.text("carla", "/practices " + "x" * 10_000)


async def test_reports_one_per_member_with_a_note_and_the_author_cannot_report_on_their_own(network):
    bot = network
    number = await share(bot, "bob", "Football against racism")
    await approve(bot, number)
    await bot.say("carla", f"/practice {number}")
    await bot.press("carla", "Worked for us too")
    await bot.say("carla", "Worked in <i>Porto</i> too")
    shown = await bot.text("carla", f"/practice {number}")
    assert "worked for 1 member too" in shown and "“Worked in <i>Porto</i> too”" in shown
    said = await bot.press_text("carla", "Worked for us too")
    assert "already said" in said
    own = await bot.say("bob", f"/practice {number}")
    assert [b.label for reply in own for b in reply.button_list()] == []  # nothing to report on one's own


async def test_trying_a_practice_registers_a_linked_commitment_the_practice_counts(network):
    bot = network
    number = await share(bot, "bob", "Myth-busting cards")
    await approve(bot, number)
    await bot.say("carla", f"/practice {number}")
    assert "Trying practice #1" in await bot.press_text("carla", "Try this")
    await bot.say("carla", "Hand the cards out at the Saturday market")
    await bot.press("carla", "In a month")  # theme and region come from the practice
    await bot.press("carla", "The network")
    assert "Registered: commitment #1" in await bot.press_text("carla", "Register")
    commitment = await bot.repos.commitments.get(1)
    assert commitment.practice_id == number and commitment.theme == "detention"
    assert "1 trying it, 0 did" in await bot.text("carla", f"/practice {number}")


async def test_asking_the_author_needs_their_consent_before_any_contact_is_passed_on(network):
    bot = network
    number = await share(bot, "bob", "Myth-busting cards")
    await approve(bot, number)
    await bot.say("carla", f"/practice {number}")
    asked = await bot.press_text("carla", "Ask the author")
    assert "is asked whether they agree" in asked and "+1 555 0100" not in asked
    request = await inbox_of(bot, "bob")
    assert "Carla" in request and "your practice #1" in request and "carla@example.org" not in request
    await bot.say("carla", f"/practice {number}")
    assert "already asked" in await bot.press_text("carla", "Ask the author")
    await bot.press("bob", "Accept")
    assert "+1 555 0100" in await inbox_of(bot, "carla")


async def test_an_anonymous_author_is_a_member_in_a_region_to_members_and_named_to_organisers(network):
    bot = network
    number = await share(bot, "bob", "Safe spaces in mosques", anonymous=True)
    await approve(bot, number)
    shown = await bot.text("carla", f"/practice {number}")
    assert "a member in Western Europe" in shown and "Bob" not in shown
    assert "Bob, shown to members as “a member in Western Europe”" in await bot.text("admin", f"/practice {number}")
    # Asked, the author learns who asks; the asker learns nothing of the author until they accept.
    asked = await bot.press_text("carla", "Ask the author")
    assert "Bob" not in asked
    request = await inbox_of(bot, "bob")
    assert "Carla" in request and "learns it only if you accept" in request
    assert "Bob" not in await bot.text("carla", "/partners")
    await bot.press("bob", "Accept")
    assert "Bob" in await inbox_of(bot, "carla") and "+1 555 0100" in await inbox_of(bot, "carla")


async def test_organisers_retire_and_merge_practices_and_each_is_audited(network):
    bot = network
    kept = await share(bot, "bob", "Buddy scheme")
    duplicate = await share(bot, "carla", "Buddy programme")
    for number in (kept, duplicate):
        await approve(bot, number)
    await bot.say("admin", f"/practice {duplicate}")
    await bot.press("admin", "Worked for us too")
    await bot.press("admin", "Skip")
    assert "Merge practice #2 into #1?" in await bot.text("admin", f"/practice merge {duplicate} into {kept}")
    assert "is merged into #1" in await bot.press_text("admin", "Merge them")
    assert "worked for 1 member too" in await bot.text("carla", f"/practice {kept}")
    assert "merged into practice #1" in await bot.text("carla", f"/practice {duplicate}")
    assert "A practice cannot be merged into itself" in await bot.text("admin", "/practice merge 1 into 1")
    await bot.say("admin", f"/practice retire {kept}")
    await bot.press("admin", "Retire it")
    assert "No practice found" in await bot.text("carla", "/practices buddy")
    assert "outdated" in await bot.text("carla", f"/practice {kept}")
    # A member cannot: their words start a practice's title, or are refused.
    assert "Organisers merge" in await bot.text("carla", "/practice merge 1 into 2")
    actions = [row[0] for row in await bot.repos.db.fetch_all(
        "SELECT action FROM audit WHERE action IN ('practice.merge', 'practice.retire') ORDER BY id")]
    assert actions == ["practice.merge", "practice.retire"]


@pytest.mark.parametrize("typed", ["９９９９９９９９９９９９９９９９９９９９", "#123456789012345678901234", "0"])
async def test_a_number_no_practice_has_reads_like_any_missing_practice(network, typed):
    bot = network
    said = await bot.text("carla", f"/practice {typed}")
    assert said.startswith("There is no practice #")
    assert await bot.repos.conversations.get((await bot.member("carla")).id) is None  # nothing started


async def test_after_a_session_members_share_a_practice_and_say_what_a_future_meeting_should_address(network):
    from tests.test_sessions import at, fire

    bot = network
    await bot.say("admin", "/newsession Evening debrief start:25 November 2026 21:00 end:22:30 themes:Detention")
    await bot.press("admin", "Create")
    for who in ("bob", "carla"):
        await bot.say(who, "/subscribe 1")
    bot.clock.now = at(2026, 11, 26, 9, 0)
    for message in await fire(bot):
        if message.member_id == (await bot.member("bob")).id:
            bot.last["bob"] = message.reply
        if message.member_id == (await bot.member("carla")).id:
            bot.last["carla"] = message.reply
    await bot.press("bob", "Yes, I took part")
    after = bot.last["bob"]
    assert "A practice from session #1" in await bot.press_text("bob", "Share a practice from it")
    await bot.say("bob", "Listening circles")
    await bot.say("bob", "Neighbours and newcomers listen to each other's stories.")
    await bot.press("bob", "Western Europe")
    await bot.press("bob", "Detention")
    await bot.press("bob", "Done")
    await bot.press("bob", "Skip")  # the kind of actor
    practice = await bot.repos.practices.by_author((await bot.member("bob")).id)
    assert practice == [] and "What worked?" in plain([bot.last["bob"]])  # nothing stored before Submit
    await bot.say("bob", "/cancel")
    bot.last["bob"] = after
    await bot.press("bob", "What should a future meeting address?")
    await bot.say("bob", "Alternatives to <b>detention</b> for families")
    assert "The organisers will read it" in await bot.press_text("bob", "Detention")
    await bot.press("carla", "No")
    await bot.press("carla", "What should a future meeting address?")
    await bot.say("carla", "Funding for small groups")
    await bot.press("carla", "Skip")
    grouped = await bot.text("admin", "/feedback 1")
    assert "What members want after session #1, Evening debrief" in grouped
    assert grouped.index("Detention (1)") < grouped.index("Alternatives to <b>detention</b> for families") \
        < grouped.index("No theme (1)") < grouped.index("Funding for small groups")
    assert "Nobody has said yet" not in await bot.text("admin", "/feedback")
    assert "There is no session #9" in await bot.text("admin", "/feedback 9")
    assert "/feedback" not in await bot.text("carla", "/help")  # organisers only
    assert "Alternatives" not in await bot.text("carla", "/feedback")


async def test_export_holds_a_members_practices_reports_and_feedback(network):
    import json

    bot = network
    number = await share(bot, "bob", "Myth-busting cards")
    await approve(bot, number)
    await bot.say("carla", f"/practice {number}")
    await bot.press("carla", "Worked for us too")
    await bot.say("carla", "Worked in Porto")
    await bot.repos.practices.add_feedback(None, (await bot.member("carla")).id, None, "Funding",
                                           int(bot.clock.now.timestamp()))
    bob = json.loads((await bot.say("bob", "/export"))[0].attachment.content)
    assert [p["title"] for p in bob["practices_shared"]] == ["Myth-busting cards"]
    assert bob["practices_shared"][0]["state"] == "approved"
    carla = json.loads((await bot.say("carla", "/export"))[0].attachment.content)
    assert carla["practices_reported_on"][0]["verdict"] == "worked" and carla["practices_reported_on"][0]["note"] \
        == "Worked in Porto"
    assert carla["future_meetings_should_address"][0]["text"] == "Funding"


@pytest.mark.parametrize("keep", [True, False])
async def test_forget_erases_reports_and_feedback_and_the_practices_or_leaves_them_anonymous(network, keep):
    bot = network
    number = await share(bot, "bob", "Myth-busting cards")
    await approve(bot, number)
    await bot.say("carla", f"/practice {number}")
    await bot.press("carla", "Worked for us too")
    await bot.press("carla", "Skip")
    await bot.say("carla", "/forget")
    assert bot.labels("carla") == ["Yes, erase everything", "No, keep my data"]  # no practice of hers to ask about
    await bot.press("carla", "Yes, erase everything")
    assert "worked for" not in await bot.text("admin", f"/practice {number}")
    said = await bot.text("bob", "/forget")
    assert "You shared 1 practice in the toolbox" in said
    await bot.press("bob", "leave my practices, anonymous" if keep else "Yes, erase everything")
    found = await bot.text("admin", f"/practice {number}")
    if keep:
        assert "Myth-busting cards" in found and "a member in Western Europe" in found and "Bob" not in found
        assert "Myth-busting cards" in await bot.text("admin", "/practices cards")
    else:
        assert found.startswith("There is no practice #1")
        assert "No practice found" in await bot.text("admin", "/practices cards")

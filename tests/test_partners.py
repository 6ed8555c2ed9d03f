"""Partner searches and introductions: members find partners by theme and region, and learn each other's contact
line only once both have agreed. The clock starts on Monday 23 November 2026, 09:00 UTC (10:00 in Paris).

Lina is on Telegram and Bob on Discord (console-level persons of those platforms), so every introduction between
them crosses platforms."""

from __future__ import annotations

import json

from markupsafe import Markup

from handlers.commitments import CommitmentRef
from handlers.events import Reply
from handlers.formatting import to_plain
from tests.conftest import plain

DAY = 24 * 3600
LINA, BOB = "telegram:501", "discord:77"
CONTACTS = {LINA: "Signal LINA-CONTACT-501", BOB: "Matrix BOB-CONTACT-77", "carla": "email CARLA-CONTACT@x.org",
            "dan": "Threema DAN-CONTACT", "eve": "Wire EVE-CONTACT", "admin": "Signal AMINA-CONTACT"}


async def _code(bot) -> str:
    return (await bot.text("admin", "/invite 50")).split("Invite code: ")[1].split()[0]


async def _person(bot, who: str, name: str, *, themes=("detention",), regions=("western-europe",),
                  languages=("en",), kind="journalist-or-media") -> int:
    """A member who joined with an invite, then given these themes, regions, languages and kind of actor."""
    await bot.join(who, code=await _code(bot), name=name, contact=CONTACTS.get(who, f"Signal {name}-CONTACT"))
    return await _set(bot, who, themes=themes, regions=regions, languages=languages, kind=kind)


async def _set(bot, who: str, *, themes=None, regions=None, languages=None, kind=None) -> int:
    from storage.members import Region

    member = await bot.member(who)
    now = int(bot.clock.now.timestamp())
    if themes is not None:
        await bot.repos.members.set_themes(member.id, list(themes), now)
    if regions is not None:
        await bot.repos.members.set_regions(member.id, [Region(r, False) for r in regions], now)
    if languages is not None:
        await bot.repos.members.set_languages(member.id, list(languages), now)
    if kind is not None:
        await bot.repos.members.set_field(member.id, "actor_kind", kind, now)
    return member.id


async def _network(bot) -> dict[str, int]:
    """Amina (admin, on other themes), Lina and Bob (detention, Western Europe, English and French), Carla
    (detention, Western Europe, English)."""
    await bot.join("admin", name="Amina", contact=CONTACTS["admin"])
    ids = {"admin": await _set(bot, "admin", themes=("countering-online-hate-speech",), regions=("global-online",))}
    ids[LINA] = await _person(bot, LINA, "Lina", languages=("en", "fr"), kind="human-rights-defender")
    ids[BOB] = await _person(bot, BOB, "Bob", languages=("en", "fr"))
    ids["carla"] = await _person(bot, "carla", "Carla", kind="local-authority")
    return ids


class Seen:
    """Every reply anyone got and every message the bot sent on its own, to scan."""

    def __init__(self, bot) -> None:
        self.bot, self.replies = bot, []
        original = bot._remember

        def remember(who, replies):
            self.replies += [(who, r) for r in replies]
            return original(who, replies)

        bot._remember = remember

    def texts(self) -> list[str]:
        out = [str(r.text) + " " + " ".join(b.label for b in r.button_list()) for _w, r in self.replies]
        return out + [str(q.reply.text) + " " + " ".join(b.label for b in q.reply.button_list())
                      for q in self.bot.recorder.queued]

    def to(self, who_id: int, since: int = 0) -> list[str]:
        """What the bot sent on its own to one member."""
        return [to_plain(q.reply.text) for q in self.bot.recorder.queued[since:] if q.member_id == who_id]


def _queued(bot, member_id: int, kind: str | None = None, since: int = 0) -> list:
    return [q for q in bot.recorder.queued[since:] if q.member_id == member_id and (kind is None or q.kind == kind)]


async def _run_due(bot, **advance: float) -> list:
    before = len(bot.recorder.queued)
    bot.clock.advance(**advance)
    await bot.core.run_due()
    return bot.recorder.queued[before:]


async def _search(bot, who: str, args: str = "theme:Detention region:Western Europe") -> str:
    return await bot.text(who, f"/partner {args}".strip())


async def _ask(bot, who: str, *names: str, args: str = "theme:Detention region:Western Europe",
               note: str | None = None) -> str:
    """Search, pick these people, send; the answer to Send."""
    text = await _search(bot, who, args + (f" note:{note}" if note else ""))
    for name in names:
        assert f". {name}" in " ".join(bot.labels(who)), (name, text)
        await bot.press(who, f". {name}")
    return await bot.press_text(who, "Send")


async def _request_to(bot, member_id: int, since: int = 0) -> Reply:
    """The latest introduction request the bot sent a member, made the message their buttons are pressed on."""
    requests = [q for q in _queued(bot, member_id, "introduction", since) if q.reply.buttons]
    assert requests, "no introduction request"
    return requests[-1].reply


def _listed(text: str) -> list[str]:
    """The names of a search's results, in order."""
    return [line.split(". ", 1)[1].split(" — ")[0] for line in text.splitlines()
            if line[:1].isdigit() and ". " in line and " — " in line]


# --- searching -------------------------------------------------------------------------------------------------


async def test_ranking_explanations_and_who_never_appears(bot):
    ids = await _network(bot)
    now = int(bot.clock.now.timestamp())
    await bot.repos.commitments.create(ids[BOB], "Run a fact-checking workshop in Lyon", due_at=None,
                                       theme="detention", region="western-europe", visibility="network", now=now)
    ids["dan"] = await _person(bot, "dan", "Dan", kind="local-authority")
    await bot.repos.commitments.create(ids["dan"], "Map the shelters", due_at=None, theme="detention", region=None,
                                       visibility="network", now=now)
    await bot.repos.commitments.create(ids["carla"], "Secret plan on detention", due_at=None, theme="detention",
                                       region=None, visibility="private", now=now)
    await _person(bot, "eve", "Eve", regions=("northern-africa",), languages=("en", "fr"))  # the theme only
    await _person(bot, "frank", "Frank", themes=("access-to-health",), regions=("northern-africa",))
    await _person(bot, "gina", "Gina")
    await bot.say("gina", "/matching off")
    await _person(bot, "hugo", "Hugo")
    await bot.say("admin", f"/block #{(await bot.member('hugo')).id}")
    await bot.say("ivan", f"/start {await _code(bot)}")  # joined, but never finished the profile
    await bot.press("ivan", "I understand")
    await _set(bot, "ivan", themes=("detention",), regions=("western-europe",), languages=("en",))

    text = await _search(bot, LINA)
    # Bob and Dan and Carla match both; Bob shares two languages, Dan one and a related commitment, Carla one.
    assert _listed(text) == ["Bob", "Dan", "Carla", "Eve"]
    assert "People who may partner with you (Detention · Western Europe)" in text
    assert "1. Bob — Journalist or media" in text and "3. Carla — Local authority" in text
    assert ("works on Detention · works in Western Europe · speaks English, French · has an open commitment on "
            "this: “Run a fact-checking workshop in Lyon”") in text
    assert "works on Detention · works in Western Europe · speaks English · has an open commitment on this: " \
           "“Map the shelters”" in text
    assert "Secret plan" not in text  # a private commitment is never a reason
    assert "works on Detention · speaks English, French" in text  # Eve: the theme, not the region
    for absent in ("Frank", "Gina", "Hugo", "Ivan", "Lina", "Amina"):
        assert absent not in text
    assert not any(contact in text for contact in CONTACTS.values())
    assert "#" not in text  # no member numbers
    assert bot.labels(LINA) == ["1. Bob", "2. Dan", "3. Carla", "4. Eve", "Send (0 chosen)", "Cancel"]


async def test_at_most_five_people_and_the_order_of_equals_is_not_the_order_of_joining(bot):
    await _network(bot)
    for n in range(8):
        await _person(bot, f"p{n}", f"Person{n}", languages=("en", "fr"))
    orders = set()
    for _ in range(5):
        text = await _search(bot, LINA)
        names = _listed(text)
        assert len(names) == 5 and len(bot.labels(LINA)) == 5 + 2
        orders.add(tuple(names))
        bot.clock.advance(hours=6)
    assert len(orders) > 1  # equals come in a different order each time


async def test_guided_search_asks_theme_region_language_and_note(bot):
    await _network(bot)
    text = await bot.text(LINA, "/partner")
    assert "Which theme" in text and "Any theme" in bot.labels(LINA)
    assert bot.labels(LINA)[0] == "Detention"  # her own themes first
    text = await bot.press_text(LINA, "Detention")
    assert "Which region" in text
    text = await bot.press_text(LINA, "Western Europe")
    assert "particular language" in text and bot.labels(LINA)[:2] == ["English", "French"]
    assert "Add a short note" in await bot.press_text(LINA, "French")
    text = await bot.text(LINA, "Looking for a journalist to co-run a fact-checking workshop")
    assert "People who may partner with you (Detention · Western Europe · French)" in text
    assert "Your note: Looking for a journalist" in text
    assert _listed(text) == ["Bob"]  # Carla speaks no French
    request = (await bot.repos.partners.requests_for((await bot.member(LINA)).id))[0]
    assert (request.theme, request.region, request.language, request.found) == ("detention", "western-europe",
                                                                                 "fr", 1)


async def test_choosing_neither_theme_nor_region_asks_again(bot):
    await _network(bot)
    await bot.say(LINA, "/partner")
    await bot.press(LINA, "Any theme")
    text = await bot.press_text(LINA, "Any region")
    assert "Please choose at least a theme or a region" in text and "Which theme" in text
    await bot.text(LINA, "detention")  # typed
    await bot.press(LINA, "Any region")
    await bot.press(LINA, "Any language")
    text = await bot.press_text(LINA, "Skip")
    assert _listed(text) == ["Bob", "Carla"]


# --- consent ---------------------------------------------------------------------------------------------------


async def test_contacts_only_after_both_agreed_across_telegram_and_discord(bot):
    ids = await _network(bot)
    seen = Seen(bot)
    sent = await _ask(bot, LINA, "Bob", "Carla", note="co-run a fact-checking workshop")
    assert "Introduction requests sent to Bob, Carla" in sent

    to_bob = await _request_to(bot, ids[BOB])
    shown = to_plain(to_bob.text)
    assert "Lina (Human-rights defender) would like to be introduced to you." in shown
    assert "Why you: you work on Detention · you work in Western Europe · you both speak English, French" in shown
    assert "Their note: co-run a fact-checking workshop" in shown
    assert [b.label for b in to_bob.button_list()] == ["Accept", "Not now", "Decline", "Decline and block"]
    assert _queued(bot, ids[BOB], "introduction")[-1].not_before is None  # 10:00 in Paris: not quiet hours
    await bot.text(LINA, "/partners")
    await bot.text(BOB, "/partners")
    for text in seen.texts():
        assert not any(contact in text for contact in CONTACTS.values()), text

    before = len(bot.recorder.queued)
    bot.last[BOB] = to_bob
    accepted = await bot.press_text(BOB, "Accept")
    assert "You and Lina (Human-rights defender) are introduced." in accepted
    assert f"How to reach Lina: {CONTACTS[LINA]}" in accepted
    told = seen.to(ids[LINA], before)
    assert len(told) == 1 and f"How to reach Bob: {CONTACTS[BOB]}" in told[0]
    assert CONTACTS["carla"] not in " ".join(seen.texts())  # Carla has not answered
    assert CONTACTS[LINA] not in " ".join(seen.to(ids["carla"]))
    overview = await bot.text(LINA, "/partners")
    assert f"Bob (Journalist or media) — introduced on Monday 23 November 2026 — contact: {CONTACTS[BOB]}" \
        in overview
    assert "1 introduced · 1 waiting · 0 not available" in overview


async def test_a_member_without_a_contact_line_is_told_to_add_one_and_the_other_still_hears(bot):
    ids = await _network(bot)
    await bot.repos.members.set_field(ids[BOB], "contact", None, int(bot.clock.now.timestamp()))
    await _ask(bot, LINA, "Bob")
    bot.last[BOB] = await _request_to(bot, ids[BOB])
    before = len(bot.recorder.queued)
    text = await bot.press_text(BOB, "Accept")
    assert f"How to reach Lina: {CONTACTS[LINA]}" in text
    assert "You have no contact line in your profile" in text and "/profile" in text
    told = " ".join(to_plain(q.reply.text) for q in _queued(bot, ids[LINA], since=before))
    assert "Bob has no contact line in their profile yet" in told and "You and Bob" in told


# --- declines, not now, repeats, blocks ------------------------------------------------------------------------


async def test_a_decline_is_never_announced_the_searcher_later_hears_not_available(bot):
    ids = await _network(bot)
    seen = Seen(bot)
    await _ask(bot, LINA, "Bob")
    bot.last[BOB] = await _request_to(bot, ids[BOB])
    text = await bot.press_text(BOB, "Decline")
    assert "Lina is not told that you declined" in text
    assert seen.to(ids[LINA]) == []
    assert [q for q in await _run_due(bot, days=3) if q.member_id == ids[LINA]] == []
    assert "0 introduced · 1 waiting · 0 not available" in await bot.text(LINA, "/partners")
    later = [q for q in await _run_due(bot, days=4) if q.member_id == ids[LINA]]
    assert len(later) == 1
    assert "Not available this time: one of the people you asked to be introduced to for Detention · Western " \
           "Europe is not available." in to_plain(later[0].reply.text)
    assert "0 introduced · 0 waiting · 1 not available" in await bot.text(LINA, "/partners")
    lina_saw = " ".join(seen.to(ids[LINA])) + " ".join(str(r.text) for w, r in seen.replies if w == LINA)
    assert "declin" not in lina_saw.lower()
    assert await _run_due(bot, days=30) == []


async def test_not_now_asks_once_more_then_counts_as_not_available(bot):
    ids = await _network(bot)
    await _ask(bot, LINA, "Bob")
    bot.last[BOB] = await _request_to(bot, ids[BOB])
    assert "ask you once more in 3 days" in await bot.press_text(BOB, "Not now")
    assert await _run_due(bot, days=2) == []
    again = await _run_due(bot, days=1)
    assert [q.member_id for q in again] == [ids[BOB]]
    assert "You asked me to ask you again later." in to_plain(again[0].reply.text)
    assert [b.label for b in again[0].reply.button_list()] == ["Accept", "Decline", "Decline and block"]
    told = await _run_due(bot, days=4)  # no answer: a week after Not now
    assert [(q.member_id, "not available" in to_plain(q.reply.text)) for q in told] == [(ids[LINA], True)]
    bot.last[BOB] = again[0].reply
    assert "no longer open" in await bot.press_text(BOB, "Accept")
    assert await _run_due(bot, days=30) == []


async def test_not_now_then_accept_when_asked_again(bot):
    ids = await _network(bot)
    await _ask(bot, LINA, "Bob")
    bot.last[BOB] = await _request_to(bot, ids[BOB])
    await bot.press(BOB, "Not now")
    again = await _run_due(bot, days=3)
    bot.last[BOB] = again[0].reply
    assert f"How to reach Lina: {CONTACTS[LINA]}" in await bot.press_text(BOB, "Accept")
    assert [q for q in await _run_due(bot, days=5) if "not available" in to_plain(q.reply.text)] == []


async def test_never_proposed_again_after_an_introduction_nor_to_or_by_someone_who_blocked(bot):
    ids = await _network(bot)
    await _person(bot, "dan", "Dan")
    await _ask(bot, LINA, "Bob", "Carla")
    bot.last[BOB] = await _request_to(bot, ids[BOB])
    await bot.press(BOB, "Accept")
    bot.last["carla"] = await _request_to(bot, ids["carla"])
    text = await bot.press_text("carla", "Decline and block")
    assert "never be proposed to each other again" in text
    assert _listed(await _search(bot, LINA)) == ["Dan"]
    assert "Lina" not in _listed(await _search(bot, BOB))
    assert "Lina" not in _listed(await _search(bot, "carla"))
    assert "Carla" in _listed(await _search(bot, "dan"))  # a block is between two members only


async def test_the_sixth_search_in_a_day_is_refused_and_lists_nobody(bot):
    await _network(bot)
    for _ in range(5):
        assert "Bob" in await _search(bot, LINA)
    text = await _search(bot, LINA)
    assert "You have made 5 partner searches in the last 24 hours" in text
    assert "Bob" not in text and "Carla" not in text and bot.last[LINA].buttons  # the old list stays as it was
    assert "5 partner searches" in await bot.text(LINA, "/partner")  # refused before any question
    bot.clock.advance(hours=24, seconds=1)
    assert "Bob" in await _search(bot, LINA)


async def test_a_paused_member_is_never_proposed_until_matching_is_on_again(bot):
    await _network(bot)
    assert "Matching is on" in await bot.text(BOB, "/matching")
    assert "Matching is paused" in await bot.text(BOB, "/matching off")
    assert _listed(await _search(bot, LINA)) == ["Carla"]
    assert "Matching is paused" in await bot.text(BOB, "/partners")
    await bot.text(BOB, "/matching on")
    assert "Bob" in _listed(await _search(bot, LINA))


# --- follow-up and joint commitments ---------------------------------------------------------------------------


async def test_follow_up_after_a_week_and_yes_registers_a_joint_commitment_for_both(bot):
    ids = await _network(bot)
    await _ask(bot, LINA, "Bob")
    bot.last[BOB] = await _request_to(bot, ids[BOB])
    await bot.press(BOB, "Accept")
    assert [q for q in await _run_due(bot, days=6) if q.kind == "follow-up"] == []
    asked = [q for q in await _run_due(bot, days=1) if q.kind == "follow-up"]
    assert sorted(q.member_id for q in asked) == sorted([ids[LINA], ids[BOB]])
    to_lina = next(q for q in asked if q.member_id == ids[LINA])
    assert "Did you connect? You were introduced to Bob on Monday 23 November 2026." in to_plain(to_lina.reply.text)
    assert [b.label for b in to_lina.reply.button_list()] == ["Yes", "Not yet", "No"]

    bot.last[LINA] = to_lina.reply
    assert "joint commitment" in await bot.press_text(LINA, "Yes")
    text = await bot.press_text(LINA, "Register a joint commitment")
    assert "A joint commitment with Bob" in text and "What do you commit to doing?" in text
    await bot.say(LINA, "Co-run a fact-checking workshop")
    await bot.press(LINA, "In a month")  # theme and region come from the search
    summary = await bot.press_text(LINA, "The network")
    assert "Together with: Bob" in summary and "Theme: Detention" in summary and "Region: Western Europe" in summary
    before = len(bot.recorder.queued)
    registered = await bot.press_text(LINA, "Register")
    assert "It is also in Bob's commitments, as #2." in registered
    told = _queued(bot, ids[BOB], since=before)
    assert len(told) == 1 and "Lina registered a joint commitment with you: #2" in to_plain(told[0].reply.text)
    assert "together with Bob" in await bot.text(LINA, "/commitments")
    bob_list = await bot.text(BOB, "/commitments")
    assert "#2 Co-run a fact-checking workshop" in bob_list and "together with Lina" in bob_list
    joint = [await bot.repos.commitments.get(n) for n in (1, 2)]
    assert [(c.member_id, c.joint_with) for c in joint] == [(ids[LINA], ids[BOB]), (ids[BOB], ids[LINA])]

    to_bob = next(q for q in asked if q.member_id == ids[BOB])
    bot.last[BOB] = to_bob.reply
    assert "ask once more in 7 days" in await bot.press_text(BOB, "Not yet")
    again = [q for q in await _run_due(bot, days=7) if q.kind == "follow-up"]
    assert [q.member_id for q in again] == [ids[BOB]]
    assert [b.label for b in again[0].reply.button_list()] == ["Yes", "No"]
    bot.last[BOB] = again[0].reply
    assert "Thank you" in await bot.press_text(BOB, "No")
    assert [q for q in await _run_due(bot, days=30) if q.kind == "follow-up"] == []


# --- organisers ------------------------------------------------------------------------------------------------


async def test_organisers_see_gaps_and_introduce_two_members_with_consent_on_both_sides(bot):
    ids = await _network(bot)
    seen = Seen(bot)
    text = await _search(bot, LINA, "theme:Access to health region:Northern Africa note:a nurse for a clinic")
    assert "Nobody in the network matches Access to health · Northern Africa right now" in text
    assert "Only organisers" in await bot.text(BOB, "/partners gaps")
    gaps = await bot.text("admin", "/partners gaps")
    assert "Access to health · Northern Africa: 1" in gaps
    assert f"Lina (#{ids[LINA]}) — Access to health · Northern Africa" in gaps and "a nurse for a clinic" in gaps

    sent = await bot.text("admin", f"/introduce #{ids[LINA]} #{ids['carla']} Both of you work with clinics")
    assert "Introduction requests sent to Lina and Carla" in sent
    to_lina, to_carla = await _request_to(bot, ids[LINA]), await _request_to(bot, ids["carla"])
    assert "Amina, an organiser of Test Network, suggests that you meet Carla (Local authority)." in \
        to_plain(to_lina.text)
    assert "Note: Both of you work with clinics" in to_plain(to_carla.text)
    bot.last[LINA] = to_lina
    text = await bot.press_text(LINA, "Accept")
    assert "Carla has been asked too" in text
    for shown in seen.texts():
        assert CONTACTS["carla"] not in shown and CONTACTS[LINA] not in shown
    before = len(bot.recorder.queued)
    bot.last["carla"] = to_carla
    text = await bot.press_text("carla", "Accept")
    assert f"How to reach Lina: {CONTACTS[LINA]}" in text
    assert any(f"How to reach Carla: {CONTACTS['carla']}" in t for t in seen.to(ids[LINA], before))
    to_admin = seen.to(ids["admin"], before)
    assert len(to_admin) == 1 and "Introduction made" in to_admin[0]
    assert not any(c in to_admin[0] for c in CONTACTS.values())
    assert "Carla and Lina — introduced" in await bot.text("admin", "/partners") or \
        "Lina and Carla — introduced" in await bot.text("admin", "/partners")


async def test_an_organisers_introduction_that_one_side_declines_tells_nobody_why(bot):
    ids = await _network(bot)
    await bot.text("admin", f"/introduce #{ids[LINA]} #{ids[BOB]}")
    bot.last[LINA] = await _request_to(bot, ids[LINA])
    await bot.press(LINA, "Accept")
    bot.last[BOB] = await _request_to(bot, ids[BOB])
    await bot.press(BOB, "Decline")
    told = await _run_due(bot, days=7)
    texts = {q.member_id: to_plain(q.reply.text) for q in told}
    assert set(texts) == {ids[LINA], ids["admin"]}
    assert "the other person in the introduction an organiser suggested to you is not available" in texts[ids[LINA]]
    assert "was not accepted by both in time" in texts[ids["admin"]]
    assert "declin" not in (texts[ids[LINA]] + texts[ids["admin"]]).lower()


async def test_an_organiser_cannot_introduce_members_who_blocked_each_other_and_nobody_learns_it(bot):
    ids = await _network(bot)
    await _ask(bot, LINA, "Bob")
    bot.last[BOB] = await _request_to(bot, ids[BOB])
    await bot.press(BOB, "Decline and block")
    before = len(bot.recorder.queued)
    sent = await bot.text("admin", f"/introduce #{ids[BOB]} #{ids[LINA]} try again")
    assert "Introduction requests sent to Bob and Lina" in sent  # the same words as ever
    assert bot.recorder.queued[before:] == []  # but neither is asked
    told = {q.member_id: to_plain(q.reply.text) for q in await _run_due(bot, days=7)}
    assert "was not accepted by both in time" in told[ids["admin"]] and ids[BOB] not in told
    assert "Only organisers" in await bot.text(LINA, f"/introduce #{ids[BOB]} #{ids['carla']}")
    assert "same member" in await bot.text("admin", f"/introduce #{ids[BOB]} #{ids[BOB]}")
    assert "/partner" in await bot.text("admin", f"/introduce #{ids['admin']} #{ids[BOB]}")
    assert "Usage" in await bot.text("admin", "/introduce")


# --- need help -------------------------------------------------------------------------------------------------


async def test_need_help_offers_a_search_on_the_commitments_theme_and_region(bot):
    ids = await _network(bot)
    await bot.say(LINA, "/commit Visit the detention centre by tomorrow theme:Detention region:Western Europe "
                        "visibility:me")
    await bot.press(LINA, "Register")
    check_in = next(q for q in await _run_due(bot, days=1) if q.member_id == ids[LINA])
    bot.last[LINA] = check_in.reply
    text = await bot.press_text(LINA, "Need help")
    assert "partner" in text and bot.labels(LINA) == ["Find a partner"]
    text = await bot.press_text(LINA, "Find a partner")
    assert "People who may partner with you (Detention · Western Europe)" in text
    assert _listed(text) == ["Bob", "Carla"]
    assert "Visit the detention centre" not in text  # a private commitment's text goes nowhere


# --- data rights -----------------------------------------------------------------------------------------------


async def test_export_holds_searches_and_introductions_but_never_the_other_sides_answer(bot):
    ids = await _network(bot)
    await _ask(bot, LINA, "Bob", "Carla", note="workshop")
    bot.last[BOB] = await _request_to(bot, ids[BOB])
    await bot.press(BOB, "Accept")
    bot.last["carla"] = await _request_to(bot, ids["carla"])
    await bot.press("carla", "Decline and block")
    lina = json.loads((await bot.say(LINA, "/export"))[0].attachment.content)["partners"]
    assert lina["matching_on"] is True
    assert [(s["theme"], s["region"], s["note"], s["people_proposed"], s["introductions"])
            for s in lina["searches"]] == [("detention", "western-europe", "workshop", 2,
                                           {"introduced": 1, "waiting": 1, "not_available": 0})]
    statuses = sorted((i["status"], i["with"], i["your_answer"]) for i in lina["introductions"])
    assert statuses == [("introduced", "Bob", "accepted"), ("waiting", None, "accepted")]
    assert "declined" not in json.dumps(lina) and "Carla" not in json.dumps(lina)
    assert str(ids["carla"]) not in [str(v) for i in lina["introductions"] for v in i.values()]
    carla = json.loads((await bot.say("carla", "/export"))[0].attachment.content)["partners"]
    assert [(i["your_answer"], i["status"], i["note"]) for i in carla["introductions"]] == [
        ("declined", "waiting", "workshop")]
    assert carla["members_you_blocked"][0]["name"] == "Lina"


async def test_forget_takes_a_person_out_of_pending_requests_and_the_other_side_sees_only_not_available(bot):
    ids = await _network(bot)
    await _ask(bot, LINA, "Bob", "Carla", note="LINA-UNIQUE-NOTE")
    to_carla = await _request_to(bot, ids["carla"])
    await bot.say(BOB, "/forget")
    await bot.press(BOB, "Yes, erase")
    assert "1 waiting" not in await bot.text(LINA, "/partners")  # both still waiting: nothing shows a change
    assert "0 introduced · 2 waiting · 0 not available" in await bot.text(LINA, "/partners")
    told = [q for q in await _run_due(bot, days=7) if q.member_id == ids[LINA]]
    assert len(told) == 2 and all("is not available" in to_plain(q.reply.text) for q in told)
    assert len({to_plain(q.reply.text) for q in told}) == 1  # the erased and the silent read the same
    everything = repr([tuple(r) for r in await bot.repos.db.fetch_all(
        "SELECT * FROM introductions UNION ALL SELECT * FROM introductions")])
    assert "Bob" not in everything and CONTACTS[BOB] not in everything

    # The searcher leaves: the request waiting for Carla can no longer be answered, and her note is gone.
    await _ask(bot, LINA, "Carla", args="theme:Detention")
    to_carla = await _request_to(bot, ids["carla"])
    await bot.say(LINA, "/forget")
    await bot.press(LINA, "Yes, erase")
    bot.last["carla"] = to_carla
    assert "no longer open" in await bot.press_text("carla", "Accept")
    rows = await bot.repos.db.fetch_all("SELECT note FROM introductions")
    assert all(r[0] == "" for r in rows)
    assert await bot.repos.partners.requests_for(ids[LINA]) == []
    assert await bot.repos.partners.requests_for(ids[BOB]) == []


# --- bad input and buttons -------------------------------------------------------------------------------------


async def test_unknown_theme_is_asked_again_with_buttons(bot):
    await _network(bot)
    text = await _search(bot, LINA, "theme:Cooking region:Western Europe")
    assert "The network has no theme “Cooking”" in text and "Which theme" in text
    assert await bot.repos.partners.requests_for((await bot.member(LINA)).id) == []
    text = await _search(bot, LINA, "theme:Detention language:Klingonese")
    assert "I don't know the language “Klingonese”" in text and "particular language" in text


async def test_long_notes_are_refused_and_markup_in_a_note_is_shown_literally(bot):
    ids = await _network(bot)
    assert "too long (10046 characters)" in await _search(bot, LINA, "theme:Detention note:" + "x" * 10_016)
    assert "Your note is 301 characters; the most is 300" in await _search(bot, LINA, "theme:Detention note:" +
                                                                           "y" * 301)
    await bot.say(LINA, "/partner")
    await bot.press(LINA, "Detention")
    await bot.press(LINA, "Any region")
    await bot.press(LINA, "Any language")
    assert "too long (10000 characters)" in await bot.text(LINA, "z" * 10_000)
    assert "the most is 300" in await bot.text(LINA, "z" * 400)
    assert await bot.repos.partners.requests_for(ids[LINA]) == []
    note = "<b>Big</b> & <a href='x'>workshop</a>"
    text = await bot.text(LINA, note)
    assert f"Your note: {note}" in text
    await bot.press(LINA, ". Bob")
    await bot.press(LINA, "Send")
    request = await _request_to(bot, ids[BOB])
    assert "&lt;b&gt;Big&lt;/b&gt; &amp; &lt;a href=&#39;x&#39;&gt;" in str(request.text)
    assert f"Their note: {note}" in to_plain(request.text)


async def test_buttons_pressed_twice_or_by_someone_else_change_nothing(bot):
    ids = await _network(bot)
    await _search(bot, LINA)
    await bot.press(LINA, ". Bob")
    picking = bot.last[LINA]
    assert "Introduction requests sent to Bob" in await bot.press_text(LINA, "Send")
    bot.last[LINA] = picking
    assert "already been answered" in await bot.press_text(LINA, "Send")
    assert "already been answered" in await bot.press_text(LINA, ". Carla")
    assert len(await bot.repos.partners.for_member(ids[LINA])) == 1

    request = await _request_to(bot, ids[BOB])
    bot.last["carla"] = request
    assert "not meant for you" in await bot.press_text("carla", "Accept")
    bot.last[BOB] = request
    assert "You and Lina" in await bot.press_text(BOB, "Accept")
    bot.last[BOB] = request
    assert "already pressed" in await bot.press_text(BOB, "Decline")
    assert (await bot.repos.partners.for_member(ids[BOB]))[0].status == "introduced"

    await _search(bot, LINA)
    assert "Tap at least one person first" in await bot.press_text(LINA, "Send")
    assert "Nobody was asked" in await bot.press_text(LINA, "Cancel")


async def test_waiting_requests_can_be_answered_from_partners(bot):
    ids = await _network(bot)
    await _ask(bot, LINA, "Bob")
    text = await bot.text(BOB, "/partners")
    assert "Lina (Human-rights defender) would like to be introduced to you" in text
    assert bot.labels(BOB) == ["Answer Lina"]
    shown = await bot.press_text(BOB, "Answer Lina")
    assert "Their note" not in shown and "Why you" in shown
    assert f"How to reach Lina: {CONTACTS[LINA]}" in await bot.press_text(BOB, "Accept")
    bot.last[BOB] = await _request_to(bot, ids[BOB])  # the request as first sent
    assert "no longer open" in await bot.press_text(BOB, "Decline")


async def test_partner_needs_a_finished_profile(bot):
    await bot.join("admin", name="Amina")
    await bot.say("newbie", f"/start {await _code(bot)}")
    await bot.press("newbie", "I understand")
    assert "finish setting up your profile" in await bot.text("newbie", "/partner theme:Detention")
    assert "/partner" in plain(await bot.say("admin", "/help"))


# --- through the real adapters ---------------------------------------------------------------------------------


async def test_a_discord_member_finds_a_telegram_member_and_both_get_contacts_only_after_accepting(db_path):
    """Bob searches with the /partner slash command on Discord and picks from a menu; Lina answers the request
    with an inline button on Telegram; each then receives the other's contact line on their own platform."""
    from tests.two_platforms import both_platforms

    lina_tg = 4501
    async with both_platforms(db_path) as both:
        bot, tg, api, s, env, delivery = both.bot, both.tg, both.api, both.discord, both.env, both.outbox
        bob = s.person("bob")
        await s.onboard(bob, "Bob")
        await tg.join(lina_tg, "Lina")  # Detention, Northern Africa; no contact line yet
        await _set(bot, f"telegram:{lina_tg}", languages=("en", "fr"))
        lina = await bot.member(f"telegram:{lina_tg}")
        bob_member = await bot.repos.members.by_identity("discord", str(bob.id))
        now = int(bot.clock.now.timestamp())
        await bot.repos.members.set_field(lina.id, "contact", "Signal LINA-TG-CONTACT", now)
        await bot.repos.members.set_field(bob_member.id, "contact", "Matrix BOB-DISCORD-CONTACT", now)

        shown = await bob.slash("partner", theme="detention", region="northern-africa", note="a workshop in Tunis")
        assert "1\\. **Lina** — Faith leader\n*works on Detention · works in Northern Africa · speaks English*" \
            in shown
        assert "LINA-TG-CONTACT" not in shown
        await bob.choose("1. Lina")
        await bob.click("Send")
        await delivery.flush()
        request = api.texts(lina_tg)[-1]
        assert "Bob (Journalist or media) would like to be introduced to you." in request
        assert "Their note: a workshop in Tunis" in request and "BOB-DISCORD-CONTACT" not in request

        answered = await tg.press(lina_tg, "Accept")
        assert any("How to reach Bob: Matrix BOB-DISCORD-CONTACT" in t for t in answered)
        await delivery.flush()
        await env.settle()
        dm = bob.actor.user.dm_channel
        assert "How to reach Lina: Signal LINA-TG-CONTACT" in dm.last_message.content


async def test_follow_up_days_and_searches_per_day_come_from_the_settings(tmp_path):
    import pytest

    from bot.app import network_from
    from bot.settings import SettingsError, load_settings
    from tests.conftest import build_bot

    config = tmp_path / "config.toml"
    config.write_text("[partners]\nfollow_up_days = 3\nsearches_per_day = 2\n")
    network = network_from(load_settings(config))
    assert (network.partner_follow_up_days, network.partner_searches_per_day) == (3, 2)
    config.write_text("[partners]\nfollow_up_days = 0\n")
    with pytest.raises(SettingsError, match="partners.follow_up_days"):
        load_settings(config)

    from tests.conftest import make_network

    bot, db = await build_bot(tmp_path / "p.db", make_network(partner_follow_up_days=3, partner_searches_per_day=2))
    try:
        ids = await _network(bot)
        await _search(bot, LINA)
        assert "Introduction requests sent to Bob" in await _ask(bot, LINA, "Bob")
        assert "You have made 2 partner searches" in await _search(bot, LINA)
        bot.last[BOB] = await _request_to(bot, ids[BOB])
        assert "In 3 days I will ask you both" in await bot.press_text(BOB, "Accept")
        asked = [q for q in await _run_due(bot, days=3) if q.kind == "follow-up"]
        assert sorted(q.member_id for q in asked) == sorted([ids[LINA], ids[BOB]])
    finally:
        await db.close()


async def test_the_pairs_a_search_reads_follow_every_change_of_themes_and_regions(bot):
    from storage.members import Region

    ids = await _network(bot)
    now = int(bot.clock.now.timestamp())

    async def pairs() -> set[tuple[str, str]]:
        """The searches for a theme in a region that find Bob working on both."""
        found = set()
        for theme in ("detention", "access-to-health"):
            for region in ("western-europe", "northern-africa", "Lyon"):
                for candidate in await bot.repos.partners.candidates(ids["admin"], theme=theme, region=region,
                                                                     language=None, languages=(), pivot=0.0):
                    if candidate.member_id == ids[BOB] and candidate.theme and candidate.region:
                        found.add((theme, region))
        return found

    assert await pairs() == {("detention", "western-europe")}
    await bot.repos.members.set_themes(ids[BOB], ["detention", "access-to-health"], now)
    await bot.repos.members.set_regions(ids[BOB], [Region("northern-africa", False), Region("Lyon", True)], now)
    assert await pairs() == {("detention", "northern-africa"), ("access-to-health", "northern-africa")}
    assert _listed(await _search(bot, LINA, "theme:Access to health region:Northern Africa")) == ["Bob"]
    text = await _search(bot, LINA, "theme:Detention region:Western Europe")
    assert _listed(text) == ["Carla", "Bob"]  # Bob now matches the theme only
    assert "2. Bob — Journalist or media\nworks on Detention · speaks English, French" in text
    await bot.say(BOB, "/forget")
    await bot.press(BOB, "Yes, erase")
    assert await pairs() == set()


async def test_someone_who_paused_between_the_list_and_send_is_not_asked_and_nobody_can_tell(bot):
    ids = await _network(bot)
    await _search(bot, LINA)
    await bot.text(BOB, "/matching off")
    await bot.press(LINA, ". Bob")
    assert "Introduction requests sent to Bob." in await bot.press_text(LINA, "Send")
    assert _queued(bot, ids[BOB]) == []
    assert "Waiting for your answer" not in await bot.text(BOB, "/partners")
    bob = json.loads((await bot.say(BOB, "/export"))[0].attachment.content)["partners"]
    assert bob["introductions"] == []
    assert "0 introduced · 1 waiting · 0 not available" in await bot.text(LINA, "/partners")
    told = [q for q in await _run_due(bot, days=7) if q.member_id == ids[LINA]]
    assert len(told) == 1 and "is not available" in to_plain(told[0].reply.text)


async def test_after_forget_nothing_of_a_member_who_searched_was_asked_blocked_and_was_introduced_is_left(bot):
    from tests.test_data_rights import dump_database, member_references

    ids = await _network(bot)
    await _person(bot, "dan", "Dan")
    await bot.say(BOB, "/partner theme:Detention note:BOB-UNIQUE-NOTE")
    await bot.press(BOB, ". Lina")
    await bot.press(BOB, ". Carla")
    await bot.press(BOB, "Send")
    bot.last[LINA] = await _request_to(bot, ids[LINA])
    await bot.press(LINA, "Accept")
    bot.last["carla"] = await _request_to(bot, ids["carla"])
    await bot.press("carla", "Decline and block")
    await _ask(bot, "dan", "Bob", args="theme:Detention region:Western Europe")
    await bot.text("admin", f"/introduce #{ids[BOB]} #{ids['admin']}")  # refused: the organiser is a side
    await bot.text(BOB, "/matching off")
    await bot.say(BOB, "/forget")
    await bot.press(BOB, "Yes, erase")
    for table, column in await member_references(bot):
        row = await bot.repos.db.fetch_one(f"SELECT count(*) FROM {table} WHERE {column} = ?", (ids[BOB],))
        assert row[0] == 0, f"{table}.{column} still refers to the member"
    everything = repr(await dump_database(bot))
    for trace in ("BOB-UNIQUE-NOTE", CONTACTS[BOB], "'Bob'"):
        assert trace not in everything
    # Lina keeps her introduction, now with someone who has left; Dan's request waits, then lapses.
    assert "a member who has since left" in await bot.text(LINA, "/partners")
    told = [q for q in await _run_due(bot, days=7) if q.member_id == (await bot.member("dan")).id]
    assert len(told) == 1 and "is not available" in to_plain(told[0].reply.text)


async def test_an_introduction_request_waits_for_the_end_of_the_recipients_quiet_hours(bot):
    from datetime import UTC, datetime

    ids = await _network(bot)
    bot.clock.advance(hours=13, minutes=30)  # 22:30 UTC: 23:30 in Paris, where Bob is
    await _ask(bot, LINA, "Bob")
    request = _queued(bot, ids[BOB], "introduction")[-1]
    assert request.not_before == int(datetime(2026, 11, 24, 7, tzinfo=UTC).timestamp())  # 08:00 in Paris


async def test_need_help_on_a_commitment_without_theme_or_region_asks_for_them(bot):
    ids = await _network(bot)
    commitment = await bot.repos.commitments.create(ids[LINA], "Something", due_at=None, theme=None, region=None,
                                                    visibility="network", now=int(bot.clock.now.timestamp()))
    # The "Find a partner" button a check-in's Need help shows, made for Lina.
    ctx = bot.core.member_context(await bot.repos.members.get(ids[LINA]))
    button = await ctx.button("Find a partner", "partner.from_commitment", CommitmentRef(commitment))
    await ctx.flush_buttons()
    bot.last[LINA] = Reply(Markup("Need help"), buttons=((button,),))
    assert "Which theme" in await bot.press_text(LINA, "Find a partner")
    bot.last["carla"] = bot.last[LINA]
    assert "not meant for you" in await bot.press_text("carla", "Detention")

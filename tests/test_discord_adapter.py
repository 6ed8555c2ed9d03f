"""The real discord.py client, driven through SimCord's in-memory Discord: slash commands, buttons, menus, forms.

Every REST call a session makes is checked against tests/platform_specs/discord-openapi.json and the documented limits.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import discord
import simcord
from markupsafe import Markup

from bot.delivery import Outbox
from bot.discord_adapter import DiscordAdapter, discord_pieces
from handlers import invites
from handlers.events import Reply
from bot.settings import DiscordSettings
from tests.conftest import build_bot, make_network
from tests.discord_markdown import shown
from tests.discord_spec import SPEC


class DiscordPerson:
    """Someone in a server (or in DMs with the bot) who runs commands and uses what the bot shows them."""

    def __init__(self, session: DiscordSession, actor, channel) -> None:
        self.session, self.actor, self.channel = session, actor, channel
        self.last = None  # the latest message the bot showed this person that has components
        self.results: list[Any] = []

    @property
    def id(self) -> int:
        return self.actor.id

    def _take(self, result) -> str:
        self.results.append(result)
        messages = [m for m in [result.response, *result.followups] if m is not None]
        for message in messages:
            if message.components:
                self.last = message
        return "\n".join(m.content for m in messages)

    async def slash(self, name: str, **options) -> str:
        return self._take(await self.actor.slash(self.channel, name, **options))

    async def click(self, label: str) -> str:
        assert self.last is not None, "no message with buttons yet"
        buttons = [c for row in self.last.components for c in row["components"] if c["type"] == 2]
        found = [b for b in buttons if label.lower() in b.get("label", "").lower()]
        assert found, f"no button {label!r} in {[b.get('label') for b in buttons]}"
        return self._take(await self.actor.click(self.last.message, custom_id=found[0]["custom_id"]))

    def options(self) -> list[tuple[str, bool]]:
        """The options of the menu on the latest message, with whether each is ticked."""
        menus = [c for row in self.last.components for c in row["components"] if c["type"] == 3]
        return [(o["label"], bool(o.get("default"))) for m in menus for o in m["options"]]

    async def choose(self, *labels: str) -> str:
        """Leave exactly `labels` ticked in the (first) menu of the latest message."""
        menu = next(c for row in self.last.components for c in row["components"] if c["type"] == 3)
        values = [o["value"] for o in menu["options"] if o["label"] in labels]
        assert len(values) == len(labels), f"unknown options among {labels}"
        return self._take(await self.actor.select(self.last.message, values, custom_id=menu["custom_id"]))

    async def answer(self, text: str) -> str:
        """Press "Type your answer" and submit the form with `text`."""
        shown = await self.actor.click(self.last.message, label="Type your answer")
        assert shown.modal is not None, "the button did not open a form"
        self.modal = shown.modal
        return self._take(await self.actor.submit_modal(shown, {"answer": text}))


class DiscordSession:
    def __init__(self, adapter: DiscordAdapter, env, bot) -> None:
        self.adapter, self.env, self.bot = adapter, env, bot
        self.guild = env.create_guild()
        self.channel = self.guild.create_text_channel("general")

    def person(self, name: str, *, manages_server: bool = False) -> DiscordPerson:
        roles = [self.guild.create_role("Managers", permissions=discord.Permissions(manage_guild=True))] \
            if manages_server else []
        actor = self.guild.add_member(self.env.create_user(name), roles=roles)
        return DiscordPerson(self, actor, self.channel)

    async def onboard(self, who: DiscordPerson, name: str) -> None:
        await who.slash("start")
        await who.click("I understand")
        await who.answer(name)
        await who.click("Skip")
        await who.click("Journalist")
        await who.choose("Access to health")
        await who.click("Done")
        await who.choose("Western Europe")
        await who.click("Done")
        await who.choose("English")
        await who.click("Done")
        await who.answer("Lyon")
        await who.answer("Signal: +33 6 00 00 00 00")


@contextlib.asynccontextmanager
async def discord_session(db_path, *, admins: tuple[str, ...] = (), **network):
    bot, db = await build_bot(db_path, make_network(admins=frozenset(admins), open_registration=True, **network))
    adapter = DiscordAdapter(bot.core, DiscordSettings())
    try:
        async with simcord.run(adapter.client) as env:
            await adapter.sync_commands()
            yield DiscordSession(adapter, env, bot)
            # Every REST call of the session, command registration included, against the pinned spec and the
            # documentation's limits: a violation fails the test that made it.
            SPEC.check_all(env.http_requests)
    finally:
        await db.close()


async def test_onboarding_in_a_server_is_private_and_uses_forms_and_menus(db_path):
    async with discord_session(db_path) as s:
        alice = s.person("alice")
        await s.onboard(alice, "Alice <b>*Ali*</b>")
        shown_to_alice = [m for r in alice.results for m in [r.response, *r.followups] if m is not None]
        assert shown_to_alice and all(m.ephemeral for m in shown_to_alice)
        member = await s.bot.repos.members.by_identity("discord", str(alice.id))
        assert member is not None and member.profile_complete
        assert member.display_name == "Alice <b>*Ali*</b>"
        assert member.themes == ("access-to-health",) and member.timezone == "Europe/Paris"
        shown = await alice.slash("profile")
        # Markup in a name is escaped for Discord's Markdown: shown literally, never formatted.
        assert "**Name:** Alice <b>\\*Ali\\*</b>\n" in shown
        assert s.channel.last_message is None  # nothing was posted for the whole server to see
        # Commands were registered once, by sync-commands; connecting and answering never re-register them.
        assert len([r for r in s.env.http_requests if r.method == "PUT" and r.path.endswith("/commands")]) == 1


async def test_organiser_commands_are_hidden_in_servers_and_commands_are_lower_case(db_path):
    async with discord_session(db_path) as s:
        payload = {c["name"]: c for c in (await s.adapter.registration_payload())}
        assert {"start", "help", "profile", "export", "forget", "promote", "invite"} <= set(payload)
        assert all(name == name.lower() for name in payload)
        assert str(payload["promote"]["default_member_permissions"]) == str(discord.Permissions(manage_guild=True).value)
        assert payload["profile"].get("default_member_permissions") is None
        options = {o["name"]: o for o in payload["invite"]["options"]}
        assert options["uses"]["type"] == 4 and options["uses"]["min_value"] == 1  # a typed integer option
        assert payload["promote"]["options"][0]["autocomplete"] is True


async def test_the_invite_options_say_what_invite_really_does_without_them(db_path):
    """The slash command's option descriptions and limits come from the network's settings and the core's limits,
    not from a copy that can drift (they once promised 1 use and 7 days while /invite gave 10 and 14)."""
    async with discord_session(db_path, invite_default_uses=3, invite_default_days=21) as s:
        options = {o["name"]: o for o in {c["name"]: c for c in (await s.adapter.registration_payload())}["invite"]["options"]}
        assert "(default 3)" in options["uses"]["description"]
        assert "(default 21)" in options["days"]["description"]
        assert options["uses"]["max_value"] == invites.MAX_USES and options["days"]["max_value"] == invites.MAX_DAYS
        amina = s.person("amina", manages_server=True)
        s.bot.core.services.network = make_network(admins=frozenset({f"discord:{amina.id}"}),
                                                   invite_default_uses=3, invite_default_days=21)
        await s.onboard(amina, "Amina")
        assert "It works 3 times, until" in await amina.slash("invite")  # what the description promised


async def test_every_slash_command_offers_the_values_its_command_declares_with_their_limits(db_path):
    """The slash commands are the core's commands: one option per declared value, in the same order, with the
    core's limits (a commitment of more than 500 characters cannot even be typed into the option)."""
    async with discord_session(db_path) as s:
        registered = {c["name"]: c for c in (await s.adapter.registration_payload())}
        assert registered.keys() == s.bot.core.routes.commands.keys()
        for name, spec in s.bot.core.routes.commands.items():
            options = registered[name].get("options", [])
            assert [o["name"] for o in options] == [p.name for p in spec.params], name
            assert [o.get("required", False) for o in options] == [p.required for p in spec.params], name
        commit = {o["name"]: o for o in registered["commit"]["options"]}
        assert commit["what"]["max_length"] == 500 and commit["theme"]["autocomplete"] is True
        assert [o["name"] for o in registered["remind"]["options"]] == ["when", "what"]


async def test_a_member_cannot_use_an_organiser_command_even_if_discord_shows_it(db_path):
    async with discord_session(db_path) as s:
        alice = s.person("alice", manages_server=True)
        await s.onboard(alice, "Alice")
        # Alice manages the server, so Discord shows her /promote; the bot's own roles still decide.
        answer = await alice.slash("promote", member="#1")
        assert "admin" in answer.lower()
        member = await s.bot.repos.members.by_identity("discord", str(alice.id))
        assert member.role == "member"


async def test_a_button_pressed_twice_changes_nothing_the_second_time(db_path):
    async with discord_session(db_path) as s:
        alice = s.person("alice")
        await alice.slash("start")
        first = alice.last
        await alice.slash("start")
        await alice.click("I understand")
        asked = alice.last.content
        alice.last = first  # the first /start's message still shows its button
        again = await alice.click("I understand")
        assert "already" in again.lower()
        member = await s.bot.repos.members.by_identity("discord", str(alice.id))
        assert member is not None and not member.profile_complete
        assert asked.startswith("*Step 1")  # the question she was at is still the one being asked


async def test_direct_messages_are_read_and_answered_in_the_dm(db_path):
    async with discord_session(db_path) as s:
        user = s.env.create_user("dora")
        await user.send_dm("/help")
        dm = user.dm_channel
        assert "/start" in dm.last_message.content
        await user.send_dm("hello")
        assert "/start" in dm.last_message.content


async def test_notifications_go_by_dm_and_closed_dms_mark_the_account_unreachable(db_path):
    async with discord_session(db_path) as s:
        alice = s.person("alice")
        await s.onboard(alice, "Alice")
        member = await s.bot.repos.members.by_identity("discord", str(alice.id))
        delivery = Outbox(s.bot.repos, s.bot.clock)
        delivery.register(s.adapter)
        await delivery.deliver(member.id, Reply(Markup("<b>Session moved</b> to 10:00")))
        await delivery.flush()
        await s.env.settle()
        assert s.env.backend.get_dm_channel(alice.id) is not None
        assert alice.actor.user.dm_channel.last_message.content.startswith("**Session moved** to 10")
        # The DM channel is remembered, so later notifications cost one request, also after a restart.
        assert await s.bot.repos.members.dm_channel("discord", str(alice.id)) == str(alice.actor.user.dm_channel.id)
        s.env.inject_error("POST", "/channels/*/messages", status=403, code=50007,
                           message="Cannot send messages to this user")
        await delivery.deliver(member.id, Reply(Markup("Second notice")))
        await delivery.flush()
        member = await s.bot.repos.members.by_identity("discord", str(alice.id))
        assert member.identity_unreachable
        assert await s.bot.repos.outbox.counts() == {"sent": 1, "unreachable": 1}


async def test_long_replies_are_cut_below_discords_limit_and_export_arrives_as_a_file(db_path):
    async with discord_session(db_path) as s:
        alice = s.person("alice")
        await s.onboard(alice, "Alice")
        await alice.slash("export")
        files = [a for r in alice.results[-1:] for m in [r.response, *r.followups] if m for a in m.attachments]
        assert files and files[0].filename.endswith(".json")
        long = Markup("\n").join(Markup("line {} with *stars* and _underscores_").format(i) for i in range(400))
        pieces = discord_pieces(long)
        assert len(pieces) > 1 and all(len(p) <= 2000 for p in pieces)
        assert sum(p.count("line ") for p in pieces) == 400


def test_sync_commands_without_a_discord_token_says_what_to_set(tmp_path, capsys, monkeypatch):
    from bot.cli import main

    monkeypatch.delenv("SOLIDARITY__DISCORD__TOKEN", raising=False)
    assert main(["sync-commands", "--db", str(tmp_path / "x.db")]) == 2
    assert "discord.token" in capsys.readouterr().err


async def test_slow_work_is_deferred_so_discord_gets_an_answer_within_three_seconds(db_path):
    async with discord_session(db_path) as s:
        alice = s.person("alice")
        handle = s.bot.core.handle_message

        async def slow(message):
            await asyncio.sleep(5)  # longer than Discord waits for a first answer
            return await handle(message)

        s.bot.core.handle_message = slow
        await alice.slash("help")
        result = alice.results[-1]
        assert result.deferred  # acknowledged at once, with "thinking…"
        await s.env.settle()  # the work finishes; the answer replaces the placeholder
        assert "/start" in result.response.content and result.response.ephemeral


async def test_a_telegram_member_links_their_discord_account_and_is_one_member(db_path):
    async with discord_session(db_path) as s:
        await s.bot.join("telegram:501", name="Amina")
        code = (await s.bot.text("telegram:501", "/link")).split("Link code: ")[1].split()[0]
        dora = s.person("dora")
        asked = await dora.slash("link", code=code)
        assert "Yes, link this account" in [c.get("label") for row in dora.last.components for c in row["components"]]
        assert await s.bot.repos.members.by_identity("discord", str(dora.id)) is None  # nothing before confirming
        await dora.click("Yes, link this account")
        on_telegram = await s.bot.member("telegram:501")
        on_discord = await s.bot.repos.members.by_identity("discord", str(dora.id))
        assert on_discord is not None and on_discord.id == on_telegram.id
        assert "Amina" in await dora.slash("profile")
        assert "Amina" in asked  # the confirmation said which profile the account would join


async def test_more_than_25_themes_are_paged_in_menus_of_at_most_25_options(db_path):
    from tests.conftest import THEMES

    themes = THEMES + [f"Theme {i:02d}" for i in range(1, 57)]  # 60 in all
    async with discord_session(db_path, themes=themes) as s:
        alice = s.person("alice")
        await alice.slash("start")
        await alice.click("I understand")
        await alice.answer("Alice")
        await alice.click("Skip")
        shown = await alice.click("Journalist")
        assert "Page 1 of 3" in shown
        assert 0 < len(alice.options()) <= 25
        await alice.choose("Detention")
        await alice.click("More")
        assert "Page 2 of 3" in alice.last.content and ("Detention", True) not in alice.options()
        await alice.choose("Theme 30")
        await alice.click("Done")
        member = await s.bot.repos.members.by_identity("discord", str(alice.id))
        assert member.themes == ("detention", "theme-30")


async def test_autocomplete_offers_themes_regions_and_time_zones_and_members_only_to_organisers(db_path):
    async with discord_session(db_path) as s:
        alice = s.person("alice", manages_server=True)  # Discord shows her /block; the bot decides
        await s.onboard(alice, "Alice")
        zones = await alice.actor.autocomplete(s.channel, "timezone", "place", "Nairob")
        assert {"name": "Africa/Nairobi", "value": "Africa/Nairobi"} in zones
        shown = await alice.slash("timezone", place="Africa/Nairobi")
        assert "Africa/Nairobi" in shown
        member = await s.bot.repos.members.by_identity("discord", str(alice.id))
        assert member.timezone == "Africa/Nairobi"
        # Member names are an organiser's to look up, even where Discord shows the command.
        assert await alice.actor.autocomplete(s.channel, "block", "member", "Al") == []
        admin = s.person("amina", manages_server=True)
        s.bot.core.services.network = make_network(admins=frozenset({f"discord:{admin.id}"}),
                                                   open_registration=True)
        await s.onboard(admin, "Amina")
        themes = await admin.actor.autocomplete(s.channel, "members", "theme", "acc")
        assert themes == [{"name": "Access to health", "value": "access-to-health"}]
        regions = await admin.actor.autocomplete(s.channel, "members", "region", "europe")
        assert {"name": "Western Europe", "value": "western-europe"} in regions
        assert {"name": "Alice (#1)", "value": "#1"} in await admin.actor.autocomplete(
            s.channel, "block", "member", "Al")
        listed = await admin.slash("members", theme="access-to-health", region="western-europe")
        assert "Alice" in listed and "Amina" in listed


async def test_sync_commands_registers_the_commands_in_the_given_server(tmp_path, monkeypatch, capsys):
    from bot.cli import _sync_commands
    from bot.discord_adapter import SolidarityClient
    from bot.settings import load_settings

    monkeypatch.setenv("SOLIDARITY__DISCORD__TOKEN", "discord-test-token")
    settings = load_settings(None, database=tmp_path / "sync.db")
    client = SolidarityClient(intents=discord.Intents.none())
    async with simcord.run(client) as env:
        guild = env.create_guild()
        assert await _sync_commands(settings, [guild.id], client=client) == 0
        registered = [r for r in env.http_requests if r.method == "PUT" and r.path.endswith("/commands")]
        assert [r.path.split("/")[-3:] for r in registered] == [["guilds", str(guild.id), "commands"]]
        SPEC.check_all(env.http_requests)
        names = {c["name"] for c in registered[0].json}
        assert {"start", "join", "profile", "timezone", "members", "link"} <= names
    out = capsys.readouterr().out
    assert f"slash commands server {guild.id}" in out and "discord-test-token" not in out


async def test_a_reminder_set_with_a_slash_command_arrives_by_dm_with_snooze_buttons(db_path):
    from bot.delivery import Outbox

    async with discord_session(db_path) as s:
        alice = s.person("alice")
        await s.onboard(alice, "Alice")
        outbox = Outbox(s.bot.repos, s.bot.clock)
        outbox.register(s.adapter)
        s.bot.core.services.delivery = outbox
        asked = await alice.slash("remind", when="in 10 minutes", what="stretch your **legs**")
        assert "stretch your \\*\\*legs\\*\\*" in asked  # what she typed is shown, never formatted
        await alice.click("Set reminder")
        s.bot.clock.advance(minutes=10)
        await s.bot.core.run_due()
        await outbox.flush()
        await s.env.settle()
        dm = alice.actor.user.dm_channel
        assert dm.last_message.content == "⏰ **Reminder:** stretch your \\*\\*legs\\*\\*"
        buttons = [c for row in dm.last_message.components for c in row.children]
        assert [b.label for b in buttons] == ["Snooze 10 min", "1 hour", "Tomorrow", "Done"]
        pressed = await alice.actor.user.click(dm.last_message, custom_id=buttons[1].custom_id)
        assert "Snoozed until" in pressed.response.content
        assert await s.bot.repos.schedule.count() == 1  # the snooze, an hour from now


def _message_bodies(requests) -> list[dict]:
    """The message of every request that sends or edits one (content, or a file), wherever it sits in the body."""
    bodies = []
    for request in requests:
        body = request.json if isinstance(request.json, dict) else {}
        message = body.get("data") if request.path.endswith("/callback") else body
        if isinstance(message, dict) and ("content" in message or "attachments" in message):
            bodies.append(message)
    return bodies


async def test_what_people_type_shows_on_discord_exactly_as_typed_and_nothing_the_bot_sends_can_ping(db_path):
    typed = "**x** __x__ @everyone <@123> `x` [link](https://e.org) ||x||"
    async with discord_session(db_path) as s:
        amina = s.person("amina", manages_server=True)
        s.bot.core.services.network = make_network(admins=frozenset({f"discord:{amina.id}"}), open_registration=True)
        await s.onboard(amina, "Amina @here <@&45>")
        outbox = Outbox(s.bot.repos, s.bot.clock)
        outbox.register(s.adapter)
        s.bot.core.services.delivery = outbox
        profile = await amina.slash("profile")
        name_line = next(line for line in profile.split("\n") if line.startswith("**Name"))
        assert shown(name_line) == ("Name: Amina @here <@&45>", [("bold", "Name:")])
        # What Discord reads only at the start of a line: a session's description has a line of its own.
        for number, description in enumerate(("> x", "# x", "- x", "1. x", "-# x"), start=1):
            await amina.slash("newsession", title=f"Session {number}", start="25 November 2026 14:00", end="15:30",
                              zone="Europe/Paris", description=description)
            await amina.click("Create")
            lines = (await amina.slash("session", number=number)).split("\n")
            assert [shown(line) for line in lines if description in line.replace("\\", "")] == [(description, [])]
        # Plain punctuation takes no backslash.
        await amina.slash("remind", when="in 10 minutes", what="call Lyon: follow-up (office) - ask Sam")
        await amina.click("Set reminder")
        await amina.slash("remind", when="in 20 minutes", what=typed)
        await amina.click("Set reminder")
        for _ in range(2):
            s.bot.clock.advance(minutes=10)
            await s.bot.core.run_due()
            await outbox.flush()
        await s.env.settle()
        reminders = [m.content for m in amina.actor.user.dm_channel.history() if "Reminder" in m.content]
        assert "⏰ **Reminder:** call Lyon: follow-up (office) - ask Sam" in reminders
        assert (f"⏰ Reminder: {typed}", [("bold", "Reminder:")]) in [shown(r) for r in reminders]
        # Whatever the text, Discord is told to notify nobody: replies, edits, follow-ups and direct messages.
        bodies = _message_bodies(s.env.http_requests)
        assert len(bodies) > 20 and all(body.get("allowed_mentions") == {"parse": []} for body in bodies)


async def test_an_invite_made_on_discord_says_how_to_join_there_and_ends_in_the_organisers_time(db_path):
    import re

    async with discord_session(db_path) as s:
        amina = s.person("amina", manages_server=True)
        s.bot.core.services.network = make_network(admins=frozenset({f"discord:{amina.id}"}))  # invite-only
        await s.onboard(amina, "Amina")  # in Lyon: Europe/Paris
        shown_text = await amina.slash("invite", uses=3, days=7)
        code = re.search(r"`([A-Z0-9]{10})`", shown_text).group(1)
        assert (f"It works 3 times, until Monday 30 November 2026, 10:00 (Europe/Paris, UTC+01:00). A new member "
                f"sends /join code:{code} to the bot.") in shown_text
        assert "/start" not in shown_text and "UTC." not in shown_text
        dora = s.person("dora")
        assert "Welcome to Test Network." in await dora.slash("join", code=code)
        # Someone without a code is told the same way of sending one.
        assert "/join code:ABCD2345EF" in await s.person("eve").slash("start")


async def test_typed_options_reach_the_bot_as_typed_not_joined_and_read_again(db_path):
    """Each slash option is a value of its own: a "theme:" inside what someone commits to stays part of it, /commit
    and /remind take when and what apart, and /invite with days alone keeps the default number of uses."""
    async with discord_session(db_path, invite_default_uses=4) as s:
        alice = s.person("alice")
        await s.onboard(alice, "Alice")
        asked = await alice.slash("commit", what="Write a piece on the theme: migration myths", when="in two weeks",
                                  theme="Access to health")
        assert "By when: **" in asked and "Which region" in asked
        await alice.click("Skip")
        summary = await alice.click("The network")
        assert "**What:** Write a piece on the theme: migration myths" in summary
        assert "**Theme:** Access to health" in summary
        await alice.click("Register")
        member = await s.bot.repos.members.by_identity("discord", str(alice.id))
        [commitment] = await s.bot.repos.commitments.for_member(member.id)
        assert commitment.what == "Write a piece on the theme: migration myths" and commitment.due_at is not None
        # A when that is not a time is said so; nothing of it is taken into what the reminder says.
        refused = await alice.slash("remind", when="someday soon", what="call the town hall")
        assert "couldn't read a time" in refused
        asked = await alice.slash("remind", when="every Monday 9:00", what="team call: agenda until Friday")
        assert "**Reminder:** team call: agenda until Friday" in asked and "**When:** every Monday at 09:00" in asked

    async with discord_session(db_path.with_name("second.db"), invite_default_uses=4) as s:
        amina = s.person("amina", manages_server=True)
        s.bot.core.services.network = make_network(admins=frozenset({f"discord:{amina.id}"}), invite_default_uses=4)
        await s.onboard(amina, "Amina")
        shown_text = await amina.slash("invite", days=3)
        assert "It works 4 times, until Thursday 26 November 2026" in shown_text


async def test_an_answered_question_shows_its_answer_and_loses_its_buttons_on_discord(db_path):
    """In a server the form is opened from the question, which then shows the answer without its buttons; a
    button answer edits the question it is under; in a direct message, typing the answer does the same."""
    async with discord_session(db_path) as s:
        alice = s.person("alice")
        await s.onboard(alice, "Alice")
        await alice.slash("commit")
        asked = alice.last.message
        await alice.answer("Map the **shelters**")
        edited = alice.results[-1].response
        assert edited.id == asked.id and edited.content.startswith("What do you commit to doing?")
        assert edited.content.endswith("→ Map the \\*\\*shelters\\*\\***") and not edited.components
        due = alice.last.message
        assert due.id != asked.id and "By when" in due.content
        await alice.click("In a week")
        edited = alice.results[-1].response
        assert edited.id == due.id and edited.content.endswith("→ In a week**") and not edited.components
        await alice.click("Cancel")

        user = alice.actor.user
        await user.send_dm("/commit")
        dm = user.dm_channel
        question = dm.last_message
        assert question.components and question.content.startswith("What do you commit to doing?")
        await user.send_dm("Write the report")
        [edited] = [m for m in dm.history() if m.id == question.id]
        assert edited.content.endswith("→ Write the report**") and not edited.components
        assert "By when" in dm.last_message.content and dm.last_message.components


async def test_short_answers_asked_in_a_row_are_one_form_on_discord(db_path):
    """A new session's title, start and end are three questions; in a server they are one form of three fields,
    and what the form answered is not asked again. A field left empty is asked as a question of its own."""
    async with discord_session(db_path) as s:
        amina = s.person("amina", manages_server=True)
        s.bot.core.services.network = make_network(admins=frozenset({f"discord:{amina.id}"}))
        await s.onboard(amina, "Amina")
        await amina.slash("newsession")
        shown = await amina.actor.click(amina.last.message, label="Type your answer")
        assert [row["components"][0]["label"] for row in shown.modal["components"]] == ["Title", "Start", "End"]
        summary = amina._take(await amina.actor.submit_modal(
            shown, {"answer": "Countering hate online", "answer1": "10 December 2026 9:30", "answer2": "11:00"}))
        assert "Create this session?" in summary and "Countering hate online" in summary
        assert "When does it start" not in summary and "When does it end" not in summary
        await amina.click("Create")
        assert [x.title for x in await s.bot.repos.sessions.upcoming(s.bot.core.services.clock().timestamp())] == \
            ["Countering hate online"]

        await amina.slash("newsession")
        shown = await amina.actor.click(amina.last.message, label="Type your answer")
        asked = amina._take(await amina.actor.submit_modal(shown, {"answer": "Second session", "answer1": "",
                                                                   "answer2": ""}))
        assert "When does it start?" in asked and "Create this session?" not in asked


async def test_shards_in_the_settings_make_a_sharded_client_and_none_makes_one_connection(db_path):
    bot, db = await build_bot(db_path)
    try:
        sharded = DiscordAdapter(bot.core, DiscordSettings(shards=3))
        assert isinstance(sharded.client, discord.AutoShardedClient) and sharded.client.shard_count == 3
        assert sharded.client.intents == discord.Intents(guilds=True, dm_messages=True)  # nothing privileged
        single = DiscordAdapter(bot.core, DiscordSettings())
        assert not isinstance(single.client, discord.AutoShardedClient) and single.client.shard_count is None
        for client in (sharded.client, single.client):
            assert client.solidarity_adapter is not None  # components and DMs reach the core either way
    finally:
        await db.close()

"""The Discord spec checker: what it accepts, what it reports, and that it accepts what discord.py really sends."""

from __future__ import annotations

import discord
import pytest
import simcord
from discord import app_commands

from tests.discord_spec import SPEC, DiscordSpec

MESSAGE = "/channels/5/messages"
CALLBACK = "/interactions/7/tok/callback"
FOLLOW_UP = "/webhooks/9/tok"
COMMANDS = "/applications/9/commands"


def row(*components: dict) -> dict:
    return {"type": 1, "components": list(components)}


def button(custom_id: str = "ok", label: str = "OK", style: int = 1) -> dict:
    return {"type": 2, "style": style, "custom_id": custom_id, "label": label}


def select(custom_id: str = "pick", options: int = 2, **fields) -> dict:
    return {"type": 3, "custom_id": custom_id,
            "options": [{"label": f"L{i}", "value": f"v{i}"} for i in range(options)], **fields}


def text_input(custom_id: str = "name", label: str = "Name", **fields) -> dict:
    return {"type": 4, "style": 1, "custom_id": custom_id, "label": label, **fields}


def modal(components: list | None = None, *, title: str = "Tell us", custom_id: str = "form") -> dict:
    return {"type": 9, "data": {"custom_id": custom_id, "title": title,
                                "components": components if components is not None else [row(text_input())]}}


def command(name: str = "promote", description: str = "Promote a member", **fields) -> dict:
    return {"name": name, "description": description, "type": 1, **fields}


def option(name: str = "member", description: str = "Who", kind: int = 3, **fields) -> dict:
    return {"type": kind, "name": name, "description": description, **fields}


# Every place a message body travels: (method, path, how the message sits in the body, where it is reported).
MESSAGE_ROUTES = [
    ("POST", MESSAGE, lambda m: m, ""),
    ("PATCH", "/channels/5/messages/6", lambda m: m, ""),
    ("POST", CALLBACK, lambda m: {"type": 4, "data": m}, "data."),
    ("POST", CALLBACK, lambda m: {"type": 7, "data": m}, "data."),
    ("POST", FOLLOW_UP, lambda m: m, ""),
    ("PATCH", FOLLOW_UP + "/messages/@original", lambda m: m, ""),
    ("PATCH", FOLLOW_UP + "/messages/11", lambda m: m, ""),
]
ROUTE_IDS = ["create", "edit", "callback-reply", "callback-update", "follow-up", "edit-original", "edit-follow-up"]


def problems(method: str, path: str, body=None, params=None) -> list[str]:
    return SPEC.check(method, path, body, params)


def reported(found: list[str], *fragments: str) -> bool:
    return any(all(f in p for f in fragments) for p in found)


# ----------------------------------------------------------------------------------------------- routes

@pytest.mark.parametrize("method, path, body, params", [
    ("POST", MESSAGE, {"content": "hello"}, None),
    ("GET", MESSAGE, None, {"limit": 50, "before": "123"}),
    ("GET", "/channels/5/messages/6", None, None),
    ("DELETE", "/channels/5/messages/6", None, None),
    ("PUT", "/channels/5/messages/6/reactions/%F0%9F%91%8D/@me", None, None),
    ("GET", "/users/@me", None, None),
    ("POST", "/users/@me/channels", {"recipient_id": "42"}, None),
    ("POST", CALLBACK, {"type": 6}, {"with_response": "1"}),
    ("POST", FOLLOW_UP, {"content": "later", "flags": 64}, {"wait": 1, "with_components": 0}),
    ("GET", "/oauth2/applications/@me", None, None),
    ("POST", "https://discord.com/api/v10/channels/5/messages?", {"content": "full URL"}, None),
    ("GET", "/api/v10/channels/5/messages?limit=10&after=3", None, None),
])
def test_valid_calls_pass(method, path, body, params):
    assert problems(method, path, body, params) == []


def test_an_unknown_route_is_reported():
    assert problems("POST", "/channels/5/posts", {"content": "x"}) == [
        "POST /channels/5/posts: no such route in the Discord API"]
    assert reported(problems("DELETE", "/gateway"), "DELETE /gateway", "has no DELETE", "GET")


def test_ids_in_the_path_must_be_snowflakes():
    found = problems("POST", "/channels/general/messages", {"content": "x"})
    assert reported(found, "POST /channels/{channel_id}/messages", "path parameter channel_id", "'general'")


def test_query_parameters_are_known_and_typed():
    assert reported(problems("GET", MESSAGE, params={"limit": "500"}), "query parameter limit", "maximum 100")
    assert reported(problems("GET", MESSAGE, params={"count": 5}), "unknown query parameter count")
    assert reported(problems("POST", FOLLOW_UP, {"content": "x"}, {"wait": "maybe"}), "query parameter wait")
    for flag in (True, "true", "False", "1", 0):  # Discord's boolean query strings
        assert problems("POST", FOLLOW_UP, {"content": "x"}, {"wait": flag}) == []


# ------------------------------------------------------------------------------------------------- body schema

def test_a_missing_required_field_is_reported():
    found = problems("POST", MESSAGE, {"content": "x", "message_reference": {"channel_id": "5"}})
    assert found == ["POST /channels/{channel_id}/messages: message_reference: missing required message_id"]
    assert reported(problems("POST", CALLBACK, {"data": {"content": "x"}}), "body: missing required type")
    assert reported(problems("POST", CALLBACK, modal([row({"type": 4, "style": 1, "label": "No id"})])),
                    "data.components[0].components[0]", "custom_id")


def test_a_wrong_type_is_reported():
    assert problems("POST", MESSAGE, {"content": 5}) == [
        "POST /channels/{channel_id}/messages: content: 5 is not string or null"]
    assert reported(problems("POST", MESSAGE, {"content": "x", "tts": "yes"}), "tts", "is not boolean or null")
    assert reported(problems("POST", MESSAGE, {"allowed_mentions": ["users"]}), "allowed_mentions", "null or object")


def test_enums_and_component_types_are_checked():
    assert reported(problems("POST", MESSAGE, {"components": [row(button(style=9))]}),
                    "components[0].components[0].style", "9 is not one of [1, 2, 3, 4, 5, 6]")
    assert reported(problems("POST", MESSAGE, {"components": [row({"type": 99, "custom_id": "x"})]}),
                    "components[0].components[0].type", "99 is not one of")
    assert reported(problems("POST", CALLBACK, {"type": 42}), "type", "42 is not one of")


def test_a_body_is_required_where_the_spec_says_so_and_refused_where_there_is_none():
    assert reported(problems("POST", CALLBACK, None), "missing request body")
    assert reported(problems("PUT", "/channels/5/messages/6/reactions/x/@me", {"a": 1}), "takes no body")


def test_snowflakes_may_be_integers_in_requests():
    """discord.py sends message_reference, allowed_mentions and attachment ids as JSON integers; Discord takes them."""
    body = {"content": "x", "message_reference": {"message_id": 1456074443980800020, "channel_id": 5},
            "allowed_mentions": {"users": [1456074443980800010], "parse": []},
            "attachments": [{"id": 0, "filename": "a.txt"}]}
    assert problems("POST", MESSAGE, body) == []
    assert reported(problems("POST", MESSAGE, {"message_reference": {"message_id": -1}}), "message_id")
    assert reported(problems("POST", MESSAGE, {"message_reference": {"message_id": "12a"}}), "message_id")


def test_fields_the_spec_does_not_list_pass_as_it_does_not_forbid_them():
    assert problems("PATCH", "/channels/5/messages/6", {"content": "x", "tts": False}) == []


# ------------------------------------------------------------------------------------------------- content

@pytest.mark.parametrize("method, path, wrap, at", MESSAGE_ROUTES, ids=ROUTE_IDS)
def test_content_is_at_most_2000_characters(method, path, wrap, at):
    assert problems(method, path, wrap({"content": "x" * 2000})) == []
    found = problems(method, path, wrap({"content": "x" * 2001}))
    assert len(found) == 1 and reported(found, f"{at}content: 2001 characters", "at most 2000")


def test_content_over_the_spec_limit_is_reported_once():
    found = problems("POST", MESSAGE, {"content": "x" * 4001})
    assert len(found) == 1 and reported(found, "content: 4001 characters, Discord allows at most 2000")


def test_forum_posts_follow_the_message_rules():
    body = {"name": "topic", "message": {"content": "x" * 2001}}
    assert reported(problems("POST", "/channels/5/threads", body), "message.content: 2001 characters")


def test_embeds_share_6000_characters():
    embeds = [{"title": "t", "description": "d" * 4000}, {"description": "d" * 2000}]
    assert reported(problems("POST", MESSAGE, {"embeds": embeds}), "embeds", "6001 characters of embed text")
    assert problems("POST", MESSAGE, {"embeds": embeds[1:]}) == []


# ------------------------------------------------------------------------------------------------- components

@pytest.mark.parametrize("method, path, wrap, at", MESSAGE_ROUTES, ids=ROUTE_IDS)
def test_at_most_five_action_rows(method, path, wrap, at):
    rows = [row(button(f"b{i}")) for i in range(6)]
    assert problems(method, path, wrap({"components": rows[:5]})) == []
    assert reported(problems(method, path, wrap({"components": rows})), f"{at}components: 6 action rows")


@pytest.mark.parametrize("method, path, wrap, at", MESSAGE_ROUTES, ids=ROUTE_IDS)
def test_at_most_five_buttons_a_row(method, path, wrap, at):
    buttons = [button(f"b{i}") for i in range(6)]
    assert problems(method, path, wrap({"components": [row(*buttons[:5])]})) == []
    found = problems(method, path, wrap({"components": [row(*buttons)]}))
    assert reported(found, f"{at}components[0].components", "6 components in one action row")


@pytest.mark.parametrize("method, path, wrap, at", MESSAGE_ROUTES, ids=ROUTE_IDS)
def test_custom_id_is_1_to_100_characters(method, path, wrap, at):
    assert problems(method, path, wrap({"components": [row(button("b" * 100))]})) == []
    for bad in ("b" * 101, ""):
        found = problems(method, path, wrap({"components": [row(button(bad))]}))
        assert len(found) == 1 and reported(found, f"{at}components[0].components[0].custom_id",
                                            f"{len(bad)} characters, Discord allows 1-100")
    found = problems(method, path, wrap({"components": [row(select("s" * 101))]}))
    assert reported(found, f"{at}components[0].components[0].custom_id", "101 characters")


def test_a_select_menu_is_alone_in_its_row():
    assert problems("POST", MESSAGE, {"components": [row(select()), row(button())]}) == []
    found = problems("POST", MESSAGE, {"components": [row(button(), select())]})
    assert reported(found, "components[0].components: a select menu must be alone in its action row")


def test_select_options_are_1_to_25_and_their_text_at_most_100():
    assert problems("POST", MESSAGE, {"components": [row(select(options=25))]}) == []
    assert reported(problems("POST", MESSAGE, {"components": [row(select(options=26))]}),
                    "components[0].components[0].options", "26")
    long_option = {"type": 3, "custom_id": "s", "options": [{"label": "l" * 101, "value": "v" * 101},
                                                             {"label": "l" * 100, "value": "v" * 100}]}
    found = problems("POST", MESSAGE, {"components": [row(long_option)]})
    assert reported(found, "options[0].label: 101 characters") and reported(found, "options[0].value: 101 characters")
    assert not reported(found, "options[1]")


def test_button_labels_are_at_most_80_characters():
    assert problems("POST", CALLBACK, {"type": 4, "data": {"components": [row(button(label="l" * 80))]}}) == []
    found = problems("POST", CALLBACK, {"type": 4, "data": {"components": [row(button(label="l" * 81))]}})
    assert found == [("POST /interactions/{interaction_id}/{interaction_token}/callback: "
                      "data.components[0].components[0].label: 81 characters, Discord allows at most 80")]


def test_custom_ids_are_unique_in_a_message():
    found = problems("POST", MESSAGE, {"components": [row(button("same")), row(button("same"))]})
    assert reported(found, "components[1].components[0].custom_id", "'same' is also the custom_id")


def test_link_buttons_have_a_url_and_no_custom_id():
    link = {"type": 2, "style": 5, "label": "Docs", "url": "https://example.org/docs"}
    assert problems("POST", MESSAGE, {"components": [row(link)]}) == []
    assert reported(problems("POST", MESSAGE, {"components": [row({**link, "custom_id": "x"})]}),
                    "a link button cannot have a custom_id")
    assert reported(problems("POST", MESSAGE, {"components": [row({"type": 2, "style": 1, "label": "No id"})]}),
                    "needs a custom_id")


def test_components_v2_need_their_flag_and_count_every_component():
    layout = {"type": 17, "components": [{"type": 10, "content": "Hello"},
                                         {"type": 9, "components": [{"type": 10, "content": "side"}],
                                          "accessory": button("go")}]}
    assert problems("POST", MESSAGE, {"flags": 1 << 15, "components": [layout, row(button("b"))]}) == []
    assert reported(problems("POST", MESSAGE, {"components": [layout]}), "needs the IS_COMPONENTS_V2 flag")
    assert reported(problems("POST", MESSAGE, {"flags": 1 << 15, "content": "hi", "components": [layout]}),
                    "cannot have content")
    many = [{"type": 10, "content": str(i)} for i in range(40)]
    assert reported(problems("POST", MESSAGE, {"flags": 1 << 15, "components": [{"type": 17, "components": many}]}),
                    "41 components in all")
    nested = {"type": 9, "components": [{"type": 10, "content": "x"}], "accessory": button("c" * 101)}
    assert reported(problems("POST", MESSAGE, {"flags": 1 << 15, "components": [nested]}),
                    "components[0].accessory.custom_id: 101 characters")


# ------------------------------------------------------------------------------------------------- modals

def test_a_valid_modal_passes():
    assert problems("POST", CALLBACK, modal()) == []
    labelled = [{"type": 18, "label": "Your name", "component": {"type": 4, "style": 1, "custom_id": "nm"}},
                {"type": 18, "label": "Pick", "component": select("pk")}]
    assert problems("POST", CALLBACK, modal(labelled)) == []


def test_modal_title_is_1_to_45_characters():
    assert problems("POST", CALLBACK, modal(title="t" * 45)) == []
    assert reported(problems("POST", CALLBACK, modal(title="t" * 46)), "data.title: 46 characters")
    assert reported(problems("POST", CALLBACK, modal(title="")), "data.title: 0 characters")


def test_modal_and_text_input_custom_ids_are_1_to_100_characters():
    assert reported(problems("POST", CALLBACK, modal(custom_id="m" * 101)), "data.custom_id: 101 characters")
    found = problems("POST", CALLBACK, modal([row(text_input("t" * 101))]))
    assert reported(found, "data.components[0].components[0].custom_id: 101 characters")


def test_text_input_label_is_1_to_45_and_value_at_most_4000():
    assert problems("POST", CALLBACK, modal([row(text_input(label="l" * 45, value="v" * 4000))])) == []
    assert reported(problems("POST", CALLBACK, modal([row(text_input(label="l" * 46))])),
                    "components[0].components[0].label: 46 characters")
    assert reported(problems("POST", CALLBACK, modal([row(text_input(value="v" * 4001))])),
                    "components[0].components[0].value: 4001 characters")
    labelled = [{"type": 18, "label": "l" * 46, "component": {"type": 4, "style": 1, "custom_id": "nm"}}]
    assert reported(problems("POST", CALLBACK, modal(labelled)), "data.components[0].label: 46 characters")


def test_a_modal_row_holds_one_text_input_and_a_modal_at_most_five_components():
    assert reported(problems("POST", CALLBACK, modal([row(text_input("a"), text_input("b"))])),
                    "an action row in a modal holds exactly one text input")
    six = [row(text_input(f"t{i}")) for i in range(6)]
    assert reported(problems("POST", CALLBACK, modal(six)), "data.components: 6 components")


# ------------------------------------------------------------------------------------------------- commands

@pytest.mark.parametrize("name", ["promote", "ça-va", "it's", "my_role", "नमस्ते", "สวัสดี", "über2", "c" * 32])
def test_valid_command_names_pass(name):
    assert problems("PUT", COMMANDS, [command(name)]) == []
    assert problems("POST", COMMANDS, command(name)) == []


@pytest.mark.parametrize("name, why", [("Promote", "must be lower case"), ("two words", "does not match"),
                                       ("c" * 33, "does not match"), ("", "does not match"),
                                       ("why?", "does not match"), ("ÉLAN", "must be lower case")])
def test_invalid_command_names_are_reported(name, why):
    assert reported(problems("PUT", COMMANDS, [command(name)]), "[0].name", why)
    assert reported(problems("POST", "/applications/9/guilds/3/commands", command(name)), "name", why)


def test_user_and_message_commands_may_have_spaces_and_capitals():
    assert problems("PUT", COMMANDS, [{"name": "Say Hi", "type": 2}, {"name": "Report Message", "type": 3}]) == []
    assert reported(problems("PUT", COMMANDS, [{"name": "Say Hi", "type": 2, "description": "x"}]),
                    "take no description")


def test_command_descriptions_are_1_to_100_characters():
    assert problems("PUT", COMMANDS, [command(description="d" * 100)]) == []
    assert reported(problems("PUT", COMMANDS, [command(description="d" * 101)]), "[0].description: 101 characters")
    assert reported(problems("PUT", COMMANDS, [command(description="")]), "[0].description: 0 characters")
    assert problems("PATCH", COMMANDS + "/4", {"default_member_permissions": "0"}) == []  # an edit sends a part


def test_option_names_and_descriptions_follow_the_same_rules():
    assert problems("PUT", COMMANDS, [command(options=[option("target", "d" * 100)])]) == []
    found = problems("PUT", COMMANDS, [command(options=[option("Target", "d" * 101)])])
    assert reported(found, "[0].options[0].name", "must be lower case")
    assert reported(found, "[0].options[0].description: 101 characters")
    sub = option("add", "Add", kind=1, options=[option("Who")])
    assert reported(problems("PUT", COMMANDS, [command(options=[sub])]), "[0].options[0].options[0].name")


def test_at_most_25_options_and_25_choices():
    options = [option(f"o{i}") for i in range(26)]
    assert problems("PUT", COMMANDS, [command(options=options[:25])]) == []
    assert reported(problems("PUT", COMMANDS, [command(options=options)]), "[0].options: 26 options")
    choices = [{"name": f"c{i}", "value": f"v{i}"} for i in range(26)]
    assert problems("PUT", COMMANDS, [command(options=[option(choices=choices[:25])])]) == []
    assert reported(problems("PUT", COMMANDS, [command(options=[option(choices=choices)])]),
                    "[0].options[0].choices: 26 choices")


def test_required_options_come_first_and_names_are_unique():
    found = problems("PUT", COMMANDS, [command(options=[option("a"), option("b", required=True)])])
    assert reported(found, "[0].options[1].required", "before optional ones")
    found = problems("PUT", COMMANDS, [command(options=[option("a"), option("a")])])
    assert reported(found, "[0].options[1].name", "also the name")


def test_at_most_100_slash_commands_in_a_bulk_overwrite():
    commands = [command(f"c{i}") for i in range(101)]
    assert problems("PUT", COMMANDS, commands[:100]) == []
    assert reported(problems("PUT", COMMANDS, commands), "body: 101 slash commands, Discord allows at most 100")
    assert reported(problems("PUT", COMMANDS, [command("same"), command("same")]), "[1].name", "unique")


def test_autocomplete_offers_at_most_25_choices():
    choices = [{"name": f"c{i}", "value": f"v{i}"} for i in range(26)]
    assert problems("POST", CALLBACK, {"type": 8, "data": {"choices": choices[:25]}}) == []
    assert reported(problems("POST", CALLBACK, {"type": 8, "data": {"choices": choices}}), "data.choices: 26 choices")


# ------------------------------------------------------------------------------------------------- check_all

def test_check_all_lists_every_violation():
    records = [simcord.HttpLogEntry("POST", MESSAGE, {}, {"content": "x" * 2001}, None),
               simcord.HttpLogEntry("GET", "/users/@me", {}, None, None),
               simcord.HttpLogEntry("PUT", COMMANDS, {}, [command("Promote")], None)]
    with pytest.raises(AssertionError) as caught:
        SPEC.check_all(records)
    text = str(caught.value)
    assert text.startswith("2 Discord API violation(s):")
    assert "#0 POST /channels/{channel_id}/messages: content: 2001 characters" in text
    assert "#2 PUT /applications/{application_id}/commands: [0].name: 'Promote' must be lower case" in text
    SPEC.check_all(records[1:2])


def test_the_spec_is_loaded_once_per_process():
    assert DiscordSpec()._index is SPEC._index


# ------------------------------------------------------------------------------------------------- discord.py

class Confirm(discord.ui.View):
    @discord.ui.button(label="Join", custom_id="join", style=discord.ButtonStyle.success)
    async def join(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="Joined.", view=None)

    @discord.ui.button(label="Tell us more", custom_id="more")
    async def more(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await interaction.response.send_modal(About())

    @discord.ui.select(custom_id="themes", max_values=2, options=[
        discord.SelectOption(label="Detention", value="detention"),
        discord.SelectOption(label="Health", value="health", description="Access to health", emoji="🩺")])
    async def themes(self, interaction: discord.Interaction, menu: discord.ui.Select) -> None:
        await interaction.response.defer()
        await interaction.followup.send(f"Themes: {', '.join(menu.values)}", ephemeral=True)
        await interaction.edit_original_response(content="Themes saved.")


class About(discord.ui.Modal, title="About you"):
    name = discord.ui.TextInput(label="Name", custom_id="name", max_length=100)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"Thanks, {self.name.value}.", ephemeral=True)


def tiny_bot() -> discord.Client:
    client = discord.Client(intents=discord.Intents.default())
    tree = app_commands.CommandTree(client)

    @tree.command(name="join", description="Join the network")
    @app_commands.describe(region="Where you work")
    @app_commands.choices(region=[app_commands.Choice(name="Western Europe", value="we")])
    async def join(interaction: discord.Interaction, region: app_commands.Choice[str], note: str | None = None):
        await interaction.response.send_message(
            f"Welcome from {region.name}!", view=Confirm(),
            allowed_mentions=discord.AllowedMentions(users=[interaction.user]))

    client.tree = tree  # type: ignore[attr-defined]  # lets SimCord report errors raised in commands
    return client


async def test_the_checker_accepts_what_discord_py_sends():
    client = tiny_bot()
    async with simcord.run(client) as env:
        await client.tree.sync()  # type: ignore[attr-defined]
        guild = env.create_guild()
        channel = guild.create_text_channel("general")
        alice = guild.add_member(env.create_user("alice"))

        reply = await alice.slash(channel, "join", region="we", note="hello")
        await alice.select(reply.response, ["detention", "health"], custom_id="themes")
        shown = await alice.click(reply.response, custom_id="more")
        assert shown.modal is not None and shown.modal["title"] == "About you"
        await alice.submit_modal(shown, {"name": "Alice"})
        clicked = await alice.click(reply.response, custom_id="join")
        assert clicked.acknowledged

        routes = {(r.method, r.path.split("/")[1]) for r in env.http_requests}
        assert {("PUT", "applications"), ("POST", "interactions"), ("POST", "webhooks"),
                ("PATCH", "webhooks")} <= routes
        SPEC.check_all(env.http_requests)

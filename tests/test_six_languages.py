"""The bot in the six UN languages on Telegram and Discord: the first language from the person's app, the welcome's
other languages, /language, command menus in each language, right-to-left text, and broadcasts framed in each
recipient's language.

What a message says in a language is taken from its catalogue (`tr`), so these tests check that the right
catalogue is used where it should be, not the wording of a translation."""

from __future__ import annotations

import contextlib
import re
import sqlite3

import pytest
import simcord

from bot.delivery import Outbox
from bot.discord_adapter import DiscordAdapter
from bot.settings import DiscordSettings
from handlers.formatting import to_plain
from handlers.i18n import FSI, PDI, _, language, translations_for
from tests.conftest import build_bot, make_network
from tests.discord_spec import SPEC
from tests.telegram_fake import FakeBotApi
from tests.test_catalogues import LANGUAGES, catalogue
from tests.test_console import run_console
from tests.test_discord_adapter import DiscordSession
from tests.test_telegram_adapter import TelegramHarness, make_adapter

ADMIN, ANA, BORIS = 1001, 2002, 3003
WELCOME = "Before we start, here is how this bot treats your data:"
CATALOGUES = tuple(LANGUAGES)  # those shipped (a test may register others in this process)


def tr(code: str, message: str, **values) -> str:
    """`message` as the catalogue of `code` says it."""
    with language(code):
        return str(_(message, **values))


@pytest.fixture
async def tg(db_path):
    bot, db = await build_bot(db_path, make_network(admins=frozenset({f"telegram:{ADMIN}"}), open_registration=True))
    api = FakeBotApi()
    adapter = make_adapter(bot, api)
    delivery = Outbox(bot.repos, bot.clock)
    delivery.register(adapter)
    bot.core.services.delivery = delivery
    await adapter.app.initialize()
    await adapter.publish_menus()
    yield TelegramHarness(adapter, api, bot)
    await adapter.app.shutdown()
    await db.close()
    assert not api.violations, "calls that break the Bot API spec:\n" + "\n".join(api.violations)


def test_the_six_un_languages_are_spoken():
    assert set(CATALOGUES) == {"ar", "es", "fr", "ru", "zh"}  # and English, the source
    for code in CATALOGUES:
        assert tr(code, WELCOME) != WELCOME  # a catalogue that answers, not English again


@pytest.mark.parametrize("code", CATALOGUES)
async def test_a_stranger_is_welcomed_in_the_language_their_telegram_app_is_set_to(tg, code):
    tg.api.app_languages[ANA] = {"zh": "zh-hans", "es": "es-419"}.get(code, code)
    text = "\n".join(await tg.say(ANA, "/start"))
    assert tr(code, WELCOME) in text and WELCOME not in text
    labels = [b["text"] for b in tg.api.last_keyboard(ANA)[1]]
    assert labels[0] == tr(code, "I understand — set up my profile")
    assert "English" in labels  # the other languages, each in its own name
    assert await tg.bot.member(f"telegram:{ANA}") is None  # nothing stored before consent


async def test_an_app_in_a_language_the_bot_does_not_speak_gets_the_networks_language(tg):
    tg.api.app_languages[ANA] = "pt-br"
    assert WELCOME in "\n".join(await tg.say(ANA, "/start"))


async def test_the_welcome_offers_the_other_languages_and_the_one_chosen_stays_after_joining(tg):
    await tg.say(ANA, "/start")
    text = "\n".join(await tg.press(ANA, "Русский"))
    assert tr("ru", WELCOME) in text
    assert await tg.bot.member(f"telegram:{ANA}") is None  # reading it in Russian stored nothing
    await tg.press(ANA, tr("ru", "I understand — set up my profile"))
    member = await tg.bot.member(f"telegram:{ANA}")
    assert member.languages == ("ru",)
    asked = tg.api.texts(ANA)[-1]
    assert "What name should the network know you by" not in asked and "8" in asked  # step 1 of 8, in Russian
    # The app says English; the profile says Russian, and the profile decides.
    assert tr("ru", "I answer commands. Send /help to see what you can do.") in \
        "\n".join(await tg.say(ANA, "/cancel")) + "\n".join(await tg.say(ANA, "hello"))


async def test_language_changes_the_language_at_any_time_and_refuses_what_it_cannot_speak(tg):
    await tg.say(ANA, "/start")
    await tg.press(ANA, "I understand")
    said = "\n".join(await tg.say(ANA, "/language русский"))
    assert tr("ru", "From now on I write to you in {language}.", language="Русский") in said
    assert (await tg.bot.member(f"telegram:{ANA}")).languages[0] == "ru"
    said = "\n".join(await tg.say(ANA, "/language xyzzy"))
    assert tr("ru", "I don't know the language “{text}”; please choose below.", text="xyzzy") in said
    said = "\n".join(await tg.say(ANA, "/language pt"))
    assert tr("ru", "I can't write in {language} yet; please choose below.", language="Português") in said
    assert (await tg.bot.member(f"telegram:{ANA}")).languages[0] == "ru"  # refused: nothing changed
    await tg.say(ANA, "/language")
    said = "\n".join(await tg.press(ANA, "English"))
    assert "From now on I write to you in English." in said
    assert (await tg.bot.member(f"telegram:{ANA}")).languages[:2] == ("en", "ru")


async def test_telegram_menus_exist_in_each_language_and_a_members_menu_follows_their_language(tg):
    english = {c["command"]: c["description"] for c in tg.api.menu_entries()}
    summaries = {spec.name: spec.summary for spec in tg.bot.core.routes.commands.values()}
    for code in CATALOGUES:
        menu = {c["command"]: c["description"] for c in tg.api.menu_entries(language=code)}
        assert menu.keys() == english.keys()  # command names stay as they are
        assert all(menu[name] == translations_for(code).gettext(summaries[name])[:256] for name in menu)
        assert menu != english
    await tg.say(ANA, "/start")
    await tg.press(ANA, "I understand")
    await tg.say(ANA, "/language ru")
    chat_menu = {c["command"]: c["description"] for c in tg.api.menu_entries(ANA)}
    assert chat_menu["commit"] == translations_for("ru").gettext(summaries["commit"])


async def test_in_arabic_a_latin_name_is_set_apart_from_the_right_to_left_text_on_telegram(tg):
    tg.api.app_languages[ANA] = "ar"
    await tg.say(ANA, "/start")
    await tg.press(ANA, tr("ar", "I understand — set up my profile"))
    said = "\n".join(await tg.say(ANA, "Ana Lopez 2"))
    assert f"{FSI}Ana Lopez 2{PDI}" in said  # without the isolates, "2" and the Latin name would be reordered


@contextlib.asynccontextmanager
async def discord_session(db_path, monkeypatch, locales: dict[int, str]):
    """A Discord session whose people's apps are set to the languages `locales` names (by user id)."""
    from simcord import interactions

    made = interactions.base_payload

    def with_locale(backend, **kwargs):
        record, payload = made(backend, **kwargs)
        payload["locale"] = locales.get(kwargs["user_id"], "en-US")
        return record, payload

    monkeypatch.setattr(interactions, "base_payload", with_locale)
    bot, db = await build_bot(db_path, make_network(open_registration=True))
    adapter = DiscordAdapter(bot.core, DiscordSettings())
    try:
        async with simcord.run(adapter.client) as env:
            await adapter.sync_commands()
            yield DiscordSession(adapter, env, bot)
            SPEC.check_all(env.http_requests)  # translated descriptions included: 1-100 characters
    finally:
        await db.close()


async def test_discord_commands_are_described_in_each_language_discord_offers(db_path, monkeypatch):
    async with discord_session(db_path, monkeypatch, {}) as s:
        registered = [r for r in s.env.http_requests if r.method == "PUT" and r.path.endswith("/commands")]
        payload = {c["name"]: c for c in registered[-1].json}
        summaries = {spec.name: spec.summary for spec in s.bot.core.routes.commands.values()}
        commit = payload["commit"]
        assert "name_localizations" not in commit or not commit["name_localizations"]  # names stay
        localized = commit["description_localizations"]
        for locale, code in (("fr", "fr"), ("es-ES", "es"), ("es-419", "es"), ("ru", "ru"), ("zh-CN", "zh")):
            if code not in CATALOGUES:
                continue
            assert localized[locale] == translations_for(code).gettext(summaries["commit"])[:100]
        assert not any(key.startswith("ar") for key in localized)  # Discord has no Arabic
        option = next(o for o in commit["options"] if o["name"] == "what")
        assert option["description_localizations"]["ru"] != option["description"]


@pytest.mark.parametrize("code", CATALOGUES)
async def test_every_command_and_option_description_fits_discords_100_characters_in_each_language(tg, code):
    """Discord refuses a longer one; the adapter would cut it mid-word."""
    network, catalogue_of = tg.bot.core.services.network, translations_for(code)
    too_long = []
    for spec in tg.bot.core.routes.commands.values():
        described = [(f"/{spec.name}", catalogue_of.gettext(spec.summary))]
        for param in spec.params:
            values = {"default": getattr(network, param.default)} if param.default else {}
            described.append((f"/{spec.name} {param.name}", catalogue_of.gettext(param.description).format(**values)))
        too_long += [f"{where}: {text}" for where, text in described if len(text) > 100]
    assert not too_long, "\n".join(too_long)


async def test_a_discord_user_is_welcomed_in_their_apps_language(db_path, monkeypatch):
    locales: dict[int, str] = {}
    async with discord_session(db_path, monkeypatch, locales) as s:
        lena = s.person("lena")
        locales[lena.id] = "ru"
        assert tr("ru", WELCOME) in await lena.slash("start")
        await lena.click(tr("ru", "I understand — set up my profile"))
        member = await s.bot.repos.members.by_identity("discord", str(lena.id))
        assert member.languages == ("ru",)


async def test_in_arabic_a_latin_name_is_set_apart_from_the_right_to_left_text_on_discord(db_path, monkeypatch):
    async with discord_session(db_path, monkeypatch, {}) as s:  # Discord has no Arabic: chosen on the welcome
        lena = s.person("lena")
        await lena.slash("start")
        assert tr("ar", WELCOME) in await lena.click("العربية")
        await lena.click(tr("ar", "I understand — set up my profile"))
        said = await lena.answer("Ana Lopez 2")
        assert f"{FSI}Ana Lopez 2{PDI}" in said


JOURNEYS = {  # (welcome button, name, when a commitment is due, a reminder, a repeating reminder)
    "fr": (5, "Amandine", "demain 9h", "demain 9h appeler la mairie", "chaque lundi 9h relire les notes"),
    "es": (4, "Inés", "mañana a las 9", "mañana a las 9 llamar al ayuntamiento", "cada lunes a las 9 revisar"),
    "ru": (6, "Ольга", "завтра в 9", "завтра в 9 позвонить в мэрию", "каждый понедельник в 9:00 проверить"),
    "ar": (3, "Amal أمل", "غدا الساعة 9", "غدا الساعة 9 اتصل بالبلدية", "كل يوم اثنين الساعة 9 راجع"),
    "zh": (7, "李华", "明天9点", "明天9点 给市政府打电话", "每周一9点 检查笔记"),
}


def english_pieces(code: str) -> set[str]:
    """Sentences of the English messages that the catalogue of `code` says otherwise: none may show in a reply."""
    pieces = set()
    for message in catalogue(code):
        source = message.id if isinstance(message.id, str) else message.id[1]
        if not source or message.string == source:
            continue
        for piece in re.split(r"\{[^}]*\}|<[^>]+>|\n|[.:;!?()“”]", source):
            piece = piece.strip()
            if len(piece.split()) >= 3 and len(piece) >= 15:
                pieces.add(piece)
    return pieces


@pytest.mark.parametrize("code", sorted(set(JOURNEYS) & set(CATALOGUES)))
def test_a_console_journey_in_each_language_is_answered_in_that_language(tmp_path, code):
    _button, name, due, once, weekly = JOURNEYS[code]
    button = 3 + CATALOGUES.index(code)  # after "I understand" and "Not now", in the order of their codes
    script = "\n".join([
        "/as amina", "/start", f"/press {button}", "/press 1", name, "/press 1", "/press 6", "/press 1", "/press 15",
        "/press 3", "/press 17", "/press 13", "Lyon", "Signal: ana.7",
        "/commit", "Atelier / workshop", due, "/press 1", "/press 1", "/press 1", "/press 1",
        f"/remind {once}", "/press 1", f"/remind {weekly}", "/press 1", "/reminders",
        "/partner theme:detention", "/agenda", "/subscribe", "/session", "/progress", "/help", ""])
    result = run_console(script, "console", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    chosen = result.stdout.split(f"> /press {button}\n", 1)[1]  # the welcome before was in the app's language
    replies = [line for line in chosen.splitlines() if not line.startswith(("> ", "·"))]
    said = "\n".join(replies)
    leaked = sorted(p for p in english_pieces(code) if p in said)
    assert not leaked, f"English in the {code} journey: {leaked[:5]}"
    assert to_plain(tr(code, "<b>Your profile is ready.</b>")) in said
    for usage in ("/subscribe <number> | theme:…", "/session <number>", "/progress <number> <note>"):  # how to use a command, in its words too
        assert tr(code, usage) in said and usage not in said
    member = sqlite3.connect(tmp_path / "solidarity.db").execute(
        "SELECT language FROM member_languages ORDER BY position LIMIT 1").fetchone()
    assert member == (code,)
    rows = sqlite3.connect(tmp_path / "solidarity.db").execute("SELECT count(*) FROM reminders").fetchone()
    assert rows == (2,)  # the one-off reminder and the repeating one, both read in that language
    commitments = sqlite3.connect(tmp_path / "solidarity.db").execute(
        "SELECT due_at IS NOT NULL FROM commitments").fetchall()
    assert commitments == [(1,)]  # the date typed in that language was read

"""The values that cross between the adapters and the core: who is talking, what they sent, what the bot answers.

Adapters translate their platform's updates into `Incoming` and `Press`, and the core's `Reply` back into
platform calls. Nothing here knows about any platform.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup


@dataclass(frozen=True)
class Person:
    """An account on a platform: ("telegram", "123456"), ("discord", "987654"), ("console", "amina")."""

    platform: str
    external_id: str

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.external_id}"


@dataclass(frozen=True)
class Incoming:
    """A text message or command from a person. `private` is False in a group or server channel.

    A command chosen with typed options (a Discord slash command) comes as its name alone in `text`
    ("/commit") with the options in `values`, by the names the command's params declare."""

    person: Person
    text: str
    private: bool = True
    values: dict[str, Any] | None = None
    more: tuple[str, ...] = ()  # answers to the questions after the one `text` answers, typed into the same form
    locale: str | None = None  # the language the person's app is set to (Telegram's language_code, Discord's locale)


@dataclass(frozen=True)
class Press:
    """A button press: the adapter passes on only the opaque token the button carried."""

    person: Person
    token: str
    private: bool = True
    locale: str | None = None  # as for Incoming


@dataclass(frozen=True)
class Button:
    """A button under a message: it carries a token the core issued, or opens a URL.

    `selected` marks a toggle in a multiple choice (True when ticked): adapters that have multi-select menus
    (Discord) may show a run of toggles as one menu, pressing the token of each option whose state changed.
    """

    label: str
    token: str | None = None
    url: str | None = None
    selected: bool | None = None


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply (the console prints it)."""

    filename: str
    content: bytes
    mime: str = "application/json"


@dataclass(frozen=True)
class Reply:
    """One message from the bot.

    `text` is safe markup: a small HTML subset (b, i, code, pre, a) in which every piece of user content has
    already been escaped. `edit` asks the adapter to replace the message whose button was pressed.
    `private_redirect` says the answer belongs in a private chat: in a group, the adapter offers a way there, and
    `redirect_command` names the command that was sent (its name only), to be run again once there.
    `toast` is a short notice for the button press itself (Telegram's answerCallbackQuery text); with
    `toast_only` the press needs no message at all beyond that notice (the console prints it as a line).
    `asks` says the reply waits for typed text, with a short label for it: where the bot cannot read a channel's
    messages (Discord servers) the adapter offers a form to type the answer in. `form` lists the short answers the
    questions after this one will ask (a session's start and end after its title): where typing goes through a
    form, one form takes them all, and they come back as `Incoming.more`.
    `question` marks a guided question (its nonce): once it is shown, the adapter tells the core where
    (`Core.question_shown`). `replaces` names a message shown earlier, by the reference its adapter gave then: this
    reply is what it now shows (a question answered by typing, without its buttons); an adapter that cannot edit it
    (another platform's, or one too old) sends nothing for this reply. `language` is the language the text is
    written in (the core sets it): an adapter writes its own words beside it, such as a form's button, in it.
    """

    text: Markup
    buttons: tuple[tuple[Button, ...], ...] = ()
    edit: bool = False
    attachment: Attachment | None = None
    private_redirect: bool = False
    redirect_command: str = ""
    toast: str | None = None
    toast_only: bool = False
    asks: str | None = None  # the reply asks for typed text; a short label for it (a Discord modal's field)
    form: tuple[str, ...] = ()  # labels of the questions after it that a form may answer with it
    question: str | None = None
    replaces: str | None = None
    language: str = ""

    def button_list(self) -> list[Button]:
        """All buttons, row after row."""
        return [b for row in self.buttons for b in row]


def reply_to_dict(reply: Reply) -> dict:
    """A reply as plain JSON values, to wait in the outbox (the text stays the already-escaped markup)."""
    body: dict = {"text": str(reply.text)}
    if reply.buttons:
        body["buttons"] = [[{k: v for k, v in (("label", b.label), ("token", b.token), ("url", b.url),
                                                ("selected", b.selected)) if v is not None} for b in row]
                           for row in reply.buttons]
    if reply.attachment is not None:
        body["file"] = {"name": reply.attachment.filename, "mime": reply.attachment.mime,
                        "data": base64.b64encode(reply.attachment.content).decode()}
    if reply.asks:
        body["asks"] = reply.asks
    if reply.language:
        body["language"] = reply.language
    return body


def reply_from_dict(body: dict) -> Reply:
    """The reply `reply_to_dict` made."""
    buttons = tuple(tuple(Button(**b) for b in row) for row in body.get("buttons", ()))
    file = body.get("file")
    attachment = Attachment(file["name"], base64.b64decode(file["data"]), file["mime"]) if file else None
    return Reply(Markup(body.get("text", "")), buttons=buttons, attachment=attachment, asks=body.get("asks"),
                 language=body.get("language", ""))


@dataclass(frozen=True)
class Outgoing:
    """A message the bot sends on its own to a member: `kind` names it in the outbox ("reminder", "check-in" …);
    `not_before` holds it back (quiet hours) until that moment, in seconds since the epoch; `broadcast_id` marks
    it as part of an organiser's broadcast (sent after personal messages, stopped by a mute or a cancel); `about`
    lists the other members it names or whose text it carries (if one of them erases their data before it goes,
    it is withdrawn). `ready_at` is set on a message that waits for the member's quiet hours: when it was ready,
    quiet hours aside (a change of quiet hours reschedules it from there); `subject_id`, on a message a due row
    made, is what that row was about (a session), so that it can be withdrawn when it no longer applies."""

    member_id: int
    reply: Reply
    kind: str = "notice"
    not_before: int | None = None
    broadcast_id: int | None = None
    about: tuple[int, ...] = ()
    ready_at: int | None = None
    subject_id: int | None = None

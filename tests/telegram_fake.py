"""A Bot API that lives in the test: it checks every call against the pinned spec and answers like Telegram.

`TelegramSpec.check(method, params)` returns every way a call breaks the spec in `tests/platform_specs`: unknown method,
unknown or missing parameter, wrong type, and the limits the spec states in prose (text 1-4096 characters after
entity parsing, callback_data 1-64 bytes, command names, at most 100 commands, at most 100 buttons and 8 a row).

`FakeBotApi` keeps the chats' messages and answers getMe, sendMessage, editMessageText, answerCallbackQuery,
sendDocument, sendPhoto (checking the photo's size and shape), deleteMessages, setMyCommands, deleteMyCommands, getUpdates and the webhook calls. `RecordingRequest` plugs it into
python-telegram-bot as its `BaseRequest`, so the real `Application` runs with no network at all. Failures can be
injected: an error answer (`fail`: a 403, a 429 with retry_after, a 502 as JSON or as a proxy's HTML page), a
connection that is never made (`refuse_connection`) or an answer that never comes (`answer_late`).
"""

from __future__ import annotations

import asyncio
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from tests.specs import specs_dir

SPEC_PATH = specs_dir() / "telegram-bot-api.json"

TELEGRAM_HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
                      "pre", "blockquote", "tg-emoji"}
_RANGE = re.compile(r"(\d+)-(\d+) (characters|bytes)")
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
BOT_ID = 5000
BOT_USERNAME = "SolidarityTestBot"


class _TextOf(HTMLParser):
    """Telegram's HTML parse mode: the visible text, and every tag problem."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in TELEGRAM_HTML_TAGS:
            self.problems.append(f"unsupported tag <{tag}>")
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unbalanced </{tag}>")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def visible_text(text: str, parse_mode: str | None) -> tuple[str, list[str]]:
    """The text Telegram would show, and problems with its markup."""
    if parse_mode != "HTML":
        return text, []
    parser = _TextOf()
    parser.feed(text)
    parser.close()
    problems = parser.problems + ([f"unclosed <{t}>" for t in parser.stack])
    if re.search(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
        problems.append("a bare & that is not an entity")
    return "".join(parser.text), problems


class TelegramSpec:
    """The pinned Bot API description."""

    def __init__(self, path: Path = SPEC_PATH) -> None:
        data = json.loads(path.read_text())
        self.methods: dict[str, dict] = data["methods"]
        self.types: dict[str, dict] = data["types"]

    def check(self, method: str, params: dict[str, Any]) -> list[str]:
        """Every way this call breaks the spec (empty when it is fine)."""
        spec = self.methods.get(method)
        if spec is None:
            return [f"{method}: no such method"]
        problems: list[str] = []
        fields = {f["name"]: f for f in spec.get("fields", [])}
        for name in params:
            if name not in fields:
                problems.append(f"{method}: unknown parameter {name}")
        for name, field in fields.items():
            if field.get("required") and params.get(name) is None:
                problems.append(f"{method}: missing required {name}")
        for name, value in params.items():
            if name in fields and value is not None:
                problems += self._value(f"{method}.{name}", value, fields[name], params)
        problems += self._method_limits(method, params)
        return problems

    def _value(self, where: str, value: Any, field: dict, siblings: dict[str, Any]) -> list[str]:
        types = field["types"]
        if not any(self._matches(value, t) for t in types):
            return [f"{where}: {value!r:.80} is not {' or '.join(types)}"]
        problems = []
        match = _RANGE.search(field.get("description", ""))
        if match and isinstance(value, str):
            low, high, unit = int(match.group(1)), int(match.group(2)), match.group(3)
            if unit == "bytes":
                size = len(value.encode())
            elif "after entities parsing" in field["description"]:
                shown, markup_problems = visible_text(value, siblings.get("parse_mode"))
                problems += [f"{where}: {p}" for p in markup_problems]
                size = len(shown)
            else:
                size = len(value)
            if not low <= size <= high:
                problems.append(f"{where}: {size} {unit}, allowed {low}-{high}")
        candidates: list[list[str]] = []
        for t in types:
            if t in self.types and isinstance(value, dict):
                candidates.append(self._object(where, value, t))
            elif t.startswith("Array of") and isinstance(value, list):
                inner = t.removeprefix("Array of ")
                found: list[str] = []
                for i, item in enumerate(value):
                    if inner.startswith("Array of") and isinstance(item, list):
                        for j, cell in enumerate(item):
                            found += self._object(f"{where}[{i}][{j}]", cell, inner.removeprefix("Array of "))
                    elif inner in self.types and isinstance(item, dict):
                        found += self._object(f"{where}[{i}]", item, inner)
                candidates.append(found)
        if candidates:
            # A field may take one of several types (reply_markup): the value must fit at least one of them.
            problems += min(candidates, key=len)
        return problems

    def _object(self, where: str, value: dict, type_name: str) -> list[str]:
        spec = self.types.get(type_name)
        if spec is None or not isinstance(value, dict):
            return []
        if spec.get("subtypes"):
            return []  # a union (e.g. BotCommandScope): the member type is not named in the value
        fields = {f["name"]: f for f in spec.get("fields", [])}
        problems = [f"{where}: unknown field {k} of {type_name}" for k in value if k not in fields]
        problems += [f"{where}: missing {k} of {type_name}" for k, f in fields.items()
                     if f.get("required") and value.get(k) is None]
        for k, v in value.items():
            if k in fields and v is not None:
                problems += self._value(f"{where}.{k}", v, fields[k], value)
        return problems

    def _matches(self, value: Any, type_name: str) -> bool:
        if type_name == "Integer":
            return isinstance(value, int) and not isinstance(value, bool) or (
                isinstance(value, str) and value.lstrip("-").isdigit())
        if type_name == "Float":
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if type_name == "String":
            return isinstance(value, str)
        if type_name == "Boolean":
            return isinstance(value, bool)
        if type_name == "InputFile":
            return isinstance(value, str) and value.startswith("attach://") or not isinstance(value, (int, float))
        if type_name.startswith("Array of"):
            return isinstance(value, list)
        if type_name in self.types:
            spec = self.types[type_name]
            if spec.get("subtypes"):
                return any(self._matches(value, s) for s in spec["subtypes"])
            return isinstance(value, dict)
        return False

    def _method_limits(self, method: str, params: dict[str, Any]) -> list[str]:
        problems = []
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if sum(len(r) for r in rows) > 100:
                problems.append(f"{method}: more than 100 inline buttons")
            if any(len(r) > 8 for r in rows):
                problems.append(f"{method}: more than 8 buttons in a row")
            for row in rows:
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(data.encode()) <= 64:
                        problems.append(f"{method}: callback_data of {len(data.encode())} bytes")
        if method == "setMyCommands":
            commands = params.get("commands", [])
            if len(commands) > 100:
                problems.append("setMyCommands: more than 100 commands")
            for command in commands:
                if not COMMAND_NAME.match(command.get("command", "")):
                    problems.append(f"setMyCommands: bad command name {command.get('command')!r}")
                if not 1 <= len(command.get("description", "")) <= 256:
                    problems.append(f"setMyCommands: a description of {len(command.get('description', ''))} "
                                    "characters (1-256)")
        if method == "deleteMessages":
            ids = params.get("message_ids")
            ids = json.loads(ids) if isinstance(ids, str) else ids
            if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
                problems.append("deleteMessages: message_ids must hold 1-100 identifiers")
        if method == "answerCallbackQuery" and len(params.get("text") or "") > 200:
            problems.append("answerCallbackQuery: text over 200 characters")
        return problems


SPEC = TelegramSpec()

# sendPhoto's "photo" in the spec: "The photo must be at most 10 MB in size. The photo's width and height must not
# exceed 10000 in total. Width and height ratio must be at most 20."
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDES = 10_000
PHOTO_MAX_RATIO = 20


def png_size(content: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its header; (0, 0) for anything that is not a PNG."""
    if not content.startswith(b"\x89PNG\r\n\x1a\n") or content[12:16] != b"IHDR":
        return 0, 0
    return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")


def photo_problems(content: bytes) -> list[str]:
    """Every way an uploaded photo breaks sendPhoto's limits (the bot sends PNG charts)."""
    width, height = png_size(content)
    if not width or not height:
        return ["sendPhoto: the photo is not a PNG image"]
    problems = []
    if len(content) > PHOTO_MAX_BYTES:
        problems.append(f"sendPhoto: {len(content)} bytes, over 10 MB")
    if width + height > PHOTO_MAX_SIDES:
        problems.append(f"sendPhoto: width and height {width} + {height} over {PHOTO_MAX_SIDES}")
    if max(width, height) / min(width, height) > PHOTO_MAX_RATIO:
        problems.append(f"sendPhoto: ratio {width}:{height} over {PHOTO_MAX_RATIO}")
    return problems


class FakeBotApi:
    """The server side of the Bot API: chats, messages, commands, updates; every call checked against the spec."""

    def __init__(self, *, can_read_all_group_messages: bool = False) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.deleted: list[tuple[int, int]] = []  # (chat, message id) of each message deleted
        self.violations: list[str] = []
        self.messages: dict[int, dict] = {}
        self.commands: dict[tuple[str, str], list[dict]] = {}  # (scope, language_code) → menu
        self.next_message_id = 100
        self.next_update_id = 1
        self.updates: asyncio.Queue[dict] | None = None
        self.forbidden_chats: set[int] = set()
        self.app_languages: dict[int, str] = {}  # user → the language their Telegram app is set to (default "en")
        self.answered: list[str] = []
        self.can_read_all_group_messages = can_read_all_group_messages
        self.webhook: dict | None = None
        self.fail_next: dict[str, list[tuple[int, dict | bytes]]] = {}  # method → (status, body) answers to give first
        self.transport_faults: dict[str, list[str]] = {}  # method → "refused" / "late", for the next calls

    # --- failures the test injects ---

    def fail(self, method: str, status: int, description: str, *, retry_after: int | None = None,
             html: bool = False, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with an error, as Telegram does: a 429 carries
        `parameters.retry_after`; with `html` the body is the HTML page a proxy answers a 5xx with."""
        body: dict | bytes
        if html:
            body = (f"<html>\r\n<head><title>{status} {description}</title></head>\r\n<body>\r\n<center><h1>"
                    f"{status} {description}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
                    ).encode()
        else:
            body = {"ok": False, "error_code": status, "description": description}
            if retry_after is not None:
                body["parameters"] = {"retry_after": retry_after}
        self.fail_next.setdefault(method, []).extend([(status, body)] * times)

    def refuse_connection(self, method: str, *, times: int = 1) -> None:
        """The next `times` calls of `method` never reach the server (httpx.ConnectError)."""
        self.transport_faults.setdefault(method, []).extend(["refused"] * times)

    def answer_late(self, method: str, *, times: int = 1) -> None:
        """The next `times` calls of `method` are carried out, but their answer never arrives (httpx.ReadTimeout)."""
        self.transport_faults.setdefault(method, []).extend(["late"] * times)

    def _transport_fault(self, method: str) -> str | None:
        faults = self.transport_faults.get(method)
        return faults.pop(0) if faults else None

    # --- what the bot did ---

    def sent(self, chat_id: int | None = None) -> list[dict]:
        """Messages the bot sent (and documents and photos), oldest first."""
        return [p for m, p in self.calls if m in ("sendMessage", "sendDocument", "sendPhoto")
                and (chat_id is None or int(p["chat_id"]) == chat_id)]

    def delivered(self, chat_id: int) -> list[str]:
        """The text of each message that reached a chat (refused calls are in `calls`, but never arrived)."""
        return [m["text"] for m in self.messages.values() if m["chat"]["id"] == chat_id and "text" in m]

    def texts(self, chat_id: int | None = None) -> list[str]:
        """The visible text of each sent or edited message, and the caption of each file or photo sent."""
        return [visible_text(p.get("text") or p["caption"], p.get("parse_mode"))[0] for m, p in self.calls
                if (m in ("sendMessage", "editMessageText") and "text" in p or
                    m in ("sendDocument", "sendPhoto") and p.get("caption"))
                and (chat_id is None or int(p["chat_id"]) == chat_id)]

    def last_keyboard(self, chat_id: int) -> tuple[int, list[dict]]:
        """The message id and buttons of the latest message in a chat that has buttons."""
        for method, params in reversed(self.calls):
            if method in ("sendMessage", "editMessageText") and int(params.get("chat_id", 0)) == chat_id:
                markup = params.get("reply_markup")
                if markup and markup.get("inline_keyboard"):
                    message_id = params.get("message_id") or params["_message_id"]
                    return message_id, [b for row in markup["inline_keyboard"] for b in row]
        raise AssertionError(f"no message with buttons in chat {chat_id}")

    # --- updates the test sends ---

    def _user(self, user_id: int, name: str = "Test") -> dict:
        return {"id": user_id, "is_bot": False, "first_name": name,
                "language_code": self.app_languages.get(user_id, "en")}

    def _chat(self, chat_id: int, private: bool) -> dict:
        return {"id": chat_id, "type": "private", "first_name": "Test"} if private else \
            {"id": chat_id, "type": "supergroup", "title": "Group"}

    def message_update(self, user_id: int, text: str, *, chat_id: int | None = None) -> dict:
        chat = chat_id if chat_id is not None else user_id
        update = {"update_id": self.next_update_id, "message": {
            "message_id": self.next_message_id, "date": 1_790_000_000, "chat": self._chat(chat, chat == user_id),
            "from": self._user(user_id), "text": text}}
        if text.startswith("/"):
            length = len(text.split()[0])
            update["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        self.next_update_id += 1
        self.next_message_id += 1
        return update

    def press_update(self, user_id: int, data: str, *, message_id: int, chat_id: int | None = None) -> dict:
        chat = chat_id if chat_id is not None else user_id
        message = self.messages.get(message_id) or {"message_id": message_id, "date": 1_790_000_000,
                                                     "chat": self._chat(chat, chat == user_id), "text": "x"}
        update = {"update_id": self.next_update_id, "callback_query": {
            "id": str(self.next_update_id), "from": self._user(user_id), "chat_instance": "ci",
            "message": message, "data": data}}
        self.next_update_id += 1
        return update

    # --- the API ---

    def handle(self, method: str, params: dict[str, Any], *, filename: str | None = None,
               content: bytes | None = None) -> tuple[int, dict]:
        """Answer one call as Telegram would, after checking it (and the photo it uploads, if any)."""
        problems = SPEC.check(method, params)
        if method == "sendPhoto" and content is not None:
            problems += photo_problems(content)
        if filename is not None:
            params["_filename"] = filename
        if content is not None:
            params["_content"] = content
        self.violations += problems
        self.calls.append((method, params))
        if problems:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: " + "; ".join(problems)}
        if self.fail_next.get(method):
            status, body = self.fail_next[method].pop(0)
            return status, body
        chat_id = params.get("chat_id")
        if chat_id is not None and int(chat_id) in self.forbidden_chats:
            return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        handler = getattr(self, f"_api_{method}", None)
        result = handler(params) if handler else True
        return 200, {"ok": True, "result": result}

    def _api_getMe(self, params):
        return {"id": BOT_ID, "is_bot": True, "first_name": "Solidarity", "username": BOT_USERNAME,
                "can_join_groups": True, "can_read_all_group_messages": self.can_read_all_group_messages,
                "supports_inline_queries": False}

    def _new_message(self, params: dict, **extra: Any) -> dict:
        chat = int(params["chat_id"])
        message = {"message_id": self.next_message_id, "date": 1_790_000_000,
                   "chat": self._chat(chat, chat > 0), "from": self._api_getMe({}), **extra}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        params["_message_id"] = self.next_message_id
        self.messages[self.next_message_id] = message
        self.next_message_id += 1
        return message

    def _api_sendMessage(self, params):
        return self._new_message(params, text=visible_text(params["text"], params.get("parse_mode"))[0])

    def _api_sendPhoto(self, params):
        width, height = png_size(params.get("_content", b""))
        extra = {"caption": visible_text(params["caption"], params.get("parse_mode"))[0]} if params.get("caption") \
            else {}
        return self._new_message(params, photo=[{"file_id": "p", "file_unique_id": "pu", "width": width,
                                                 "height": height}], **extra)

    def _api_sendDocument(self, params):
        return self._new_message(params, document={"file_id": "f", "file_unique_id": "u",
                                                   "file_name": params.get("_filename", "file")})

    def _api_editMessageText(self, params):
        message = self.messages.get(int(params["message_id"]))
        if message is None:
            return {"message_id": int(params["message_id"]), "date": 1_790_000_000,
                    "chat": self._chat(int(params["chat_id"]), True), "text": params["text"]}
        message["text"] = visible_text(params["text"], params.get("parse_mode"))[0]
        message["reply_markup"] = params.get("reply_markup")
        return message

    def _api_deleteMessages(self, params):
        ids = params["message_ids"]
        ids = json.loads(ids) if isinstance(ids, str) else ids
        chat = int(params["chat_id"])
        for message_id in ids:
            message = self.messages.get(int(message_id))
            if message is not None and message["chat"]["id"] == chat:
                self.deleted.append((chat, int(message_id)))
                del self.messages[int(message_id)]
        return True

    def _api_answerCallbackQuery(self, params):
        self.answered.append(params["callback_query_id"])
        return True

    def _api_setMyCommands(self, params):
        key = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        self.commands[(key, params.get("language_code") or "")] = params["commands"]
        return True

    def _api_deleteMyCommands(self, params):
        key = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        self.commands.pop((key, params.get("language_code") or ""), None)
        return True

    def _api_setWebhook(self, params):
        self.webhook = params
        return True

    def _api_deleteWebhook(self, params):
        self.webhook = None
        return True

    def _api_getUpdates(self, params):
        return []

    def menu(self, chat_id: int | None = None, language: str = "") -> list[str]:
        """The command names of the default menu, or of one chat's (for the app language given, if any)."""
        return [c["command"] for c in self.menu_entries(chat_id, language)]

    def menu_entries(self, chat_id: int | None = None, language: str = "") -> list[dict]:
        """The commands of a menu with their descriptions, as Telegram would show them to an app in `language`:
        the menu set for that language, else the one set for all languages."""
        scope = {"type": "default"} if chat_id is None else {"type": "chat", "chat_id": chat_id}
        key = json.dumps(scope, sort_keys=True)
        return self.commands.get((key, language)) or self.commands.get((key, ""), [])


def parameters_of(request_data: RequestData | None) -> dict[str, Any]:
    """The call's parameters as plain values, with uploaded files named."""
    if request_data is None:
        return {}
    params = dict(request_data.parameters)
    for p in request_data._parameters:  # noqa: SLF001 (the file names are only kept here)
        for f in p.input_files or []:
            params["_filename"] = f.filename
            params["_content"] = f.input_file_content
            params[p.name] = f.attach_uri or "attach://upload"
    return params


class RecordingRequest(BaseRequest):
    """python-telegram-bot's HTTP layer, answered in-process by a FakeBotApi (no socket is ever opened)."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, read_timeout=None,
                         write_timeout=None, connect_timeout=None, pool_timeout=None) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        fault = self.api._transport_fault(api_method)  # noqa: SLF001
        # Transport failures reach python-telegram-bot as HTTPXRequest raises them: NetworkError or TimedOut,
        # caused by the httpx error.
        if fault == "refused":
            cause = httpx.ConnectError("[Errno 111] Connection refused")
            raise NetworkError(f"httpx.ConnectError: {cause}") from cause
        params = parameters_of(request_data)
        filename, content = params.pop("_filename", None), params.pop("_content", None)
        status, body = self.api.handle(api_method, params, filename=filename, content=content)
        if fault == "late":
            raise TimedOut() from httpx.ReadTimeout("The read operation timed out")
        return status, body if isinstance(body, bytes) else json.dumps(body).encode()


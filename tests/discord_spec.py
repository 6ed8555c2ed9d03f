"""Discord's HTTP API as the tests see it: every REST call the bot makes, checked against the pinned OpenAPI spec.

`DiscordSpec.check(method, path, body, params)` returns every way one call breaks the spec in `tests/platform_specs`:
an unknown route or method, a path parameter that is not a snowflake, an unknown or ill-typed query parameter, and a
JSON body that does not fit the operation's request schema (types, enums, required properties, length and count
limits). On top of the schema it checks the limits Discord documents only in prose (tests/platform_specs/README.md):
message content at most 2000 characters; slash command and option names (`^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]
{1,32}$`, lower case), descriptions 1-100, at most 25 options and 25 choices, at most 100 slash commands per bulk
overwrite; at most 5 action rows of 5 buttons, a select menu alone in its row, `custom_id` 1-100 characters and unique
in a message, modal title 1-45, text input label 1-45 and value at most 4000, button label at most 80, select option
label and value at most 100. Those rules hold wherever a message travels: channel messages, interaction callbacks
and webhook follow-ups.

`DiscordSpec.check_all(env.http_requests)` runs `check` over SimCord's request log and raises one AssertionError that
lists every violation. `SPEC` is the process-wide instance: the spec is parsed, indexed and its validators compiled
once, however many tests use it, and a body already judged is not validated again.

Where the spec and Discord's documentation disagree, the documentation wins (tests/platform_specs/README.md); the loaded copy
is patched in two places, each explained where it is done: request snowflakes may be JSON integers, and permission
bit sets may be digit strings. Fields the spec does not list are accepted, as its request schemas allow them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import regex
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.specs import specs_dir

SPEC_PATH = specs_dir() / "discord-openapi.json"
_SPEC_URI = "urn:discord-openapi"
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# --- limits from Discord's documentation that the OpenAPI file does not carry (or states differently) ---
CONTENT_MAX = 2000  # the spec says 4000 for channel messages; the documented 2000 is what Discord enforces
COMMAND_NAME = regex.compile(r"^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$")
DESCRIPTION_MAX = 100
MAX_OPTIONS = 25
MAX_CHOICES = 25
CHOICE_NAME_MAX = 100
CHOICE_STRING_VALUE_MAX = 100  # the spec allows 6000; the docs say "up to 100 characters if string"
COMMAND_TOTAL_CHARS = 8000  # name + description + every option's and choice's name, description and value
MAX_SLASH_COMMANDS = 100  # per bulk overwrite, global or per guild; plus 5 user and 5 message commands
MAX_CONTEXT_COMMANDS = 5
MAX_ACTION_ROWS = 5
MAX_ROW_COMPONENTS = 5
MAX_V2_COMPONENTS = 40  # Components V2: every component counts, nested ones too
CUSTOM_ID = (1, 100)
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS = (1, 25)
SELECT_OPTION_TEXT = (1, 100)  # label and value
SELECT_OPTION_DESCRIPTION_MAX = 100
SELECT_PLACEHOLDER_MAX = 150
MODAL_TITLE = (1, 45)
MODAL_COMPONENTS = (1, 5)
TEXT_INPUT_LABEL = (1, 45)
TEXT_INPUT_VALUE_MAX = 4000
TEXT_INPUT_PLACEHOLDER_MAX = 100
EMBEDS_TOTAL_CHARS = 6000
AUTOCOMPLETE_CHOICES = 25

IS_COMPONENTS_V2 = 1 << 15
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT, LABEL = 1, 2, 3, 4, 18
SELECTS = {3, 5, 6, 7, 8}
LINK_STYLE, PREMIUM_STYLE = 5, 6
CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2

_MESSAGE_CREATES = {"create_message", "execute_webhook"}
_MESSAGE_EDITS = {"update_message", "update_webhook_message", "update_original_webhook_message"}
_COMMAND_WRITES = {"create_application_command", "update_application_command",
                   "create_guild_application_command", "update_guild_application_command"}
_COMMAND_BULK = {"bulk_set_application_commands", "bulk_set_guild_application_commands"}
# Schema errors a documentation rule already reports at the same place (so one mistake yields one line).
_LIMIT_VALIDATORS = {"maxLength", "minLength", "maxItems", "minItems", "pattern", "maximum", "minimum"}
_VERDICT_CACHE_SIZE = 4096
_PERMISSION_FIELDS = {"permissions", "allow", "deny", "default_member_permissions"}
# Query-string booleans: Discord takes "True"/"False" and "1"/"0" (docs: Reference, "Boolean Query Strings").
_QUERY_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


def _load_document(path: Path) -> dict:
    document = json.loads(path.read_text())
    snowflake = document["components"]["schemas"]["SnowflakeType"]
    # The spec types every snowflake as a digit string. Discord documents snowflakes as strings in what it *returns*
    # but accepts JSON integers in requests, and discord.py sends integers in several places:
    # message_reference.{message_id,channel_id,guild_id}, allowed_mentions.users/roles, attachments[].id (the upload
    # index, 0, 1, ...), applied_tags. So a request snowflake may also be an unsigned 64-bit integer.
    document["components"]["schemas"]["SnowflakeType"] = {
        "type": ["string", "integer"], "pattern": snowflake["pattern"], "minimum": 0, "maximum": 2**64 - 1,
        "format": "snowflake",
    }
    # Permission bit sets: the spec types them as integers, Discord's documentation as strings ("Set of permissions
    # represented as a bit set", type string), and Discord takes both. discord.py sends either: an integer for
    # default_member_permissions, a string for a new role's permissions and for permission overwrites.
    for schema in document["components"]["schemas"].values():
        for name, prop in (schema.get("properties") or {}).items():
            kinds = prop.get("type")
            if name in _PERMISSION_FIELDS and isinstance(kinds, list) and "integer" in kinds:
                prop["type"] = [*kinds, "string"]
                prop["pattern"] = "^[0-9]+$"
    document = _enums(document)
    _discriminate(document, document)
    return document


def _enums(node: Any) -> Any:
    """Rewrite the spec's named enumerations, `{"type": "integer", "oneOf": [{"title": "ACTION_ROW", "const": 1},
    ...]}`, as the `enum` they mean: the same verdict, one check instead of twenty, and a readable error."""
    if isinstance(node, list):
        return [_enums(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _enums(value) for key, value in node.items()}
    branches = node.get("oneOf")
    if isinstance(branches, list) and branches and all(isinstance(b, dict) and "const" in b and
                                                       set(b) <= {"const", "title", "description"} for b in branches):
        del node["oneOf"]
        node["enum"] = [b["const"] for b in branches]
    return node


def _discriminate(node: Any, document: dict) -> None:
    """Rewrite each union of object schemas told apart by their `type` property (message components, interaction
    callbacks, command options) from `oneOf`/`anyOf` into `if type is X then X's schema`.

    The verdict is the same, as the branches' `type` values are disjoint and each branch requires `type`; but only the
    branch the value names is validated (a oneOf validates all of them, which dominated the checker's run time),
    and an error points into that branch instead of saying "not valid under any of the given schemas"."""
    if isinstance(node, list):
        for item in node:
            _discriminate(item, document)
        return
    if not isinstance(node, dict):
        return
    for value in node.values():
        _discriminate(value, document)
    for key in ("oneOf", "anyOf"):
        branches = node.get(key)
        if not isinstance(branches, list) or len(branches) < 2:
            continue
        tags: list[list[Any]] = []
        for branch in branches:
            target = branch
            if isinstance(branch, dict) and set(branch) == {"$ref"} and branch["$ref"].startswith("#/"):
                target = document
                for part in branch["$ref"][2:].split("/"):
                    target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
            tag = target.get("properties", {}).get("type", {}) if isinstance(target, dict) else {}
            if "type" not in (target.get("required") or []) or not isinstance(tag.get("enum"), list):
                break
            tags.append(tag["enum"])
        else:
            every = [v for values in tags for v in values]
            if len(every) != len(set(map(repr, every))):
                continue  # two branches share a tag: a real oneOf, leave it
            del node[key]
            node.pop("x-discord-union", None)
            node.setdefault("allOf", []).extend(
                [{"type": "object", "required": ["type"], "properties": {"type": {"enum": _ordered(every)}}}]
                + [{"if": {"required": ["type"], "properties": {"type": {"enum": values}}}, "then": branch}
                   for values, branch in zip(tags, branches)])


def _format_checker() -> FormatChecker:
    """The formats the spec uses that carry a rule (int32, int64, uri, date-time); snowflake, nonce and double are
    already pinned down by their schemas. Built empty so optional jsonschema extras cannot change the verdict."""
    checker = FormatChecker(formats=())

    @checker.checks("int32")
    def _int32(value: object) -> bool:
        return not isinstance(value, int) or -(2**31) <= value < 2**31

    @checker.checks("int64")
    def _int64(value: object) -> bool:
        return not isinstance(value, int) or -(2**63) <= value < 2**63

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme) and bool(parts.netloc or parts.path) and not any(c.isspace() for c in value)

    @checker.checks("date-time")
    def _date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return False
        return "T" in value.upper() and parsed.tzinfo is not None

    return checker


def _ordered(values: Iterable[Any]) -> list[Any]:
    """Enum values for a message: numbers in numeric order, then the rest."""
    return sorted(set(values), key=lambda v: (not isinstance(v, (int, float)) or isinstance(v, bool),
                                             v if isinstance(v, (int, float)) else 0, str(v)))


def _pointer(*parts: str) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass
class _Operation:
    method: str
    template: str
    operation_id: str
    path_params: dict[str, str]  # name -> JSON pointer to its schema
    query_params: dict[str, str]
    body_pointer: str | None
    body_required: bool


@dataclass
class _Route:
    template: str
    segments: tuple[str | None, ...]  # None where the template has a {parameter}
    names: tuple[str, ...]
    operations: dict[str, _Operation] = field(default_factory=dict)


class _Index:
    """The parsed spec: routes by segment count, and one compiled validator per schema, built on first use."""

    def __init__(self, path: Path) -> None:
        self.document = _load_document(path)
        resource = Resource(contents=self.document, specification=DRAFT202012)
        self.registry = Registry().with_resource(_SPEC_URI, resource)
        self.format_checker = _format_checker()
        self.routes: dict[int, list[_Route]] = {}
        self._validators: dict[str, Draft202012Validator] = {}
        # Bodies a suite sends again and again (the command sync of every test) are judged once.
        self.verdicts: dict[tuple[str, str], list[str]] = {}
        for template, item in self.document["paths"].items():
            raw = template.strip("/").split("/")
            route = _Route(template, tuple(None if s.startswith("{") else s for s in raw),
                           tuple(s[1:-1] for s in raw if s.startswith("{")))
            shared = self._parameters(item.get("parameters", []), ("paths", template, "parameters"))
            for method in _HTTP_METHODS:
                op = item.get(method)
                if op is None:
                    continue
                own = self._parameters(op.get("parameters", []), ("paths", template, method, "parameters"))
                merged = {**shared, **own}
                body_pointer, body_required = None, False
                content = op.get("requestBody", {}).get("content", {})
                for media in ("application/json", "multipart/form-data", "application/x-www-form-urlencoded"):
                    if media in content:
                        body_pointer = _pointer("paths", template, method, "requestBody", "content", media, "schema")
                        body_required = bool(op["requestBody"].get("required"))
                        break
                route.operations[method.upper()] = _Operation(
                    method.upper(), template, op.get("operationId", f"{method} {template}"),
                    {n: p for (where, n), p in merged.items() if where == "path"},
                    {n: p for (where, n), p in merged.items() if where == "query"},
                    body_pointer, body_required)
            self.routes.setdefault(len(raw), []).append(route)

    @staticmethod
    def _parameters(params: list[dict], at: tuple[str, ...]) -> dict[tuple[str, str], str]:
        return {(p["in"], p["name"]): _pointer(*at, str(i), "schema") for i, p in enumerate(params) if "schema" in p}

    def resolve(self, pointer: str) -> dict:
        """The schema at a pointer, with a top-level $ref followed (for query-parameter coercion)."""
        node: Any = self.document
        for part in pointer.strip("/").split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        while isinstance(node, dict) and "$ref" in node:
            node = self.resolve(node["$ref"].removeprefix("#"))
        return node

    def validator(self, pointer: str) -> Draft202012Validator:
        found = self._validators.get(pointer)
        if found is None:
            found = Draft202012Validator({"$ref": f"{_SPEC_URI}#{pointer}"}, registry=self.registry,
                                         format_checker=self.format_checker)
            self._validators[pointer] = found
        return found

    def match(self, path: str) -> tuple[_Route, dict[str, str]] | None:
        """The route for a concrete path; a literal segment beats a parameter (/users/@me over /users/{user_id})."""
        segments = path.strip("/").split("/")
        best: tuple[int, _Route, dict[str, str]] | None = None
        for route in self.routes.get(len(segments), ()):
            literals, args, names = 0, {}, iter(route.names)
            for expected, actual in zip(route.segments, segments):
                if expected is None:
                    args[next(names)] = unquote(actual)
                elif expected == actual:
                    literals += 1
                else:
                    break
            else:
                if best is None or literals > best[0]:
                    best = (literals, route, args)
        return (best[1], best[2]) if best else None


@cache
def _index(path: Path) -> _Index:
    return _Index(path)


# ------------------------------------------------------------------------------------------- rendering helpers

def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    if len(text) > limit:
        size = f" ({len(value)} characters)" if isinstance(value, str) else ""
        text = text[: limit - 3] + "..." + size
    return text


def _where(path: Iterable[Any], root: str = "") -> str:
    out = root
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def _describe(error: ValidationError) -> str:
    value, rule, instance = error.validator, error.validator_value, error.instance
    if value == "type":
        kinds = rule if isinstance(rule, list) else [rule]
        return f"{_short(instance)} is not {' or '.join(map(str, kinds))}"
    if value == "required":
        missing = [k for k in rule if isinstance(instance, dict) and k not in instance]
        return f"missing required {', '.join(missing) or rule}"
    if value in ("maxLength", "minLength"):
        return f"{len(instance)} characters, {'at most' if value == 'maxLength' else 'at least'} {rule} allowed"
    if value in ("maxItems", "minItems"):
        return f"{len(instance)} items, {'at most' if value == 'maxItems' else 'at least'} {rule} allowed"
    if value in ("maxProperties", "minProperties"):
        return f"{len(instance)} entries, {'at most' if value == 'maxProperties' else 'at least'} {rule} allowed"
    if value in ("maximum", "minimum"):
        return f"{instance} is {'above the maximum' if value == 'maximum' else 'below the minimum'} {rule}"
    if value == "enum":
        return f"{_short(instance)} is not one of {rule}"
    if value == "const":
        return f"{_short(instance)} is not {rule!r}"
    if value == "pattern":
        return f"{_short(instance)} does not match {rule}"
    if value == "format":
        return f"{_short(instance)} is not a valid {rule}"
    if value == "uniqueItems":
        return "items are not unique"
    return error.message if len(error.message) <= 200 else error.message[:197] + "..."


def _branch_mismatch(error: ValidationError) -> bool:
    """True when a union branch failed on the value's kind rather than its content: wrong JSON type or another
    discriminator (`type`) value. Such branches are not what the sender meant, so their errors are not reported."""
    rel = list(error.relative_path)
    if not rel and error.validator == "type":
        return True
    return rel == ["type"] and error.validator in ("enum", "const", "type")


def _flatten(error: ValidationError) -> Iterator[ValidationError | tuple[ValidationError, str]]:
    """Leaf errors of an error tree. A union (anyOf/oneOf) is opened at the branch the value was meant for."""
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        yield error
        return
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    meant = {i: errs for i, errs in branches.items() if not any(_branch_mismatch(e) for e in errs)}
    if not meant:
        kinds = _ordered(v for errs in branches.values() for e in errs
                         if _branch_mismatch(e) and e.relative_path and e.validator in ("enum", "const")
                         for v in (e.validator_value if isinstance(e.validator_value, list) else [e.validator_value]))
        instance = error.instance
        if isinstance(instance, dict) and "type" in instance and kinds:
            yield error, f"type {_short(instance['type'])} is not allowed here (allowed: {kinds})"
        else:
            types = sorted({str(t) for errs in branches.values() for e in errs
                            if e.validator == "type" and not e.relative_path
                            for t in (e.validator_value if isinstance(e.validator_value, list)
                                      else [e.validator_value])})
            yield error, f"{_short(instance)} is not {' or '.join(types) or 'any allowed shape'}"
        return
    chosen = min(meant.values(), key=len)
    for sub in chosen:
        yield from _flatten(sub)


# ------------------------------------------------------------------------------------------------- the checker

@dataclass
class _Findings:
    """Violations found in one call: (location, text) from the documentation rules and the schema."""

    rules: list[tuple[str, str]] = field(default_factory=list)

    def add(self, where: str, text: str) -> None:
        self.rules.append((where, text))

    def length(self, where: str, value: Any, low: int, high: int | None, what: str = "characters") -> None:
        if isinstance(value, (str, list)):
            size = len(value)
            if size < low or (high is not None and size > high):
                allowed = f"{low}-{high}" if high is not None else f"at least {low}"
                self.add(where, f"{size} {what}, Discord allows {allowed}")


class DiscordSpec:
    """The pinned Discord HTTP API (OpenAPI 3.1) plus the documented limits it leaves out."""

    def __init__(self, path: Path = SPEC_PATH) -> None:
        self._index = _index(Path(path).resolve())

    # ------------------------------------------------------------------ public API

    def check(self, method: str, path: str, body: dict | list | None,
              params: dict | None = None) -> list[str]:
        """Every way this call breaks the spec or Discord's documented limits (empty when it is fine).

        `path` is the route with its parameters filled in, as SimCord records it ("/channels/5/messages"); an
        "/api/v10" prefix, a full URL and a "?query" are accepted too (the query joins `params`)."""
        method = method.upper()
        path, params = self._split(path, params)
        found = self._index.match(path)
        if found is None:
            return [f"{method} {path}: no such route in the Discord API"]
        route, args = found
        op = route.operations.get(method)
        if op is None:
            allowed = ", ".join(sorted(route.operations)) or "none"
            return [f"{method} {route.template}: the route has no {method} (it takes {allowed})"]
        head = f"{method} {route.template}"
        problems = [f"{head}: {p}" for p in self._path_params(op, args)]
        problems += [f"{head}: {p}" for p in self._query_params(op, params)]
        problems += [f"{head}: {p}" for p in self._body(op, body)]
        return problems

    def check_all(self, records: Iterable[Any]) -> None:
        """Check every request SimCord recorded (`env.http_requests`); one AssertionError lists all violations."""
        problems: list[str] = []
        for number, record in enumerate(records):
            for problem in self.check(record.method, record.path, record.json, record.params):
                problems.append(f"#{number} {problem}")
        if problems:
            raise AssertionError(f"{len(problems)} Discord API violation(s):\n" + "\n".join(problems))

    # ------------------------------------------------------------------ route, path and query

    @staticmethod
    def _split(path: str, params: dict | None) -> tuple[str, dict]:
        parts = urlsplit(path)
        route = parts.path
        marker = route.find("/api/v")
        if marker != -1:
            rest = route[marker + len("/api/v"):]
            route = rest[rest.find("/"):] if "/" in rest else "/"
        merged = dict(parse_qsl(parts.query, keep_blank_values=True))
        merged.update(params or {})
        return route, merged

    def _path_params(self, op: _Operation, args: dict[str, str]) -> list[str]:
        problems = []
        for name, value in args.items():
            pointer = op.path_params.get(name)
            if pointer is None:
                continue
            for error in self._index.validator(pointer).iter_errors(value):
                problems.append(f"path parameter {name}: {_describe(error)}")
        return problems

    def _query_params(self, op: _Operation, params: dict) -> list[str]:
        problems = []
        for name, value in params.items():
            pointer = op.query_params.get(name)
            if pointer is None:
                # Discord ignores a query parameter it does not know, which makes the call silently do something else.
                problems.append(f"unknown query parameter {name}")
                continue
            coerced = self._coerce(value, self._index.resolve(pointer))
            for error in self._index.validator(pointer).iter_errors(coerced):
                problems.append(f"query parameter {name}: {_describe(error)}")
        return problems

    @staticmethod
    def _coerce(value: Any, schema: dict) -> Any:
        """A query string carries text: read it the way Discord does for the parameter's declared type."""
        kinds = schema.get("type", [])
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if "boolean" in kinds:
            if isinstance(value, bool):
                return value
            if isinstance(value, int) and value in (0, 1):
                return bool(value)
            if isinstance(value, str) and value.lower() in _QUERY_BOOLEANS:
                return _QUERY_BOOLEANS[value.lower()]
            return value
        if isinstance(value, str) and ("integer" in kinds or "number" in kinds):
            try:
                return int(value)
            except ValueError:
                try:
                    return float(value) if "number" in kinds else value
                except ValueError:
                    return value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and kinds == ["string"]:
            return str(value)
        return value

    # ------------------------------------------------------------------ body

    def _body(self, op: _Operation, body: Any) -> list[str]:
        if op.body_pointer is None:
            return [] if body is None else [f"takes no body, got {_short(body)}"]
        if body is None:
            return ["missing request body"] if op.body_required else []
        try:
            key = (op.operation_id, json.dumps(body, sort_keys=True))
        except (TypeError, ValueError):  # not JSON at all: the schema check says why
            key = None
        if key is not None and key in self._index.verdicts:
            return list(self._index.verdicts[key])
        problems = self._body_problems(op, body)
        if key is not None:
            if len(self._index.verdicts) >= _VERDICT_CACHE_SIZE:
                self._index.verdicts.clear()
            self._index.verdicts[key] = problems
        return problems

    def _body_problems(self, op: _Operation, body: Any) -> list[str]:
        findings = _Findings()
        self._rules(op.operation_id, body, findings)
        ruled = {where for where, _ in findings.rules}
        problems = [f"{where}: {text}" for where, text in findings.rules]
        validator = self._index.validator(op.body_pointer)
        seen = set(problems)
        for top in validator.iter_errors(body):
            for leaf in _flatten(top):
                error, text = leaf if isinstance(leaf, tuple) else (leaf, _describe(leaf))
                where = _where(error.absolute_path)
                if where in ruled and error.validator in _LIMIT_VALIDATORS:
                    continue
                line = f"{where}: {text}"
                if line not in seen:
                    seen.add(line)
                    problems.append(line)
        return problems

    def _rules(self, operation_id: str, body: Any, out: _Findings) -> None:
        if operation_id in _MESSAGE_CREATES and isinstance(body, dict):
            self._message(body, "", out, creating=True)
        elif operation_id in _MESSAGE_EDITS and isinstance(body, dict):
            self._message(body, "", out, creating=False)
        elif operation_id == "create_thread" and isinstance(body, dict) and isinstance(body.get("message"), dict):
            self._message(body["message"], "message", out, creating=True)
        elif operation_id == "create_interaction_response" and isinstance(body, dict):
            self._callback(body, out)
        elif operation_id in _COMMAND_WRITES and isinstance(body, dict):
            # An edit (PATCH) sends only what changes; without a type it is read as a slash command, the common case.
            self._command(body, "", out, partial=operation_id.startswith("update_"))
        elif operation_id in _COMMAND_BULK and isinstance(body, list):
            self._bulk_commands(body, out)

    # ------------------------------------------------------------------ documented rules: messages

    def _message(self, message: dict, where: str, out: _Findings, *, creating: bool) -> None:
        at = (lambda key: f"{where}.{key}" if where else key)
        content = message.get("content")
        if isinstance(content, str) and len(content) > CONTENT_MAX:
            out.add(at("content"), f"{len(content)} characters, Discord allows at most {CONTENT_MAX}")
        embeds = message.get("embeds")
        if isinstance(embeds, list):
            total = sum(self._embed_chars(e) for e in embeds if isinstance(e, dict))
            if total > EMBEDS_TOTAL_CHARS:
                out.add(at("embeds"), f"{total} characters of embed text, Discord allows at most {EMBEDS_TOTAL_CHARS}")
        components = message.get("components")
        if not isinstance(components, list):
            return
        flags = message.get("flags")
        layout = [c for c in components if isinstance(c, dict) and c.get("type") != ACTION_ROW]
        if isinstance(flags, int):
            v2 = bool(flags & IS_COMPONENTS_V2)
        else:  # an edit may leave the flags out: the message keeps the IS_COMPONENTS_V2 it was sent with
            v2 = bool(layout) and not creating
        if v2:
            if isinstance(content, str) and content:
                out.add(at("content"), "a Components V2 message (flags & 32768) cannot have content")
            if embeds:
                out.add(at("embeds"), "a Components V2 message (flags & 32768) cannot have embeds")
        elif layout:
            out.add(at("components"), f"type {layout[0].get('type')} needs the IS_COMPONENTS_V2 flag (32768); "
                                      "without it only action rows may be top-level")
        elif len(components) > MAX_ACTION_ROWS:
            out.add(at("components"), f"{len(components)} action rows, Discord allows at most {MAX_ACTION_ROWS}")
        state = {"count": 0, "ids": {}}
        self._components(components, at("components"), out, state, modal=False)
        if v2 and state["count"] > MAX_V2_COMPONENTS:
            out.add(at("components"), f"{state['count']} components in all, Discord allows at most {MAX_V2_COMPONENTS}")

    @staticmethod
    def _embed_chars(embed: dict) -> int:
        def text(obj: Any, key: str) -> int:
            value = obj.get(key) if isinstance(obj, dict) else None
            return len(value) if isinstance(value, str) else 0

        total = text(embed, "title") + text(embed, "description") + text(embed.get("footer"), "text")
        total += text(embed.get("author"), "name")
        for f in embed.get("fields") or []:
            total += text(f, "name") + text(f, "value")
        return total

    def _components(self, items: list, where: str, out: _Findings, state: dict, *, modal: bool) -> None:
        for i, component in enumerate(items):
            if isinstance(component, dict):
                self._component(component, f"{where}[{i}]", out, state, modal=modal)

    def _component(self, c: dict, w: str, out: _Findings, state: dict, *, modal: bool) -> None:
        state["count"] += 1
        kind = c.get("type")
        custom_id = c.get("custom_id")
        if isinstance(custom_id, str):
            out.length(f"{w}.custom_id", custom_id, *CUSTOM_ID)
            if custom_id in state["ids"]:
                out.add(f"{w}.custom_id", f"{custom_id!r} is also the custom_id of {state['ids'][custom_id]}; "
                                          "custom_ids must be unique")
            else:
                state["ids"][custom_id] = w
        if kind == ACTION_ROW:
            self._row(c, w, out, modal=modal)
        elif kind == BUTTON:
            self._button(c, w, out)
        elif kind in SELECTS:
            self._select(c, w, out)
        elif kind == TEXT_INPUT:
            self._text_input(c, w, out)
        elif kind == LABEL:
            out.length(f"{w}.label", c.get("label"), *TEXT_INPUT_LABEL)
        if isinstance(c.get("components"), list):
            self._components(c["components"], f"{w}.components", out, state, modal=modal)
        for key in ("accessory", "component"):  # a section's accessory, a label's component
            if isinstance(c.get(key), dict):
                self._component(c[key], f"{w}.{key}", out, state, modal=modal)

    @staticmethod
    def _row(row: dict, where: str, out: _Findings, *, modal: bool) -> None:
        children = row.get("components")
        if not isinstance(children, list):
            return
        kinds = [c.get("type") for c in children if isinstance(c, dict)]
        if modal:
            if len(children) != 1 or kinds != [TEXT_INPUT]:
                out.add(f"{where}.components", "an action row in a modal holds exactly one text input")
            elif not children[0].get("label"):
                out.add(f"{where}.components[0].label", "a text input in an action row needs a label "
                                                         f"of {TEXT_INPUT_LABEL[0]}-{TEXT_INPUT_LABEL[1]} characters")
            return
        if len(children) > MAX_ROW_COMPONENTS:
            out.add(f"{where}.components", f"{len(children)} components in one action row, "
                                           f"Discord allows at most {MAX_ROW_COMPONENTS} buttons")
        if any(k in SELECTS for k in kinds) and len(children) > 1:
            out.add(f"{where}.components", "a select menu must be alone in its action row")

    @staticmethod
    def _button(button: dict, where: str, out: _Findings) -> None:
        label = button.get("label")
        if isinstance(label, str) and len(label) > BUTTON_LABEL_MAX:
            out.add(f"{where}.label", f"{len(label)} characters, Discord allows at most {BUTTON_LABEL_MAX}")
        style = button.get("style")
        if style == LINK_STYLE:
            if not button.get("url"):
                out.add(f"{where}.url", "a link button needs a url")
            if button.get("custom_id") is not None:
                out.add(f"{where}.custom_id", "a link button cannot have a custom_id")
        elif style == PREMIUM_STYLE:
            if not button.get("sku_id"):
                out.add(f"{where}.sku_id", "a premium button needs a sku_id")
        elif button.get("custom_id") is None:
            out.add(f"{where}.custom_id", f"a button of style {style} needs a custom_id of "
                                          f"{CUSTOM_ID[0]}-{CUSTOM_ID[1]} characters")

    @staticmethod
    def _select(select: dict, where: str, out: _Findings) -> None:
        # a missing custom_id is the schema's to report: it requires one for every select menu and text input
        placeholder = select.get("placeholder")
        if isinstance(placeholder, str) and len(placeholder) > SELECT_PLACEHOLDER_MAX:
            out.add(f"{where}.placeholder", f"{len(placeholder)} characters, "
                                            f"Discord allows at most {SELECT_PLACEHOLDER_MAX}")
        if select.get("type") != STRING_SELECT:
            return
        options = select.get("options")
        out.length(f"{where}.options", options, *SELECT_OPTIONS, what="options")
        for j, option in enumerate(options if isinstance(options, list) else []):
            if not isinstance(option, dict):
                continue
            for key in ("label", "value"):
                out.length(f"{where}.options[{j}].{key}", option.get(key), *SELECT_OPTION_TEXT)
            description = option.get("description")
            if isinstance(description, str) and len(description) > SELECT_OPTION_DESCRIPTION_MAX:
                out.add(f"{where}.options[{j}].description",
                        f"{len(description)} characters, Discord allows at most {SELECT_OPTION_DESCRIPTION_MAX}")

    @staticmethod
    def _text_input(text_input: dict, where: str, out: _Findings) -> None:
        if text_input.get("label") is not None:
            out.length(f"{where}.label", text_input.get("label"), *TEXT_INPUT_LABEL)
        value = text_input.get("value")
        if isinstance(value, str) and len(value) > TEXT_INPUT_VALUE_MAX:
            out.add(f"{where}.value", f"{len(value)} characters, Discord allows at most {TEXT_INPUT_VALUE_MAX}")
        placeholder = text_input.get("placeholder")
        if isinstance(placeholder, str) and len(placeholder) > TEXT_INPUT_PLACEHOLDER_MAX:
            out.add(f"{where}.placeholder", f"{len(placeholder)} characters, "
                                            f"Discord allows at most {TEXT_INPUT_PLACEHOLDER_MAX}")

    # ------------------------------------------------------------------ documented rules: interaction callbacks

    def _callback(self, body: dict, out: _Findings) -> None:
        kind, data = body.get("type"), body.get("data")
        if not isinstance(data, dict):
            return
        if kind in (4, 5):  # CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
            self._message(data, "data", out, creating=True)
        elif kind == 7:  # UPDATE_MESSAGE
            self._message(data, "data", out, creating=False)
        elif kind == 8:  # APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
            choices = data.get("choices")
            if isinstance(choices, list):
                if len(choices) > AUTOCOMPLETE_CHOICES:
                    out.add("data.choices", f"{len(choices)} choices, Discord allows at most {AUTOCOMPLETE_CHOICES}")
                self._choices(choices, "data.choices", out)
        elif kind == 9:  # MODAL
            self._modal(data, out)

    def _modal(self, data: dict, out: _Findings) -> None:
        out.length("data.custom_id", data.get("custom_id"), *CUSTOM_ID)
        out.length("data.title", data.get("title"), *MODAL_TITLE)
        components = data.get("components")
        if isinstance(components, list):
            out.length("data.components", components, *MODAL_COMPONENTS, what="components")
            state = {"count": 0, "ids": {}}
            self._components(components, "data.components", out, state, modal=True)

    # ------------------------------------------------------------------ documented rules: application commands

    def _bulk_commands(self, commands: list, out: _Findings) -> None:
        counts: dict[Any, int] = {}
        names: dict[tuple[Any, str], int] = {}
        for i, command in enumerate(commands):
            if not isinstance(command, dict):
                continue
            kind = command.get("type") or CHAT_INPUT
            counts[kind] = counts.get(kind, 0) + 1
            name = command.get("name")
            if isinstance(name, str):
                if (kind, name) in names:
                    out.add(f"[{i}].name", f"{name!r} is also the name of [{names[kind, name]}]; "
                                           "names must be unique per command type")
                names.setdefault((kind, name), i)
            self._command(command, f"[{i}]", out)
        limits = {CHAT_INPUT: ("slash", MAX_SLASH_COMMANDS), USER_COMMAND: ("user", MAX_CONTEXT_COMMANDS),
                  MESSAGE_COMMAND: ("message", MAX_CONTEXT_COMMANDS)}
        for kind, (label, limit) in limits.items():
            if counts.get(kind, 0) > limit:
                out.add("body", f"{counts[kind]} {label} commands, Discord allows at most {limit}")

    def _command(self, command: dict, where: str, out: _Findings, *, partial: bool = False) -> None:
        at = (lambda key: f"{where}.{key}" if where else key)
        kind = command.get("type") or CHAT_INPUT
        name = command.get("name")
        if kind == CHAT_INPUT:
            if isinstance(name, str):
                self._name(at("name"), name, out)
            for lang, localized in (command.get("name_localizations") or {}).items():
                if isinstance(localized, str):
                    self._name(at(f"name_localizations.{lang}"), localized, out)
            description = command.get("description")
            if not (partial and "description" not in command):
                out.length(at("description"), description if description is not None else "", 1, DESCRIPTION_MAX)
            for lang, localized in (command.get("description_localizations") or {}).items():
                out.length(at(f"description_localizations.{lang}"), localized, 1, DESCRIPTION_MAX)
        elif kind in (USER_COMMAND, MESSAGE_COMMAND):
            if isinstance(name, str):
                out.length(at("name"), name, 1, 32)
            if command.get("description"):
                out.add(at("description"), "user and message commands take no description")
            if command.get("options"):
                out.add(at("options"), "user and message commands take no options")
        options = command.get("options")
        if kind == CHAT_INPUT and isinstance(options, list):
            self._options(options, at("options"), out)
        total = self._command_chars(command)
        if total > COMMAND_TOTAL_CHARS:
            out.add(where or "body", f"{total} characters of names, descriptions and choices, "
                                     f"Discord allows at most {COMMAND_TOTAL_CHARS}")

    @staticmethod
    def _name(where: str, name: str, out: _Findings) -> None:
        if not COMMAND_NAME.match(name):
            out.add(where, f"{name!r} does not match ^[-_'\\p{{L}}\\p{{N}}\\p{{sc=Deva}}\\p{{sc=Thai}}]{{1,32}}$")
        elif name != name.lower():
            out.add(where, f"{name!r} must be lower case ({name.lower()!r})")

    def _options(self, options: list, where: str, out: _Findings) -> None:
        if len(options) > MAX_OPTIONS:
            out.add(where, f"{len(options)} options, Discord allows at most {MAX_OPTIONS}")
        seen: dict[str, int] = {}
        optional_at: int | None = None
        for i, option in enumerate(options):
            if not isinstance(option, dict):
                continue
            w = f"{where}[{i}]"
            name = option.get("name")
            if isinstance(name, str):
                self._name(f"{w}.name", name, out)
                if name in seen:
                    out.add(f"{w}.name", f"{name!r} is also the name of option [{seen[name]}]")
                seen.setdefault(name, i)
            for lang, localized in (option.get("name_localizations") or {}).items():
                if isinstance(localized, str):
                    self._name(f"{w}.name_localizations.{lang}", localized, out)
            description = option.get("description")
            out.length(f"{w}.description", description if description is not None else "", 1, DESCRIPTION_MAX)
            for lang, localized in (option.get("description_localizations") or {}).items():
                out.length(f"{w}.description_localizations.{lang}", localized, 1, DESCRIPTION_MAX)
            kind = option.get("type")
            if kind not in (SUB_COMMAND, SUB_COMMAND_GROUP):
                if option.get("required"):
                    if optional_at is not None:
                        out.add(f"{w}.required", f"a required option must come before optional ones "
                                                 f"([{optional_at}] is optional)")
                elif optional_at is None:
                    optional_at = i
            choices = option.get("choices")
            if isinstance(choices, list):
                if len(choices) > MAX_CHOICES:
                    out.add(f"{w}.choices", f"{len(choices)} choices, Discord allows at most {MAX_CHOICES}")
                if choices and option.get("autocomplete"):
                    out.add(f"{w}.autocomplete", "an option with choices cannot also autocomplete")
                self._choices(choices, f"{w}.choices", out)
            if kind in (SUB_COMMAND, SUB_COMMAND_GROUP) and isinstance(option.get("options"), list):
                self._options(option["options"], f"{w}.options", out)

    @staticmethod
    def _choices(choices: list, where: str, out: _Findings) -> None:
        for j, choice in enumerate(choices):
            if not isinstance(choice, dict):
                continue
            out.length(f"{where}[{j}].name", choice.get("name"), 1, CHOICE_NAME_MAX)
            value = choice.get("value")
            if isinstance(value, str) and len(value) > CHOICE_STRING_VALUE_MAX:
                out.add(f"{where}[{j}].value", f"{len(value)} characters, "
                                               f"Discord allows at most {CHOICE_STRING_VALUE_MAX}")

    @classmethod
    def _command_chars(cls, node: dict) -> int:
        def size(value: Any) -> int:
            return len(value) if isinstance(value, str) else len(str(value)) if value is not None else 0

        total = size(node.get("name")) + size(node.get("description"))
        for option in node.get("options") or []:
            if isinstance(option, dict):
                total += cls._command_chars(option)
        for choice in node.get("choices") or []:
            if isinstance(choice, dict):
                total += size(choice.get("name")) + size(choice.get("value"))
        return total


SPEC = DiscordSpec()

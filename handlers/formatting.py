"""Turning the core's safe markup into what each platform shows, and cutting long messages at line boundaries.

The core writes a small HTML subset (b, i, u, s, code, pre, a href, blockquote) — exactly what Telegram's HTML
parse mode accepts — with user content already escaped by `handlers.i18n._`. This module renders it as plain
text for the console and as Markdown for Discord, and splits it for platforms' length limits without breaking
a tag.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from markupsafe import Markup

ALLOWED_TAGS = frozenset({"b", "i", "u", "s", "code", "pre", "a", "blockquote"})

# What Discord's markdown reads, and so what must take a backslash to show as it is. Anything else (a colon, a
# dash or a bracket in running text) is shown as it is, and a backslash before it would only be noise where the
# raw text shows (notifications, copies).
_MD_MARKS = re.compile(
    # A link as Discord finds one in running text: left whole (its address would take backslashes too), in <…>.
    r"(?P<url>https?://[^\s<]+[^<.,:;\"')\]\s])"
    # Formatting marks, anywhere: bold, italics, underline, strikethrough, spoiler, code, and the backslash.
    r"|[\\*_~|`]"
    # Mentions and references (<@123>, <#123>, <:emoji:123>, <t:123>, </command:123>, <https://…>): the
    # backslash goes before the last character of the `ref` group (<\@123>, <https\://…>), not before the `<`,
    # which a link just before it would take into its address.
    r"|(?P<ref><(?:@[!&]?(?=\d+>)|#(?=\d+>)|a?:(?=\w+:\d+>)|t:(?=-?\d+(?::\w)?>)|/(?=[^:>\n]+:\d+>)"
    r"|https?:(?=//[^ >]+>)))"
    # @everyone and @here, and the bracket that opens a masked link [label](address).
    r"|@(?=everyone|here)|\[(?=[\s\S]*\]\()"
)
# What Discord reads only at the start of a line (after any indentation): headings, subtext, quotes, list items.
_MD_LINE_START = re.compile(r"^([ \t]*)(?=#{1,3}[ \t]|-#[ \t]|>|[-+][ \t])|^([ \t]*\d+)(?=\.[ \t])", re.MULTILINE)


class _Walker(HTMLParser):
    """Collects (kind, value) events: ("text", s), ("start", tag, attrs), ("end", tag)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise ValueError(f"tag <{tag}> is not allowed in bot messages")
        self.events.append(("start", tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            raise ValueError(f"tag </{tag}> is not allowed in bot messages")
        self.events.append(("end", tag))

    def handle_data(self, data: str) -> None:
        self.events.append(("text", data))


def labels(items) -> str:
    """Themes or regions in one line, separated by semicolons: a label may itself hold commas ("Discrimination,
    racism, xenophobia and intolerance"), so commas would not say where one ends."""
    return "; ".join(str(item) for item in items)


def _events(markup: Markup | str) -> list[tuple]:
    walker = _Walker()
    walker.feed(str(markup))
    walker.close()
    return walker.events


def to_plain(markup: Markup | str) -> str:
    """The text without tags or escapes, links shown as 'label (url)' when the two differ."""
    out: list[str] = []
    href_stack: list[str | None] = []
    label_start: list[int] = []
    for event in _events(markup):
        if event[0] == "text":
            out.append(event[1])
        elif event[0] == "start" and event[1] == "a":
            href_stack.append(event[2].get("href"))
            label_start.append(len(out))
        elif event[0] == "end" and event[1] == "a" and href_stack:
            href = href_stack.pop()
            label = "".join(out[label_start.pop():])
            if href and href != label:
                out.append(f" ({href})")
    return "".join(out)


def markdown_escape(text: str, *, line_start: bool = True) -> str:
    """A piece of text as Discord Markdown that shows it exactly as it is: a backslash before each character
    Discord would read as formatting, a mention or a link, and nothing else. `line_start`: whether the text
    begins a line (where "# ", "> ", "- " and "1. " mean something)."""
    def mark(match: re.Match[str]) -> str:
        found = match.group()
        if match.group("url"):
            # In <…>: a link still, but with no preview, which Discord's servers would make by fetching it (a
            # call link or a calendar feed's address is a secret). One holding a ">" would end the <…> early, so
            # it stays bare.
            return found if ">" in found else f"<{found}>"
        if match.group("ref"):
            return found[:-1] + "\\" + found[-1]
        return "\\" + found

    escaped = _MD_MARKS.sub(mark, text)

    def line(match: re.Match[str]) -> str:
        if match.start() == 0 and not line_start:
            return match.group()  # the text continues a line: its first characters mean nothing special
        return match.group() + "\\"

    return _MD_LINE_START.sub(line, escaped)


def to_markdown(markup: Markup | str) -> str:
    """Render as Discord Markdown, escaping what Discord would read as markup in the text, so it shows as it is."""
    marks = {"b": "**", "i": "*", "u": "__", "s": "~~", "code": "`"}
    out: list[str] = []
    in_code = 0
    href_stack: list[str | None] = []
    for event in _events(markup):
        kind = event[0]
        if kind == "text":
            text = event[1]
            if in_code:
                out.append(text.replace("`", "ʹ"))
            else:
                line_so_far = "".join(out).rpartition("\n")[2]
                out.append(markdown_escape(text, line_start=line_so_far in ("", "> ")))
        elif kind == "start":
            tag = event[1]
            if tag in ("code", "pre"):
                in_code += 1
                out.append("```\n" if tag == "pre" else "`")
            elif tag == "a":
                href_stack.append(event[2].get("href"))
                out.append("[")
            elif tag == "blockquote":
                out.append("> ")
            else:
                out.append(marks[tag])
        else:
            tag = event[1]
            if tag in ("code", "pre"):
                in_code -= 1
                out.append("\n```" if tag == "pre" else "`")
            elif tag == "a":
                href = href_stack.pop() if href_stack else None
                out.append(f"](<{href}>)" if href else "]")
            elif tag == "blockquote":
                pass
            else:
                out.append(marks[tag])
    return "".join(out)


def visible_length(markup: Markup | str) -> int:
    """Length after entity parsing: what a platform counts against its limit."""
    return len(to_plain(markup))


def split_markup(markup: Markup, limit: int) -> list[Markup]:
    """Cut markup into pieces of at most `limit` visible characters, at line boundaries where possible.

    A line that is itself too long is cut between words (or hard, as a last resort). Tags open at a cut are
    closed at the end of one piece and reopened at the start of the next, so every piece is well formed.
    """
    if len(markup) <= limit or visible_length(markup) <= limit:  # markup is never shorter than what it shows
        return [markup]
    pieces: list[Markup] = []
    open_tags: list[tuple[str, dict]] = []
    current: list[str] = []
    current_len = 0

    def opening(tags: list[tuple[str, dict]]) -> str:
        return "".join(
            f'<{t} href="{html.escape(a["href"], quote=True)}">' if t == "a" and a.get("href") else f"<{t}>"
            for t, a in tags
        )

    def closing(tags: list[tuple[str, dict]]) -> str:
        return "".join(f"</{t}>" for t, _ in reversed(tags))

    def flush() -> None:
        nonlocal current, current_len
        body = "".join(current) + closing(open_tags)
        if to_plain(body).strip():
            pieces.append(Markup(body))
        current = [opening(open_tags)]
        current_len = 0

    def add_text(text: str) -> None:
        nonlocal current_len
        while text:
            room = limit - current_len
            if len(text) <= room:
                current.append(html.escape(text, quote=False))
                current_len += len(text)
                return
            # A separator just past the room still makes a clean cut, so look one character further.
            window = text[: room + 1]
            cut = window.rfind("\n")
            if cut < 0 and current_len == 0:
                cut = window.rfind(" ")
            if cut <= 0 and current_len == 0:
                cut = room  # one unbroken run longer than a whole piece: a hard cut is the only way
            if cut < 0:
                flush()  # the rest of this line does not fit here: start the next piece with it
                continue
            head, text = text[:cut], text[cut:]
            if text[:1] in ("\n", " "):
                text = text[1:]
            current.append(html.escape(head, quote=False))
            current_len += len(head)
            flush()

    current = []
    for event in _events(markup):
        if event[0] == "text":
            add_text(event[1])
        elif event[0] == "start":
            attrs = event[2]
            current.append(opening([(event[1], attrs)]))
            open_tags.append((event[1], attrs))
        else:
            current.append(f"</{event[1]}>")
            if open_tags:
                open_tags.pop()
    body = "".join(current)
    if to_plain(body).strip():
        pieces.append(Markup(body))
    return pieces

"""How Discord shows a message's content: its markdown, as Discord documents it, read the way its client reads it.

`shown(content)` returns the text a person sees and every piece of formatting Discord applies, as (kind, the
text it applies to). A test that puts what a person typed into a message can then say that it arrives exactly
as typed (`formatting` is only what the bot meant) without trusting the bot's own escaping.

The rules (Discord's "Markdown Text 101" and the simple-markdown rules its client is built on):
- a backslash before any character that is not a letter, a digit or a space shows that character as it is;
- `code` and ```code blocks``` show their content as it is;
- **bold**, __underline__, ~~strikethrough~~, ||spoiler||, *italics* and _italics_ (the last one only between
  word boundaries, `*` only around text that does not start with a space);
- [masked](links), <https://links> (clickable, without a preview, shown without the brackets) and bare https://
  links (clickable, shown as typed);
- mentions and references: <@123>, <@!123>, <@&123>, <#123>, <:emoji:123>, <a:emoji:123>, <t:123:R>,
  </command:123>, @everyone and @here;
- at the start of a line (after spaces): headings `# `, `## `, `### `, subtext `-# `, quotes `> ` and `>>> `,
  list items `- `, `* `, `+ ` and `1. `.
"""

from __future__ import annotations

import re

_URL = re.compile(r"https?://[^\s<]+[^<.,:;\"')\]\s]")
_AUTOLINK = re.compile(r"<(https?://[^ >]+)>")
_REFERENCE = re.compile(r"<@[!&]?\d+>|<#\d+>|<a?:\w+:\d+>|<t:-?\d+(?::[tTdDfFR])?>|</[^:>\n]+:\d+>|@everyone|@here")
_MASKED_LINK = re.compile(r"\[((?:\\.|[^\[\]\\])*)\]\(\s*<?([^\s)>]+)>?\s*\)")
_LINE_START = re.compile(r"[ \t]*(#{1,3}|-#|>>>|>|[-*+]|\d+\.)[ \t]")
_PAIRS = (("**", "bold"), ("__", "underline"), ("~~", "strikethrough"), ("||", "spoiler"), ("*", "italics"),
          ("_", "italics"))


def shown(content: str) -> tuple[str, list[tuple[str, str]]]:
    """The visible text of a message, and the formatting Discord applies to it as (kind, text) pairs."""
    formatting: list[tuple[str, str]] = []
    return _read(content, formatting, top=True), formatting


def _read(text: str, formatting: list[tuple[str, str]], *, top: bool) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if top and (i == 0 or text[i - 1] == "\n"):
            line = _LINE_START.match(text, i)
            if line:
                formatting.append(("line start", line.group(1)))
                i = line.end()
                continue
        char = text[i]
        if char == "\\" and i + 1 < len(text) and not (text[i + 1].isalnum() or text[i + 1].isspace()):
            out.append(text[i + 1])
            i += 2
            continue
        if char == "`":
            fence = 3 if text.startswith("```", i) else len(text[i:]) - len(text[i:].lstrip("`"))
            end = text.find("`" * fence, i + fence + 1)
            if end != -1:
                inner = text[i + fence:end]
                formatting.append(("code", inner))
                out.append(inner)
                i = end + fence
                continue
        found = _URL.match(text, i)
        if found:  # made clickable, shown as it is
            out.append(found.group())
            i = found.end()
            continue
        found = _AUTOLINK.match(text, i)
        if found:  # made clickable as a bare link is, without a preview, shown without its brackets
            out.append(found.group(1))
            i = found.end()
            continue
        found = _REFERENCE.match(text, i)
        if found:
            formatting.append(("mention", found.group()))
            out.append(found.group())
            i = found.end()
            continue
        found = _MASKED_LINK.match(text, i)
        if found:
            label = _read(found.group(1), formatting, top=False)
            formatting.append(("link", label))
            out.append(label)
            i = found.end()
            continue
        paired = _paired(text, i)
        if paired:
            kind, inner, end = paired
            visible = _read(inner, formatting, top=False)
            formatting.append((kind, visible))
            out.append(visible)
            i = end
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _paired(text: str, start: int) -> tuple[str, str, int] | None:
    """A delimiter at `start` that Discord pairs with a closing one: (kind, what is between, where it ends)."""
    for mark, kind in _PAIRS:
        if not text.startswith(mark, start):
            continue
        inner_start = start + len(mark)
        if mark == "_" and start > 0 and _word(text[start - 1]):
            continue
        if mark == "*" and (inner_start >= len(text) or text[inner_start].isspace()):
            continue
        i = inner_start + 1  # what is between is never empty
        while i < len(text):
            if text[i] == "\\":
                i += 2
                continue
            if text.startswith(mark, i) and not text.startswith(mark[0], i + len(mark)):
                after = text[i + len(mark):i + len(mark) + 1]
                if mark != "_" or not after or not _word(after):
                    return kind, text[inner_start:i], i + len(mark)
            i += 1
    return None


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"

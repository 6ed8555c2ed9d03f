"""Console mode: talk to the bot in a terminal, as any number of people, with no platform and no token.

    /as <handle>     switch who is typing (the console person console:<handle>)
    /press N         press button N of the latest message with buttons sent to the person typing
    /sleep SECONDS   wait, letting scheduled work run
    /quit            leave (end of input does the same)

Everything else is sent to the bot as that person's message. Every message the bot sends is printed with its
recipient first, `[@handle] text`, and its buttons as numbered options `(1) Label`. A file the bot sends (an
export, a chart) is saved in the folder `--files DIR` names, readable by its owner only; without it a text file is
printed and any other is only named.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path
from typing import TextIO

from handlers.arguments import number
from handlers.core import Core
from handlers.events import Button, Incoming, Person, Press, Reply
from handlers.formatting import to_plain

PLATFORM = "console"
_HANDLE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
MAX_SLEEP = 24 * 3600


class ConsoleAdapter:
    """Reads lines, passes them to the core, prints what the bot says to whom."""

    platform = PLATFORM

    def __init__(self, core: Core, out: TextIO = sys.stdout, *, echo: bool = False, files: Path | None = None
                 ) -> None:
        self.core = core
        self.out = out
        self.files = files
        self.echo = echo
        self.current: str | None = None
        self.buttons: dict[str, list[Button]] = {}

    def _print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    async def send(self, person: Person, reply: Reply) -> None:
        """Print one message to a console person."""
        handle = person.external_id
        prefix = f"[@{handle}] "
        indent = " " * len(prefix)
        lines = to_plain(reply.text).split("\n")
        out = [prefix + lines[0]] + [indent + line if line else "" for line in lines[1:]]
        if reply.attachment is not None:
            out += [indent + line for line in self._file(reply.attachment.filename, reply.attachment.content)]
        if reply.buttons:
            number = 0
            buttons: list[Button] = []
            for row in reply.buttons:
                cells = []
                for button in row:
                    number += 1
                    buttons.append(button)
                    cells.append(f"({number}) {button.label}" + (f" → {button.url}" if button.url else ""))
                out.append(indent + "   ".join(cells))
            self.buttons[handle] = buttons
        self._print("\n".join(out))

    def _file(self, filename: str, content: bytes) -> list[str]:
        """Save a file the bot sent (with `--files`), or show it: the lines to print."""
        if self.files is not None:
            path = self._save(filename, content)
            return [f"[file saved: {path}, {len(content):,} bytes]"]
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            return [f"[file {filename}, {len(content):,} bytes: start the console with --files DIR to save it]"]
        return [f"[file {filename}, {len(content):,} bytes]", *text.split("\n")]

    def _save(self, filename: str, content: bytes) -> Path:
        """Write a new file in the folder, never over another: name.png, then name-2.png …"""
        assert self.files is not None
        self.files.mkdir(parents=True, exist_ok=True)
        stem, dot, suffix = (_UNSAFE.sub("_", Path(filename).name) or "file").rpartition(".")
        stem, suffix = (stem, "." + suffix) if dot else (suffix, "")
        for n in range(1, 10_000):
            path = self.files / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
            try:
                handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # an export is personal data
            except FileExistsError:
                continue
            with os.fdopen(handle, "wb") as file:
                file.write(content)
            return path
        raise FileExistsError(filename)

    async def _say(self, text: str) -> None:
        self._print(f"· {text}")

    async def _deliver_all(self, handle: str, replies: list[Reply]) -> None:
        for reply in replies:
            await self.send(Person(PLATFORM, handle), reply)

    async def handle_line(self, line: str) -> bool:
        """Process one input line; False when the session should end."""
        line = line.rstrip("\r\n")
        if self.echo:
            self._print(f"> {line}")
        stripped = line.strip()
        if not stripped:
            return True
        word, _, rest = stripped.partition(" ")
        rest = rest.strip()
        if word in ("/quit", "/exit"):
            return False
        if word == "/as":
            if not _HANDLE.match(rest):
                await self._say("Usage: /as <handle> — letters, digits, dot, dash or underscore, at most 64.")
            else:
                self.current = rest
                await self._say(f"now typing as @{rest}")
            return True
        if word == "/sleep":
            try:
                seconds = float(rest)
                if not 0 <= seconds <= MAX_SLEEP:
                    raise ValueError
            except ValueError:
                await self._say(f"Usage: /sleep SECONDS — a number from 0 to {MAX_SLEEP}.")
                return True
            await asyncio.sleep(seconds)
            return True
        if self.current is None:
            await self._say("Choose who is typing first: /as <handle>, for example /as amina.")
            return True
        if word == "/press":
            await self._press(rest)
            return True
        replies = await self.core.handle_message(Incoming(Person(PLATFORM, self.current), line))
        await self._deliver_all(self.current, replies)
        return True

    async def _press(self, arg: str) -> None:
        handle = self.current
        assert handle is not None
        buttons = self.buttons.get(handle, [])
        if not buttons:
            await self._say(f"@{handle} has no message with buttons to press.")
            return
        chosen = number(arg, high=len(buttons))
        if chosen is None:
            await self._say(f"Usage: /press N — N from 1 to {len(buttons)}.")
            return
        button = buttons[chosen - 1]
        if button.url:
            await self._say(f"that button opens {button.url}")
            return
        replies = await self.core.handle_press(Press(Person(PLATFORM, handle), button.token or ""))
        await self._deliver_all(handle, replies)

    async def run(self, stdin: TextIO = sys.stdin) -> None:
        """Read lines until /quit or end of input."""
        interactive = stdin.isatty()
        if interactive:
            self._print("Solidarity Bot console. Type /as <name> to choose who is typing, then /start. "
                        "/press N presses a button, /quit leaves.")
        while True:
            if interactive:
                self.out.write("> ")
                self.out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            if not await self.handle_line(line):
                break

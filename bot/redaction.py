"""Keeping the bot's secrets out of everything the program writes: the log, tracebacks, stderr.

The secrets are the Telegram and Discord tokens and the webhook's secret token. Libraries can put a token
anywhere: python-telegram-bot puts it in every Bot API URL and in the message of `InvalidToken`. So the text is
redacted at the last step before it is written, once it is formatted in full: a log record with its traceback
and stack (at the handlers' formatter), an uncaught exception (`sys.excepthook`, `threading.excepthook`), and
what asyncio reports about a task or callback that failed (the loop's exception handler).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import traceback
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

MASK = "***"

log = logging.getLogger(__name__)


class Redactor:
    """Replaces each secret, as written and as a URL carries it, by '***'."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms = {form for secret in secrets if secret for form in (secret, quote(secret, safe=""))}
        self.forms = sorted(forms, key=len, reverse=True)  # longest first: a secret inside another goes with it

    def __call__(self, text: str) -> str:
        for form in self.forms:
            text = text.replace(form, MASK)
        return text


class RedactingFormatter(logging.Formatter):
    """Formats a record with the handler's own formatter, then redacts the whole text (traceback included)."""

    def __init__(self, inner: logging.Formatter, redact: Redactor) -> None:
        super().__init__()
        self.inner, self.redact = inner, redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(self.inner.format(record))


def redact_logging(redact: Redactor) -> None:
    """Make every handler of the root logger redact what it writes (every library logs through them)."""
    for handler in logging.getLogger().handlers:
        inner = handler.formatter or logging.Formatter()
        if isinstance(inner, RedactingFormatter):
            inner = inner.inner
        handler.setFormatter(RedactingFormatter(inner, redact))


def redact_uncaught(redact: Redactor) -> None:
    """Print the traceback of an exception nobody caught (in the main thread or another) redacted."""

    def report(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        sys.stderr.write(redact("".join(traceback.format_exception(kind, value, tb))))

    sys.excepthook = report
    threading.excepthook = lambda args: report(args.exc_type, args.exc_value, args.exc_traceback)


def report_asyncio_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The event loop's exception handler: what failed, with its traceback, through the (redacting) log."""
    exception = context.get("exception")
    log.error("%s", context.get("message") or "an asyncio task or callback failed",
              exc_info=(type(exception), exception, exception.__traceback__) if exception is not None else None)

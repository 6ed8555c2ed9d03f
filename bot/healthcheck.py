"""The container's HEALTHCHECK: `python -m bot.healthcheck [URL]` asks the bot's /healthz and exits 0 on HTTP 200.

The default URL is http://127.0.0.1:$SOLIDARITY__HTTP__PORT/healthz (port 8080 when the variable is unset). Anything
else — nothing listening, no answer within 3 seconds, another status — prints one line to stderr saying what failed
and exits 1. It uses the standard library only and imports nothing else of the bot, so that it starts in a few
milliseconds and still answers when the bot's own code cannot be imported.
"""

from __future__ import annotations

import http.client
import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 3

# No proxy, whatever http_proxy says: the bot is on this machine, and a proxy would be asked instead of it.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def default_url() -> str:
    """The bot's /healthz on this machine, at the port the bot serves HTTP on."""
    port = os.environ.get("SOLIDARITY__HTTP__PORT") or "8080"
    return f"http://127.0.0.1:{port}/healthz"


def check(url: str) -> str | None:
    """None when `url` answers 200 within the timeout, else one line saying what failed."""
    try:
        with _OPENER.open(url, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:  # a 4xx or 5xx answer
        status = exc.code
    except urllib.error.URLError as exc:  # the connection failed: refused, unknown host, timed out while connecting
        reason = exc.reason
        if isinstance(reason, ConnectionRefusedError):
            return f"{url}: connection refused"
        if isinstance(reason, TimeoutError):
            return f"{url}: no answer within {TIMEOUT_SECONDS} s"
        return f"{url}: {reason}"
    except TimeoutError:  # connected, but the answer did not come in time
        return f"{url}: no answer within {TIMEOUT_SECONDS} s"
    except (OSError, http.client.HTTPException) as exc:  # the connection broke half-way, or the answer was not HTTP
        return f"{url}: {exc.__class__.__name__} {exc}".rstrip()
    except ValueError as exc:  # not a URL at all
        return f"{url}: {exc}"
    if status != 200:
        return f"{url}: status {status}"
    return None


def main(argv: list[str] | None = None) -> int:
    """Check the URL given (or the default); 0 when healthy, 1 with one line on stderr when not."""
    args = sys.argv[1:] if argv is None else argv
    url = args[0] if args else default_url()
    problem = check(url)
    if problem is None:
        return 0
    print(f"unhealthy: {problem}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

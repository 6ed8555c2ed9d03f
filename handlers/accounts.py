"""A member's accounts in words: the platforms they are on, and where their notifications go (for /notify, /link
and the profile)."""

from __future__ import annotations

from markupsafe import Markup

from handlers.i18n import N_, _, plain
from storage.members import Member

# In the order they are listed; other platforms follow, alphabetically.
PLATFORM_LABELS = {"telegram": "Telegram", "discord": "Discord", "console": N_("Console")}
ALL = "all"


def platform_label(platform: str) -> str:
    """A platform's name as shown to people."""
    return plain(PLATFORM_LABELS.get(platform, platform.capitalize()))


def platforms_of(member: Member) -> list[str]:
    """The platforms the member has an account on, in display order."""
    found = {account.split(":", 1)[0] for account in member.accounts}
    order = list(PLATFORM_LABELS)
    return sorted(found, key=lambda p: (order.index(p) if p in order else len(order), p))


def labels(platforms: list[str]) -> str:
    """Platforms by name, in one line ("Telegram, Discord")."""
    return ", ".join(platform_label(p) for p in platforms)


def describe_notify(member: Member) -> Markup | str:
    """Where the member's notifications go, in words (for /notify and the profile)."""
    platforms = platforms_of(member)
    if member.notify_on != ALL and member.notify_on in platforms:
        return _("{platform} only", platform=platform_label(member.notify_on))
    if len(platforms) == 1:
        return platform_label(platforms[0])
    return _("all your accounts ({platforms})", platforms=labels(platforms))

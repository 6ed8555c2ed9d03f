"""What a network is made of: its name, who runs it, its lists of themes and regions, and the kinds of actor."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from handlers.i18n import N_, plain


def slug(label: str) -> str:
    """A stable identifier for a label: 'Access to health' → 'access-to-health'."""
    text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "x"


@dataclass(frozen=True)
class Choice:
    """One entry of a list members choose from: a stable id and its label as written in English (or as the
    network's settings give it)."""

    id: str
    source: str

    @property
    def label(self) -> str:
        """The label in the language being spoken (a network's own label without a translation stays as it is)."""
        return plain(self.source)


# The kinds of actor the network brings together (the meetings' list of participants).
ACTOR_KINDS: tuple[Choice, ...] = tuple(
    Choice(slug(label), label)
    for label in (
        N_("Human-rights defender"),
        N_("Civil-society organisation"),
        N_("Local authority"),
        N_("Faith leader"),
        N_("Business"),
        N_("Journalist or media"),
        N_("Creative artist"),
        N_("Community organiser"),
        N_("National human-rights institution"),
        N_("International or regional organisation"),
        N_("Academia or research"),
        N_("Other"),
    )
)


@dataclass(frozen=True)
class Retention:
    """How long what a feature no longer needs is kept, in days (bot/settings.py's [retention] says each)."""

    contact_days: int = 90
    closed_commitments_days: int = 365
    requests_days: int = 180
    audit_days: int = 730
    conversations_days: int = 30
    registration_answers_days: int = 7  # after the session ends


@dataclass(frozen=True, kw_only=True)
class Network:
    """The settings the core needs, free of any configuration library. Their defaults live in one place,
    bot/settings.py (`bot.app.network_from` builds this from them)."""

    name: str
    themes: tuple[Choice, ...]
    regions: tuple[Choice, ...]
    admins: frozenset[str]
    open_registration: bool
    default_language: str
    invite_default_uses: int
    invite_default_days: int
    partner_follow_up_days: int  # days after an introduction when both are asked "did you connect?"
    partner_searches_per_day: int  # partner searches a member may make in any 24 hours
    session_reminder_minutes: int  # how long before a session its subscribers are reminded, by default
    session_follow_up_minutes: int  # after a session ends, when subscribers are asked how it went
    broadcast_approval_above: int  # a broadcast to more members than this needs a second organiser
    broadcast_daily_quota: int  # broadcasts an organiser may start in any 24 hours
    announcement_channels: tuple[tuple[str, str], ...]  # (platform, chat or channel id) a broadcast may post to
    # Reports show a count of fewer members than this as "fewer than N", so that none singles out a person.
    report_fewer_than: int = 3
    retention: Retention = field(default_factory=lambda: Retention())
    vouches: int = 0  # members who must vouch for a newcomer; 0: no vouching
    feed_url: str | None = None  # where calendar feeds are served, "https://…/feed/" (a token follows); None: none
    _by_id: dict[str, dict[str, Choice]] = field(default_factory=dict, init=False, compare=False, repr=False)

    @classmethod
    def build(cls, name: str, themes: list[str], regions: list[str], **rest: object) -> Network:
        """A network from plain lists of labels."""
        return cls(
            name=name,
            themes=tuple(Choice(slug(t), t) for t in themes),
            regions=tuple(Choice(slug(r), r) for r in regions),
            **rest,  # type: ignore[arg-type]
        )

    def __post_init__(self) -> None:
        self._by_id.update(
            theme={c.id: c for c in self.themes},
            region={c.id: c for c in self.regions},
            kind={c.id: c for c in ACTOR_KINDS},
        )

    def theme(self, theme_id: str) -> Choice | None:
        """The theme with this id, if the network still offers it."""
        return self._by_id["theme"].get(theme_id)

    def region(self, region_id: str) -> Choice | None:
        """The region with this id, if the network still offers it."""
        return self._by_id["region"].get(region_id)

    def find(self, kind: str, text: str) -> Choice | None:
        """The theme or region (`kind`) someone typed: its id, or its label in any case and spacing."""
        choices = self._by_id[kind]
        found = choices.get(text.strip()) or choices.get(slug(text))
        if found is None:
            wanted = " ".join(text.split()).casefold()
            found = next((c for c in choices.values() if c.label.casefold() == wanted), None)
        return found

    def suggest(self, kind: str, text: str, limit: int = 25) -> list[Choice]:
        """Themes or regions whose label, in the language spoken or in English, holds `text` (all when empty),
        those starting with it first."""
        wanted = " ".join(text.split()).casefold()
        choices = self.themes if kind == "theme" else self.regions
        names = {c: (c.label.casefold(), c.source.casefold()) for c in choices}
        starting = [c for c in choices if any(n.startswith(wanted) for n in names[c])]
        holding = [c for c in choices if any(wanted in n for n in names[c]) and c not in starting]
        return (starting + holding)[:limit]

    def match(self, kind: str, text: str) -> Choice | None:
        """The theme or region someone typed: `find`, else the one choice whose label holds the text."""
        choice = self.find(kind, text)
        if choice is None:
            found = self.suggest(kind, text, limit=2)
            choice = found[0] if len(found) == 1 else None
        return choice

    def named(self, values: dict[str, str]) -> tuple[dict[str, str], tuple[str, str] | None]:
        """The theme and region a command was given (`theme:…`, `region:…` in `values`), as ids by kind; or,
        when one is not the network's, its kind and what was typed (spaces tidied, cut to 64 characters)."""
        found: dict[str, str] = {}
        for kind in ("theme", "region"):
            if kind in values:
                choice = self.match(kind, values[kind][:100])
                if choice is None:
                    return found, (kind, " ".join(values[kind].split())[:64])
                found[kind] = choice.id
        return found, None

    def actor_kind(self, kind_id: str) -> Choice | None:
        """The kind of actor with this id."""
        return self._by_id["kind"].get(kind_id)

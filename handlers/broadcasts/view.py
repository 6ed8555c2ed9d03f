"""What recipients see: a broadcast's text with its header, and its audience in words."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers.core import Context
from handlers.events import Reply
from handlers.formatting import labels
from handlers.i18n import _, join_lines


def _about(ctx: Context, audience: dict[str, list[Any]]) -> list[str]:
    labels = [_label(ctx, "theme", t) for t in audience.get("themes", [])]
    labels += [_label(ctx, "region", r) for r in audience.get("regions", [])]
    return labels


def _label(ctx: Context, kind: str, value: str) -> str:
    choice = ctx.network.theme(value) if kind == "theme" else ctx.network.region(value)
    return choice.label if choice is not None else value


def render(ctx: Context, broadcast_id: int, text: str, audience: dict[str, list[Any]], *,
           channel: bool = False) -> Reply:
    """The message as it reaches members (or an announcement channel): every bit of the organiser's text escaped."""
    about = _about(ctx, audience)
    lines = [_("📣 <b>{network}</b> · message from the organisers", network=ctx.network.name), Markup.escape(text)]
    if about:
        lines.append(_("<i>About: {topics}</i>", topics=labels(about)))
    if not channel:
        if audience.get("themes"):
            lines.append(_("<i>Send /mute to stop broadcasts, or /mute {theme} for this theme only.</i>",
                           theme=_label(ctx, "theme", audience["themes"][0])))
        else:
            lines.append(_("<i>Send /mute to stop broadcasts.</i>"))
    return Reply(join_lines(*lines))


def describe_audience(ctx: Context, audience: dict[str, list[Any]], sessions: dict[int, str] | None = None,
                      practices: dict[int, str] | None = None) -> Markup:
    parts = []
    if audience.get("themes"):
        parts.append(_("themes: {list}", list=", ".join(_label(ctx, "theme", t) for t in audience["themes"])))
    if audience.get("regions"):
        parts.append(_("regions: {list}", list=", ".join(_label(ctx, "region", r) for r in audience["regions"])))
    if audience.get("roles"):
        names = {"member": _("members"), "organiser": _("organisers and admins"), "newcomer": _("newcomers")}
        parts.append(_("roles: {list}", list=", ".join(str(names[r]) for r in audience["roles"] if r in names)))
    if audience.get("sessions"):
        titles = [(sessions or {}).get(int(s)) or f"#{s}" for s in audience["sessions"]]
        parts.append(_("subscribers of: {list}", list="; ".join(titles)))
    if audience.get("practices"):
        named = [f"#{p} {(practices or {}).get(int(p), '')}".strip() for p in audience["practices"]]
        parts.append(_("members who tried: {list}", list="; ".join(named)))
    if not parts:
        return _("everyone in the network")
    return Markup(_(" and ")).join(parts)

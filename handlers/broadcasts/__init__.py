"""Organisers' broadcasts (/broadcast) and members' mutes (/mute, /unmute).

An organiser writes the message, picks the audience with buttons (themes, regions, roles, a session's
subscribers; within one kind any choice matches, across kinds all must; nothing chosen is everyone), sees a
preview with the number of recipients per platform, and confirms, now or for a later moment. A broadcast that
reaches more members than the network's approval threshold waits for a second organiser; each organiser has a
daily quota; every step is in the audit log.

Broadcasts go through the outbox one row per account, after personal messages (a big broadcast never holds up a
reminder for long), and wait for each member's quiet hours unless marked urgent. A mute stops everything it
covers from the moment it is made, even of a broadcast already under way; `/broadcast cancel` stops what is not
yet sent.
"""

from handlers.broadcasts import approval, choosing, compose, mutes, sending, status  # noqa: F401  (their handlers)
from handlers.broadcasts.common import router
from handlers.broadcasts.sending import send_now

__all__ = ["router", "send_now"]

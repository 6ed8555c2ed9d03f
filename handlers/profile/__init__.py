"""The member's profile: the guided set-up after joining, and /profile to see and change any part of it.

The set-up asks one question at a time. Each question is a step of the "profile" conversation with a fresh
nonce; its buttons carry that nonce, so a button from a question already answered changes nothing.
Multiple choices (themes, regions, languages) are collected in the conversation and saved on Done.
"""

from handlers.profile import buttons, commands, typed  # noqa: F401  (their handlers)
from handlers.profile.asking import ask, begin, resume
from handlers.profile.common import router

__all__ = ["ask", "begin", "resume", "router"]

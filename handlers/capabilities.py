"""Importing this module registers every capability's commands, buttons and text steps."""

from handlers import data_rights, help, invites, linking, onboarding, profile, reminders, roles  # noqa: F401
import handlers.commitments  # noqa: F401
import handlers.partners  # noqa: F401
import handlers.sessions  # noqa: F401
import handlers.broadcasts  # noqa: F401

"""The capabilities the bot runs: each one's router, in the order their parts appear in /export."""

from handlers import (
    away,
    broadcasts,
    commitments,
    data_rights,
    help,
    invites,
    language,
    linking,
    lockdown,
    onboarding,
    panic,
    partners,
    practices,
    profile,
    reminders,
    reports,
    roles,
    sessions,
    vouching,
)
from handlers.core import Router


def all_routers() -> list[Router]:
    """Every capability's router, for `Core`."""
    return [data_rights.router, help.router, onboarding.router, language.router, profile.router, invites.router,
            linking.router, roles.router, reminders.router, commitments.router, partners.router, practices.router,
            sessions.router, broadcasts.router, reports.router, panic.router,
            lockdown.router, away.router, vouching.router]

"""Commitments: what members promise the network, and the check-ins that follow them up.

/commit registers one, guided question by question (what, by when, theme, region, who may see it, then a summary
to Register or Cancel); `/commit Run a workshop in Lyon by 15 March theme:Detention` fills what it can and asks
the rest. Nothing is stored before Register. Dates are read in the member's time zone and always echoed back as
an exact local date and time. /commitments lists the member's own with buttons (Done, Progress, New date, Drop);
`/commitments all` gives organisers everyone's but the private ones, with filters and totals. /progress notes
progress.

A commitment with a due date gets a check-in at that moment (and one halfway when it is more than two weeks
away). An unanswered check-in is followed by one nudge two days later, and two days after that the commitment is
marked stale, silently. Each step is a schedule row handled by `Core.run_due`, which applies its changes in the
transaction that queues its message.

Questions of the guided flows carry the conversation's nonce, so a button from a question already answered
changes nothing; Register, check-in answers and the Drop confirmation are single-use buttons.
"""

from handlers.commitments import asking, checkins, listing, notes, registering  # noqa: F401  (their handlers)
from handlers.commitments.common import CommitmentRef, router
from handlers.commitments.registering import start_from_practice, start_from_session, start_joint
from handlers.commitments.together import joint_partner

__all__ = ["CommitmentRef", "joint_partner", "router", "start_from_practice", "start_from_session", "start_joint"]

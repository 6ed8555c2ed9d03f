"""The network's toolbox: practices that worked (and what did not), shared, reviewed, found and tried again.

/practice shares one, guided like /commit; nothing is published before an organiser approves it (review.py).
/practices finds them by theme, region and words (finding.py); /practice N shows one in full (view.py), with
"Worked for us too", "Did not work for us", "Try this" (a linked commitment) and "Ask the author" (an introduction
with the double consent of /partner) (reactions.py).
"""

from handlers.practices import data, feedback, finding, reactions, review, sharing  # noqa: F401  (their handlers)
from handlers.practices.common import router
from handlers.practices.sharing import start_from_session

__all__ = ["router", "start_from_session"]

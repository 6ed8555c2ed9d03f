"""Partners: members look for partners by theme and region, and are introduced only when both agree.

/partner asks for a theme and/or a region, optionally a language and a short note, guided with buttons when they are
missing (`/partner theme:Detention region:Western Europe language:French note:…` does it in one line). It proposes
at most five members, each by pseudonym, kind of actor and why they match (the theme, the region, languages
shared, an open commitment of theirs shared with the network on that theme or region), never their contact
details. They are ranked by how much they match, then by shared languages and a related commitment, then whoever
was asked least recently, then at random. A member makes at most `partner_searches_per_day` searches in any 24
hours, so nobody can page through the member list.

The searcher picks one or more; each picked member gets an introduction request (quiet hours respected) with the
searcher's pseudonym and kind of actor, the reason and the note: Accept / Not now / Decline / Decline and block.
Only when both sides have agreed (the searcher by picking) does each receive the contact line the other wrote in
their profile. A decline is never announced: the searcher hears, when the request lapses (7 days after it was
sent, whatever happened), that the person is not available; "Not now" asks once more 3 days later. A week after an
introduction (`partner_follow_up_days`) both are asked "Did you connect?", and Yes offers a joint commitment.

Organisers see where searches found nobody (/partners gaps) and can introduce two members themselves
(/introduce), with the same consent on both sides. Members pause being proposed with /matching off. Nothing a
searcher is told depends on whether someone declined, blocked them, paused, left the network or was blocked: an
introduction that cannot be sent is recorded as withheld and lapses like any other.
"""

from handlers.partners import asking, consent, data, due, listing, organisers, search  # noqa: F401  (their handlers)
from handlers.partners.common import POOL, router
from handlers.partners.search import rank

__all__ = ["POOL", "rank", "router"]

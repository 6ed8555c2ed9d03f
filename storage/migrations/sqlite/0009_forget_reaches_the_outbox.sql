-- What /forget reaches beyond the member's own rows: messages waiting in the outbox that name them, their
-- broadcasts, and the joint commitments others keep with them.

-- The members a queued message names or quotes, as a JSON list of member numbers (NULL: nobody). Erasing one of
-- them withdraws the message. It is dropped with the body once the outcome is known, so only messages still
-- waiting hold it, and the index holds only those: few, and short-lived.
ALTER TABLE outbox ADD COLUMN about TEXT;
CREATE INDEX outbox_about ON outbox (state) WHERE about IS NOT NULL;

-- Why a broadcast was cancelled when it was not an organiser's /broadcast cancel: 'author_left' (its author erased
-- their data before it was all sent).
ALTER TABLE broadcasts ADD COLUMN cancel_reason TEXT CHECK (cancel_reason IN ('author_left'));

-- A joint commitment whose other member erased their data: joint_with became NULL, and this keeps that it was
-- joint ("together with a former member").
ALTER TABLE commitments ADD COLUMN partner_left INTEGER NOT NULL DEFAULT 0 CHECK (partner_left IN (0, 1));

-- Sessions people sign up for (handlers/sessions/signing_up.py, storage/signups.py): how many places a session has
-- (none: as many as come) and when sign-ups close (none: when it starts), and each member's answer: going, waiting (in the order asked: seq), offered a place
-- that came free (until offer_until), or not going.
ALTER TABLE sessions ADD COLUMN places BIGINT CHECK (places IS NULL OR places BETWEEN 1 AND 100000);
ALTER TABLE sessions ADD COLUMN signups_close_at BIGINT;

CREATE TABLE session_signups (
    session_id  BIGINT  NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    member_id   BIGINT  NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    status      TEXT    NOT NULL CHECK (status IN ('going', 'waiting', 'offered', 'not_going')),
    seq         BIGINT  NOT NULL,
    offer_until BIGINT,
    updated_at  BIGINT  NOT NULL,
    PRIMARY KEY (session_id, member_id)
);
CREATE INDEX session_signups_list ON session_signups (session_id, status, seq);
CREATE INDEX session_signups_member ON session_signups (member_id);

-- The outbox learns two things about a message that waits, so that it can be moved or withdrawn when the member
-- changes their mind.

-- ready_at: set only on a message that waits for the member's quiet hours (a check-in, an introduction request, a
-- broadcast that is not urgent): the moment it was ready to go, quiet hours aside. When the member changes or
-- turns off their quiet hours (or moves to another time zone), what is still waiting is rescheduled from it.
-- NULL: the message ignores quiet hours (a reminder the member set, an urgent broadcast, a session notice).
ALTER TABLE outbox ADD COLUMN ready_at INTEGER;

-- subject_id: for a message a due row made (a session reminder, the question after a session …), the number of
-- what that row was about (the session), as in the schedule. Unfollowing a session withdraws its messages that
-- are still waiting.
ALTER TABLE outbox ADD COLUMN subject_id INTEGER;
CREATE INDEX outbox_subject ON outbox (subject_id) WHERE state = 'pending' AND subject_id IS NOT NULL;

-- Broadcast messages already waiting for quiet hours when this runs: they were ready when they were queued.
UPDATE outbox SET ready_at = created_at
 WHERE state = 'pending' AND member_id IS NOT NULL
   AND broadcast_id IN (SELECT id FROM broadcasts WHERE urgent = 0);

-- Commitments, reminders, everything that falls due, and the outbox of what the bot sends on its own.

-- Quiet hours in the member's local time, as minutes after midnight; NULL means the default (22:00-08:00).
-- Check-ins and other messages the member did not ask for wait until quiet hours end.
ALTER TABLE members ADD COLUMN quiet_start INTEGER CHECK (quiet_start BETWEEN 0 AND 1439);
ALTER TABLE members ADD COLUMN quiet_end   INTEGER CHECK (quiet_end BETWEEN 0 AND 1439);

-- What a member promised the network. AUTOINCREMENT: a number is never reused after an erasure.
CREATE TABLE commitments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id       INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    what            TEXT    NOT NULL,
    due_at          INTEGER,
    theme           TEXT,
    region          TEXT,
    visibility      TEXT    NOT NULL DEFAULT 'network' CHECK (visibility IN ('network', 'organisers', 'private')),
    status          TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'dropped')),
    checkin_pending INTEGER NOT NULL DEFAULT 0 CHECK (checkin_pending IN (0, 1)),
    stale           INTEGER NOT NULL DEFAULT 0 CHECK (stale IN (0, 1)),
    help_wanted     INTEGER NOT NULL DEFAULT 0 CHECK (help_wanted IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    closed_at       INTEGER
);
CREATE INDEX commitments_member ON commitments (member_id, status);
CREATE INDEX commitments_status ON commitments (status, due_at);

-- Progress notes, reschedules (with their reason) and check-in answers, oldest first.
CREATE TABLE commitment_notes (
    id            INTEGER PRIMARY KEY,
    commitment_id INTEGER NOT NULL REFERENCES commitments (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL CHECK (kind IN ('progress', 'reschedule', 'checkin')),
    text          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX commitment_notes_commitment ON commitment_notes (commitment_id, id);

-- Reminders a member set. One-off: `rule` is NULL. Recurring: an RRULE body, with the wall-clock time
-- (hour, minute) in `zone`, so a 09:00 reminder stays at 09:00 across daylight-saving changes.
CREATE TABLE reminders (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    what       TEXT    NOT NULL,
    rule       TEXT,
    hour       INTEGER,
    minute     INTEGER,
    zone       TEXT    NOT NULL,
    until_at   INTEGER,
    status     TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'fired', 'done', 'cancelled')),
    created_at INTEGER NOT NULL
);
CREATE INDEX reminders_member ON reminders (member_id, status);

-- Every due thing (a reminder, a snoozed reminder, a check-in, a nudge, a stale mark): the only record of when
-- something must happen. The scheduler keeps one timer, for the earliest row; a row is deleted in the same
-- transaction that puts its message in the outbox.
CREATE TABLE schedule (
    id         INTEGER PRIMARY KEY,
    due_at     INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    subject_id INTEGER NOT NULL,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    detail     TEXT
);
CREATE INDEX schedule_due ON schedule (due_at, id);
CREATE INDEX schedule_subject ON schedule (kind, subject_id);
CREATE INDEX schedule_member ON schedule (member_id);

-- Everything the bot sends on its own, one row per account and message: pending, then claimed (sending), then
-- its outcome. The body (the message) is emptied once the outcome is known; outcome rows are purged later.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER REFERENCES members (id) ON DELETE CASCADE,
    platform    TEXT    NOT NULL,
    external_id TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    body        TEXT,
    state       TEXT    NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'unreachable', 'uncertain', 'failed')),
    not_before  INTEGER NOT NULL,
    fallback    INTEGER NOT NULL DEFAULT 0 CHECK (fallback IN (0, 1)),
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    done_at     INTEGER
);
CREATE INDEX outbox_ready ON outbox (not_before, id) WHERE state = 'pending';
CREATE INDEX outbox_sending ON outbox (id) WHERE state = 'sending';
CREATE INDEX outbox_member ON outbox (member_id);
CREATE INDEX outbox_done ON outbox (done_at) WHERE done_at IS NOT NULL;

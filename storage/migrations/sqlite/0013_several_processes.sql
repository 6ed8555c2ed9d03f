-- Several `solidarity-bot run` processes over one database (PostgreSQL; an SQLite file serves one process, which
-- keeps the same rows): who is running, which of them holds each role that one process at a time may hold, who is
-- sending each claimed message, which updates were already handled, and whose updates are being handled.

-- Each running process, by a random id, and the last moment it said it was alive (every few seconds). A process
-- silent for longer than the expiry is taken for dead: its roles and its claimed messages are taken over.
CREATE TABLE processes (
    id         TEXT    PRIMARY KEY,
    started_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL
);

-- A role one process at a time holds: 'clock' (due reminders, check-ins, session notices, housekeeping) and
-- 'discord' (the one gateway connection). holder is a processes.id.
CREATE TABLE roles (
    name   TEXT    PRIMARY KEY,
    holder TEXT    NOT NULL,
    since  INTEGER NOT NULL
);

-- The process sending a claimed message ('sending'); when it is taken for dead, its messages go back to waiting.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;

-- Updates already handled (Telegram's update_id), so that one delivered twice, to one process or to two, is
-- answered once. Kept a day.
CREATE TABLE handled_updates (
    platform  TEXT    NOT NULL,
    update_id INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (platform, update_id)
);
CREATE INDEX handled_updates_at ON handled_updates (at);

-- The account whose update a process is handling, until when: one person's updates are handled one at a time,
-- whichever process receives them. A row left by a process that died lapses at `until`.
CREATE TABLE busy_accounts (
    account TEXT    PRIMARY KEY,
    holder  TEXT    NOT NULL,
    until   INTEGER NOT NULL
);

-- Each platform's pace among several processes: the moment the last turn reserved goes, and until when a 429
-- asked everyone to wait (seconds since the epoch, fractions kept). Every request to the platform reserves its turn
-- here, so the platform's cap holds for all the processes together.
CREATE TABLE paces (
    platform     TEXT PRIMARY KEY,
    next_at      REAL NOT NULL DEFAULT 0,
    paused_until REAL NOT NULL DEFAULT 0
);

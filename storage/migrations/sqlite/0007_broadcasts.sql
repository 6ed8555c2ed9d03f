-- Organisers' broadcasts, members' mutes, and an outbox that knows which broadcast a row belongs to.

-- One broadcast: the message (emptied once nothing of it is left to send), who it is for, and where it stands.
-- audience is JSON: {"themes": [...], "regions": [...], "roles": [...], "sessions": [...]}; within one key any
-- value matches, across keys all must; {} is everyone. summary keeps the outcome counts once the outbox rows
-- are purged.
CREATE TABLE broadcasts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id   INTEGER REFERENCES members (id) ON DELETE SET NULL,
    body        TEXT,
    audience    TEXT    NOT NULL DEFAULT '{}',
    urgent      INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
    channels    INTEGER NOT NULL DEFAULT 0 CHECK (channels IN (0, 1)),
    status      TEXT    NOT NULL CHECK (status IN ('awaiting_approval', 'scheduled', 'sending', 'done',
                                                   'cancelled', 'rejected')),
    send_at     INTEGER NOT NULL,
    approved_by INTEGER REFERENCES members (id) ON DELETE SET NULL,
    recipients  INTEGER,
    summary     TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX broadcasts_author ON broadcasts (author_id, created_at);
CREATE INDEX broadcasts_status ON broadcasts (status, send_at);

-- A member's mutes: theme '' mutes every broadcast, a theme id mutes broadcasts aimed at that theme.
CREATE TABLE broadcast_mutes (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    theme     TEXT    NOT NULL DEFAULT '',
    since     INTEGER NOT NULL,
    PRIMARY KEY (member_id, theme)
) WITHOUT ROWID;

-- The outbox gains: which broadcast a row carries (NULL for personal messages), a priority (0: personal, sent
-- first; 1: bulk), a short reason for an outcome that is not 'sent', and two outcomes: 'skipped' (muted by the
-- time it would have gone) and 'cancelled'. SQLite cannot change a CHECK constraint, so the table is rebuilt.
CREATE TABLE outbox_new (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER REFERENCES members (id) ON DELETE CASCADE,
    platform     TEXT    NOT NULL,
    external_id  TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    body         TEXT,
    state        TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'sending', 'sent', 'unreachable', 'uncertain', 'failed', 'skipped',
                                  'cancelled')),
    not_before   INTEGER NOT NULL,
    fallback     INTEGER NOT NULL DEFAULT 0 CHECK (fallback IN (0, 1)),
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    done_at      INTEGER,
    broadcast_id INTEGER,
    priority     INTEGER NOT NULL DEFAULT 0,
    reason       TEXT
);
INSERT INTO outbox_new (id, member_id, platform, external_id, kind, body, state, not_before, fallback, attempts,
                        created_at, done_at)
    SELECT id, member_id, platform, external_id, kind, body, state, not_before, fallback, attempts, created_at,
           done_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_ready ON outbox (platform, priority, not_before, id) WHERE state = 'pending';
CREATE INDEX outbox_sending ON outbox (id) WHERE state = 'sending';
CREATE INDEX outbox_member ON outbox (member_id);
CREATE INDEX outbox_done ON outbox (done_at) WHERE done_at IS NOT NULL;
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, state) WHERE broadcast_id IS NOT NULL;

-- One member across platforms: one-time link codes, guessing limits, where notifications go, Discord DM channels.

-- A code joins an account on another platform to the member who asked for it (/link). Only a hash of the code is
-- kept. A code works once (used_at) until expires_at; spent and expired codes are purged a day later (until then
-- a late or second try gets a clear answer instead of "not valid").
CREATE TABLE link_codes (
    code_hash  TEXT    PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    platform   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) WITHOUT ROWID;
CREATE INDEX link_codes_member ON link_codes (member_id);

-- Wrong link codes entered, per account, so that codes cannot be guessed. Strangers enter codes too, so the
-- account is a keyed hash (like buttons.audience); rows older than an hour are purged.
CREATE TABLE link_attempts (
    id      INTEGER PRIMARY KEY,
    account TEXT    NOT NULL,
    at      INTEGER NOT NULL
);
CREATE INDEX link_attempts_account ON link_attempts (account, at);

-- One account per platform per member.
CREATE UNIQUE INDEX identities_member_platform ON identities (member_id, platform);

-- Where the member wants what the bot sends on its own: 'all' their accounts, or one platform's.
ALTER TABLE members ADD COLUMN notify_on TEXT NOT NULL DEFAULT 'all';

-- Discord answers a user in a direct-message channel of its own; its id, once known.
ALTER TABLE identities ADD COLUMN dm_channel TEXT;

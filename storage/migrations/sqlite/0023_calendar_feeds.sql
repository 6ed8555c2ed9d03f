-- Members' calendar feeds (handlers/sessions/feed.py, /agenda feed): a secret address per member, of which only a
-- SHA-256 hash is kept (the address is shown once; a stolen database gives none away). One feed a member: a new
-- address replaces the old one, which stops working.
CREATE TABLE calendar_feeds (
    member_id  INTEGER NOT NULL PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    token_hash TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- A stolen database file gives away no contact (storage/sealing.py). An account is found by a keyed hash of
-- "platform:id" (`account`); its id, needed to write to it, is kept sealed (`address`), as is its Discord DM
-- channel. The outbox keeps where a message goes sealed too, and sent_messages only a keyed hash of the chat.
-- This script reshapes the tables, copying the values as they are; the data step that runs with it in the same
-- transaction (storage/resealing.py) then hashes and seals them, and seals contact lines, notes, bodies and drafts.
CREATE TABLE identities_sealed (
    account           TEXT    PRIMARY KEY,
    platform          TEXT    NOT NULL,
    address           TEXT    NOT NULL,
    member_id         INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    linked_at         INTEGER NOT NULL,
    unreachable_since INTEGER,
    dm_channel        TEXT
) WITHOUT ROWID;
INSERT INTO identities_sealed (account, platform, address, member_id, linked_at, unreachable_since, dm_channel)
    SELECT platform || ':' || external_id, platform, external_id, member_id, linked_at, unreachable_since, dm_channel
    FROM identities;
DROP TABLE identities;
ALTER TABLE identities_sealed RENAME TO identities;
CREATE INDEX identities_member ON identities (member_id);
CREATE UNIQUE INDEX identities_member_platform ON identities (member_id, platform);

ALTER TABLE outbox RENAME COLUMN external_id TO address;
ALTER TABLE sent_messages RENAME COLUMN chat TO chat_hash;

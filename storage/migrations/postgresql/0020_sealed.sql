-- A stolen database gives away no contact (storage/sealing.py). An account is found by a keyed hash of
-- "platform:id" (`account`); its id, needed to write to it, is kept sealed (`address`), as is its Discord DM
-- channel. The outbox keeps where a message goes sealed too, and sent_messages only a keyed hash of the chat.
-- This script reshapes the tables, copying the values as they are; the data step that runs with it in the same
-- transaction (storage/resealing.py) then hashes and seals them, and seals contact lines, notes, bodies and drafts.
ALTER TABLE identities ADD COLUMN account TEXT;
UPDATE identities SET account = platform || ':' || external_id;
ALTER TABLE identities DROP CONSTRAINT identities_pkey;
ALTER TABLE identities ALTER COLUMN account SET NOT NULL;
ALTER TABLE identities ADD PRIMARY KEY (account);
ALTER TABLE identities RENAME COLUMN external_id TO address;

ALTER TABLE outbox RENAME COLUMN external_id TO address;
ALTER TABLE sent_messages RENAME COLUMN chat TO chat_hash;

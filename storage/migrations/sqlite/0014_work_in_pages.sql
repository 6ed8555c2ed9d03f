-- What grows with the network is reached through an index, a page at a time, never by reading a whole table.

-- A broadcast is queued a page of members at a time, each page in its own transaction (a reply's write waits for
-- one page at most, not for the whole audience): the last member number its queuing has looked at. NULL: all
-- its recipients are queued (or it never started).
ALTER TABLE broadcasts ADD COLUMN queued_to INTEGER;

-- The button sets shown to a person, found by the keyed hash of whom they were shown to: erasure, unlinking and
-- export read a person's sets through this index instead of the whole table.
CREATE INDEX buttons_audience ON buttons (audience);

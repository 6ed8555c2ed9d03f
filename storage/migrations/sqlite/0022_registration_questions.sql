-- Registration questions (handlers/sessions/questions.py): the languages a session offers interpretation into
-- (codes separated by commas; none: no interpretation) and whether those going are asked about access needs; each
-- member's answers, sealed (storage/sealing.py: they can tell of a disability), kept while they are going.
ALTER TABLE sessions ADD COLUMN interpretation TEXT;
ALTER TABLE sessions ADD COLUMN asks_access INTEGER NOT NULL DEFAULT 0 CHECK (asks_access IN (0, 1));
ALTER TABLE session_signups ADD COLUMN answers TEXT;

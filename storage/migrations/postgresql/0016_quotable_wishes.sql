-- "What should a future meeting address?" now says that the answer may be quoted, without a name, in a meeting's
-- outcome report. Answers given before it said so are counted there, never quoted.
ALTER TABLE session_feedback ADD COLUMN quotable INTEGER NOT NULL DEFAULT 0 CHECK (quotable IN (0, 1));

-- The network's toolbox: practices that worked (and what did not), shared by members, published once an
-- organiser approves them, found by theme, region and words, endorsed and tried again elsewhere.

CREATE TABLE practices (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The author; NULL once they erased their data and chose to leave the practice, anonymous.
    author_id    INTEGER REFERENCES members (id) ON DELETE CASCADE,
    anonymous    INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1)),
    title        TEXT    NOT NULL,
    what         TEXT    NOT NULL,
    region       TEXT,
    place        TEXT,
    actor_kind   TEXT,
    worked       TEXT    NOT NULL DEFAULT '',
    not_worked   TEXT    NOT NULL DEFAULT '',
    needs        TEXT    NOT NULL DEFAULT '',
    link         TEXT,
    visibility   TEXT    NOT NULL DEFAULT 'network' CHECK (visibility IN ('network', 'organisers')),
    status       TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'changes', 'approved', 'declined', 'retired', 'merged')),
    review_note  TEXT,
    reviewed_by  INTEGER REFERENCES members (id) ON DELETE SET NULL,
    merged_into  INTEGER REFERENCES practices (id) ON DELETE SET NULL,
    session_id   INTEGER REFERENCES sessions (id) ON DELETE SET NULL,
    -- How many members said it worked for them too (kept with their reports, to rank without counting).
    worked_count INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    published_at INTEGER
);
CREATE INDEX practices_status ON practices (status, id);
CREATE INDEX practices_author ON practices (author_id);
CREATE INDEX practices_region ON practices (region, status);

CREATE TABLE practice_themes (
    practice_id INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    theme       TEXT    NOT NULL,
    PRIMARY KEY (practice_id, theme)
);
CREATE INDEX practice_themes_theme ON practice_themes (theme, practice_id);

-- "Worked for us too" and "Did not work for us": one per member and practice.
CREATE TABLE practice_reports (
    practice_id INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    verdict     TEXT    NOT NULL CHECK (verdict IN ('worked', 'not_worked')),
    note        TEXT,
    at          INTEGER NOT NULL,
    PRIMARY KEY (practice_id, member_id)
);
CREATE INDEX practice_reports_member ON practice_reports (member_id);

-- "Try this": the commitment it became.
ALTER TABLE commitments ADD COLUMN practice_id INTEGER REFERENCES practices (id) ON DELETE SET NULL;
CREATE INDEX commitments_practice ON commitments (practice_id, status);

-- "What should a future meeting address?", asked after a session, read by organisers grouped by theme.
CREATE TABLE session_feedback (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER REFERENCES sessions (id) ON DELETE SET NULL,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    theme      TEXT,
    text       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX session_feedback_session ON session_feedback (session_id, theme);
CREATE INDEX session_feedback_member ON session_feedback (member_id);

-- The words of each practice (storage/search.py prepares them), searched with FTS5; a practice deleted (its
-- author erased) leaves the index with it.
CREATE VIRTUAL TABLE practice_search USING fts5 (title, body, tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER practices_leave_the_index AFTER DELETE ON practices BEGIN
    DELETE FROM practice_search WHERE rowid = old.id;
END;

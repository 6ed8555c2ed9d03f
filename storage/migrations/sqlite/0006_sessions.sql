-- Sessions of the network's meetings (the agenda), who follows them, and what came of them.

-- AUTOINCREMENT: a session number is never reused. `uid` is the stable key an imported agenda file gives a
-- session (re-importing the file updates it rather than adding it again); sessions made in chat get one too.
-- `sequence` counts changes of time or place (the .ics SEQUENCE, so calendars take the newer version).
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    uid         TEXT    UNIQUE,
    title       TEXT    NOT NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    zone        TEXT    NOT NULL,
    venue       TEXT,
    link        TEXT,
    moderator   TEXT,
    speakers    TEXT,
    description TEXT,
    status      TEXT    NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    created_by  INTEGER REFERENCES members (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    sequence    INTEGER NOT NULL DEFAULT 0,
    CHECK (ends_at > starts_at)
);
CREATE INDEX sessions_starts ON sessions (starts_at);
CREATE INDEX sessions_ends ON sessions (ends_at);
CREATE INDEX sessions_created_by ON sessions (created_by);

-- A session's themes (ids of the network's themes).
CREATE TABLE session_themes (
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    theme      TEXT    NOT NULL,
    PRIMARY KEY (session_id, theme)
) WITHOUT ROWID;
CREATE INDEX session_themes_theme ON session_themes (theme, session_id);

-- Members who subscribed to one session.
CREATE TABLE session_subscriptions (
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, member_id)
) WITHOUT ROWID;
CREATE INDEX session_subscriptions_member ON session_subscriptions (member_id, session_id);

-- Members who follow every session of a theme.
CREATE TABLE theme_subscriptions (
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    theme      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (member_id, theme)
) WITHOUT ROWID;
CREATE INDEX theme_subscriptions_theme ON theme_subscriptions (theme, member_id);

-- A member who follows a theme but unsubscribed from one of its sessions.
CREATE TABLE session_optouts (
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    PRIMARY KEY (session_id, member_id)
) WITHOUT ROWID;
CREATE INDEX session_optouts_member ON session_optouts (member_id);

-- How long before a session starts a member wants its reminder (no row: the network's default).
CREATE TABLE session_settings (
    member_id    INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    lead_minutes INTEGER NOT NULL CHECK (lead_minutes BETWEEN 1 AND 1440)
);

-- A subscriber's answer to "did you attend?" after a session.
CREATE TABLE session_attendance (
    session_id  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    attended    INTEGER NOT NULL CHECK (attended IN (0, 1)),
    answered_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, member_id)
) WITHOUT ROWID;
CREATE INDEX session_attendance_member ON session_attendance (member_id);

-- A commitment registered from a session (its "concrete areas for follow-up").
CREATE TABLE session_commitments (
    commitment_id INTEGER PRIMARY KEY REFERENCES commitments (id) ON DELETE CASCADE,
    session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE
);
CREATE INDEX session_commitments_session ON session_commitments (session_id);

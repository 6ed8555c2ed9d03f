-- Members, their platform identities, profiles, invites, audit trail, buttons and conversations.
-- Times are whole seconds since the Unix epoch, UTC.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- AUTOINCREMENT: a member number is never given to someone else after its owner is erased.
CREATE TABLE members (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    role             TEXT    NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'organiser')),
    blocked          INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),
    display_name     TEXT,
    organisation     TEXT,
    actor_kind       TEXT,
    timezone         TEXT,
    contact          TEXT,
    profile_complete INTEGER NOT NULL DEFAULT 0 CHECK (profile_complete IN (0, 1)),
    consented_at     INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX members_name ON members (display_name COLLATE NOCASE);

-- One row per account on a platform; several rows may point at one member (linked accounts).
CREATE TABLE identities (
    platform    TEXT    NOT NULL,
    external_id TEXT    NOT NULL,
    member_id   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    linked_at   INTEGER NOT NULL,
    PRIMARY KEY (platform, external_id)
) WITHOUT ROWID;
CREATE INDEX identities_member ON identities (member_id);

CREATE TABLE member_themes (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    theme     TEXT    NOT NULL,
    PRIMARY KEY (member_id, theme)
) WITHOUT ROWID;
CREATE INDEX member_themes_theme ON member_themes (theme, member_id);

-- A region is either one of the network's regions (free = 0) or a city or country the member typed (free = 1).
CREATE TABLE member_regions (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    region    TEXT    NOT NULL,
    free      INTEGER NOT NULL DEFAULT 0 CHECK (free IN (0, 1)),
    PRIMARY KEY (member_id, region)
) WITHOUT ROWID;
CREATE INDEX member_regions_region ON member_regions (region, member_id);

CREATE TABLE member_languages (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    language  TEXT    NOT NULL,
    position  INTEGER NOT NULL,
    PRIMARY KEY (member_id, language)
) WITHOUT ROWID;
CREATE INDEX member_languages_language ON member_languages (language, member_id);

-- Only a hash of each invite code is kept: a stolen database does not hand out working codes.
CREATE TABLE invites (
    id         INTEGER PRIMARY KEY,
    code_hash  TEXT    NOT NULL UNIQUE,
    created_by INTEGER REFERENCES members (id) ON DELETE SET NULL,
    uses_left  INTEGER NOT NULL CHECK (uses_left >= 0),
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX invites_created_by ON invites (created_by);

-- Privileged actions. detail never holds personal text, only ids and numbers.
CREATE TABLE audit (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   INTEGER REFERENCES members (id) ON DELETE SET NULL,
    action     TEXT    NOT NULL,
    subject_id INTEGER REFERENCES members (id) ON DELETE SET NULL,
    detail     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_actor ON audit (actor_id);
CREATE INDEX audit_subject ON audit (subject_id);

-- Buttons carry only a token "<set>.<n>"; what button n of the set does, and who may press it, is looked up
-- here. One row holds every button the bot showed in one answer. audience is a keyed hash of the person or
-- member the buttons were sent to. used_at is set when a single-use button of the set is pressed.
CREATE TABLE buttons (
    token      TEXT    PRIMARY KEY,
    audience   TEXT    NOT NULL,
    actions    TEXT    NOT NULL,
    used_at    INTEGER,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX buttons_audience ON buttons (audience);
CREATE INDEX buttons_expires ON buttons (expires_at);

-- Where a member is in a guided flow (which question awaits an answer).
CREATE TABLE conversations (
    member_id  INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    flow       TEXT    NOT NULL,
    step       TEXT    NOT NULL,
    data       TEXT    NOT NULL DEFAULT '{}',
    nonce      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

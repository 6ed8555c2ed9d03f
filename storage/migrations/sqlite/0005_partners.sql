-- Partner searches, introductions between members who both agree, members' own blocks, joint commitments.

-- Whether the member may be proposed to others as a partner (/matching off pauses it).
ALTER TABLE members ADD COLUMN matching INTEGER NOT NULL DEFAULT 1 CHECK (matching IN (0, 1));

-- Each (theme, network region) pair a member works on, kept by the triggers below: a search for a theme in a region
-- reads only the members who match both from one index, however popular the theme and rare the region.
CREATE TABLE member_theme_regions (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    theme     TEXT    NOT NULL,
    region    TEXT    NOT NULL,
    PRIMARY KEY (member_id, theme, region)
) WITHOUT ROWID;
CREATE INDEX member_theme_regions_pair ON member_theme_regions (theme, region, member_id);
INSERT INTO member_theme_regions (member_id, theme, region)
    SELECT t.member_id, t.theme, r.region FROM member_themes t
    JOIN member_regions r ON r.member_id = t.member_id AND r.free = 0;

CREATE TRIGGER member_themes_paired AFTER INSERT ON member_themes BEGIN
    INSERT OR IGNORE INTO member_theme_regions (member_id, theme, region)
        SELECT NEW.member_id, NEW.theme, r.region FROM member_regions r WHERE r.member_id = NEW.member_id AND r.free = 0;
END;
CREATE TRIGGER member_themes_unpaired AFTER DELETE ON member_themes BEGIN
    DELETE FROM member_theme_regions WHERE member_id = OLD.member_id AND theme = OLD.theme;
END;
CREATE TRIGGER member_regions_paired AFTER INSERT ON member_regions WHEN NEW.free = 0 BEGIN
    INSERT OR IGNORE INTO member_theme_regions (member_id, theme, region)
        SELECT NEW.member_id, t.theme, NEW.region FROM member_themes t WHERE t.member_id = NEW.member_id;
END;
CREATE TRIGGER member_regions_unpaired AFTER DELETE ON member_regions WHEN OLD.free = 0 BEGIN
    DELETE FROM member_theme_regions WHERE member_id = OLD.member_id AND region = OLD.region;
END;

-- A partner search: what was asked, how many people were proposed, and what came of it.
-- status: 'proposed' (people shown, none picked yet), 'sent' (introduction requests sent), 'matched' (at least
-- one introduction made), 'unmatched' (nobody found, or nobody picked accepted in time), 'closed' (cancelled).
CREATE TABLE partner_requests (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    theme      TEXT,
    region     TEXT,
    language   TEXT,
    note       TEXT    NOT NULL DEFAULT '',
    found      INTEGER NOT NULL DEFAULT 0,
    status     TEXT    NOT NULL DEFAULT 'proposed'
               CHECK (status IN ('proposed', 'sent', 'matched', 'unmatched', 'closed')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX partner_requests_member ON partner_requests (member_id, created_at);
CREATE INDEX partner_requests_status ON partner_requests (status, created_at);

-- Who a search proposed, in the order shown, until the member picks (then the rows go). Kept apart from the
-- conversation so that the member's export never holds other members' numbers. `reason` holds ids and codes
-- only: {"t": theme, "r": region, "l": [languages], "c": commitment number or null}.
CREATE TABLE partner_proposals (
    request_id INTEGER NOT NULL REFERENCES partner_requests (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    reason     TEXT    NOT NULL DEFAULT '{}',
    PRIMARY KEY (request_id, position)
) WITHOUT ROWID;
CREATE INDEX partner_proposals_member ON partner_proposals (member_id);

-- An introduction between side a (the member who searched, or the first member an organiser named) and side b.
-- Each side's answer: 'pending', 'accepted', 'declined', 'not_now' (asked again once), 'withheld' (never asked:
-- something stood in the way that neither side may learn), 'gone' (erased their data). Contacts are passed on
-- only when both are 'accepted' (status 'introduced'); otherwise the introduction lapses at expires_at.
-- status 'void': an organiser's introduction that was never sent to either side.
CREATE TABLE introductions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id    INTEGER REFERENCES partner_requests (id) ON DELETE SET NULL,
    a_id          INTEGER REFERENCES members (id) ON DELETE SET NULL,
    b_id          INTEGER REFERENCES members (id) ON DELETE SET NULL,
    organiser_id  INTEGER REFERENCES members (id) ON DELETE SET NULL,
    reason        TEXT    NOT NULL DEFAULT '{}',
    note          TEXT    NOT NULL DEFAULT '',
    a_answer      TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (a_answer IN ('pending', 'accepted', 'declined', 'not_now', 'withheld', 'gone')),
    b_answer      TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (b_answer IN ('pending', 'accepted', 'declined', 'not_now', 'withheld', 'gone')),
    a_asked_again INTEGER NOT NULL DEFAULT 0 CHECK (a_asked_again IN (0, 1)),
    b_asked_again INTEGER NOT NULL DEFAULT 0 CHECK (b_asked_again IN (0, 1)),
    status        TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'introduced', 'lapsed', 'void')),
    a_follow_up   TEXT    CHECK (a_follow_up IN ('yes', 'not_yet', 'no')),
    b_follow_up   TEXT    CHECK (b_follow_up IN ('yes', 'not_yet', 'no')),
    expires_at    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    introduced_at INTEGER
);
CREATE INDEX introductions_pair ON introductions (a_id, b_id);
CREATE INDEX introductions_b ON introductions (b_id, created_at);
CREATE INDEX introductions_request ON introductions (request_id);
CREATE INDEX introductions_organiser ON introductions (organiser_id);

-- A member who declined an introduction and blocked the other: neither is ever proposed to the other again.
-- Nobody is told.
CREATE TABLE member_blocks (
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    blocked_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (member_id, blocked_id)
) WITHOUT ROWID;
CREATE INDEX member_blocks_blocked ON member_blocks (blocked_id, member_id);

-- A joint commitment is one commitment row for each of the two members, each naming the other.
ALTER TABLE commitments ADD COLUMN joint_with INTEGER REFERENCES members (id) ON DELETE SET NULL;
CREATE INDEX commitments_joint_with ON commitments (joint_with);

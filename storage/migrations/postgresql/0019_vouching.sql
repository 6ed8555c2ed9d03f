-- Closed networks ([membership] vouches = N): who brought each member in (the maker of the invite they used), and
-- whether they are still a newcomer, until N members have vouched for them.
ALTER TABLE members ADD COLUMN invited_by BIGINT REFERENCES members (id) ON DELETE SET NULL;
ALTER TABLE members ADD COLUMN newcomer BIGINT NOT NULL DEFAULT 0 CHECK (newcomer IN (0, 1));
CREATE INDEX members_invited_by ON members (invited_by);

-- Who vouched for whom: one row per member and voucher, gone with either.
CREATE TABLE vouches (
    member_id  BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    voucher_id BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    at         BIGINT NOT NULL,
    PRIMARY KEY (member_id, voucher_id)
);
CREATE INDEX vouches_voucher ON vouches (voucher_id);

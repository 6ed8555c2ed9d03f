-- A platform account that refused messages (bot blocked, DMs closed) is marked, so deliveries skip it until the
-- person writes to the bot again there.
ALTER TABLE identities ADD COLUMN unreachable_since INTEGER;

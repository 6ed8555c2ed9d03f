-- /panic deletes the messages the bot sent a member that the platform still lets it delete. Telegram gives a bot
-- no way to read a chat's history, so the ids of what it sent into a member's private chat are kept here, with
-- nothing but where and when, for the 48 hours Telegram lets a bot delete them (the clock sweeps older rows).
CREATE TABLE sent_messages (
    platform   TEXT   NOT NULL,
    chat       TEXT   NOT NULL,
    message_id TEXT   NOT NULL,
    sent_at    BIGINT NOT NULL,
    PRIMARY KEY (platform, chat, message_id)
);
CREATE INDEX sent_messages_at ON sent_messages (sent_at);

-- The member a member chose to be told if they use /panic (one they were introduced to).
ALTER TABLE members ADD COLUMN panic_contact BIGINT REFERENCES members (id) ON DELETE SET NULL;
